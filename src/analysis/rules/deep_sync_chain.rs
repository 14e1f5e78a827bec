//! The `deep-sync-chain` rule: a flow waits on a long chain of gateways and services.

use crate::analysis::{Context, Finding};

declare_rule! {
    /// ## What it checks
    ///
    /// A flow whose synchronous part holds more than 5 gateway and service
    /// components (each visit counts).
    ///
    /// ## Why it matters
    ///
    /// Every synchronous hop multiplies availability down and adds its tail
    /// latency; a long chain is as available as the product of its links and
    /// as slow as their sum, and a slow service deep in it holds threads all
    /// the way up.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   client web
    ///   gateway gw { replicas = 2 }
    ///   service a { replicas = 2 }
    ///   service b { replicas = 2 }
    ///   service c { replicas = 2 }
    ///   service d { replicas = 2 }
    ///   service e { replicas = 2 }
    ///   web -> gw -> a -> b -> c -> d -> e
    ///   flow checkout { path = web -> gw -> a -> b -> c -> d -> e }
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   client web
    ///   gateway gw { replicas = 2 }
    ///   service a { replicas = 2 }
    ///   service b { replicas = 2 }
    ///   service c { replicas = 2 }
    ///   queue jobs { replicas = 2, dead_letter = true }
    ///   worker d { replicas = 2, idempotent = true }
    ///   service e { replicas = 2 }
    ///   web -> gw -> a -> b -> c -> jobs -> d -> e
    ///   flow checkout { path = web -> gw -> a -> b -> c -> jobs -> d -> e }
    /// }
    /// ```
    ///
    /// ## Configuration
    ///
    /// ```yaml
    /// rules:
    ///   deep-sync-chain: { max_hops: 4 }
    /// ```
    ///
    /// ## References
    ///
    /// Long synchronous chains, availability and tail latency; [SDP], [AZ-PERF-REPO].
    pub static DEEP_SYNC_CHAIN = {
        name: "deep-sync-chain",
        severity: Warning,
        category: Structure,
        summary: "a flow waits on a long chain of gateways and services",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let design = cx.design;
    let max_hops = cx.config.max_hops() as usize;
    for flow_id in design.flow_ids() {
        let flow = design.flow(flow_id);
        let part = cx.graph.sync_part(flow_id);
        // Gateways and services along each root-to-leaf chain of the
        // synchronous tree (language.md §5): the deepest one counts.
        let mut count = vec![0usize; flow.visits.len()];
        for &idx in &part.visits {
            let visit = &flow.visits[idx];
            let above = visit.parent.map_or(0, |parent| count[parent]);
            count[idx] = above + usize::from(cx.graph.kind(visit.component).is_app_tier());
        }
        let Some(&deepest) = part
            .leaves
            .iter()
            .max_by_key(|leaf| (count[**leaf], std::cmp::Reverse(**leaf)))
        else {
            continue;
        };
        if count[deepest] <= max_hops {
            continue;
        }
        let chain: Vec<_> = flow
            .chain_to(deepest)
            .into_iter()
            .map(|idx| flow.visits[idx].component)
            .filter(|id| cx.graph.kind(*id).is_app_tier())
            .collect();
        let names: Vec<String> = chain.iter().map(|id| design.component(*id).id.clone()).collect();
        out.push(
            Finding::flow(
                design,
                flow_id,
                format!(
                    "flow {} waits on {} gateways and services in a row, more than {max_hops}",
                    design.flow(flow_id).id,
                    chain.len()
                ),
            )
            .label(format!("{} synchronous hops", chain.len()))
            .help(
                "make part of the chain asynchronous (through a queue), or merge services that always call each other",
            )
            .note(format!("the chain: {}", names.join(" -> "))),
        );
    }
}
