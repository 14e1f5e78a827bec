//! Verified fixes: a rule's [`Fix`] turned into text edits at the model's
//! spans, applied to a copy of the design's text, re-compiled and
//! re-checked. A fix is offered (`verified`) only when its finding is gone
//! and no finding appears that was not there before; `hld check --fix`
//! writes the verified fixes (`cli/check.rs`), `hld check --format json`
//! lists them and `hld explain` ranks them.
//!
//! Verification re-runs the whole check on the edited text, so it costs one
//! check per distinct fix: it runs only where a fix is shown or applied
//! (`--fix`, JSON, explain), only on designs of at most
//! [`VERIFY_UP_TO_COMPONENTS`] components and within [`VERIFY_BUDGET`] and
//! [`VERIFY_BUDGET_BYTES`], so
//! `hld check` keeps the figures of docs/performance.md.
//!
//! **Invariant:** no IO; the caller compiles (it owns the loader).

use std::collections::{BTreeSet, HashMap};

use crate::diagnostics::{Diagnostic, Severity};
use crate::model::{Design, Edit, Fix, Rewrite, Target};
use crate::source::{FileId, SourceMap, Span};

/// Designs larger than this get no verified fixes (one re-check per fix).
pub const VERIFY_UP_TO_COMPONENTS: usize = 2_000;

/// At most this many components re-checked in all (distinct fixes ×
/// components): fixes past it, in diagnostic order, are not verified, so a
/// design with hundreds of findings stays within a second or two.
pub const VERIFY_BUDGET: usize = 200_000;

/// At most this many bytes of design text re-checked in all (distinct fixes
/// × the design's size): a re-check parses, resolves, checks and estimates
/// the whole text, so its cost follows the text (flows of a thousand hops
/// cost what their bytes say, not what the component count says). About a
/// second of re-checks: 400 fixes of a 10 KB design, two of a 1.4 MB one
/// (docs/security.md, "Bounds").
pub const VERIFY_BUDGET_BYTES: usize = 4_000_000;

/// One text replacement in one file: `text` in place of `start..end`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TextEdit {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// What identifies a finding across re-checks: its rule and typed target
/// (edits never add or remove components, links or flows, so ids stay).
pub type Key = (String, Option<Target>);

pub fn key(diagnostic: &Diagnostic) -> Key {
    (diagnostic.code.clone(), diagnostic.target)
}

/// The text edits that make `fix` in the design's sources, or `None` when
/// one of its edits has no place hld can edit safely (a flow, a link that
/// shares its declaration with others, a file other than the root).
pub fn text_edits(design: &Design, sources: &SourceMap, root: FileId, fix: &Fix) -> Option<Vec<TextEdit>> {
    let mut edits = Vec::new();
    for edit in &fix.edits {
        edits.push(text_edit(design, sources, root, edit)?);
    }
    for rewrite in &fix.rewrites {
        edits.push(rewrite_edit(design, sources, root, rewrite)?);
    }
    edits.sort_by_key(|edit| (edit.start, edit.end));
    // Two settings inserted at one place (both properties unwritten): one
    // insertion of both.
    let mut merged: Vec<TextEdit> = Vec::with_capacity(edits.len());
    for edit in edits {
        match merged.last_mut() {
            Some(last) if last.start == edit.start && last.end == edit.end => {
                last.text = merge_insertions(&last.text, &edit.text);
            }
            _ => merged.push(edit),
        }
    }
    // Two edits of one place: not one fix hld can apply.
    if merged.windows(2).any(|pair| pair[0].end > pair[1].start) {
        return None;
    }
    Some(merged)
}

/// The text edit of a structural change, or `None` where hld cannot make it
/// safely: a link declared in a chain or in another file, a hop that is
/// not the first of a `call` line (one in `path`).
fn rewrite_edit(design: &Design, sources: &SourceMap, root: FileId, rewrite: &Rewrite) -> Option<TextEdit> {
    let text = &sources.get(root)?.text;
    match rewrite {
        Rewrite::ReplaceLink { link, declaration, .. } => {
            let span = design.link(*link).declaration_span;
            let shared = design
                .links
                .iter()
                .filter(|other| other.declaration_span == span)
                .count();
            if span.file != root || shared != 1 {
                return None;
            }
            Some(TextEdit {
                file: root,
                start: span.start as usize,
                end: span.end as usize,
                text: declaration.clone(),
            })
        }
        Rewrite::MoveCall {
            flow, visit, from, to, ..
        } => {
            let span = design.flow(*flow).visits.get(*visit)?.span;
            if span.file != root {
                return None;
            }
            // The line reads `call FROM -> ` up to the callee: its first hop.
            let at = span.start as usize;
            let line_start = text[..at].rfind('\n').map_or(0, |idx| idx + 1);
            let before = &text[line_start..at];
            let after_call = before.trim_start().strip_prefix("call ")?;
            if after_call.trim().strip_suffix("->").map(str::trim) != Some(from.as_str()) {
                return None;
            }
            let offset = at - after_call.len() + after_call.find(from.as_str())?;
            Some(TextEdit {
                file: root,
                start: offset,
                end: offset + from.len(),
                text: to.clone(),
            })
        }
    }
}

/// ` { a = 1 }` and ` { b = 2 }` → ` { a = 1, b = 2 }`; lines and
/// `, a = 1` insertions follow one another.
fn merge_insertions(first: &str, second: &str) -> String {
    if let (Some(a), Some(b)) = (
        first.strip_prefix(" { ").and_then(|rest| rest.strip_suffix(" }")),
        second.strip_prefix(" { ").and_then(|rest| rest.strip_suffix(" }")),
    ) {
        return format!(" {{ {a}, {b} }}");
    }
    if first.starts_with(' ') && first.ends_with(' ') && second.starts_with(' ') && second.ends_with(' ') {
        return format!(" {}, {} ", first.trim(), second.trim());
    }
    format!("{first}{second}")
}

fn text_edit(design: &Design, sources: &SourceMap, root: FileId, edit: &Edit) -> Option<TextEdit> {
    let (declaration, spans): (Span, &[(&'static str, Span)]) = match edit.target {
        Target::Component(id) => {
            let component = design.component(id);
            (component.span, &component.property_spans)
        }
        Target::Link(id) => {
            let link = design.link(id);
            // Properties of a chain (`a -> b -> c { ... }`) apply to all its
            // links: an edit of one is not an edit of its declaration.
            let shared = design
                .links
                .iter()
                .filter(|other| other.declaration_span == link.declaration_span)
                .count();
            if shared != 1 {
                return None;
            }
            (link.declaration_span, &link.property_spans)
        }
        Target::Flow(_) => return None,
    };
    if declaration.file != root {
        return None;
    }
    let text = &sources.get(root)?.text;
    let span_of = |name: &str| {
        spans
            .iter()
            .find(|(property, _)| *property == name)
            .map(|(_, span)| *span)
    };
    match edit.property.split_once('.') {
        None => match span_of(edit.property) {
            Some(span) => Some(replace_property(text, span, edit.property, &edit.value)),
            None => insert_into_block(text, declaration, edit.property, &edit.value),
        },
        Some((block, field)) => {
            let span = span_of(block)?;
            let property = &text[span.range()];
            match find_field(property, field) {
                Some((start, end)) => Some(TextEdit {
                    file: root,
                    start: span.start as usize + start,
                    end: span.start as usize + end,
                    text: edit.value.clone(),
                }),
                None => insert_into_block(text, span, field, &edit.value),
            }
        }
    }
}

/// `name = value` in place of the property's text (its span starts at the
/// name; the value is what follows the first `=`).
fn replace_property(text: &str, span: Span, name: &str, value: &str) -> TextEdit {
    let property = &text[span.range()];
    let value_start = property.find('=').map_or(0, |idx| {
        let rest = &property[idx + 1..];
        idx + 1 + (rest.len() - rest.trim_start().len())
    });
    if property.starts_with(name) && value_start > 0 {
        TextEdit {
            file: span.file,
            start: span.start as usize + value_start,
            end: span.end as usize,
            text: value.to_string(),
        }
    } else {
        TextEdit {
            file: span.file,
            start: span.start as usize,
            end: span.end as usize,
            text: format!("{name} = {value}"),
        }
    }
}

/// Where `field = ...` is in a block-valued property's text: the byte
/// range of its value (up to the next `,`, `}` or line end at its depth).
fn find_field(property: &str, field: &str) -> Option<(usize, usize)> {
    let bytes = property.as_bytes();
    let brace = property.find('{')?;
    let mut depth = 0usize;
    let mut idx = brace;
    while idx < bytes.len() {
        match bytes[idx] {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            _ if depth == 1 && property[idx..].starts_with(field) => {
                let before = bytes[idx - 1];
                let after = &property[idx + field.len()..];
                let trimmed = after.trim_start();
                if (before == b'{' || before == b',' || before.is_ascii_whitespace()) && trimmed.starts_with('=') {
                    let eq = idx + field.len() + (after.len() - trimmed.len());
                    let rest = &property[eq + 1..];
                    let start = eq + 1 + (rest.len() - rest.trim_start().len());
                    let mut end = start;
                    let mut inner = 0usize;
                    while end < bytes.len() {
                        match bytes[end] {
                            b'{' => inner += 1,
                            b'}' if inner == 0 => break,
                            b'}' => inner -= 1,
                            b',' | b'\n' if inner == 0 => break,
                            _ => {}
                        }
                        end += 1;
                    }
                    let value = property[start..end].trim_end();
                    return Some((start, start + value.len()));
                }
            }
            _ => {}
        }
        idx += 1;
    }
    None
}

/// Inserts `name = value` into the `{ }` block that ends `span` (on a line
/// of its own when the block spans lines, else after a comma), or adds a
/// block ` { name = value }` after it.
fn insert_into_block(text: &str, span: Span, name: &str, value: &str) -> Option<TextEdit> {
    let decl = text.get(span.range())?;
    let setting = format!("{name} = {value}");
    let file = span.file;
    let trimmed = decl.trim_end();
    if !trimmed.ends_with('}') {
        let at = span.start as usize + trimmed.len();
        return Some(TextEdit {
            file,
            start: at,
            end: at,
            text: format!(" {{ {setting} }}"),
        });
    }
    let close = span.start as usize + trimmed.len() - 1;
    let open = matching_open(text, close)?;
    let inside = &text[open + 1..close];
    if inside.contains('\n') {
        // The closing brace's line start; the new line takes the
        // indentation of the block's last non-empty line.
        let line_start = text[..close].rfind('\n').map_or(0, |idx| idx + 1);
        let before_close = &text[line_start..close];
        if !before_close.trim().is_empty() {
            // `... }` after content on the same line: insert after a comma.
            return Some(after_last(text, file, open, close, &setting));
        }
        let indent = inside
            .lines()
            .rev()
            .find(|line| !line.trim().is_empty())
            .map(|line| &line[..line.len() - line.trim_start().len()])
            .map_or_else(|| format!("{before_close}  "), str::to_string);
        return Some(TextEdit {
            file,
            start: line_start,
            end: line_start,
            text: format!("{indent}{setting}\n"),
        });
    }
    Some(after_last(text, file, open, close, &setting))
}

/// `{ a = 1 }` → `{ a = 1, name = value }`; `{ }` → `{ name = value }`.
fn after_last(text: &str, file: FileId, open: usize, close: usize, setting: &str) -> TextEdit {
    let inside = &text[open + 1..close];
    let content = inside.trim_end();
    if content.trim().is_empty() {
        return TextEdit {
            file,
            start: open + 1,
            end: close,
            text: format!(" {setting} "),
        };
    }
    let at = open + 1 + content.len();
    TextEdit {
        file,
        start: at,
        end: at,
        text: format!(", {setting}"),
    }
}

/// The `{` that the `}` at `close` closes (comments are ignored: braces in
/// them are rare in a declaration's last block and the re-check catches a
/// wrong edit).
fn matching_open(text: &str, close: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut idx = close;
    loop {
        match bytes[idx] {
            b'}' => depth += 1,
            b'{' => {
                depth -= 1;
                if depth == 0 {
                    return Some(idx);
                }
            }
            _ => {}
        }
        if idx == 0 {
            return None;
        }
        idx -= 1;
    }
}

/// `text` with `edits` (sorted, not overlapping) applied.
pub fn apply(text: &str, edits: &[TextEdit]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for edit in edits {
        out.push_str(&text[at..edit.start]);
        out.push_str(&edit.text);
        at = edit.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The findings of a re-check of edited text, or `None` when it does not
/// compile or has input errors.
pub type Recheck<'a> = dyn Fn(&str) -> Option<Vec<Diagnostic>> + 'a;

/// Verifies every fix of `findings` (rule findings of `design`, whose root
/// file is `root`): marks a fix `verified` when the re-checked design no
/// longer has that finding and has no finding it did not have, and drops
/// every other fix. Findings that ask for the same edits are re-checked
/// once.
pub fn verify(design: &Design, sources: &SourceMap, root: FileId, findings: &mut [Diagnostic], recheck: &Recheck<'_>) {
    if design.components.len() > VERIFY_UP_TO_COMPONENTS {
        for finding in findings.iter_mut() {
            finding.fix = None;
        }
        return;
    }
    let before: BTreeSet<Key> = findings.iter().map(key).collect();
    let Some(text) = sources.get(root).map(|file| file.text.clone()) else {
        return;
    };
    let mut cache: HashMap<Vec<TextEdit>, Option<BTreeSet<Key>>> = HashMap::new();
    for finding in findings.iter_mut() {
        let Some(fix) = &finding.fix else {
            continue;
        };
        let Some(edits) = text_edits(design, sources, root, fix) else {
            finding.fix = None;
            continue;
        };
        let over_budget = (cache.len() + 1) * design.components.len().max(1) > VERIFY_BUDGET
            || (cache.len() + 1) * text.len().max(1) > VERIFY_BUDGET_BYTES;
        if !cache.contains_key(&edits) && over_budget {
            finding.fix = None;
            continue;
        }
        let after = cache
            .entry(edits.clone())
            .or_insert_with(|| {
                let findings = recheck(&apply(&text, &edits))?;
                Some(findings.iter().map(key).collect())
            })
            .clone();
        let cleared = after.is_some_and(|after| !after.contains(&key(finding)) && after.is_subset(&before));
        match (&mut finding.fix, cleared) {
            (Some(fix), true) => fix.verified = true,
            _ => finding.fix = None,
        }
    }
}

/// The findings a re-check reports, when the edited text compiles with no
/// input error and the analysis reports none.
pub fn recheck_findings(
    compilation: crate::model::load::Compilation,
    config: &crate::analysis::Config,
) -> Option<Vec<Diagnostic>> {
    if compilation.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return None;
    }
    let design = compilation.design?;
    let analysis = crate::analysis::check(&design, config);
    if !analysis.errors.is_empty() {
        return None;
    }
    Some(analysis.findings)
}

/// A design compiled from text with `loader` for its imports, and its
/// findings with their fixes verified: what `hld check --format json` and
/// `hld explain` see. `None` when the text has input errors.
pub fn check_text(
    text: &str,
    loader: &dyn crate::model::load::SourceLoader,
    config: &crate::analysis::Config,
) -> Option<(Design, Vec<Diagnostic>)> {
    use crate::model::load::{Input, Limits, compile};
    let compile_text = |text: &str| {
        let input = Input {
            name: "design.hld".to_string(),
            path: None,
            key: None,
            bytes: text.as_bytes().to_vec(),
        };
        compile(input, loader, &Limits::default())
    };
    let compilation = compile_text(text);
    if compilation.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return None;
    }
    let design = compilation.design?;
    let mut findings = crate::analysis::check(&design, config).findings;
    crate::diagnostics::sort(&mut findings, &compilation.sources);
    let recheck = |text: &str| recheck_findings(compile_text(text), config);
    verify(&design, &compilation.sources, FileId(0), &mut findings, &recheck);
    Some((design, findings))
}

/// [`check_text`] with no file system; panics on input errors.
#[cfg(test)]
pub(crate) fn verified_findings(text: &str) -> (Design, Vec<Diagnostic>) {
    let loader = crate::model::load::MemoryLoader::default();
    match check_text(text, &loader, &crate::analysis::Config::default()) {
        Some(checked) => checked,
        None => panic!("input errors in {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str, span: (usize, usize), name: &str, value: &str) -> String {
        let edit = insert_into_block(text, Span::new(FileId(0), span.0, span.1), name, value).unwrap();
        apply(text, &[edit])
    }

    #[test]
    fn inserts_into_blocks_on_one_line_and_on_many() {
        let text = "service api { capacity = 1k/s }";
        assert_eq!(
            one(text, (0, text.len()), "replicas", "2"),
            "service api { capacity = 1k/s, replicas = 2 }"
        );
        let text = "service api";
        assert_eq!(
            one(text, (0, text.len()), "replicas", "2"),
            "service api { replicas = 2 }"
        );
        let text = "service api { }";
        assert_eq!(
            one(text, (0, text.len()), "replicas", "2"),
            "service api { replicas = 2 }"
        );
        let text = "  service api {\n    capacity = 1k/s // per replica\n  }\n";
        assert_eq!(
            one(text, (2, text.len() - 1), "replicas", "2"),
            "  service api {\n    capacity = 1k/s // per replica\n    replicas = 2\n  }\n"
        );
    }

    #[test]
    fn finds_a_field_in_a_block_valued_property() {
        let property = "replication = primary_replica { replicas = 2, failover = manual }";
        let (start, end) = find_field(property, "failover").unwrap();
        assert_eq!(&property[start..end], "manual");
        let (start, end) = find_field(property, "replicas").unwrap();
        assert_eq!(&property[start..end], "2");
        assert!(find_field(property, "mode").is_none());
    }
}
