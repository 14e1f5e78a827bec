//! The `shared-database` rule: two or more services write the same database.

use crate::analysis::{Context, Finding, wording};
use crate::model::{ComponentId, Kind};

declare_rule! {
    /// ## What it checks
    ///
    /// A database that two or more `service`s write: links with `op = write`
    /// or `read_write` (the default) from each. Services with one `role` are
    /// one service (the same software deployed in several regions), so
    /// they count once.
    ///
    /// ## Why it matters
    ///
    /// Services that write one schema are coupled through it: neither can
    /// change the schema, scale or deploy alone, and each can break the
    /// other's invariants. "Avoid at (nearly) all costs."
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   service orders { replicas = 2 }
    ///   service billing { replicas = 2 }
    ///   database shop_db : postgres {
    ///     replication = primary_replica { replicas = 1, mode = sync, failover = auto }
    ///   }
    ///
    ///   orders -> shop_db { op = write }
    ///   billing -> shop_db { op = write }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   service orders { replicas = 2 }
    ///   service billing { replicas = 2 }
    ///   database shop_db : postgres {
    ///     replication = primary_replica { replicas = 1, mode = sync, failover = auto }
    ///   }
    ///
    ///   orders -> shop_db { op = write }
    ///   billing -> orders { op = write }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// Regional deployments of one service count once only when they share
    /// a `role`.
    ///
    /// ## References
    ///
    /// One database per service; [NEWMAN-BM], [MS-DBPS-AGENT].
    pub static SHARED_DATABASE = {
        name: "shared-database",
        severity: Warning,
        category: Structure,
        summary: "two or more services write the same database",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        if cx.graph.kind(id) != Kind::Database {
            continue;
        }
        let database = design.component(id);
        let mut writers: Vec<ComponentId> = Vec::new();
        let mut spans = Vec::new();
        for link_id in cx.graph.writers(id) {
            let link = design.link(link_id);
            if cx.graph.kind(link.from) == Kind::Service && !writers.contains(&link.from) {
                writers.push(link.from);
                spans.push(link.span);
            }
        }
        // One role is one service (language.md §8), named by its role.
        let mut services: Vec<(Option<&str>, Vec<ComponentId>)> = Vec::new();
        for writer in &writers {
            let role = design.component(*writer).role.as_deref();
            match services.iter_mut().find(|(known, _)| role.is_some() && *known == role) {
                Some((_, members)) => members.push(*writer),
                None => services.push((role, vec![*writer])),
            }
        }
        if services.len() < 2 {
            continue;
        }
        let names: Vec<String> = services
            .iter()
            .map(|(role, members)| match (role, members.as_slice()) {
                (Some(role), [_, _, ..]) => format!("{role} ({})", wording::components(design, members)),
                _ => design.component(members[0]).id.clone(),
            })
            .collect();
        let mut finding = Finding::component(
            design,
            id,
            format!(
                "{} is written by {} services: {}",
                database.id,
                services.len(),
                crate::format::list(&names)
            ),
        )
        .label(format!("{} writers", services.len()))
        .help(format!(
            "give each service its own database, or route every write to {} through one owning service",
            database.id
        ));
        for span in spans {
            finding = finding.secondary(span, "writes");
        }
        out.push(finding);
    }
}
