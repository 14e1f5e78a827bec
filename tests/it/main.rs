//! The integration tests, one binary (one link instead of one per file):
//! each file here is a module; `cargo test --test it MODULE::` runs one.

// Tests compute reference figures with std's float functions; the library
// goes through src/float.rs (clippy.toml).
#![allow(clippy::disallowed_methods)]

mod common;
/// `every_output.rs` is shared with the fuzz target (`fuzz/fuzz_targets/check.rs`).
mod support {
    pub mod every_output;
}

mod bounds;
mod cli;
mod compose;
mod compose_tools;
mod conformance;
mod determinism;
mod diagram;
mod editors;
mod errors;
mod estimate;
mod explain;
mod explain_render;
mod fix;
mod fmt;
mod formats;
mod fuzz_regressions;
mod generator;
mod init;
mod io;
mod knowledge_docs;
mod local_stack;
mod lsp;
mod mermaid_render;
mod playground;
mod proptest_commands;
mod proptest_parser;
mod queueing;
mod references;
mod review;
mod robustness;
mod rules;
mod rules_proptest;
mod security;
mod text_escapes;
mod tidy;
mod trees;
mod what_if;
mod what_if_proptest;
