//! Load that moves when a balancer's target fails (language.md §6,
//! "what-if"): a flow whose failed component X is a target of a
//! `load_balancer` or `dns` moves to that balancer's surviving targets with
//! the same `role` as X, spread by the links' `weight`s, and fails only
//! when none survives.
//!
//! A moved flow becomes one copy per surviving target (its share of the
//! flow's rps), the target's visit rerouted; [`super::what_if`] runs the
//! scenario on a design holding the copies and puts each flow's copies
//! back together ([`combine`]). docs/estimate.md, "Load that moves", has
//! the rules in prose.

use super::dist::Law;
use super::{FlowEstimate, FlowStatus, LatencyFigures, SloVerdict};
use crate::model::{ComponentId, Design, Flow, Kind, LinkId, VisitId, VisitSync};

/// At most this many copies of one flow (a flow through several failed
/// balancer targets in a row multiplies them); the rest keep failing.
const MAX_COPIES: usize = 64;

/// One copy of a moved flow: the flow rerouted, and its share of the rps.
#[derive(Clone, Debug)]
pub struct Reroute {
    pub flow: Flow,
    pub share: f64,
    /// Each move made: the failed target and where this copy went instead.
    pub moves: Vec<(ComponentId, ComponentId)>,
}

/// The copies a flow's load moves to when `is_gone(link)` says a
/// balancer's hop can no longer reach its target (the target is down, or a
/// partition cuts the hop), or `None` when nothing moves. `is_down` says
/// which components are down: a copy whose synchronous part breaks before
/// a balancer (a failed component no balancer routes around) fails there,
/// and moves nothing after it.
pub fn reroutes(
    design: &Design,
    flow: &Flow,
    is_gone: &dyn Fn(LinkId) -> bool,
    is_down: &dyn Fn(ComponentId) -> bool,
) -> Option<Vec<Reroute>> {
    // Most flows of most scenarios move nothing: find out before copying.
    let balanced = |visit: &crate::model::Visit| {
        let (Some(parent), Some(link)) = (visit.parent, visit.link) else {
            return false;
        };
        matches!(
            design.component(flow.visits[parent].component).kind,
            Kind::LoadBalancer | Kind::Dns
        ) && design.component(visit.component).role.is_some()
            && is_gone(link)
    };
    if !flow.visits.iter().any(balanced) {
        return None;
    }
    let states = flow.visit_sync(design);
    let mut copies = vec![Reroute {
        flow: flow.clone(),
        share: 1.0,
        moves: Vec::new(),
    }];
    // Per copy, whether its synchronous part broke at a visit before.
    let mut broken = vec![false];
    for (visit, state) in states.iter().enumerate() {
        let mut next = Vec::with_capacity(copies.len());
        let mut next_broken = Vec::with_capacity(copies.len());
        for (copy, was_broken) in copies.into_iter().zip(broken) {
            let survivors = if was_broken {
                Vec::new()
            } else {
                survivors(design, &copy.flow, visit, is_gone)
            };
            if survivors.is_empty() || next.len() + survivors.len() > MAX_COPIES {
                let here = &copy.flow.visits[visit];
                let breaks =
                    *state != VisitSync::Background && (is_down(here.component) || here.link.is_some_and(is_gone));
                next.push(copy);
                next_broken.push(was_broken || breaks);
                continue;
            }
            let from = copy.flow.visits[visit].component;
            let total: f64 = survivors.iter().map(|(_, weight)| *weight).sum();
            for (link, weight) in &survivors {
                let mut moved = copy.clone();
                let to = design.link(*link).to;
                reroute(design, &mut moved.flow, visit, to, *link);
                moved.share *= weight / total;
                moved.flow.rps = flow.rps * moved.share;
                moved.moves.push((from, to));
                next.push(moved);
                next_broken.push(false);
            }
        }
        copies = next;
        broken = next_broken;
    }
    copies.iter().any(|copy| !copy.moves.is_empty()).then_some(copies)
}

/// The balancer's links to the surviving targets of the visit's role, each
/// with its weight (all weights 0 count as equal), in declaration order;
/// empty when the visit is not a gone target of a balancer with a role.
fn survivors(design: &Design, flow: &Flow, visit: VisitId, is_gone: &dyn Fn(LinkId) -> bool) -> Vec<(LinkId, f64)> {
    let current = &flow.visits[visit];
    let (Some(parent), Some(link)) = (current.parent, current.link) else {
        return Vec::new();
    };
    let balancer = flow.visits[parent].component;
    if !matches!(design.component(balancer).kind, Kind::LoadBalancer | Kind::Dns) || !is_gone(link) {
        return Vec::new();
    }
    let Some(role) = design.component(current.component).role.as_deref() else {
        return Vec::new();
    };
    let targets: Vec<LinkId> = design
        .link_ids()
        .filter(|id| {
            let candidate = design.link(*id);
            candidate.from == balancer
                && candidate.to != current.component
                && design.component(candidate.to).role.as_deref() == Some(role)
                && !is_gone(*id)
        })
        .collect();
    let all_zero = targets.iter().all(|id| design.link(*id).weight == 0);
    targets
        .into_iter()
        .map(|id| {
            (
                id,
                if all_zero {
                    1.0
                } else {
                    f64::from(design.link(id).weight)
                },
            )
        })
        .filter(|(_, weight)| *weight > 0.0)
        .collect()
}

/// Puts `to` (reached over `link`) in place of the visit's component. Its
/// calls go over `to`'s own links to the same components, or to a
/// component of the same role `to` links to (the copy in its region, moved
/// the same way); a call `to` has no such link for keeps the original hop.
fn reroute(design: &Design, flow: &mut Flow, visit: VisitId, to: ComponentId, link: LinkId) {
    flow.visits[visit].component = to;
    flow.visits[visit].link = Some(link);
    let children: Vec<VisitId> = (visit + 1..flow.visits.len())
        .filter(|idx| flow.visits[*idx].parent == Some(visit))
        .collect();
    for child in children {
        let callee = flow.visits[child].component;
        let direct = design.link_ids().find(|id| {
            let candidate = design.link(*id);
            candidate.from == to && candidate.to == callee
        });
        if let Some(direct) = direct {
            flow.visits[child].link = Some(direct);
            continue;
        }
        let Some(role) = design.component(callee).role.as_deref() else {
            continue;
        };
        let same_role = design.link_ids().find(|id| {
            let candidate = design.link(*id);
            candidate.from == to && design.component(candidate.to).role.as_deref() == Some(role)
        });
        if let Some(same_role) = same_role {
            reroute(design, flow, child, design.link(same_role).to, same_role);
        }
    }
    // `path` and `hops` follow the chain's visits.
    for idx in 0..flow.path.len() {
        flow.path[idx] = flow.visits[idx].component;
        if idx > 0
            && let Some(link) = flow.visits[idx].link
        {
            flow.hops[idx - 1] = link;
        }
    }
}

/// One flow's figures from its copies' (`None`: the copy fails), each with
/// its share: availability Σ share · A; the latency of the copies served,
/// by their shares among them (the mean exactly, each percentile of the
/// mixture of lognormals fitted to each copy's p50 and p99, language.md §4,
/// unless every copy has the same figures); overloaded when a copy is.
/// `None` when every copy fails.
pub fn combine(flow: &Flow, copies: &[(Option<FlowEstimate>, f64)]) -> Option<FlowEstimate> {
    let served: Vec<(&FlowEstimate, f64)> = copies
        .iter()
        .filter_map(|(estimate, share)| estimate.as_ref().map(|estimate| (estimate, *share)))
        .collect();
    let (first, _) = served.iter().max_by(|a, b| a.1.total_cmp(&b.1)).copied()?;
    let mut out = first.clone();
    out.rps = flow.rps;
    out.availability = served
        .iter()
        .map(|(estimate, share)| share * estimate.availability)
        .sum();
    let mut saturated: Vec<ComponentId> = Vec::new();
    for (estimate, _) in &served {
        for id in &estimate.saturated {
            if !saturated.contains(id) {
                saturated.push(*id);
            }
        }
    }
    out.saturated = saturated;
    if out.saturated.is_empty() {
        out.status = FlowStatus::Ok;
        out.latency = mixture(&served);
    } else {
        out.status = FlowStatus::Overloaded;
        out.latency = LatencyFigures::UNBOUNDED;
    }
    out.slo = SloVerdict::judge(&flow.slo, &out.latency, out.availability);
    Some(out)
}

/// The latency of a request served by one of the copies, picked by share.
fn mixture(served: &[(&FlowEstimate, f64)]) -> LatencyFigures {
    let first = &served[0].0.latency;
    let same = served.iter().all(|(estimate, _)| {
        let figures = &estimate.latency;
        [
            (figures.mean_ms, first.mean_ms),
            (figures.p50_ms, first.p50_ms),
            (figures.p95_ms, first.p95_ms),
            (figures.p99_ms, first.p99_ms),
        ]
        .iter()
        .all(|(a, b)| a.to_bits() == b.to_bits())
    });
    if same {
        return first.clone();
    }
    let total: f64 = served.iter().map(|(_, share)| share).sum();
    // A copy whose p99 is its p50 takes one time (a point mass there).
    let parts: Vec<(Option<Law>, f64, f64)> = served
        .iter()
        .map(|(estimate, share)| {
            let (p50, p99) = (estimate.latency.p50_ms, estimate.latency.p99_ms);
            let law = (p50 > 0.0 && p99 > p50).then(|| Law::fit(p50, p99));
            (law, p50, share / total)
        })
        .collect();
    let cdf = |x: f64| {
        parts
            .iter()
            .map(|(law, p50, weight)| {
                weight
                    * match law {
                        Some(law) => law.cdf(x),
                        None => f64::from(u8::from(x >= *p50)),
                    }
            })
            .sum::<f64>()
    };
    let quantile = |q: f64| {
        let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
        while cdf(hi) < q && hi < 1e12 {
            hi *= 2.0;
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if cdf(mid) < q {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    };
    LatencyFigures {
        mean_ms: served
            .iter()
            .map(|(estimate, share)| share / total * estimate.latency.mean_ms)
            .sum(),
        p50_ms: quantile(0.5),
        p95_ms: quantile(0.95),
        p99_ms: quantile(0.99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::test_design;

    const TWO_REGIONS: &str = r#"system s {
      client users { rps = 900 }
      load_balancer lb { replicas = 2 }
      service api_a { role = api, replicas = 2, capacity = 500/s }
      service api_b { role = api, replicas = 2, capacity = 500/s }
      service api_c { role = api, replicas = 2, capacity = 500/s }
      database db { replication = primary_replica { replicas = 1, mode = sync, failover = auto } }
      users -> lb
      lb -> api_a { weight = 1 }
      lb -> api_b { weight = 2 }
      lb -> api_c { weight = 1 }
      api_a -> db
      api_b -> db
      api_c -> db
      flow fa { path = users -> lb -> api_a -> db, rps = 300 }
    }"#;

    #[test]
    fn a_failed_target_moves_to_the_survivors_of_its_role_by_weight() {
        let design = test_design(TWO_REGIONS);
        let api_a = design.component_id("api_a").unwrap();
        let gone = |link: LinkId| design.link(link).to == api_a;
        let copies = reroutes(&design, design.flow(crate::model::FlowId(0)), &gone, &|_| false).unwrap();
        assert_eq!(copies.len(), 2);
        let names: Vec<&str> = copies
            .iter()
            .map(|copy| design.component(copy.flow.path[2]).id.as_str())
            .collect();
        assert_eq!(names, ["api_b", "api_c"]);
        assert!((copies[0].share - 2.0 / 3.0).abs() < 1e-15);
        assert!((copies[1].flow.rps - 100.0).abs() < 1e-12);
        // The calls below go over the survivor's own links.
        let hop = design.link(copies[0].flow.hops[2]);
        assert_eq!(design.component(hop.from).id, "api_b");
        assert_eq!(copies[0].flow.visits[3].link, Some(copies[0].flow.hops[2]));
    }

    #[test]
    fn without_a_role_or_a_balancer_nothing_moves() {
        let design = test_design(&TWO_REGIONS.replace("role = api, ", ""));
        let api_a = design.component_id("api_a").unwrap();
        let gone = |link: LinkId| design.link(link).to == api_a;
        assert!(reroutes(&design, design.flow(crate::model::FlowId(0)), &gone, &|_| false).is_none());
        let design = test_design(TWO_REGIONS);
        let db = design.component_id("db").unwrap();
        let gone = |link: LinkId| design.link(link).to == db;
        assert!(reroutes(&design, design.flow(crate::model::FlowId(0)), &gone, &|_| false).is_none());
    }
}
