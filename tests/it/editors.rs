//! The VS Code extension (editors/vscode, issue 15). Without Node: its
//! TextMate grammar names every kind the language has and every keyword,
//! its snapshot inputs are the bundled examples as they are now, and its
//! manifest points at the grammar and the language server. With the npm
//! packages installed (`.ci/install-tools`), the grammar tests
//! (`vscode-tmgrammar-test`, and snapshots of the examples) run and the
//! extension is packaged into a `.vsix` with `@vscode/vsce`.

use std::path::Path;
use std::process::Command;

use crate::common;
use hld::model::Kind;
use serde_json::Value;

fn vscode() -> std::path::PathBuf {
    common::repo().join("editors/vscode")
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_grammar_knows_every_kind_and_keyword() {
    let grammar = std::fs::read_to_string(vscode().join("syntaxes/hld.tmLanguage.json")).unwrap();
    let parsed: Value = serde_json::from_str(&grammar).unwrap();
    assert_eq!(parsed["scopeName"], "source.hld");
    let kinds = format!("\\\\b({})\\\\s+", Kind::NAMES.join("|"));
    assert!(
        grammar.contains(&kinds),
        "the grammar's kinds differ from the language's: {kinds}"
    );
    for keyword in ["system|region", "flow", "import", "rtt|slo|call|parallel"] {
        assert!(grammar.contains(keyword), "{keyword}");
    }
}

#[test]
fn the_snapshot_inputs_are_the_bundled_examples() {
    let examples = common::hld_files(&common::repo().join("examples"));
    let snapshots = common::hld_files(&vscode().join("tests/snap"));
    let names = |files: &[std::path::PathBuf]| -> Vec<String> {
        files
            .iter()
            .map(|file| file.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(
        names(&examples),
        names(&snapshots),
        "copy examples/*.hld to editors/vscode/tests/snap"
    );
    for (example, copy) in examples.iter().zip(&snapshots) {
        assert_eq!(
            std::fs::read_to_string(example).unwrap(),
            std::fs::read_to_string(copy).unwrap(),
            "{} changed: copy it to editors/vscode/tests/snap and run `npm test -- --updateSnapshot` there",
            example.display()
        );
        assert!(
            copy.with_extension("hld.snap").is_file(),
            "{} has no snapshot",
            copy.display()
        );
    }
}

#[test]
fn the_manifest_contributes_the_language_and_starts_the_server() {
    let manifest = json(&vscode().join("package.json"));
    let contributes = &manifest["contributes"];
    assert_eq!(contributes["languages"][0]["id"], "hld");
    assert_eq!(contributes["languages"][0]["extensions"][0], ".hld");
    assert_eq!(contributes["grammars"][0]["scopeName"], "source.hld");
    assert!(
        vscode()
            .join(contributes["grammars"][0]["path"].as_str().unwrap())
            .is_file()
    );
    let configuration = json(&vscode().join("language-configuration.json"));
    assert_eq!(configuration["comments"]["lineComment"], "//");
    let extension = std::fs::read_to_string(vscode().join("extension.js")).unwrap();
    assert!(
        extension.contains("args: [\"lsp\"]") && extension.contains("\"path\""),
        "{extension}"
    );
}

fn npm(args: &[&str]) -> std::process::Output {
    Command::new("npm")
        .args(args)
        .current_dir(vscode())
        .output()
        .expect("npm runs")
}

#[test]
fn grammar_tests_pass_and_the_extension_packages() {
    if !vscode().join("node_modules/.bin/vscode-tmgrammar-test").is_file() {
        common::skip("the extension's npm packages are not installed (cd editors/vscode && npm ci)");
        return;
    }
    let tested = npm(&["test", "--silent"]);
    let output = String::from_utf8_lossy(&tested.stdout).into_owned() + &String::from_utf8_lossy(&tested.stderr);
    assert!(tested.status.success(), "grammar tests failed:\n{output}");
    assert!(
        !output.contains("Generating snapshot"),
        "a snapshot was missing:\n{output}"
    );
    let checked = Command::new("node")
        .args(["--check", "extension.js"])
        .current_dir(vscode())
        .output()
        .expect("node runs");
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    let packaged = npm(&["run", "package", "--silent"]);
    assert!(
        packaged.status.success(),
        "vsce package failed:\n{}{}",
        String::from_utf8_lossy(&packaged.stdout),
        String::from_utf8_lossy(&packaged.stderr)
    );
    let vsix = vscode().join("hld.vsix");
    assert!(std::fs::metadata(&vsix).unwrap().len() > 1000);
    let _ = std::fs::remove_file(vsix);
}
