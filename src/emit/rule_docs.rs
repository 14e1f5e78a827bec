//! Rule documentation from the rules' own metadata: `hld rules`, `hld rules
//! NAME`, docs/rules/NAME.md, docs/rules/README.md and the SARIF rule
//! descriptors all come from here, so they cannot drift.

use crate::analysis::rules::{Category, Rule};

/// The page of one rule, as in docs/rules/NAME.md.
pub fn markdown(rule: &Rule) -> String {
    let mut out = format!(
        "# {}\n\nDefault severity: **{}**. Category: {}.\n\n{}\n\n",
        rule.name,
        rule.severity,
        rule.category.title(),
        rule.summary
    );
    for line in doc_lines(rule) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Doc comments keep the space after `///`: drop one leading space per line.
fn doc_lines(rule: &Rule) -> impl Iterator<Item = &str> {
    rule.docs.lines().map(|line| line.strip_prefix(' ').unwrap_or(line))
}

/// The first paragraph of "What it checks", on one line.
pub fn first_paragraph(rule: &Rule) -> Option<String> {
    let mut lines = doc_lines(rule)
        .skip_while(|line| !line.starts_with("## What it checks"))
        .skip(1)
        .skip_while(|line| line.trim().is_empty());
    let mut paragraph = Vec::new();
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            break;
        }
        paragraph.push(line.trim());
    }
    (!paragraph.is_empty()).then(|| paragraph.join(" "))
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

/// docs/rules/README.md: every rule by category, with its severity and
/// summary.
pub fn index(rules: &[&Rule]) -> String {
    const ORDER: [Category; 8] = [
        Category::Availability,
        Category::Consistency,
        Category::Caching,
        Category::Async,
        Category::Traffic,
        Category::Partitioning,
        Category::Structure,
        Category::Resolution,
    ];
    let mut out = String::from(
        "# Rules\n\nGenerated from the rules' metadata (`hld rules`); do not edit. `allow = [NAME]` on a \
         component, link or flow suppresses a rule there; `hld.yaml` sets severities and thresholds.\n",
    );
    for category in ORDER {
        let in_category: Vec<&&Rule> = rules.iter().filter(|rule| rule.category == category).collect();
        if in_category.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n## {}\n\n| rule | severity | what it finds |\n|---|---|---|\n",
            category.title()
        ));
        for rule in in_category {
            out.push_str(&format!(
                "| [`{0}`]({0}.md) | {1} | {2} |\n",
                rule.name, rule.severity, rule.summary
            ));
        }
    }
    out
}
