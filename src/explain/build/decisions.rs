//! The short page's decisions: each technology the design uses once (its
//! notes and public sources, with the components that use it), then each
//! design choice once with its trade-off in one paragraph (what it is, its
//! main pro and con, its sources) and the components that make it. The
//! choices are the ones the full reference's sections name, gathered and
//! grouped by entry.

use super::*;

/// How many of the components making one choice the paragraph names.
const CONTEXTS: usize = 3;

impl<'a> Builder<'a> {
    pub(super) fn decisions(&mut self) -> Vec<Block> {
        let mut blocks = Vec::new();
        let technologies = self.technologies();
        if !technologies.is_empty() {
            blocks.push(heading("Technologies", "technologies"));
            blocks.extend(technologies);
        }
        let choices = self.choices();
        blocks.push(heading("Choices and their trade-offs", "choices"));
        if choices.is_empty() {
            blocks.push(Block::Paragraph(
                Text::new().rich("The design makes no choice hld's knowledge base has a trade-off for."),
            ));
        } else {
            blocks.extend(choices);
        }
        blocks
    }

    /// One paragraph per technology, in the order of the first component
    /// that uses it.
    fn technologies(&self) -> Vec<Block> {
        let design = self.design;
        let mut order: Vec<&'static crate::knowledge::Technology> = Vec::new();
        let mut users: Vec<Vec<ComponentId>> = Vec::new();
        for id in design.component_ids() {
            let Some(technology) = self.component(id).technology else {
                continue;
            };
            match order.iter().position(|seen| seen.id == technology.id) {
                Some(idx) => users[idx].push(id),
                None => {
                    order.push(technology);
                    users.push(vec![id]);
                }
            }
        }
        order
            .iter()
            .zip(users)
            .map(|(technology, ids)| {
                let (notes, citations) = technology_notes_cited(technology);
                let mut text = Text::new().strong(technology.name.clone()).rich(" (");
                text = code_list(text, design, &ids).rich("): ").rich(&notes);
                if !notes.ends_with('.') {
                    text = text.rich(".");
                }
                Block::Paragraph(text.rich(" (").sources(&citations).rich(")"))
            })
            .collect()
    }

    /// Every trade-off the full reference's sections show, once per entry,
    /// with the contexts of the components that make the choice.
    fn choices(&mut self) -> Vec<Block> {
        let mut order: Vec<TradeOff> = Vec::new();
        // Per entry: the first contexts (shown) and every distinct one
        // (counted), so a choice made by thousands of components costs a
        // set insertion each, not a scan.
        let mut contexts: Vec<Vec<Text>> = Vec::new();
        let mut distinct: Vec<std::collections::HashSet<String>> = Vec::new();
        let sections = [
            Builder::components,
            Builder::data_stores,
            Builder::caching,
            Builder::async_work,
            Builder::scaling,
        ];
        for section in sections {
            self.shown.clear();
            for block in section(self) {
                let Block::TradeOff(trade_off) = block else {
                    continue;
                };
                let idx = match order.iter().position(|seen| seen.key == trade_off.key) {
                    Some(idx) => idx,
                    None => {
                        contexts.push(Vec::new());
                        distinct.push(std::collections::HashSet::new());
                        order.push(trade_off.clone());
                        order.len() - 1
                    }
                };
                if distinct[idx].insert(trade_off.context.to_plain()) && contexts[idx].len() < CONTEXTS {
                    contexts[idx].push(trade_off.context);
                }
            }
        }
        self.shown.clear();
        order
            .into_iter()
            .zip(contexts)
            .zip(distinct)
            .map(|((trade_off, contexts), distinct)| {
                let mut text = Text::new().strong(trade_off.name.clone()).rich(" — ");
                for (idx, context) in contexts.iter().take(CONTEXTS).enumerate() {
                    if idx > 0 {
                        text = text.rich("; ");
                    }
                    text.0.extend(context.0.iter().cloned());
                }
                if distinct.len() > CONTEXTS {
                    text = text.rich(&format!("; and {} more", distinct.len() - CONTEXTS));
                }
                text = text.rich(". ").plain(trade_off.summary.clone());
                if let Some(pro) = trade_off.pros.first() {
                    text = text.rich(" ").strong("Pro:").plain(format!(" {pro}"));
                }
                if let Some(con) = trade_off.cons.first() {
                    text = text.rich(" ").strong("Con:").plain(format!(" {con}"));
                }
                Block::Paragraph(text.rich(" (").sources(&trade_off.sources).rich(")"))
            })
            .collect()
    }
}

/// "`a`, `b` and `c`" after `text`.
fn code_list(mut text: Text, design: &Design, ids: &[ComponentId]) -> Text {
    for (idx, id) in ids.iter().enumerate() {
        if idx > 0 {
            text = text.plain(if idx + 1 == ids.len() { " and " } else { ", " });
        }
        text = text.code(design.component(*id).id.clone());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{URL_SHORTENER, design};
    use crate::analysis::{Config, check};
    use crate::explain::{SectionKind, brief};

    #[test]
    fn each_technology_and_each_choice_once() {
        let design = design(URL_SHORTENER);
        let findings = check(&design, &Config::default()).findings;
        let walkthrough = brief(&design, &findings);
        let text = walkthrough.section(SectionKind::Decisions).unwrap().to_plain();
        assert_eq!(text.matches("Redis (url_cache)").count(), 1, "{text}");
        assert!(text.contains("PostgreSQL"), "{text}");
        // A source is its public title and address, never a key.
        assert!(text.contains("https://"), "{text}");
        assert!(!text.contains("[JEP-"), "{text}");
        assert_eq!(text.matches("Token bucket — ").count(), 1, "{text}");
        assert!(text.contains("Pro: ") && text.contains("Con: "), "{text}");
    }
}
