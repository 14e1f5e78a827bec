//! Special functions the models need, written out so every figure can be
//! traced: the standard normal CDF and its inverse (for log-normal
//! latencies), and log binomial coefficients (for quorum availability).
//!
//! Precision: `norm_cdf` and `norm_sf` are accurate to about 1e-15 relative
//! (a power series below 2, a continued fraction above); `fast_norm_cdf` is
//! the 1.5e-7 approximation of Abramowitz & Stegun 7.1.26, used only to size
//! grids, never for a printed figure.

use std::f64::consts::{FRAC_1_SQRT_2, PI};

/// 1/√(2π)
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// The complementary error function for `x >= 0`.
fn erfc_nonneg(x: f64) -> f64 {
    if x < 2.0 {
        1.0 - erf_series(x)
    } else {
        erfc_continued_fraction(x)
    }
}

/// erf(x) = (2/√π) e^{-x²} Σ 2ⁿ x^{2n+1} / (1·3·5···(2n+1)): every term is
/// positive, so there is no cancellation (Abramowitz & Stegun 7.1.6).
fn erf_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    let mut n = 0.0;
    while term > sum * 1e-17 {
        n += 1.0;
        term *= 2.0 * x2 / (2.0 * n + 1.0);
        sum += term;
        if n > 500.0 {
            break;
        }
    }
    2.0 / PI.sqrt() * (-x2).exp() * sum
}

/// erfc(x) = (2/√π) e^{-x²} / (2x + 2/(2x + 4/(2x + 6/(2x + ...)))),
/// evaluated with the modified Lentz method (converges fast for x >= 2).
fn erfc_continued_fraction(x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let b = 2.0 * x;
    let mut f = b;
    let mut c = b;
    let mut d = 0.0;
    for n in 1..500 {
        let a = 2.0 * f64::from(n);
        d = b + a * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + a / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    2.0 / PI.sqrt() * (-x * x).exp() / f
}

/// Φ(z), the standard normal CDF.
pub fn norm_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z < -38.5 {
        // Below the smallest positive double.
        0.0
    } else if z > 8.3 {
        // 1 − Φ(8.3) < 2⁻⁵³: rounds to 1.
        1.0
    } else if z < 0.0 {
        0.5 * erfc_nonneg(-z * FRAC_1_SQRT_2)
    } else {
        1.0 - 0.5 * erfc_nonneg(z * FRAC_1_SQRT_2)
    }
}

/// 1 − Φ(z), accurate in the upper tail.
pub fn norm_sf(z: f64) -> f64 {
    norm_cdf(-z)
}

/// The standard normal density.
pub fn norm_pdf(z: f64) -> f64 {
    INV_SQRT_2PI * (-0.5 * z * z).exp()
}

/// Φ⁻¹(p) for p in (0, 1): a rational first guess (Abramowitz & Stegun
/// 26.2.23, error < 4.5e-4), then Halley steps on the accurate Φ.
pub fn norm_ppf(p: f64) -> f64 {
    if p.is_nan() || p <= 0.0 {
        return if p == 0.0 { f64::NEG_INFINITY } else { f64::NAN };
    }
    if p >= 1.0 {
        return if p == 1.0 { f64::INFINITY } else { f64::NAN };
    }
    if p > 0.5 { -lower_ppf(1.0 - p) } else { lower_ppf(p) }
}

/// Φ⁻¹ of an upper-tail probability: the z with 1 − Φ(z) = p, accurate for
/// tiny p (where 1 − p would round to 1).
pub fn norm_isf(p: f64) -> f64 {
    if p.is_nan() || p <= 0.0 {
        return if p == 0.0 { f64::INFINITY } else { f64::NAN };
    }
    if p >= 1.0 {
        return if p == 1.0 { f64::NEG_INFINITY } else { f64::NAN };
    }
    if p > 0.5 { lower_ppf(1.0 - p) } else { -lower_ppf(p) }
}

/// The z <= 0 with Φ(z) = p, for 0 < p <= 0.5.
fn lower_ppf(p: f64) -> f64 {
    let t = (-2.0 * p.ln()).sqrt();
    let mut z = -(t
        - (2.515_517 + 0.802_853 * t + 0.010_328 * t * t)
            / (1.0 + 1.432_788 * t + 0.189_269 * t * t + 0.001_308 * t * t * t));
    for _ in 0..4 {
        let error = norm_cdf(z) - p;
        let density = norm_pdf(z);
        if density <= 0.0 {
            break;
        }
        let u = error / density;
        let step = u / (1.0 + 0.5 * z * u);
        z -= step;
        if step.abs() < 1e-15 * z.abs().max(1.0) {
            break;
        }
    }
    z
}

/// Φ(z) to about 1.5e-7 (Abramowitz & Stegun 7.1.26), for sizing grids.
pub fn fast_norm_cdf(z: f64) -> f64 {
    let x = z.abs() * FRAC_1_SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-x * x).exp();
    if z < 0.0 { 0.5 * erfc } else { 1.0 - 0.5 * erfc }
}

/// ln Γ(x) for x > 0: Stirling's series, after shifting x above 16 with
/// Γ(x + 1) = x Γ(x). Accurate to about 1e-14 relative.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut shift = 0.0;
    let mut x = x;
    while x < 16.0 {
        shift += x.ln();
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 * (1.0 / 1680.0))));
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * PI).ln() + series - shift
}

/// ln C(n, k).
pub fn ln_choose(n: f64, k: f64) -> f64 {
    ln_gamma(n + 1.0) - ln_gamma(k + 1.0) - ln_gamma(n - k + 1.0)
}

/// P(at least k of n independent nodes are up), each up with probability a:
/// Σ_{i>=k} C(n,i) aⁱ (1−a)ⁿ⁻ⁱ (knowledge.md §3.1). The smaller side of the
/// sum is added up from the boundary outwards and stops once terms no longer
/// change it, so a large n costs O(√n) terms, and figures near 1 keep their
/// precision (the failure side is summed directly).
pub fn k_of_n(k: u32, n: u32, a: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || a.is_nan() || a <= 0.0 {
        return 0.0;
    }
    if a >= 1.0 {
        return 1.0;
    }
    let (nf, b) = (f64::from(n), 1.0 - a);
    let (ln_a, ln_b) = (a.ln(), b.ln());
    let ln_term = |i: u32| -> f64 {
        let i = f64::from(i);
        ln_choose(nf, i) + i * ln_a + (nf - i) * ln_b
    };
    let mode = ((nf + 1.0) * a).floor();
    if f64::from(k) - 1.0 < mode {
        // Failure side Σ_{i<k} is the tail below the mode: sum down from k − 1.
        let mut sum = 0.0;
        let mut i = k - 1;
        loop {
            let term = ln_term(i).exp();
            sum += term;
            if i == 0 || (term < sum * 1e-17 && f64::from(i) < mode) {
                break;
            }
            i -= 1;
        }
        (1.0 - sum).clamp(0.0, 1.0)
    } else {
        // Success side Σ_{i>=k} is the tail above the mode: sum up from k.
        let mut sum = 0.0;
        let mut i = k;
        loop {
            let term = ln_term(i).exp();
            sum += term;
            if i == n || (term < sum * 1e-17 && f64::from(i) > mode) {
                break;
            }
            i += 1;
        }
        sum.clamp(0.0, 1.0)
    }
}

/// 1 − (1 − a)ⁿ: any one of n instances suffices.
pub fn any_of(n: u32, a: f64) -> f64 {
    if a.is_nan() || a <= 0.0 || n == 0 {
        return 0.0;
    }
    if a >= 1.0 {
        return 1.0;
    }
    1.0 - (1.0 - a).powf(f64::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn erfc_matches_reference_values() {
        // erfc values to 15+ digits (standard tables).
        let cases = [
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_13),
            (2.0, 0.004_677_734_981_047_266),
            (3.0, 2.209_049_699_858_544e-5),
            (5.0, 1.537_459_794_428_035e-12),
        ];
        for (x, expected) in cases {
            assert!(close(erfc_nonneg(x), expected, 1e-13), "erfc({x}) = {}", erfc_nonneg(x));
        }
        // The two methods agree where they meet.
        assert!(close(1.0 - erf_series(2.0), erfc_continued_fraction(2.0), 1e-12));
        assert!(close(1.0 - erf_series(2.5), erfc_continued_fraction(2.5), 1e-10));
    }

    #[test]
    fn normal_quantiles_round_trip() {
        assert!(close(norm_ppf(0.99), 2.326_347_874_040_840_8, 1e-13));
        assert!(close(norm_ppf(0.95), 1.644_853_626_951_472_2, 1e-13));
        assert!(norm_ppf(0.5).abs() < 1e-15);
        for p in [1e-12, 1e-6, 0.01, 0.3, 0.7, 0.999, 1.0 - 1e-9] {
            assert!(close(norm_cdf(norm_ppf(p)), p, 1e-11), "{p}");
        }
        for p in [1e-15, 1e-9, 1e-3, 0.2, 0.8] {
            assert!(close(norm_sf(norm_isf(p)), p, 1e-11), "{p}: {}", norm_isf(p));
        }
        assert!((fast_norm_cdf(1.0) - norm_cdf(1.0)).abs() < 2e-7);
    }

    #[test]
    fn gamma_and_binomials() {
        assert!(ln_gamma(1.0).abs() < 1e-12);
        assert!(close(ln_gamma(5.0), 24.0_f64.ln(), 1e-13));
        assert!(close(ln_gamma(0.5), PI.sqrt().ln(), 1e-13));
        assert!(close(ln_choose(10.0, 3.0).exp(), 120.0, 1e-12));
    }

    /// knowledge.md §3.1 test vectors.
    #[test]
    fn quorum_availability_vectors() {
        assert!(close(k_of_n(2, 3, 0.99), 0.999_702, 1e-12));
        assert!(close(k_of_n(2, 3, 0.999), 0.999_997_002, 1e-12));
        assert!(close(k_of_n(3, 5, 0.99), 0.999_990_149_4, 1e-10));
        assert!(close(k_of_n(1, 3, 0.999), any_of(3, 0.999), 1e-15));
        assert!(close(k_of_n(3, 3, 0.9), 0.729, 1e-12));
        assert_eq!(k_of_n(4, 3, 0.9), 0.0);
        // Large n stays fast and sane.
        let big = k_of_n(2_000_000_000, 4_000_000_000, 0.5);
        assert!((big - 0.5).abs() < 1e-3, "{big}");
    }
}
