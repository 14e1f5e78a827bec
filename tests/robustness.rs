//! The malformed-input suite of issue 7: every case gets a diagnostic and
//! exit 2 (or parses, where it is valid), with work bounded by the input:
//! each run has a deadline, but no test asserts a time.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{hld, repo};

/// Generous: a case that takes longer than this is hanging, not slow.
const DEADLINE: Duration = Duration::from_secs(60);

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs hld with a deadline; the child is killed if it passes it.
fn run_bounded(mut command: Command, stdin: Option<&[u8]>) -> Outcome {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("hld runs");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    } else {
        drop(child.stdin.take());
    }
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("hld did not finish within {DEADLINE:?}: {command:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn check_stdin(bytes: &[u8], extra: &[&str]) -> Outcome {
    let mut command = hld();
    command.arg("check").args(extra).arg("-");
    run_bounded(command, Some(bytes))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hld-robust-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// 100,000 components with one id: the first is declared, the rest are
/// duplicates; the error cap applies (100 shown, the rest counted).
#[test]
fn a_hundred_thousand_duplicate_ids() {
    let mut text = String::from("system s {\n");
    for _ in 0..100_000 {
        text.push_str("  service api { replicas = 2 }\n");
    }
    text.push_str("}\n");
    let outcome = check_stdin(text.as_bytes(), &[]);
    assert_eq!(outcome.code, 2);
    assert_eq!(
        outcome.stderr.matches("is declared twice").count(),
        100,
        "{}",
        &outcome.stderr[..2000]
    );
    assert!(
        outcome.stderr.contains("and 99899 more diagnostics"),
        "{}",
        outcome.stderr.lines().last().unwrap_or("")
    );
}

/// Importing `/dev/zero` (a device) is refused without reading it; given on
/// the command line, it is read up to the input limit only.
#[test]
fn importing_dev_zero_is_bounded() {
    if !std::path::Path::new("/dev/zero").exists() {
        common::skip_here("/dev/zero does not exist here");
        return;
    }
    let dir = temp_dir("zero");
    let design = dir.join("zero.hld");
    std::fs::write(&design, "import \"/dev/zero\"\nsystem s {\n  client u\n}\n").unwrap();
    let mut command = hld();
    command.args(["check", "--max-size", "1000000", design.to_str().unwrap()]);
    let outcome = run_bounded(command, None);
    assert_eq!(outcome.code, 2);
    assert!(outcome.stderr.contains("not a regular file"), "{}", outcome.stderr);
    let mut command = hld();
    command.args(["check", "--max-size", "1000000", "/dev/zero"]);
    let outcome = run_bounded(command, None);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome.stderr.contains("larger than the input limit"),
        "{}",
        outcome.stderr
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `--max-size` bounds the root file too, and standard input.
#[test]
fn input_larger_than_the_limit() {
    let text = format!("system s {{\n{}}}\n", "  service a\n".repeat(1000));
    let outcome = check_stdin(text.as_bytes(), &["--max-size", "100"]);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome.stderr.contains("larger than the input limit of 100 bytes"),
        "{}",
        outcome.stderr
    );
}

/// A file the user may not read (skipped when running as root, who may).
#[test]
fn an_import_without_read_permission() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("perm");
    let secret = dir.join("secret.hld");
    std::fs::write(&secret, "service hidden\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&secret).is_ok() {
        common::skip_here("running as root: a file without read permission is still readable");
        std::fs::remove_dir_all(&dir).ok();
        return;
    }
    let design = dir.join("root.hld");
    std::fs::write(&design, "import \"secret.hld\"\nsystem s {\n  client u\n}\n").unwrap();
    let mut command = hld();
    command.args(["check", design.to_str().unwrap()]);
    let outcome = run_bounded(command, None);
    assert_eq!(outcome.code, 2);
    assert!(outcome.stderr.contains("permission denied"), "{}", outcome.stderr);
    std::fs::remove_dir_all(&dir).ok();
}

/// Imports nested deeper than the limit, and more files than the limit.
#[test]
fn import_depth_and_count_limits() {
    let dir = temp_dir("depth");
    for idx in 0..40 {
        std::fs::write(
            dir.join(format!("f{idx}.hld")),
            format!("import \"f{}.hld\"\nservice s{idx}\n", idx + 1),
        )
        .unwrap();
    }
    std::fs::write(dir.join("f40.hld"), "service s40\n").unwrap();
    std::fs::write(dir.join("root.hld"), "import \"f0.hld\"\nsystem s {\n  client u\n}\n").unwrap();
    let mut command = hld();
    command.args(["check", dir.join("root.hld").to_str().unwrap()]);
    let outcome = run_bounded(command, None);
    assert_eq!(outcome.code, 2);
    assert!(outcome.stderr.contains("imports nest more than"), "{}", outcome.stderr);

    let wide = temp_dir("wide");
    let mut root = String::new();
    for idx in 0..300 {
        std::fs::write(wide.join(format!("w{idx}.hld")), format!("service w{idx}\n")).unwrap();
        root.push_str(&format!("import \"w{idx}.hld\"\n"));
    }
    root.push_str("system s {\n  client u\n}\n");
    std::fs::write(wide.join("root.hld"), root).unwrap();
    let mut command = hld();
    command.args(["check", wide.join("root.hld").to_str().unwrap()]);
    let outcome = run_bounded(command, None);
    assert_eq!(outcome.code, 2);
    assert!(outcome.stderr.contains("at most 256 files"), "{}", outcome.stderr);
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&wide).ok();
}

/// A flow longer than the limit is an error at its path.
#[test]
fn flow_length_limit() {
    let mut text = String::from("system s {\n  client u { rps = 1 }\n");
    let ids: Vec<String> = (0..1_200).map(|idx| format!("s{idx}")).collect();
    for id in &ids {
        text.push_str(&format!("  service {id} {{ replicas = 2 }}\n"));
    }
    text.push_str(&format!("  u -> {}\n", ids.join(" -> ")));
    text.push_str(&format!("  flow long {{ path = u -> {} }}\n}}\n", ids.join(" -> ")));
    let outcome = check_stdin(text.as_bytes(), &["--format", "json"]);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome.stdout.contains("more than the limit of 1000"),
        "{}",
        &outcome.stdout[..outcome.stdout.len().min(2000)]
    );
}

/// Every command, on every malformed input, exits 2 with a diagnostic and
/// writes nothing to standard output.
#[test]
fn every_command_refuses_malformed_input_cleanly() {
    let inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\xff\xfe binary".to_vec(),
        format!("system s {{ service a {} }}", "{".repeat(10_000)).into_bytes(),
        b"system s {\n  service a { replicas = 0 }\n}\n".to_vec(),
    ];
    let out = temp_dir("commands");
    for input in &inputs {
        for args in [
            vec!["estimate", "-"],
            vec!["diagram", "-"],
            vec!["diagram", "-", "--format", "dot"],
            vec!["diagram", "-", "--format", "json"],
        ] {
            let mut command = hld();
            command.args(&args);
            let outcome = run_bounded(command, Some(input));
            assert_eq!(outcome.code, 2, "{args:?}");
            assert!(outcome.stdout.is_empty(), "{args:?} wrote to stdout");
            assert!(
                outcome.stderr.contains('×') || outcome.stderr.contains("error"),
                "{args:?}: {}",
                outcome.stderr
            );
        }
        let stack = out.join("stack");
        let mut command = hld();
        command.args(["compose", "-", "-o", stack.to_str().unwrap()]);
        let outcome = run_bounded(command, Some(input));
        assert_eq!(outcome.code, 2);
        assert!(!stack.exists(), "compose wrote a stack for a broken design");
    }
    std::fs::remove_dir_all(&out).ok();
    let _ = repo();
}
