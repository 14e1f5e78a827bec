//! The `unreachable-component` rule: no client or worker reaches a component.

use crate::analysis::graph::is_source_kind;
use crate::analysis::{Context, Finding};

declare_rule! {
    /// ## What it checks
    ///
    /// A component that no path of links (synchronous or asynchronous) from
    /// a client or a worker reaches, and that is not itself a client or a
    /// worker. Workers count as starting points because they may start work
    /// on their own (batch jobs, schedulers). A queue's `dead_letter =
    /// other_queue` counts as a link to the other queue.
    ///
    /// ## Why it matters
    ///
    /// Nothing in the design sends it a request, so either a link is
    /// missing, and every analysis of the paths through it is wrong, or the
    /// component is dead weight.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   client users
    ///   service api { replicas = 2 }
    ///   database legacy_db : postgres
    ///
    ///   users -> api
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   client users
    ///   service api { replicas = 2 }
    ///   database legacy_db : postgres
    ///
    ///   users -> api -> legacy_db
    /// }
    /// ```
    ///
    /// ## References
    ///
    /// A structural check with no figure behind it.
    pub static UNREACHABLE_COMPONENT = {
        name: "unreachable-component",
        severity: Warning,
        category: Structure,
        summary: "no client or worker reaches a component",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    let reached = cx.graph.reachable_from(cx.graph.entry_points());
    for id in design.component_ids() {
        if is_source_kind(cx.graph.kind(id)) || reached.get(id.index()).copied().unwrap_or(true) {
            continue;
        }
        let component = design.component(id);
        out.push(
            Finding::component(design, id, format!("no client or worker reaches {}", component.id))
                .label("unreachable")
                .help(format!(
                    "link it from the component that uses it (`caller -> {}`), or remove it",
                    component.id
                )),
        );
    }
}
