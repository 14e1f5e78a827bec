//! `textDocument/hover`: what `hld` knows of the thing under the cursor,
//! in Markdown.
//! - A component: its card from `hld explain --full` (role, instances,
//!   latency and availability with where each default comes from, load
//!   and utilization, what the knowledge base says of its technology),
//!   its wait, and the flows through it.
//! - A link: its mode and operation, the consistency its target gives and
//!   the one the hop requires.
//! - A flow: its figures and its SLO verdict.

use super::navigate::{Target, target_at};
use super::workspace::Snapshot;
use crate::analysis::consistency;
use crate::emit::estimate::slo_text;
use crate::emit::explain::markdown_blocks;
use crate::format::{ms, percent, rate};
use crate::model::{ComponentId, Design, FlowId, Kind, LinkId};

/// The hover text at `offset` of the root file, if anything is there.
pub fn hover(snapshot: &Snapshot, offset: usize) -> Option<String> {
    let design = snapshot.design()?;
    Some(match target_at(snapshot, offset)? {
        Target::Component(id) => component(snapshot, design, id),
        Target::Link(id) => link(design, id),
        Target::Flow(id) => flow(snapshot, design, id),
    })
}

fn component(snapshot: &Snapshot, design: &Design, id: ComponentId) -> String {
    let component = design.component(id);
    let mut title = format!("**{}**: {}", component.id, component.kind);
    if let Some((technology, _)) = &component.technology_name {
        title.push_str(&format!(" · {technology}"));
    }
    let mut out = vec![title];
    if let Some(estimates) = snapshot.estimates() {
        out.push(markdown_blocks(&crate::explain::component_card(design, estimates, id)));
        if let Some(wait) = estimates.capacity.component(id).and_then(|load| load.wait_ms) {
            let wait = if wait.is_finite() {
                ms(wait)
            } else {
                "unbounded (saturated)".to_string()
            };
            out.push(format!("- **wait** (mean, in its queue): {wait}"));
        }
    }
    let flows: Vec<&str> = design
        .flow_ids()
        .filter(|flow| design.flow(*flow).visits.iter().any(|visit| visit.component == id))
        .map(|flow| design.flow(flow).id.as_str())
        .collect();
    out.push(if flows.is_empty() {
        "No flow passes through it.".to_string()
    } else {
        format!("Flows through it: {}.", flows.join(", "))
    });
    out.join("\n\n")
}

fn link(design: &Design, id: LinkId) -> String {
    let link = design.link(id);
    let mut lines = vec![
        format!("**{}**", design.link_subject(id)),
        format!("- **mode:** {}", link.mode),
        format!("- **op:** {}", link.op),
        format!("- **protocol:** {}", link.protocol),
    ];
    let target = design.component(link.to);
    if matches!(
        target.kind,
        Kind::Database | Kind::Cache | Kind::Search | Kind::ObjectStore
    ) {
        let given = consistency::effective(target, link.op, link.read_from);
        lines.push(format!("- **consistency given:** {} ({})", given.level, given.cause));
    }
    lines.push(match link.requires {
        Some(required) => format!("- **consistency required:** {required}"),
        None => "- **consistency required:** none declared".to_string(),
    });
    if let Some(timeout) = link.timeout_ms {
        lines.push(format!("- **timeout:** {}", ms(timeout)));
    }
    if let Some(retries) = link.retries {
        lines.push(format!("- **retries:** {retries}"));
    }
    lines.join("\n")
}

fn flow(snapshot: &Snapshot, design: &Design, id: FlowId) -> String {
    let flow = design.flow(id);
    let mut lines = vec![match &flow.label {
        Some(label) => format!("**flow {}**: {label}", flow.id),
        None => format!("**flow {}**", flow.id),
    }];
    let estimate = snapshot
        .estimates()
        .and_then(|estimates| estimates.flows.iter().find(|estimate| estimate.flow == id));
    match estimate {
        Some(estimate) => {
            lines.push(format!("- **rps:** {}", rate(estimate.rps)));
            let latency = &estimate.latency;
            lines.push(if latency.p99_ms.is_finite() {
                format!(
                    "- **latency:** p50 {}, p95 {}, p99 {} (mean {})",
                    ms(latency.p50_ms),
                    ms(latency.p95_ms),
                    ms(latency.p99_ms),
                    ms(latency.mean_ms)
                )
            } else {
                "- **latency:** unbounded: a component on its path is saturated".to_string()
            });
            lines.push(format!("- **availability:** {}", percent(estimate.availability)));
            lines.push(format!("- **status:** {}", estimate.status.as_str()));
            lines.push(match &estimate.slo {
                Some(verdict) => format!("- **SLO:** {}", slo_text(verdict)),
                None => "- **SLO:** none declared".to_string(),
            });
        }
        None => lines.push(format!("- **rps:** {}", rate(flow.rps))),
    }
    lines.push("`hld estimate --explain` shows how each figure is computed.".to_string());
    lines.join("\n")
}
