//! `hld estimate --explain --flow NAME`: the worked arithmetic of one flow,
//! in plain text a person can check with a calculator. Each hop's latency
//! and where its figure came from (the design, a knowledge-base entry, or
//! the language.md §4 default of its kind), each level of the cache
//! hierarchy with its probability and latency, the mean, how the
//! percentiles are read off the mixture, each availability factor, and the
//! load on each node.
//!
//! A flow the load or its hops shape (a visit that waits, a saturated
//! component, a hop with retries or a timeout: language.md §6 and §7) is
//! explained with the figures `hld estimate` computes for it
//! ([`super::flow_estimate`] at the estimate's [`Loading`]): each wait's
//! Erlang C inputs, each judged hop's attempt arithmetic, and the
//! availability with retries and served shares, so its final figures are
//! the estimate's to the printed digit.

use crate::float::Portable;
use std::fmt::Write;

use super::availability::{flow_availability, judged_op, node_factor};
use super::capacity::{self, Capacity};
use super::dist::{Law, LawCache};
use super::latency::{self, NodeLatency, PathModel, Step};
use super::queueing::Loading;
use super::retry::{AvailabilityTerm, HopAttempt, Retries};
use super::tree::TreeModel;
use super::{FlowEstimate, FlowStatus, Route};
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

/// What the estimate computed for the flow being explained, at its loads.
struct Loaded {
    capacity: Capacity,
    loading: Loading,
    estimate: FlowEstimate,
    /// The judged hops and the terms of the availability, as the estimate
    /// counts them.
    retries: Retries,
    /// Whether retries, timeouts or saturation change its availability
    /// (else it is language.md §4's product).
    shaped: bool,
    /// It is explained visit by visit, as the tree model sees it: a call
    /// tree, or a path with waits or timeouts.
    tree_route: bool,
    /// The model `hld estimate` computes its percentiles with.
    route: Route,
}

impl Loaded {
    fn new(design: &Design, flow_id: FlowId) -> Loaded {
        let flow = design.flow(flow_id);
        let capacity = capacity::capacity(design);
        let loading = Loading::new(design, &capacity);
        let mut cache = LawCache::new();
        let estimate = super::flow_estimate(design, &loading, flow_id, &mut cache);
        let retries = super::estimate_retries(design, flow, &loading, &estimate.tree);
        let route = super::route(design, flow);
        let tree_route = route == Route::Tree || loading.reaches(design, flow);
        let shaped = super::retry::flow_has_judged_hops(design, flow) || estimate.status == FlowStatus::Overloaded;
        Loaded {
            capacity,
            loading,
            estimate,
            retries,
            shaped,
            tree_route,
            route,
        }
    }

    fn overloaded(&self) -> bool {
        self.estimate.status == FlowStatus::Overloaded
    }

    fn hop(&self, visit: usize) -> Option<&HopAttempt> {
        self.estimate.hops.iter().find(|hop| hop.visit == visit)
    }
}

/// The worked arithmetic of one flow.
pub fn explain(design: &Design, flow_id: FlowId) -> String {
    let flow = design.flow(flow_id);
    let loaded = Loaded::new(design, flow_id);
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
    if loaded.tree_route {
        let figures = explain_tree(&mut out, design, flow_id, &loaded);
        explain_rest(&mut out, design, flow_id, &figures, &loaded);
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
    explain_rest(&mut out, design, flow_id, &figures, &loaded);
    out
}

/// Sections 5 to 7 of any flow: availability, load, SLO.
fn explain_rest(
    out: &mut String,
    design: &Design,
    flow_id: FlowId,
    figures: &latency::LatencyFigures,
    loaded: &Loaded,
) {
    let flow = design.flow(flow_id);
    // 5. Availability.
    let availability = if loaded.shaped {
        explain_shaped_availability(out, design, loaded)
    } else {
        explain_availability(out, design, flow_id)
    };

    // 6. Load.
    explain_load(out, design, flow_id, loaded);

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
            let verdict = if super::availability_miss(&flow.slo, availability).is_some() {
                "missed"
            } else {
                "met"
            };
            let _ = writeln!(
                out,
                "  availability {}, needs ≥ {}: {verdict}",
                percent(availability),
                format::slo_percent(target)
            );
        }
    }
}

/// Section 5 of a flow neither retries, timeouts nor saturation touch:
/// language.md §4's product. Returns the flow's availability.
fn explain_availability(out: &mut String, design: &Design, flow_id: FlowId) -> f64 {
    let flow = design.flow(flow_id);
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
    availability.value
}

/// Section 5 of a flow with retried or timed-out hops or a saturated
/// component: the estimate's product (docs/estimate.md, "Retries and
/// timeouts", "Queueing and overload"), term by term in the order it is
/// taken. Returns the flow's availability.
fn explain_shaped_availability(out: &mut String, design: &Design, loaded: &Loaded) -> f64 {
    let flow = design.flow(loaded.estimate.flow);
    let _ = writeln!(
        out,
        "
5. availability (docs/estimate.md, \"Availability\", \"Retries and timeouts\", \"Queueing and overload\"): the product over the distinct components of the synchronous part; a hop with retries or a timeout counts by its success instead of the components below it, a saturated component times the share c·μ/λ it serves"
    );
    if !loaded.tree_route {
        // The path model explained the latency: the hops' arithmetic is here.
        for hop in &loaded.estimate.hops {
            for line in hop_lines(design, loaded, hop) {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    let mut values: Vec<String> = Vec::new();
    for term in loaded.retries.terms(design, flow, &loaded.loading, 0) {
        match term {
            AvailabilityTerm::Hop { visit, success } => {
                let link = flow.visits[visit].link.map(|link| design.link(link));
                let callee = &design.component(flow.visits[visit].component).id;
                let subject = link.map_or(callee.to_string(), |link| {
                    format!("{} -> {callee}", design.component(link.from).id)
                });
                let _ = writeln!(
                    out,
                    "  {subject:<20} {success}: the success of the hop, which stands for {callee}'s subtree"
                );
                values.push(format!("{success}"));
            }
            AvailabilityTerm::Component {
                component,
                op,
                link,
                served,
            } => {
                let factor = node_factor(design, component, op, link.map(|link| design.link(link)));
                let item = design.component(component);
                let share = if served < 1.0 {
                    format!("; saturated, it serves c·μ/λ = {served} of its requests (× {served})")
                } else {
                    String::new()
                };
                if !factor.counted {
                    let _ = writeln!(out, "  {:<20} not counted: {}{share}", item.id, factor.reason);
                } else {
                    let shown = if factor.formula == factor.value.to_string() {
                        factor.formula.clone()
                    } else {
                        format!("{} = {}", factor.formula, factor.value)
                    };
                    let _ = writeln!(
                        out,
                        "  {:<20} {shown}: {}; one instance {} ({}){share}",
                        item.id,
                        factor.reason,
                        format::slo_percent(item.availability),
                        availability_source(item)
                    );
                    values.push(format!("{}", factor.value));
                }
                if served < 1.0 {
                    values.push(format!("{served}"));
                }
            }
        }
    }
    let value = loaded.estimate.availability;
    let _ = writeln!(
        out,
        "  flow = {} = {value} ({})",
        if values.is_empty() {
            "1".to_string()
        } else {
            values.join(" × ")
        },
        percent(value)
    );
    value
}

fn availability_source(component: &Component) -> String {
    match &component.availability_origin {
        Origin::Declared => "declared".to_string(),
        Origin::KindDefault => format!("hld's default for a {}", component.kind),
        other => other.describe(),
    }
}

fn explain_load(out: &mut String, design: &Design, flow_id: FlowId, loaded: &Loaded) {
    let flow = design.flow(flow_id);
    let capacity = &loaded.capacity;
    // Retries multiply the loads by each hop's E at the loads before
    // retries (docs/estimate.md, "Retries and timeouts": one step towards
    // the fixed point), which need not be the E of section 1.
    let attempts = if super::retry::flow_retries(design, flow) {
        let first = capacity::capacity_shaped(design, &capacity::Stalled::new(), None);
        let first_loading = Loading::new(design, &first);
        super::retry::flow_attempts(design, flow, &first_loading, &mut LawCache::new())
    } else {
        None
    };
    let _ = writeln!(
        out,
        "\n6. load (docs/estimate.md, \"Capacity\"): the flow's rps thinned by the hits before each node, summed over flows{}",
        match (attempts.is_some(), loaded.overloaded()) {
            (true, true) =>
                "; a retried hop multiplies what it sends by its E at the loads before retries, a saturated component passes on only the share it serves",
            (true, false) => "; a retried hop multiplies what it sends by its E at the loads before retries",
            (false, true) => "; a saturated component passes on only the share it serves",
            (false, false) => "",
        }
    );
    // Per visit, the rate it passes on to its calls and the factors behind
    // it (language.md §5, "Load": once per visit, thinned by the hits above).
    let mut passed: Vec<(f64, Vec<String>)> = Vec::with_capacity(flow.visits.len());
    for (idx, visit) in flow.visits.iter().enumerate() {
        let id = visit.component;
        let component = design.component(id);
        let (mut rate, mut factors) = match visit.parent {
            Some(parent) => passed[parent].clone(),
            None => (flow.rps, vec![grouped(flow.rps)]),
        };
        if let Some(e) = attempts
            .as_ref()
            .and_then(|list| list.get(idx))
            .copied()
            .filter(|e| *e != 1.0)
        {
            rate *= e;
            factors.push(format!(
                "{} (E of the retried hop into {})",
                probability(e),
                component.id
            ));
        }
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
            // Requests' own ρ; bandwidth and connections follow on lines
            // of their own when they set the utilization.
            let requests_rho = match (load.capacity_rps, load.limited_by) {
                (Some(_), Some(capacity::Resource::Requests)) => load.utilization,
                (Some(capacity), Some(_)) if capacity > 0.0 => Some(load.load_rps / capacity),
                _ => None,
            };
            let capacity_text = match (load.capacity_rps, requests_rho) {
                (Some(capacity), Some(rho)) => {
                    let incoming = visit.link.map(|link| design.link(link));
                    let (c, why) = capacity::instances(component, visit.op, incoming);
                    let saturated = if rho >= 1.0 && load.limited_by == Some(capacity::Resource::Requests) {
                        format!(
                            ": saturated, it serves c·μ/λ = {}/{} = {} of its load",
                            grouped(capacity),
                            grouped(load.load_rps),
                            plain_fraction(loaded.loading.served(id))
                        )
                    } else {
                        String::new()
                    };
                    format!(
                        "; all flows {}/s, capacity c·μ = {} × {}/s ({why}) → {}/s at this mix, ρ = {}{saturated}",
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
            explain_resources(out, flow, component, load, rate, loaded.loading.served(id));
        }
        if component.kind.is_cache_like() && !visit.steps.is_empty() {
            let h = component.hit_ratio().clamp(0.0, 1.0);
            rate *= 1.0 - h;
            factors.push(format!("(1 − {})", plain_fraction(h)));
        }
        let served = loaded.loading.served(id);
        if served < 1.0 && !behind_queue {
            rate *= served;
            factors.push(format!("{} (served by {})", plain_fraction(served), component.id));
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

/// The bandwidth and connection lines of a visit's load (language.md §8):
/// the bytes it moves, the connections it holds, each against its limit,
/// and which of the utilizations is the component's.
fn explain_resources(
    out: &mut String,
    flow: &crate::model::Flow,
    component: &crate::model::Component,
    load: &capacity::ComponentLoad,
    rate: f64,
    served: f64,
) {
    let c = capacity::instance_count(component, crate::model::Op::Write, None);
    let mut lines = Vec::new();
    if load.bytes_per_s > 0.0 || component.bandwidth.is_some() {
        let mine = if flow.payload_bytes > 0.0 {
            format!(
                "{} × {}/s = {} from this flow; ",
                format::size(flow.payload_bytes, crate::units::SIZE_UNITS),
                grouped(rate),
                format::bandwidth(rate * flow.payload_bytes)
            )
        } else {
            String::new()
        };
        let limit = match component.bandwidth {
            Some(per) => format!(
                ", bandwidth c·B = {} × {} = {} → ρ = {}",
                plain(c),
                format::bandwidth(per),
                format::bandwidth(c * per),
                format::utilization(load.bytes_per_s / (c * per))
            ),
            None => ", no bandwidth declared".to_string(),
        };
        lines.push(format!(
            "traffic: {mine}all flows {}{limit}",
            format::bandwidth(load.bytes_per_s)
        ));
    }
    if load.connections > 0.0 || component.max_connections.is_some() {
        let limit = match component.max_connections {
            Some(per) => format!(
                " of c·M = {} × {} = {} → ρ = {}",
                plain(c),
                grouped(f64::from(per)),
                grouped(c * f64::from(per)),
                format::utilization(load.connections / (c * f64::from(per)))
            ),
            None => ", no max_connections declared".to_string(),
        };
        lines.push(format!(
            "connections: holds {} (its clients' connections over websocket and tcp links){limit}",
            grouped(load.connections)
        ));
    }
    if lines.is_empty() {
        return;
    }
    if let (Some(rho), Some(resource)) = (load.utilization, load.limited_by) {
        let saturated = if rho >= 1.0 {
            format!(": saturated, it serves 1/ρ = {} of its load", plain_fraction(served))
        } else {
            String::new()
        };
        lines.push(format!(
            "utilization = the largest of the three = {} ({}){saturated}",
            format::utilization(rho),
            resource.as_str()
        ));
    }
    for line in lines {
        let _ = writeln!(out, "  {:<20} {line}", "");
    }
}

/// Sections 1 to 4 of a flow that branches (language.md §5), or of a path
/// the load or its timeouts shape (only the tree model knows waits and
/// timeouts): each visit's latency, T(X) = L(X) + W(X) + Σ T(step), from
/// the leaves up, with each wait's Erlang C inputs and each judged hop's
/// attempts; the mean; how the percentiles are read.
fn explain_tree(out: &mut String, design: &Design, flow_id: FlowId, loaded: &Loaded) -> latency::LatencyFigures {
    let flow = design.flow(flow_id);
    let name = |id: crate::model::ComponentId| design.component(id).id.as_str();
    let model: &TreeModel = &loaded.estimate.tree;
    if flow.is_path_only() && loaded.route == Route::Path {
        let _ = writeln!(
            out,
            "a path whose visits wait (docs/estimate.md, \"Queueing and overload\"): a chain of visits, each wait one more independent part of the sum"
        );
    } else if model.timed_path {
        let _ = writeln!(
            out,
            "a path with one timed hop (docs/estimate.md, \"Retries and timeouts\"): a chain of visits; at the hop, a try answered after k failed ones is a stop of its own, k·t later"
        );
    } else if flow.is_path_only() {
        let _ = writeln!(
            out,
            "computed by the tree model, the one that knows nested timeouts and several judged hops (docs/estimate.md, \"Retries and timeouts\"): the path is a chain of visits"
        );
    } else {
        let calls = flow.visits.len() - flow.path.len();
        let _ = writeln!(
            out,
            "a call tree (docs/language.md, \"Flows that branch\"): `path` and {} from `call` lines",
            format::count(calls, "more visit")
        );
    }
    if !model.background.is_empty() {
        let names: Vec<&str> = model.background.iter().map(|id| name(*id)).collect();
        let _ = writeln!(
            out,
            "background (after an async hop; reported, not added to latency): {}",
            names.join(", ")
        );
    }
    let waits = model.visits.iter().any(|visit| visit.wait.is_some());
    let _ = writeln!(
        out,
        "\n1. latency of each visit, from the leaves up: T(X) = L(X) + Σ T(step); a call costs its link plus T(callee), a parallel step the maximum of its calls; a cdn or cache hit (ratio h) skips the steps{}",
        if waits {
            "; a component with a known capacity below saturation adds its M/M/c wait W to L(X) (docs/estimate.md, \"Queueing and overload\")"
        } else {
            ""
        }
    );
    // Per visit: whether a saturated component waits below it, which makes
    // its time unbounded (children come after their parents).
    let mut unbounded = vec![false; flow.visits.len()];
    for idx in (0..flow.visits.len()).rev() {
        let visit = &flow.visits[idx];
        if model.visits[idx].sync == crate::model::VisitSync::Background {
            continue;
        }
        if loaded.loading.saturated(visit.component) {
            unbounded[idx] = true;
        }
        if unbounded[idx]
            && let Some(parent) = visit.parent
        {
            unbounded[parent] = true;
        }
    }
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
        if let Some(text) = wait_text(design, loaded, idx) {
            for line in text.lines() {
                let _ = writeln!(out, "{indent}  {line}");
            }
        }
        if let Some(hop) = loaded.hop(idx) {
            for line in hop_lines(design, loaded, hop) {
                let _ = writeln!(out, "{indent}  {line}");
            }
        }
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
            let step_unbounded = waited.iter().any(|call| unbounded[*call]);
            let call_text = |call: usize| {
                let callee = &model.visits[call];
                let link = callee.link_ms.unwrap_or(0.0);
                if callee.sync == crate::model::VisitSync::Background {
                    format!("{} (fire and forget: its link only)", plain(link))
                } else if unbounded[call] {
                    format!("{} + unbounded ({})", plain(link), name(callee.component))
                } else if let Some(hop) = loaded.hop(call).filter(|hop| hop.timeout_ms.is_some()) {
                    format!(
                        "{} (the hop into {} with its timeout, below)",
                        plain(hop.timed_mean(callee.answered_mean_ms)),
                        name(callee.component)
                    )
                } else {
                    format!(
                        "{} + {} ({})",
                        plain(link),
                        plain(callee.mean_ms),
                        name(callee.component)
                    )
                }
            };
            let step_value = if step_unbounded {
                "unbounded".to_string()
            } else {
                ms(step_mean)
            };
            if parallel {
                let parts: Vec<String> = waited.iter().map(|call| call_text(*call)).collect();
                let _ = writeln!(
                    out,
                    "{indent}  step {step_idx}: in parallel, max of [{}]: mean {step_value} (read off the product of their CDFs)",
                    parts.join("; "),
                );
            } else {
                let _ = writeln!(
                    out,
                    "{indent}  step {step_idx}: call {}: mean {} = {step_value}",
                    name(flow.visits[waited[0]].component),
                    call_text(waited[0]),
                );
            }
            terms.push(if step_unbounded {
                "unbounded".to_string()
            } else {
                plain(step_mean)
            });
        }
        let own_mean = match tree_visit.wait {
            Some(wait) => format!("{} + {}", plain(tree_visit.own_mean_ms), plain(wait.mean_ms())),
            None if loaded.loading.saturated(visit.component) && component.kind != crate::model::Kind::Client => {
                format!("{} + unbounded (W)", plain(tree_visit.own_mean_ms))
            }
            None => plain(tree_visit.own_mean_ms),
        };
        let total = if unbounded[idx] {
            "unbounded".to_string()
        } else {
            ms(tree_visit.mean_ms)
        };
        if !terms.is_empty() {
            let steps = terms.join(" + ");
            let formula = match tree_visit.hit_ratio {
                Some(h) => format!("{own_mean} + (1 − {}) × ({steps})", plain_fraction(h)),
                None => format!("{own_mean} + {steps}"),
            };
            if let Some(h) = tree_visit.hit_ratio {
                let _ = writeln!(
                    out,
                    "{indent}  hit ratio {} ({}): the steps are its miss path",
                    plain_fraction(h),
                    hit_ratio_source(component)
                );
            }
            let _ = writeln!(out, "{indent}  mean T = {formula} = {total}");
        } else if tree_visit.wait.is_some() || unbounded[idx] {
            let _ = writeln!(out, "{indent}  mean T = {own_mean} = {total}");
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
    let figures = loaded.estimate.latency.clone();
    if loaded.overloaded() {
        let names: Vec<&str> = loaded.estimate.saturated.iter().map(|id| name(*id)).collect();
        let _ = writeln!(
            out,
            "\n2. mean = T({}) = unbounded: the flow is overloaded ({} saturated, see above; docs/estimate.md, \"Queueing and overload\")",
            name(flow.visits[0].component),
            format::list(&names.iter().map(|name| format!("{name} is")).collect::<Vec<_>>())
        );
    } else {
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
    }
    if model.timed_path {
        let _ = writeln!(
            out,
            "\n3. percentiles: F(t) = Σ P(stop) × F_stop(t) over where requests stop: a cdn or cache hit, the end, and at the timed hop (timeout t, n retries, an attempt failing with f) the try answered after k failed ones (P = (1 − f)·fᵏ times the share that reaches the hop; one attempt's time given it is at most t, shifted by k·t: a failed try costs t) and every try failing ((n + 1)·t); each stop's fixed figures an exact shift and its log-normal parts and waits summed on a lattice; the q-quantile is the smallest t with F(t) >= q"
        );
    } else if loaded.route == Route::Path {
        let _ = writeln!(
            out,
            "\n3. percentiles: F(t) = Σ P(stop) × F_stop(t) over where requests stop (a cdn or cache hit, or the end), each stop's fixed figures an exact shift and its log-normal parts and waits (each a point mass at 0 beside an exponential) summed on a lattice; the q-quantile is the smallest t with F(t) >= q"
        );
    } else {
        let _ = writeln!(
            out,
            "\n3. percentiles: each visit's distribution is built from the leaves up (fixed figures exactly, log-normal parts on a lattice: sums by convolution, a parallel step's CDF the product of its calls', a hit a mixture{}); the q-quantile is the smallest t with F(t) >= q",
            match (waits, loaded.estimate.hops.iter().any(|hop| hop.timeout_ms.is_some())) {
                (true, true) => ", a wait its point mass at 0 beside its exponential, a timed hop its attempts",
                (true, false) => ", a wait its point mass at 0 beside its exponential",
                (false, true) => ", a timed hop its attempts",
                (false, false) => "",
            }
        );
    }
    if loaded.overloaded() {
        let _ = writeln!(
            out,
            "  status overloaded: a saturated component's queue grows without end, so every percentile is unbounded"
        );
    }
    for (label, value) in [
        ("p50", figures.p50_ms),
        ("p95", figures.p95_ms),
        ("p99", figures.p99_ms),
    ] {
        let _ = writeln!(out, "  {label} = {}", ms(value));
    }
    if flow.is_path_only() {
        let _ = writeln!(
            out,
            "\n4. where requests stop: `hld estimate`'s outcome table adds to each stop's mean the mean waits of the visits before it"
        );
    } else {
        let _ = writeln!(
            out,
            "\n4. (no stop levels: a call tree has one outcome per combination of hits)"
        );
    }
    figures
}

/// The wait of a visit (language.md §6): its Erlang C inputs and mean, or
/// that its component is saturated.
fn wait_text(design: &Design, loaded: &Loaded, idx: usize) -> Option<String> {
    let flow = design.flow(loaded.estimate.flow);
    let visit = &flow.visits[idx];
    let tree_visit = loaded.estimate.tree.visits.get(idx)?;
    let incoming = visit.link.map(|link| design.link(link));
    if loaded.loading.saturated(visit.component) {
        let load = loaded.capacity.component(visit.component)?;
        let served = loaded.loading.served(visit.component);
        return Some(match load.capacity_rps {
            Some(capacity) => format!(
                "W: saturated: λ = {}/s ≥ c·μ = {}/s (ρ = {}): it serves c·μ/λ = {}/{} = {} of its requests and sheds the rest; its queue grows without end, so the latency is unbounded (status overloaded)",
                grouped(load.load_rps),
                grouped(capacity),
                format::utilization(load.utilization.unwrap_or(f64::INFINITY)),
                grouped(capacity),
                grouped(load.load_rps),
                plain_fraction(served)
            ),
            None => "W: saturated: it serves nothing of its requests; the latency is unbounded (status overloaded)"
                .to_string(),
        });
    }
    let wait = tree_visit.wait?;
    let station = loaded.loading.station(design, visit.component, visit.op, incoming)?;
    let servers = f64::from(station.servers);
    let total = servers * station.mu_per_s;
    let c_text = if station.c == servers {
        format!("c = {} servers of μ = {}/s", station.servers, grouped(station.mu_per_s))
    } else {
        format!(
            "c = {} (fractional: ⌊c⌋ = {} of c·μ/⌊c⌋ = {} × {}/{} = {}/s each)",
            plain(station.c),
            format::count(station.servers as usize, "server"),
            plain(station.c),
            grouped(design.component(visit.component).capacity.unwrap_or(0.0)),
            station.servers,
            grouped(station.mu_per_s)
        )
    };
    let a = station.rho * servers;
    let rate_per_s = wait.rate_per_ms * 1000.0;
    Some(format!(
        "W = M/M/c wait: {c_text}, λ = {}/s, ρ = λ/(c·μ) = {}/{} = {}, a = ρ·c = {}\n\
         P_wait = Erlang C(c = {}, a = {}) = {}; W = 0 with probability 1 − P_wait, else exponential of rate c·μ·(1 − ρ) = {} × (1 − {}) = {}/s; mean W = P_wait/(c·μ·(1 − ρ)) = {}/{} s = {}",
        grouped(station.lambda_per_s),
        grouped(station.lambda_per_s),
        grouped(total),
        plain_fraction(station.rho),
        plain_fraction(a),
        station.servers,
        plain_fraction(a),
        plain_fraction(wait.p_wait),
        grouped(total),
        plain_fraction(station.rho),
        grouped(rate_per_s),
        plain_fraction(wait.p_wait),
        grouped(rate_per_s),
        ms(wait.mean_ms())
    ))
}

/// A_B as a product of its terms, each named.
fn terms_text(design: &Design, loaded: &Loaded, root: usize) -> Vec<String> {
    let flow = design.flow(loaded.estimate.flow);
    loaded
        .retries
        .terms(design, flow, &loaded.loading, root)
        .into_iter()
        .filter_map(|term| match term {
            AvailabilityTerm::Hop { visit, success } => Some(format!(
                "{} (the hop into {})",
                plain_fraction(success),
                design.component(flow.visits[visit].component).id
            )),
            AvailabilityTerm::Component {
                component,
                op,
                link,
                served,
            } => {
                let factor = node_factor(design, component, op, link.map(|link| design.link(link)));
                let name = &design.component(component).id;
                match (factor.counted, served < 1.0) {
                    (false, false) => None,
                    (true, false) => Some(format!("{} ({name})", plain_fraction(factor.value))),
                    (false, true) => Some(format!("{} ({name} serves)", plain_fraction(served))),
                    (true, true) => Some(format!(
                        "{} × {} ({name}, which serves {})",
                        plain_fraction(factor.value),
                        plain_fraction(served),
                        plain_fraction(served)
                    )),
                }
            }
        })
        .collect()
}

/// A probability to 6 significant digits, or in full when those would
/// round it to 0 or 1 (a hop's success of 0.999999999375 is not 1).
fn probability(x: f64) -> String {
    let short = plain_fraction(x);
    if (short == "1" && x < 1.0) || (short == "0" && x > 0.0) {
        format!("{x}")
    } else {
        short
    }
}

/// The arithmetic of a hop with retries or a timeout (language.md §7).
fn hop_lines(design: &Design, loaded: &Loaded, hop: &HopAttempt) -> Vec<String> {
    let flow = design.flow(loaded.estimate.flow);
    let link = design.link(hop.link);
    let callee = design.component(flow.visits[hop.visit].component).id.as_str();
    let subject = format!("{} -> {}", design.component(link.from).id, callee);
    let mut settings = Vec::new();
    if hop.retries > 0 {
        settings.push(format!("retries = {}", hop.retries));
    }
    if let Some(t) = hop.timeout_ms {
        settings.push(format!("timeout {}", ms(t)));
    }
    let mut lines = vec![format!(
        "hop {subject} ({}; docs/estimate.md, \"Retries and timeouts\"):",
        settings.join(", ")
    )];
    let terms = terms_text(design, loaded, hop.visit);
    let product = if terms.is_empty() {
        "1".to_string()
    } else {
        terms.join(" × ")
    };
    lines.push(format!(
        "  A_B = {product} = {} (the availability of {callee}'s synchronous subtree)",
        probability(hop.subtree_availability)
    ));
    let tree_visit = loaded.estimate.tree.visits.get(hop.visit);
    match hop.timeout_ms {
        Some(t) => {
            let attempt_mean = tree_visit.map_or(0.0, |visit| visit.link_ms.unwrap_or(0.0) + visit.mean_ms);
            let p99 = hop.p99_ms.map_or(String::new(), |p99| format!(", p99 {}", ms(p99)));
            lines.push(format!(
                "  P(T_B ≤ {}) = {} (one attempt, link included: mean {}{p99}; read off its distribution)",
                ms(t),
                probability(hop.within_timeout),
                ms(attempt_mean)
            ));
        }
        None => lines.push("  P(T_B ≤ t) = 1 (no timeout)".to_string()),
    }
    let n = hop.retries;
    lines.push(format!(
        "  f = 1 − A_B × P = 1 − {} × {} = {}",
        probability(hop.subtree_availability),
        probability(hop.within_timeout),
        probability(hop.fail)
    ));
    lines.push(format!(
        "  success = 1 − f^{} = 1 − {}^{} = {} (replaces A_B in the flow's availability)",
        n + 1,
        probability(hop.fail),
        n + 1,
        probability(hop.success)
    ));
    let powers: Vec<String> = (0..=n.min(3))
        .map(|k| match k {
            0 => "1".to_string(),
            1 => probability(hop.fail),
            _ => format!("{}^{k}", probability(hop.fail)),
        })
        .collect();
    let sum = if n <= 3 {
        powers.join(" + ")
    } else {
        format!(
            "(1 − {}^{})/(1 − {})",
            probability(hop.fail),
            n + 1,
            probability(hop.fail)
        )
    };
    lines.push(format!(
        "  E = Σ_{{k=0}}^{{{n}}} f^k = {sum} = {} attempts on average; E multiplies the load on {callee}'s subtree (section 6 takes it at the loads before retries)",
        probability(hop.expected_attempts)
    ));
    match (hop.timeout_ms, tree_visit) {
        (Some(t), Some(visit)) => {
            let all = f64::from(n.min(1_000) + 1) * t;
            match visit.answered_mean_ms {
                Some(m) => lines.push(format!(
                    "  latency: each failed attempt costs {}; k·{} + (an attempt given T_B ≤ {}, mean {}) with probability (1 − f)·f^k for k = 0..{n}, {} when all {} fail (probability f^{} = {}); mean = Σ (1 − f)·f^k·(k·{} + {}) + f^{} × {} = {}",
                    ms(t),
                    plain(t),
                    ms(t),
                    ms(m),
                    ms(all),
                    n + 1,
                    n + 1,
                    probability(hop.fail.portable_powf(f64::from(n) + 1.0)),
                    plain(t),
                    plain(m),
                    n + 1,
                    plain(all),
                    ms(hop.timed_mean(Some(m)))
                )),
                None => lines.push(format!(
                    "  latency: no attempt answers within {}, so the hop takes {} ({} attempts of {})",
                    ms(t),
                    ms(all),
                    n + 1,
                    ms(t)
                )),
            }
        }
        _ => lines.push("  latency: without a timeout a failed attempt fails fast and costs nothing".to_string()),
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::{estimate, test_design};

    /// The figure of the last line of `text` that starts with `prefix`, up
    /// to the words in parentheses that may follow it.
    fn figure_after<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
        let line = text.lines().rev().find(|line| line.starts_with(prefix))?;
        let rest = line.strip_prefix(prefix)?;
        Some(rest.split(" (").next().unwrap_or(rest))
    }

    /// The percentage the availability section ends with: "flow = … (99.9%)".
    fn availability_after(text: &str) -> Option<&str> {
        let line = text.lines().rev().find(|line| line.starts_with("  flow = "))?;
        let open = line.rfind('(')?;
        line.get(open + 1..line.len() - 1)
    }

    /// Erlang C by its textbook sum, independent of `queueing::erlang_c`.
    fn erlang_c_by_the_book(c: u32, a: f64) -> f64 {
        let mut sum = 0.0;
        let mut term = 1.0; // a^k / k!
        for k in 0..c {
            if k > 0 {
                term *= a / f64::from(k);
            }
            sum += term;
        }
        let rho = a / f64::from(c);
        let last = term * a / f64::from(c) / (1.0 - rho);
        last / (sum + last)
    }

    fn assert_final_figures_match(design: &Design, label: &str) {
        let estimates = estimate(design, None);
        for flow in &estimates.flows {
            let text = explain(design, flow.flow);
            let name = &design.flow(flow.flow).id;
            for (prefix, value) in [("  p50 = ", flow.latency.p50_ms), ("  p99 = ", flow.latency.p99_ms)] {
                assert_eq!(
                    figure_after(&text, prefix),
                    Some(ms(value).as_str()),
                    "{label}, flow {name}: {prefix}\n{text}"
                );
            }
            assert_eq!(
                availability_after(&text),
                Some(percent(flow.availability).as_str()),
                "{label}, flow {name}: availability\n{text}"
            );
        }
    }

    #[test]
    fn a_wait_shows_its_erlang_c_inputs_and_mean() {
        // c = 2 instances of 100/s offered 150/s: ρ = 0.75, a = 1.5.
        let design = test_design(
            r#"system s {
              client users { rps = 150 }
              service api { replicas = 2, availability = 99.9%, latency = 5ms, capacity = 100/s }
              users -> api { latency = 1ms }
              flow f { path = users -> api }
            }"#,
        );
        let text = explain(&design, FlowId(0));
        let p_wait = erlang_c_by_the_book(2, 1.5);
        assert!((p_wait - 9.0 / 14.0).abs() < 1e-12, "{p_wait}");
        // Mean W = P_wait / (c·μ·(1 − ρ)) seconds.
        let mean_wait_ms = p_wait / (200.0 * 0.25) * 1000.0;
        for needle in [
            "c = 2 servers of μ = 100/s, λ = 150/s, ρ = λ/(c·μ) = 150/200 = 0.75, a = ρ·c = 1.5".to_string(),
            format!("P_wait = Erlang C(c = 2, a = 1.5) = {}", plain_fraction(p_wait)),
            "0.642857".to_string(),
            "rate c·μ·(1 − ρ) = 200 × (1 − 0.75) = 50/s".to_string(),
            format!("= {}\n", ms(mean_wait_ms)),
            "12.86 ms".to_string(),
        ] {
            assert!(text.contains(&needle), "missing {needle:?} in\n{text}");
        }
        assert_final_figures_match(&design, "one wait");
    }

    #[test]
    fn a_flow_without_load_or_retries_is_explained_as_before() {
        let design = test_design(
            r#"system s {
              client users { rps = 10 }
              service api { latency = { p50 = 20ms, p99 = 20ms }, availability = 99.9% }
              users -> api { latency = 1ms }
              flow f { path = users -> api }
            }"#,
        );
        let text = explain(&design, FlowId(0));
        assert!(text.contains("\n2. where requests stop"), "{text}");
        assert!(!text.contains("W = ") && !text.contains("A_B"), "{text}");
        assert_final_figures_match(&design, "unloaded");
    }

    #[test]
    fn a_retried_timed_hop_shows_its_attempts() {
        let design = test_design(
            r#"system s {
              client users { rps = 100 }
              service api { replicas = 2, availability = 99.9%, latency = { p50 = 5ms, p99 = 20ms } }
              service svc { availability = 99.5%, latency = { p50 = 10ms, p99 = 80ms } }
              users -> api { latency = 1ms }
              api -> svc { latency = 1ms, retries = 2, timeout = 40ms, idempotent = true }
              flow f { path = users -> api -> svc }
            }"#,
        );
        let estimates = estimate(&design, None);
        let flow = &estimates.flows[0];
        let hop = &flow.hops[0];
        let f = hop.fail;
        assert!((hop.success - (1.0 - f.powi(3))).abs() < 1e-15);
        assert!((hop.expected_attempts - (1.0 + f + f * f)).abs() < 1e-15);
        assert!((f - (1.0 - hop.subtree_availability * hop.within_timeout)).abs() < 1e-15);
        let text = explain(&design, FlowId(0));
        for needle in [
            format!(
                "f = 1 − A_B × P = 1 − {} × {} = {}",
                plain_fraction(hop.subtree_availability),
                plain_fraction(hop.within_timeout),
                plain_fraction(f)
            ),
            format!(
                "success = 1 − f^3 = 1 − {}^3 = {}",
                plain_fraction(f),
                plain_fraction(hop.success)
            ),
            format!(
                "E = Σ_{{k=0}}^{{2}} f^k = 1 + {} + {}^2 = {}",
                plain_fraction(f),
                plain_fraction(f),
                plain_fraction(hop.expected_attempts)
            ),
            format!("P(T_B ≤ 40 ms) = {}", plain_fraction(hop.within_timeout)),
            "120 ms when all 3 fail".to_string(),
            format!("{:<20} {}: the success of the hop", "api -> svc", hop.success),
        ] {
            assert!(text.contains(&needle), "missing {needle:?} in\n{text}");
        }
        assert_eq!(figure_after(&text, "  p99 = "), Some(ms(flow.latency.p99_ms).as_str()));
        assert_eq!(availability_after(&text), Some(percent(flow.availability).as_str()));
        // The hop's mean, redone from its printed inputs' exact values.
        let answered = flow.tree.visits[2].answered_mean_ms.unwrap_or(f64::NAN);
        let by_hand: f64 = (0..=2)
            .map(|k| (1.0 - f) * f.powi(k) * (f64::from(k) * 40.0 + answered))
            .sum::<f64>()
            + f.powi(3) * 120.0;
        assert!(
            text.contains(&format!("f^3 × 120 = {}", ms(by_hand))),
            "{by_hand}\n{text}"
        );
    }

    #[test]
    fn an_overloaded_flow_is_unbounded() {
        let design = test_design(
            r#"system s {
              client users { rps = 500 }
              service api { replicas = 2, availability = 99.9%, latency = 5ms, capacity = 150/s }
              service svc { availability = 99.5%, latency = 10ms }
              users -> api
              api -> svc
              flow f { path = users -> api -> svc }
            }"#,
        );
        let text = explain(&design, FlowId(0));
        for needle in [
            "W: saturated: λ = 500/s ≥ c·μ = 300/s",
            "c·μ/λ = 300/500 = 0.6",
            "overloaded",
            "  p50 = unbounded\n",
            "  p99 = unbounded\n",
            "500 × 0.6 (served by api) = 300/s",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
        // 2 replicas of 99.9% × the served share 0.6 × svc's 99.5%.
        let expected = (1.0 - 0.001_f64 * 0.001) * 0.6 * 0.995;
        let figure = estimate(&design, None).flows[0].availability;
        assert!((figure - expected).abs() < 1e-12, "{figure}");
        assert_final_figures_match(&design, "overloaded");
    }

    #[test]
    fn every_example_explains_the_estimates_figures() {
        // Examples, fixtures, ../shared/examples (trees included) when
        // present, and a few random designs with capacities and retries.
        let designs = crate::estimate::corpus::designs(&[], 12);
        assert!(designs.len() > 12, "{}", designs.len());
        let (mut waits, mut hops, mut timed, mut overloaded) = (0, 0, 0, 0);
        for (label, design) in &designs {
            assert_final_figures_match(design, label);
            for flow in estimate(design, None).flows {
                waits += usize::from(flow.tree.visits.iter().any(|visit| visit.wait.is_some()));
                hops += usize::from(!flow.hops.is_empty());
                timed += usize::from(flow.hops.iter().any(|hop| hop.timeout_ms.is_some()));
                overloaded += usize::from(flow.status == FlowStatus::Overloaded);
            }
        }
        // The corpus exercises every kind of shaped flow.
        assert!(
            waits > 0 && hops > 0 && timed > 0 && overloaded > 0,
            "waits {waits}, hops {hops}, timed {timed}, overloaded {overloaded}"
        );
    }
}
