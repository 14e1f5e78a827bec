//! Output formats. Each module renders data the earlier stages computed and
//! decides nothing: diagnostics (`human`, `json`), rule documentation
//! (`rule_docs`).

pub mod estimate;
pub mod human;
pub mod json;
pub mod rule_docs;
