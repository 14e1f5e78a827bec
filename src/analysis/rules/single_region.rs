//! The `single-region` rule: a component that flows from several regions need sits in one region.

use crate::analysis::{Context, Finding, wording};
use crate::format;
use crate::model::{Kind, RegionId};

declare_rule! {
    /// ## What it checks
    ///
    /// A component with a region that the synchronous part of flows starting
    /// in two or more regions needs. A flow starts in the region of its first
    /// component (its client). Clients and optional caches (`cache_aside`,
    /// `read_through`) are not judged: a region-local cache can be missed.
    ///
    /// ## Why it matters
    ///
    /// All its replicas sit in one region: a regional outage takes down the
    /// flows of every region, and the other regions pay a cross-region round
    /// trip on every request.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system global {
    ///   region us_east {
    ///     client us_users
    ///     service api_us { replicas = 2 }
    ///     database profiles : postgres {
    ///       replication = primary_replica { replicas = 2, failover = auto }
    ///     }
    ///   }
    ///   region eu_west {
    ///     client eu_users
    ///     service api_eu { replicas = 2 }
    ///   }
    ///   rtt us_east <-> eu_west = 75ms
    ///
    ///   us_users -> api_us -> profiles
    ///   eu_users -> api_eu -> profiles
    ///
    ///   flow us_read { path = us_users -> api_us -> profiles }
    ///   flow eu_read { path = eu_users -> api_eu -> profiles }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system global {
    ///   region us_east {
    ///     client us_users
    ///     service api_us { replicas = 2 }
    ///     database profiles_us : postgres {
    ///       replication = primary_replica { replicas = 2, failover = auto }
    ///     }
    ///   }
    ///   region eu_west {
    ///     client eu_users
    ///     service api_eu { replicas = 2 }
    ///     database profiles_eu : postgres {
    ///       replication = primary_replica { replicas = 2, failover = auto }
    ///     }
    ///   }
    ///
    ///   us_users -> api_us -> profiles_us
    ///   eu_users -> api_eu -> profiles_eu
    ///
    ///   flow us_read { path = us_users -> api_us -> profiles_us }
    ///   flow eu_read { path = eu_users -> api_eu -> profiles_eu }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// A component has one `region`, so a design cannot yet spread one
    /// component over several; declare one per region. Components without a
    /// region, and flows whose client has none, are not judged. Background
    /// work is not counted.
    ///
    /// ## References
    ///
    /// Cross-region round trips; [AZ-LAT].
    pub static SINGLE_REGION = {
        name: "single-region",
        severity: Info,
        category: Availability,
        summary: "a component that flows from several regions need sits in one region",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        if cx.graph.flows_through(id).len() < 2 || cx.graph.kind(id) == Kind::Client {
            continue;
        }
        let component = design.component(id);
        let Some(home) = component.region else {
            continue;
        };
        if component.is_optional_cache() {
            continue;
        }
        // Regions the flows through it start in, in first-seen order.
        let mut regions: Vec<RegionId> = Vec::new();
        let mut flows = Vec::new();
        for flow in cx.graph.flows_through(id) {
            let start = design
                .flow(*flow)
                .client()
                .and_then(|client| design.component(client).region);
            if let Some(region) = start {
                flows.push(*flow);
                if !regions.contains(&region) {
                    regions.push(region);
                }
            }
        }
        if regions.len() < 2 {
            continue;
        }
        regions.sort_unstable();
        let names: Vec<String> = regions.iter().map(|region| design.region(*region).id.clone()).collect();
        let home_name = &design.region(home).id;
        let others: Vec<String> = names.iter().filter(|name| *name != home_name).cloned().collect();
        let message = format!(
            "{} sits in region {home_name} only, but flows from regions {} need it",
            component.id,
            format::list(&names)
        );
        out.push(
            Finding::component(design, id, message)
                .label(format!("only in {home_name}"))
                .help(format!(
                    "declare a copy of {} in {}, or suppress with allow = [single-region] if the cross-region trip is accepted",
                    component.id,
                    format::list(&others)
                ))
                .note(format!("needed by {}", wording::flows(design, &flows))),
        );
    }
}
