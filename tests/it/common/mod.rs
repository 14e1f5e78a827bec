//! Helpers shared by the integration tests: running the `hld` binary, and
//! reading the expectation headers of conformance designs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn hld() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hld"));
    command.env("NO_COLOR", "1").env("COLUMNS", "100");
    command
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Run {
    finish(hld().args(args).output().expect("hld runs"))
}

pub fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    use std::io::Write;
    let mut child = hld()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hld runs");
    {
        let mut pipe = child.stdin.take().expect("stdin");
        // The child may exit before reading everything (an early error).
        let _ = pipe.write_all(stdin);
    }
    finish(child.wait_with_output().expect("hld finishes"))
}

fn finish(output: Output) -> Run {
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Says why a test does not run because a tool is missing. Written straight
/// to the process's stderr, past the test harness's capture, so `cargo test`
/// shows it. Under `.ci/run` (`HLD_CI_TOOLS=1`), which installs the tools,
/// a missing tool is a failure, not a skip.
pub fn skip(reason: &str) {
    assert!(
        std::env::var("HLD_CI_TOOLS").map_or(true, |value| value != "1"),
        "HLD_CI_TOOLS=1 (.ci/run installed the tools) but {reason}"
    );
    skip_here(reason);
}

/// Says why a test does not apply on this machine whatever is installed
/// (running as root, no /dev/zero).
pub fn skip_here(reason: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipping: {reason}");
}

/// The Chromium the browser tests drive: `$CHROMIUM`, else Debian's, or why
/// it is missing.
pub fn chromium() -> Result<PathBuf, String> {
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.exists() {
        return Err(format!(
            "{} is missing (.ci/run installs Debian's chromium)",
            chromium.display()
        ));
    }
    Ok(chromium)
}

/// Writes `manifest` as JSON into `dir` and runs `node SCRIPT MANIFEST`
/// with `CHROMIUM` set (the browser tests' scripts); fails the test with
/// the script's output unless it exits 0, and returns what it printed.
pub fn run_browser_script(script: &Path, dir: &Path, manifest: &serde_json::Value, chromium: &Path) -> String {
    let manifest_path = dir.join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_string_pretty(manifest).unwrap()).unwrap();
    let output = Command::new("node")
        .arg(script)
        .arg(&manifest_path)
        .env("CHROMIUM", chromium)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    println!("{stdout}");
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/examples`, when this checkout has it (CI does). Tests that
/// need it print why they skip otherwise.
pub fn shared_examples() -> Option<PathBuf> {
    let dir = repo().join("../shared/examples");
    if dir.is_dir() {
        Some(dir)
    } else {
        // CI has ../shared; there a missing folder fails the test.
        skip("../shared/examples is not present beside the repository");
        None
    }
}

pub fn hld_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "hld"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// One expectation from a design's header comments (shared/examples/README.md).
#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    /// `// expect: RULE [@ SUBJECT]`
    Finding { rule: String, subject: Option<String> },
    /// `// expect-not: RULE [@ SUBJECT]`
    NoFinding { rule: String, subject: Option<String> },
    /// `// expect-findings: none`
    NoFindings,
    /// `// expect-latency: FLOW mean=… p50=… p95=… p99=…` (milliseconds)
    Latency { flow: String, figures: Vec<(String, f64)> },
    /// `// expect-availability: FLOW P%` (as a fraction)
    Availability { flow: String, fraction: f64 },
    /// `// expect-error: LINE: TEXT`
    Error { line: usize, text: String },
    /// `// expect-load: COMPONENT RPS` (`load_rps` of `hld estimate`)
    Load { component: String, rps: f64 },
    /// `// expect-utilization: COMPONENT FRACTION`
    Utilization { component: String, fraction: f64 },
    /// `// expect-status: FLOW ok|overloaded`
    Status { flow: String, status: String },
}

pub fn expectations(text: &str) -> Vec<Expectation> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(comment) = line.trim().strip_prefix("//") else {
            continue;
        };
        let comment = comment.trim();
        let Some((key, rest)) = comment.split_once(':') else {
            continue;
        };
        let rest = rest.trim();
        let rule_and_subject = |rest: &str| match rest.split_once('@') {
            Some((rule, subject)) => (rule.trim().to_string(), Some(subject.trim().to_string())),
            None => (rest.trim().to_string(), None),
        };
        match key.trim() {
            "expect" => {
                let (rule, subject) = rule_and_subject(rest);
                out.push(Expectation::Finding { rule, subject });
            }
            "expect-not" => {
                let (rule, subject) = rule_and_subject(rest);
                out.push(Expectation::NoFinding { rule, subject });
            }
            "expect-findings" if rest == "none" => out.push(Expectation::NoFindings),
            "expect-latency" => {
                let mut parts = rest.split_whitespace();
                let flow = parts.next().unwrap_or_default().to_string();
                let figures = parts
                    .filter_map(|part| part.split_once('='))
                    .map(|(name, value)| (name.to_string(), parse_ms(value)))
                    .collect();
                out.push(Expectation::Latency { flow, figures });
            }
            "expect-availability" => {
                let mut parts = rest.split_whitespace();
                let flow = parts.next().unwrap_or_default().to_string();
                let percent: f64 = parts
                    .next()
                    .and_then(|value| value.trim_end_matches('%').parse().ok())
                    .expect("a percentage");
                out.push(Expectation::Availability {
                    flow,
                    fraction: percent / 100.0,
                });
            }
            "expect-load" => {
                let mut parts = rest.split_whitespace();
                let component = parts.next().unwrap_or_default().to_string();
                let rps: f64 = parts.next().and_then(|value| value.parse().ok()).expect("a rate");
                out.push(Expectation::Load { component, rps });
            }
            "expect-utilization" => {
                let mut parts = rest.split_whitespace();
                let component = parts.next().unwrap_or_default().to_string();
                let fraction: f64 = parts.next().and_then(|value| value.parse().ok()).expect("a fraction");
                out.push(Expectation::Utilization { component, fraction });
            }
            "expect-status" => {
                let mut parts = rest.split_whitespace();
                let flow = parts.next().unwrap_or_default().to_string();
                let status = parts.next().unwrap_or_default().to_string();
                out.push(Expectation::Status { flow, status });
            }
            "expect-error" => {
                let (line, text) = rest.split_once(':').expect("LINE: TEXT");
                out.push(Expectation::Error {
                    line: line.trim().parse().expect("a line number"),
                    text: text.trim().to_string(),
                });
            }
            _ => {}
        }
    }
    out
}

fn parse_ms(value: &str) -> f64 {
    if let Some(ms) = value.strip_suffix("ms") {
        ms.parse().expect("a number of ms")
    } else if let Some(s) = value.strip_suffix('s') {
        s.parse::<f64>().expect("a number of s") * 1000.0
    } else {
        value.parse().expect("a number")
    }
}

/// `hld check --format json` of a file, parsed.
pub fn check_json(path: &Path) -> (i32, serde_json::Value) {
    let run = run(&["check", "--format", "json", path.to_str().expect("utf-8 path")]);
    let json = serde_json::from_str(&run.stdout).unwrap_or_else(|error| {
        panic!(
            "{}: bad JSON ({error}):\n{}\n{}",
            path.display(),
            run.stdout,
            run.stderr
        )
    });
    (run.code, json)
}

/// Rules of the numeric models (issue 4, `hld estimate`): their expectations
/// are skipped while they are not registered.
pub const NUMERIC_RULES: &[&str] = &[
    "availability-below-slo",
    "latency-above-slo",
    "overloaded-component",
    "queue-backlog-growth",
    "scatter-gather-on-hot-path",
];

/// What checking a design's finding expectations found.
#[derive(Default)]
pub struct ExpectationReport {
    pub failures: Vec<String>,
    /// Expectations not checked yet, with the reason.
    pub skipped: Vec<String>,
}

/// Checks every `expect`, `expect-not` and `expect-findings` header of a
/// design against `hld check --format json`.
pub fn check_finding_expectations(path: &Path) -> ExpectationReport {
    let text = std::fs::read_to_string(path).expect("readable design");
    let (code, json) = check_json(path);
    let mut report = ExpectationReport::default();
    let name = path.display();
    if code == 2 {
        report.failures.push(format!("{name}: exit 2\n{json:#}"));
        return report;
    }
    let diagnostics = json["diagnostics"].as_array().cloned().unwrap_or_default();
    let matches = |rule: &str, subject: &Option<String>| {
        diagnostics.iter().any(|diagnostic| {
            diagnostic["rule"].as_str() == Some(rule)
                && subject
                    .as_deref()
                    .is_none_or(|subject| diagnostic["subject"].as_str() == Some(subject))
        })
    };
    let registered = |rule: &str, line: &str, report: &mut ExpectationReport| {
        if hld::analysis::rules::rule(rule).is_some() {
            return true;
        }
        if NUMERIC_RULES.contains(&rule) {
            report
                .skipped
                .push(format!("{name}: `{line}` ({rule} comes with the numeric models)"));
        } else {
            report.failures.push(format!("{name}: `{line}` names no rule"));
        }
        false
    };
    for expectation in expectations(&text) {
        match expectation {
            Expectation::Finding { rule, subject } => {
                let line = describe("expect", &rule, &subject);
                if registered(&rule, &line, &mut report) && !matches(&rule, &subject) {
                    report
                        .failures
                        .push(format!("{name}: no finding for `{line}`\n{json:#}"));
                }
            }
            Expectation::NoFinding { rule, subject } => {
                let line = describe("expect-not", &rule, &subject);
                if registered(&rule, &line, &mut report) && matches(&rule, &subject) {
                    report
                        .failures
                        .push(format!("{name}: unexpected finding for `{line}`\n{json:#}"));
                }
            }
            Expectation::NoFindings => {
                if !diagnostics.is_empty() {
                    report
                        .failures
                        .push(format!("{name}: `expect-findings: none` but:\n{json:#}"));
                }
            }
            // conformance.rs checks these against `hld estimate`.
            Expectation::Latency { .. }
            | Expectation::Availability { .. }
            | Expectation::Load { .. }
            | Expectation::Utilization { .. }
            | Expectation::Status { .. } => {}
            Expectation::Error { .. } => {}
        }
    }
    report
}

fn describe(key: &str, rule: &str, subject: &Option<String>) -> String {
    match subject {
        Some(subject) => format!("{key}: {rule} @ {subject}"),
        None => format!("{key}: {rule}"),
    }
}

// ---- Standard streams on /dev/full or on a closed pipe (issue 10, item 1;
// tests/it/io.rs). Kept in one block: other tests append their own helpers.

/// Where a standard stream of a run goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sink {
    /// Read by the test.
    Captured,
    /// `/dev/full`: every write fails with ENOSPC.
    DevFull,
    /// A pipe whose read end is closed before hld starts: every write fails
    /// with EPIPE (`hld ... | head` once head has gone).
    ClosedPipe,
}

/// `/dev/full` opened for writing, or why not (then the caller skips).
pub fn dev_full() -> Result<std::fs::File, String> {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .map_err(|error| format!("/dev/full cannot be opened ({error})"))
}

fn sink(kind: Sink) -> Stdio {
    match kind {
        Sink::Captured => Stdio::piped(),
        Sink::DevFull => Stdio::from(dev_full().expect("/dev/full")),
        Sink::ClosedPipe => {
            let (reader, writer) = std::io::pipe().expect("a pipe");
            drop(reader);
            Stdio::from(writer)
        }
    }
}

/// Runs hld with standard output and standard error sent where asked (in
/// `dir`, with no standard input); the streams not captured read as empty.
/// Both on [`Sink::ClosedPipe`] are one closed pipe, as in
/// `hld ... 2>&1 | head` once head has gone.
pub fn run_with_sinks(args: &[&str], dir: &Path, stdout: Sink, stderr: Sink) -> Run {
    let mut command = hld();
    command.args(args).current_dir(dir).stdin(Stdio::null());
    if stdout == Sink::ClosedPipe && stderr == Sink::ClosedPipe {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let copy = writer.try_clone().expect("a pipe");
        command.stdout(writer).stderr(copy);
    } else {
        command.stdout(sink(stdout)).stderr(sink(stderr));
    }
    finish(command.output().expect("hld runs"))
}

// ---------------------------------------------------------------------------
// Hostile inputs (issue 10, item 4): the generators of
// benches/support/hostile.rs, shared with `cargo run --example hostile`.

#[path = "../../../benches/support/hostile.rs"]
pub mod hostile;

/// Runs `hld ARGS FILE` on `text` written to a temporary file, killing it
/// and failing after `limit`: a bound that quadratic work would break by
/// minutes, and linear work meets with room to spare even in a debug build.
pub fn run_within(args: &[&str], name: &str, text: &str, limit: std::time::Duration) -> Run {
    let dir = std::env::temp_dir().join(format!("hld-bounds-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}.hld"));
    std::fs::write(&path, text).expect("write design");
    let stdout = dir.join("stdout");
    let stderr = dir.join("stderr");
    let mut child = hld()
        .args(args)
        .arg(&path)
        .stdout(std::fs::File::create(&stdout).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr).expect("stderr file"))
        .spawn()
        .expect("hld runs");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hld {args:?} on {name} ran longer than {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&std::fs::read(&stdout).unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&stderr).unwrap_or_default()).into_owned(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    run
}
