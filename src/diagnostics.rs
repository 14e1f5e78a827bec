//! The diagnostic every stage produces: syntax and resolution errors, rule
//! findings and limits all take this one shape, so every output format
//! (human, JSON, SARIF, GitHub annotations) renders them alike.
//!
//! Stages collect diagnostics as data and never print; `emit` renders them and
//! `cli` decides the exit code.

use std::fmt;

use crate::model::edit::{Fix, Target};
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

/// Diagnostics collected with a cap per file: the first `max_per_file` of
/// each file in the order of [`sort`] are kept, the rest only counted, so
/// memory stays bounded whatever the input holds (two million duplicate
/// links are two million errors, of which 100 are shown) and the count
/// stays exact. Keeps the same diagnostics as collecting them all, sorting
/// and cutting (ties in the sort keep the order they came in).
pub struct BoundedDiagnostics<P = ()> {
    max_per_file: usize,
    /// Per file (`u32::MAX`: no span), the kept ones, worst on top.
    files: Vec<(u32, std::collections::BinaryHeap<Ranked<P>>)>,
    /// Per file, how many were dropped.
    dropped: Vec<(u32, usize)>,
    /// The last one pushed, still open for changes ([`Self::last_mut`]).
    staged: Option<(Diagnostic, Option<P>)>,
    sequence: u64,
    errors: usize,
}

/// A kept diagnostic with its place in the sort order, and what its owner
/// still has to fill in (a deferred help).
pub struct Ranked<P> {
    pub diagnostic: Diagnostic,
    pub pending: Option<P>,
    sequence: u64,
}

impl<P> Ranked<P> {
    fn key(&self) -> (u32, u32, &str, &str, Option<&str>, u64) {
        let d = &self.diagnostic;
        let (start, end) = d.span.map_or((0, 0), |span| (span.start, span.end));
        (
            start,
            end,
            d.code.as_str(),
            d.message.as_str(),
            d.subject.as_deref(),
            self.sequence,
        )
    }
}

impl<P> PartialEq for Ranked<P> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl<P> Eq for Ranked<P> {}

impl<P> PartialOrd for Ranked<P> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<P> Ord for Ranked<P> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl<P> BoundedDiagnostics<P> {
    pub fn new(max_per_file: usize) -> Self {
        BoundedDiagnostics {
            max_per_file,
            files: Vec::new(),
            dropped: Vec::new(),
            staged: None,
            sequence: 0,
            errors: 0,
        }
    }

    /// Adds a diagnostic; it stays open to changes until the next push.
    pub fn push(&mut self, diagnostic: Diagnostic) -> &mut Diagnostic {
        self.flush();
        if diagnostic.severity == Severity::Error {
            self.errors += 1;
        }
        &mut self.staged.insert((diagnostic, None)).0
    }

    /// The diagnostic pushed last.
    pub fn last_mut(&mut self) -> Option<&mut Diagnostic> {
        self.staged.as_mut().map(|(diagnostic, _)| diagnostic)
    }

    /// Marks the diagnostic pushed last with work left for its owner, done
    /// only if it is kept ([`Self::finish`]).
    pub fn set_pending(&mut self, pending: P) {
        if let Some((_, slot)) = &mut self.staged {
            *slot = Some(pending);
        }
    }

    /// Errors pushed, kept or not.
    pub fn errors(&self) -> usize {
        self.errors
    }

    fn flush(&mut self) {
        let Some((diagnostic, pending)) = self.staged.take() else {
            return;
        };
        let file = diagnostic.span.map_or(u32::MAX, |span| span.file.0);
        let ranked = Ranked {
            diagnostic,
            pending,
            sequence: self.sequence,
        };
        self.sequence += 1;
        let idx = match self.files.iter().position(|(id, _)| *id == file) {
            Some(idx) => idx,
            None => {
                self.files.push((file, std::collections::BinaryHeap::new()));
                self.files.len() - 1
            }
        };
        let heap = &mut self.files[idx].1;
        let dropped = if heap.len() < self.max_per_file {
            heap.push(ranked);
            false
        } else if heap.peek().is_some_and(|worst| ranked < *worst) {
            heap.pop();
            heap.push(ranked);
            true
        } else {
            true
        };
        if dropped {
            match self.dropped.iter_mut().find(|(id, _)| *id == file) {
                Some((_, count)) => *count += 1,
                None => self.dropped.push((file, 1)),
            }
        }
    }

    /// The kept diagnostics (in no particular order: [`sort`] them) and,
    /// per file, how many were dropped.
    pub fn finish(mut self) -> (Vec<Ranked<P>>, Vec<(crate::source::FileId, usize)>) {
        self.flush();
        let kept = self.files.into_iter().flat_map(|(_, heap)| heap.into_vec()).collect();
        let dropped = self
            .dropped
            .into_iter()
            .map(|(file, count)| (crate::source::FileId(file), count))
            .collect();
        (kept, dropped)
    }
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

/// The work one suggestion may do when the caller gives no budget: edit
/// distance cells computed plus candidates looked at. A design's own names
/// (kinds, properties, a few thousand ids) never come near it; thousands of
/// long ids that all look alike do, and then the best candidate found
/// within it is the suggestion (docs/security.md, "Bounds").
pub const SUGGESTION_WORK: usize = 2_000_000;

/// Words longer than this get no suggestion: no design names anything that
/// long on purpose, and the edit distance grows with the square of it.
pub const MAX_SUGGESTED_CHARS: usize = 1024;

/// The closest candidate by edit distance, for "did you mean" help lines.
/// Case differences count as close (`Postgres` → `postgres`).
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut budget = SUGGESTION_WORK;
    did_you_mean_within(word, candidates, &mut budget)
}

/// [`did_you_mean`] with a bound on its work, taken from `budget` (edit
/// distance cells computed plus candidates looked at). When the budget runs
/// out the best candidate so far is the answer, so the result depends on
/// the candidates' order, never on timing: deterministic. The edit distance
/// is the optimal string alignment distance (Damerau-Levenshtein with
/// adjacent transpositions), computed only within the band that can still
/// beat the best candidate so far, and stopped as soon as it cannot.
pub fn did_you_mean_within<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    budget: &mut usize,
) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    let lower_chars: Vec<char> = lower.chars().collect();
    if lower_chars.len() > MAX_SUGGESTED_CHARS {
        return None;
    }
    let mut candidate_chars: Vec<char> = Vec::new();
    let mut rows = [Vec::new(), Vec::new(), Vec::new()];
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        // Looking at a candidate costs one unit, and its length in
        // comparisons at most (the case and prefix tests).
        let look = 1 + candidate.len().min(lower.len()) / 16;
        if *budget < look {
            break;
        }
        *budget -= look;
        if candidate == word {
            continue;
        }
        let score = if candidate.eq_ignore_ascii_case(word) {
            1.0
        } else {
            // A prefix (`least_connection` for `least_connections`) is close
            // even when the word is long.
            let by_prefix = if candidate.starts_with(&lower) || lower.starts_with(candidate) {
                0.75
            } else {
                0.0
            };
            // The edit distance matters only if it can beat both the
            // threshold and the best so far (a tie keeps the earlier one).
            let floor = best.map_or(0.6_f64, |(score, _)| score.max(0.6)).max(by_prefix);
            let m = if candidate.len() > 4 * MAX_SUGGESTED_CHARS {
                usize::MAX
            } else {
                candidate.chars().count()
            };
            let longest = lower_chars.len().max(m.min(4 * MAX_SUGGESTED_CHARS));
            let max_distance = ((1.0 - floor) * longest as f64).ceil() as usize;
            let by_chars = if longest == 0 {
                1.0
            } else if lower_chars.len().abs_diff(m) > max_distance || m > MAX_SUGGESTED_CHARS {
                0.0
            } else {
                let cells = (2 * max_distance + 1) * lower_chars.len().max(1);
                if *budget < cells {
                    break;
                }
                *budget -= cells;
                candidate_chars.clear();
                candidate_chars.extend(candidate.chars().map(|c| c.to_ascii_lowercase()));
                match osa_distance_within(&lower_chars, &candidate_chars, max_distance, &mut rows) {
                    Some(distance) => 1.0 - distance as f64 / longest as f64,
                    None => 0.0,
                }
            };
            by_chars.max(by_prefix)
        };
        if score >= 0.6 && best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// The optimal string alignment distance between `a` and `b` when it is at
/// most `bound`, else `None`: only the diagonal band of width `2 * bound + 1`
/// is computed, and the computation stops at the first row whose every cell
/// exceeds the bound (no later cell can come back under it). Costs at most
/// `(2 * bound + 1) * a.len()` cells; `rows` are reused buffers.
fn osa_distance_within(a: &[char], b: &[char], bound: usize, rows: &mut [Vec<usize>; 3]) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > bound {
        return None;
    }
    let over = bound + 1;
    for row in rows.iter_mut() {
        row.clear();
        row.resize(m + 2, over);
    }
    let [mut before, mut previous, mut current] = std::mem::take(rows);
    for (j, cell) in previous.iter_mut().enumerate().take(m.min(bound) + 1) {
        *cell = j;
    }
    previous[m.min(bound) + 1] = over;
    for i in 1..=n {
        let lo = i.saturating_sub(bound);
        let hi = m.min(i + bound);
        let mut row_min = over;
        if lo == 0 {
            current[0] = i;
            row_min = i;
        } else {
            current[lo - 1] = over;
        }
        for j in lo.max(1)..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j - 1] + cost).min(previous[j] + 1).min(current[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(before[j - 2] + 1);
            }
            let value = value.min(over);
            current[j] = value;
            row_min = row_min.min(value);
        }
        current[hi + 1] = over;
        if row_min > bound {
            *rows = [before, previous, current];
            return None;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[m];
    *rows = [before, previous, current];
    (distance <= bound).then_some(distance)
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
    fn edit_distance_within_a_bound_is_exact_or_none() {
        let chars = |text: &str| text.chars().collect::<Vec<char>>();
        let mut rows = [Vec::new(), Vec::new(), Vec::new()];
        let mut distance = |a: &str, b: &str, bound: usize| osa_distance_within(&chars(a), &chars(b), bound, &mut rows);
        assert_eq!(distance("databse", "database", 3), Some(1));
        assert_eq!(distance("ab", "ba", 3), Some(1));
        assert_eq!(distance("kitten", "sitting", 3), Some(3));
        assert_eq!(distance("kitten", "sitting", 2), None);
        assert_eq!(distance("", "abc", 3), Some(3));
        assert_eq!(distance("abc", "", 2), None);
        assert_eq!(distance("same", "same", 0), Some(0));
        // Agrees with strsim's OSA distance wherever it is within the bound.
        let words = [
            "cache", "caches", "cahce", "database", "users_db", "user_db", "lb", "api", "", "abcdef", "badcfe",
        ];
        for a in words {
            for b in words {
                let exact = strsim::osa_distance(a, b);
                for bound in 0..8 {
                    let expected = (exact <= bound).then_some(exact);
                    assert_eq!(distance(a, b, bound), expected, "{a} {b} {bound}");
                }
            }
        }
    }

    #[test]
    fn did_you_mean_work_is_bounded_per_word() {
        // 20,000 ids that all look alike, 300 characters long: every one is
        // within the distance bound, so only the budget stops the search.
        let stem = "x".repeat(290);
        let ids: Vec<String> = (0..20_000).map(|i| format!("{stem}{i:010}")).collect();
        let word = format!("{}y{}{:010}", &stem[..145], &stem[146..], 7);
        let mut budget = SUGGESTION_WORK;
        let found = did_you_mean_within(&word, ids.iter().map(String::as_str), &mut budget);
        assert!(found.is_some(), "a close candidate within the budget");
        // The budget was spent, not exceeded (it is unsigned: never below 0).
        assert!(budget < SUGGESTION_WORK);
        // The same again gives the same answer: deterministic.
        let mut again = SUGGESTION_WORK;
        assert_eq!(
            did_you_mean_within(&word, ids.iter().map(String::as_str), &mut again),
            found
        );
        // An empty budget looks at nothing.
        let mut none = 0;
        assert_eq!(
            did_you_mean_within(&word, ids.iter().map(String::as_str), &mut none),
            None
        );
        // A word longer than any id worth suggesting gets no suggestion.
        let long = "y".repeat(MAX_SUGGESTED_CHARS + 1);
        assert_eq!(did_you_mean(&long, [long.as_str(), "y"]), None);
    }

    #[test]
    fn bounded_diagnostics_keep_the_first_in_sort_order_and_count_the_rest() {
        use crate::source::{FileId, Span};
        let mut sink: BoundedDiagnostics<u32> = BoundedDiagnostics::new(3);
        // Pushed in reverse source order, with one tie (same span and text).
        for start in (0..10usize).rev() {
            sink.push(Diagnostic::error("duplicate-id", "twice").at(Span::new(FileId(0), start, start + 1)));
            sink.set_pending(start as u32);
        }
        sink.push(Diagnostic::error("duplicate-id", "twice").at(Span::new(FileId(0), 0, 1)));
        sink.push(Diagnostic::error("syntax-error", "other file").at(Span::new(FileId(1), 5, 6)));
        assert_eq!(sink.errors(), 12);
        let (mut kept, dropped) = sink.finish();
        kept.sort();
        let starts: Vec<(u32, u32, Option<u32>)> = kept
            .iter()
            .map(|ranked| {
                let span = ranked.diagnostic.span.expect("span");
                (span.file.0, span.start, ranked.pending)
            })
            .collect();
        // The two at 0 (the first pushed first), then 1; file 1 kept whole.
        assert_eq!(
            starts,
            vec![(0, 0, Some(0)), (0, 0, None), (0, 1, Some(1)), (1, 5, None)]
        );
        assert_eq!(dropped, vec![(FileId(0), 8)]);
    }

    #[test]
    fn one_of_joins_with_or() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
