//! The `missing-dead-letter-queue` rule: a queue that redelivers messages has no dead-letter queue.

use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::model::{DeadLetter, Delivery, Kind};

declare_rule! {
    /// ## What it checks
    ///
    /// A queue with `delivery = at_least_once` or `exactly_once` and no
    /// `dead_letter`. A queue that is itself another queue's dead-letter
    /// queue is not judged.
    ///
    /// ## Why it matters
    ///
    /// A queue that redelivers until a message is processed loops forever on
    /// a poison message: it blocks or slows its consumers and hides the
    /// failure. A dead-letter queue takes such messages aside for a human
    /// to look at.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   queue orders : rabbitmq { delivery = at_least_once, replicas = 3 }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   queue orders : rabbitmq { delivery = at_least_once, replicas = 3, dead_letter = true }
    /// }
    /// ```
    ///
    /// ## References
    ///
    /// Poison messages and dead-letter queues; [AWS-REL05-04].
    pub static MISSING_DEAD_LETTER_QUEUE = {
        name: "missing-dead-letter-queue",
        severity: Warning,
        category: Async,
        summary: "a queue that redelivers messages has no dead-letter queue",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    let mut is_dead_letter = vec![false; design.components.len()];
    for component in &design.components {
        if let DeadLetter::Queue(other) = component.dead_letter
            && let Some(slot) = is_dead_letter.get_mut(other.index())
        {
            *slot = true;
        }
    }
    for id in design.component_ids() {
        if cx.graph.kind(id) != Kind::Queue {
            continue;
        }
        let queue = design.component(id);
        if queue.kind != Kind::Queue
            || queue.dead_letter != DeadLetter::None
            || is_dead_letter.get(id.index()).copied().unwrap_or(false)
        {
            continue;
        }
        let delivery = queue.delivery();
        if delivery == Delivery::AtMostOnce {
            continue;
        }
        out.push(
            Finding::component(
                design,
                id,
                format!(
                    "{} redelivers failed messages ({delivery}) but has no dead-letter queue",
                    queue.id
                ),
            )
            .label("no dead_letter")
            .help(format!("set dead_letter = true on {}", queue.id))
            .fix_set(design, Target::Component(id), "dead_letter", "true"),
        );
    }
}
