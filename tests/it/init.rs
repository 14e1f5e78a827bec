//! `hld init`: every template checks with exactly the findings its
//! "Exercises" section lists, draws and estimates; its worked solution
//! (`tests/fixtures/init/NAME.hld`) checks clean; the command lists, writes,
//! and never replaces a file.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{check_json, hld, repo, run};
use hld::init::{DEFAULT, TEMPLATES};

/// A fresh, empty directory for one test.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hld-init-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes template `name` into `dir` with `hld init`; returns its path.
fn init_into(dir: &Path, name: &str) -> PathBuf {
    let run = run(&["init", "--template", name, dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "hld init -t {name}: {}", run.stderr);
    let path = dir.join(format!("{name}.hld"));
    assert!(path.is_file(), "{} written", path.display());
    path
}

/// The `(rule, severity)` pairs an "Exercises" section lists: the items
/// `//   N. `rule` (severity) ...` between `// Exercises` and the end of the
/// header comment.
fn exercises(text: &str) -> Vec<(String, String)> {
    let mut items = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let Some(comment) = line.strip_prefix("//") else {
            if inside {
                break;
            }
            continue;
        };
        let comment = comment.trim();
        if comment == "Exercises" {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        let Some((number, rest)) = comment.split_once(". `") else {
            continue;
        };
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let (rule, rest) = rest.split_once('`').expect("a closing backtick after the rule");
        let severity = rest
            .trim_start()
            .strip_prefix('(')
            .and_then(|rest| rest.split_once(')'))
            .map(|(severity, _)| severity.to_string())
            .unwrap_or_else(|| panic!("`{rule}` gives no (severity): {line}"));
        assert_eq!(
            number.parse::<usize>().unwrap(),
            items.len() + 1,
            "exercises are numbered 1, 2, ...: {line}"
        );
        items.push((rule.to_string(), severity));
    }
    items
}

#[test]
fn every_template_reports_exactly_the_findings_its_exercises_list() {
    assert!(TEMPLATES.len() >= 8);
    let dir = scratch("exercises");
    for template in TEMPLATES {
        let path = init_into(&dir, template.name);
        let listed = exercises(template.text);
        assert!(!listed.is_empty(), "{}: no exercises", template.name);
        for (rule, _) in &listed {
            assert!(
                hld::analysis::rules::rule(rule).is_some(),
                "{}: `{rule}` is no rule",
                template.name
            );
        }
        let (code, json) = check_json(&path);
        assert!(code == 0 || code == 1, "{}: exit {code}\n{json:#}", template.name);
        let reported: BTreeSet<(String, String)> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|diagnostic| {
                (
                    diagnostic["rule"].as_str().unwrap().to_string(),
                    diagnostic["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let listed: BTreeSet<(String, String)> = listed.into_iter().collect();
        assert_eq!(
            reported, listed,
            "{}: `hld check` reports (left) what the Exercises list (right) does not, or the reverse",
            template.name
        );
        // Every error-level finding is explained, so the exit code is 1 exactly
        // when an exercise is an error.
        let has_error = listed.iter().any(|(_, severity)| severity == "error");
        assert_eq!(code, i32::from(has_error), "{}", template.name);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_template_draws_and_estimates() {
    let dir = scratch("draw");
    for template in TEMPLATES {
        let path = init_into(&dir, template.name);
        let path = path.to_str().unwrap();
        let mermaid = run(&["diagram", path]);
        assert_eq!(mermaid.code, 0, "{}: {}", template.name, mermaid.stderr);
        assert!(mermaid.stdout.contains("flowchart"), "{}", template.name);
        let dot = run(&["diagram", path, "--format", "dot"]);
        assert_eq!(dot.code, 0, "{}: {}", template.name, dot.stderr);
        let estimate = run(&["estimate", path, "--format", "json"]);
        assert_eq!(estimate.code, 0, "{}: {}", template.name, estimate.stderr);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The worked solutions: each template with its exercises done checks clean,
/// so the exercises are all that is wrong with it.
#[test]
fn every_worked_solution_checks_clean() {
    let dir = repo().join("tests/fixtures/init");
    let names: BTreeSet<String> = common::hld_files(&dir)
        .iter()
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let templates: BTreeSet<String> = TEMPLATES.iter().map(|template| template.name.to_string()).collect();
    assert_eq!(names, templates, "one solution per template in tests/fixtures/init");
    for name in names {
        let path = dir.join(format!("{name}.hld"));
        let report = common::check_finding_expectations(&path);
        assert!(report.failures.is_empty(), "{}", report.failures.join("\n"));
        let (code, json) = check_json(&path);
        assert_eq!(code, 0, "{name}: {json:#}");
        assert_eq!(json["diagnostics"].as_array().unwrap().len(), 0, "{name}: {json:#}");
    }
}

#[test]
fn list_shows_every_template_on_its_own_line() {
    let run = run(&["init", "--list"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), TEMPLATES.len(), "{}", run.stdout);
    for (line, template) in lines.iter().zip(TEMPLATES) {
        assert_eq!(line.split_whitespace().next(), Some(template.name), "{line}");
        assert!(line.contains(template.title), "{line}");
    }
    let title_column: BTreeSet<usize> = lines
        .iter()
        .zip(TEMPLATES)
        .map(|(line, template)| line.find(template.title).unwrap())
        .collect();
    assert_eq!(title_column.len(), 1, "titles are aligned:\n{}", run.stdout);
    // --list writes nothing, and takes no template or directory.
    assert_eq!(common::run(&["init", "--list", "--template", "chat"]).code, 2);
}

#[test]
fn init_writes_the_template_and_never_replaces_a_file() {
    let dir = scratch("write").join("new/nested");
    let path = init_into(&dir, "chat");
    let template = hld::init::template("chat").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), template.text);
    // A second init refuses and leaves the file, edits and all, untouched.
    std::fs::write(&path, "// my edits\n").unwrap();
    let again = run(&["init", "--template", "chat", dir.to_str().unwrap()]);
    assert_eq!(again.code, 2);
    assert!(again.stdout.is_empty(), "{}", again.stdout);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "// my edits\n");
    // Nothing else appeared in the directory (no temporary files).
    let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(Result::ok).collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    std::fs::remove_dir_all(dir.parent().unwrap().parent().unwrap()).ok();
}

#[test]
fn init_prints_what_it_wrote_and_what_to_run_next() {
    let dir = scratch("next");
    let run = run(&["init", "--template", "web-crawler", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = dir.join("web-crawler.hld");
    assert!(
        run.stdout.contains(&format!("wrote {}", path.display())),
        "{}",
        run.stdout
    );
    for command in ["hld check", "hld diagram", "hld explain"] {
        assert!(
            run.stdout.contains(&format!("{command} {}", path.display())),
            "{}",
            run.stdout
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn init_without_arguments_writes_the_default_here() {
    let dir = scratch("default");
    let output = hld().arg("init").current_dir(&dir).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = std::fs::read_to_string(dir.join(format!("{DEFAULT}.hld"))).unwrap();
    assert_eq!(written, hld::init::template(DEFAULT).unwrap().text);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(&format!("hld check {DEFAULT}.hld")), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_unknown_template_is_refused_with_a_suggestion_and_the_list() {
    let dir = scratch("unknown");
    let target = dir.join("out");
    let run = run(&["init", "--template", "twiter", target.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("unknown template `twiter`"), "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `twitter-timeline`?"),
        "{}",
        run.stderr
    );
    for template in TEMPLATES {
        assert!(run.stderr.contains(template.name), "{}", run.stderr);
    }
    assert!(!target.exists(), "nothing written, not even the directory");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn init_refuses_a_directory_that_is_a_file() {
    let dir = scratch("file");
    let file = dir.join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let run = run(&["init", file.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a directory"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(unix)]
#[test]
fn init_does_not_write_through_a_symbolic_link() {
    let dir = scratch("link");
    let outside = dir.join("outside.hld");
    std::os::unix::fs::symlink(&outside, dir.join("chat.hld")).unwrap();
    let run = run(&["init", "--template", "chat", dir.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(!outside.exists(), "nothing written through the link");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_exercises_parser_reads_numbered_items() {
    let text = "// Exercises\n// ---\n//   1. `cap-mismatch` (error) on x: fix\n//      more `not-an-item` text\n//   2. `fixed-window-burst` (info): y\n\nsystem s {}\n// 3. `later` (warning)\n";
    assert_eq!(
        exercises(text),
        vec![
            ("cap-mismatch".to_string(), "error".to_string()),
            ("fixed-window-burst".to_string(), "info".to_string()),
        ]
    );
}
