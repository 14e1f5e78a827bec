//! `hld check --format sarif`: SARIF 2.1.0, one run, for GitHub code
//! scanning and other SARIF consumers.
//!
//! Every rule of the catalog is a `reportingDescriptor` with its summary, its
//! documentation (the same text as `hld rules NAME`) and a `helpUri` to
//! docs/rules/NAME.md; every diagnostic a `result` with `ruleId`, a level, a
//! message, one location (a relative `artifactLocation.uri` and a region
//! with line and column, in Unicode code points) and its secondary labels as
//! `relatedLocations`. Written with serde structs of our own: the SARIF
//! crates generate their types at build time, which costs more than this
//! file.

use std::collections::BTreeMap;

use serde::Serialize;

use super::json::CheckedFile;
use super::rule_docs;
use crate::analysis::rules::Rule;
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::{SourceMap, Span};

/// Where each rule's documentation lives: `{HELP_URI_BASE}{name}.md`.
pub const HELP_URI_BASE: &str = "https://github.com/hld-dev/hld/blob/main/docs/rules/";
const INFORMATION_URI: &str = "https://github.com/hld-dev/hld";
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn help_uri(rule: &str) -> String {
    format!("{HELP_URI_BASE}{rule}.md")
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: String,
    name: String,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Configuration,
    properties: Properties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Properties {
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// The whole SARIF log for one `hld check` run over several files.
pub fn check_report(files: &[CheckedFile<'_>], rules: &[&Rule]) -> String {
    let mut descriptors: Vec<Descriptor> = rules.iter().map(|rule| rule_descriptor(rule)).collect();
    let mut index: BTreeMap<String, usize> = rules
        .iter()
        .enumerate()
        .map(|(idx, rule)| (rule.name.to_string(), idx))
        .collect();
    let mut results = Vec::new();
    for file in files {
        for diagnostic in file.diagnostics {
            // Input errors (syntax-error, unknown-reference, ...) are not
            // rules; each code used gets a descriptor after the catalog.
            let rule_index = *index.entry(diagnostic.code.clone()).or_insert_with(|| {
                descriptors.push(error_descriptor(&diagnostic.code));
                descriptors.len() - 1
            });
            results.push(result(diagnostic, rule_index, file.sources, file.name));
        }
    }
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "hld",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: descriptors,
                },
            },
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    let mut out = super::escape::json_pretty(&log);
    out.push('\n');
    out
}

fn rule_descriptor(rule: &Rule) -> Descriptor {
    let markdown = rule_docs::markdown(rule);
    Descriptor {
        id: rule.name.to_string(),
        name: pascal_case(rule.name),
        short_description: Text {
            text: rule.summary.to_string(),
        },
        full_description: rule_docs::first_paragraph(rule).map(|text| Text { text }),
        help: Some(Help {
            text: markdown.clone(),
            markdown,
        }),
        help_uri: Some(help_uri(rule.name)),
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: Properties {
            tags: vec![rule.category.title().to_string()],
        },
    }
}

fn error_descriptor(code: &str) -> Descriptor {
    Descriptor {
        id: code.to_string(),
        name: pascal_case(code),
        short_description: Text {
            text: format!("the design could not be read or resolved ({code})"),
        },
        full_description: None,
        help: None,
        help_uri: None,
        default_configuration: Configuration { level: "error" },
        properties: Properties {
            tags: vec!["Input error".to_string()],
        },
    }
}

fn result<'a>(
    diagnostic: &'a Diagnostic,
    rule_index: usize,
    sources: &SourceMap,
    fallback_file: &str,
) -> SarifResult<'a> {
    let text = diagnostic.full_text();
    let file = diagnostic
        .span
        .map_or(fallback_file, |span| sources.name(span.file))
        .to_string();
    let related_locations = diagnostic
        .secondary
        .iter()
        .enumerate()
        .map(|(idx, label)| Location {
            id: Some(idx + 1),
            physical_location: physical(sources, sources.name(label.span.file), Some(label.span)),
            message: Some(Text {
                text: label.message.clone(),
            }),
        })
        .collect();
    let mut partial_fingerprints = BTreeMap::new();
    partial_fingerprints.insert(
        "hldFinding/v1",
        fingerprint(&[
            &diagnostic.code,
            diagnostic.subject.as_deref().unwrap_or(""),
            &diagnostic.message,
            &file,
        ]),
    );
    SarifResult {
        rule_id: &diagnostic.code,
        rule_index,
        level: level(diagnostic.severity),
        message: Text { text },
        locations: vec![Location {
            id: None,
            physical_location: physical(sources, &file, diagnostic.span),
            message: None,
        }],
        related_locations,
        partial_fingerprints,
    }
}

fn physical(sources: &SourceMap, file: &str, span: Option<Span>) -> PhysicalLocation {
    let location = span.map(|span| sources.location(span)).unwrap_or_default();
    let start_line = location.line.max(1);
    let start_column = location.column.max(1);
    // SARIF's endColumn is the column after the region; a region never ends
    // before it starts.
    let end_line = location.end_line.max(start_line);
    let end_column = if end_line == start_line {
        location.end_column.max(start_column)
    } else {
        location.end_column.max(1)
    };
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: artifact_uri(file),
        },
        region: Region {
            start_line,
            start_column,
            end_line,
            end_column,
        },
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The file as a URI reference: the path as given, with `/` separators and
/// percent-encoding, relative when it was relative (GitHub code scanning
/// resolves it against the repository root); an absolute path becomes a
/// `file://` URI.
pub fn artifact_uri(path: &str) -> String {
    let normalized = path.replace('\\', "/");
    let mut relative = normalized.as_str();
    while let Some(rest) = relative.strip_prefix("./") {
        relative = rest;
    }
    // `C:/...` (after normalizing `\`) is a Windows absolute path.
    let drive = relative.get(..2).filter(|prefix| {
        prefix.ends_with(':')
            && prefix.starts_with(|c: char| c.is_ascii_alphabetic())
            && relative.get(2..3) == Some("/")
    });
    if let Some(drive) = drive {
        format!("file:///{drive}{}", percent_encode(relative.get(2..).unwrap_or("")))
    } else if relative.starts_with('/') {
        format!("file://{}", percent_encode(relative))
    } else {
        percent_encode(relative)
    }
}

fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/');
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `single-point-of-failure` → `SinglePointOfFailure` (SARIF's `name`).
fn pascal_case(name: &str) -> String {
    name.split(['-', '_'])
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A stable 64-bit FNV-1a hash of the parts, in hex: the same finding gets
/// the same fingerprint when lines move.
fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(artifact_uri("examples/twitter.hld"), "examples/twitter.hld");
        assert_eq!(artifact_uri("./a/./b.hld"), "a/./b.hld");
        assert_eq!(artifact_uri("dir\\my design.hld"), "dir/my%20design.hld");
        assert_eq!(artifact_uri("/abs/x.hld"), "file:///abs/x.hld");
        assert_eq!(artifact_uri("C:\\x.hld"), "file:///C:/x.hld");
        assert_eq!(artifact_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(artifact_uri("a:b.hld"), "a%3Ab.hld");
    }

    #[test]
    fn names_are_pascal_case() {
        assert_eq!(pascal_case("single-point-of-failure"), "SinglePointOfFailure");
        assert_eq!(pascal_case("syntax-error"), "SyntaxError");
    }
}
