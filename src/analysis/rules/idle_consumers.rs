//! The `idle-consumers` rule: a work-queue consumer runs more instances than it has partitions to read.

use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::estimate::capacity::instance_count;
use crate::model::Op;

declare_rule! {
    /// ## What it checks
    ///
    /// A consumer of a `work_queue` whose instances outnumber the
    /// partitions it reads: a queue's `partitions` are shared evenly among
    /// its consumers, and one partition is read by one instance at a time
    /// (docs/language.md, "Queue partitions"). The subject is the consumer.
    /// Consumers of a queue without `partitions` are not bounded and not
    /// judged.
    ///
    /// ## Why it matters
    ///
    /// Scaling a consumer group past its partitions adds instances that get
    /// no partition: they cost as much as the others and take nothing, and
    /// the backlog drains no faster. The estimate counts c = min(replicas,
    /// partitions) for what the consumer takes.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   queue orders : kafka { partitions = 2, dead_letter = true, replicas = 3 }
    ///   worker mailer { replicas = 6, idempotent = true }
    ///
    ///   orders -> mailer
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   queue orders : kafka { partitions = 6, dead_letter = true, replicas = 3 }
    ///   worker mailer { replicas = 6, idempotent = true }
    ///
    ///   orders -> mailer
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// A consumer that also takes direct calls is judged on all its
    /// instances. The fix raises the queue's `partitions` when the consumer
    /// reads one partitioned queue; reading several, it is told how many
    /// partitions it gets.
    ///
    /// ## References
    ///
    /// Consumer groups and partitions: docs/language.md, "Queue partitions".
    pub static IDLE_CONSUMERS = {
        name: "idle-consumers",
        severity: Info,
        category: Async,
        summary: "a work-queue consumer runs more instances than it has partitions to read",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        let consumer = design.component(id);
        let Some(share) = consumer.partition_share else {
            continue;
        };
        let instances = instance_count(consumer, Op::Write, None);
        if instances <= share + 1e-9 {
            continue;
        }
        let queues = cx.graph.work_queues_read(id);
        let Some(&(first, readers)) = queues.first() else {
            continue;
        };
        let idle = instances - share;
        let (source, help) = if queues.len() == 1 {
            let queue = design.component(first);
            let partitions = queue.partitions.unwrap_or(0);
            let source = if readers == 1 {
                format!("{} has {partitions} partitions", queue.id)
            } else {
                format!(
                    "it gets {} of the {partitions} partitions of {}",
                    crate::format::plain(share),
                    queue.id
                )
            };
            (source, None)
        } else {
            (
                format!(
                    "it gets {} partitions of the queues it reads",
                    crate::format::plain(share)
                ),
                Some(format!(
                    "raise the partitions of the queues {} reads, or set replicas = {} on it",
                    consumer.id,
                    share.floor().max(1.0)
                )),
            )
        };
        let verb = if (idle - 1.0).abs() < 1e-9 { "sits" } else { "sit" };
        let message = format!(
            "{} runs {} instances but {source}: {} {verb} idle",
            consumer.id,
            crate::format::plain(instances),
            crate::format::plain(idle)
        );
        let mut finding =
            Finding::component(design, id, message).label(format!("{} instances", crate::format::plain(instances)));
        match help {
            Some(help) => finding = finding.help(help),
            None => {
                let queue = design.component(first);
                // The partitions that give every consumer of the queue as
                // many as this one has instances.
                let needed = (instances * readers as f64).ceil().to_string();
                finding = finding
                    .help(format!(
                        "set partitions = {needed} on {}, or run fewer instances of {}",
                        queue.id, consumer.id
                    ))
                    .fix_set(design, Target::Component(first), "partitions", needed);
                if let Some(span) = queue.property_span("partitions") {
                    finding = finding.secondary(span, format!("{} partitions", queue.partitions.unwrap_or(0)));
                }
            }
        }
        out.push(finding);
    }
}
