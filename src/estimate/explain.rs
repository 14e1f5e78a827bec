//! `hld estimate --explain --flow NAME`: the worked arithmetic of one flow,
//! in plain text a person can check with a calculator. Each hop's latency
//! and where its figure came from (the design, a knowledge-base entry, or
//! the language.md §4 default of its kind), each level of the cache
//! hierarchy with its probability and latency, the mean, how the
//! percentiles are read off the mixture, each availability factor, and the
//! load on each node.

use std::fmt::Write;

use super::availability::{flow_availability, judged_op};
use super::capacity::{self, Capacity};
use super::dist::{Law, LawCache};
use super::latency::{self, NodeLatency, PathModel, Step};
use crate::format::{self, grouped, ms, percent, plain, plain_fraction};
use crate::knowledge::KnowledgeBase;
use crate::knowledge::sources::Sources;
use crate::model::{Component, Design, FlowId, Origin};

/// Where a component's latency came from, with the figures behind it.
fn latency_source(component: &Component) -> String {
    let base = KnowledgeBase::get();
    let kind = base.kind(component.kind);
    match &component.latency.origin {
        Origin::Declared => {
            let tail = kind.tail();
            let from_tail = (component.latency.p99_ms - component.latency.p50_ms * tail).abs()
                <= 1e-9 * component.latency.p99_ms.max(1.0)
                && tail != 1.0;
            if from_tail {
                format!(
                    "declared p50; p99 = p50 × {} (tail factor of a {}, docs/language.md, \"Defaults by kind\")",
                    plain(tail),
                    component.kind
                )
            } else {
                "declared".to_string()
            }
        }
        Origin::Technology(id) => {
            let source = base
                .technology(id)
                .map(|technology| technology.latency.source.clone())
                .unwrap_or_default();
            format!("knowledge base entry `{id}` ({})", Sources::get().render(&source))
        }
        Origin::KindDefault => format!(
            "hld's default for a {}: p50 {}, tail factor {} ({})",
            component.kind,
            ms(kind.p50_ms()),
            plain(kind.tail()),
            Sources::get().render(kind.source())
        ),
        Origin::Language => "a rule of the language (docs/language.md)".to_string(),
    }
}

fn hit_ratio_source(component: &Component) -> String {
    match component.hit_ratio_declared {
        Some(_) => "declared".to_string(),
        None => format!("hld's default for a {}", component.kind),
    }
}

fn law_text(law: &Law, p50: f64, p99: f64) -> String {
    match *law {
        Law::LogNormal { sigma, .. } => format!(
            "log-normal p50 {}, p99 {}: σ = ln({}/{})/{} = {}, mean = {} × e^(σ²/2) = {}",
            ms(p50),
            ms(p99),
            plain(p99),
            plain(p50),
            Z99_TEXT,
            format::round_sig(sigma, 4),
            plain(p50),
            ms(law.mean())
        ),
        Law::MaxOf { sigma, n, .. } => format!(
            "the slowest of {n} shards, each log-normal p50 {}, p99 {} (σ = {}): CDF F(t)^{n}, p50 {}, p99 {}, mean {} (numerical)",
            ms(p50),
            ms(p99),
            format::round_sig(sigma, 4),
            ms(law.quantile(0.5)),
            ms(law.quantile(0.99)),
            ms(law.mean())
        ),
    }
}

const Z99_TEXT: &str = "2.3263";

/// The worked arithmetic of one flow.
pub fn explain(design: &Design, flow_id: FlowId) -> String {
    let flow = design.flow(flow_id);
    let model = PathModel::new(design, flow, latency::LatencyOptions::default());
    let mut out = String::new();
    let name = |id: crate::model::ComponentId| design.component(id).id.as_str();
    let path: Vec<&str> = flow.path.iter().map(|id| name(*id)).collect();
    let _ = writeln!(out, "flow {}: {}", flow.id, path.join(" -> "));
    let rps_source = match flow.rps_origin {
        Origin::Declared => "declared".to_string(),
        _ => "its client's rps shared with the flows that set none (docs/language.md, \"rps\")".to_string(),
    };
    let _ = writeln!(
        out,
        "op {} (judged as {} for availability and capacity), {} rps ({rps_source})",
        flow.op,
        judged_op(flow.op),
        grouped(flow.rps)
    );
    if !flow.is_path_only() {
        let figures = explain_tree(&mut out, design, flow_id);
        explain_rest(&mut out, design, flow_id, &figures);
        return out;
    }
    let sync = flow.sync_part(design);
    let sync_names: Vec<&str> = sync.nodes.iter().map(|id| name(*id)).collect();
    let _ = writeln!(out, "synchronous part: {}", sync_names.join(" -> "));
    if !model.background.is_empty() {
        let names: Vec<&str> = model.background.iter().map(|id| name(*id)).collect();
        let _ = writeln!(
            out,
            "background (after the first async hop; reported, not added to latency): {}",
            names.join(", ")
        );
    }

    // 1. Each hop.
    let _ = writeln!(out, "\n1. latency of each step (docs/estimate.md, \"Latency\")");
    for step in &model.steps {
        match step {
            Step::Link(link) => {
                let _ = writeln!(
                    out,
                    "  {:<28} {} fixed (round trip: {})",
                    design.link_subject(link.link),
                    ms(link.ms),
                    link.source.describe(design)
                );
            }
            Step::Node(node) => {
                let component = design.component(node.component);
                let what = match &node.latency {
                    NodeLatency::Client => "adds nothing (a client; its network hop is its link)".to_string(),
                    NodeLatency::Fixed(value) => format!("{} fixed (p99 = p50)", ms(*value)),
                    NodeLatency::Random { law, .. } => law_text(law, node.p50_ms, node.p99_ms),
                };
                let _ = writeln!(out, "  {:<28} {what}", component.id);
                if !matches!(node.latency, NodeLatency::Client) {
                    let _ = writeln!(out, "  {:<28} source: {}", "", latency_source(component));
                }
                if let Some(h) = node.hit_ratio {
                    let _ = writeln!(
                        out,
                        "  {:<28} hit ratio {} ({})",
                        "",
                        plain_fraction(h),
                        hit_ratio_source(component)
                    );
                }
            }
        }
    }

    // 2. Levels.
    let _ = writeln!(
        out,
        "\n2. where requests stop (a cdn or cache with hit ratio h stops a request with probability h)"
    );
    let mut miss_factors: Vec<String> = Vec::new();
    let mut previous_end = 0usize;
    let mut previous_mean = 0.0;
    for (level, stop) in model.stops.iter().enumerate() {
        let component = design.component(stop.at);
        let label = if stop.hit {
            format!("{} hit", component.kind)
        } else {
            "end of the synchronous part".to_string()
        };
        let _ = writeln!(out, "  level {}: {} ({label})", level + 1, component.id);
        let probability = if stop.hit {
            let h = component.hit_ratio().clamp(0.0, 1.0);
            let mut factors = miss_factors.clone();
            factors.push(plain_fraction(h));
            factors.join(" × ")
        } else if miss_factors.is_empty() {
            "1".to_string()
        } else {
            miss_factors.join(" × ")
        };
        let value = plain_fraction(stop.probability);
        if probability == value {
            let _ = writeln!(out, "    P = {value}");
        } else {
            let _ = writeln!(out, "    P = {probability} = {value}");
        }
        // The steps added since the previous level.
        let start = if level == 0 { 0 } else { previous_end + 1 };
        let mut terms = Vec::new();
        if level > 0 {
            terms.push(plain(previous_mean));
        }
        for step in model.steps.get(start..=stop.last_step).unwrap_or(&[]) {
            match step {
                Step::Link(link) => terms.push(plain(link.ms)),
                Step::Node(node) => match &node.latency {
                    NodeLatency::Client => {}
                    NodeLatency::Fixed(value) => terms.push(plain(*value)),
                    NodeLatency::Random { .. } => {
                        terms.push(format!("{} (mean of {})", plain(node.mean_ms), name(node.component)))
                    }
                },
            }
        }
        let _ = writeln!(
            out,
            "    mean latency = {} = {}",
            if terms.is_empty() {
                "0".to_string()
            } else {
                terms.join(" + ")
            },
            ms(stop.mean_ms)
        );
        if stop.law_count > 0 {
            let _ = writeln!(
                out,
                "    of which fixed {}, and the sum of {}",
                ms(stop.fixed_ms),
                format::count(stop.law_count, "log-normal part")
            );
        }
        if stop.hit {
            let h = component.hit_ratio().clamp(0.0, 1.0);
            miss_factors.push(format!("(1 − {})", plain_fraction(h)));
        }
        previous_end = stop.last_step;
        previous_mean = stop.mean_ms;
    }

    // 3. Mean.
    let terms: Vec<String> = model
        .stops
        .iter()
        .map(|stop| format!("{} × {}", plain_fraction(stop.probability), plain(stop.mean_ms)))
        .collect();
    let _ = writeln!(
        out,
        "\n3. mean = Σ P(level) × mean latency(level) = {} = {}",
        terms.join(" + "),
        ms(model.mean_ms())
    );

    // 4. Percentiles.
    let mut cache = LawCache::new();
    let qs = [0.5, 0.95, 0.99];
    let mixture = latency::mixture(&model, &qs, &mut cache);
    let _ = writeln!(
        out,
        "\n4. percentiles: F(t) = Σ P(level) × F_level(t); the q-quantile is the smallest t with F(t) >= q"
    );
    let random = model.stops.iter().any(|stop| stop.law_count > 0);
    if random {
        let _ = writeln!(
            out,
            "  each level's log-normal parts are summed numerically (convolution on a lattice, fixed parts as exact shifts)"
        );
    } else {
        let mut sorted: Vec<(f64, f64)> = model.stops.iter().map(|s| (s.fixed_ms, s.probability)).collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut cumulative = 0.0;
        let steps: Vec<String> = sorted
            .iter()
            .map(|(t, p)| {
                cumulative += p;
                format!("F({}) = {}", ms(*t), plain_fraction(cumulative))
            })
            .collect();
        let _ = writeln!(
            out,
            "  every latency is fixed, so F is a staircase: {}",
            steps.join(", ")
        );
    }
    for (q, label) in qs.iter().zip(["p50", "p95", "p99"]) {
        let Some(t) = mixture.quantile(*q) else {
            let _ = writeln!(out, "  {label}: out of range");
            continue;
        };
        let _ = writeln!(
            out,
            "  {label} = {} (F = {})",
            ms(t),
            plain_fraction(mixture.cdf(t).min(1.0))
        );
    }

    let figures = latency::LatencyFigures {
        mean_ms: model.mean_ms(),
        p50_ms: mixture.quantile(0.5).unwrap_or(f64::NAN),
        p95_ms: mixture.quantile(0.95).unwrap_or(f64::NAN),
        p99_ms: mixture.quantile(0.99).unwrap_or(f64::NAN),
    };
    explain_rest(&mut out, design, flow_id, &figures);
    out
}

/// Sections 5 to 7 of any flow: availability, load, SLO.
fn explain_rest(out: &mut String, design: &Design, flow_id: FlowId, figures: &latency::LatencyFigures) {
    let flow = design.flow(flow_id);
    // 5. Availability.
    let availability = flow_availability(design, flow);
    let _ = writeln!(
        out,
        "
5. availability (docs/estimate.md, \"Availability\"): the product over the distinct components of the synchronous part"
    );
    for factor in &availability.factors {
        let component = design.component(factor.component);
        if !factor.counted {
            let _ = writeln!(out, "  {:<20} not counted: {}", component.id, factor.reason);
            continue;
        }
        let shown = if factor.formula == factor.value.to_string() {
            factor.formula.clone()
        } else {
            format!("{} = {}", factor.formula, factor.value)
        };
        let _ = writeln!(
            out,
            "  {:<20} {shown}: {}; one instance {} ({})",
            component.id,
            factor.reason,
            format::slo_percent(component.availability),
            availability_source(component)
        );
    }
    let counted: Vec<String> = availability
        .factors
        .iter()
        .filter(|factor| factor.counted)
        .map(|factor| format!("{}", factor.value))
        .collect();
    let _ = writeln!(
        out,
        "  flow = {} = {} ({})",
        if counted.is_empty() {
            "1".to_string()
        } else {
            counted.join(" × ")
        },
        availability.value,
        percent(availability.value)
    );

    // 6. Load.
    let capacity = capacity::capacity(design);
    explain_load(out, design, flow_id, &capacity);

    // 7. SLO.
    if !flow.slo.is_empty() {
        let _ = writeln!(out, "\n7. slo (the flow's own, field by field over the system's)");
        for (label, target, value) in [
            ("p50", flow.slo.p50_ms, figures.p50_ms),
            ("p95", flow.slo.p95_ms, figures.p95_ms),
            ("p99", flow.slo.p99_ms, figures.p99_ms),
        ] {
            if let Some(target) = target {
                let verdict = if super::latency_misses(&flow.slo, figures)
                    .iter()
                    .any(|miss| matches!(miss, super::SloMiss::Latency { percentile, .. } if *percentile == label))
                {
                    "missed"
                } else {
                    "met"
                };
                let _ = writeln!(out, "  {label} {}, needs ≤ {}: {verdict}", ms(value), ms(target));
            }
        }
        if let Some(target) = flow.slo.availability {
            let verdict = if super::availability_miss(&flow.slo, availability.value).is_some() {
                "missed"
            } else {
                "met"
            };
            let _ = writeln!(
                out,
                "  availability {}, needs ≥ {}: {verdict}",
                percent(availability.value),
                format::slo_percent(target)
            );
        }
    }
}

fn availability_source(component: &Component) -> String {
    match &component.availability_origin {
        Origin::Declared => "declared".to_string(),
        Origin::KindDefault => format!("hld's default for a {}", component.kind),
        other => other.describe(),
    }
}

fn explain_load(out: &mut String, design: &Design, flow_id: FlowId, capacity: &Capacity) {
    let flow = design.flow(flow_id);
    let _ = writeln!(
        out,
        "\n6. load (docs/estimate.md, \"Capacity\"): the flow's rps thinned by the hits before each node, summed over flows"
    );
    // Per visit, the rate it passes on to its calls and the factors behind
    // it (language.md §5, "Load": once per visit, thinned by the hits above).
    let mut passed: Vec<(f64, Vec<String>)> = Vec::with_capacity(flow.visits.len());
    for visit in &flow.visits {
        let id = visit.component;
        let component = design.component(id);
        let (mut rate, mut factors) = match visit.parent {
            Some(parent) => passed[parent].clone(),
            None => (flow.rps, vec![grouped(flow.rps)]),
        };
        if component.kind == crate::model::Kind::Client {
            passed.push((rate, factors));
            continue;
        }
        let previous = visit.parent.map(|parent| flow.visits[parent].component);
        let behind_queue = previous.is_some_and(|prev| design.component(prev).kind == crate::model::Kind::Queue);
        let Some(load) = capacity.component(id) else {
            passed.push((rate, factors));
            continue;
        };
        if behind_queue {
            let _ = writeln!(
                out,
                "  {:<20} consumer of {}: takes {}/s of the {}/s it is offered (downstream load is what it takes)",
                component.id,
                previous.map_or("", |prev| design.component(prev).id.as_str()),
                grouped(load.consumed_rps),
                grouped(load.offered_rps)
            );
            rate = load.consumed_rps;
            factors = vec![format!("{} (taken by {})", grouped(rate), component.id)];
        } else {
            let figure = format!("{} = {}/s from this flow", factors.join(" × "), grouped(rate));
            let capacity_text = match (load.capacity_rps, load.utilization) {
                (Some(capacity), Some(rho)) => {
                    let incoming = visit.link.map(|link| design.link(link));
                    let (c, why) = capacity::instances(component, visit.op, incoming);
                    format!(
                        "; all flows {}/s, capacity c·μ = {} × {}/s ({why}) → {}/s at this mix, ρ = {}",
                        grouped(load.load_rps),
                        plain(c),
                        grouped(component.capacity.unwrap_or(0.0)),
                        grouped(capacity),
                        format::utilization(rho)
                    )
                }
                _ => format!("; all flows {}/s, no capacity declared", grouped(load.load_rps)),
            };
            let _ = writeln!(out, "  {:<20} {figure}{capacity_text}", component.id);
        }
        if component.kind.is_cache_like() && !visit.steps.is_empty() {
            let h = component.hit_ratio().clamp(0.0, 1.0);
            rate *= 1.0 - h;
            factors.push(format!("(1 − {})", plain_fraction(h)));
        }
        passed.push((rate, factors));
        if component.kind == crate::model::Kind::Queue
            && let Some(queue) = capacity.queues.iter().find(|queue| queue.queue == id)
        {
            let _ = writeln!(
                out,
                "  {:<20} queue: in {}/s, out {}/s, grows by ({} − {}) × 3600 = {} messages an hour",
                "",
                grouped(queue.in_rps),
                grouped(queue.out_rps),
                grouped(queue.in_rps),
                grouped(queue.out_rps),
                grouped(queue.growth_per_hour)
            );
        }
    }
}

/// Sections 1 to 4 of a flow that branches (language.md §5): each visit's
/// latency, T(X) = L(X) + Σ T(step), from the leaves up; the mean; how the
/// percentiles are read.
fn explain_tree(out: &mut String, design: &Design, flow_id: FlowId) -> latency::LatencyFigures {
    let flow = design.flow(flow_id);
    let name = |id: crate::model::ComponentId| design.component(id).id.as_str();
    let mut cache = LawCache::new();
    let model = super::tree::TreeModel::new(design, flow, latency::LatencyOptions::default(), &mut cache);
    let calls = flow.visits.len() - flow.path.len();
    let _ = writeln!(
        out,
        "a call tree (docs/language.md, \"Flows that branch\"): `path` and {} from `call` lines",
        format::count(calls, "more visit")
    );
    if !model.background.is_empty() {
        let names: Vec<&str> = model.background.iter().map(|id| name(*id)).collect();
        let _ = writeln!(
            out,
            "background (after an async hop; reported, not added to latency): {}",
            names.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\n1. latency of each visit, from the leaves up: T(X) = L(X) + Σ T(step); a call costs its link plus T(callee), a parallel step the maximum of its calls; a cdn or cache hit (ratio h) skips the steps"
    );
    // The visits in call order, depth first (explicit stack), each printed
    // after the ones it calls would be harder to follow: callers first,
    // with their arithmetic that uses the figures printed below them.
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    while let Some((idx, depth)) = stack.pop() {
        let visit = &flow.visits[idx];
        let tree_visit = &model.visits[idx];
        if tree_visit.sync == crate::model::VisitSync::Background {
            continue;
        }
        let indent = "  ".repeat(depth + 1);
        let component = design.component(visit.component);
        let via = match (visit.link, tree_visit.link_ms) {
            (Some(link), Some(link_ms)) => format!(
                " (via {}: {} round trip, {}; op {})",
                design.link_subject(link),
                ms(link_ms),
                latency::link_round_trip(design, link).1.describe(design),
                visit.op
            ),
            _ => String::new(),
        };
        let own = match &tree_visit.own {
            NodeLatency::Client => "adds nothing (a client; its network hop is its link)".to_string(),
            NodeLatency::Fixed(value) => format!("{} fixed (p99 = p50)", ms(*value)),
            NodeLatency::Random { law, .. } => law_text(law, component.latency.p50_ms, component.latency.p99_ms),
        };
        let _ = writeln!(out, "{indent}{}{via}", component.id);
        let _ = writeln!(out, "{indent}  L = {own}");
        let mut terms: Vec<String> = Vec::new();
        let mut step_idx = 0;
        for step in &visit.steps {
            let waited: Vec<usize> = step
                .calls
                .iter()
                .copied()
                .filter(|call| model.visits[*call].link_ms.is_some())
                .collect();
            if waited.is_empty() {
                continue;
            }
            let Some((step_mean, parallel)) = tree_visit.steps.get(step_idx).copied() else {
                continue;
            };
            step_idx += 1;
            let call_text = |call: usize| {
                let callee = &model.visits[call];
                let link = callee.link_ms.unwrap_or(0.0);
                if callee.sync == crate::model::VisitSync::Background {
                    format!("{} (fire and forget: its link only)", plain(link))
                } else {
                    format!(
                        "{} + {} ({})",
                        plain(link),
                        plain(callee.mean_ms),
                        name(callee.component)
                    )
                }
            };
            if parallel {
                let parts: Vec<String> = waited.iter().map(|call| call_text(*call)).collect();
                let _ = writeln!(
                    out,
                    "{indent}  step {step_idx}: in parallel, max of [{}]: mean {} (read off the product of their CDFs)",
                    parts.join("; "),
                    ms(step_mean)
                );
            } else {
                let _ = writeln!(
                    out,
                    "{indent}  step {step_idx}: call {}: mean {} = {}",
                    name(flow.visits[waited[0]].component),
                    call_text(waited[0]),
                    ms(step_mean)
                );
            }
            terms.push(plain(step_mean));
        }
        if !terms.is_empty() {
            let steps = terms.join(" + ");
            let formula = match tree_visit.hit_ratio {
                Some(h) => format!(
                    "{} + (1 − {}) × ({steps})",
                    plain(tree_visit.own_mean_ms),
                    plain_fraction(h)
                ),
                None => format!("{} + {steps}", plain(tree_visit.own_mean_ms)),
            };
            if let Some(h) = tree_visit.hit_ratio {
                let _ = writeln!(
                    out,
                    "{indent}  hit ratio {} ({}): the steps are its miss path",
                    plain_fraction(h),
                    hit_ratio_source(component)
                );
            }
            let _ = writeln!(out, "{indent}  mean T = {formula} = {}", ms(tree_visit.mean_ms));
        }
        let _ = writeln!(
            out,
            "{indent}  reached by {} of requests",
            plain_fraction(tree_visit.reach)
        );
        for step in visit.steps.iter().rev() {
            for call in step.calls.iter().rev() {
                stack.push((*call, depth + 1));
            }
        }
    }
    let figures = model.figures.clone();
    let _ = writeln!(
        out,
        "\n2. mean = T({}) = {}{}",
        name(flow.visits[0].component),
        ms(figures.mean_ms),
        if model.visits.iter().any(|visit| visit.steps.iter().any(|step| step.1)) {
            " (a parallel step's mean is read off its distribution: within 1%)"
        } else {
            " (exact)"
        }
    );
    let _ = writeln!(
        out,
        "\n3. percentiles: each visit's distribution is built from the leaves up (fixed figures exactly, log-normal parts on a lattice: sums by convolution, a parallel step's CDF the product of its calls', a hit a mixture); the q-quantile is the smallest t with F(t) >= q"
    );
    for (label, value) in [
        ("p50", figures.p50_ms),
        ("p95", figures.p95_ms),
        ("p99", figures.p99_ms),
    ] {
        let _ = writeln!(out, "  {label} = {}", ms(value));
    }
    let _ = writeln!(
        out,
        "\n4. (no stop levels: a call tree has one outcome per combination of hits)"
    );
    figures
}
