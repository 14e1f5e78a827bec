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
mod cache_hit_ratio_unset;
mod cache_without_expiry;
mod cap_mismatch;
mod cp_store_on_availability_path;
mod deep_sync_chain;
mod dual_write;
mod fixed_window_burst;
mod hot_shard;
mod idle_consumers;
mod inverted_timeouts;
mod latency_above_slo;
mod missing_dead_letter_queue;
mod missing_rate_limit;
mod multi_primary_no_conflict_resolution;
mod non_idempotent_consumer;
pub mod overloaded_component;
mod premature_sharding;
pub mod primary_without_failover;
mod queue_backlog_growth;
mod range_shard_hotspot;
mod read_your_writes_on_async_replicas;
mod retry_amplification;
mod retry_non_idempotent;
mod scatter_gather_on_hot_path;
mod shared_database;
mod single_point_of_failure;
mod single_region;
mod stale_cache_on_strong_read;
mod sticky_sessions_uneven_load;
mod timeout_below_latency;
mod unknown_technology;
mod unreachable_component;
pub mod unreplicated_load_balancer;
mod write_behind_data_loss;

/// Every rule, sorted by name.
pub static RULES: &[&Rule] = &[
    &availability_below_slo::AVAILABILITY_BELOW_SLO,
    &cache_hit_ratio_unset::CACHE_HIT_RATIO_UNSET,
    &cache_without_expiry::CACHE_WITHOUT_EXPIRY,
    &cap_mismatch::CAP_MISMATCH,
    &cp_store_on_availability_path::CP_STORE_ON_AVAILABILITY_PATH,
    &deep_sync_chain::DEEP_SYNC_CHAIN,
    &dual_write::DUAL_WRITE,
    &fixed_window_burst::FIXED_WINDOW_BURST,
    &hot_shard::HOT_SHARD,
    &idle_consumers::IDLE_CONSUMERS,
    &inverted_timeouts::INVERTED_TIMEOUTS,
    &latency_above_slo::LATENCY_ABOVE_SLO,
    &missing_dead_letter_queue::MISSING_DEAD_LETTER_QUEUE,
    &missing_rate_limit::MISSING_RATE_LIMIT,
    &multi_primary_no_conflict_resolution::MULTI_PRIMARY_NO_CONFLICT_RESOLUTION,
    &non_idempotent_consumer::NON_IDEMPOTENT_CONSUMER,
    &overloaded_component::OVERLOADED_COMPONENT,
    &premature_sharding::PREMATURE_SHARDING,
    &primary_without_failover::PRIMARY_WITHOUT_FAILOVER,
    &queue_backlog_growth::QUEUE_BACKLOG_GROWTH,
    &range_shard_hotspot::RANGE_SHARD_HOTSPOT,
    &read_your_writes_on_async_replicas::READ_YOUR_WRITES_ON_ASYNC_REPLICAS,
    &retry_amplification::RETRY_AMPLIFICATION,
    &retry_non_idempotent::RETRY_NON_IDEMPOTENT,
    &scatter_gather_on_hot_path::SCATTER_GATHER_ON_HOT_PATH,
    &shared_database::SHARED_DATABASE,
    &single_point_of_failure::SINGLE_POINT_OF_FAILURE,
    &single_region::SINGLE_REGION,
    &stale_cache_on_strong_read::STALE_CACHE_ON_STRONG_READ,
    &sticky_sessions_uneven_load::STICKY_SESSIONS_UNEVEN_LOAD,
    &timeout_below_latency::TIMEOUT_BELOW_LATENCY,
    &unknown_technology::UNKNOWN_TECHNOLOGY,
    &unreachable_component::UNREACHABLE_COMPONENT,
    &unreplicated_load_balancer::UNREPLICATED_LOAD_BALANCER,
    &write_behind_data_loss::WRITE_BEHIND_DATA_LOSS,
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
    Load,
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
            Category::Load => "Load, retries and timeouts",
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

/// The ```hld blocks under a heading of a rule's docs (`## Example`,
/// `## Fixed`).
#[cfg(test)]
pub fn doc_snippets(docs: &str, heading: &str) -> Vec<String> {
    let mut snippets = Vec::new();
    let mut in_section = false;
    let mut current: Option<String> = None;
    for line in docs.lines() {
        let line = line.strip_prefix(' ').unwrap_or(line);
        if let Some(title) = line.strip_prefix("## ") {
            in_section = title.trim() == heading;
            continue;
        }
        if !in_section {
            continue;
        }
        match (&mut current, line.trim_start()) {
            (None, "```hld") => current = Some(String::new()),
            (Some(_), "```") => snippets.extend(current.take()),
            (Some(text), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    snippets
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::findings;

    /// The doc sections every rule has, in this order (style.md §2).
    const SECTIONS: &[&str] = &["What it checks", "Why it matters", "Example", "Fixed"];
    const OPTIONAL: &[&str] = &["Known limits", "Configuration", "See also", "References"];

    #[test]
    fn every_rule_documents_the_sections_in_order() {
        for rule in RULES {
            let headings: Vec<&str> = rule
                .docs
                .lines()
                .filter_map(|line| line.trim_start().strip_prefix("## "))
                .collect();
            assert!(
                headings.len() >= SECTIONS.len() && headings[..SECTIONS.len()] == *SECTIONS,
                "{}: {headings:?}",
                rule.name
            );
            let rest = &headings[SECTIONS.len()..];
            let mut last = 0;
            for heading in rest {
                let position = OPTIONAL
                    .iter()
                    .position(|optional| optional == heading)
                    .unwrap_or_else(|| panic!("{}: unknown section {heading}", rule.name));
                assert!(position >= last, "{}: {heading} out of order", rule.name);
                last = position;
            }
            assert!(!rule.summary.ends_with('.'), "{}", rule.name);
        }
    }

    /// Every `## Example` fires its rule and every `## Fixed` does not.
    #[test]
    fn doc_examples_fire_and_fixes_are_quiet() {
        for rule in RULES {
            let examples = doc_snippets(rule.docs, "Example");
            let fixes = doc_snippets(rule.docs, "Fixed");
            assert_eq!(examples.len(), 1, "{}: one Example", rule.name);
            assert_eq!(fixes.len(), 1, "{}: one Fixed", rule.name);
            for example in &examples {
                let fired = findings(example);
                assert!(
                    fired.iter().any(|finding| finding.code == rule.name),
                    "{}: the Example does not fire it:\n{example}\n{fired:#?}",
                    rule.name
                );
            }
            for fix in &fixes {
                let fired: Vec<_> = findings(fix)
                    .into_iter()
                    .filter(|finding| finding.code == rule.name)
                    .collect();
                assert!(
                    fired.is_empty(),
                    "{}: the Fixed design fires it:\n{fix}\n{fired:#?}",
                    rule.name
                );
            }
        }
    }

    #[test]
    fn rules_are_sorted_and_unique() {
        let names: Vec<_> = rule_names().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
