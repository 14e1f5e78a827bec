//! File system access for the CLI: reading designs and their imports, and
//! finding `hld.yaml`.
//!
//! Every file hld reads for a design stays inside the design's tree, the
//! *import root* (the root design's directory, or `--import-root`): a path
//! is checked before it is opened (docs/security.md, "Reads"):
//!
//! - an import is a relative path ending in `.hld` (checked by
//!   `model::load`), whose `..` do not climb above the root;
//! - followed through every symbolic link, it lands inside the root, on a
//!   regular file whose name ends in `.hld` (no directory, pipe, device or
//!   link to another kind of file); a pipe is never opened, so it cannot
//!   block a run, and `/dev/zero` is never read;
//! - its size, from the file's metadata, fits in what is left of
//!   `--max-size`, which bounds a design and all its imports together;
//! - after opening, the open file is checked to be the file checked before.
//!
//! `hld.yaml` (beside the design, or `--config`) is a regular file; a
//! symbolic link is followed only to a file inside the import root.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::model::load::{
    A_DIRECTORY, ImportRequest, Located, NOT_A_REGULAR_FILE, ReadError, SourceLoader, lexically_inside, normalize,
};

/// Reads design files and their imports from disk.
pub struct FsLoader;

impl SourceLoader for FsLoader {
    fn locate(&self, request: &ImportRequest<'_>) -> Result<Located, ReadError> {
        let root = canonical_dir(request.root)?;
        let dir = canonical_dir(request.dir)?;
        // `..` may not climb above the root: refused before the file
        // system is asked anything about the target.
        let lexical = normalize(&dir.join(request.path));
        if !lexically_inside(&lexical, &root) {
            return Err(ReadError::OutsideRoot { link: false });
        }
        // Where the path really leads, every symbolic link followed.
        let target = std::fs::canonicalize(dir.join(request.path)).map_err(|error| describe_io(&error))?;
        if !target.starts_with(&root) {
            return Err(ReadError::OutsideRoot { link: true });
        }
        if target.extension().is_none_or(|extension| extension != "hld") {
            return Err(ReadError::NotDesignFile);
        }
        let meta = regular_metadata(&target)?;
        Ok(Located {
            key: target,
            size: meta.len(),
        })
    }

    fn read(&self, located: &Located, max_size: u64) -> Result<Vec<u8>, ReadError> {
        read_regular(&located.key, max_size)
    }
}

/// A directory's canonical path; `""` is the current directory.
fn canonical_dir(dir: &Path) -> Result<PathBuf, ReadError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::fs::canonicalize(dir).map_err(|error| describe_io(&error))
}

/// Reads a regular file of at most `max_size` bytes, checked before it is
/// opened (metadata: kind and size) and again once open (the same file,
/// still regular, still small enough; a file that grows while read, like
/// those of `/proc`, is cut at the limit and refused).
fn read_regular(path: &Path, max_size: u64) -> Result<Vec<u8>, ReadError> {
    let before = regular_metadata(path)?;
    if before.len() > max_size {
        return Err(ReadError::TooLarge {
            size: Some(before.len()),
            limit: max_size,
        });
    }
    let file = File::open(path).map_err(|error| describe_io(&error))?;
    let after = file.metadata().map_err(|error| describe_io(&error))?;
    if !after.is_file() || !same_file(&before, &after) {
        return Err(ReadError::Other("the file changed while it was opened".to_string()));
    }
    read_limited(file, max_size)
}

/// The metadata of a regular file (following links); a directory, a pipe,
/// a socket or a device is an error. Nothing is opened.
fn regular_metadata(path: &Path) -> Result<std::fs::Metadata, ReadError> {
    let meta = std::fs::metadata(path).map_err(|error| describe_io(&error))?;
    if meta.is_dir() {
        return Err(ReadError::NotRegular(A_DIRECTORY));
    }
    if !meta.is_file() {
        return Err(ReadError::NotRegular(NOT_A_REGULAR_FILE));
    }
    Ok(meta)
}

/// Whether two metadata describe the same file (device and inode).
#[cfg(unix)]
fn same_file(before: &std::fs::Metadata, after: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    before.dev() == after.dev() && before.ino() == after.ino()
}

/// Whether two metadata describe the same file (as far as size and time say).
#[cfg(not(unix))]
fn same_file(before: &std::fs::Metadata, after: &std::fs::Metadata) -> bool {
    before.len() == after.len() && before.modified().ok() == after.modified().ok()
}

/// The import root of a design: `--import-root`, else the design's
/// directory (the current directory for standard input), canonical.
pub fn import_root(explicit: Option<&Path>, design: Option<&Path>) -> Result<PathBuf, String> {
    let dir = match explicit {
        Some(dir) => dir,
        None => design.and_then(Path::parent).unwrap_or(Path::new("")),
    };
    let shown = if dir.as_os_str().is_empty() {
        ".".to_string()
    } else {
        dir.display().to_string()
    };
    match canonical_dir(dir) {
        Ok(root) if root.is_dir() => Ok(root),
        Ok(_) => Err(format!("the import root {shown} is not a directory")),
        Err(error) => Err(format!("cannot use the import root {shown}: {error}")),
    }
}

/// Reads the design named on the command line. A regular file (or a
/// symbolic link to one) must be inside the import root, like its imports;
/// a pipe (`<(...)`) or a device is read as a stream, bounded like
/// standard input.
pub fn read_design(path: &Path, root: &Path, max_size: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(|error| describe_io(&error))?;
    if meta.is_dir() {
        return Err(ReadError::NotRegular(A_DIRECTORY));
    }
    if !meta.is_file() {
        let file = File::open(path).map_err(|error| describe_io(&error))?;
        return read_limited(file, max_size);
    }
    let target = std::fs::canonicalize(path).map_err(|error| describe_io(&error))?;
    if !target.starts_with(root) {
        let link = std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink());
        return Err(ReadError::OutsideRoot { link });
    }
    read_regular(&target, max_size)
}

/// Reads at most `max_size` bytes; a longer file is an error, not a truncation.
pub fn read_bounded(path: &Path, max_size: u64) -> Result<Vec<u8>, ReadError> {
    let file = File::open(path).map_err(|error| describe_io(&error))?;
    if file.metadata().map(|meta| meta.is_dir()).unwrap_or(false) {
        return Err(ReadError::NotRegular(A_DIRECTORY));
    }
    read_limited(file, max_size)
}

pub fn read_limited(reader: impl Read, max_size: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| describe_io(&error))?;
    if bytes.len() as u64 > max_size {
        return Err(ReadError::TooLarge {
            size: None,
            limit: max_size,
        });
    }
    Ok(bytes)
}

fn describe_io(error: &io::Error) -> ReadError {
    match error.kind() {
        io::ErrorKind::NotFound => ReadError::NotFound,
        io::ErrorKind::PermissionDenied => ReadError::Other("permission denied".to_string()),
        _ if error.raw_os_error() == Some(21) => ReadError::NotRegular(A_DIRECTORY),
        _ if error.raw_os_error() == Some(20) => ReadError::Other("a part of the path is not a directory".to_string()),
        _ => ReadError::Other(error.to_string()),
    }
}

/// `hld.yaml` beside a design (in the current directory for stdin), when
/// there is one (a dangling link is none).
pub fn config_beside(design: Option<&Path>) -> Option<PathBuf> {
    let dir = design
        .and_then(Path::parent)
        .map(|dir| {
            if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            }
        })
        .unwrap_or(Path::new("."));
    let candidate = dir.join("hld.yaml");
    candidate.exists().then_some(candidate)
}

/// Reads a configuration file: a regular file, and when it is a symbolic
/// link, one to a file inside the import root (checked before opening, so
/// a link to `/etc/passwd` is never read).
pub fn read_config(path: &Path, root: &Path, max_size: u64) -> Result<Vec<u8>, ReadError> {
    let link = std::fs::symlink_metadata(path)
        .map_err(|error| describe_io(&error))?
        .file_type()
        .is_symlink();
    let target = std::fs::canonicalize(path).map_err(|error| describe_io(&error))?;
    if link && !target.starts_with(root) {
        return Err(ReadError::OutsideRoot { link: true });
    }
    read_regular(&target, max_size)
}

/// The canonical path of a file, when it exists (the language server's key
/// for an open document, as imports are keyed).
pub fn canonical(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}
