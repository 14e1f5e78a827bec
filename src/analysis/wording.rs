//! Small wording helpers shared by the rules' messages: lists of names cut
//! after a few, sizes in SI units, counts with their noun.

use crate::model::{ComponentId, Design, FlowId};

/// How many names a list shows before "and N more".
pub const SHOWN_NAMES: usize = 5;

/// `a, b, c and 2 more`, or `a and b`.
pub fn list(names: &[String]) -> String {
    list_of(names, names.len())
}

/// A list of the first names of `total` things.
pub fn list_of(names: &[String], total: usize) -> String {
    let shown: Vec<&str> = names.iter().take(SHOWN_NAMES).map(String::as_str).collect();
    let rest = total.saturating_sub(shown.len());
    match (shown.as_slice(), rest) {
        ([], _) => String::new(),
        ([only], 0) => (*only).to_string(),
        (_, 0) => {
            let (last, init) = shown.split_last().map_or(("", &[][..]), |(last, init)| (*last, init));
            format!("{} and {last}", init.join(", "))
        }
        (_, rest) => format!("{} and {rest} more", shown.join(", ")),
    }
}

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

/// `1 instance`, `3 instances`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A size in SI units, as the language writes them: 300GB, 1.5TB.
pub fn size(bytes: f64) -> String {
    // The language's own units, largest first.
    for (unit, scale) in crate::units::SIZE_UNITS.iter().rev() {
        if bytes >= *scale {
            return format!("{}{unit}", number(bytes / scale));
        }
    }
    format!("{}B", number(bytes.max(0.0)))
}

/// A figure with at most two decimals and no trailing zeros.
pub fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() {
        "0".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_cut_after_a_few_names() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(list(&names[..1]), "a");
        assert_eq!(list(&names[..2]), "a and b");
        assert_eq!(list(&names), "a, b and c");
        let many: Vec<String> = (0..8).map(|idx| format!("f{idx}")).collect();
        assert_eq!(list(&many), "f0, f1, f2, f3, f4 and 3 more");
        assert_eq!(list_of(&names[..1], 4), "a and 3 more");
    }

    #[test]
    fn sizes_are_si() {
        assert_eq!(size(300e9), "300GB");
        assert_eq!(size(1.5e12), "1.5TB");
        assert_eq!(size(512.0), "512B");
        assert_eq!(number(2.0), "2");
        assert_eq!(number(0.004), "0");
    }
}
