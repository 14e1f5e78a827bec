//! Asynchronous work (section 6 of the full reference): queues, their delivery, pattern, dead letters,
//! consumers and backlog, and fire-and-forget calls.

use super::*;

impl<'a> Builder<'a> {
    pub(super) fn async_work(&mut self) -> Vec<Block> {
        let design = self.design;
        let queues = self.ids_of(|component| component.kind == Kind::Queue);
        let fire_and_forget: Vec<_> = design
            .link_ids()
            .filter(|link| {
                let link = design.link(*link);
                link.mode.is_async()
                    && self.component(link.to).kind != Kind::Queue
                    && self.component(link.from).kind != Kind::Queue
            })
            .collect();
        let mut blocks = Vec::new();
        if queues.is_empty() && fire_and_forget.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "The design has no asynchronous work: every hop is synchronous, so every caller waits for the whole chain.",
            )));
            self.push_trade_off(
                &mut blocks,
                DesignChoice::SyncCall,
                Text::new().rich("every link of the design is synchronous"),
            );
            return blocks;
        }
        blocks.push(Block::Paragraph(Text::new().rich(&format!(
            "Work nobody waits for leaves the request path: {} and {}.",
            count(queues.len(), "queue"),
            count(fire_and_forget.len(), "fire-and-forget call")
        ))));
        self.push_trade_off(
            &mut blocks,
            DesignChoice::AsyncCall,
            Text::new().rich("the design hands work to queues"),
        );
        for id in queues.iter().copied() {
            let component = self.component(id);
            let name = component.id.clone();
            blocks.push(heading(
                format!("{} — queue", component.id),
                format!("queue-{}", component.id),
            ));
            let producers = self.callers(id);
            let consumers = self.callees(id);
            let consumer_text: Vec<String> = consumers
                .iter()
                .map(|consumer| {
                    let c = self.component(*consumer);
                    match c.idempotent {
                        Some(true) => format!("{} (idempotent)", c.id),
                        _ if c.kind == Kind::Queue => format!("{} (a queue)", c.id),
                        _ => format!("{} (not declared idempotent)", c.id),
                    }
                })
                .collect();
            let mut facts = vec![
                Text::new().strong("delivery: ").rich(&component.delivery().to_string()),
                Text::new()
                    .strong("pattern: ")
                    .rich(&component.queue_pattern.to_string()),
                Text::new()
                    .strong("dead letters: ")
                    .rich(&dead_letter_text(design, &component.dead_letter)),
                Text::new().strong("producers: ").rich(&if producers.is_empty() {
                    "none".to_string()
                } else {
                    names(design, &producers)
                }),
                Text::new().strong("consumers: ").rich(&if consumers.is_empty() {
                    "none".to_string()
                } else {
                    join_all(&consumer_text)
                }),
            ];
            if let Some(queue) = self.baseline.capacity.queues.iter().find(|queue| queue.queue == id) {
                facts.push(Text::new().strong("backlog: ").rich(&format!(
                    "in {}, out {}, {}",
                    rate(queue.in_rps),
                    rate(queue.out_rps),
                    if queue.growth_per_hour > 0.0 {
                        format!("grows by {} messages an hour", grouped(queue.growth_per_hour))
                    } else {
                        "keeps up (no growth)".to_string()
                    }
                )));
            }
            blocks.push(Block::Bullets(facts));
            let delivery = component.delivery();
            self.push_trade_off(
                &mut blocks,
                DesignChoice::Delivery(delivery),
                Text::new().code(name.clone()).rich(&format!(" delivers {delivery}")),
            );
            let pattern = component.queue_pattern;
            self.push_trade_off(
                &mut blocks,
                DesignChoice::QueuePattern(pattern),
                Text::new().code(name.clone()).rich(&format!(" is a {pattern}")),
            );
            let context = match component.dead_letter {
                DeadLetter::None => Text::new()
                    .code(name.clone())
                    .rich(" has no dead-letter queue; what one would give"),
                _ => Text::new()
                    .code(name.clone())
                    .rich(" sets aside poison messages in a dead-letter queue"),
            };
            self.push_trade_off(&mut blocks, DesignChoice::DeadLetterQueue, context);
            for consumer in consumers {
                let c = self.component(consumer);
                if c.idempotent == Some(true) {
                    let consumer_name = c.id.clone();
                    self.push_trade_off(
                        &mut blocks,
                        DesignChoice::IdempotentConsumer,
                        Text::new()
                            .code(consumer_name)
                            .rich(" is an idempotent consumer of ")
                            .code(name.clone()),
                    );
                }
            }
        }
        if !fire_and_forget.is_empty() {
            let items = fire_and_forget
                .iter()
                .map(|link| {
                    Text::new().code(design.link_subject(*link)).rich(
                        ": fire-and-forget; the caller does not wait, and nothing holds the work if the target is down",
                    )
                })
                .collect();
            blocks.push(Block::Bullets(items));
        }
        if !self.baseline.capacity.queues.is_empty() {
            let rows = self
                .baseline
                .capacity
                .queues
                .iter()
                .map(|queue| {
                    vec![
                        self.component(queue.queue).id.clone(),
                        rate(queue.in_rps),
                        rate(queue.out_rps),
                        grouped(queue.growth_per_hour),
                    ]
                })
                .collect();
            blocks.push(table(
                &["queue", "in", "out", "growth per hour"],
                &[false, true, true, true],
                rows,
            ));
        }
        blocks
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{FRAGILE, URL_SHORTENER, section};
    use crate::explain::SectionKind;

    #[test]
    fn each_queue_with_its_consumers_or_the_sync_trade_off() {
        let text = section(URL_SHORTENER, SectionKind::AsyncWork);
        assert!(text.contains("clicks — queue"), "{text}");
        assert!(text.contains("consumers: click_counter"), "{text}");
        let none = section(FRAGILE, SectionKind::AsyncWork);
        assert!(none.contains("no asynchronous work"), "{none}");
    }
}
