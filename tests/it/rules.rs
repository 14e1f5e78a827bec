//! The rule catalog as a whole: every rule has its fixtures and a snapshot of
//! its output, docs/rules/NAME.md is what the metadata generates, messages
//! follow the style guide, `hld rules` lists and documents every rule.
//!
//! `HLD_UPDATE_DOCS=1 cargo test --test it rules::` rewrites docs/rules/ from the
//! metadata instead of comparing.

use crate::common;

use std::path::PathBuf;

use common::{Expectation, expectations, hld_files, run};
use hld::analysis::rules::RULES;
use hld::emit::rule_docs;

fn fixtures(rule: &str) -> PathBuf {
    common::repo().join("tests/fixtures/rules").join(rule)
}

/// Every rule has fires.hld (expecting it) and quiet.hld (expecting it not),
/// and no fixture directory is left without a rule.
#[test]
fn every_rule_has_both_fixtures() {
    for rule in RULES {
        let dir = fixtures(rule.name);
        let read = |file: &str| {
            std::fs::read_to_string(dir.join(file))
                .unwrap_or_else(|_| panic!("{} has no tests/fixtures/rules/{}/{file}", rule.name, rule.name))
        };
        let fires = expectations(&read("fires.hld"));
        assert!(
            fires
                .iter()
                .any(|e| matches!(e, Expectation::Finding { rule: r, .. } if r == rule.name)),
            "{}: fires.hld has no `// expect: {}`",
            rule.name,
            rule.name
        );
        let quiet = expectations(&read("quiet.hld"));
        assert!(
            quiet
                .iter()
                .any(|e| matches!(e, Expectation::NoFinding { rule: r, subject: None } if r == rule.name)),
            "{}: quiet.hld has no `// expect-not: {}`",
            rule.name,
            rule.name
        );
    }
    for entry in std::fs::read_dir(common::repo().join("tests/fixtures/rules")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            hld::analysis::rules::rule(&name).is_some(),
            "tests/fixtures/rules/{name} names no rule"
        );
    }
}

/// The human output of each rule's fires.hld, one snapshot per rule, holding
/// that rule's findings only: the check runs with an hld.yaml that turns
/// every other rule off, so a change to another rule does not touch this
/// snapshot. What else fires.hld triggers is checked by its `// expect:`
/// headers (conformance.rs).
#[test]
fn every_rule_has_an_output_snapshot() {
    let dir = std::env::temp_dir().join(format!("hld-rule-snapshots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for rule in RULES {
        let path = format!("tests/fixtures/rules/{}/fires.hld", rule.name);
        let text = std::fs::read_to_string(common::repo().join(&path)).unwrap();
        let config = dir.join(format!("{}.yaml", rule.name));
        let others: String = RULES
            .iter()
            .filter(|other| other.name != rule.name)
            .map(|other| format!("  {}: off\n", other.name))
            .collect();
        std::fs::write(&config, format!("rules:\n{others}")).unwrap();
        let run = run(&["check", &path, "--config", &config.to_string_lossy()]);
        let snapshot = format!(
            "{text}\n=== hld check {path}, every other rule off (exit {})\n{}",
            run.code, run.stderr
        );
        insta::assert_snapshot!(format!("rule_{}", rule.name), snapshot);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// docs/rules/NAME.md and docs/rules/README.md are generated from the
/// metadata; they never drift.
#[test]
fn rule_docs_are_current() {
    let dir = common::repo().join("docs/rules");
    let mut expected: Vec<(String, String)> = RULES
        .iter()
        .map(|rule| (format!("{}.md", rule.name), rule_docs::markdown(rule)))
        .collect();
    expected.push(("README.md".to_string(), rule_docs::index(RULES)));
    if std::env::var_os("HLD_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "md") {
                std::fs::remove_file(path).unwrap();
            }
        }
        for (file, text) in &expected {
            std::fs::write(dir.join(file), text).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (file, text) in &expected {
        if std::fs::read_to_string(dir.join(file)).ok().as_deref() != Some(text.as_str()) {
            stale.push(file.clone());
        }
    }
    let mut present: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok())
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    present.retain(|file| !expected.iter().any(|(name, _)| name == file));
    assert!(
        stale.is_empty() && present.is_empty(),
        "docs/rules is out of date (stale: {stale:?}, extra: {present:?}); run `HLD_UPDATE_DOCS=1 cargo test --test it rules::`"
    );
}

/// Messages, helps and notes: lowercase start, no final period (style.md
/// §3), over every finding of every design we have.
#[test]
fn messages_follow_the_style_guide() {
    let mut files = Vec::new();
    if let Some(dir) = common::shared_examples() {
        files.extend(hld_files(&dir));
    }
    for rule in RULES {
        files.extend(hld_files(&fixtures(rule.name)));
    }
    let mut seen = 0;
    for path in files {
        let (_, json) = common::check_json(&path);
        for diagnostic in json["diagnostics"].as_array().unwrap() {
            let texts = std::iter::once(&diagnostic["message"])
                .chain(std::iter::once(&diagnostic["help"]))
                .chain(diagnostic["notes"].as_array().into_iter().flatten())
                .filter_map(|text| text.as_str());
            for text in texts {
                seen += 1;
                let first = text.chars().next().unwrap_or('a');
                assert!(
                    !first.is_uppercase() && !text.ends_with('.') && !text.trim().is_empty(),
                    "{}: {:?} breaks the style guide",
                    path.display(),
                    text
                );
            }
        }
    }
    assert!(seen > 50);
}

#[test]
fn hld_rules_lists_and_documents_every_rule() {
    let list = run(&["rules"]);
    assert_eq!(list.code, 0);
    assert_eq!(list.stdout.lines().count(), RULES.len());
    for rule in RULES {
        assert!(
            list.stdout
                .lines()
                .any(|line| line.starts_with(rule.name) && line.contains(rule.summary)),
            "{}",
            rule.name
        );
        let page = run(&["rules", rule.name]);
        assert_eq!(page.code, 0);
        assert_eq!(page.stdout, rule_docs::markdown(rule));
    }
    insta::assert_snapshot!("hld_rules", list.stdout);
    let unknown = run(&["rules", "single-point-of-failur"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("did you mean `single-point-of-failure`?"),
        "{}",
        unknown.stderr
    );
}
