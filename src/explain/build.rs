//! Builds the [`Walkthrough`]: one function per section, in the order of a
//! strong interview answer. Wording lives here (both renderers print the
//! same sentences); figures come from the estimate engine, trade-offs from
//! `tradeoffs.yaml`, technology notes from `technologies.yaml`.

use std::collections::BTreeSet;

use super::improve::{self, Effect};
use super::{Block, Section, SectionKind, Table, Text, TradeOff, Walkthrough};
use crate::analysis::consistency;
use crate::analysis::graph::Graph;
use crate::analysis::wording::count;
use crate::diagnostics::Diagnostic;
use crate::estimate::availability::node_factor;
use crate::estimate::number::{grouped, ms, percent, plain, plain_fraction, slo_percent, utilization};
use crate::estimate::what_if::{Break, Scenario, WhatIf, WhatIfEngine};
use crate::estimate::{self, Estimates};
use crate::knowledge::KnowledgeBase;
use crate::knowledge::tradeoffs::{DesignChoice, TradeOffs};
use crate::model::{
    Component, ComponentId, DeadLetter, Design, FlowId, Kind, LinkMode, Op, ReadFrom, Replication, Slo,
};

/// Builds the walkthrough of `design`, given the findings of `hld check`
/// (already filtered by `allow` and configuration, in report order).
pub fn build(design: &Design, findings: &[Diagnostic]) -> Walkthrough {
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
    let sections = SectionKind::ALL
        .iter()
        .map(|kind| {
            builder.shown.clear();
            let blocks = match kind {
                SectionKind::Requirements => builder.requirements(),
                SectionKind::HighLevelDesign => builder.high_level_design(),
                SectionKind::Components => builder.components(),
                SectionKind::DataStores => builder.data_stores(),
                SectionKind::Caching => builder.caching(),
                SectionKind::AsyncWork => builder.async_work(),
                SectionKind::Scaling => builder.scaling(),
                SectionKind::Risks => builder.risks(),
                SectionKind::Failures => builder.failures(),
                SectionKind::Improvements => builder.improvements(),
            };
            Section { kind: *kind, blocks }
        })
        .collect();
    Walkthrough {
        name: design.name.clone(),
        title: design.label.clone().unwrap_or_else(|| design.name.clone()),
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

/// `a, b and c` of component ids.
fn names(design: &Design, ids: &[ComponentId]) -> String {
    let names: Vec<String> = ids.iter().map(|id| design.component(*id).id.clone()).collect();
    join(&names)
}

fn flow_names(design: &Design, ids: &[FlowId]) -> String {
    let names: Vec<String> = ids.iter().map(|id| design.flow(*id).id.clone()).collect();
    join(&names)
}

/// `a`, `a and b`, `a, b and c`: every name (the walkthrough is a report,
/// not a one-line message).
fn join(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A duration as people say it: `24 h`, `10 min`, `30 s`, `500 ms`.
fn duration(value_ms: f64) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("d", 86_400_000.0),
        ("h", 3_600_000.0),
        ("min", 60_000.0),
        ("s", 1000.0),
    ];
    for (unit, scale) in UNITS {
        if value_ms >= scale {
            return format!("{} {unit}", plain(value_ms / scale));
        }
    }
    ms(value_ms)
}

fn rate(value: f64) -> String {
    format!("{}/s", grouped(value))
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
            sources: entry.sources.clone(),
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

    // ------------------------------------------------------------------
    // 1. Requirements and scale

    fn requirements(&mut self) -> Vec<Block> {
        let design = self.design;
        let mut blocks = Vec::new();
        let clients = self.ids_of(|component| component.kind == Kind::Client);
        let offered: f64 = clients
            .iter()
            .filter_map(|id| self.component(*id).rps)
            .filter(|rps| rps.is_finite())
            .sum();
        // The title is the system's label, the user's words: plain text,
        // whatever backticks it has.
        let mut intro = Text::new().plain(self.title()).rich(&format!(
            " has {} ({}) offering {} requests per second in all, and declares {}.",
            count(clients.len(), "client"),
            names(design, &clients),
            grouped(offered),
            count(design.flows.len(), "flow")
        ));
        if clients.is_empty() {
            intro = Text::new().plain(self.title()).rich(&format!(
                " declares no client, so no load reaches it, and {}.",
                count(design.flows.len(), "flow")
            ));
        }
        blocks.push(Block::Paragraph(intro));
        if !clients.is_empty() {
            let rows = clients
                .iter()
                .map(|id| {
                    let component = self.component(*id);
                    let flows: Vec<FlowId> = design
                        .flow_ids()
                        .filter(|flow| design.flow(*flow).client() == Some(*id))
                        .collect();
                    vec![
                        component.id.clone(),
                        component.label.clone().unwrap_or_default(),
                        component.rps.map_or_else(|| "not declared".to_string(), rate),
                        if flows.is_empty() {
                            "none".to_string()
                        } else {
                            flow_names(design, &flows)
                        },
                    ]
                })
                .collect();
            blocks.push(table(
                &["client", "who", "rps", "flows"],
                &[false, false, true, false],
                rows,
            ));
        }
        blocks.push(Block::Paragraph(match design.slo.is_empty() {
            true => Text::new().rich("The system sets no SLO; flows are held only to their own."),
            false => Text::new()
                .rich("The system's objective for every flow that sets no other: ")
                .strong(slo_text(&design.slo))
                .rich("."),
        }));
        if design.flows.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "No flow is declared, so there are no per-request figures: declare a `flow` for each kind of request.",
            )));
            return blocks;
        }
        let (mut reads, mut writes, mut both) = (0.0, 0.0, 0.0);
        for flow in &design.flows {
            match flow.op {
                Op::Read => reads += flow.rps,
                Op::Write => writes += flow.rps,
                Op::ReadWrite => both += flow.rps,
            }
        }
        let total = reads + writes + both;
        if total > 0.0 {
            let share = |x: f64| format!("{}%", plain(100.0 * x / total));
            let parts: Vec<String> = [(reads, "read"), (writes, "write"), (both, "both read and write")]
                .iter()
                .filter(|(rate_of, _)| *rate_of > 0.0)
                .map(|(rate_of, what)| format!("{} ({}) {what}", rate(*rate_of), share(*rate_of)))
                .collect();
            blocks.push(Block::Paragraph(Text::new().rich(&format!(
                "Of the {} requests per second the flows carry, {}.",
                grouped(total),
                join(&parts)
            ))));
        }
        let rows = design
            .flow_ids()
            .map(|id| {
                let flow = design.flow(id);
                let verdict = match self.flow_estimate(id).and_then(|estimate| estimate.slo.as_ref()) {
                    None => "no SLO".to_string(),
                    Some(verdict) if verdict.met => "met".to_string(),
                    Some(_) => "missed".to_string(),
                };
                let figures = self.flow_estimate(id).map_or_else(String::new, |estimate| {
                    format!(
                        "p99 {}, {}",
                        ms(estimate.latency.p99_ms),
                        percent(estimate.availability)
                    )
                });
                vec![
                    flow.id.clone(),
                    flow.label.clone().unwrap_or_default(),
                    flow.op.to_string(),
                    rate(flow.rps),
                    slo_text(&flow.slo),
                    figures,
                    verdict,
                ]
            })
            .collect();
        blocks.push(table(
            &["flow", "request", "op", "rps", "SLO", "estimate", "verdict"],
            &[false, false, false, true, false, false, false],
            rows,
        ));
        blocks
    }

    fn title(&self) -> String {
        self.design.label.clone().unwrap_or_else(|| self.design.name.clone())
    }

    // ------------------------------------------------------------------
    // 2. High-level design

    fn high_level_design(&mut self) -> Vec<Block> {
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
                    if !flow.is_path_only() {
                        let calls = flow.visits.len() - flow.path.len();
                        text = text.rich(&format!(" (a call tree: the path, then {calls} more visits)"));
                    }
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

    // ------------------------------------------------------------------
    // 3. Components

    fn components(&mut self) -> Vec<Block> {
        let mut blocks = vec![Block::Paragraph(Text::new().rich(
            "Each component, what it does in this design, and the choices and figures it declares (with where each default comes from).",
        ))];
        for id in self.design.component_ids() {
            let component = self.component(id);
            let mut title = format!("{} — {}", component.id, component.kind);
            if let Some((technology, _)) = &component.technology_name {
                title.push_str(&format!(" · {technology}"));
            }
            blocks.push(heading(title, format!("component-{}", component.id)));
            blocks.push(Block::Paragraph(self.role(id)));
            blocks.push(Block::Bullets(self.figures(id)));
            if let Some(technology) = component.technology {
                let mut text = Text::new().rich(&format!("About {}: {}", technology.name, technology.notes));
                if !technology.sources.is_empty() {
                    text = text.rich(&format!(" (source: {})", technology.sources.join(", ")));
                }
                blocks.push(Block::Paragraph(text));
            }
            self.component_trade_offs(id, &mut blocks);
        }
        blocks
    }

    /// What the component is there for, from its kind and its links.
    fn role(&self, id: ComponentId) -> Text {
        let design = self.design;
        let component = self.component(id);
        let callers = self.callers(id);
        let callees = self.callees(id);
        let or_nothing = |ids: &[ComponentId], none: &str| {
            if ids.is_empty() {
                none.to_string()
            } else {
                names(design, ids)
            }
        };
        let from = or_nothing(&callers, "nothing");
        // "lb reaches", "edge and creators reach".
        let verb = |singular: &str, plural: &str| {
            if callers.len() == 1 {
                singular.to_string()
            } else {
                plural.to_string()
            }
        };
        let to = or_nothing(&callees, "nothing");
        let mut text = match component.kind {
            Kind::Client => match component.rps {
                Some(rps) => format!("Where requests start: it offers {} and calls {to}.", rate(rps)),
                None => format!("Where requests start (it declares no rps); it calls {to}."),
            },
            Kind::Dns => format!("Resolves names and routes clients to {to}."),
            Kind::Cdn => {
                let at = if callers.is_empty() {
                    "at the edge".to_string()
                } else {
                    format!("at the edge, close to {from}")
                };
                if callees.is_empty() {
                    format!("Answers cacheable requests {at}; no origin is linked behind it, so a miss ends here.")
                } else {
                    format!("Answers cacheable requests {at}; a miss goes on to {to}.")
                }
            }
            Kind::LoadBalancer => format!("Spreads the requests of {from} over the instances of {to}."),
            Kind::Gateway => format!(
                "The front door of the API: {from} {} {to} through it; it routes, authenticates and rate-limits.",
                verb("reaches", "reach")
            ),
            Kind::Service => format!("Application logic: it serves {from} and calls {to}."),
            Kind::Worker => {
                let queues: Vec<ComponentId> = callers
                    .iter()
                    .copied()
                    .filter(|c| self.component(*c).kind == Kind::Queue)
                    .collect();
                if queues.is_empty() {
                    format!("Background work that starts on its own (a batch job); it calls {to}.")
                } else {
                    format!(
                        "Background work: it takes messages from {} at its own pace and calls {to}.",
                        names(design, &queues)
                    )
                }
            }
            Kind::Cache if callees.is_empty() => format!(
                "Keeps hot data in memory for {from}: a hit is answered here; nothing is linked behind it, so a miss ends here too."
            ),
            Kind::Cache => format!("Keeps hot data in memory for {from}, in front of {to}: a hit is answered here."),
            Kind::Database => format!(
                "A system of record that {from} {}.",
                verb("reads or writes", "read or write")
            ),
            Kind::Queue => format!(
                "Decouples {from} from {to}: producers wait only for the enqueue, consumers take messages at their own pace."
            ),
            Kind::ObjectStore => format!("Blob storage for {from}."),
            Kind::Search => format!("A search index that {from} {}.", verb("queries", "query")),
            Kind::External => format!("A third-party API outside the system, called by {from}."),
        };
        let mut out = Text::new().rich(&text);
        text.clear();
        if let Some(description) = &component.description {
            // The user's words: plain text, whatever backticks it has.
            out = out.plain(format!(" The design says: \"{description}\"."));
        }
        let sync = self.graph.flows_through(id).to_vec();
        let background = self.background_flows(id);
        match (sync.is_empty(), background.is_empty()) {
            (true, true) if component.kind != Kind::Client => text.push_str(" No flow uses it."),
            (true, true) => {}
            _ => {
                if !sync.is_empty() && component.kind == Kind::Client {
                    text.push_str(&format!(
                        " It starts {} {}.",
                        if sync.len() == 1 { "flow" } else { "flows" },
                        flow_names(design, &sync)
                    ));
                } else if !sync.is_empty() {
                    text.push_str(&format!(
                        " {} {} {} for it.",
                        if sync.len() == 1 { "Flow" } else { "Flows" },
                        flow_names(design, &sync),
                        if sync.len() == 1 { "waits" } else { "wait" }
                    ));
                }
                if !background.is_empty() {
                    text.push_str(&format!(
                        " It does background work for {}.",
                        flow_names(design, &background)
                    ));
                }
            }
        }
        out.rich(&text)
    }

    /// The component's declared choices and figures.
    fn figures(&self, id: ComponentId) -> Vec<Text> {
        let component = self.component(id);
        let base = KnowledgeBase::get();
        let mut items = Vec::new();
        let item = |label: &str, value: String| Text::new().strong(format!("{label}: ")).rich(&value);
        if let Some((written, _)) = &component.technology_name {
            items.push(match component.technology {
                Some(technology) => item(
                    "technology",
                    format!("{} (knowledge base entry `{}`)", technology.name, technology.id),
                ),
                None => item(
                    "technology",
                    format!(
                        "{written}, not in the knowledge base: the defaults of a {} apply",
                        component.kind
                    ),
                ),
            });
        }
        if component.kind == Kind::Client {
            items.push(item(
                "rps",
                component.rps.map_or_else(|| "not declared".to_string(), rate),
            ));
            return items;
        }
        if component.kind == Kind::Database {
            items.push(item(
                "replication",
                format!(
                    "{} ({})",
                    replication_text(&component.replication),
                    count(component.replication.nodes() as usize, "node")
                ),
            ));
        } else {
            let declared = if component.replicas_declared {
                "declared"
            } else if component.kind.redundant_by_default() || component.is_managed() {
                "not declared: counts as redundant by default"
            } else {
                "default"
            };
            items.push(item("replicas", format!("{} ({declared})", component.replicas)));
        }
        items.push(item(
            "latency",
            format!(
                "p50 {}, p99 {} ({})",
                ms(component.latency.p50_ms),
                ms(component.latency.p99_ms),
                component.latency.origin.describe()
            ),
        ));
        let read = node_factor(self.design, id, Op::Read, None);
        let write = node_factor(self.design, id, Op::Write, None);
        let availability = if !read.counted {
            format!(
                "{} per instance ({}); not counted in flow availability: {}",
                percent(component.availability),
                component.availability_origin.describe(),
                read.reason
            )
        } else if component.kind == Kind::Database && read.value != write.value {
            format!(
                "{} per node ({}); reads {} ({}), writes {} ({})",
                percent(component.availability),
                component.availability_origin.describe(),
                percent(read.value),
                read.reason,
                percent(write.value),
                write.reason
            )
        } else {
            format!(
                "{} per instance ({}); {} as a whole ({})",
                percent(component.availability),
                component.availability_origin.describe(),
                percent(read.value),
                read.reason
            )
        };
        items.push(item("availability", availability));
        let load = self.load(id);
        let load_text = match load {
            Some(load) => {
                let mut text = format!("{} at the estimated peak", rate(load.load_rps));
                if let Some(capacity) = component.capacity {
                    text.push_str(&format!(", capacity {} per instance", rate(capacity)));
                }
                if let Some(rho) = load.utilization {
                    text.push_str(&format!(", utilization {}", utilization(rho)));
                }
                if component.capacity.is_none() {
                    text.push_str(" (no `capacity` declared, so no utilization)");
                }
                text
            }
            None => "none".to_string(),
        };
        items.push(item("load", load_text));
        match component.kind {
            Kind::LoadBalancer | Kind::Gateway => {
                if let Some(algorithm) = component
                    .algorithm
                    .or((component.kind == Kind::LoadBalancer).then_some(crate::model::Algorithm::RoundRobin))
                {
                    let source = if component.algorithm.is_some() {
                        "declared"
                    } else {
                        "default"
                    };
                    items.push(item("algorithm", format!("{algorithm} ({source})")));
                }
                if let Some(layer) = component.layer {
                    items.push(item("layer", format!("{layer}")));
                }
                if let Some(mode) = component.ha_mode {
                    items.push(item("mode", mode.to_string()));
                }
                if let Some(auth) = component.auth {
                    items.push(item("auth", auth.to_string()));
                }
            }
            Kind::Cache | Kind::Cdn => {
                if component.kind == Kind::Cache {
                    let source = if component.property_span("pattern").is_some() {
                        "declared"
                    } else {
                        "default"
                    };
                    items.push(item("pattern", format!("{} ({source})", component.cache_pattern)));
                }
                let hit_source = if component.hit_ratio_declared.is_some() {
                    "declared".to_string()
                } else {
                    format!("language.md §4 default for a {}", component.kind)
                };
                items.push(item(
                    "hit ratio",
                    format!("{} ({hit_source})", plain_fraction(component.hit_ratio())),
                ));
                items.push(item(
                    "TTL",
                    match (component.ttl_ms, component.effective_ttl_ms()) {
                        (Some(ttl), _) => format!("{} (declared)", duration(ttl)),
                        (None, Some(ttl)) => format!("{} (its technology's default)", duration(ttl)),
                        (None, None) => "none".to_string(),
                    },
                ));
                if let Some(eviction) = component.eviction {
                    items.push(item("eviction", eviction.to_string()));
                }
                let invalidation = if component.kind == Kind::Cache {
                    let source = if component.cache_invalidation.is_some() {
                        "declared"
                    } else {
                        "default"
                    };
                    format!("{} ({source})", component.cache_invalidation())
                } else {
                    component
                        .cdn_invalidation
                        .map_or_else(|| "none".to_string(), |value| format!("{value} (declared)"))
                };
                items.push(item("invalidation", invalidation));
            }
            Kind::Database | Kind::Search | Kind::ObjectStore => {
                let consistency_source = if component.consistency_declared.is_some() {
                    "declared"
                } else if component.technology.and_then(|t| t.consistency).is_some() {
                    "its technology's default"
                } else {
                    "default"
                };
                items.push(item(
                    "consistency",
                    format!("{} ({consistency_source})", component.consistency()),
                ));
                if component.kind == Kind::Database {
                    items.push(item(
                        "CAP",
                        component
                            .cap()
                            .map_or_else(|| "not classified".to_string(), |cap| cap.to_string()),
                    ));
                    if let Some(pacelc) = component.technology.and_then(|t| t.pacelc.as_deref()) {
                        items.push(item("PACELC", format!("{pacelc} (knowledge base)")));
                    }
                }
                if let Some(model) = component
                    .data_model
                    .or_else(|| component.technology.and_then(|t| t.data_model))
                {
                    items.push(item("data model", model.to_string()));
                }
                if let Some(shard) = &component.shard {
                    items.push(item(
                        "sharding",
                        format!("{} on {} into {} shards", shard.strategy, shard.key, shard.count),
                    ));
                }
                if let Some(size) = component.size_bytes {
                    items.push(item("size", crate::analysis::wording::size(size)));
                }
            }
            Kind::Queue => {
                let source = if component.delivery_declared.is_some() {
                    "declared"
                } else if component.technology.and_then(|t| t.delivery).is_some() {
                    "its technology's default"
                } else {
                    "default"
                };
                items.push(item("delivery", format!("{} ({source})", component.delivery())));
                items.push(item("pattern", component.queue_pattern.to_string()));
                items.push(item(
                    "dead letters",
                    dead_letter_text(self.design, &component.dead_letter),
                ));
            }
            Kind::Service | Kind::Worker => {
                items.push(item(
                    "idempotent",
                    match component.idempotent {
                        Some(true) => "yes (declared)".to_string(),
                        Some(false) => "no (declared)".to_string(),
                        None => "not declared".to_string(),
                    },
                ));
                items.push(item(
                    "stateless",
                    if component.stateless { "yes" } else { "no" }.to_string(),
                ));
            }
            Kind::Client | Kind::Dns | Kind::External => {}
        }
        if let Some(limit) = &component.rate_limit {
            let shape = match (limit.window_ms, limit.refill_per_s) {
                (Some(window), _) => format!("limit {} per {}", plain(limit.limit), duration(window)),
                (None, Some(refill)) => format!("capacity {}, refill {}", plain(limit.limit), rate(refill)),
                (None, None) => format!("limit {}", plain(limit.limit)),
            };
            items.push(item(
                "rate limit",
                format!("{} ({shape}, per {})", limit.algorithm, limit.per),
            ));
        }
        if let Some(region) = component.region {
            items.push(item("region", self.design.region(region).id.clone()));
        }
        let _ = base;
        items
    }

    fn component_trade_offs(&mut self, id: ComponentId, blocks: &mut Vec<Block>) {
        let component = self.component(id);
        let name = component.id.clone();
        let says = |what: String| Text::new().code(name.clone()).rich(&format!(" {what}"));
        if component.kind == Kind::LoadBalancer {
            let algorithm = component.algorithm.unwrap_or(crate::model::Algorithm::RoundRobin);
            self.push_trade_off(
                blocks,
                DesignChoice::Algorithm(algorithm),
                says(format!("spreads requests with {algorithm}")),
            );
            if let Some(layer) = component.layer {
                self.push_trade_off(
                    blocks,
                    DesignChoice::Layer(layer),
                    says(format!("works at layer {layer}")),
                );
            }
        }
        if matches!(component.kind, Kind::LoadBalancer | Kind::Gateway) && component.replicas > 1 {
            let mode = component.ha_mode.unwrap_or(crate::model::HaMode::ActiveActive);
            self.push_trade_off(
                blocks,
                DesignChoice::HaMode(mode),
                says(format!("runs its {} instances {mode}", component.replicas)),
            );
        }
        if let Some(limit) = &component.rate_limit {
            let (algorithm, per) = (limit.algorithm, limit.per);
            self.push_trade_off(
                blocks,
                DesignChoice::RateLimit(algorithm),
                says(format!("rate-limits with {algorithm}")),
            );
            self.push_trade_off(
                blocks,
                DesignChoice::RateLimitScope(per),
                says(format!("counts requests per {per}")),
            );
        }
        if let Some(auth) = component.auth {
            self.push_trade_off(
                blocks,
                DesignChoice::Auth(auth),
                says(format!("authenticates with {auth}")),
            );
        }
    }

    // ------------------------------------------------------------------
    // 4. Data stores

    fn data_stores(&mut self) -> Vec<Block> {
        let design = self.design;
        let stores = self.ids_of(|component| component.kind.is_store());
        let mut blocks = Vec::new();
        if stores.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "The design has no database, search index or object store: it keeps no data of its own.",
            )));
            return blocks;
        }
        blocks.push(Block::Paragraph(Text::new().rich(&format!(
            "{} {} the data: {}. For each, its consistency, CAP and PACELC class, and what each flow that reaches it gets (language.md §4, \"Consistency\").",
            count(stores.len(), "store"),
            if stores.len() == 1 { "holds" } else { "hold" },
            names(design, &stores)
        ))));
        for id in stores {
            let component = self.component(id);
            let name = component.id.clone();
            blocks.push(heading(
                format!("{} — {}", component.id, component.kind),
                format!("store-{}", component.id),
            ));
            let mut facts = vec![Text::new().strong("consistency: ").rich(&format!(
                "{} for a read on one node{}",
                component.consistency(),
                if component.consistency_declared.is_some() {
                    " (declared)"
                } else {
                    ""
                }
            ))];
            if component.kind == Kind::Database {
                facts.push(Text::new().strong("CAP: ").rich(&match component.cap() {
                    Some(crate::model::Cap::Cp) => {
                        "CP: under a partition it refuses requests rather than answer inconsistently".to_string()
                    }
                    Some(crate::model::Cap::Ap) => {
                        "AP: under a partition both sides keep answering and may diverge".to_string()
                    }
                    None => "not classified (no `cap` and its technology sets none)".to_string(),
                }));
                facts.push(Text::new().strong("PACELC: ").rich(
                    &match component.technology.and_then(|t| t.pacelc.as_deref()) {
                        Some(pacelc) => format!("{pacelc} (knowledge base)"),
                        None => "not in the knowledge base".to_string(),
                    },
                ));
                facts.push(
                    Text::new()
                        .strong("replication: ")
                        .rich(&replication_text(&component.replication)),
                );
            }
            blocks.push(Block::Bullets(facts));
            let rows = self.consistency_rows(id);
            if rows.is_empty() {
                blocks.push(Block::Paragraph(Text::new().rich("No flow and no link reaches it.")));
            } else {
                blocks.push(Block::Paragraph(
                    Text::new()
                        .rich("What each request that reaches ")
                        .code(name.clone())
                        .rich(" gets:"),
                ));
                blocks.push(table(
                    &["flow or link", "hop", "op", "gets", "because", "requires", "verdict"],
                    &[false; 7],
                    rows,
                ));
            }
            self.push_trade_off(
                &mut blocks,
                DesignChoice::Consistency(component.consistency()),
                Text::new()
                    .code(name.clone())
                    .rich(&format!(" gives {} reads on one node", component.consistency())),
            );
            if let Some(cap) = component.cap() {
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::Cap(cap),
                    Text::new().code(name.clone()).rich(&format!(" is {cap}")),
                );
            }
            if let Some(model) = component
                .data_model
                .or_else(|| component.technology.and_then(|t| t.data_model))
            {
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::DataModel(model),
                    Text::new().code(name.clone()).rich(&format!(" stores {model} data")),
                );
            }
            let pinned = self
                .graph
                .incoming(id)
                .iter()
                .any(|link| design.link(*link).read_from == ReadFrom::Primary);
            if pinned {
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::ReadFromPrimary,
                    Text::new()
                        .rich("a link pins its reads of ")
                        .code(name)
                        .rich(" to the primary"),
                );
            }
        }
        blocks
    }

    /// One row per flow hop into the store, then per link no flow uses.
    fn consistency_rows(&self, store: ComponentId) -> Vec<Vec<String>> {
        let design = self.design;
        let component = self.component(store);
        let mut rows = Vec::new();
        let mut used = BTreeSet::new();
        let verdict = |gets: crate::model::Consistency, needed: Option<crate::model::Consistency>| match needed {
            None => "nothing required".to_string(),
            Some(needed) if gets.satisfies(needed) => "ok".to_string(),
            Some(needed) => format!("mismatch: needs {needed}"),
        };
        for flow_id in design.flow_ids() {
            let flow = design.flow(flow_id);
            // Every hop of the call tree into the store, with its call's op
            // and requires (language.md §5).
            for visit in &flow.visits {
                let Some(link_id) = visit.link.filter(|_| visit.component == store) else {
                    continue;
                };
                let link_id = &link_id;
                used.insert(*link_id);
                let link = design.link(*link_id);
                let gets = consistency::effective(component, visit.op, link.read_from);
                let needed = strongest(strongest(link.requires, flow.requires), visit.requires);
                rows.push(vec![
                    format!("flow {}", flow.id),
                    design.link_subject(*link_id),
                    visit.op.to_string(),
                    gets.level.to_string(),
                    gets.cause.to_string(),
                    needed.map_or_else(|| "-".to_string(), |c| c.to_string()),
                    verdict(gets.level, needed),
                ]);
            }
        }
        for link_id in self.graph.incoming(store) {
            if used.contains(link_id) {
                continue;
            }
            let link = design.link(*link_id);
            let gets = consistency::effective(component, link.op, link.read_from);
            rows.push(vec![
                "link only".to_string(),
                design.link_subject(*link_id),
                link.op.to_string(),
                gets.level.to_string(),
                gets.cause.to_string(),
                link.requires.map_or_else(|| "-".to_string(), |c| c.to_string()),
                verdict(gets.level, link.requires),
            ]);
        }
        rows
    }

    // ------------------------------------------------------------------
    // 5. Caching

    fn caching(&mut self) -> Vec<Block> {
        let design = self.design;
        let caches = self.ids_of(|component| component.kind.is_cache_like());
        let mut blocks = Vec::new();
        if caches.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "The design has no cache and no cdn: every request goes all the way to where its answer lives.",
            )));
        } else {
            blocks.push(Block::Paragraph(Text::new().rich(&format!(
                "{} {} requests before they reach the origin: {}.",
                count(caches.len(), "cache"),
                if caches.len() == 1 { "answers" } else { "answer" },
                names(design, &caches)
            ))));
        }
        for id in caches {
            let component = self.component(id);
            let name = component.id.clone();
            blocks.push(heading(
                format!("{} — {}", component.id, component.kind),
                format!("cache-{}", component.id),
            ));
            let mut facts = Vec::new();
            if component.kind == Kind::Cache {
                facts.push(
                    Text::new()
                        .strong("pattern: ")
                        .rich(&component.cache_pattern.to_string()),
                );
            }
            facts.push(Text::new().strong("hit ratio: ").rich(&format!(
                "{}{}",
                plain_fraction(component.hit_ratio()),
                if component.hit_ratio_declared.is_some() {
                    " (declared)"
                } else {
                    " (language.md §4 default)"
                }
            )));
            facts.push(
                Text::new().strong("TTL: ").rich(
                    &component
                        .effective_ttl_ms()
                        .map_or_else(|| "none".to_string(), duration),
                ),
            );
            facts.push(
                Text::new().strong("eviction: ").rich(
                    &component
                        .eviction
                        .map_or_else(|| "not declared".to_string(), |e| e.to_string()),
                ),
            );
            facts.push(
                Text::new()
                    .strong("invalidation: ")
                    .rich(&if component.kind == Kind::Cache {
                        component.cache_invalidation().to_string()
                    } else {
                        component
                            .cdn_invalidation
                            .map_or_else(|| "none".to_string(), |i| i.to_string())
                    }),
            );
            let callees = self.callees(id);
            if !callees.is_empty() {
                facts.push(Text::new().strong("in front of: ").rich(&names(design, &callees)));
            }
            blocks.push(Block::Bullets(facts));
            if component.kind == Kind::Cache {
                let pattern = component.cache_pattern;
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::CachePattern(pattern),
                    Text::new().code(name.clone()).rich(&format!(" is filled {pattern}")),
                );
                if let Some(eviction) = component.eviction {
                    self.push_trade_off(
                        &mut blocks,
                        DesignChoice::Eviction(eviction),
                        Text::new().code(name.clone()).rich(&format!(" evicts {eviction}")),
                    );
                }
                let invalidation = component.cache_invalidation();
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::CacheInvalidation(invalidation),
                    Text::new()
                        .code(name.clone())
                        .rich(&format!(" invalidates by {invalidation}")),
                );
            } else {
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::Cdn,
                    Text::new().code(name.clone()).rich(" is a cdn"),
                );
                if let Some(eviction) = component.eviction {
                    self.push_trade_off(
                        &mut blocks,
                        DesignChoice::Eviction(eviction),
                        Text::new().code(name.clone()).rich(&format!(" evicts {eviction}")),
                    );
                }
                if let Some(invalidation) = component.cdn_invalidation {
                    self.push_trade_off(
                        &mut blocks,
                        DesignChoice::CdnInvalidation(invalidation),
                        Text::new()
                            .code(name.clone())
                            .rich(&format!(" invalidates by {invalidation}")),
                    );
                }
            }
        }
        if design.flows.is_empty() {
            return blocks;
        }
        blocks.push(heading("Latency per flow", "latency-per-flow"));
        blocks.push(Block::Paragraph(Text::new().rich(
            "From `hld estimate`: each flow's latency over its synchronous part, with the caches' hits and misses mixed in.",
        )));
        let rows = self
            .baseline
            .flows
            .iter()
            .map(|estimate| {
                vec![
                    design.flow(estimate.flow).id.clone(),
                    rate(estimate.rps),
                    ms(estimate.latency.mean_ms),
                    ms(estimate.latency.p50_ms),
                    ms(estimate.latency.p95_ms),
                    ms(estimate.latency.p99_ms),
                    percent(estimate.availability),
                ]
            })
            .collect();
        blocks.push(table(
            &["flow", "rps", "mean", "p50", "p95", "p99", "availability"],
            &[false, true, true, true, true, true, true],
            rows,
        ));
        let mut rows = Vec::new();
        for estimate in &self.baseline.flows {
            for outcome in &estimate.outcomes {
                let component = self.component(outcome.stops_at);
                rows.push(vec![
                    design.flow(estimate.flow).id.clone(),
                    component.id.clone(),
                    if outcome.hit {
                        format!("{} hit", component.kind)
                    } else {
                        "end of path".to_string()
                    },
                    plain_fraction(outcome.probability),
                    ms(outcome.mean_ms),
                ]);
            }
        }
        blocks.push(Block::Paragraph(
            Text::new().rich("Where the requests of each flow stop:"),
        ));
        blocks.push(table(
            &["flow", "stops at", "why", "probability", "mean latency"],
            &[false, false, false, true, true],
            rows,
        ));
        blocks
    }

    // ------------------------------------------------------------------
    // 6. Asynchronous work

    fn async_work(&mut self) -> Vec<Block> {
        let design = self.design;
        let queues = self.ids_of(|component| component.kind == Kind::Queue);
        let fire_and_forget: Vec<_> = design
            .link_ids()
            .filter(|link| {
                let link = design.link(*link);
                link.mode == LinkMode::Async
                    && self.component(link.to).kind != Kind::Queue
                    && self.component(link.from).kind != Kind::Queue
            })
            .collect();
        let mut blocks = Vec::new();
        if queues.is_empty() && fire_and_forget.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "The design has no asynchronous work: every hop is synchronous, so every caller waits for the whole chain.",
            )));
            self.push_trade_off(
                &mut blocks,
                DesignChoice::SyncCall,
                Text::new().rich("every link of the design is synchronous"),
            );
            return blocks;
        }
        blocks.push(Block::Paragraph(Text::new().rich(&format!(
            "Work nobody waits for leaves the request path: {} and {}.",
            count(queues.len(), "queue"),
            count(fire_and_forget.len(), "fire-and-forget call")
        ))));
        self.push_trade_off(
            &mut blocks,
            DesignChoice::AsyncCall,
            Text::new().rich("the design hands work to queues"),
        );
        for id in queues.iter().copied() {
            let component = self.component(id);
            let name = component.id.clone();
            blocks.push(heading(
                format!("{} — queue", component.id),
                format!("queue-{}", component.id),
            ));
            let producers = self.callers(id);
            let consumers = self.callees(id);
            let consumer_text: Vec<String> = consumers
                .iter()
                .map(|consumer| {
                    let c = self.component(*consumer);
                    match c.idempotent {
                        Some(true) => format!("{} (idempotent)", c.id),
                        _ if c.kind == Kind::Queue => format!("{} (a queue)", c.id),
                        _ => format!("{} (not declared idempotent)", c.id),
                    }
                })
                .collect();
            let mut facts = vec![
                Text::new().strong("delivery: ").rich(&component.delivery().to_string()),
                Text::new()
                    .strong("pattern: ")
                    .rich(&component.queue_pattern.to_string()),
                Text::new()
                    .strong("dead letters: ")
                    .rich(&dead_letter_text(design, &component.dead_letter)),
                Text::new().strong("producers: ").rich(&if producers.is_empty() {
                    "none".to_string()
                } else {
                    names(design, &producers)
                }),
                Text::new().strong("consumers: ").rich(&if consumers.is_empty() {
                    "none".to_string()
                } else {
                    join(&consumer_text)
                }),
            ];
            if let Some(queue) = self.baseline.capacity.queues.iter().find(|queue| queue.queue == id) {
                facts.push(Text::new().strong("backlog: ").rich(&format!(
                    "in {}, out {}, {}",
                    rate(queue.in_rps),
                    rate(queue.out_rps),
                    if queue.growth_per_hour > 0.0 {
                        format!("grows by {} messages an hour", grouped(queue.growth_per_hour))
                    } else {
                        "keeps up (no growth)".to_string()
                    }
                )));
            }
            blocks.push(Block::Bullets(facts));
            let delivery = component.delivery();
            self.push_trade_off(
                &mut blocks,
                DesignChoice::Delivery(delivery),
                Text::new().code(name.clone()).rich(&format!(" delivers {delivery}")),
            );
            let pattern = component.queue_pattern;
            self.push_trade_off(
                &mut blocks,
                DesignChoice::QueuePattern(pattern),
                Text::new().code(name.clone()).rich(&format!(" is a {pattern}")),
            );
            let context = match component.dead_letter {
                DeadLetter::None => Text::new()
                    .code(name.clone())
                    .rich(" has no dead-letter queue; what one would give"),
                _ => Text::new()
                    .code(name.clone())
                    .rich(" sets aside poison messages in a dead-letter queue"),
            };
            self.push_trade_off(&mut blocks, DesignChoice::DeadLetterQueue, context);
            for consumer in consumers {
                let c = self.component(consumer);
                if c.idempotent == Some(true) {
                    let consumer_name = c.id.clone();
                    self.push_trade_off(
                        &mut blocks,
                        DesignChoice::IdempotentConsumer,
                        Text::new()
                            .code(consumer_name)
                            .rich(" is an idempotent consumer of ")
                            .code(name.clone()),
                    );
                }
            }
        }
        if !fire_and_forget.is_empty() {
            let items = fire_and_forget
                .iter()
                .map(|link| {
                    Text::new().code(design.link_subject(*link)).rich(
                        ": fire-and-forget; the caller does not wait, and nothing holds the work if the target is down",
                    )
                })
                .collect();
            blocks.push(Block::Bullets(items));
        }
        if !self.baseline.capacity.queues.is_empty() {
            let rows = self
                .baseline
                .capacity
                .queues
                .iter()
                .map(|queue| {
                    vec![
                        self.component(queue.queue).id.clone(),
                        rate(queue.in_rps),
                        rate(queue.out_rps),
                        grouped(queue.growth_per_hour),
                    ]
                })
                .collect();
            blocks.push(table(
                &["queue", "in", "out", "growth per hour"],
                &[false, true, true, true],
                rows,
            ));
        }
        blocks
    }

    // ------------------------------------------------------------------
    // 7. Scaling

    fn scaling(&mut self) -> Vec<Block> {
        let design = self.design;
        let mut blocks = vec![Block::Paragraph(Text::new().rich(
            "How each component scales out, and how loaded it is at the estimated peak (capacity model of language.md §4).",
        ))];
        let rows = design
            .component_ids()
            .filter(|id| self.component(*id).kind != Kind::Client)
            .map(|id| {
                let component = self.component(id);
                let instances = if component.kind == Kind::Database {
                    format!("{} ({})", component.replication.nodes(), component.replication.name())
                } else {
                    component.replicas.to_string()
                };
                let load = self.load(id);
                vec![
                    component.id.clone(),
                    component.kind.to_string(),
                    instances,
                    component.capacity.map_or_else(|| "-".to_string(), rate),
                    load.map_or_else(|| "-".to_string(), |load| rate(load.load_rps)),
                    load.and_then(|load| load.utilization)
                        .map_or_else(|| "-".to_string(), utilization),
                ]
            })
            .collect();
        blocks.push(table(
            &["component", "kind", "instances", "capacity each", "load", "utilization"],
            &[false, false, true, true, true, true],
            rows,
        ));
        let single = self.ids_of(|c| c.kind != Kind::Client && c.kind != Kind::Database && !c.is_redundant());
        let replicated = self.ids_of(|c| c.kind != Kind::Client && c.kind != Kind::Database && c.replicas > 1);
        if !replicated.is_empty() {
            let verb = if replicated.len() == 1 { "runs" } else { "run" };
            let text = Text::new().rich(&format!("{} {verb} several instances", names(design, &replicated)));
            self.push_trade_off(&mut blocks, DesignChoice::ReplicatedInstances, text);
        }
        if !single.is_empty() {
            let verb = if single.len() == 1 { "runs" } else { "run" };
            let text = Text::new().rich(&format!("{} {verb} one instance", names(design, &single)));
            self.push_trade_off(&mut blocks, DesignChoice::SingleInstance, text);
        }
        for id in self.ids_of(|c| c.kind == Kind::Database || (c.kind == Kind::Search && c.shard.is_some())) {
            let component = self.component(id);
            let name = component.id.clone();
            blocks.push(heading(
                format!("{} — replication and sharding", component.id),
                format!("scaling-{}", component.id),
            ));
            let says = |what: String| Text::new().code(name.clone()).rich(&format!(" {what}"));
            if component.kind == Kind::Database {
                let replication = component.replication.clone();
                match replication {
                    Replication::None => {
                        self.push_trade_off(
                            &mut blocks,
                            DesignChoice::ReplicationNone,
                            says("keeps one copy".to_string()),
                        );
                    }
                    Replication::PrimaryReplica {
                        replicas,
                        mode,
                        failover,
                    } => {
                        self.push_trade_off(
                            &mut blocks,
                            DesignChoice::PrimaryReplica(mode),
                            says(format!(
                                "has a primary and {} replicated {mode}",
                                count(replicas as usize, "replica")
                            )),
                        );
                        self.push_trade_off(
                            &mut blocks,
                            DesignChoice::Failover(failover),
                            says(format!("fails over: {failover}")),
                        );
                    }
                    Replication::MultiPrimary { primaries, conflict } => match conflict {
                        Some(conflict) => self.push_trade_off(
                            &mut blocks,
                            DesignChoice::MultiPrimary(conflict),
                            says(format!(
                                "takes writes on {primaries} primaries and resolves conflicts by {conflict}"
                            )),
                        ),
                        None => blocks.push(Block::Paragraph(says(format!(
                            "takes writes on {primaries} primaries with no conflict strategy (see Risks)"
                        )))),
                    },
                    Replication::Quorum { n, r, w } => {
                        let strong = u64::from(r) + u64::from(w) > u64::from(n);
                        self.push_trade_off(
                            &mut blocks,
                            DesignChoice::Quorum { strong },
                            says(format!("uses a quorum with n = {n}, r = {r}, w = {w}")),
                        );
                    }
                }
            }
            if let Some(shard) = component.shard.clone() {
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::Shard(shard.strategy),
                    says(format!(
                        "is sharded by {} on {} into {} shards",
                        shard.strategy, shard.key, shard.count
                    )),
                );
            }
            let fanned: Vec<String> = self
                .graph
                .incoming(id)
                .iter()
                .filter(|link| design.link(**link).fanout == crate::model::Fanout::All)
                .map(|link| design.link_subject(*link))
                .collect();
            if !fanned.is_empty() {
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::FanoutAll,
                    Text::new().rich(&format!("{} reach every shard", join(&fanned))),
                );
            }
        }
        let regions = self.used_regions().len();
        if regions > 1 {
            self.push_trade_off(
                &mut blocks,
                DesignChoice::MultiRegion,
                Text::new().rich(&format!("the design spans {regions} regions")),
            );
        }
        blocks
    }

    // ------------------------------------------------------------------
    // 8. Risks

    fn risks(&mut self) -> Vec<Block> {
        let mut blocks = Vec::new();
        if self.findings.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "`hld check` finds nothing to report: no single point of failure, consistency mismatch or classic mistake among its rules.",
            )));
            return blocks;
        }
        let summary = crate::diagnostics::Summary::of(self.findings);
        blocks.push(Block::Paragraph(Text::new().rich(&format!(
            "`hld check` reports {}, {} and {}. Each, with what it means and its fix:",
            count(summary.errors, "error"),
            count(summary.warnings, "warning"),
            count(summary.infos, "info")
        ))));
        let mut ordered: Vec<&Diagnostic> = self.findings.iter().collect();
        // Most severe first; the sort is stable.
        ordered.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
        let items = ordered.into_iter().map(finding_text).collect();
        blocks.push(Block::Bullets(items));
        blocks
    }

    // ------------------------------------------------------------------
    // 9. What breaks if X fails

    fn failures(&mut self) -> Vec<Block> {
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
            let what_if = engine.run_changes(&Scenario::fail([id]));
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
                    let what_if = engine.run_changes(&Scenario::partition(region));
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
    fn what_if_text(&self, what_if: &WhatIf, total: f64) -> String {
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
                parts.push(format!("each {}", join(&causes)));
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
            parts.push(format!("load rises on {}", join(&moved)));
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
                join(&growing),
                if growing.len() == 1 { "s" } else { "" }
            ));
        }
        let mut text = parts.join("; ");
        text.push('.');
        text
    }

    // ------------------------------------------------------------------
    // 10. Improvements

    fn improvements(&mut self) -> Vec<Block> {
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

    fn effect_text(&self, effect: &Effect) -> Text {
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

/// "`rule` on `subject`: message", after `text`.
fn fixed_finding(mut text: Text, finding: &Diagnostic) -> Text {
    text = text.code(finding.code.clone());
    if let Some(subject) = &finding.subject {
        text = text.rich(" on ").code(subject.clone());
    }
    text.rich(&format!(": {}", finding.message))
}

fn finding_text(finding: &Diagnostic) -> Text {
    let mut text = Text::new()
        .strong(finding.severity.as_str().to_string())
        .rich(" ")
        .code(finding.code.clone());
    if let Some(subject) = &finding.subject {
        text = text.rich(" on ").code(subject.clone());
    }
    text = text.rich(&format!(": {}.", finding.message));
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
