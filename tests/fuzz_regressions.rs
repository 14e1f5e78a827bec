//! Every input in tests/fuzz-regressions goes through parse, resolve and
//! check without a panic, and every diagnostic points inside its file.

use hld::analysis::{self, Config};
use hld::model::load::{Input, Limits, MemoryLoader, compile};

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
        let input = Input {
            name: path.display().to_string(),
            path: None,
            key: None,
            bytes: std::fs::read(&path).unwrap(),
        };
        let compilation = compile(input, &MemoryLoader::default(), &Limits::default());
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
            Some(design) => {
                let _ = analysis::check(design, &Config::default());
            }
            None => assert!(
                !compilation.diagnostics.is_empty(),
                "{}: no design and no error",
                path.display()
            ),
        }
    }
}
