//! The human format of diagnostics: miette's graphical reports (source
//! excerpt, underlined span, labels, help), one per diagnostic, then a
//! summary line.
//!
//! This is the only module that knows miette; every stage hands it our own
//! [`Diagnostic`].

use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::diagnostics::{Diagnostic, Severity, Summary};
use crate::source::{SourceMap, Span};

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
struct Report {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
}

impl Report {
    fn new(diagnostic: &Diagnostic, sources: &SourceMap) -> Report {
        let mut help_lines: Vec<String> = diagnostic.help.iter().cloned().collect();
        let mut labels = Vec::new();
        let mut source = None;
        if let Some(span) = diagnostic.span
            && let Some(file) = sources.get(span.file)
        {
            let (text, shift) = excerpt(&file.text, span);
            let primary = LabeledSpan::new_primary_with_span(
                diagnostic.label.clone(),
                SourceSpan::new((span.start as usize - shift).into(), span.len()),
            );
            labels.push(primary);
            for label in &diagnostic.secondary {
                let same_window = label.span.file == span.file
                    && label.span.start as usize >= shift
                    && (label.span.end as usize) <= shift + text.len();
                if same_window {
                    labels.push(LabeledSpan::new_with_span(
                        Some(label.message.clone()),
                        SourceSpan::new((label.span.start as usize - shift).into(), label.span.len()),
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
            source = Some(NamedSource::new(file.name.clone(), text));
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

/// The file's text, or for a very long line a window of it around the span
/// with the same line numbers (earlier lines are kept, the long line is cut).
/// Returns the text and how many bytes were cut before the span's line part.
fn excerpt(text: &Arc<str>, span: Span) -> (Arc<str>, usize) {
    let start = span.start as usize;
    let line_start = text
        .get(..start)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |idx| idx + 1);
    let line_end = text
        .get(start..)
        .and_then(|after| after.find('\n'))
        .map_or(text.len(), |idx| start + idx);
    if line_end - line_start <= MAX_SHOWN_LINE {
        return (Arc::clone(text), 0);
    }
    // Keep the lines before (for line numbers), then a window of the long line.
    let mut window_start = start.saturating_sub(MAX_SHOWN_LINE / 2).max(line_start);
    while !text.is_char_boundary(window_start) {
        window_start -= 1;
    }
    let mut window_end = (start + span.len().max(1) + MAX_SHOWN_LINE / 2).min(line_end);
    while !text.is_char_boundary(window_end) {
        window_end += 1;
    }
    let mut cut = String::with_capacity(line_start + (window_end - window_start));
    cut.push_str(text.get(..line_start).unwrap_or(""));
    cut.push_str(text.get(window_start..window_end).unwrap_or(""));
    (Arc::from(cut), window_start - line_start)
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
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
}
