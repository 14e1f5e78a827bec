//! The `primary-without-failover` rule: a primary/replica database has no automatic failover, so writes stop when the primary dies.

use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::model::{Component, Failover, Kind, Replication};

declare_rule! {
    /// ## What it checks
    ///
    /// A database replicated `primary_replica` with `failover = none` or
    /// `manual` (`manual` is the default, as PostgreSQL and MySQL ship).
    ///
    /// ## Why it matters
    ///
    /// Replicas keep serving reads when the primary dies, but writes stop
    /// until someone promotes a replica: minutes to hours with a human in
    /// the loop. For writes the primary is still a single point of failure.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   database orders : postgres {
    ///     replication = primary_replica { replicas = 2, mode = sync }
    ///   }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   database orders : postgres {
    ///     replication = primary_replica { replicas = 2, mode = sync, failover = auto }
    ///   }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// Automatic failover with `mode = async` can lose acknowledged writes;
    /// this rule does not judge that.
    ///
    /// ## See also
    ///
    /// `single-point-of-failure` does not report a database this rule
    /// reports. `availability-below-slo` counts the primary alone for
    /// writes without automatic failover.
    ///
    /// ## References
    ///
    /// Failover of a primary; [SDP], [HBASE-TL], [PG-SYNC].
    pub static PRIMARY_WITHOUT_FAILOVER = {
        name: "primary-without-failover",
        severity: Warning,
        category: Availability,
        summary: "a primary/replica database has no automatic failover, so writes stop when the primary dies",
    };
}

/// Whether the rule fires on a component (the single point of failure rule
/// asks too, to report each cause once).
pub fn applies(component: &Component) -> bool {
    matches!(
        component.replication,
        Replication::PrimaryReplica {
            failover: Failover::None | Failover::Manual,
            ..
        }
    )
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        if cx.graph.kind(id) != Kind::Database {
            continue;
        }
        let component = design.component(id);
        let Replication::PrimaryReplica { failover, .. } = component.replication else {
            continue;
        };
        if !applies(component) {
            continue;
        }
        let message = format!(
            "{} has failover = {failover}, so writes stop while its primary is down",
            component.id
        );
        let mut finding = Finding::component(design, id, message)
            .label(format!("failover = {failover}"))
            .help(format!(
                "set failover = auto in the primary_replica replication of {}",
                component.id
            ))
            .fix_set(design, Target::Component(id), "replication.failover", "auto");
        if let Some(span) = component.property_span("replication") {
            finding = finding.at(span);
        }
        out.push(finding);
    }
}
