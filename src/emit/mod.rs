//! Output formats. Each module renders data the earlier stages computed and
//! decides nothing: diagnostics (`human`, `json`, `sarif`, `github`), rule
//! documentation (`rule_docs`).

pub mod github;
pub mod human;
pub mod json;
pub mod rule_docs;
pub mod sarif;
