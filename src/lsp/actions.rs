//! `textDocument/codeAction` and `textDocument/formatting`: the edits the
//! server offers. A quick fix is a finding's fix that `hld check --fix`
//! would apply: verified first by re-checking the edited design (the
//! finding is gone and no new one appears), so nothing unverified is
//! offered. Formatting is `hld fmt`'s layout.

use serde_json::{Value, json};

use super::diagnostics::{Places, to_protocol};
use super::text::{Encoding, LineIndex, range};
use super::workspace::{Snapshot, Workspace};
use crate::diagnostics::Diagnostic;
use crate::source::FileId;

/// The quick fixes for the findings whose span meets `start..end` of the
/// root file.
pub fn code_actions(
    workspace: &Workspace,
    snapshot: &Snapshot,
    uri: &str,
    (start, end): (usize, usize),
    encoding: Encoding,
) -> Vec<Value> {
    let (Some(design), Some(text)) = (snapshot.design(), snapshot.file_text(FileId(0))) else {
        return Vec::new();
    };
    // Every finding, so a re-check that adds one is seen; only those in
    // the range keep their fix to verify.
    let mut findings: Vec<Diagnostic> = snapshot.findings.clone();
    for finding in &mut findings {
        let in_range = finding
            .span
            .is_some_and(|span| span.file == FileId(0) && span.start as usize <= end && start <= span.end as usize);
        if !in_range {
            finding.fix = None;
        }
    }
    if findings.iter().all(|finding| finding.fix.is_none()) {
        return Vec::new();
    }
    let recheck = |edited: &str| workspace.recheck(uri, edited);
    crate::fix::verify(
        design,
        &snapshot.compilation.sources,
        FileId(0),
        &mut findings,
        &recheck,
    );
    let mut places = Places::new(snapshot, uri, encoding);
    let lines = LineIndex::new(text, encoding);
    let mut actions = Vec::new();
    for finding in &findings {
        let Some(fix) = finding.fix.as_ref().filter(|fix| fix.verified) else {
            continue;
        };
        let Some(edits) = crate::fix::text_edits(design, &snapshot.compilation.sources, FileId(0), fix) else {
            continue;
        };
        let edits: Vec<Value> = edits
            .iter()
            .map(|edit| json!({ "range": lines.range(edit.start, edit.end), "newText": edit.text }))
            .collect();
        actions.push(json!({
            "title": format!("{}: {}", finding.code, fix.describe()),
            "kind": "quickfix",
            "diagnostics": [to_protocol(&mut places, finding)],
            "isPreferred": true,
            "edit": { "changes": { uri: edits } },
        }));
    }
    actions
}

/// The whole document in `hld fmt`'s layout, as one edit; none when it is
/// already laid out or has syntax errors (they are shown as diagnostics).
pub fn formatting(text: &str, encoding: Encoding) -> Vec<Value> {
    match crate::syntax::fmt::format(text) {
        Ok(formatted) if formatted != text => {
            vec![json!({ "range": range(text, 0, text.len(), encoding), "newText": formatted })]
        }
        _ => Vec::new(),
    }
}
