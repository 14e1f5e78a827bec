//! The benchmark generator (benches/support/generator.rs) makes designs that
//! resolve and that `hld check` accepts (exit 0 or 1), with the shape it
//! promises: about two links per component, a flow per ten components.

#[path = "../../benches/support/generator.rs"]
#[allow(clippy::module_inception)] // tests/it/generator.rs tests benches/support/generator.rs
pub(crate) mod generator;

use hld::analysis::{self, Config};
use hld::model::load::{Input, Limits, MemoryLoader, compile};

#[test]
fn generated_designs_resolve_and_check() {
    for size in [1_000, 12_000] {
        let text = generator::design(size);
        assert_eq!(text, generator::design(size), "deterministic");
        let input = Input {
            name: "generated.hld".to_string(),
            path: None,
            key: None,
            bytes: text.into_bytes(),
        };
        let compilation = compile(input, &MemoryLoader::default(), &Limits::default());
        let messages: Vec<_> = compilation.diagnostics.iter().map(|d| d.message.clone()).collect();
        let design = compilation.design.unwrap_or_else(|| panic!("{messages:?}"));
        let components = design.components.len();
        assert!(
            components * 10 >= size * 9 && components * 10 <= size * 11,
            "{components} for {size}"
        );
        let links_per_component = design.links.len() as f64 / components as f64;
        assert!((1.6..=2.2).contains(&links_per_component), "{links_per_component}");
        let flows_per_component = design.flows.len() as f64 / components as f64;
        assert!((0.08..=0.14).contains(&flows_per_component), "{flows_per_component}");
        let hops: Vec<usize> = design.flows.iter().map(|flow| flow.hops.len()).collect();
        assert_eq!(hops.iter().min(), Some(&4));
        assert_eq!(hops.iter().max(), Some(&12));
        // About half the flows are call trees (language.md §5).
        let trees = design.flows.iter().filter(|flow| !flow.is_path_only()).count() as f64;
        let share = trees / design.flows.len() as f64;
        assert!((0.4..=0.6).contains(&share), "{share}");
        let analysis = analysis::check(&design, &Config::default());
        assert!(analysis.errors.is_empty());
        // The deliberate weak spots are found.
        let rules: std::collections::BTreeSet<&str> =
            analysis.findings.iter().map(|finding| finding.code.as_str()).collect();
        for rule in ["single-point-of-failure", "non-idempotent-consumer", "deep-sync-chain"] {
            assert!(rules.contains(rule), "{size}: {rules:?}");
        }
    }
}

/// The same design without its call trees has the same components, links
/// and flows, each tree cut down to its `path`.
#[test]
fn the_design_without_trees_keeps_its_paths() {
    let compile_text = |text: String| {
        let input = Input {
            name: "generated.hld".to_string(),
            path: None,
            key: None,
            bytes: text.into_bytes(),
        };
        compile(input, &MemoryLoader::default(), &Limits::default())
            .design
            .unwrap()
    };
    let with = compile_text(generator::design_with(2_000, true));
    let without = compile_text(generator::design_with(2_000, false));
    assert_eq!(with.components.len(), without.components.len());
    assert_eq!(with.links.len(), without.links.len());
    assert_eq!(with.flows.len(), without.flows.len());
    for (a, b) in with.flows.iter().zip(&without.flows) {
        assert_eq!(a.path, b.path);
        assert!(b.is_path_only());
    }
}
