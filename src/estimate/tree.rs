//! The latency of a flow that branches (language.md §5): the time of a visit
//! of X is T(X) = L(X) + Σ over its steps of T(step), where a single call
//! costs its link's round trip plus the callee's visit and a parallel step
//! the maximum of its calls (independent draws, so its CDF is the product
//! of theirs); a cdn or cache visit with hit ratio h skips its steps with
//! probability h.
//!
//! Distributions are either a short list of atoms (exact: every design
//! whose latencies are fixed stays exact, as in `latency.rs`) or a lattice
//! of spacing h (the one of `dist.rs`, sums as convolutions); means are
//! carried exactly beside them, except that of a parallel step, read from
//! its distribution. Visits are computed from the last to the first
//! (children come after their parents in `Flow::visits`), so no recursion.
//!
//! A flow with `path` only keeps the path model of `latency.rs`; this one
//! gives the same figures for it (tested), but the path model is the one
//! whose percentiles were validated and that explains its stops.

use super::dist::{Lattice, LawCache, PartMasses};
use super::latency::{LatencyFigures, LatencyOptions, NodeLatency, link_round_trip, node_latency};
use super::queueing::{Loading, Wait};
use super::retry::Retries;
use crate::float::Portable;
use crate::model::{ComponentId, Design, Fanout, Flow, Kind, VisitId, VisitSync};

/// One visit as the tree model sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeVisit {
    pub visit: VisitId,
    pub component: ComponentId,
    pub sync: VisitSync,
    /// Probability that a request reaches this visit (the hits of the cdn
    /// and cache visits above it skip it).
    pub reach: f64,
    /// The round trip of the hop that reached it, when its caller waits for
    /// it (a fire-and-forget hop too).
    pub link_ms: Option<f64>,
    /// The component's own latency and its mean.
    pub own: NodeLatency,
    pub own_mean_ms: f64,
    /// The M/M/c wait of this visit (language.md §6), when it may wait.
    pub wait: Option<Wait>,
    /// The hit ratio that skips this visit's steps (a cdn or cache visit
    /// with steps).
    pub hit_ratio: Option<f64>,
    /// Mean of each step the caller waits for, in order, with whether it is
    /// a parallel step.
    pub steps: Vec<(f64, bool)>,
    /// Mean of T(visit): own latency plus the steps, skipped on a hit (0
    /// for background visits).
    pub mean_ms: f64,
    /// When the hop into it times out: the mean of one attempt (link
    /// included) given that it answers within the timeout, which
    /// `--explain` needs to redo the hop's mean by hand.
    pub answered_mean_ms: Option<f64>,
}

/// A flow's call tree with its latency figures.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeModel {
    pub visits: Vec<TreeVisit>,
    pub background: Vec<ComponentId>,
    pub figures: LatencyFigures,
    /// The hops with retries or a timeout (language.md §7).
    pub retries: Retries,
    /// The percentiles come from the path model's spectra with the one
    /// timed hop's attempts as stops (`timed.rs`), not from the visits'
    /// lattices (explain says which).
    pub timed_path: bool,
}

/// Lattice points across the widest latency a flow can reasonably take.
const GRID: usize = 4096;
/// Lattice points at most when timeouts stretch a flow's reach.
const MAX_GRID: usize = 1 << 16;
/// At most this many atoms before a distribution moves onto the lattice.
const MAX_ATOMS: usize = 2048;
/// Tolerance of "F(t) >= q" (language.md §4: ties within 1e-9).
const TIE: f64 = 1e-9;
/// Attempts a timed-out hop's latency spells out; past this many retries
/// the rest count as failing (their probability is f^1000 of the hop).
const MAX_RETRY_TERMS: u32 = 1_000;

#[derive(Clone, Debug)]
enum Dist {
    /// (value, probability), sorted by value, no two values equal.
    Atoms(Vec<(f64, f64)>),
    /// `mass[k]` at `lo + k·h`.
    Grid { lo: f64, mass: Vec<f64> },
    /// Atoms beside a lattice (their probabilities and the lattice's
    /// masses sum to 1): a fixed hit mixed with a random miss path keeps
    /// its exact value, so a percentile that lands on the hit is exact
    /// instead of smeared over a cell. Any further sum or maximum puts the
    /// atoms on the lattice.
    Split {
        atoms: Vec<(f64, f64)>,
        lo: f64,
        mass: Vec<f64>,
    },
}

struct Engine<'c> {
    h: f64,
    len: usize,
    cache: &'c mut LawCache,
}

fn merge_atoms(mut atoms: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    atoms.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(atoms.len());
    for (value, p) in atoms {
        match merged.last_mut() {
            Some(last) if (value - last.0).abs() <= 1e-9 * value.abs().max(1.0) => last.1 += p,
            _ => merged.push((value, p)),
        }
    }
    merged
}

impl Engine<'_> {
    fn point(value: f64) -> Dist {
        Dist::Atoms(vec![(value, 1.0)])
    }

    /// Masses of `(value, p)` pairs on the lattice from `lo` (tent
    /// projection: the mean is kept).
    fn project(&self, lo: f64, atoms: impl Iterator<Item = (f64, f64)>, mass: &mut Vec<f64>) {
        for (value, p) in atoms {
            let x = ((value - lo) / self.h).max(0.0);
            let k = x.floor();
            let f = x - k;
            let k = (k as usize).min(self.len - 1);
            if mass.len() < k + 2 {
                mass.resize((k + 2).min(self.len), 0.0);
            }
            if k + 1 < mass.len() {
                mass[k] += p * (1.0 - f);
                mass[k + 1] += p * f;
            } else {
                mass[k] += p;
            }
        }
    }

    fn grid(&self, dist: Dist) -> (f64, Vec<f64>) {
        match dist {
            Dist::Grid { lo, mass } => (lo, mass),
            Dist::Split { atoms, lo, mass } => {
                let start = atoms.first().map_or(lo, |atom| atom.0.min(lo));
                let mut mass = if lo > start { self.align(lo, &mass, start) } else { mass };
                self.project(start, atoms.into_iter(), &mut mass);
                (start, mass)
            }
            Dist::Atoms(atoms) => {
                let lo = atoms.first().map_or(0.0, |atom| atom.0);
                let mut mass = Vec::new();
                self.project(lo, atoms.into_iter(), &mut mass);
                (lo, mass)
            }
        }
    }

    /// A lattice's masses moved to start at `lo` (<= its own start).
    fn align(&self, from: f64, mass: &[f64], lo: f64) -> Vec<f64> {
        let mut out = Vec::with_capacity(mass.len() + 2);
        self.project(
            lo,
            mass.iter().enumerate().map(|(k, m)| (from + k as f64 * self.h, *m)),
            &mut out,
        );
        out
    }

    fn law(&mut self, law: &super::dist::Law) -> Dist {
        let part = self.cache.masses(law, self.h, self.len);
        let offset = part.offset;
        let mass: Vec<f64> = part.masses.iter().take(self.len).copied().collect();
        Dist::Grid {
            lo: offset as f64 * self.h,
            mass,
        }
    }

    fn shift(dist: Dist, by: f64) -> Dist {
        match dist {
            Dist::Atoms(atoms) => Dist::Atoms(atoms.into_iter().map(|(v, p)| (v + by, p)).collect()),
            Dist::Grid { lo, mass } => Dist::Grid { lo: lo + by, mass },
            Dist::Split { atoms, lo, mass } => Dist::Split {
                atoms: atoms.into_iter().map(|(v, p)| (v + by, p)).collect(),
                lo: lo + by,
                mass,
            },
        }
    }

    fn sum(&mut self, a: Dist, b: Dist) -> Dist {
        match (a, b) {
            (Dist::Atoms(a), b) if a.len() == 1 => Self::shift(b, a[0].0),
            (a, Dist::Atoms(b)) if b.len() == 1 => Self::shift(a, b[0].0),
            (Dist::Atoms(a), Dist::Atoms(b)) if a.len() * b.len() <= MAX_ATOMS => {
                let mut out = Vec::with_capacity(a.len() * b.len());
                for (x, p) in &a {
                    for (y, q) in &b {
                        out.push((x + y, p * q));
                    }
                }
                Dist::Atoms(merge_atoms(out))
            }
            (a, b) => {
                let (lo_a, mass_a) = self.grid(a);
                let (lo_b, mass_b) = self.grid(b);
                let len = (mass_a.len() + mass_b.len()).min(self.len).max(1);
                let mut lattice = Lattice {
                    h: self.h,
                    mass: mass_a,
                    mean: 0.0,
                };
                lattice.mass.resize(len, 0.0);
                lattice.add(&PartMasses {
                    offset: 0,
                    masses: &mass_b,
                    mean: 0.0,
                });
                Dist::Grid {
                    lo: lo_a + lo_b,
                    mass: lattice.mass,
                }
            }
        }
    }

    /// Two distributions on one lattice, from the lower start.
    fn aligned(&self, a: Dist, b: Dist) -> (f64, Vec<f64>, Vec<f64>) {
        let (lo_a, mass_a) = self.grid(a);
        let (lo_b, mass_b) = self.grid(b);
        let lo = lo_a.min(lo_b);
        let mass_a = if lo_a > lo {
            self.align(lo_a, &mass_a, lo)
        } else {
            mass_a
        };
        let mass_b = if lo_b > lo {
            self.align(lo_b, &mass_b, lo)
        } else {
            mass_b
        };
        (lo, mass_a, mass_b)
    }

    /// The maximum of independent draws: the product of the CDFs.
    fn max(&mut self, a: Dist, b: Dist) -> Dist {
        if let (Dist::Atoms(a), Dist::Atoms(b)) = (&a, &b)
            && a.len() * b.len() <= MAX_ATOMS
        {
            let mut out = Vec::with_capacity(a.len() * b.len());
            for (x, p) in a {
                for (y, q) in b {
                    out.push((x.max(*y), p * q));
                }
            }
            return Dist::Atoms(merge_atoms(out));
        }
        let (lo, mass_a, mass_b) = self.aligned(a, b);
        let len = mass_a.len().max(mass_b.len());
        let (mut ca, mut cb, mut previous) = (0.0, 0.0, 0.0);
        let mut mass = Vec::with_capacity(len);
        for k in 0..len {
            ca += mass_a.get(k).copied().unwrap_or(0.0);
            cb += mass_b.get(k).copied().unwrap_or(0.0);
            let c = ca * cb;
            mass.push((c - previous).max(0.0));
            previous = c.max(previous);
        }
        Dist::Grid { lo, mass }
    }

    /// The maximum of several independent draws, all put on one lattice
    /// from the lowest start first, so the order of the calls does not
    /// matter (up to round-off).
    fn max_all(&mut self, dists: Vec<Dist>) -> Dist {
        let atoms = dists
            .iter()
            .try_fold(1usize, |count, dist| match dist {
                Dist::Atoms(atoms) => Some(count.saturating_mul(atoms.len())),
                Dist::Grid { .. } | Dist::Split { .. } => None,
            })
            .is_some_and(|count| count <= MAX_ATOMS);
        if atoms || dists.len() < 2 {
            let mut iter = dists.into_iter();
            let first = iter.next().unwrap_or(Engine::point(0.0));
            return iter.fold(first, |acc, dist| self.max(acc, dist));
        }
        let grids: Vec<(f64, Vec<f64>)> = dists.into_iter().map(|dist| self.grid(dist)).collect();
        let lo = grids.iter().map(|grid| grid.0).fold(f64::INFINITY, f64::min);
        let aligned: Vec<Vec<f64>> = grids
            .into_iter()
            .map(|(from, mass)| if from > lo { self.align(from, &mass, lo) } else { mass })
            .collect();
        let len = aligned.iter().map(Vec::len).max().unwrap_or(1);
        let mut running = vec![0.0; aligned.len()];
        let mut previous = 0.0;
        let mut mass = Vec::with_capacity(len);
        for k in 0..len {
            let mut c = 1.0;
            for (total, masses) in running.iter_mut().zip(&aligned) {
                *total += masses.get(k).copied().unwrap_or(0.0);
                c *= *total;
            }
            mass.push((c - previous).max(0.0));
            previous = c.max(previous);
        }
        Dist::Grid { lo, mass }
    }

    /// With probability `p` a draw of `a`, else of `b`.
    fn mix(&mut self, p: f64, a: Dist, b: Dist) -> Dist {
        if p >= 1.0 {
            return a;
        }
        if p <= 0.0 {
            return b;
        }
        if let (Dist::Atoms(a), Dist::Atoms(b)) = (&a, &b)
            && a.len() + b.len() <= MAX_ATOMS
        {
            let out = a
                .iter()
                .map(|(v, q)| (*v, q * p))
                .chain(b.iter().map(|(v, q)| (*v, q * (1.0 - p))))
                .collect();
            return Dist::Atoms(merge_atoms(out));
        }
        // Atoms beside a lattice: both kept as they are.
        match (a, b) {
            (Dist::Atoms(atoms), Dist::Grid { lo, mass }) => Self::split(p, atoms, lo, mass),
            (Dist::Grid { lo, mass }, Dist::Atoms(atoms)) => Self::split(1.0 - p, atoms, lo, mass),
            (a, b) => self.mix_on_grid(p, a, b),
        }
    }

    /// With probability `p` one of `atoms`, else a draw of the lattice.
    fn split(p: f64, atoms: Vec<(f64, f64)>, lo: f64, mass: Vec<f64>) -> Dist {
        Dist::Split {
            atoms: atoms.into_iter().map(|(v, q)| (v, q * p)).collect(),
            lo,
            mass: mass.into_iter().map(|m| m * (1.0 - p)).collect(),
        }
    }

    fn mix_on_grid(&mut self, p: f64, a: Dist, b: Dist) -> Dist {
        let (lo, mass_a, mass_b) = self.aligned(a, b);
        let len = mass_a.len().max(mass_b.len());
        let mass = (0..len)
            .map(|k| p * mass_a.get(k).copied().unwrap_or(0.0) + (1.0 - p) * mass_b.get(k).copied().unwrap_or(0.0))
            .collect();
        Dist::Grid { lo, mass }
    }

    /// W on the lattice from 0: its point mass at 0 and each cell's share
    /// of the exponential (the tail past the lattice in its last cell).
    fn wait(&self, wait: &Wait) -> Dist {
        Dist::Grid {
            lo: 0.0,
            mass: wait.lattice_masses(self.h, self.len, true),
        }
    }

    /// P(X ≤ t): exact on atoms; on the lattice, each point's mass spread
    /// over its cell (as [`Engine::quantile`] reads it).
    fn cdf(&self, dist: &Dist, t: f64) -> f64 {
        let atoms_below =
            |atoms: &[(f64, f64)]| -> f64 { atoms.iter().filter(|(v, _)| *v <= t + TIE).map(|(_, p)| p).sum() };
        let grid_below = |lo: f64, mass: &[f64]| -> f64 {
            let mut total = 0.0;
            for (k, m) in mass.iter().enumerate() {
                let start = (lo + (k as f64 - 0.5) * self.h).max(lo);
                let end = lo + (k as f64 + 0.5) * self.h;
                if end <= t {
                    total += m;
                } else if start < t {
                    total += m * (t - start) / (end - start);
                } else {
                    break;
                }
            }
            total
        };
        let value = match dist {
            Dist::Atoms(atoms) => atoms_below(atoms),
            Dist::Grid { lo, mass } => grid_below(*lo, mass),
            Dist::Split { atoms, lo, mass } => atoms_below(atoms) + grid_below(*lo, mass),
        };
        value.clamp(0.0, 1.0)
    }

    /// X given X ≤ t (`None` when X never is).
    fn truncate(&self, dist: &Dist, t: f64) -> Option<Dist> {
        let within = self.cdf(dist, t);
        if within <= 0.0 {
            return None;
        }
        let keep_atoms = |atoms: &[(f64, f64)]| -> Vec<(f64, f64)> {
            atoms
                .iter()
                .filter(|(v, _)| *v <= t + TIE)
                .map(|(v, p)| (*v, p / within))
                .collect()
        };
        let keep_grid = |lo: f64, mass: &[f64]| -> Vec<f64> {
            let mut out = Vec::with_capacity(mass.len());
            for (k, m) in mass.iter().enumerate() {
                let start = (lo + (k as f64 - 0.5) * self.h).max(lo);
                let end = lo + (k as f64 + 0.5) * self.h;
                let share = if end <= t {
                    1.0
                } else if start < t {
                    (t - start) / (end - start)
                } else {
                    break;
                };
                out.push(m * share / within);
            }
            out
        };
        Some(match dist {
            Dist::Atoms(atoms) => Dist::Atoms(keep_atoms(atoms)),
            Dist::Grid { lo, mass } => Dist::Grid {
                lo: *lo,
                mass: keep_grid(*lo, mass),
            },
            Dist::Split { atoms, lo, mass } => Dist::Split {
                atoms: keep_atoms(atoms),
                lo: *lo,
                mass: keep_grid(*lo, mass),
            },
        })
    }

    /// The time of a hop with timeout `t` whose attempts fail with
    /// probability `fail`, up to `retries` + 1 of them (language.md §7): k·t
    /// plus an attempt that answered within t with probability
    /// (1 − f)·fᵏ, (n + 1)·t when every attempt fails. With its mean.
    /// With `answered_only`, the time given that the hop succeeds (the
    /// all-fail case left out, the rest renormalized): what an enclosing
    /// timed hop's P(T ≤ t) reads, since the subtree's failures are
    /// already in its availability. Third, the mean of an answered
    /// attempt (`None` when none answers in time).
    fn timed(
        &mut self,
        attempt: &Dist,
        t: f64,
        fail: f64,
        retries: u32,
        answered_only: bool,
    ) -> (Dist, f64, Option<f64>) {
        let n = retries.min(MAX_RETRY_TERMS);
        let all_fail = f64::from(n + 1) * t;
        let Some(answered) = self.truncate(attempt, t) else {
            return (Engine::point(all_fail), all_fail, None);
        };
        let answered_mean = self.mean(&answered);
        let success = 1.0 - fail.portable_powf(f64::from(n) + 1.0);
        if answered_only && success <= 0.0 {
            return (Engine::point(all_fail), all_fail, Some(answered_mean));
        }
        let (mut dist, mut mean, scale) = if answered_only {
            (Engine::shift(answered.clone(), f64::from(n) * t), 0.0, 1.0 / success)
        } else {
            (Engine::point(all_fail), (1.0 - success) * all_fail, 1.0)
        };
        let last = if answered_only { n.checked_sub(1) } else { Some(n) };
        if answered_only {
            mean += (1.0 - fail) * fail.portable_powf(f64::from(n)) * scale * (f64::from(n) * t + answered_mean);
        }
        if let Some(last) = last {
            for k in (0..=last).rev() {
                let shifted = Engine::shift(answered.clone(), f64::from(k) * t);
                // P(k failures first | at least k) = 1 − f, over what is left.
                let weight = if answered_only {
                    let rest: f64 = (k..=n).map(|j| fail.portable_powf(f64::from(j - k))).sum();
                    1.0 / rest
                } else {
                    1.0 - fail
                };
                dist = self.mix(weight, shifted, dist);
                mean += (1.0 - fail) * fail.portable_powf(f64::from(k)) * scale * (f64::from(k) * t + answered_mean);
            }
        }
        (dist, mean, Some(answered_mean))
    }

    fn mean(&self, dist: &Dist) -> f64 {
        match dist {
            Dist::Atoms(atoms) => atoms.iter().map(|(v, p)| v * p).sum(),
            Dist::Grid { lo, mass } => self.grid_mean(*lo, mass),
            Dist::Split { atoms, lo, mass } => {
                atoms.iter().map(|(v, p)| v * p).sum::<f64>() + self.grid_mean(*lo, mass)
            }
        }
    }

    /// The lattice's share of the mean (its masses need not sum to 1).
    fn grid_mean(&self, lo: f64, mass: &[f64]) -> f64 {
        let total: f64 = mass.iter().sum();
        lo * total + mass.iter().enumerate().map(|(k, m)| k as f64 * self.h * m).sum::<f64>()
    }

    /// The smallest t with F(t) >= q: exact on atoms; on the lattice, each
    /// point's mass spread over its cell.
    fn quantile(&self, dist: &Dist, q: f64) -> f64 {
        let target = q - TIE;
        match dist {
            Dist::Atoms(atoms) => {
                let mut total = 0.0;
                for (value, p) in atoms {
                    total += p;
                    if total >= target {
                        return *value;
                    }
                }
                atoms.last().map_or(f64::NAN, |atom| atom.0)
            }
            Dist::Grid { lo, mass } => {
                let mut total = 0.0;
                for (k, m) in mass.iter().enumerate() {
                    if total + m >= target && *m > 0.0 {
                        let fraction = ((target - total) / m).clamp(0.0, 1.0);
                        return (lo + (k as f64 - 0.5 + fraction) * self.h).max(*lo);
                    }
                    total += m;
                }
                f64::NAN
            }
            Dist::Split { atoms, lo, mass } => self.split_quantile(atoms, *lo, mass, target),
        }
    }

    /// [`Engine::quantile`] of atoms beside a lattice: the cells spread
    /// their mass evenly, the atoms jump, in the order of their values.
    fn split_quantile(&self, atoms: &[(f64, f64)], lo: f64, mass: &[f64], target: f64) -> f64 {
        let mut total = 0.0;
        let mut next = 0;
        for (k, m) in mass.iter().enumerate() {
            // The cell of point k, cut at `lo` as the lattice's quantile is.
            let start = (lo + (k as f64 - 0.5) * self.h).max(lo);
            let end = lo + (k as f64 + 0.5) * self.h;
            let density = if end > start { m / (end - start) } else { 0.0 };
            while let Some((value, p)) = atoms.get(next).copied()
                && value <= start
            {
                total += p;
                if total >= target {
                    return value;
                }
                next += 1;
            }
            let mut from = start;
            while let Some((value, p)) = atoms.get(next).copied()
                && value < end
            {
                let part = density * (value - from);
                if density > 0.0 && total + part >= target {
                    return from + (target - total) / density;
                }
                total += part + p;
                from = value;
                next += 1;
                if total >= target {
                    return value;
                }
            }
            let part = density * (end - from);
            if density > 0.0 && total + part >= target {
                return from + (target - total) / density;
            }
            total += part;
        }
        for (value, p) in atoms.get(next..).unwrap_or_default() {
            total += p;
            if total >= target {
                return *value;
            }
        }
        atoms.last().map_or(f64::NAN, |atom| atom.0)
    }
}

/// The `fanout = all` shard count of the hop into a visit: the draws of
/// its latency (the stubs of `hld compose` draw as many).
pub(crate) fn shards(
    design: &Design,
    link: Option<crate::model::LinkId>,
    component: ComponentId,
    options: LatencyOptions,
) -> u32 {
    link.filter(|link_id| options.fanout && design.link(*link_id).fanout == Fanout::All)
        .and(design.component(component).shard.as_ref())
        .map_or(1, |shard| shard.count.max(1))
}

impl TreeModel {
    /// Without load: the figures of language.md §4 and §5 (retries and
    /// timeouts still apply, §7).
    pub fn new(design: &Design, flow: &Flow, options: LatencyOptions, cache: &mut LawCache) -> TreeModel {
        TreeModel::loaded(design, flow, options, &Loading::unloaded(), cache)
    }

    /// At the loads of `loading`: each visit of a component with a known
    /// capacity waits as its M/M/c station says (language.md §6).
    pub fn loaded(
        design: &Design,
        flow: &Flow,
        options: LatencyOptions,
        loading: &Loading,
        cache: &mut LawCache,
    ) -> TreeModel {
        if let Some(timed) = super::timed::TimedPath::compute(design, flow, options, loading, cache) {
            // A path with one timed hop: its figures from the path model's
            // spectra, its visits' means from a pass that takes the hop as
            // computed there.
            let mut model = TreeModel::build(
                design,
                flow,
                options,
                loading,
                cache,
                false,
                Some(&timed.retries),
                false,
            );
            model.figures = LatencyFigures {
                mean_ms: model.figures.mean_ms,
                ..timed.figures
            };
            model.timed_path = true;
            return model;
        }
        TreeModel::on_lattice(design, flow, options, loading, cache)
    }

    /// [`TreeModel::loaded`] with every distribution on the tree model's
    /// own lattice, a path with one timed hop too (tests compare the two).
    pub fn on_lattice(
        design: &Design,
        flow: &Flow,
        options: LatencyOptions,
        loading: &Loading,
        cache: &mut LawCache,
    ) -> TreeModel {
        if !nested_timeouts(design, flow) {
            return TreeModel::build(design, flow, options, loading, cache, true, None, false);
        }
        // A timed hop inside a timed hop: the outer one's P(T ≤ t) reads
        // the inner one's time given that it succeeds (its failures are in
        // the subtree's availability already), from a first pass that
        // leaves every timed hop's all-fail case out.
        let answered = TreeModel::build(design, flow, options, loading, cache, true, None, true);
        TreeModel::build(
            design,
            flow,
            options,
            loading,
            cache,
            true,
            Some(&answered.retries),
            false,
        )
    }

    /// The visits with their reach, waits and mean at the loads of
    /// `loading`, without the percentiles (0): for a flow with `path` only,
    /// whose figures come from the path model. Exact for trees without
    /// `parallel`.
    pub fn means(design: &Design, flow: &Flow, loading: &Loading, cache: &mut LawCache) -> TreeModel {
        TreeModel::build(
            design,
            flow,
            LatencyOptions::default(),
            loading,
            cache,
            false,
            None,
            false,
        )
    }

    /// `given`: the judged hops already computed (their f is kept);
    /// `answered_only`: every timed hop's time given that it succeeds.
    #[allow(clippy::too_many_arguments)]
    fn build(
        design: &Design,
        flow: &Flow,
        options: LatencyOptions,
        loading: &Loading,
        cache: &mut LawCache,
        wanted: bool,
        given: Option<&Retries>,
        answered_only: bool,
    ) -> TreeModel {
        let states = flow.visit_sync(design);
        let n = flow.visits.len();
        let mut visits: Vec<TreeVisit> = Vec::with_capacity(n);
        let mut background = Vec::new();
        // Forward: own latencies, links, reach, and the lattice's span.
        let (mut fixed_total, mut mean_total, mut var_total, mut widest) = (0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
        let mut has_law = false;
        for (idx, visit) in flow.visits.iter().enumerate() {
            let state = states[idx];
            let parent_sync = visit.parent.is_some_and(|parent| states[parent] == VisitSync::Sync);
            let component = design.component(visit.component);
            let link_ms = visit
                .link
                .filter(|_| parent_sync)
                .map(|link| link_round_trip(design, link).0);
            let mut own = if component.kind == Kind::Client || state == VisitSync::Background {
                NodeLatency::Client
            } else {
                node_latency(component.latency.p50_ms, component.latency.p99_ms)
            };
            if let NodeLatency::Random { law, .. } = own {
                let count = shards(design, visit.link, visit.component, options);
                own = NodeLatency::Random {
                    law: law.max_of(count),
                    shards: count,
                };
            }
            let own_mean_ms = match &own {
                NodeLatency::Client => 0.0,
                NodeLatency::Fixed(ms) => *ms,
                NodeLatency::Random { law, .. } => law.mean(),
            };
            if state == VisitSync::Background {
                background.push(visit.component);
            }
            let wait = (state != VisitSync::Background && component.kind != Kind::Client)
                .then(|| {
                    loading.wait(
                        design,
                        visit.component,
                        visit.op,
                        visit.link.map(|link| design.link(link)),
                    )
                })
                .flatten();
            if let Some(wait) = &wait {
                has_law = true;
                let (p, r) = (wait.p_wait, wait.rate_per_ms);
                let (m, v) = wait.moments();
                mean_total += m;
                var_total += v;
                if p > 1e-4 {
                    widest = widest.max((p / 1e-4).portable_ln() / r);
                }
            }
            match &own {
                NodeLatency::Fixed(ms) => fixed_total += ms,
                NodeLatency::Random { law, .. } => {
                    has_law = true;
                    let (m, v) = law.approx_moments();
                    mean_total += m;
                    var_total += v;
                    widest = widest.max(law.quantile(0.9999));
                }
                NodeLatency::Client => {}
            }
            fixed_total += link_ms.unwrap_or(0.0);
            let waited_steps = state == VisitSync::Sync
                && visit
                    .steps
                    .iter()
                    .any(|step| step.calls.iter().any(|call| flow.visits[*call].link.is_some()));
            let hit_ratio = (component.kind.is_cache_like() && waited_steps)
                .then(|| component.hit_ratio().clamp(0.0, 1.0))
                .filter(|h| h.is_finite());
            let reach = match visit.parent {
                None => 1.0,
                Some(parent) => {
                    let above: &TreeVisit = &visits[parent];
                    above.reach * (1.0 - above.hit_ratio.unwrap_or(0.0))
                }
            };
            visits.push(TreeVisit {
                visit: idx,
                component: visit.component,
                sync: state,
                reach,
                link_ms,
                own,
                own_mean_ms,
                wait,
                hit_ratio,
                steps: Vec::new(),
                mean_ms: 0.0,
                answered_mean_ms: None,
            });
        }
        let span = fixed_total + mean_total + 12.0 * var_total.sqrt() + widest;
        // A timed-out hop can take (n + 1)·t: the lattice reaches that far,
        // with the spacing of the span without it while that stays within
        // MAX_GRID points.
        let timed_total: f64 = flow
            .visits
            .iter()
            .enumerate()
            .filter(|(idx, _)| states[*idx] != VisitSync::Background)
            .filter_map(|(_, visit)| {
                let link = design.link(visit.link?);
                let t = link.timeout_ms?;
                Some(f64::from(link.retries.unwrap_or(0).min(MAX_RETRY_TERMS) + 1) * t.max(0.0))
            })
            .sum();
        let has_law = has_law || timed_total > 0.0;
        // Spacings snap to quarter octaves, so flows of similar spans share
        // the lattice masses of their laws (the cache is keyed by spacing).
        let h = if has_law && span > 0.0 {
            let raw = span / GRID as f64;
            2f64.portable_powf((raw.portable_log2() * 4.0).floor() / 4.0)
        } else {
            1.0
        };
        let (h, len) = if timed_total > 0.0 {
            let reach = span + timed_total;
            let h = if span > 0.0 {
                h.max(reach / MAX_GRID as f64)
            } else {
                reach / GRID as f64
            };
            let h = 2f64.portable_powf((h.portable_log2() * 4.0).ceil() / 4.0);
            (h, (reach / h).ceil() as usize + 64)
        } else if has_law && span > 0.0 {
            (h, (span / h).ceil() as usize + 64)
        } else {
            (h, GRID + 64)
        };
        let mut engine = Engine { h, len, cache };
        let mut retries = Retries::new(design, flow);
        // Backward: each visit's T from its children's.
        let mut dists: Vec<Option<Dist>> = vec![None; n];
        for idx in (0..n).rev() {
            if states[idx] == VisitSync::Background {
                continue;
            }
            let own = match &visits[idx].own {
                _ if !wanted => Engine::point(0.0),
                NodeLatency::Client => Engine::point(0.0),
                NodeLatency::Fixed(ms) => Engine::point(*ms),
                NodeLatency::Random { law, .. } => engine.law(law),
            };
            let (own, mut own_mean) = match visits[idx].wait {
                Some(wait) if wanted => {
                    let waited = engine.wait(&wait);
                    (engine.sum(own, waited), visits[idx].own_mean_ms + wait.mean_ms())
                }
                Some(wait) => (own, visits[idx].own_mean_ms + wait.mean_ms()),
                None => (own, visits[idx].own_mean_ms),
            };
            if states[idx] == VisitSync::Sync {
                let mut total = Engine::point(0.0);
                let mut total_mean = 0.0;
                let mut step_means = Vec::new();
                for step in &flow.visits[idx].steps {
                    let mut step_dists: Vec<Dist> = Vec::with_capacity(step.calls.len());
                    let mut step_mean = 0.0;
                    let mut counted = 0;
                    for &call in &step.calls {
                        let link = visits[call].link_ms.unwrap_or(0.0);
                        let (mut dist, mut mean) = match dists[call].take() {
                            Some(dist) => (Engine::shift(dist, link), link + visits[call].mean_ms),
                            // A fire-and-forget call: its own hop only.
                            None => (Engine::point(link), link),
                        };
                        if retries.judges(design, flow, call).is_some() {
                            let timeout = flow.visits[call].link.and_then(|link| design.link(link).timeout_ms);
                            let hop = match given.and_then(|given| given.hop(call)) {
                                Some(hop) => {
                                    retries.adopt(hop.clone());
                                    hop.clone()
                                }
                                None => {
                                    let within = timeout.map_or(1.0, |t| engine.cdf(&dist, t));
                                    let p99 = (wanted && timeout.is_some()).then(|| engine.quantile(&dist, 0.99));
                                    retries.record(design, flow, loading, call, within, p99).clone()
                                }
                            };
                            if let Some(t) = timeout
                                && wanted
                            {
                                let answered_mean;
                                (dist, mean, answered_mean) =
                                    engine.timed(&dist, t, hop.fail, hop.retries, answered_only);
                                visits[call].answered_mean_ms = answered_mean;
                            } else if timeout.is_some() && given.is_some() {
                                // Computed elsewhere (`timed.rs`, the only
                                // caller of a pass for the means with hops
                                // given): the mean as `timed` would take it.
                                mean = hop.timed_mean(hop.answered_mean_ms);
                                visits[call].answered_mean_ms = hop.answered_mean_ms;
                            }
                        }
                        counted += 1;
                        step_mean = if wanted { mean } else { step_mean.max(mean) };
                        step_dists.push(dist);
                    }
                    if step_dists.is_empty() {
                        continue;
                    }
                    let step_dist = engine.max_all(step_dists);
                    if counted > 1 && wanted {
                        step_mean = engine.mean(&step_dist);
                    }
                    step_means.push((step_mean, step.parallel));
                    total_mean += step_mean;
                    total = engine.sum(total, step_dist);
                }
                let hit = visits[idx].hit_ratio.unwrap_or(0.0);
                if visits[idx].hit_ratio.is_some() {
                    total = engine.mix(hit, Engine::point(0.0), total);
                }
                own_mean += (1.0 - hit) * total_mean;
                visits[idx].steps = step_means;
                dists[idx] = Some(engine.sum(own, total));
            } else {
                dists[idx] = Some(own);
            }
            visits[idx].mean_ms = own_mean;
        }
        let root = dists.first_mut().and_then(Option::take).unwrap_or(Engine::point(0.0));
        let quantile = |q: f64| if wanted { engine.quantile(&root, q) } else { 0.0 };
        let figures = LatencyFigures {
            mean_ms: visits.first().map_or(0.0, |visit| visit.mean_ms),
            p50_ms: quantile(0.5),
            p95_ms: quantile(0.95),
            p99_ms: quantile(0.99),
        };
        retries.hops.sort_by_key(|hop| hop.visit);
        TreeModel {
            visits,
            background,
            figures,
            retries,
            timed_path: false,
        }
    }

    pub fn mean_ms(&self) -> f64 {
        self.figures.mean_ms
    }

    /// Whether some visit's latency has a `fanout = all`.
    pub fn has_fanout(&self) -> bool {
        self.visits
            .iter()
            .any(|visit| matches!(visit.own, NodeLatency::Random { shards, .. } if shards > 1))
    }
}

/// Whether a hop with a timeout sits below another one on the synchronous
/// part.
fn nested_timeouts(design: &Design, flow: &Flow) -> bool {
    let timed = |visit: &crate::model::Visit| visit.link.is_some_and(|link| design.link(link).timeout_ms.is_some());
    // Per visit: whether a timed hop is on the way to it (itself included).
    let mut under = Vec::with_capacity(flow.visits.len());
    for visit in &flow.visits {
        let above = visit
            .parent
            .is_some_and(|parent| under.get(parent).copied().unwrap_or(false));
        if above && timed(visit) {
            return true;
        }
        under.push(above || timed(visit));
    }
    false
}

/// The latency figures of any flow: the path model for a flow with `path`
/// only, the tree model otherwise.
pub fn flow_figures(design: &Design, flow: &Flow, options: LatencyOptions, cache: &mut LawCache) -> LatencyFigures {
    if flow.is_path_only() {
        let model = super::latency::PathModel::new(design, flow, options);
        super::latency::figures(&model, cache)
    } else {
        TreeModel::new(design, flow, options, cache).figures
    }
}

/// Whether every latency percentile the SLO sets is surely met by a call
/// tree, without its lattice: its latency is at most the sum of every
/// synchronous visit's own latency and link (a parallel step's maximum is
/// at most the sum of its calls, a hit only skips work), so the path
/// model's bound on that sum, taken as one chain, bounds the tree. Waits
/// (language.md §6) add to that sum. A failed attempt of a timed hop costs
/// its timeout whatever the callee takes (§7), which the sum leaves out:
/// the caller leaves flows with timeouts to the lattice.
pub fn slo_surely_met(design: &Design, flow: &Flow, slo: &crate::model::Slo, loading: &Loading) -> bool {
    if !slo.has_latency() {
        return true;
    }
    let states = flow.visit_sync(design);
    let mut laws = Vec::new();
    let mut fixed = 0.0;
    for (idx, visit) in flow.visits.iter().enumerate() {
        let parent_sync = visit.parent.is_some_and(|parent| states[parent] == VisitSync::Sync);
        if parent_sync && let Some(link) = visit.link {
            fixed += link_round_trip(design, link).0;
        }
        if states[idx] == VisitSync::Background {
            continue;
        }
        let component = design.component(visit.component);
        if component.kind == Kind::Client {
            continue;
        }
        match node_latency(component.latency.p50_ms, component.latency.p99_ms) {
            NodeLatency::Fixed(ms) => fixed += ms,
            NodeLatency::Random { law, .. } => {
                laws.push(law.max_of(shards(design, visit.link, visit.component, LatencyOptions::default())));
            }
            NodeLatency::Client => {}
        }
    }
    let first = flow.visits.first().map_or(ComponentId(0), |visit| visit.component);
    let law_count = laws.len();
    let model = super::latency::PathModel {
        steps: Vec::new(),
        laws,
        waits: Vec::new(),
        stops: vec![super::latency::Stop {
            at: first,
            hit: false,
            probability: 1.0,
            fixed_ms: fixed,
            law_count,
            wait_count: 0,
            mean_ms: 0.0,
            last_step: 0,
        }],
        background: Vec::new(),
    };
    super::latency::slo_surely_met_with_waits(&model, slo, loading.wait_moments(design, flow))
}
