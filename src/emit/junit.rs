//! `hld check --format junit`: JUnit XML as GitLab and Jenkins read it
//! (the Jenkins/Ant schema, `tests/data/junit.xsd`). One test suite per
//! checked file, one test case per rule in it (passing when the rule found
//! nothing), one `<failure>` per finding; input errors (`syntax-error`,
//! `unknown-reference`, ...) are test cases of their code with an
//! `<error>` each, and the rules that found nothing there are skipped,
//! since they could not run.

use super::json::CheckedFile;
use crate::analysis::rules::RULES;
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::SourceMap;

/// The whole JUnit document for one `hld check` run.
pub fn check_report(files: &[CheckedFile<'_>]) -> String {
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for file in files {
        let suite = Suite::of(file);
        tests += suite.cases.len();
        failures += suite.failures();
        errors += suite.errors() + file.truncated;
        suite.render(file, &mut suites);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"hld check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"0\">\n"
    ));
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}

/// One file: its test cases, by rule (the catalog's order, then the
/// codes of input errors in the order they first appear).
struct Suite<'a> {
    cases: Vec<(&'a str, Vec<&'a Diagnostic>)>,
}

impl<'a> Suite<'a> {
    fn of(file: &CheckedFile<'a>) -> Suite<'a> {
        let mut cases: Vec<(&'a str, Vec<&'a Diagnostic>)> = RULES.iter().map(|rule| (rule.name, Vec::new())).collect();
        for diagnostic in file.diagnostics {
            match cases.iter_mut().find(|(name, _)| *name == diagnostic.code) {
                Some((_, found)) => found.push(diagnostic),
                None => cases.push((diagnostic.code.as_str(), vec![diagnostic])),
            }
        }
        Suite { cases }
    }

    fn is_rule(code: &str) -> bool {
        RULES.iter().any(|rule| rule.name == code)
    }

    fn failures(&self) -> usize {
        self.cases
            .iter()
            .filter(|(code, _)| Self::is_rule(code))
            .map(|(_, found)| found.len())
            .sum()
    }

    fn errors(&self) -> usize {
        self.cases
            .iter()
            .filter(|(code, _)| !Self::is_rule(code))
            .map(|(_, found)| found.len())
            .sum()
    }

    /// Rules that found nothing because they did not run: the design has
    /// input errors.
    fn skipped(&self, file: &CheckedFile<'_>) -> usize {
        if self.errors() + file.truncated == 0 {
            return 0;
        }
        self.cases
            .iter()
            .filter(|(code, found)| Self::is_rule(code) && found.is_empty())
            .count()
    }

    fn render(&self, file: &CheckedFile<'_>, out: &mut String) {
        let name = escape(file.name);
        let skipped = self.skipped(file);
        out.push_str(&format!(
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{skipped}\" time=\"0\">\n",
            self.cases.len(),
            self.failures(),
            self.errors() + file.truncated
        ));
        for (raw_code, found) in &self.cases {
            let code = escape(raw_code);
            if found.is_empty() && skipped > 0 && Self::is_rule(raw_code) {
                out.push_str(&format!(
                    "    <testcase name=\"{code}\" classname=\"{name}\" time=\"0\">\n      <skipped message=\"the design has input errors, so the rules did not run\"/>\n    </testcase>\n"
                ));
                continue;
            }
            if found.is_empty() {
                out.push_str(&format!(
                    "    <testcase name=\"{code}\" classname=\"{name}\" time=\"0\"/>\n"
                ));
                continue;
            }
            out.push_str(&format!(
                "    <testcase name=\"{code}\" classname=\"{name}\" time=\"0\">\n"
            ));
            let element = if Self::is_rule(raw_code) { "failure" } else { "error" };
            for diagnostic in found {
                out.push_str(&format!(
                    "      <{element} type=\"{}\" message=\"{}\">{}</{element}>\n",
                    diagnostic.severity,
                    escape(&diagnostic.message),
                    escape(&body(diagnostic, file.sources, file.name))
                ));
            }
            out.push_str("    </testcase>\n");
        }
        if file.truncated > 0 {
            out.push_str(&format!(
                "    <system-err>... and {} more diagnostics in {name} (at most 100 per file are shown)</system-err>\n",
                file.truncated
            ));
        }
        out.push_str("  </testsuite>\n");
    }
}

/// `FILE:LINE:COLUMN: SEVERITY: message`, then help and notes, as a
/// failure's text.
fn body(diagnostic: &Diagnostic, sources: &SourceMap, fallback_file: &str) -> String {
    let place = match diagnostic.span {
        Some(span) => {
            let location = sources.location(span);
            format!(
                "{}:{}:{}",
                sources.name(span.file),
                location.line.max(1),
                location.column.max(1)
            )
        }
        None => fallback_file.to_string(),
    };
    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    };
    let mut text = format!("{place}: {severity}: {}", diagnostic.full_text());
    if let Some(subject) = &diagnostic.subject {
        text.push_str(&format!("\nsubject: {subject}"));
    }
    text
}

/// Escapes text for an XML attribute or element; characters XML 1.0 cannot
/// carry (control characters other than tab and line breaks) become U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            ch if (ch as u32) < 0x20 || ch == '\u{FFFE}' || ch == '\u{FFFF}' => out.push('\u{FFFD}'),
            ch => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn one_case_per_rule_and_a_failure_per_finding() {
        let mut sources = SourceMap::new();
        let file = sources.add("a&b.hld", "system s {\n  service api\n}\n");
        let diagnostics = vec![
            Diagnostic::new(
                "single-point-of-failure",
                Severity::Warning,
                "`api` is \"alone\" <here>",
            )
            .at(Span::new(file, 21, 24))
            .with_subject("api"),
            Diagnostic::new("single-point-of-failure", Severity::Warning, "second").at(Span::new(file, 21, 24)),
            Diagnostic::error("syntax-error", "bad\u{1}byte"),
        ];
        let checked = [CheckedFile {
            name: "a&b.hld",
            sources: &sources,
            diagnostics: &diagnostics,
            truncated: 0,
        }];
        let xml = check_report(&checked);
        let cases = RULES.len() + 1;
        assert!(xml.contains(&format!(
            "<testsuites name=\"hld check\" tests=\"{cases}\" failures=\"2\" errors=\"1\" time=\"0\">"
        )));
        assert!(xml.contains("<testsuite name=\"a&amp;b.hld\""));
        assert!(xml.contains(
            "<failure type=\"warning\" message=\"`api` is &quot;alone&quot; &lt;here&gt;\">a&amp;b.hld:2:11: warning:"
        ));
        assert!(xml.contains("<error type=\"error\" message=\"bad\u{FFFD}byte\">"));
        assert_eq!(xml.matches("<testcase ").count(), cases);
        // The design has an input error: the rules that found nothing did not run.
        assert_eq!(xml.matches("<skipped ").count(), RULES.len() - 1);
    }
}
