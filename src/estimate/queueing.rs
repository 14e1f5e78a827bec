//! The M/M/c waiting time of language.md §6: a component with c instances
//! of rate μ each, offered λ requests a second (utilization ρ = λ / (c·μ)),
//! makes a request wait W: 0 with probability 1 − P_wait, else an
//! exponential of rate c·μ·(1 − ρ), where P_wait is Erlang C.
//!
//! Erlang C is computed through Erlang B's recurrence
//! B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)), C = B / (1 − ρ·(1 − B)):
//! no factorial and no power of a, so it neither overflows nor loses
//! precision for any c up to 100,000 (and beyond); each step is a ratio in
//! [0, 1]. Cost: c steps, cut short once B underflows to 0.
//!
//! c in the capacity model need not be a whole number (a quorum read takes
//! r of n nodes: c = n / r). A station then has ⌊c⌋ servers (at least one),
//! each of rate c·μ / ⌊c⌋: the total rate, and so ρ, is kept
//! (docs/estimate.md, "Queueing").

use super::capacity::{Capacity, instance_count, served_fraction};
use crate::float::Portable;
use crate::model::{ComponentId, Design, Flow, Kind, Link, Op, VisitSync};

/// Erlang C: the probability that a request waits in an M/M/c queue with
/// `servers` servers and offered load `a` = λ / μ (in servers' worth),
/// for a < servers; 1 at or above saturation, 0 without load.
pub fn erlang_c(servers: u32, a: f64) -> f64 {
    let c = servers.max(1);
    if a.is_nan() || a <= 0.0 {
        return 0.0;
    }
    let rho = a / f64::from(c);
    if rho >= 1.0 {
        return 1.0;
    }
    let mut b = 1.0_f64;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
        if b == 0.0 {
            return 0.0;
        }
    }
    (b / (1.0 - rho * (1.0 - b))).clamp(0.0, 1.0)
}

/// One M/M/c station as a visit sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Station {
    /// Servers: ⌊c⌋, at least one.
    pub servers: u32,
    /// c as the capacity model counts it (may be fractional).
    pub c: f64,
    /// Rate of one server, requests a second (c·μ / servers).
    pub mu_per_s: f64,
    /// λ, requests a second.
    pub lambda_per_s: f64,
    /// ρ = λ / (c·μ).
    pub rho: f64,
}

impl Station {
    /// A station of c instances of `mu` requests a second each at
    /// utilization `rho`; `None` when there is nothing to queue for (no
    /// positive rate, or no load).
    pub fn new(c: f64, mu: f64, rho: f64) -> Option<Station> {
        if !(c.is_finite() && mu.is_finite() && rho.is_finite()) || c <= 0.0 || mu <= 0.0 || rho <= 0.0 {
            return None;
        }
        let servers = (c.floor() as u32).max(1);
        let total = c * mu;
        Some(Station {
            servers,
            c,
            mu_per_s: total / f64::from(servers),
            lambda_per_s: rho * total,
            rho,
        })
    }

    /// Whether it serves less than it is offered (ρ ≥ 1).
    pub fn saturated(&self) -> bool {
        self.rho >= 1.0
    }

    /// The share of its load it serves: 1 below saturation, c·μ / λ at or
    /// above it.
    pub fn served_fraction(&self) -> f64 {
        if self.saturated() { 1.0 / self.rho } else { 1.0 }
    }

    /// The waiting time W of a request, below saturation.
    pub fn wait(&self) -> Option<Wait> {
        if self.saturated() {
            return None;
        }
        let a = self.rho * f64::from(self.servers);
        let p_wait = erlang_c(self.servers, a);
        let rate_per_s = f64::from(self.servers) * self.mu_per_s * (1.0 - self.rho);
        Some(Wait {
            p_wait,
            rate_per_ms: rate_per_s / 1000.0,
        })
    }
}

/// W: 0 with probability 1 − `p_wait`, else exponential of rate
/// `rate_per_ms`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Wait {
    pub p_wait: f64,
    pub rate_per_ms: f64,
}

impl Wait {
    /// Mean W in milliseconds: P_wait / (c·μ·(1 − ρ)).
    pub fn mean_ms(&self) -> f64 {
        if self.p_wait <= 0.0 {
            0.0
        } else {
            self.p_wait / self.rate_per_ms
        }
    }

    /// Mean and variance of W: P/r and 2P/r² − (P/r)².
    pub fn moments(&self) -> (f64, f64) {
        let mean = self.mean_ms();
        if mean == 0.0 {
            return (0.0, 0.0);
        }
        let r = self.rate_per_ms;
        (mean, (2.0 * self.p_wait / (r * r) - mean * mean).max(0.0))
    }

    /// W on the lattice 0, h, 2h, … (at most `len` points): point 0 holds
    /// the mass at 0 and the exponential's share of the first half cell,
    /// point k the exponential's mass in ((k − ½)h, (k + ½)h]; the points
    /// end where less than 1e-12 is left or at `len`. The mass past the
    /// last point goes into it with `lump_past_end` (the tree model's
    /// lattices hold all the mass), else it is left out (the path model's
    /// spectra hold the first `len` points, as for its laws).
    pub fn lattice_masses(&self, h: f64, len: usize, lump_past_end: bool) -> Vec<f64> {
        let p = self.p_wait.clamp(0.0, 1.0);
        let r = self.rate_per_ms;
        let mut mass = Vec::with_capacity(64);
        let mut previous = 0.0; // P(W_cont <= lower edge of the cell)
        for k in 0..len {
            let upper = (k as f64 + 0.5) * h;
            let cdf = 1.0 - (-r * upper).portable_exp();
            mass.push(p * (cdf - previous));
            previous = cdf;
            if 1.0 - cdf < 1e-12 {
                break;
            }
        }
        if lump_past_end && let Some(last) = mass.last_mut() {
            *last += p * (1.0 - previous);
        }
        if let Some(first) = mass.first_mut() {
            *first += 1.0 - p;
        }
        mass
    }

    /// P(W ≤ t).
    pub fn cdf(&self, t_ms: f64) -> f64 {
        if t_ms < 0.0 {
            return 0.0;
        }
        1.0 - self.p_wait * (-self.rate_per_ms * t_ms).portable_exp()
    }

    /// Whether it adds nothing: no chance of waiting, or one below
    /// [`NEGLIGIBLE_WAIT`] (Erlang C of a station with many servers and
    /// room to spare is 1e-200 rather than 0: taking it for a wait would
    /// move the flow onto the lattice for a change no figure shows).
    pub fn is_none(&self) -> bool {
        self.p_wait <= NEGLIGIBLE_WAIT || !self.rate_per_ms.is_finite() || self.rate_per_ms <= 0.0
    }
}

/// A probability of waiting at or below this counts as none: it moves
/// every percentile by at most a billionth of a level and the mean by at
/// most a billionth of the mean wait (docs/estimate.md, "Queueing and
/// overload").
pub const NEGLIGIBLE_WAIT: f64 = 1e-9;

/// The loads of a design as its visits see them (language.md §6): each
/// component's utilization from the capacity model, from which a visit's
/// station (c for the visit's operation), its wait and the share a
/// saturated component serves follow.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loading {
    /// By component index; `None` without a `capacity`.
    utilization: Vec<Option<f64>>,
}

impl Loading {
    /// No load anywhere: no waits, nothing saturated (the figures of
    /// language.md §4 alone).
    pub fn unloaded() -> Loading {
        Loading::default()
    }

    pub fn new(design: &Design, capacity: &Capacity) -> Loading {
        let mut utilization = vec![None; design.components.len()];
        for load in &capacity.components {
            if let Some(slot) = utilization.get_mut(load.component.index()) {
                *slot = load.utilization;
            }
        }
        Loading { utilization }
    }

    /// Sets one component's utilization (a changed design's loads over the
    /// baseline's).
    pub fn set(&mut self, id: ComponentId, utilization: Option<f64>) {
        if let Some(slot) = self.utilization.get_mut(id.index()) {
            *slot = utilization;
        }
    }

    /// Takes the utilizations of `after` (a change's re-run) that differ,
    /// to the bit, from `before`'s (the baseline's), but not of the
    /// components `skip` names: the components whose waits and shedding
    /// moved, sorted. The flows through them are the ones to estimate
    /// again (language.md §6).
    pub fn update(
        &mut self,
        before: &Capacity,
        after: &Capacity,
        skip: impl Fn(ComponentId) -> bool,
    ) -> Vec<ComponentId> {
        let mut moved = Vec::new();
        for now in &after.components {
            let was = before.component(now.component).and_then(|load| load.utilization);
            if now.utilization.map(f64::to_bits) != was.map(f64::to_bits) && !skip(now.component) {
                self.set(now.component, now.utilization);
                moved.push(now.component);
            }
        }
        moved.sort_unstable();
        moved
    }

    /// These loads with some components down: each as if saturated with
    /// nothing served, so every attempt into it fails (what-if's retry
    /// storms, language.md §7).
    pub fn with_down(&self, down: &[ComponentId]) -> Loading {
        let mut out = self.clone();
        for id in down {
            if let Some(slot) = out.utilization.get_mut(id.index()) {
                *slot = Some(f64::INFINITY);
            }
        }
        out
    }

    pub fn utilization(&self, id: ComponentId) -> Option<f64> {
        self.utilization.get(id.index()).copied().flatten()
    }

    /// Whether it is offered at least what it can serve.
    pub fn saturated(&self, id: ComponentId) -> bool {
        self.utilization(id).is_some_and(|rho| rho >= 1.0)
    }

    /// The share of its load it serves (1 unless saturated).
    pub fn served(&self, id: ComponentId) -> f64 {
        self.utilization(id).map_or(1.0, served_fraction)
    }

    /// The M/M/c station a visit over `incoming` with operation `op` meets.
    pub fn station(&self, design: &Design, id: ComponentId, op: Op, incoming: Option<&Link>) -> Option<Station> {
        let component = design.component(id);
        if component.kind == Kind::Client {
            return None;
        }
        let mu = component.capacity?;
        let rho = self.utilization(id)?;
        Station::new(instance_count(component, op, incoming), mu, rho)
    }

    /// The wait of such a visit, when it may wait at all (below saturation).
    pub fn wait(&self, design: &Design, id: ComponentId, op: Op, incoming: Option<&Link>) -> Option<Wait> {
        self.station(design, id, op, incoming)
            .and_then(|station| station.wait())
            .filter(|wait| !wait.is_none())
    }

    /// Whether the load changes anything of this flow's synchronous part:
    /// a visit that may wait, or a saturated component.
    pub fn reaches(&self, design: &Design, flow: &Flow) -> bool {
        if self.utilization.is_empty() {
            return false;
        }
        let states = flow.visit_sync(design);
        flow.visits.iter().zip(&states).any(|(visit, state)| {
            *state != VisitSync::Background
                && (self.saturated(visit.component)
                    || self
                        .wait(
                            design,
                            visit.component,
                            super::availability::judged_op(visit.op),
                            visit.link.map(|link| design.link(link)),
                        )
                        .is_some())
        })
    }

    /// The sum of the means and of the variances of the waits of a flow's
    /// synchronous visits (each 0 with probability 1 − P_wait, else
    /// exponential of rate r: mean P/r, second moment 2P/r²), for the
    /// bound of [`super::latency::slo_surely_met_with_waits`].
    pub fn wait_moments(&self, design: &Design, flow: &Flow) -> (f64, f64) {
        if self.utilization.is_empty() {
            return (0.0, 0.0);
        }
        let states = flow.visit_sync(design);
        let (mut mean, mut variance) = (0.0, 0.0);
        for (visit, state) in flow.visits.iter().zip(&states) {
            if *state == VisitSync::Background {
                continue;
            }
            let incoming = visit.link.map(|link| design.link(link));
            let op = super::availability::judged_op(visit.op);
            if let Some(wait) = self.wait(design, visit.component, op, incoming) {
                let (m, v) = wait.moments();
                mean += m;
                variance += v;
            }
        }
        (mean, variance)
    }

    /// The saturated components of a flow's synchronous part, each once, in
    /// the order first visited.
    pub fn saturated_on(&self, design: &Design, flow: &Flow) -> Vec<ComponentId> {
        let mut out: Vec<ComponentId> = Vec::new();
        if self.utilization.is_empty() {
            return out;
        }
        let states = flow.visit_sync(design);
        for (visit, state) in flow.visits.iter().zip(&states) {
            if *state != VisitSync::Background && self.saturated(visit.component) && !out.contains(&visit.component) {
                out.push(visit.component);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Erlang C by its textbook formula, for small c.
    fn erlang_c_direct(c: u32, a: f64) -> f64 {
        let mut sum = 0.0;
        let mut term = 1.0;
        for k in 0..c {
            if k > 0 {
                term *= a / f64::from(k);
            }
            sum += term;
        }
        let last = term * a / f64::from(c) / (1.0 - a / f64::from(c));
        last / (sum + last)
    }

    #[test]
    fn erlang_c_matches_the_published_value() {
        // c = 2, a = 1.5: P_wait = 0.642857… (9/14).
        assert!((erlang_c(2, 1.5) - 9.0 / 14.0).abs() < 1e-12, "{}", erlang_c(2, 1.5));
        // One server: P_wait = ρ.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    }

    #[test]
    fn erlang_c_agrees_with_the_formula() {
        for c in 1..=30 {
            for step in 1..20 {
                let a = f64::from(c) * f64::from(step) / 20.0;
                let (fast, direct) = (erlang_c(c, a), erlang_c_direct(c, a));
                assert!(
                    (fast - direct).abs() < 1e-10 * direct.max(1e-300),
                    "c={c} a={a}: {fast} vs {direct}"
                );
            }
        }
    }

    #[test]
    fn erlang_c_is_finite_for_large_stations() {
        for c in [1_000, 10_000, 100_000] {
            for rho in [0.1, 0.5, 0.9, 0.99, 0.999_999] {
                let p = erlang_c(c, rho * f64::from(c));
                assert!(p.is_finite() && (0.0..=1.0).contains(&p), "c={c} rho={rho}: {p}");
            }
        }
        // At 99.9999% utilization even 100,000 servers almost surely wait.
        assert!(erlang_c(100_000, 0.999_999 * 100_000.0) > 0.99);
    }

    #[test]
    fn a_fractional_station_keeps_its_rate() {
        let station = Station::new(1.5, 100.0, 0.5).unwrap();
        assert_eq!(station.servers, 1);
        assert!((station.mu_per_s - 150.0).abs() < 1e-12);
        assert!((station.lambda_per_s - 75.0).abs() < 1e-12);
    }

    #[test]
    fn mean_wait_of_the_queueing_example() {
        // ../shared/examples/trees/tree_queueing_005: 3 instances of
        // 47.619048/s at ρ = 0.7 wait 11.488 ms on average.
        let wait = Station::new(3.0, 47.619048, 0.7).unwrap().wait().unwrap();
        assert!((wait.mean_ms() - 11.488038).abs() < 1e-3, "{}", wait.mean_ms());
    }
}
