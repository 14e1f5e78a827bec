//! Every design of `../shared/examples` against the expectations in its
//! header comments (shared/examples/README.md), and every design of our own
//! `examples/` and `tests/fixtures`.

mod common;

use common::{Expectation, check_json, expectations, hld_files, shared_examples};

/// Every valid design parses and resolves: exit 0 or 1, never 2.
#[test]
fn shared_examples_parse_and_resolve() {
    let Some(dir) = shared_examples() else { return };
    let files = hld_files(&dir);
    assert!(files.len() >= 10, "expected the shared examples, found {files:?}");
    for path in files {
        let (code, json) = check_json(&path);
        assert!(code == 0 || code == 1, "{}: exit {code}\n{json:#}", path.display());
    }
}

#[test]
fn own_examples_parse_and_resolve() {
    let files = hld_files(&common::repo().join("examples"));
    assert!(files.len() >= 5, "examples/ holds the guide's designs: {files:?}");
    for path in files {
        let (code, json) = check_json(&path);
        assert!(code == 0 || code == 1, "{}: exit {code}\n{json:#}", path.display());
    }
}

/// Every invalid design exits 2 with a diagnostic on each `expect-error`
/// line whose message or help contains the text it names.
#[test]
fn invalid_examples_report_each_expected_error() {
    let Some(dir) = shared_examples() else { return };
    let files = hld_files(&dir.join("invalid"));
    assert!(!files.is_empty());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let (code, json) = check_json(&path);
        assert_eq!(code, 2, "{}: {json:#}", path.display());
        let diagnostics = json["diagnostics"].as_array().unwrap();
        let expected: Vec<_> = expectations(&text)
            .into_iter()
            .filter_map(|expectation| match expectation {
                Expectation::Error { line, text } => Some((line, text)),
                _ => None,
            })
            .collect();
        assert!(!expected.is_empty(), "{} has no expect-error", path.display());
        for (line, needle) in expected {
            let found = diagnostics.iter().any(|diagnostic| {
                diagnostic["line"].as_u64() == Some(line as u64)
                    && (diagnostic["message"].as_str().unwrap_or("").contains(&needle)
                        || diagnostic["help"].as_str().unwrap_or("").contains(&needle))
            });
            assert!(
                found,
                "{}: no diagnostic on line {line} containing {needle:?}:\n{json:#}",
                path.display()
            );
        }
    }
}

/// Every `expect`, `expect-not` and `expect-findings` header of every shared
/// example holds. Expectations of the numeric rules are skipped (and listed)
/// only while those rules are not registered.
#[test]
fn shared_examples_meet_their_finding_expectations() {
    let Some(dir) = shared_examples() else { return };
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in hld_files(&dir) {
        let report = common::check_finding_expectations(&path);
        for skipped in &report.skipped {
            eprintln!("skipped: {skipped}");
        }
        failures.extend(report.failures);
        checked += 1;
    }
    assert!(checked >= 10, "expected the shared examples");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The rule fixtures (tests/fixtures/rules/RULE/*.hld) meet their headers too.
#[test]
fn rule_fixtures_meet_their_finding_expectations() {
    let root = common::repo().join("tests/fixtures/rules");
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/fixtures/rules")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        for path in hld_files(&dir) {
            let report = common::check_finding_expectations(&path);
            failures.extend(report.failures);
            checked += 1;
        }
    }
    assert!(checked > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
