//! `hld compose FILE -o DIR [--force]`: compile the design, build the stack
//! in memory (`emit::compose`), then write it into DIR.
//!
//! Writing is careful: nothing is written when the design has errors; a
//! non-empty DIR must carry hld's marker file (`.hld-generated`) unless
//! `--force`; no path is followed through a symbolic link, so nothing lands
//! outside DIR; every file goes to a temporary name first and is renamed
//! into place only once all of them are written, so a failure leaves the
//! previous stack (or nothing) behind, never half of a new one. Files a
//! previous run listed in the marker and this run no longer generates are
//! removed.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Component as PathComponent, Path, PathBuf};

use super::{Exit, InputArgs};
use crate::emit::compose::{self, GeneratedFile, MARKER};

#[derive(clap::Args)]
pub struct ComposeArgs {
    /// The design file; `-` reads standard input
    #[arg(value_name = "FILE")]
    file: String,
    /// Directory to write the stack into (created when missing)
    #[arg(short = 'o', long = "output", value_name = "DIR", required = true)]
    output: PathBuf,
    /// Write into a non-empty directory that hld did not generate
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    input: InputArgs,
}

pub fn run(args: &ComposeArgs) -> Exit {
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
    let stack = match compose::build(design) {
        Ok(stack) => stack,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::InputError;
        }
    };
    let mut files = stack.files;
    files.push(GeneratedFile {
        path: MARKER.to_string(),
        contents: marker(&design.name, &files),
    });
    match write_stack(&args.output, &files, args.force) {
        Ok(removed) => {
            let dir = args.output.display();
            let mut stdout = io::stdout().lock();
            if files.len() <= 12 {
                let names: Vec<&str> = files.iter().map(|file| file.path.as_str()).collect();
                let _ = writeln!(stdout, "wrote {} files to {dir}: {}", files.len(), names.join(", "));
            } else {
                let _ = writeln!(
                    stdout,
                    "wrote {} files to {dir} (listed in {dir}/{MARKER})",
                    files.len()
                );
            }
            for path in removed {
                let _ = writeln!(stdout, "removed {path}, which this design no longer generates");
            }
            let _ = writeln!(stdout, "start it with: cd {dir} && docker compose up -d --wait");
            Exit::Ok
        }
        Err(message) => {
            eprintln!("error: {message}");
            Exit::InputError
        }
    }
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

/// Writes every file into `dir`; returns the stale files it removed.
fn write_stack(dir: &Path, files: &[GeneratedFile], force: bool) -> Result<Vec<String>, String> {
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
            let mut entries =
                fs::read_dir(dir).map_err(|error| format!("cannot read {shown}: {}", describe(&error)))?;
            if entries.next().is_some() {
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
                    _ => {
                        return Err(format!(
                            "{shown} is not empty and was not generated by hld (it has no {MARKER}); \
                             choose another directory, or pass --force to write into it anyway"
                        ));
                    }
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
    for stale in previous {
        if files.iter().any(|file| file.path == stale) {
            continue;
        }
        let Some(relative) = safe_relative(&stale) else {
            continue;
        };
        let path = dir.join(&relative);
        // Only a regular file inside DIR reached without a link is removed.
        let through_links = relative.ancestors().skip(1).any(|ancestor| {
            !ancestor.as_os_str().is_empty()
                && fs::symlink_metadata(dir.join(ancestor)).is_ok_and(|meta| !meta.is_dir())
        });
        if through_links {
            continue;
        }
        if fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_file()) && fs::remove_file(&path).is_ok() {
            removed.push(stale);
        }
    }
    Ok(removed)
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
