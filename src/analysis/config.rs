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
use crate::units::{Unit, parse_quantity};

/// Default of `deep-sync-chain.max_hops` (rules.md).
pub const DEFAULT_MAX_HOPS: u32 = 5;
/// Default of `premature-sharding.min_size`: 1TB = 10^12 bytes (rules.md).
pub const DEFAULT_MIN_SHARD_SIZE: f64 = 1e12;

/// Default of `retry-amplification.max_factor` (rules.md).
pub const DEFAULT_MAX_RETRY_FACTOR: u32 = 8;

/// Thresholds a rule can take, by rule name.
const THRESHOLDS: &[(&str, &str)] = &[
    ("deep-sync-chain", "max_hops"),
    ("premature-sharding", "min_size"),
    ("retry-amplification", "max_factor"),
];

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
    max_factor: Option<u32>,
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

    /// `retry-amplification.max_factor`: how many calls one request may
    /// become on a failing callee before the rule fires.
    pub fn max_retry_factor(&self) -> u32 {
        self.rules
            .get("retry-amplification")
            .and_then(|config| config.max_factor)
            .unwrap_or(DEFAULT_MAX_RETRY_FACTOR)
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
            let value_span = span_of(file, text, &setting);
            let rule_config = rule_setting(rule.name, &setting.value, value_span, &mut errors);
            config.rules.insert(rule.name.to_string(), rule_config);
        }
        if errors.is_empty() { Ok(config) } else { Err(errors) }
    }
}

/// One rule's entry: `off`, a severity, or a table of `severity` and the
/// rule's thresholds. Checked by hand, so a typo gets a did-you-mean and its
/// own span rather than a serde message.
fn rule_setting(rule: &str, value: &serde_json::Value, span: Span, errors: &mut Vec<Diagnostic>) -> RuleConfig {
    use serde_json::Value;
    let mut config = RuleConfig::default();
    let severity = |word: &str, config: &mut RuleConfig, errors: &mut Vec<Diagnostic>| {
        if word == "off" {
            config.off = true;
            return;
        }
        match Severity::parse(word) {
            Some(severity) => config.severity = Some(severity),
            None => {
                let words = ["off", "error", "warning", "info"];
                let help = match did_you_mean_help(word, words) {
                    Some(suggestion) => format!("{suggestion} a rule is `off`, `error`, `warning` or `info`"),
                    None => "a rule is `off`, `error`, `warning` or `info`".to_string(),
                };
                errors.push(
                    Diagnostic::error(
                        codes::CONFIG_ERROR,
                        format!("unknown setting `{word}` for rule `{rule}`"),
                    )
                    .at(span)
                    .with_label("not a severity")
                    .with_help(help),
                );
            }
        }
    };
    match value {
        // `off` and `no` may reach us as YAML 1.1 booleans.
        Value::Bool(false) => config.off = true,
        Value::Bool(true) | Value::Null => {}
        Value::String(word) => severity(word, &mut config, errors),
        Value::Object(table) => {
            let thresholds: Vec<&str> = THRESHOLDS
                .iter()
                .filter(|(name, _)| *name == rule)
                .map(|(_, key)| *key)
                .collect();
            for (key, entry) in table {
                match (key.as_str(), entry) {
                    ("severity", Value::String(word)) => severity(word, &mut config, errors),
                    ("severity", Value::Bool(false)) => config.off = true,
                    ("max_hops", _) if thresholds.contains(&"max_hops") => {
                        match entry.as_u64().and_then(|hops| u32::try_from(hops).ok()) {
                            Some(hops) => config.max_hops = Some(hops),
                            None => errors.push(
                                Diagnostic::error(codes::CONFIG_ERROR, "`max_hops` must be a whole number such as 4")
                                    .at(span)
                                    .with_help("write `max_hops: 4`"),
                            ),
                        }
                    }
                    ("max_factor", _) if thresholds.contains(&"max_factor") => {
                        match entry
                            .as_u64()
                            .and_then(|factor| u32::try_from(factor).ok())
                            .filter(|factor| *factor >= 2)
                        {
                            Some(factor) => config.max_factor = Some(factor),
                            None => errors.push(
                                Diagnostic::error(
                                    codes::CONFIG_ERROR,
                                    "`max_factor` must be a whole number of at least 2 such as 8",
                                )
                                .at(span)
                                .with_help("write `max_factor: 8`"),
                            ),
                        }
                    }
                    ("min_size", _) if thresholds.contains(&"min_size") => {
                        let bytes = match entry {
                            Value::Number(number) => number.as_f64().map(SizeSetting::Bytes),
                            Value::String(text) => Some(SizeSetting::Text(text.clone())),
                            _ => None,
                        }
                        .and_then(|setting| setting.bytes());
                        match bytes {
                            Some(bytes) => config.min_size = Some(bytes),
                            None => errors.push(
                                Diagnostic::error(codes::CONFIG_ERROR, "`min_size` must be a size such as 1TB")
                                    .at(span)
                                    .with_help("write a size with a unit: 500GB, 1TB, 2TB"),
                            ),
                        }
                    }
                    ("severity", _) => errors.push(
                        Diagnostic::error(codes::CONFIG_ERROR, format!("`severity` of `{rule}` must be a word"))
                            .at(span)
                            .with_help("write `severity: warning` (or `off`, `error`, `info`)"),
                    ),
                    (other, _) => {
                        let mut allowed = vec!["severity"];
                        allowed.extend(&thresholds);
                        let help = did_you_mean_help(other, allowed.iter().copied())
                            .map(|suggestion| format!("{suggestion} "))
                            .unwrap_or_default();
                        errors.push(
                            Diagnostic::error(codes::CONFIG_ERROR, format!("`{rule}` has no threshold `{other}`"))
                                .at(span)
                                .with_help(format!("{help}`{rule}` takes {}", crate::diagnostics::one_of(&allowed))),
                        );
                    }
                }
            }
        }
        _ => errors.push(
            Diagnostic::error(
                codes::CONFIG_ERROR,
                format!("`{rule}` takes `off`, a severity or a table"),
            )
            .at(span)
            .with_help("write `off`, `warning`, or `{ severity: error, ... }`"),
        ),
    }
    config
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: HashMap<Spanned<String>, Spanned<serde_json::Value>>,
    fail_on: Option<Spanned<String>>,
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
    // Lines end as everywhere else (LF, CRLF or a lone CR; YAML agrees).
    let line_start = crate::source::offset_of_line(text, usize::try_from(line).unwrap_or(usize::MAX));
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

#[cfg(test)]
mod setting_tests {
    use super::*;

    fn errors(yaml: &str) -> Vec<(String, Option<String>)> {
        Config::parse(FileId(0), yaml)
            .unwrap_err()
            .into_iter()
            .map(|error| (error.message, error.help))
            .collect()
    }

    #[test]
    fn typos_in_settings_get_a_did_you_mean() {
        let found = errors("rules:\n  deep-sync-chain: { max_hop: 3 }\n");
        assert_eq!(found[0].0, "`deep-sync-chain` has no threshold `max_hop`");
        assert!(
            found[0].1.as_deref().unwrap().starts_with("did you mean `max_hops`?"),
            "{found:?}"
        );
        let found = errors("rules:\n  deep-sync-chain: { severity: eror }\n");
        assert_eq!(found[0].0, "unknown setting `eror` for rule `deep-sync-chain`");
        assert!(
            found[0].1.as_deref().unwrap().starts_with("did you mean `error`?"),
            "{found:?}"
        );
        let found = errors("rules:\n  premature-sharding: { min_size: big }\n");
        assert_eq!(found[0].0, "`min_size` must be a size such as 1TB");
        let found = errors("rules:\n  retry-amplification: { max_factor: 1 }\n");
        assert_eq!(
            found[0].0,
            "`max_factor` must be a whole number of at least 2 such as 8"
        );
        let found = errors("rules:\n  shared-database: [1, 2]\n");
        assert_eq!(found[0].0, "`shared-database` takes `off`, a severity or a table");
    }

    #[test]
    fn thresholds_apply() {
        let config = Config::parse(
            FileId(0),
            "rules:\n  deep-sync-chain: { severity: error, max_hops: 4 }\n  premature-sharding: { min_size: 2TB }\n  retry-amplification: { max_factor: 16 }\n  shared-database: off\n",
        )
        .unwrap();
        assert_eq!(config.max_hops(), 4);
        assert_eq!(config.max_retry_factor(), 16);
        assert_eq!(Config::default().max_retry_factor(), 8);
        assert_eq!(config.min_shard_size(), 2e12);
        assert_eq!(
            config.severity("deep-sync-chain", Severity::Warning),
            Some(Severity::Error)
        );
        assert_eq!(config.severity("shared-database", Severity::Warning), None);
    }
}
