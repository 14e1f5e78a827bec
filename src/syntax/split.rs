//! Cuts a file into declarations before pest sees it.
//!
//! pest has no error recovery and recurses once per nesting level, so the
//! parser never gets a whole file: this scanner walks the text once, without
//! recursion, tracking strings, comments and brackets, and returns the ranges
//! of the top-level declarations. `system` and `region` blocks are opened
//! here and their bodies cut the same way. A declaration ends at a line break
//! outside brackets, or at the `}` that closes its container.
//!
//! The scanner also enforces the nesting limit, so that deep input is an error
//! instead of a stack overflow in pest or in the syntax tree's destructor.

use std::ops::Range;

/// Brackets (`{` and `[`) one declaration may nest. The deepest real construct
/// is three levels (`flow f { slo = { p99 = 1ms } }`).
pub const MAX_NESTING: usize = 32;

/// How many `system`/`region` blocks may enclose each other. Regions sit in a
/// system, and nothing sits in a region, so two is enough; one more level lets
/// the resolver say "regions cannot be nested" instead of a syntax error.
pub const MAX_CONTAINER_NESTING: usize = 3;

#[derive(Debug, PartialEq)]
pub enum Node {
    /// One declaration to parse with the grammar's `member` rule.
    Decl(Range<usize>),
    /// `system`/`region` header (up to and including `{`), its body, and the
    /// offset of its closing `}` (None when the file ends first).
    Container {
        header: Range<usize>,
        body: Vec<Node>,
        close: Option<usize>,
    },
}

#[derive(Debug, PartialEq)]
pub struct SplitError {
    pub range: Range<usize>,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
}

#[derive(Debug, Default)]
pub struct Split {
    pub nodes: Vec<Node>,
    pub errors: Vec<SplitError>,
}

struct OpenContainer {
    header: Range<usize>,
    body: Vec<Node>,
}

/// The declaration being collected.
#[derive(Default)]
struct Pending {
    start: Option<usize>,
    end: usize,
    /// The first word, to recognise `system` and `region` headers.
    first_word: Range<usize>,
    /// Offsets of the brackets open in this declaration (at most MAX_NESTING
    /// are kept; `depth` counts all of them).
    open: Vec<usize>,
    depth: usize,
    /// Already reported (too deep): do not parse it.
    poisoned: bool,
}

impl Pending {
    fn touch(&mut self, range: Range<usize>) {
        if self.start.is_none() {
            self.start = Some(range.start);
        }
        self.end = range.end;
    }
}

pub fn split(text: &str) -> Split {
    let bytes = text.as_bytes();
    let mut out = Split::default();
    let mut stack: Vec<OpenContainer> = Vec::new();
    let mut root: Vec<Node> = Vec::new();
    let mut pending = Pending::default();
    let mut pos = 0;

    // Ends the pending declaration and adds it to the innermost container.
    fn finish(
        bytes: &[u8],
        pending: &mut Pending,
        stack: &mut [OpenContainer],
        root: &mut Vec<Node>,
        errors: &mut Vec<SplitError>,
    ) {
        let Some(start) = pending.start else {
            *pending = Pending::default();
            return;
        };
        if pending.depth > 0 && !pending.poisoned {
            let open = pending.open.last().copied().unwrap_or(start);
            let closing = if bytes.get(open) == Some(&b'[') { "]" } else { "}" };
            errors.push(SplitError {
                range: open..open + 1,
                message: "this bracket is never closed".to_string(),
                label: "opened here".to_string(),
                help: Some(format!("add the matching `{closing}`")),
            });
            pending.poisoned = true;
        }
        if !pending.poisoned {
            let body = match stack.last_mut() {
                Some(container) => &mut container.body,
                None => root,
            };
            body.push(Node::Decl(start..pending.end));
        }
        *pending = Pending::default();
    }

    while pos < bytes.len() {
        let byte = bytes[pos];
        match byte {
            b' ' | b'\t' => pos += 1,
            // A byte order mark, at the start or pasted anywhere: whitespace,
            // as in the grammar.
            0xEF if bytes.get(pos + 1..pos + 3) == Some(&[0xBB, 0xBF]) => pos += 3,
            b'\r' | b'\n' => {
                let len = if byte == b'\r' && bytes.get(pos + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                if pending.depth == 0 {
                    finish(bytes, &mut pending, &mut stack, &mut root, &mut out.errors);
                }
                pos += len;
            }
            b'/' if bytes.get(pos + 1) == Some(&b'/') => {
                while pos < bytes.len() && bytes[pos] != b'\n' && bytes[pos] != b'\r' {
                    pos += 1;
                }
            }
            b'/' if bytes.get(pos + 1) == Some(&b'*') => match find(bytes, pos + 2, b"*/") {
                Some(end) => {
                    // Inside a declaration the comment is part of it; between
                    // declarations it is skipped.
                    if pending.start.is_some() {
                        pending.touch(pos..end + 2);
                    }
                    pos = end + 2;
                }
                None => {
                    out.errors.push(SplitError {
                        range: pos..pos + 2,
                        message: "this block comment is never closed".to_string(),
                        label: "opened here".to_string(),
                        help: Some("end it with `*/`".to_string()),
                    });
                    pending.poisoned = true;
                    pos = bytes.len();
                }
            },
            b'"' => {
                let start = pos;
                pos += 1;
                let mut closed = false;
                while pos < bytes.len() {
                    match bytes[pos] {
                        b'\\' if pos + 1 < bytes.len() && !matches!(bytes[pos + 1], b'\n' | b'\r') => pos += 2,
                        b'"' => {
                            pos += 1;
                            closed = true;
                            break;
                        }
                        b'\n' | b'\r' => break,
                        _ => pos += 1,
                    }
                }
                if !closed {
                    out.errors.push(SplitError {
                        range: start..pos,
                        message: "this string is never closed".to_string(),
                        label: "string starts here".to_string(),
                        help: Some("end it with `\"` on the same line (write a line break as \\n)".to_string()),
                    });
                    pending.poisoned = true;
                }
                pending.touch(start..pos);
            }
            b'{' | b'[' => {
                let is_container_header = byte == b'{'
                    && pending.depth == 0
                    && pending.start.is_some()
                    && matches!(&text[pending.first_word.clone()], "system" | "region");
                if is_container_header && stack.len() < MAX_CONTAINER_NESTING && !pending.poisoned {
                    let start = pending.start.unwrap_or(pos);
                    stack.push(OpenContainer {
                        header: start..pos + 1,
                        body: Vec::new(),
                    });
                    pending = Pending::default();
                    pos += 1;
                    continue;
                }
                if is_container_header && !pending.poisoned {
                    out.errors.push(SplitError {
                        range: pending.first_word.clone(),
                        message: format!("blocks nest more than {MAX_CONTAINER_NESTING} deep here"),
                        label: "too deep".to_string(),
                        help: Some("a region belongs directly in the system block".to_string()),
                    });
                    pending.poisoned = true;
                }
                pending.touch(pos..pos + 1);
                pending.depth += 1;
                if pending.depth <= MAX_NESTING {
                    pending.open.push(pos);
                } else if !pending.poisoned {
                    out.errors.push(SplitError {
                        range: pos..pos + 1,
                        message: format!("brackets nest more than {MAX_NESTING} levels deep"),
                        label: "too deep".to_string(),
                        help: Some("no hld construct nests this deep: look for a missing `}`".to_string()),
                    });
                    pending.poisoned = true;
                }
                pos += 1;
            }
            b'}' | b']' => {
                if pending.depth > 0 {
                    pending.touch(pos..pos + 1);
                    if pending.depth <= MAX_NESTING {
                        pending.open.pop();
                    }
                    pending.depth -= 1;
                    pos += 1;
                } else if byte == b'}' {
                    finish(bytes, &mut pending, &mut stack, &mut root, &mut out.errors);
                    match stack.pop() {
                        Some(container) => {
                            let node = Node::Container {
                                header: container.header,
                                body: container.body,
                                close: Some(pos),
                            };
                            match stack.last_mut() {
                                Some(parent) => parent.body.push(node),
                                None => root.push(node),
                            }
                        }
                        None => out.errors.push(SplitError {
                            range: pos..pos + 1,
                            message: "unexpected `}`".to_string(),
                            label: "nothing to close".to_string(),
                            help: Some("remove it, or look for a block closed twice".to_string()),
                        }),
                    }
                    pos += 1;
                } else {
                    // A stray `]`: part of the declaration, for pest to report.
                    pending.touch(pos..pos + 1);
                    pos += 1;
                }
            }
            _ => {
                let start = pos;
                if is_word_byte(byte) {
                    while pos < bytes.len() && is_word_byte(bytes[pos]) {
                        pos += 1;
                    }
                    if pending.start.is_none() {
                        pending.first_word = start..pos;
                    }
                } else {
                    // One character (which may be several bytes).
                    pos += text[pos..].chars().next().map_or(1, char::len_utf8);
                }
                pending.touch(start..pos);
            }
        }
    }
    finish(bytes, &mut pending, &mut stack, &mut root, &mut out.errors);
    while let Some(container) = stack.pop() {
        let header_end = container.header.end;
        out.errors.push(SplitError {
            range: header_end.saturating_sub(1)..header_end,
            message: "this block is never closed".to_string(),
            label: "opened here".to_string(),
            help: Some("add the matching `}` at the end".to_string()),
        });
        let node = Node::Container {
            header: container.header,
            body: container.body,
            close: None,
        };
        match stack.last_mut() {
            Some(parent) => parent.body.push(node),
            None => root.push(node),
        }
    }
    out.nodes = root;
    out
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|idx| idx + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls(text: &str, nodes: &[Node]) -> Vec<String> {
        let mut out = Vec::new();
        for node in nodes {
            match node {
                Node::Decl(range) => out.push(text[range.clone()].to_string()),
                Node::Container { header, body, .. } => {
                    out.push(format!("<{}>", &text[header.clone()]));
                    out.extend(decls(text, body));
                    out.push("</>".to_string());
                }
            }
        }
        out
    }

    #[test]
    fn cuts_declarations_at_line_breaks_outside_brackets() {
        let text = "import \"a.hld\"\nsystem s \"x\" {\n  client c { rps = 1,\n  x = 2 } // hi\n  a -> b\n  region r { service s }\n}\n";
        let split = super::split(text);
        assert_eq!(split.errors, vec![]);
        assert_eq!(
            decls(text, &split.nodes),
            vec![
                "import \"a.hld\"",
                "<system s \"x\" {>",
                "client c { rps = 1,\n  x = 2 }",
                "a -> b",
                "<region r {>",
                "service s",
                "</>",
                "</>"
            ]
        );
    }

    #[test]
    fn strings_and_comments_hide_brackets() {
        let text = "system s {\n service a \"{ not a block\" /* { */ { x = \"}\" }\n}";
        let split = super::split(text);
        assert_eq!(split.errors, vec![]);
        assert_eq!(
            decls(text, &split.nodes)[1],
            "service a \"{ not a block\" /* { */ { x = \"}\" }"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_without_recursion() {
        let text = format!("system s {{\n service a {}\n}}", "{".repeat(100_000));
        let split = super::split(&text);
        assert!(split.errors[0].message.contains("nest more than"));
        let text = "region r {\n".repeat(10_000);
        let split = super::split(&text);
        assert!(!split.errors.is_empty());
    }

    #[test]
    fn unclosed_blocks_and_strings_are_reported() {
        let split = super::split("system s {\n service a { x = 1\n");
        let messages: Vec<_> = split.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            vec!["this bracket is never closed", "this block is never closed"]
        );
        let split = super::split("system s {\n service a \"oops\n}");
        assert_eq!(split.errors[0].message, "this string is never closed");
    }
}
