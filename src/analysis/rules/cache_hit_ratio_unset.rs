//! The `cache-hit-ratio-unset` rule: a cache or cdn on a flow has no hit_ratio, so a default is assumed.

use crate::analysis::Target;
use crate::analysis::{Context, Finding, wording};
use crate::format;
use crate::model::{ComponentId, FlowId};

declare_rule! {
    /// ## What it checks
    ///
    /// A `cache` or `cdn` on a flow's path with no `hit_ratio`, so the
    /// models use the kind's default (0.8, docs/language.md, "Defaults by kind").
    ///
    /// ## Why it matters
    ///
    /// The hit ratio decides how much load reaches what is behind the cache
    /// and how many requests pay the miss latency. A guessed 0.8 can hide a
    /// database that a 0.5 hit ratio would overload.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system feed {
    ///   client users
    ///   service api { replicas = 2 }
    ///   cache feed_cache : redis { ttl = 1h, replicas = 2 }
    ///   users -> api -> feed_cache
    ///   flow read { path = users -> api -> feed_cache }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system feed {
    ///   client users
    ///   service api { replicas = 2 }
    ///   cache feed_cache : redis { ttl = 1h, replicas = 2, hit_ratio = 0.95 }
    ///   users -> api -> feed_cache
    ///   flow read { path = users -> api -> feed_cache }
    /// }
    /// ```
    ///
    /// ## References
    ///
    /// The multi-level cache hierarchy of the latency model (docs/estimate.md).
    pub static CACHE_HIT_RATIO_UNSET = {
        name: "cache-hit-ratio-unset",
        severity: Info,
        category: Caching,
        summary: "a cache or cdn on a flow has no hit_ratio, so a default is assumed",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    let unset = |id: ComponentId| {
        let component = design.component(id);
        component.kind.is_cache_like() && component.hit_ratio_declared.is_none()
    };
    // (cache, flow) for every flow whose path visits a cache without a hit
    // ratio, grouped by cache.
    let mut visits: Vec<(ComponentId, FlowId)> = Vec::new();
    for flow_id in design.flow_ids() {
        for component in design.flow(flow_id).visits.iter().map(|visit| visit.component) {
            if unset(component) {
                visits.push((component, flow_id));
            }
        }
    }
    visits.sort_unstable();
    visits.dedup();
    for group in visits.chunk_by(|a, b| a.0 == b.0) {
        let Some((id, _)) = group.first() else {
            continue;
        };
        let component = design.component(*id);
        let flows: Vec<FlowId> = group.iter().map(|(_, flow)| *flow).collect();
        out.push(
            Finding::component(
                design,
                *id,
                format!(
                    "{} has no hit_ratio, so the models assume {} for {}",
                    component.id,
                    format::decimals(component.hit_ratio()),
                    wording::flows(design, &flows)
                ),
            )
            .label("no hit_ratio")
            .help(format!(
                "set hit_ratio on {} to the ratio you measure or expect, e.g. hit_ratio = 0.9",
                component.id
            ))
            // Declaring the ratio the models assume keeps every figure.
            .fix_set(
                design,
                Target::Component(*id),
                "hit_ratio",
                format::decimals(component.hit_ratio()),
            ),
        );
    }
}
