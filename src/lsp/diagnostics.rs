//! `textDocument/publishDiagnostics`: every error and finding of an
//! analysis, as the protocol shapes them, grouped by the file they are in
//! (a design's imports get theirs too).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde_json::{Value, json};

use super::text::{Encoding, LineIndex, path_to_uri, range};
use super::workspace::Snapshot;
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::{FileId, Span};

/// The URI of a file of the analysis: the document itself for its root,
/// else the file's path (names are absolute when the document's is).
pub fn file_uri(snapshot: &Snapshot, root_uri: &str, file: FileId) -> String {
    if file == FileId(0) {
        return root_uri.to_string();
    }
    let name = snapshot.compilation.sources.name(file);
    if Path::new(name).is_absolute() {
        path_to_uri(Path::new(name))
    } else {
        root_uri.to_string()
    }
}

/// Ranges and locations of spans in the files of one analysis, each file's
/// line index and URI found once (an analysis may report thousands).
pub struct Places<'s> {
    snapshot: &'s Snapshot,
    root_uri: &'s str,
    encoding: Encoding,
    lines: HashMap<FileId, LineIndex<'s>>,
    uris: HashMap<FileId, String>,
}

impl<'s> Places<'s> {
    pub fn new(snapshot: &'s Snapshot, root_uri: &'s str, encoding: Encoding) -> Places<'s> {
        Places {
            snapshot,
            root_uri,
            encoding,
            lines: HashMap::new(),
            uris: HashMap::new(),
        }
    }

    /// A span's protocol range in its file (0:0 when the file is unknown).
    pub fn range(&mut self, span: Span) -> Value {
        let (snapshot, encoding) = (self.snapshot, self.encoding);
        let Some(text) = snapshot.file_text(span.file) else {
            return range("", 0, 0, encoding);
        };
        self.lines
            .entry(span.file)
            .or_insert_with(|| LineIndex::new(text, encoding))
            .range(span.start as usize, span.end as usize)
    }

    pub fn uri(&mut self, file: FileId) -> String {
        let (snapshot, root_uri) = (self.snapshot, self.root_uri);
        self.uris
            .entry(file)
            .or_insert_with(|| file_uri(snapshot, root_uri, file))
            .clone()
    }

    /// A span as a protocol location `{uri, range}`.
    pub fn location(&mut self, span: Span) -> Option<Value> {
        self.snapshot.file_text(span.file)?;
        Some(json!({ "uri": self.uri(span.file), "range": self.range(span) }))
    }
}

/// One diagnostic in the protocol's shape: the help line and notes follow
/// the message (editors show them together), secondary labels become
/// related information; the code is the rule (`hld rules NAME` documents it).
pub fn to_protocol(places: &mut Places<'_>, diagnostic: &Diagnostic) -> Value {
    let text_range = match diagnostic.span {
        Some(span) => places.range(span),
        None => range("", 0, 0, places.encoding),
    };
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    for note in &diagnostic.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    let severity = match diagnostic.severity {
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Info => 3,
    };
    let related: Vec<Value> = diagnostic
        .secondary
        .iter()
        .filter_map(|label| {
            Some(json!({
                "location": places.location(label.span)?,
                "message": label.message,
            }))
        })
        .collect();
    let mut value = json!({
        "range": text_range,
        "severity": severity,
        "code": diagnostic.code,
        "source": "hld",
        "message": message,
    });
    if !related.is_empty() {
        value["relatedInformation"] = Value::Array(related);
    }
    value
}

/// The URIs of every file the analysis read.
pub fn files_read(snapshot: &Snapshot, root_uri: &str) -> BTreeSet<String> {
    snapshot
        .compilation
        .sources
        .files()
        .map(|(file, _)| file_uri(snapshot, root_uri, file))
        .collect()
}

/// Every diagnostic of the analysis, by the URI of its file; every file it
/// read is present (an empty list clears what an earlier analysis showed).
pub fn by_file(snapshot: &Snapshot, root_uri: &str, encoding: Encoding) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for uri in files_read(snapshot, root_uri) {
        out.insert(uri, Vec::new());
    }
    out.insert(root_uri.to_string(), Vec::new());
    let mut places = Places::new(snapshot, root_uri, encoding);
    for diagnostic in snapshot.diagnostics() {
        let file = diagnostic.span.map_or(FileId(0), |span| span.file);
        let value = to_protocol(&mut places, diagnostic);
        out.entry(places.uri(file)).or_default().push(value);
    }
    out
}
