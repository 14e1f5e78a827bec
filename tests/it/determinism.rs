//! Determinism (issue 7): every command gives the same bytes twice; with the
//! declarations of a design shuffled, the findings (rule, subject) and every
//! figure stay the same.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use common::{hld_files, repo, run, run_with_stdin, shared_examples};
use hld::syntax::split::{Node, split};

fn designs() -> Vec<PathBuf> {
    let mut files = hld_files(&repo().join("examples"));
    if let Some(dir) = shared_examples() {
        files.extend(hld_files(&dir));
    }
    files
}

/// The commands whose output goes to stdout, for one design path.
fn commands(path: &str) -> Vec<Vec<String>> {
    let args = |list: &[&str]| list.iter().map(|arg| arg.to_string()).collect::<Vec<_>>();
    vec![
        args(&["check", "--format", "json", path]),
        args(&["check", "--format", "sarif", path]),
        args(&["check", "--format", "github", path]),
        args(&["check", "--format", "junit", path]),
        args(&["diff", path, path, "--format", "json"]),
        args(&["diff", path, path, "--format", "markdown"]),
        args(&["check", path]),
        args(&["estimate", "--format", "json", path]),
        args(&["estimate", path]),
        args(&["diagram", path]),
        args(&["diagram", "--format", "dot", path]),
        args(&["diagram", "--format", "json", path]),
    ]
}

#[test]
fn every_command_gives_the_same_bytes_twice() {
    for design in designs() {
        let path = design.to_str().unwrap();
        for args in commands(path) {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let first = run(&args);
            let second = run(&args);
            assert_eq!(first.stdout, second.stdout, "{args:?}");
            assert_eq!(first.stderr, second.stderr, "{args:?}");
            assert_eq!(first.code, second.code, "{args:?}");
        }
        let out = std::env::temp_dir().join(format!("hld-determinism-{}", std::process::id()));
        let (a, b) = (out.join("a"), out.join("b"));
        for dir in [&a, &b] {
            let compose = run(&["compose", path, "-o", dir.to_str().unwrap()]);
            assert_eq!(compose.code, 0, "{path}: {}", compose.stderr);
        }
        for name in ["compose.yaml", ".env", "README.md"] {
            assert_eq!(
                std::fs::read(a.join(name)).unwrap(),
                std::fs::read(b.join(name)).unwrap(),
                "{path} {name}"
            );
        }
        std::fs::remove_dir_all(&out).ok();
    }
}

/// A tiny deterministic shuffle (no RNG crate, no clock).
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    for idx in (1..items.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let pick = (state >> 33) as usize % (idx + 1);
        items.swap(idx, pick);
    }
}

/// The design with the declarations of every block in another order
/// (comments between declarations are dropped).
fn shuffled(text: &str, seed: u64) -> String {
    fn write(text: &str, nodes: &[Node], seed: u64, out: &mut String) {
        let mut order: Vec<&Node> = nodes.iter().collect();
        shuffle(&mut order, seed);
        for node in order {
            match node {
                Node::Decl(range) => {
                    out.push_str(&text[range.clone()]);
                    out.push('\n');
                }
                Node::Container { header, body, .. } => {
                    out.push_str(&text[header.clone()]);
                    out.push('\n');
                    write(text, body, seed + 1, out);
                    out.push_str("}\n");
                }
            }
        }
    }
    let split = split(text);
    assert!(split.errors.is_empty());
    let mut out = String::new();
    write(text, &split.nodes, seed, &mut out);
    out
}

fn findings(json: &serde_json::Value) -> BTreeSet<(String, String)> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["subject"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Every figure of `hld estimate --format json`, keyed by flow, component
/// and queue name, so declaration order does not matter.
fn figures(json: &serde_json::Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (section, key) in [("flows", "name"), ("components", "id"), ("queues", "id")] {
        for entry in json[section].as_array().unwrap() {
            let name = entry[key].as_str().unwrap();
            out.insert(format!("{section}/{name}"), entry.to_string());
        }
    }
    out
}

#[test]
fn shuffled_declarations_give_the_same_findings_and_figures() {
    for design in designs() {
        let text = std::fs::read_to_string(&design).unwrap();
        if text.contains("import ") {
            // Imports are relative to the file; shuffling through stdin
            // would lose them. The imports fixture checks merging.
            continue;
        }
        let original_check = run(&["check", "--format", "json", design.to_str().unwrap()]);
        let original_estimate = run(&["estimate", "--format", "json", design.to_str().unwrap()]);
        let original_findings = findings(&serde_json::from_str(&original_check.stdout).unwrap());
        let original_figures = figures(&serde_json::from_str(&original_estimate.stdout).unwrap());
        for seed in [1, 2, 3] {
            let mixed = shuffled(&text, seed);
            let check = run_with_stdin(&["check", "--format", "json", "-"], mixed.as_bytes());
            assert_eq!(
                check.code,
                original_check.code,
                "{} seed {seed}:\n{mixed}",
                design.display()
            );
            let estimate = run_with_stdin(&["estimate", "--format", "json", "-"], mixed.as_bytes());
            assert_eq!(
                findings(&serde_json::from_str(&check.stdout).unwrap()),
                original_findings,
                "{}",
                design.display()
            );
            assert_eq!(
                figures(&serde_json::from_str(&estimate.stdout).unwrap()),
                original_figures,
                "{}",
                design.display()
            );
        }
    }
}
