//! The `timeout-below-latency` rule: a hop's timeout is below the p99 of what it waits for.

use std::collections::BTreeMap;

use crate::analysis::{Context, Finding, Target};
use crate::format::{ms, written_duration};
use crate::model::{FlowId, LinkId};

declare_rule! {
    /// ## What it checks
    ///
    /// A call whose link sets `timeout` while, in some flow, the p99 of one
    /// attempt of that call (the link's round trip, the callee's own
    /// latency and queueing wait, and every call it waits for) is above
    /// the timeout: more than 1% of the attempts time out. The subject is
    /// the link; the message shows both figures, from the flow where the
    /// gap is widest.
    ///
    /// ## Why it matters
    ///
    /// A timeout below the tail turns slow answers into errors: those
    /// requests fail (or, with `retries`, are sent again and add load to a
    /// callee that is already slow). Each attempt that times out also
    /// costs the caller the whole timeout. Timeouts are set from the
    /// callee's measured tail, with some headroom, not from its median.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system pay {
    ///   client shoppers { rps = 50 }
    ///   service payment_svc { replicas = 2 }
    ///   external stripe { latency = 300ms, availability = 99.99% }
    ///   shoppers -> payment_svc
    ///   payment_svc -> stripe { timeout = 200ms }
    ///   flow charge { path = shoppers -> payment_svc -> stripe }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system pay {
    ///   client shoppers { rps = 50 }
    ///   service payment_svc { replicas = 2 }
    ///   external stripe { latency = 300ms, availability = 99.99% }
    ///   shoppers -> payment_svc
    ///   payment_svc -> stripe { timeout = 1810ms }
    ///   flow charge { path = shoppers -> payment_svc -> stripe }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// The p99 is the model's (docs/estimate.md): a duration alone is a
    /// median with the kind's tail factor, so a callee declared with
    /// `latency = 300ms` has a p99 of 1.5 s unless `p99` is written. Only
    /// calls the flow waits for are judged. The fix asks for the p99 plus
    /// a fifth, rounded up to 10 ms.
    ///
    /// ## References
    ///
    /// Timeouts set from the callee's tail; [AWS-REL05-03], [SRE-CASCADE].
    pub static TIMEOUT_BELOW_LATENCY = {
        name: "timeout-below-latency",
        severity: Warning,
        category: Load,
        summary: "a call's timeout is below the p99 of what it waits for",
    };
}

/// The widest gap of one link.
struct Gap {
    flow: FlowId,
    p99_ms: f64,
    timeout_ms: f64,
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    let mut found: BTreeMap<LinkId, Gap> = BTreeMap::new();
    for flow_id in design.flow_ids() {
        let flow = design.flow(flow_id);
        let timed = flow
            .visits
            .iter()
            .any(|visit| visit.link.is_some_and(|link| design.link(link).timeout_ms.is_some()));
        if !timed {
            continue;
        }
        for hop in cx.estimates.hops(flow_id) {
            let (Some(timeout_ms), Some(p99_ms)) = (hop.timeout_ms, hop.p99_ms) else {
                continue;
            };
            if p99_ms.partial_cmp(&timeout_ms) != Some(std::cmp::Ordering::Greater) {
                continue;
            }
            let wider = found
                .get(&hop.link)
                .is_none_or(|gap| p99_ms - timeout_ms > gap.p99_ms - gap.timeout_ms);
            if wider {
                found.insert(
                    hop.link,
                    Gap {
                        flow: flow_id,
                        p99_ms,
                        timeout_ms,
                    },
                );
            }
        }
    }
    for (link_id, gap) in found {
        let link = design.link(link_id);
        let name = |id| design.component(id).id.as_str();
        let wanted = ((gap.p99_ms * 1.2) / 10.0).ceil() * 10.0;
        let mut finding = Finding::link(
            design,
            link_id,
            format!(
                "flow {}: {} -> {} times out after {}, below the p99 of {} it waits for",
                design.flow(gap.flow).id,
                name(link.from),
                name(link.to),
                written_duration(gap.timeout_ms),
                ms(gap.p99_ms),
            ),
        )
        .label("more than 1% of the attempts time out")
        .help(format!(
            "set timeout = {} (the p99 and a fifth), or make {} faster",
            written_duration(wanted),
            name(link.to)
        ));
        if let Some(span) = link.property_span("timeout") {
            finding = finding.secondary(span, "the timeout");
        }
        if wanted.is_finite() {
            finding = finding.fix_set(design, Target::Link(link_id), "timeout", written_duration(wanted));
        }
        out.push(finding);
    }
}
