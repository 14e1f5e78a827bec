//! `hld diagram`: golden snapshots of every format for every example,
//! escaping of hostile labels, and the output-file rules.

use crate::common;

use common::{hld_files, repo, run, run_with_stdin, shared_examples};

fn examples() -> Vec<std::path::PathBuf> {
    let mut files = hld_files(&repo().join("examples"));
    if let Some(dir) = shared_examples() {
        files.extend(hld_files(&dir));
    }
    files
}

#[test]
fn every_example_in_every_format_matches_its_snapshot() {
    for path in examples() {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let origin = if path.starts_with(repo().join("examples")) {
            "own"
        } else {
            "shared"
        };
        for format in ["mermaid", "dot", "svg", "json"] {
            let run = run(&["diagram", path.to_str().unwrap(), "--format", format]);
            assert_eq!(run.code, 0, "{} {format}: {}", path.display(), run.stderr);
            let again = common::run(&["diagram", path.to_str().unwrap(), "--format", format]);
            assert_eq!(
                run.stdout,
                again.stdout,
                "{} {format} is not deterministic",
                path.display()
            );
            insta::assert_snapshot!(format!("{origin}_{stem}_{format}"), run.stdout);
        }
        let export = run(&["diagram", path.to_str().unwrap(), "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&export.stdout).unwrap();
        for flow in json["flows"].as_array().unwrap() {
            let name = flow["id"].as_str().unwrap();
            let sequence = run(&["diagram", path.to_str().unwrap(), "--flow", name]);
            assert_eq!(
                sequence.code,
                0,
                "{} --flow {name}: {}",
                path.display(),
                sequence.stderr
            );
            insta::assert_snapshot!(format!("{origin}_{stem}_flow_{name}"), sequence.stdout);
        }
    }
}

#[test]
fn an_unknown_flow_gets_a_did_you_mean() {
    let design = repo().join("tests/fixtures/imports/root.hld");
    let unknown = run(&["diagram", design.to_str().unwrap(), "--flow", "brwse"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("did you mean `browse`?"), "{}", unknown.stderr);
    let dot = run(&[
        "diagram",
        design.to_str().unwrap(),
        "--flow",
        "browse",
        "--format",
        "dot",
    ]);
    assert_eq!(dot.code, 2);
}

/// Reserved words as ids, quotes, brackets, `#`, HTML and unicode in labels
/// come out escaped: no raw `"`, `<` or `>` inside a label, no bare `end` id.
#[test]
fn hostile_labels_and_ids_are_escaped() {
    let design = r#"system end "a \"quoted\" <b>bold</b> & #1 [x] {y}" {
  client graph "users \"of\" <script>alert(1)</script>" { rps = 10 }
  service subgraph "café ☕ `tick` (1) {2} [3]" { replicas = 2 }
  database click "|pipe| ;semi; %% not a comment"
  region style "style \"region\"" { service class }
  graph -> subgraph -> click
  subgraph -> class { latency = 1ms }
}
"#;
    let run = run_with_stdin(&["diagram", "-"], design.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in run.stdout.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        let known = ["flowchart", "subgraph", "end", "classDef", "class", "linkStyle", "%%"].contains(&first)
            || first.starts_with("n_")
            || first.starts_with("legend_");
        assert!(known, "unexpected statement (unprefixed id?): {line}");
        if let (Some(open), Some(close)) = (line.find('"'), line.rfind('"'))
            && close > open
        {
            let inner = line[open + 1..close].replace("<br/>", "");
            assert!(!inner.contains(['"', '<', '>']), "unescaped label: {line}");
        }
    }
    assert!(run.stdout.contains("#quot;of#quot;"), "{}", run.stdout);
    assert!(run.stdout.contains("#lt;script#gt;"), "{}", run.stdout);
    let dot = run_with_stdin(&["diagram", "-", "--format", "dot"], design.as_bytes());
    assert!(dot.stdout.contains(r#"users \"of\" <script>"#), "{}", dot.stdout);
    let svg = run_with_stdin(&["diagram", "-", "--format", "svg"], design.as_bytes());
    assert_eq!(svg.code, 0, "{}", svg.stderr);
    assert!(
        svg.stdout
            .contains("users &quot;of&quot; &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        svg.stdout
    );
    assert!(!svg.stdout.contains("<script"), "{}", svg.stdout);
    assert!(svg.stdout.contains("café ☕ `tick` (1) {2} [3]"), "{}", svg.stdout);
}

#[test]
fn writes_the_output_file_and_never_over_a_foreign_one() {
    let dir = std::env::temp_dir().join(format!("hld-diagram-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let design = repo().join("tests/fixtures/imports/root.hld");
    let out = dir.join("d.mmd");
    let first = run(&["diagram", design.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("flowchart LR"));
    let again = run(&["diagram", design.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(again.code, 0, "its own file is replaced: {}", again.stderr);
    let foreign = dir.join("notes.txt");
    std::fs::write(&foreign, "keep me").unwrap();
    let refused = run(&["diagram", design.to_str().unwrap(), "-o", foreign.to_str().unwrap()]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "keep me");
    let broken = dir.join("broken.mmd");
    let bad = run_with_stdin(
        &["diagram", "-", "-o", broken.to_str().unwrap()],
        b"system s { service a { replicas = 0 } }",
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stdout.is_empty());
    assert!(!broken.exists(), "nothing is written when the input has errors");
    std::fs::remove_dir_all(&dir).ok();
}

/// The SVG layout has a size limit; past it the error says what to use.
#[test]
fn a_design_too_big_for_the_svg_layout_is_a_limit_error() {
    let mut design = String::from("system big {\n  client c\n");
    for idx in 0..700 {
        design.push_str(&format!("  service s{idx}\n"));
    }
    design.push_str("}\n");
    let run = run_with_stdin(&["diagram", "-", "--format", "svg"], design.as_bytes());
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("limit-exceeded"), "{}", run.stderr);
    assert!(run.stderr.contains("--format dot"), "{}", run.stderr);
}

/// `--group region`: one node per region, links between groups counted.
#[test]
fn grouped_by_region() {
    let design = repo().join("examples/global_redirects.hld");
    let grouped = run(&["diagram", design.to_str().unwrap(), "--group", "region"]);
    assert_eq!(grouped.code, 0, "{}", grouped.stderr);
    assert!(grouped.stdout.contains("r_us_east[["), "{}", grouped.stdout);
    insta::assert_snapshot!("own_global_redirects_grouped", grouped.stdout);
    let dot = run(&[
        "diagram",
        design.to_str().unwrap(),
        "--group",
        "region",
        "--format",
        "dot",
    ]);
    assert_eq!(dot.code, 2);
}
