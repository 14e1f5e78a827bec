//! Test helpers for the analysis layer: compile a design from text (no file
//! system) and run the rules over it.

use crate::analysis::{self, Config};
use crate::diagnostics::Diagnostic;
use crate::model::Design;

/// The resolved design; panics with the errors when it does not resolve.
pub fn design(text: &str) -> Design {
    crate::model::load::test_design(text)
}

/// Every finding of every rule, with the default configuration.
pub fn findings(text: &str) -> Vec<Diagnostic> {
    findings_with(text, &Config::default())
}

pub fn findings_with(text: &str, config: &Config) -> Vec<Diagnostic> {
    let design = design(text);
    let analysis = analysis::check(&design, config);
    assert!(analysis.errors.is_empty(), "{:?}", analysis.errors);
    analysis.findings
}

/// The findings of one rule, as `(subject, message)`, sorted.
pub fn findings_of(rule: &str, text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = findings(text)
        .into_iter()
        .filter(|diagnostic| diagnostic.code == rule)
        .map(|diagnostic| (diagnostic.subject.unwrap_or_default(), diagnostic.message))
        .collect();
    out.sort();
    out
}
