//! The lossless syntax tree: every token of a file with its comments and
//! blank lines (trivia) attached, for the tools that rewrite a file (`hld
//! fmt`, the language server's formatting) or read what the grammar drops.
//!
//! The grammar (`grammar/hld.pest`) parses comment-free text into the
//! [`ast`](super::ast) the model reads; this tree is built by a small lexer
//! of its own, so comments never have to thread through pest. It is
//! shallow on purpose: brackets nest, everything else is a flat run of
//! tokens per entry, which is all a layout needs. Building it never fails
//! on brackets a valid file cannot have (it reports them), never recurses,
//! and is linear in the text.
//!
//! Structure, as the grammar separates it: a [`Group`] (the file, a `{ }`
//! block or a `[ ]` list) holds [`Element`]s; an [`Entry`] is what a
//! separator (a line break or a comma) ends: one declaration, property or
//! list value, made of tokens and nested groups.

/// Deepest bracket nesting the tree accepts (a valid file has at most
/// `split::MAX_NESTING`).
const MAX_DEPTH: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bracket {
    /// The whole file: no brackets.
    File,
    /// `{ ... }`
    Brace,
    /// `[ ... ]`
    Square,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub bracket: Bracket,
    /// A comment on the line of the opening bracket: `service api { // why`.
    pub open_comment: Option<String>,
    pub elements: Vec<Element>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Element {
    Entry(Entry),
    /// A comment on a line of its own.
    Comment {
        text: String,
        blank_before: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub pieces: Vec<Piece>,
    /// A comment after the entry on its line: `replicas = 3 // peak`.
    pub trailing: Option<String>,
    /// A blank line separates it from what comes before.
    pub blank_before: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    /// A word, a number, a string, `=`, `:`, `->`, `<->`, or a `/* */`
    /// comment inside an entry: its text as written, and its byte offset.
    Token(String, usize),
    Group(Group),
}

impl Entry {
    /// The first word, which says what a declaration is (`system`, `flow`,
    /// `call`, a kind, a component id); `/* */` comments before it aside.
    pub fn keyword(&self) -> Option<&str> {
        match self.pieces.iter().find(|piece| !is_block_comment(piece))? {
            Piece::Token(text, _) => Some(text),
            Piece::Group(_) => None,
        }
    }
}

fn is_block_comment(piece: &Piece) -> bool {
    matches!(piece, Piece::Token(text, _) if text.starts_with("/*"))
}

/// A comment's text with every line break written `\n` (a lone CR or CRLF
/// in the file): the layout ends lines with `\n` only.
fn with_lf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Why a text has no tree: brackets that do not pair up.
#[derive(Debug, PartialEq)]
pub struct CstError {
    pub offset: usize,
    pub message: String,
}

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Newline,
    Comma,
    Open(Bracket),
    Close(Bracket),
    LineComment(&'a str),
    BlockComment(&'a str),
    Text(&'a str),
}

/// The lexer: one token at a time, whitespace skipped.
struct Lexer<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Lexer<'a> {
    fn next(&mut self) -> Option<(usize, Token<'a>)> {
        let bytes = self.text.as_bytes();
        // Spaces, tabs and byte order marks (which the parser blanks
        // wherever they are) separate tokens.
        loop {
            if self.at < bytes.len() && matches!(bytes[self.at], b' ' | b'\t') {
                self.at += 1;
            } else if self.text[self.at..].starts_with('\u{FEFF}') {
                self.at += '\u{FEFF}'.len_utf8();
            } else {
                break;
            }
        }
        let start = self.at;
        let byte = *bytes.get(start)?;
        let rest = &self.text[start..];
        let (len, token) = match byte {
            b'\r' if rest.starts_with("\r\n") => (2, Token::Newline),
            b'\n' | b'\r' => (1, Token::Newline),
            b',' => (1, Token::Comma),
            b'{' => (1, Token::Open(Bracket::Brace)),
            b'[' => (1, Token::Open(Bracket::Square)),
            b'}' => (1, Token::Close(Bracket::Brace)),
            b']' => (1, Token::Close(Bracket::Square)),
            b'/' if rest.starts_with("//") => {
                let len = rest.find(['\n', '\r']).unwrap_or(rest.len());
                (len, Token::LineComment(rest[..len].trim_end()))
            }
            b'/' if rest.starts_with("/*") => {
                let len = rest[2..].find("*/").map_or(rest.len(), |end| end + 4);
                (len, Token::BlockComment(&rest[..len]))
            }
            b'"' => {
                let mut idx = 1;
                let inner = rest.as_bytes();
                while idx < inner.len() && !matches!(inner[idx], b'"' | b'\n' | b'\r') {
                    idx += if inner[idx] == b'\\' { 2 } else { 1 };
                }
                // The closing quote belongs to the string; a line break
                // (an unterminated string) does not.
                let len = if inner.get(idx) == Some(&b'"') {
                    idx + 1
                } else {
                    idx.min(rest.len())
                };
                // A backslash before the end could split a character.
                let len = (len..=rest.len())
                    .find(|len| rest.is_char_boundary(*len))
                    .unwrap_or(rest.len());
                (len, Token::Text(&rest[..len]))
            }
            b'=' | b':' => (1, Token::Text(&rest[..1])),
            b'-' if rest.starts_with("->") => (2, Token::Text(&rest[..2])),
            b'<' if rest.starts_with("<->") => (3, Token::Text(&rest[..3])),
            _ => {
                let len = word_len(rest);
                (len, Token::Text(&rest[..len]))
            }
        };
        self.at = start + len;
        Some((start, token))
    }
}

/// A word runs to whitespace, a bracket, a separator, `=`, `:`, a string,
/// an arrow or a comment; at least one character.
fn word_len(rest: &str) -> usize {
    for (idx, ch) in rest.char_indices() {
        let after = &rest[idx..];
        let stops = matches!(
            ch,
            ' ' | '\t' | '\n' | '\r' | ',' | '{' | '}' | '[' | ']' | '=' | ':' | '"' | '\u{FEFF}'
        ) || after.starts_with("//")
            || after.starts_with("/*")
            || after.starts_with("->")
            || after.starts_with("<->");
        if stops && idx > 0 {
            return idx;
        }
        if stops {
            // The first character stops a word only through a caller bug;
            // take it so the lexer always advances.
            return ch.len_utf8();
        }
    }
    rest.len()
}

/// One group being filled.
struct Frame {
    group: Group,
    open_offset: usize,
    entry: Vec<Piece>,
    entry_blank_before: bool,
    /// Line breaks since the last element ended.
    newlines: usize,
}

impl Frame {
    fn new(bracket: Bracket, open_offset: usize) -> Frame {
        Frame {
            group: Group {
                bracket,
                open_comment: None,
                elements: Vec::new(),
            },
            open_offset,
            entry: Vec::new(),
            entry_blank_before: false,
            newlines: 0,
        }
    }

    fn push_piece(&mut self, piece: Piece) {
        if self.entry.is_empty() {
            self.entry_blank_before = self.newlines >= 2 && !self.group.elements.is_empty();
        }
        self.entry.push(piece);
    }

    fn finish_entry(&mut self, trailing: Option<String>) {
        if self.entry.is_empty() {
            return;
        }
        self.group.elements.push(Element::Entry(Entry {
            pieces: std::mem::take(&mut self.entry),
            trailing,
            blank_before: self.entry_blank_before,
        }));
        self.newlines = 0;
    }

    /// A comment with nothing before it in the entry: after the last entry
    /// on its line, after the opening bracket on its line, or on a line of
    /// its own.
    fn comment(&mut self, text: &str) {
        if !self.entry.is_empty() {
            self.finish_entry(Some(text.to_string()));
            return;
        }
        if self.newlines == 0 {
            match self.group.elements.last_mut() {
                Some(Element::Entry(entry)) if entry.trailing.is_none() => {
                    entry.trailing = Some(text.to_string());
                    return;
                }
                None if self.group.bracket != Bracket::File && self.group.open_comment.is_none() => {
                    self.group.open_comment = Some(text.to_string());
                    return;
                }
                _ => {}
            }
        }
        let blank_before = self.newlines >= 2 && !self.group.elements.is_empty();
        self.group.elements.push(Element::Comment {
            text: text.to_string(),
            blank_before,
        });
        self.newlines = 0;
    }
}

/// The lossless tree of `text`.
pub fn parse(text: &str) -> Result<Group, CstError> {
    let mut lexer = Lexer { text, at: 0 };
    let mut stack: Vec<Frame> = vec![Frame::new(Bracket::File, 0)];
    while let Some((offset, token)) = lexer.next() {
        let Some(frame) = stack.last_mut() else {
            break;
        };
        match token {
            Token::Newline => {
                frame.finish_entry(None);
                frame.newlines += 1;
            }
            Token::Comma => frame.finish_entry(None),
            Token::LineComment(comment) => frame.comment(comment),
            Token::BlockComment(comment) if frame.entry.is_empty() && !continues_line(text, offset + comment.len()) => {
                frame.comment(&with_lf(comment));
            }
            Token::BlockComment(comment) => frame.push_piece(Piece::Token(with_lf(comment), offset)),
            Token::Text(word) => frame.push_piece(Piece::Token(word.to_string(), offset)),
            Token::Open(bracket) => {
                if stack.len() > MAX_DEPTH {
                    return Err(CstError {
                        offset,
                        message: format!("brackets nest deeper than {MAX_DEPTH}"),
                    });
                }
                stack.push(Frame::new(bracket, offset));
            }
            Token::Close(bracket) => {
                let mut frame = match stack.pop() {
                    Some(frame) if frame.group.bracket == bracket => frame,
                    _ => {
                        return Err(CstError {
                            offset,
                            message: "a closing bracket that matches no opening one".to_string(),
                        });
                    }
                };
                frame.finish_entry(None);
                if let Some(parent) = stack.last_mut() {
                    parent.push_piece(Piece::Group(frame.group));
                }
            }
        }
    }
    let mut root = stack.pop().ok_or(CstError {
        offset: 0,
        message: "empty".to_string(),
    })?;
    if !stack.is_empty() || root.group.bracket != Bracket::File {
        return Err(CstError {
            offset: root.open_offset,
            message: "a bracket that is never closed".to_string(),
        });
    }
    root.finish_entry(None);
    Ok(root.group)
}

/// Whether anything but a line break or a comment follows `at` on its line.
fn continues_line(text: &str, at: usize) -> bool {
    let rest = text[at.min(text.len())..].trim_start_matches([' ', '\t']);
    !(rest.is_empty() || rest.starts_with(['\n', '\r']) || rest.starts_with("//") || rest.starts_with("/*"))
}

/// Words that open a declaration other than a component.
pub const DECLARATION_KEYWORDS: &[&str] = &["system", "region", "flow", "import", "rtt", "slo", "call", "parallel"];

/// Whether a token is an identifier (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn is_ident(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// A component id where it is written: its declaration (`service api`) or
/// a use (a link or call chain, a `path`, a `dead_letter` queue).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameUse {
    pub name: String,
    pub start: usize,
    pub declaration: bool,
}

/// Every place a component id is written in a file, in text order: what
/// go-to-definition, find-references and rename work on. Region ids (`rtt
/// a <-> b`, `region = a`) and property values are not component ids.
pub fn component_names(tree: &Group) -> Vec<NameUse> {
    let mut found = Vec::new();
    // (group, whether it holds declarations: the file, a system or region body)
    let mut pending: Vec<(&Group, bool)> = vec![(tree, true)];
    while let Some((group, declarations)) = pending.pop() {
        for element in &group.elements {
            let Element::Entry(entry) = element else { continue };
            entry_names(entry, declarations, &mut found);
            let holds_declarations = matches!(entry.keyword(), Some("system" | "region"));
            for piece in &entry.pieces {
                if let Piece::Group(inner) = piece {
                    pending.push((inner, holds_declarations));
                }
            }
        }
    }
    found.sort_by_key(|name| name.start);
    found
}

fn entry_names(entry: &Entry, declarations: bool, found: &mut Vec<NameUse>) {
    let tokens: Vec<Option<(&str, usize)>> = entry
        .pieces
        .iter()
        .filter(|piece| !is_block_comment(piece))
        .map(|piece| match piece {
            Piece::Token(text, start) => Some((text.as_str(), *start)),
            Piece::Group(_) => None,
        })
        .collect();
    // An entry's tokens are visited once; only a token both after one
    // arrow and before another is seen twice.
    let mut seen: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let mut push = |token: Option<(&str, usize)>, declaration: bool| {
        if let Some((text, start)) = token
            && is_ident(text)
            && seen.insert(start)
        {
            found.push(NameUse {
                name: text.to_string(),
                start,
                declaration,
            });
        }
    };
    let has_arrow = tokens.iter().flatten().any(|(text, _)| *text == "->");
    match (tokens.first().copied().flatten(), tokens.get(1).copied().flatten()) {
        // `kind id ...`: a component's declaration.
        (Some((kind, _)), Some((id, _)))
            if declarations
                && !has_arrow
                && is_ident(kind)
                && !DECLARATION_KEYWORDS.contains(&kind)
                && is_ident(id) =>
        {
            push(tokens[1], true);
        }
        // `path = a` (a single component; longer paths have arrows).
        (Some(("path", _)), Some(("=", _))) if tokens.len() == 3 => push(tokens[2], false),
        (Some(("dead_letter", _)), Some(("=", _)))
            if tokens.len() == 3 && !matches!(tokens[2], Some(("true" | "false", _))) =>
        {
            push(tokens[2], false);
        }
        _ => {}
    }
    for (idx, token) in tokens.iter().enumerate() {
        if matches!(token, Some(("->", _))) {
            if idx > 0 {
                push(tokens[idx - 1], false);
            }
            push(tokens.get(idx + 1).copied().flatten(), false);
        }
    }
}

/// What surrounds a place in a text, for completion: the entries that
/// opened each bracket around it (outermost first, with the bracket), and
/// the tokens of the entry it is in, up to it.
#[derive(Debug, Default, PartialEq)]
pub struct Surroundings {
    pub openers: Vec<(Vec<String>, Bracket)>,
    pub entry: Vec<String>,
    /// The place is inside a comment (or an unterminated string).
    pub in_comment: bool,
}

/// The [`Surroundings`] of `offset` in `text` (comments and strings are
/// skipped as the lexer skips them).
pub fn surroundings(text: &str, offset: usize) -> Surroundings {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut lexer = Lexer {
        text: &text[..end],
        at: 0,
    };
    let mut openers: Vec<(Vec<String>, Bracket)> = Vec::new();
    let mut entry: Vec<String> = Vec::new();
    let mut saved: Vec<Vec<String>> = Vec::new();
    let prefix = &text[..end];
    let mut in_comment = false;
    while let Some((start, token)) = lexer.next() {
        in_comment = match &token {
            Token::LineComment(_) => prefix[start..].find(['\n', '\r']).is_none(),
            Token::BlockComment(comment) => start + comment.len() == end && !comment.ends_with("*/"),
            Token::Text(word) => {
                word.starts_with('"') && !(word.len() > 1 && word.ends_with('"')) && start + word.len() == end
            }
            _ => false,
        };
        match token {
            Token::Newline | Token::Comma => entry.clear(),
            Token::LineComment(_) | Token::BlockComment(_) => {}
            Token::Text(word) => entry.push(word.to_string()),
            Token::Open(bracket) => {
                if openers.len() >= MAX_DEPTH {
                    return Surroundings::default();
                }
                openers.push((entry.clone(), bracket));
                saved.push(std::mem::take(&mut entry));
            }
            Token::Close(_) => {
                openers.pop();
                entry = saved.pop().unwrap_or_default();
                entry.push("{}".to_string());
            }
        }
    }
    Surroundings {
        openers,
        entry,
        in_comment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(entry: &Element) -> Vec<String> {
        match entry {
            Element::Entry(entry) => entry
                .pieces
                .iter()
                .map(|piece| match piece {
                    Piece::Token(text, _) => text.clone(),
                    Piece::Group(group) => format!("{:?}({})", group.bracket, group.elements.len()),
                })
                .collect(),
            Element::Comment { text, .. } => vec![text.clone()],
        }
    }

    #[test]
    fn entries_tokens_and_groups() {
        let tree = parse("system s \"S\" {\n  service api { replicas = 3, capacity = 1k/s }\n  a -> b\n}\n").unwrap();
        assert_eq!(tree.elements.len(), 1);
        assert_eq!(tokens(&tree.elements[0]), ["system", "s", "\"S\"", "Brace(2)"]);
        let Element::Entry(system) = &tree.elements[0] else {
            panic!()
        };
        let Piece::Group(body) = &system.pieces[3] else {
            panic!()
        };
        assert_eq!(tokens(&body.elements[0]), ["service", "api", "Brace(2)"]);
        assert_eq!(tokens(&body.elements[1]), ["a", "->", "b"]);
    }

    #[test]
    fn comments_attach_where_they_were_written() {
        let text = "// header\n\nsystem s { // about s\n  x = 1, // one\n\n  // before y\n  y = [a, b] /* inline */ // after\n  // at the end\n}\n";
        let tree = parse(text).unwrap();
        assert_eq!(
            tree.elements[0],
            Element::Comment {
                text: "// header".to_string(),
                blank_before: false
            }
        );
        let Element::Entry(system) = &tree.elements[1] else {
            panic!()
        };
        assert!(system.blank_before);
        let Piece::Group(body) = &system.pieces[2] else {
            panic!()
        };
        assert_eq!(body.open_comment.as_deref(), Some("// about s"));
        let Element::Entry(x) = &body.elements[0] else { panic!() };
        assert_eq!(x.trailing.as_deref(), Some("// one"));
        assert!(matches!(&body.elements[1], Element::Comment { text, blank_before: true } if text == "// before y"));
        let Element::Entry(y) = &body.elements[2] else { panic!() };
        assert_eq!(tokens(&body.elements[2]), ["y", "=", "Square(2)", "/* inline */"]);
        assert_eq!(y.trailing.as_deref(), Some("// after"));
        assert!(matches!(&body.elements[3], Element::Comment { text, .. } if text == "// at the end"));
    }

    #[test]
    fn words_stop_at_arrows_comments_and_strings() {
        let tree = parse("a->b<->c \"x // y\"//z\nrtt a <-> b = -5ms\nallow = [missing-rate-limit]").unwrap();
        assert_eq!(tokens(&tree.elements[0]), ["a", "->", "b", "<->", "c", "\"x // y\""]);
        assert_eq!(tokens(&tree.elements[1]), ["rtt", "a", "<->", "b", "=", "-5ms"]);
        assert_eq!(tokens(&tree.elements[2]), ["allow", "=", "Square(1)"]);
    }

    #[test]
    fn component_names_are_declarations_and_uses() {
        let text = "system s {\n  region eu { service api { replicas = 2 } }\n  queue q { dead_letter = dlq }\n  queue dlq\n  rtt eu <-> us = 5ms\n  api -> q -> dlq\n  flow f {\n    path = api\n    call api -> q { op = write }\n  }\n}\n";
        let names: Vec<(String, bool)> = component_names(&parse(text).unwrap())
            .into_iter()
            .map(|name| {
                assert_eq!(&text[name.start..name.start + name.name.len()], name.name);
                (name.name, name.declaration)
            })
            .collect();
        let expected = [
            ("api", true),
            ("q", true),
            ("dlq", false),
            ("dlq", true),
            ("api", false),
            ("q", false),
            ("dlq", false),
            ("api", false),
            ("api", false),
            ("q", false),
        ];
        let expected: Vec<(String, bool)> = expected.iter().map(|(name, decl)| (name.to_string(), *decl)).collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn surroundings_name_the_enclosing_entries() {
        let text = "system s {\n  service api { replicas = 2, allow = [missing-rate-limit, ";
        let found = surroundings(text, text.len());
        assert_eq!(found.openers.len(), 3);
        assert_eq!(found.openers[1].0, ["service", "api"]);
        assert_eq!(
            found.openers[2],
            (vec!["allow".to_string(), "=".to_string()], Bracket::Square)
        );
        assert!(found.entry.is_empty());
        let text = "system s {\n  cache c : red";
        assert_eq!(surroundings(text, text.len()).entry, ["cache", "c", ":", "red"]);
        for text in [
            "system s {\n  // the api ",
            "system s { /* note ",
            "system s { service a \"lab",
        ] {
            assert!(surroundings(text, text.len()).in_comment, "{text}");
        }
        assert!(!surroundings("system s { /* x */ ", 19).in_comment);
    }

    #[test]
    fn unpaired_brackets_are_errors_not_panics() {
        assert!(parse("system s {").is_err());
        assert!(parse("}").is_err());
        assert!(parse("a = [b}").is_err());
        assert!(parse(&"{".repeat(100)).is_err());
        for text in ["\"", "\"\\", "\"\\é", "/*", "a\r\rb", "\u{FEFF}x", "é->ü"] {
            let _ = parse(text);
        }
    }
}
