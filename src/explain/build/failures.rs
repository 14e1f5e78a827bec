//! What breaks if a component fails (section 9 of the full reference): a what-if run of every component and
//! every region.

use super::*;

/// How many components the short page lists one by one, and how many ids
/// it names in the one line of the ones whose failure changes nothing.
const BRIEF_ITEMS: usize = 30;

impl<'a> Builder<'a> {
    /// The short page's failures: the same what-if runs, one line per
    /// component whose failure changes something, and one line naming the
    /// ones whose failure changes nothing.
    pub(super) fn failures_brief(&mut self) -> Vec<Block> {
        let mut blocks = self.failures();
        let Some(position) = blocks.iter().position(|block| matches!(block, Block::Bullets(_))) else {
            return blocks;
        };
        let Block::Bullets(items) = blocks.remove(position) else {
            return blocks;
        };
        let (quiet, loud): (Vec<Text>, Vec<Text>) = items
            .into_iter()
            .partition(|item| item.to_plain().ends_with(" fails: no flow fails."));
        let mut replacement = Vec::new();
        if !loud.is_empty() {
            let more = loud.len().saturating_sub(BRIEF_ITEMS);
            let mut shown: Vec<Text> = loud.into_iter().take(BRIEF_ITEMS).collect();
            if more > 0 {
                shown.push(Text::new().rich(&format!(
                    "and {} more whose failure fails or slows a flow (`hld explain --full` lists every one).",
                    count(more, "component")
                )));
            }
            replacement.push(Block::Bullets(shown));
        }
        if !quiet.is_empty() {
            let ids: Vec<String> = quiet
                .iter()
                .filter_map(|item| match item.parts().first() {
                    Some(super::super::Inline::Code(id)) => Some(id.clone()),
                    _ => None,
                })
                .collect();
            let mut text = Text::new().rich("No flow fails, slows down or loses work when any one of these fails: ");
            for (idx, id) in ids.iter().take(BRIEF_ITEMS).enumerate() {
                if idx > 0 {
                    text = text.plain(if idx + 1 == ids.len().min(BRIEF_ITEMS) && ids.len() <= BRIEF_ITEMS {
                        " and "
                    } else {
                        ", "
                    });
                }
                text = text.code(id.clone());
            }
            if ids.len() > BRIEF_ITEMS {
                text = text.rich(&format!(" and {} more", ids.len() - BRIEF_ITEMS));
            }
            replacement.push(Block::Paragraph(text.rich(".")));
        }
        for (offset, block) in replacement.into_iter().enumerate() {
            blocks.insert(position + offset, block);
        }
        blocks
    }

    pub(super) fn failures(&mut self) -> Vec<Block> {
        let design = self.design;
        let mut blocks = vec![Block::Paragraph(Text::new().rich(
            "For every component, what `hld what-if --fail ID` computes: the flows that fail, the ones that get slower, the load that moves and the queues that start to grow. A failed component is down with all its replicas; a failed cdn or cache-aside cache is bypassed (docs/explain.md).",
        ))];
        if design.flows.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "The design declares no flow, so no request can be shown failing or slowing down: declare a `flow` for each kind of request to see what breaks.",
            )));
        }
        let mut engine = WhatIfEngine::with_baseline(design, self.baseline.clone());
        let total: f64 = design.flows.iter().map(|flow| flow.rps).sum();
        let mut items = Vec::new();
        for id in design.component_ids() {
            let component = self.component(id);
            if component.kind == Kind::Client {
                continue;
            }
            let what_if = engine.run_changes(&Scenario::fail([id]), Detail::Rises);
            items.push(
                Text::new()
                    .code(component.id.clone())
                    .rich(" fails: ")
                    .rich(&self.what_if_text(&what_if, total)),
            );
        }
        if items.is_empty() {
            blocks.push(Block::Paragraph(
                Text::new().rich("The design has no component besides its clients."),
            ));
        } else {
            blocks.push(Block::Bullets(items));
        }
        let regions = self.used_regions();
        if !regions.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "And if a region is cut off from the rest (`hld what-if --partition REGION`; components without a region are outside every region):",
            )));
            let items = regions
                .into_iter()
                .map(|region| {
                    let what_if = engine.run_changes(&Scenario::partition(region), Detail::Rises);
                    Text::new()
                        .rich("region ")
                        .code(design.region(region).id.clone())
                        .rich(" cut off: ")
                        .rich(&self.what_if_text(&what_if, total))
                })
                .collect();
            blocks.push(Block::Bullets(items));
        }
        blocks
    }

    /// One sentence group per what-if (as `WhatIfEngine::run_changes`
    /// reports it: only what can change): failed flows, slower flows, moved
    /// load, growing queues.
    pub(super) fn what_if_text(&self, what_if: &WhatIf, total: f64) -> String {
        let design = self.design;
        let mut parts = Vec::new();
        let failed: Vec<FlowId> = what_if.failed_flows().map(|flow| flow.flow).collect();
        if failed.is_empty() {
            parts.push("no flow fails".to_string());
        } else {
            let lost: f64 = what_if.failed_flows().map(|flow| flow.rps).sum();
            let causes: BTreeSet<String> = what_if
                .failed_flows()
                .filter_map(|flow| flow.failed_at)
                .map(|at| match at {
                    Break::Down(id) => format!("needs {}", self.component(id).id),
                    Break::Cut(link) => format!("crosses {}", design.link_subject(link)),
                })
                .collect();
            let causes: Vec<String> = causes.into_iter().collect();
            parts.push(format!(
                "{} {} {} ({} of {} requests/s)",
                if failed.len() == 1 { "flow" } else { "flows" },
                flow_names(design, &failed),
                if failed.len() == 1 { "fails" } else { "fail" },
                grouped(lost),
                grouped(total)
            ));
            if what_if.scenario.partition.is_some() {
                parts.push(format!("each {}", join_all(&causes)));
            }
        }
        for flow in &what_if.flows {
            let Some(after) = &flow.after else {
                continue;
            };
            if flow.slower() {
                parts.push({
                    let (before, after) = (&flow.before.latency, &after.latency);
                    let mut text = format!(
                        "{} gets slower: mean {} → {}",
                        design.flow(flow.flow).id,
                        ms(before.mean_ms),
                        ms(after.mean_ms)
                    );
                    for (name, b, a) in [
                        ("p50", before.p50_ms, after.p50_ms),
                        ("p99", before.p99_ms, after.p99_ms),
                    ] {
                        if ms(b) == ms(a) {
                            text.push_str(&format!(", {name} stays {}", ms(b)));
                        } else {
                            text.push_str(&format!(", {name} {} → {}", ms(b), ms(a)));
                        }
                    }
                    text
                });
            }
            if let Some(stop) = &flow.background {
                let at = match stop.at {
                    Break::Down(id) => self.component(id).id.clone(),
                    Break::Cut(link) => design.link_subject(link),
                };
                parts.push(match stop.held_by {
                    Some(queue) => format!(
                        "the background work of {} stops at {at} and waits in {}",
                        design.flow(flow.flow).id,
                        self.component(queue).id
                    ),
                    None => format!("the background work of {} is lost at {at}", design.flow(flow.flow).id),
                });
            }
        }
        let moved: Vec<String> = what_if
            .components
            .iter()
            .filter(|component| !component.down)
            .filter_map(|component| {
                let after = component.after.as_ref()?;
                let before = &component.before;
                (after.load_rps > before.load_rps * (1.0 + 1e-9) + 1e-9).then(|| {
                    let mut text = format!(
                        "{} {} → {}",
                        self.component(component.component).id,
                        rate(before.load_rps),
                        rate(after.load_rps)
                    );
                    if let (Some(b), Some(a)) = (before.utilization, after.utilization) {
                        text.push_str(&format!(" (utilization {} → {})", utilization(b), utilization(a)));
                    }
                    text
                })
            })
            .collect();
        if !moved.is_empty() {
            parts.push(format!("load rises on {}", join_all(&moved)));
        }
        let growing: Vec<String> = what_if
            .growing_queues()
            .map(|queue| {
                format!(
                    "{} (+{} messages an hour)",
                    self.component(queue.queue).id,
                    grouped(queue.after.growth_per_hour - queue.before.growth_per_hour)
                )
            })
            .collect();
        if !growing.is_empty() {
            parts.push(format!(
                "{} start{} to grow",
                join_all(&growing),
                if growing.len() == 1 { "s" } else { "" }
            ));
        }
        let mut text = parts.join("; ");
        text.push('.');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{FRAGILE, URL_SHORTENER, brief_section, section};
    use crate::explain::SectionKind;

    #[test]
    fn each_component_failing_in_turn() {
        let text = section(FRAGILE, SectionKind::Failures);
        assert!(
            text.contains("api fails: flow get fails (100 of 100 requests/s)"),
            "{text}"
        );
        assert!(!text.contains("users fails"), "{text}");
    }

    #[test]
    fn the_short_page_names_the_harmless_failures_on_one_line() {
        let text = brief_section(URL_SHORTENER, SectionKind::Failures);
        assert!(
            text.contains("- shortener fails: flows redirect, shorten and record_click fail"),
            "{text}"
        );
        let spare = FRAGILE.replace(
            "database db : postgres",
            "database db : postgres\n  service spare\n  service other",
        );
        let text = brief_section(&spare, SectionKind::Failures);
        assert!(
            text.contains("No flow fails, slows down or loses work when any one of these fails: spare and other."),
            "{text}"
        );
        assert!(!text.contains("spare fails"), "{text}");
    }
}
