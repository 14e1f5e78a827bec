//! The `retry-amplification` rule: nested retries turn one request into many calls to a failing callee.

use std::collections::BTreeMap;

use crate::analysis::{Context, Finding, Target};
use crate::model::LinkId;

declare_rule! {
    /// ## What it checks
    ///
    /// Along a synchronous call path of a flow, the product of (1 + `retries`)
    /// over its hops reaches 8 (configurable, `max_factor`): when the
    /// deepest callee fails, one request becomes that many calls to it. The
    /// subject is the deepest link with `retries` on that path; the message
    /// names the chain and the factor.
    ///
    /// ## Why it matters
    ///
    /// Every layer that retries multiplies the attempts of the layers above
    /// it: three layers that each try 3 times send 27 calls to a dependency
    /// for one user request, exactly when that dependency is failing or
    /// overloaded. The retries keep it down (a retry storm) long
    /// after the original fault is gone, and the user waits for all of them.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   client web
    ///   service api { replicas = 2 }
    ///   service pay { replicas = 2 }
    ///   external stripe
    ///   web -> api
    ///   api -> pay { retries = 2, idempotent = true }
    ///   pay -> stripe { retries = 2, idempotent = true }
    ///   flow checkout { path = web -> api -> pay -> stripe }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   client web
    ///   service api { replicas = 2 }
    ///   service pay { replicas = 2 }
    ///   external stripe
    ///   web -> api
    ///   api -> pay { retries = 2, idempotent = true }
    ///   pay -> stripe { retries = 1, idempotent = true }
    ///   flow checkout { path = web -> api -> pay -> stripe }
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// Only the synchronous part of a flow is judged, and only the
    /// `retries` written on links: retries a client library makes on its
    /// own, or a queue's redeliveries, are not counted. The fix lowers
    /// `retries` on the subject link only; retrying at one layer (usually
    /// the outermost) is often the better change.
    ///
    /// ## Configuration
    ///
    /// ```yaml
    /// rules:
    ///   retry-amplification: { max_factor: 16 }
    /// ```
    ///
    /// ## References
    ///
    /// Retries, backoff and retry amplification; [SRE-CASCADE], [AWS-REL05-03].
    pub static RETRY_AMPLIFICATION = {
        name: "retry-amplification",
        severity: Warning,
        category: Load,
        summary: "nested retries turn one request into many calls to a failing callee",
    };
}

/// One path whose factor reaches the threshold, by its subject visit.
struct Amplified {
    flow: crate::model::FlowId,
    visit: usize,
    factor: u64,
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    let max_factor = u64::from(cx.config.max_retry_factor());
    let attempts = |link: Option<LinkId>| {
        link.and_then(|link| design.link(link).retries)
            .map_or(1, |r| u64::from(r) + 1)
    };
    // Per subject link (declaration order), the paths it amplifies, and the
    // largest `retries` that keeps every one of them below the threshold.
    let mut found: BTreeMap<LinkId, (Vec<Amplified>, Option<u64>)> = BTreeMap::new();
    for flow_id in design.flow_ids() {
        let flow = design.flow(flow_id);
        let part = cx.graph.sync_part(flow_id);
        let count = flow.visits.len();
        let mut in_part = vec![false; count];
        for &idx in &part.visits {
            in_part[idx] = true;
        }
        // The product of attempts from the flow's start down to each visit.
        let mut factor = vec![1u64; count];
        for &idx in &part.visits {
            let visit = &flow.visits[idx];
            let above = visit.parent.map_or(1, |parent| factor[parent]);
            factor[idx] = above.saturating_mul(attempts(visit.link));
        }
        // Whether some synchronous path from the visit down to a leaf
        // crosses no further link with retries: then the visit's link is
        // that path's deepest retrying hop. Children come after their
        // parents, so one backward pass settles it.
        let mut has_child = vec![false; count];
        let mut open_below = vec![false; count];
        let mut open_end = vec![false; count];
        for &idx in part.visits.iter().rev() {
            open_end[idx] = !has_child[idx] || open_below[idx];
            let visit = &flow.visits[idx];
            if let Some(parent) = visit.parent.filter(|parent| in_part[*parent]) {
                has_child[parent] = true;
                if attempts(visit.link) == 1 && open_end[idx] {
                    open_below[parent] = true;
                }
            }
        }
        for &idx in &part.visits {
            let visit = &flow.visits[idx];
            let Some(link) = visit.link else { continue };
            let own = attempts(Some(link));
            if own == 1 || !open_end[idx] || factor[idx] < max_factor {
                continue;
            }
            // The attempts of the other hops of the path, and the most
            // retries this link may keep under the threshold.
            let others = flow
                .chain_to(idx)
                .into_iter()
                .filter(|other| *other != idx)
                .fold(1u64, |product, other| {
                    product.saturating_mul(attempts(flow.visits[other].link))
                });
            let allowed = (others < max_factor).then(|| (max_factor - 1) / others - 1);
            let entry = found.entry(link).or_insert_with(|| (Vec::new(), Some(u64::MAX)));
            entry.1 = match (entry.1, allowed) {
                (Some(so_far), Some(allowed)) => Some(so_far.min(allowed)),
                _ => None,
            };
            match entry.0.iter_mut().find(|amplified| amplified.flow == flow_id) {
                Some(amplified) if amplified.factor >= factor[idx] => {}
                Some(amplified) => {
                    amplified.visit = idx;
                    amplified.factor = factor[idx];
                }
                None => entry.0.push(Amplified {
                    flow: flow_id,
                    visit: idx,
                    factor: factor[idx],
                }),
            }
        }
    }
    for (link_id, (paths, allowed)) in found {
        let link = design.link(link_id);
        let callee = &design.component(link.to).id;
        for amplified in paths {
            let flow = design.flow(amplified.flow);
            let chain = flow.chain_to(amplified.visit);
            // From the caller of the first hop that retries.
            let first = chain
                .iter()
                .position(|idx| attempts(flow.visits[*idx].link) > 1)
                .unwrap_or(0);
            let names: Vec<&str> = chain[first.saturating_sub(1)..]
                .iter()
                .map(|idx| design.component(flow.visits[*idx].component).id.as_str())
                .collect();
            let figures: Vec<String> = chain
                .iter()
                .map(|idx| attempts(flow.visits[*idx].link))
                .filter(|attempts| *attempts > 1)
                .map(|attempts| attempts.to_string())
                .collect();
            let product = if figures.len() > 1 {
                format!("{} = {}", figures.join(" × "), amplified.factor)
            } else {
                amplified.factor.to_string()
            };
            let mut finding = Finding::link(
                design,
                link_id,
                format!(
                    "flow {}: {} makes {product} calls to {callee} when it fails, at or above {max_factor}",
                    flow.id,
                    names.join(" -> "),
                ),
            )
            .label(format!("{} calls per request when {callee} fails", amplified.factor))
            .help(format!(
                "retry at one layer only (usually the outermost), or lower `retries` so the product stays below {max_factor}"
            ))
            .note("each hop's attempts multiply those of the hops above it");
            if let Some(span) = link.property_span("retries") {
                finding = finding.secondary(span, "retries here");
            }
            if let Some(retries) = allowed {
                finding = finding.fix_set(design, Target::Link(link_id), "retries", retries.to_string());
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::Config;
    use crate::analysis::testing::findings_with;
    use crate::source::FileId;

    const DESIGN: &str = "system s {\n  client web\n  service a { replicas = 2 }\n  service b { replicas = 2 }\n  service c { replicas = 2 }\n  external x\n  web -> a { retries = 1, idempotent = true }\n  a -> b { retries = 3, idempotent = true }\n  b -> c\n  c -> x { retries = 4, idempotent = true }\n  flow f { path = web -> a -> b -> c -> x }\n}\n";

    /// (subject, message, fixed retries) of the rule's findings.
    fn amplified(config: &Config) -> Vec<(String, String, Option<String>)> {
        findings_with(DESIGN, config)
            .into_iter()
            .filter(|finding| finding.code == "retry-amplification")
            .map(|finding| {
                let fix = finding
                    .fix
                    .and_then(|fix| fix.edits.first().map(|edit| edit.value.clone()));
                (finding.subject.unwrap_or_default(), finding.message, fix)
            })
            .collect()
    }

    #[test]
    fn the_deepest_retrying_link_is_the_subject_and_the_fix_keeps_the_product_below() {
        // 2 × 4 × 5 = 40; the others make 8, at the threshold already: no fix.
        assert_eq!(
            amplified(&Config::default()),
            vec![(
                "c -> x".to_string(),
                "flow f: web -> a -> b -> c -> x makes 2 × 4 × 5 = 40 calls to x when it fails, at or above 8"
                    .to_string(),
                None
            )]
        );
        // Below 64 nothing fires; at 40 the others (8) leave room for 4
        // attempts: retries = 3.
        let config = Config::parse(FileId(0), "rules:\n  retry-amplification: { max_factor: 64 }\n").unwrap();
        assert_eq!(amplified(&config), vec![]);
        let config = Config::parse(FileId(0), "rules:\n  retry-amplification: { max_factor: 40 }\n").unwrap();
        let found = amplified(&config);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].2.as_deref(), Some("3"), "8 × 4 = 32 < 40");
    }
}
