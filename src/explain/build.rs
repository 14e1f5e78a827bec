//! Builds the [`Walkthrough`]: one file per section under `build/`, in the
//! order of a strong interview answer; this file holds the builder they
//! share and the wording helpers. Wording lives here (both renderers print
//! the same sentences); figures come from the estimate engine, trade-offs
//! from `tradeoffs.yaml`, technology notes from `technologies.yaml`.

mod async_work;
mod caching;
mod components;
mod data_stores;
mod decisions;
mod failures;
mod high_level_design;
mod improvements;
mod requirements;
mod risks;
mod scaling;

use std::collections::BTreeSet;

use super::improve::{self, Effect};
use super::{Block, Citation, Section, SectionKind, Table, Text, TradeOff, Walkthrough};
use crate::analysis::consistency;
use crate::analysis::graph::Graph;
use crate::diagnostics::Diagnostic;
use crate::estimate::availability::node_factor;
use crate::estimate::what_if::{Break, Detail, Scenario, WhatIf, WhatIfEngine};
use crate::estimate::{self, Estimates};
use crate::format::{
    count, grouped, join_all, ms, percent, percent_figure, plain, plain_fraction, rate, slo_percent, spoken_duration,
    utilization,
};
use crate::knowledge::KnowledgeBase;
use crate::knowledge::tradeoffs::{DesignChoice, TradeOffs};
use crate::model::{Component, ComponentId, DeadLetter, Design, FlowId, Kind, Op, ReadFrom, Replication, Slo};

/// Builds the full walkthrough of `design` (`hld explain --full`: the
/// reference), given the findings of `hld check` (already filtered by
/// `allow` and configuration, in report order).
pub fn build(design: &Design, findings: &[Diagnostic]) -> Walkthrough {
    walk(design, findings, Depth::Full)
}

/// Builds the page to rehearse from (`hld explain`): requirements and their
/// numbers, the design flow by flow, each technology and each choice once
/// with its trade-off, what breaks when each part fails, and the ranked
/// improvements with their effect.
pub fn brief(design: &Design, findings: &[Diagnostic]) -> Walkthrough {
    walk(design, findings, Depth::Brief)
}

/// One component's card, as its part of the full reference shows it: what
/// it is there for, its figures with where each default comes from, and
/// what the knowledge base says of its technology (the language server's
/// hover). `estimates` are the design's figures (`estimate::estimate`).
pub fn component_card(design: &Design, estimates: &Estimates, id: ComponentId) -> Vec<Block> {
    let builder = Builder {
        design,
        graph: Graph::new(design),
        findings: &[],
        baseline: estimates.clone(),
        shown: BTreeSet::new(),
        background_through: vec![Vec::new(); design.components.len()],
    };
    let mut blocks = vec![Block::Paragraph(builder.role(id)), Block::Bullets(builder.figures(id))];
    blocks.extend(builder.technology_notes(id));
    blocks
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Depth {
    Brief,
    Full,
}

fn walk(design: &Design, findings: &[Diagnostic], depth: Depth) -> Walkthrough {
    let baseline = estimate::estimate(design, None);
    let graph = Graph::new(design);
    let mut background_through = vec![Vec::new(); design.components.len()];
    for flow in design.flow_ids() {
        for component in &graph.sync_part(flow).background {
            let list: &mut Vec<FlowId> = &mut background_through[component.index()];
            // A background part may visit a component twice; list the flow once.
            if list.last() != Some(&flow) {
                list.push(flow);
            }
        }
    }
    let mut builder = Builder {
        design,
        graph,
        findings,
        baseline,
        shown: BTreeSet::new(),
        background_through,
    };
    let kinds: &[SectionKind] = match depth {
        Depth::Brief => &SectionKind::BRIEF,
        Depth::Full => &SectionKind::ALL,
    };
    let sections = kinds
        .iter()
        .map(|kind| {
            builder.shown.clear();
            let blocks = match (depth, kind) {
                (_, SectionKind::Requirements) => builder.requirements(),
                (Depth::Brief, SectionKind::HighLevelDesign) => builder.high_level_design_brief(),
                (_, SectionKind::HighLevelDesign) => builder.high_level_design(),
                (_, SectionKind::Decisions) => builder.decisions(),
                (_, SectionKind::Components) => builder.components(),
                (_, SectionKind::DataStores) => builder.data_stores(),
                (_, SectionKind::Caching) => builder.caching(),
                (_, SectionKind::AsyncWork) => builder.async_work(),
                (_, SectionKind::Scaling) => builder.scaling(),
                (_, SectionKind::Risks) => builder.risks(),
                (Depth::Brief, SectionKind::Failures) => builder.failures_brief(),
                (_, SectionKind::Failures) => builder.failures(),
                (Depth::Brief, SectionKind::Improvements) => builder.improvements_brief(),
                (_, SectionKind::Improvements) => builder.improvements(),
            };
            Section { kind: *kind, blocks }
        })
        .collect();
    let name = design.name.clone();
    let mut intro = Text::new()
        .rich("The walkthrough of ")
        .code(name.clone())
        .rich(" that `hld explain` builds from the design, in the order a strong interview answer takes. Every figure comes from the models of `hld estimate`, every trade-off from hld's knowledge base, with its public source.");
    if depth == Depth::Brief {
        intro = intro.rich(
            " This is the page to rehearse from; `hld explain --full` adds every component's figures, the data stores, caching, queues and scaling in detail, and every finding.",
        );
    }
    Walkthrough {
        name,
        title: design.label.clone().unwrap_or_else(|| design.name.clone()),
        intro,
        sections,
    }
}

struct Builder<'a> {
    design: &'a Design,
    graph: Graph<'a>,
    findings: &'a [Diagnostic],
    baseline: Estimates,
    /// Trade-off keys already shown in full in the current section.
    shown: BTreeSet<String>,
    /// Per component, the flows whose background part visits it, in flow
    /// order (one pass over the flows, not one per component).
    background_through: Vec<Vec<FlowId>>,
}

/// A technology's notes without their source keys, and the sources they
/// and its source list cite, as public titles and addresses.
fn technology_notes_cited(technology: &crate::knowledge::Technology) -> (String, Vec<Citation>) {
    let (notes, inline) = crate::knowledge::sources::Sources::get().strip(&technology.notes);
    let keys = technology
        .sources
        .iter()
        .map(String::as_str)
        .chain(inline.iter().copied());
    (notes, Citation::of_keys(keys))
}

/// `a, b and c` of component ids.
fn names(design: &Design, ids: &[ComponentId]) -> String {
    let names: Vec<String> = ids.iter().map(|id| design.component(*id).id.clone()).collect();
    join_all(&names)
}

fn flow_names(design: &Design, ids: &[FlowId]) -> String {
    let names: Vec<String> = ids.iter().map(|id| design.flow(*id).id.clone()).collect();
    join_all(&names)
}

fn slo_text(slo: &Slo) -> String {
    let mut parts = Vec::new();
    for (name, value) in [("p50", slo.p50_ms), ("p95", slo.p95_ms), ("p99", slo.p99_ms)] {
        if let Some(value) = value {
            parts.push(format!("{name} ≤ {}", ms(value)));
        }
    }
    if let Some(availability) = slo.availability {
        parts.push(format!("availability ≥ {}", slo_percent(availability)));
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

fn table(header: &[&str], numeric: &[bool], rows: Vec<Vec<String>>) -> Block {
    Block::Table(Table {
        header: header.iter().map(|cell| (*cell).to_string()).collect(),
        rows,
        numeric: numeric.to_vec(),
    })
}

fn heading(text: impl Into<String>, anchor: impl Into<String>) -> Block {
    Block::Heading {
        text: text.into(),
        anchor: anchor.into(),
    }
}

impl<'a> Builder<'a> {
    fn component(&self, id: ComponentId) -> &'a Component {
        self.design.component(id)
    }

    /// The entry of a choice, or a reference to it when this section showed
    /// it already.
    fn trade_off(&mut self, choice: DesignChoice, context: Text) -> Option<Block> {
        let entry = TradeOffs::get().of(choice)?;
        let repeated = !self.shown.insert(entry.key.clone());
        Some(Block::TradeOff(TradeOff {
            key: entry.key.clone(),
            context,
            name: entry.name.clone(),
            summary: entry.summary.clone(),
            pros: entry.pros.clone(),
            cons: entry.cons.clone(),
            when: entry.when.clone(),
            sources: Citation::of_keys(entry.sources.iter().map(String::as_str)),
            repeated,
        }))
    }

    fn push_trade_off(&mut self, blocks: &mut Vec<Block>, choice: DesignChoice, context: Text) {
        if let Some(block) = self.trade_off(choice, context) {
            blocks.push(block);
        }
    }

    fn ids_of(&self, wanted: impl Fn(&Component) -> bool) -> Vec<ComponentId> {
        self.design
            .component_ids()
            .filter(|id| wanted(self.component(*id)))
            .collect()
    }

    /// Distinct sources of the links into a component, in link order.
    fn callers(&self, id: ComponentId) -> Vec<ComponentId> {
        distinct(self.graph.incoming(id).iter().map(|link| self.design.link(*link).from))
    }

    /// Distinct targets of the links out of a component, in link order.
    fn callees(&self, id: ComponentId) -> Vec<ComponentId> {
        distinct(self.graph.outgoing(id).iter().map(|link| self.design.link(*link).to))
    }

    /// The regions that hold at least one component, in declaration order
    /// (one pass over the components).
    fn used_regions(&self) -> Vec<crate::model::RegionId> {
        let mut used = vec![false; self.design.regions.len()];
        for component in &self.design.components {
            if let Some(region) = component.region {
                used[region.index()] = true;
            }
        }
        (0..used.len())
            .filter(|idx| used[*idx])
            .map(|idx| crate::model::RegionId(idx as u32))
            .collect()
    }

    /// Flows whose background part visits the component, in flow order.
    fn background_flows(&self, id: ComponentId) -> Vec<FlowId> {
        self.background_through[id.index()].clone()
    }

    fn flow_estimate(&self, id: FlowId) -> Option<&estimate::FlowEstimate> {
        self.baseline.flows.get(id.index())
    }

    fn load(&self, id: ComponentId) -> Option<&estimate::ComponentLoad> {
        self.baseline.capacity.component(id)
    }
}

/// "`rule` on `subject`: message", after `text`.
fn fixed_finding(mut text: Text, finding: &Diagnostic) -> Text {
    text = text.code(finding.code.clone());
    if let Some(subject) = &finding.subject {
        text = text.rich(" on ").code(subject.clone());
    }
    text.rich(&format!(": {}", finding.message))
}

/// "**severity** `rule` on `subject`: message." (the full reference adds
/// the help and notes; the short page its own help wording).
fn finding_head(finding: &Diagnostic) -> Text {
    let mut text = Text::new()
        .strong(finding.severity.as_str().to_string())
        .rich(" ")
        .code(finding.code.clone());
    if let Some(subject) = &finding.subject {
        text = text.rich(" on ").code(subject.clone());
    }
    text.rich(&format!(": {}.", finding.message))
}

fn finding_text(finding: &Diagnostic) -> Text {
    let mut text = finding_head(finding);
    if let Some(help) = &finding.help {
        text = text.rich(" Fix: ").rich(&format!("{help}."));
    }
    for note in &finding.notes {
        text = text.rich(&format!(" Note: {note}."));
    }
    text
}

fn strongest(
    a: Option<crate::model::Consistency>,
    b: Option<crate::model::Consistency>,
) -> Option<crate::model::Consistency> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.strength() > a.strength() { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn kind_noun(kind: Kind, n: usize) -> String {
    let noun = match kind {
        Kind::LoadBalancer => "load balancer",
        Kind::ObjectStore => "object store",
        Kind::Search => "search index",
        kind => kind.as_str(),
    };
    if n == 1 {
        noun.to_string()
    } else if kind == Kind::Search {
        "search indexes".to_string()
    } else {
        format!("{noun}s")
    }
}

/// `primary_replica { replicas = 2, mode = async, failover = auto }`.
fn replication_text(replication: &Replication) -> String {
    match replication {
        Replication::None => "none".to_string(),
        Replication::PrimaryReplica {
            replicas,
            mode,
            failover,
        } => {
            format!("primary_replica {{ replicas = {replicas}, mode = {mode}, failover = {failover} }}")
        }
        Replication::MultiPrimary { primaries, conflict } => match conflict {
            Some(conflict) => format!("multi_primary {{ primaries = {primaries}, conflict = {conflict} }}"),
            None => format!("multi_primary {{ primaries = {primaries} }}"),
        },
        Replication::Quorum { n, r, w } => format!("quorum {{ n = {n}, r = {r}, w = {w} }}"),
    }
}

fn dead_letter_text(design: &Design, dead_letter: &DeadLetter) -> String {
    match dead_letter {
        DeadLetter::None => "none".to_string(),
        DeadLetter::Enabled => "its own dead-letter queue".to_string(),
        DeadLetter::Queue(id) => format!("queue {}", design.component(*id).id),
    }
}

/// The ids in first-seen order, each once. (A component has a handful of
/// links, so a scan beats a set.)
fn distinct(ids: impl Iterator<Item = ComponentId>) -> Vec<ComponentId> {
    let mut out = Vec::new();
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// Compiles a design from text and builds its walkthrough, for the unit
/// tests of each section.
#[cfg(test)]
pub(crate) mod test_support {
    use super::super::{Section, SectionKind, Walkthrough};
    use crate::analysis::Config;
    use crate::model::Design;
    use crate::model::load::MemoryLoader;

    pub(crate) use crate::model::load::test_design as design;

    /// The full walkthrough of `text`, findings included.
    pub(crate) fn walkthrough(text: &str) -> Walkthrough {
        let (design, findings) = checked(text);
        super::build(&design, &findings)
    }

    /// The design of `text` and its findings with their verified fixes, as
    /// `hld explain` sees them.
    pub(crate) fn checked(text: &str) -> (Design, Vec<crate::diagnostics::Diagnostic>) {
        crate::fix::check_text(text, &MemoryLoader::default(), &Config::default())
            .unwrap_or_else(|| panic!("design has errors"))
    }

    /// The words of one section of the full walkthrough of `text`.
    pub(crate) fn section(text: &str, kind: SectionKind) -> String {
        let walkthrough = walkthrough(text);
        let section: &Section = walkthrough.section(kind).unwrap_or_else(|| panic!("no {kind:?}"));
        section.to_plain()
    }

    /// The words of one section of the short page of `text`.
    pub(crate) fn brief_section(text: &str, kind: SectionKind) -> String {
        let (design, findings) = checked(text);
        let walkthrough = super::brief(&design, &findings);
        let section: &Section = walkthrough.section(kind).unwrap_or_else(|| panic!("no {kind:?}"));
        section.to_plain()
    }

    /// The starter design of `hld init` (a cache, a sharded database with
    /// replicas, a queue with a consumer, a rate limit, two clients).
    pub(crate) const URL_SHORTENER: &str = include_str!("../../templates/init/url-shortener.hld");

    /// A single service in front of a single database: findings to fix.
    pub(crate) const FRAGILE: &str = "system fragile {
  slo { availability = 99.99% }
  client users { rps = 100 }
  service api {
    capacity = 50/s
  }
  database db : postgres
  users -> api -> db
  flow get {
    path = users -> api -> db
    op = read
  }
}
";
}
