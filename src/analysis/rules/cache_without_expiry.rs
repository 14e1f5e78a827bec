//! The `cache-without-expiry` rule: a cache or cdn has neither a ttl nor an invalidation.

use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::model::{CacheInvalidation, CdnInvalidation, Kind};

declare_rule! {
    /// ## What it checks
    ///
    /// A `cache` or `cdn` with neither a `ttl` nor an invalidation that
    /// removes entries on change (`invalidation = event` on a cache,
    /// `versioned` or `purge` on a cdn). Caches never get a TTL from the
    /// knowledge base (Redis and Memcached keep keys until evicted); a cdn
    /// technology may (CloudFront: 24h).
    ///
    /// ## Why it matters
    ///
    /// An entry that nothing expires or invalidates is served until memory
    /// pressure evicts it: lazy loading without a TTL "allows for stale
    /// data" indefinitely.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   cache sessions : redis { replicas = 2 }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   cache sessions : redis { replicas = 2, ttl = 30m }
    /// }
    /// ```
    ///
    /// ## See also
    ///
    /// `stale-cache-on-strong-read` for a cache that expires, but on a path
    /// that requires strong reads.
    ///
    /// ## References
    ///
    /// Caching strategies and expiry; [ELC-STRAT].
    pub static CACHE_WITHOUT_EXPIRY = {
        name: "cache-without-expiry",
        severity: Warning,
        category: Caching,
        summary: "a cache or cdn has neither a ttl nor an invalidation",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        if !cx.graph.kind(id).is_cache_like() {
            continue;
        }
        let component = design.component(id);
        let (invalidated, help) = match component.kind {
            Kind::Cache => (
                component.cache_invalidation == Some(CacheInvalidation::Event),
                format!("set ttl = 1h on {}, or invalidation = event", component.id),
            ),
            Kind::Cdn => (
                matches!(
                    component.cdn_invalidation,
                    Some(CdnInvalidation::Versioned | CdnInvalidation::Purge)
                ),
                format!("set ttl = 1h on {}, or invalidation = versioned", component.id),
            ),
            _ => continue,
        };
        if invalidated || component.effective_ttl_ms().is_some() {
            continue;
        }
        out.push(
            Finding::component(
                design,
                id,
                format!(
                    "{} has neither a ttl nor an invalidation, so its entries never expire",
                    component.id
                ),
            )
            .label("no ttl")
            .help(help)
            .fix_set(design, Target::Component(id), "ttl", "1h"),
        );
    }
}
