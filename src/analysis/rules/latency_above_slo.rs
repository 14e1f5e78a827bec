//! The `latency-above-slo` rule: a flow's computed p50, p95 or p99 exceeds its SLO.

use crate::analysis::{Context, Finding};
use crate::estimate::latency::{LatencyOptions, NodeLatency, PathModel, Step};
use crate::estimate::{SloMiss, latency_misses};
use crate::format::{ms, plain_fraction};
use crate::model::FlowId;

declare_rule! {
    /// ## What it checks
    ///
    /// A flow whose computed p50, p95 or p99 exceeds its SLO (its own `slo`,
    /// else the system's). The latency is the mixture over where requests
    /// stop (each cdn or cache hit, else the end of the synchronous part)
    /// of the sums of log-normal component latencies and link round trips
    /// (docs/estimate.md, "Latency").
    ///
    /// ## Why it matters
    ///
    /// The tail is what users feel: with a 90% cache hit ratio, one request
    /// in ten pays the full database path, so the p99 is set by the miss
    /// path, not by the cache. A slow external call on the synchronous path
    /// shows up in every percentile.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   client users { rps = 100 }
    ///   service api { replicas = 2 }
    ///   external psp "Payment processor" { latency = 400ms }
    ///   users -> api -> psp
    ///   flow pay { path = users -> api -> psp, slo = { p99 = 300ms } }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   client users { rps = 100 }
    ///   service api { replicas = 2 }
    ///   queue payments
    ///   worker payer { replicas = 2, idempotent = true }
    ///   external psp "Payment processor" { latency = 400ms }
    ///   users -> api -> payments
    ///   payments -> payer -> psp
    ///   flow pay { path = users -> api -> payments -> payer -> psp, slo = { p99 = 300ms } }
    /// }
    /// ```
    ///
    /// ## See also
    ///
    /// `hld estimate --explain --flow NAME` shows each level and hop.
    /// `scatter-gather-on-hot-path` names a fan-out that sets the tail.
    ///
    /// ## References
    ///
    /// Multi-level cache hierarchy and fan-out tail (docs/estimate.md); [TAIL-GOOG].
    pub static LATENCY_ABOVE_SLO = {
        name: "latency-above-slo",
        severity: Error,
        category: Structure,
        summary: "a flow's computed p50, p95 or p99 exceeds its SLO",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let flows: Vec<FlowId> = cx
        .design
        .flow_ids()
        .filter(|id| cx.design.flow(*id).slo.has_latency())
        .collect();
    if flows.is_empty() {
        return;
    }
    // Only flows that might miss need their quantiles (docs/estimate.md,
    // "How the SLO rules stay fast").
    let flows = cx.estimates.latency_slo_suspects(&flows);
    cx.estimates.prefetch_latency(&flows);
    for id in flows {
        let flow = cx.design.flow(id);
        let Some(figures) = cx.estimates.latency(id) else {
            continue;
        };
        let misses = latency_misses(&flow.slo, figures);
        if misses.is_empty() {
            continue;
        }
        if let Some((why, help, fix)) = super::overloaded_component::overload(cx, id) {
            // Saturated: the latency is unbounded (language.md §6).
            let targets: Vec<String> = misses
                .iter()
                .filter_map(|miss| match miss {
                    SloMiss::Latency {
                        percentile, target_ms, ..
                    } => Some(format!("{percentile} ≤ {}", ms(*target_ms))),
                    SloMiss::Availability { .. } => None,
                })
                .collect();
            let finding = Finding::flow(
                cx.design,
                id,
                format!(
                    "flow {} is overloaded, so its latency is unbounded against its SLO of {}: {why}",
                    flow.id,
                    targets.join(" and ")
                ),
            );
            out.push(super::overloaded_component::overload_finding(finding, flow, help, fix));
            continue;
        }
        let (mut values, mut targets) = (Vec::new(), Vec::new());
        for miss in &misses {
            if let SloMiss::Latency {
                percentile,
                value_ms,
                target_ms,
            } = miss
            {
                values.push(format!("{percentile} is {}", ms(*value_ms)));
                targets.push(ms(*target_ms));
            }
        }
        let mut finding = Finding::flow(
            cx.design,
            id,
            format!(
                "flow {} {}, above its SLO of {}",
                flow.id,
                values.join(" and "),
                targets.join(" and ")
            ),
        )
        .label("above its latency SLO");
        if let Some(span) = flow.slo.span {
            finding = finding.secondary(span, "SLO set here");
        }
        if !flow.is_path_only() {
            // A call tree: name its costliest visit (own latency times how
            // often requests reach it).
            finding = finding.help("raise the SLO");
            let tree = crate::estimate::tree::TreeModel::means(
                cx.design,
                flow,
                &crate::estimate::queueing::Loading::unloaded(),
                &mut crate::estimate::dist::LawCache::new(),
            );
            let costliest = tree
                .visits
                .iter()
                .filter(|visit| visit.sync != crate::model::VisitSync::Background)
                .max_by(|a, b| (a.own_mean_ms * a.reach).total_cmp(&(b.own_mean_ms * b.reach)));
            if let Some(visit) = costliest {
                let name = &cx.design.component(visit.component).id;
                finding = finding
                    .note(format!(
                        "its costliest call is {name} (reached by {}, {} on average)",
                        plain_fraction(visit.reach),
                        ms(visit.own_mean_ms)
                    ))
                    .help(format!(
                        "cache in front of {name}, call it in parallel with its siblings, move it behind a queue (`mode = async`), or raise the SLO"
                    ));
            }
            out.push(finding);
            continue;
        }
        let model = PathModel::new(cx.design, flow, LatencyOptions::default());
        if let Some(slowest) = model.stops.iter().max_by(|a, b| a.mean_ms.total_cmp(&b.mean_ms)) {
            finding = finding.note(format!(
                "requests that stop at {} (probability {}) take {} on average",
                cx.design.component(slowest.at).id,
                plain_fraction(slowest.probability),
                ms(slowest.mean_ms)
            ));
        }
        let slowest_node = model
            .steps
            .iter()
            .filter_map(|step| match step {
                Step::Node(node) if !matches!(node.latency, NodeLatency::Client) => Some(node),
                _ => None,
            })
            .max_by(|a, b| (a.mean_ms * a.reach).total_cmp(&(b.mean_ms * b.reach)));
        let help = match slowest_node {
            Some(node) => format!(
                "cache in front of {}, or move it behind a queue (`mode = async`), or raise the SLO",
                cx.design.component(node.component).id
            ),
            None => "raise the SLO".to_string(),
        };
        out.push(finding.help(help));
    }
}
