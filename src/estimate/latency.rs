//! The latency model of language.md §4: a flow's synchronous path, walked
//! hop by hop, stops at each cdn or cache with its hit ratio; its latency is
//! the mixture over the stopping points of fixed shifts (links, components
//! with p99 = p50) plus sums of independent log-normals (the rest).
//!
//! [`PathModel`] is that walk, with every figure and where it came from
//! (`explain` prints it). [`quantiles`] computes the mixture's percentiles
//! on a lattice (dist.rs): the random prefix up to each stop is built once,
//! incrementally, and the fixed part of each stop is an exact shift, so
//! fixed designs come out exact.
//!
//! At the loads of a [`Loading`] (language.md §6), each visit of a component
//! with a known capacity also waits: its M/M/c wait (a point mass at 0 and
//! an exponential tail) is one more independent random part of the sum, a
//! factor of the same product of spectra as the laws.

use super::dist::{Law, LawCache, Scratch};
use super::fft::Spectrum;
use super::math::{fast_norm_cdf, norm_isf, norm_pdf};
use super::queueing::{Loading, Wait};
use crate::float::Portable;
use crate::model::{Component, ComponentId, Design, Flow, Kind, Link, LinkId, Origin, RegionId, Slo};

/// Where a link's round trip came from (language.md §4, "Latency").
#[derive(Clone, Debug, PartialEq)]
pub enum LinkSource {
    /// The link's own `latency`.
    Declared,
    /// The `rtt` between the regions of its ends.
    Rtt(RegionId, RegionId),
    /// From a client into a cdn: 10 ms.
    ClientIntoCdn,
    /// From a client into anything else (public internet): 40 ms.
    ClientIntoOrigin,
    /// From a cdn into a non-cdn origin: 40 ms.
    CdnIntoOrigin,
    /// Inside a data centre: 0.5 ms.
    InsideDataCentre,
    /// Into an embedded cache, in the caller's process: 0 ms.
    InProcess,
}

impl LinkSource {
    pub fn describe(&self, design: &Design) -> String {
        match self {
            LinkSource::Declared => "declared on the link".to_string(),
            LinkSource::Rtt(a, b) => format!(
                "rtt {} <-> {} (docs/language.md, \"Network latency of a link\")",
                design.region(*a).id,
                design.region(*b).id
            ),
            LinkSource::ClientIntoCdn => {
                "client into a cdn: 10 ms (docs/language.md, \"Network latency of a link\")".to_string()
            }
            LinkSource::ClientIntoOrigin => {
                "client over the public internet: 40 ms (docs/language.md, \"Network latency of a link\")".to_string()
            }
            LinkSource::CdnIntoOrigin => {
                "cdn to its origin: 40 ms (docs/language.md, \"Network latency of a link\")".to_string()
            }
            LinkSource::InsideDataCentre => {
                "inside a data centre: 0.5 ms (docs/language.md, \"Network latency of a link\")".to_string()
            }
            LinkSource::InProcess => "an embedded cache, in the caller's process: 0 ms".to_string(),
        }
    }
}

/// The network round trip of a link (language.md §4): its `latency`; else
/// the `rtt` between different regions; else 10 ms from a client into a
/// cdn, 40 ms from a client into anything else or from a cdn into a
/// non-cdn; else 0.5 ms.
pub fn link_round_trip(design: &Design, link_id: LinkId) -> (f64, LinkSource) {
    let link = design.link(link_id);
    if let Some(ms) = link.latency_ms {
        return (ms, LinkSource::Declared);
    }
    let (from, to) = (design.component(link.from), design.component(link.to));
    if to.is_embedded() {
        return (0.0, LinkSource::InProcess);
    }
    if let (Some(a), Some(b)) = (from.region, to.region)
        && a != b
        && let Some(ms) = design.rtt_ms(a, b)
    {
        return (ms, LinkSource::Rtt(a, b));
    }
    match (from.kind, to.kind) {
        (Kind::Client, Kind::Cdn) => (10.0, LinkSource::ClientIntoCdn),
        (Kind::Client, _) => (40.0, LinkSource::ClientIntoOrigin),
        (Kind::Cdn, to) if to != Kind::Cdn => (40.0, LinkSource::CdnIntoOrigin),
        _ => (0.5, LinkSource::InsideDataCentre),
    }
}

/// A component's latency on a path.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeLatency {
    /// Clients add nothing (their network hop is their link).
    Client,
    /// p99 = p50: a fixed value.
    Fixed(f64),
    /// A log-normal fitted to p50 and p99, or (`fanout = all` into N
    /// shards) the maximum of N draws of it.
    Random { law: Law, shards: u32 },
}

/// One component visited by the synchronous part.
#[derive(Clone, Debug)]
pub struct NodeStep {
    pub component: ComponentId,
    pub latency: NodeLatency,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub origin: Origin,
    /// Probability that a request reaches this component.
    pub reach: f64,
    /// A cdn or cache where requests may stop: its hit ratio.
    pub hit_ratio: Option<f64>,
    /// The exact mean of this component's latency (its wait not counted).
    pub mean_ms: f64,
    /// Its M/M/c wait at the loads the model was built for.
    pub wait: Option<Wait>,
}

/// One link crossed by the synchronous part.
#[derive(Clone, Debug)]
pub struct LinkStep {
    pub link: LinkId,
    pub ms: f64,
    pub source: LinkSource,
    pub reach: f64,
}

#[derive(Clone, Debug)]
pub enum Step {
    Node(NodeStep),
    Link(LinkStep),
}

/// Where requests stop: a cdn or cache hit, or the end of the synchronous
/// part.
#[derive(Clone, Debug, PartialEq)]
pub struct Stop {
    pub at: ComponentId,
    /// Whether this is a hit (else the end of the path).
    pub hit: bool,
    pub probability: f64,
    /// Sum of the fixed latencies up to here (links and fixed components).
    pub fixed_ms: f64,
    /// The random laws up to here: the first `law_count` of `PathModel::laws`.
    pub law_count: usize,
    /// The waits up to here: the first `wait_count` of `PathModel::waits`.
    pub wait_count: usize,
    /// Exact mean latency of the requests that stop here.
    pub mean_ms: f64,
    /// Index in `PathModel::steps` of the last step counted.
    pub last_step: usize,
}

/// A flow's synchronous part as the latency model sees it.
#[derive(Clone, Debug)]
pub struct PathModel {
    pub steps: Vec<Step>,
    pub laws: Vec<Law>,
    /// The waits of the visits, in path order (none without load).
    pub waits: Vec<Wait>,
    pub stops: Vec<Stop>,
    pub background: Vec<ComponentId>,
}

/// Which parts of the model to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LatencyOptions {
    /// Apply `fanout = all` (the maximum of N draws). Off: one draw, for
    /// "the p99 without the fan-out".
    pub fanout: bool,
}

impl Default for LatencyOptions {
    fn default() -> Self {
        LatencyOptions { fanout: true }
    }
}

/// A component's latency law, or its fixed value.
pub fn node_latency(p50: f64, p99: f64) -> NodeLatency {
    if p50.is_nan() || p50 <= 0.0 || !p50.is_finite() {
        // A median of 0 (or an unusable figure) is a fixed 0: no log-normal
        // has median 0.
        return NodeLatency::Fixed(if p50.is_finite() { p50.max(0.0) } else { 0.0 });
    }
    if p99.is_nan() || p99 <= p50 || !p99.is_finite() {
        return NodeLatency::Fixed(p50);
    }
    NodeLatency::Random {
        law: Law::fit(p50, p99),
        shards: 1,
    }
}

/// Whether the latency model sees the same component in `a` and `b` (one
/// component before and after a change): [`PathModel::new`] and
/// [`link_round_trip`] read nothing else of a component, so every flow
/// through it keeps its latency figures to the bit. `false` when unsure
/// (a NaN figure).
pub fn same_latency_inputs(a: &Component, b: &Component) -> bool {
    a.kind == b.kind
        && a.latency == b.latency
        && a.shard.as_ref().map(|shard| shard.count) == b.shard.as_ref().map(|shard| shard.count)
        && a.hit_ratio().to_bits() == b.hit_ratio().to_bits()
        && a.region == b.region
}

/// [`same_latency_inputs`] for a link.
pub fn same_link_latency_inputs(a: &Link, b: &Link) -> bool {
    a.from == b.from
        && a.to == b.to
        && a.mode == b.mode
        && a.fanout == b.fanout
        && a.latency_ms.map(f64::to_bits) == b.latency_ms.map(f64::to_bits)
}

impl Stop {
    /// Whether requests stopping here take a random time (a law or a wait
    /// on the way).
    pub fn is_random(&self) -> bool {
        self.law_count > 0 || self.wait_count > 0
    }
}

impl PathModel {
    /// The sum of the means of its random parts (laws and waits).
    pub fn random_mean_ms(&self) -> f64 {
        self.laws.iter().map(|law| law.approx_moments().0).sum::<f64>()
            + self.waits.iter().map(Wait::mean_ms).sum::<f64>()
    }

    /// The fixed part of its lightest stop.
    pub fn lightest_fixed_ms(&self) -> f64 {
        self.stops
            .iter()
            .map(|stop| stop.fixed_ms)
            .fold(f64::INFINITY, f64::min)
    }

    /// Without load: language.md §4.
    pub fn new(design: &Design, flow: &Flow, options: LatencyOptions) -> PathModel {
        PathModel::loaded(design, flow, options, &Loading::unloaded())
    }

    /// At the loads of `loading`: each visit of a component with a known
    /// capacity adds its M/M/c wait (language.md §6), as the tree model's
    /// visits do.
    pub fn loaded(design: &Design, flow: &Flow, options: LatencyOptions, loading: &Loading) -> PathModel {
        let sync = flow.sync_part(design);
        let mut steps = Vec::with_capacity(sync.nodes.len() + sync.links.len());
        let mut laws = Vec::new();
        let mut waits = Vec::new();
        let mut stops = Vec::new();
        let mut reach = 1.0_f64;
        let mut fixed = 0.0_f64;
        let mut mean = 0.0_f64;
        let node_count = sync.nodes.len();
        for (idx, &component_id) in sync.nodes.iter().enumerate() {
            let incoming = idx.checked_sub(1).and_then(|hop| sync.links.get(hop)).copied();
            if let Some(link_id) = incoming {
                let (ms, source) = link_round_trip(design, link_id);
                fixed += ms;
                mean += ms;
                steps.push(Step::Link(LinkStep {
                    link: link_id,
                    ms,
                    source,
                    reach,
                }));
            }
            let component = design.component(component_id);
            let (p50, p99) = (component.latency.p50_ms, component.latency.p99_ms);
            let mut latency = if component.kind == Kind::Client {
                NodeLatency::Client
            } else {
                node_latency(p50, p99)
            };
            let shards = super::tree::shards(design, incoming, component_id, options);
            if let NodeLatency::Random { law, .. } = &mut latency {
                *law = law.max_of(shards);
                latency = NodeLatency::Random { law: *law, shards };
            }
            let node_mean = match &latency {
                NodeLatency::Client => 0.0,
                NodeLatency::Fixed(ms) => {
                    fixed += ms;
                    *ms
                }
                NodeLatency::Random { law, .. } => {
                    laws.push(*law);
                    law.mean()
                }
            };
            mean += node_mean;
            // The visit's op and incoming hop decide its station, as in the
            // tree model.
            let wait = sync
                .visits
                .get(idx)
                .and_then(|visit| flow.visits.get(*visit))
                .filter(|_| component.kind != Kind::Client)
                .and_then(|visit| {
                    loading.wait(design, component_id, visit.op, visit.link.map(|link| design.link(link)))
                });
            if let Some(wait) = wait {
                waits.push(wait);
                mean += wait.mean_ms();
            }
            let more_follows = idx + 1 < node_count || sync.links.len() >= node_count;
            let hit_ratio = component
                .kind
                .is_cache_like()
                .then(|| component.hit_ratio().clamp(0.0, 1.0))
                .filter(|h| h.is_finite());
            steps.push(Step::Node(NodeStep {
                component: component_id,
                latency,
                p50_ms: p50,
                p99_ms: p99,
                origin: component.latency.origin.clone(),
                reach,
                hit_ratio,
                mean_ms: node_mean,
                wait,
            }));
            if let Some(h) = hit_ratio.filter(|_| more_follows) {
                if h > 0.0 {
                    stops.push(Stop {
                        at: component_id,
                        hit: true,
                        probability: reach * h,
                        fixed_ms: fixed,
                        law_count: laws.len(),
                        wait_count: waits.len(),
                        mean_ms: mean,
                        last_step: steps.len() - 1,
                    });
                }
                reach *= 1.0 - h;
                if reach <= 0.0 {
                    break;
                }
            }
        }
        if reach > 0.0 {
            // A fire-and-forget hop counts its own round trip only.
            if sync.links.len() >= node_count
                && node_count > 0
                && let Some(&link_id) = sync.links.last()
            {
                let (ms, source) = link_round_trip(design, link_id);
                fixed += ms;
                mean += ms;
                steps.push(Step::Link(LinkStep {
                    link: link_id,
                    ms,
                    source,
                    reach,
                }));
            }
            if let Some(&last) = sync.nodes.last() {
                stops.push(Stop {
                    at: last,
                    hit: false,
                    probability: reach,
                    fixed_ms: fixed,
                    law_count: laws.len(),
                    wait_count: waits.len(),
                    mean_ms: mean,
                    last_step: steps.len().saturating_sub(1),
                });
            }
        }
        PathModel {
            steps,
            laws,
            waits,
            stops,
            background: sync.background,
        }
    }

    /// The exact mean: Σ P(stop) × mean(stop), which equals Σ P(reach node)
    /// × mean(node) + Σ P(reach link) × link latency (language.md §4).
    pub fn mean_ms(&self) -> f64 {
        self.stops.iter().map(|stop| stop.probability * stop.mean_ms).sum()
    }

    /// Whether some random law has a fan-out.
    pub fn has_fanout(&self) -> bool {
        self.steps.iter().any(|step| {
            matches!(step, Step::Node(NodeStep { latency: NodeLatency::Random { shards, .. }, .. }) if *shards > 1)
        })
    }
}

/// Lattice spacing as a fraction of the smallest quantile asked for.
const RESOLUTION: f64 = 0.004;
/// At most this many lattice points per flow (then the spacing grows).
const MAX_POINTS: usize = 1 << 16;
/// Tolerance of "F(t) >= q" (language.md §4: ties within 1e-9).
const TIE: f64 = 1e-9;

/// One stop's distribution: a fixed shift plus, unless it has no random
/// part, the cumulative lattice of the random part.
struct StopCdf {
    probability: f64,
    shift: f64,
    h: f64,
    cumulative: Option<Vec<f64>>,
}

impl StopCdf {
    /// The lattice cell t falls in, as [`StopCdf::cdf`] reads it: −1 before
    /// the first, `len` past the last.
    fn cell(&self, t: f64, len: usize) -> i64 {
        let u = (t - self.shift) / self.h + 0.5;
        if u <= 0.0 {
            -1
        } else if u >= len as f64 {
            len as i64
        } else {
            u as i64
        }
    }

    fn cdf(&self, t: f64) -> f64 {
        let x = t - self.shift;
        let Some(cumulative) = &self.cumulative else {
            return if x >= 0.0 { 1.0 } else { 0.0 };
        };
        // Point k's mass spread over [(k−½)h, (k+½)h]: cumulative[k] at
        // (k+½)h, 0 at −½h, linear between.
        let u = x / self.h + 0.5;
        if u <= 0.0 {
            return 0.0;
        }
        // u > 0: truncation is the floor.
        let idx = u as usize;
        let frac = u - idx as f64;
        let len = cumulative.len();
        if idx >= len {
            return cumulative.last().copied().unwrap_or(0.0);
        }
        let before = if idx == 0 { 0.0 } else { cumulative[idx - 1] };
        before + (cumulative[idx] - before) * frac
    }
}

/// The flow's latency distribution: the stops' shifted lattices.
pub struct Mixture {
    stops: Vec<StopCdf>,
    /// The largest t the lattices describe.
    upper: f64,
    /// Quantiles already found (by q's bits), so that asking twice costs
    /// nothing.
    known: Vec<(u64, Option<f64>)>,
}

impl Mixture {
    pub fn cdf(&self, t: f64) -> f64 {
        self.stops.iter().map(|stop| stop.probability * stop.cdf(t)).sum()
    }

    /// The smallest t with F(t) >= q (within 1e-9), if within the lattice.
    /// Bisection on t until F is linear between the ends (no cell boundary
    /// of a lattice and no step of a fixed stop in between), then the
    /// linear equation; steps of fixed stops are landed on exactly.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if let Some((_, known)) = self.known.iter().find(|(asked, _)| *asked == q.to_bits()) {
            return *known;
        }
        let target = q - TIE;
        let mut lo = self
            .stops
            .iter()
            .map(|stop| stop.shift - stop.h)
            .fold(f64::INFINITY, f64::min);
        let mut hi = self.upper;
        if !lo.is_finite() || !hi.is_finite() || self.cdf(hi) < target {
            return None;
        }
        let (mut f_lo, mut f_hi) = (self.cdf(lo), self.cdf(hi));
        if f_lo >= target {
            return Some(lo.max(0.0));
        }
        for _ in 0..200 {
            if self.linear_between(lo, hi) && f_hi > f_lo {
                let t = lo + (target - f_lo) / (f_hi - f_lo) * (hi - lo);
                return Some(t.clamp(lo, hi));
            }
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            let f_mid = self.cdf(mid);
            if f_mid >= target {
                hi = mid;
                f_hi = f_mid;
            } else {
                lo = mid;
                f_lo = f_mid;
            }
            if hi - lo <= 1e-12 * hi.abs().max(1e-9) {
                break;
            }
        }
        // Fixed stops are steps: land exactly on them.
        let snapped = self
            .stops
            .iter()
            .filter(|stop| stop.cumulative.is_none() && (stop.shift - hi).abs() <= 1e-9 * hi.abs().max(1.0))
            .map(|stop| stop.shift)
            .find(|shift| self.cdf(*shift) >= target);
        Some(snapped.unwrap_or(hi))
    }

    /// Whether F is linear on [lo, hi]: every lattice in one cell (or past
    /// an end) at both ends, and no fixed stop's step in (lo, hi].
    fn linear_between(&self, lo: f64, hi: f64) -> bool {
        self.stops.iter().all(|stop| match &stop.cumulative {
            None => !(lo < stop.shift && stop.shift <= hi),
            Some(cumulative) => stop.cell(lo, cumulative.len()) == stop.cell(hi, cumulative.len()),
        })
    }

    /// Mean of what the lattices hold (mass past their end left out): the
    /// distribution's own mean, to test the numerics against the exact one.
    pub fn lattice_mean(&self) -> f64 {
        self.stops
            .iter()
            .map(|stop| match &stop.cumulative {
                None => stop.probability * stop.shift,
                Some(cumulative) => {
                    let held = cumulative.last().copied().unwrap_or(0.0);
                    let mut previous = 0.0;
                    let mut moment = 0.0;
                    for (k, c) in cumulative.iter().enumerate() {
                        moment += k as f64 * stop.h * (c - previous);
                        previous = *c;
                    }
                    stop.probability * (stop.shift * held + moment)
                }
            })
            .sum()
    }
}

/// The approximate law of each stop, to size the lattice: the fixed part
/// plus a log-normal with the random part's mean and variance
/// (Fenton–Wilkinson).
struct Approximation {
    stops: Vec<StopApproximation>,
}

/// (P(stop), fixed part, (μ, σ) of the random part if any).
type StopApproximation = (f64, f64, Option<(f64, f64)>);

impl Approximation {
    fn new(model: &PathModel) -> Approximation {
        let law_prefix = prefix_sums(model.laws.iter().map(Law::approx_moments));
        let wait_prefix = prefix_sums(model.waits.iter().map(Wait::moments));
        let stops = model
            .stops
            .iter()
            .map(|stop| {
                let (lm, lv) = law_prefix.get(stop.law_count).copied().unwrap_or((0.0, 0.0));
                let (wm, wv) = wait_prefix.get(stop.wait_count).copied().unwrap_or((0.0, 0.0));
                let (m, v) = (lm + wm, lv + wv);
                let law = (stop.is_random() && m > 0.0).then(|| {
                    let s2 = (v / (m * m)).portable_ln_1p();
                    (m.portable_ln() - 0.5 * s2, s2.sqrt().max(1e-9))
                });
                (stop.probability, stop.fixed_ms, law)
            })
            .collect();
        Approximation { stops }
    }

    /// The approximate CDF at t, and its density (0 at the steps of fixed
    /// stops).
    fn cdf(&self, t: f64) -> (f64, f64) {
        self.stops.iter().fold((0.0, 0.0), |(cdf, density), (p, shift, law)| {
            let x = t - shift;
            match law {
                None => (cdf + p * f64::from(u8::from(x >= 0.0)), density),
                Some(_) if x <= 0.0 => (cdf, density),
                Some((mu, sigma)) => {
                    let z = (x.portable_ln() - mu) / sigma;
                    (cdf + p * fast_norm_cdf(z), density + p * norm_pdf(z) / (sigma * x))
                }
            }
        })
    }

    /// The q-quantile, to a few units in the last place: bracketed by
    /// doubling from `lo` (the lowest fixed part), then Newton's method
    /// kept inside the bracket (bisection when a step would leave it),
    /// until the step is below 2 ulp; the answer is the smallest point
    /// found with F >= q, as bisection would give. Only the lattice's
    /// spacing and length depend on it, by coarse buckets.
    fn quantile(&self, q: f64, lo: f64, scale: f64) -> f64 {
        let cdf = |t: f64| self.cdf(t).0;
        let mut hi = lo + scale.max(1e-6);
        let mut guard = 0;
        while cdf(hi) < q && guard < 200 {
            hi = lo + (hi - lo) * 2.0;
            guard += 1;
        }
        let (mut a, mut b) = (lo, hi);
        if cdf(a) >= q || cdf(b) < q {
            // Not bracketed (a fixed stop at the lowest point holds q
            // already, or nothing reaches q): bisection.
            for _ in 0..60 {
                let mid = 0.5 * (a + b);
                if cdf(mid) >= q {
                    b = mid;
                } else {
                    a = mid;
                }
            }
            return b;
        }
        let mut t = 0.5 * (a + b);
        for _ in 0..100 {
            let (f, density) = self.cdf(t);
            if f >= q {
                b = t;
            } else {
                a = t;
            }
            let newton = t - (f - q) / density;
            let next = if newton > a && newton < b {
                newton
            } else {
                0.5 * (a + b)
            };
            let converged = (next - t).abs() <= 2.0 * f64::EPSILON * t.abs();
            t = next;
            if converged || b - a <= 2.0 * f64::EPSILON * b.abs() {
                break;
            }
        }
        // The smallest point with F >= q near where Newton stopped (it may
        // have come from below), else the bracket's upper end.
        let mut probe = t;
        for _ in 0..8 {
            if probe >= b {
                break;
            }
            if cdf(probe) >= q {
                return probe;
            }
            probe = probe.next_up();
        }
        b
    }
}

/// Running sums of (mean, variance) pairs, from (0, 0): entry k sums the
/// first k.
fn prefix_sums(moments: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let mut prefix = vec![(0.0, 0.0)];
    let (mut mean, mut variance) = (0.0, 0.0);
    for (m, v) in moments {
        mean += m;
        variance += v;
        prefix.push((mean, variance));
    }
    prefix
}

/// Snap a spacing down to the ladder 2^(k/4) ms, so that flows share
/// cached laws.
pub(super) fn snap_spacing(h: f64) -> f64 {
    let k = (h.portable_log2() * 4.0).floor();
    2f64.portable_powf(k / 4.0)
}

/// Computes the mixture of a path on a lattice fine and long enough for the
/// quantiles `qs` (each in (0, 1)).
pub fn mixture(model: &PathModel, qs: &[f64], cache: &mut LawCache) -> Mixture {
    let random = model.stops.iter().any(Stop::is_random);
    if !random {
        return build(model, 1.0, 0, cache);
    }
    let q_min = qs.iter().copied().fold(1.0, f64::min).clamp(1e-9, 1.0 - 1e-12);
    let q_max = qs.iter().copied().fold(0.0, f64::max).clamp(1e-9, 1.0 - 1e-12);
    let base = model
        .stops
        .iter()
        .filter(|stop| stop.is_random())
        .map(|stop| stop.fixed_ms)
        .fold(f64::INFINITY, f64::min);
    let approx = Approximation::new(model);
    let scale = model.random_mean_ms();
    let lowest = model.lightest_fixed_ms();
    let t_lo = approx.quantile(q_min, lowest, scale);
    let t_hi = approx.quantile(q_max, lowest, scale).max(t_lo);
    let mut smallest = t_lo.max(1e-6);
    let mut range = (2.0 * (t_hi - base)).max(scale.max(1e-6));
    let mut result = None;
    for _ in 0..6 {
        let mut h = snap_spacing(RESOLUTION * 0.7 * smallest);
        let mut len = (range / h).ceil() as usize + 2;
        if len > MAX_POINTS {
            h = range / MAX_POINTS as f64;
            len = MAX_POINTS;
        }
        // A power of two, so flows on the same spacing share spectra.
        let len = len.next_power_of_two();
        let mut mixture = build(model, h, len, cache);
        let found_hi = mixture.quantile(q_max);
        let found_lo = mixture.quantile(q_min);
        mixture.known = vec![(q_max.to_bits(), found_hi), (q_min.to_bits(), found_lo)];
        match (found_lo, found_hi) {
            (Some(lo_value), Some(_)) => {
                // Fine enough at the smallest quantile?
                if h > 2.0 * RESOLUTION * lo_value && len < MAX_POINTS && lo_value > 0.0 {
                    smallest = lo_value;
                    result = Some(mixture);
                    continue;
                }
                return mixture;
            }
            _ => {
                range *= 4.0;
                result = Some(mixture);
            }
        }
    }
    result.unwrap_or_else(|| build(model, 1.0, 0, cache))
}

/// The stops' distributions on a lattice of `len` points of spacing h.
/// The random prefix is a product of spectra (dist.rs), one factor per law
/// and per wait; at each stop one inverse transform gives its masses.
fn build(model: &PathModel, h: f64, len: usize, cache: &mut LawCache) -> Mixture {
    let mut stops = Vec::with_capacity(model.stops.len());
    // No zero padding: with the tilt, what a circular transform of size n
    // wraps around from past the end comes back damped by θ^n = TILT
    // (dist.rs), and the mass past a lattice sized for the p99 is small.
    let n = len.max(2).next_power_of_two();
    let len = len.min(n);
    // The running product of spectra and the inverse transform's output,
    // reused from flow to flow.
    let Scratch { mut product, mut data } = std::mem::take(&mut cache.scratch);
    let mut started = false;
    let (mut added, mut waited) = (0, 0);
    // The last stop's cumulative masses, shared by the next stop if it adds
    // no law and no wait.
    let mut previous: Option<((usize, usize), usize)> = None;
    let mut upper = f64::NEG_INFINITY;
    for stop in &model.stops {
        if !stop.is_random() || len == 0 {
            stops.push(StopCdf {
                probability: stop.probability,
                shift: stop.fixed_ms,
                h: 0.0,
                cumulative: None,
            });
            upper = upper.max(stop.fixed_ms);
            continue;
        }
        if !started {
            // The transform of "all mass at 0".
            product.ones(n / 2 + 1);
            started = true;
        }
        while added < stop.law_count {
            if let Some(law) = model.laws.get(added) {
                product.multiply(cache.spectrum(law, h, len, n));
            }
            added += 1;
        }
        while waited < stop.wait_count {
            if let Some(wait) = model.waits.get(waited) {
                cache.multiply_wait(&mut product, wait, h, len, n);
            }
            waited += 1;
        }
        let counts = (stop.law_count, stop.wait_count);
        let cumulative = match previous {
            Some((count, index)) if count == counts => stops
                .get(index)
                .and_then(|shared: &StopCdf| shared.cumulative.clone())
                .unwrap_or_default(),
            _ => {
                cache.plan(n).inverse(&product, &mut data);
                let masses = &mut data[..len];
                for (value, untilt) in masses.iter_mut().zip(cache.untilt(n)) {
                    // Round-off leaves tiny negative masses where there is none.
                    *value = (*value * untilt).max(0.0);
                }
                cumulative(masses)
            }
        };
        previous = Some((counts, stops.len()));
        stops.push(StopCdf {
            probability: stop.probability,
            shift: stop.fixed_ms,
            h,
            cumulative: Some(cumulative),
        });
        upper = upper.max(stop.fixed_ms + (len as f64 - 0.5) * h);
    }
    cache.scratch = Scratch { product, data };
    Mixture {
        stops,
        upper,
        known: Vec::new(),
    }
}

/// The running sums of `masses` (a CDF at each point), capped at 1.
fn cumulative(masses: &[f64]) -> Vec<f64> {
    let mut total = 0.0;
    masses
        .iter()
        .map(|mass| {
            total += mass;
            total.min(1.0)
        })
        .collect()
}

/// One stop of a [`Mixture`] built elsewhere (`timed.rs`): with
/// `probability`, `shift` plus, unless `masses` is `None`, a random part
/// whose masses sit at k·h.
pub(super) struct MixturePart {
    pub probability: f64,
    pub shift: f64,
    pub masses: Option<Vec<f64>>,
}

impl Mixture {
    /// The mixture of `parts`, each random part on the lattice of spacing
    /// h (read as [`build`]'s are: each point's mass spread over its cell).
    pub(super) fn from_parts(parts: Vec<MixturePart>, h: f64) -> Mixture {
        let mut upper = f64::NEG_INFINITY;
        let stops = parts
            .into_iter()
            .map(|part| {
                let cumulative = part.masses.map(|masses| {
                    upper = upper.max(part.shift + (masses.len() as f64 - 0.5) * h);
                    cumulative(&masses)
                });
                if cumulative.is_none() {
                    upper = upper.max(part.shift);
                }
                StopCdf {
                    probability: part.probability,
                    shift: part.shift,
                    h,
                    cumulative,
                }
            })
            .collect();
        Mixture {
            stops,
            upper,
            known: Vec::new(),
        }
    }
}

/// The tilted product of the spectra of `model.laws[laws]` and
/// `model.waits[waits]` (transform length n, lattice of `len` points of
/// spacing h): the spectrum of their sum.
pub(super) fn factor_spectrum(
    model: &PathModel,
    laws: std::ops::Range<usize>,
    waits: std::ops::Range<usize>,
    (h, len, n): (f64, usize, usize),
    cache: &mut LawCache,
) -> Spectrum {
    let mut product = Spectrum::default();
    product.ones(n / 2 + 1);
    for law in model.laws.get(laws).unwrap_or(&[]) {
        product.multiply(cache.spectrum(law, h, len, n));
    }
    for wait in model.waits.get(waits).unwrap_or(&[]) {
        cache.multiply_wait(&mut product, wait, h, len, n);
    }
    product
}

/// The untilted masses on the first `len` points of the sequence whose
/// tilted spectrum (transform length n) is `spectrum`, times `extra` when
/// given.
pub(super) fn spectrum_masses(
    spectrum: &Spectrum,
    extra: Option<&Spectrum>,
    (len, n): (usize, usize),
    cache: &mut LawCache,
) -> Vec<f64> {
    let Scratch { mut product, mut data } = std::mem::take(&mut cache.scratch);
    product.clone_from(spectrum);
    if let Some(extra) = extra {
        product.multiply(extra);
    }
    let masses = untilted_masses(&product, &mut data, (len, n), cache);
    cache.scratch = Scratch { product, data };
    masses
}

/// Multiplies into `product` the spectra of the laws and waits from
/// `counts` = (laws, waits) done up to `stop`'s, and moves `counts` there.
fn multiply_up_to(
    product: &mut Spectrum,
    model: &PathModel,
    counts: &mut (usize, usize),
    stop: &Stop,
    (h, len, n): (f64, usize, usize),
    cache: &mut LawCache,
) {
    while counts.0 < stop.law_count {
        if let Some(law) = model.laws.get(counts.0) {
            product.multiply(cache.spectrum(law, h, len, n));
        }
        counts.0 += 1;
    }
    while counts.1 < stop.wait_count {
        if let Some(wait) = model.waits.get(counts.1) {
            cache.multiply_wait(product, wait, h, len, n);
        }
        counts.1 += 1;
    }
}

/// The untilted masses on the first `len` points of the inverse transform
/// (length n) of `spectrum`, `data` its working space.
fn untilted_masses(
    spectrum: &Spectrum,
    data: &mut Vec<f64>,
    (len, n): (usize, usize),
    cache: &mut LawCache,
) -> Vec<f64> {
    cache.plan(n).inverse(spectrum, data);
    data.iter()
        .zip(cache.untilt(n))
        .take(len)
        .map(|(value, untilt)| (value * untilt).max(0.0))
        .collect()
}

/// The masses of each of `stops`' random part (in path order), its laws
/// and waits after the first `from` = (laws, waits): the product grows
/// stop by stop, one inverse transform each.
pub(super) fn stop_masses(
    model: &PathModel,
    stops: &[Stop],
    from: (usize, usize),
    grid: (f64, usize, usize),
    cache: &mut LawCache,
) -> Vec<Vec<f64>> {
    let Scratch { mut product, mut data } = std::mem::take(&mut cache.scratch);
    product.ones(grid.2 / 2 + 1);
    let mut counts = from;
    let mut out = Vec::with_capacity(stops.len());
    for stop in stops {
        multiply_up_to(&mut product, model, &mut counts, stop, grid, cache);
        out.push(untilted_masses(&product, &mut data, (grid.1, grid.2), cache));
    }
    cache.scratch = Scratch { product, data };
    out
}

/// The masses of a mixture of `stops` (in path order, from the factors
/// after `from` = (laws, waits)), stop s taking weight `parts[s].1` and
/// shifted by `parts[s].0` ≥ 0 lattice cells (a fractional shift split
/// between the two points around it, which keeps the mean, as a tent
/// does): the shifts are multiplications of the spectra, so the mixture
/// is summed before one inverse transform, where [`stop_masses`] takes one
/// per stop. What a shift carries past the lattice's end comes back
/// damped by the tilt (1e-6), as the sums' own tails do.
pub(super) fn mixed_stop_masses(
    model: &PathModel,
    stops: &[Stop],
    from: (usize, usize),
    parts: &[(f64, f64)],
    (h, len, n): (f64, usize, usize),
    cache: &mut LawCache,
) -> Vec<f64> {
    let Scratch { mut product, mut data } = std::mem::take(&mut cache.scratch);
    let bins = n / 2 + 1;
    product.ones(bins);
    let mut mix = Spectrum {
        re: vec![0.0; bins],
        im: vec![0.0; bins],
    };
    let theta = super::dist::tilt_base(n);
    let mut counts = from;
    for (stop, &(shift, weight)) in stops.iter().zip(parts) {
        multiply_up_to(&mut product, model, &mut counts, stop, (h, len, n), cache);
        let shift = shift.max(0.0);
        let whole = shift.floor();
        if weight <= 0.0 || !whole.is_finite() || whole >= len as f64 {
            continue;
        }
        let fraction = shift - whole;
        let whole = whole as usize;
        // Tilted, a shift by b cells multiplies coefficient j by (θωʲ)^b:
        // weight·θ^b·ω^(jb)·((1 − φ) + φ·θ·ωʲ).
        let scale = weight * theta.powi(whole.min(i32::MAX as usize) as i32);
        let plan = cache.plan(n);
        let mut index = 0;
        for j in 0..bins {
            let (b_re, b_im) = plan.root(index);
            index = (index + whole) & (n - 1);
            let (w_re, w_im) = plan.root(j);
            let (k_re, k_im) = ((1.0 - fraction) + fraction * theta * w_re, fraction * theta * w_im);
            let (s_re, s_im) = (scale * (b_re * k_re - b_im * k_im), scale * (b_re * k_im + b_im * k_re));
            let (p_re, p_im) = (product.re[j], product.im[j]);
            mix.re[j] += s_re * p_re - s_im * p_im;
            mix.im[j] += s_re * p_im + s_im * p_re;
        }
    }
    let masses = untilted_masses(&mix, &mut data, (len, n), cache);
    cache.scratch = Scratch { product, data };
    masses
}

/// The tilted transform (length n) of masses on the lattice's first points.
pub(super) fn masses_spectrum(masses: &[f64], n: usize, cache: &mut LawCache) -> Spectrum {
    let mut data = vec![0.0; n];
    super::dist::tilt_into(0, masses, n, &mut data);
    let mut spectrum = Spectrum::default();
    cache.plan(n).forward(&data, &mut spectrum);
    spectrum
}

/// The figures of one flow's latency.
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyFigures {
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

impl LatencyFigures {
    /// The figures of a flow through a saturated component (language.md
    /// §6): every one infinite, printed "unbounded" (JSON `null`).
    pub const UNBOUNDED: LatencyFigures = LatencyFigures {
        mean_ms: f64::INFINITY,
        p50_ms: f64::INFINITY,
        p95_ms: f64::INFINITY,
        p99_ms: f64::INFINITY,
    };

    pub fn is_unbounded(&self) -> bool {
        self.mean_ms.is_infinite()
    }
}

/// Mean, p50, p95, p99 of a path.
pub fn figures(model: &PathModel, cache: &mut LawCache) -> LatencyFigures {
    let qs = [0.5, 0.95, 0.99];
    let mixture = mixture(model, &qs, cache);
    let quantile = |q: f64| mixture.quantile(q).unwrap_or(f64::NAN);
    LatencyFigures {
        mean_ms: model.mean_ms(),
        p50_ms: quantile(0.5),
        p95_ms: quantile(0.95),
        p99_ms: quantile(0.99),
    }
}

// ---------------------------------------------------------------- screening

/// The SLO rules compare the lattice's quantiles, which are within 1% of the
/// exact ones (tests/it/estimate.rs), with their targets: the bound proves a
/// quantile at most target / (1 + this), so that whatever the lattice says
/// is at most the target too.
pub const SCREEN_MARGIN: f64 = 0.01;

/// Relative slack for round-off in the bound itself (its terms are accurate
/// to about 1e-14).
const BOUND_SLACK: f64 = 1e-9;

/// Tail probability at which the log-normal that stands for a maximum of n
/// draws in the split matches it (see [`sum_exceedance_bound`]).
const FANOUT_LEVEL: f64 = 1e-3;

/// An upper bound on P(S > s) for S the sum of independent `laws`, without
/// the lattice (docs/estimate.md, "How the SLO rules stay fast").
///
/// If amounts a_j add up to at most s, S > s needs some X_j > a_j, so
/// P(S > s) <= Σ P(X_j > a_j) (the union bound) for any such split. The
/// split used is the one that makes the bound smallest for log-normals: the
/// densities at the a_j are equal (a Lagrange condition), which for the
/// log-normal f_j(a) = φ(z)/(σ_j a), z = (ln a − μ_j)/σ_j, has the closed
/// form z_j(L) = −σ_j + √(σ_j² − 2(L + μ_j + ln(σ_j √(2π)))) at density
/// e^L. L is found by a safeguarded Newton iteration on Σ a_j(L) = s, then
/// the amounts are checked to add up to at most s in floating point with
/// room for round-off. A maximum of n draws is split as the log-normal whose
/// tail matches its own at 1e-3 (its level shifted by d_n), and its tail at
/// the amount is its own, 1 − Φ(z)ⁿ. Any split gives a valid bound; the
/// choice only decides how tight it is.
pub fn sum_exceedance_bound(laws: &[Law], s: f64) -> f64 {
    if laws.is_empty() {
        // S = 0.
        return if s >= 0.0 { 0.0 } else { 1.0 };
    }
    if s.is_nan() || s <= 0.0 {
        return 1.0;
    }
    if s == f64::INFINITY {
        return 0.0;
    }
    let mut stack = [Split::default(); 16];
    let mut heap = Vec::new();
    let splits: &mut [Split] = if laws.len() <= stack.len() {
        &mut stack[..laws.len()]
    } else {
        heap.resize(laws.len(), Split::default());
        &mut heap
    };
    for (split, law) in splits.iter_mut().zip(laws) {
        let (mu, sigma, n) = law.params();
        if sigma.is_nan() || sigma <= 0.0 || !mu.is_finite() || !sigma.is_finite() {
            return 1.0;
        }
        let shift = if n > 1 {
            norm_isf(FANOUT_LEVEL / f64::from(n)) - norm_isf(FANOUT_LEVEL)
        } else {
            0.0
        };
        let mu = mu + sigma * shift;
        *split = Split {
            mu,
            sigma,
            shift,
            c: mu + (sigma * (2.0 * std::f64::consts::PI).sqrt()).portable_ln(),
        };
    }
    let target = s * (1.0 - 1e-12);
    let ln_s = s.portable_ln();
    // Σ a_j(L) and its derivative (Σ a_j is decreasing in L).
    let amounts = |l: f64| -> (f64, f64) {
        splits.iter().fold((0.0, 0.0), |(sum, slope), split| {
            let (a, da) = split.amount(l);
            (sum + a, slope + da)
        })
    };
    // Above `top` every law sits at its mode; the amounts must fit there.
    let top = splits
        .iter()
        .map(|split| 0.5 * split.sigma * split.sigma - split.c)
        .fold(f64::NEG_INFINITY, f64::max);
    let at_top = amounts(top).0;
    if at_top.is_nan() || at_top > target {
        return 1.0;
    }
    // Below `low` one law alone reaches s: the root is above.
    let low = splits
        .iter()
        .map(|split| {
            let u = ((ln_s - split.mu) / split.sigma + split.sigma).max(0.0);
            0.5 * (split.sigma * split.sigma - u * u) - split.c
        })
        .fold(f64::NEG_INFINITY, f64::max)
        .min(top);
    // Bracket [lo, hi]: amounts(lo) > target >= amounts(hi).
    let (mut lo, mut hi) = (low, top);
    let mut l = low;
    for _ in 0..100 {
        let (sum, slope) = amounts(l);
        if sum <= target {
            hi = l;
        } else {
            lo = l;
        }
        if hi - lo <= 1e-12 * (1.0 + hi.abs()) {
            break;
        }
        let newton = l - (sum - target) / slope;
        l = if newton > lo && newton < hi && newton.is_finite() {
            newton
        } else {
            0.5 * (lo + hi)
        };
    }
    splits
        .iter()
        .zip(laws)
        .map(|(split, law)| law.sf_at_level(split.level(hi)))
        .sum()
}

/// One law's place in the split of [`sum_exceedance_bound`].
#[derive(Clone, Copy, Default)]
struct Split {
    /// μ of the log-normal that stands for the law (shifted for a maximum).
    mu: f64,
    sigma: f64,
    /// d_n: its level minus the underlying draw's.
    shift: f64,
    /// μ + ln(σ √(2π)).
    c: f64,
}

impl Split {
    /// √(σ² − 2(L + c)), 0 past the mode.
    fn root(&self, l: f64) -> f64 {
        (self.sigma * self.sigma - 2.0 * (l + self.c)).max(0.0).sqrt()
    }

    /// a(L) and da/dL.
    fn amount(&self, l: f64) -> (f64, f64) {
        let u = self.root(l);
        let a = (self.mu + self.sigma * (u - self.sigma)).portable_exp();
        let slope = if u > 0.0 { -a * self.sigma / u } else { 0.0 };
        (a, slope)
    }

    /// The level of the underlying draw at a(L): z + d_n.
    fn level(&self, l: f64) -> f64 {
        self.root(l) - self.sigma + self.shift
    }
}

/// Cantelli's inequality, P(S >= mean + λ) <= var / (var + λ²) for λ > 0:
/// an upper bound on P(S > s) from the exact mean and variance of S. Far
/// tighter than the union bound for a long chain of alike laws, whose sum
/// is concentrated; looser for one dominant heavy tail.
pub fn cantelli_bound(mean: f64, variance: f64, s: f64) -> f64 {
    let excess = s - mean;
    if excess.is_nan() || excess <= 0.0 || variance.is_nan() || variance < 0.0 || !variance.is_finite() {
        return 1.0;
    }
    variance / (variance + excess * excess)
}

/// Exact mean and variance of the random part up to each stop, while its
/// laws are log-normals (closed forms); `None` from the first maximum of n
/// on (its moments are not in closed form).
fn prefix_moments(model: &PathModel) -> Vec<Option<(f64, f64)>> {
    let mut moments = Vec::with_capacity(model.laws.len() + 1);
    let mut running = Some((0.0, 0.0));
    moments.push(running);
    for law in &model.laws {
        running = running.and_then(|(mean, variance)| match *law {
            Law::LogNormal { mu, sigma } => {
                let m = (mu + 0.5 * sigma * sigma).portable_exp();
                Some((mean + m, variance + (sigma * sigma).portable_exp_m1() * m * m))
            }
            Law::MaxOf { .. } => None,
        });
        moments.push(running);
    }
    moments
}

/// The moments of what [`stop_cantelli`] bounds: the laws' (while in
/// closed form) and the waits' (always), by prefix.
struct PrefixMoments {
    laws: Vec<Option<(f64, f64)>>,
    waits: Vec<(f64, f64)>,
}

impl PrefixMoments {
    fn new(model: &PathModel) -> PrefixMoments {
        PrefixMoments {
            laws: prefix_moments(model),
            waits: prefix_sums(model.waits.iter().map(Wait::moments)),
        }
    }
}

/// Cantelli's bound for one stop at t (1 when it has no closed form).
fn stop_cantelli(moments: &PrefixMoments, stop: &Stop, t: f64) -> f64 {
    let s = t - stop.fixed_ms;
    if !stop.is_random() {
        return if s >= 0.0 { 0.0 } else { 1.0 };
    }
    let waits = moments.waits.get(stop.wait_count).copied().unwrap_or((0.0, 0.0));
    match moments.laws.get(stop.law_count).copied().flatten() {
        // Room for round-off in the moments: a relative 1e-12.
        Some((mean, variance)) => cantelli_bound(
            (mean + waits.0) * (1.0 + 1e-12),
            (variance + waits.1) * (1.0 + 1e-12),
            s,
        ),
        None => 1.0,
    }
}

/// An upper bound on P(T > t) for the path's latency T: Σ over stops of
/// P(stop) × the smallest of 1, [`sum_exceedance_bound`] (for a stop
/// without waits: it knows log-normals only) and (when every law of the
/// stop is a log-normal, whose mean and variance are exact in closed form)
/// [`cantelli_bound`], at t minus the stop's fixed part.
pub fn exceedance_bound(model: &PathModel, t: f64) -> f64 {
    let moments = PrefixMoments::new(model);
    model
        .stops
        .iter()
        .map(|stop| {
            let laws = model.laws.get(..stop.law_count).unwrap_or(&[]);
            let cantelli = stop_cantelli(&moments, stop, t);
            let union = if stop.wait_count == 0 {
                sum_exceedance_bound(laws, t - stop.fixed_ms)
            } else {
                1.0
            };
            stop.probability * union.min(cantelli).min(1.0)
        })
        .sum()
}

/// Whether the q-quantile of the path's latency is surely at most t:
/// P(T > t) <= 1 − q by [`exceedance_bound`] (Cantelli's bounds alone
/// first, which cost no iteration).
pub fn quantile_surely_at_most(model: &PathModel, q: f64, t: f64) -> bool {
    let budget = (1.0 - q) * (1.0 - BOUND_SLACK);
    let moments = PrefixMoments::new(model);
    let cheap: f64 = model
        .stops
        .iter()
        .map(|stop| stop.probability * stop_cantelli(&moments, stop, t).min(1.0))
        .sum();
    cheap <= budget || exceedance_bound(model, t) <= budget
}

/// [`slo_surely_met`] with independent waits added to the path (language.md
/// §6): `waits` is the sum of their means and of their variances. Each stop
/// is bounded as if it waited at every visit (waits are never negative, so
/// that only makes the bound larger), by Cantelli's inequality on the
/// moments with the waits' added.
pub fn slo_surely_met_with_waits(model: &PathModel, slo: &Slo, waits: (f64, f64)) -> bool {
    if waits == (0.0, 0.0) {
        return slo_surely_met(model, slo);
    }
    // The model's own waits, if it was built with loads, count too.
    let (own_mean, own_variance) = prefix_sums(model.waits.iter().map(Wait::moments))
        .last()
        .copied()
        .unwrap_or((0.0, 0.0));
    let (wait_mean, wait_variance) = (waits.0 + own_mean, waits.1 + own_variance);
    let moments = prefix_moments(model);
    [(0.5, slo.p50_ms), (0.95, slo.p95_ms), (0.99, slo.p99_ms)]
        .into_iter()
        .all(|(q, target)| match target {
            None => true,
            Some(target) if target > 0.0 => {
                let t = target / (1.0 + SCREEN_MARGIN);
                let budget = (1.0 - q) * (1.0 - BOUND_SLACK);
                let bound: f64 = model
                    .stops
                    .iter()
                    .map(|stop| {
                        let random = if stop.law_count == 0 {
                            Some((0.0, 0.0))
                        } else {
                            moments.get(stop.law_count).copied().flatten()
                        };
                        let p = match random {
                            Some((mean, variance)) => cantelli_bound(
                                (mean + wait_mean) * (1.0 + 1e-12),
                                (variance + wait_variance) * (1.0 + 1e-12),
                                t - stop.fixed_ms,
                            ),
                            None => 1.0,
                        };
                        stop.probability * p.min(1.0)
                    })
                    .sum();
                bound <= budget
            }
            Some(_) => false,
        })
}

/// Whether every latency percentile the SLO sets is surely met, with the
/// margin for the lattice's accuracy: then `latency-above-slo` has nothing
/// to say and the flow needs no lattice. False means "maybe not": compute.
pub fn slo_surely_met(model: &PathModel, slo: &Slo) -> bool {
    [(0.5, slo.p50_ms), (0.95, slo.p95_ms), (0.99, slo.p99_ms)]
        .into_iter()
        .all(|(q, target)| match target {
            None => true,
            Some(target) => target > 0.0 && quantile_surely_at_most(model, q, target / (1.0 + SCREEN_MARGIN)),
        })
}
