//! `hld what-if` output: a human report (flows, components, queues, before
//! and after) and the JSON document of docs/explain.md. Renders a
//! [`WhatIf`]; every figure goes through `crate::format`.

use serde::Serialize;

use super::estimate::{JsonFigures, table};
use crate::estimate::what_if::{BackgroundStop, Break, FlowWhatIf, SloChange, WhatIf};
use crate::estimate::{ComponentLoad, FlowEstimate, LatencyFigures};
use crate::format::{self, figure, fraction, grouped, ms, percent};
use crate::model::{ComponentId, Design};

fn break_text(design: &Design, at: Break) -> String {
    match at {
        Break::Down(id) => design.component(id).id.clone(),
        Break::Cut(link) => design.link_subject(link),
    }
}

/// "redis_cache fails" / "region us_east is cut off".
pub fn scenario_text(design: &Design, what_if: &WhatIf) -> String {
    let mut parts = Vec::new();
    if !what_if.scenario.failed.is_empty() {
        let names: Vec<&str> = what_if
            .scenario
            .failed
            .iter()
            .map(|id| design.component(*id).id.as_str())
            .collect();
        parts.push(format!(
            "{} {}",
            names.join(", "),
            if names.len() == 1 { "fails" } else { "fail" }
        ));
    }
    if let Some(region) = what_if.scenario.partition {
        parts.push(format!("region {} is cut off", design.region(region).id));
    }
    format::join_all(&parts)
}

// ----------------------------------------------------------------------
// JSON

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    scenario: JsonScenario<'a>,
    flows: Vec<JsonFlow<'a>>,
    components: Vec<JsonComponent<'a>>,
    queues: Vec<JsonQueue<'a>>,
}

#[derive(Serialize)]
struct JsonScenario<'a> {
    failed: Vec<&'a str>,
    partition: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFlow<'a> {
    name: &'a str,
    /// `failed`, `overloaded`, `degraded`, `improved` or `unchanged`.
    status: &'static str,
    rps: f64,
    /// The saturated components that make it overloaded, with by how much
    /// (language.md §6).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    saturated: Vec<JsonSaturated<'a>>,
    /// What breaks the flow: `{ "component": ID }` or `{ "link": "A -> B" }`.
    failed_at: Option<JsonBreak>,
    bypassed: Vec<&'a str>,
    /// Where its load went from failed balancer targets (language.md §6).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    moved: Vec<JsonMoved<'a>>,
    background_stopped: Option<JsonBackground>,
    before: JsonFigures,
    after: Option<JsonFigures>,
    /// `still_met`, `now_missed`, `still_missed` or `now_met`; null without
    /// an SLO. A flow that fails misses its SLO.
    slo_change: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonMoved<'a> {
    from: &'a str,
    to: &'a str,
    /// Of the flow's rps.
    share: f64,
}

#[derive(Serialize)]
struct JsonSaturated<'a> {
    component: &'a str,
    load_rps: f64,
    capacity_rps: Option<f64>,
    utilization: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum JsonBreak {
    Component(String),
    Link(String),
}

#[derive(Serialize)]
struct JsonBackground {
    at: JsonBreak,
    /// The queue that holds the work; null when it is lost.
    held_by: Option<String>,
}

#[derive(Serialize)]
struct JsonComponent<'a> {
    id: &'a str,
    down: bool,
    before: JsonLoad,
    after: Option<JsonLoad>,
}

#[derive(Serialize)]
struct JsonLoad {
    load_rps: f64,
    utilization: Option<f64>,
}

#[derive(Serialize)]
struct JsonQueue<'a> {
    id: &'a str,
    down: bool,
    starts_to_grow: bool,
    before: JsonRates,
    after: JsonRates,
}

#[derive(Serialize)]
struct JsonRates {
    in_rps: f64,
    out_rps: f64,
    growth_per_hour: f64,
}

fn json_break(design: &Design, at: Break) -> JsonBreak {
    match at {
        Break::Down(id) => JsonBreak::Component(design.component(id).id.clone()),
        Break::Cut(link) => JsonBreak::Link(design.link_subject(link)),
    }
}

fn json_figures(estimate: &FlowEstimate) -> JsonFigures {
    JsonFigures::new(
        &estimate.latency,
        estimate.availability,
        estimate.slo.as_ref().map(|verdict| verdict.met),
    )
}

fn status(flow: &FlowWhatIf) -> &'static str {
    if flow.failed() {
        "failed"
    } else if flow.overloaded() {
        "overloaded"
    } else if flow.unchanged() {
        "unchanged"
    } else if flow.improved() {
        "improved"
    } else {
        "degraded"
    }
}

/// The loads, after the scenario, of the saturated components that make a
/// flow overloaded.
fn saturated_loads<'w>(what_if: &'w WhatIf, flow: &FlowWhatIf) -> Vec<&'w ComponentLoad> {
    let Some(after) = &flow.after else {
        return Vec::new();
    };
    after
        .saturated
        .iter()
        .filter_map(|id| {
            what_if
                .components
                .iter()
                .find(|component| component.component == *id)
                .and_then(|component| component.after.as_ref())
        })
        .collect()
}

/// "from api_a to api_b (66.7%) and api_c (33.3%)", one part per failed target.
fn moved_text(design: &Design, moved: &[crate::estimate::what_if::Moved]) -> String {
    let mut froms: Vec<ComponentId> = Vec::new();
    for item in moved {
        if !froms.contains(&item.from) {
            froms.push(item.from);
        }
    }
    let parts: Vec<String> = froms
        .iter()
        .map(|from| {
            let targets: Vec<String> = moved
                .iter()
                .filter(|item| item.from == *from)
                .map(|item| format!("{} ({})", design.component(item.to).id, format::utilization(item.share)))
                .collect();
            format!(
                "from {} to {}",
                design.component(*from).id,
                crate::format::list(&targets)
            )
        })
        .collect();
    parts.join("; ")
}

/// "ledger_db takes 3,408/s on 3,333/s (102%)".
fn saturation_note(design: &Design, loads: &[&ComponentLoad]) -> String {
    let parts: Vec<String> = loads
        .iter()
        .map(|load| match (load.capacity_rps, load.utilization) {
            (Some(capacity), Some(rho)) => format!(
                "{} takes {} on {} ({})",
                design.component(load.component).id,
                crate::format::rate(load.load_rps),
                crate::format::rate(capacity),
                crate::format::utilization(rho)
            ),
            _ => format!("{} is saturated", design.component(load.component).id),
        })
        .collect();
    crate::format::list(&parts)
}

/// The `hld what-if --format json` document (docs/explain.md).
pub fn json(design: &Design, what_if: &WhatIf) -> String {
    let report = Report {
        version: 1,
        scenario: JsonScenario {
            failed: what_if
                .scenario
                .failed
                .iter()
                .map(|id| design.component(*id).id.as_str())
                .collect(),
            partition: what_if
                .scenario
                .partition
                .map(|region| design.region(region).id.as_str()),
        },
        flows: what_if
            .flows
            .iter()
            .map(|flow| JsonFlow {
                name: &design.flow(flow.flow).id,
                status: status(flow),
                rps: figure(flow.rps),
                saturated: saturated_loads(what_if, flow)
                    .into_iter()
                    .map(|load| JsonSaturated {
                        component: &design.component(load.component).id,
                        load_rps: figure(load.load_rps),
                        capacity_rps: load.capacity_rps.map(figure),
                        utilization: load.utilization.map(fraction),
                    })
                    .collect(),
                failed_at: flow.failed_at.map(|at| json_break(design, at)),
                bypassed: flow
                    .bypassed
                    .iter()
                    .map(|id| design.component(*id).id.as_str())
                    .collect(),
                moved: flow
                    .moved
                    .iter()
                    .map(|moved| JsonMoved {
                        from: &design.component(moved.from).id,
                        to: &design.component(moved.to).id,
                        share: fraction(moved.share),
                    })
                    .collect(),
                background_stopped: flow.background.as_ref().map(|stop: &BackgroundStop| JsonBackground {
                    at: json_break(design, stop.at),
                    held_by: stop.held_by.map(|queue| design.component(queue).id.clone()),
                }),
                before: json_figures(&flow.before),
                after: flow.after.as_ref().map(json_figures),
                slo_change: flow.slo.map(SloChange::as_str),
            })
            .collect(),
        components: what_if
            .components
            .iter()
            .map(|component| JsonComponent {
                id: &design.component(component.component).id,
                down: component.down,
                before: JsonLoad {
                    load_rps: figure(component.before.load_rps),
                    utilization: component.before.utilization.map(fraction),
                },
                after: component.after.as_ref().map(|after| JsonLoad {
                    load_rps: figure(after.load_rps),
                    utilization: after.utilization.map(fraction),
                }),
            })
            .collect(),
        queues: what_if
            .queues
            .iter()
            .map(|queue| JsonQueue {
                id: &design.component(queue.queue).id,
                down: queue.down,
                starts_to_grow: queue.starts_to_grow(),
                before: JsonRates {
                    in_rps: figure(queue.before.in_rps),
                    out_rps: figure(queue.before.out_rps),
                    growth_per_hour: figure(queue.before.growth_per_hour),
                },
                after: JsonRates {
                    in_rps: figure(queue.after.in_rps),
                    out_rps: figure(queue.after.out_rps),
                    growth_per_hour: figure(queue.after.growth_per_hour),
                },
            })
            .collect(),
    };
    let mut out = super::escape::json_pretty(&report);
    out.push('\n');
    out
}

// ----------------------------------------------------------------------
// Human

fn change(before: String, after: String) -> String {
    if before == after {
        before
    } else {
        format!("{before} → {after}")
    }
}

fn latency_cells(before: &LatencyFigures, after: Option<&LatencyFigures>) -> [String; 4] {
    let pick = |f: fn(&LatencyFigures) -> f64| match after {
        Some(after) => change(ms(f(before)), ms(f(after))),
        None => "-".to_string(),
    };
    [
        pick(|l| l.mean_ms),
        pick(|l| l.p50_ms),
        pick(|l| l.p95_ms),
        pick(|l| l.p99_ms),
    ]
}

/// The human report of `hld what-if`.
pub fn human(design: &Design, what_if: &WhatIf) -> String {
    let mut out = format!("what if {}\n\n", scenario_text(design, what_if));
    let failed: Vec<&FlowWhatIf> = what_if.failed_flows().collect();
    if design.flows.is_empty() {
        out.push_str("flows: none declared\n");
    } else {
        let lost: f64 = failed.iter().map(|flow| flow.rps).sum();
        let total: f64 = what_if.flows.iter().map(|flow| flow.rps).sum();
        out.push_str(&format!(
            "flows: {} of {} fail ({} of {} requests/s)\n",
            failed.len(),
            what_if.flows.len(),
            grouped(lost),
            grouped(total)
        ));
        let mut rows = vec![
            ["flow", "status", "rps", "mean", "p50", "p95", "p99", "availability"]
                .iter()
                .map(|cell| (*cell).to_string())
                .collect::<Vec<_>>(),
        ];
        for flow in &what_if.flows {
            let name = design.flow(flow.flow).id.clone();
            let latency = latency_cells(&flow.before.latency, flow.after.as_ref().map(|after| &after.latency));
            let availability = match &flow.after {
                Some(after) => change(percent(flow.before.availability), percent(after.availability)),
                None => "-".to_string(),
            };
            let mut row = vec![name, status(flow).to_string(), grouped(flow.rps)];
            row.extend(latency);
            row.push(availability);
            rows.push(row);
        }
        out.push_str(&table(&rows, "  "));
        let mut notes = Vec::new();
        for flow in &what_if.flows {
            let name = &design.flow(flow.flow).id;
            if let Some(at) = flow.failed_at {
                notes.push(match at {
                    Break::Down(_) => format!("{name} fails: it needs {}", break_text(design, at)),
                    Break::Cut(_) => format!("{name} fails: it crosses the cut at {}", break_text(design, at)),
                });
            }
            if !flow.moved.is_empty() {
                notes.push(format!("{name} moves {}", moved_text(design, &flow.moved)));
            }
            if flow.overloaded() {
                notes.push(format!(
                    "{name} is overloaded: {}",
                    saturation_note(design, &saturated_loads(what_if, flow))
                ));
            }
            if !flow.bypassed.is_empty() && flow.after.is_some() {
                let names: Vec<&str> = flow
                    .bypassed
                    .iter()
                    .map(|id| design.component(*id).id.as_str())
                    .collect();
                notes.push(format!("{name} takes the miss path past {}", names.join(", ")));
            }
            if let Some(stop) = &flow.background {
                notes.push(match stop.held_by {
                    Some(queue) => format!(
                        "{name}: background work stops at {} and waits in {}",
                        break_text(design, stop.at),
                        design.component(queue).id
                    ),
                    None => format!("{name}: background work is lost at {}", break_text(design, stop.at)),
                });
            }
            // A failed flow's note says more; an unchanged flow's verdict
            // is the baseline's, nothing the scenario did.
            if !flow.failed() {
                match flow.slo {
                    Some(SloChange::NowMissed) => notes.push(format!("{name} now misses its SLO")),
                    Some(SloChange::NowMet) => notes.push(format!("{name} now meets its SLO")),
                    Some(SloChange::StillMissed) if !flow.unchanged() => {
                        notes.push(format!("{name} still misses its SLO, as before"));
                    }
                    _ => {}
                }
            }
        }
        for note in notes {
            out.push_str(&format!("  - {note}\n"));
        }
    }
    let changed: Vec<_> = what_if
        .components
        .iter()
        .filter(|component| component.changed())
        .collect();
    out.push('\n');
    if changed.is_empty() {
        out.push_str("components: no load changes\n");
    } else {
        out.push_str("components whose load changes:\n");
        let mut rows = vec![vec!["id".to_string(), "load".to_string(), "utilization".to_string()]];
        for component in changed {
            let id = design.component(component.component).id.clone();
            match &component.after {
                None => rows.push(vec![id, "down".to_string(), "-".to_string()]),
                Some(after) => rows.push(vec![
                    id,
                    change(format::rate(component.before.load_rps), format::rate(after.load_rps)),
                    match (component.before.utilization, after.utilization) {
                        (Some(b), Some(a)) => change(format::utilization(b), format::utilization(a)),
                        _ => "-".to_string(),
                    },
                ]),
            }
        }
        out.push_str(&table(&rows, "  "));
    }
    out.push('\n');
    let growing: Vec<_> = what_if.growing_queues().collect();
    if growing.is_empty() {
        out.push_str("queues: none starts to grow\n");
    } else {
        out.push_str("queues that start to grow:\n");
        let mut rows = vec![vec![
            "id".to_string(),
            "in".to_string(),
            "out".to_string(),
            "growth per hour".to_string(),
        ]];
        for queue in growing {
            rows.push(vec![
                design.component(queue.queue).id.clone(),
                change(format::rate(queue.before.in_rps), format::rate(queue.after.in_rps)),
                change(format::rate(queue.before.out_rps), format::rate(queue.after.out_rps)),
                change(
                    grouped(queue.before.growth_per_hour),
                    grouped(queue.after.growth_per_hour),
                ),
            ]);
        }
        out.push_str(&table(&rows, "  "));
    }
    out
}
