//! The `scatter-gather-on-hot-path` rule: a fan-out to every shard on a flow with a latency SLO or over 1k rps.

use std::collections::BTreeMap;

use crate::analysis::{Context, Finding, Target};
use crate::estimate::latency::LatencyOptions;
use crate::format::ms;
use crate::model::{Fanout, FlowId, LinkId};

declare_rule! {
    /// ## What it checks
    ///
    /// A `fanout = all` hop on the synchronous part of a flow that has a
    /// latency SLO (its own or the system's) or more than 1k rps. The
    /// subject is the link; the message gives the flow's p99 with the
    /// fan-out and without it (one shard).
    ///
    /// ## Why it matters
    ///
    /// A request that waits for every shard waits for the slowest one: with
    /// 100 shards, a 1-in-100 slow shard is seen by 63% of requests (The
    /// Tail at Scale). The fan-out's p99 is a shard's p99.99, and every
    /// shard does work for every request.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system blog {
    ///   client users { rps = 5k }
    ///   service api { replicas = 3 }
    ///   database posts : cassandra { shard = hash { key = author_id, count = 16 } }
    ///   users -> api
    ///   api -> posts { op = read, fanout = all }
    ///   flow by_tag { path = users -> api -> posts, op = read }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system blog {
    ///   client users { rps = 5k }
    ///   service api { replicas = 3 }
    ///   database posts : cassandra { shard = hash { key = author_id, count = 16 } }
    ///   users -> api
    ///   api -> posts { op = read }
    ///   flow by_author { path = users -> api -> posts, op = read }
    /// }
    /// ```
    ///
    /// ## See also
    ///
    /// `latency-above-slo` judges the p99 against the SLO.
    ///
    /// ## References
    ///
    /// Fan-out and the scatter-gather tail; [TAIL-GOOG].
    pub static SCATTER_GATHER_ON_HOT_PATH = {
        name: "scatter-gather-on-hot-path",
        severity: Warning,
        category: Partitioning,
        summary: "a fan-out to every shard on a flow with a latency SLO or over 1k rps",
    };
}

/// rps above which a flow is hot without an SLO (rules.md).
const HOT_RPS: f64 = 1000.0;

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    // Each fan-out link with the hot flows that cross it, in declaration order.
    let mut links: BTreeMap<LinkId, Vec<FlowId>> = BTreeMap::new();
    for id in cx.design.flow_ids() {
        let flow = cx.design.flow(id);
        if !(flow.slo.has_latency() || flow.rps > HOT_RPS) {
            continue;
        }
        let sync = cx.graph.sync_part(id);
        // Every hop into a visit the caller waits for (not a fire-and-forget
        // hop), anywhere in the call tree.
        // A call that allows the rule is not judged.
        let judged = sync
            .visits
            .iter()
            .map(|idx| &flow.visits[*idx])
            .filter(|visit| !visit.allows(SCATTER_GATHER_ON_HOT_PATH.name));
        for link_id in judged.filter_map(|visit| visit.link) {
            let link = cx.design.link(link_id);
            let sharded = cx.design.component(link.to).shard.is_some();
            if link.fanout == Fanout::All && sharded {
                let flows = links.entry(link_id).or_default();
                if !flows.contains(&id) {
                    flows.push(id);
                }
            }
        }
    }
    for (link_id, flows) in links {
        let Some(&first) = flows.first() else {
            continue;
        };
        let link = cx.design.link(link_id);
        let target = cx.design.component(link.to);
        let count = target.shard.as_ref().map_or(1, |shard| shard.count);
        let with = cx.estimates.latency(first).map_or(f64::NAN, |figures| figures.p99_ms);
        let without = cx
            .estimates
            .latency_with(first, LatencyOptions { fanout: false })
            .p99_ms;
        let flow = cx.design.flow(first);
        let mut finding = Finding::link(
            cx.design,
            link_id,
            format!(
                "flow {} waits for all {count} shards of {}: p99 {} with the fan-out, {} without",
                flow.id,
                target.id,
                ms(with),
                ms(without)
            ),
        )
        .label("fanout = all")
        .help("route the query by the shard key (`fanout = one`), or keep an index partitioned by what it asks")
        .fix_set(cx.design, Target::Link(link_id), "fanout", "one");
        if let Some(span) = link.property_span("fanout") {
            finding = finding.at(span);
        }
        let others: Vec<&str> = flows.iter().skip(1).map(|id| cx.design.flow(*id).id.as_str()).collect();
        if !others.is_empty() {
            finding = finding.note(format!("also on the hot path of flows {}", others.join(", ")));
        }
        if flow.slo.has_latency() {
            finding = finding.note(format!("flow {} has a latency SLO", flow.id));
        } else {
            finding = finding.note(format!(
                "flow {} takes {}, above 1k/s",
                flow.id,
                crate::format::rate(flow.rps)
            ));
        }
        out.push(finding);
    }
}
