//! From bytes to a resolved design: decodes and parses the root file, follows
//! its imports (relative to the importing file, each file merged once, a
//! cycle reported with its whole path), then hands every syntax tree to
//! `resolve`.
//!
//! Reading is the caller's job, through [`SourceLoader`]: the CLI reads the
//! file system, tests read a map in memory. This module never touches the
//! file system itself.

use std::collections::HashSet;
use std::path::{Component as PathPart, Path, PathBuf};

use super::Design;
use super::resolve;
use super::schema;
use crate::diagnostics::{Diagnostic, codes};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, SyntaxError, ast};

/// Limits that keep work bounded by the input (docs/performance.md).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest file read, in bytes (`--max-size`).
    pub max_file_size: u64,
    /// Longest chain of imports.
    pub max_import_depth: usize,
    /// Most files one design may import in all.
    pub max_imported_files: usize,
    /// Most diagnostics kept per file; the rest are counted.
    pub max_errors_per_file: usize,
    /// Threads a long file is parsed on; `None`: every core.
    pub parse_threads: Option<usize>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_size: 64 * 1024 * 1024,
            max_import_depth: 16,
            max_imported_files: 256,
            max_errors_per_file: 100,
            parse_threads: None,
        }
    }
}

/// A file as read by a [`SourceLoader`].
pub struct ReadFile {
    /// Identifies the file whatever path reached it (a canonical path), to
    /// find cycles and files imported twice.
    pub key: PathBuf,
    pub bytes: Vec<u8>,
}

/// Why a file could not be read. The import error's help depends on the
/// cause; the message is what `Display` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    NotFound,
    /// Longer than the input limit (`--max-size`), in bytes.
    TooLarge(u64),
    /// A directory, a device, no permission, ...: said in words.
    Other(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("no such file"),
            ReadError::TooLarge(limit) => {
                write!(
                    f,
                    "it is larger than the input limit of {limit} bytes (raise it with --max-size)"
                )
            }
            ReadError::Other(message) => f.write_str(message),
        }
    }
}

/// Reads files for imports.
pub trait SourceLoader {
    fn read(&self, path: &Path, max_size: u64) -> Result<ReadFile, ReadError>;
}

/// The design file named on the command line (or standard input).
pub struct Input {
    /// How the file is named in diagnostics (the path as given, or `<stdin>`).
    pub name: String,
    /// Where relative imports start; `None` for standard input (the current
    /// directory).
    pub path: Option<PathBuf>,
    /// The canonical key of the file, when it has one.
    pub key: Option<PathBuf>,
    pub bytes: Vec<u8>,
}

/// Everything one compilation produced: the sources read (for rendering
/// diagnostics), the design when it resolved without errors, and the
/// diagnostics.
pub struct Compilation {
    pub sources: SourceMap,
    pub design: Option<Design>,
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics dropped by the per-file cap, by file.
    pub suppressed: Vec<(FileId, usize)>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.design.is_none()
    }
}

/// One parsed file, in merge order (the root first, then imports depth-first).
pub struct ParsedFile {
    pub file: FileId,
    pub ast: ast::FileAst,
    pub is_root: bool,
}

pub fn compile(input: Input, loader: &dyn SourceLoader, limits: &Limits) -> Compilation {
    let mut loading = Loading {
        loader,
        limits,
        sources: SourceMap::new(),
        files: Vec::new(),
        diagnostics: Vec::new(),
        seen: HashSet::new(),
        stack: Vec::new(),
    };
    let display_dir = Path::new(&input.name)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let base_dir = input
        .path
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let key = input.key.clone().unwrap_or_else(|| PathBuf::from(&input.name));
    loading.add_file(&input.name, key, input.bytes, &base_dir, &display_dir, true, None);

    let mut diagnostics = loading.diagnostics;
    let sources = loading.sources;
    // The resolver keeps at most the cap per file itself (two million
    // duplicate links are not two million diagnostics in memory); what it
    // dropped is counted with what the cap below drops.
    let (design, resolve_diagnostics, resolve_dropped) =
        resolve::resolve(std::mem::take(&mut loading.files), limits.max_errors_per_file);
    // A design with syntax errors is resolved to report its errors too,
    // but never analysed.
    let syntax_errors = diagnostics
        .iter()
        .any(|d| d.severity == crate::diagnostics::Severity::Error);
    let design = if syntax_errors { None } else { design };
    diagnostics.extend(resolve_diagnostics);
    let (diagnostics, mut suppressed) = cap_per_file(diagnostics, &sources, limits.max_errors_per_file);
    for (file, count) in resolve_dropped {
        match suppressed.iter_mut().find(|(id, _)| *id == file) {
            Some((_, n)) => *n += count,
            None => suppressed.push((file, count)),
        }
    }
    suppressed.sort_by(|a, b| sources.name(a.0).cmp(sources.name(b.0)).then(a.0.cmp(&b.0)));
    Compilation {
        sources,
        design,
        diagnostics,
        suppressed,
    }
}

/// Keeps the first `max` diagnostics of each file (in source order).
fn cap_per_file(
    mut diagnostics: Vec<Diagnostic>,
    sources: &SourceMap,
    max: usize,
) -> (Vec<Diagnostic>, Vec<(FileId, usize)>) {
    crate::diagnostics::sort(&mut diagnostics, sources);
    let mut kept = Vec::with_capacity(diagnostics.len().min(max.saturating_mul(2)));
    let mut counts: Vec<(FileId, usize)> = Vec::new();
    let mut suppressed: Vec<(FileId, usize)> = Vec::new();
    for diagnostic in diagnostics {
        let file = diagnostic.span.map_or(FileId(u32::MAX), |span| span.file);
        let count = match counts.iter_mut().find(|(id, _)| *id == file) {
            Some((_, count)) => count,
            None => {
                counts.push((file, 0));
                &mut counts.last_mut().expect("just pushed").1
            }
        };
        *count += 1;
        if *count <= max {
            kept.push(diagnostic);
        } else {
            match suppressed.iter_mut().find(|(id, _)| *id == file) {
                Some((_, n)) => *n += 1,
                None => suppressed.push((file, 1)),
            }
        }
    }
    (kept, suppressed)
}

struct Loading<'a> {
    loader: &'a dyn SourceLoader,
    limits: &'a Limits,
    sources: SourceMap,
    files: Vec<ParsedFile>,
    diagnostics: Vec<Diagnostic>,
    /// Keys of every file read, so a file imported twice is merged once.
    seen: HashSet<PathBuf>,
    /// Display names of the files being imported, root first, to name cycles.
    stack: Vec<(PathBuf, String)>,
}

impl Loading<'_> {
    #[allow(clippy::too_many_arguments)]
    fn add_file(
        &mut self,
        name: &str,
        key: PathBuf,
        bytes: Vec<u8>,
        base_dir: &Path,
        display_dir: &Path,
        is_root: bool,
        imported_at: Option<Span>,
    ) {
        self.seen.insert(key.clone());
        let (text, utf8_error) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                (String::from_utf8_lossy(error.as_bytes()).into_owned(), Some(offset))
            }
        };
        // The source map keeps the text; parsing reads it from there, so a
        // file is held once (a 15 MB design is not copied).
        let text: std::sync::Arc<str> = text.into();
        let file = self.sources.add(name, std::sync::Arc::clone(&text));
        if let Some(offset) = utf8_error {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::SYNTAX_ERROR,
                    format!("{name} is not valid UTF-8: invalid byte at offset {offset}"),
                )
                .at(Span::new(file, offset, offset + 1))
                .with_label("not UTF-8")
                .with_help("save the file as UTF-8 text"),
            );
            let _ = imported_at;
            return;
        }
        let parsed = match self.limits.parse_threads {
            Some(threads) => syntax::parse_on(file, &text, threads.max(1)),
            None => syntax::parse(file, &text),
        };
        for error in parsed.errors {
            self.diagnostics.push(syntax_diagnostic(error));
        }
        let imports = imports_of(&parsed.ast);
        self.files.push(ParsedFile {
            file,
            ast: parsed.ast,
            is_root,
        });
        self.stack.push((key, name.to_string()));
        for import in imports {
            self.import(&import, base_dir, display_dir);
        }
        self.stack.pop();
    }

    fn import(&mut self, import: &ast::ImportDecl, base_dir: &Path, display_dir: &Path) {
        let relative = Path::new(&import.path.value);
        let path = base_dir.join(relative);
        let display = normalize(&display_dir.join(relative));
        let display_name = display.to_string_lossy().replace('\\', "/");
        if self.stack.len() > self.limits.max_import_depth {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::LIMIT_EXCEEDED,
                    format!("imports nest more than {} files deep", self.limits.max_import_depth),
                )
                .at(import.span)
                .with_label("too deep")
                .with_help("import the shared files from the root design instead of chaining them"),
            );
            return;
        }
        if self.seen.len() >= self.limits.max_imported_files {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::LIMIT_EXCEEDED,
                    format!("a design may read at most {} files", self.limits.max_imported_files),
                )
                .at(import.span)
                .with_label("one import too many"),
            );
            return;
        }
        let read = match self.loader.read(&path, self.limits.max_file_size) {
            Ok(read) => read,
            Err(message) => {
                let help = match message {
                    ReadError::NotFound => "import paths are relative to the importing file",
                    ReadError::TooLarge(_) => {
                        "an imported design is bounded like the root one; raise --max-size if the file is a design"
                    }
                    ReadError::Other(_) => "import a design file (`.hld`)",
                };
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::IMPORT_ERROR,
                        format!("cannot import `{}`: {message}", import.path.value),
                    )
                    .at(import.path.span)
                    .with_label("imported here")
                    .with_help(help),
                );
                return;
            }
        };
        if let Some(position) = self.stack.iter().position(|(key, _)| *key == read.key) {
            let mut cycle: Vec<String> = self.stack[position..].iter().map(|(_, name)| name.clone()).collect();
            cycle.push(display_name.clone());
            self.diagnostics.push(
                Diagnostic::error(codes::IMPORT_ERROR, format!("import cycle: {}", cycle.join(" -> ")))
                    .at(import.span)
                    .with_label("closes the cycle")
                    .with_help("remove one of these imports; shared declarations can live in a file both import"),
            );
            return;
        }
        if self.seen.contains(&read.key) {
            // Imported along another path already: merged once.
            return;
        }
        let next_base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let next_display = display.parent().map(Path::to_path_buf).unwrap_or_default();
        self.add_file(
            &display_name,
            read.key,
            read.bytes,
            &next_base,
            &next_display,
            false,
            Some(import.span),
        );
    }
}

/// `a/./b/../c.hld` → `a/c.hld`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            PathPart::CurDir => {}
            PathPart::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Every `import` of a file, wherever it sits (the splitter bounds how deep
/// containers nest, so this recursion is shallow).
fn imports_of(ast: &ast::FileAst) -> Vec<ast::ImportDecl> {
    fn collect(items: &[ast::Item], imports: &mut Vec<ast::ImportDecl>) {
        for item in items {
            match item {
                ast::Item::Import(import) => imports.push((**import).clone()),
                ast::Item::Container(container) => collect(&container.items, imports),
                _ => {}
            }
        }
    }
    let mut imports = Vec::new();
    collect(&ast.items, &mut imports);
    imports
}

/// A syntax error in the shape of every other diagnostic; where a value was
/// expected after `NAME =`, the property's type says which value.
fn syntax_diagnostic(error: SyntaxError) -> Diagnostic {
    let typed = error
        .expected_value_for
        .as_deref()
        .and_then(|property| schema::expected_value_type(property).map(|ty| (property, ty)));
    let (message, help) = match typed {
        Some((property, ty)) => (
            format!(
                "expected a value for `{property}`: {}, found {}",
                ty.describe(),
                error.found
            ),
            Some(format!("write `{property} = {}`", ty.example())),
        ),
        None => (error.message, error.help),
    };
    Diagnostic::error(codes::SYNTAX_ERROR, message)
        .at(error.span)
        .with_label(error.label)
        .with_optional_help(help)
}

/// A loader over files held in memory, for tests and for `hld init`.
#[derive(Default)]
pub struct MemoryLoader {
    pub files: std::collections::BTreeMap<PathBuf, String>,
}

impl MemoryLoader {
    pub fn with(mut self, path: &str, text: &str) -> MemoryLoader {
        self.files.insert(normalize(Path::new(path)), text.to_string());
        self
    }
}

impl SourceLoader for MemoryLoader {
    fn read(&self, path: &Path, _max_size: u64) -> Result<ReadFile, ReadError> {
        let key = normalize(path);
        self.files
            .get(&key)
            .map(|text| ReadFile {
                key: key.clone(),
                bytes: text.as_bytes().to_vec(),
            })
            .ok_or(ReadError::NotFound)
    }
}
/// Compiles a design from text with no file system (for unit tests).
#[cfg(test)]
pub(crate) fn compile_text(text: &str) -> Compilation {
    let input = Input {
        name: "t.hld".to_string(),
        path: None,
        key: None,
        bytes: text.as_bytes().to_vec(),
    };
    compile(input, &MemoryLoader::default(), &Limits::default())
}

/// The resolved design of `text`; panics with the errors when it does not
/// resolve (for unit tests).
#[cfg(test)]
pub(crate) fn test_design(text: &str) -> crate::model::Design {
    let compilation = compile_text(text);
    let messages: Vec<_> = compilation.diagnostics.iter().map(|d| d.message.clone()).collect();
    compilation
        .design
        .unwrap_or_else(|| panic!("the design does not resolve: {messages:?}\n{text}"))
}
