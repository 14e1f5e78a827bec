//! Numbers with units (language.md §1): `3`, `0.95`, `1_000`, `50k`, `250us`,
//! `5ms`, `1.5s`, `10m`, `1h`, `7d`, `100/s`, `50k/s`, `1000/min`, `99.95%`,
//! `512MB`. The grammar only finds where a number and its unit are; the
//! unit tables and the reading live in the leaf [`crate::units`], which this
//! module calls with the did-you-mean helps of the diagnostics.

use super::ast::Quantity;
use crate::diagnostics::did_you_mean;
use crate::units::{self, QuantityError};

/// Why a number's text is not a valid quantity, or a string's escape.
#[derive(Clone, Debug, PartialEq)]
pub struct LexError {
    pub message: String,
    pub help: Option<String>,
    /// Byte offset of the bad part within the text.
    pub offset: usize,
}

impl From<QuantityError> for LexError {
    fn from(error: QuantityError) -> LexError {
        LexError {
            message: error.message,
            help: error.help,
            offset: error.offset,
        }
    }
}

/// Parses `-? digits [. digits] [unit]`, as matched by the grammar's
/// `quantity`; an unknown unit's help suggests the closest one.
pub fn parse_quantity(text: &str) -> Result<Quantity, LexError> {
    units::parse_quantity_suggesting(text, &|word, names| did_you_mean(word, names.iter().copied()))
        .map_err(LexError::from)
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
    fn escapes() {
        assert_eq!(unescape(r#"a \"b\" \\ \n \t"#).unwrap(), "a \"b\" \\ \n \t");
        assert_eq!(unescape(r"bad \q").unwrap_err().offset, 4);
    }
}
