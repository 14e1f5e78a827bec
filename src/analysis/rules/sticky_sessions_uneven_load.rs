//! The `sticky-sessions-uneven-load` rule: ip_hash load balancing puts every client behind one NAT on one replica.

use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::model::{Algorithm, Kind};

declare_rule! {
    /// ## What it checks
    ///
    /// A load balancer with `algorithm = ip_hash`.
    ///
    /// ## Why it matters
    ///
    /// Hashing on the client address keeps a client on one replica, but
    /// every client behind one NAT or corporate proxy shares an address (and
    /// nginx hashes on the first three octets): they all land on one replica
    /// while the others idle. Adding or removing a replica moves most
    /// clients anyway.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system web {
    ///   load_balancer lb : haproxy { replicas = 2, algorithm = ip_hash }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system web {
    ///   load_balancer lb : haproxy { replicas = 2, algorithm = least_connections }
    /// }
    /// ```
    ///
    /// ## References
    ///
    /// Source-address hashing; [NGX-IPHASH], [HAP-ALGOS].
    pub static STICKY_SESSIONS_UNEVEN_LOAD = {
        name: "sticky-sessions-uneven-load",
        severity: Info,
        category: Traffic,
        summary: "ip_hash load balancing puts every client behind one NAT on one replica",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        if cx.graph.kind(id) != Kind::LoadBalancer {
            continue;
        }
        let component = design.component(id);
        if component.algorithm != Some(Algorithm::IpHash) {
            continue;
        }
        let mut finding = Finding::component(
            design,
            id,
            format!(
                "{} balances by ip_hash, so clients behind one NAT land on one replica",
                component.id
            ),
        )
        .label("ip_hash")
        .help(format!(
            "set algorithm = least_connections on {}, and keep session state in a shared store",
            component.id
        ))
        .fix_set(design, Target::Component(id), "algorithm", "least_connections");
        if let Some(span) = component.property_span("algorithm") {
            finding = finding.at(span);
        }
        out.push(finding);
    }
}
