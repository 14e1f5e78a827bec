//! What a finding is about, and the edits of a design a fix makes.
//!
//! A rule's finding carries its [`Target`] (component, link or flow ids) to
//! every output, and may carry a [`Fix`]: edits in hld syntax that
//! `crate::fix` applies to the text at the model's spans, verifies by
//! re-checking the edited design, and `hld check --fix` writes.
//!
//! A leaf (ids only), so that diagnostics can carry targets and fixes; what
//! needs the design (a target's subject, an edit built from it) is in
//! `model/mod.rs`.

use super::ids::{ComponentId, FlowId, LinkId};

/// What a finding is about: `allow` on it suppresses the finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Component(ComponentId),
    Link(LinkId),
    Flow(FlowId),
}

impl Target {
    pub fn component(self) -> Option<ComponentId> {
        match self {
            Target::Component(id) => Some(id),
            _ => None,
        }
    }

    pub fn link(self) -> Option<LinkId> {
        match self {
            Target::Link(id) => Some(id),
            _ => None,
        }
    }

    pub fn flow(self) -> Option<FlowId> {
        match self {
            Target::Flow(id) => Some(id),
            _ => None,
        }
    }
}

/// Sets one property of a component, link or flow to a value in hld
/// syntax: replaces the value when the property is written, else inserts
/// it into the declaration's `{ }` block (adding the block when there is
/// none). `property` may name a field of a block-valued property,
/// `replication.failover`: the field is set inside that property's block.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    pub target: Target,
    pub property: &'static str,
    pub value: String,
    /// The subject, for the wording (`api`, `api -> db`).
    pub subject: String,
}

impl Edit {
    /// `set replicas = 3 on api`, `set failover = auto in the replication of db`.
    pub fn describe(&self) -> String {
        match self.property.split_once('.') {
            Some((block, field)) => format!("set {field} = {} in the {block} of {}", self.value, self.subject),
            None => format!("set {} = {} on {}", self.property, self.value, self.subject),
        }
    }
}

/// A machine-applicable fix: edits that together clear a finding.
/// `verified` is set once the edited design was re-checked and the finding
/// was gone with no new finding in its place (`crate::fix::verify`); only a
/// verified fix is offered as one.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    pub edits: Vec<Edit>,
    /// Changes of structure no property edit makes (`dual-write`: move a
    /// publish to the database's change feed).
    pub rewrites: Vec<Rewrite>,
    pub verified: bool,
}

/// A change of the design's structure, applied to the text like an
/// [`Edit`] and verified the same way.
#[derive(Clone, Debug, PartialEq)]
pub enum Rewrite {
    /// The declaration of `link` (written alone, not in a chain) becomes
    /// `declaration`, a link declaration in hld syntax.
    ReplaceLink {
        link: LinkId,
        declaration: String,
        /// `A -> B`, for the wording.
        subject: String,
    },
    /// The `call` line of `flow` whose first hop makes visit `visit`
    /// starts at another component: `call api -> events` becomes `call
    /// tweets -> events`.
    MoveCall {
        flow: FlowId,
        visit: usize,
        /// The caller as written, and the one that takes its place.
        from: String,
        to: String,
        /// The callee, and the flow's id, for the wording.
        callee: String,
        flow_id: String,
    },
}

impl Rewrite {
    pub fn describe(&self) -> String {
        match self {
            Rewrite::ReplaceLink {
                declaration, subject, ..
            } => format!("replace `{subject}` with `{declaration}`"),
            Rewrite::MoveCall {
                from,
                to,
                callee,
                flow_id,
                ..
            } => format!("start `call {from} -> {callee}` of flow {flow_id} at {to}"),
        }
    }
}

impl Fix {
    pub fn new(edits: Vec<Edit>) -> Fix {
        Fix {
            edits,
            rewrites: Vec::new(),
            verified: false,
        }
    }

    /// A fix that changes structure only.
    pub fn rewrite(rewrites: Vec<Rewrite>) -> Fix {
        Fix {
            edits: Vec::new(),
            rewrites,
            verified: false,
        }
    }

    pub fn one(edit: Edit) -> Fix {
        Fix::new(vec![edit])
    }

    /// The edits in words: `set replicas = 2 and mode = active_passive on
    /// lb`, edits of other places `; `-separated.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut idx = 0;
        while idx < self.edits.len() {
            let edit = &self.edits[idx];
            let mut same = vec![edit];
            let block = edit.property.split_once('.').map(|(block, _)| block);
            while let Some(next) = self.edits.get(idx + same.len()) {
                if next.target != edit.target || next.property.split_once('.').map(|(block, _)| block) != block {
                    break;
                }
                same.push(next);
            }
            idx += same.len();
            if same.len() == 1 {
                parts.push(edit.describe());
                continue;
            }
            let settings: Vec<String> = same
                .iter()
                .map(|edit| {
                    let name = edit.property.split_once('.').map_or(edit.property, |(_, field)| field);
                    format!("{name} = {}", edit.value)
                })
                .collect();
            let list = crate::format::join_all(&settings);
            parts.push(match block {
                Some(block) => format!("set {list} in the {block} of {}", edit.subject),
                None => format!("set {list} on {}", edit.subject),
            });
        }
        parts.extend(self.rewrites.iter().map(Rewrite::describe));
        parts.join("; ")
    }
}
