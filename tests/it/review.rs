//! Reviewing a design change like code (issue 16): `hld diff` over the
//! commits of a scripted repository, `git:REF` with imports, `hld check
//! --baseline` with moved lines, `hld check --format junit` against its
//! schema (xmllint), and the pre-commit hooks (`pre-commit try-repo`).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{hld, skip};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("review").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether a program runs (`PROGRAM --version`).
fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// git in `dir`, with no user or system configuration and fixed dates, so
/// commits are the same on every machine.
fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=hld",
            "-c",
            "user.email=hld@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(["-c", "init.defaultBranch=main", "-c", "advice.detachedHead=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let output = hld().args(args).current_dir(dir).output().expect("hld runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const DATA: &str = "database db : postgres { replication = primary_replica { replicas = 1 } }\n";

const SHOP: &str = "\
import \"parts/data.hld\"
system shop {
  slo { availability = 99.9%, p99 = 200ms }
  client users { rps = 500 }
  load_balancer lb { replicas = 2 }
  service api { replicas = 2, capacity = 1000 }
  users -> lb -> api -> db
  flow checkout { path = users -> lb -> api -> db, op = read }
}
";

/// The sample repository: a shop design with an imported database, then
/// one commit per change, each tagged `stepN`. Returns the tags and what
/// each change is.
fn sample_repository(dir: &Path) -> Vec<(&'static str, &'static str)> {
    git(dir, &["init", "-q"]);
    write(dir, "design/parts/data.hld", DATA);
    write(dir, "design/shop.hld", SHOP);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "a shop"]);
    git(dir, &["tag", "step0"]);
    let steps: [(&str, &str, &str, &str); 4] = [
        (
            "add_a_replica",
            "design/shop.hld",
            "api { replicas = 2, capacity = 1000 }",
            "api { replicas = 3, capacity = 1000 }",
        ),
        (
            "drop_a_replica",
            "design/shop.hld",
            "lb { replicas = 2 }",
            "lb { replicas = 1 }",
        ),
        (
            "add_a_cache",
            "design/shop.hld",
            "  users -> lb -> api -> db\n  flow checkout { path = users -> lb -> api -> db, op = read }",
            "  cache c : redis { hit_ratio = 0.9, ttl = 10m }\n  users -> lb -> api -> c -> db\n  flow checkout { path = users -> lb -> api -> c -> db, op = read }",
        ),
        (
            "change_a_flow",
            "design/shop.hld",
            "op = read }",
            "op = read, slo = { p99 = 20ms } }",
        ),
    ];
    let mut tags = vec![("step0", "a shop")];
    for (index, (name, file, from, to)) in steps.into_iter().enumerate() {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{name}: {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        git(dir, &["commit", "-qam", name]);
        let tag: &'static str = Box::leak(format!("step{}", index + 1).into_boxed_str());
        git(dir, &["tag", tag]);
        tags.push((tag, name));
    }
    tags
}

fn has_git() -> bool {
    if available("git") {
        return true;
    }
    skip("git is not installed");
    false
}

#[test]
fn diff_of_every_pair_of_consecutive_commits() {
    if !has_git() {
        return;
    }
    let dir = scratch("commits");
    let steps = sample_repository(&dir);
    // The exit code of each change: 1 when it adds a finding at or above
    // `fail_on` (error) or turns an SLO from met to missed.
    let expected_exit = [0, 1, 0, 1];
    for (index, pair) in steps.windows(2).enumerate() {
        let [(old, _), (new, name)] = pair else { unreachable!() };
        git(&dir, &["checkout", "-q", new]);
        let old_ref = format!("git:{old}");
        for format in ["human", "markdown", "json"] {
            let run = run_in(&dir, &["diff", &old_ref, "design/shop.hld", "--format", format]);
            assert_eq!(
                run.code, expected_exit[index],
                "{name} {format}: {}{}",
                run.stdout, run.stderr
            );
            assert!(run.stderr.is_empty(), "{name}: {}", run.stderr);
            insta::assert_snapshot!(format!("diff_{index}_{name}_{format}"), run.stdout);
        }
        let json: serde_json::Value =
            serde_json::from_str(&run_in(&dir, &["diff", &old_ref, "design/shop.hld", "--format", "json"]).stdout)
                .unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["fails"], expected_exit[index] == 1);
        match *name {
            "add_a_replica" => {
                let changed = &json["components"]["changed"][0];
                assert_eq!(changed["id"], "api");
                assert_eq!(changed["properties"][0]["property"], "replicas");
                assert_eq!(changed["properties"][0]["before"], 2);
                assert_eq!(changed["properties"][0]["after"], 3);
                assert_eq!(json["load"][0]["id"], "api");
            }
            "drop_a_replica" => {
                let new: Vec<&str> = json["findings"]["new"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|finding| finding["rule"].as_str().unwrap())
                    .collect();
                assert!(new.contains(&"unreplicated-load-balancer"), "{new:?}");
                assert_eq!(json["flows"][0]["before"]["slo_met"], true);
                assert_eq!(json["flows"][0]["after"]["slo_met"], false);
            }
            "add_a_cache" => {
                assert_eq!(json["components"]["added"], serde_json::json!(["c"]));
                assert_eq!(json["links"]["added"], serde_json::json!(["api -> c", "c -> db"]));
                assert_eq!(json["links"]["removed"], serde_json::json!(["api -> db"]));
                assert_eq!(json["flows"][0]["status"], "changed");
                // The fixed finding keeps its old file and line; the new one
                // has the same rule on another subject.
                assert_eq!(json["findings"]["fixed"][0]["file"], format!("{old}:design/shop.hld"));
            }
            "change_a_flow" => {
                assert_eq!(json["flows"][0]["changes"][0]["property"], "slo.p99_ms");
                assert_eq!(json["findings"]["new"][0]["rule"], "latency-above-slo");
            }
            _ => unreachable!(),
        }
    }
    // A design compared with itself: nothing changes, exit 0.
    let same = run_in(&dir, &["diff", "git:HEAD", "design/shop.hld"]);
    assert_eq!(same.code, 0, "{}", same.stderr);
    assert!(
        same.stdout.contains("no change to the design's behaviour"),
        "{}",
        same.stdout
    );
}

#[test]
fn git_ref_reads_imports_at_that_revision() {
    if !has_git() {
        return;
    }
    let dir = scratch("imports");
    sample_repository(&dir);
    // Only the imported file changes, in the work tree: the old side must
    // read the import as committed.
    write(
        &dir,
        "design/parts/data.hld",
        "database db : postgres { replication = primary_replica { replicas = 2, failover = auto } }\n",
    );
    let run = run_in(&dir, &["diff", "git:HEAD", "design/shop.hld", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let changed = &json["components"]["changed"][0];
    assert_eq!(changed["id"], "db");
    let properties: Vec<&str> = changed["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| change["property"].as_str().unwrap())
        .collect();
    assert_eq!(properties, ["replication.failover", "replication.replicas"]);
    let fixed = &json["findings"]["fixed"][0];
    assert_eq!(fixed["rule"], "primary-without-failover");
    assert_eq!(fixed["file"], "HEAD:design/parts/data.hld");
    // NEW may be the revision too.
    let reverse = run_in(&dir, &["diff", "design/shop.hld", "git:HEAD", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&reverse.stdout).unwrap();
    assert_eq!(json["findings"]["new"][0]["rule"], "primary-without-failover");
}

#[test]
fn git_ref_keeps_the_import_rules() {
    if !has_git() {
        return;
    }
    let dir = scratch("guarded");
    sample_repository(&dir);
    // An import that climbs out of the design's directory, and one through
    // a symbolic link, committed: both refused at the revision.
    write(&dir, "secret.hld", "service leaked\n");
    let design = std::fs::read_to_string(dir.join("design/shop.hld")).unwrap();
    write(
        &dir,
        "design/shop.hld",
        &design.replace("parts/data.hld", "../secret.hld"),
    );
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "climb out"]);
    let run = run_in(&dir, &["diff", "git:HEAD", "design/shop.hld"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("the path leads outside the import root"),
        "{}",
        run.stderr
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("../secret.hld", dir.join("design/link.hld")).unwrap();
        write(&dir, "design/shop.hld", &design.replace("parts/data.hld", "link.hld"));
        git(&dir, &["add", "-A"]);
        git(&dir, &["commit", "-qm", "through a link"]);
        let run = run_in(&dir, &["diff", "git:HEAD", "design/shop.hld"]);
        assert_eq!(run.code, 2, "{}", run.stdout);
        assert!(run.stderr.contains("symbolic link at that revision"), "{}", run.stderr);
    }
    // The design and its imports together stay under --max-size.
    git(&dir, &["checkout", "-q", "step0"]);
    let small = (SHOP.len() + 10).to_string();
    let run = run_in(&dir, &["diff", "git:step0", "design/shop.hld", "--max-size", &small]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("over the input limit"), "{}", run.stderr);
    // A revision that could be an option, or a path, is refused before git runs.
    for reference in ["git:--output=/tmp/x", "git:-p", "git:HEAD:design/shop.hld", "git:"] {
        let run = run_in(&dir, &["diff", reference, "design/shop.hld"]);
        assert_eq!(run.code, 2, "{reference}");
        assert!(run.stderr.contains("cannot read `git:"), "{reference}: {}", run.stderr);
    }
    let run = run_in(&dir, &["diff", "git:no-such-branch", "design/shop.hld"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("names no commit"), "{}", run.stderr);
    let run = run_in(&dir, &["diff", "git:HEAD", "git:HEAD"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("needs the design's path"), "{}", run.stderr);
}

#[test]
fn diff_of_two_files_and_input_errors() {
    let dir = scratch("files");
    write(&dir, "parts/data.hld", DATA);
    write(&dir, "old.hld", SHOP);
    write(
        &dir,
        "new.hld",
        &SHOP.replace("lb { replicas = 2 }", "lb { replicas = 1 }"),
    );
    let run = run_in(&dir, &["diff", "old.hld", "new.hld", "--format", "markdown"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let first = run.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("❌ **hld: fails review: new error unreplicated-load-balancer on `lb`"),
        "{first}"
    );
    write(&dir, "broken.hld", "system s {\n");
    let run = run_in(&dir, &["diff", "old.hld", "broken.hld"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("never closed"), "{}", run.stderr);
}

const FINDINGS: &str = "\
system s {
  client users { rps = 100 }
  service api
  database db : postgres
  users -> api -> db
}
";

#[test]
fn baseline_reports_only_new_findings_even_when_lines_move() {
    let dir = scratch("baseline");
    write(&dir, "design.hld", FINDINGS);
    let before = run_in(&dir, &["check", "--format", "json", "design.hld"]);
    let before_json: serde_json::Value = serde_json::from_str(&before.stdout).unwrap();
    let known = before_json["diagnostics"].as_array().unwrap().len();
    assert!(known >= 2, "{}", before.stdout);
    write(&dir, "baseline.json", &before.stdout);
    // Every line moves (a comment on top, the declarations reordered), and
    // one finding is new: a service nothing calls.
    let moved = "\
// the same design, moved about
system s {
  database db : postgres

  service api
  client users { rps = 100 }
  service orphan { replicas = 2 }
  users -> api -> db
}
";
    write(&dir, "design.hld", moved);
    let all = run_in(&dir, &["check", "--format", "json", "design.hld"]);
    let all_json: serde_json::Value = serde_json::from_str(&all.stdout).unwrap();
    let all_count = all_json["diagnostics"].as_array().unwrap().len();
    let run = run_in(
        &dir,
        &["check", "--format", "json", "--baseline", "baseline.json", "design.hld"],
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let left = json["diagnostics"].as_array().unwrap();
    assert_eq!(left.len(), 1, "{}", run.stdout);
    assert_eq!(left[0]["rule"], "unreachable-component");
    // A new finding below `fail_on` (error): exit 0.
    assert_eq!(run.code, 0);
    let old_keys: Vec<(String, String)> = before_json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].to_string(), d["message"].to_string()))
        .collect();
    for finding in left {
        let key = (finding["rule"].to_string(), finding["message"].to_string());
        assert!(!old_keys.contains(&key), "{finding} was in the baseline");
    }
    assert_eq!(left.len() + known, all_count, "{}\n{}", run.stdout, all.stdout);
    // Every format reports the same findings.
    let count_in = |format: &str, needle: &str| {
        let run = run_in(
            &dir,
            &["check", "--format", format, "--baseline", "baseline.json", "design.hld"],
        );
        let text = if format == "human" { run.stderr } else { run.stdout };
        text.matches(needle).count()
    };
    assert_eq!(count_in("github", "title="), left.len());
    assert_eq!(count_in("sarif", "\"ruleId\""), left.len());
    assert_eq!(count_in("junit", "<failure "), left.len());
    for finding in left {
        assert_eq!(count_in("human", finding["message"].as_str().unwrap()), 1);
    }
    // The baseline of the design itself leaves nothing: exit 0.
    write(&dir, "all.json", &all.stdout);
    let run = run_in(&dir, &["check", "--baseline", "all.json", "design.hld"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("no findings"), "{}", run.stderr);
    // A file that is not a check report is a wrong input.
    write(&dir, "not.json", "[1, 2]");
    let run = run_in(&dir, &["check", "--baseline", "not.json", "design.hld"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot use the baseline not.json"),
        "{}",
        run.stderr
    );
    let run = run_in(&dir, &["check", "--baseline", "missing.json", "design.hld"]);
    assert_eq!(run.code, 2);
}

#[test]
fn junit_validates_against_its_schema() {
    let dir = scratch("junit");
    write(&dir, "findings.hld", FINDINGS);
    write(&dir, "broken.hld", "system s {\n  service a { replicas = x }\n");
    write(&dir, "odd <&\"name\">.hld", FINDINGS);
    let examples = common::repo().join("examples");
    let mut files: Vec<String> = common::hld_files(&examples)
        .iter()
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    files.extend(["findings.hld", "broken.hld", "odd <&\"name\">.hld"].map(String::from));
    let mut args = vec!["check", "--format", "junit"];
    args.extend(files.iter().map(String::as_str));
    let run = run_in(&dir, &args);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let rules = hld::analysis::rules::RULES.len();
    assert!(run.stdout.matches("<testsuite ").count() == files.len());
    assert!(run.stdout.matches("<testcase ").count() >= rules * files.len());
    assert!(run.stdout.contains("<error type=\"error\""));
    assert!(run.stdout.contains("<failure type=\"warning\""));
    let report = dir.join("report.xml");
    std::fs::write(&report, &run.stdout).unwrap();
    if !available("xmllint") {
        skip("xmllint is not installed (Debian: libxml2-utils)");
        return;
    }
    let schema = common::repo().join("tests/data/junit.xsd");
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&report)
        .output()
        .expect("xmllint runs");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stderr),
        run.stdout
    );
}

#[test]
fn pre_commit_hooks_run_with_try_repo() {
    if !has_git() {
        return;
    }
    if !available("pre-commit") {
        skip("pre-commit is not installed (pip install pre-commit)");
        return;
    }
    // The hooks repository: this repository's hook manifest, committed.
    let hooks = scratch("hooks");
    std::fs::copy(
        common::repo().join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    git(&hooks, &["init", "-q"]);
    git(&hooks, &["add", "-A"]);
    git(&hooks, &["commit", "-qm", "hooks"]);
    // A sample repository with one design.
    let sample = scratch("pre-commit-sample");
    git(&sample, &["init", "-q"]);
    let example = std::fs::read_to_string(common::repo().join("examples/url_shortener.hld")).unwrap();
    write(&sample, "good.hld", &example);
    git(&sample, &["add", "-A"]);
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_hld"));
    let path = std::env::join_paths(
        std::iter::once(binary.parent().unwrap().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let try_hook = |sample: &Path, hook: &str| {
        Command::new("pre-commit")
            .args(["try-repo", hooks.to_str().unwrap(), hook, "--all-files"])
            .current_dir(sample)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", scratch("pre-commit-home"))
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("pre-commit runs")
    };
    let try_repo = |sample: &Path| try_hook(sample, "hld-check-system");
    let passed = try_repo(&sample);
    let text = String::from_utf8_lossy(&passed.stdout);
    assert!(
        passed.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&passed.stderr)
    );
    assert!(text.contains("Passed"), "{text}");
    // A design with an error finding fails the hook, with hld's report.
    write(
        &sample,
        "bad.hld",
        "system s {\n  client u\n  load_balancer lb { replicas = 1 }\n  service api { replicas = 2 }\n  u -> lb -> api\n  flow f { path = u -> lb -> api }\n}\n",
    );
    git(&sample, &["add", "-A"]);
    let failed = try_repo(&sample);
    let text = String::from_utf8_lossy(&failed.stdout);
    assert!(!failed.status.success(), "{text}");
    assert!(text.contains("unreplicated-load-balancer"), "{text}");

    // hld-fmt: a messy design fails the hook and is laid out; then it passes.
    let formatted = scratch("pre-commit-fmt");
    git(&formatted, &["init", "-q"]);
    write(
        &formatted,
        "messy.hld",
        "system s {\nclient u{rps=10}\nservice a\nu->a\n}\n",
    );
    git(&formatted, &["add", "-A"]);
    let rewritten = try_hook(&formatted, "hld-fmt-system");
    let text = String::from_utf8_lossy(&rewritten.stdout);
    assert!(!rewritten.status.success(), "{text}");
    assert!(text.contains("files were modified by this hook"), "{text}");
    assert_eq!(
        std::fs::read_to_string(formatted.join("messy.hld")).unwrap(),
        "system s {\n  client u { rps = 10 }\n  service a\n  u -> a\n}\n"
    );
    git(&formatted, &["add", "-A"]);
    let clean = try_hook(&formatted, "hld-fmt-system");
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stdout));
}
