//! The benchmark generator (benches/support/generator.rs) makes designs that
//! resolve and that `hld check` accepts (exit 0 or 1), with the shape it
//! promises: about two links per component, a flow per ten components.

#[path = "../benches/support/generator.rs"]
mod generator;

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
