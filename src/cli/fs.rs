//! File system access for the CLI: reading designs (bounded by the size
//! limit, so `/dev/zero` cannot hang a run) and finding `hld.yaml`.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::model::load::{ReadError, ReadFile, SourceLoader};

/// Reads design files and their imports from disk.
pub struct FsLoader;

impl SourceLoader for FsLoader {
    /// Imports are regular files: a pipe would block, a device (`/dev/zero`)
    /// would be read to the size limit for nothing.
    fn read(&self, path: &Path, max_size: u64) -> Result<ReadFile, ReadError> {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => return Err(ReadError::Other("it is a directory, not a file".to_string())),
            Ok(meta) if !meta.is_file() => {
                return Err(ReadError::Other(
                    "it is not a regular file (a pipe or a device)".to_string(),
                ));
            }
            _ => {}
        }
        let bytes = read_bounded(path, max_size)?;
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        Ok(ReadFile { key, bytes })
    }
}

/// Reads at most `max_size` bytes; a longer file is an error, not a truncation.
pub fn read_bounded(path: &Path, max_size: u64) -> Result<Vec<u8>, ReadError> {
    let file = File::open(path).map_err(|error| describe_io(&error))?;
    if file.metadata().map(|meta| meta.is_dir()).unwrap_or(false) {
        return Err(ReadError::Other("it is a directory, not a file".to_string()));
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
        return Err(ReadError::TooLarge(max_size));
    }
    Ok(bytes)
}

fn describe_io(error: &io::Error) -> ReadError {
    match error.kind() {
        io::ErrorKind::NotFound => ReadError::NotFound,
        io::ErrorKind::PermissionDenied => ReadError::Other("permission denied".to_string()),
        _ if error.raw_os_error() == Some(21) => ReadError::Other("it is a directory, not a file".to_string()),
        _ => ReadError::Other(error.to_string()),
    }
}

/// `hld.yaml` beside a design (in the current directory for stdin).
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
    candidate.is_file().then_some(candidate)
}
