//! The `overloaded-component` rule: a component's utilization under the capacity model is 80% or more.

use crate::analysis::{Context, Edit, Finding, Fix, Target};
use crate::diagnostics::Severity;
use crate::estimate::ComponentLoad;
use crate::estimate::capacity::needed_replicas;
use crate::estimate::capacity::{Resource, instances};
use crate::format::{rate, utilization};
use crate::model::{Kind, Op};

declare_rule! {
    /// ## What it checks
    ///
    /// A component whose utilization ρ = λ / (c·μ) under the capacity model
    /// is 80% or more (a warning) or 100% or more (an error). λ is the sum
    /// over flows of each flow's rps thinned by the cdn and cache hits
    /// before the component; μ is its `capacity` per instance and c its
    /// instances (docs/estimate.md, "Capacity"). Bandwidth (bytes moved /
    /// (c × `bandwidth`)) and connections (held / (c × `max_connections`))
    /// count the same way, and the largest of the three is the utilization;
    /// the message names the resource that is short, and for a hashed store
    /// with a hot key, its busiest shard. Components that declare none of
    /// `capacity`, `bandwidth` and `max_connections` are not judged.
    ///
    /// ## Why it matters
    ///
    /// Past 100% requests queue without bound and time out; long before,
    /// waiting grows as 1/(1 − ρ): five times the bare service time at 80%,
    /// ten times at 90%. Headroom is what absorbs a spike or the loss of an
    /// instance.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   client users { rps = 3k }
    ///   service app { capacity = 2k/s }
    ///   users -> app
    ///   flow browse { path = users -> app }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   client users { rps = 3k }
    ///   service app { replicas = 2, capacity = 2k/s }
    ///   users -> app
    ///   flow browse { path = users -> app }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// A consumer behind a queue works at its own pace and is not judged
    /// here: `queue-backlog-growth` reports the queue instead.
    ///
    /// ## References
    ///
    /// Utilization thresholds and overload (docs/estimate.md, "Capacity").
    pub static OVERLOADED_COMPONENT = {
        name: "overloaded-component",
        severity: Error,
        category: Traffic,
        summary: "a component's utilization under the capacity model is 80% or more",
    };
}

/// Warning from here, error from 100%.
pub const WARN_AT: f64 = 0.8;

/// The help and the fix that bring a component under 80% utilization:
/// replicas, `mode = active_active`, or (a database) words only. The SLO
/// rules use it too, on the component that makes a flow overloaded.
pub fn capacity_fix(cx: &Context<'_>, load: &ComponentLoad) -> (String, Option<Fix>) {
    let component = cx.design.component(load.component);
    let target = Target::Component(load.component);
    if component.is_managed() {
        // Its provider scales it: the limit is a quota (language.md §8).
        return (
            format!(
                "raise the quota of {} with its provider, and its `capacity` (or `bandwidth`, `max_connections`) here",
                component.id
            ),
            None,
        );
    }
    let short = match load.limited_by {
        Some(Resource::Bandwidth) => Some(("bandwidth", load.bytes_per_s, component.bandwidth.unwrap_or(0.0))),
        Some(Resource::Connections) => Some((
            "max_connections",
            load.connections,
            f64::from(component.max_connections.unwrap_or(0)),
        )),
        _ => None,
    };
    if let Some((property, used, per_instance)) = short {
        // Instances that bring it under 80%, where more instances add
        // more of it: not a database (its copies are `replication`) nor
        // an active-passive pair (one instance serves).
        let scales = component.kind != Kind::Database && component.ha_mode != Some(crate::model::HaMode::ActivePassive);
        let needed = if per_instance > 0.0 {
            (used / (WARN_AT * per_instance)).floor() + 1.0
        } else {
            f64::INFINITY
        };
        return match needed_replicas(needed, component.replicas).filter(|_| scales) {
            Some(count) => (
                format!(
                    "set `replicas = {count}` on {} (under 80%), or raise its `{property}`",
                    component.id
                ),
                Some(Fix::one(Edit::set(cx.design, target, "replicas", count.to_string()))),
            ),
            None => (format!("raise the `{property}` of {}", component.id), None),
        };
    }
    match component.kind {
        // More shards spread keys, not one key's load.
        Kind::Database if component.shard.as_ref().is_some_and(|shard| shard.is_skewed()) => (
            format!(
                "raise the `capacity` of {}, or split its hot key over several shards (its busiest shard is the limit)",
                component.id
            ),
            None,
        ),
        Kind::Database => (
            format!(
                "add read replicas or shards to {}, or raise its `capacity`",
                component.id
            ),
            None,
        ),
        Kind::LoadBalancer | Kind::Gateway if component.ha_mode == Some(crate::model::HaMode::ActivePassive) => (
            format!(
                "set `mode = active_active` on {}, or raise its `capacity`",
                component.id
            ),
            Some(Fix::one(Edit::set(cx.design, target, "mode", "active_active"))),
        ),
        _ => {
            // Replicas that bring ρ under 80%: λ / (0.8 μ), λ all it
            // is offered (direct calls and its share of the queues it
            // consumes: what it takes now leaves a backlog behind).
            let per_instance = component.capacity.unwrap_or(0.0);
            let offered = (load.direct_rps + load.offered_rps).max(load.load_rps);
            // The rule fires at 80% and over: strictly under it.
            let needed = if per_instance > 0.0 {
                (offered / (WARN_AT * per_instance)).floor() + 1.0
            } else {
                f64::INFINITY
            };
            match needed_replicas(needed, component.replicas) {
                Some(count) => (
                    format!(
                        "set `replicas = {count}` on {} (under 80%), or raise its `capacity`",
                        component.id
                    ),
                    Some(Fix::one(Edit::set(cx.design, target, "replicas", count.to_string()))),
                ),
                None => (format!("raise the `capacity` of {}", component.id), None),
            }
        }
    }
}

/// Why a flow is overloaded, for the SLO rules (language.md §6: they
/// judge the figures of an overloaded flow and say why): "events_svc takes
/// 40,050/s on 30,000/s", with the help and fix of its first saturated
/// component. `None` when nothing on its synchronous part is saturated.
pub fn overload(cx: &Context<'_>, flow: crate::model::FlowId) -> Option<(String, String, Option<Fix>)> {
    let saturated = cx.estimates.loading().saturated_on(cx.design, cx.design.flow(flow));
    let capacity = cx.estimates.capacity();
    let loads: Vec<&ComponentLoad> = saturated.iter().filter_map(|id| capacity.component(*id)).collect();
    let first = loads.first()?;
    let why: Vec<String> = loads
        .iter()
        .map(|load| short_of(cx.design.component(load.component), load))
        .collect();
    let (help, fix) = capacity_fix(cx, first);
    Some((crate::format::list(&why), help, fix))
}

/// An SLO rule's finding on an overloaded flow, finished the same way in
/// both SLO rules: label, the saturated component's help and fix, and the
/// SLO's span.
pub fn overload_finding(finding: Finding, flow: &crate::model::Flow, help: String, fix: Option<Fix>) -> Finding {
    let mut finding = finding.label("overloaded").help(help);
    if let Some(span) = flow.slo.span {
        finding = finding.secondary(span, "SLO set here");
    }
    if let Some(fix) = fix {
        finding = finding.fix(fix);
    }
    finding
}

/// "api_b takes 10,000/s on 6,000/s", or the bandwidth or connections
/// that set the utilization: "lb moves 80GB/s on 2.5GB/s", "sync holds
/// 2,000,000 connections on 1,000,000".
fn short_of(component: &crate::model::Component, load: &ComponentLoad) -> String {
    let (used, limit) = usage(component, load);
    match load.limited_by {
        Some(Resource::Bandwidth) => format!("{} moves {used} on {limit}", component.id),
        Some(Resource::Connections) => format!("{} holds {used} connections on {limit}", component.id),
        _ => format!("{} takes {used} on {limit}", component.id),
    }
}

/// What the limiting resource uses and offers, as text.
fn usage(component: &crate::model::Component, load: &ComponentLoad) -> (String, String) {
    let instances = crate::estimate::capacity::instance_count(component, crate::model::Op::Write, None);
    match load.limited_by {
        Some(Resource::Bandwidth) => (
            crate::format::bandwidth(load.bytes_per_s),
            crate::format::bandwidth(instances * component.bandwidth.unwrap_or(0.0)),
        ),
        Some(Resource::Connections) => (
            crate::format::grouped(load.connections),
            crate::format::grouped(instances * f64::from(component.max_connections.unwrap_or(0))),
        ),
        _ => (
            rate(load.load_rps),
            load.capacity_rps.map_or_else(|| "nothing".to_string(), rate),
        ),
    }
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for load in &cx.estimates.capacity().components {
        let Some(rho) = load.utilization else {
            continue;
        };
        // Reached only through a queue: the queue absorbs the excess.
        if load.direct_rps <= 0.0 || rho.is_nan() || rho < WARN_AT {
            continue;
        }
        let component = cx.design.component(load.component);
        let (used, limit) = usage(component, load);
        let message = match load.limited_by {
            Some(Resource::Bandwidth) => format!(
                "{} moves {used}, {} of its bandwidth of {limit}",
                component.id,
                utilization(rho)
            ),
            Some(Resource::Connections) => format!(
                "{} holds {used} connections, {} of the {limit} its instances can hold",
                component.id,
                utilization(rho)
            ),
            _ => format!(
                "{} takes {}, {} of its capacity of {}",
                component.id,
                rate(load.load_rps),
                utilization(rho),
                load.capacity_rps.map_or_else(|| "none".to_string(), rate)
            ),
        };
        let mut finding = Finding::component(cx.design, load.component, message).label(if rho >= 1.0 {
            "over capacity"
        } else {
            "near capacity"
        });
        let (property, what) = match load.limited_by {
            Some(Resource::Bandwidth) => ("bandwidth", "bandwidth of one instance"),
            Some(Resource::Connections) => ("max_connections", "connections one instance holds"),
            _ => ("capacity", "capacity of one instance"),
        };
        if let Some(span) = component.property_span(property) {
            finding = finding.secondary(span, what);
        }
        let (_, why) = instances(component, Op::Write, None);
        finding = finding.note(match load.limited_by {
            Some(Resource::Bandwidth) => format!(
                "bandwidth c·B with B = {} per instance and c from {why}; each request moves its flow's payload",
                crate::format::bandwidth(component.bandwidth.unwrap_or(0.0))
            ),
            Some(Resource::Connections) => format!(
                "connections c·M with M = {} per instance and c from {why}; its clients' connections reach it over websocket or tcp links",
                crate::format::grouped(f64::from(component.max_connections.unwrap_or(0)))
            ),
            _ => format!(
                "capacity c·μ with μ = {} per instance and c from {why}",
                rate(component.capacity.unwrap_or(0.0))
            ),
        });
        if rho < 1.0 {
            finding = finding.severity(Severity::Warning);
        }
        let (help, fix) = capacity_fix(cx, load);
        if let Some(fix) = fix {
            finding = finding.fix(fix);
        }
        out.push(finding.help(help));
    }
}
