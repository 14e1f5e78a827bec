//! The command line around `check`: stdin, several files, imports, version,
//! help, completions, scale.

use crate::common;

use common::{repo, run, run_with_stdin};

#[test]
fn check_reads_standard_input() {
    let design = "system s {\n  client users { rps = 10 }\n  service api { replicas = 2 }\n  users -> api\n}\n";
    let run = run_with_stdin(&["check", "--format", "json", "-"], design.as_bytes());
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["version"], 1);
    let run = run_with_stdin(&["check", "-"], b"system s {\n  service api { replica = 2 }\n}\n");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("<stdin>:2:17"), "{}", run.stderr);
}

#[test]
fn imports_merge_and_a_file_imported_twice_counts_once() {
    let root = repo().join("tests/fixtures/imports/root.hld");
    let run = run(&["check", "--format", "json", root.to_str().unwrap()]);
    assert!(run.code == 0 || run.code == 1, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn an_import_cycle_is_an_error_that_names_the_cycle() {
    let root = repo().join("tests/fixtures/imports/cycle/root.hld");
    let run = run(&["check", root.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("import cycle:"), "{}", run.stderr);
    assert!(run.stderr.contains("a.hld -> "), "{}", run.stderr);
    assert!(run.stderr.contains("b.hld -> "), "{}", run.stderr);
}

#[test]
fn a_missing_import_is_an_error_at_the_import() {
    let path = repo().join("tests/fixtures/imports/missing.hld");
    let run = run(&["check", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let diagnostic = &json["diagnostics"][0];
    assert_eq!(diagnostic["rule"], "import-error");
    assert_eq!(diagnostic["line"], 1);
    assert!(diagnostic["message"].as_str().unwrap().contains("no such file"));
}

#[test]
fn importing_a_directory_or_itself_is_an_error() {
    let dir = std::env::temp_dir().join(format!("hld-import-{}", std::process::id()));
    // A directory named like a design: the name passes, the kind does not.
    std::fs::create_dir_all(dir.join("sub.hld")).unwrap();
    std::fs::write(dir.join("dir.hld"), "import \"sub.hld\"\nsystem s {\n  client u\n}\n").unwrap();
    std::fs::write(dir.join("self.hld"), "import \"self.hld\"\nsystem s {\n  client u\n}\n").unwrap();
    let run_dir = run(&["check", dir.join("dir.hld").to_str().unwrap()]);
    assert_eq!(run_dir.code, 2);
    assert!(run_dir.stderr.contains("directory"), "{}", run_dir.stderr);
    let run_self = run(&["check", dir.join("self.hld").to_str().unwrap()]);
    assert_eq!(run_self.code, 2);
    assert!(run_self.stderr.contains("import cycle"), "{}", run_self.stderr);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn several_files_give_one_report_and_the_worst_exit_code() {
    let good = repo().join("tests/fixtures/imports/root.hld");
    let bad = repo().join("tests/fixtures/imports/missing.hld");
    let run = run(&[
        "check",
        "--format",
        "json",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "import-error")
    );
}

#[test]
fn version_help_and_completions() {
    let version = run(&["--version"]);
    assert_eq!(version.code, 0);
    assert!(version.stdout.starts_with("hld "), "{}", version.stdout);
    let help = run(&["help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("check"), "{}", help.stdout);
    let check_help = run(&["check", "--help"]);
    assert!(check_help.stdout.contains("Examples:"), "{}", check_help.stdout);
    for shell in ["bash", "zsh", "fish"] {
        let completions = run(&["completions", shell]);
        assert_eq!(completions.code, 0, "{shell}");
        assert!(completions.stdout.contains("check"), "{shell}");
    }
}

/// 10,000 components (and a 10,000-hop chain) resolve without recursion
/// proportional to the file's length.
#[test]
fn ten_thousand_components_parse_and_resolve() {
    let mut text = String::from("system big {\n  client users { rps = 1k }\n");
    for idx in 0..10_000 {
        text.push_str(&format!("  service s{idx} {{ replicas = 2 }}\n"));
    }
    let chain: Vec<String> = (0..10_000).map(|idx| format!("s{idx}")).collect();
    text.push_str(&format!("  users -> {}\n", chain.join(" -> ")));
    text.push_str("}\n");
    let run = run_with_stdin(&["check", "--format", "json", "-"], text.as_bytes());
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        &run.stderr[..run.stderr.len().min(2000)]
    );
}

/// The same input gives the same bytes.
#[test]
fn output_is_byte_identical_run_to_run() {
    let path = repo().join("tests/fixtures/imports/cycle/root.hld");
    let first = run(&["check", "--format", "json", path.to_str().unwrap()]);
    let second = run(&["check", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(first.stdout, second.stdout);
    let first = run(&["check", path.to_str().unwrap()]);
    let second = run(&["check", path.to_str().unwrap()]);
    assert_eq!(first.stderr, second.stderr);
}

/// `--config` naming a missing file is a wrong command line for every
/// command that takes it, whether or not the command runs rules.
#[test]
fn a_missing_config_is_exit_2_everywhere() {
    let design = repo().join("tests/fixtures/imports/root.hld");
    let design = design.to_str().unwrap();
    let out = std::env::temp_dir().join(format!("hld-config-{}", std::process::id()));
    let out = out.to_str().unwrap();
    for args in [
        vec!["check", design],
        vec!["estimate", design],
        vec!["diagram", design],
        vec!["explain", design],
        vec!["what-if", design, "--fail", "api"],
        vec!["compose", design, "-o", out],
    ] {
        let mut full = args.clone();
        full.extend(["--config", "/does/not/exist.yaml"]);
        let outcome = run(&full);
        assert_eq!(outcome.code, 2, "{args:?}: {}", outcome.stderr);
        assert!(
            outcome.stderr.contains("/does/not/exist.yaml"),
            "{args:?}: {}",
            outcome.stderr
        );
    }
    assert!(!std::path::Path::new(out).exists(), "compose wrote nothing");
}

/// An unknown rule in `allow` is a wrong input for every command, not only
/// those that run the rules.
#[test]
fn an_unknown_allowed_rule_is_exit_2_everywhere() {
    let dir = std::env::temp_dir().join(format!("hld-allow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let design = dir.join("allow.hld");
    std::fs::write(
        &design,
        "system s {\n  client users { rps = 10 }\n  service api { replicas = 2, allow = [single-point-of-falure] }\n  users -> api\n  flow f { path = users -> api }\n}\n",
    )
    .unwrap();
    let design = design.to_str().unwrap();
    let out = dir.join("stack");
    let out = out.to_str().unwrap();
    for args in [
        vec!["check", design],
        vec!["estimate", design],
        vec!["diagram", design],
        vec!["diagram", design, "--format", "json"],
        vec!["diagram", design, "--flow", "f"],
        vec!["explain", design],
        vec!["what-if", design, "--fail", "api"],
        vec!["compose", design, "-o", out],
    ] {
        let outcome = run(&args);
        assert_eq!(outcome.code, 2, "{args:?}: {}", outcome.stderr);
        assert!(
            outcome.stderr.contains("single-point-of-failure"),
            "{args:?}: {}",
            outcome.stderr
        );
    }
    assert!(!std::path::Path::new(out).exists(), "compose wrote nothing");
}

/// Flags that ask for something `--format` does not give are refused
/// before the design is read.
#[test]
fn diagram_flags_that_need_mermaid_are_usage_errors() {
    for args in [
        ["diagram", "/does/not/exist.hld", "--flow", "f", "--format", "dot"],
        ["diagram", "/does/not/exist.hld", "--group", "region", "--format", "svg"],
    ] {
        let outcome = run(&args);
        assert_eq!(outcome.code, 2, "{args:?}: {}", outcome.stderr);
        assert!(outcome.stderr.contains("usage-error"), "{args:?}: {}", outcome.stderr);
        assert!(
            outcome.stderr.contains("--format mermaid"),
            "{args:?}: {}",
            outcome.stderr
        );
    }
    let outcome = run(&["estimate", "/does/not/exist.hld", "--explain", "--format", "json"]);
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("--explain prints the arithmetic as text"),
        "{}",
        outcome.stderr
    );
}
