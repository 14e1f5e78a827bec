//! The one place printed figures are rounded, so JSON, the human table,
//! `--explain` and rule messages agree digit for digit.
//!
//! - milliseconds, rps and messages: 2 decimals from 1 up, 3 significant
//!   digits below 1 (`45.42`, `0.5`, `0.0123`);
//! - probabilities and utilizations: 6 significant digits;
//! - availability: JSON keeps full precision; text shows a percentage cut
//!   (never rounded up) to 3 significant digits of the unavailability.

/// x rounded to `digits` significant digits.
pub fn round_sig(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = digits - 1 - magnitude;
    round_dp(x, decimals)
}

/// 10^0 ... 10^15, each exact in a double.
const POWERS_OF_TEN: [f64; 16] = [
    1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// x rounded to `decimals` decimal places (negative: tens, hundreds, ...).
pub fn round_dp(x: f64, decimals: i32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let decimals = decimals.clamp(-300, 300);
    // Fast path, the same number: x·10^d rounded, then divided by 10^d
    // (exact powers up to 10^15; the division is correctly rounded, so the
    // result is the double nearest the decimal, as parsing it gives). The
    // product carries a rounding error below 2^-12 while |x·10^d| < 2^40,
    // so unless it is within 1e-3 of a tie it rounds as the exact decimal
    // expansion of x does (what the formatting below rounds); near ties,
    // the string.
    if (0..=15).contains(&decimals) {
        let scale = POWERS_OF_TEN[decimals as usize];
        let scaled = x * scale;
        if scaled.abs() < (1u64 << 40) as f64 {
            let fraction = (scaled - scaled.trunc()).abs();
            if (fraction - 0.5).abs() > 1e-3 {
                return scaled.round() / scale;
            }
        }
    }
    // Through the decimal string, so 0.285 rounds as written, not as stored.
    if decimals >= 0 {
        format!("{:.*}", decimals as usize, x).parse().unwrap_or(x)
    } else {
        let scale = 10f64.powi(-decimals);
        (x / scale).round() * scale
    }
}

/// A duration, rate or count as printed.
pub fn figure(x: f64) -> f64 {
    let rounded = if x.abs() >= 1.0 {
        round_dp(x, 2)
    } else {
        round_sig(x, 3)
    };
    // No "-0".
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// A probability or utilization as printed.
pub fn fraction(x: f64) -> f64 {
    round_sig(x, 6)
}

/// A number as text, shortest form of [`figure`]: `45.42`, `25`, `0.5`.
pub fn plain(x: f64) -> String {
    let x = figure(x);
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A probability as text: `0.18`.
pub fn plain_fraction(x: f64) -> String {
    let x = fraction(x);
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Milliseconds as text: `45.42 ms`.
pub fn ms(x: f64) -> String {
    if !x.is_finite() {
        return "unknown".to_string();
    }
    format!("{} ms", plain(x))
}

/// A rate as text with thousands separators: `166.67/s`, `540,000`.
pub fn grouped(x: f64) -> String {
    let text = plain(x);
    let (int, frac) = match text.split_once('.') {
        Some((int, frac)) => (int.to_string(), Some(frac.to_string())),
        None => (text, None),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(rest) => ("-", rest.to_string()),
        None => ("", int),
    };
    let mut out = String::new();
    for (idx, ch) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    match frac {
        Some(frac) => format!("{sign}{out}.{frac}"),
        None => format!("{sign}{out}"),
    }
}

/// An availability as a percentage, cut (not rounded) so it never
/// overstates: 4 significant digits of the unavailability, at least 2
/// decimals: `99.8998%`, `99.98999%`, `100%`.
pub fn percent(a: f64) -> String {
    if !a.is_finite() {
        return "unknown".to_string();
    }
    if a >= 1.0 {
        return "100%".to_string();
    }
    let unavailable = (1.0 - a) * 100.0;
    let decimals = (3 - unavailable.log10().floor() as i32).clamp(2, 12) as usize;
    let scale = 10f64.powi(decimals as i32);
    // Cut through the decimal string of a, shifted, to avoid 99.99 → 99.98.
    let shifted = a * 100.0 * scale;
    let cut = (shifted + 1e-6).floor() / scale;
    let mut text = format!("{cut:.decimals$}");
    if text.contains('.') {
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    format!("{text}%")
}

/// A declared percentage as written: 0.9995 → `99.95%`.
pub fn slo_percent(a: f64) -> String {
    format!("{}%", round_sig(a * 100.0, 12))
}

/// A utilization as a percentage: `150%`, `55.6%`.
pub fn utilization(rho: f64) -> String {
    if !rho.is_finite() {
        return "unbounded".to_string();
    }
    format!("{}%", round_sig(rho * 100.0, 3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_nines_are_shown_and_short_figures_are_cut() {
        assert_eq!(percent(1.0 - 1e-12), "99.9999999999%");
        assert_eq!(percent(0.9994999999990006), "99.94999%");
        assert_eq!(percent(0.9998999990), "99.98999%");
    }

    #[test]
    fn figures_round_consistently() {
        assert_eq!(figure(45.419_999_9), 45.42);
        assert_eq!(figure(166.666_666), 166.67);
        assert_eq!(figure(0.012_345), 0.0123);
        assert_eq!(plain(25.000_000_001), "25");
        assert_eq!(plain(0.5), "0.5");
        assert_eq!(fraction(0.180_000_000_000_000_02), 0.18);
        assert_eq!(grouped(540_000.0), "540,000");
        assert_eq!(grouped(1_234_567.891), "1,234,567.89");
    }

    /// The fast path of `round_dp` gives the very double the decimal
    /// string gives, over values of every size and the decimals in use.
    #[test]
    fn rounding_matches_the_decimal_string() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..40_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mantissa = (state >> 11) as f64 / (1u64 << 53) as f64;
            let exponent = ((state % 17) as i32) - 6;
            let sign = if state & 1 == 0 { 1.0 } else { -1.0 };
            let x = sign * mantissa * 10f64.powi(exponent);
            // Values on a decimal grid too, where ties are.
            let on_grid = (x * 1000.0).round() / 1000.0 + 0.005;
            for value in [x, on_grid] {
                for decimals in 0..=8 {
                    let reference: f64 = format!("{:.*}", decimals as usize, value).parse().unwrap();
                    assert_eq!(
                        round_dp(value, decimals).to_bits(),
                        reference.to_bits(),
                        "{value} to {decimals}"
                    );
                }
            }
        }
    }

    #[test]
    fn percentages_never_overstate() {
        assert_eq!(percent(0.998_998_002), "99.8998%");
        assert_eq!(percent(0.999_899_999), "99.98999%");
        assert_eq!(percent(0.999_998_001), "99.9998001%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.5), "50%");
        assert_eq!(slo_percent(0.9995), "99.95%");
        assert_eq!(utilization(1.5), "150%");
    }
}
