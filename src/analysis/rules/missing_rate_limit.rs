//! The `missing-rate-limit` rule: a client reaches gateways and services that set no rate limit.

use crate::analysis::Target;
use crate::analysis::{Context, Finding};
use crate::model::Kind;

declare_rule! {
    /// ## What it checks
    ///
    /// A client whose synchronous paths reach a gateway or service, when no
    /// gateway or service on any of those paths sets `rate_limit`. Reported
    /// once per client, on the first gateway or service it reaches (breadth
    /// first, links in declaration order), so `allow = [missing-rate-limit]`
    /// goes on that component. A client whose paths reach no gateway or
    /// service (only a cdn or an object store, say) is exempt.
    ///
    /// ## Why it matters
    ///
    /// Without throttling, one misbehaving or malicious client can take the
    /// whole system's capacity, and a retry storm has nothing to stop it.
    /// Throttling at the edge is a baseline reliability practice.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system api {
    ///   client partners { rps = 1k }
    ///   gateway gw { replicas = 2 }
    ///   service search { replicas = 2 }
    ///
    ///   partners -> gw -> search
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system api {
    ///   client partners { rps = 1k }
    ///   gateway gw {
    ///     replicas = 2
    ///     rate_limit = token_bucket { capacity = 100, refill = 10/s, per = user }
    ///   }
    ///   service search { replicas = 2 }
    ///
    ///   partners -> gw -> search
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// A rate limit anywhere the client reaches counts, even deep inside;
    /// the rule does not ask whether it guards every path.
    ///
    /// ## References
    ///
    /// Throttling requests; [AWS-REL-LIST].
    pub static MISSING_RATE_LIMIT = {
        name: "missing-rate-limit",
        severity: Warning,
        category: Traffic,
        summary: "a client reaches gateways and services that set no rate limit",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    let is_app = |id| cx.graph.kind(id).is_app_tier();
    let reaches_app = cx.graph.sync_reaches(is_app);
    let reaches_limit = cx
        .graph
        .sync_reaches(|id| is_app(id) && design.component(id).rate_limit.is_some());
    for client in design.component_ids() {
        if cx.graph.kind(client) != Kind::Client {
            continue;
        }
        let reaches = |table: &[bool]| table.get(client.index()).copied().unwrap_or(false);
        if !reaches(&reaches_app) || reaches(&reaches_limit) {
            continue;
        }
        let Some(first) = cx.graph.first_sync(client, is_app) else {
            continue;
        };
        let entry = design.component(first);
        let message = format!(
            "{} reaches {} synchronously and no gateway or service on its paths sets rate_limit",
            design.component(client).id,
            entry.id
        );
        out.push(
            Finding::component(design, first, message)
                .label(format!("first {} {} reaches", entry.kind, design.component(client).id))
                .help(format!(
                    "set rate_limit = token_bucket {{ capacity = 100, refill = 10/s, per = user }} on {}",
                    entry.id
                ))
                .fix_set(
                    design,
                    Target::Component(first),
                    "rate_limit",
                    "token_bucket { capacity = 100, refill = 10/s, per = user }",
                ),
        );
    }
}
