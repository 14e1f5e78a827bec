//! No output names a file a user does not have (issue 11): every output of
//! every command on every bundled design (the examples and the starter
//! designs of `hld init`), every generated file, every rule's documentation
//! and every help text is searched for internal references: the research
//! notes (`knowledge.md`), internal specs (`rules.md`, `cli.md`, `language.md
//! §4`), section signs, `../shared` paths and knowledge-base source keys
//! such as `[JEP-REDIS13]`. Sources are cited by public title and address,
//! hld's own docs by their names under `docs/`.

use crate::common;

use std::path::{Path, PathBuf};

use common::{hld_files, repo, run};

/// What a user must never be pointed at.
const FORBIDDEN: &[&str] = &[
    "knowledge.md",
    "rules.md",
    "cli.md",
    "language.md §",
    "§",
    "../shared",
    "shared/",
];

/// A knowledge-base source key in brackets: `[JEP-REDIS13]`, `[SDP-JA]`.
fn source_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else {
            break;
        };
        let word = &after[..close];
        let mut parts = word.split('-');
        let head = parts.next().unwrap_or("");
        let tail: Vec<&str> = parts.collect();
        let is_key = !head.is_empty()
            && head.chars().all(|c| c.is_ascii_uppercase())
            && !tail.is_empty()
            && tail
                .iter()
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
        if is_key {
            keys.push(format!("[{word}]"));
        }
        rest = after;
    }
    keys
}

/// Every forbidden reference in `text`, with a line of context.
fn hits(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        for pattern in FORBIDDEN {
            if line.contains(pattern) {
                out.push(format!("`{pattern}` in: {}", excerpt(line, pattern)));
            }
        }
        for key in source_keys(line) {
            out.push(format!("source key {key} in: {}", excerpt(line, &key)));
        }
    }
    out
}

fn excerpt(line: &str, pattern: &str) -> String {
    let at = line.find(pattern).unwrap_or(0);
    let mut start = at.saturating_sub(80);
    while !line.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + pattern.len() + 80).min(line.len());
    while !line.is_char_boundary(end) {
        end += 1;
    }
    line[start..end].to_string()
}

/// Collects the hits of one output under a label.
struct Findings(Vec<String>);

impl Findings {
    fn scan(&mut self, label: &str, text: &str) {
        for hit in hits(text) {
            self.0.push(format!("{label}: {hit}"));
        }
    }

    fn run(&mut self, args: &[&str]) {
        let outcome = run(args);
        let label = format!("hld {}", args.join(" "));
        self.scan(&format!("{label} (stdout)"), &outcome.stdout);
        self.scan(&format!("{label} (stderr)"), &outcome.stderr);
    }

    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} references to files users do not have:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

fn bundled() -> Vec<PathBuf> {
    let mut files = hld_files(&repo().join("examples"));
    files.extend(hld_files(&repo().join("templates/init")));
    assert!(files.len() >= 15, "{files:?}");
    files
}

/// The ids, flows and regions of a design, from `hld diagram --format json`.
fn parts(path: &Path) -> (Vec<String>, Vec<String>, Vec<String>) {
    let json = run(&["diagram", "--format", "json", path.to_str().unwrap()]).stdout;
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids = |key: &str| -> Vec<String> {
        value[key]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let components: Vec<String> = value["components"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|item| item["kind"].as_str() != Some("client"))
                .filter_map(|item| item["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (components, ids("flows"), ids("regions"))
}

#[test]
fn the_references_detector_finds_what_it_should() {
    assert_eq!(
        source_keys("lost [JEP-REDIS13], [SDP-JA] and [x] [AB]"),
        ["[JEP-REDIS13]", "[SDP-JA]"]
    );
    assert_eq!(hits("see knowledge.md §7").len(), 2);
    assert!(hits("docs/language.md, \"Defaults by kind\"; docs/estimate.md").is_empty());
}

/// `hld --help`, `hld CMD --help` and `-h` of every command.
#[test]
fn no_help_text_names_a_file_users_do_not_have() {
    let mut findings = Findings(Vec::new());
    findings.run(&["--help"]);
    findings.run(&["-h"]);
    for command in [
        "check",
        "compose",
        "diagram",
        "estimate",
        "init",
        "explain",
        "what-if",
        "rules",
        "completions",
        "help",
    ] {
        findings.run(&[command, "--help"]);
        findings.run(&[command, "-h"]);
    }
    findings.assert_none();
}

/// Every rule's documentation (`hld rules NAME`), the rule list and the
/// starter designs `hld init` writes.
#[test]
fn no_rule_doc_or_template_names_a_file_users_do_not_have() {
    let mut findings = Findings(Vec::new());
    let list = run(&["rules"]);
    findings.scan("hld rules", &list.stdout);
    let names: Vec<String> = list
        .stdout
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| word.contains('-') && word.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 20, "{names:?}");
    for name in &names {
        findings.run(&["rules", name]);
    }
    findings.run(&["init", "--list"]);
    for path in hld_files(&repo().join("templates/init")) {
        let text = std::fs::read_to_string(&path).unwrap();
        findings.scan(&path.display().to_string(), &text);
    }
    findings.assert_none();
}

/// Every output of every command on every bundled design.
#[test]
fn no_output_names_a_file_users_do_not_have() {
    let mut findings = Findings(Vec::new());
    let out = std::env::temp_dir().join(format!("hld-references-{}", std::process::id()));
    for path in bundled() {
        let file = path.to_str().unwrap();
        let (components, flows, regions) = parts(&path);
        for format in ["human", "json", "sarif", "github"] {
            findings.run(&["check", "--format", format, file]);
        }
        findings.run(&["estimate", file]);
        findings.run(&["estimate", "--format", "json", file]);
        findings.run(&["estimate", "--explain", file]);
        for format in ["mermaid", "dot", "svg", "json"] {
            findings.run(&["diagram", "--format", format, file]);
        }
        if !regions.is_empty() {
            findings.run(&["diagram", "--group", "region", file]);
        }
        for flow in &flows {
            findings.run(&["diagram", "--flow", flow, file]);
            findings.run(&["estimate", "--explain", "--flow", flow, file]);
        }
        for format in ["markdown", "html"] {
            findings.run(&["explain", "--format", format, file]);
            findings.run(&["explain", "--full", "--format", format, file]);
        }
        for component in components.iter().take(4) {
            findings.run(&["what-if", file, "--fail", component]);
            findings.run(&["what-if", file, "--fail", component, "--format", "json"]);
        }
        for region in &regions {
            findings.run(&["what-if", file, "--partition", region]);
        }
        // The stack `hld compose` writes: every file.
        let dir = out.join(path.file_stem().unwrap());
        let _ = std::fs::remove_dir_all(&dir);
        findings.run(&["compose", file, "-o", dir.to_str().unwrap()]);
        let mut stack = Vec::new();
        walk(&dir, &mut stack);
        for generated in stack {
            if let Ok(text) = std::fs::read_to_string(&generated) {
                findings.scan(&generated.display().to_string(), &text);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    // Every rule's finding, as its fixture fires it: messages, helps, notes.
    let rules = repo().join("tests/fixtures/rules");
    for entry in std::fs::read_dir(&rules).unwrap().flatten() {
        let fires = entry.path().join("fires.hld");
        if fires.is_file() {
            let file = fires.to_str().unwrap();
            findings.run(&["check", file]);
            findings.run(&["check", "--format", "sarif", file]);
            findings.run(&["explain", file]);
        }
    }
    findings.assert_none();
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}
