//! `git:REF` in `hld diff`: a design (and its imports, and the `hld.yaml`
//! beside it) read from a git revision instead of the disk, through
//! [`GitLoader`], a [`SourceLoader`] over `git ls-tree` and `git show`.
//!
//! The guarantees of `cli::fs` hold at the revision too
//! (docs/security.md, "Reads"): an import is a relative `.hld` path
//! (`model::load`) that stays lexically inside the import root (the
//! design's directory at that revision, or `--import-root`, both inside
//! the repository); only regular files are read (a symbolic link, a
//! directory or a submodule in the tree is refused, never followed); the
//! size comes from the tree before anything is read and counts against
//! what is left of `--max-size`.
//!
//! git runs without a shell, with fixed arguments: the revision is checked
//! (no leading `-`, no `:`, no whitespace or control character) and turned
//! into a commit id once (`rev-parse --verify --end-of-options`); paths go
//! after `--` as literal pathspecs (`GIT_LITERAL_PATHSPECS=1`), or inside
//! `COMMIT:PATH` for `git show`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::model::load::{A_DIRECTORY, ImportRequest, Located, ReadError, SourceLoader, lexically_inside, normalize};

/// A revision of the repository a design lives in.
pub struct Revision {
    /// The repository's top directory (where git runs).
    pub top: PathBuf,
    /// The commit id REF names.
    pub commit: String,
}

/// Whether a revision is safe to hand to git as an argument.
pub fn check_reference(reference: &str) -> Result<(), String> {
    if reference.is_empty() {
        return Err("`git:` needs a revision, as in `git:HEAD~1` or `git:origin/main`".to_string());
    }
    if reference.starts_with('-') {
        return Err(format!("the revision `{reference}` starts with `-`"));
    }
    if reference.contains(':') {
        return Err(format!(
            "the revision `{reference}` holds a `:`; name the revision only, the path is the other design's"
        ));
    }
    if reference.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
        return Err(format!(
            "the revision `{reference:?}` holds a space or a control character"
        ));
    }
    Ok(())
}

/// Runs git in `top` with `args`, no shell, no prompt, no standard input.
fn git(top: &Path, args: &[&OsStr]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["-c", "core.fsmonitor=false", "--no-optional-locks"])
        .args(args)
        .env("GIT_LITERAL_PATHSPECS", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run git ({error})"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("").trim();
        return Err(if first.is_empty() {
            format!("git failed ({})", output.status)
        } else {
            first.to_string()
        });
    }
    Ok(output.stdout)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes)
        .trim_end_matches(['\n', '\r'])
        .to_string()
}

impl Revision {
    /// The revision `reference` of the repository holding the directory `near`.
    pub fn open(reference: &str, near: &Path) -> Result<Revision, String> {
        check_reference(reference)?;
        let near = if near.as_os_str().is_empty() {
            Path::new(".")
        } else {
            near
        };
        let top = text(git(near, &["rev-parse".as_ref(), "--show-toplevel".as_ref()])?);
        if top.is_empty() {
            return Err(format!("{} is not inside a git work tree", near.display()));
        }
        let top = std::fs::canonicalize(&top).map_err(|error| format!("cannot use the repository {top}: {error}"))?;
        let spec = format!("{reference}^{{commit}}");
        let commit = git(
            &top,
            &[
                "rev-parse".as_ref(),
                "--verify".as_ref(),
                "--quiet".as_ref(),
                "--end-of-options".as_ref(),
                spec.as_ref(),
            ],
        )
        .map(text)
        .unwrap_or_default();
        if commit.is_empty() || !commit.chars().all(|ch| ch.is_ascii_hexdigit()) {
            return Err(format!("`{reference}` names no commit of the repository"));
        }
        Ok(Revision { top, commit })
    }

    /// The path of a file of the work tree relative to the repository's
    /// top, through its canonical directory (the file itself need not
    /// exist).
    pub fn relative(&self, path: &Path) -> Result<PathBuf, String> {
        let file_name = path
            .file_name()
            .ok_or_else(|| format!("{} names no file", path.display()))?;
        let dir = self.relative_dir(path.parent().unwrap_or(Path::new("")))?;
        Ok(dir.join(file_name))
    }

    /// A directory of the work tree relative to the repository's top.
    pub fn relative_dir(&self, dir: &Path) -> Result<PathBuf, String> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let canonical = std::fs::canonicalize(dir)
            .map_err(|error| format!("cannot use the directory {}: {error}", dir.display()))?;
        canonical
            .strip_prefix(&self.top)
            .map(Path::to_path_buf)
            .map_err(|_| format!("{} is outside the repository {}", dir.display(), self.top.display()))
    }

    /// The tree entry of `path` (relative to the top) at this revision:
    /// its mode, kind and size, without reading it.
    fn entry(&self, path: &Path) -> Result<Located, ReadError> {
        if path.as_os_str().is_empty() || path.components().any(|part| part == std::path::Component::ParentDir) {
            return Err(ReadError::OutsideRoot { link: false });
        }
        let listing = git(
            &self.top,
            &[
                "ls-tree".as_ref(),
                "-l".as_ref(),
                "-z".as_ref(),
                "--full-tree".as_ref(),
                self.commit.as_ref(),
                "--".as_ref(),
                path.as_os_str(),
            ],
        )
        .map_err(ReadError::Other)?;
        let wanted = path.to_string_lossy().replace('\\', "/");
        // `<mode> <type> <object> <size>\t<path>\0`, one entry per path.
        for record in listing.split(|&byte| byte == 0) {
            let record = String::from_utf8_lossy(record);
            let Some((meta, name)) = record.split_once('\t') else {
                continue;
            };
            if name != wanted {
                continue;
            }
            let fields: Vec<&str> = meta.split_whitespace().collect();
            let [mode, _kind, _object, size] = fields[..] else {
                return Err(ReadError::Other(
                    "git ls-tree printed an entry hld cannot read".to_string(),
                ));
            };
            return match mode {
                "100644" | "100755" => Ok(Located {
                    key: path.to_path_buf(),
                    size: size
                        .parse()
                        .map_err(|_| ReadError::Other("git ls-tree printed no size".to_string()))?,
                }),
                "120000" => Err(ReadError::NotRegular(
                    "it is a symbolic link at that revision (hld reads only regular files from git)",
                )),
                "040000" => Err(ReadError::NotRegular(A_DIRECTORY)),
                _ => Err(ReadError::NotRegular(
                    "it is not a regular file at that revision (a submodule)",
                )),
            };
        }
        Err(ReadError::NotFound)
    }

    /// The bytes of a located blob, at most `max_size`.
    fn show(&self, located: &Located, max_size: u64) -> Result<Vec<u8>, ReadError> {
        if located.size > max_size {
            return Err(ReadError::TooLarge {
                size: Some(located.size),
                limit: max_size,
            });
        }
        let object = format!("{}:{}", self.commit, located.key.to_string_lossy().replace('\\', "/"));
        let bytes = git(
            &self.top,
            &[
                "show".as_ref(),
                "--no-textconv".as_ref(),
                "--no-color".as_ref(),
                object.as_ref(),
            ],
        )
        .map_err(ReadError::Other)?;
        if bytes.len() as u64 > max_size {
            return Err(ReadError::TooLarge {
                size: Some(bytes.len() as u64),
                limit: max_size,
            });
        }
        Ok(bytes)
    }

    /// Reads a file by its path relative to the top (the root design, its
    /// `hld.yaml`), a regular file of at most `max_size` bytes.
    pub fn read(&self, path: &Path, max_size: u64) -> Result<Vec<u8>, ReadError> {
        let located = self.entry(&normalize(path))?;
        self.show(&located, max_size)
    }
}

/// Reads imports from a git revision. Paths are relative to the
/// repository's top; the import root is a directory relative to it.
pub struct GitLoader<'a> {
    pub revision: &'a Revision,
}

impl SourceLoader for GitLoader<'_> {
    fn locate(&self, request: &ImportRequest<'_>) -> Result<Located, ReadError> {
        let key = normalize(&request.dir.join(request.path));
        if !lexically_inside(&key, request.root) {
            return Err(ReadError::OutsideRoot { link: false });
        }
        if key.extension().is_none_or(|extension| extension != "hld") {
            return Err(ReadError::NotDesignFile);
        }
        self.revision.entry(&key)
    }

    fn read(&self, located: &Located, max_size: u64) -> Result<Vec<u8>, ReadError> {
        self.revision.show(located, max_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_that_could_be_options_or_paths_are_refused() {
        for bad in ["", "-n", "--output=x", "HEAD:secret", "a b", "a\nb"] {
            assert!(check_reference(bad).is_err(), "{bad:?}");
        }
        for fine in ["HEAD", "HEAD~1", "origin/main", "v1.2", "abc123", "main^", "@{u}"] {
            assert!(check_reference(fine).is_ok(), "{fine:?}");
        }
    }
}
