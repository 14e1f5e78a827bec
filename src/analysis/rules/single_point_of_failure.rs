//! The `single-point-of-failure` rule: a component with one instance is on every synchronous path from a source to what it needs.

use super::{primary_without_failover, unreplicated_load_balancer};
use crate::analysis::Target;
use crate::analysis::spof::{SinglePoint, single_points_of_failure};
use crate::analysis::{Context, Finding, wording};
use crate::diagnostics::Severity;
use crate::model::{Component, ComponentId, Kind, Replication};

declare_rule! {
    /// ## What it checks
    ///
    /// A component with one effective instance that every synchronous path
    /// from a source to one of its targets passes through. Sources are the
    /// clients, and the workers for their own synchronous calls. A source's
    /// targets are the databases, object stores, search indexes, externals
    /// and queues it reaches over hops it waits for, plus the last component
    /// of the synchronous part of each flow that starts at it.
    ///
    /// One effective instance means `replicas = 1` for most kinds, and
    /// `replication = none` for a database. Cdn, dns, object_store and
    /// external components, and managed technologies (cloudfront, s3,
    /// dynamodb, sqs, ...), count as redundant unless `replicas` is written
    /// (docs/language.md, "Redundancy").
    ///
    /// An optional cache (`pattern = cache_aside` or `read_through`) never
    /// counts: on a miss, or when it is down, the request goes on to what
    /// follows it. Sources themselves are never reported.
    ///
    /// The finding is an error when a client needs the component, and a
    /// warning when only background work (a worker's own calls) does.
    ///
    /// ## Why it matters
    ///
    /// Availability in series multiplies: a path is never more available than
    /// its least available single component, and one crash of that component
    /// takes down every flow behind it. The check uses dominators on the
    /// directed graph, so two single load balancers in parallel are not
    /// reported (either one can serve), while a single service behind them
    /// is.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   client users { rps = 100 }
    ///   service app { rate_limit = token_bucket { capacity = 100, refill = 10/s, per = user } }
    ///   database db : postgres
    ///
    ///   users -> app -> db
    ///
    ///   flow browse { path = users -> app -> db }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   client users { rps = 100 }
    ///   service app {
    ///     replicas = 2
    ///     rate_limit = token_bucket { capacity = 100, refill = 10/s, per = user }
    ///   }
    ///   database db : postgres {
    ///     replication = primary_replica { replicas = 1, mode = sync, failover = auto }
    ///   }
    ///
    ///   users -> app -> db
    ///
    ///   flow browse { path = users -> app -> db }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// Without a flow, a service that reaches no store, external or queue is
    /// nobody's target, so it is not reported. The graph does not know which
    /// calls a component makes for which request: a path through any link
    /// counts as a way around.
    ///
    /// ## See also
    ///
    /// `unreplicated-load-balancer` (a single load balancer or gateway) and
    /// `primary-without-failover` (a primary that nothing takes over from)
    /// report their own cause; this rule does not report the same component
    /// again, even when that finding is suppressed with `allow`.
    /// `availability-below-slo` puts a figure on the cost.
    ///
    /// ## References
    ///
    /// Availability in sequence and in parallel (docs/estimate.md,
    /// "Availability"); [SDP].
    pub static SINGLE_POINT_OF_FAILURE = {
        name: "single-point-of-failure",
        severity: Error,
        category: Availability,
        summary: "a component with one instance is on every synchronous path from a source to what it needs",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for point in single_points_of_failure(cx.graph) {
        let component = design.component(point.component);
        // One cause, one finding: the specific rules own these components.
        if unreplicated_load_balancer::applies(component) || primary_without_failover::applies(component) {
            continue;
        }
        let mut finding = Finding::component(design, point.component, message(cx, &point))
            .label("1 instance")
            .help(help(component))
            .fix(fix(design, point.component));
        if (!point.flows.is_empty() || !point.background_flows.is_empty()) && !only_itself(&point) {
            finding = finding.note(format!(
                "every synchronous path from {} to {} passes through it",
                wording::components(design, &point.sources),
                targets(cx, &point)
            ));
        }
        if !point.flows.is_empty() && !point.background_flows.is_empty() {
            finding = finding.note(format!(
                "the background work of {} needs it too",
                wording::flows(design, &point.background_flows)
            ));
        }
        if !point.user_facing {
            finding = finding
                .severity(Severity::Warning)
                .note("only background work (a worker's own calls) needs it, so this is a warning");
        }
        out.push(finding);
    }
}

fn message(cx: &Context<'_>, point: &SinglePoint) -> String {
    let design = cx.design;
    let id = &design.component(point.component).id;
    if !point.flows.is_empty() {
        format!(
            "{id} has 1 instance and is on every path of {}",
            wording::flows(design, &point.flows)
        )
    } else if !point.background_flows.is_empty() {
        format!(
            "{id} has 1 instance and is on every path of the background work of {}",
            wording::flows(design, &point.background_flows)
        )
    } else if only_itself(point) {
        // "on every path from notifier to it" says nothing: a component is
        // on every path to itself. Say who needs it.
        let sources: Vec<ComponentId> = point
            .sources
            .iter()
            .copied()
            .filter(|source| *source != point.component)
            .collect();
        if sources.is_empty() {
            format!("{id} has 1 instance and every flow that starts at it depends on it")
        } else {
            format!(
                "{id} has 1 instance and the synchronous calls of {} need it",
                wording::components(design, &sources)
            )
        }
    } else {
        format!(
            "{id} has 1 instance and is on every synchronous path from {} to {}",
            wording::components(design, &point.sources),
            targets(cx, point)
        )
    }
}

/// The only target it cuts off is itself.
fn only_itself(point: &SinglePoint) -> bool {
    point.n_targets == 1 && point.targets == [point.component]
}

/// The targets it cuts off (never only itself: see [`message`]).
fn targets(cx: &Context<'_>, point: &SinglePoint) -> String {
    wording::components_of(cx.design, &point.targets, point.n_targets)
}

/// The fix the help names: a database's first replica, else a second
/// replica.
fn fix(design: &crate::model::Design, id: ComponentId) -> crate::analysis::Fix {
    let component = design.component(id);
    let target = Target::Component(id);
    let edit = if component.kind == Kind::Database && component.replication == Replication::None {
        crate::analysis::Edit::set(
            design,
            target,
            "replication",
            "primary_replica { replicas = 1, mode = sync, failover = auto }",
        )
    } else {
        crate::analysis::Edit::set(design, target, "replicas", "2")
    };
    crate::analysis::Fix::one(edit)
}

fn help(component: &Component) -> String {
    if component.kind == Kind::Database && component.replication == Replication::None {
        return "set replication = primary_replica { replicas = 1, mode = sync, failover = auto }".to_string();
    }
    if component.kind.redundant_by_default() || component.is_managed() {
        return format!(
            "set replicas = 2 on {}, or drop `replicas = 1`: without it a {} counts as redundant",
            component.id,
            if component.is_managed() {
                "managed technology"
            } else {
                component.kind.as_str()
            }
        );
    }
    format!("set replicas = 2 on {}", component.id)
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::findings;
    use crate::diagnostics::Severity;

    fn severities(text: &str) -> Vec<(String, Severity)> {
        findings(text)
            .into_iter()
            .filter(|finding| finding.code == "single-point-of-failure")
            .map(|finding| (finding.subject.unwrap_or_default(), finding.severity))
            .collect()
    }

    #[test]
    fn a_database_only_a_worker_needs_is_a_warning() {
        let text = "system s {\n  client u\n  service app { replicas = 2 }\n  queue q { replicas = 2 }\n  worker w\n  database db\n  u -> app -> q -> w -> db\n}";
        assert_eq!(severities(text), vec![("db".to_string(), Severity::Warning)]);
    }

    #[test]
    fn the_specific_rules_take_precedence_even_when_allowed() {
        let text = "system s {\n  client u\n  load_balancer lb { allow = [unreplicated-load-balancer] }\n  service app { replicas = 2 }\n  database db : postgres { replication = primary_replica { replicas = 1, failover = manual } }\n  u -> lb -> app -> db\n  flow f { path = u -> lb -> app -> db }\n}";
        assert!(severities(text).is_empty());
    }

    #[test]
    fn the_message_names_the_flows() {
        let text = "system s {\n  client u\n  service app\n  database db : dynamodb\n  u -> app -> db\n  flow a { path = u -> app -> db }\n  flow b { path = u -> app }\n}";
        let all = findings(text);
        let finding = all.iter().find(|f| f.code == "single-point-of-failure").unwrap();
        assert_eq!(
            finding.message,
            "app has 1 instance and is on every path of flows a and b"
        );
        assert_eq!(finding.help.as_deref(), Some("set replicas = 2 on app"));
        assert_eq!(finding.severity, Severity::Error);
    }

    #[test]
    fn a_store_only_a_worker_calls_is_not_its_own_path() {
        // No flow: the paths are the worker's own calls, and the only target
        // is the store itself ("on every path from w to it" says nothing).
        let text = "system s {\n  client u\n  service app { replicas = 2 }\n  queue q { replicas = 2 }\n  worker w { replicas = 2 }\n  database db\n  u -> app -> q -> w -> db\n}";
        let all = findings(text);
        let finding = all.iter().find(|f| f.code == "single-point-of-failure").unwrap();
        assert_eq!(
            finding.message,
            "db has 1 instance and the synchronous calls of w need it"
        );
        assert!(
            finding.notes.iter().all(|note| !note.contains("to it")),
            "{:?}",
            finding.notes
        );
        // A store behind another one-instance component still names both.
        let text = "system s {\n  client u\n  service app { replicas = 2 }\n  queue q { replicas = 2 }\n  worker w { replicas = 2 }\n  service helper\n  database db : dynamodb\n  u -> app -> q -> w -> helper -> db\n}";
        let all = findings(text);
        let helper = all
            .iter()
            .find(|f| f.code == "single-point-of-failure" && f.subject.as_deref() == Some("helper"))
            .unwrap();
        assert_eq!(
            helper.message,
            "helper has 1 instance and is on every synchronous path from w to db"
        );
    }
}
