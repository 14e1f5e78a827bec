//! The promises of docs/security.md that are about the code itself, checked
//! on the source: no network, no process but `git` (for `hld diff git:REF`),
//! and every file read or write in the CLI layer, where the design-tree and
//! own-files checks live. Test modules (`#[cfg(test)]` to the end of a file)
//! and test-only files are left out.

use std::path::{Path, PathBuf};

/// Files compiled only for tests (declared behind `#[cfg(test)]`).
const TEST_ONLY: &[&str] = &["src/estimate/corpus.rs"];

fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack: Vec<PathBuf> = vec![root.join("src")];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let name = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                if TEST_ONLY.contains(&name.as_str()) {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                // Tests sit at the end of a file, behind `#[cfg(test)]`.
                let code = match text.find("#[cfg(test)]") {
                    Some(at) => text[..at].to_string(),
                    None => text,
                };
                files.push((name, code));
            }
        }
    }
    files.sort();
    assert!(files.len() > 50, "expected the sources, found {}", files.len());
    files
}

/// Lines of code (not comments) that contain one of `needles`.
fn uses<'a>(files: &'a [(String, String)], needles: &[&str]) -> Vec<(&'a str, String)> {
    let mut found = Vec::new();
    for (name, code) in files {
        for line in code.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") {
                continue;
            }
            if needles.iter().any(|needle| line.contains(needle)) {
                found.push((name.as_str(), trimmed.to_string()));
            }
        }
    }
    found
}

#[test]
fn hld_opens_no_network_connection() {
    let files = sources();
    let found = uses(
        &files,
        &[
            "std::net",
            "TcpStream",
            "TcpListener",
            "UdpSocket",
            "UnixStream",
            "ToSocketAddrs",
        ],
    );
    assert!(found.is_empty(), "network code in hld: {found:#?}");
    // No dependency that speaks HTTP or opens sockets.
    let lock = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap();
    for crate_name in [
        "reqwest",
        "hyper",
        "ureq",
        "curl",
        "isahc",
        "attohttpc",
        "mio",
        "socket2",
    ] {
        assert!(
            !lock.contains(&format!("name = \"{crate_name}\"")),
            "Cargo.lock holds {crate_name}, a crate that opens network connections"
        );
    }
}

#[test]
fn hld_runs_no_program_but_git() {
    let files = sources();
    let found = uses(&files, &["Command::new", "process::Command"]);
    for (file, line) in &found {
        assert!(
            *file == "src/cli/git.rs",
            "{file} starts a process: {line} (only `hld diff git:REF` may, through src/cli/git.rs)"
        );
    }
    let git = files
        .iter()
        .find(|(name, _)| name == "src/cli/git.rs")
        .map(|(_, code)| code);
    if let Some(git) = git {
        assert!(
            git.contains("Command::new(\"git\")"),
            "src/cli/git.rs starts something other than git"
        );
    }
}

#[test]
fn only_the_cli_reads_or_writes_files() {
    let files = sources();
    let found = uses(
        &files,
        &[
            "std::fs",
            "fs::read",
            "fs::write",
            "fs::remove",
            "fs::rename",
            "fs::create_dir",
            "File::create",
            "File::open",
            "OpenOptions",
        ],
    );
    let outside: Vec<_> = found.iter().filter(|(file, _)| !file.starts_with("src/cli/")).collect();
    assert!(
        outside.is_empty(),
        "file access outside src/cli (where reads are confined to the design tree and writes to hld's own files): {outside:#?}"
    );
}
