//! Components and why they are there (section 3 of the full reference): each component's role, declared
//! choices and figures (with where each default comes from), its
//! technology's notes and the trade-offs of its own choices.

use super::*;

impl<'a> Builder<'a> {
    pub(super) fn components(&mut self) -> Vec<Block> {
        let mut blocks = vec![Block::Paragraph(Text::new().rich(
            "Each component, what it does in this design, and the choices and figures it declares (with where each default comes from).",
        ))];
        for id in self.design.component_ids() {
            let component = self.component(id);
            let mut title = format!("{} — {}", component.id, component.kind);
            if let Some((technology, _)) = &component.technology_name {
                title.push_str(&format!(" · {technology}"));
            }
            blocks.push(heading(title, format!("component-{}", component.id)));
            blocks.push(Block::Paragraph(self.role(id)));
            blocks.push(Block::Bullets(self.figures(id)));
            blocks.extend(self.technology_notes(id));
            self.component_trade_offs(id, &mut blocks);
        }
        blocks
    }

    /// What the knowledge base says of the component's technology, with
    /// its sources as public titles and addresses, never as keys.
    pub(super) fn technology_notes(&self, id: ComponentId) -> Option<Block> {
        let technology = self.component(id).technology?;
        let (notes, citations) = technology_notes_cited(technology);
        let mut text = Text::new().rich(&format!("About {}: {notes}", technology.name));
        if !citations.is_empty() {
            text = text.rich(" (").sources(&citations).rich(")");
        }
        Some(Block::Paragraph(text))
    }

    /// What the component is there for, from its kind and its links.
    pub(super) fn role(&self, id: ComponentId) -> Text {
        let design = self.design;
        let component = self.component(id);
        let callers = self.callers(id);
        let callees = self.callees(id);
        let or_nothing = |ids: &[ComponentId], none: &str| {
            if ids.is_empty() {
                none.to_string()
            } else {
                names(design, ids)
            }
        };
        let from = or_nothing(&callers, "nothing");
        // "lb reaches", "edge and creators reach".
        let verb = |singular: &str, plural: &str| {
            if callers.len() == 1 {
                singular.to_string()
            } else {
                plural.to_string()
            }
        };
        let to = or_nothing(&callees, "nothing");
        let mut text = match component.kind {
            Kind::Client => match component.rps {
                Some(rps) => format!("Where requests start: it offers {} and calls {to}.", rate(rps)),
                None => format!("Where requests start (it declares no rps); it calls {to}."),
            },
            Kind::Dns => format!("Resolves names and routes clients to {to}."),
            Kind::Cdn => {
                let at = if callers.is_empty() {
                    "at the edge".to_string()
                } else {
                    format!("at the edge, close to {from}")
                };
                if callees.is_empty() {
                    format!("Answers cacheable requests {at}; no origin is linked behind it, so a miss ends here.")
                } else {
                    format!("Answers cacheable requests {at}; a miss goes on to {to}.")
                }
            }
            Kind::LoadBalancer => format!("Spreads the requests of {from} over the instances of {to}."),
            Kind::Gateway => format!(
                "The front door of the API: {from} {} {to} through it; it routes, authenticates and rate-limits.",
                verb("reaches", "reach")
            ),
            Kind::Service => format!("Application logic: it serves {from} and calls {to}."),
            Kind::Worker => {
                let queues: Vec<ComponentId> = callers
                    .iter()
                    .copied()
                    .filter(|c| self.component(*c).kind == Kind::Queue)
                    .collect();
                if queues.is_empty() {
                    format!("Background work that starts on its own (a batch job); it calls {to}.")
                } else {
                    format!(
                        "Background work: it takes messages from {} at its own pace and calls {to}.",
                        names(design, &queues)
                    )
                }
            }
            Kind::Cache if callees.is_empty() => format!(
                "Keeps hot data in memory for {from}: a hit is answered here; nothing is linked behind it, so a miss ends here too."
            ),
            Kind::Cache => format!("Keeps hot data in memory for {from}, in front of {to}: a hit is answered here."),
            Kind::Database => format!(
                "A system of record that {from} {}.",
                verb("reads or writes", "read or write")
            ),
            Kind::Queue => format!(
                "Decouples {from} from {to}: producers wait only for the enqueue, consumers take messages at their own pace."
            ),
            Kind::ObjectStore => format!("Blob storage for {from}."),
            Kind::Search => format!("A search index that {from} {}.", verb("queries", "query")),
            Kind::External => format!("A third-party API outside the system, called by {from}."),
        };
        let mut out = Text::new().rich(&text);
        text.clear();
        if let Some(description) = &component.description {
            // The user's words: plain text, whatever backticks it has.
            out = out.plain(format!(" The design says: \"{description}\"."));
        }
        let sync = self.graph.flows_through(id).to_vec();
        let background = self.background_flows(id);
        match (sync.is_empty(), background.is_empty()) {
            (true, true) if component.kind != Kind::Client => text.push_str(" No flow uses it."),
            (true, true) => {}
            _ => {
                if !sync.is_empty() && component.kind == Kind::Client {
                    text.push_str(&format!(
                        " It starts {} {}.",
                        if sync.len() == 1 { "flow" } else { "flows" },
                        flow_names(design, &sync)
                    ));
                } else if !sync.is_empty() {
                    text.push_str(&format!(
                        " {} {} {} for it.",
                        if sync.len() == 1 { "Flow" } else { "Flows" },
                        flow_names(design, &sync),
                        if sync.len() == 1 { "waits" } else { "wait" }
                    ));
                }
                if !background.is_empty() {
                    text.push_str(&format!(
                        " It does background work for {}.",
                        flow_names(design, &background)
                    ));
                }
            }
        }
        out.rich(&text)
    }

    /// The component's declared choices and figures.
    pub(super) fn figures(&self, id: ComponentId) -> Vec<Text> {
        let component = self.component(id);
        let base = KnowledgeBase::get();
        let mut items = Vec::new();
        let item = |label: &str, value: String| Text::new().strong(format!("{label}: ")).rich(&value);
        if let Some((written, _)) = &component.technology_name {
            items.push(match component.technology {
                Some(technology) => item(
                    "technology",
                    format!("{} (knowledge base entry `{}`)", technology.name, technology.id),
                ),
                None => item(
                    "technology",
                    format!(
                        "{written}, not in the knowledge base: the defaults of a {} apply",
                        component.kind
                    ),
                ),
            });
        }
        if component.kind == Kind::Client {
            items.push(item(
                "rps",
                component.rps.map_or_else(|| "not declared".to_string(), rate),
            ));
            return items;
        }
        if component.kind == Kind::Database && component.is_managed() && component.replication == Replication::None {
            // Never "1 node": its provider replicates it (language.md §8).
            let technology = component
                .technology
                .map_or("its provider", |technology| technology.name.as_str());
            items.push(item("replication", format!("managed: {technology} replicates it")));
        } else if component.kind == Kind::Database {
            items.push(item(
                "replication",
                format!(
                    "{} ({})",
                    replication_text(&component.replication),
                    count(component.replication.nodes() as usize, "node")
                ),
            ));
        } else {
            let declared = if component.replicas_declared {
                "declared"
            } else if component.kind.redundant_by_default() || component.is_managed() {
                "not declared: counts as redundant by default"
            } else {
                "default"
            };
            items.push(item("replicas", format!("{} ({declared})", component.replicas)));
        }
        items.push(item(
            "latency",
            format!(
                "p50 {}, p99 {} ({})",
                ms(component.latency.p50_ms),
                ms(component.latency.p99_ms),
                component.latency.origin.describe()
            ),
        ));
        let read = node_factor(self.design, id, Op::Read, None);
        let write = node_factor(self.design, id, Op::Write, None);
        let availability = if !read.counted {
            format!(
                "{} per instance ({}); not counted in flow availability: {}",
                percent(component.availability),
                component.availability_origin.describe(),
                read.reason
            )
        } else if component.kind == Kind::Database && read.value != write.value {
            format!(
                "{} per node ({}); reads {} ({}), writes {} ({})",
                percent(component.availability),
                component.availability_origin.describe(),
                percent(read.value),
                read.reason,
                percent(write.value),
                write.reason
            )
        } else {
            format!(
                "{} per instance ({}); {} as a whole ({})",
                percent(component.availability),
                component.availability_origin.describe(),
                percent(read.value),
                read.reason
            )
        };
        items.push(item("availability", availability));
        let load = self.load(id);
        let load_text = match load {
            Some(load) => {
                let mut text = format!("{} at the estimated peak", rate(load.load_rps));
                if let Some(capacity) = component.capacity {
                    text.push_str(&format!(", capacity {} per instance", rate(capacity)));
                }
                if let Some(rho) = load.utilization {
                    text.push_str(&format!(", utilization {}", utilization(rho)));
                }
                if component.capacity.is_none() {
                    text.push_str(" (no `capacity` declared, so no utilization)");
                }
                text
            }
            None => "none".to_string(),
        };
        items.push(item("load", load_text));
        match component.kind {
            Kind::LoadBalancer | Kind::Gateway => {
                if let Some(algorithm) = component
                    .algorithm
                    .or((component.kind == Kind::LoadBalancer).then_some(crate::model::Algorithm::RoundRobin))
                {
                    let source = if component.algorithm.is_some() {
                        "declared"
                    } else {
                        "default"
                    };
                    items.push(item("algorithm", format!("{algorithm} ({source})")));
                }
                if let Some(layer) = component.layer {
                    items.push(item("layer", format!("{layer}")));
                }
                if let Some(mode) = component.ha_mode {
                    items.push(item("mode", mode.to_string()));
                }
                if let Some(auth) = component.auth {
                    items.push(item("auth", auth.to_string()));
                }
            }
            Kind::Cache | Kind::Cdn => {
                if component.kind == Kind::Cache {
                    let source = if component.property_span("pattern").is_some() {
                        "declared"
                    } else {
                        "default"
                    };
                    items.push(item("pattern", format!("{} ({source})", component.cache_pattern)));
                }
                let hit_source = if component.hit_ratio_declared.is_some() {
                    "declared".to_string()
                } else {
                    format!("hld's default for a {}", component.kind)
                };
                items.push(item(
                    "hit ratio",
                    format!("{} ({hit_source})", plain_fraction(component.hit_ratio())),
                ));
                items.push(item(
                    "TTL",
                    match (component.ttl_ms, component.effective_ttl_ms()) {
                        (Some(ttl), _) => format!("{} (declared)", spoken_duration(ttl)),
                        (None, Some(ttl)) => format!("{} (its technology's default)", spoken_duration(ttl)),
                        (None, None) => "none".to_string(),
                    },
                ));
                if let Some(eviction) = component.eviction {
                    items.push(item("eviction", eviction.to_string()));
                }
                let invalidation = if component.kind == Kind::Cache {
                    let source = if component.cache_invalidation.is_some() {
                        "declared"
                    } else {
                        "default"
                    };
                    format!("{} ({source})", component.cache_invalidation())
                } else {
                    component
                        .cdn_invalidation
                        .map_or_else(|| "none".to_string(), |value| format!("{value} (declared)"))
                };
                items.push(item("invalidation", invalidation));
            }
            Kind::Database | Kind::Search | Kind::ObjectStore => {
                let consistency_source = if component.consistency_declared.is_some() {
                    "declared"
                } else if component.technology.and_then(|t| t.consistency).is_some() {
                    "its technology's default"
                } else {
                    "default"
                };
                items.push(item(
                    "consistency",
                    format!("{} ({consistency_source})", component.consistency()),
                ));
                if component.kind == Kind::Database {
                    items.push(item(
                        "CAP",
                        component
                            .cap()
                            .map_or_else(|| "not classified".to_string(), |cap| cap.to_string()),
                    ));
                    if let Some(pacelc) = component.technology.and_then(|t| t.pacelc.as_deref()) {
                        items.push(item("PACELC", format!("{pacelc} (knowledge base)")));
                    }
                }
                if let Some(model) = component
                    .data_model
                    .or_else(|| component.technology.and_then(|t| t.data_model))
                {
                    items.push(item("data model", model.to_string()));
                }
                if let Some(shard) = &component.shard {
                    items.push(item(
                        "sharding",
                        format!("{} on {} into {} shards", shard.strategy, shard.key, shard.count),
                    ));
                }
                if let Some(size) = component.size_bytes {
                    items.push(item("size", crate::format::size(size, crate::units::SIZE_UNITS)));
                }
            }
            Kind::Queue => {
                let source = if component.delivery_declared.is_some() {
                    "declared"
                } else if component.technology.and_then(|t| t.delivery).is_some() {
                    "its technology's default"
                } else {
                    "default"
                };
                items.push(item("delivery", format!("{} ({source})", component.delivery())));
                items.push(item("pattern", component.queue_pattern.to_string()));
                items.push(item(
                    "dead letters",
                    dead_letter_text(self.design, &component.dead_letter),
                ));
            }
            Kind::Service | Kind::Worker => {
                items.push(item(
                    "idempotent",
                    match component.idempotent {
                        Some(true) => "yes (declared)".to_string(),
                        Some(false) => "no (declared)".to_string(),
                        None => "not declared".to_string(),
                    },
                ));
                items.push(item(
                    "stateless",
                    if component.stateless { "yes" } else { "no" }.to_string(),
                ));
            }
            Kind::Client | Kind::Dns | Kind::External => {}
        }
        if let Some(limit) = &component.rate_limit {
            let shape = match (limit.window_ms, limit.refill_per_s) {
                (Some(window), _) => format!("limit {} per {}", plain(limit.limit), spoken_duration(window)),
                (None, Some(refill)) => format!("capacity {}, refill {}", plain(limit.limit), rate(refill)),
                (None, None) => format!("limit {}", plain(limit.limit)),
            };
            items.push(item(
                "rate limit",
                format!("{} ({shape}, per {})", limit.algorithm, limit.per),
            ));
        }
        if let Some(region) = component.region {
            items.push(item("region", self.design.region(region).id.clone()));
        }
        let _ = base;
        items
    }

    pub(super) fn component_trade_offs(&mut self, id: ComponentId, blocks: &mut Vec<Block>) {
        let component = self.component(id);
        let name = component.id.clone();
        let says = |what: String| Text::new().code(name.clone()).rich(&format!(" {what}"));
        if component.kind == Kind::LoadBalancer {
            let algorithm = component.algorithm.unwrap_or(crate::model::Algorithm::RoundRobin);
            self.push_trade_off(
                blocks,
                DesignChoice::Algorithm(algorithm),
                says(format!("spreads requests with {algorithm}")),
            );
            if let Some(layer) = component.layer {
                self.push_trade_off(
                    blocks,
                    DesignChoice::Layer(layer),
                    says(format!("works at layer {layer}")),
                );
            }
        }
        if matches!(component.kind, Kind::LoadBalancer | Kind::Gateway) && component.replicas > 1 {
            let mode = component.ha_mode.unwrap_or(crate::model::HaMode::ActiveActive);
            self.push_trade_off(
                blocks,
                DesignChoice::HaMode(mode),
                says(format!("runs its {} instances {mode}", component.replicas)),
            );
        }
        if let Some(limit) = &component.rate_limit {
            let (algorithm, per) = (limit.algorithm, limit.per);
            self.push_trade_off(
                blocks,
                DesignChoice::RateLimit(algorithm),
                says(format!("rate-limits with {algorithm}")),
            );
            self.push_trade_off(
                blocks,
                DesignChoice::RateLimitScope(per),
                says(format!("counts requests per {per}")),
            );
        }
        if let Some(auth) = component.auth {
            self.push_trade_off(
                blocks,
                DesignChoice::Auth(auth),
                says(format!("authenticates with {auth}")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{URL_SHORTENER, section};
    use crate::explain::SectionKind;

    #[test]
    fn each_component_has_its_role_and_figures() {
        let text = section(URL_SHORTENER, SectionKind::Components);
        assert!(text.contains("url_cache — cache · redis"), "{text}");
        assert!(text.contains("Keeps hot data in memory for shortener"), "{text}");
        assert!(text.contains("hit ratio: 0.95 (declared)"), "{text}");
        assert!(text.contains("rate limit: token_bucket"), "{text}");
    }
}
