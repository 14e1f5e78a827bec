//! What is under the cursor, and the requests that move around a design:
//! go to definition, find references, rename, and the outline (document
//! symbols). Component ids are found in the lossless tree of each file
//! (`syntax::cst::component_names`), so a rename touches every place an id
//! is written, across the files a design imports, and nothing else.

use serde_json::{Value, json};

use super::diagnostics::Places;
use super::text::{Encoding, LineIndex, range};
use super::workspace::Snapshot;
use crate::model::{ComponentId, FlowId, LinkId};
use crate::source::{FileId, Span};
use crate::syntax::cst;

/// What a position names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Component(ComponentId),
    Flow(FlowId),
    Link(LinkId),
}

/// Every place each file of the analysis writes a component id.
fn names_in(snapshot: &Snapshot) -> Vec<(FileId, cst::NameUse)> {
    let mut out = Vec::new();
    for (file, source) in snapshot.compilation.sources.files() {
        if let Ok(tree) = cst::parse(&source.text) {
            out.extend(cst::component_names(&tree).into_iter().map(|name| (file, name)));
        }
    }
    out
}

/// The component id written at `offset` of the root file, if any.
fn name_at(snapshot: &Snapshot, offset: usize) -> Option<cst::NameUse> {
    let text = snapshot.file_text(FileId(0))?;
    let tree = cst::parse(text).ok()?;
    cst::component_names(&tree)
        .into_iter()
        .find(|name| name.start <= offset && offset <= name.start + name.name.len())
}

/// What `offset` of the root file names: a component id, a flow's name, or
/// the link whose declaration holds it.
pub fn target_at(snapshot: &Snapshot, offset: usize) -> Option<Target> {
    let design = snapshot.design()?;
    if let Some(name) = name_at(snapshot, offset) {
        return design
            .component_ids()
            .find(|id| design.component(*id).id == name.name)
            .map(Target::Component);
    }
    let inside = |span: Span| span.file == FileId(0) && span.start as usize <= offset && offset <= span.end as usize;
    if let Some(flow) = design.flow_ids().find(|id| inside(design.flow(*id).id_span)) {
        return Some(Target::Flow(flow));
    }
    design
        .link_ids()
        .filter(|id| inside(design.link(*id).declaration_span))
        .min_by_key(|id| design.link(*id).declaration_span.len())
        .map(Target::Link)
}

/// `textDocument/definition`: where the component under the cursor is
/// declared (in whichever file).
pub fn definition(snapshot: &Snapshot, uri: &str, offset: usize, encoding: Encoding) -> Value {
    let design = snapshot.design();
    match (design, target_at(snapshot, offset)) {
        (Some(design), Some(Target::Component(id))) => Places::new(snapshot, uri, encoding)
            .location(design.component(id).id_span)
            .unwrap_or(Value::Null),
        (Some(design), Some(Target::Flow(id))) => Places::new(snapshot, uri, encoding)
            .location(design.flow(id).id_span)
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// A place in a file: `(file, start, end)`.
type Place = (FileId, usize, usize);

/// The component id under the cursor and every place it is written.
fn occurrences(snapshot: &Snapshot, offset: usize, include_declaration: bool) -> Option<(String, Vec<Place>)> {
    let name = name_at(snapshot, offset)?;
    let design = snapshot.design()?;
    // Only an id the design declares: a misspelt one names nothing.
    design
        .component_ids()
        .find(|id| design.component(*id).id == name.name)?;
    let places = names_in(snapshot)
        .into_iter()
        .filter(|(_, other)| other.name == name.name && (include_declaration || !other.declaration))
        .map(|(file, other)| (file, other.start, other.start + other.name.len()))
        .collect();
    Some((name.name, places))
}

/// `textDocument/references`.
pub fn references(
    snapshot: &Snapshot,
    uri: &str,
    offset: usize,
    include_declaration: bool,
    encoding: Encoding,
) -> Value {
    let Some((_, found)) = occurrences(snapshot, offset, include_declaration) else {
        return Value::Null;
    };
    let mut places = Places::new(snapshot, uri, encoding);
    Value::Array(
        found
            .into_iter()
            .filter_map(|(file, start, end)| places.location(Span::new(file, start, end)))
            .collect(),
    )
}

/// `textDocument/prepareRename`: the id's range, or why it cannot be renamed.
pub fn prepare_rename(snapshot: &Snapshot, offset: usize, encoding: Encoding) -> Result<Value, String> {
    let name = name_at(snapshot, offset).ok_or("only a component id can be renamed")?;
    occurrences(snapshot, offset, true).ok_or(format!("`{}` is not a component of this design", name.name))?;
    let text = snapshot.file_text(FileId(0)).unwrap_or_default();
    Ok(range(text, name.start, name.start + name.name.len(), encoding))
}

/// `textDocument/rename`: every place the id is written, in every file of
/// the design, as one workspace edit. The new name must be an identifier
/// no other component has.
pub fn rename(
    snapshot: &Snapshot,
    uri: &str,
    offset: usize,
    new_name: &str,
    encoding: Encoding,
) -> Result<Value, String> {
    let (old, places) = occurrences(snapshot, offset, true).ok_or("only a component id can be renamed")?;
    if !cst::is_ident(new_name) {
        return Err(format!(
            "`{new_name}` is not an identifier: a letter or `_`, then letters, digits or `_`"
        ));
    }
    // language.md §1's reserved words, and the words that open flow lines.
    if ["system", "flow", "region", "rtt", "slo", "import", "call", "parallel"].contains(&new_name) {
        return Err(format!("`{new_name}` is a keyword and cannot name a component"));
    }
    if let Some(design) = snapshot.design()
        && new_name != old
        && design.component_ids().any(|id| design.component(id).id == new_name)
    {
        return Err(format!("a component `{new_name}` already exists"));
    }
    let mut changes = serde_json::Map::new();
    let mut lookup = Places::new(snapshot, uri, encoding);
    for (file, start, end) in places {
        if snapshot.file_text(file).is_none() {
            continue;
        }
        let edit = json!({ "range": lookup.range(Span::new(file, start, end)), "newText": new_name });
        let entry = changes
            .entry(lookup.uri(file))
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(edits) = entry {
            edits.push(edit);
        }
    }
    Ok(json!({ "changes": changes }))
}

/// `textDocument/documentSymbol`: the root file's components, links and
/// flows, in the order written.
pub fn symbols(snapshot: &Snapshot, encoding: Encoding) -> Value {
    let (Some(design), Some(text)) = (snapshot.design(), snapshot.file_text(FileId(0))) else {
        return Value::Array(Vec::new());
    };
    let lines = LineIndex::new(text, encoding);
    // LSP SymbolKind: 5 class, 12 function, 24 event.
    let mut symbols: Vec<(u32, Value)> = Vec::new();
    let mut push = |name: String, detail: String, kind: u32, span: Span, selection: Span| {
        if span.file != FileId(0) {
            return;
        }
        symbols.push((
            span.start,
            json!({
                "name": name,
                "detail": detail,
                "kind": kind,
                "range": lines.range(span.start as usize, span.end as usize),
                "selectionRange": lines.range(selection.start as usize, selection.end as usize),
            }),
        ));
    };
    for id in design.component_ids() {
        let component = design.component(id);
        let detail = match &component.technology_name {
            Some((technology, _)) => format!("{} · {technology}", component.kind),
            None => component.kind.to_string(),
        };
        push(component.id.clone(), detail, 5, component.span, component.id_span);
    }
    for id in design.link_ids() {
        let link = design.link(id);
        push(design.link_subject(id), link.mode.to_string(), 24, link.span, link.span);
    }
    for id in design.flow_ids() {
        let flow = design.flow(id);
        push(
            format!("flow {}", flow.id),
            flow.label.clone().unwrap_or_default(),
            12,
            flow.span,
            flow.id_span,
        );
    }
    symbols.sort_by_key(|(start, _)| *start);
    Value::Array(symbols.into_iter().map(|(_, symbol)| symbol).collect())
}
