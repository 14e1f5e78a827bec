//! High-level design (section 2 of the full reference): counts by kind, links, regions and round trips, the
//! diagram, and the path of each flow (on the short page, with its numbers).

use super::*;
use crate::estimate::SloMiss;

impl<'a> Builder<'a> {
    pub(super) fn high_level_design(&mut self) -> Vec<Block> {
        let design = self.design;
        let mut blocks = Vec::new();
        let mut kinds = Vec::new();
        for kind in Kind::ALL {
            let n = design.components.iter().filter(|c| c.kind == *kind).count();
            if n > 0 {
                kinds.push(format!("{n} {}", kind_noun(*kind, n)));
            }
        }
        let asynchronous = design.links.iter().filter(|link| link.mode.is_async()).count();
        let mut text = format!(
            "{} and {}: {} synchronous (the caller waits) and {asynchronous} asynchronous.",
            count(design.components.len(), "component"),
            count(design.links.len(), "link"),
            design.links.len() - asynchronous,
        );
        if !kinds.is_empty() {
            text = format!(
                "{} ({}) and {}: {} synchronous (the caller waits) and {asynchronous} asynchronous.",
                count(design.components.len(), "component"),
                join_all(&kinds),
                count(design.links.len(), "link"),
                design.links.len() - asynchronous,
            );
        }
        blocks.push(Block::Paragraph(Text::new().rich(&text)));
        let used_regions: Vec<&crate::model::Region> = self
            .used_regions()
            .into_iter()
            .map(|id| &design.regions[id.index()])
            .collect();
        // Region labels are the user's words: plain text.
        let region_list = |mut text: Text| {
            for (idx, region) in used_regions.iter().enumerate() {
                if idx > 0 {
                    text = text.plain(if idx + 1 == used_regions.len() { " and " } else { ", " });
                }
                text = text.plain(region.id.clone());
                if let Some(label) = &region.label {
                    text = text.plain(format!(" ({label})"));
                }
            }
            text
        };
        blocks.push(Block::Paragraph(match used_regions.len() {
            0 => Text::new().rich("It runs in one place: no component names a region."),
            1 => region_list(Text::new().rich("It runs in one region, ")).rich("."),
            n => {
                let rtts: Vec<String> = design
                    .rtts
                    .iter()
                    .map(|rtt| {
                        format!(
                            "{} ↔ {} {}",
                            design.region(rtt.a).id,
                            design.region(rtt.b).id,
                            ms(rtt.ms)
                        )
                    })
                    .collect();
                let mut text = region_list(Text::new().rich(&format!("It spans {n} regions: "))).rich(".");
                if !rtts.is_empty() {
                    text = text.rich(&format!(" Round trips: {}.", rtts.join(", ")));
                }
                text
            }
        }));
        blocks.push(Block::Diagram);
        if !design.flows.is_empty() {
            blocks.push(Block::Paragraph(
                Text::new().rich("The requests, and the path each takes:"),
            ));
            let items = design.flow_ids().map(|id| self.flow_path(id)).collect();
            blocks.push(Block::Bullets(items));
        }
        blocks
    }
    /// "`read` (GET /x), read at 100/s: a → b → c; the caller waits for all
    /// of it."
    pub(super) fn flow_path(&self, id: FlowId) -> Text {
        let design = self.design;
        let flow = design.flow(id);
        let part = self.graph.sync_part(id);
        let sync: Vec<String> = part.nodes.iter().map(|c| self.component(*c).id.clone()).collect();
        let mut text = Text::new().code(flow.id.clone());
        if let Some(label) = &flow.label {
            // The user's words: plain text.
            text = text.plain(format!(" ({label})"));
        }
        text = text.rich(&format!(", {} at {}: ", flow.op, rate(flow.rps)));
        text = text.rich(&sync.join(" → "));
        if !flow.is_path_only() {
            let calls = flow.visits.len() - flow.path.len();
            text = text.rich(&format!(" (a call tree: the path, then {calls} more visits)"));
        }
        if part.background.is_empty() {
            text.rich("; the caller waits for all of it.")
        } else {
            let background: Vec<String> = part.background.iter().map(|c| self.component(*c).id.clone()).collect();
            text.rich(&format!(
                "; the caller waits up to {}, then {} run in the background.",
                sync.last().cloned().unwrap_or_default(),
                background.join(" → ")
            ))
        }
    }

    /// The short page's design: the same counts, regions and diagram, and
    /// each flow's path with the numbers behind it (p50, p99 and
    /// availability against its SLO, where its requests stop).
    pub(super) fn high_level_design_brief(&mut self) -> Vec<Block> {
        let mut blocks = self.high_level_design();
        if self.design.flows.is_empty() {
            return blocks;
        }
        if let Some(Block::Bullets(items)) = blocks.last_mut() {
            for (item, id) in items.iter_mut().zip(self.design.flow_ids()) {
                let figures = self.flow_figures(id);
                *item = std::mem::take(item).rich(&figures);
            }
        }
        blocks
    }

    /// " p50 5 ms, p99 20 ms (SLO p99 ≤ 100 ms: met), availability 99.9%
    /// (SLO ≥ 99.5%: met); 80% stop at edge (cdn hit), 20% at db."
    fn flow_figures(&self, id: FlowId) -> String {
        let Some(estimate) = self.flow_estimate(id) else {
            return String::new();
        };
        let verdict = |met: bool| if met { "met" } else { "missed" };
        let mut text = format!(
            " p50 {}, p99 {}",
            ms(estimate.latency.p50_ms),
            ms(estimate.latency.p99_ms)
        );
        let missed = |latency: bool| {
            estimate.slo.as_ref().is_some_and(|slo| {
                slo.misses
                    .iter()
                    .any(|miss| matches!(miss, SloMiss::Latency { .. }) == latency)
            })
        };
        let slo = estimate.slo.as_ref().map(|verdict| &verdict.slo);
        let latency_slo: Vec<String> = slo
            .map(|slo| {
                [("p50", slo.p50_ms), ("p95", slo.p95_ms), ("p99", slo.p99_ms)]
                    .iter()
                    .filter_map(|(name, target)| target.map(|target| format!("{name} ≤ {}", ms(target))))
                    .collect()
            })
            .unwrap_or_default();
        if !latency_slo.is_empty() {
            text.push_str(&format!(
                " (SLO {}: {})",
                latency_slo.join(", "),
                verdict(!missed(true))
            ));
        }
        text.push_str(&format!(", availability {}", percent(estimate.availability)));
        if let Some(target) = slo.and_then(|slo| slo.availability) {
            text.push_str(&format!(
                " (SLO ≥ {}: {})",
                slo_percent(target),
                verdict(!missed(false))
            ));
        }
        let stops: Vec<String> = estimate
            .outcomes
            .iter()
            .filter(|outcome| outcome.probability > 0.0)
            .map(|outcome| {
                let component = self.component(outcome.stops_at);
                let share = percent_figure(100.0 * outcome.probability);
                if outcome.hit {
                    format!("{share} stop at {} ({} hit)", component.id, component.kind)
                } else {
                    format!("{share} at {}", component.id)
                }
            })
            .collect();
        if stops.len() > 1 {
            text.push_str(&format!("; {}", join_all(&stops)));
        }
        text.push('.');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{URL_SHORTENER, brief_section, section};
    use crate::explain::SectionKind;

    #[test]
    fn counts_the_parts_and_walks_each_flow() {
        let text = section(URL_SHORTENER, SectionKind::HighLevelDesign);
        assert!(text.contains("[diagram]"), "{text}");
        assert!(text.contains("visitors → lb → shortener → url_cache → urls"), "{text}");
        assert!(
            text.contains("then click_counter → click_stats run in the background"),
            "{text}"
        );
        assert!(text.contains("no component names a region"), "{text}");
    }

    #[test]
    fn the_short_page_gives_each_flow_its_numbers() {
        let text = brief_section(URL_SHORTENER, SectionKind::HighLevelDesign);
        let redirect = text
            .lines()
            .find(|line| line.starts_with("- redirect "))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(redirect.contains("(SLO p99 ≤ 100 ms: "), "{redirect}");
        assert!(
            redirect.contains("availability ") && redirect.contains("(SLO ≥ 99.95%: "),
            "{redirect}"
        );
        assert!(redirect.contains("stop at url_cache (cache hit)"), "{redirect}");
    }
}
