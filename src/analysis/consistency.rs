//! Effective consistency: the level a hop into a store actually gives
//! (language.md §4, "Consistency"), and why. `cap-mismatch` compares it with
//! `requires`; `explain` and `what-if` can show the same reasoning.
//!
//! Pure functions of the model: no graph, no findings.

use std::fmt;

use crate::model::{Component, Conflict, Consistency, Op, ReadFrom, Replication, ReplicationMode};

/// What a hop gives, with the reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effective {
    pub level: Consistency,
    pub cause: Cause,
}

/// Why a hop gives the level it gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The store's own `consistency` (declared, else its technology's).
    Store { declared: bool },
    /// Reads may reach replicas that lag the primary.
    LaggingReplicas { mode: ReplicationMode },
    /// `quorum { n, r, w }`: strong iff r + w > n.
    Quorum { n: u32, r: u32, w: u32 },
    /// `multi_primary`: concurrent writes on several nodes.
    MultiPrimary { conflict: Option<Conflict> },
}

/// The consistency a hop with operation `op` gives on `store`.
///
/// A write gets what the node that takes it gives; a read (and a
/// `read_write`, judged by its reads) what the node it may land on gives.
pub fn effective(store: &Component, op: Op, read_from: ReadFrom) -> Effective {
    let own = Effective {
        level: store.consistency(),
        cause: Cause::Store {
            declared: store.consistency_declared.is_some(),
        },
    };
    match &store.replication {
        Replication::None => own,
        Replication::Quorum { n, r, w } => Effective {
            level: if u64::from(*r) + u64::from(*w) > u64::from(*n) {
                Consistency::Strong
            } else {
                Consistency::Eventual
            },
            cause: Cause::Quorum { n: *n, r: *r, w: *w },
        },
        Replication::MultiPrimary { conflict, .. } => Effective {
            level: if *conflict == Some(Conflict::Crdt) {
                Consistency::Causal
            } else {
                Consistency::Eventual
            },
            cause: Cause::MultiPrimary { conflict: *conflict },
        },
        Replication::PrimaryReplica { mode, .. } => {
            let lagging = matches!(mode, ReplicationMode::Async | ReplicationMode::SemiSync);
            if op.judged_by_reads() && lagging && read_from == ReadFrom::Any {
                Effective {
                    level: Consistency::Eventual,
                    cause: Cause::LaggingReplicas { mode: *mode },
                }
            } else {
                own
            }
        }
    }
}

/// Words for what a hop does: `reads` or `writes`.
pub fn op_noun(op: Op) -> &'static str {
    if op.judged_by_reads() { "reads" } else { "writes" }
}

impl fmt::Display for Cause {
    /// Why, as a phrase about the store named `{store}` by the caller:
    /// "reads may reach async replicas".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Store { declared: true } => f.write_str("its declared consistency"),
            Cause::Store { declared: false } => f.write_str("its technology's default consistency"),
            Cause::LaggingReplicas { mode } => write!(f, "reads may reach its {mode} replicas"),
            Cause::Quorum { n, r, w } => {
                let sum = u64::from(*r) + u64::from(*w);
                let relation = if sum > u64::from(*n) { ">" } else { "<=" };
                write!(f, "its quorum has r + w = {sum} {relation} n = {n}")
            }
            Cause::MultiPrimary {
                conflict: Some(conflict),
            } => {
                write!(f, "it takes writes on several primaries (conflict = {conflict})")
            }
            Cause::MultiPrimary { conflict: None } => f.write_str("it takes writes on several primaries"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::design;

    fn level(decl: &str, op: Op, read_from: ReadFrom) -> Consistency {
        let design = design(&format!("system s {{\n  {decl}\n}}"));
        effective(&design.components[0], op, read_from).level
    }

    #[test]
    fn follows_language_md() {
        use Consistency::*;
        // Single node: the store's own consistency.
        assert_eq!(level("database d : postgres", Op::Read, ReadFrom::Any), Strong);
        assert_eq!(level("database d : cassandra", Op::Write, ReadFrom::Any), Eventual);
        assert_eq!(
            level(
                "database d : cassandra { consistency = strong }",
                Op::Read,
                ReadFrom::Any
            ),
            Strong
        );
        // Quorum: r + w > n, whatever the technology.
        let quorum =
            |r: u32, w: u32| format!("database d : cassandra {{ replication = quorum {{ n = 3, r = {r}, w = {w} }} }}");
        assert_eq!(level(&quorum(1, 1), Op::Read, ReadFrom::Any), Eventual);
        assert_eq!(level(&quorum(2, 2), Op::ReadWrite, ReadFrom::Any), Strong);
        assert_eq!(level(&quorum(1, 1), Op::Write, ReadFrom::Any), Eventual);
        // Primary/replica: lagging replicas weaken reads, not writes.
        let replicated = |mode: &str| {
            format!("database d : postgres {{ replication = primary_replica {{ replicas = 2, mode = {mode} }} }}")
        };
        assert_eq!(level(&replicated("async"), Op::Read, ReadFrom::Any), Eventual);
        assert_eq!(level(&replicated("semi_sync"), Op::ReadWrite, ReadFrom::Any), Eventual);
        assert_eq!(level(&replicated("async"), Op::Read, ReadFrom::Primary), Strong);
        assert_eq!(level(&replicated("async"), Op::Write, ReadFrom::Any), Strong);
        assert_eq!(level(&replicated("sync"), Op::Read, ReadFrom::Any), Strong);
        // Multi-primary: eventual, causal with CRDTs.
        assert_eq!(
            level(
                "database d : postgres { replication = multi_primary { primaries = 2 } }",
                Op::Write,
                ReadFrom::Any
            ),
            Eventual
        );
        assert_eq!(
            level(
                "database d : postgres { replication = multi_primary { primaries = 2, conflict = crdt } }",
                Op::Read,
                ReadFrom::Any
            ),
            Causal
        );
    }

    #[test]
    fn causes_read_as_phrases() {
        let cause = Cause::Quorum { n: 3, r: 1, w: 1 };
        assert_eq!(cause.to_string(), "its quorum has r + w = 2 <= n = 3");
        let cause = Cause::LaggingReplicas {
            mode: ReplicationMode::Async,
        };
        assert_eq!(cause.to_string(), "reads may reach its async replicas");
    }
}
