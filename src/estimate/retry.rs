//! Retries and timeouts (language.md §7). An attempt of the hop A→B fails
//! with probability f = 1 − A_B · P(T_B ≤ t): A_B the availability of B's
//! synchronous subtree in the flow (its own retried hops counted by their
//! success, saturated components by their served share), T_B the time of
//! one attempt (link included) and t the timeout (none: P = 1). With
//! `retries = n` the hop succeeds with probability 1 − f^(n+1), which
//! replaces A_B in the flow's availability, and makes E = Σ_{k=0}^{n} fᵏ
//! attempts on average, multiplying the load below it.
//!
//! Only hops of the synchronous part count (a hop behind a queue or a
//! fire-and-forget call is not retried by the caller the flow measures;
//! docs/estimate.md, "Retries"). The latency a timeout adds is computed in
//! the tree model (`tree.rs`), which is the only one that knows P(T_B ≤ t);
//! without a timeout, failed attempts fail fast and cost nothing, so the
//! latency is unchanged and this module alone gives the figures.

use super::availability::{judged_op, node_value};
use super::capacity::{Attempts, Capacity};
use super::queueing::Loading;
use crate::float::Portable;
use crate::model::{ComponentId, Design, Fanout, Flow, Link, LinkId, Op, VisitId, VisitSync};

/// Whether some link of the design retries (then loads depend on failure
/// probabilities, and the capacity model runs twice).
pub fn has_retries(design: &Design) -> bool {
    design.links.iter().any(|link| link.retries.unwrap_or(0) > 0)
}

/// Whether a hop over this link changes the figures: it retries or times
/// out.
pub fn shapes(link: &Link) -> bool {
    link.retries.unwrap_or(0) > 0 || link.timeout_ms.is_some()
}

/// One retried or timed-out hop of a flow and its arithmetic.
#[derive(Clone, Debug, PartialEq)]
pub struct HopAttempt {
    /// The callee's visit.
    pub visit: VisitId,
    pub link: LinkId,
    pub timeout_ms: Option<f64>,
    pub retries: u32,
    /// A_B.
    pub subtree_availability: f64,
    /// P(T_B ≤ t); 1 without a timeout.
    pub within_timeout: f64,
    /// The p99 of one attempt (link and subtree), when the tree model
    /// computed it.
    pub p99_ms: Option<f64>,
    /// f = 1 − A_B · P(T_B ≤ t).
    pub fail: f64,
    /// 1 − f^(n+1).
    pub success: f64,
    /// E = Σ_{k=0}^{n} fᵏ.
    pub expected_attempts: f64,
    /// The mean of one attempt that answers within the timeout (`None`:
    /// none does), when a model other than the tree's lattice computed it
    /// (`timed.rs`): the tree model's pass for the means takes it from
    /// here.
    pub answered_mean_ms: Option<f64>,
}

impl HopAttempt {
    fn new(visit: VisitId, link: LinkId, l: &Link, subtree: f64, within: f64, p99_ms: Option<f64>) -> HopAttempt {
        let retries = l.retries.unwrap_or(0);
        let fail = (1.0 - subtree * within).clamp(0.0, 1.0);
        let mut expected = 0.0;
        let mut power = 1.0;
        for _ in 0..=retries.min(1_000) {
            expected += power;
            power *= fail;
            if power == 0.0 {
                break;
            }
        }
        HopAttempt {
            visit,
            link,
            timeout_ms: l.timeout_ms,
            retries,
            subtree_availability: subtree,
            within_timeout: within,
            p99_ms,
            fail,
            success: 1.0 - fail.portable_powf(f64::from(retries) + 1.0),
            expected_attempts: expected,
            answered_mean_ms: None,
        }
    }

    /// The mean time of a timed hop (language.md §7): Σ_{k=0}^{n} (1 −
    /// f)·fᵏ·(k·t + m) + f^(n+1)·(n+1)·t, m the mean of an attempt that
    /// answers within t (`None`: none does, every attempt times out).
    /// Summed in the order the tree model sums it, so the digits agree.
    pub fn timed_mean(&self, answered_mean_ms: Option<f64>) -> f64 {
        let t = self.timeout_ms.unwrap_or(0.0);
        let n = self.retries.min(1_000);
        let all_fail = f64::from(n + 1) * t;
        let Some(m) = answered_mean_ms else {
            return all_fail;
        };
        let success = 1.0 - self.fail.portable_powf(f64::from(n) + 1.0);
        let mut mean = (1.0 - success) * all_fail;
        for k in (0..=n).rev() {
            mean += (1.0 - self.fail) * self.fail.portable_powf(f64::from(k)) * (f64::from(k) * t + m);
        }
        mean
    }
}

/// One factor of a subtree's availability (language.md §7: A_B, or the
/// flow's own availability for its root).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AvailabilityTerm {
    /// A judged hop below the root: its success stands for its subtree.
    Hop { visit: VisitId, success: f64 },
    /// A component counted once, judged by its most demanding hop
    /// (`judged_op` already applied), times the share it serves (1 unless
    /// saturated).
    Component {
        component: ComponentId,
        op: Op,
        link: Option<LinkId>,
        served: f64,
    },
}

/// The retried hops of one flow, computed from the leaves up (a hop's
/// subtree availability uses the success of the hops below it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Retries {
    /// By visit: the success of the hop into it, when it retries or times
    /// out.
    success: Vec<Option<f64>>,
    states: Vec<VisitSync>,
    pub hops: Vec<HopAttempt>,
}

impl Retries {
    pub fn new(design: &Design, flow: &Flow) -> Retries {
        Retries {
            success: vec![None; flow.visits.len()],
            states: flow.visit_sync(design),
            hops: Vec::new(),
        }
    }

    /// Whether the hop into `visit` is one this module judges: waited for,
    /// on the synchronous part, with retries or a timeout.
    pub fn judges(&self, design: &Design, flow: &Flow, visit: VisitId) -> Option<LinkId> {
        let this = flow.visits.get(visit)?;
        let link = this.link?;
        let parent = this.parent?;
        (self.states.get(parent) == Some(&VisitSync::Sync)
            && self.states.get(visit) != Some(&VisitSync::Background)
            && shapes(design.link(link)))
        .then_some(link)
    }

    /// Records the hop into `visit` with P(T ≤ t) = `within` (every hop
    /// below it already recorded).
    pub fn record(
        &mut self,
        design: &Design,
        flow: &Flow,
        loading: &Loading,
        visit: VisitId,
        within: f64,
        p99_ms: Option<f64>,
    ) -> &HopAttempt {
        let link = flow.visits[visit].link.unwrap_or(LinkId(0));
        let subtree = self.subtree_availability(design, flow, loading, visit);
        let hop = HopAttempt::new(visit, link, design.link(link), subtree, within, p99_ms);
        self.success[visit] = Some(hop.success);
        self.hops.push(hop);
        let last = self.hops.len() - 1;
        &self.hops[last]
    }

    /// Records a hop computed elsewhere (the tree model's answered-only
    /// pass, for timeouts nested in timeouts).
    pub fn adopt(&mut self, hop: HopAttempt) {
        if let Some(slot) = self.success.get_mut(hop.visit) {
            *slot = Some(hop.success);
        }
        self.hops.push(hop);
    }

    /// The hop into `visit`, when judged.
    pub fn hop(&self, visit: VisitId) -> Option<&HopAttempt> {
        self.hops.iter().find(|hop| hop.visit == visit)
    }

    /// Every judged hop without latency (P(T ≤ t) = 1): right for flows
    /// without timeouts.
    pub fn without_latency(design: &Design, flow: &Flow, loading: &Loading) -> Retries {
        let mut retries = Retries::new(design, flow);
        for visit in (0..flow.visits.len()).rev() {
            if retries.judges(design, flow, visit).is_some() {
                retries.record(design, flow, loading, visit, 1.0, None);
            }
        }
        retries.hops.sort_by_key(|hop| hop.visit);
        retries
    }

    /// The flow's availability: its synchronous tree with each judged hop
    /// counted by its success and each saturated component by its served
    /// share.
    pub fn flow_availability(&self, design: &Design, flow: &Flow, loading: &Loading) -> f64 {
        self.subtree_availability(design, flow, loading, 0)
    }

    /// A_B for the subtree from `root`: the product of its
    /// [`Retries::terms`], each hop's success first, then each component's
    /// factor times the share it serves.
    fn subtree_availability(&self, design: &Design, flow: &Flow, loading: &Loading, root: VisitId) -> f64 {
        let mut value = 1.0;
        for term in self.terms(design, flow, loading, root) {
            match term {
                AvailabilityTerm::Hop { success, .. } => value *= success,
                AvailabilityTerm::Component {
                    component,
                    op,
                    link,
                    served,
                } => {
                    value *= node_value(design, component, op, link.map(|link| design.link(link))).unwrap_or(1.0);
                    value *= served;
                }
            }
        }
        value
    }

    /// The terms of A_B for the subtree from `root` (the flow's
    /// availability for visit 0): the distinct components of its
    /// synchronous part (each with its most demanding hop, as
    /// `availability::judged_visits`), except those below a judged hop,
    /// which counts by its success instead; each component with the served
    /// share of a saturated one. Hops come first, in visit order, then the
    /// components in the order first visited: the order the product is
    /// taken in, so every caller gets the same digits.
    pub fn terms(&self, design: &Design, flow: &Flow, loading: &Loading, root: VisitId) -> Vec<AvailabilityTerm> {
        let n = flow.visits.len();
        let mut inside = vec![false; n];
        let mut judged: Vec<(ComponentId, Op, Option<LinkId>)> = Vec::new();
        let mut slot_of: rustc_hash::FxHashMap<ComponentId, usize> = rustc_hash::FxHashMap::default();
        let mut terms = Vec::new();
        let demand = |op: Op, link: Option<LinkId>| {
            let fanout = link.is_some_and(|link| design.link(link).fanout == Fanout::All);
            (op == Op::Write, fanout)
        };
        for idx in root..n {
            let visit = &flow.visits[idx];
            let member = idx == root || visit.parent.is_some_and(|parent| parent >= root && inside[parent]);
            if !member || self.states.get(idx) == Some(&VisitSync::Background) {
                continue;
            }
            if idx != root
                && let Some(success) = self.success.get(idx).copied().flatten()
            {
                // A judged hop below: its success stands for its subtree.
                terms.push(AvailabilityTerm::Hop { visit: idx, success });
                continue;
            }
            inside[idx] = true;
            let op = judged_op(visit.op);
            match slot_of.get(&visit.component) {
                Some(&at) => {
                    let (_, old_op, old_link) = judged[at];
                    if demand(op, visit.link) > demand(old_op, old_link) {
                        judged[at] = (visit.component, op, visit.link);
                    }
                }
                None => {
                    slot_of.insert(visit.component, judged.len());
                    judged.push((visit.component, op, visit.link));
                }
            }
        }
        terms.extend(
            judged
                .into_iter()
                .map(|(component, op, link)| AvailabilityTerm::Component {
                    component,
                    op,
                    link,
                    served: loading.served(component),
                }),
        );
        terms
    }

    /// The expected attempts of the hop into each visit (1 when not
    /// judged).
    pub fn attempts(&self, visits: usize) -> Vec<f64> {
        let mut out = vec![1.0; visits];
        for hop in &self.hops {
            if let Some(slot) = out.get_mut(hop.visit) {
                *slot = hop.expected_attempts;
            }
        }
        out
    }
}

/// Whether a flow's synchronous part has a hop with retries or a timeout.
pub fn flow_has_judged_hops(design: &Design, flow: &Flow) -> bool {
    let retries = Retries {
        success: Vec::new(),
        states: flow.visit_sync(design),
        hops: Vec::new(),
    };
    (0..flow.visits.len()).any(|visit| retries.judges(design, flow, visit).is_some())
}

/// The expected attempts of every retried hop of every flow, at the loads
/// of `capacity` (a first pass without retries).
pub fn expected_attempts(design: &Design, capacity: &Capacity) -> Attempts {
    let loading = Loading::new(design, capacity);
    let ids: Vec<crate::model::FlowId> = design.flow_ids().collect();
    super::parallel_map(&ids, |cache, id| {
        flow_attempts(design, design.flow(id), &loading, cache)
    })
}

/// The expected attempts of the hop into each visit of one flow at the
/// loads of `loading` (a down component counts as saturated with nothing
/// served: every attempt into its subtree fails); `None` when no hop of its
/// synchronous part retries.
pub fn flow_attempts(
    design: &Design,
    flow: &Flow,
    loading: &Loading,
    cache: &mut super::dist::LawCache,
) -> Option<Vec<f64>> {
    let states = flow.visit_sync(design);
    let retried = flow.visits.iter().enumerate().any(|(idx, visit)| {
        states[idx] != VisitSync::Background
            && visit
                .link
                .is_some_and(|link| design.link(link).retries.unwrap_or(0) > 0)
    });
    if !retried {
        return None;
    }
    let timed = flow
        .visits
        .iter()
        .any(|visit| visit.link.is_some_and(|link| design.link(link).timeout_ms.is_some()));
    let retries = if timed {
        // A path with one timed hop needs that hop only (`timed.rs`).
        super::timed::TimedPath::hop(design, flow, loading, cache).unwrap_or_else(|| {
            super::tree::TreeModel::loaded(design, flow, super::LatencyOptions::default(), loading, cache).retries
        })
    } else {
        Retries::without_latency(design, flow, loading)
    };
    Some(retries.attempts(flow.visits.len()))
}

/// Whether a flow's synchronous part has a hop that retries.
pub fn flow_retries(design: &Design, flow: &Flow) -> bool {
    let states = flow.visit_sync(design);
    flow.visits.iter().enumerate().any(|(idx, visit)| {
        states[idx] != VisitSync::Background
            && visit
                .link
                .is_some_and(|link| design.link(link).retries.unwrap_or(0) > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::test_design;

    #[test]
    fn a_retried_hop_succeeds_unless_every_attempt_fails() {
        let design = test_design(
            r#"system s {
              client users { rps = 1000 }
              service api { replicas = 2, availability = 99% }
              service svc { availability = 99.5% }
              users -> api
              api -> svc { retries = 2, idempotent = true }
              flow f { path = users -> api -> svc }
            }"#,
        );
        let flow = &design.flows[0];
        let retries = Retries::without_latency(&design, flow, &Loading::unloaded());
        let hop = &retries.hops[0];
        assert!((hop.fail - 0.005).abs() < 1e-15);
        assert!((hop.success - (1.0 - 0.005_f64.powi(3))).abs() < 1e-15);
        assert!((hop.expected_attempts - (1.0 + 0.005 + 0.000_025)).abs() < 1e-15);
        let value = retries.flow_availability(&design, flow, &Loading::unloaded());
        assert!((value - 0.9999 * (1.0 - 0.005_f64.powi(3))).abs() < 1e-15, "{value}");
    }
}
