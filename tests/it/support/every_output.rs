//! Runs every command's work on one compiled design, the way the CLI does,
//! without printing: `check` (rules, sorted), `estimate` (figures, text,
//! JSON, `--explain` of the first flows), `diagram` in every format (the
//! Mermaid flowchart, the region view, the first flows' sequence diagrams,
//! DOT, SVG, the design JSON), `explain` (Markdown and HTML), `what-if` of
//! the first component, and the compose stack.
//!
//! Shared by the fuzz target (`fuzz/fuzz_targets/check.rs`) and
//! `tests/it/fuzz_regressions.rs`, so both exercise the same outputs.

use hld::analysis::{self, Config};
use hld::emit::diagram::Highlights;
use hld::emit::{design_json, dot, mermaid, sequence, svg};
use hld::estimate::what_if::{Scenario, WhatIfEngine};
use hld::model::load::Compilation;
use hld::model::{ComponentId, FlowId};

/// How many flows get an `--explain` and a sequence diagram: enough to
/// reach every kind of flow a small input holds, few enough to keep each
/// fuzz input fast.
const FLOWS_EXERCISED: usize = 4;

pub fn every_output(compilation: &Compilation) {
    let Some(design) = &compilation.design else {
        return;
    };
    let mut findings = analysis::check(design, &Config::default()).findings;
    hld::diagnostics::sort(&mut findings, &compilation.sources);

    let estimates = hld::estimate::estimate(design, None);
    let _ = hld::emit::estimate::human(design, &estimates);
    let _ = hld::emit::estimate::json(design, &estimates);
    for index in 0..design.flows.len().min(FLOWS_EXERCISED) {
        let _ = hld::estimate::explain::explain(design, FlowId(index as u32));
    }

    let highlights = Highlights::from_findings(design, &findings);
    // A template that fails to render is a bug, as a panic is.
    mermaid::flowchart(design, &highlights).expect("the flowchart renders");
    mermaid::flowchart_by_region(design, &highlights).expect("the grouped flowchart renders");
    for flow in design.flows.iter().take(FLOWS_EXERCISED) {
        sequence::flow(design, flow).expect("the sequence diagram renders");
    }
    dot::graph(design, &highlights).expect("the DOT graph renders");
    let _ = svg::document(design, &highlights);
    let _ = design_json::export(design);

    let walkthrough = hld::explain::build(design, &findings);
    hld::emit::explain::markdown(&walkthrough, design, &highlights).expect("the walkthrough renders");
    hld::emit::explain::html(&walkthrough, design, &highlights).expect("the walkthrough page renders");

    if !design.components.is_empty() {
        let what_if = WhatIfEngine::new(design).run(&Scenario::fail([ComponentId(0)]));
        let _ = hld::emit::what_if::human(design, &what_if);
        let _ = hld::emit::what_if::json(design, &what_if);
    }
    let _ = hld::emit::compose::build(design);
}
