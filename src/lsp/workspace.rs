//! The open documents and what the server knows of each: its text, and the
//! last analysis of it ([`Snapshot`]: the compilation, the findings, and
//! on demand the estimates). Imports read an open document's text, not the
//! file on disk, so a design and the file it imports can be edited
//! together.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::analysis::{self, Config};
use crate::cli::fs::FsLoader;
use crate::cli::{InputArgs, load_config};
use crate::diagnostics::{Diagnostic, Severity};
use crate::estimate::{self, Estimates};
use crate::model::Design;
use crate::model::load::{self, Compilation, ImportRequest, Input, Limits, Located, ReadError, SourceLoader};
use crate::source::FileId;

use super::text::uri_to_path;

pub struct Document {
    pub text: String,
    pub version: i64,
    /// The file behind a `file://` URI.
    pub path: Option<PathBuf>,
}

/// One analysis of one document, as of one version.
pub struct Snapshot {
    pub version: i64,
    pub compilation: Compilation,
    /// Rule findings (none while the design has input errors), with the
    /// analysis's own input errors.
    pub findings: Vec<Diagnostic>,
    estimates: OnceLock<Option<Estimates>>,
}

impl Snapshot {
    pub fn design(&self) -> Option<&Design> {
        self.compilation.design.as_ref()
    }

    /// Every error and finding, input errors first.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.compilation.diagnostics.iter().chain(&self.findings)
    }

    /// The figures of `hld estimate`, computed on first use.
    pub fn estimates(&self) -> Option<&Estimates> {
        self.estimates
            .get_or_init(|| self.design().map(|design| estimate::estimate(design, None)))
            .as_ref()
    }

    /// The text of one of its files.
    pub fn file_text(&self, file: FileId) -> Option<&str> {
        self.compilation.sources.get(file).map(|file| &*file.text)
    }
}

/// The open documents by URI.
#[derive(Default)]
pub struct Workspace {
    pub documents: BTreeMap<String, Document>,
}

impl Workspace {
    pub fn open(&mut self, uri: &str, text: String, version: i64) {
        let path = uri_to_path(uri);
        self.documents.insert(uri.to_string(), Document { text, version, path });
    }

    /// Analyses a document: compiles it (imports read from open documents
    /// first, then the disk, within the design's directory), then runs
    /// every rule with the hld.yaml beside it.
    pub fn analyze(&self, uri: &str) -> Option<Snapshot> {
        let document = self.documents.get(uri)?;
        Some(self.analyze_text(uri, document, &document.text))
    }

    /// The findings of the document with `text` in place of its own (a
    /// fix's edited copy), or `None` when that does not compile cleanly.
    pub fn recheck(&self, uri: &str, text: &str) -> Option<Vec<Diagnostic>> {
        let document = self.documents.get(uri)?;
        let snapshot = self.analyze_text(uri, document, text);
        if snapshot
            .compilation
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
        {
            return None;
        }
        Some(snapshot.findings)
    }

    fn analyze_text(&self, uri: &str, document: &Document, text: &str) -> Snapshot {
        let name = document
            .path
            .as_ref()
            .map_or_else(|| uri.to_string(), |path| path.display().to_string());
        let input = Input {
            name: name.clone(),
            path: document.path.clone(),
            key: document.path.as_deref().and_then(crate::cli::fs::canonical),
            bytes: text.as_bytes().to_vec(),
        };
        let limits = Limits {
            parse_threads: Some(1),
            import_root: document.path.as_deref().and_then(Path::parent).map(Path::to_path_buf),
            ..Limits::default()
        };
        let overlay = Overlay { workspace: self };
        let mut compilation = load::compile(input, &overlay, &limits);
        // A file opened on its own that holds no `system` is a part that
        // designs import, not a broken design: the designs that import it
        // report its problems.
        compilation
            .diagnostics
            .retain(|diagnostic| diagnostic.message != crate::model::resolve::NO_SYSTEM);
        let args = InputArgs {
            config: None,
            max_size: limits.max_input_size,
            import_root: None,
        };
        let config = match &document.path {
            Some(_) => load_config(&name, &args).unwrap_or_default(),
            None => Config::default(),
        };
        let findings = match &compilation.design {
            Some(design) if !compilation.diagnostics.iter().any(|d| d.severity == Severity::Error) => {
                let analysis = analysis::check(design, &config);
                analysis.errors.into_iter().chain(analysis.findings).collect()
            }
            _ => Vec::new(),
        };
        Snapshot {
            version: document.version,
            compilation,
            findings,
            estimates: OnceLock::new(),
        }
    }

    /// The open document at a canonical path.
    fn by_canonical_path(&self, key: &Path) -> Option<&Document> {
        self.documents.values().find(|document| {
            document
                .path
                .as_deref()
                .and_then(crate::cli::fs::canonical)
                .is_some_and(|path| path == key)
        })
    }
}

/// Reads imports from the open documents, else from the disk; either way
/// only inside the import root (the file system decides where a path
/// leads).
struct Overlay<'a> {
    workspace: &'a Workspace,
}

impl SourceLoader for Overlay<'_> {
    fn locate(&self, request: &ImportRequest<'_>) -> Result<Located, ReadError> {
        FsLoader.locate(request)
    }

    fn read(&self, located: &Located, max_size: u64) -> Result<Vec<u8>, ReadError> {
        match self.workspace.by_canonical_path(&located.key) {
            Some(document) if document.text.len() as u64 > max_size => Err(ReadError::TooLarge {
                size: Some(document.text.len() as u64),
                limit: max_size,
            }),
            Some(document) => Ok(document.text.as_bytes().to_vec()),
            None => FsLoader.read(located, max_size),
        }
    }
}
