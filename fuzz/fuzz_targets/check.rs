//! Parse, resolve and check arbitrary bytes, then run every command's work
//! on what resolves: `estimate` (figures, JSON, text, `--explain` of each
//! flow), `diagram` in every format (Mermaid flowchart, the region view,
//! each flow's sequence diagram, DOT, SVG, the design JSON), `explain`
//! (Markdown and HTML), `what-if` of the first component, and the compose
//! stack. No input may panic, hang or blow the stack. Run with
//! `cargo fuzz run -s none check` (stable Rust; see docs/security.md).
#![no_main]

use hld::analysis::{self, Config};
use hld::emit::diagram::Highlights;
use hld::emit::{design_json, dot, mermaid, sequence, svg};
use hld::estimate::what_if::{Scenario, WhatIfEngine};
use hld::model::ComponentId;
use hld::model::load::{Input, Limits, MemoryLoader, compile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = Input {
        name: "fuzz.hld".to_string(),
        path: None,
        key: None,
        bytes: data.to_vec(),
    };
    let compilation = compile(input, &MemoryLoader::default(), &Limits::default());
    let Some(design) = &compilation.design else {
        return;
    };
    let analysis = analysis::check(design, &Config::default());
    let mut findings = analysis.findings;
    hld::diagnostics::sort(&mut findings, &compilation.sources);

    // estimate
    let estimates = hld::estimate::estimate(design, None);
    let _ = hld::emit::estimate::human(design, &estimates);
    let _ = hld::emit::estimate::json(design, &estimates);
    for (index, _) in design.flows.iter().enumerate().take(4) {
        let _ = hld::estimate::explain::explain(design, hld::model::FlowId(index as u32));
    }

    // diagram, every format
    let highlights = Highlights::from_findings(design, &findings);
    let _ = mermaid::flowchart(design, &highlights);
    let _ = mermaid::flowchart_by_region(design, &highlights);
    for flow in design.flows.iter().take(4) {
        let _ = sequence::flow(design, flow);
    }
    let _ = dot::graph(design, &highlights);
    let _ = svg::document(design, &highlights);
    let _ = design_json::export(design);

    // explain
    let walkthrough = hld::explain::build(design, &findings);
    let _ = hld::emit::explain::markdown(&walkthrough, design, &highlights);
    let _ = hld::emit::explain::html(&walkthrough, design, &highlights);

    // what-if and compose
    if !design.components.is_empty() {
        let what_if = WhatIfEngine::new(design).run(&Scenario::fail([ComponentId(0)]));
        let _ = hld::emit::what_if::json(design, &what_if);
    }
    let _ = hld::emit::compose::build(design);
});
