//! Hostile inputs (issue 10, item 4): designs built to make `hld` spend time
//! or memory out of proportion to their size. Each runs the debug binary at
//! a size where the old quadratic work took minutes (or gigabytes), with a
//! time limit linear work meets easily; the outputs check that the counts
//! stay exact while at most 100 diagnostics per file are kept and shown.
//! Release figures: docs/performance.md, "Hostile inputs".

use crate::common;

use std::time::Duration;

use common::hostile;

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn did_you_mean_over_20000_ids_is_bounded() {
    // 10,000 unknown references among 20,000 ids of the same length: every
    // id is within the edit-distance bound of every reference. Before, 29 s
    // in a release build; suggestions are now computed for the 100 shown.
    let text = hostile::unknown_references(20_000, 5_000);
    let run = common::run_within(&["check"], "unknown-references", &text, LIMIT);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("... and 9900 more diagnostics"),
        "{}",
        &run.stderr[run.stderr.len().saturating_sub(500)..]
    );
    assert!(run.stderr.contains("10000 errors"));
    // The shown ones still get their suggestion.
    assert!(
        run.stderr.contains("did you mean `component_000000`?"),
        "suggestions kept"
    );
    assert_eq!(run.stderr.matches("help: did you mean").count(), 100);
}

#[test]
fn did_you_mean_over_long_ids_is_bounded() {
    // 300-character ids that differ only at their end: no length or prefix
    // test rules a candidate out (before, 17 s for 200 references).
    let text = hostile::long_ids(1_000, 200, 300);
    let run = common::run_within(&["check", "--format", "json"], "long-ids", &text, LIMIT);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(report["summary"]["errors"], 200);
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(100));
}

#[test]
fn two_hundred_thousand_duplicate_links_keep_100_and_count_the_rest() {
    // One 1 MB line `a -> b -> a -> ...`: 209,711 links, all but two
    // duplicates. The resolver keeps 100 and counts the rest as it goes.
    let text = hostile::duplicate_links(1024 * 1024);
    let run = common::run_within(&["check"], "duplicate-links", &text, LIMIT);
    assert_eq!(run.code, 2);
    let links = text.matches("->").count();
    let duplicates = links - 2;
    assert!(
        run.stderr
            .contains(&format!("... and {} more diagnostics", duplicates - 100)),
        "{}",
        &run.stderr[run.stderr.len().saturating_sub(500)..]
    );
    assert!(run.stderr.contains(&format!("{duplicates} errors")));
    assert!(run.stderr.len() < 200_000, "100 diagnostics, not {}", run.stderr.len());
}

#[test]
fn twenty_thousand_warnings_show_100_unless_asked() {
    let text = hostile::many_warnings(20_000);
    let run = common::run_within(&["check"], "many-warnings", &text, LIMIT);
    assert_eq!(run.code, 0, "warnings only");
    // 20,000 unreachable services and one missing rate limit.
    assert!(run.stderr.contains("0 errors, 20001 warnings"), "exact count");
    assert!(run.stderr.contains("... and 19901 more diagnostics in "));
    assert!(run.stderr.contains("--max-diagnostics 0 shows them all"));
    assert!(run.stderr.len() < 100_000, "{} bytes", run.stderr.len());

    let github = common::run_within(&["check", "--format", "github"], "many-warnings", &text, LIMIT);
    assert_eq!(
        github
            .stdout
            .lines()
            .filter(|line| line.starts_with("::warning"))
            .count(),
        100
    );
    assert!(github.stdout.contains("::notice title=hld::19901 more diagnostics in "));

    let all = common::run_within(
        &["check", "--format", "github", "--max-diagnostics", "0"],
        "many-warnings",
        &text,
        LIMIT,
    );
    assert_eq!(
        all.stdout.lines().filter(|line| line.starts_with("::warning")).count(),
        20_001
    );
    assert!(!all.stdout.contains("::notice"));

    // JSON and SARIF list every finding (docs/cli.md, "--max-diagnostics").
    let json = common::run_within(&["check", "--format", "json"], "many-warnings", &text, LIMIT);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(20_001));
}

#[test]
fn max_diagnostics_also_caps_input_errors() {
    let text = hostile::unknown_references(50, 20);
    let run = common::run_within(&["check", "--max-diagnostics", "5"], "few-unknown", &text, LIMIT);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.matches("unknown component").count(), 5);
    assert!(run.stderr.contains("... and 35 more diagnostics"));
    assert!(run.stderr.contains("40 errors"));
}

/// `hld explain` and `check --format json` verify each fix with a re-check of
/// the whole edited text: on a long chain of single instances that many
/// flows follow, every service is a finding with a fix, and verifying them
/// all cost minutes (95 s in a release build at 999 services and 600
/// flows). Verification stops at a budget of re-checked bytes
/// (`fix::VERIFY_BUDGET_BYTES`), so the work follows the input's size.
#[test]
fn verifying_the_fixes_of_a_long_chain_of_single_instances_is_bounded() {
    let services = 400;
    let mut text = String::from("system chain {\n  client users { rps = 10 }\n");
    for i in 0..services {
        text.push_str(&format!("  service s{i}\n"));
    }
    text.push_str("  users -> s0\n");
    for i in 1..services {
        text.push_str(&format!("  s{} -> s{i}\n", i - 1));
    }
    let path: Vec<String> = (0..services).map(|i| format!("s{i}")).collect();
    for flow in 0..300 {
        text.push_str(&format!("  flow f{flow} {{ path = users -> {} }}\n", path.join(" -> ")));
    }
    text.push_str("}\n");
    let explain = common::run_within(&["explain"], "single-chain", &text, LIMIT);
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    assert!(
        explain.stdout.contains("<a id=\"improvements\"></a>"),
        "{}",
        explain.stdout
    );
    let json = common::run_within(&["check", "--format", "json"], "single-chain", &text, LIMIT);
    assert!(json.stdout.contains("single-point-of-failure"), "{}", json.stderr);
}
