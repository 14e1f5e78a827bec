//! What every diagram format shares: which components and links the
//! findings mark, and the one-line label of a component.

use std::collections::BTreeSet;

use crate::diagnostics::Diagnostic;
use crate::model::{Component, ComponentId, Design, LinkId, Target};

/// Rules whose subject is a component that, if it fails, takes flows down.
const SPOF_RULES: &[&str] = &[
    "single-point-of-failure",
    "unreplicated-load-balancer",
    "primary-without-failover",
];

/// Components and links the findings mark in a diagram.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Highlights {
    pub single_points_of_failure: BTreeSet<ComponentId>,
    pub cap_mismatch: BTreeSet<ComponentId>,
    pub cap_mismatch_links: BTreeSet<LinkId>,
}

impl Highlights {
    /// From `hld check`'s findings: the components of the single point of
    /// failure rules, and the links of `cap-mismatch` (and their targets),
    /// read from each finding's typed target.
    pub fn from_findings(design: &Design, findings: &[Diagnostic]) -> Highlights {
        let mut highlights = Highlights::default();
        for finding in findings {
            match (finding.code.as_str(), finding.target) {
                (code, Some(Target::Component(id))) if SPOF_RULES.contains(&code) => {
                    highlights.single_points_of_failure.insert(id);
                }
                ("cap-mismatch", Some(Target::Link(link_id))) => {
                    highlights.cap_mismatch.insert(design.link(link_id).to);
                    highlights.cap_mismatch_links.insert(link_id);
                }
                _ => {}
            }
        }
        highlights
    }

    pub fn is_empty(&self) -> bool {
        self.single_points_of_failure.is_empty() && self.cap_mismatch.is_empty()
    }
}

/// `api ×3` and the technology, the lines of a component's box.
pub fn component_lines(design: &Design, component: &Component) -> Vec<String> {
    let mut first = component.id.clone();
    let copies = match component.kind {
        crate::model::Kind::Database => component.replication.nodes(),
        _ => component.replicas,
    };
    if copies > 1 {
        first.push_str(&format!(" ×{copies}"));
    }
    let mut lines = vec![first];
    if let Some(label) = &component.label {
        lines.push(label.clone());
    }
    let kind = match &component.technology_name {
        // A managed one is its provider's to replicate (language.md §8).
        Some((technology, _)) if component.is_managed() => format!("{} · {technology}, managed", component.kind),
        Some((technology, _)) => format!("{} · {technology}", component.kind),
        None => component.kind.to_string(),
    };
    lines.push(kind);
    if let Some(role) = design.role_summary(component) {
        lines.push(format!("role {role}"));
    }
    lines
}

/// `op = read · requires strong`: what a link says beyond its ends.
pub fn link_label(design: &Design, link_id: LinkId) -> Option<String> {
    let link = design.link(link_id);
    let mut parts = Vec::new();
    if link.property_span("op").is_some() {
        parts.push(link.op.to_string());
    }
    if let Some(requires) = link.requires {
        parts.push(format!("requires {requires}"));
    }
    if link.property_span("fanout").is_some() && link.fanout == crate::model::Fanout::All {
        parts.push("fan-out to all shards".to_string());
    }
    if link.property_span("weight").is_some() {
        parts.push(format!("weight {}", link.weight));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

#[cfg(test)]
mod role_tests {
    use super::component_lines;
    use crate::model::load::test_design;

    #[test]
    fn components_of_one_role_name_it_with_their_regions() {
        let design = test_design(
            "system s {\n  region us {\n    service chat_us { role = chat }\n  }\n  region eu {\n    service chat_eu { role = chat }\n  }\n  service solo { role = billing }\n}",
        );
        let lines = |name: &str| component_lines(&design, design.component(design.component_id(name).unwrap()));
        assert_eq!(
            lines("chat_us").last().map(String::as_str),
            Some("role chat, 2 regions")
        );
        assert_eq!(
            lines("chat_eu").last().map(String::as_str),
            Some("role chat, 2 regions")
        );
        // A role of one component says nothing more.
        assert_eq!(lines("solo"), vec!["solo".to_string(), "service".to_string()]);
    }
}
