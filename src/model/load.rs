//! From bytes to a resolved design: decodes and parses the root file, follows
//! its imports (relative to the importing file, each file merged once, a
//! cycle reported with its whole path), then hands every syntax tree to
//! `resolve`.
//!
//! Reading is the caller's job, through [`SourceLoader`]: the CLI reads the
//! file system, tests read a map in memory. This module never touches the
//! file system itself. It checks what an import may name before asking the
//! loader (a relative path ending in `.hld`); the loader checks where the
//! path leads (inside the import root, a regular file), before it opens
//! anything (docs/security.md, "Reads").

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
    /// Most bytes read for one design, its imports included (`--max-size`):
    /// a bound on the total, not per file.
    pub max_input_size: u64,
    /// Longest chain of imports.
    pub max_import_depth: usize,
    /// Most files one design may import in all.
    pub max_imported_files: usize,
    /// Most diagnostics kept per file; the rest are counted.
    pub max_errors_per_file: usize,
    /// Threads a long file is parsed on; `None`: every core.
    pub parse_threads: Option<usize>,
    /// The directory every import must stay inside (`--import-root`), in
    /// the loader's terms; `None`: the root design's directory (the
    /// current directory for standard input).
    pub import_root: Option<PathBuf>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_input_size: 64 * 1024 * 1024,
            max_import_depth: 16,
            max_imported_files: 256,
            max_errors_per_file: 100,
            parse_threads: None,
            import_root: None,
        }
    }
}

/// A file a [`SourceLoader`] found for an import, checked but not opened.
pub struct Located {
    /// Identifies the file whatever path reached it (a canonical path), to
    /// find cycles and files imported twice before reading them.
    pub key: PathBuf,
    /// Its size as the file system says (checked against `--max-size`
    /// before it is read).
    pub size: u64,
}

/// Why a file could not be read. The import error's help depends on the
/// cause; the message is what `Display` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    NotFound,
    /// More than the bytes left under the input limit (`--max-size`): the
    /// file's size when known, and the bytes it was allowed.
    TooLarge {
        size: Option<u64>,
        limit: u64,
    },
    /// The path leads outside the import root: by `..` (`link` false) or
    /// through a symbolic link (`link` true).
    OutsideRoot {
        link: bool,
    },
    /// A symbolic link to a file whose name does not end in `.hld`.
    NotDesignFile,
    /// A directory, a pipe or a device: not a regular file.
    NotRegular(&'static str),
    /// No permission, ...: said in words.
    Other(String),
}

/// What [`ReadError::NotRegular`] says of a directory.
pub const A_DIRECTORY: &str = "it is a directory, not a file";
/// What [`ReadError::NotRegular`] says of a pipe, a socket or a device.
pub const NOT_A_REGULAR_FILE: &str = "it is not a regular file (a pipe or a device)";

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("no such file"),
            ReadError::TooLarge {
                size: Some(size),
                limit,
            } => write!(
                f,
                "it is {size} bytes, larger than the input limit of {limit} bytes (raise it with --max-size)"
            ),
            ReadError::TooLarge { size: None, limit } => write!(
                f,
                "it is larger than the input limit of {limit} bytes (raise it with --max-size)"
            ),
            ReadError::OutsideRoot { link: false } => f.write_str("the path leads outside the import root"),
            ReadError::OutsideRoot { link: true } => {
                f.write_str("it is a symbolic link to a file outside the import root")
            }
            ReadError::NotDesignFile => {
                f.write_str("it is a symbolic link to a file whose name does not end in `.hld`")
            }
            ReadError::NotRegular(what) => f.write_str(what),
            ReadError::Other(message) => f.write_str(message),
        }
    }
}

/// One import for a [`SourceLoader`] to read.
pub struct ImportRequest<'a> {
    /// The importing file's directory, in the loader's terms.
    pub dir: &'a Path,
    /// The path as the import writes it: relative, ending in `.hld`.
    pub path: &'a Path,
    /// The directory the file must be inside, in the loader's terms.
    pub root: &'a Path,
}

/// Finds and reads files for imports. A loader reads only a regular file
/// inside `root` (after following symbolic links), and checks that before
/// it opens anything.
pub trait SourceLoader {
    /// Where an import leads: a regular file inside the root, found
    /// without opening anything.
    fn locate(&self, request: &ImportRequest<'_>) -> Result<Located, ReadError>;
    /// The bytes of a located file, at most `max_size` of them (more is
    /// [`ReadError::TooLarge`], not a truncation).
    fn read(&self, located: &Located, max_size: u64) -> Result<Vec<u8>, ReadError>;
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
    let mut loading = Loading {
        loader,
        limits,
        root: limits.import_root.clone().unwrap_or_else(|| base_dir.clone()),
        total: input.bytes.len() as u64,
        sources: SourceMap::new(),
        files: Vec::new(),
        diagnostics: Vec::new(),
        seen: HashSet::new(),
        stack: Vec::new(),
    };
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
        let idx = match counts.iter().position(|(id, _)| *id == file) {
            Some(idx) => idx,
            None => {
                counts.push((file, 0));
                counts.len() - 1
            }
        };
        let count = &mut counts[idx].1;
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
    /// Where imports must stay (`Limits::import_root`, or the root design's
    /// directory).
    root: PathBuf,
    /// Bytes read so far, the root design's included (`--max-size` bounds it).
    total: u64,
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
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                // Not text, so not a design: its bytes are never shown. The
                // source map holds a blank copy with the same line breaks,
                // so the error still has its line and column.
                let offset = error.utf8_error().valid_up_to();
                let blank = blank_copy(error.as_bytes());
                let file = self.sources.add(name, blank);
                let (line, column) = self.sources.get(file).map_or((1, 1), |f| f.line_col(offset as u32));
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::SYNTAX_ERROR,
                        format!(
                            "{name} is not valid UTF-8: invalid byte at offset {offset} (line {line}, column {column})"
                        ),
                    )
                    .at(Span::new(file, offset, offset + 1))
                    .with_label("not UTF-8")
                    .with_help("save the file as UTF-8 text")
                    .with_note("the file's content is not shown: it is not text"),
                );
                let _ = imported_at;
                return;
            }
        };
        // The source map keeps the text; parsing reads it from there, so a
        // file is held once (a 15 MB design is not copied).
        let text: std::sync::Arc<str> = text.into();
        let file = self.sources.add(name, std::sync::Arc::clone(&text));
        let parsed = match self.limits.parse_threads {
            Some(threads) => syntax::parse_on(file, &text, threads.max(1)),
            None => syntax::parse(file, &text),
        };
        for error in parsed.errors {
            self.diagnostics.push(syntax_diagnostic(error));
        }
        let (imports, misplaced) = imports_of(&parsed.ast);
        for (import, region) in &misplaced {
            self.diagnostics.push(import_in_region(import, region));
        }
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
        let written = import.path.value.as_str();
        let relative = Path::new(written);
        if let Some((why, help)) = path_rule_broken(written) {
            self.diagnostics.push(
                Diagnostic::error(codes::IMPORT_ERROR, format!("cannot import `{written}`: {why}"))
                    .at(import.path.span)
                    .with_label("not a design file path")
                    .with_help(help),
            );
            return;
        }
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
                .with_label("one import too many")
                .with_help("merge small parts into fewer files"),
            );
            return;
        }
        let request = ImportRequest {
            dir: base_dir,
            path: relative,
            root: &self.root,
        };
        let located = match self.loader.locate(&request) {
            Ok(located) => located,
            Err(error) => return self.import_error(import, &error),
        };
        if let Some(position) = self.stack.iter().position(|(key, _)| *key == located.key) {
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
        if self.seen.contains(&located.key) {
            // Imported along another path already: merged once, read once.
            return;
        }
        let left = self.limits.max_input_size.saturating_sub(self.total);
        if located.size > left {
            let error = ReadError::TooLarge {
                size: Some(located.size),
                limit: left,
            };
            return self.import_error(import, &error);
        }
        let bytes = match self.loader.read(&located, left) {
            Ok(bytes) => bytes,
            Err(error) => return self.import_error(import, &error),
        };
        self.total = self.total.saturating_add(bytes.len() as u64);
        let next_base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let next_display = display.parent().map(Path::to_path_buf).unwrap_or_default();
        self.add_file(
            &display_name,
            located.key,
            bytes,
            &next_base,
            &next_display,
            false,
            Some(import.span),
        );
    }

    /// An import that could not be read, at its path string, with the help
    /// for the cause.
    fn import_error(&mut self, import: &ast::ImportDecl, error: &ReadError) {
        let limit = self.limits.max_input_size;
        let (message, label, help) = match error {
            ReadError::NotFound => (
                error.to_string(),
                "imported here",
                "import paths are relative to the importing file",
            ),
            ReadError::TooLarge { size, .. } => (
                match size {
                    Some(size) => format!(
                        "the design and its imports would total {} bytes, over the input limit of {limit} bytes",
                        self.total.saturating_add(*size)
                    ),
                    None => {
                        format!("the design and its imports would total more than the input limit of {limit} bytes")
                    }
                },
                "over the input limit",
                "--max-size bounds a design and all its imports together; raise it if these files are designs",
            ),
            ReadError::NotDesignFile => (
                error.to_string(),
                "not a design file",
                "link to a design file (`.hld`), or import the design file itself",
            ),
            ReadError::OutsideRoot { .. } => (
                error.to_string(),
                "outside the design's files",
                "imports stay inside the import root: the root design's directory, or the one --import-root DIR names",
            ),
            ReadError::NotRegular(_) | ReadError::Other(_) => {
                (error.to_string(), "imported here", "import a design file (`.hld`)")
            }
        };
        self.diagnostics.push(
            Diagnostic::error(
                codes::IMPORT_ERROR,
                format!("cannot import `{}`: {message}", import.path.value),
            )
            .at(import.path.span)
            .with_label(label)
            .with_help(help),
        );
    }
}

/// Which rule of what an import may name `written` breaks, if any: the
/// reason and the help. Checked before the loader is asked, so a path that
/// breaks them is never opened.
fn path_rule_broken(written: &str) -> Option<(&'static str, &'static str)> {
    let path = Path::new(written);
    let bytes = written.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if path.has_root() || written.starts_with(['/', '\\']) || drive {
        return Some((
            "an import path is relative to the importing file, not absolute",
            "write the path from the importing file's directory, as in `import \"parts/data.hld\"`",
        ));
    }
    if written.contains('\0') {
        return Some((
            "an import path holds no NUL character",
            "write the path from the importing file's directory, as in `import \"parts/data.hld\"`",
        ));
    }
    let named = path.file_stem().is_some_and(|stem| !stem.is_empty());
    if !named || path.extension().is_none_or(|extension| extension != "hld") {
        return Some((
            "an import names a design file, whose name ends in `.hld`",
            "import a design file (`.hld`); other files are never read",
        ));
    }
    None
}

/// Whether `path` is `root` or inside it, comparing normalized paths (no
/// file system): `..` may not climb above the root.
pub fn lexically_inside(path: &Path, root: &Path) -> bool {
    let path = normalize(path);
    let root = normalize(root);
    path.strip_prefix(&root)
        .is_ok_and(|rest| !rest.components().any(|part| part == PathPart::ParentDir))
}

/// The bytes of a file that is not text, with every byte but the line
/// breaks made a space: same offsets, same lines, nothing of the content.
fn blank_copy(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&byte| {
            if byte == b'\n' || byte == b'\r' {
                byte as char
            } else {
                ' '
            }
        })
        .collect()
}

/// `a/./b/../c.hld` → `a/c.hld`, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
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

/// Every `import` of a file at its top level or directly in a `system`
/// block, and, apart, those inside a `region` block (an error: language.md,
/// `import`). The splitter bounds how deep containers nest, so this
/// recursion is shallow.
fn imports_of(ast: &ast::FileAst) -> (Vec<ast::ImportDecl>, Vec<(ast::ImportDecl, String)>) {
    fn collect(
        items: &[ast::Item],
        region: Option<&str>,
        imports: &mut Vec<ast::ImportDecl>,
        misplaced: &mut Vec<(ast::ImportDecl, String)>,
    ) {
        for item in items {
            match item {
                ast::Item::Import(import) => match region {
                    Some(region) => misplaced.push(((**import).clone(), region.to_string())),
                    None => imports.push((**import).clone()),
                },
                ast::Item::Container(container) => {
                    let region = match container.kind {
                        ast::ContainerKind::Region => Some(region.unwrap_or(container.id.name.as_str())),
                        ast::ContainerKind::System => region,
                    };
                    collect(&container.items, region, imports, misplaced);
                }
                _ => {}
            }
        }
    }
    let mut imports = Vec::new();
    let mut misplaced = Vec::new();
    collect(&ast.items, None, &mut imports, &mut misplaced);
    (imports, misplaced)
}

/// An `import` inside a `region` block.
fn import_in_region(import: &ast::ImportDecl, region: &str) -> Diagnostic {
    Diagnostic::error(codes::SYNTAX_ERROR, "`import` cannot stand inside a `region` block")
        .at(import.span)
        .with_label(format!("inside region `{region}`"))
        .with_help(format!(
            "move the import to the top of the file or into the `system` block; the imported file can open `region {region} {{ ... }}` itself"
        ))
}

/// The syntax errors of one file's text, as diagnostics (`hld fmt`, which
/// parses a file without compiling it).
pub fn syntax_diagnostics(file: FileId, text: &str) -> Vec<Diagnostic> {
    syntax::parse_on(file, text, 1)
        .errors
        .into_iter()
        .map(syntax_diagnostic)
        .collect()
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
    fn locate(&self, request: &ImportRequest<'_>) -> Result<Located, ReadError> {
        let key = normalize(&request.dir.join(request.path));
        if !lexically_inside(&key, request.root) {
            return Err(ReadError::OutsideRoot { link: false });
        }
        let text = self.files.get(&key).ok_or(ReadError::NotFound)?;
        Ok(Located {
            key,
            size: text.len() as u64,
        })
    }

    fn read(&self, located: &Located, max_size: u64) -> Result<Vec<u8>, ReadError> {
        let text = self.files.get(&located.key).ok_or(ReadError::NotFound)?;
        if text.len() as u64 > max_size {
            return Err(ReadError::TooLarge {
                size: Some(text.len() as u64),
                limit: max_size,
            });
        }
        Ok(text.as_bytes().to_vec())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn compile_with(loader: &MemoryLoader, root: &str, limits: &Limits) -> Compilation {
        let text = loader.files.get(Path::new(root)).cloned().unwrap_or_default();
        let input = Input {
            name: root.to_string(),
            path: Some(PathBuf::from(root)),
            key: Some(PathBuf::from(root)),
            bytes: text.into_bytes(),
        };
        compile(input, loader, limits)
    }

    fn messages(compilation: &Compilation) -> Vec<String> {
        compilation.diagnostics.iter().map(|d| d.message.clone()).collect()
    }

    #[test]
    fn path_rules_are_checked_before_the_loader_is_asked() {
        for (written, why) in [
            ("/etc/passwd.hld", "not absolute"),
            ("\\\\server\\x.hld", "not absolute"),
            ("C:\\x.hld", "not absolute"),
            ("../../etc/passwd", "ends in `.hld`"),
            ("parts", "ends in `.hld`"),
            (".hld", "ends in `.hld`"),
            ("", "ends in `.hld`"),
        ] {
            let broken = path_rule_broken(written);
            assert!(
                broken.is_some_and(|(message, _)| message.contains(why)),
                "{written}: {broken:?}"
            );
        }
        for fine in ["parts/data.hld", "../shared/x.hld", "a.b.hld"] {
            assert_eq!(path_rule_broken(fine), None, "{fine}");
        }
    }

    #[test]
    fn imports_stay_inside_the_root_designs_directory() {
        let loader = MemoryLoader::default()
            .with(
                "app/main.hld",
                "import \"../shared/db.hld\"\nsystem s {\n  client u\n}\n",
            )
            .with("shared/db.hld", "service db\n");
        let refused = compile_with(&loader, "app/main.hld", &Limits::default());
        assert_eq!(
            messages(&refused),
            ["cannot import `../shared/db.hld`: the path leads outside the import root"]
        );
        let span = refused.diagnostics[0].span.unwrap();
        assert_eq!(refused.sources.slice(span), "\"../shared/db.hld\"");
        let widened = Limits {
            import_root: Some(PathBuf::new()),
            ..Limits::default()
        };
        let compilation = compile_with(&loader, "app/main.hld", &widened);
        assert!(compilation.design.is_some(), "{:?}", messages(&compilation));
    }

    #[test]
    fn max_size_bounds_the_design_and_its_imports_together() {
        let loader = MemoryLoader::default()
            .with(
                "main.hld",
                "import \"a.hld\"\nimport \"b.hld\"\nsystem s {\n  client u\n}\n",
            )
            .with("a.hld", "service a\n")
            .with("b.hld", "service b\n");
        let root = loader.files[Path::new("main.hld")].len() as u64;
        let limits = |max| Limits {
            max_input_size: max,
            ..Limits::default()
        };
        assert!(compile_with(&loader, "main.hld", &limits(root + 20)).design.is_some());
        let over = compile_with(&loader, "main.hld", &limits(root + 19));
        assert_eq!(
            messages(&over),
            [format!(
                "cannot import `b.hld`: the design and its imports would total {} bytes, over the input limit of {} bytes",
                root + 20,
                root + 19
            )]
        );
    }

    /// A file reached along two paths is located twice but read and
    /// counted once, so a diamond fits the limit its files fit.
    #[test]
    fn a_file_imported_twice_is_counted_once() {
        let shared = format!("service shared\n// {}\n", "x".repeat(1000));
        let loader = MemoryLoader::default()
            .with(
                "main.hld",
                "import \"a.hld\"\nimport \"b.hld\"\nsystem s {\n  client u\n}\n",
            )
            .with("a.hld", "import \"shared.hld\"\nservice a\n")
            .with("b.hld", "import \"shared.hld\"\nservice b\n")
            .with("shared.hld", &shared);
        let all: u64 = loader.files.values().map(|text| text.len() as u64).sum();
        let limits = Limits {
            max_input_size: all,
            ..Limits::default()
        };
        let compilation = compile_with(&loader, "main.hld", &limits);
        assert!(compilation.design.is_some(), "{:?}", messages(&compilation));
    }

    #[test]
    fn an_import_inside_a_region_is_an_error_and_not_followed() {
        let loader = MemoryLoader::default()
            .with(
                "main.hld",
                "system s {\n  region r {\n    import \"a.hld\"\n  }\n  client u\n}\n",
            )
            .with("a.hld", "service a\n");
        let compilation = compile_with(&loader, "main.hld", &Limits::default());
        assert_eq!(
            messages(&compilation),
            ["`import` cannot stand inside a `region` block"]
        );
        assert_eq!(compilation.sources.files().count(), 1);
    }

    #[test]
    fn a_file_that_is_not_utf8_is_never_kept() {
        let input = Input {
            name: "bin.hld".to_string(),
            path: None,
            key: None,
            bytes: b"secret = 1\nsecret \xff two\n".to_vec(),
        };
        let compilation = compile(input, &MemoryLoader::default(), &Limits::default());
        assert_eq!(
            messages(&compilation),
            ["bin.hld is not valid UTF-8: invalid byte at offset 18 (line 2, column 8)"]
        );
        let (_, file) = compilation.sources.files().next().unwrap();
        assert!(!file.text.contains("secret"));
        assert_eq!(file.text.len(), 24);
        assert_eq!(
            compilation
                .sources
                .location(compilation.diagnostics[0].span.unwrap())
                .line,
            2
        );
    }
}
