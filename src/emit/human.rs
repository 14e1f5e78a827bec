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

use super::escape::{is_hidden, visible, write_escape};
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
    crate::format::join_all(&[
        crate::format::count(summary.errors, "error"),
        crate::format::count(summary.warnings, "warning"),
        crate::format::count(summary.infos, "info"),
    ])
}

/// A diagnostic in miette's terms, with its source excerpt.
///
/// Every text of it (message, labels, help, notes, file names, the excerpt)
/// is shown with its hidden characters (controls, bidi overrides) escaped
/// (`emit::escape`), so a design cannot retitle, clear or rewrite the
/// terminal it is checked in.
struct Report<'s> {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Excerpt<'s>>,
    labels: Vec<LabeledSpan>,
}

fn shown(text: &str) -> String {
    visible(text).into_owned()
}

impl<'s> Report<'s> {
    fn new(diagnostic: &Diagnostic, sources: &'s SourceMap) -> Report<'s> {
        let mut help_lines: Vec<String> = diagnostic.help.iter().map(|help| shown(help)).collect();
        let mut labels = Vec::new();
        let mut source = None;
        if let Some(span) = diagnostic.span
            && let Some(file) = sources.get(span.file)
        {
            let window = Excerpt::window(file, span);
            let mut spans = vec![(span, diagnostic.label.as_deref(), true)];
            for label in &diagnostic.secondary {
                let same_window = label.span.file == span.file
                    && label.span.start as usize >= window.start
                    && (label.span.end as usize) <= window.end;
                if same_window {
                    spans.push((label.span, Some(label.message.as_str()), false));
                } else {
                    let location = sources.location(label.span);
                    help_lines.push(format!(
                        "note: {} at {}:{}:{}",
                        shown(&label.message),
                        shown(sources.name(label.span.file)),
                        location.line,
                        location.column
                    ));
                }
            }
            let ranges: Vec<(usize, usize)> = spans
                .iter()
                .map(|(span, _, _)| (span.start as usize, span.end as usize))
                .collect();
            let excerpt = Excerpt::new(file, window, &ranges);
            for (span, text, primary) in spans {
                let start = excerpt.shown_offset(span.start as usize);
                let len = excerpt.shown_offset(span.end as usize).saturating_sub(start);
                let text = text.map(shown);
                labels.push(if primary {
                    LabeledSpan::new_primary_with_span(text, SourceSpan::new(start.into(), len))
                } else {
                    LabeledSpan::new_with_span(text, SourceSpan::new(start.into(), len))
                });
            }
            source = Some(excerpt);
        }
        help_lines.extend(diagnostic.notes.iter().map(|note| format!("note: {}", visible(note))));
        let help = (!help_lines.is_empty()).then(|| help_lines.join("\n"));
        Report {
            message: shown(&diagnostic.message),
            code: shown(&diagnostic.code),
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

/// The source miette reads a report's snippets from: the lines around each
/// label (one segment per group of nearby labels), or, when the primary
/// span sits on a very long line, a window of that line (its line number
/// kept), so that a 1 MB line never floods the terminal.
///
/// Each segment is shown as the terminal will print it: hidden characters
/// (controls, bidi overrides) as their escapes (`\x1b`, `\u{202e}`), a lone
/// carriage return as the line break miette counts it as. The excerpt's
/// offsets are those of the shown text (every segment shifted by what the
/// escapes before it add), so labels still underline the text they point at,
/// and the column in the `file:line:column` header is the file's.
///
/// miette's own `SourceCode` for text counts lines from the start of the
/// file on every snippet, which over thousands of findings in a large file
/// is quadratic; this one builds only the lines its labels need, finds a
/// snippet's first line in the segment's line index and lets miette scan
/// only the snippet.
struct Excerpt<'s> {
    name: String,
    segments: Vec<Segment<'s>>,
}

/// Where labels may be drawn from, as a byte range of the file: the whole
/// file, or the window of a long line (`line` is that line, 0-based).
#[derive(Clone, Copy, Debug)]
struct Window {
    start: usize,
    end: usize,
    long_line: Option<usize>,
}

/// Some whole lines of a file (or the window of a long line), as shown.
struct Segment<'s> {
    /// Where the segment starts in the excerpt's (shown) offsets.
    start: usize,
    /// Where it starts in the file, and its 0-based line there.
    file_start: usize,
    first_line: usize,
    text: Cow<'s, str>,
    /// Where each line of `text` starts.
    line_starts: Vec<u32>,
    /// Each escaped character, in order, relative to the segment.
    escapes: Vec<Escaped>,
}

/// One hidden character: its bytes in the file and in the shown text.
#[derive(Clone, Copy, Debug)]
struct Escaped {
    file: usize,
    file_end: usize,
    shown: usize,
    shown_end: usize,
}

fn offset_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

impl<'s> Segment<'s> {
    fn new(file_text: &'s str, range: std::ops::Range<usize>, first_line: usize, start: usize) -> Segment<'s> {
        let raw = &file_text[range.clone()];
        let bytes = raw.as_bytes();
        let lone_cr = |idx: usize| bytes[idx] == b'\r' && bytes.get(idx + 1) != Some(&b'\n');
        let needs_change = raw
            .char_indices()
            .any(|(idx, c)| is_hidden(c) && (c != '\r' || lone_cr(idx)));
        let mut escapes = Vec::new();
        let text = if needs_change {
            let mut out = String::with_capacity(raw.len() + 16);
            for (idx, c) in raw.char_indices() {
                if c == '\r' {
                    out.push(if lone_cr(idx) { '\n' } else { '\r' });
                } else if is_hidden(c) {
                    let shown = out.len();
                    let _ = write_escape(&mut out, c);
                    escapes.push(Escaped {
                        file: idx,
                        file_end: idx + c.len_utf8(),
                        shown,
                        shown_end: out.len(),
                    });
                } else {
                    out.push(c);
                }
            }
            Cow::Owned(out)
        } else {
            Cow::Borrowed(raw)
        };
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, byte)| *byte == b'\n')
                .map(|(idx, _)| offset_u32(idx + 1)),
        );
        Segment {
            start,
            file_start: range.start,
            first_line,
            text,
            line_starts,
            escapes,
        }
    }

    /// The shown offset (relative) of a file offset (relative).
    fn shown_offset(&self, file: usize) -> usize {
        let before = self.escapes.partition_point(|escaped| escaped.file < file);
        match before.checked_sub(1).map(|idx| self.escapes[idx]) {
            Some(escaped) if file < escaped.file_end => escaped.shown,
            Some(escaped) => escaped.shown_end + (file - escaped.file_end),
            None => file,
        }
    }

    /// The file offset (relative) of a shown offset (relative); inside an
    /// escape, the escaped character's.
    fn file_offset(&self, shown: usize) -> usize {
        let before = self.escapes.partition_point(|escaped| escaped.shown < shown);
        match before.checked_sub(1).map(|idx| self.escapes[idx]) {
            Some(escaped) if shown < escaped.shown_end => escaped.file,
            Some(escaped) => escaped.file_end + (shown - escaped.shown_end),
            None => shown,
        }
    }
}

impl<'s> Excerpt<'s> {
    /// Where the labels of a diagnostic whose primary span is `span` may be.
    fn window(file: &SourceFile, span: Span) -> Window {
        let text: &str = &file.text;
        let start = (span.start as usize).min(text.len());
        let line = file.line_index(offset_u32(start));
        let line_start = file.line_starts()[line] as usize;
        let line_end = file
            .line_starts()
            .get(line + 1)
            .map_or(text.len(), |next| *next as usize - 1);
        if line_end - line_start <= MAX_SHOWN_LINE {
            return Window {
                start: 0,
                end: text.len(),
                long_line: None,
            };
        }
        let mut window_start = start.saturating_sub(MAX_SHOWN_LINE / 2).max(line_start);
        while !text.is_char_boundary(window_start) {
            window_start -= 1;
        }
        let mut window_end = (start + span.len().max(1) + MAX_SHOWN_LINE / 2).min(line_end);
        while !text.is_char_boundary(window_end) {
            window_end += 1;
        }
        Window {
            start: window_start,
            end: window_end,
            long_line: Some(line),
        }
    }

    /// The excerpt showing the byte ranges `labels` (inside `window`) with
    /// their context lines.
    fn new(file: &'s SourceFile, window: Window, labels: &[(usize, usize)]) -> Excerpt<'s> {
        let text: &'s str = &file.text;
        let name = shown(&file.name);
        if let Some(line) = window.long_line {
            let segment = Segment::new(text, window.start..window.end, line, window.start);
            return Excerpt {
                name,
                segments: vec![segment],
            };
        }
        let starts = file.line_starts();
        let last_line = starts.len() - 1;
        // Lines [first, last] each label needs, merged when close enough
        // that miette could draw them as one snippet.
        let mut lines: Vec<(usize, usize)> = labels
            .iter()
            .map(|&(start, end)| {
                let first = file.line_index(offset_u32(start.min(text.len())));
                let last = file.line_index(offset_u32(end.min(text.len())));
                (
                    first.saturating_sub(CONTEXT_LINES),
                    (last + CONTEXT_LINES).min(last_line),
                )
            })
            .collect();
        lines.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(lines.len());
        for (first, last) in lines {
            match merged.last_mut() {
                Some(previous) if first <= previous.1 + NEARBY_LINES + 2 * CONTEXT_LINES + 1 => {
                    previous.1 = previous.1.max(last);
                }
                _ => merged.push((first, last)),
            }
        }
        let mut segments: Vec<Segment<'s>> = Vec::with_capacity(merged.len());
        // What the escapes of the segments so far add to the shown text.
        let mut added = 0;
        for (first, last) in merged {
            let start = starts[first] as usize;
            let end = starts.get(last + 1).map_or(text.len(), |next| *next as usize);
            let segment = Segment::new(text, start..end, first, start + added);
            added += segment.text.len() - (end - start);
            segments.push(segment);
        }
        Excerpt { name, segments }
    }

    /// The shown offset of a file offset of a label.
    fn shown_offset(&self, file: usize) -> usize {
        let idx = self
            .segments
            .partition_point(|segment| segment.file_start <= file)
            .saturating_sub(1);
        match self.segments.get(idx) {
            Some(segment) => segment.start + segment.shown_offset(file.saturating_sub(segment.file_start)),
            None => file,
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
        let idx = self
            .segments
            .partition_point(|segment| segment.start <= span.offset())
            .checked_sub(1)
            .ok_or(MietteError::OutOfBounds)?;
        let segment = &self.segments[idx];
        let local = span.offset() - segment.start;
        if local + span.len() > segment.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let offset = u32::try_from(local).map_err(|_| MietteError::OutOfBounds)?;
        let line = match segment.line_starts.binary_search(&offset) {
            Ok(idx) => idx,
            Err(idx) => idx.saturating_sub(1),
        };
        let first = line.saturating_sub(context_lines_before);
        let window_start = segment.line_starts[first] as usize;
        let window = segment
            .text
            .as_bytes()
            .get(window_start..)
            .ok_or(MietteError::OutOfBounds)?;
        let within = SourceSpan::new((local - window_start).into(), span.len());
        let contents = window.read_span(&within, context_lines_before, context_lines_after)?;
        // miette's column counts the bytes before the span on its line (and
        // is 0 with context lines): the file's bytes, not the escapes'.
        let column = match contents.column() {
            0 => 0,
            column => segment.file_offset(local) - segment.file_offset(local.saturating_sub(column)),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            SourceSpan::new(
                (contents.span().offset() + window_start + segment.start).into(),
                contents.span().len(),
            ),
            contents.line() + first + segment.first_line,
            column,
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
        let window = Excerpt::window(file, Span::new(id, 0, 1));
        let excerpt = Excerpt::new(file, window, &[(0, text.len())]);
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

    /// A comment holding terminal escapes and a bidi override, and a
    /// diagnostic whose message, label and help carry them too: none reaches
    /// the terminal as it is, each is shown escaped, and the label still
    /// underlines `api` at the column `hld check --format json` gives.
    #[test]
    fn hidden_characters_are_shown_escaped_and_labels_stay_on_their_text() {
        let text = "system s {\n  // \x1b]0;PWNED\x07\x1b[2J \u{202e}evil\n  service \x1b[31m api\x7f \u{85}x\r y\n}\n";
        let mut sources = SourceMap::new();
        let file = sources.add("a\x1b.hld", text);
        let start = text.find("api").unwrap();
        let diagnostic = Diagnostic::error(codes::SYNTAX_ERROR, "bad \x1b[2J message")
            .at(Span::new(file, start, start + 3))
            .with_label("here\x07")
            .with_help("fix \u{202e}it")
            .with_note("note \x1b");
        let out = render(&diagnostic, &sources, Style::default());
        assert!(!out.chars().any(|c| is_hidden(c) && c != '\n'), "{out:?}");
        for expected in [
            "// \\x1b]0;PWNED\\x07\\x1b[2J \\u{202e}evil",
            "bad \\x1b[2J message",
            "here\\x07",
            "fix \\u{202e}it",
            "note \\x1b",
            "a\\x1b.hld:3:17",
        ] {
            assert!(out.contains(expected), "{expected} in {out}");
        }
        // The lone carriage return is shown as the line break miette
        // counts it as, the line numbers after it as before.
        assert!(out.contains("service \\x1b[31m api\\x7f \\u{85}x\n"), "{out}");
        // The caret is under `api`, whose column in the shown line is
        // after the four characters `\x1b`.
        let line = out.lines().find(|line| line.contains("service \\x1b")).unwrap();
        let marks = out.lines().find(|line| line.contains('┬')).unwrap();
        let column_of = |line: &str, byte: usize| line[..byte].chars().count();
        assert_eq!(
            column_of(line, line.find(" api").unwrap() + 1),
            column_of(marks, marks.find('─').unwrap()),
            "{out}"
        );
        assert_eq!(sources.location(Span::new(file, start, start + 3)).column, 17);
    }

    /// Shown offsets and file offsets map both ways across escapes and
    /// segments; an escape maps back to its character.
    #[test]
    fn segments_map_offsets_both_ways() {
        let mut text = String::new();
        for idx in 0..40 {
            text.push_str(&format!("  s{idx} \x1b\u{202e}x\n"));
        }
        let mut sources = SourceMap::new();
        let id = sources.add("a.hld", text.clone());
        let file = sources.get(id).unwrap();
        let window = Excerpt::window(file, Span::new(id, 0, 1));
        let first = text.find("s3 ").unwrap();
        let second = text.find("s30 ").unwrap();
        let excerpt = Excerpt::new(file, window, &[(first, first + 2), (second, second + 3)]);
        assert_eq!(excerpt.segments.len(), 2);
        for segment in &excerpt.segments {
            let len = segment.escapes.last().map_or(0, |last| last.file_end);
            for (offset, _) in text[segment.file_start..]
                .char_indices()
                .take_while(|(idx, _)| *idx <= len)
            {
                let shown = segment.shown_offset(offset);
                assert_eq!(segment.file_offset(shown), offset);
            }
            assert!(!segment.text.chars().any(|c| is_hidden(c) && c != '\n'));
        }
        let shown = excerpt.shown_offset(second);
        let segment = &excerpt.segments[1];
        assert_eq!(&segment.text[shown - segment.start..][..3], "s30");
    }
}
