//! How hld writes numbers, rates, durations, percentages and lists: the one
//! place printed figures are rounded and worded, so JSON, the human
//! tables, `hld explain`, `hld diff` and rule messages agree digit for
//! digit. A leaf: it imports nothing else from the crate (a caller passes
//! in what it needs, such as the language's size units).
//!
//! Conventions:
//!
//! - **Significant digits.** Estimated milliseconds, rates and counts
//!   ([`figure`], [`plain`], [`ms`]) keep 2 decimals from 1 up and 3
//!   significant digits below 1 (`45.42`, `0.5`, `0.0123`); probabilities
//!   ([`fraction`], [`plain_fraction`]) 6 significant digits; utilizations
//!   ([`utilization`]) 3. Rule messages about values a user wrote
//!   ([`decimals`], [`size`], [`written_duration`]) keep at most 2
//!   decimals and never switch to significant digits, so `0.004` reads `0`
//!   as it always has.
//! - **Thousands separators.** Rates and counts in tables and sentences
//!   ([`grouped`], [`rate`]) group the whole part by commas (`540,000`,
//!   `1,234,567.89`); nothing else is grouped (JSON never is).
//! - **Units.** Milliseconds are `45.42 ms` (a space); a rate is `N/s`; a
//!   spoken duration picks the largest unit reached (`24 h`, `10 min`,
//!   [`spoken_duration`]); a duration or size as the language writes it
//!   has no space (`1m`, `300GB`, [`written_duration`], [`size`]); Compose
//!   files get whole seconds or milliseconds ([`compose_duration`]).
//! - **Percentages.** An availability is cut, never rounded up, to show 4
//!   significant digits of the unavailability ([`percent`]: `99.98999%`);
//!   a declared target is shown as written ([`slo_percent`]); a share of
//!   requests is a figure ([`percent_figure`], [`ratio_percent`]).
//! - **Lists.** `a`, `a and b`, `a, b and c`: a comma between names and
//!   "and" before the last, no serial comma. One-line messages show at most
//!   [`SHOWN_NAMES`] then "and N more" ([`list`], [`list_of`]); reports
//!   name every one ([`join_all`]); counts carry their noun ([`count`]).
//!
//! Where two outputs round differently (say [`plain`] and [`decimals`]),
//! both are kept as distinct functions: output is compared byte for byte
//! by the snapshot tests, and each function says which output uses it.

use crate::float::Portable;

/// x rounded to `digits` significant digits.
pub fn round_sig(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let magnitude = x.abs().portable_log10().floor() as i32;
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

/// [`figure`], or `None` (JSON `null`) for a figure without bound.
pub fn bounded_figure(x: f64) -> Option<f64> {
    x.is_finite().then(|| figure(x))
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
    if x == f64::INFINITY {
        // A saturated component's queue grows without end (language.md §6).
        return "unbounded".to_string();
    }
    if !x.is_finite() {
        return "unknown".to_string();
    }
    // A wait far below saturation is a tiny positive number: its hundred
    // leading zeros say nothing a reader can use.
    if x > 0.0 && x < 0.001 {
        return "< 0.001 ms".to_string();
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
    let decimals = (3 - unavailable.portable_log10().floor() as i32).clamp(2, 12) as usize;
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

/// A rate per second with thousands separators: `166.67/s`, `12,000/s`.
/// Tables of `hld estimate`, `hld diff`, what-if and `hld explain`.
pub fn rate(x: f64) -> String {
    format!("{}/s", grouped(x))
}

/// A change in milliseconds with its sign: `+12.5 ms`, `−3 ms` (a minus
/// sign, not a hyphen). `hld diff`'s latency deltas.
pub fn signed_ms(delta: f64) -> String {
    let sign = if delta > 0.0 { "+" } else { "−" };
    format!("{sign}{}", ms(delta.abs()))
}

/// A percentage already multiplied by 100, as a [`figure`]: `37.5%`.
/// `hld explain`'s shares of requests.
pub fn percent_figure(percent: f64) -> String {
    format!("{}%", plain(percent))
}

/// A ratio as a percentage, first to 6 significant digits, then as a
/// [`figure`]: 0.95 → `95%`. The cache hit labels of sequence diagrams.
pub fn ratio_percent(ratio: f64) -> String {
    format!("{}%", plain(round_sig(ratio * 100.0, 6)))
}

/// A duration as people say it, in the largest unit it reaches, with a
/// space: `24 h`, `10 min`, `1.5 s`, `500 ms`. `hld explain`.
pub fn spoken_duration(value_ms: f64) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("d", 86_400_000.0),
        ("h", 3_600_000.0),
        ("min", 60_000.0),
        ("s", 1000.0),
    ];
    for (unit, scale) in UNITS {
        if value_ms >= scale {
            return format!("{} {unit}", plain(value_ms / scale));
        }
    }
    ms(value_ms)
}

/// A duration as the language writes it, in the largest unit it is a
/// whole number of: `1m`, `30s`, `1h`, else `1500ms`. Rule messages that
/// quote a window the user wrote.
pub fn written_duration(value_ms: f64) -> String {
    const UNITS: [(&str, f64); 4] = [("d", 86_400_000.0), ("h", 3_600_000.0), ("m", 60_000.0), ("s", 1000.0)];
    for (unit, scale) in UNITS {
        if value_ms >= scale && (value_ms / scale).fract() == 0.0 {
            return format!("{}{unit}", decimals(value_ms / scale));
        }
    }
    format!("{}ms", decimals(value_ms))
}

/// A duration as Compose writes it: whole seconds as `30s`, else whole
/// milliseconds as `1500ms` (negative and NaN as `0ms`).
pub fn compose_duration(value_ms: f64) -> String {
    let value_ms = value_ms.max(0.0).round();
    if value_ms >= 1000.0 && value_ms % 1000.0 == 0.0 {
        format!("{}s", value_ms / 1000.0)
    } else {
        format!("{value_ms}ms")
    }
}

/// A value a user wrote, with at most two decimals and no trailing zeros:
/// `2`, `0.95`, `0.004` → `0`. Rule messages (limits, hit ratios, sizes).
pub fn decimals(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// A size in the largest of `units` it reaches, as the language writes it
/// (no space, [`decimals`]): `300GB`, `1.5TB`, else bytes `512B`. `units`
/// are the language's size units, smallest first
/// (`units::SIZE_UNITS`).
pub fn size(bytes: f64, units: &[(&str, f64)]) -> String {
    for (unit, scale) in units.iter().rev() {
        if bytes >= *scale {
            return format!("{}{unit}", decimals(bytes / scale));
        }
    }
    format!("{}B", decimals(bytes.max(0.0)))
}

/// Bytes per second in the largest decimal unit it reaches: `80GB/s`,
/// `1.25MB/s`, `0B/s` (language.md §8's units, two decimals).
pub fn bandwidth(bytes_per_s: f64) -> String {
    format!("{}/s", size(bytes_per_s, crate::units::SIZE_UNITS))
}

/// A coordinate of a drawing: one decimal, no trailing `.0`, no `-0`
/// (`12.5`, `3`). SVG output.
pub fn coordinate(x: f64) -> String {
    let rounded = (x * 10.0).round() / 10.0;
    let rounded = if rounded == 0.0 || !rounded.is_finite() {
        0.0
    } else {
        rounded
    };
    let text = format!("{rounded:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_string)
}

/// `1 instance`, `3 instances`: a count and its noun, plural by adding `s`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// How many names a one-line list shows before "and N more".
pub const SHOWN_NAMES: usize = 5;

/// `a`, `a and b`, `a, b and c`, `a, b, c, d, e and 2 more`: names in a
/// one-line message, cut after [`SHOWN_NAMES`].
pub fn list(names: &[String]) -> String {
    list_of(names, names.len())
}

/// A list of the first names of `total` things (`a and 3 more`), for a
/// caller that only collected the names it shows.
pub fn list_of(names: &[String], total: usize) -> String {
    let shown: Vec<&str> = names.iter().take(SHOWN_NAMES).map(String::as_str).collect();
    let rest = total.saturating_sub(shown.len());
    match (shown.as_slice(), rest) {
        ([], _) => String::new(),
        ([only], 0) => (*only).to_string(),
        (_, 0) => {
            let (last, init) = shown.split_last().map_or(("", &[][..]), |(last, init)| (*last, init));
            format!("{} and {last}", init.join(", "))
        }
        (_, rest) => format!("{} and {rest} more", shown.join(", ")),
    }
}

/// `a`, `a and b`, `a, b and c`: every name, however many (reports such as
/// `hld explain`, and the settings of one fix).
pub fn join_all<S: AsRef<str>>(names: &[S]) -> String {
    match names {
        [] => String::new(),
        [only] => only.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// `a, b, c`, or `a, b, c, d, e and 2 more`: commas only, then how many
/// are not shown. The file lists of `hld compose`'s messages.
pub fn comma_list(names: &[String]) -> String {
    let mut text = names.iter().take(SHOWN_NAMES).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN_NAMES {
        text.push_str(&format!(" and {} more", names.len() - SHOWN_NAMES));
    }
    text
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

    #[test]
    fn rates_and_signed_milliseconds() {
        assert_eq!(rate(12_000.0), "12,000/s");
        assert_eq!(rate(166.666_666), "166.67/s");
        assert_eq!(signed_ms(12.5), "+12.5 ms");
        assert_eq!(signed_ms(-3.0), "−3 ms");
        assert_eq!(ms(f64::NAN), "unknown");
    }

    #[test]
    fn shares_of_requests() {
        assert_eq!(percent_figure(37.5), "37.5%");
        assert_eq!(percent_figure(100.0 / 3.0), "33.33%");
        assert_eq!(ratio_percent(0.95), "95%");
        assert_eq!(ratio_percent(0.333_333_333), "33.33%");
    }

    #[test]
    fn durations_in_each_style() {
        assert_eq!(spoken_duration(86_400_000.0), "1 d");
        assert_eq!(spoken_duration(600_000.0), "10 min");
        assert_eq!(spoken_duration(1500.0), "1.5 s");
        assert_eq!(spoken_duration(500.0), "500 ms");
        assert_eq!(written_duration(60_000.0), "1m");
        assert_eq!(written_duration(90_000.0), "90s");
        assert_eq!(written_duration(3_600_000.0), "1h");
        assert_eq!(written_duration(1500.0), "1500ms");
        assert_eq!(compose_duration(30_000.0), "30s");
        assert_eq!(compose_duration(1500.0), "1500ms");
        assert_eq!(compose_duration(f64::NAN.max(0.0)), "0ms");
        assert_eq!(compose_duration(-5.0), "0ms");
    }

    #[test]
    fn written_values_keep_two_decimals() {
        assert_eq!(decimals(2.0), "2");
        assert_eq!(decimals(0.95), "0.95");
        assert_eq!(decimals(0.004), "0");
        assert_eq!(decimals(1.005_1), "1.01");
    }

    #[test]
    fn sizes_are_si() {
        let units = [("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("PB", 1e15)];
        assert_eq!(size(300e9, &units), "300GB");
        assert_eq!(size(1.5e12, &units), "1.5TB");
        assert_eq!(size(512.0, &units), "512B");
        assert_eq!(size(-1.0, &units), "0B");
    }

    #[test]
    fn coordinates_have_one_decimal() {
        assert_eq!(coordinate(12.54), "12.5");
        assert_eq!(coordinate(3.0), "3");
        assert_eq!(coordinate(-0.01), "0");
        assert_eq!(coordinate(f64::NAN), "0");
    }

    #[test]
    fn counts_carry_their_noun() {
        assert_eq!(count(1, "warning"), "1 warning");
        assert_eq!(count(0, "info"), "0 infos");
        assert_eq!(count(3, "instance"), "3 instances");
    }

    #[test]
    fn lists_are_cut_after_a_few_names() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(list(&names[..0]), "");
        assert_eq!(list(&names[..1]), "a");
        assert_eq!(list(&names[..2]), "a and b");
        assert_eq!(list(&names), "a, b and c");
        let many: Vec<String> = (0..8).map(|idx| format!("f{idx}")).collect();
        assert_eq!(list(&many), "f0, f1, f2, f3, f4 and 3 more");
        assert_eq!(list_of(&names[..1], 4), "a and 3 more");
        assert_eq!(comma_list(&names), "a, b, c");
        assert_eq!(comma_list(&many), "f0, f1, f2, f3, f4 and 3 more");
    }

    #[test]
    fn reports_name_every_one() {
        let many: Vec<String> = (0..7).map(|idx| format!("f{idx}")).collect();
        assert_eq!(join_all::<&str>(&[]), "");
        assert_eq!(join_all(&["a"]), "a");
        assert_eq!(join_all(&["a", "b"]), "a and b");
        assert_eq!(join_all(&many), "f0, f1, f2, f3, f4, f5 and f6");
    }
}
