//! `hld explain`: the design walked through the way a strong interview
//! answer presents it (docs/explain.md): requirements and scale, the
//! high-level design, each component and why it is there, the data stores
//! and what their consistency means per flow, caching, asynchronous work,
//! scaling, risks, what breaks if each component fails, and the
//! improvements an interviewer would ask for, ranked by their effect.
//!
//! A report builder: it reads the resolved design, the findings of `hld
//! check`, the figures of the estimate engine (and its what-if runs) and the
//! knowledge base, and returns a typed [`Walkthrough`]: sections of
//! paragraphs, lists, tables and trade-offs, already worded. It does no IO
//! and knows no output format; `emit::explain` renders it as Markdown or
//! HTML and decides nothing. Every number comes from the models through
//! `crate::format`; every trade-off sentence from `tradeoffs.yaml`.
//!
//! Cost: one what-if run per component (and per region) and one
//! re-estimate per fixable finding, each re-running only what its change
//! reaches (`WhatIfEngine::run_changes`, `CapacityBase::recompute`): the
//! flows through the changed components and the queue consumers they
//! share, not the whole design (docs/performance.md, "hld explain").

mod build;
pub mod improve;

pub use build::{brief, build, component_card};
pub use improve::{Change, Effect, Improvement};

/// The walkthrough of one design.
#[derive(Clone, Debug, PartialEq)]
pub struct Walkthrough {
    /// The system's id.
    pub name: String,
    /// Its label, else its id.
    pub title: String,
    /// What the page is, under the title.
    pub intro: Text,
    pub sections: Vec<Section>,
}

impl Walkthrough {
    pub fn section(&self, kind: SectionKind) -> Option<&Section> {
        self.sections.iter().find(|section| section.kind == kind)
    }
}

/// The sections, in the order a strong answer takes (issue 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionKind {
    Requirements,
    HighLevelDesign,
    /// The short page's decisions: each technology once, each choice once
    /// with its trade-off.
    Decisions,
    Components,
    DataStores,
    Caching,
    AsyncWork,
    Scaling,
    Risks,
    Failures,
    Improvements,
}

impl SectionKind {
    /// The sections of `hld explain`, the page to rehearse from.
    pub const BRIEF: [SectionKind; 5] = [
        SectionKind::Requirements,
        SectionKind::HighLevelDesign,
        SectionKind::Decisions,
        SectionKind::Failures,
        SectionKind::Improvements,
    ];

    /// The sections of `hld explain --full`, the whole reference.
    pub const ALL: [SectionKind; 10] = [
        SectionKind::Requirements,
        SectionKind::HighLevelDesign,
        SectionKind::Components,
        SectionKind::DataStores,
        SectionKind::Caching,
        SectionKind::AsyncWork,
        SectionKind::Scaling,
        SectionKind::Risks,
        SectionKind::Failures,
        SectionKind::Improvements,
    ];

    pub fn title(self) -> &'static str {
        match self {
            SectionKind::Requirements => "Requirements and scale",
            SectionKind::HighLevelDesign => "High-level design",
            SectionKind::Decisions => "Decisions and their trade-offs",
            SectionKind::Components => "Components and why they are there",
            SectionKind::DataStores => "Data stores and consistency",
            SectionKind::Caching => "Caching strategy",
            SectionKind::AsyncWork => "Asynchronous work",
            SectionKind::Scaling => "Scaling",
            SectionKind::Risks => "Risks",
            SectionKind::Failures => "What breaks if a component fails",
            SectionKind::Improvements => "Improvements",
        }
    }

    /// A stable anchor for links and tests.
    pub fn anchor(self) -> &'static str {
        match self {
            SectionKind::Requirements => "requirements",
            SectionKind::HighLevelDesign => "high-level-design",
            SectionKind::Decisions => "decisions",
            SectionKind::Components => "components",
            SectionKind::DataStores => "data-stores",
            SectionKind::Caching => "caching",
            SectionKind::AsyncWork => "async-work",
            SectionKind::Scaling => "scaling",
            SectionKind::Risks => "risks",
            SectionKind::Failures => "failures",
            SectionKind::Improvements => "improvements",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub kind: SectionKind,
    pub blocks: Vec<Block>,
}

/// One piece of a section.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A sub-heading, e.g. one component; `anchor` is unique in the page.
    Heading {
        text: String,
        anchor: String,
    },
    Paragraph(Text),
    Bullets(Vec<Text>),
    Table(Table),
    TradeOff(TradeOff),
    /// Where the renderer puts the diagram of the design.
    Diagram,
}

/// Inline text: plain words, `code` (ids and hld syntax), **emphasis**.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Text(pub Vec<Inline>);

#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    Plain(String),
    Code(String),
    Strong(String),
    /// A public source: its title, linked to its address.
    Link(Citation),
}

/// A public source a sentence rests on (`knowledge::sources`).
#[derive(Clone, Debug, PartialEq)]
pub struct Citation {
    pub title: String,
    pub url: String,
}

impl Citation {
    /// The public sources of knowledge-base keys, in order, each once
    /// (`guide`, general practice, has no address and is left out).
    pub fn of_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<Citation> {
        crate::knowledge::sources::Sources::get()
            .cite(keys)
            .into_iter()
            .map(|source| Citation {
                title: source.title.clone(),
                url: source.url.clone(),
            })
            .collect()
    }
}

impl Text {
    pub fn new() -> Text {
        Text::default()
    }

    pub fn plain(mut self, text: impl Into<String>) -> Text {
        self.0.push(Inline::Plain(text.into()));
        self
    }

    pub fn code(mut self, text: impl Into<String>) -> Text {
        self.0.push(Inline::Code(text.into()));
        self
    }

    /// Text whose `backticked` parts are code, as rule messages, helps and
    /// knowledge-base notes write them.
    pub fn rich(mut self, text: &str) -> Text {
        let parts: Vec<&str> = text.split('`').collect();
        // An odd number of backticks leaves the last one unmatched: plain.
        let unmatched = parts.len().is_multiple_of(2);
        for (idx, part) in parts.iter().enumerate() {
            let last = idx + 1 == parts.len();
            if idx % 2 == 1 && !(unmatched && last) {
                if !part.is_empty() {
                    self.0.push(Inline::Code((*part).to_string()));
                }
            } else if idx % 2 == 1 {
                self.0.push(Inline::Plain(format!("`{part}")));
            } else if !part.is_empty() {
                self.0.push(Inline::Plain((*part).to_string()));
            }
        }
        self
    }

    pub fn strong(mut self, text: impl Into<String>) -> Text {
        self.0.push(Inline::Strong(text.into()));
        self
    }

    pub fn link(mut self, citation: Citation) -> Text {
        self.0.push(Inline::Link(citation));
        self
    }

    /// "sources: A, B" as links, or "no source: well-known engineering
    /// practice" when none has a public address.
    pub fn sources(mut self, citations: &[Citation]) -> Text {
        if citations.is_empty() {
            return self.plain("no source: well-known engineering practice");
        }
        self = self.plain(if citations.len() == 1 { "source: " } else { "sources: " });
        for (idx, citation) in citations.iter().enumerate() {
            if idx > 0 {
                self = self.plain(", ");
            }
            self = self.link(citation.clone());
        }
        self
    }

    pub fn parts(&self) -> &[Inline] {
        &self.0
    }

    /// The words without markup, for tests and plain renderings.
    pub fn to_plain(&self) -> String {
        self.0
            .iter()
            .map(|inline| match inline {
                Inline::Plain(text) | Inline::Code(text) | Inline::Strong(text) => text.clone(),
                Inline::Link(citation) => format!("{} ({})", citation.title, citation.url),
            })
            .collect()
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::new().plain(text)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text::new().plain(text)
    }
}

/// A table of figures; cells are plain text.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns of numbers (right-aligned).
    pub numeric: Vec<bool>,
}

/// A design choice and its entry in `tradeoffs.yaml`.
#[derive(Clone, Debug, PartialEq)]
pub struct TradeOff {
    pub key: String,
    /// Which component made the choice: "`lb` uses least_connections".
    pub context: Text,
    pub name: String,
    pub summary: String,
    pub pros: Vec<String>,
    pub cons: Vec<String>,
    pub when: String,
    /// The public sources of the entry; empty: well-known practice.
    pub sources: Vec<Citation>,
    /// The full entry was shown earlier in this section: only refer to it.
    pub repeated: bool,
}

impl TradeOff {
    /// "sources: A, B" (links), or "no source: well-known engineering
    /// practice".
    pub fn sources_text(&self) -> Text {
        Text::new().sources(&self.sources)
    }
}

impl Walkthrough {
    /// Every word of the walkthrough, for tests.
    pub fn to_plain(&self) -> String {
        let mut out = self.intro.to_plain();
        out.push('\n');
        for section in &self.sections {
            out.push_str(section.kind.title());
            out.push('\n');
            for block in &section.blocks {
                block_plain(block, &mut out);
            }
        }
        out
    }
}

impl Section {
    pub fn to_plain(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            block_plain(block, &mut out);
        }
        out
    }
}

fn block_plain(block: &Block, out: &mut String) {
    match block {
        Block::Heading { text, .. } => out.push_str(text),
        Block::Paragraph(text) => out.push_str(&text.to_plain()),
        Block::Bullets(items) => {
            for item in items {
                out.push_str("- ");
                out.push_str(&item.to_plain());
                out.push('\n');
            }
        }
        Block::Table(table) => {
            out.push_str(&table.header.join(" | "));
            out.push('\n');
            for row in &table.rows {
                out.push_str(&row.join(" | "));
                out.push('\n');
            }
        }
        Block::TradeOff(trade_off) => {
            out.push_str(&trade_off.context.to_plain());
            out.push('\n');
            out.push_str(&trade_off.name);
            out.push('\n');
            if !trade_off.repeated {
                out.push_str(&trade_off.summary);
                out.push('\n');
                for line in trade_off.pros.iter().chain(&trade_off.cons) {
                    out.push_str(line);
                    out.push('\n');
                }
                out.push_str(&trade_off.when);
                out.push('\n');
                out.push_str(&trade_off.sources_text().to_plain());
            }
        }
        Block::Diagram => out.push_str("[diagram]"),
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Config, check};
    use crate::estimate::capacity::WALKS;
    use crate::estimate::{FLOW_ESTIMATES, corpus};

    /// Flows walked by the capacity model and flow estimates computed (on
    /// this thread) while building the walkthrough of a generated design.
    fn work(components: usize) -> (usize, usize, usize) {
        let (_, design) = corpus::designs(&[components], 0).pop().unwrap();
        let findings = check(&design, &Config::default()).findings;
        WALKS.with(|walks| walks.set(0));
        FLOW_ESTIMATES.with(|count| count.set(0));
        let walkthrough = build(&design, &findings);
        assert_eq!(walkthrough.sections.len(), SectionKind::ALL.len());
        (
            WALKS.with(std::cell::Cell::get),
            FLOW_ESTIMATES.with(std::cell::Cell::get),
            design.flows.len(),
        )
    }

    #[test]
    fn explain_work_grows_with_the_design_not_its_square() {
        let (walks_small, estimates_small, flows_small) = work(500);
        let (walks, estimates, flows) = work(1000);
        // Twice the design, about twice the work: 884 → 2,302 flows walked
        // and 122 → 130 flow estimates for 56 → 110 flows. A capacity pass
        // over every flow per what-if run and per fix (as before) walked
        // each flow about twice per component, four times as much for
        // twice the design.
        assert!(flows >= 2 * flows_small - 2);
        assert!(walks < 7 * walks_small / 2, "{walks_small} → {walks}");
        assert!(estimates < 7 * estimates_small / 2, "{estimates_small} → {estimates}");
        // A failure re-estimates the flows whose waits the load it frees
        // shortens (language.md §6), about four per flow in all here.
        assert!(
            walks < 40 * flows && estimates < 5 * flows,
            "{walks} {estimates} {flows}"
        );
    }

    /// The page to rehearse from stays within 300 lines on a 25-component
    /// design (the size of a whiteboard answer, 12 findings), where `--full`
    /// takes over 1,000.
    #[test]
    fn the_short_page_of_a_25_component_design_fits_300_lines() {
        let design = build::test_support::design(include_str!("../../tests/fixtures/explain/ticketing.hld"));
        assert_eq!(design.components.len(), 25);
        let findings = check(&design, &Config::default()).findings;
        assert!(findings.len() >= 10, "{}", findings.len());
        let highlights = crate::emit::diagram::Highlights::from_findings(&design, &findings);
        let short = crate::emit::explain::markdown(&brief(&design, &findings), &design, &highlights).unwrap();
        let full = crate::emit::explain::markdown(&build(&design, &findings), &design, &highlights).unwrap();
        let lines = short.lines().count();
        assert!(lines <= 300, "{lines} lines\n{short}");
        assert!(full.lines().count() > 1000, "{}", full.lines().count());
    }

    #[test]
    fn rich_text_makes_backticked_parts_code() {
        let text = Text::new().rich("set `replicas = 2` on `lb` now");
        assert_eq!(
            text.0,
            vec![
                Inline::Plain("set ".to_string()),
                Inline::Code("replicas = 2".to_string()),
                Inline::Plain(" on ".to_string()),
                Inline::Code("lb".to_string()),
                Inline::Plain(" now".to_string()),
            ]
        );
        let odd = Text::new().rich("a `b` c `d");
        assert_eq!(odd.to_plain(), "a b c `d");
    }
}
