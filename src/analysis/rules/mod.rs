//! The rule catalog (rules.md). Each rule is one file: its metadata and docs
//! in a `declare_rule!`, then a `check` function that pushes findings. The
//! runner (`analysis::check`), not the rule, applies `allow`, `hld.yaml` and
//! severities. Adding a rule: one file here and one line in [`RULES`].

use crate::analysis::{Context, Finding};
use crate::diagnostics::Severity;

/// Declares a rule's metadata; its doc comment is its documentation
/// (`hld rules NAME`, docs/rules/NAME.md).
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $ident:ident = {
            name: $name:literal,
            severity: $severity:ident,
            category: $category:ident,
            summary: $summary:literal $(,)?
        };
    ) => {
        pub static $ident: $crate::analysis::rules::Rule = $crate::analysis::rules::Rule {
            name: $name,
            severity: $crate::diagnostics::Severity::$severity,
            category: $crate::analysis::rules::Category::$category,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
            check,
        };
    };
}

mod availability_below_slo;
mod latency_above_slo;
mod overloaded_component;
mod queue_backlog_growth;
mod scatter_gather_on_hot_path;
mod unknown_technology;

/// Every rule, sorted by name.
pub static RULES: &[&Rule] = &[
    &availability_below_slo::AVAILABILITY_BELOW_SLO,
    &latency_above_slo::LATENCY_ABOVE_SLO,
    &overloaded_component::OVERLOADED_COMPONENT,
    &queue_backlog_growth::QUEUE_BACKLOG_GROWTH,
    &scatter_gather_on_hot_path::SCATTER_GATHER_ON_HOT_PATH,
    &unknown_technology::UNKNOWN_TECHNOLOGY,
];

/// The headings of rules.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Availability,
    Consistency,
    Caching,
    Async,
    Traffic,
    Partitioning,
    Structure,
    Resolution,
}

impl Category {
    pub fn title(self) -> &'static str {
        match self {
            Category::Availability => "Availability",
            Category::Consistency => "Consistency and CAP",
            Category::Caching => "Caching",
            Category::Async => "Asynchronous work",
            Category::Traffic => "Traffic",
            Category::Partitioning => "Data partitioning",
            Category::Structure => "Structure",
            Category::Resolution => "Resolution",
        }
    }
}

pub struct Rule {
    /// Kebab-case, stable: what `allow`, `hld.yaml` and JSON use.
    pub name: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// One line for `hld rules`.
    pub summary: &'static str,
    /// Markdown: What it checks, Why it matters, Example, Fixed, ...
    pub docs: &'static str,
    pub check: fn(&Context<'_>, &mut Vec<Finding>),
}

pub fn rule(name: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|rule| rule.name == name)
}

pub fn rule_names() -> impl Iterator<Item = &'static str> {
    RULES.iter().map(|rule| rule.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_sorted_and_unique() {
        let names: Vec<_> = rule_names().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
