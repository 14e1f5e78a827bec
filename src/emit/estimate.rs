//! `hld estimate` output: the JSON document of cli.md and a human table.
//! Renders [`Estimates`]; every number goes through `estimate::number`, so
//! both formats (and `--explain`) print the same digits.

use serde::Serialize;

use crate::estimate::number::{self, figure, fraction};
use crate::estimate::{Estimates, FlowEstimate, SloMiss};
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
    outcomes: Vec<JsonOutcome<'a>>,
    background: Vec<&'a str>,
    slo: Option<JsonSlo>,
}

/// A flow's latency in JSON (also `hld what-if`'s), rounded by `figure`.
#[derive(Serialize)]
pub(super) struct JsonLatency {
    mean_ms: f64,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
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
        JsonLatency {
            mean_ms: figure(latency.mean_ms),
            p50_ms: figure(latency.p50_ms),
            p95_ms: figure(latency.p95_ms),
            p99_ms: figure(latency.p99_ms),
        }
    }
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

fn slo_text(verdict: &crate::estimate::SloVerdict) -> String {
    let slo = &verdict.slo;
    let mut parts = Vec::new();
    for (name, value) in [("p50", slo.p50_ms), ("p95", slo.p95_ms), ("p99", slo.p99_ms)] {
        if let Some(value) = value {
            parts.push(format!("{name} <= {}", number::ms(value)));
        }
    }
    if let Some(availability) = slo.availability {
        parts.push(format!("availability >= {}", number::slo_percent(availability)));
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
                } => format!("{percentile} is {}", number::ms(*value_ms)),
                SloMiss::Availability { value, .. } => format!("availability is {}", number::percent(*value)),
            })
            .collect();
        format!("missed ({})", misses.join(", "))
    };
    format!("{}: {verdict_text}", parts.join(", "))
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
            number::grouped(estimate.rps)
        ));
        let latency = &estimate.latency;
        let mut rows = vec![
            vec![
                "latency".to_string(),
                format!(
                    "mean {}, p50 {}, p95 {}, p99 {}",
                    number::ms(latency.mean_ms),
                    number::ms(latency.p50_ms),
                    number::ms(latency.p95_ms),
                    number::ms(latency.p99_ms)
                ),
            ],
            vec!["availability".to_string(), number::percent(estimate.availability)],
        ];
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
                number::plain_fraction(outcome.probability),
                number::ms(outcome.mean_ms),
            ]);
        }
        out.push_str(&table(&outcome_rows, "    "));
        out.push('\n');
    }
    let loaded: Vec<_> = estimates
        .capacity
        .components
        .iter()
        .filter(|load| load.load_rps > 0.0 || load.capacity_rps.is_some())
        .collect();
    if !loaded.is_empty() {
        out.push_str("components:\n");
        let mut rows = vec![vec![
            "id".to_string(),
            "load".to_string(),
            "capacity".to_string(),
            "utilization".to_string(),
        ]];
        for load in loaded {
            let component = design.component(load.component);
            rows.push(vec![
                component.id.clone(),
                format!("{}/s", number::grouped(load.load_rps)),
                load.capacity_rps
                    .map_or_else(|| "-".to_string(), |c| format!("{}/s", number::grouped(c))),
                load.utilization.map_or_else(|| "-".to_string(), number::utilization),
            ]);
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
                format!("{}/s", number::grouped(queue.in_rps)),
                format!("{}/s", number::grouped(queue.out_rps)),
                number::grouped(queue.growth_per_hour),
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
