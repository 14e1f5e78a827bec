//! The `multi-primary-no-conflict-resolution` rule: a multi-primary database has no conflict resolution strategy.

use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::model::{Kind, Replication};

declare_rule! {
    /// ## What it checks
    ///
    /// A database replicated `multi_primary` with no `conflict` strategy.
    ///
    /// ## Why it matters
    ///
    /// Two primaries can accept conflicting writes to the same row at the
    /// same time. Without a stated strategy (`last_write_wins`, `custom`,
    /// `crdt`) the design does not say which one survives; with an implicit
    /// last-write-wins, concurrent updates to counters and balances are
    /// silently lost.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system profiles {
    ///   database users : mysql { replication = multi_primary { primaries = 2 } }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system profiles {
    ///   database users : mysql { replication = multi_primary { primaries = 2, conflict = crdt } }
    /// }
    /// ```
    ///
    /// ## See also
    ///
    /// `cap-mismatch`: a multi-primary store is `eventual` (`causal` with
    /// `crdt`) whatever the strategy.
    ///
    /// ## References
    ///
    /// Conflicting writes on several primaries; [DDB-GT], [JEP-CASS].
    pub static MULTI_PRIMARY_NO_CONFLICT_RESOLUTION = {
        name: "multi-primary-no-conflict-resolution",
        severity: Error,
        category: Consistency,
        summary: "a multi-primary database has no conflict resolution strategy",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for id in design.component_ids() {
        if cx.graph.kind(id) != Kind::Database {
            continue;
        }
        let component = design.component(id);
        let Replication::MultiPrimary {
            primaries,
            conflict: None,
        } = component.replication
        else {
            continue;
        };
        let mut finding = Finding::component(
            design,
            id,
            format!(
                "{} takes writes on {primaries} primaries with no conflict strategy",
                component.id
            ),
        )
        .label("no conflict strategy")
        .help(format!(
            "set conflict = crdt, last_write_wins or custom in the multi_primary replication of {}",
            component.id
        ))
        .fix_set(design, Target::Component(id), "replication.conflict", "last_write_wins");
        if let Some(span) = component.property_span("replication") {
            finding = finding.at(span);
        }
        out.push(finding);
    }
}
