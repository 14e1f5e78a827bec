//! The `shared-database` rule: two or more services write the same database.

use crate::analysis::{Context, Finding, wording};
use crate::model::{ComponentId, Kind};

declare_rule! {
    /// ## What it checks
    ///
    /// A database that two or more `service`s write: links with `op = write`
    /// or `read_write` (the default) from each.
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
    /// Regional deployments of one service are separate components to hld;
    /// suppress the finding on the database for them.
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
        if writers.len() < 2 {
            continue;
        }
        let mut finding = Finding::component(
            design,
            id,
            format!(
                "{} is written by {} services: {}",
                database.id,
                writers.len(),
                wording::components(design, &writers)
            ),
        )
        .label(format!("{} writers", writers.len()))
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
