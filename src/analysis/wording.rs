//! Lists of a design's components and flows in the rules' messages, cut
//! after a few names (`crate::format::list_of`; every other number, size
//! and list is worded by `crate::format`).

use crate::format::{SHOWN_NAMES, list_of};
use crate::model::{ComponentId, Design, FlowId};

/// Component ids as a list.
pub fn components(design: &Design, ids: &[ComponentId]) -> String {
    components_of(design, ids, ids.len())
}

pub fn components_of(design: &Design, ids: &[ComponentId], total: usize) -> String {
    let names: Vec<String> = ids
        .iter()
        .take(SHOWN_NAMES)
        .map(|id| design.component(*id).id.clone())
        .collect();
    list_of(&names, total)
}

/// `flow a` or `flows a, b`.
pub fn flows(design: &Design, ids: &[FlowId]) -> String {
    let names: Vec<String> = ids
        .iter()
        .take(SHOWN_NAMES)
        .map(|id| design.flow(*id).id.clone())
        .collect();
    let noun = if ids.len() == 1 { "flow" } else { "flows" };
    format!("{noun} {}", list_of(&names, ids.len()))
}
