//! `hld estimate` output: the JSON document of cli.md and a human table.
//! Renders [`Estimates`]; every number goes through `crate::format`, so
//! both formats (and `--explain`) print the same digits.

use serde::Serialize;

use crate::estimate::{Estimates, FlowEstimate, SloMiss};
use crate::format::{self, figure, fraction};
use crate::model::{Design, Kind};

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    flows: Vec<JsonFlow<'a>>,
    components: Vec<JsonComponent<'a>>,
    queues: Vec<JsonQueue<'a>>,
}

#[derive(Serialize)]
struct JsonFlow<'a> {
    name: &'a str,
    rps: f64,
    latency: JsonLatency,
    /// A fraction, full precision (cli.md).
    availability: f64,
    /// `ok` or `overloaded` (cli.md "Additions").
    status: &'static str,
    /// The saturated components that make it overloaded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    saturated: Vec<&'a str>,
    /// Its hops with retries or a timeout (language.md §7).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    retries: Vec<JsonHop<'a>>,
    outcomes: Vec<JsonOutcome<'a>>,
    background: Vec<&'a str>,
    slo: Option<JsonSlo>,
    /// The call tree (language.md §5), from the first component.
    tree: JsonVisit<'a>,
}

/// One visit of a flow's call tree: what it costs on average (its own
/// latency and its calls', skipped on a cache hit) and how often a request
/// reaches it.
#[derive(Serialize)]
struct JsonVisit<'a> {
    component: &'a str,
    reach: f64,
    mean_ms: f64,
    /// `sync`, `sync_end` (a queue's acknowledgement) or `background`.
    sync: &'static str,
    /// Made at the same time as the other calls of its step.
    parallel: bool,
    calls: Vec<JsonVisit<'a>>,
}

/// The JSON tree of a flow, built from the leaves up (no recursion).
fn json_tree<'a>(design: &'a Design, estimate: &FlowEstimate) -> JsonVisit<'a> {
    let flow = design.flow(estimate.flow);
    let model = &estimate.tree;
    let mut built: Vec<Option<JsonVisit<'a>>> = Vec::with_capacity(flow.visits.len());
    for (idx, visit) in flow.visits.iter().enumerate() {
        let tree_visit = model.visits.get(idx);
        let in_parallel = visit.parent.is_some_and(|parent| {
            flow.visits[parent]
                .steps
                .iter()
                .any(|step| step.parallel && step.calls.contains(&idx))
        });
        built.push(Some(JsonVisit {
            component: &design.component(visit.component).id,
            reach: fraction(tree_visit.map_or(0.0, |v| v.reach)),
            mean_ms: figure(tree_visit.map_or(0.0, |v| v.mean_ms)),
            sync: match tree_visit.map(|v| v.sync) {
                Some(crate::model::VisitSync::Sync) => "sync",
                Some(crate::model::VisitSync::SyncEnd) => "sync_end",
                _ => "background",
            },
            parallel: in_parallel,
            calls: Vec::new(),
        }));
    }
    for idx in (1..flow.visits.len()).rev() {
        if let (Some(parent), Some(mut node)) = (flow.visits[idx].parent, built[idx].take())
            && let Some(Some(above)) = built.get_mut(parent)
        {
            // Its calls came in from the last; put them in visit order.
            node.calls.reverse();
            above.calls.push(node);
        }
    }
    if let Some(Some(root)) = built.first_mut() {
        root.calls.reverse();
    }
    built.first_mut().and_then(Option::take).unwrap_or(JsonVisit {
        component: "",
        reach: 0.0,
        mean_ms: 0.0,
        sync: "background",
        parallel: false,
        calls: Vec::new(),
    })
}

/// A flow's latency in JSON (also `hld what-if`'s), rounded by `figure`.
#[derive(Serialize)]
pub(super) struct JsonLatency {
    mean_ms: Option<f64>,
    p50_ms: Option<f64>,
    p95_ms: Option<f64>,
    p99_ms: Option<f64>,
}

/// A flow's figures before or after a change (`hld what-if`, `hld diff`).
#[derive(Serialize)]
pub(super) struct JsonFigures {
    latency: JsonLatency,
    availability: f64,
    slo_met: Option<bool>,
}

impl JsonFigures {
    pub(super) fn new(
        latency: &crate::estimate::LatencyFigures,
        availability: f64,
        slo_met: Option<bool>,
    ) -> JsonFigures {
        JsonFigures {
            latency: JsonLatency::of(latency),
            availability,
            slo_met,
        }
    }
}

impl JsonLatency {
    pub(super) fn of(latency: &crate::estimate::LatencyFigures) -> JsonLatency {
        // `null` when unbounded (an overloaded flow, language.md §6).
        JsonLatency {
            mean_ms: format::bounded_figure(latency.mean_ms),
            p50_ms: format::bounded_figure(latency.p50_ms),
            p95_ms: format::bounded_figure(latency.p95_ms),
            p99_ms: format::bounded_figure(latency.p99_ms),
        }
    }
}

/// A retried or timed-out hop: the attempt arithmetic of language.md §7.
#[derive(Serialize)]
struct JsonHop<'a> {
    from: &'a str,
    to: &'a str,
    retries: u32,
    timeout_ms: Option<f64>,
    subtree_availability: f64,
    within_timeout: f64,
    fail: f64,
    success: f64,
    expected_attempts: f64,
}

#[derive(Serialize)]
struct JsonOutcome<'a> {
    stops_at: &'a str,
    probability: f64,
    mean_ms: f64,
}

#[derive(Serialize)]
struct JsonSlo {
    #[serde(skip_serializing_if = "Option::is_none")]
    p50_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p95_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p99_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    availability: Option<f64>,
    met: bool,
}

#[derive(Serialize)]
struct JsonComponent<'a> {
    id: &'a str,
    load_rps: f64,
    capacity_rps: Option<f64>,
    utilization: Option<f64>,
    /// Mean M/M/c wait (language.md §6); `null` without a capacity or
    /// when saturated (unbounded).
    wait_ms: Option<f64>,
    /// Bytes per second through it (language.md §8).
    bytes_per_s: f64,
    /// Connections it holds open.
    connections: f64,
    /// Which resource sets `utilization`: `requests`, `bandwidth` or
    /// `connections`; `null` when it declares no limit.
    limited_by: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonQueue<'a> {
    id: &'a str,
    in_rps: f64,
    out_rps: f64,
    growth_per_hour: f64,
}

fn json_flow<'a>(design: &'a Design, estimate: &FlowEstimate) -> JsonFlow<'a> {
    let flow = design.flow(estimate.flow);
    JsonFlow {
        name: &flow.id,
        rps: figure(estimate.rps),
        latency: JsonLatency::of(&estimate.latency),
        availability: estimate.availability,
        status: estimate.status.as_str(),
        saturated: estimate
            .saturated
            .iter()
            .map(|id| design.component(*id).id.as_str())
            .collect(),
        retries: estimate
            .hops
            .iter()
            .map(|hop| {
                let link = design.link(hop.link);
                JsonHop {
                    from: &design.component(link.from).id,
                    to: &design.component(link.to).id,
                    retries: hop.retries,
                    timeout_ms: hop.timeout_ms,
                    subtree_availability: hop.subtree_availability,
                    within_timeout: hop.within_timeout,
                    fail: hop.fail,
                    success: hop.success,
                    expected_attempts: hop.expected_attempts,
                }
            })
            .collect(),
        outcomes: estimate
            .outcomes
            .iter()
            .map(|outcome| JsonOutcome {
                stops_at: &design.component(outcome.stops_at).id,
                probability: fraction(outcome.probability),
                mean_ms: figure(outcome.mean_ms),
            })
            .collect(),
        background: estimate
            .background
            .iter()
            .map(|id| design.component(*id).id.as_str())
            .collect(),
        slo: estimate.slo.as_ref().map(|verdict| JsonSlo {
            p50_ms: verdict.slo.p50_ms,
            p95_ms: verdict.slo.p95_ms,
            p99_ms: verdict.slo.p99_ms,
            availability: verdict.slo.availability,
            met: verdict.met,
        }),
        tree: json_tree(design, estimate),
    }
}

/// The `hld estimate --format json` document (cli.md).
pub fn json(design: &Design, estimates: &Estimates) -> String {
    let report = Report {
        version: 1,
        flows: estimates.flows.iter().map(|flow| json_flow(design, flow)).collect(),
        components: estimates
            .capacity
            .components
            .iter()
            .map(|load| JsonComponent {
                id: &design.component(load.component).id,
                load_rps: figure(load.load_rps),
                capacity_rps: load.capacity_rps.map(figure),
                utilization: load.utilization.map(fraction),
                wait_ms: load.wait_ms.and_then(format::bounded_figure),
                bytes_per_s: figure(load.bytes_per_s),
                connections: figure(load.connections),
                limited_by: load.limited_by.map(|resource| resource.as_str()),
            })
            .collect(),
        queues: estimates
            .capacity
            .queues
            .iter()
            .map(|queue| JsonQueue {
                id: &design.component(queue.queue).id,
                in_rps: figure(queue.in_rps),
                out_rps: figure(queue.out_rps),
                growth_per_hour: figure(queue.growth_per_hour),
            })
            .collect(),
    };
    let mut out = super::escape::json_pretty(&report);
    out.push('\n');
    out
}

/// Left-aligned columns, two spaces apart (also `hld what-if`'s tables).
pub(super) fn table(rows: &[Vec<String>], indent: &str) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|col| {
            rows.iter()
                .filter_map(|row| row.get(col))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::from(indent);
        for (col, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if col + 1 < row.len() {
                let pad = widths.get(col).copied().unwrap_or(0) - cell.chars().count() + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// An SLO and its verdict: `p99 <= 200 ms: met`, `... missed (p99 is 250 ms)`.
pub fn slo_text(verdict: &crate::estimate::SloVerdict) -> String {
    let slo = &verdict.slo;
    let mut parts = Vec::new();
    for (name, value) in [("p50", slo.p50_ms), ("p95", slo.p95_ms), ("p99", slo.p99_ms)] {
        if let Some(value) = value {
            parts.push(format!("{name} <= {}", format::ms(value)));
        }
    }
    if let Some(availability) = slo.availability {
        parts.push(format!("availability >= {}", format::slo_percent(availability)));
    }
    let verdict_text = if verdict.met {
        "met".to_string()
    } else {
        let misses: Vec<String> = verdict
            .misses
            .iter()
            .map(|miss| match miss {
                SloMiss::Latency {
                    percentile, value_ms, ..
                } => format!("{percentile} is {}", format::ms(*value_ms)),
                SloMiss::Availability { value, .. } => format!("availability is {}", format::percent(*value)),
            })
            .collect();
        format!("missed ({})", misses.join(", "))
    };
    format!("{}: {verdict_text}", parts.join(", "))
}

/// A call tree as a table: each visit indented under its caller (`║`
/// marks calls of a parallel step), with its reach and mean.
fn tree_table(design: &Design, estimate: &FlowEstimate) -> String {
    let flow = design.flow(estimate.flow);
    let mut rows = vec![vec![
        "visit".to_string(),
        "reach".to_string(),
        "mean latency".to_string(),
    ]];
    // Depth-first, in call order, with an explicit stack.
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    while let Some((idx, depth)) = stack.pop() {
        let Some(visit) = flow.visits.get(idx) else { continue };
        let model = estimate.tree.visits.get(idx);
        let parallel = visit.parent.is_some_and(|parent| {
            flow.visits[parent]
                .steps
                .iter()
                .any(|step| step.parallel && step.calls.contains(&idx))
        });
        let marker = if depth == 0 {
            String::new()
        } else if parallel {
            format!("{}║ ", "  ".repeat(depth - 1))
        } else {
            format!("{}→ ", "  ".repeat(depth - 1))
        };
        let background = model.is_some_and(|m| m.sync == crate::model::VisitSync::Background);
        let name = &design.component(visit.component).id;
        rows.push(vec![
            format!("{marker}{name}{}", if background { " (background)" } else { "" }),
            format::plain_fraction(model.map_or(0.0, |m| m.reach)),
            if background {
                "-".to_string()
            } else {
                format::ms(model.map_or(0.0, |m| m.mean_ms))
            },
        ]);
        for step in visit.steps.iter().rev() {
            for call in step.calls.iter().rev() {
                stack.push((*call, depth + 1));
            }
        }
    }
    format!("  call tree (║ in parallel):\n{}", table(&rows, "    "))
}

/// Why flows through these components are overloaded: "api takes 500/s
/// on 312.5/s" for each (language.md §6).
pub fn saturation_text(design: &Design, estimates: &Estimates, saturated: &[crate::model::ComponentId]) -> String {
    let parts: Vec<String> = saturated
        .iter()
        .map(|id| {
            let load = estimates.capacity.component(*id);
            let served = load.and_then(|load| load.capacity_rps);
            match (load, served) {
                (Some(load), Some(capacity)) => format!(
                    "{} takes {} on {}",
                    design.component(*id).id,
                    format::rate(load.load_rps),
                    format::rate(capacity)
                ),
                _ => format!("{} is saturated", design.component(*id).id),
            }
        })
        .collect();
    format::list(&parts)
}

/// The human table of `hld estimate`.
pub fn human(design: &Design, estimates: &Estimates) -> String {
    let mut out = String::new();
    for estimate in &estimates.flows {
        let flow = design.flow(estimate.flow);
        let path: Vec<&str> = flow.path.iter().map(|id| design.component(*id).id.as_str()).collect();
        out.push_str(&format!(
            "flow {} ({}), {} rps\n",
            flow.id,
            path.join(" -> "),
            format::grouped(estimate.rps)
        ));
        let latency = &estimate.latency;
        let mut rows = vec![
            vec![
                "latency".to_string(),
                format!(
                    "mean {}, p50 {}, p95 {}, p99 {}",
                    format::ms(latency.mean_ms),
                    format::ms(latency.p50_ms),
                    format::ms(latency.p95_ms),
                    format::ms(latency.p99_ms)
                ),
            ],
            vec!["availability".to_string(), format::percent(estimate.availability)],
        ];
        if estimate.status == crate::estimate::FlowStatus::Overloaded {
            rows.push(vec![
                "status".to_string(),
                format!(
                    "overloaded: {}",
                    saturation_text(design, estimates, &estimate.saturated)
                ),
            ]);
        }
        for hop in &estimate.hops {
            let link = design.link(hop.link);
            rows.push(vec![
                "retries".to_string(),
                format!(
                    "{} -> {}: an attempt fails with {}, succeeds within {} attempts with {}, {} attempts on average",
                    design.component(link.from).id,
                    design.component(link.to).id,
                    format::plain_fraction(hop.fail),
                    hop.retries + 1,
                    format::plain_fraction(hop.success),
                    format::plain(hop.expected_attempts)
                ),
            ]);
        }
        if let Some(verdict) = &estimate.slo {
            rows.push(vec!["slo".to_string(), slo_text(verdict)]);
        }
        if !estimate.background.is_empty() {
            let names: Vec<&str> = estimate
                .background
                .iter()
                .map(|id| design.component(*id).id.as_str())
                .collect();
            rows.push(vec!["background".to_string(), names.join(", ")]);
        }
        out.push_str(&table(&rows, "  "));
        if !flow.is_path_only() {
            out.push_str(&tree_table(design, estimate));
            out.push('\n');
            continue;
        }
        out.push_str("  where requests stop:\n");
        let mut outcome_rows = vec![vec![
            "stops at".to_string(),
            "probability".to_string(),
            "mean latency".to_string(),
        ]];
        for outcome in &estimate.outcomes {
            let component = design.component(outcome.stops_at);
            let what = if outcome.hit {
                format!("{} ({} hit)", component.id, component.kind)
            } else {
                format!("{} (end of path)", component.id)
            };
            outcome_rows.push(vec![
                what,
                format::plain_fraction(outcome.probability),
                format::ms(outcome.mean_ms),
            ]);
        }
        out.push_str(&table(&outcome_rows, "    "));
        out.push('\n');
    }
    let loaded: Vec<_> = estimates
        .capacity
        .components
        .iter()
        .filter(|load| {
            load.load_rps > 0.0 || load.capacity_rps.is_some() || load.limited_by.is_some() || load.connections > 0.0
        })
        .collect();
    if !loaded.is_empty() {
        out.push_str("components:\n");
        // Traffic and connections only in designs that declare them.
        let traffic = loaded.iter().any(|load| load.bytes_per_s > 0.0);
        let connections = loaded.iter().any(|load| load.connections > 0.0);
        let mut header = vec![
            "id".to_string(),
            "load".to_string(),
            "capacity".to_string(),
            "utilization".to_string(),
            "mean wait".to_string(),
        ];
        if traffic {
            header.push("traffic".to_string());
        }
        if connections {
            header.push("connections".to_string());
        }
        if traffic || connections {
            header.push("limited by".to_string());
        }
        let mut rows = vec![header];
        for load in loaded {
            let component = design.component(load.component);
            let mut row = vec![
                component.id.clone(),
                format::rate(load.load_rps),
                load.capacity_rps.map_or_else(|| "-".to_string(), format::rate),
                load.utilization.map_or_else(|| "-".to_string(), format::utilization),
                load.wait_ms.map_or_else(|| "-".to_string(), format::ms),
            ];
            if traffic {
                row.push(format::bandwidth(load.bytes_per_s));
            }
            if connections {
                row.push(format::grouped(load.connections));
            }
            if traffic || connections {
                row.push(load.limited_by.map_or("-", |resource| resource.as_str()).to_string());
            }
            rows.push(row);
        }
        out.push_str(&table(&rows, "  "));
    }
    if !estimates.capacity.queues.is_empty() {
        out.push_str("queues:\n");
        let mut rows = vec![vec![
            "id".to_string(),
            "in".to_string(),
            "out".to_string(),
            "growth per hour".to_string(),
        ]];
        for queue in &estimates.capacity.queues {
            rows.push(vec![
                design.component(queue.queue).id.clone(),
                format::rate(queue.in_rps),
                format::rate(queue.out_rps),
                format::grouped(queue.growth_per_hour),
            ]);
        }
        out.push_str(&table(&rows, "  "));
    }
    if estimates.flows.is_empty() && out.is_empty() {
        let kinds = design.components.iter().filter(|c| c.kind != Kind::Client).count();
        out.push_str(&format!(
            "no flows and no load on the {kinds} components: declare a `flow` to get figures\n"
        ));
    }
    out
}
