//! Every kind of input error, as a user sees it: the human report (snapshot),
//! the exit code, and the rule that no message names a grammar rule.

use crate::common;

use common::{run, run_with_stdin};

/// Runs `hld check -` on a design and returns the exit code and stderr.
fn check_text(text: &str) -> (i32, String) {
    let run = run_with_stdin(&["check", "-"], text.as_bytes());
    (run.code, run.stderr)
}

/// Input and expected report, side by side in the snapshot.
fn snapshot_report(name: &str, text: &str) {
    let (code, stderr) = check_text(text);
    assert_eq!(code, 2, "{name}: input errors exit 2\n{stderr}");
    insta::assert_snapshot!(name, format!("--- input\n{text}\n--- exit {code}\n{stderr}"));
}

#[test]
fn syntax_error_says_what_value_was_expected() {
    snapshot_report("syntax_value", "system s {\n  service api { replicas = = 2 }\n}\n");
}

#[test]
fn syntax_error_missing_separator() {
    snapshot_report(
        "syntax_separator",
        "system s {\n  service api { replicas = 2 capacity = 5k/s }\n}\n",
    );
}

#[test]
fn syntax_error_unclosed_block() {
    snapshot_report(
        "syntax_unclosed",
        "system s {\n  service api { replicas = 2\n  client users\n",
    );
}

#[test]
fn syntax_error_bad_unit() {
    snapshot_report("syntax_unit", "system s {\n  service api { latency = 5mss }\n}\n");
}

#[test]
fn unknown_kind_gets_a_did_you_mean() {
    snapshot_report("unknown_kind", "system s {\n  databse users_db : postgres\n}\n");
}

#[test]
fn unknown_property_gets_a_did_you_mean() {
    snapshot_report("unknown_property", "system s {\n  service api { replica = 2 }\n}\n");
}

#[test]
fn property_on_the_wrong_kind() {
    snapshot_report(
        "wrong_kind_property",
        "system s {\n  service api { hit_ratio = 0.9 }\n}\n",
    );
}

#[test]
fn unknown_reference_gets_a_did_you_mean() {
    snapshot_report(
        "unknown_reference",
        "system s {\n  client users { rps = 10 }\n  service api\n  users -> apii\n}\n",
    );
}

#[test]
fn enum_value_lists_the_allowed_values() {
    snapshot_report(
        "enum_value",
        "system s {\n  load_balancer lb { algorithm = least_connection }\n}\n",
    );
}

#[test]
fn out_of_range_values() {
    snapshot_report(
        "range",
        "system s {\n  cache c : redis { hit_ratio = 1.5 }\n  service api { replicas = 0 }\n}\n",
    );
}

#[test]
fn durations_need_a_unit() {
    snapshot_report("duration_unit", "system s {\n  cdn edge { ttl = 5 }\n}\n");
}

#[test]
fn database_replicas_point_to_replication() {
    snapshot_report(
        "database_replicas",
        "system s {\n  database db : postgres { replicas = 3 }\n}\n",
    );
}

#[test]
fn duplicate_ids_show_both_declarations() {
    snapshot_report("duplicate_id", "system s {\n  service api\n  cache api\n}\n");
}

#[test]
fn flow_hop_without_a_link() {
    snapshot_report(
        "flow_without_link",
        "system s {\n  client users { rps = 10 }\n  service api\n  database db\n  users -> api\n  flow f { path = users -> api -> db }\n}\n",
    );
}

#[test]
fn flow_hop_with_ambiguous_links() {
    snapshot_report(
        "flow_ambiguous",
        "system s {\n  client users { rps = 10 }\n  service api\n  database db\n  users -> api\n  api -> db { op = read }\n  api -> db { op = write }\n  flow f { path = users -> api -> db }\n}\n",
    );
}

#[test]
fn missing_rtt_between_regions() {
    snapshot_report(
        "missing_rtt",
        "system s {\n  region a { service x }\n  region b { service y }\n  x -> y\n}\n",
    );
}

#[test]
fn no_system_block() {
    snapshot_report("no_system", "service api { replicas = 2 }\n");
}

#[test]
fn too_deep_nesting() {
    let text = format!("system s {{\n  service api {}\n}}\n", "{ a = ".repeat(40));
    let (code, stderr) = check_text(&text);
    assert_eq!(code, 2);
    assert!(stderr.contains("nest more than 32 levels"), "{stderr}");
}

/// All errors of a file are reported, not only the first.
#[test]
fn every_error_in_a_file_is_reported() {
    let (code, stderr) = check_text(
        "system s {\n  service a { x = }\n  service b { replicas 2 }\n  databse c\n  service d { replicas = 0 }\n  a -> zz\n}\n",
    );
    assert_eq!(code, 2);
    for needle in [
        "found `}`",
        "expected `=`",
        "databse",
        "`replicas` must be at least 1",
        "unknown component `zz`",
    ] {
        assert!(stderr.contains(needle), "missing {needle}:\n{stderr}");
    }
    assert!(stderr.contains("5 errors"), "{stderr}");
}

/// A file with many errors prints 100 and counts the rest.
#[test]
fn at_most_100_errors_per_file() {
    let mut text = String::from("system s {\n");
    for idx in 0..150 {
        text.push_str(&format!("  service s{idx} {{ replicas = 0 }}\n"));
    }
    text.push_str("}\n");
    let (code, stderr) = check_text(&text);
    assert_eq!(code, 2);
    assert_eq!(stderr.matches("must be at least 1").count(), 100, "{stderr}");
    assert!(stderr.contains("and 50 more diagnostics"), "{stderr}");
    assert!(
        stderr.contains("150 errors"),
        "the summary counts every error: {stderr}"
    );
    let json = common::run_with_stdin(&["check", "--format", "json", "-"], text.as_bytes());
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 100);
    assert_eq!(json["summary"]["errors"], 150);
    assert_eq!(json["summary"]["truncated"], 50);
}

#[test]
fn unreadable_file_is_exit_2_with_the_path() {
    let missing = run(&["check", "does/not/exist.hld"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("cannot read does/not/exist.hld: no such file"),
        "{}",
        missing.stderr
    );
    let directory = run(&["check", "tests"]);
    assert_eq!(directory.code, 2);
    assert!(directory.stderr.contains("directory"), "{}", directory.stderr);
}

#[test]
fn wrong_command_line_is_exit_2() {
    assert_eq!(run(&["check"]).code, 2);
    assert_eq!(run(&["frobnicate"]).code, 2);
    assert_eq!(run(&["check", "--format", "yaml", "x.hld"]).code, 2);
}

/// Grammar rule names never reach a user: every malformed input below gets
/// messages in words.
#[test]
fn no_diagnostic_names_a_grammar_rule() {
    let grammar = std::fs::read_to_string(common::repo().join("grammar/hld.pest")).unwrap();
    let rule_names: Vec<&str> = grammar
        .lines()
        .filter_map(|line| line.split_once('=').map(|(name, _)| name.trim()))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        // Names that are also plain words in messages.
        .filter(|name| {
            ![
                "value",
                "block",
                "property",
                "string",
                "header",
                "member",
                "number",
                "unit",
                "list",
                "chain",
                "technology",
                "declaration",
            ]
            .contains(name)
        })
        .collect();
    assert!(rule_names.contains(&"component_decl"));
    for input in malformed_inputs() {
        let run = run_with_stdin(&["check", "--format", "json", "-"], &input);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        for diagnostic in json["diagnostics"].as_array().unwrap() {
            for field in ["message", "help"] {
                let text = diagnostic[field].as_str().unwrap_or("");
                for rule in &rule_names {
                    let named = text
                        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .any(|word| word == *rule);
                    assert!(!named, "{field} names grammar rule `{rule}`: {text}");
                }
            }
        }
    }
}

fn malformed_inputs() -> Vec<Vec<u8>> {
    vec![
        b"system s {\n  service api { replicas = = 2 }\n}".to_vec(),
        b"system s {\n  service api { x = 1 y = 2 }\n}".to_vec(),
        b"system s {\n  a -> \n}".to_vec(),
        b"system s {\n  service 3api\n}".to_vec(),
        b"system s {\n  rtt a b = 3ms\n}".to_vec(),
        b"system s {\n  flow f { path = }\n}".to_vec(),
        b"system s {\n  service api { allow = [a, } }\n}".to_vec(),
        b"system \"s\" {\n}".to_vec(),
        b"= 3".to_vec(),
        b"}".to_vec(),
        b"system s {\n  service api : { }\n}".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x13, 0x37],
        (0..=255u8).cycle().take(4096).collect(),
    ]
}

/// Malformed input of every shape gets a diagnostic and exit 2, or parses
/// where it is valid; never a panic.
#[test]
fn malformed_input_never_panics() {
    let valid_with_bom = "\u{FEFF}system s {\r\n\tclient users { rps = 10 }\r\n}\r\n";
    let cases: Vec<(&str, Vec<u8>, i32)> = vec![
        ("empty file", Vec::new(), 2),
        ("only comments", b"// nothing here\n/* still nothing */\n".to_vec(), 2),
        ("binary garbage", (0..=255u8).cycle().take(10_000).collect(), 2),
        ("invalid UTF-8", b"system s {\n  service \xff\xfe api\n}\n".to_vec(), 2),
        ("BOM and CRLF and tabs", valid_with_bom.as_bytes().to_vec(), 0),
        (
            "1 MB line",
            format!(
                "system s {{ service a {{ description = \"{}\" }} }}",
                "x".repeat(1 << 20)
            )
            .into_bytes(),
            0,
        ),
        (
            "1 MB line of garbage",
            format!("system s {{ {} }}", "@ ".repeat(1 << 19)).into_bytes(),
            2,
        ),
        (
            "10,000 nested blocks",
            format!("system s {{\n service a {}", "{ x = ".repeat(10_000)).into_bytes(),
            2,
        ),
        ("10,000 nested regions", "region r {\n".repeat(10_000).into_bytes(), 2),
        ("unclosed string", b"system s {\n  service a \"label\n}\n".to_vec(), 2),
        ("unclosed comment", b"system s {\n /* service a\n}\n".to_vec(), 2),
    ];
    for (name, input, expected) in cases {
        let run = run_with_stdin(&["check", "-"], &input);
        assert_eq!(run.code, expected, "{name}:\n{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{name} panicked:\n{}", run.stderr);
        if expected == 2 {
            assert!(run.stderr.contains("×"), "{name}: no diagnostic\n{}", run.stderr);
        }
    }
}

/// The invalid byte is named by its offset.
#[test]
fn invalid_utf8_names_the_byte_offset() {
    let run = run_with_stdin(&["check", "-"], b"system s {\n  service \xff api\n}\n");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("invalid byte at offset 21"), "{}", run.stderr);
}

/// Syntax errors that get a help line of their own: an import without a
/// quoted path, a name that starts with a digit, a component cut short.
#[test]
fn syntax_errors_with_their_own_help() {
    for (text, message, help) in [
        (
            "system s {\n  import 12\n}\n",
            "expected a quoted path after `import`, found `12`",
            "write `import \"common.hld\"` (relative to this file)",
        ),
        (
            "system s {\n  a -> 1b\n}\n",
            "expected a name, found `1b`",
            "a name starts with a letter or `_`",
        ),
        (
            "system s {\n  service api \"x\" ;\n}\n",
            "expected `{` or `: technology`, found `;`",
            "a component is `KIND ID [\"label\"] [: technology] [{ properties }]`",
        ),
    ] {
        let (code, stderr) = check_text(text);
        assert_eq!(code, 2, "{text}\n{stderr}");
        assert!(stderr.contains(message), "{text}\n{stderr}");
        assert!(stderr.contains(help), "{text}\n{stderr}");
    }
}

/// A failed import says why, at the import, with a help line for the cause:
/// a missing file, a file over the size limit, something that is no design.
#[test]
fn import_errors_get_a_help_for_their_cause() {
    let dir = std::env::temp_dir().join(format!("hld-import-help-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::create_dir_all(dir.join("sub.hld")).unwrap();
    std::fs::write(dir.join("big.hld"), format!("// {}\n", "x".repeat(4_000))).unwrap();
    for (import, extra, help) in [
        (
            "missing.hld",
            &[][..],
            "import paths are relative to the importing file",
        ),
        (
            "big.hld",
            &["--max-size", "1000"][..],
            "--max-size bounds a design and all its imports together",
        ),
        ("sub", &[][..], "import a design file (`.hld`)"),
        ("sub.hld", &[][..], "import a design file (`.hld`)"),
    ] {
        let root = dir.join(format!("root-{}.hld", import.replace('.', "_")));
        std::fs::write(&root, format!("import \"{import}\"\nsystem s {{\n  client u\n}}\n")).unwrap();
        let mut args = vec!["check", root.to_str().unwrap()];
        args.extend(extra);
        let outcome = run(&args);
        assert_eq!(outcome.code, 2, "{import}: {}", outcome.stderr);
        assert!(
            outcome.stderr.contains(&format!("cannot import `{import}`")),
            "{import}: {}",
            outcome.stderr
        );
        assert!(outcome.stderr.contains(help), "{import}: {}", outcome.stderr);
    }
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------- issue 10: what an import may name

/// The JSON diagnostics of `hld check --format json` on `text` written to
/// `dir/root.hld`.
fn check_json_in(dir: &std::path::Path, text: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    std::fs::create_dir_all(dir).unwrap();
    let root = dir.join("root.hld");
    std::fs::write(&root, text).unwrap();
    let mut args = vec!["check", "--format", "json"];
    args.extend(extra);
    args.push(root.to_str().unwrap());
    let outcome = run(&args);
    let json = serde_json::from_str(&outcome.stdout).unwrap_or_else(|_| panic!("{}", outcome.stderr));
    (outcome.code, json)
}

/// An import that is absolute, climbs out of the design's directory, or
/// names a file that is not a design is an error at the import's path
/// string, naming the rule, with a help line; nothing of the named file is
/// shown (`/proc/self/environ`, `/etc/passwd`).
#[test]
fn imports_name_relative_design_files_inside_the_design_tree() {
    let dir = std::env::temp_dir().join(format!("hld-import-rules-{}", std::process::id()));
    let depth = "../".repeat(dir.components().count() + 2);
    for (import, rule, help) in [
        (
            "/proc/self/environ".to_string(),
            "an import path is relative to the importing file, not absolute",
            "write the path from the importing file's directory",
        ),
        (
            "/etc/passwd.hld".to_string(),
            "an import path is relative to the importing file, not absolute",
            "write the path from the importing file's directory",
        ),
        (
            format!("{depth}etc/passwd"),
            "an import names a design file, whose name ends in `.hld`",
            "other files are never read",
        ),
        (
            "notes.txt".to_string(),
            "an import names a design file, whose name ends in `.hld`",
            "other files are never read",
        ),
        (
            format!("{depth}etc/passwd.hld"),
            "the path leads outside the import root",
            "imports stay inside the import root",
        ),
        (
            "../sibling/part.hld".to_string(),
            "the path leads outside the import root",
            "--import-root DIR",
        ),
    ] {
        let text = format!("system s {{\n  import \"{import}\"\n  client u\n}}\n");
        let (code, json) = check_json_in(&dir, &text, &[]);
        assert_eq!(code, 2, "{import}: {json}");
        let diagnostic = &json["diagnostics"][0];
        assert_eq!(diagnostic["rule"], "import-error", "{import}: {json}");
        assert_eq!(
            diagnostic["message"],
            format!("cannot import `{import}`: {rule}"),
            "{import}: {json}"
        );
        assert!(diagnostic["help"].as_str().unwrap().contains(help), "{import}: {json}");
        // The span is the path string, quotes included, on line 2.
        assert_eq!(diagnostic["file"], dir.join("root.hld").to_str().unwrap());
        assert_eq!(
            (diagnostic["line"].as_u64(), diagnostic["column"].as_u64()),
            (Some(2), Some(10))
        );
        assert_eq!(diagnostic["end_column"].as_u64(), Some(10 + import.len() as u64 + 2));
        let all = json.to_string();
        assert!(!all.contains("root:x:0:0"), "{import}: {all}");
        assert!(!all.contains("PATH="), "{import}: {all}");
    }
    // The human format never prints the file either.
    let root = dir.join("root.hld");
    std::fs::write(&root, "system s {\n  import \"/proc/self/environ\"\n  client u\n}\n").unwrap();
    let human = run(&["check", root.to_str().unwrap()]);
    assert_eq!(human.code, 2);
    assert!(!human.stderr.contains("PATH="), "{}", human.stderr);
    std::fs::remove_dir_all(&dir).ok();
}

/// `import` inside a `region` block is an error (language.md, `import`).
#[test]
fn import_inside_a_region_is_an_error() {
    let (code, stderr) = check_text("system s {\n  region r {\n    import \"parts.hld\"\n  }\n  client u\n}\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`import` cannot stand inside a `region` block"),
        "{stderr}"
    );
    assert!(stderr.contains("inside region `r`"), "{stderr}");
    assert!(
        stderr.contains("help: move the import to the top of the file"),
        "{stderr}"
    );
    assert!(stderr.contains(":3:5]"), "{stderr}");
    // Not followed: the missing file is not reported as well.
    assert!(!stderr.contains("cannot import"), "{stderr}");
}

/// `rtt r <-> r` is accepted and ignored, as language.md §9 says.
#[test]
fn rtt_of_a_region_with_itself_is_ignored() {
    let text = "system s {\n  region r {\n    client u { rps = 1 }\n    service a { replicas = 2 }\n  }\n  rtt r <-> r = 50ms\n  u -> a\n  flow f { path = u -> a }\n}\n";
    let (code, stderr) = check_text(text);
    assert_ne!(code, 2, "{stderr}");
    assert!(!stderr.contains("rtt"), "{stderr}");
    // A link within the region takes the usual defaults, not the 50 ms.
    let estimate = run_with_stdin(&["estimate", "--format", "json", "-"], text.as_bytes());
    assert_eq!(estimate.code, 0, "{}", estimate.stderr);
    let json: serde_json::Value = serde_json::from_str(&estimate.stdout).unwrap();
    let mean = json["flows"][0]["latency"]["mean_ms"].as_f64().unwrap();
    assert!(mean < 50.0, "{mean}");
}

/// Lone CR, LF and CRLF each end a line, in the human format and in JSON,
/// SARIF and GitHub annotations alike.
#[test]
fn lone_cr_line_ends_give_the_same_line_everywhere() {
    for newline in ["\r", "\n", "\r\n"] {
        let text = ["system s {", "  service a", "  service b { replicas = x }", "}", ""].join(newline);
        let human = run_with_stdin(&["check", "-"], text.as_bytes());
        assert_eq!(human.code, 2);
        assert!(human.stderr.contains("[<stdin>:3:26]"), "{newline:?}: {}", human.stderr);
        assert!(
            human.stderr.contains(" 3 │   service b { replicas = x }"),
            "{newline:?}: {}",
            human.stderr
        );
        let json = run_with_stdin(&["check", "--format", "json", "-"], text.as_bytes());
        let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(json["diagnostics"][0]["line"], 3, "{newline:?}: {json}");
        assert_eq!(json["diagnostics"][0]["column"], 26, "{newline:?}: {json}");
        let github = run_with_stdin(&["check", "--format", "github", "-"], text.as_bytes());
        assert!(github.stdout.contains("line=3,"), "{newline:?}: {}", github.stdout);
        let sarif = run_with_stdin(&["check", "--format", "sarif", "-"], text.as_bytes());
        assert!(
            sarif.stdout.contains("\"startLine\": 3"),
            "{newline:?}: {}",
            sarif.stdout
        );
    }
}
