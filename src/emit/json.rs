//! `hld check --format json` (cli.md): every diagnostic with its rule,
//! severity, message, help, file, line, column and subject (and its verified
//! fix, when it has one), then a summary.

use serde::Serialize;

use crate::diagnostics::{Diagnostic, Severity, Summary};
use crate::source::SourceMap;

#[derive(Serialize)]
struct CheckReport<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

/// The counts of cli.md, with every diagnostic counted, including those past
/// the per-file cap; `truncated` says how many of them are not listed.
#[derive(Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    infos: usize,
    #[serde(skip_serializing_if = "is_zero")]
    truncated: usize,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub rule: &'a str,
    pub severity: Severity,
    pub message: &'a str,
    pub help: Option<&'a str>,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub subject: Option<&'a str>,
    /// Extra context ("flows affected: ..."), after the cli.md fields.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub notes: &'a [String],
    /// The rule's fix, only once verified (`hld check --fix` applies it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<JsonFix<'a>>,
}

/// A verified fix: its edits and `verified: true`.
#[derive(Serialize)]
pub struct JsonFix<'a> {
    /// What `hld check --fix` prints: `set replicas = 3 on api`.
    pub description: String,
    pub edits: Vec<JsonEdit<'a>>,
    /// Changes of structure (docs/fix.md): absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rewrites: Vec<JsonRewrite>,
    pub verified: bool,
}

/// A change of structure: `{"replace": "a -> q", "with": "db -> q { mode =
/// cdc }"}`, with `"in": "flow f"` when it is in a flow's call line.
#[derive(Serialize)]
pub struct JsonRewrite {
    pub replace: String,
    pub with: String,
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
}

/// One edit: `property = value` on `subject` (a component id or `A -> B`);
/// a dotted property (`replication.failover`) is a field of a block.
#[derive(Serialize)]
pub struct JsonEdit<'a> {
    pub subject: &'a str,
    pub property: &'a str,
    pub value: &'a str,
}

impl<'a> JsonFix<'a> {
    fn new(fix: &'a crate::model::Fix) -> JsonFix<'a> {
        JsonFix {
            description: fix.describe(),
            edits: fix
                .edits
                .iter()
                .map(|edit| JsonEdit {
                    subject: &edit.subject,
                    property: edit.property,
                    value: &edit.value,
                })
                .collect(),
            rewrites: fix
                .rewrites
                .iter()
                .map(|rewrite| match rewrite {
                    crate::model::Rewrite::ReplaceLink {
                        declaration, subject, ..
                    } => JsonRewrite {
                        replace: subject.clone(),
                        with: declaration.clone(),
                        within: None,
                    },
                    crate::model::Rewrite::MoveCall {
                        from,
                        to,
                        callee,
                        flow_id,
                        ..
                    } => JsonRewrite {
                        replace: format!("call {from} -> {callee}"),
                        with: format!("call {to} -> {callee}"),
                        within: Some(format!("flow {flow_id}")),
                    },
                })
                .collect(),
            verified: fix.verified,
        }
    }
}

impl<'a> JsonDiagnostic<'a> {
    pub fn new(diagnostic: &'a Diagnostic, sources: &SourceMap, fallback_file: &str) -> JsonDiagnostic<'a> {
        let (file, location) = match diagnostic.span {
            Some(span) => (sources.name(span.file).to_string(), sources.location(span)),
            None => (fallback_file.to_string(), Default::default()),
        };
        JsonDiagnostic {
            rule: &diagnostic.code,
            severity: diagnostic.severity,
            message: &diagnostic.message,
            help: diagnostic.help.as_deref(),
            file,
            line: location.line.max(1),
            column: location.column.max(1),
            end_line: location.end_line.max(1),
            end_column: location.end_column.max(1),
            subject: diagnostic.subject.as_deref(),
            notes: &diagnostic.notes,
            fix: diagnostic.verified_fix().map(JsonFix::new),
        }
    }
}

/// One checked input: its diagnostics and the sources they point into.
pub struct CheckedFile<'a> {
    pub name: &'a str,
    pub sources: &'a SourceMap,
    pub diagnostics: &'a [Diagnostic],
    /// Errors past the per-file cap of 100, counted but not listed (the
    /// cap applies to input errors only, which are all errors).
    pub truncated: usize,
}

/// The whole JSON document for one `hld check` run over several files.
pub fn check_report(files: &[CheckedFile<'_>]) -> String {
    let mut diagnostics = Vec::new();
    let mut summary = Summary::default();
    let mut truncated = 0;
    for file in files {
        for diagnostic in file.diagnostics {
            summary.add(diagnostic.severity);
            diagnostics.push(JsonDiagnostic::new(diagnostic, file.sources, file.name));
        }
        truncated += file.truncated;
    }
    let report = CheckReport {
        version: 1,
        diagnostics,
        summary: JsonSummary {
            errors: summary.errors + truncated,
            warnings: summary.warnings,
            infos: summary.infos,
            truncated,
        },
    };
    let mut out = super::escape::json_pretty(&report);
    out.push('\n');
    out
}
