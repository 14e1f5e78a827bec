use crate::analysis::{Context, Finding, wording};

declare_rule! {
    /// ## What it checks
    ///
    /// A `cache` or `cdn` on a flow's path with no `hit_ratio`, so the
    /// models use the kind's default (0.8, language.md §4).
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
    /// knowledge.md §3.2 (multi-level cache hierarchy).
    pub static CACHE_HIT_RATIO_UNSET = {
        name: "cache-hit-ratio-unset",
        severity: Info,
        category: Caching,
        summary: "a cache or cdn on a flow has no hit_ratio, so a default is assumed",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    // Flows whose path (synchronous or background) visits each component.
    let mut on_flows: Vec<Vec<crate::model::FlowId>> = vec![Vec::new(); design.components.len()];
    for flow_id in design.flow_ids() {
        for component in &design.flow(flow_id).path {
            if let Some(list) = on_flows.get_mut(component.index()) {
                if list.last() != Some(&flow_id) {
                    list.push(flow_id);
                }
            }
        }
    }
    for id in design.component_ids() {
        let component = design.component(id);
        if !component.kind.is_cache_like() || component.hit_ratio_declared.is_some() {
            continue;
        }
        let Some(flows) = on_flows.get(id.index()).filter(|flows| !flows.is_empty()) else {
            continue;
        };
        out.push(
            Finding::component(
                design,
                id,
                format!(
                    "{} has no hit_ratio, so the models assume {} for {}",
                    component.id,
                    wording::number(component.hit_ratio()),
                    wording::flows(design, flows)
                ),
            )
            .label("no hit_ratio")
            .help(format!(
                "set hit_ratio on {} to the ratio you measure or expect, e.g. hit_ratio = 0.9",
                component.id
            )),
        );
    }
}
