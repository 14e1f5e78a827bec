//! Opens the HTML page of `hld explain` for every example in headless
//! Chromium (`.ci/html/check.mjs`): no console errors, no requests, the
//! diagram's SVG with one node per component, a print stylesheet; saves a
//! screenshot of each under target/. Needs Chromium and the npm packages of
//! `.ci/mermaid` (puppeteer-core), which `.ci/run` installs; plain `cargo
//! test` skips with the reason.

use crate::common;

use std::path::PathBuf;

use common::{hld_files, repo, run, shared_examples};

fn tools() -> Result<PathBuf, String> {
    if !repo().join(".ci/mermaid/node_modules/puppeteer-core").is_dir() {
        return Err("the npm packages of .ci/mermaid are not installed (.ci/run installs them)".to_string());
    }
    let chromium = common::chromium()?;
    Ok(chromium)
}

#[test]
fn every_walkthrough_page_opens_offline_in_chromium() {
    let chromium = match tools() {
        Ok(chromium) => chromium,
        Err(reason) => {
            common::skip(&format!("the HTML render test: {reason}"));
            return;
        }
    };
    let mut designs = hld_files(&repo().join("examples"));
    if let Some(shared) = shared_examples() {
        designs.extend(hld_files(&shared));
    }
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("explain-html");
    std::fs::create_dir_all(&out).unwrap();
    let mut manifest = Vec::new();
    // The default page (five sections) and the `--full` reference (ten).
    let pages = designs.iter().flat_map(|design| [(design, false), (design, true)]);
    for (design, full) in pages {
        let stem = design.file_stem().unwrap().to_string_lossy().into_owned();
        let origin = if design.starts_with(repo().join("examples")) {
            "own"
        } else {
            "shared"
        };
        let variant = if full { "_full" } else { "" };
        let page = out.join(format!("{origin}_{stem}{variant}.html"));
        let mut args = vec!["explain", design.to_str().unwrap(), "--format", "html", "--force"];
        if full {
            args.push("--full");
        }
        args.extend(["-o", page.to_str().unwrap()]);
        let written = run(&args);
        assert_eq!(written.code, 0, "{}: {}", design.display(), written.stderr);
        let export = run(&["diagram", design.to_str().unwrap(), "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&export.stdout).unwrap();
        manifest.push(serde_json::json!({
            "file": page,
            "components": json["components"].as_array().unwrap().len(),
            "sections": if full { 10 } else { 5 },
            "screenshot": out.join(format!("{origin}_{stem}{variant}.png")),
        }));
    }
    common::run_browser_script(
        &repo().join(".ci/html/check.mjs"),
        &out,
        &serde_json::json!(manifest),
        &chromium,
    );
    // The screenshots stay under target/ for a person to look at.
    println!("screenshots in {}", out.display());
}
