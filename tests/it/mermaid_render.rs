//! Renders every flowchart (and every flow's sequence diagram) with the real
//! Mermaid library in headless Chromium, and the diagrams of a design whose
//! labels hold `%%{init: ...}%%` directives, checking that none changed
//! Mermaid's theme or styles (issue 10, item 2). Needs Chromium and the npm packages
//! of `.ci/mermaid`, which `.ci/run` installs; plain `cargo test` skips with
//! the reason.

use crate::common;

use std::path::{Path, PathBuf};

use common::{hld_files, repo, run, shared_examples};

fn tools() -> Result<(PathBuf, PathBuf), String> {
    let dir = repo().join(".ci/mermaid");
    if !dir.join("node_modules/mermaid").is_dir() {
        return Err("the npm packages of .ci/mermaid are not installed (.ci/run installs them)".to_string());
    }
    let chromium = common::chromium()?;
    Ok((dir, chromium))
}

fn export(path: &Path) -> serde_json::Value {
    let export = run(&["diagram", path.to_str().unwrap(), "--format", "json"]);
    serde_json::from_str(&export.stdout).unwrap()
}

#[test]
fn every_diagram_renders_with_the_real_mermaid() {
    let (dir, chromium) = match tools() {
        Ok(tools) => tools,
        Err(reason) => {
            common::skip(&format!("the Mermaid render test: {reason}"));
            return;
        }
    };
    let mut designs = hld_files(&repo().join("examples"));
    designs.extend(hld_files(&repo().join("templates/init")));
    if let Some(shared) = shared_examples() {
        designs.extend(hld_files(&shared));
    }
    let out = std::env::temp_dir().join(format!("hld-mermaid-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let mut manifest = Vec::new();
    for (idx, design) in designs.iter().enumerate() {
        let chart = run(&["diagram", design.to_str().unwrap()]);
        assert_eq!(chart.code, 0, "{}: {}", design.display(), chart.stderr);
        let file = out.join(format!("{idx}-flowchart.mmd"));
        std::fs::write(&file, &chart.stdout).unwrap();
        let grouped = run(&["diagram", design.to_str().unwrap(), "--group", "region"]);
        assert_eq!(grouped.code, 0, "{}: {}", design.display(), grouped.stderr);
        let grouped_file = out.join(format!("{idx}-grouped.mmd"));
        std::fs::write(&grouped_file, &grouped.stdout).unwrap();
        manifest.push(serde_json::json!({ "file": grouped_file, "kind": "grouped", "design": design }));
        let json = export(design);
        manifest.push(serde_json::json!({
            "file": file, "kind": "flowchart", "components": json["components"].as_array().unwrap().len(),
            "design": design,
        }));
        for flow in json["flows"].as_array().unwrap() {
            let name = flow["id"].as_str().unwrap();
            let sequence = run(&["diagram", design.to_str().unwrap(), "--flow", name]);
            assert_eq!(
                sequence.code,
                0,
                "{} --flow {name}: {}",
                design.display(),
                sequence.stderr
            );
            let file = out.join(format!("{idx}-flow-{name}.mmd"));
            std::fs::write(&file, &sequence.stdout).unwrap();
            manifest.push(serde_json::json!({
                "file": file, "kind": "sequence", "participants": flow["path"], "design": design,
            }));
        }
    }
    manifest.extend(hostile_entries(&out));
    common::run_browser_script(&dir.join("render.mjs"), &out, &serde_json::json!(manifest), &chromium);
    std::fs::remove_dir_all(&out).ok();
}

/// The diagrams of `tests/fuzz-regressions/hostile-labels.hld` (flowchart,
/// `--group region`, the flow's sequence diagram, `hld explain`'s Mermaid
/// block), each to render with Mermaid's default styles and its label shown
/// as written; and, as controls, the same directives written raw, which the
/// check must find (render.mjs, "hostile" and "attack").
fn hostile_entries(out: &Path) -> Vec<serde_json::Value> {
    let design = repo().join("tests/fuzz-regressions/hostile-labels.hld");
    let design = design.to_str().unwrap();
    let mut entries = Vec::new();
    let mut write = |name: &str, text: &str, entry: serde_json::Value| {
        let file = out.join(format!("hostile-{name}.mmd"));
        std::fs::write(&file, text).unwrap();
        let mut entry = entry;
        entry["file"] = serde_json::json!(file);
        entry["design"] = serde_json::json!(design);
        entries.push(entry);
    };
    let chart = run(&["diagram", design]);
    assert_eq!(chart.code, 0, "{}", chart.stderr);
    let flowchart = serde_json::json!({
        "kind": "flowchart", "components": 4, "hostile": true, "shows": "%%{init: {'theme':'forest'",
    });
    write("flowchart", &chart.stdout, flowchart.clone());
    let grouped = run(&["diagram", design, "--group", "region"]);
    assert_eq!(grouped.code, 0, "{}", grouped.stderr);
    write(
        "grouped",
        &grouped.stdout,
        serde_json::json!({ "kind": "grouped", "hostile": true, "shows": "%%{init: {'theme':'dark'}}%%" }),
    );
    let sequence = run(&["diagram", design, "--flow", "read"]);
    assert_eq!(sequence.code, 0, "{}", sequence.stderr);
    write(
        "sequence",
        &sequence.stdout,
        serde_json::json!({
            "kind": "sequence", "participants": ["users", "lb", "api", "c"], "hostile": true,
            "shows": "flow read: %%{init: {'theme':'dark'",
        }),
    );
    let explain = run(&["explain", design]);
    assert_eq!(explain.code, 0, "{}", explain.stderr);
    let start = explain.stdout.find("```mermaid\n").unwrap() + "```mermaid\n".len();
    let end = start + explain.stdout[start..].find("```").unwrap();
    write("explain", &explain.stdout[start..end], flowchart);
    let directive =
        "%%{init: {\"theme\":\"forest\",\"themeCSS\":\".node rect{fill:url(https://evil.example/x.png)}\"}}%%";
    write(
        "attack-flowchart",
        &format!("{directive}\nflowchart LR\n  a[\"x\"] --> b\n"),
        serde_json::json!({ "kind": "grouped", "attack": true }),
    );
    write(
        "attack-sequence",
        &format!("{directive}\nsequenceDiagram\n  a->>b: x\n"),
        serde_json::json!({ "kind": "sequence", "participants": ["a", "b"], "attack": true }),
    );
    entries
}
