//! The diagnostic every stage produces: syntax and resolution errors, rule
//! findings and limits all take this one shape, so every output format
//! (human, JSON, SARIF, GitHub annotations) renders them alike.
//!
//! Stages collect diagnostics as data and never print; `emit` renders them and
//! `cli` decides the exit code.

use std::fmt;

use crate::model::{Fix, Target};
use crate::source::{SourceMap, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Codes of the errors that are not rules: they stop the compilation (exit
/// code 2) and `allow` cannot suppress them (rules.md, "Resolution").
pub mod codes {
    pub const SYNTAX_ERROR: &str = "syntax-error";
    pub const UNKNOWN_REFERENCE: &str = "unknown-reference";
    pub const UNKNOWN_PROPERTY: &str = "unknown-property";
    pub const UNKNOWN_KIND: &str = "unknown-kind";
    pub const INVALID_VALUE: &str = "invalid-value";
    pub const DUPLICATE_ID: &str = "duplicate-id";
    pub const INVALID_FLOW: &str = "invalid-flow";
    pub const IMPORT_ERROR: &str = "import-error";
    pub const LIMIT_EXCEEDED: &str = "limit-exceeded";
    pub const IO_ERROR: &str = "io-error";
    pub const CONFIG_ERROR: &str = "config-error";
    pub const INTERNAL_ERROR: &str = "internal-error";
    /// A wrong command line: conflicting flags, a flow or component that
    /// is not in the design.
    pub const USAGE_ERROR: &str = "usage-error";
}

/// A secondary source location with a short phrase: the declaration that
/// causes a finding, the first definition of a duplicate id.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// A rule name (`single-point-of-failure`) or an error code (`syntax-error`).
    pub code: String,
    pub severity: Severity,
    /// Lowercase, one clause, no final period (docs/architecture.md, "Diagnostics").
    pub message: String,
    /// The primary location; absent only for errors about a whole input that
    /// has no text (an unreadable file, a bad command line).
    pub span: Option<Span>,
    /// The short phrase under the primary span.
    pub label: Option<String>,
    pub secondary: Vec<Label>,
    /// One imperative fix, in the language's own terms.
    pub help: Option<String>,
    pub notes: Vec<String>,
    /// What the finding is about: a component id, `A -> B`, or `flow NAME`.
    pub subject: Option<String>,
    /// The same, typed: a rule finding's component, link or flow. Outputs
    /// read this, never the subject string.
    pub target: Option<Target>,
    /// The rule's fix (`verified` once re-checked, see `crate::fix`).
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new(code: impl Into<String>, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            code: code.into(),
            severity,
            message: message.into(),
            span: None,
            label: None,
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
            subject: None,
            target: None,
            fix: None,
        }
    }

    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic::new(code, Severity::Error, message)
    }

    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// The message with its help and notes on lines of their own, for the
    /// formats that carry one text per finding (SARIF, GitHub annotations).
    pub fn full_text(&self) -> String {
        let mut text = self.message.clone();
        if let Some(help) = &self.help {
            text.push_str("\nhelp: ");
            text.push_str(help);
        }
        for note in &self.notes {
            text.push_str("\nnote: ");
            text.push_str(note);
        }
        text
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_optional_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// A verified fix, if any.
    pub fn verified_fix(&self) -> Option<&Fix> {
        self.fix.as_ref().filter(|fix| fix.verified)
    }

    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
}

/// Sorts diagnostics by file name, line, column, then code and message, so
/// output is byte-identical from run to run (rules.md).
pub fn sort(diagnostics: &mut [Diagnostic], sources: &SourceMap) {
    diagnostics.sort_by(|a, b| sort_key(a, sources).cmp(&sort_key(b, sources)));
}

fn sort_key<'a>(
    diagnostic: &'a Diagnostic,
    sources: &'a SourceMap,
) -> (&'a str, u32, u32, &'a str, &'a str, Option<&'a str>) {
    let (file, start, end) = match diagnostic.span {
        Some(span) => (sources.name(span.file), span.start, span.end),
        None => ("", 0, 0),
    };
    (
        file,
        start,
        end,
        diagnostic.code.as_str(),
        diagnostic.message.as_str(),
        diagnostic.subject.as_deref(),
    )
}

/// Counts per severity, for summaries and exit codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) -> Summary {
        let mut summary = Summary::default();
        for diagnostic in diagnostics {
            summary.add(diagnostic.severity);
        }
        summary
    }

    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }

    pub fn merge(&mut self, other: Summary) {
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
    }
}

/// The closest candidate by edit distance, for "did you mean" help lines.
/// Case differences count as close (`Postgres` → `postgres`).
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let score = if candidate.eq_ignore_ascii_case(word) {
            1.0
        } else {
            let by_chars = strsim::normalized_damerau_levenshtein(&lower, &candidate.to_ascii_lowercase());
            // A prefix (`least_connection` for `least_connections`) is close
            // even when the word is long.
            let by_prefix = if candidate.starts_with(&lower) || lower.starts_with(candidate) {
                0.75
            } else {
                0.0
            };
            by_chars.max(by_prefix)
        };
        if score >= 0.6 && best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// `did you mean `x`?` or nothing.
pub fn did_you_mean_help<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    did_you_mean(word, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

/// `a, b or c` with backticks, for "expected one of" helps.
pub fn one_of(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|value| format!("`{value}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_close_words() {
        let kinds = ["service", "database", "cache"];
        assert_eq!(did_you_mean("databse", kinds), Some("database"));
        assert_eq!(did_you_mean("Service", kinds), Some("service"));
        assert_eq!(did_you_mean("zebra", kinds), None);
        let algorithms = ["round_robin", "least_connections", "ip_hash"];
        assert_eq!(did_you_mean("least_connection", algorithms), Some("least_connections"));
        assert_eq!(did_you_mean("user_db", ["users_db", "lb", "api"]), Some("users_db"));
        assert_eq!(did_you_mean("cache2", ["cache1", "users"]), Some("cache1"));
    }

    #[test]
    fn one_of_joins_with_or() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
