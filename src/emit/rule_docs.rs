//! Rule documentation from the rules' own metadata: `hld rules`, `hld rules
//! NAME`, docs/rules/NAME.md, docs/rules/README.md and the SARIF rule
//! descriptors all come from here, so they cannot drift.

use crate::analysis::rules::{Category, Rule};
use crate::knowledge::sources::Sources;

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
        out.push_str(&cite(line));
        out.push('\n');
    }
    out
}

/// A doc line with each knowledge-base source key (`[SDP]`) as a Markdown
/// link to its public source: the docs keep the keys as data, a reader
/// gets a title and an address.
fn cite(line: &str) -> String {
    let table = Sources::get();
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else {
            break;
        };
        out.push_str(&rest[..open]);
        match table.source(&after[..close]) {
            // Not followed by `(`: a key, not already a link.
            Some(source) if !after[close + 1..].starts_with('(') => {
                out.push_str(&format!("[{}]({})", source.title, source.url));
            }
            _ => out.push_str(&rest[open..=open + close + 1]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
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
    const ORDER: [Category; 9] = [
        Category::Availability,
        Category::Consistency,
        Category::Caching,
        Category::Async,
        Category::Traffic,
        Category::Partitioning,
        Category::Structure,
        Category::Load,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_keys_become_links_to_public_sources() {
        assert_eq!(
            cite("Failover; [SDP], [x] and [a](b)."),
            "Failover; [The System Design Primer (donnemartin/system-design-primer)](https://github.com/donnemartin/system-design-primer), [x] and [a](b)."
        );
        for rule in crate::analysis::rules::RULES {
            let page = markdown(rule);
            assert!(!page.contains("knowledge.md") && !page.contains('§'), "{}", rule.name);
        }
    }
}
