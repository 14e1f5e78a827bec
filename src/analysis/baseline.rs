//! Matching findings across two runs, by rule, subject and message, never
//! by line (cli.md "Additions"): `hld check --baseline FILE` reports only
//! the findings not in FILE, and `hld diff` splits findings into new and
//! fixed the same way.
//!
//! Matching counts: two identical findings in the baseline excuse two in
//! the new run, not three. No IO: the CLI reads the file.

use std::collections::HashMap;

use crate::diagnostics::Diagnostic;

/// What identifies a finding across runs: its rule, its subject and its
/// message. Lines move when a design is edited; these do not.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FindingKey {
    pub rule: String,
    pub subject: Option<String>,
    pub message: String,
}

impl FindingKey {
    pub fn of(diagnostic: &Diagnostic) -> FindingKey {
        FindingKey {
            rule: diagnostic.code.clone(),
            subject: diagnostic.subject.clone(),
            message: diagnostic.message.clone(),
        }
    }
}

/// The findings of a previous run, as a multiset of keys.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    counts: HashMap<FindingKey, usize>,
}

impl Baseline {
    pub fn from_keys(keys: impl IntoIterator<Item = FindingKey>) -> Baseline {
        let mut counts = HashMap::new();
        for key in keys {
            *counts.entry(key).or_insert(0) += 1;
        }
        Baseline { counts }
    }

    /// Reads a previous `hld check --format json` document. The error says
    /// what is wrong with it in one clause.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| format!("it is not JSON ({error})"))?;
        let diagnostics = value
            .get("diagnostics")
            .and_then(serde_json::Value::as_array)
            .ok_or("it has no `diagnostics` list: it is not the output of `hld check --format json`")?;
        let mut keys = Vec::with_capacity(diagnostics.len());
        for (index, diagnostic) in diagnostics.iter().enumerate() {
            let field = |name: &str| diagnostic.get(name).and_then(serde_json::Value::as_str);
            let (Some(rule), Some(message)) = (field("rule"), field("message")) else {
                return Err(format!("diagnostic {index} has no `rule` or `message` string"));
            };
            keys.push(FindingKey {
                rule: rule.to_string(),
                subject: field("subject").map(str::to_string),
                message: message.to_string(),
            });
        }
        Ok(Baseline::from_keys(keys))
    }

    /// How many findings the baseline holds.
    pub fn len(&self) -> usize {
        self.counts.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes one occurrence of `key` out of the baseline: whether it was there.
    pub fn take(&mut self, key: &FindingKey) -> bool {
        match self.counts.get_mut(key) {
            Some(count) if *count > 0 => {
                *count -= 1;
                true
            }
            _ => false,
        }
    }

    /// The diagnostics not in the baseline, in their order. Each baseline
    /// entry excuses one diagnostic.
    pub fn filter(&mut self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        diagnostics
            .into_iter()
            .filter(|diagnostic| !self.take(&FindingKey::of(diagnostic)))
            .collect()
    }
}

/// Splits two runs' findings into those only in `after` (new) and those
/// only in `before` (fixed), matched by [`FindingKey`] and counted; both
/// keep their run's order. Returns indexes into the slices.
pub fn compare(before: &[Diagnostic], after: &[Diagnostic]) -> (Vec<usize>, Vec<usize>) {
    let mut old = Baseline::from_keys(before.iter().map(FindingKey::of));
    let new: Vec<usize> = (0..after.len())
        .filter(|&index| !old.take(&FindingKey::of(&after[index])))
        .collect();
    let mut current = Baseline::from_keys(after.iter().map(FindingKey::of));
    let fixed: Vec<usize> = (0..before.len())
        .filter(|&index| !current.take(&FindingKey::of(&before[index])))
        .collect();
    (new, fixed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Severity;

    fn finding(rule: &str, subject: &str, message: &str) -> Diagnostic {
        Diagnostic::new(rule, Severity::Warning, message).with_subject(subject)
    }

    #[test]
    fn a_baseline_excuses_each_finding_once() {
        let json = r#"{"version": 1, "diagnostics": [
            {"rule": "r", "message": "m", "subject": "a", "line": 3},
            {"rule": "r", "message": "m", "subject": "a", "line": 9}
        ], "summary": {}}"#;
        let mut baseline = Baseline::parse(json).unwrap();
        assert_eq!(baseline.len(), 2);
        let left = baseline.filter(vec![
            finding("r", "a", "m"),
            finding("r", "b", "m"),
            finding("r", "a", "m"),
            finding("r", "a", "m"),
        ]);
        let subjects: Vec<_> = left.iter().map(|d| d.subject.clone().unwrap()).collect();
        assert_eq!(subjects, ["b", "a"]);
    }

    #[test]
    fn a_document_that_is_not_a_check_report_is_refused() {
        assert!(Baseline::parse("[]").unwrap_err().contains("diagnostics"));
        assert!(Baseline::parse("{").unwrap_err().contains("not JSON"));
        assert!(Baseline::parse(r#"{"diagnostics": [{"rule": 1}]}"#).is_err());
    }

    #[test]
    fn compare_splits_new_and_fixed() {
        let before = [finding("r", "a", "m"), finding("s", "b", "m")];
        let after = [finding("s", "b", "m"), finding("t", "c", "m")];
        assert_eq!(compare(&before, &after), (vec![1], vec![0]));
    }
}
