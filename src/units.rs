//! The language's units (language.md §1): the unit tables and the reading
//! of a number with its unit (`250us`, `50k/s`, `99.95%`, `512MB`), without
//! spans.
//!
//! A leaf: it imports nothing from the crate. The syntax layer reads the
//! numbers of a design through it (`syntax::lexical` adds the spans and the
//! did-you-mean helps), and the knowledge base, `hld.yaml` and the wording
//! of messages read and write units through it too, without depending on
//! the syntax layer.

/// What a number's unit makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    None,
    /// Stored in milliseconds.
    Duration,
    /// Stored per second.
    Rate,
    /// Stored as a fraction: `99.9%` is 0.999.
    Percent,
    /// Stored in bytes (SI: 1GB = 10^9 bytes).
    Size,
    /// Stored in bytes per second: `1Gbps` (bits) is 1.25 × 10^8, `1GB/s`
    /// is 10^9 (language.md §8).
    Bandwidth,
}

/// A number with its unit applied, e.g. `50k/s` is 50,000 per second.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantity {
    pub value: f64,
    pub unit: Unit,
    /// Written with a `k`, `M` or `B` count suffix.
    pub si: bool,
    /// Written with a decimal point.
    pub fractional: bool,
    /// The text as written, for messages.
    pub text: Box<str>,
}

/// Why a number's text is not a valid quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantityError {
    pub message: String,
    pub help: Option<String>,
    /// Byte offset of the bad part within the quantity's text.
    pub offset: usize,
}

/// The closest of some unit names to a misspelled one, for a help's "did
/// you mean" (the caller's, e.g. `diagnostics::did_you_mean`).
pub type Suggest<'a> = &'a dyn Fn(&str, &[&'static str]) -> Option<&'static str>;

/// Milliseconds per unit. Microseconds divide instead (see `apply_unit`),
/// so `250us` is exactly 0.25 ms.
pub const DURATION_UNITS: &[(&str, f64)] = &[
    ("us", 0.001),
    ("ms", 1.0),
    ("s", 1_000.0),
    ("m", 60_000.0),
    ("h", 3_600_000.0),
    ("d", 86_400_000.0),
];

/// Per-second factor of each `/unit` a rate may end with.
pub const RATE_UNITS: &[(&str, f64)] = &[
    ("s", 1.0),
    ("min", 1.0 / 60.0),
    ("m", 1.0 / 60.0),
    ("h", 1.0 / 3_600.0),
    ("d", 1.0 / 86_400.0),
];

pub const SIZE_UNITS: &[(&str, f64)] = &[("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("PB", 1e15)];

/// Bytes per second of each bit-rate unit (decimal: 1 Mbps = 10^6 bits a
/// second). Byte rates are a size unit per second: `MB/s`.
pub const BIT_RATE_UNITS: &[(&str, f64)] = &[
    ("Kbps", 1e3 / 8.0),
    ("Mbps", 1e6 / 8.0),
    ("Gbps", 1e9 / 8.0),
    ("Tbps", 1e12 / 8.0),
];

pub const SI_SUFFIXES: &[(&str, f64)] = &[("k", 1e3), ("M", 1e6), ("B", 1e9)];

/// `"99.99"` shifted by 2 is 0.9999, parsed from the decimal text.
fn shift_decimal_left(text: &str, places: usize) -> Option<f64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let padded = format!("{}{int}", "0".repeat(places));
    let split = padded.len() - places;
    let shifted = format!(
        "{}{}.{}{frac}",
        if negative { "-" } else { "" },
        &padded[..split],
        &padded[split..]
    );
    shifted.parse().ok()
}

fn lookup(table: &[(&str, f64)], name: &str) -> Option<f64> {
    table.iter().find(|(unit, _)| *unit == name).map(|(_, factor)| *factor)
}

fn all_unit_names() -> Vec<&'static str> {
    DURATION_UNITS
        .iter()
        .chain(SIZE_UNITS)
        .chain(BIT_RATE_UNITS)
        .chain(SI_SUFFIXES)
        .map(|(name, _)| *name)
        .collect()
}

/// Parses `-? digits [. digits] [unit]`, as matched by the grammar's
/// `quantity`. The helps suggest no unit name: see
/// [`parse_quantity_suggesting`].
pub fn parse_quantity(text: &str) -> Result<Quantity, QuantityError> {
    parse_quantity_suggesting(text, &|_, _| None)
}

/// [`parse_quantity`], whose helps start with "did you mean" when
/// `suggest` finds a unit name close to an unknown one.
pub fn parse_quantity_suggesting(text: &str, suggest: Suggest<'_>) -> Result<Quantity, QuantityError> {
    let digits_end = text
        .char_indices()
        .find(|(idx, c)| !(c.is_ascii_digit() || *c == '_' || *c == '.' || (*idx == 0 && *c == '-')))
        .map_or(text.len(), |(idx, _)| idx);
    let (number_text, unit_text) = text.split_at(digits_end);
    let cleaned: String = number_text.chars().filter(|c| *c != '_').collect();
    let number: f64 = cleaned.parse().map_err(|_| QuantityError {
        message: format!("`{number_text}` is not a number"),
        help: Some("write numbers like 3, 0.95 or 1_000".to_string()),
        offset: 0,
    })?;
    let fractional = number_text.contains('.');
    // `99.99%` is read as the decimal 0.9999 (the nearest double), not as
    // 99.99 / 100, which rounds differently.
    if unit_text == "%" {
        let value = shift_decimal_left(&cleaned, 2).unwrap_or(number / 100.0);
        return Ok(Quantity {
            value,
            unit: Unit::Percent,
            si: false,
            fractional,
            text: text.into(),
        });
    }
    let (value, unit, si) = apply_unit(number, unit_text, suggest).map_err(|(message, help)| QuantityError {
        message,
        help,
        offset: digits_end,
    })?;
    if !value.is_finite() {
        return Err(QuantityError {
            message: format!("`{text}` is too large"),
            help: None,
            offset: 0,
        });
    }
    Ok(Quantity {
        value,
        unit,
        si,
        fractional,
        text: text.into(),
    })
}

type UnitError = (String, Option<String>);

fn apply_unit(number: f64, unit: &str, suggest: Suggest<'_>) -> Result<(f64, Unit, bool), UnitError> {
    if unit.is_empty() {
        return Ok((number, Unit::None, false));
    }
    if unit == "us" {
        return Ok((number / 1000.0, Unit::Duration, false));
    }
    let (prefix, per) = match unit.split_once('/') {
        Some((prefix, per)) => (prefix, Some(per)),
        None => (unit, None),
    };
    if let Some(per) = per {
        // `MB/s`: bytes per second.
        if let Some(bytes) = lookup(SIZE_UNITS, prefix) {
            if per == "s" {
                return Ok((number * bytes, Unit::Bandwidth, false));
            }
            return Err((
                format!("unknown bandwidth unit `{unit}`"),
                Some(format!(
                    "a bandwidth is per second, like 100{prefix}/s, or in bits, like 1Gbps"
                )),
            ));
        }
        let si_factor = if prefix.is_empty() {
            1.0
        } else {
            lookup(SI_SUFFIXES, prefix).ok_or_else(|| {
                (
                    format!("unknown count suffix `{prefix}` in `{unit}`"),
                    Some("a rate is a count per time unit, like 100/s or 50k/s (suffixes k, M, B)".to_string()),
                )
            })?
        };
        let per_factor = lookup(RATE_UNITS, per).ok_or_else(|| {
            let names: Vec<&'static str> = RATE_UNITS.iter().map(|(name, _)| *name).collect();
            let suggestion = suggest(per, &names)
                .map(|name| format!("did you mean `/{name}`? "))
                .unwrap_or_default();
            (
                format!("unknown rate unit `/{per}`"),
                Some(format!(
                    "{suggestion}rates are per /s, /min (or /m), /h or /d, like 100/s"
                )),
            )
        })?;
        return Ok((number * si_factor * per_factor, Unit::Rate, !prefix.is_empty()));
    }
    if let Some(factor) = lookup(DURATION_UNITS, unit) {
        return Ok((number * factor, Unit::Duration, false));
    }
    if let Some(factor) = lookup(SIZE_UNITS, unit) {
        return Ok((number * factor, Unit::Size, false));
    }
    if let Some(factor) = lookup(BIT_RATE_UNITS, unit) {
        return Ok((number * factor, Unit::Bandwidth, false));
    }
    if let Some(factor) = lookup(SI_SUFFIXES, unit) {
        return Ok((number * factor, Unit::None, true));
    }
    if unit.starts_with(['e', 'E']) && unit[1..].chars().all(|c| c.is_ascii_digit()) && unit.len() > 1 {
        return Err((
            format!("`{unit}`: exponents are not part of the language"),
            Some("write counts with a suffix instead: 1k = 1e3, 1M = 1e6, 1B = 1e9".to_string()),
        ));
    }
    let suggestion = suggest(unit, &all_unit_names()).map(|name| format!("did you mean `{name}`? "));
    Err((
        format!("unknown unit `{unit}`"),
        Some(format!(
            "{}durations use us, ms, s, m, h, d; sizes KB, MB, GB, TB, PB; counts k, M, B; rates /s, /min (or /m), /h, /d; bandwidths Mbps, Gbps, MB/s, GB/s",
            suggestion.unwrap_or_default()
        )),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> (f64, Unit) {
        let quantity = parse_quantity(text).unwrap();
        (quantity.value, quantity.unit)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn every_lexical_form_of_language_md_section_1() {
        let cases: &[(&str, f64, Unit)] = &[
            ("3", 3.0, Unit::None),
            ("0.95", 0.95, Unit::None),
            ("1_000", 1000.0, Unit::None),
            ("50k", 50_000.0, Unit::None),
            ("2M", 2e6, Unit::None),
            ("1B", 1e9, Unit::None),
            ("250us", 0.25, Unit::Duration),
            ("5ms", 5.0, Unit::Duration),
            ("1.5s", 1500.0, Unit::Duration),
            ("10m", 600_000.0, Unit::Duration),
            ("1h", 3_600_000.0, Unit::Duration),
            ("7d", 604_800_000.0, Unit::Duration),
            ("100/s", 100.0, Unit::Rate),
            ("1000/min", 1000.0 / 60.0, Unit::Rate),
            ("100/h", 100.0 / 3600.0, Unit::Rate),
            ("50k/s", 50_000.0, Unit::Rate),
            ("99.95%", 0.9995, Unit::Percent),
            ("512MB", 512e6, Unit::Size),
            ("20GB", 20e9, Unit::Size),
            ("2TB", 2e12, Unit::Size),
            ("1Gbps", 1.25e8, Unit::Bandwidth),
            ("100Mbps", 1.25e7, Unit::Bandwidth),
            ("80GB/s", 8e10, Unit::Bandwidth),
            ("500MB/s", 5e8, Unit::Bandwidth),
            ("-1", -1.0, Unit::None),
        ];
        for (text, expected, unit) in cases {
            let (got, got_unit) = value(text);
            assert!(close(got, *expected), "{text}: {got} != {expected}");
            assert_eq!(got_unit, *unit, "{text}");
        }
    }

    #[test]
    fn huge_numbers_are_errors_not_infinity() {
        let text = format!("{}TB", "9".repeat(400));
        assert!(parse_quantity(&text).is_err());
    }

    #[test]
    fn without_a_suggester_the_help_names_no_unit() {
        let err = parse_quantity("5mss").unwrap_err();
        assert_eq!(err.message, "unknown unit `mss`");
        assert_eq!(err.offset, 1);
        assert!(err.help.unwrap().starts_with("durations use us, ms"));
        let err = parse_quantity_suggesting("100/sec", &|_, names| names.first().copied()).unwrap_err();
        assert_eq!(err.message, "unknown rate unit `/sec`");
        assert!(err.help.unwrap().starts_with("did you mean `/s`? "));
    }
}
