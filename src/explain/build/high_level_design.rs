//! 2. High-level design: counts by kind, links, regions and round trips, the
//! diagram, and the path of each flow.

use super::*;

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
        let asynchronous = design.links.iter().filter(|link| link.mode == LinkMode::Async).count();
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
                join(&kinds),
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
            let items = design
                .flow_ids()
                .map(|id| {
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
                    if part.background.is_empty() {
                        text.rich("; the caller waits for all of it.")
                    } else {
                        let background: Vec<String> =
                            part.background.iter().map(|c| self.component(*c).id.clone()).collect();
                        text.rich(&format!(
                            "; the caller waits up to {}, then {} run in the background.",
                            sync.last().cloned().unwrap_or_default(),
                            background.join(" → ")
                        ))
                    }
                })
                .collect();
            blocks.push(Block::Bullets(items));
        }
        blocks
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{URL_SHORTENER, section};
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
}
