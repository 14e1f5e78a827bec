//! Renders every flowchart (and every flow's sequence diagram) with the real
//! Mermaid library in headless Chromium. Needs Chromium and the npm packages
//! of `.ci/mermaid`, which `.ci/run` installs; plain `cargo test` skips with
//! the reason.

mod common;

use std::path::{Path, PathBuf};

use common::{hld_files, repo, run, shared_examples};

fn tools() -> Result<(PathBuf, PathBuf), String> {
    let dir = repo().join(".ci/mermaid");
    if !dir.join("node_modules/mermaid").is_dir() {
        return Err("the npm packages of .ci/mermaid are not installed (.ci/run installs them)".to_string());
    }
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.exists() {
        return Err(format!(
            "{} is missing (.ci/run installs Debian's chromium)",
            chromium.display()
        ));
    }
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
    let manifest_path = out.join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    let output = std::process::Command::new("node")
        .arg(dir.join("render.mjs"))
        .arg(&manifest_path)
        .env("CHROMIUM", chromium)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::remove_dir_all(&out).ok();
}
