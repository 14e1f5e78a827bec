//! `hld`: a compiler and analyzer for high-level system designs.
//!
//! The pipeline, one way: [`syntax`] (text to syntax tree) → [`model`]
//! (resolved, typed design) → `analysis` (graph and rules) and `estimate`
//! (latency, availability, capacity) → `emit` (output formats) → `cli`
//! and [`lsp`] (the two front ends).
//! [`units`] is a leaf every layer may use: the language's units.
//! See docs/architecture.md.

// Bad input must never panic (exit 101): library code handles every case
// instead of asserting it away. Tests may unwrap (clippy.toml).
#![deny(clippy::unwrap_used, clippy::expect_used)]

// The pest parser is built without its `std` feature, which would guard
// every rule call with a stack-depth probe (a tenth of parse time). The
// splitter bounds nesting depth instead (src/syntax/split.rs). Without
// `std`, pest's generated code names `alloc`.
extern crate alloc;

pub mod analysis;
pub mod api;
// The two front ends that read files, start threads and exit: not in the
// WebAssembly build (the playground calls `api`, web/src/lib.rs).
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod diagnostics;
pub mod diff;
pub mod emit;
pub mod estimate;
pub mod explain;
pub mod fix;
pub mod float;
pub mod format;
pub mod init;
pub mod knowledge;
#[cfg(not(target_arch = "wasm32"))]
pub mod lsp;
pub mod model;
pub mod source;
pub mod syntax;
pub mod units;
