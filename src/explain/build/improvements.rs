//! Improvements (section 10 of the full reference): the fixes of `src/explain/improve.rs`, ranked by what they
//! buy, each with its measured effect.

use super::*;

/// How many fixes, and how many findings without one, the short page lists.
const BRIEF_ITEMS: usize = 15;

impl<'a> Builder<'a> {
    /// The short page's improvements: each ranked fix on one line with its
    /// measured effect, then the findings with no computed fix (their
    /// help), each list capped.
    pub(super) fn improvements_brief(&mut self) -> Vec<Block> {
        let design = self.design;
        if self.findings.is_empty() {
            return self.improvements();
        }
        let mut blocks = Vec::new();
        let improvements = improve::rank(design, self.findings, &self.baseline);
        let (computed, rest): (Vec<_>, Vec<_>) = improvements.into_iter().partition(|item| item.change.is_some());
        if !computed.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "The fixes hld applies to a copy of the design and re-estimates, best first (failed requests per second avoided, then p99, then headroom):",
            )));
            let mut items = Vec::new();
            for (rank, item) in computed.iter().enumerate().take(BRIEF_ITEMS) {
                let Some(change) = &item.change else {
                    continue;
                };
                let mut text = Text::new()
                    .strong(format!("{}.", rank + 1))
                    .rich(" Set ")
                    .code(change.what.clone())
                    .rich(" on ")
                    .code(change.on.clone())
                    .rich(" — fixes ");
                for (idx, finding) in item.findings.iter().enumerate() {
                    if idx > 0 {
                        text = text.rich(", ");
                    }
                    text = text.code(finding.code.clone());
                    if let Some(subject) = &finding.subject {
                        text = text.rich(" on ").code(subject.clone());
                    }
                }
                let effects: Vec<String> = item
                    .effects
                    .iter()
                    .map(|effect| self.effect_text(effect).to_plain())
                    .collect();
                text = if effects.is_empty() {
                    text.rich(". No change in the modelled figures (the model does not price this risk).")
                } else {
                    text.rich(&format!(". Effect: {}.", effects.join("; ")))
                };
                items.push(text);
            }
            if computed.len() > BRIEF_ITEMS {
                let more = computed.len() - BRIEF_ITEMS;
                items.push(Text::new().rich(&format!(
                    "and {more} more {} (`hld explain --full` lists every one).",
                    if more == 1 { "fix" } else { "fixes" }
                )));
            }
            blocks.push(Block::Bullets(items));
        }
        if !rest.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "Findings with no computed fix, most severe first, with what would help:",
            )));
            let findings: Vec<&Diagnostic> = rest.iter().flat_map(|item| item.findings.iter()).collect();
            let mut items: Vec<Text> = findings
                .iter()
                .take(BRIEF_ITEMS)
                .map(|finding| {
                    let mut text = finding_head(finding);
                    if let Some(help) = &finding.help {
                        text = text.rich(" ").rich(&capitalized(help)).rich(".");
                    }
                    text
                })
                .collect();
            if findings.len() > BRIEF_ITEMS {
                items.push(Text::new().rich(&format!(
                    "and {} more (`hld check` lists them all).",
                    count(findings.len() - BRIEF_ITEMS, "finding")
                )));
            }
            blocks.push(Block::Bullets(items));
        }
        blocks
    }

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

/// "Route the query" from "route the query".
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{FRAGILE, brief_section, section};
    use crate::explain::SectionKind;

    #[test]
    fn fixes_ranked_with_their_effect() {
        let text = section(FRAGILE, SectionKind::Improvements);
        assert!(text.contains("1. Set replicas"), "{text}");
        assert!(text.contains("availability of get:"), "{text}");
    }

    #[test]
    fn the_short_page_puts_each_fix_and_its_effect_on_one_line() {
        let text = brief_section(FRAGILE, SectionKind::Improvements);
        let first = text
            .lines()
            .find(|line| line.starts_with("- 1. Set "))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(
            first.contains(" — fixes ") && first.contains(". Effect: availability of get: "),
            "{first}"
        );
    }
}
