//! Numbers with units (language.md §1): `3`, `0.95`, `1_000`, `50k`, `250us`,
//! `5ms`, `1.5s`, `10m`, `1h`, `7d`, `100/s`, `50k/s`, `1000/min`, `99.95%`,
//! `512MB`. The grammar only finds where a number and its unit are; this
//! module knows the unit names, so it can say which unit was meant.

use super::ast::{Quantity, Unit};
use crate::diagnostics::did_you_mean;

/// Why a number's text is not a valid quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct LexError {
    pub message: String,
    pub help: Option<String>,
    /// Byte offset of the bad part within the quantity's text.
    pub offset: usize,
}

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

fn all_unit_names() -> impl Iterator<Item = &'static str> {
    DURATION_UNITS
        .iter()
        .chain(SIZE_UNITS)
        .chain(SI_SUFFIXES)
        .map(|(name, _)| *name)
}

/// Parses `-? digits [. digits] [unit]`, as matched by the grammar's `quantity`.
pub fn parse_quantity(text: &str) -> Result<Quantity, LexError> {
    let digits_end = text
        .char_indices()
        .find(|(idx, c)| !(c.is_ascii_digit() || *c == '_' || *c == '.' || (*idx == 0 && *c == '-')))
        .map_or(text.len(), |(idx, _)| idx);
    let (number_text, unit_text) = text.split_at(digits_end);
    let cleaned: String = number_text.chars().filter(|c| *c != '_').collect();
    let number: f64 = cleaned.parse().map_err(|_| LexError {
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
    let (value, unit, si) = apply_unit(number, unit_text).map_err(|(message, help)| LexError {
        message,
        help,
        offset: digits_end,
    })?;
    if !value.is_finite() {
        return Err(LexError {
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

fn apply_unit(number: f64, unit: &str) -> Result<(f64, Unit, bool), UnitError> {
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
            let names = RATE_UNITS.iter().map(|(name, _)| *name);
            let suggestion = did_you_mean(per, names)
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
    if let Some(factor) = lookup(SI_SUFFIXES, unit) {
        return Ok((number * factor, Unit::None, true));
    }
    if unit.starts_with(['e', 'E']) && unit[1..].chars().all(|c| c.is_ascii_digit()) && unit.len() > 1 {
        return Err((
            format!("`{unit}`: exponents are not part of the language"),
            Some("write counts with a suffix instead: 1k = 1e3, 1M = 1e6, 1B = 1e9".to_string()),
        ));
    }
    let suggestion = did_you_mean(unit, all_unit_names()).map(|name| format!("did you mean `{name}`? "));
    Err((
        format!("unknown unit `{unit}`"),
        Some(format!(
            "{}durations use us, ms, s, m, h, d; sizes KB, MB, GB, TB, PB; counts k, M, B; rates /s, /min (or /m), /h, /d",
            suggestion.unwrap_or_default()
        )),
    ))
}

/// Resolves `\"`, `\\`, `\n` and `\t` in a string's inner text.
pub fn unescape(inner: &str) -> Result<String, LexError> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    while let Some((idx, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => out.push('"'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            other => {
                let shown = other.map_or(String::new(), |(_, c)| c.to_string());
                return Err(LexError {
                    message: format!("unknown escape `\\{shown}` in a string"),
                    help: Some("strings know the escapes \\\", \\\\, \\n and \\t".to_string()),
                    offset: idx,
                });
            }
        }
    }
    Ok(out)
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
            ("-1", -1.0, Unit::None),
        ];
        for (text, expected, unit) in cases {
            let (got, got_unit) = value(text);
            assert!(close(got, *expected), "{text}: {got} != {expected}");
            assert_eq!(got_unit, *unit, "{text}");
        }
    }

    #[test]
    fn unknown_units_suggest_the_right_one() {
        let err = parse_quantity("5mss").unwrap_err();
        assert_eq!(err.message, "unknown unit `mss`");
        assert!(err.help.unwrap().starts_with("did you mean `ms`?"));
        assert_eq!(err.offset, 1);
        let err = parse_quantity("100/sec").unwrap_err();
        assert_eq!(err.message, "unknown rate unit `/sec`");
        let err = parse_quantity("5gb").unwrap_err();
        assert!(err.help.unwrap().contains("did you mean `GB`?"));
    }

    #[test]
    fn huge_numbers_are_errors_not_infinity() {
        let text = format!("{}TB", "9".repeat(400));
        assert!(parse_quantity(&text).is_err());
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape(r#"a \"b\" \\ \n \t"#).unwrap(), "a \"b\" \\ \n \t");
        assert_eq!(unescape(r"bad \q").unwrap_err().offset, 4);
    }
}
