//! The `inverted-timeouts` rule: a caller gives up before its callee has finished waiting and retrying.

use std::collections::BTreeMap;

use crate::analysis::{Context, Finding, Target};
use crate::format::written_duration;
use crate::model::{FlowId, LinkId, LinkMode};

declare_rule! {
    /// ## What it checks
    ///
    /// In a flow, a hop A→B with `timeout` t while a call B→C that this visit
    /// of B makes has (`retries` + 1) × its own `timeout` above t. The
    /// subject is the link `B -> C`; the message shows the figures. Both
    /// links must be synchronous.
    ///
    /// ## Why it matters
    ///
    /// A gives up on B while B is still waiting for C or retrying it: the
    /// user gets an error, and everything B does after that moment (the
    /// retries, the work C finishes) is wasted load on a system that is
    /// already slow. Timeouts should shrink from the edge inwards, so a
    /// callee's whole retry budget fits in its caller's.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   client web
    ///   service api { replicas = 2 }
    ///   service pay { replicas = 2 }
    ///   database db : postgres
    ///   web -> api
    ///   api -> pay { timeout = 1s }
    ///   pay -> db { op = read, timeout = 400ms, retries = 2 }
    ///   flow checkout { path = web -> api -> pay -> db }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   client web
    ///   service api { replicas = 2 }
    ///   service pay { replicas = 2 }
    ///   database db : postgres
    ///   web -> api
    ///   api -> pay { timeout = 1s }
    ///   pay -> db { op = read, timeout = 300ms, retries = 2 }
    ///   flow checkout { path = web -> api -> pay -> db }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// Only a caller's own call and the calls its callee makes are compared
    /// (one level at a time), with the timeouts as written: B's own latency,
    /// the network and backoff between attempts are not added. A call made
    /// in a `parallel` block is compared on its own.
    ///
    /// ## References
    ///
    /// Deadlines and timeouts in call chains; [SRE-CASCADE], [AWS-REL05-03].
    pub static INVERTED_TIMEOUTS = {
        name: "inverted-timeouts",
        severity: Warning,
        category: Load,
        summary: "a caller gives up before its callee has finished waiting and retrying",
    };
}

/// The tightest case of one inner link.
struct Inverted {
    flow: FlowId,
    /// The caller's link (A -> B) and its timeout.
    outer: LinkId,
    outer_ms: f64,
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    let mut found: BTreeMap<LinkId, Inverted> = BTreeMap::new();
    for flow_id in design.flow_ids() {
        let flow = design.flow(flow_id);
        for visit in &flow.visits {
            let Some(inner) = visit.link else { continue };
            let Some(parent) = visit.parent else { continue };
            let Some(outer) = flow.visits[parent].link else {
                continue;
            };
            let (outer_link, inner_link) = (design.link(outer), design.link(inner));
            if outer_link.mode != LinkMode::Sync || inner_link.mode != LinkMode::Sync {
                continue;
            }
            let (Some(outer_ms), Some(inner_ms)) = (outer_link.timeout_ms, inner_link.timeout_ms) else {
                continue;
            };
            let attempts = f64::from(inner_link.retries.unwrap_or(0)) + 1.0;
            if attempts * inner_ms <= outer_ms {
                continue;
            }
            match found.get(&inner) {
                Some(tightest) if tightest.outer_ms <= outer_ms => {}
                _ => {
                    found.insert(
                        inner,
                        Inverted {
                            flow: flow_id,
                            outer,
                            outer_ms,
                        },
                    );
                }
            }
        }
    }
    for (inner, inverted) in found {
        let inner_link = design.link(inner);
        let outer_link = design.link(inverted.outer);
        let name = |id| design.component(id).id.as_str();
        let retries = inner_link.retries.unwrap_or(0);
        let inner_ms = inner_link.timeout_ms.unwrap_or(0.0);
        let attempts = f64::from(retries) + 1.0;
        let budget = if retries == 0 {
            format!("waits up to {}", written_duration(inner_ms))
        } else {
            format!(
                "can take ({retries} + 1) × {} = {}",
                written_duration(inner_ms),
                written_duration(attempts * inner_ms)
            )
        };
        let mut finding = Finding::link(
            design,
            inner,
            format!(
                "flow {}: {} gives up on {} after {}, but {} -> {} {budget}",
                design.flow(inverted.flow).id,
                name(outer_link.from),
                name(outer_link.to),
                written_duration(inverted.outer_ms),
                name(inner_link.from),
                name(inner_link.to),
            ),
        )
        .label(format!(
            "outlives its caller's timeout of {}",
            written_duration(inverted.outer_ms)
        ))
        .help(format!(
            "make (retries + 1) × timeout of {} -> {} at most {}, or raise the timeout of {} -> {}",
            name(inner_link.from),
            name(inner_link.to),
            written_duration(inverted.outer_ms),
            name(outer_link.from),
            name(outer_link.to),
        ));
        if let Some(span) = outer_link.property_span("timeout") {
            finding = finding.secondary(span, "the caller's timeout");
        }
        let fitting = (inverted.outer_ms / attempts).floor();
        if fitting >= 1.0 {
            finding = finding.fix_set(design, Target::Link(inner), "timeout", written_duration(fitting));
        }
        out.push(finding);
    }
}
