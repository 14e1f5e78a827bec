//! `hld.yaml`: rule severities, `off`, thresholds and `fail_on` (rules.md,
//! "Configuration").
//!
//! ```yaml
//! rules:
//!   premature-sharding: off
//!   deep-sync-chain: { severity: error, max_hops: 4 }
//!   cache-hit-ratio-unset: warning
//! fail_on: warning
//! ```
//!
//! The CLI reads the file; this module parses text and validates names
//! against the rule catalog.

use std::collections::HashMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::rules;
use crate::diagnostics::{Diagnostic, Severity, codes, did_you_mean_help};
use crate::source::{FileId, Span};
use crate::syntax::ast::Unit;
use crate::syntax::lexical::parse_quantity;

/// Default of `deep-sync-chain.max_hops` (rules.md).
pub const DEFAULT_MAX_HOPS: u32 = 5;
/// Default of `premature-sharding.min_size`: 1TB = 10^12 bytes (rules.md).
pub const DEFAULT_MIN_SHARD_SIZE: f64 = 1e12;

/// Thresholds a rule can take, by rule name.
const THRESHOLDS: &[(&str, &str)] = &[("deep-sync-chain", "max_hops"), ("premature-sharding", "min_size")];

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Exit 1 when a finding is at or above this severity.
    pub fail_on: Severity,
    rules: HashMap<String, RuleConfig>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            fail_on: Severity::Error,
            rules: HashMap::new(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
struct RuleConfig {
    off: bool,
    severity: Option<Severity>,
    max_hops: Option<u32>,
    min_size: Option<f64>,
}

impl Config {
    /// The severity a rule reports at, or `None` when it is off.
    pub fn severity(&self, rule: &str, default: Severity) -> Option<Severity> {
        match self.rules.get(rule) {
            Some(config) if config.off => None,
            Some(config) => Some(config.severity.unwrap_or(default)),
            None => Some(default),
        }
    }

    /// A severity set in hld.yaml, overriding the rule's own choice.
    pub fn severity_override(&self, rule: &str) -> Option<Severity> {
        self.rules.get(rule).and_then(|config| config.severity)
    }

    pub fn max_hops(&self) -> u32 {
        self.rules
            .get("deep-sync-chain")
            .and_then(|config| config.max_hops)
            .unwrap_or(DEFAULT_MAX_HOPS)
    }

    pub fn min_shard_size(&self) -> f64 {
        self.rules
            .get("premature-sharding")
            .and_then(|config| config.min_size)
            .unwrap_or(DEFAULT_MIN_SHARD_SIZE)
    }

    /// Parses hld.yaml; `file` is its id in the caller's source map, for spans.
    pub fn parse(file: FileId, text: &str) -> Result<Config, Vec<Diagnostic>> {
        let raw: RawConfig = match serde_saphyr::from_str(text) {
            Ok(raw) => raw,
            Err(error) => return Err(vec![yaml_error(file, text, &error)]),
        };
        let mut config = Config::default();
        let mut errors = Vec::new();
        if let Some(fail_on) = raw.fail_on {
            match Severity::parse(&fail_on.value) {
                Some(severity) => config.fail_on = severity,
                None => errors.push(
                    Diagnostic::error(
                        codes::CONFIG_ERROR,
                        format!("unknown severity `{}` for `fail_on`", fail_on.value),
                    )
                    .at(span_of(file, text, &fail_on))
                    .with_help("`fail_on` is `error`, `warning` or `info`"),
                ),
            }
        }
        let mut entries: Vec<_> = raw.rules.into_iter().collect();
        entries.sort_by_key(|(name, _)| (name.referenced.line(), name.referenced.column()));
        for (name, setting) in entries {
            let span = span_of(file, text, &name);
            let Some(rule) = rules::rule(&name.value) else {
                let help = did_you_mean_help(&name.value, rules::rule_names())
                    .unwrap_or_else(|| "`hld rules` lists the rule names".to_string());
                errors.push(
                    Diagnostic::error(
                        codes::CONFIG_ERROR,
                        format!("unknown rule `{}` in hld.yaml", name.value),
                    )
                    .at(span)
                    .with_label("no such rule")
                    .with_help(help),
                );
                continue;
            };
            let mut rule_config = RuleConfig::default();
            let (severity, table) = match setting {
                RawRule::Switch(false) => (Some("off".to_string()), None),
                RawRule::Switch(true) => (None, None),
                RawRule::Word(word) => (Some(word), None),
                RawRule::Table(table) => (table.severity.clone(), Some(table)),
            };
            match severity.as_deref() {
                None => {}
                Some("off") => rule_config.off = true,
                Some(word) => match Severity::parse(word) {
                    Some(severity) => rule_config.severity = Some(severity),
                    None => errors.push(
                        Diagnostic::error(
                            codes::CONFIG_ERROR,
                            format!("unknown setting `{word}` for rule `{}`", rule.name),
                        )
                        .at(span)
                        .with_help("a rule is `off`, `error`, `warning` or `info`, or a table { severity: ..., ... }"),
                    ),
                },
            }
            if let Some(table) = table {
                let allowed: Vec<&str> = THRESHOLDS
                    .iter()
                    .filter(|(rule_name, _)| *rule_name == rule.name)
                    .map(|(_, key)| *key)
                    .collect();
                if let Some(max_hops) = table.max_hops {
                    if allowed.contains(&"max_hops") {
                        rule_config.max_hops = Some(max_hops);
                    } else {
                        errors.push(threshold_error(span, rule.name, "max_hops", &allowed));
                    }
                }
                if let Some(min_size) = table.min_size {
                    if !allowed.contains(&"min_size") {
                        errors.push(threshold_error(span, rule.name, "min_size", &allowed));
                    } else {
                        match min_size.bytes() {
                            Some(bytes) => rule_config.min_size = Some(bytes),
                            None => errors.push(
                                Diagnostic::error(codes::CONFIG_ERROR, "`min_size` must be a size such as 1TB")
                                    .at(span)
                                    .with_help("write a size with a unit: 500GB, 1TB, 2TB"),
                            ),
                        }
                    }
                }
            }
            config.rules.insert(rule.name.to_string(), rule_config);
        }
        if errors.is_empty() { Ok(config) } else { Err(errors) }
    }
}

fn threshold_error(span: Span, rule: &str, key: &str, allowed: &[&str]) -> Diagnostic {
    let help = if allowed.is_empty() {
        format!("`{rule}` takes only `severity`")
    } else {
        format!("`{rule}` takes `severity` and {}", crate::diagnostics::one_of(allowed))
    };
    Diagnostic::error(codes::CONFIG_ERROR, format!("`{rule}` has no threshold `{key}`"))
        .at(span)
        .with_help(help)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: HashMap<Spanned<String>, RawRule>,
    fail_on: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRule {
    /// `off` (and `no`, `false`), which YAML readers may take as a boolean.
    Switch(bool),
    Word(String),
    Table(RawRuleTable),
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleTable {
    severity: Option<String>,
    max_hops: Option<u32>,
    min_size: Option<SizeSetting>,
}

#[derive(Clone, Deserialize)]
#[serde(untagged)]
enum SizeSetting {
    Bytes(f64),
    Text(String),
}

impl SizeSetting {
    fn bytes(&self) -> Option<f64> {
        match self {
            SizeSetting::Bytes(bytes) if *bytes >= 0.0 => Some(*bytes),
            SizeSetting::Bytes(_) => None,
            SizeSetting::Text(text) => parse_quantity(text)
                .ok()
                .filter(|quantity| quantity.unit == Unit::Size)
                .map(|quantity| quantity.value),
        }
    }
}

fn span_of<T>(file: FileId, text: &str, spanned: &Spanned<T>) -> Span {
    let span = spanned.referenced.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(offset), Some(len)) => Span::new(file, offset as usize, (offset + len.max(1)) as usize),
        _ => line_span(file, text, spanned.referenced.line(), spanned.referenced.column()),
    }
}

fn line_span(file: FileId, text: &str, line: u64, column: u64) -> Span {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum();
    let start = (line_start + column.saturating_sub(1) as usize).min(text.len());
    Span::new(file, start, (start + 1).min(text.len()).max(start))
}

fn yaml_error(file: FileId, text: &str, error: &serde_saphyr::Error) -> Diagnostic {
    let message = error.to_string();
    let first = message.lines().next().unwrap_or("invalid hld.yaml").trim().to_string();
    let mut diagnostic = Diagnostic::error(codes::CONFIG_ERROR, format!("invalid hld.yaml: {first}"))
        .with_help("hld.yaml holds `rules:` (a rule name to `off`, a severity or a table) and `fail_on:`");
    if let Some(location) = error.location() {
        diagnostic = diagnostic.at(line_span(file, text, location.line(), location.column()));
    }
    diagnostic
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_rules_md_example() {
        let config = Config::parse(FileId(0), "rules:\n  unknown-technology: off\nfail_on: warning\n").unwrap();
        assert_eq!(config.fail_on, Severity::Warning);
        assert_eq!(config.severity("unknown-technology", Severity::Warning), None);
    }

    #[test]
    fn unknown_rules_get_a_did_you_mean() {
        let errors = Config::parse(FileId(0), "rules:\n  unknown-technolgy: error\n").unwrap_err();
        assert_eq!(errors[0].message, "unknown rule `unknown-technolgy` in hld.yaml");
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `unknown-technology`?"));
        let span = errors[0].span.unwrap();
        assert_eq!(span.start, 9);
    }
}
