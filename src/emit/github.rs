//! `hld check --format github`: GitHub Actions workflow commands, one
//! annotation per diagnostic:
//! `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=RULE::message`.
//!
//! Escaping follows GitHub's toolkit (`@actions/core`, `command.ts`): in the
//! message `%`, `\r` and `\n` are percent-encoded; in properties `:` and `,`
//! too; before that, control characters and bidi overrides are shown
//! escaped (`\x1b`, `emit::escape`). Info findings are notices.

use super::json::CheckedFile;
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::SourceMap;

/// Every annotation of one `hld check` run, one per line.
pub fn check_report(files: &[CheckedFile<'_>]) -> String {
    let mut out = String::new();
    for file in files {
        for diagnostic in file.diagnostics {
            out.push_str(&annotation(diagnostic, file.sources, file.name));
            out.push('\n');
        }
    }
    out
}

pub fn annotation(diagnostic: &Diagnostic, sources: &SourceMap, fallback_file: &str) -> String {
    let command = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut properties = Vec::new();
    match diagnostic.span {
        Some(span) => {
            let location = sources.location(span);
            properties.push(("file", sources.name(span.file).replace('\\', "/")));
            properties.push(("line", location.line.max(1).to_string()));
            // GitHub reads columns only on a one-line annotation.
            if location.end_line <= location.line {
                properties.push(("col", location.column.max(1).to_string()));
                properties.push(("endLine", location.line.max(1).to_string()));
                properties.push(("endColumn", location.end_column.max(location.column).max(1).to_string()));
            } else {
                properties.push(("endLine", location.end_line.to_string()));
            }
        }
        None => properties.push(("file", fallback_file.replace('\\', "/"))),
    }
    properties.push(("title", diagnostic.code.clone()));
    let properties: Vec<String> = properties
        .into_iter()
        .map(|(key, value)| format!("{key}={}", escape_property(&value)))
        .collect();
    format!(
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&diagnostic.full_text())
    )
}

/// Hidden characters (controls, bidi overrides) are made visible first
/// (`emit::escape`): CI logs are terminals too.
fn escape_data(text: &str) -> String {
    super::escape::visible(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn annotations_escape_properties_and_messages() {
        let mut sources = SourceMap::new();
        let file = sources.add("dir/a,b:c.hld", "system s {\n  service api\n}\n");
        let diagnostic = Diagnostic::new("single-point-of-failure", Severity::Warning, "100% of it, or\nmore")
            .at(Span::new(file, 21, 24))
            .with_help("set replicas = 2");
        assert_eq!(
            annotation(&diagnostic, &sources, "x"),
            "::warning file=dir/a%2Cb%3Ac.hld,line=2,col=11,endLine=2,endColumn=14,title=single-point-of-failure::100%25 of it, or%0Amore%0Ahelp: set replicas = 2"
        );
    }
}
