//! Rule documentation from the rules' own metadata: `hld rules`, `hld rules
//! NAME` and docs/rules/NAME.md all come from here, so they cannot drift.

use crate::analysis::rules::Rule;

/// The page of one rule, as in docs/rules/NAME.md.
pub fn markdown(rule: &Rule) -> String {
    let mut out = format!(
        "# {}\n\nDefault severity: **{}**. Category: {}.\n\n{}\n\n",
        rule.name,
        rule.severity,
        rule.category.title(),
        rule.summary
    );
    // Doc comments keep the space after `///`; drop one leading space per line.
    for line in rule.docs.lines() {
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
    out
}

/// `hld rules`: one line per rule, aligned.
pub fn catalog(rules: &[&Rule]) -> String {
    let width = rules.iter().map(|rule| rule.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for rule in rules {
        out.push_str(&format!(
            "{:width$}  {:7}  {}\n",
            rule.name,
            rule.severity.as_str(),
            rule.summary,
            width = width
        ));
    }
    out
}
