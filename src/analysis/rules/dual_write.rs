//! The `dual-write` rule: one component writes a database and a second store or queue in separate calls.

use crate::analysis::{Context, Finding, Fix};
use crate::model::{ComponentId, Design, FlowId, Kind, LinkMode, Op, Rewrite, VisitSync};

declare_rule! {
    /// ## What it checks
    ///
    /// A flow whose synchronous part has one component that, in separate
    /// calls of its call tree, writes a database (`op = write` or
    /// `read_write`) and also sends to a queue, or writes a second
    /// database or a search index. The subject is the flow; the message
    /// names the component and both targets. An event that the database
    /// itself feeds to the queue (`database -> queue { mode = cdc }`) is no
    /// second write: the flow does not call the queue.
    ///
    /// ## Why it matters
    ///
    /// Two writes that are not one transaction can half happen: the commit
    /// succeeds and the publish times out, or the process dies in between.
    /// The order is paid but no email goes out; the search index shows an
    /// item the database never stored. Retrying the pair makes duplicates,
    /// and there is no moment when both are known to be in step. Feeding
    /// the queue from the database's own change stream (change data
    /// capture), or from an outbox table written in the same transaction,
    /// makes the second write follow the first.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   client web { rps = 100 }
    ///   service orders { replicas = 2, rate_limit = token_bucket { capacity = 100, refill = 10/s, per = user } }
    ///   database orders_db : postgres { replication = primary_replica { replicas = 1, mode = sync, failover = auto } }
    ///   queue events : kafka { dead_letter = true, replicas = 3 }
    ///   worker mailer { replicas = 2, idempotent = true }
    ///
    ///   web -> orders
    ///   orders -> orders_db { op = write }
    ///   orders -> events
    ///   events -> mailer
    ///   flow place {
    ///     path = web -> orders
    ///     call orders -> orders_db { op = write }
    ///     call orders -> events
    ///   }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   client web { rps = 100 }
    ///   service orders { replicas = 2, rate_limit = token_bucket { capacity = 100, refill = 10/s, per = user } }
    ///   database orders_db : postgres { replication = primary_replica { replicas = 1, mode = sync, failover = auto } }
    ///   queue events : kafka { dead_letter = true, replicas = 3 }
    ///   worker mailer { replicas = 2, idempotent = true }
    ///
    ///   web -> orders
    ///   orders -> orders_db { op = write }
    ///   orders_db -> events { mode = cdc }
    ///   events -> mailer
    ///   flow place {
    ///     path = web -> orders -> orders_db -> events
    ///     op = write
    ///   }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// Only flows are judged, and only writes one component makes itself:
    /// a service that writes a database and calls another service that
    /// publishes is not a dual write to hld. The fix (the publish moved to
    /// the database's change feed) is offered where the design allows it:
    /// the publish is the first hop of a `call` line, and the link it takes
    /// is declared alone, used by no other flow, and the database does not
    /// already feed that queue; otherwise the help says what to change.
    ///
    /// ## References
    ///
    /// The guide's microservices section on data consistency across
    /// stores ("distributed transactions or eventual consistency").
    pub static DUAL_WRITE = {
        name: "dual-write",
        severity: Warning,
        category: Consistency,
        summary: "one component writes a database and a second store or queue in separate calls",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for flow_id in design.flow_ids() {
        let flow = design.flow(flow_id);
        let sync = flow.visit_sync(design);
        // Per calling visit in the synchronous part: the databases it
        // writes, and the queues or search indexes it writes besides.
        let mut writes: Vec<Vec<(usize, ComponentId)>> = vec![Vec::new(); flow.visits.len()];
        for (idx, visit) in flow.visits.iter().enumerate() {
            let (Some(parent), Some(link_id)) = (visit.parent, visit.link) else {
                continue;
            };
            if sync.get(parent) != Some(&VisitSync::Sync) || visit.allows(DUAL_WRITE.name) {
                continue;
            }
            let link = design.link(link_id);
            let writes_store = matches!(visit.op, Op::Write | Op::ReadWrite);
            let counts = match design.component(visit.component).kind {
                Kind::Database | Kind::Search => writes_store && link.mode == LinkMode::Sync,
                Kind::Queue => link.mode == LinkMode::Async,
                _ => false,
            };
            if counts && !writes[parent].iter().any(|(_, id)| *id == visit.component) {
                writes[parent].push((idx, visit.component));
            }
        }
        for (parent, targets) in writes.iter().enumerate() {
            let Some(&(_, database)) = targets
                .iter()
                .find(|(_, id)| design.component(*id).kind == Kind::Database)
            else {
                continue;
            };
            let Some(&(second_visit, second)) = targets.iter().find(|(_, id)| *id != database) else {
                continue;
            };
            let caller = &design.component(flow.visits[parent].component).id;
            let (first_name, second_name) = (&design.component(database).id, &design.component(second).id);
            let publishes = design.component(second).kind == Kind::Queue;
            let (what, help) = if publishes {
                (
                    format!(
                        "writes {first_name} and publishes to {second_name} in separate calls: if the publish fails after the commit, they disagree"
                    ),
                    format!(
                        "feed {second_name} from {first_name}'s changes (`{first_name} -> {second_name} {{ mode = cdc }}`) instead of `{caller} -> {second_name}`, or publish from an outbox table written in the same transaction"
                    ),
                )
            } else {
                (
                    format!(
                        "writes {first_name} and {second_name} in separate calls: if the second write fails after the first commits, they disagree"
                    ),
                    format!(
                        "let {first_name} own the write and feed {second_name} from its changes (`{first_name} -> queue {{ mode = cdc }}` and a consumer), or keep both in one store and one transaction"
                    ),
                )
            };
            let mut finding = Finding::flow(design, flow_id, format!("flow {}: {caller} {what}", flow.id))
                .label("two writes, no transaction")
                .help(help)
                .visit(second_visit);
            if publishes && let Some(fix) = cdc_fix(design, flow_id, second_visit, database) {
                finding = finding.fix(fix);
            }
            out.push(finding);
            break;
        }
    }
}

/// The change that turns the publish into change data capture: the link
/// `caller -> queue` becomes `database -> queue { mode = cdc }`, and the
/// flow's `call caller -> queue ...` line starts at the database instead
/// (its consumers stay in the flow, reached through the change feed). `None` where that would change
/// more than this flow: another flow publishes through the same link, or
/// the database already feeds the queue.
fn cdc_fix(design: &Design, flow_id: FlowId, visit: usize, database: ComponentId) -> Option<Fix> {
    let flow = design.flow(flow_id);
    let link_id = flow.visits.get(visit)?.link?;
    let link = design.link(link_id);
    let used_elsewhere = design.flow_ids().any(|other| {
        design
            .flow(other)
            .visits
            .iter()
            .enumerate()
            .any(|(idx, step)| step.link == Some(link_id) && !(other == flow_id && idx == visit))
    });
    let fed_already = design
        .links
        .iter()
        .any(|other| other.from == database && other.to == link.to);
    if used_elsewhere || fed_already {
        return None;
    }
    let (caller, queue) = (&design.component(link.from).id, &design.component(link.to).id);
    Some(Fix::rewrite(vec![
        Rewrite::ReplaceLink {
            link: link_id,
            declaration: format!("{} -> {queue} {{ mode = cdc }}", design.component(database).id),
            subject: design.link_subject(link_id),
        },
        Rewrite::MoveCall {
            flow: flow_id,
            visit,
            from: caller.clone(),
            to: design.component(database).id.clone(),
            callee: queue.clone(),
            flow_id: flow.id.clone(),
        },
    ]))
}
