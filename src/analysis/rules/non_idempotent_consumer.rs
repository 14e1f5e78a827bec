//! The `non-idempotent-consumer` rule: an at-least-once queue feeds a consumer that is not idempotent.

use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::model::{Delivery, Kind};

declare_rule! {
    /// ## What it checks
    ///
    /// A queue with `delivery = at_least_once` (the default, unless its
    /// technology says otherwise) that feeds a service or worker that is not
    /// `idempotent = true`. The subject is the link `queue -> consumer`.
    ///
    /// ## Why it matters
    ///
    /// At-least-once delivery means duplicates are part of the contract: a
    /// message is redelivered whenever an acknowledgement is lost. A consumer
    /// that charges a card or sends an email twice for one message is a bug
    /// waiting for the first network blip.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   queue orders : kafka { delivery = at_least_once, dead_letter = true, replicas = 3 }
    ///   worker mailer { replicas = 2 }
    ///
    ///   orders -> mailer
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   queue orders : kafka { delivery = at_least_once, dead_letter = true, replicas = 3 }
    ///   worker mailer { replicas = 2, idempotent = true }
    ///
    ///   orders -> mailer
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// Only services and workers can say `idempotent`; a queue feeding a
    /// store or another queue is not judged.
    ///
    /// ## References
    ///
    /// At-least-once delivery and idempotent consumers; [SQS-STD], [MS-IDEMP].
    pub static NON_IDEMPOTENT_CONSUMER = {
        name: "non-idempotent-consumer",
        severity: Warning,
        category: Async,
        summary: "an at-least-once queue feeds a consumer that is not idempotent",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        if cx.graph.kind(id) != Kind::Queue {
            continue;
        }
        let queue = design.component(id);
        if queue.kind != Kind::Queue || queue.delivery() != Delivery::AtLeastOnce {
            continue;
        }
        for link_id in cx.graph.consumers(id) {
            let consumer = design.component(design.link(*link_id).to);
            if !matches!(consumer.kind, Kind::Service | Kind::Worker) || consumer.idempotent == Some(true) {
                continue;
            }
            let mut finding = Finding::link(
                design,
                *link_id,
                format!(
                    "{} delivers at least once to {}, which is not idempotent",
                    queue.id, consumer.id
                ),
            )
            .label("duplicates reach a non-idempotent consumer")
            .help(format!(
                "make {} safe to run twice and set idempotent = true on it",
                consumer.id
            ))
            .fix_set(
                design,
                Target::Component(design.link(*link_id).to),
                "idempotent",
                "true",
            );
            if let Some(span) = consumer.property_span("idempotent") {
                finding = finding.secondary(span, "idempotent = false");
            }
            out.push(finding);
        }
    }
}
