//! The `cap-mismatch` rule: a link or flow requires more consistency than a store on its path gives.

use crate::analysis::consistency::{Cause, Effective, effective, op_noun};
use crate::analysis::{Context, Edit, Finding, Fix, Target};
use crate::model::{Component, Consistency, LinkId, Op};

declare_rule! {
    /// ## What it checks
    ///
    /// A link, or a flow, that `requires` a consistency level stronger than
    /// what a hop into a database, search index, object store or cache
    /// gives. What
    /// a hop gives (its effective consistency, docs/language.md,
    /// "Consistency"):
    ///
    /// - a write: what the node taking it gives: the store's `consistency`
    ///   (or its technology's default) on one node or on a primary;
    ///   `quorum`: `strong` iff r + w > n, else `eventual`; `multi_primary`:
    ///   `eventual` (`causal` with `conflict = crdt`);
    /// - a read, and a `read_write` (judged by its reads): `quorum` as
    ///   above; `primary_replica` with `mode = async` or `semi_sync` and
    ///   `read_from = any`: `eventual`; `multi_primary` as above; otherwise
    ///   the store's own consistency.
    ///
    /// A link is judged with its own `op`; a flow's hops with the flow's
    /// `op`. Strength order: `strong` > `read_your_writes` ≈ `causal` >
    /// `eventual`.
    ///
    /// ## Why it matters
    ///
    /// The design promises something the store cannot keep: a balance read
    /// from a lagging replica, or a quorum whose reads and writes need not
    /// overlap, returns old data. Nothing fails; the data is silently wrong.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system bank {
    ///   service ledger { replicas = 2 }
    ///   database balances : cassandra { replication = quorum { n = 3, r = 1, w = 1 } }
    ///
    ///   ledger -> balances { requires = strong }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system bank {
    ///   service ledger { replicas = 2 }
    ///   database balances : cassandra { replication = quorum { n = 3, r = 2, w = 2 } }
    ///
    ///   ledger -> balances { requires = strong }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// A hop into a cache is judged with the cache technology's
    /// consistency (Redis and Memcached are eventual), whatever its pattern;
    /// a cache-aside read that also goes stale by TTL is
    /// `stale-cache-on-strong-read`'s as well. A flow hop over a link that
    /// already reports the mismatch is not reported again for the flow.
    ///
    /// ## See also
    ///
    /// `read-your-writes-on-async-replicas` covers `read_write` links into
    /// lagging replicas that state no `requires`.
    ///
    /// ## References
    ///
    /// Replication mode to consistency, and quorums (docs/language.md);
    /// [PG-SYNC], [DSX-CL], [MONGO-DEF].
    pub static CAP_MISMATCH = {
        name: "cap-mismatch",
        severity: Error,
        category: Consistency,
        summary: "a link or flow requires more consistency than a store on its path gives",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    // Links that report a mismatch themselves: a flow over them does not
    // report the same store again.
    let mut reported = vec![false; design.links.len()];
    for link_id in design.link_ids() {
        let link = design.link(link_id);
        let Some(needed) = link.requires else {
            continue;
        };
        let store = design.component(link.to);
        if !is_judged(store) {
            continue;
        }
        let given = effective(store, link.op, link.read_from);
        if given.level.satisfies(needed) {
            continue;
        }
        if let Some(slot) = reported.get_mut(link_id.index()) {
            *slot = true;
        }
        let subject = design.link_subject(link_id);
        let mut finding = Finding::link(design, link_id, message(&subject, needed, link.op, store, given))
            .label(format!("gives {}", given.level))
            .help(help(store, needed, given, true));
        if let Some(fix) = fix(design, link_id, given) {
            finding = finding.fix(fix);
        }
        if let Some(span) = link.property_span("requires") {
            finding = finding.secondary(span, format!("requires {needed}"));
        }
        out.push(finding);
    }
    for flow_id in design.flow_ids() {
        let flow = design.flow(flow_id);
        // Every hop of the call tree, with its call's `op`, judged against
        // the flow's `requires` and its call's (docs/language.md, "Flows that
        // branch"). A tree may cross one link twice the same way; it is one
        // cause.
        let mut judged: Vec<(LinkId, Op, Consistency)> = Vec::new();
        for (visit_idx, visit) in flow.visits.iter().enumerate() {
            // A call that allows the rule: its hops are not judged, so a
            // later visit over the same link still is.
            let Some(link_id) = visit.link.filter(|_| !visit.allows(CAP_MISMATCH.name)) else {
                continue;
            };
            for needed in [flow.requires, visit.requires].into_iter().flatten() {
                if reported.get(link_id.index()).copied().unwrap_or(false)
                    || judged.contains(&(link_id, visit.op, needed))
                {
                    continue;
                }
                judged.push((link_id, visit.op, needed));
                let link = design.link(link_id);
                let store = design.component(link.to);
                if !is_judged(store) {
                    continue;
                }
                let given = effective(store, visit.op, link.read_from);
                if given.level.satisfies(needed) {
                    continue;
                }
                let subject = format!("flow {} at {}", flow.id, design.link_subject(link_id));
                let mut finding = Finding::flow(design, flow_id, message(&subject, needed, visit.op, store, given))
                    .label(format!("requires {needed}"))
                    .help(help(store, needed, given, false))
                    .secondary(link.span, format!("gives {}", given.level))
                    .visit(visit_idx);
                if let Some(fix) = fix(design, link_id, given) {
                    finding = finding.fix(fix);
                }
                out.push(finding);
            }
        }
    }
}

/// Stores whose consistency a hop is judged against: databases, search
/// indexes, object stores, and caches (language.md §8, "Consistency of
/// every store": with the cache technology's consistency).
fn is_judged(store: &Component) -> bool {
    store.kind.is_store() || store.kind == crate::model::Kind::Cache
}

/// `api -> users_db requires strong reads, but reads may reach async
/// replicas of users_db (eventual)`
fn message(subject: &str, needed: Consistency, op: Op, store: &Component, given: Effective) -> String {
    let why = match given.cause {
        Cause::LaggingReplicas { mode } => format!("reads may reach {mode} replicas of {}", store.id),
        Cause::Quorum { n, r, w } => format!(
            "the quorum of {} has r + w = {} <= n = {n}",
            store.id,
            u64::from(r) + u64::from(w)
        ),
        Cause::MultiPrimary { .. } => format!("{} takes writes on several primaries", store.id),
        Cause::Store { declared: true } => {
            return format!(
                "{subject} requires {needed} {}, but {} is declared {}",
                op_noun(op),
                store.id,
                given.level
            );
        }
        Cause::Store { declared: false } => {
            let what = match store.technology_id() {
                Some(technology) => format!("{} ({technology})", store.id),
                None => store.id.clone(),
            };
            return format!(
                "{subject} requires {needed} {}, but {what} is {} by default",
                op_noun(op),
                given.level
            );
        }
    };
    format!(
        "{subject} requires {needed} {}, but {why} ({})",
        op_noun(op),
        given.level
    )
}

/// The edit the help names first: reads pinned to the primary, or a
/// quorum whose reads and writes overlap.
fn fix(design: &crate::model::Design, link_id: LinkId, given: Effective) -> Option<Fix> {
    let link = design.link(link_id);
    match given.cause {
        Cause::LaggingReplicas { .. } => Some(Fix::one(Edit::set(
            design,
            Target::Link(link_id),
            "read_from",
            "primary",
        ))),
        Cause::Quorum { n, .. } => {
            let majority = (n / 2 + 1).to_string();
            let store = Target::Component(link.to);
            Some(Fix::new(vec![
                Edit::set(design, store, "replication.r", majority.clone()),
                Edit::set(design, store, "replication.w", majority),
            ]))
        }
        _ => None,
    }
}

fn help(store: &Component, needed: Consistency, given: Effective, on_link: bool) -> String {
    let relax = format!("or relax requires to {}", given.level);
    match given.cause {
        Cause::LaggingReplicas { .. } => {
            let place = if on_link { "on the link" } else { "on the hop's link" };
            format!(
                "set read_from = primary {place}, or make the replicas of {} sync",
                store.id
            )
        }
        Cause::Quorum { n, .. } => {
            let majority = n / 2 + 1;
            format!(
                "set r and w so that r + w > n, e.g. quorum {{ n = {n}, r = {majority}, w = {majority} }} on {}",
                store.id
            )
        }
        Cause::MultiPrimary { .. } => format!(
            "write through one primary (replication = primary_replica) on {}, {relax}",
            store.id
        ),
        Cause::Store { .. } => format!(
            "{}, or use a store that gives {needed}",
            relax.trim_start_matches("or ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::findings_of;

    #[test]
    fn a_call_that_allows_the_rule_is_not_judged() {
        // The call's `requires = strong` meets lagging replicas; with
        // `allow = [cap-mismatch]` on that call the finding goes.
        let design = |allow: &str| {
            format!(
                "system s {{\n  client u\n  service api {{ replicas = 2 }}\n  database db : postgres {{ replication = primary_replica {{ replicas = 2, mode = async, failover = auto }} }}\n  u -> api\n  api -> db\n  flow f {{\n    path = u -> api\n    call api -> db {{ requires = strong{allow} }}\n  }}\n}}"
            )
        };
        assert_eq!(findings_of("cap-mismatch", &design("")).len(), 1);
        assert_eq!(findings_of("cap-mismatch", &design(", allow = [cap-mismatch]")), vec![]);
        // Another rule allowed on the call: still reported.
        assert_eq!(
            findings_of("cap-mismatch", &design(", allow = [deep-sync-chain]")).len(),
            1
        );
    }

    #[test]
    fn an_unknown_rule_in_a_calls_allow_is_an_error() {
        let design = crate::analysis::testing::design(
            "system s {\n  client u\n  service api { replicas = 2 }\n  database db : postgres\n  u -> api\n  api -> db\n  flow f {\n    path = u -> api\n    call api -> db { allow = [cap-mismatc] }\n  }\n}",
        );
        let errors = crate::analysis::unknown_allowed_rules(&design);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].message, "unknown rule `cap-mismatc` in `allow`");
        assert!(
            errors[0]
                .help
                .as_deref()
                .is_some_and(|help| help.contains("cap-mismatch"))
        );
    }

    #[test]
    fn the_message_gives_the_cause_and_both_levels() {
        let found = findings_of(
            "cap-mismatch",
            "system s {\n  service api { replicas = 2 }\n  database users_db : postgres { replication = primary_replica { replicas = 2, mode = async, failover = auto } }\n  api -> users_db { requires = strong }\n}",
        );
        assert_eq!(
            found,
            vec![(
                "api -> users_db".to_string(),
                "api -> users_db requires strong reads, but reads may reach async replicas of users_db (eventual)"
                    .to_string()
            )]
        );
    }

    #[test]
    fn a_flow_is_judged_by_its_op_and_not_twice_for_one_link() {
        let text = "system s {\n  client u\n  service api { replicas = 2 }\n  database db : postgres { replication = primary_replica { replicas = 2, mode = async, failover = auto } }\n  u -> api\n  api -> db\n  flow w { path = u -> api -> db, op = write, requires = strong }\n  flow r { path = u -> api -> db, op = read, requires = strong }\n}";
        let found = findings_of("cap-mismatch", text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "flow r");
        assert!(
            found[0].1.starts_with("flow r at api -> db requires strong reads"),
            "{}",
            found[0].1
        );
        let both = "system s {\n  client u\n  service api { replicas = 2 }\n  database db : cassandra\n  u -> api\n  api -> db { requires = strong }\n  flow r { path = u -> api -> db, op = read, requires = strong }\n}";
        let found = findings_of("cap-mismatch", both);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "api -> db");
    }

    /// Regression (found by tests/it/rules_proptest.rs): a path that crosses one
    /// link twice reported it twice.
    #[test]
    fn a_link_crossed_twice_is_reported_once() {
        let text = "system s {\n  client u\n  service a { replicas = 2 }\n  database db : cassandra\n  u -> a\n  a -> db\n  db -> a\n  flow f { path = u -> a -> db -> a -> db, op = read, requires = strong }\n}";
        assert_eq!(findings_of("cap-mismatch", text).len(), 1);
    }

    #[test]
    fn caches_are_judged_with_their_technology_and_services_are_not() {
        let text = |requires: &str| {
            format!(
                "system s {{\n  service api {{ replicas = 2 }}\n  service other {{ replicas = 2 }}\n  cache c : redis {{ ttl = 1m }}\n  api -> c {{ requires = {requires} }}\n  api -> other {{ requires = strong }}\n}}"
            )
        };
        // Redis is eventual (language.md §8, "Consistency of every store").
        assert_eq!(
            findings_of("cap-mismatch", &text("strong")),
            vec![(
                "api -> c".to_string(),
                "api -> c requires strong reads, but c (redis) is eventual by default".to_string()
            )]
        );
        assert!(findings_of("cap-mismatch", &text("eventual")).is_empty());
    }
}
