//! The malformed-input suite of issue 7: every case gets a diagnostic and
//! exit 2 (or parses, where it is valid), with work bounded by the input:
//! each run has a deadline, but no test asserts a time.

use crate::common;

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

/// Importing `/dev/zero` (a device, through a link in the design's
/// directory) is refused without reading it; given on the command line, it
/// is read up to the input limit only.
#[test]
fn importing_dev_zero_is_bounded() {
    if !std::path::Path::new("/dev/zero").exists() {
        common::skip_here("/dev/zero does not exist here");
        return;
    }
    let dir = temp_dir("zero");
    let design = dir.join("zero.hld");
    std::os::unix::fs::symlink("/dev/zero", dir.join("z.hld")).unwrap();
    std::fs::write(&design, "import \"z.hld\"\nsystem s {\n  client u\n}\n").unwrap();
    let mut command = hld();
    command.args(["check", "--max-size", "1000000", design.to_str().unwrap()]);
    let outcome = run_bounded(command, None);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome
            .stderr
            .contains("symbolic link to a file outside the import root"),
        "{}",
        outcome.stderr
    );
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

// ---------------------------------------------------------------- issue 10: reads stay in the design tree

/// Runs `hld check [extra] design` with a deadline.
fn check_file(design: &std::path::Path, extra: &[&str]) -> Outcome {
    let mut command = hld();
    // Wide enough that no message wraps.
    command.env("COLUMNS", "400").arg("check").args(extra).arg(design);
    run_bounded(command, None)
}

/// A design in `dir/design/root.hld` importing `import`.
fn design_importing(dir: &std::path::Path, import: &str) -> std::path::PathBuf {
    let design = dir.join("design");
    std::fs::create_dir_all(&design).unwrap();
    let root = design.join("root.hld");
    std::fs::write(&root, format!("import \"{import}\"\nsystem s {{\n  client u\n}}\n")).unwrap();
    root
}

/// Symbolic links are followed only to a `.hld` file inside the import
/// root: a `.hld` link to `/etc/passwd` or `/proc/self/environ`, a link to
/// a sibling directory's design, a link to a non-design file inside the
/// tree are refused at the import (exit 2), before the target is opened,
/// and nothing of the target is printed; a link inside the tree works.
#[test]
fn symbolic_links_are_followed_only_inside_the_design_tree() {
    use std::os::unix::fs::symlink;
    let dir = temp_dir("links");
    let root = design_importing(&dir, "x.hld");
    let design = dir.join("design");
    std::fs::create_dir_all(dir.join("sibling")).unwrap();
    std::fs::write(dir.join("sibling/part.hld"), "service outside\n").unwrap();
    std::fs::write(design.join("env.txt"), "SECRET=hunter2\n").unwrap();
    std::fs::create_dir_all(design.join("parts")).unwrap();
    std::fs::write(design.join("parts/inner.hld"), "service inner\n").unwrap();
    let mut cases = vec![
        (
            "passwd.hld",
            "/etc/passwd".to_string(),
            "symbolic link to a file outside the import root",
        ),
        (
            "sibling.hld",
            "../sibling/part.hld".to_string(),
            "symbolic link to a file outside the import root",
        ),
        (
            "env.hld",
            "env.txt".to_string(),
            "symbolic link to a file whose name does not end in `.hld`",
        ),
    ];
    if std::path::Path::new("/proc/self/environ").exists() {
        cases.push((
            "environ.hld",
            "/proc/self/environ".to_string(),
            "symbolic link to a file outside the import root",
        ));
    }
    for (link, target, message) in &cases {
        symlink(target, design.join(link)).unwrap();
        std::fs::write(&root, format!("import \"{link}\"\nsystem s {{\n  client u\n}}\n")).unwrap();
        let outcome = check_file(&root, &["--format", "json"]);
        assert_eq!(outcome.code, 2, "{link}: {}", outcome.stderr);
        let json: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
        let diagnostic = &json["diagnostics"][0];
        assert_eq!(diagnostic["rule"], "import-error", "{link}: {json}");
        assert_eq!(
            diagnostic["message"],
            format!("cannot import `{link}`: it is a {}", &message),
            "{json}"
        );
        assert_eq!(
            (diagnostic["line"].as_u64(), diagnostic["column"].as_u64()),
            (Some(1), Some(8))
        );
        assert!(diagnostic["help"].is_string(), "{json}");
        let human = check_file(&root, &[]);
        assert_eq!(human.code, 2);
        for secret in ["root:x:0", "hunter2", "PATH=", "service outside"] {
            assert!(!human.stderr.contains(secret), "{link}: {}", human.stderr);
            assert!(!outcome.stdout.contains(secret), "{link}: {}", outcome.stdout);
        }
    }
    // A link inside the tree to a design inside the tree is followed.
    symlink("parts/inner.hld", design.join("inner.hld")).unwrap();
    std::fs::write(&root, "import \"inner.hld\"\nsystem s {\n  client u\n}\n").unwrap();
    let outcome = check_file(&root, &[]);
    assert_ne!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("no client or worker reaches inner"),
        "{}",
        outcome.stderr
    );
    // A root design that is a link out of its directory is refused too.
    let outcome = check_file(&design.join("passwd.hld"), &[]);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome
            .stderr
            .contains("symbolic link to a file outside the import root"),
        "{}",
        outcome.stderr
    );
    assert!(!outcome.stderr.contains("root:x:0"), "{}", outcome.stderr);
    std::fs::remove_dir_all(&dir).ok();
}

/// `--import-root DIR` widens the tree: a sibling directory's design is
/// imported through `..` (and through a link) once the root holds both.
#[test]
fn import_root_allows_a_sibling_directory() {
    let dir = temp_dir("import-root");
    let root = design_importing(&dir, "../shared/part.hld");
    std::fs::create_dir_all(dir.join("shared")).unwrap();
    std::fs::write(dir.join("shared/part.hld"), "service shared_part\n").unwrap();
    let refused = check_file(&root, &[]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("cannot import `../shared/part.hld`: the path leads outside the import root"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--import-root DIR"), "{}", refused.stderr);
    let allowed = check_file(&root, &["--import-root", dir.to_str().unwrap()]);
    assert_ne!(allowed.code, 2, "{}", allowed.stderr);
    assert!(allowed.stderr.contains("shared_part"), "{}", allowed.stderr);
    // Every command that reads a design takes it.
    for command in ["estimate", "diagram", "explain"] {
        let mut run = hld();
        run.args([command, "--import-root", dir.to_str().unwrap(), root.to_str().unwrap()]);
        let outcome = run_bounded(run, None);
        assert_eq!(outcome.code, 0, "{command}: {}", outcome.stderr);
    }
    // Standard input imports from the current directory, or the root.
    let mut stdin = hld();
    stdin.current_dir(&dir).args(["check", "-"]);
    let text = b"import \"shared/part.hld\"\nsystem s {\n  client u\n}\n";
    let outcome = run_bounded(stdin, Some(text));
    assert_ne!(outcome.code, 2, "{}", outcome.stderr);
    let mut stdin = hld();
    stdin
        .env("COLUMNS", "400")
        .current_dir(&dir)
        .args(["check", "--import-root", "design", "-"]);
    let outcome = run_bounded(stdin, Some(text));
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("leads outside the import root"),
        "{}",
        outcome.stderr
    );
    // A missing root is an error of its own.
    let outcome = check_file(&root, &["--import-root", dir.join("nowhere").to_str().unwrap()]);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome.stderr.contains("cannot use the import root"),
        "{}",
        outcome.stderr
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A FIFO named like a design is refused without being opened (opening it
/// would block: the deadline catches that).
#[test]
fn importing_a_fifo_does_not_block() {
    let dir = temp_dir("fifo");
    let root = design_importing(&dir, "pipe.hld");
    let made = Command::new("mkfifo").arg(dir.join("design/pipe.hld")).status();
    if !made.is_ok_and(|status| status.success()) {
        common::skip_here("mkfifo is not available here");
        return;
    }
    let outcome = check_file(&root, &[]);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome
            .stderr
            .contains("cannot import `pipe.hld`: it is not a regular file"),
        "{}",
        outcome.stderr
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `--max-size` bounds a design and all its imports together, checked from
/// each file's size before it is read: 10 imports of 600 bytes pass 5,000
/// bytes at the ninth, and the error names the limit and the total.
#[test]
fn max_size_bounds_the_total_of_a_design_and_its_imports() {
    let dir = temp_dir("total");
    let design = dir.join("design");
    std::fs::create_dir_all(&design).unwrap();
    let mut root = String::new();
    for idx in 0..10 {
        let text = format!("service s{idx}\n// {}\n", "x".repeat(580));
        std::fs::write(design.join(format!("p{idx}.hld")), &text).unwrap();
        root.push_str(&format!("import \"p{idx}.hld\"\n"));
    }
    root.push_str("system s {\n  client u\n}\n");
    std::fs::write(design.join("root.hld"), &root).unwrap();
    let part = std::fs::metadata(design.join("p0.hld")).unwrap().len();
    let outcome = check_file(&design.join("root.hld"), &["--max-size", "5000"]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    // The root and the first n parts fit; the next one does not.
    let fitting = (5000 - root.len() as u64) / part;
    let total = root.len() as u64 + (fitting + 1) * part;
    assert!(
        outcome.stderr.contains(&format!(
            "cannot import `p{fitting}.hld`: the design and its imports would total {total} bytes, over the input limit of 5000 bytes"
        )),
        "{}",
        outcome.stderr
    );
    assert_eq!(
        outcome.stderr.matches("would total").count(),
        10 - fitting as usize,
        "{}",
        outcome.stderr
    );
    // Under a limit that holds them all, the same design reads.
    let outcome = check_file(&design.join("root.hld"), &["--max-size", "10000"]);
    assert_ne!(outcome.code, 2, "{}", outcome.stderr);
    std::fs::remove_dir_all(&dir).ok();
}

/// An imported file that is not UTF-8 is reported with its line and
/// column, and none of its bytes is shown.
#[test]
fn an_import_that_is_not_text_is_never_shown() {
    let dir = temp_dir("binary");
    let root = design_importing(&dir, "blob.hld");
    let mut blob = b"service visible_secret\nAPI_KEY=abc123 \xff\xfe\n".to_vec();
    blob.extend((0..=255u8).cycle().take(2000));
    std::fs::write(dir.join("design/blob.hld"), &blob).unwrap();
    let outcome = check_file(&root, &[]);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome
            .stderr
            .contains("blob.hld is not valid UTF-8: invalid byte at offset 38 (line 2, column 16)")
            && outcome.stderr.contains("blob.hld:2:16]"),
        "{}",
        outcome.stderr
    );
    for secret in ["visible_secret", "API_KEY", "abc123"] {
        assert!(!outcome.stderr.contains(secret), "{}", outcome.stderr);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `hld.yaml` beside the design that is a link out of the tree (to
/// `/etc/passwd`), a FIFO, or not UTF-8, is refused before it is read or
/// without being shown; a link inside the tree, or `--import-root` holding
/// its target, works.
#[test]
fn hld_yaml_is_read_only_inside_the_design_tree() {
    use std::os::unix::fs::symlink;
    let dir = temp_dir("config");
    let root = design_importing(&dir, "part.hld");
    std::fs::write(dir.join("design/part.hld"), "service a\n").unwrap();
    let config = dir.join("design/hld.yaml");
    symlink("/etc/passwd", &config).unwrap();
    let outcome = check_file(&root, &[]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome
            .stderr
            .contains("hld.yaml: it is a symbolic link to a file outside the import root"),
        "{}",
        outcome.stderr
    );
    assert!(!outcome.stderr.contains("root:"), "{}", outcome.stderr);
    // Named with --config, the link is refused as well.
    let outcome = check_file(&root, &["--config", config.to_str().unwrap()]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(!outcome.stderr.contains("root:"), "{}", outcome.stderr);
    std::fs::remove_file(&config).unwrap();

    std::fs::write(dir.join("shared.yaml"), "fail_on: warning\n").unwrap();
    symlink("../shared.yaml", &config).unwrap();
    let outcome = check_file(&root, &[]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    let outcome = check_file(&root, &["--import-root", dir.to_str().unwrap()]);
    assert_eq!(outcome.code, 1, "fail_on: warning applies: {}", outcome.stderr);
    std::fs::remove_file(&config).unwrap();

    std::fs::write(&config, b"fail_on: \xff warning\nPASSWORD=x\n").unwrap();
    let outcome = check_file(&root, &[]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("it is not UTF-8 text"), "{}", outcome.stderr);
    assert!(!outcome.stderr.contains("PASSWORD"), "{}", outcome.stderr);
    std::fs::remove_file(&config).unwrap();

    if Command::new("mkfifo")
        .arg(&config)
        .status()
        .is_ok_and(|status| status.success())
    {
        let outcome = check_file(&root, &[]);
        assert_eq!(outcome.code, 2, "{}", outcome.stderr);
        assert!(outcome.stderr.contains("not a regular file"), "{}", outcome.stderr);
    } else {
        common::skip_here("mkfifo is not available here");
    }
    std::fs::remove_dir_all(&dir).ok();
}
