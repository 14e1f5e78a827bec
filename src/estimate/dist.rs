//! Latency distributions and their sums on a lattice.
//!
//! A component's latency is a [`Law`]: a log-normal fitted to p50 and p99
//! (language.md §4), or the maximum of N independent draws of one
//! (`fanout = all`). Fixed latencies never come here: callers carry them as
//! a scalar shift, so fixed designs stay exact.
//!
//! The random part of a path is a [`Lattice`]: probability masses at 0, h,
//! 2h, ... (M points) plus the exact mean of the whole distribution. Each law
//! is put on the lattice by the *tent projection* (the mass near x is split
//! between the two lattice points around x, in proportion to distance),
//! which keeps mass and mean exactly: the cumulative mass up to point k is
//! the average of the CDF over [kh, (k+1)h], in closed form for a
//! log-normal. Sums of independent parts are lattice convolutions; mass past
//! the last point is not stored, but the exact mean still says where it is.
//! Reading a quantile treats each point's mass as spread evenly over
//! [(k−½)h, (k+½)h], so the CDF is piecewise linear. The projection adds a
//! zero-mean error of at most h per part, so quantile errors are second
//! order in h; `latency.rs` picks h a fraction of a percent of the smallest
//! quantile asked.

use crate::float::Portable;
use std::collections::HashMap;

use super::fft::{RealFft, Spectrum};
use super::math::{fast_norm_cdf, norm_cdf, norm_isf, norm_ppf, norm_sf};
use super::queueing::Wait;

/// z of the 99th percentile: σ = ln(p99/p50) / 2.3263 (language.md §4).
pub const Z99: f64 = 2.326_347_874_040_840_8;

/// A component's random latency (ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Law {
    /// ln X ~ N(mu, sigma²).
    LogNormal { mu: f64, sigma: f64 },
    /// The maximum of `n` independent draws of LogNormal { mu, sigma }.
    MaxOf { mu: f64, sigma: f64, n: u32 },
}

impl Law {
    /// The log-normal with this p50 and p99 (p99 > p50 > 0).
    pub fn fit(p50: f64, p99: f64) -> Law {
        Law::LogNormal {
            mu: p50.portable_ln(),
            sigma: (p99 / p50).portable_ln() / Z99,
        }
    }

    /// The maximum of `n` draws of `self` (a log-normal).
    pub fn max_of(self, n: u32) -> Law {
        match self {
            Law::LogNormal { mu, sigma } if n > 1 => Law::MaxOf { mu, sigma, n },
            other => other,
        }
    }

    /// (μ, σ, n): the log of one draw is N(μ, σ²); the law is the maximum
    /// of n draws (1 for a plain log-normal).
    pub fn params(&self) -> (f64, f64, u32) {
        match *self {
            Law::LogNormal { mu, sigma } => (mu, sigma, 1),
            Law::MaxOf { mu, sigma, n } => (mu, sigma, n),
        }
    }

    /// P(X > e^(μ + σz)), the upper tail at the level z of one draw: 1 − Φ(z)
    /// for a log-normal, 1 − Φ(z)ⁿ for the maximum of n, accurate when small.
    pub fn sf_at_level(&self, z: f64) -> f64 {
        let (_, _, n) = self.params();
        if n == 1 {
            norm_sf(z)
        } else {
            -(f64::from(n) * log_cdf(z)).portable_exp_m1()
        }
    }

    /// P(X <= x).
    pub fn cdf(&self, x: f64) -> f64 {
        if x.is_nan() || x <= 0.0 {
            return 0.0;
        }
        let (mu, sigma, n) = self.params();
        let z = (x.portable_ln() - mu) / sigma;
        if n == 1 { norm_cdf(z) } else { pow_cdf(z, n) }
    }

    /// The q-quantile; for the maximum of n draws, the base law's
    /// q^(1/n)-quantile (knowledge.md §3.3).
    pub fn quantile(&self, q: f64) -> f64 {
        let (mu, sigma, n) = self.params();
        let z = if n == 1 {
            norm_ppf(q)
        } else {
            // 1 − q^(1/n), without rounding q^(1/n) to 1.
            norm_isf(-(q.portable_ln() / f64::from(n)).portable_exp_m1())
        };
        (mu + sigma * z).portable_exp()
    }

    /// The exact mean: e^(μ+σ²/2) for a log-normal; for the maximum of n,
    /// ∫ (1 − F(x)ⁿ) dx by Simpson's rule in z = (ln x − μ)/σ.
    pub fn mean(&self) -> f64 {
        let (mu, sigma, n) = self.params();
        if n == 1 {
            return (mu + 0.5 * sigma * sigma).portable_exp();
        }
        // E[X] = e^μ σ ∫ (1 − Φ(z)ⁿ) e^{σz} dz. Below z0, Φ(z)ⁿ < 1e-18 and
        // the integral of e^{σz} is e^{σ z0}/σ; above z1 the integrand is
        // below e^{-40}.
        let nf = f64::from(n);
        let z0 = norm_ppf((1e-18_f64.portable_ln() / nf).portable_exp()).min(-1.0);
        let z1 = sigma + 12.0;
        let steps = 4000;
        let width = (z1 - z0) / f64::from(steps);
        let integrand = |z: f64| -(nf * log_cdf(z)).portable_exp_m1() * (sigma * z).portable_exp();
        let mut sum = integrand(z0) + integrand(z1);
        for i in 1..steps {
            let z = z0 + width * f64::from(i);
            sum += integrand(z) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        let body = sum * width / 3.0;
        mu.portable_exp() * sigma * (body + (sigma * z0).portable_exp() / sigma)
    }

    /// Mean and variance of a log-normal approximation, to size grids.
    pub fn approx_moments(&self) -> (f64, f64) {
        let (mu, sigma) = match *self {
            Law::LogNormal { mu, sigma } => (mu, sigma),
            Law::MaxOf { .. } => {
                let (p50, p99) = (self.quantile(0.5), self.quantile(0.99));
                (p50.portable_ln(), (p99 / p50).portable_ln() / Z99)
            }
        };
        let mean = (mu + 0.5 * sigma * sigma).portable_exp();
        let var = (sigma * sigma).portable_exp_m1() * mean * mean;
        (mean, var)
    }

    /// ∫_0^x F(t) dt, in closed form for a log-normal:
    /// x Φ(z) − e^(μ+σ²/2) Φ(z − σ), z = (ln x − μ)/σ.
    fn integrated_cdf(&self, x: f64) -> f64 {
        let Law::LogNormal { mu, sigma } = *self else {
            return f64::NAN;
        };
        if x.is_nan() || x <= 0.0 {
            return 0.0;
        }
        let z = (x.portable_ln() - mu) / sigma;
        let mean = (mu + 0.5 * sigma * sigma).portable_exp();
        // Far tails without the series: Φ(z) rounds to 0 below −38 and to 1
        // above 8.3, where the integral is x − mean exactly.
        if z < -38.0 {
            return 0.0;
        }
        if z - sigma > 8.3 {
            return x - mean;
        }
        x * norm_cdf(z) - mean * norm_cdf(z - sigma)
    }

    /// ∫_0^x F below the median (`Lower`), or E[(X − x)+] above it (`Upper`):
    /// ∫_0^x F = x − mean + E[(X − x)+].
    fn boundary(&self, x: f64) -> Boundary {
        let Law::LogNormal { mu, sigma } = *self else {
            return Boundary::Lower(f64::NAN);
        };
        if x.is_nan() || x <= 0.0 {
            return Boundary::Lower(0.0);
        }
        let z = (x.portable_ln() - mu) / sigma;
        if z <= 0.0 {
            return Boundary::Lower(self.integrated_cdf(x));
        }
        let mean = (mu + 0.5 * sigma * sigma).portable_exp();
        if z > 38.5 + sigma {
            return Boundary::Upper(0.0);
        }
        Boundary::Upper((mean * norm_sf(z - sigma) - x * norm_sf(z)).max(0.0))
    }

    /// Cumulative tent-projected masses C_k = (1/h) ∫_{kh}^{(k+1)h} F, for k in
    /// `from..to`.
    fn cell_averages(&self, h: f64, from: usize, to: usize, out: &mut Vec<f64>) {
        match self {
            Law::LogNormal { .. } => {
                // Below the median, ∫F in closed form; above it, 1 minus the
                // average of the survival function, from E[(X − x)+], so
                // that cells near 1 keep their small differences.
                let mut left = self.boundary(h * from as f64);
                for k in from..to {
                    let right = self.boundary(h * (k + 1) as f64);
                    let average = match (left, right) {
                        (Boundary::Upper(a), Boundary::Upper(b)) => 1.0 - (a - b) / h,
                        (Boundary::Lower(a), Boundary::Lower(b)) => (b - a) / h,
                        (Boundary::Lower(a), Boundary::Upper(b)) => (h * (k + 1) as f64 - self.mean() + b - a) / h,
                        (Boundary::Upper(a), Boundary::Lower(b)) => (b - (h * k as f64 - self.mean() + a)) / h,
                    };
                    out.push(average.clamp(0.0, 1.0));
                    left = right;
                }
            }
            Law::MaxOf { .. } => {
                // Simpson on each cell: F is smooth on the scale of h.
                let mut left = self.cdf(h * from as f64);
                for k in from..to {
                    let mid = self.cdf(h * (k as f64 + 0.5));
                    let right = self.cdf(h * (k + 1) as f64);
                    out.push(((left + 4.0 * mid + right) / 6.0).clamp(0.0, 1.0));
                    left = right;
                }
            }
        }
    }

    /// Approximate CDF for grid sizing (1.5e-7).
    pub fn approx_cdf(&self, x: f64) -> f64 {
        if x.is_nan() || x <= 0.0 {
            return 0.0;
        }
        let (mu, sigma, n) = self.params();
        let p = fast_norm_cdf((x.portable_ln() - mu) / sigma);
        if n == 1 { p } else { p.portable_powf(f64::from(n)) }
    }

    fn key(&self) -> (u64, u64, u32) {
        let (mu, sigma, n) = self.params();
        (mu.to_bits(), sigma.to_bits(), n)
    }
}

#[derive(Clone, Copy)]
enum Boundary {
    Lower(f64),
    Upper(f64),
}

/// ln Φ(z), accurate in both tails.
fn log_cdf(z: f64) -> f64 {
    if z > 0.0 {
        (-norm_sf(z)).portable_ln_1p()
    } else {
        norm_cdf(z).portable_ln()
    }
}

/// Φ(z)ⁿ, accurate near 1.
fn pow_cdf(z: f64, n: u32) -> f64 {
    (f64::from(n) * log_cdf(z)).portable_exp()
}

/// The random part of a path on the lattice 0, h, 2h, ...: `mass[k]` at kh;
/// mass past the end is not stored. `mean` is the exact mean of the whole
/// distribution (stored and unstored parts).
#[derive(Clone, Debug, PartialEq)]
pub struct Lattice {
    pub h: f64,
    pub mass: Vec<f64>,
    pub mean: f64,
}

impl Lattice {
    /// The distribution of 0: all mass at the first point.
    pub fn zero(h: f64, len: usize) -> Lattice {
        let mut mass = vec![0.0; len.max(1)];
        mass[0] = 1.0;
        Lattice { h, mass, mean: 0.0 }
    }

    /// Cumulative masses: `cumulative()[k]` = P(X <= kh) on the lattice,
    /// read as F((k + ½)h).
    pub fn cumulative(&self) -> Vec<f64> {
        let mut total = 0.0;
        self.mass
            .iter()
            .map(|mass| {
                total += mass;
                total.min(1.0)
            })
            .collect()
    }

    /// Mean of the stored masses only (what the lattice itself says, with
    /// nothing assumed about the mass past its end).
    pub fn lattice_mean(&self) -> f64 {
        self.mass
            .iter()
            .enumerate()
            .map(|(k, mass)| k as f64 * self.h * mass)
            .sum()
    }

    /// Adds an independent part: the convolution, truncated to this
    /// lattice's length.
    pub fn add(&mut self, part: &PartMasses<'_>) {
        let len = self.mass.len();
        let (a_lo, a_hi) = support(&self.mass);
        let mut out = vec![0.0; len];
        if a_lo < a_hi {
            let a = &self.mass[a_lo..a_hi];
            let work = (a_hi - a_lo) * part.masses.len();
            if work > FFT_THRESHOLD {
                convolve_fft(a, a_lo, part, &mut out);
            } else {
                for (j, &b) in part.masses.iter().enumerate() {
                    if b == 0.0 {
                        continue;
                    }
                    let start = a_lo + part.offset + j;
                    if start >= len {
                        break;
                    }
                    let end = (start + a.len()).min(len);
                    for (slot, &value) in out[start..end].iter_mut().zip(a) {
                        *slot += value * b;
                    }
                }
            }
        }
        self.mass = out;
        self.mean += part.mean;
    }
}

/// Direct convolution costs |a|·|b|; past this, the FFT is cheaper.
const FFT_THRESHOLD: usize = 1 << 18;

/// The first and one past the last index holding mass above 1e-300.
fn support(mass: &[f64]) -> (usize, usize) {
    let lo = mass.iter().position(|m| *m > 1e-300).unwrap_or(mass.len());
    let hi = mass.iter().rposition(|m| *m > 1e-300).map_or(lo, |idx| idx + 1);
    (lo, hi.max(lo))
}

thread_local! {
    /// The transforms [`convolve_fft`] has planned, by length.
    static PLANS: std::cell::RefCell<HashMap<usize, RealFft>> = std::cell::RefCell::new(HashMap::new());
}

fn convolve_fft(a: &[f64], a_lo: usize, part: &PartMasses<'_>, out: &mut [f64]) {
    let len = out.len();
    let b = part.masses;
    // Zero padded to the full length of the linear convolution.
    let size = (a.len() + b.len()).next_power_of_two();
    let (mut fa, mut fb) = (Spectrum::default(), Spectrum::default());
    let mut product = Vec::new();
    // A plan's twiddles cost a sine and a cosine each: make them once per
    // size and thread, not once per convolution (a flow with waits
    // convolves at every visit).
    PLANS.with(|plans| {
        let mut plans = plans.borrow_mut();
        let fft = plans.entry(size).or_insert_with(|| RealFft::new(size));
        fft.forward(a, &mut fa);
        fft.forward(b, &mut fb);
        fa.multiply(&fb);
        fft.inverse(&fa, &mut product);
    });
    for (idx, value) in product.iter().enumerate().take(a.len() + b.len() - 1) {
        let target = a_lo + part.offset + idx;
        if target >= len {
            break;
        }
        // Round-off leaves tiny negative values where the mass is zero.
        out[target] += value.max(0.0);
    }
}

/// One law's masses on a lattice, trimmed to where they are not negligible:
/// `masses[j]` sits at lattice point `offset + j`.
pub struct PartMasses<'a> {
    pub offset: usize,
    pub masses: &'a [f64],
    pub mean: f64,
}

/// Tent-projected masses of laws, cached by (law, h): flows through the
/// same kinds of components reuse them. Caching never changes a value: each
/// cell is computed on its own.
#[derive(Default)]
pub struct LawCache {
    entries: HashMap<((u64, u64, u32), u64), CachedLaw>,
    /// Tilted spectra of laws on a lattice, by (law, h, lattice length,
    /// transform size).
    spectra: HashMap<SpectrumKey, Spectrum>,
    /// What `spectra` holds, in bytes.
    spectra_bytes: usize,
    plans: HashMap<usize, RealFft>,
    /// θ^(−k) for k < n, by transform length n.
    untilts: HashMap<usize, Vec<f64>>,
    /// Working space of `latency::build`, kept between flows.
    pub(crate) scratch: Scratch,
    /// Working space of [`LawCache::multiply_wait`].
    wait_data: Vec<f64>,
    wait_spectrum: Spectrum,
}

/// Buffers reused from flow to flow (no allocation per flow).
#[derive(Default)]
pub(crate) struct Scratch {
    pub product: Spectrum,
    pub data: Vec<f64>,
}

/// (law, h, lattice length, transform size).
type SpectrumKey = ((u64, u64, u32), u64, usize, usize);

/// Bytes of spectra kept per cache before it starts afresh: 256 spectra
/// of a 4,096-point lattice, 16 of a 65,536-point one. A count alone let a
/// cache of timed trees' long lattices hold 128 MB per thread
/// (docs/performance.md, "Memory").
const MAX_SPECTRA_BYTES: usize = 256 * (4096 / 2 + 1) * 16;

/// Exponential tilt of the spectral convolution: mass at point k is
/// weighted by θ^k with θ^n = TILT, so whatever a circular convolution of
/// size n wraps around from past the end comes back damped by this factor.
/// Untilting multiplies round-off by at most 1/TILT: 1e-16 becomes 1e-10.
pub const TILT: f64 = 1e-6;

struct CachedLaw {
    /// Cell averages of the CDF, C_k, for k < cumulative.len().
    cumulative: Vec<f64>,
    /// Masses m_k = C_k − C_{k−1}, trimmed: `masses[j]` at `offset + j`.
    masses: Vec<f64>,
    offset: usize,
    /// Whether `masses` covers the whole of `cumulative` (trimmed only
    /// where negligible).
    mean: f64,
}

/// θ with θ^n = TILT.
pub fn tilt_base(n: usize) -> f64 {
    TILT.portable_powf(1.0 / n.max(1) as f64)
}

/// Writes `masses` (from lattice point `offset`) into `data`, point k
/// weighted by θ^k (θ of the transform length `data.len()`), up to the
/// first `len` points.
pub(super) fn tilt_into(offset: usize, masses: &[f64], len: usize, data: &mut [f64]) {
    let theta = tilt_base(data.len());
    let end = len.min(data.len());
    let mut weight = theta.powi(offset.min(i32::MAX as usize) as i32);
    for (j, mass) in masses.iter().enumerate() {
        let idx = offset + j;
        if idx >= end {
            break;
        }
        data[idx] = mass * weight;
        weight *= theta;
    }
}

/// Masses below this are dropped from the ends of a law's lattice (their
/// total is below 1e-15 on each side).
const NEGLIGIBLE: f64 = 1e-16;

impl LawCache {
    pub fn new() -> LawCache {
        LawCache::default()
    }

    /// The real transform of length `n` (a power of two).
    pub fn plan(&mut self, n: usize) -> &mut RealFft {
        self.plans.entry(n).or_insert_with(|| RealFft::new(n))
    }

    /// θ^(−k) for k < n with θ^n = TILT: what undoes the tilt of a
    /// transform of length n (each power from the one before, by one
    /// multiplication, as the masses are read in order).
    pub fn untilt(&mut self, n: usize) -> &[f64] {
        self.untilts.entry(n).or_insert_with(|| {
            let inverse_theta = 1.0 / tilt_base(n);
            let mut untilt = 1.0;
            (0..n)
                .map(|_| {
                    let value = untilt;
                    untilt *= inverse_theta;
                    value
                })
                .collect()
        })
    }

    /// The tilted transform (length `n`, half spectrum) of the law's masses
    /// on the first `len` points of the lattice of spacing h: point k
    /// weighted by θ^k.
    pub fn spectrum(&mut self, law: &Law, h: f64, len: usize, n: usize) -> &Spectrum {
        let key = (law.key(), h.to_bits(), len, n);
        if !self.spectra.contains_key(&key) {
            let mut data = vec![0.0; n];
            {
                let part = self.masses(law, h, len);
                tilt_into(part.offset, part.masses, len, &mut data);
            }
            self.insert_spectrum(key, &data);
        }
        &self.spectra[&key]
    }

    /// Multiplies `product` by the tilted spectrum of an M/M/c wait
    /// (language.md §6), its masses those of [`Wait::lattice_masses`] on
    /// the first `len` points. Not kept: a wait belongs to one component at
    /// one load, so flows rarely share one, and keeping them would evict
    /// the laws' spectra, which they do share.
    pub fn multiply_wait(&mut self, product: &mut Spectrum, wait: &Wait, h: f64, len: usize, n: usize) {
        let mut data = std::mem::take(&mut self.wait_data);
        data.clear();
        data.resize(n, 0.0);
        tilt_into(0, &wait.lattice_masses(h, len.min(n), false), len, &mut data);
        let mut spectrum = std::mem::take(&mut self.wait_spectrum);
        self.plan(n).forward(&data, &mut spectrum);
        product.multiply(&spectrum);
        self.wait_data = data;
        self.wait_spectrum = spectrum;
    }

    /// Transforms tilted masses and keeps the spectrum (the cache starts
    /// afresh when full).
    fn insert_spectrum(&mut self, key: SpectrumKey, data: &[f64]) {
        let bytes = (data.len() / 2 + 1) * 16;
        if self.spectra_bytes + bytes > MAX_SPECTRA_BYTES {
            self.spectra.clear();
            self.spectra_bytes = 0;
        }
        self.spectra_bytes += bytes;
        let mut spectrum = Spectrum::default();
        self.plan(data.len()).forward(data, &mut spectrum);
        self.spectra.insert(key, spectrum);
    }

    /// The law's masses on the lattice of spacing h, at least `len` points
    /// long (or to where the rest is negligible).
    pub fn masses(&mut self, law: &Law, h: f64, len: usize) -> PartMasses<'_> {
        let key = (law.key(), h.to_bits());
        let entry = self.entries.entry(key).or_insert_with(|| CachedLaw {
            cumulative: Vec::new(),
            masses: Vec::new(),
            offset: 0,
            mean: law.mean(),
        });
        let complete = entry.cumulative.last().is_some_and(|c| 1.0 - c < NEGLIGIBLE);
        if entry.cumulative.len() < len && !complete {
            let from = entry.cumulative.len();
            // Grow geometrically so repeated requests stay linear.
            let to = len.max(from * 2).max(16);
            law.cell_averages(h, from, to, &mut entry.cumulative);
            // Stop once the rest of the mass is negligible.
            if let Some(end) = entry.cumulative.iter().position(|c| 1.0 - c < NEGLIGIBLE) {
                entry.cumulative.truncate(end + 1);
            }
            let first = entry.cumulative.iter().position(|c| *c > NEGLIGIBLE).unwrap_or(0);
            entry.offset = first;
            entry.masses.clear();
            let mut previous = if first == 0 { 0.0 } else { entry.cumulative[first - 1] };
            for c in &entry.cumulative[first..] {
                // A running maximum, so round-off never adds mass.
                let c = c.max(previous);
                entry.masses.push(c - previous);
                previous = c;
            }
        }
        PartMasses {
            offset: entry.offset,
            masses: &entry.masses,
            mean: entry.mean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_reproduces_p50_and_p99() {
        let law = Law::fit(10.0, 50.0);
        assert!((law.quantile(0.5) - 10.0).abs() < 1e-12);
        assert!((law.quantile(0.99) - 50.0).abs() < 1e-9);
        assert!((law.cdf(50.0) - 0.99).abs() < 1e-12);
    }

    #[test]
    fn max_of_mean_matches_direct_integration() {
        // Max of 1 is the log-normal itself.
        let base = Law::fit(5.0, 50.0);
        let Law::LogNormal { mu, sigma } = base else {
            unreachable!()
        };
        let as_max = Law::MaxOf { mu, sigma, n: 1 };
        assert!((as_max.mean() - base.mean()).abs() / base.mean() < 1e-9);
        // Max of 2: E = ∫ (1 − F²) dx, integrated here on a fine linear grid.
        let max2 = base.max_of(2);
        let mut sum = 0.0;
        let dx = 0.001;
        let mut x = dx / 2.0;
        while x < 20_000.0 {
            sum += (1.0 - base.cdf(x).powi(2)) * dx;
            x += dx;
        }
        assert!((max2.mean() - sum).abs() / sum < 1e-4, "{} vs {sum}", max2.mean());
    }

    #[test]
    fn tent_projection_keeps_mass_and_mean() {
        let law = Law::fit(10.0, 50.0);
        let mut cache = LawCache::new();
        let part = cache.masses(&law, 0.05, 100_000);
        let total: f64 = part.masses.iter().sum();
        let mean: f64 = part
            .masses
            .iter()
            .enumerate()
            .map(|(j, m)| (part.offset + j) as f64 * 0.05 * m)
            .sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        assert!(
            (mean - law.mean()).abs() / law.mean() < 1e-6,
            "{mean} vs {}",
            law.mean()
        );
    }

    #[test]
    fn fft_and_direct_convolution_agree() {
        let law = Law::fit(3.0, 12.0);
        let mut cache = LawCache::new();
        let masses = cache.masses(&law, 0.1, 2000).masses.to_vec();
        let offset = cache.masses(&law, 0.1, 2000).offset;
        let part = PartMasses {
            offset,
            masses: &masses,
            mean: law.mean(),
        };
        let mut direct = Lattice::zero(0.1, 3000);
        direct.add(&part);
        direct.add(&part);
        let mut out = vec![0.0; 3000];
        convolve_fft(&direct.mass.clone(), 0, &part, &mut out);
        let mut reference = direct.clone();
        reference.add(&part);
        for (x, y) in out.iter().zip(&reference.mass) {
            assert!((x - y).abs() < 1e-12);
        }
    }
}
