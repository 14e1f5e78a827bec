//! `hld fmt FILE... [--check] [--diff]`: rewrites designs in the canonical
//! layout (`syntax::fmt`). A directory stands for the `*.hld` files under
//! it; `-` reads standard input and writes standard output.
//!
//! Exit codes: 0 done (or nothing to change), 1 `--check` found files that
//! would change, 2 a file with syntax errors (left alone, its errors
//! printed) or one that cannot be read or written.

use std::path::{Path, PathBuf};

use super::{Exit, stdio};
use crate::diagnostics::{Diagnostic, codes};
use crate::model::load;
use crate::source::SourceMap;
use crate::syntax::fmt::{self, FormatError};

#[derive(clap::Args)]
pub struct FmtArgs {
    /// Design files or directories (their `*.hld` files); `-` reads standard input
    #[arg(value_name = "FILE", required = true)]
    files: Vec<String>,
    /// Change nothing: print the files that would change and exit 1 if any would
    #[arg(long)]
    check: bool,
    /// Change nothing: print a unified diff of each change
    #[arg(long)]
    diff: bool,
    /// Most bytes read for one design
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    max_size: u64,
}

pub fn run(args: &FmtArgs) -> Exit {
    let mut exit = Exit::Ok;
    for target in &args.files {
        let files = if target == "-" {
            vec![None]
        } else {
            match designs_under(Path::new(target)) {
                Ok(files) => files.into_iter().map(Some).collect(),
                Err(message) => {
                    report(Diagnostic::error(codes::IO_ERROR, message).with_help("check the path"));
                    exit = exit.max(Exit::InputError);
                    continue;
                }
            }
        };
        for file in files {
            exit = exit.max(format_one(file.as_deref(), args));
            if stdio::failed() {
                return exit;
            }
        }
    }
    exit
}

fn format_one(path: Option<&Path>, args: &FmtArgs) -> Exit {
    let name = path.map_or_else(|| "<stdin>".to_string(), |path| path.display().to_string());
    let bytes = match path {
        Some(path) => super::fs::read_bounded(path, args.max_size),
        None => super::fs::read_limited(std::io::stdin().lock(), args.max_size),
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(error) => {
            report(
                Diagnostic::error(codes::IO_ERROR, format!("cannot read {name}: {error}"))
                    .with_help("check the path; `-` reads the design from standard input"),
            );
            return Exit::InputError;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            // Where, as `hld check` says it: the bytes are not shown.
            let offset = error.utf8_error().valid_up_to();
            let line = error.as_bytes()[..offset].iter().filter(|byte| **byte == b'\n').count() + 1;
            report(
                Diagnostic::error(
                    codes::SYNTAX_ERROR,
                    format!("{name} is not valid UTF-8: invalid byte at offset {offset} (line {line})"),
                )
                .with_help("save the file as UTF-8 text; it was not formatted"),
            );
            return Exit::InputError;
        }
    };
    let formatted = match fmt::format(&text) {
        Ok(formatted) => formatted,
        Err(FormatError::Syntax) => {
            let mut sources = SourceMap::new();
            let file = sources.add(name.clone(), text.as_str());
            let diagnostics = load::syntax_diagnostics(file, &text);
            super::print_human(&diagnostics, &sources);
            stdio::err(&format!("{name}: not formatted: fix the syntax errors first\n"));
            return Exit::InputError;
        }
        Err(FormatError::Changed(why)) => {
            report(
                Diagnostic::error(codes::INTERNAL_ERROR, format!("{name}: not formatted: {why}"))
                    .with_help("this is a defect of hld fmt; please report it with the file"),
            );
            return Exit::InputError;
        }
    };
    let changed = formatted != text;
    if args.diff && changed {
        stdio::out(&unified_diff(&name, &text, &formatted));
    }
    if args.check {
        if changed {
            stdio::out(&format!("{name}\n"));
            return Exit::Findings;
        }
        return Exit::Ok;
    }
    if args.diff {
        return Exit::Ok;
    }
    match path {
        None => stdio::out(&formatted),
        Some(path) if changed => {
            if let Err(message) = super::output::write_file(path, formatted.as_bytes(), true) {
                report(Diagnostic::error(codes::IO_ERROR, message).with_help("check the file's permissions"));
                return Exit::InputError;
            }
        }
        Some(_) => {}
    }
    Exit::Ok
}

/// `path` itself, or the `*.hld` files under a directory (sorted, hidden
/// directories and links skipped).
fn designs_under(path: &Path) -> Result<Vec<PathBuf>, String> {
    // A path given on the command line is followed (a link to a
    // directory is that directory); links met in the walk are skipped.
    let meta = std::fs::metadata(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
        for entry in entries.flatten() {
            let entry_path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() && !hidden {
                pending.push(entry_path);
            } else if kind.is_file() && entry_path.extension().is_some_and(|ext| ext == "hld") {
                found.push(entry_path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// A unified diff of the whole file, three lines of context.
fn unified_diff(name: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(name, &format!("{name} (formatted)"))
        .to_string()
}

fn report(diagnostic: Diagnostic) {
    super::print_human(&[diagnostic], &SourceMap::new());
}
