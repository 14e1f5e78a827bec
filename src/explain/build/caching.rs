//! Caching strategy (section 5 of the full reference): every cache and cdn with its choices and trade-offs,
//! then the latency of every flow and where its requests stop.

use super::*;

impl<'a> Builder<'a> {
    pub(super) fn caching(&mut self) -> Vec<Block> {
        let design = self.design;
        let caches = self.ids_of(|component| component.kind.is_cache_like());
        let mut blocks = Vec::new();
        if caches.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "The design has no cache and no cdn: every request goes all the way to where its answer lives.",
            )));
        } else {
            blocks.push(Block::Paragraph(Text::new().rich(&format!(
                "{} {} requests before they reach the origin: {}.",
                count(caches.len(), "cache"),
                if caches.len() == 1 { "answers" } else { "answer" },
                names(design, &caches)
            ))));
        }
        for id in caches {
            let component = self.component(id);
            let name = component.id.clone();
            blocks.push(heading(
                format!("{} — {}", component.id, component.kind),
                format!("cache-{}", component.id),
            ));
            let mut facts = Vec::new();
            if component.kind == Kind::Cache {
                facts.push(
                    Text::new()
                        .strong("pattern: ")
                        .rich(&component.cache_pattern.to_string()),
                );
            }
            facts.push(Text::new().strong("hit ratio: ").rich(&format!(
                "{}{}",
                plain_fraction(component.hit_ratio()),
                if component.hit_ratio_declared.is_some() {
                    " (declared)"
                } else {
                    " (hld's default)"
                }
            )));
            facts.push(
                Text::new().strong("TTL: ").rich(
                    &component
                        .effective_ttl_ms()
                        .map_or_else(|| "none".to_string(), spoken_duration),
                ),
            );
            facts.push(
                Text::new().strong("eviction: ").rich(
                    &component
                        .eviction
                        .map_or_else(|| "not declared".to_string(), |e| e.to_string()),
                ),
            );
            facts.push(
                Text::new()
                    .strong("invalidation: ")
                    .rich(&if component.kind == Kind::Cache {
                        component.cache_invalidation().to_string()
                    } else {
                        component
                            .cdn_invalidation
                            .map_or_else(|| "none".to_string(), |i| i.to_string())
                    }),
            );
            let callees = self.callees(id);
            if !callees.is_empty() {
                facts.push(Text::new().strong("in front of: ").rich(&names(design, &callees)));
            }
            blocks.push(Block::Bullets(facts));
            if component.kind == Kind::Cache {
                let pattern = component.cache_pattern;
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::CachePattern(pattern),
                    Text::new().code(name.clone()).rich(&format!(" is filled {pattern}")),
                );
                if let Some(eviction) = component.eviction {
                    self.push_trade_off(
                        &mut blocks,
                        DesignChoice::Eviction(eviction),
                        Text::new().code(name.clone()).rich(&format!(" evicts {eviction}")),
                    );
                }
                let invalidation = component.cache_invalidation();
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::CacheInvalidation(invalidation),
                    Text::new()
                        .code(name.clone())
                        .rich(&format!(" invalidates by {invalidation}")),
                );
            } else {
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::Cdn,
                    Text::new().code(name.clone()).rich(" is a cdn"),
                );
                if let Some(eviction) = component.eviction {
                    self.push_trade_off(
                        &mut blocks,
                        DesignChoice::Eviction(eviction),
                        Text::new().code(name.clone()).rich(&format!(" evicts {eviction}")),
                    );
                }
                if let Some(invalidation) = component.cdn_invalidation {
                    self.push_trade_off(
                        &mut blocks,
                        DesignChoice::CdnInvalidation(invalidation),
                        Text::new()
                            .code(name.clone())
                            .rich(&format!(" invalidates by {invalidation}")),
                    );
                }
            }
        }
        if design.flows.is_empty() {
            return blocks;
        }
        blocks.push(heading("Latency per flow", "latency-per-flow"));
        blocks.push(Block::Paragraph(Text::new().rich(
            "From `hld estimate`: each flow's latency over its synchronous part, with the caches' hits and misses mixed in.",
        )));
        let rows = self
            .baseline
            .flows
            .iter()
            .map(|estimate| {
                vec![
                    design.flow(estimate.flow).id.clone(),
                    rate(estimate.rps),
                    ms(estimate.latency.mean_ms),
                    ms(estimate.latency.p50_ms),
                    ms(estimate.latency.p95_ms),
                    ms(estimate.latency.p99_ms),
                    percent(estimate.availability),
                ]
            })
            .collect();
        blocks.push(table(
            &["flow", "rps", "mean", "p50", "p95", "p99", "availability"],
            &[false, true, true, true, true, true, true],
            rows,
        ));
        let mut rows = Vec::new();
        for estimate in &self.baseline.flows {
            for outcome in &estimate.outcomes {
                let component = self.component(outcome.stops_at);
                rows.push(vec![
                    design.flow(estimate.flow).id.clone(),
                    component.id.clone(),
                    if outcome.hit {
                        format!("{} hit", component.kind)
                    } else {
                        "end of path".to_string()
                    },
                    plain_fraction(outcome.probability),
                    ms(outcome.mean_ms),
                ]);
            }
        }
        blocks.push(Block::Paragraph(
            Text::new().rich("Where the requests of each flow stop:"),
        ));
        blocks.push(table(
            &["flow", "stops at", "why", "probability", "mean latency"],
            &[false, false, false, true, true],
            rows,
        ));
        blocks
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{FRAGILE, URL_SHORTENER, section};
    use crate::explain::SectionKind;

    #[test]
    fn each_cache_and_the_latency_of_every_flow() {
        let text = section(URL_SHORTENER, SectionKind::Caching);
        assert!(text.contains("url_cache — cache"), "{text}");
        assert!(text.contains("Latency per flow"), "{text}");
        assert!(text.contains("cache hit"), "{text}");
        let none = section(FRAGILE, SectionKind::Caching);
        assert!(none.contains("no cache and no cdn"), "{none}");
    }
}
