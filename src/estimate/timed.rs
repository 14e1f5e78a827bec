//! The latency of a path with one timed hop (language.md §7), on the path
//! model's spectra instead of the tree model's growing lattices.
//!
//! The path splits at the hop into a prefix (the visits before it, with
//! their cdn and cache stops) and an attempt (the hop's link and the
//! visits from its callee on, with their stops). One attempt's time A is
//! the mixture of the attempt's stops, each its fixed part plus the sum of
//! its laws and waits (the stops' products of spectra, each shifted by a
//! multiplication, summed before one inverse transform); the
//! hop's time H takes A given A ≤ t at the k-th try with probability
//! (1 − f)·fᵏ, shifted by k·t, and (n + 1)·t when every try fails; the
//! requests that reach the hop take the prefix's fixed part plus its
//! random part plus H (H's spectrum times the prefix's). Every other stop
//! is the path model's own.
//!
//! Each try after k timeouts is a stop of its own, shifted by k·t (an
//! exact shift, as a stop's fixed part), so one lattice serves all: its
//! spacing from the accuracy the quantiles need (as `latency::mixture`
//! picks it), its length the prefix's random part plus t. The capacity
//! pass, which needs only P(A ≤ t), takes a coarser lattice across t.
//! The tree model computes the same on lattices of its span's spacing that
//! grow with every convolution to that length, which is what made timed
//! flows slow; it remains the model for trees, nested timeouts, several
//! judged hops, and attempts with a stop without a log-normal part (fixed,
//! or waits alone: atoms it keeps exact).

use super::dist::{Law, LawCache};
use super::latency::{
    self, LatencyFigures, LatencyOptions, MixturePart, PathModel, Step, factor_spectrum, masses_spectrum,
    mixed_stop_masses, snap_spacing, spectrum_masses, stop_masses,
};
use super::queueing::{Loading, Wait};
use super::retry::Retries;
use crate::float::Portable;
use crate::model::{Design, Flow};

/// Lattice spacing as a fraction of the smallest quantile asked for (as
/// `latency::mixture`).
const RESOLUTION: f64 = 0.004;
/// At most this many lattice points (then the spacing grows).
const MAX_POINTS: usize = 1 << 16;
/// Retries spelled out at most; past this the tree model takes the hop.
const MAX_RETRIES: u32 = 64;
/// Cells across the timeout, at least, when only P(attempt ≤ t) is
/// wanted (the capacity pass): snapped down to a quarter octave, 1,600 to
/// 1,903 cells, so that with the margin the lattice has 2,048 points, half
/// those of a figures' lattice, for an error far below the printed digits.
const HOP_POINTS: usize = 1600;
/// Tolerance of "F(t) >= q" (language.md §4: ties within 1e-9).
const TIE: f64 = 1e-9;

/// A timed path's figures and its judged hop.
pub struct TimedPath {
    pub figures: LatencyFigures,
    /// The one judged hop, with the mean of an answered attempt.
    pub retries: Retries,
}

/// Where the path splits: the hop's callee is the `node`-th node of the
/// path model; before the link into it, `laws` laws, `waits` waits, a fixed
/// part of `fixed_ms` and a mean of `mean_ms` (of the requests that get
/// that far), and `stops` stops.
struct Split {
    laws: usize,
    waits: usize,
    fixed_ms: f64,
    mean_ms: f64,
    stops: usize,
}

impl TimedPath {
    /// The figures of a flow with `path` only whose one judged hop has a
    /// timeout, at the loads of `loading`; `None` for any other flow (the
    /// tree model's).
    pub fn compute(
        design: &Design,
        flow: &Flow,
        options: LatencyOptions,
        loading: &Loading,
        cache: &mut LawCache,
    ) -> Option<TimedPath> {
        let (retries, figures) = TimedPath::run(design, flow, options, loading, cache, true)?;
        Some(TimedPath {
            figures: figures?,
            retries,
        })
    }

    /// The judged hop only (its P(T ≤ t) and what follows), on the first
    /// lattice [`TimedPath::compute`] tries: what the capacity model's
    /// pass for the expected attempts needs, without the percentiles.
    pub fn hop(design: &Design, flow: &Flow, loading: &Loading, cache: &mut LawCache) -> Option<Retries> {
        TimedPath::run(design, flow, LatencyOptions::default(), loading, cache, false).map(|(retries, _)| retries)
    }

    fn run(
        design: &Design,
        flow: &Flow,
        options: LatencyOptions,
        loading: &Loading,
        cache: &mut LawCache,
        figures: bool,
    ) -> Option<(Retries, Option<LatencyFigures>)> {
        if !flow.is_path_only() {
            return None;
        }
        let retries = Retries::new(design, flow);
        let judged: Vec<usize> = (0..flow.visits.len())
            .filter(|visit| retries.judges(design, flow, *visit).is_some())
            .collect();
        let [visit] = judged[..] else {
            return None;
        };
        let link = design.link(flow.visits[visit].link?);
        let t = link.timeout_ms.filter(|t| t.is_finite() && *t > 0.0)?;
        let tries = link.retries.unwrap_or(0);
        if tries > MAX_RETRIES {
            return None;
        }
        let model = PathModel::loaded(design, flow, options, loading);
        let sync = flow.sync_part(design);
        let node = sync.visits.iter().position(|v| *v == visit)?;
        let split = split_at(&model, node)?;
        let reach: f64 = model.stops[split.stops..].iter().map(|stop| stop.probability).sum();
        // Every stop of the attempt with a log-normal part: a fixed one, or
        // one whose random part is waits alone (each a point mass at 0
        // beside its exponential), is an atom the lattice would smear, and
        // an atom within a cell of t moves P(A ≤ t) by its whole mass (a
        // proptest found 0.88 for 0.996); the tree model keeps atoms exact.
        if reach <= 0.0
            || model.stops[split.stops..]
                .iter()
                .any(|stop| stop.law_count == split.laws)
        {
            return None;
        }
        let hop = Hop {
            design,
            flow,
            loading,
            visit,
            t,
            tries,
            reach,
        };
        // As `latency::mixture`: a spacing from a floor of the median, then
        // finer while the median found asks for it.
        if !figures {
            // The capacity pass needs P(A ≤ t) only: a lattice that reaches
            // t, no finer than HOP_POINTS cells across it.
            let (h, len) = fit(snap_spacing(t / HOP_POINTS as f64), t);
            return Some(hop.at(&model, &split, (h, len, len), cache, false));
        }
        let mut scale = first_scale(&model, t);
        let mut result = None;
        for _ in 0..4 {
            let (h, len) = lattice(&model, &split, t, scale);
            let (retries, computed) = hop.at(&model, &split, (h, len, len), cache, figures);
            let p50 = computed.as_ref().map_or(f64::NAN, |figures| figures.p50_ms);
            let finer = p50.is_finite() && p50 > 0.0 && h > 2.0 * RESOLUTION * p50 && len < MAX_POINTS;
            result = Some((retries, computed));
            if !finer {
                break;
            }
            scale = p50;
        }
        result
    }
}

/// The timed hop and what it needs to be recorded.
struct Hop<'a> {
    design: &'a Design,
    flow: &'a Flow,
    loading: &'a Loading,
    visit: usize,
    t: f64,
    tries: u32,
    /// P(a request reaches the hop).
    reach: f64,
}

impl Hop<'_> {
    /// The hop and (with `figures`) the flow's figures on the lattice
    /// `grid` = (h, len, transform size).
    fn at(
        &self,
        model: &PathModel,
        split: &Split,
        grid: (f64, usize, usize),
        cache: &mut LawCache,
        figures: bool,
    ) -> (Retries, Option<LatencyFigures>) {
        let h = grid.0;
        let (t, tries, reach) = (self.t, self.tries, self.reach);
        let attempt = attempt_masses(model, split, grid, reach, cache);
        let within = cdf(&attempt, h, t);
        // The lattice reaches past t, not always to the attempt's p99 (which
        // `timeout-below-latency` quotes): then once more on one that does.
        // (The capacity pass, without `figures`, needs only f.)
        let p99 = quantile(&attempt, h, 0.99)
            .or_else(|| figures.then(|| attempt_p99(model, split, h, reach, cache)).flatten());
        let mut retries = Retries::new(self.design, self.flow);
        let mut hop = retries
            .record(self.design, self.flow, self.loading, self.visit, within, p99)
            .clone();
        // An attempt that answers in time: A given A ≤ t.
        let answered = (within > 0.0).then(|| truncate(&attempt, h, t, within));
        let answered_mean = answered
            .as_ref()
            .map(|masses| masses.iter().enumerate().map(|(k, m)| k as f64 * h * m).sum::<f64>());
        hop.answered_mean_ms = answered_mean;
        let f = hop.fail;
        if !figures {
            retries.hops = vec![hop];
            return (retries, None);
        }
        // The stops before the hop, as the path model has them.
        let before = &model.stops[..split.stops];
        let mut parts: Vec<MixturePart> = before
            .iter()
            .zip(stop_masses(model, before, (0, 0), grid, cache))
            .map(|(stop, masses)| MixturePart {
                probability: stop.probability,
                shift: stop.fixed_ms,
                masses: stop.is_random().then_some(masses),
            })
            .collect();
        // The random part before the hop, shared by every stop through it.
        let prefix = factor_spectrum(model, 0..split.laws, 0..split.waits, grid, cache);
        let prefix_random = split.laws > 0 || split.waits > 0;
        // The requests through the hop: the k-th try answers with
        // probability (1 − f)·fᵏ after k timeouts, each a stop of its own
        // (the prefix's random part plus an answered attempt, shifted by
        // k·t); every try fails with f^(n+1), after (n + 1)·t.
        if let Some(answered) = &answered {
            let spectrum = masses_spectrum(answered, grid.2, cache);
            let through = spectrum_masses(&prefix, Some(&spectrum), (grid.1, grid.2), cache);
            let mut weight = 1.0 - f;
            for k in 0..=tries {
                if weight <= 0.0 {
                    break;
                }
                parts.push(MixturePart {
                    probability: reach * weight,
                    shift: split.fixed_ms + f64::from(k) * t,
                    masses: Some(through.clone()),
                });
                weight *= f;
            }
        }
        let all_fail = f.portable_powf(f64::from(tries) + 1.0);
        if all_fail > 0.0 {
            parts.push(MixturePart {
                probability: reach * all_fail,
                shift: split.fixed_ms + f64::from(tries + 1) * t,
                masses: prefix_random.then(|| spectrum_masses(&prefix, None, (grid.1, grid.2), cache)),
            });
        }
        let mixture = latency::Mixture::from_parts(parts, h);
        let before: f64 = model.stops[..split.stops]
            .iter()
            .map(|stop| stop.probability * stop.mean_ms)
            .sum();
        let mean_ms = before + reach * (split.mean_ms + hop.timed_mean(answered_mean));
        let figure = |q: f64| mixture.quantile(q).unwrap_or(f64::NAN);
        let figures = LatencyFigures {
            mean_ms,
            p50_ms: figure(0.5),
            p95_ms: figure(0.95),
            p99_ms: figure(0.99),
        };
        retries.hops = vec![hop];
        (retries, Some(figures))
    }
}

/// Where the path model's steps reach the link into its `node`-th node.
fn split_at(model: &PathModel, node: usize) -> Option<Split> {
    let (mut nodes, mut laws, mut waits) = (0, 0, 0);
    let (mut fixed, mut mean) = (0.0, 0.0);
    let mut last_step = None;
    for (idx, step) in model.steps.iter().enumerate() {
        match step {
            Step::Link(link) => {
                if nodes == node {
                    let stops = model
                        .stops
                        .iter()
                        .take_while(|stop| last_step.is_some_and(|last| stop.last_step <= last))
                        .count();
                    return Some(Split {
                        laws,
                        waits,
                        fixed_ms: fixed,
                        mean_ms: mean,
                        stops,
                    });
                }
                fixed += link.ms;
                mean += link.ms;
            }
            Step::Node(step) => {
                match &step.latency {
                    latency::NodeLatency::Random { .. } => laws += 1,
                    latency::NodeLatency::Fixed(ms) => fixed += ms,
                    latency::NodeLatency::Client => {}
                }
                mean += step.mean_ms;
                if let Some(wait) = step.wait {
                    waits += 1;
                    mean += wait.mean_ms();
                }
                nodes += 1;
            }
        }
        last_step = Some(idx);
    }
    None
}

/// A floor of the flow's median, for the first spacing: the fixed part of
/// the lightest stop plus half the mean of the random parts, or the
/// timeout if shorter.
fn first_scale(model: &PathModel, t: f64) -> f64 {
    (model.lightest_fixed_ms() + 0.5 * model.random_mean_ms())
        .min(t)
        .max(1e-6)
}

/// Spacing and length (a power of two, so flows share spectra) for a
/// median of `scale`: fine enough for it, long enough for the prefix's
/// random part plus an answered attempt (at most t).
fn lattice(model: &PathModel, split: &Split, t: f64, scale: f64) -> (f64, usize) {
    let reach = span(&model.laws[..split.laws], &model.waits[..split.waits]) + t;
    fit(snap_spacing(RESOLUTION * 0.7 * scale), reach)
}

/// How far a sum of `laws` and `waits` reaches: its mean plus 12 standard
/// deviations plus the widest part's 1e-4 tail.
fn span(laws: &[Law], waits: &[Wait]) -> f64 {
    let (mut mean, mut variance, mut widest) = (0.0, 0.0, 0.0_f64);
    for law in laws {
        let (m, v) = law.approx_moments();
        mean += m;
        variance += v;
        widest = widest.max(law.quantile(0.9999));
    }
    for wait in waits {
        let (m, v) = wait.moments();
        mean += m;
        variance += v;
        if wait.p_wait > 1e-4 {
            widest = widest.max((wait.p_wait / 1e-4).portable_ln() / wait.rate_per_ms);
        }
    }
    mean + 12.0 * variance.sqrt() + widest
}

/// Spacing `h` (coarser past [`MAX_POINTS`]) and a power-of-two length
/// that reach `reach` ms.
fn fit(mut h: f64, reach: f64) -> (f64, usize) {
    let mut len = (reach / h).ceil() as usize + 64;
    if len > MAX_POINTS {
        h = reach / (MAX_POINTS - 64) as f64;
        len = MAX_POINTS;
    }
    (h, len.next_power_of_two())
}

/// One attempt's masses on `grid`: the hop's link and everything from the
/// callee on, from 0, as the mixture of the stops past the split (each
/// over `reach`, the share of requests that get to the hop).
fn attempt_masses(
    model: &PathModel,
    split: &Split,
    grid: (f64, usize, usize),
    reach: f64,
    cache: &mut LawCache,
) -> Vec<f64> {
    let h = grid.0;
    let sub = &model.stops[split.stops..];
    let parts: Vec<(f64, f64)> = sub
        .iter()
        .map(|stop| ((stop.fixed_ms - split.fixed_ms) / h, stop.probability / reach))
        .collect();
    mixed_stop_masses(model, sub, (split.laws, split.waits), &parts, grid, cache)
}

/// One attempt's p99 on a lattice of spacing `h` (or coarser) long enough
/// for the whole attempt, not only for the timeout.
fn attempt_p99(model: &PathModel, split: &Split, h: f64, reach: f64, cache: &mut LawCache) -> Option<f64> {
    let fixed = model.stops[split.stops..]
        .iter()
        .map(|stop| stop.fixed_ms - split.fixed_ms)
        .fold(0.0, f64::max);
    let (h, len) = fit(h, fixed + span(&model.laws[split.laws..], &model.waits[split.waits..]));
    let attempt = attempt_masses(model, split, (h, len, len), reach, cache);
    quantile(&attempt, h, 0.99)
}

/// P(X ≤ x) of masses at k·h, each spread over its cell ((k − ½)h,
/// (k + ½)h], cut at 0.
fn cdf(masses: &[f64], h: f64, x: f64) -> f64 {
    let u = x / h + 0.5;
    if u <= 0.0 {
        return 0.0;
    }
    let whole = u.floor();
    let fraction = u - whole;
    let whole = whole as usize;
    let below: f64 = masses.iter().take(whole).sum();
    let partial = masses.get(whole).map_or(0.0, |mass| mass * fraction);
    (below + partial).clamp(0.0, 1.0)
}

/// The smallest x with [`cdf`] >= q (within 1e-9), if the masses reach it.
fn quantile(masses: &[f64], h: f64, q: f64) -> Option<f64> {
    let target = q - TIE;
    let mut total = 0.0;
    for (k, mass) in masses.iter().enumerate() {
        if *mass > 0.0 && total + mass >= target {
            let fraction = ((target - total) / mass).clamp(0.0, 1.0);
            return Some(((k as f64 - 0.5 + fraction) * h).max(0.0));
        }
        total += mass;
    }
    None
}

/// The masses of X given X ≤ t: the cell t falls in keeps its share below
/// t; `within` is P(X ≤ t).
fn truncate(masses: &[f64], h: f64, t: f64, within: f64) -> Vec<f64> {
    let u = t / h + 0.5;
    let whole = u.floor().max(0.0) as usize;
    let fraction = (u - u.floor()).clamp(0.0, 1.0);
    let mut out: Vec<f64> = masses.iter().take(whole).map(|mass| mass / within).collect();
    if let Some(mass) = masses.get(whole).filter(|_| fraction > 0.0) {
        out.push(mass * fraction / within);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `mixed_stop_masses` shifts each stop's sum by its cells, a
    /// fractional shift split between the two points around it; here each
    /// stop is fixed (no laws), so the masses are the shifts alone.
    #[test]
    fn mixed_stops_are_shifted_and_weighted() {
        let design = crate::model::load::test_design(
            "system s {\n client c { rps = 1 }\n cache k { hit_ratio = 0.5, ttl = 1m, latency = { p50 = 1ms, p99 = 1ms } }\n service a { latency = { p50 = 2ms, p99 = 2ms } }\n c -> k -> a\n flow f { path = c -> k -> a }\n}\n",
        );
        let model = PathModel::new(&design, &design.flows[0], LatencyOptions::default());
        assert_eq!(model.stops.len(), 2);
        let masses = mixed_stop_masses(
            &model,
            &model.stops,
            (0, 0),
            &[(2.25, 0.5), (3.5, 0.5)],
            (1.0, 16, 16),
            &mut LawCache::new(),
        );
        let expected = [0.0, 0.0, 0.375, 0.375, 0.25];
        for (k, mass) in masses.iter().enumerate() {
            let want = expected.get(k).copied().unwrap_or(0.0);
            assert!((mass - want).abs() < 1e-12, "point {k}: {mass} against {want}");
        }
    }

    #[test]
    fn cdf_quantile_and_truncation_agree() {
        let masses = [0.1, 0.2, 0.3, 0.4];
        assert!((cdf(&masses, 2.0, 3.0) - 0.3).abs() < 1e-15);
        assert!((quantile(&masses, 2.0, 0.3).unwrap() - 3.0).abs() < 1e-6);
        let kept = truncate(&masses, 2.0, 3.0, 0.3);
        assert!((kept.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(kept.len(), 2);
    }
}
