//! The `range-shard-hotspot` rule: range sharding on a monotonically growing key sends every insert to one shard.

use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::model::{Kind, ShardStrategy};

declare_rule! {
    /// ## What it checks
    ///
    /// `shard = range { key = K, ... }` on a key named like a timestamp or a
    /// sequence: exactly `id`, or ending in `_at`, or containing `time`, or
    /// starting with `created` or `seq` (case does not matter).
    ///
    /// ## Why it matters
    ///
    /// Such keys grow monotonically: every new row has the largest key so
    /// far, so every insert lands on the last range shard while the others
    /// idle. The shard count buys no write capacity.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system events {
    ///   database log : cassandra {
    ///     replication = quorum { n = 3, r = 2, w = 2 }
    ///     shard = range { key = created_at, count = 8 }
    ///   }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system events {
    ///   database log : cassandra {
    ///     replication = quorum { n = 3, r = 2, w = 2 }
    ///     shard = hash { key = created_at, count = 8 }
    ///   }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// The rule reads the key's name only.
    ///
    /// ## References
    ///
    /// Choosing a shard key; [MONGO-DISTQ].
    pub static RANGE_SHARD_HOTSPOT = {
        name: "range-shard-hotspot",
        severity: Warning,
        category: Partitioning,
        summary: "range sharding on a monotonically growing key sends every insert to one shard",
    };
}

/// Key names that grow with time or a sequence (rules.md).
pub fn is_monotonic_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key == "id" || key.ends_with("_at") || key.contains("time") || key.starts_with("created") || key.starts_with("seq")
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        if !matches!(cx.graph.kind(id), Kind::Database | Kind::Search) {
            continue;
        }
        let component = design.component(id);
        let Some(shard) = &component.shard else {
            continue;
        };
        if shard.strategy != ShardStrategy::Range || !is_monotonic_key(&shard.key) {
            continue;
        }
        out.push(
            Finding::component(
                design,
                id,
                format!(
                    "{} is range-sharded on {}, a key that grows monotonically, so new writes all land on the last shard",
                    component.id, shard.key
                ),
            )
            .at(shard.span)
            .label(format!("range on {}", shard.key))
            .help(format!(
                "set shard = hash {{ key = {}, count = {} }} on {}",
                shard.key, shard.count, component.id
            ))
            .fix_set(
                design,
                Target::Component(id),
                "shard",
                format!("hash {{ key = {}, count = {} }}", shard.key, shard.count),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::is_monotonic_key;

    #[test]
    fn keys_named_like_time_or_sequences() {
        for key in [
            "id",
            "created_at",
            "updated_at",
            "timestamp",
            "event_time",
            "createdOn",
            "seq_no",
            "ID",
        ] {
            assert!(is_monotonic_key(key), "{key}");
        }
        for key in ["user_id", "region", "code", "tenant"] {
            assert!(!is_monotonic_key(key), "{key}");
        }
    }
}
