//! The `availability-below-slo` rule: a flow's computed availability is below its SLO.

use crate::analysis::{Context, Edit, Finding, Fix, Target};
use crate::estimate::availability::{Factor, component_value, flow_availability, judged_op};
use crate::estimate::availability_miss;
use crate::format::{percent, slo_percent};
use crate::model::{Component, ComponentId, Design, Failover, FlowId, Kind, Op, Replication};

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
        if let Some((why, help, fix)) = super::overloaded_component::overload(cx, id) {
            // Saturated: what is shed is lost (language.md §6).
            let finding = Finding::flow(
                cx.design,
                id,
                format!(
                    "flow {} availability is {}, below its SLO of {}: it is overloaded, {why}",
                    flow.id,
                    percent(value),
                    slo_percent(target)
                ),
            );
            out.push(super::overloaded_component::overload_finding(finding, flow, help, fix));
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
                finding = finding.note(format!(
                    "{} is the weakest factor: {} ({})",
                    component.id, factor.value, factor.reason
                ));
                // Advice goes to the weakest factor the design can
                // strengthen: a managed service's redundancy is its
                // provider's, an external's is the third party's.
                let mut ours: Vec<&Factor> = factors
                    .iter()
                    .filter(|factor| factor.counted && can_strengthen(cx.design.component(factor.component)))
                    .collect();
                ours.sort_by(|a, b| a.value.total_cmp(&b.value));
                let (help, fix) = match ours.first() {
                    Some(ours) => advice(cx.design, id, ours, value, target),
                    None => (
                        format!(
                            "its factors are managed services and externals at their published availability ({} the weakest): lower the SLO, or serve the flow from a second region",
                            component.id
                        ),
                        None,
                    ),
                };
                finding = finding.help(help);
                if let Some(fix) = fix {
                    finding = finding.fix(fix);
                }
            }
            None => finding = finding.help("lower the availability SLO"),
        }
        out.push(finding);
    }
}

/// At most this many steps of redundancy on the weakest component (one
/// replica more each) are weighed.
const MAX_STEPS: usize = 8;

/// The help and, when one edit of the weakest component reaches the SLO,
/// that edit. Each step adds the redundancy the model counts for the
/// flow's operation (failover for a write, replicas, quorum nodes,
/// primaries); the flow is re-weighed with the changed component, so an
/// edit that the model does not count (replicas of a database whose reads
/// are pinned to its primary) is never offered.
fn advice(design: &Design, flow_id: FlowId, factor: &Factor, before: f64, target: f64) -> (String, Option<Fix>) {
    let flow = design.flow(flow_id);
    let op = judged_op(flow.op);
    let id = factor.component;
    let name = &design.component(id).id;
    let mut changed = design.component(id).clone();
    let mut best: Option<(f64, &'static str, String)> = None;
    for _ in 0..MAX_STEPS {
        let Some((property, value)) = strengthen(&mut changed, op) else {
            break;
        };
        let after = value_with(design, flow_id, id, &changed);
        if after <= best.as_ref().map_or(before, |(value, ..)| *value) + 1e-9 {
            // More of the same buys nothing.
            break;
        }
        best = Some((after, property, value));
        if availability_miss(&flow.slo, after).is_none() {
            break;
        }
    }
    let Some((after, property, value)) = best else {
        return (
            format!(
                "more redundancy of {name} does not raise it ({}); strengthen another factor, or lower the SLO",
                factor.reason
            ),
            None,
        );
    };
    let edit = Edit::set(design, Target::Component(id), property, value);
    let setting = edit.describe();
    if availability_miss(&flow.slo, after).is_none() {
        let help = format!(
            "{setting} (raises availability from {} to {}), or lower the SLO",
            percent(before),
            percent(after)
        );
        return (help, Some(Fix::one(edit)));
    }
    (
        format!(
            "no single edit reaches the SLO: {setting} raises availability from {} to {}, and the SLO needs {}; strengthen the other factors too, or lower the SLO",
            percent(before),
            percent(after),
            slo_percent(target)
        ),
        None,
    )
}

/// The flow's availability with `changed` in place of its component.
fn value_with(design: &Design, flow_id: FlowId, id: ComponentId, changed: &Component) -> f64 {
    let flow = design.flow(flow_id);
    let sync = flow.sync_part(design);
    let op = judged_op(flow.op);
    let mut value = 1.0;
    for (idx, &node) in sync.nodes.iter().enumerate() {
        let incoming = idx
            .checked_sub(1)
            .and_then(|hop| sync.links.get(hop))
            .map(|link_id| design.link(*link_id));
        let component = if node == id { changed } else { design.component(node) };
        value *= component_value(component, op, incoming).unwrap_or(1.0);
    }
    value
}

/// Whether more redundancy of `component` is the design's to add: not a
/// managed service (its provider runs its replication, language.md §8),
/// not an external (a third party's), not an embedded cache (its caller's).
pub fn can_strengthen(component: &Component) -> bool {
    !component.is_managed() && component.kind != Kind::External && !component.is_embedded()
}

/// One step more redundancy on `component`, and the edit that makes it.
fn strengthen(component: &mut Component, op: Op) -> Option<(&'static str, String)> {
    if component.kind == Kind::Database {
        return Some(match &mut component.replication {
            Replication::None => {
                component.replication = Replication::PrimaryReplica {
                    replicas: 2,
                    mode: crate::model::ReplicationMode::Sync,
                    failover: Failover::Auto,
                };
                // Sync: async replicas would lose acknowledged writes and
                // serve reads that miss them (read-your-writes).
                (
                    "replication",
                    "primary_replica { replicas = 2, mode = sync, failover = auto }".to_string(),
                )
            }
            Replication::PrimaryReplica { failover, .. } if op == Op::Write && *failover != Failover::Auto => {
                *failover = Failover::Auto;
                ("replication.failover", "auto".to_string())
            }
            Replication::PrimaryReplica { replicas, .. } => {
                *replicas = replicas.checked_add(1)?;
                ("replication.replicas", replicas.to_string())
            }
            Replication::Quorum { n, .. } => {
                *n = n.checked_add(2)?;
                ("replication.n", n.to_string())
            }
            Replication::MultiPrimary { primaries, .. } => {
                *primaries = primaries.checked_add(1)?;
                ("replication.primaries", primaries.to_string())
            }
        });
    }
    let replicas = if component.replicas_declared {
        component.replicas.checked_add(1)?.max(2)
    } else {
        component.replicas.max(1).checked_add(1)?
    };
    component.replicas = replicas;
    component.replicas_declared = true;
    Some(("replicas", replicas.to_string()))
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{design, findings};

    /// Managed services (language.md §8) and externals are never told to
    /// add replicas: the advice goes to the weakest factor the design can
    /// strengthen, and a managed store has its published availability.
    #[test]
    fn managed_services_and_externals_get_no_replicas_advice() {
        let text = "system s {
  slo { availability = 99.99% }
  client u { rps = 100 }
  cdn edge : cloudfront { hit_ratio = 0.5 }
  service api { replicas = 2 }
  database table : dynamodb
  external stripe
  u -> edge -> api -> table
  api -> stripe
  flow f { path = u -> edge -> api -> table, op = read }
  flow pay { path = u -> edge -> api -> stripe, op = write }
}";
        let table = design(text);
        let dynamodb = table.component(table.component_id("table").unwrap());
        assert_eq!(dynamodb.availability, 0.9999, "DynamoDB's published figure");
        let found = findings(text);
        let advice: Vec<&str> = found
            .iter()
            .filter(|finding| finding.code == "availability-below-slo")
            .filter_map(|finding| finding.help.as_deref())
            .collect();
        assert_eq!(advice.len(), 2, "{found:#?}");
        for help in advice {
            assert!(help.contains("on api"), "{help}");
            for managed in ["on edge", "on table", "on stripe"] {
                assert!(!help.contains(managed), "{help}");
            }
        }
    }
}
