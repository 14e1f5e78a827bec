//! The browser playground (web/, issue 17) against the command line: for
//! every bundled design (examples/, the `hld init` templates, the shared
//! examples), `window.hld.check`, `.estimate`, `.diagram` and `.whatIf` in
//! headless Chromium must print byte for byte what `hld check --format
//! json`, `hld estimate --format json`, `hld diagram --format svg` and `hld
//! what-if --format json` print. web/test/playground.mjs also times a check
//! of a 100-component design in the page (under 50 ms), types into the
//! editor and watches the findings change, clicks a finding and a
//! component, opens a share link in a new page, and reloads the page with
//! its server gone (the service worker's copy).
//!
//! Needs web/dist (web/build.sh), the npm packages of web/ and Chromium,
//! which `.ci/run` provides; plain `cargo test` skips with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{self, hld_files, repo, shared_examples};
use crate::generator::generator;

fn tools() -> Result<(PathBuf, PathBuf), String> {
    let web = repo().join("web");
    if !web.join("dist/hld_web_bg.wasm").is_file() {
        return Err("web/dist is not built (web/build.sh builds it; .ci/run runs it)".to_string());
    }
    if !web.join("node_modules/puppeteer-core").is_dir() {
        return Err("the npm packages of web/ are not installed (web/build.sh installs them)".to_string());
    }
    let chromium = common::chromium()?;
    Ok((web, chromium))
}

/// What `hld ARGS` prints on standard output when run in `dir`, or `None`
/// when it exits 2 (input errors: the page throws instead).
fn cli(dir: &Path, args: &[&str]) -> Option<String> {
    let output = common::hld().args(args).current_dir(dir).output().expect("hld runs");
    let code = output.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1 || code == 2,
        "hld {args:?} in {}: exit {code}",
        dir.display()
    );
    (code != 2).then(|| String::from_utf8(output.stdout).expect("UTF-8 output"))
}

/// Every design under `dir` and its subdirectories.
fn hld_files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = hld_files(dir);
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.is_dir())
                .collect()
        })
        .unwrap_or_default();
    subdirs.sort();
    for subdir in subdirs {
        files.extend(hld_files_under(&subdir));
    }
    files
}

/// Every design under `dir` (recursively) by its path relative to `dir`:
/// what a design in `dir` may import.
fn files_under(dir: &Path) -> BTreeMap<String, String> {
    hld_files_under(dir)
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let relative = path.strip_prefix(dir).ok()?.to_string_lossy().replace('\\', "/");
            Some((relative, text))
        })
        .collect()
}

/// One design and what the command line prints for it, as the test page
/// reads it.
fn case(path: &Path) -> serde_json::Value {
    let dir = path.parent().unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let mut files = files_under(dir);
    files.remove(name);
    let config = std::fs::read_to_string(dir.join("hld.yaml")).ok();
    let check = cli(dir, &["check", "--format", "json", name]).unwrap_or_else(|| {
        // `hld check` prints its JSON even on input errors (exit 2).
        let output = common::hld()
            .args(["check", "--format", "json", name])
            .current_dir(dir)
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    });
    let estimate = cli(dir, &["estimate", "--format", "json", name]);
    let diagram = cli(dir, &["diagram", "--format", "svg", name]);
    // What-if on the design's first service (or first component).
    let export = cli(dir, &["diagram", "--format", "json", name]);
    let fail = export.and_then(|export| {
        let export: serde_json::Value = serde_json::from_str(&export).ok()?;
        let components = export["components"].as_array()?.clone();
        let chosen = components
            .iter()
            .find(|component| component["kind"] == "service")
            .or_else(|| components.first())?;
        chosen["id"].as_str().map(str::to_string)
    });
    let what_if = fail.as_ref().and_then(|id| {
        cli(dir, &["what-if", "--format", "json", name, "--fail", id])
            .map(|json| serde_json::json!({ "fail": id, "json": json }))
    });
    serde_json::json!({
        "path": path, "name": name, "text": text, "files": files, "config": config,
        "check": check, "estimate": estimate, "diagram": diagram, "what_if": what_if,
    })
}

#[test]
fn the_playground_agrees_with_the_command_line_in_chromium() {
    let (web, chromium) = match tools() {
        Ok(tools) => tools,
        Err(reason) => {
            common::skip(&format!("the playground test: {reason}"));
            return;
        }
    };
    let mut designs = hld_files_under(&repo().join("examples"));
    // Labels that try to break out of every output format.
    designs.push(repo().join("tests/fuzz-regressions/hostile-labels.hld"));
    designs.extend(hld_files_under(&repo().join("templates/init")));
    if let Some(shared) = shared_examples() {
        designs.extend(hld_files_under(&shared));
    }
    // Parts (files with no `system`) are imported, not checked alone.
    designs.retain(|path| !path.components().any(|part| part.as_os_str() == "parts"));
    let cases: Vec<serde_json::Value> = designs.iter().map(|path| case(path)).collect();
    let hostile = std::fs::read_to_string(repo().join("tests/fuzz-regressions/hostile-labels.hld")).unwrap();
    let manifest = serde_json::json!({
        "cases": cases,
        "large": generator::design(100),
        "hostile": hostile,
    });
    let out = std::env::temp_dir().join(format!("hld-playground-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    common::run_browser_script(&web.join("test/playground.mjs"), &out, &manifest, &chromium);
    std::fs::remove_dir_all(&out).ok();
}
