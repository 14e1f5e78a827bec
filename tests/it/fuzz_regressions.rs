//! Every input in tests/fuzz-regressions goes through parse, resolve and
//! check without a panic, and every diagnostic points inside its file; what
//! resolves goes through every other command's work too, as in the fuzz
//! target (`tests/it/support/every_output.rs`).

use crate::support::every_output;

use hld::model::load::{Compilation, Input, Limits, MemoryLoader, compile};

/// A file compiled as the fuzz target compiles its input (no imports read).
fn compile_file(path: &std::path::Path) -> Compilation {
    let input = Input {
        name: path.display().to_string(),
        path: None,
        key: None,
        bytes: std::fs::read(path).unwrap(),
    };
    compile(input, &MemoryLoader::default(), &Limits::default())
}

#[test]
fn fuzz_regressions_compile_without_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "hld"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 9, "the regression inputs are missing: {inputs:?}");
    for path in inputs {
        let compilation = compile_file(&path);
        for diagnostic in &compilation.diagnostics {
            let span = diagnostic.span.expect("a diagnostic of a file has a span");
            let file = compilation.sources.get(span.file).unwrap();
            assert!(
                span.end as usize <= file.text.len(),
                "{}: span past the end",
                path.display()
            );
            assert!(!diagnostic.message.is_empty());
        }
        match &compilation.design {
            Some(_) => every_output::every_output(&compilation),
            None => assert!(
                !compilation.diagnostics.is_empty(),
                "{}: no design and no error",
                path.display()
            ),
        }
    }
}

/// Every bundled design (examples, `hld init` templates, test fixtures, the
/// shared examples) goes through every command's work without a panic: the
/// fuzz target's seeds, run once in the suite.
#[test]
fn every_bundled_design_goes_through_every_output() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("examples"), root.join("templates/init")];
    for fixtures in [
        "tests/fixtures/rules",
        "tests/fixtures/compose",
        "tests/fixtures/formats",
    ] {
        dirs.push(root.join(fixtures));
        if let Ok(entries) = std::fs::read_dir(root.join(fixtures)) {
            dirs.extend(
                entries
                    .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                    .filter(|path| path.is_dir()),
            );
        }
    }
    let shared = root.join("../shared/examples");
    dirs.extend([shared.join("."), shared.join("trees")]);
    let mut designs = 0;
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut paths: Vec<_> = entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "hld"))
            .collect();
        paths.sort();
        for path in paths {
            let compilation = compile_file(&path);
            every_output::every_output(&compilation);
            designs += 1;
        }
    }
    assert!(designs >= 40, "expected the bundled designs, found {designs}");
}
