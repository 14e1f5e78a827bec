//! Output formats. Each module renders data the earlier stages computed and
//! decides nothing: diagnostics (`human`, `json`, `sarif`, `github`), rule
//! documentation (`rule_docs`), the runnable stack (`compose`), diagrams
//! (`mermaid`, `dot`, `svg`), figures (`estimate`, `what_if`) and the
//! walkthrough of `hld explain` (`explain`). `escape` decides which
//! characters of a design's text are never written as they are (controls,
//! bidi overrides) for every one of them.

pub mod compose;
pub mod design_json;
pub mod diagram;
pub mod diff;
pub mod dot;
pub mod escape;
pub mod estimate;
pub mod explain;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod mermaid;
pub mod rule_docs;
pub mod sarif;
pub mod sequence;
pub mod svg;
pub mod what_if;
