//! 10. Improvements: the fixes of `src/explain/improve.rs`, ranked by what they
//! buy, each with its measured effect.

use super::*;

impl<'a> Builder<'a> {
    pub(super) fn improvements(&mut self) -> Vec<Block> {
        let design = self.design;
        let mut blocks = Vec::new();
        if self.findings.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "`hld check` has no finding to fix. Ask what-if questions instead: the section above shows what each failure costs.",
            )));
            return blocks;
        }
        let improvements = improve::rank(design, self.findings, &self.baseline);
        let (computed, rest): (Vec<_>, Vec<_>) = improvements.into_iter().partition(|item| item.change.is_some());
        if !computed.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "The fixes hld can apply to a copy of the design and re-estimate, ranked by what they buy: availability first (failed requests per second avoided), then p99, then headroom.",
            )));
            for (rank, item) in computed.iter().enumerate() {
                let Some(change) = &item.change else {
                    continue;
                };
                let mut text = Text::new()
                    .strong(format!("{}. ", rank + 1))
                    .rich("Set ")
                    .code(change.what.clone())
                    .rich(" on ")
                    .code(change.on.clone())
                    .rich(" — fixes ");
                if let [finding] = item.findings.as_slice() {
                    text = fixed_finding(text, finding).rich(".");
                } else {
                    // One change, several findings asking for it (or for
                    // part of it): listed once, with each finding.
                    text = text.rich(&format!("{} findings: ", item.findings.len()));
                    for (idx, finding) in item.findings.iter().enumerate() {
                        if idx > 0 {
                            text = text.rich("; ");
                        }
                        text = fixed_finding(text, finding);
                    }
                    text = text.rich(".");
                }
                blocks.push(Block::Paragraph(text));
                let effects: Vec<Text> = item.effects.iter().map(|effect| self.effect_text(effect)).collect();
                if effects.is_empty() {
                    blocks.push(Block::Bullets(vec![Text::new().rich(
                        "no change in the modelled figures (the model does not price this risk)",
                    )]));
                } else {
                    blocks.push(Block::Bullets(effects));
                }
            }
        }
        if !rest.is_empty() {
            blocks.push(Block::Paragraph(
                Text::new().rich("Fixes with no computed effect, most severe first:"),
            ));
            let items = rest
                .iter()
                .flat_map(|item| item.findings.iter().map(finding_text))
                .collect();
            blocks.push(Block::Bullets(items));
        }
        blocks
    }

    pub(super) fn effect_text(&self, effect: &Effect) -> Text {
        let design = self.design;
        match effect {
            Effect::Availability {
                flow,
                before,
                after,
                rps,
            } => Text::new().rich(&format!(
                "availability of {}: {} → {} ({} failed requests/s fewer)",
                design.flow(*flow).id,
                percent(*before),
                percent(*after),
                grouped((after - before) * rps)
            )),
            Effect::P99 { flow, before, after } => Text::new().rich(&format!(
                "p99 of {}: {} → {}",
                design.flow(*flow).id,
                ms(*before),
                ms(*after)
            )),
            Effect::Utilization {
                component,
                before,
                after,
            } => Text::new().rich(&format!(
                "utilization of {}: {} → {}",
                self.component(*component).id,
                utilization(*before),
                utilization(*after)
            )),
            Effect::QueueGrowth { queue, before, after } => Text::new().rich(&format!(
                "backlog of {}: {} → {} messages an hour",
                self.component(*queue).id,
                grouped(*before),
                grouped(*after)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{FRAGILE, section};
    use crate::explain::SectionKind;

    #[test]
    fn fixes_ranked_with_their_effect() {
        let text = section(FRAGILE, SectionKind::Improvements);
        assert!(text.contains("1. Set replicas"), "{text}");
        assert!(text.contains("availability of get:"), "{text}");
    }
}
