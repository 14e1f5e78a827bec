//! Scaling (section 7 of the full reference): instances, capacity, load and utilization of every component;
//! replication, sharding and fan-out of the databases; multi-region.

use super::*;

impl<'a> Builder<'a> {
    pub(super) fn scaling(&mut self) -> Vec<Block> {
        let design = self.design;
        let mut blocks = vec![Block::Paragraph(Text::new().rich(
            "How each component scales out, and how loaded it is at the estimated peak (the capacity model of docs/estimate.md).",
        ))];
        let rows = design
            .component_ids()
            .filter(|id| self.component(*id).kind != Kind::Client)
            .map(|id| {
                let component = self.component(id);
                let instances = if component.kind == Kind::Database {
                    format!("{} ({})", component.replication.nodes(), component.replication.name())
                } else {
                    component.replicas.to_string()
                };
                let load = self.load(id);
                vec![
                    component.id.clone(),
                    component.kind.to_string(),
                    instances,
                    component.capacity.map_or_else(|| "-".to_string(), rate),
                    load.map_or_else(|| "-".to_string(), |load| rate(load.load_rps)),
                    load.and_then(|load| load.utilization)
                        .map_or_else(|| "-".to_string(), utilization),
                ]
            })
            .collect();
        blocks.push(table(
            &["component", "kind", "instances", "capacity each", "load", "utilization"],
            &[false, false, true, true, true, true],
            rows,
        ));
        let single = self.ids_of(|c| c.kind != Kind::Client && c.kind != Kind::Database && !c.is_redundant());
        let replicated = self.ids_of(|c| c.kind != Kind::Client && c.kind != Kind::Database && c.replicas > 1);
        if !replicated.is_empty() {
            let verb = if replicated.len() == 1 { "runs" } else { "run" };
            let text = Text::new().rich(&format!("{} {verb} several instances", names(design, &replicated)));
            self.push_trade_off(&mut blocks, DesignChoice::ReplicatedInstances, text);
        }
        if !single.is_empty() {
            let verb = if single.len() == 1 { "runs" } else { "run" };
            let text = Text::new().rich(&format!("{} {verb} one instance", names(design, &single)));
            self.push_trade_off(&mut blocks, DesignChoice::SingleInstance, text);
        }
        for id in self.ids_of(|c| c.kind == Kind::Database || (c.kind == Kind::Search && c.shard.is_some())) {
            let component = self.component(id);
            let name = component.id.clone();
            blocks.push(heading(
                format!("{} — replication and sharding", component.id),
                format!("scaling-{}", component.id),
            ));
            let says = |what: String| Text::new().code(name.clone()).rich(&format!(" {what}"));
            if component.kind == Kind::Database {
                let replication = component.replication.clone();
                match replication {
                    // Its provider replicates it (language.md §8): not
                    // "one copy".
                    Replication::None if component.is_managed() => {
                        let technology = component
                            .technology
                            .map_or("its provider", |technology| technology.name.as_str());
                        blocks.push(Block::Paragraph(says(format!(
                            "is managed: {technology} replicates it, and its availability is the provider's ({})",
                            crate::format::percent(component.availability)
                        ))));
                    }
                    Replication::None => {
                        self.push_trade_off(
                            &mut blocks,
                            DesignChoice::ReplicationNone,
                            says("keeps one copy".to_string()),
                        );
                    }
                    Replication::PrimaryReplica {
                        replicas,
                        mode,
                        failover,
                    } => {
                        self.push_trade_off(
                            &mut blocks,
                            DesignChoice::PrimaryReplica(mode),
                            says(format!(
                                "has a primary and {} replicated {mode}",
                                count(replicas as usize, "replica")
                            )),
                        );
                        self.push_trade_off(
                            &mut blocks,
                            DesignChoice::Failover(failover),
                            says(format!("fails over: {failover}")),
                        );
                    }
                    Replication::MultiPrimary { primaries, conflict } => match conflict {
                        Some(conflict) => self.push_trade_off(
                            &mut blocks,
                            DesignChoice::MultiPrimary(conflict),
                            says(format!(
                                "takes writes on {primaries} primaries and resolves conflicts by {conflict}"
                            )),
                        ),
                        None => blocks.push(Block::Paragraph(says(format!(
                            "takes writes on {primaries} primaries with no conflict strategy (see Risks)"
                        )))),
                    },
                    Replication::Quorum { n, r, w } => {
                        let strong = u64::from(r) + u64::from(w) > u64::from(n);
                        self.push_trade_off(
                            &mut blocks,
                            DesignChoice::Quorum { strong },
                            says(format!("uses a quorum with n = {n}, r = {r}, w = {w}")),
                        );
                    }
                }
            }
            if let Some(shard) = component.shard.clone() {
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::Shard(shard.strategy),
                    says(format!(
                        "is sharded by {} on {} into {} shards",
                        shard.strategy, shard.key, shard.count
                    )),
                );
            }
            let fanned: Vec<String> = self
                .graph
                .incoming(id)
                .iter()
                .filter(|link| design.link(**link).fanout == crate::model::Fanout::All)
                .map(|link| design.link_subject(*link))
                .collect();
            if !fanned.is_empty() {
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::FanoutAll,
                    Text::new().rich(&format!("{} reach every shard", join_all(&fanned))),
                );
            }
        }
        let regions = self.used_regions().len();
        if regions > 1 {
            self.push_trade_off(
                &mut blocks,
                DesignChoice::MultiRegion,
                Text::new().rich(&format!("the design spans {regions} regions")),
            );
        }
        blocks
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{FRAGILE, URL_SHORTENER, section};
    use crate::explain::SectionKind;

    #[test]
    fn every_component_with_its_instances_and_the_databases_replication() {
        let text = section(URL_SHORTENER, SectionKind::Scaling);
        assert!(text.contains("shortener | service | 16"), "{text}");
        assert!(text.contains("urls — replication and sharding"), "{text}");
        let single = section(FRAGILE, SectionKind::Scaling);
        assert!(single.contains("api runs one instance"), "{single}");
    }
}
