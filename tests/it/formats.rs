//! Output formats of `hld check`: snapshots of human, JSON, SARIF and GitHub
//! output, SARIF validity against the SARIF 2.1.0 schema (and what GitHub
//! code scanning needs), byte-identical output run to run, exit codes.

use crate::common;

use std::path::{Path, PathBuf};

use common::{hld_files, run, shared_examples};

const FORMATS: &[&str] = &["human", "json", "sarif", "github"];

fn fixture(name: &str) -> String {
    format!("tests/fixtures/formats/{name}")
}

/// The rule table of a SARIF log (`tool.driver.rules`), each descriptor
/// shrunk to id, level and helpUri: the descriptors carry each rule's whole
/// documentation, which tests/it/rules.rs checks.
fn sarif_rule_table(log: &serde_json::Value) -> Vec<serde_json::Value> {
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("SARIF has a rule table");
    rules
        .iter()
        .map(|rule| {
            serde_json::json!({
                "id": rule["id"],
                "level": rule["defaultConfiguration"]["level"],
                "helpUri": rule["helpUri"],
            })
        })
        .collect()
}

/// stdout, stderr and the exit code of one run, as one snapshot. In SARIF
/// the rule table starts with the catalog, the same in every log and
/// snapshotted once (`sarif_rule_table_is_snapshotted_once`); here the
/// catalog shrinks to its length, and only what follows it (a descriptor
/// per input error code used) is shown. Each result's ruleIndex is checked
/// to point at its ruleId first.
fn transcript(args: &[&str]) -> String {
    let run = run(args);
    let mut stdout = run.stdout;
    if args.contains(&"sarif") {
        let mut log: serde_json::Value = serde_json::from_str(&stdout).expect("SARIF is JSON");
        let table = sarif_rule_table(&log);
        for result in log["runs"][0]["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(table[index]["id"], result["ruleId"], "{args:?}: ruleIndex {index}");
        }
        let catalog = hld::analysis::rules::RULES.len();
        assert_eq!(
            table[..catalog],
            catalog_table()[..],
            "{args:?}: the catalog part of the rule table"
        );
        let mut shown = vec![serde_json::json!(format!(
            "{catalog} catalog rules (snapshot sarif_rule_table)"
        ))];
        shown.extend(table[catalog..].iter().cloned());
        log["runs"][0]["tool"]["driver"]["rules"] = serde_json::Value::Array(shown);
        stdout = serde_json::to_string_pretty(&log).unwrap() + "\n";
    }
    format!(
        "args: {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        run.code,
        stdout,
        run.stderr
    )
}

/// The catalog part of the SARIF rule table, from a design without input
/// errors (clean.hld): one descriptor per rule, nothing after them.
fn catalog_table() -> Vec<serde_json::Value> {
    let run = run(&["check", "--format", "sarif", &fixture("clean.hld")]);
    let log: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    let table = sarif_rule_table(&log);
    let listed: Vec<&str> = table.iter().map(|rule| rule["id"].as_str().unwrap()).collect();
    let ids: Vec<&str> = hld::analysis::rules::RULES.iter().map(|rule| rule.name).collect();
    assert_eq!(listed, ids, "one descriptor per rule, in catalog order");
    table
}

/// The SARIF rule table's catalog, once: every rule in catalog order with
/// its level and documentation link (every log starts its table with it;
/// `transcript` checks that).
#[test]
fn sarif_rule_table_is_snapshotted_once() {
    let table = serde_json::Value::Array(catalog_table());
    insta::assert_snapshot!("sarif_rule_table", serde_json::to_string_pretty(&table).unwrap() + "\n");
}

#[test]
fn every_format_snapshots() {
    for design in ["store.hld", "broken.hld", "clean.hld"] {
        for format in FORMATS {
            let path = fixture(design);
            let name = format!("{}_{format}", design.trim_end_matches(".hld"));
            insta::assert_snapshot!(name, transcript(&["check", "--format", format, &path]));
        }
    }
}

#[test]
fn several_files_in_one_report() {
    let (store, clean) = (fixture("store.hld"), fixture("clean.hld"));
    insta::assert_snapshot!(
        "two_files_github",
        transcript(&["check", "--format", "github", &store, &clean])
    );
    let human = run(&["check", &store, &clean]);
    assert_eq!(human.code, 1);
    assert!(
        human.stderr.ends_with("2 files: 3 errors, 4 warnings and 2 infos\n"),
        "{}",
        human.stderr
    );
}

/// Every design we have: the shared examples, the rule fixtures, these, and
/// the bundled examples.
fn all_designs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(dir) = shared_examples() {
        files.extend(hld_files(&dir));
    }
    let rules = common::repo().join("tests/fixtures/rules");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&rules)
        .unwrap()
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    dirs.sort();
    for dir in dirs {
        files.extend(hld_files(&dir));
    }
    files.extend(hld_files(&common::repo().join("tests/fixtures/formats")));
    files.extend(hld_files(&common::repo().join("examples")));
    files
}

/// A path relative to the repository, as CI passes it.
fn relative(path: &Path) -> String {
    let repo = common::repo();
    path.strip_prefix(&repo)
        .map(|rest| rest.to_string_lossy().into_owned())
        .unwrap_or_else(|_| {
            // ../shared/examples/x.hld
            let canonical_repo = repo.canonicalize().unwrap();
            let canonical = path.canonicalize().unwrap();
            let shared = canonical_repo.parent().unwrap();
            format!("../{}", canonical.strip_prefix(shared).unwrap().to_string_lossy())
        })
}

fn sarif_validator() -> jsonschema::Validator {
    // The copy is verbatim (serde-sarif 0.8.0 `src/schema.json`). One pattern
    // in it, `run.language`, has a bare `]`: a literal in ECMA-262 regexes
    // but an error for Rust's regex engine, which rejects the whole schema.
    // Escaping it keeps the ECMA meaning.
    let text = include_str!("../data/sarif-schema-2.1.0.json").replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#,
    );
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema parses");
    // Draft 7 asserts `format` (uri, uri-reference, ...) by default.
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// The SARIF of every design validates against the SARIF 2.1.0 schema and
/// carries what GitHub code scanning reads.
#[test]
fn sarif_validates_and_has_what_github_needs() {
    let validator = sarif_validator();
    let rule_count = hld::analysis::rules::RULES.len();
    for path in all_designs() {
        let path = relative(&path);
        let run = run(&["check", "--format", "sarif", &path]);
        assert!(run.code <= 2, "{path}: {}", run.stderr);
        let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{path}: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|error| format!("{}: {error}", error.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path}: invalid SARIF:\n{}", errors.join("\n"));

        assert_eq!(log["version"], "2.1.0");
        let runs = log["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 1);
        let rules = runs[0]["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(rules.len() >= rule_count);
        for rule in &rules[..rule_count] {
            let id = rule["id"].as_str().unwrap();
            let uri = rule["helpUri"].as_str().unwrap();
            assert!(uri.ends_with(&format!("docs/rules/{id}.md")), "{uri}");
            assert!(rule["help"]["markdown"].as_str().unwrap().contains("## What it checks"));
        }
        for result in runs[0]["results"].as_array().unwrap() {
            let rule_id = result["ruleId"].as_str().unwrap();
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], rule_id);
            assert!(!result["message"]["text"].as_str().unwrap().is_empty());
            let location = &result["locations"][0]["physicalLocation"];
            let uri = location["artifactLocation"]["uri"].as_str().unwrap();
            assert!(
                !uri.starts_with('/') && !uri.contains("://"),
                "{path}: {uri} is not relative"
            );
            assert_eq!(uri, path.replace('\\', "/"));
            assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        }
    }
}

/// Same input, same bytes: every format, every design, twice.
#[test]
fn output_is_byte_identical_run_to_run() {
    for path in all_designs() {
        let path = relative(&path);
        for format in FORMATS {
            let first = run(&["check", "--format", format, &path]);
            let second = run(&["check", "--format", format, &path]);
            assert_eq!(first.stdout, second.stdout, "{path} {format}");
            assert_eq!(first.stderr, second.stderr, "{path} {format}");
        }
    }
}

#[test]
fn exit_codes_follow_cli_md() {
    for format in FORMATS {
        assert_eq!(run(&["check", "--format", format, &fixture("clean.hld")]).code, 0);
        assert_eq!(run(&["check", "--format", format, &fixture("store.hld")]).code, 1);
        assert_eq!(run(&["check", "--format", format, &fixture("broken.hld")]).code, 2);
    }
    // The worst file decides.
    assert_eq!(run(&["check", &fixture("clean.hld"), &fixture("broken.hld")]).code, 2);
}

/// A scratch directory for designs with their own hld.yaml.
fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("formats").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

const WARNING_ONLY: &str = "system s {\n  client u\n  service api { replicas = 2 }\n  u -> api\n}\n";

#[test]
fn hld_yaml_sets_fail_on_severities_and_off() {
    let dir = scratch(
        "fail_on",
        &[("d.hld", WARNING_ONLY), ("hld.yaml", "fail_on: warning\n")],
    );
    let design = dir.join("d.hld");
    let design = design.to_str().unwrap();
    // missing-rate-limit is a warning: exit 1 with fail_on = warning.
    assert_eq!(run(&["check", design]).code, 1);
    let other = scratch(
        "off",
        &[("hld.yaml", "rules:\n  missing-rate-limit: off\nfail_on: warning\n")],
    );
    let config = other.join("hld.yaml");
    let json = run(&[
        "check",
        "--format",
        "json",
        "--config",
        config.to_str().unwrap(),
        design,
    ]);
    assert_eq!(json.code, 0, "{}", json.stdout);
    assert!(!json.stdout.contains("missing-rate-limit"));
    let raised = scratch("raised", &[("hld.yaml", "rules:\n  missing-rate-limit: error\n")]);
    let config = raised.join("hld.yaml");
    let json = run(&[
        "check",
        "--format",
        "json",
        "--config",
        config.to_str().unwrap(),
        design,
    ]);
    assert_eq!(json.code, 1);
    assert!(json.stdout.contains("\"severity\": \"error\""), "{}", json.stdout);
}

#[test]
fn hld_yaml_thresholds_apply() {
    let chain = "system s {\n  client u\n  gateway g { replicas = 2, rate_limit = token_bucket { capacity = 1, refill = 1/s, per = user } }\n  service a { replicas = 2 }\n  service b { replicas = 2 }\n  service c { replicas = 2 }\n  u -> g -> a -> b -> c\n  flow f { path = u -> g -> a -> b -> c }\n}\n";
    let dir = scratch(
        "max_hops",
        &[
            ("d.hld", chain),
            (
                "hld.yaml",
                "rules:\n  deep-sync-chain: { severity: error, max_hops: 3 }\n",
            ),
        ],
    );
    let json = run(&["check", "--format", "json", dir.join("d.hld").to_str().unwrap()]);
    assert_eq!(json.code, 1, "{}", json.stdout);
    assert!(
        json.stdout
            .contains("waits on 4 gateways and services in a row, more than 3"),
        "{}",
        json.stdout
    );
    let sharded = "system s {\n  database d : postgres { shard = hash { key = k, count = 2 }, size = 600GB }\n}\n";
    let dir = scratch(
        "min_size",
        &[
            ("d.hld", sharded),
            ("hld.yaml", "rules:\n  premature-sharding: { min_size: 500GB }\n"),
        ],
    );
    let json = run(&["check", "--format", "json", dir.join("d.hld").to_str().unwrap()]);
    assert!(!json.stdout.contains("premature-sharding"), "{}", json.stdout);
}

#[test]
fn unknown_rule_names_are_errors_with_a_did_you_mean() {
    let dir = scratch(
        "unknown_yaml",
        &[
            ("d.hld", WARNING_ONLY),
            ("hld.yaml", "rules:\n  missing-rate-limt: off\n"),
        ],
    );
    let run_yaml = run(&["check", dir.join("d.hld").to_str().unwrap()]);
    assert_eq!(run_yaml.code, 2);
    assert!(
        run_yaml.stderr.contains("unknown rule `missing-rate-limt` in hld.yaml"),
        "{}",
        run_yaml.stderr
    );
    assert!(
        run_yaml.stderr.contains("did you mean `missing-rate-limit`?"),
        "{}",
        run_yaml.stderr
    );
    let allow = "system s {\n  client u\n  service api { replicas = 2, allow = [missing-rate-limt] }\n  u -> api\n}\n";
    let dir = scratch("unknown_allow", &[("d.hld", allow)]);
    let run_allow = run(&["check", "--format", "json", dir.join("d.hld").to_str().unwrap()]);
    assert_eq!(run_allow.code, 2);
    assert!(
        run_allow.stdout.contains("unknown rule `missing-rate-limt` in `allow`"),
        "{}",
        run_allow.stdout
    );
    assert!(run_allow.stdout.contains("did you mean `missing-rate-limit`?"));
}

#[test]
fn allow_suppresses_on_components_links_and_flows() {
    let text = "system s {\n  client u\n  service api { replicas = 2, allow = [missing-rate-limit] }\n  database db : postgres { replication = primary_replica { replicas = 2, failover = auto } }\n  u -> api\n  api -> db { requires = strong, allow = [cap-mismatch] }\n  api -> db { op = write }\n  flow f { path = u -> api -> db, op = read, requires = strong, allow = [cap-mismatch] }\n}\n";
    let dir = scratch("allow", &[("d.hld", text)]);
    let json = run(&["check", "--format", "json", dir.join("d.hld").to_str().unwrap()]);
    assert_eq!(json.code, 0, "{}", json.stdout);
    assert!(json.stdout.contains("\"diagnostics\": []"), "{}", json.stdout);
}

/// The validator is not vacuous: it rejects what GitHub would reject.
#[test]
fn the_sarif_validator_rejects_invalid_logs() {
    let validator = sarif_validator();
    let run = run(&["check", "--format", "sarif", &fixture("store.hld")]);
    let mut log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(validator.is_valid(&log));
    log["runs"][0]["results"][0]["level"] = serde_json::json!("info");
    assert!(!validator.is_valid(&log));
    log["runs"][0]["results"][0]["level"] = serde_json::json!("error");
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = serde_json::json!(0);
    assert!(!validator.is_valid(&log));
}
