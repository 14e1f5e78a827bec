//! The `stale-cache-on-strong-read` rule: a TTL-invalidated read cache sits on a path that requires strong reads.

use crate::analysis::Target;
use crate::analysis::{Context, Finding, wording};
use crate::format;
use crate::model::{CacheInvalidation, Consistency, FlowId, Kind, LinkId};

declare_rule! {
    /// ## What it checks
    ///
    /// A cache read on the request path (`pattern = cache_aside` or
    /// `read_through`) whose entries go stale until they expire
    /// (`invalidation = ttl`, or `none`; the default is `ttl` when `ttl` is
    /// set, else `none`), on a flow that `requires = strong`, or on a link
    /// into or out of the cache that `requires = strong`. Only reads are
    /// judged: a flow or link with `op = write` does not read the cache.
    ///
    /// ## Why it matters
    ///
    /// A cache-aside entry stays as it was read until its TTL ends, whatever
    /// the database says since. A path that promises strong reads and reads
    /// such a cache returns old values.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system bank {
    ///   client atm
    ///   service api { replicas = 2 }
    ///   cache balances_cache : redis { pattern = cache_aside, ttl = 1m, replicas = 2 }
    ///   database balances : postgres {
    ///     replication = primary_replica { replicas = 1, mode = sync, failover = auto }
    ///   }
    ///
    ///   atm -> api -> balances_cache -> balances
    ///
    ///   flow balance { path = atm -> api -> balances_cache -> balances, op = read, requires = strong }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system bank {
    ///   client atm
    ///   service api { replicas = 2 }
    ///   cache balances_cache : redis {
    ///     pattern = cache_aside, ttl = 1m, invalidation = event, replicas = 2
    ///   }
    ///   database balances : postgres {
    ///     replication = primary_replica { replicas = 1, mode = sync, failover = auto }
    ///   }
    ///
    ///   atm -> api -> balances_cache -> balances
    ///
    ///   flow balance { path = atm -> api -> balances_cache -> balances, op = read, requires = strong }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// One finding per cache, listing the flows and links; suppress it on
    /// the cache. Event invalidation still leaves a short race; the rule
    /// takes it as the design's intent.
    ///
    /// ## See also
    ///
    /// `cap-mismatch` judges stores; `cache-without-expiry` a cache with no
    /// expiry at all.
    ///
    /// ## References
    ///
    /// Caching strategies and stale reads; [ELC-STRAT].
    pub static STALE_CACHE_ON_STRONG_READ = {
        name: "stale-cache-on-strong-read",
        severity: Warning,
        category: Caching,
        summary: "a TTL-invalidated read cache sits on a path that requires strong reads",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        if cx.graph.kind(id) != Kind::Cache {
            continue;
        }
        let cache = design.component(id);
        if !cache.is_optional_cache() {
            continue;
        }
        let invalidation = cache.cache_invalidation();
        if !matches!(invalidation, CacheInvalidation::Ttl | CacheInvalidation::None) {
            continue;
        }
        let flows: Vec<FlowId> = cx
            .graph
            .flows_through(id)
            .iter()
            .copied()
            .filter(|flow_id| {
                let flow = design.flow(*flow_id);
                // The flow's `requires` on any visit of the cache, or a
                // call's own on the call that reaches it (language.md §5).
                flow.visits.iter().any(|visit| {
                    visit.component == id
                        && !visit.allows(STALE_CACHE_ON_STRONG_READ.name)
                        && (flow.requires == Some(Consistency::Strong) || visit.requires == Some(Consistency::Strong))
                        && visit.op.judged_by_reads()
                })
            })
            .collect();
        let links: Vec<LinkId> = cx
            .graph
            .incoming(id)
            .iter()
            .chain(cx.graph.outgoing(id))
            .copied()
            .filter(|link_id| {
                let link = design.link(*link_id);
                link.requires == Some(Consistency::Strong) && link.op.judged_by_reads()
            })
            .collect();
        if flows.is_empty() && links.is_empty() {
            continue;
        }
        let mut paths = Vec::new();
        if !flows.is_empty() {
            paths.push(wording::flows(design, &flows));
        }
        if !links.is_empty() {
            let names: Vec<String> = links.iter().map(|link| design.link_subject(*link)).collect();
            let noun = if links.len() == 1 { "link" } else { "links" };
            paths.push(format!("{noun} {}", format::list(&names)));
        }
        let message = format!(
            "{} ({}, invalidation = {invalidation}) may serve stale reads to {} that require strong consistency",
            cache.id,
            cache.cache_pattern,
            paths.join(" and ")
        );
        let mut finding = Finding::component(design, id, message)
            .label(format!("invalidation = {invalidation}"))
            .help(format!(
                "set invalidation = event on {}, or read the strong path from the store directly",
                cache.id
            ))
            .fix_set(design, Target::Component(id), "invalidation", "event");
        for link in &links {
            finding = finding.secondary(design.link(*link).span, "requires strong");
        }
        out.push(finding);
    }
}
