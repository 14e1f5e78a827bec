//! Data stores and consistency (section 4 of the full reference): per store its consistency, CAP, PACELC and
//! replication, and what each flow hop into it gets.

use super::*;

impl<'a> Builder<'a> {
    pub(super) fn data_stores(&mut self) -> Vec<Block> {
        let design = self.design;
        let stores = self.ids_of(|component| component.kind.is_store());
        let mut blocks = Vec::new();
        if stores.is_empty() {
            blocks.push(Block::Paragraph(Text::new().rich(
                "The design has no database, search index or object store: it keeps no data of its own.",
            )));
            return blocks;
        }
        blocks.push(Block::Paragraph(Text::new().rich(&format!(
            "{} {} the data: {}. For each, its consistency, CAP and PACELC class, and what each flow that reaches it gets (docs/language.md, \"Consistency\").",
            count(stores.len(), "store"),
            if stores.len() == 1 { "holds" } else { "hold" },
            names(design, &stores)
        ))));
        for id in stores {
            let component = self.component(id);
            let name = component.id.clone();
            blocks.push(heading(
                format!("{} — {}", component.id, component.kind),
                format!("store-{}", component.id),
            ));
            let mut facts = vec![Text::new().strong("consistency: ").rich(&format!(
                "{} for a read on one node{}",
                component.consistency(),
                if component.consistency_declared.is_some() {
                    " (declared)"
                } else {
                    ""
                }
            ))];
            if component.kind == Kind::Database {
                facts.push(Text::new().strong("CAP: ").rich(&match component.cap() {
                    Some(crate::model::Cap::Cp) => {
                        "CP: under a partition it refuses requests rather than answer inconsistently".to_string()
                    }
                    Some(crate::model::Cap::Ap) => {
                        "AP: under a partition both sides keep answering and may diverge".to_string()
                    }
                    None => "not classified (no `cap` and its technology sets none)".to_string(),
                }));
                facts.push(Text::new().strong("PACELC: ").rich(
                    &match component.technology.and_then(|t| t.pacelc.as_deref()) {
                        Some(pacelc) => format!("{pacelc} (knowledge base)"),
                        None => "not in the knowledge base".to_string(),
                    },
                ));
                let replication = match component.technology {
                    Some(technology) if component.is_managed() && component.replication == Replication::None => {
                        format!("managed: {} replicates it", technology.name)
                    }
                    _ => replication_text(&component.replication),
                };
                facts.push(Text::new().strong("replication: ").rich(&replication));
            }
            blocks.push(Block::Bullets(facts));
            let rows = self.consistency_rows(id);
            if rows.is_empty() {
                blocks.push(Block::Paragraph(Text::new().rich("No flow and no link reaches it.")));
            } else {
                blocks.push(Block::Paragraph(
                    Text::new()
                        .rich("What each request that reaches ")
                        .code(name.clone())
                        .rich(" gets:"),
                ));
                blocks.push(table(
                    &["flow or link", "hop", "op", "gets", "because", "requires", "verdict"],
                    &[false; 7],
                    rows,
                ));
            }
            self.push_trade_off(
                &mut blocks,
                DesignChoice::Consistency(component.consistency()),
                Text::new()
                    .code(name.clone())
                    .rich(&format!(" gives {} reads on one node", component.consistency())),
            );
            if let Some(cap) = component.cap() {
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::Cap(cap),
                    Text::new().code(name.clone()).rich(&format!(" is {cap}")),
                );
            }
            if let Some(model) = component
                .data_model
                .or_else(|| component.technology.and_then(|t| t.data_model))
            {
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::DataModel(model),
                    Text::new().code(name.clone()).rich(&format!(" stores {model} data")),
                );
            }
            let pinned = self
                .graph
                .incoming(id)
                .iter()
                .any(|link| design.link(*link).read_from == ReadFrom::Primary);
            if pinned {
                self.push_trade_off(
                    &mut blocks,
                    DesignChoice::ReadFromPrimary,
                    Text::new()
                        .rich("a link pins its reads of ")
                        .code(name)
                        .rich(" to the primary"),
                );
            }
        }
        blocks
    }

    /// One row per flow hop into the store, then per link no flow uses.
    pub(super) fn consistency_rows(&self, store: ComponentId) -> Vec<Vec<String>> {
        let design = self.design;
        let component = self.component(store);
        let mut rows = Vec::new();
        let mut used = BTreeSet::new();
        let verdict = |gets: crate::model::Consistency, needed: Option<crate::model::Consistency>| match needed {
            None => "nothing required".to_string(),
            Some(needed) if gets.satisfies(needed) => "ok".to_string(),
            Some(needed) => format!("mismatch: needs {needed}"),
        };
        for flow_id in design.flow_ids() {
            let flow = design.flow(flow_id);
            // Every hop of the call tree into the store, with its call's op
            // and requires.
            for visit in &flow.visits {
                let Some(link_id) = visit.link.filter(|_| visit.component == store) else {
                    continue;
                };
                let link_id = &link_id;
                used.insert(*link_id);
                let link = design.link(*link_id);
                let gets = consistency::effective(component, visit.op, link.read_from);
                let needed = strongest(strongest(link.requires, flow.requires), visit.requires);
                rows.push(vec![
                    format!("flow {}", flow.id),
                    design.link_subject(*link_id),
                    visit.op.to_string(),
                    gets.level.to_string(),
                    gets.cause.to_string(),
                    needed.map_or_else(|| "-".to_string(), |c| c.to_string()),
                    verdict(gets.level, needed),
                ]);
            }
        }
        for link_id in self.graph.incoming(store) {
            if used.contains(link_id) {
                continue;
            }
            let link = design.link(*link_id);
            let gets = consistency::effective(component, link.op, link.read_from);
            rows.push(vec![
                "link only".to_string(),
                design.link_subject(*link_id),
                link.op.to_string(),
                gets.level.to_string(),
                gets.cause.to_string(),
                link.requires.map_or_else(|| "-".to_string(), |c| c.to_string()),
                verdict(gets.level, link.requires),
            ]);
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{FRAGILE, URL_SHORTENER, section};
    use crate::explain::SectionKind;

    #[test]
    fn each_store_has_its_consistency_per_hop() {
        let text = section(URL_SHORTENER, SectionKind::DataStores);
        assert!(text.contains("urls — database"), "{text}");
        assert!(text.contains("flow shorten | shortener -> urls | write"), "{text}");
        let none = section(
            FRAGILE.replace("database db : postgres", "service db").as_str(),
            SectionKind::DataStores,
        );
        assert!(none.contains("no database, search index or object store"), "{none}");
    }
}
