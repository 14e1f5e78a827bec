use crate::analysis::{Context, Finding};
use crate::estimate::availability::{Factor, flow_availability, judged_op};
use crate::estimate::availability_miss;
use crate::estimate::number::{percent, slo_percent};
use crate::model::{Design, Failover, Kind, Op, Replication};

declare_rule! {
    /// ## What it checks
    ///
    /// A flow whose computed availability is below its SLO (its own `slo`,
    /// else the system's). The availability is the product over the
    /// components of the flow's synchronous part, each with its instances
    /// in parallel (docs/estimate.md, "Availability"); clients and
    /// `cache_aside` / `read_through` caches are not counted.
    ///
    /// ## Why it matters
    ///
    /// Components in series multiply their failure rates: two 99.9%
    /// components give 99.8%, and a single instance caps every flow through
    /// it at its own availability whatever the rest of the path does. The
    /// weakest factor names the component to replicate.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   slo { availability = 99.99% }
    ///   client users { rps = 100 }
    ///   service api { replicas = 2 }
    ///   database db : postgres
    ///   users -> api -> db
    ///   flow buy { path = users -> api -> db, op = write }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   slo { availability = 99.99% }
    ///   client users { rps = 100 }
    ///   service api { replicas = 2 }
    ///   database db : postgres {
    ///     replication = primary_replica { replicas = 2, mode = sync, failover = auto }
    ///   }
    ///   users -> api -> db
    ///   flow buy { path = users -> api -> db, op = write }
    /// }
    /// ```
    ///
    /// ## See also
    ///
    /// `hld estimate --explain --flow NAME` shows every factor.
    /// `single-point-of-failure` names single instances whatever the SLO.
    ///
    /// ## References
    ///
    /// Series and parallel availability, k of n (docs/estimate.md); [SDP].
    pub static AVAILABILITY_BELOW_SLO = {
        name: "availability-below-slo",
        severity: Error,
        category: Availability,
        summary: "a flow's computed availability is below its SLO",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for id in cx.design.flow_ids() {
        let flow = cx.design.flow(id);
        let Some(target) = flow.slo.availability else {
            continue;
        };
        let Some(value) = cx.estimates.availability(id) else {
            continue;
        };
        if availability_miss(&flow.slo, value).is_none() {
            continue;
        }
        let factors = flow_availability(cx.design, flow).factors;
        let weakest = factors
            .iter()
            .filter(|factor| factor.counted)
            .min_by(|a, b| a.value.total_cmp(&b.value));
        let mut finding = Finding::flow(
            cx.design,
            id,
            format!(
                "flow {} availability is {}, below its SLO of {}",
                flow.id,
                percent(value),
                slo_percent(target)
            ),
        )
        .label("below its availability SLO");
        if let Some(span) = flow.slo.span {
            finding = finding.secondary(span, "SLO set here");
        }
        match weakest {
            Some(factor) => {
                let component = cx.design.component(factor.component);
                finding = finding.help(fix(cx.design, factor, judged_op(flow.op))).note(format!(
                    "{} is the weakest factor: {} ({})",
                    component.id, factor.value, factor.reason
                ));
            }
            None => finding = finding.help("lower the availability SLO"),
        }
        out.push(finding);
    }
}

/// One fix for the weakest component, in hld syntax.
fn fix(design: &Design, factor: &Factor, op: Op) -> String {
    let component = design.component(factor.component);
    let id = &component.id;
    if component.kind == Kind::Database {
        return match &component.replication {
            Replication::None => format!(
                "replicate {id}: `replication = primary_replica {{ replicas = 2, failover = auto }}`, or lower the SLO"
            ),
            Replication::PrimaryReplica { failover, .. } if op == Op::Write && *failover != Failover::Auto => {
                format!("set `failover = auto` in the replication of {id}, or lower the SLO")
            }
            Replication::PrimaryReplica { replicas, .. } => format!(
                "add replicas to {id} (`replicas = {}` in its replication), or lower the SLO",
                replicas.saturating_add(1)
            ),
            Replication::Quorum { n, .. } => {
                format!(
                    "add quorum nodes to {id} (`n = {}`), or lower the SLO",
                    n.saturating_add(2)
                )
            }
            Replication::MultiPrimary { primaries, .. } => format!(
                "add primaries to {id} (`primaries = {}`), or lower the SLO",
                primaries.saturating_add(1)
            ),
        };
    }
    // A managed service or a redundant-by-default kind without `replicas`
    // counts once at the kind's default (language.md §4): its provider's
    // published figure is the better fix than replicas.
    if !component.replicas_declared && (component.is_managed() || component.kind.redundant_by_default()) {
        return format!(
            "declare the availability {id}'s provider publishes (e.g. `availability = 99.99%`), set `replicas = 2` on it, or lower the SLO"
        );
    }
    format!(
        "set `replicas = {}` on {id}, or lower the SLO",
        component.replicas.saturating_add(1).max(2)
    )
}
