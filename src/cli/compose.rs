//! `hld compose FILE -o DIR [--force]`: compile the design, build the stack
//! in memory (`emit::compose`), then write it into DIR.
//!
//! Writing is careful: nothing is written when the design has errors; a
//! non-empty DIR must carry hld's marker file (`.hld-generated`), or hold
//! only hld's own files, unless `--force`; no path is followed through a symbolic link, so nothing lands
//! outside DIR; every file goes to a temporary name first and is renamed
//! into place only once all of them are written, so a failure leaves the
//! previous stack (or nothing) behind, never half of a new one.
//!
//! Files that hld did not write are never replaced or removed on the word of
//! the marker alone (a marker is only a list of names anyone can edit):
//!
//! - an existing file this run would replace must carry hld's header for
//!   its kind ([`carries_header`]), or the run needs `--force`;
//! - a file the previous run listed and this run no longer generates is
//!   removed only when its name is one hld generates ([`generated_name`])
//!   and it still carries hld's header; any other listed file is never
//!   removed, and the run needs `--force` to go on and leave it in place.
//!
//! Either way the message names the files. Temporary files of a run that
//! was killed (`NAME.hld-tmp-PID`, the process gone) are removed first, so
//! they neither block nor litter the next run; a DIR that holds only files
//! hld writes, with their headers, is hld's even without a marker (a run
//! killed before it renamed the marker into place).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Component as PathComponent, Path, PathBuf};

use super::output::{self, pid_digits};
use super::{Exit, InputArgs, stdio};
use crate::diagnostics::{Diagnostic, codes};
use crate::emit::compose::{self, GeneratedFile, MARKER};

#[derive(clap::Args)]
pub struct ComposeArgs {
    /// The design file; `-` reads standard input
    #[arg(value_name = "FILE")]
    file: String,
    /// Directory to write the stack into (created when missing; not `-`)
    #[arg(short = 'o', long = "output", value_name = "DIR", required = true)]
    output: PathBuf,
    /// Write into a directory hld did not generate, and replace files hld did not write (it never removes them)
    #[arg(long)]
    force: bool,
    /// The most containers any one service or proxy runs; the design's own
    /// counts stay in each service's hld.declared-replicas label and the README
    #[arg(long, value_name = "N", default_value_t = compose::DEFAULT_MAX_REPLICAS,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    max_replicas: u32,
    #[command(flatten)]
    input: InputArgs,
}

pub fn run(args: &ComposeArgs) -> Exit {
    // `-o -` means standard output elsewhere; a stack is a directory of
    // files and cannot go there. Checked before any work.
    if args.output.as_os_str() == "-" {
        let error = Diagnostic::error(
            codes::USAGE_ERROR,
            "a stack is a directory of files: it cannot be written to standard output (`-o -`)",
        )
        .with_help("give a directory, e.g. `-o stack` (`-o ./-` for a directory named `-`)");
        super::print_human(&[error], &crate::source::SourceMap::new());
        return Exit::InputError;
    }
    let compilation = super::compile(&args.file, &args.input);
    let Some(design) = &compilation.design else {
        return super::report_input_errors(&compilation);
    };
    // The configuration only tunes rules, but a wrong `--config` (or a
    // broken hld.yaml beside the design) is still a wrong input: exit 2.
    if let Err(exit) = super::validate(design, &compilation, &args.file, &args.input) {
        return exit;
    }
    if !compilation.diagnostics.is_empty() {
        super::print_human(&compilation.diagnostics, &compilation.sources);
        super::print_suppressed(&compilation);
    }
    let options = compose::Options {
        max_replicas: args.max_replicas,
    };
    let stack = match compose::build_with(design, options) {
        Ok(stack) => stack,
        Err(message) => {
            super::print_error(&message);
            return Exit::InputError;
        }
    };
    // Printing the warnings failed (a closed pipe, a full disk): stop
    // before writing anything.
    if stdio::failed() {
        return Exit::InputError;
    }
    let mut files = stack.files;
    files.push(GeneratedFile {
        path: MARKER.to_string(),
        contents: marker(&design.name, &files),
    });
    match write_stack(&args.output, &files, args.force) {
        Ok(written) => {
            let dir = args.output.display();
            let mut text = String::new();
            if files.len() <= 12 {
                let names: Vec<&str> = files.iter().map(|file| file.path.as_str()).collect();
                text.push_str(&format!("wrote {} files to {dir}: {}\n", files.len(), names.join(", ")));
            } else {
                text.push_str(&format!(
                    "wrote {} files to {dir} (listed in {dir}/{MARKER})\n",
                    files.len()
                ));
            }
            for path in written.removed {
                text.push_str(&format!("removed {path}, which this design no longer generates\n"));
            }
            for path in written.kept {
                text.push_str(&format!(
                    "kept {path}: the old {MARKER} listed it, but hld did not write it (no hld header)\n"
                ));
            }
            text.push_str(&format!("start it with: cd {dir} && docker compose up -d --wait\n"));
            // The directory and the marker's paths may hold control characters.
            stdio::out(&crate::emit::escape::visible(&text));
            Exit::Ok
        }
        Err(message) => {
            super::print_error(&message);
            Exit::InputError
        }
    }
}

/// What [`write_stack`] did besides writing the files.
#[derive(Debug, Default)]
struct Written {
    /// Stale files of an earlier run, removed.
    removed: Vec<String>,
    /// Files the old marker listed that hld did not write, left in place
    /// (with `--force`).
    kept: Vec<String>,
}

/// The names `hld compose` writes, relative to DIR: the fixed files and
/// one routing config per proxy (`config/SERVICE.nginx.conf` or
/// `config/SERVICE.haproxy.cfg`).
pub fn generated_name(path: &str) -> bool {
    if matches!(
        path,
        "compose.yaml" | ".env" | "README.md" | MARKER | "local.py" | "stubs/stub.py" | "stubs/stubs.json"
    ) {
        return true;
    }
    path.strip_prefix("config/").is_some_and(|name| {
        let service = name
            .strip_suffix(".nginx.conf")
            .or_else(|| name.strip_suffix(".haproxy.cfg"));
        service.is_some_and(|service| {
            !service.is_empty()
                && service
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
        })
    })
}

/// Whether `head` (the start of a file at `path` in DIR) carries the header
/// line `hld compose` writes into that kind of file.
pub fn carries_header(path: &str, head: &str) -> bool {
    let first = head.lines().next().unwrap_or_default();
    match path {
        "compose.yaml" => {
            first.starts_with("# Generated by hld compose from system `")
                && first.ends_with("`. Regenerate it rather than editing it.")
        }
        ".env" => {
            first.starts_with("# Placeholder secrets for the stack of system `")
                && first.ends_with("`, generated by hld compose.")
        }
        MARKER => first.starts_with("# Written by hld compose (system `"),
        // After the title, which is the design's.
        "README.md" => head
            .lines()
            .take(5)
            .any(|line| line.starts_with("Generated by `hld compose` from system `")),
        // After the shebang.
        "local.py" | "stubs/stub.py" => head
            .lines()
            .take(2)
            .any(|line| line.starts_with("# Generated by hld compose from system `")),
        "stubs/stubs.json" => head
            .lines()
            .take(2)
            .any(|line| line.starts_with("  \"generated\": \"Generated by hld compose from system `")),
        _ if path.starts_with("config/") && generated_name(path) => {
            first.starts_with("# Generated by hld compose for ")
        }
        _ => false,
    }
}

/// [`carries_header`] for a regular file on disk (its first 4 KB).
fn file_carries_header(relative: &str, path: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::new();
    if file.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    carries_header(relative, &String::from_utf8_lossy(&head))
}

/// The suffix of [`write_all`]'s temporary files: `NAME.hld-tmp-PID`.
const TEMPORARY_SUFFIX: &str = ".hld-tmp-";

/// The subdirectories of DIR that `hld compose` writes into.
const SUBDIRECTORIES: [&str; 2] = ["config", "stubs"];

/// The pid in the name of a temporary file of hld compose in DIR (`inside`:
/// in that subdirectory of DIR), when the name is one.
fn compose_temporary(name: &str, inside: Option<&str>) -> Option<u32> {
    let (target, pid) = name.rsplit_once(TEMPORARY_SUFFIX)?;
    let pid = pid_digits(pid)?;
    let target = match inside {
        Some(subdirectory) => format!("{subdirectory}/{target}"),
        None => target.to_string(),
    };
    generated_name(&target).then_some(pid)
}

/// Removes the temporary files of killed runs from DIR and its
/// subdirectories (real directories only). A subdirectory they leave empty
/// stays; [`holds_foreign`] does not count it.
fn remove_dead_temporaries(dir: &Path) {
    output::remove_dead_temporaries(dir, |name| compose_temporary(name, None));
    for subdirectory in SUBDIRECTORIES {
        let inside = dir.join(subdirectory);
        if fs::symlink_metadata(&inside).is_ok_and(|meta| meta.is_dir()) {
            output::remove_dead_temporaries(&inside, |name| compose_temporary(name, Some(subdirectory)));
        }
    }
}

/// Whether DIR holds anything that is not hld's: files other than those
/// `hld compose` writes carrying its header, in DIR and its real `config`
/// and `stubs` directories. An empty DIR holds nothing foreign; nor does the stack of a
/// run killed before it wrote its marker.
fn holds_foreign(dir: &Path) -> io::Result<bool> {
    let ours = |entry: &fs::DirEntry, prefix: &str| {
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        entry.file_type().is_ok_and(|kind| kind.is_file())
            && name != MARKER
            && generated_name(&name)
            && file_carries_header(&name, &entry.path())
    };
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let subdirectory = SUBDIRECTORIES
            .iter()
            .find(|subdirectory| name.as_os_str() == **subdirectory);
        if let Some(subdirectory) = subdirectory
            && entry.file_type().is_ok_and(|kind| kind.is_dir())
        {
            for inside in fs::read_dir(entry.path())? {
                if !ours(&inside?, &format!("{subdirectory}/")) {
                    return Ok(true);
                }
            }
        } else if !ours(&entry, "") {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The marker: a comment, then one written path per line (itself included).
fn marker(system: &str, files: &[GeneratedFile]) -> String {
    let mut text = format!(
        "# Written by hld compose (system `{system}`). A rerun rewrites these files and removes\n\
         # the ones it no longer generates; delete this file to keep them out of hld's hands.\n"
    );
    for file in files {
        text.push_str(&file.path);
        text.push('\n');
    }
    text.push_str(MARKER);
    text.push('\n');
    text
}

/// A generated path: relative, plain components only.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let relative = Path::new(path);
    let plain = !path.is_empty()
        && relative
            .components()
            .all(|component| matches!(component, PathComponent::Normal(_)));
    plain.then(|| relative.to_path_buf())
}

fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => error.to_string(),
    }
}

/// Writes every file into `dir`; says which stale files it removed and
/// which listed ones it left.
fn write_stack(dir: &Path, files: &[GeneratedFile], force: bool) -> Result<Written, String> {
    let shown = dir.display();
    let mut relative_paths = Vec::with_capacity(files.len());
    for file in files {
        let relative = safe_relative(&file.path).ok_or_else(|| {
            format!(
                "refusing to write `{}` outside {shown} (this is a bug in hld)",
                file.path
            )
        })?;
        relative_paths.push(relative);
    }

    let mut previous = Vec::new();
    let created = match fs::symlink_metadata(dir) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => true,
        Err(error) => return Err(format!("cannot read {shown}: {}", describe(&error))),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(format!(
                "{shown} is a symbolic link; hld writes only into a real directory (give the path it points to)"
            ));
        }
        Ok(meta) if !meta.is_dir() => return Err(format!("{shown} exists and is not a directory")),
        Ok(_) => {
            remove_dead_temporaries(dir);
            let marker_path = dir.join(MARKER);
            match fs::symlink_metadata(&marker_path) {
                Ok(meta) if meta.is_file() => {
                    let text = fs::read_to_string(&marker_path).unwrap_or_default();
                    previous = text
                        .lines()
                        .map(str::trim)
                        .filter(|line| !line.is_empty() && !line.starts_with('#'))
                        .map(str::to_string)
                        .collect();
                }
                _ if force => {}
                Err(_)
                    if !holds_foreign(dir).map_err(|error| format!("cannot read {shown}: {}", describe(&error)))? => {}
                _ => {
                    return Err(format!(
                        "{shown} is not empty and was not generated by hld (it has no {MARKER}); \
                         choose another directory, or pass --force to write into it anyway"
                    ));
                }
            }
            false
        }
    };

    // Nothing is followed through a symbolic link: every directory on the
    // way to a file, and the file itself, must be real (or not exist yet).
    for relative in &relative_paths {
        let mut current = dir.to_path_buf();
        let parts: Vec<_> = relative.components().collect();
        for (idx, part) in parts.iter().enumerate() {
            current.push(part);
            let last = idx + 1 == parts.len();
            match fs::symlink_metadata(&current) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(format!(
                        "refusing to write through the symbolic link {}: it could point outside {shown}",
                        current.display()
                    ));
                }
                Ok(meta) if last && meta.is_dir() => {
                    return Err(format!(
                        "{} is a directory; hld would write a file there",
                        current.display()
                    ));
                }
                Ok(meta) if !last && !meta.is_dir() => {
                    return Err(format!("{} is not a directory", current.display()));
                }
                _ => {}
            }
        }
    }

    // Existing files this run would replace: hld's own only, unless --force.
    let replaced_foreign: Vec<String> = files
        .iter()
        .zip(&relative_paths)
        .filter(|(file, relative)| {
            let path = dir.join(relative);
            file.path != MARKER
                && fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_file())
                && !file_carries_header(&file.path, &path)
        })
        .map(|(file, _)| file.path.clone())
        .collect();
    let (stale, kept) = plan_removals(dir, files, &previous);
    if !force && (!replaced_foreign.is_empty() || !kept.is_empty()) {
        return Err(match (replaced_foreign.is_empty(), kept.is_empty()) {
            (false, true) => format!(
                "{shown} has files hld did not write (they lack hld's header): {}; \
                 move them away, or pass --force to replace them",
                crate::format::comma_list(&replaced_foreign)
            ),
            (true, false) => format!(
                "{shown}/{MARKER} lists files hld did not write: {}; hld never removes them: \
                 move them away, or pass --force to write the stack and leave them in place",
                crate::format::comma_list(&kept)
            ),
            _ => format!(
                "{shown} has files hld did not write: {} (the stack would replace them) and {} \
                 (listed in {MARKER}; hld never removes them); move them away, or pass --force \
                 to replace the first and leave the others in place",
                crate::format::comma_list(&replaced_foreign),
                crate::format::comma_list(&kept)
            ),
        });
    }

    if created {
        // DIR itself with create_dir, not create_dir_all: if it appeared
        // meanwhile, it is not ours to fill (or to remove on an error).
        if let Some(parent) = dir.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            fs::create_dir_all(parent)
                .map_err(|error| format!("cannot create {}: {}", parent.display(), describe(&error)))?;
        }
        fs::create_dir(dir).map_err(|error| format!("cannot create {shown}: {}", describe(&error)))?;
    }
    if let Err(message) = write_all(dir, files, &relative_paths) {
        if created {
            let _ = fs::remove_dir_all(dir);
        }
        return Err(message);
    }

    let mut removed = Vec::new();
    for (name, path) in stale {
        if fs::remove_file(&path).is_ok() {
            removed.push(name);
        }
    }
    Ok(Written { removed, kept })
}

/// Sorts the files the previous marker listed and this run does not write:
/// hld's own (a name hld generates, a regular file reached without a link,
/// carrying hld's header), to remove; and the others that exist, to leave
/// in place and name. Listed files that are gone are neither.
fn plan_removals(dir: &Path, files: &[GeneratedFile], previous: &[String]) -> (Vec<(String, PathBuf)>, Vec<String>) {
    let mut stale = Vec::new();
    let mut kept = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for name in previous {
        if name == MARKER || files.iter().any(|file| &file.path == name) || !seen.insert(name.as_str()) {
            continue;
        }
        // A path hld would never write (`../x`, `/etc/passwd`) is not looked at.
        let Some(relative) = safe_relative(name) else {
            kept.push(name.clone());
            continue;
        };
        let through_links = relative.ancestors().skip(1).any(|ancestor| {
            !ancestor.as_os_str().is_empty()
                && fs::symlink_metadata(dir.join(ancestor)).is_ok_and(|meta| !meta.is_dir())
        });
        if through_links {
            kept.push(name.clone());
            continue;
        }
        let path = dir.join(&relative);
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if generated_name(name) && meta.is_file() && file_carries_header(name, &path) {
            stale.push((name.clone(), path));
        } else {
            kept.push(name.clone());
        }
    }
    (stale, kept)
}

/// Writes each file to a temporary sibling, then renames them all into
/// place (the marker last, being last in `files`). On an error, removes the
/// temporaries, so the previous files stay as they were.
fn write_all(dir: &Path, files: &[GeneratedFile], relative_paths: &[PathBuf]) -> Result<(), String> {
    let suffix = format!(".hld-tmp-{}", std::process::id());
    let mut temporaries: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(files.len());
    let cleanup = |temporaries: &[(PathBuf, PathBuf)]| {
        for (temporary, _) in temporaries {
            let _ = fs::remove_file(temporary);
        }
    };
    for (file, relative) in files.iter().zip(relative_paths) {
        let target = dir.join(relative);
        if let Some(parent) = target.parent()
            && let Err(error) = fs::create_dir_all(parent)
        {
            cleanup(&temporaries);
            return Err(format!("cannot create {}: {}", parent.display(), describe(&error)));
        }
        let mut name = target.file_name().map(|name| name.to_os_string()).unwrap_or_default();
        name.push(&suffix);
        let temporary = target.with_file_name(name);
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
            // No fsync per file: the stack is regenerated at will, and one
            // fsync each made a 5,000-file stack take 18 s instead of 1.
            .and_then(|mut handle| handle.write_all(file.contents.as_bytes()));
        if let Err(error) = written {
            let _ = fs::remove_file(&temporary);
            cleanup(&temporaries);
            return Err(format!("cannot write {}: {}", target.display(), describe(&error)));
        }
        #[cfg(unix)]
        if file.path.ends_with(".py") {
            // `./local.py` runs as a program (it starts with a shebang).
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(&temporary, fs::Permissions::from_mode(0o755));
        }
        temporaries.push((temporary, target));
    }
    for (idx, (temporary, target)) in temporaries.iter().enumerate() {
        if let Err(error) = fs::rename(temporary, target) {
            cleanup(temporaries.get(idx..).unwrap_or_default());
            return Err(format!("cannot write {}: {}", target.display(), describe(&error)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> GeneratedFile {
        GeneratedFile {
            path: path.to_string(),
            contents: contents.to_string(),
        }
    }

    /// A failure part way leaves the previous files as they were and no
    /// temporary behind.
    #[test]
    fn a_failed_write_leaves_the_previous_stack() {
        let dir = std::env::temp_dir().join(format!("hld-write-all-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("compose.yaml"), "old").unwrap();
        // `config` is a file, so `config/lb.nginx.conf` cannot be written.
        fs::write(dir.join("config"), "in the way").unwrap();
        let files = [file("compose.yaml", "new"), file("config/lb.nginx.conf", "conf")];
        let paths: Vec<PathBuf> = files.iter().map(|f| safe_relative(&f.path).unwrap()).collect();
        assert!(write_all(&dir, &files, &paths).is_err());
        assert_eq!(fs::read_to_string(dir.join("compose.yaml")).unwrap(), "old");
        let names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|name| !name.contains(".hld-tmp")), "{names:?}");
        let _ = fs::remove_dir_all(&dir);
    }

    /// Every file of every example's stack is a name hld generates and
    /// carries the header that lets a rerun replace or remove it; other
    /// names and contents do not.
    #[test]
    fn every_generated_file_carries_its_header() {
        let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compose");
        let mut checked = 0;
        for dir in [examples, fixtures] {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_none_or(|ext| ext != "hld") {
                    continue;
                }
                let text = fs::read_to_string(&path).unwrap();
                // Designs with imports need the file system; the others do.
                let Some(design) = crate::model::load::compile_text(&text).design else {
                    continue;
                };
                let Ok(stack) = compose::build(&design) else { continue };
                let mut files = stack.files;
                files.push(GeneratedFile {
                    path: MARKER.to_string(),
                    contents: marker(&design.name, &files),
                });
                for file in &files {
                    assert!(generated_name(&file.path), "{}: {}", path.display(), file.path);
                    assert!(
                        carries_header(&file.path, &file.contents),
                        "{}: {}\n{}",
                        path.display(),
                        file.path,
                        file.contents
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 20, "{checked}");
        for name in [
            "src/main.rs",
            "config/x.conf",
            "config/.nginx.conf",
            "config/a/b.nginx.conf",
            "Makefile",
        ] {
            assert!(!generated_name(name), "{name}");
        }
        assert!(!carries_header(
            "README.md",
            "# My project\n\nGenerated by hld compose, then edited.\n"
        ));
        assert!(!carries_header(".env", "SECRET=1\n# generated by hld compose.\n"));
        assert!(!carries_header("src/main.rs", "# Generated by hld compose for x\n"));
    }

    #[test]
    fn temporaries_are_recognised_by_hld_s_own_naming() {
        assert_eq!(compose_temporary("compose.yaml.hld-tmp-42", None), Some(42));
        assert_eq!(compose_temporary(".env.hld-tmp-42", None), Some(42));
        assert_eq!(compose_temporary("lb.haproxy.cfg.hld-tmp-42", Some("config")), Some(42));
        assert_eq!(compose_temporary("stub.py.hld-tmp-42", Some("stubs")), Some(42));
        assert_eq!(compose_temporary("stub.py.hld-tmp-42", None), None);
        assert_eq!(compose_temporary("lb.haproxy.cfg.hld-tmp-42", None), None);
        assert_eq!(compose_temporary("main.rs.hld-tmp-42", None), None);
        assert_eq!(compose_temporary("compose.yaml.hld-tmp-", None), None);
        assert_eq!(compose_temporary("compose.yaml.hld-tmp-4a", None), None);
    }

    #[test]
    fn only_plain_relative_paths_are_written() {
        assert!(safe_relative("compose.yaml").is_some());
        assert!(safe_relative("config/lb.nginx.conf").is_some());
        assert!(safe_relative("../x").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
        assert!(safe_relative("a/./b").is_some_and(|path| path == Path::new("a/b")));
        assert!(safe_relative("").is_none());
    }
}
