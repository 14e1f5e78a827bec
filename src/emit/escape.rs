//! Text from a design (labels, comments, file names) made safe to show: the
//! one place that decides which characters a terminal or a generated file
//! must never receive as they are.
//!
//! A design may come from an untrusted pull request, and its text reaches
//! terminals (`hld check` excerpts and messages) and generated files (the
//! compose README, diagrams, the explain walkthrough). Control characters
//! there can retitle or clear a terminal (`\x1b]0;PWNED\x07\x1b[2J`), hide
//! text behind a carriage return, and bidirectional overrides can make text
//! read differently from what it is ("trojan source"). Each such character
//! is shown as an escape instead: `\x1b` for the ASCII controls and DEL,
//! `\u{85}`, `\u{202e}` for the others. Tabs and line feeds are kept;
//! formats that need one line replace them themselves.
//!
//! Emitters with their own syntax (Mermaid, DOT, XML, Markdown) first make
//! the text visible here, then escape the result for their format.

use std::borrow::Cow;
use std::fmt::{self, Write};

/// Whether `c` is shown as an escape rather than as itself: the C0 controls
/// but tab and line feed, DEL, the C1 controls (U+0080 to U+009F), and the
/// bidirectional embeddings, overrides and isolates (U+202A to U+202E,
/// U+2066 to U+2069).
pub fn is_hidden(c: char) -> bool {
    match c {
        '\t' | '\n' => false,
        '\0'..='\x1f' | '\x7f'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// Writes the escape of a hidden character: `\x1b` below U+0080, else
/// `\u{202e}` (lowercase hex, as Rust writes them).
pub fn write_escape<W: Write + ?Sized>(dest: &mut W, c: char) -> fmt::Result {
    let code = u32::from(c);
    if code < 0x80 {
        write!(dest, "\\x{code:02x}")
    } else {
        write!(dest, "\\u{{{code:x}}}")
    }
}

/// The escape of a hidden character as a string.
pub fn escape_char(c: char) -> String {
    let mut out = String::new();
    let _ = write_escape(&mut out, c);
    out
}

/// `text` with every hidden character (see [`is_hidden`]) written as its
/// escape; borrowed when there is none.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden(c) {
            let _ = write_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Calls `each` with the characters to write for `c`: the characters of its
/// escape when it is hidden, else `c` itself. Lets a format's escaper make
/// text visible and escape it for the format in one pass.
pub fn for_each_visible(c: char, mut each: impl FnMut(char) -> fmt::Result) -> fmt::Result {
    if !is_hidden(c) {
        return each(c);
    }
    let mut buffer = String::with_capacity(10);
    write_escape(&mut buffer, c)?;
    buffer.chars().try_for_each(each)
}

/// `value` as pretty JSON in which no hidden character is raw: serde_json
/// escapes the C0 controls itself (`\u001b`) but writes DEL, the C1
/// controls and the bidi overrides as they are; they can only stand in
/// strings, where `\u202e` is the same text. Readers get the exact string,
/// a terminal showing the JSON nothing hidden. `{}` if `value` does not
/// serialize.
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_string());
    if !text.chars().any(is_hidden) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hidden(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_shown_escaped() {
        assert_eq!(visible("\x1b]0;PWNED\x07\x1b[2J"), "\\x1b]0;PWNED\\x07\\x1b[2J");
        assert_eq!(visible("a\u{202e}b\u{2066}c"), "a\\u{202e}b\\u{2066}c");
        assert_eq!(visible("\0\r\x7f\u{85}\u{9f}"), "\\x00\\x0d\\x7f\\u{85}\\u{9f}");
    }

    #[test]
    fn ordinary_text_tabs_and_line_feeds_are_kept_borrowed() {
        for text in ["plain", "tab\there", "two\nlines", "ünïcödé ×3 · → ✓", "\u{a0}\u{200b}"] {
            assert!(matches!(visible(text), Cow::Borrowed(_)), "{text:?}");
        }
    }

    #[test]
    fn json_keeps_the_exact_text_with_nothing_hidden_raw() {
        let text = "a\x1b\x7f\u{85}\u{202e}\u{2069}\tb\n\"";
        let json = json_pretty(&serde_json::json!({ "label": text }));
        assert!(!json.chars().any(is_hidden), "{json}");
        assert!(json.contains("\\u001b\\u007f\\u0085\\u202e\\u2069"), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["label"], text);
    }

    #[test]
    fn every_hidden_character_is_in_the_documented_ranges() {
        let hidden: Vec<u32> = (0..=0x10ffff)
            .filter_map(char::from_u32)
            .filter(|&c| is_hidden(c))
            .map(u32::from)
            .collect();
        let expected: Vec<u32> = (0..=0x1f)
            .filter(|&c| c != 0x09 && c != 0x0a)
            .chain(0x7f..=0x9f)
            .chain(0x202a..=0x202e)
            .chain(0x2066..=0x2069)
            .collect();
        assert_eq!(hidden, expected);
        // An escape never holds a hidden character itself.
        for c in hidden.into_iter().filter_map(char::from_u32) {
            assert!(!escape_char(c).chars().any(is_hidden));
            let mut through = String::new();
            for_each_visible(c, |e| {
                through.push(e);
                Ok(())
            })
            .unwrap();
            assert_eq!(through, escape_char(c));
        }
    }
}
