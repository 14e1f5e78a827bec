//! The `write-behind-data-loss` rule: a write-behind cache fronts data whose writes require strong or read-your-writes consistency.

use crate::analysis::Target;
use crate::analysis::{Context, Finding, wording};
use crate::format;
use crate::model::{CachePattern, Consistency, Kind, LinkId};

declare_rule! {
    /// ## What it checks
    ///
    /// A cache with `pattern = write_behind` in front of a database (a link
    /// from the cache to it), when a write link (`op = write` or
    /// `read_write`) into that database, or into the cache itself, `requires
    /// = strong` or `read_your_writes`.
    ///
    /// ## Why it matters
    ///
    /// A write-behind cache acknowledges a write before the database has it.
    /// If the cache dies first, acknowledged writes are gone, and until they
    /// are flushed every other reader of the database sees old data: the
    /// opposite of what the strong link asks for.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   service api { replicas = 2 }
    ///   cache cart_cache : redis { pattern = write_behind, ttl = 1h, replicas = 2 }
    ///   database carts : postgres {
    ///     replication = primary_replica { replicas = 1, mode = sync, failover = auto }
    ///   }
    ///
    ///   api -> cart_cache { op = write, requires = strong }
    ///   cart_cache -> carts { op = write }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   service api { replicas = 2 }
    ///   cache cart_cache : redis { pattern = write_through, ttl = 1h, replicas = 2 }
    ///   database carts : postgres {
    ///     replication = primary_replica { replicas = 1, mode = sync, failover = auto }
    ///   }
    ///
    ///   api -> cart_cache { op = write, requires = strong }
    ///   cart_cache -> carts { op = write }
    /// }
    /// ```
    ///
    /// ## References
    ///
    /// Write-behind caching; [WB-DEVTO], [WB-MANNING], [WB-TIBCO].
    pub static WRITE_BEHIND_DATA_LOSS = {
        name: "write-behind-data-loss",
        severity: Warning,
        category: Consistency,
        summary: "a write-behind cache fronts data whose writes require strong or read-your-writes consistency",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        if cx.graph.kind(id) != Kind::Cache {
            continue;
        }
        let cache = design.component(id);
        if cache.kind != Kind::Cache || cache.cache_pattern != CachePattern::WriteBehind {
            continue;
        }
        let databases: Vec<_> = cx
            .graph
            .outgoing(id)
            .iter()
            .map(|link| design.link(*link).to)
            .filter(|to| design.component(*to).kind == Kind::Database)
            .collect();
        if databases.is_empty() {
            continue;
        }
        let strict = |link_id: &LinkId| {
            let link = design.link(*link_id);
            link.op.writes() && matches!(link.requires, Some(Consistency::Strong | Consistency::ReadYourWrites))
        };
        let mut links: Vec<LinkId> = cx.graph.incoming(id).iter().copied().filter(strict).collect();
        for database in &databases {
            links.extend(cx.graph.incoming(*database).iter().copied().filter(strict));
        }
        links.sort_unstable();
        links.dedup();
        if links.is_empty() {
            continue;
        }
        let mut levels: Vec<Consistency> = links.iter().filter_map(|link| design.link(*link).requires).collect();
        levels.sort_unstable();
        levels.dedup();
        let levels: Vec<&str> = levels.iter().map(|level| level.as_str()).collect();
        let names: Vec<String> = links.iter().map(|link| design.link_subject(*link)).collect();
        let message = format!(
            "{} acknowledges writes before {} has them, but {} {} {}",
            cache.id,
            wording::components(design, &databases),
            format::list(&names),
            if links.len() == 1 { "requires" } else { "require" },
            levels.join(" or ")
        );
        let mut finding = Finding::component(design, id, message)
            .label("pattern = write_behind")
            .help(format!("set pattern = write_through on {}", cache.id))
            .fix_set(design, Target::Component(id), "pattern", "write_through")
            .note("acknowledged writes are lost if the cache dies before it flushes them");
        if let Some(span) = cache.property_span("pattern") {
            finding = finding.at(span);
        }
        for link in &links {
            let requires = design.link(*link).requires.unwrap_or(Consistency::Strong);
            finding = finding.secondary(design.link(*link).span, format!("requires {requires}"));
        }
        out.push(finding);
    }
}
