//! The `hot-shard` rule: one hot key makes a shard busy while an even spread would not.

use super::overloaded_component::WARN_AT;
use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::format::{percent, plain, rate, utilization};
use crate::model::Kind;

declare_rule! {
    /// ## What it checks
    ///
    /// A sharded database or search index whose `shard` block says one
    /// shard takes more than its even share (`hot_share`, with `hash` or
    /// `consistent_hash`), when that busiest shard reaches the
    /// `overloaded-component` warning level (utilization 80%) while an even
    /// spread over the shards (1/N each) would stay below it. The store's
    /// utilization is its busiest shard's (docs/language.md, "Hot keys").
    ///
    /// ## Why it matters
    ///
    /// Hashing spreads keys, not load: every request for one key lands on
    /// the shard that owns it. One on-sale event, one celebrity account or
    /// one trending post can run a shard hot while the others idle, and
    /// adding shards does not help, since the key still has one home.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system tickets {
    ///   service api { replicas = 3 }
    ///   database inventory : postgres {
    ///     capacity = 500/s,
    ///     shard = hash { key = event_id, count = 16, hot_share = 0.4 },
    ///     replication = primary_replica { replicas = 2, mode = sync, failover = auto }
    ///   }
    ///   api -> inventory { op = write }
    ///   flow buy { rps = 1000, path = api -> inventory, op = write }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system tickets {
    ///   service api { replicas = 3 }
    ///   database inventory : postgres {
    ///     capacity = 501/s,
    ///     shard = hash { key = event_id, count = 16, hot_share = 0.4 },
    ///     replication = primary_replica { replicas = 2, mode = sync, failover = auto }
    ///   }
    ///   api -> inventory { op = write }
    ///   flow buy { rps = 1000, path = api -> inventory, op = write }
    /// }
    /// ```
    ///
    /// Larger nodes are the one-edit fix; the lasting ones change the key:
    /// split the hot key over several shards (a suffix on its writes), or
    /// serve its reads from a cache.
    ///
    /// ## Known limits
    ///
    /// The even-spread figure scales the store's utilization by (1/N) /
    /// hot_share, so calls with `fanout = all` (which reach every shard
    /// whatever the key) are scaled with the others.
    ///
    /// ## References
    ///
    /// One hot key still lands on one shard: [MEMC-CLIENT] on how hashing
    /// places keys.
    pub static HOT_SHARD = {
        name: "hot-shard",
        severity: Warning,
        category: Partitioning,
        summary: "one hot key makes a shard busy while an even spread would not",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    let capacity = cx.estimates.capacity();
    for id in design.component_ids() {
        if !matches!(cx.graph.kind(id), Kind::Database | Kind::Search) {
            continue;
        }
        let component = design.component(id);
        let Some(shard) = component
            .shard
            .as_ref()
            .filter(|shard| shard.is_skewed() && shard.count > 1)
        else {
            continue;
        };
        let Some(load) = capacity.component(id) else {
            continue;
        };
        let Some(rho) = load.utilization.filter(|rho| rho.is_finite()) else {
            continue;
        };
        let busiest = shard.busiest_share();
        let even_share = 1.0 / f64::from(shard.count);
        let even = rho * even_share / busiest;
        if rho < WARN_AT || even >= WARN_AT {
            continue;
        }
        let message = format!(
            "the busiest shard of {} takes {} of its load and runs at {}; spread evenly over {} shards it would run at {}",
            component.id,
            percent(busiest),
            utilization(rho),
            shard.count,
            utilization(even)
        );
        let mut finding = Finding::component(design, id, message)
            .label("hot shard")
            .secondary(shard.span, format!("hot_share = {}", plain(busiest)));
        let help_tail = "or split the hot key over several shards, or serve its reads from a cache";
        match component.capacity.filter(|mu| *mu > 0.0) {
            Some(mu) => {
                // Per-node capacity that brings the busiest shard strictly
                // under the warning level: ρ·μ / 0.8, the next whole rate.
                let needed = (rho * mu / WARN_AT).floor() + 1.0;
                finding = finding
                    .help(format!(
                        "raise the `capacity` of {} to {} (larger nodes), {help_tail}",
                        component.id,
                        rate(needed)
                    ))
                    .fix_set(design, Target::Component(id), "capacity", format!("{needed}/s"));
            }
            None => finding = finding.help(format!("give {} more capacity, {help_tail}", component.id)),
        }
        out.push(finding);
    }
}
