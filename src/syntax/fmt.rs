//! `hld fmt`: the one canonical layout of a design, printed from the
//! lossless tree ([`cst`](super::cst)) so every comment survives.
//!
//! The layout (docs/editors.md, "The canonical layout"):
//! - two spaces of indent per bracket level; no alignment, so a change on
//!   one line never re-indents its neighbours;
//! - one declaration or property per line in `system`, `region`, `flow`
//!   and `parallel` bodies;
//! - any other block or list on one line, `{ a = 1, b = 2 }` and `[a, b]`,
//!   when it fits in [`WIDTH`] columns and no comment ends a line in it;
//!   otherwise one
//!   entry per line, each laid out by the same rule;
//! - tokens separated by one space; declarations kept in the order written;
//!   at most one blank line in a row, none after an opening bracket or
//!   before a closing one; a line comment after an entry stays on its line.
//!
//! [`format`] refuses to print a layout whose syntax tree differs from the
//! input's (spans aside): the layout can move line breaks and commas, never
//! meaning.

use super::cst::{self, Bracket, Element, Entry, Group, Piece};
use crate::source::FileId;

/// Lines are kept within this many columns where a line break can help.
pub const WIDTH: usize = 100;

const INDENT: &str = "  ";

/// Why a text was not formatted.
#[derive(Debug, PartialEq)]
pub enum FormatError {
    /// The text has syntax errors: `hld fmt` leaves it alone.
    Syntax,
    /// The layout would change the syntax tree: a defect of `hld fmt`,
    /// never written.
    Changed(String),
}

/// The canonical layout of `text`, a design without syntax errors.
pub fn format(text: &str) -> Result<String, FormatError> {
    let before = super::parse_on(FileId(0), text, 1);
    if !before.errors.is_empty() {
        return Err(FormatError::Syntax);
    }
    let tree = cst::parse(text).map_err(|_| FormatError::Syntax)?;
    let formatted = print(&tree);
    let after = super::parse_on(FileId(0), &formatted, 1);
    if !after.errors.is_empty() {
        return Err(FormatError::Changed(format!(
            "the layout does not parse: {}",
            after.errors[0].message
        )));
    }
    if without_spans(&before.ast) != without_spans(&after.ast) {
        return Err(FormatError::Changed("the layout changes the syntax tree".to_string()));
    }
    Ok(formatted)
}

/// A hash of the syntax tree's debug text with every span left out, taken
/// as the text is written (never held: a large design's tree prints to
/// many times its size): two trees that differ only in where things are
/// written hash alike.
fn without_spans(ast: &super::ast::FileAst) -> u64 {
    use std::fmt::Write;
    use std::hash::Hasher;
    let mut writer = Spanless::default();
    // Writing into a hasher cannot fail.
    let _ = write!(writer, "{ast:?}");
    writer.hasher.write(&writer.held);
    writer.hasher.finish()
}

/// Feeds text to a hasher, leaving out every `Span { ... }`.
#[derive(Default)]
struct Spanless {
    hasher: std::collections::hash_map::DefaultHasher,
    /// The last bytes, held back until they cannot start `Span {`.
    held: Vec<u8>,
    skipping: bool,
}

impl std::fmt::Write for Spanless {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        use std::hash::Hasher;
        const MARK: &[u8] = b"Span {";
        for &byte in text.as_bytes() {
            if self.skipping {
                self.skipping = byte != b'}';
                continue;
            }
            self.held.push(byte);
            if self.held.ends_with(MARK) {
                let keep = self.held.len() - MARK.len();
                self.hasher.write(&self.held[..keep]);
                self.hasher.write(b"Span");
                self.held.clear();
                self.skipping = true;
            } else if self.held.len() >= 256 {
                let keep = self.held.len() - (MARK.len() - 1);
                self.hasher.write(&self.held[..keep]);
                self.held.drain(..keep);
            }
        }
        Ok(())
    }
}

/// The layout of a whole file: its elements at indent 0, one newline at
/// the end (an empty file stays empty).
pub fn print(tree: &Group) -> String {
    let mut lines: Vec<String> = Vec::new();
    print_elements(&tree.elements, 0, &mut lines);
    if lines.is_empty() {
        return String::new();
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn print_elements(elements: &[Element], depth: usize, lines: &mut Vec<String>) {
    for (idx, element) in elements.iter().enumerate() {
        let blank_before = match element {
            Element::Entry(entry) => entry.blank_before,
            Element::Comment { blank_before, .. } => *blank_before,
        };
        if blank_before && idx > 0 {
            lines.push(String::new());
        }
        match element {
            Element::Entry(entry) => print_entry(entry, depth, lines),
            Element::Comment { text, .. } => push_comment(text, depth, lines),
        }
    }
}

/// A comment on lines of its own: the first indented, a block comment's
/// later lines as written (re-indenting them would change the comment).
fn push_comment(text: &str, depth: usize, lines: &mut Vec<String>) {
    let mut parts = text.split('\n');
    if let Some(first) = parts.next() {
        lines.push(format!("{}{}", INDENT.repeat(depth), first.trim_end()));
    }
    lines.extend(parts.map(|line| line.trim_end().to_string()));
}

fn print_entry(entry: &Entry, depth: usize, lines: &mut Vec<String>) {
    let indent = INDENT.repeat(depth);
    let flat = flat_entry(entry);
    // The group that breaks: the entry's last (a `/* */` may follow it).
    let breaking = entry.pieces.iter().rposition(|piece| matches!(piece, Piece::Group(_)));
    let ends_in_group = breaking.is_some();
    if let Some(flat) = flat
        && (!ends_in_group || indent.chars().count() + flat.chars().count() <= WIDTH)
    {
        lines.push(with_trailing(format!("{indent}{flat}"), entry.trailing.as_deref()));
        return;
    }
    // Broken: the last group opens at the end of the line and closes on a
    // line of its own; groups before it stay on the line when they can.
    let mut line = indent.clone();
    for (idx, piece) in entry.pieces.iter().enumerate() {
        let text = match piece {
            Piece::Token(text, _) => Some(text.clone()),
            Piece::Group(group) if Some(idx) != breaking => flat_group(group),
            Piece::Group(_) => None,
        };
        if line.len() > indent.len() && !line.ends_with(' ') {
            line.push(' ');
        }
        match (text, piece) {
            (Some(text), _) => push_token(&mut line, &text, lines),
            (None, Piece::Group(group)) => {
                line.push_str(open(group.bracket));
                if let Some(comment) = &group.open_comment {
                    line.push(' ');
                    line.push_str(comment);
                }
                lines.push(std::mem::take(&mut line));
                print_elements(&group.elements, depth + 1, lines);
                line = format!("{indent}{}", close(group.bracket));
            }
            (None, Piece::Token(..)) => {}
        }
    }
    lines.push(with_trailing(line, entry.trailing.as_deref()));
}

/// A token onto the line; a block comment written over several lines keeps
/// its later lines as written.
fn push_token(line: &mut String, text: &str, lines: &mut Vec<String>) {
    let mut parts = text.split('\n');
    if let Some(first) = parts.next() {
        line.push_str(first.trim_end());
    }
    for part in parts {
        lines.push(std::mem::take(line));
        line.push_str(part.trim_end());
    }
}

fn with_trailing(mut line: String, trailing: Option<&str>) -> String {
    if let Some(comment) = trailing {
        line.push(' ');
        line.push_str(comment);
    }
    line
}

fn open(bracket: Bracket) -> &'static str {
    match bracket {
        Bracket::Square => "[",
        Bracket::Brace | Bracket::File => "{",
    }
}

fn close(bracket: Bracket) -> &'static str {
    match bracket {
        Bracket::Square => "]",
        Bracket::Brace | Bracket::File => "}",
    }
}

/// Bodies that hold declarations: one per line, always.
fn always_broken(entry: &Entry) -> bool {
    matches!(entry.keyword(), Some("system" | "region" | "flow" | "parallel"))
}

/// The entry on one line, or `None` when it cannot be: it holds a comment
/// that ends a line, or a body that is always broken.
fn flat_entry(entry: &Entry) -> Option<String> {
    if always_broken(entry) && entry.pieces.iter().any(|piece| matches!(piece, Piece::Group(_))) {
        return None;
    }
    let mut parts = Vec::with_capacity(entry.pieces.len());
    for piece in &entry.pieces {
        match piece {
            Piece::Token(text, _) if text.contains('\n') => return None,
            Piece::Token(text, _) => parts.push(text.clone()),
            Piece::Group(group) => parts.push(flat_group(group)?),
        }
    }
    Some(parts.join(" "))
}

/// `{ a = 1, b = 2 }`, `[a, b]`, `{}`; `None` when a comment is inside.
fn flat_group(group: &Group) -> Option<String> {
    if group.open_comment.is_some() {
        return None;
    }
    let mut entries = Vec::with_capacity(group.elements.len());
    for element in &group.elements {
        match element {
            Element::Entry(entry) => {
                let flat = flat_entry(entry)?;
                // A `/* */` after an entry reads the same inside the line:
                // `{ a = 1 /* why */, b = 2 }`; a `//` ends the line.
                match entry.trailing.as_deref() {
                    None => entries.push(flat),
                    Some(comment) if comment.starts_with("/*") && !comment.contains('\n') => {
                        entries.push(format!("{flat} {comment}"));
                    }
                    Some(_) => return None,
                }
            }
            Element::Comment { .. } => return None,
        }
    }
    Some(match (group.bracket, entries.is_empty()) {
        (Bracket::Square, _) => format!("[{}]", entries.join(", ")),
        (_, true) => "{}".to_string(),
        (_, false) => format!("{{ {} }}", entries.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        let formatted = format(text).unwrap_or_else(|error| panic!("{error:?}\n{text}"));
        assert_eq!(format(&formatted).as_ref(), Ok(&formatted), "not idempotent");
        formatted
    }

    #[test]
    fn blocks_go_on_one_line_when_they_fit() {
        assert_eq!(
            fmt("system s {\nservice api {\n replicas = 3\n\n\n capacity=1k/s,\n}\n  a->b\n}"),
            "system s {\n  service api { replicas = 3, capacity = 1k/s }\n  a -> b\n}\n"
        );
    }

    #[test]
    fn long_blocks_break_one_property_per_line() {
        let text = "system s {\n  database accounts : postgres { replication = primary_replica { replicas = 2, mode = async, failover = auto }, size = 2TB }\n}\n";
        assert_eq!(
            fmt(text),
            "system s {\n  database accounts : postgres {\n    replication = primary_replica { replicas = 2, mode = async, failover = auto }\n    size = 2TB\n  }\n}\n"
        );
    }

    #[test]
    fn flows_and_containers_always_break() {
        assert_eq!(
            fmt("system s { client u\n flow f { path = u -> a, rps = 5 } }"),
            "system s {\n  client u\n  flow f {\n    path = u -> a\n    rps = 5\n  }\n}\n"
        );
    }

    #[test]
    fn every_comment_survives_in_its_place() {
        let text = "// header\n\n\n\nsystem s { // about\n  // lead\n  service api { replicas = 2 } // trailing\n  cache c { ttl = 1h, /* why */ eviction = lru }\n\n  /* block\n     over lines */\n  // last\n}\n";
        let formatted = fmt(text);
        assert_eq!(
            formatted,
            "// header\n\nsystem s { // about\n  // lead\n  service api { replicas = 2 } // trailing\n  cache c { ttl = 1h, /* why */ eviction = lru }\n\n  /* block\n     over lines */\n  // last\n}\n"
        );
    }

    #[test]
    fn a_comment_inside_a_block_breaks_it() {
        assert_eq!(
            fmt("system s {\n  service api { replicas = 2, // peak\n capacity = 1k/s }\n}"),
            "system s {\n  service api {\n    replicas = 2 // peak\n    capacity = 1k/s\n  }\n}\n"
        );
    }

    #[test]
    fn comments_and_marks_in_odd_places_keep_the_layout_stable() {
        for text in [
            "system s {\n  service api { replicas = 1, /* c */\n capacity = 2/s }\n}",
            "system s {\n  service api { allow = [missing-rate-limit, /* c */\n deep-sync-chain] }\n}",
            "system\u{FEFF}s {\n  service api\n  service b\n}\n",
            "/* header */ system s {\n  client u\n  /* x */ flow f { path = u }\n}\n",
            "system s {\r  service api { replicas = 1 /* x\r y */ }\r}\r",
            "system shop {\n  a -> /* c */b\n  c -> d\n}/* c */",
        ] {
            let formatted = fmt(text);
            assert!(!formatted.contains('\r'), "{formatted:?}");
        }
        assert_eq!(
            fmt("/* header */ system s {\n  client u\n  /* x */ flow f { path = u }\n}\n"),
            "/* header */ system s {\n  client u\n  /* x */ flow f {\n    path = u\n  }\n}\n"
        );
        // Many marks in a row: no recursion.
        let _ = format(&format!("{}system s {{}}", "\u{FEFF}".repeat(50_000)));
    }

    #[test]
    fn spans_alone_do_not_change_the_tree_s_hash() {
        let tree = |text: &str| super::super::parse_on(FileId(0), text, 1).ast;
        let a = tree("system s {\n  service api { replicas = 2 }\n}\n");
        let b = tree("system s {\n\n\n  service   api {\n replicas = 2\n }\n}\n");
        let c = tree("system s {\n  service api { replicas = 3 }\n}\n");
        assert_eq!(without_spans(&a), without_spans(&b));
        assert_ne!(without_spans(&a), without_spans(&c));
    }

    #[test]
    fn syntax_errors_are_left_alone() {
        assert_eq!(format("system s {\n  service = \n}"), Err(FormatError::Syntax));
        assert_eq!(format(""), Ok(String::new()));
        assert_eq!(fmt("// only a comment"), "// only a comment\n");
    }
}
