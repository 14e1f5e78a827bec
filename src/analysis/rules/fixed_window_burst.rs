//! The `fixed-window-burst` rule: a fixed-window rate limit lets up to twice its limit through at a window boundary.

use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::format;
use crate::model::RateLimitAlgorithm;

declare_rule! {
    /// ## What it checks
    ///
    /// A `rate_limit = fixed_window { ... }` on a gateway or service.
    ///
    /// ## Why it matters
    ///
    /// A fixed window resets its counter at the window boundary, so a client
    /// can send the whole limit just before the boundary and again just
    /// after: up to twice the limit in a short burst (100 a minute becomes
    /// 200 within two seconds).
    ///
    /// ## Example
    ///
    /// ```hld
    /// system api {
    ///   gateway gw { replicas = 2, rate_limit = fixed_window { limit = 100, window = 1m, per = user } }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system api {
    ///   gateway gw { replicas = 2, rate_limit = sliding_counter { limit = 100, window = 1m, per = user } }
    /// }
    /// ```
    ///
    /// ## References
    ///
    /// Bursts at the edge of a fixed window; [RL-FIXED], [RL-DUCKKIT].
    pub static FIXED_WINDOW_BURST = {
        name: "fixed-window-burst",
        severity: Info,
        category: Traffic,
        summary: "a fixed-window rate limit lets up to twice its limit through at a window boundary",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        if !cx.graph.kind(id).is_app_tier() {
            continue;
        }
        let component = design.component(id);
        let Some(limit) = &component.rate_limit else {
            continue;
        };
        if limit.algorithm != RateLimitAlgorithm::FixedWindow {
            continue;
        }
        let window = limit.window_ms.map(format::written_duration).unwrap_or_default();
        let message = format!(
            "{} uses a fixed_window rate limit, so up to {} requests (2 × {}) can pass around a window boundary",
            component.id,
            format::decimals(limit.limit * 2.0),
            format::decimals(limit.limit),
        );
        out.push(
            Finding::component(design, id, message)
                .at(limit.span)
                .label("fixed_window")
                .help(format!(
                    "use rate_limit = sliding_counter {{ limit = {}, window = {window}, per = {} }}",
                    format::decimals(limit.limit),
                    limit.per
                ))
                .fix_set(
                    design,
                    Target::Component(id),
                    "rate_limit",
                    format!(
                        "sliding_counter {{ limit = {}, window = {window}, per = {} }}",
                        format::decimals(limit.limit),
                        limit.per
                    ),
                ),
        );
    }
}
