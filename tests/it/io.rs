//! Output that cannot be written, and files hld did not write (issue 10,
//! items 1, 5 and 7's `compose -o -` and `--flow` with `--group`).
//!
//! - every command, with standard output and then standard error on
//!   `/dev/full`, exits 2 (one line on standard error when it can be
//!   written) and never panics; with either on a closed pipe it ends
//!   quietly with exit 0, as ripgrep does;
//! - an output file that cannot be written is exit 2 and leaves no file;
//! - `-o` replaces only files carrying hld's exact header line; `compose`
//!   replaces and removes only its own files, whatever the marker says, and
//!   cleans up after a killed run.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Run, Sink, repo, run, run_with_sinks, skip_here};

/// A fresh, empty directory for one run.
fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "hld-io-{}-{name}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn example(name: &str) -> String {
    repo().join("examples").join(name).to_string_lossy().into_owned()
}

/// Every command, in each format, and the ways clap and hld print usage
/// errors; each runs in a fresh directory (compose and init write there).
fn every_command() -> Vec<Vec<String>> {
    let small = example("url_shortener.hld");
    let warned = example("twitter_timeline.hld");
    let regions = example("global_redirects.hld");
    let bad = repo().join("tests/fixtures").to_string_lossy().into_owned();
    let mut commands: Vec<Vec<&str>> = vec![
        vec!["check", &warned],
        vec!["check", &bad],
        vec!["check", "--format", "json", &warned],
        vec!["check", "--format", "sarif", &warned],
        vec!["check", "--format", "github", &warned],
        vec!["check", "--format", "junit", &warned],
        vec!["diff", &small, &warned],
        vec!["diff", &small, &warned, "--format", "markdown"],
        vec!["diff", &small, &warned, "--format", "json"],
        vec!["estimate", &small],
        vec!["estimate", "--format", "json", &small],
        vec!["estimate", "--explain", "--flow", "redirect", &small],
        vec!["estimate", &bad],
        vec!["diagram", &small],
        vec!["diagram", "--format", "dot", &small],
        vec!["diagram", "--format", "svg", &small],
        vec!["diagram", "--format", "json", &small],
        vec!["diagram", "--flow", "redirect", &small],
        vec!["diagram", "--group", "region", &regions],
        vec!["diagram", "--flow", "redirect", "--group", "region", &small],
        vec!["explain", &small],
        vec!["explain", "--format", "html", &small],
        vec!["what-if", "--fail", "url_cache", &small],
        vec!["what-if", "--fail", "url_cache", "--format", "json", &small],
        vec!["compose", &small, "-o", "stack"],
        vec!["compose", &small, "-o", "-"],
        vec!["init", "--template", "chat"],
        vec!["init", "--list"],
        vec!["init", "--template", "nosuch"],
        vec!["rules"],
        vec!["rules", "cap-mismatch"],
        vec!["rules", "nosuch"],
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["completions", "fish"],
        vec!["--help"],
        vec!["--version"],
        vec!["check", "--help"],
        vec!["nosuch"],
    ];
    commands
        .drain(..)
        .map(|args| args.into_iter().map(str::to_string).collect())
        .collect()
}

fn run_in_scratch(args: &[String], stdout: Sink, stderr: Sink) -> Run {
    let dir = scratch("cmd");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = run_with_sinks(&args, &dir, stdout, stderr);
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

fn assert_no_panic(what: &str, outcome: &Run) {
    assert_ne!(outcome.code, 101, "{what}: exit 101\n{}", outcome.stderr);
    assert!(outcome.code >= 0, "{what}: killed by a signal\n{}", outcome.stderr);
    for text in ["panicked", "failed printing", "Broken pipe", "RUST_BACKTRACE"] {
        assert!(!outcome.stderr.contains(text), "{what}: {text}\n{}", outcome.stderr);
    }
}

const NO_SPACE: &str = "error: cannot write to standard output: No space left on device\n";

/// Issue 10, item 1: `hld rules >/dev/full` exited 101 ("failed printing to
/// stdout"), `hld estimate ... >/dev/full` exited 0 with nothing written,
/// `hld check d.hld 2>/dev/full` exited 101.
#[test]
fn every_command_reports_a_full_disk_with_exit_2_and_never_panics() {
    if let Err(reason) = common::dev_full() {
        skip_here(&reason);
        return;
    }
    for args in every_command() {
        let what = args.join(" ");
        let normal = run_in_scratch(&args, Sink::Captured, Sink::Captured);
        assert_no_panic(&what, &normal);

        let full = run_in_scratch(&args, Sink::DevFull, Sink::Captured);
        assert_no_panic(&format!("{what} >/dev/full"), &full);
        if normal.stdout.is_empty() {
            assert_eq!(full.code, normal.code, "{what} >/dev/full\n{}", full.stderr);
        } else {
            assert_eq!(full.code, 2, "{what} >/dev/full\n{}", full.stderr);
            assert!(full.stderr.ends_with(NO_SPACE), "{what} >/dev/full\n{}", full.stderr);
            assert_eq!(
                full.stderr.matches("cannot write").count(),
                1,
                "{what}\n{}",
                full.stderr
            );
        }

        let full = run_in_scratch(&args, Sink::Captured, Sink::DevFull);
        assert_ne!(full.code, 101, "{what} 2>/dev/full");
        assert!(full.code >= 0, "{what} 2>/dev/full: killed by a signal");
        if normal.stderr.is_empty() {
            assert_eq!(full.code, normal.code, "{what} 2>/dev/full");
        } else {
            assert_eq!(full.code, 2, "{what} 2>/dev/full");
        }
    }
}

/// Issue 10, item 1: `hld check bad.hld 2>&1 | head -1` exited 101. A
/// closed pipe ends the run quietly with exit 0 (ripgrep's behaviour: the
/// reader has what it wanted), whichever stream it is.
#[cfg(unix)]
#[test]
fn every_command_ends_quietly_on_a_closed_pipe() {
    for args in every_command() {
        let what = args.join(" ");
        let normal = run_in_scratch(&args, Sink::Captured, Sink::Captured);

        let closed = run_in_scratch(&args, Sink::ClosedPipe, Sink::Captured);
        assert_no_panic(&format!("{what} | (closed)"), &closed);
        if normal.stdout.is_empty() {
            assert_eq!(closed.code, normal.code, "{what} | (closed)\n{}", closed.stderr);
        } else {
            assert_eq!(closed.code, 0, "{what} | (closed)\n{}", closed.stderr);
            // Quiet: nothing on standard error that a normal run does not
            // print there.
            assert!(
                !closed.stderr.contains("cannot write"),
                "{what} | (closed)\n{}",
                closed.stderr
            );
            if normal.stderr.is_empty() {
                assert_eq!(closed.stderr, "", "{what} | (closed)");
            }
        }

        let closed = run_in_scratch(&args, Sink::Captured, Sink::ClosedPipe);
        assert!(
            closed.code >= 0 && closed.code != 101,
            "{what} 2>|(closed): {}",
            closed.code
        );
        let expected = if normal.stderr.is_empty() { normal.code } else { 0 };
        assert_eq!(closed.code, expected, "{what} 2>|(closed)");

        let closed = run_in_scratch(&args, Sink::ClosedPipe, Sink::ClosedPipe);
        let wrote = !normal.stdout.is_empty() || !normal.stderr.is_empty();
        let expected = if wrote { 0 } else { normal.code };
        assert_eq!(closed.code, expected, "{what} 2>&1 | (closed)");
    }
}

/// A design whose diagram is far larger than a pipe's buffer.
fn big_design(dir: &Path, services: usize) -> PathBuf {
    let mut text = String::from("system big {\n  client users { rps = 10 }\n");
    for idx in 0..services {
        text.push_str(&format!("  load_balancer lb{idx} : nginx\n  service s{idx}\n"));
    }
    for idx in 0..services {
        text.push_str(&format!("  users -> lb{idx} -> s{idx}\n"));
    }
    text.push_str("}\n");
    let path = dir.join("big.hld");
    std::fs::write(&path, text).unwrap();
    path
}

/// The real thing: `| head -1` closes the pipe while hld is still writing.
#[cfg(unix)]
#[test]
fn a_pipe_closed_while_writing_ends_quietly() {
    if !Path::new("/bin/sh").exists() {
        skip_here("no /bin/sh");
        return;
    }
    let dir = scratch("head");
    let design = big_design(&dir, 2000);
    // hld's own exit code goes through a file (plain sh has no PIPESTATUS).
    let script = format!(
        "{{ \"$HLD\" diagram '{design}' 2>err.txt; echo $? > code.txt; }} | head -1 > first.txt",
        design = design.display()
    );
    let status = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(&script)
        .current_dir(&dir)
        .env("HLD", env!("CARGO_BIN_EXE_hld"))
        .status()
        .unwrap();
    assert!(status.success());
    let code = std::fs::read_to_string(dir.join("code.txt")).unwrap();
    let stderr = std::fs::read_to_string(dir.join("err.txt")).unwrap();
    assert_eq!(code.trim(), "0", "{stderr}");
    assert_eq!(stderr, "", "a closed pipe is quiet");
    let first = std::fs::read_to_string(dir.join("first.txt")).unwrap();
    assert!(first.starts_with("%%{init: "), "{first}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writes beyond a file-size limit fail with EFBIG (SIGXFSZ ignored): to
/// standard output redirected into a file, and to `-o` files, which are
/// left out entirely rather than half written.
#[cfg(unix)]
#[test]
fn a_file_that_cannot_be_written_is_exit_2_and_no_half_file() {
    if !Path::new("/bin/sh").exists() {
        skip_here("no /bin/sh");
        return;
    }
    let dir = scratch("fsize");
    let design = big_design(&dir, 300);
    // `ulimit -f 16`: 8 or 16 KB depending on the shell; every output here is
    // far larger. The ignored SIGXFSZ is inherited through exec.
    let limited = |command: &str| {
        let script = format!("trap '' XFSZ; ulimit -f 16 && exec \"$HLD\" {command}");
        let output = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&script)
            .current_dir(&dir)
            .env("HLD", env!("CARGO_BIN_EXE_hld"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let big = design.display();
    let (code, stderr) = limited(&format!("diagram '{big}' > stdout.mmd"));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("error: cannot write to standard output: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    for (command, output) in [
        (format!("diagram '{big}' -o out.mmd"), "out.mmd"),
        (format!("explain '{big}' --format html -o out.html"), "out.html"),
    ] {
        let (code, stderr) = limited(&command);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(
            stderr.contains(&format!("cannot write {output}")),
            "{command}: {stderr}"
        );
        assert!(!dir.join(output).exists(), "{command}: a half-written {output}");
    }
    let (code, stderr) = limited(&format!("compose '{big}' -o stack"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(!dir.join("stack").exists(), "a new stack directory is removed again");
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".hld-") || name.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- Item 5: files hld did not write

/// Issue 10, item 5: `hld diagram d.hld -o notes.md` replaced a notes.md
/// that mentioned "generated by hld" in its first 4 KB.
#[test]
fn only_hld_s_exact_header_line_lets_o_replace_a_file() {
    let dir = scratch("header");
    let small = example("url_shortener.hld");
    let notes = dir.join("notes.md");
    let mine = "# Notes\n\nThe flowchart below is generated by hld (`%% generated by hld`).\n\
                <!-- generated by hld --> is what it writes.\n\nMy own text.\n";
    std::fs::write(&notes, mine).unwrap();
    let refused = run(&["diagram", &small, "-o", notes.to_str().unwrap()]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), mine);

    // Every output hld writes with -o is its own on the next run.
    for (args, name) in [
        (vec!["diagram"], "d.mmd"),
        (vec!["diagram", "--flow", "redirect"], "f.mmd"),
        (vec!["diagram", "--format", "dot"], "d.dot"),
        (vec!["diagram", "--format", "svg"], "d.svg"),
        (vec!["diagram", "--format", "json"], "d.json"),
        (vec!["explain"], "e.md"),
        (vec!["explain", "--format", "html"], "e.html"),
    ] {
        let out = dir.join(name);
        let mut full = args.clone();
        full.extend([small.as_str(), "-o", out.to_str().unwrap()]);
        assert_eq!(run(&full).code, 0, "{full:?}");
        let again = run(&full);
        assert_eq!(again.code, 0, "{full:?}: {}", again.stderr);
    }
    let regions = example("global_redirects.hld");
    let out = dir.join("g.mmd");
    let args = ["diagram", "--group", "region", &regions, "-o", out.to_str().unwrap()];
    assert_eq!(run(&args).code, 0);
    assert_eq!(run(&args).code, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

fn compose(design: &str, out: &Path, force: bool) -> Run {
    let mut args = vec!["compose", design, "-o", out.to_str().unwrap()];
    if force {
        args.push("--force");
    }
    run(&args)
}

fn fixture(name: &str) -> String {
    repo()
        .join("tests/fixtures/compose")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Issue 10, item 5: a `.hld-generated` listing `src/main.rs` made compose
/// delete it, and overwrite the user's README.md and .env without --force.
#[test]
fn compose_never_replaces_or_removes_files_it_did_not_write() {
    let dir = scratch("marker");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(dir.join("README.md"), "# My project\n").unwrap();
    std::fs::write(dir.join(".env"), "TOKEN=real\n").unwrap();
    std::fs::write(dir.join(".hld-generated"), "src/main.rs\ncompose.yaml\n../outside\n").unwrap();
    let refused = compose(&fixture("no_proxy.hld"), &dir, false);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    for name in ["README.md", ".env", "src/main.rs", "--force"] {
        assert!(refused.stderr.contains(name), "{name}: {}", refused.stderr);
    }
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.join("README.md")).unwrap(),
        "# My project\n"
    );
    assert_eq!(std::fs::read_to_string(dir.join(".env")).unwrap(), "TOKEN=real\n");
    assert!(dir.join("src/main.rs").is_file());
    assert!(!dir.join("compose.yaml").exists(), "nothing written");

    // --force replaces what the stack writes, and still removes nothing.
    let forced = compose(&fixture("no_proxy.hld"), &dir, true);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(forced.stdout.contains("kept src/main.rs"), "{}", forced.stdout);
    assert_eq!(
        std::fs::read_to_string(dir.join("src/main.rs")).unwrap(),
        "fn main() {}\n"
    );
    assert!(
        std::fs::read_to_string(dir.join(".env"))
            .unwrap()
            .contains("generated by hld compose")
    );
    // The new marker lists only what hld wrote: the next run is clean.
    let marker = std::fs::read_to_string(dir.join(".hld-generated")).unwrap();
    assert!(!marker.contains("src/main.rs"), "{marker}");
    let again = compose(&fixture("no_proxy.hld"), &dir, false);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A stale file hld generated is removed only while it still carries hld's
/// header; one the user took over (header gone) is named and kept.
#[test]
fn compose_removes_a_stale_file_only_while_it_is_still_hld_s() {
    let dir = scratch("stale");
    let out = dir.join("stack");
    assert_eq!(compose(&fixture("gateway_routes.hld"), &out, false).code, 0);
    let config = out.join("config/gw.nginx.conf");
    let edited = std::fs::read_to_string(&config)
        .unwrap()
        .replace("# Generated by hld compose", "# Mine");
    std::fs::write(&config, &edited).unwrap();
    let refused = compose(&fixture("no_proxy.hld"), &out, false);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("config/gw.nginx.conf"), "{}", refused.stderr);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), edited);
    let forced = compose(&fixture("no_proxy.hld"), &out, true);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), edited, "kept");

    // An edited compose.yaml (header gone) is the user's now: --force replaces it.
    std::fs::write(out.join("compose.yaml"), "services: {}\n").unwrap();
    let refused = compose(&fixture("no_proxy.hld"), &out, false);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("compose.yaml"), "{}", refused.stderr);
    assert_eq!(compose(&fixture("no_proxy.hld"), &out, true).code, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The pid of a process that has exited.
fn dead_pid() -> u32 {
    let mut child = common::hld()
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

fn temporaries(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path.clone());
            } else if path.to_string_lossy().contains(".hld-tmp-") {
                found.push(path.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

/// Issue 10, item 5: `kill -9` during compose left `*.hld-tmp-PID` files
/// and the next run refused the directory.
#[test]
fn compose_cleans_up_after_a_killed_run() {
    let dir = scratch("killed");
    // A first run killed while writing into a new directory: temporaries
    // only, no marker.
    let out = dir.join("stack");
    std::fs::create_dir_all(out.join("config")).unwrap();
    let pid = dead_pid();
    for name in ["compose.yaml", ".env", "README.md", "config/gw.nginx.conf"] {
        std::fs::write(out.join(format!("{name}.hld-tmp-{pid}")), "half").unwrap();
    }
    let rerun = compose(&fixture("gateway_routes.hld"), &out, false);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert_eq!(temporaries(&out), Vec::<String>::new());

    // Into a stack of its own: cleaned up too; a user's file that only
    // looks like one (not a name hld writes) is left.
    std::fs::write(out.join(format!("compose.yaml.hld-tmp-{pid}")), "half").unwrap();
    std::fs::write(out.join(format!("notes.txt.hld-tmp-{pid}")), "mine").unwrap();
    let rerun = compose(&fixture("gateway_routes.hld"), &out, false);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert_eq!(
        temporaries(&out),
        vec![
            out.join(format!("notes.txt.hld-tmp-{pid}"))
                .to_string_lossy()
                .into_owned()
        ]
    );

    // Killed while renaming, before the marker (renamed last) was in place:
    // every file is hld's, with its header, so the directory is hld's.
    let fresh = dir.join("renamed");
    assert_eq!(compose(&fixture("gateway_routes.hld"), &fresh, false).code, 0);
    std::fs::remove_file(fresh.join(".hld-generated")).unwrap();
    std::fs::write(fresh.join(format!(".hld-generated.hld-tmp-{pid}")), "half").unwrap();
    let rerun = compose(&fixture("gateway_routes.hld"), &fresh, false);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert!(fresh.join(".hld-generated").is_file());
    // But not when anything else is there.
    std::fs::remove_file(fresh.join(".hld-generated")).unwrap();
    std::fs::write(fresh.join("config/mine.conf"), "mine").unwrap();
    let refused = compose(&fixture("gateway_routes.hld"), &fresh, false);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The temporaries of a run that is still going (an hld process alive) are
/// not touched.
#[cfg(unix)]
#[test]
fn compose_leaves_the_temporaries_of_a_live_run() {
    let dir = scratch("live");
    let out = dir.join("stack");
    assert_eq!(compose(&fixture("no_proxy.hld"), &out, false).code, 0);
    // An hld process waiting on its standard input.
    let mut live = common::hld()
        .args(["check", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let temporary = out.join(format!("compose.yaml.hld-tmp-{}", live.id()));
    std::fs::write(&temporary, "being written").unwrap();
    let rerun = compose(&fixture("no_proxy.hld"), &out, false);
    let _ = live.kill();
    let _ = live.wait();
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert!(temporary.is_file(), "a live run's file was removed");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A real `kill -9` part way through a large stack: whatever it left, the
/// rerun succeeds and leaves no temporary file.
#[cfg(unix)]
#[test]
fn compose_reruns_after_kill_9() {
    let dir = scratch("kill9");
    let design = big_design(&dir, 400);
    let out = dir.join("stack");
    for delay_ms in [30, 100, 180, 260] {
        let _ = std::fs::remove_dir_all(&out);
        let mut child = common::hld()
            .args(["compose", design.to_str().unwrap(), "-o", out.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let rerun = compose(design.to_str().unwrap(), &out, false);
        assert_eq!(rerun.code, 0, "after {delay_ms} ms: {}", rerun.stderr);
        assert_eq!(temporaries(&out), Vec::<String>::new());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- Item 7: `compose -o -` and `--flow` with `--group`

/// Issue 10, item 7: `compose -o -` created a directory named `-`.
#[test]
fn compose_to_standard_output_is_a_usage_error() {
    let dir = scratch("dash");
    let outcome = run_with_sinks(
        &["compose", &fixture("no_proxy.hld"), "-o", "-"],
        &dir,
        Sink::Captured,
        Sink::Captured,
    );
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("usage-error"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("-o ./-"), "{}", outcome.stderr);
    assert_eq!(outcome.stdout, "");
    assert!(!dir.join("-").exists(), "no directory named -");
    // Checked before the design is read.
    let outcome = run(&["compose", "/does/not/exist.hld", "-o", "-"]);
    assert!(outcome.stderr.contains("usage-error"), "{}", outcome.stderr);
    // A directory named `-` is still possible, spelled as a path.
    let outcome = run_with_sinks(
        &["compose", &fixture("no_proxy.hld"), "-o", "./-"],
        &dir,
        Sink::Captured,
        Sink::Captured,
    );
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(dir.join("-/compose.yaml").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 10, item 7: `--flow X --group region` silently ignored `--group`.
#[test]
fn diagram_flow_with_group_is_a_usage_error() {
    let outcome = run(&["diagram", "/does/not/exist.hld", "--flow", "f", "--group", "region"]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("usage-error"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("--group"), "{}", outcome.stderr);
    assert!(
        !outcome.stderr.contains("exist.hld"),
        "before reading: {}",
        outcome.stderr
    );
    assert_eq!(outcome.stdout, "");
}
