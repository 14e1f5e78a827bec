//! The human format of diagnostics: miette's graphical reports (source
//! excerpt, underlined span, labels, help), one per diagnostic, then a
//! summary line.
//!
//! This is the only module that knows miette; every stage hands it our own
//! [`Diagnostic`].

use std::borrow::Cow;
use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceSpan, SpanContents,
};

use crate::diagnostics::{Diagnostic, Severity, Summary};
use crate::source::{SourceFile, SourceMap, Span};

/// How reports are drawn.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    /// Terminal width to wrap at.
    pub width: usize,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            color: false,
            width: 100,
        }
    }
}

/// Longest source line shown as is; longer lines are cut around the span so
/// that a 1 MB line never floods the terminal.
const MAX_SHOWN_LINE: usize = 400;

/// Lines shown before and after each labelled line.
const CONTEXT_LINES: usize = 1;

/// Labels whose snippets are at most this many lines apart share one.
const NEARBY_LINES: usize = 4;

/// Renders one diagnostic as miette draws it.
pub fn render(diagnostic: &Diagnostic, sources: &SourceMap, style: Style) -> String {
    let report = Report::new(diagnostic, sources);
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_context_lines(CONTEXT_LINES)
        .without_syntax_highlighting();
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // A formatting failure is not worth losing the diagnostic over.
        out = format!("{}: {}\n", diagnostic.severity, diagnostic.message);
    }
    out
}

/// `2 errors, 1 warning and 0 infos` (or `no findings`).
pub fn summary_line(summary: Summary) -> String {
    if summary == Summary::default() {
        return "no findings".to_string();
    }
    format!(
        "{}, {} and {}",
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.infos, "info")
    )
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// A diagnostic in miette's terms, with its source excerpt.
struct Report<'s> {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Excerpt<'s>>,
    labels: Vec<LabeledSpan>,
}

impl<'s> Report<'s> {
    fn new(diagnostic: &Diagnostic, sources: &'s SourceMap) -> Report<'s> {
        let mut help_lines: Vec<String> = diagnostic.help.iter().cloned().collect();
        let mut labels = Vec::new();
        let mut source = None;
        if let Some(span) = diagnostic.span
            && let Some(file) = sources.get(span.file)
        {
            let excerpt = Excerpt::around(file, span);
            let primary = LabeledSpan::new_primary_with_span(
                diagnostic.label.clone(),
                SourceSpan::new((span.start as usize - excerpt.shift).into(), span.len()),
            );
            labels.push(primary);
            for label in &diagnostic.secondary {
                let same_window = label.span.file == span.file
                    && label.span.start as usize >= excerpt.shift
                    && (label.span.end as usize) <= excerpt.shift + excerpt.text.len();
                if same_window {
                    labels.push(LabeledSpan::new_with_span(
                        Some(label.message.clone()),
                        SourceSpan::new((label.span.start as usize - excerpt.shift).into(), label.span.len()),
                    ));
                } else {
                    let location = sources.location(label.span);
                    help_lines.push(format!(
                        "note: {} at {}:{}:{}",
                        label.message,
                        sources.name(label.span.file),
                        location.line,
                        location.column
                    ));
                }
            }
            source = Some(excerpt);
        }
        help_lines.extend(diagnostic.notes.iter().map(|note| format!("note: {note}")));
        let help = (!help_lines.is_empty()).then(|| help_lines.join("\n"));
        Report {
            message: diagnostic.message.clone(),
            code: diagnostic.code.clone(),
            severity: match diagnostic.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            },
            help,
            source,
            labels,
        }
    }
}

/// The source miette reads a report's snippets from: the whole file with
/// its line index, or, when the span sits on a very long line, a window of
/// that line (its line number kept), so that a 1 MB line never floods the
/// terminal.
///
/// miette's own `SourceCode` for text counts lines from the start of the
/// file on every snippet, which over thousands of findings in a large file
/// is quadratic; this one finds the snippet's first line in the line index
/// and lets miette scan only the snippet.
struct Excerpt<'s> {
    name: &'s str,
    text: Cow<'s, str>,
    /// Where each line of `text` starts.
    line_starts: Cow<'s, [u32]>,
    /// The 0-based line number of `text`'s first line.
    first_line: usize,
    /// How many bytes of the file come before `text`.
    shift: usize,
}

impl<'s> Excerpt<'s> {
    fn around(file: &'s SourceFile, span: Span) -> Excerpt<'s> {
        // miette draws a lone CR as part of its line; the LF copy has the
        // same offsets and ends the line there, as the line index does.
        let text: &'s str = file.lf_text();
        let line = file.line_index(span.start);
        let line_start = file.line_starts()[line] as usize;
        let line_end = file
            .line_starts()
            .get(line + 1)
            .map_or(text.len(), |next| *next as usize - 1);
        if line_end - line_start <= MAX_SHOWN_LINE {
            return Excerpt {
                name: &file.name,
                text: Cow::Borrowed(text),
                line_starts: Cow::Borrowed(file.line_starts()),
                first_line: 0,
                shift: 0,
            };
        }
        let start = span.start as usize;
        let mut window_start = start.saturating_sub(MAX_SHOWN_LINE / 2).max(line_start);
        while !text.is_char_boundary(window_start) {
            window_start -= 1;
        }
        let mut window_end = (start + span.len().max(1) + MAX_SHOWN_LINE / 2).min(line_end);
        while !text.is_char_boundary(window_end) {
            window_end += 1;
        }
        Excerpt {
            name: &file.name,
            text: Cow::Owned(text[window_start..window_end].to_string()),
            line_starts: Cow::Owned(vec![0]),
            first_line: line,
            shift: window_start,
        }
    }
}

impl miette::SourceCode for Excerpt<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let offset = u32::try_from(span.offset()).map_err(|_| MietteError::OutOfBounds)?;
        let line = match self.line_starts.binary_search(&offset) {
            Ok(idx) => idx,
            Err(idx) => idx.saturating_sub(1),
        };
        let first = line.saturating_sub(context_lines_before);
        let window_start = self.line_starts[first] as usize;
        let window = self
            .text
            .as_bytes()
            .get(window_start..)
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - window_start).into(), span.len());
        let contents = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            contents.data(),
            SourceSpan::new((contents.span().offset() + window_start).into(), contents.span().len()),
            contents.line() + first + self.first_line,
            contents.column(),
            // miette reads `line_count` only to decide whether two labels
            // share a snippet (when the first's `line + line_count` reaches
            // the second's line). Its own scan counts every line from the
            // file's start, which in a large file drew one snippet of
            // thousands of lines for two labels far apart; we give the
            // lines the snippet covers plus `NEARBY_LINES`, so labels a few
            // lines apart still share one snippet.
            contents.line_count() + NEARBY_LINES,
        )))
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|source| source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::codes;

    #[test]
    fn renders_span_label_and_help() {
        let mut sources = SourceMap::new();
        let file = sources.add("a.hld", "system s {\n  service api { replica = 2 }\n}\n");
        let diagnostic = Diagnostic::error(codes::UNKNOWN_PROPERTY, "unknown property `replica` for a service")
            .at(Span::new(file, 27, 34))
            .with_label("unknown property")
            .with_help("did you mean `replicas`?");
        let out = render(&diagnostic, &sources, Style::default());
        assert!(out.contains("a.hld:2:17"), "{out}");
        assert!(out.contains("unknown property `replica` for a service"), "{out}");
        assert!(out.contains("did you mean `replicas`?"), "{out}");
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let mut sources = SourceMap::new();
        let line = format!("system s {{ {} }}", "x ".repeat(500_000));
        let file = sources.add("big.hld", line);
        let diagnostic = Diagnostic::error(codes::SYNTAX_ERROR, "bad").at(Span::new(file, 500_000, 500_001));
        let out = render(&diagnostic, &sources, Style::default());
        assert!(out.len() < 5_000, "{}", out.len());
        assert!(out.contains("big.hld:1:"), "{out}");
    }

    /// The indexed excerpt gives miette exactly the snippet miette's own
    /// whole-text scan gives, for every span and the context sizes we ask
    /// for (`CONTEXT_LINES`; with no context at all, miette's scan takes an
    /// empty span at a line start for an empty snippet, the excerpt for the
    /// line's first character).
    #[test]
    fn excerpt_snippets_match_miettes_whole_text_scan() {
        let text = "system s {\n  service a\r\n\n  cache c : redis { ttl = 5m }\n  a -> c\n}\nlast";
        let mut sources = SourceMap::new();
        let id = sources.add("a.hld", text);
        let file = sources.get(id).unwrap();
        let excerpt = Excerpt::around(file, Span::new(id, 0, 1));
        for start in 0..text.len() {
            for len in 0..4.min(text.len() - start) {
                for context in 1..4 {
                    let span = SourceSpan::new(start.into(), len);
                    let ours = miette::SourceCode::read_span(&excerpt, &span, context, context).unwrap();
                    let theirs = miette::SourceCode::read_span(text, &span, context, context).unwrap();
                    let at = format!("span {start}+{len}, context {context}");
                    assert_eq!(ours.data(), theirs.data(), "{at}");
                    assert_eq!(ours.span(), theirs.span(), "{at}");
                    assert_eq!(ours.line(), theirs.line(), "{at}");
                    assert_eq!(ours.column(), theirs.column(), "{at}");
                    // miette counts lines from the file's start; ours are
                    // the snippet's own, plus the merging distance.
                    let before = text[..theirs.span().offset()].matches('\n').count();
                    assert_eq!(ours.line_count(), theirs.line_count() - before + NEARBY_LINES, "{at}");
                }
            }
        }
    }

    /// Two labels far apart get a snippet each, not one snippet of every
    /// line between them.
    #[test]
    fn distant_labels_get_a_snippet_each() {
        let mut text = String::new();
        for idx in 0..3_000 {
            text.push_str(&format!("  service s{idx}\n"));
        }
        let mut sources = SourceMap::new();
        let first = text.find("s1000\n").unwrap();
        let second = text.find("s1700\n").unwrap();
        let file = sources.add("big.hld", text);
        let diagnostic = Diagnostic::error(codes::SYNTAX_ERROR, "far apart")
            .at(Span::new(file, first, first + 5))
            .with_label("here")
            .with_secondary(Span::new(file, second, second + 5), "and there");
        let out = render(&diagnostic, &sources, Style::default());
        assert!(out.lines().count() < 30, "{out}");
        assert!(out.contains("1001 │   service s1000"), "{out}");
        assert!(out.contains("1701 │   service s1700"), "{out}");
        assert!(!out.contains("service s1400"), "{out}");
    }

    /// A finding deep in a large file is drawn with its own line number.
    #[test]
    fn late_spans_keep_their_line_numbers() {
        let mut text = String::new();
        for idx in 0..5_000 {
            text.push_str(&format!("  service s{idx}\n"));
        }
        let mut sources = SourceMap::new();
        let start = text.find("s4321").unwrap();
        let file = sources.add("big.hld", text);
        let diagnostic = Diagnostic::error(codes::SYNTAX_ERROR, "late").at(Span::new(file, start, start + 5));
        let out = render(&diagnostic, &sources, Style::default());
        assert!(out.contains("big.hld:4322:11"), "{out}");
        assert!(out.contains("4321 │   service s4320"), "{out}");
    }
}
