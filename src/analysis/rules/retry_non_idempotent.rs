//! The `retry-non-idempotent` rule: a write is retried without being idempotent.

use crate::analysis::{Context, Finding, Target};
use crate::model::Kind;

declare_rule! {
    /// ## What it checks
    ///
    /// A link with `retries` of 1 or more whose `op` is `write` or
    /// `read_write` (the default) into a service, database, external system
    /// or queue, without `idempotent = true` on the link (or on the service
    /// it calls: a service that handles a request twice harmlessly makes
    /// every call to it safe to repeat). The subject is the link.
    ///
    /// ## Why it matters
    ///
    /// A timeout does not say whether the call failed: the write may have
    /// been applied and only the answer lost. Retrying it then applies it
    /// twice: a second charge, a duplicate order, a message sent twice. A
    /// retried write needs an idempotency key, an upsert or a conditional
    /// write, so repeating it is harmless.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   client web
    ///   service api { replicas = 2 }
    ///   external stripe
    ///   web -> api
    ///   api -> stripe { op = write, retries = 2 }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   client web
    ///   service api { replicas = 2 }
    ///   external stripe
    ///   web -> api
    ///   api -> stripe { op = write, retries = 2, idempotent = true }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// hld cannot see whether the call really carries an idempotency key:
    /// `idempotent = true` is taken at its word. The link's `op` is judged,
    /// not the `op` of the flows over it. `hld check --fix` cannot edit a
    /// link declared inside a chain `a -> b -> c` (docs/fix.md).
    ///
    /// ## References
    ///
    /// Retries and idempotency keys; [AWS-REL05-03], [MS-IDEMP].
    pub static RETRY_NON_IDEMPOTENT = {
        name: "retry-non-idempotent",
        severity: Warning,
        category: Load,
        summary: "a write is retried without being idempotent",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    for link_id in design.link_ids() {
        let link = design.link(link_id);
        let retries = link.retries.unwrap_or(0);
        if retries == 0 || !link.op.writes() || link.idempotent {
            continue;
        }
        let kind = cx.graph.kind(link.to);
        if !matches!(kind, Kind::Service | Kind::Database | Kind::External | Kind::Queue)
            || (kind == Kind::Service && design.component(link.to).idempotent == Some(true))
        {
            continue;
        }
        let callee = &design.component(link.to).id;
        let mut finding = Finding::link(
            design,
            link_id,
            format!(
                "{} -> {callee} retries a write (retries = {retries}) but is not idempotent",
                design.component(link.from).id,
            ),
        )
        .label(format!("op = {}: a retried write can apply twice", link.op))
        .help(
            "make the call safe to repeat (an idempotency key, an upsert) and set idempotent = true on it, or drop its retries",
        )
        .fix_set(design, Target::Link(link_id), "idempotent", "true");
        if let Some(span) = link.property_span("retries") {
            finding = finding.secondary(span, "retries here");
        }
        out.push(finding);
    }
}
