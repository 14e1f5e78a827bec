//! Tidy: the shape of `src/` that docs/architecture.md promises. Every
//! module says what it is (`//!`), and every `crate::` dependency points
//! down the pipeline (syntax → model → estimate / analysis → emit → cli),
//! never up it.

use std::path::{Path, PathBuf};

/// Each top-level module and its place in the pipeline: a module may use
/// modules of its own place or lower, never higher.
const LAYERS: &[(&str, u8)] = &[
    // Leaves: no crate dependency but other leaves.
    ("source", 0),
    ("units", 0),
    ("format", 0),
    ("float", 0),
    ("diagnostics", 1),
    ("syntax", 2),
    ("knowledge", 3),
    ("model", 4),
    ("estimate", 5),
    ("analysis", 6),
    ("fix", 7),
    ("diff", 8),
    ("explain", 8),
    ("emit", 9),
    ("init", 9),
    ("api", 10),
    ("cli", 11),
    ("lsp", 11),
];

/// Modules anyone may use, because they use nothing but other leaves (the
/// ids, targets and fixes a diagnostic carries, and the plain enums the
/// knowledge base is written in).
const LEAVES: &[&str] = &[
    "source",
    "units",
    "format",
    "float",
    "model::ids",
    "model::edit",
    "model::types",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// `model::edit` for src/model/edit.rs, `analysis::rules` for
/// src/analysis/rules/mod.rs.
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix(src()).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without its comments and its trailing unit tests.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::a::b` a file names, as (`a`, `a::b`).
fn crate_paths(code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let word = |text: &str| -> String {
            text.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        };
        let top = word(rest);
        let after = &rest[top.len()..];
        let sub = after
            .strip_prefix("::")
            .map(|tail| format!("{top}::{}", word(tail)))
            .unwrap_or_else(|| top.clone());
        out.push((top, sub));
    }
    out
}

fn layer(module: &str) -> Option<u8> {
    let top = module.split("::").next().unwrap_or_default();
    LAYERS.iter().find(|(name, _)| *name == top).map(|(_, layer)| *layer)
}

fn is_leaf(module: &str) -> bool {
    LEAVES
        .iter()
        .any(|leaf| module == *leaf || module.starts_with(&format!("{leaf}::")))
}

#[test]
fn every_module_says_what_it_is() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let missing: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a `//!` doc:\n{}",
        missing.join("\n")
    );
}

#[test]
fn dependencies_point_down_the_pipeline() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut wrong = Vec::new();
    for path in &files {
        let module = module_of(path);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own) = layer(&module) else {
            wrong.push(format!(
                "{module}: a top-level module missing from LAYERS in tests/it/tidy.rs"
            ));
            continue;
        };
        let code = code(&std::fs::read_to_string(path).unwrap());
        let own_top = module.split("::").next().unwrap_or_default();
        for (top, sub) in crate_paths(&code) {
            if top == own_top && !is_leaf(&module) {
                continue;
            }
            if is_leaf(&module) {
                // A leaf uses leaves only (its own top-level module's other
                // parts included only when they are leaves too).
                if !is_leaf(&sub) && !is_leaf(&top) {
                    wrong.push(format!("{module} is a leaf but uses crate::{sub}"));
                }
                continue;
            }
            if is_leaf(&sub) || is_leaf(&top) {
                continue;
            }
            match layer(&top) {
                Some(theirs) if theirs <= own => {}
                Some(_) => wrong.push(format!(
                    "{module} uses crate::{sub}, which is further down the pipeline"
                )),
                None => wrong.push(format!("{module} uses crate::{sub}, a module missing from LAYERS")),
            }
        }
        if is_leaf(&module) {
            // `super::x` from a leaf must name a leaf too.
            let parent = module.rsplit_once("::").map_or("", |(parent, _)| parent);
            for line in code.lines() {
                if let Some(rest) = line.trim_start().strip_prefix("use super::") {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    let used = if parent.is_empty() {
                        name.clone()
                    } else {
                        format!("{parent}::{name}")
                    };
                    if !is_leaf(&used) {
                        wrong.push(format!("{module} is a leaf but uses {used}"));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "dependencies against the pipeline:\n{}",
        wrong.join("\n")
    );
}

/// The checker itself: an upward dependency and a leaf using a non-leaf
/// are caught.
#[test]
fn the_checks_can_fail() {
    assert_eq!(
        crate_paths("use crate::cli::fs::FsLoader;\nlet x = crate::model::edit::Fix::new(v);"),
        vec![
            ("cli".to_string(), "cli::fs".to_string()),
            ("model".to_string(), "model::edit".to_string())
        ]
    );
    assert!(layer("cli").unwrap() > layer("estimate").unwrap());
    assert!(is_leaf("model::edit") && !is_leaf("model::resolve"));
    assert_eq!(
        code("use a; // crate::cli\n#[cfg(test)]\nmod tests { crate::cli }"),
        "use a; "
    );
    assert_eq!(module_of(&src().join("analysis/rules/mod.rs")), "analysis::rules");
}
