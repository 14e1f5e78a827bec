//! The `queue-backlog-growth` rule: producers send more into a queue than its consumers can take.

use super::overloaded_component::WARN_AT;
use crate::analysis::{Context, Edit, Finding, Fix, Graph, Target};
use crate::estimate::capacity::needed_replicas;
use crate::format::{grouped, rate};
use crate::model::{ComponentId, QueuePattern};

declare_rule! {
    /// ## What it checks
    ///
    /// A queue whose producers send more than its consumers can take under
    /// the capacity model (docs/estimate.md, "Capacity"): the inflow is the
    /// sum of what the flows send into it; a `work_queue` splits it evenly
    /// over its consumers, `pub_sub` gives all of it to each; a consumer
    /// takes at most c·μ (`replicas` × `capacity`). The message gives the
    /// growth per hour.
    ///
    /// ## Why it matters
    ///
    /// A queue absorbs a spike, but a backlog that grows for as long as the
    /// load lasts ends in stale work, messages past their retention and a
    /// long drain: 10,000 orders a minute into a processor that takes 1,000
    /// is 540,000 messages behind after an hour.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system checkout {
    ///   client shoppers { rps = 10000/min }
    ///   service orders { replicas = 3 }
    ///   queue payments_q : rabbitmq { dead_letter = true }
    ///   worker payer { capacity = 1000/min, idempotent = true }
    ///   shoppers -> orders -> payments_q
    ///   payments_q -> payer
    ///   flow place { path = shoppers -> orders -> payments_q -> payer, op = write }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system checkout {
    ///   client shoppers { rps = 10000/min }
    ///   service orders { replicas = 3 }
    ///   queue payments_q : rabbitmq { dead_letter = true }
    ///   worker payer { replicas = 12, capacity = 1000/min, idempotent = true }
    ///   shoppers -> orders -> payments_q
    ///   payments_q -> payer
    ///   flow place { path = shoppers -> orders -> payments_q -> payer, op = write }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// Rates are averages: a queue whose consumers keep up on average can
    /// still build a backlog during a burst.
    ///
    /// ## References
    ///
    /// Overload and backlog growth (docs/estimate.md, "Capacity").
    pub static QUEUE_BACKLOG_GROWTH = {
        name: "queue-backlog-growth",
        severity: Error,
        category: Async,
        summary: "producers send more into a queue than its consumers can take",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for queue in &cx.estimates.capacity().queues {
        // Growth below one message an hour is round-off.
        if queue.growth_per_hour.is_nan() || queue.growth_per_hour < 1.0 {
            continue;
        }
        let component = cx.design.component(queue.queue);
        let consumers: Vec<&str> = queue
            .consumers
            .iter()
            .map(|id| cx.design.component(*id).id.as_str())
            .collect();
        let message = if consumers.is_empty() {
            format!(
                "{} grows by {} messages an hour: producers send {} and no consumer takes them",
                component.id,
                grouped(queue.growth_per_hour),
                rate(queue.in_rps)
            )
        } else {
            format!(
                "{} grows by {} messages an hour: producers send {}, consumers take {}",
                component.id,
                grouped(queue.growth_per_hour),
                rate(queue.in_rps),
                rate(queue.out_rps)
            )
        };
        let mut finding = Finding::component(cx.design, queue.queue, message).label("backlog grows");
        // The consumer that falls furthest behind its share.
        let share = match component.queue_pattern {
            QueuePattern::PubSub => queue.in_rps,
            QueuePattern::WorkQueue => queue.in_rps / queue.consumers.len().max(1) as f64,
        };
        let slowest = queue
            .consumers
            .iter()
            .filter_map(|id| cx.estimates.capacity().component(*id))
            .filter(|load| load.consumed_rps + 1e-9 < share)
            .min_by(|a, b| a.consumed_rps.total_cmp(&b.consumed_rps));
        let help = match slowest {
            Some(load) => {
                let consumer = cx.design.component(load.component);
                finding = finding.note(format!(
                    "{} is offered {} and takes {}",
                    consumer.id,
                    rate(load.offered_rps),
                    rate(load.consumed_rps)
                ));
                match consumer.capacity.filter(|capacity| *capacity > 0.0) {
                    Some(per_instance) => {
                        // All it takes: its share of every queue it
                        // consumes (at least this one's) and its direct
                        // calls, under the 80% that `overloaded-component`
                        // allows when it has direct calls.
                        let total = load.direct_rps + load.offered_rps.max(share);
                        let ceiling = if load.direct_rps > 0.0 { WARN_AT } else { 1.0 };
                        let needed = total / (ceiling * per_instance);
                        // `overloaded-component` fires at 80% and over:
                        // strictly under it.
                        let needed = if load.direct_rps > 0.0 {
                            needed.floor() + 1.0
                        } else {
                            needed
                        };
                        match (
                            needed_replicas(needed, consumer.replicas),
                            partitions_for(cx.graph, load.component, load.offered_rps.max(share) / per_instance),
                        ) {
                            (_, Partitions::Short) => format!(
                                "raise the `partitions` of the queues {} reads, or the `capacity` of {}: its instances past its partitions take nothing",
                                consumer.id, consumer.id
                            ),
                            (Some(count), partitions) => {
                                let mut edits = vec![Edit::set(
                                    cx.design,
                                    Target::Component(load.component),
                                    "replicas",
                                    count.to_string(),
                                )];
                                let mut also = String::new();
                                if let Partitions::Raise { queue, partitions } = partitions {
                                    edits.push(Edit::set(
                                        cx.design,
                                        Target::Component(queue),
                                        "partitions",
                                        partitions.to_string(),
                                    ));
                                    also = format!(
                                        " and `partitions = {partitions}` on {}",
                                        cx.design.component(queue).id
                                    );
                                }
                                finding = finding.fix(Fix::new(edits));
                                if load.direct_rps > 0.0 {
                                    format!(
                                        "set `replicas = {count}` on {}{also} to take {} from queues and {} of direct calls, or raise its `capacity`",
                                        consumer.id,
                                        rate(load.offered_rps.max(share)),
                                        rate(load.direct_rps)
                                    )
                                } else {
                                    format!(
                                        "set `replicas = {count}` on {}{also} to take {}, or raise its `capacity`",
                                        consumer.id,
                                        rate(load.offered_rps.max(share))
                                    )
                                }
                            }
                            (None, _) => format!("raise the `capacity` of {}", consumer.id),
                        }
                    }
                    None => format!("add consumers to {}", component.id),
                }
            }
            None if consumers.is_empty() => {
                format!("link {} to a consumer: `{} -> worker`", component.id, component.id)
            }
            None => format!("add consumers to {}", component.id),
        };
        out.push(finding.help(help));
    }
}

/// What the partitions a consumer reads allow for `needed` instances'
/// worth of what it takes from queues.
enum Partitions {
    /// Enough, or not bounded.
    Enough,
    /// It reads one partitioned work queue: this many partitions give it
    /// `needed` (each consumer of the queue gets an even share).
    Raise { queue: ComponentId, partitions: u64 },
    /// Several queues bound it: no one edit says which to raise.
    Short,
}

fn partitions_for(graph: &Graph<'_>, consumer: ComponentId, needed: f64) -> Partitions {
    let Some(share) = graph.design.component(consumer).partition_share else {
        return Partitions::Enough;
    };
    // Whole instances: each reads whole partitions.
    let replicas = needed.ceil();
    if needed <= share + 1e-9 {
        return Partitions::Enough;
    }
    match graph.work_queues_read(consumer).as_slice() {
        [(queue, readers)] => Partitions::Raise {
            queue: *queue,
            partitions: (replicas * *readers as f64).ceil() as u64,
        },
        _ => Partitions::Short,
    }
}
