//! `textDocument/completion`, from the text alone (a design being typed
//! rarely compiles): what surrounds the cursor (`syntax::cst::surroundings`)
//! says which list applies.
//! - a new line in a file, `system` or `region`: kinds, keywords, the
//!   component ids (to start a link), snippets, and in an empty file the
//!   `hld init` templates;
//! - after `kind id :`: the knowledge base's technologies, those of the
//!   kind first;
//! - in a block: the properties of that component's kind, of a link, a
//!   flow, a `call` or an `slo`;
//! - after `name =`: the property's values (an enumeration, `true` and
//!   `false`, the example of a tagged block, region or queue ids);
//! - after `->`, `path =` or `call`: component ids;
//! - in `allow = [...]`: rule names.

use serde_json::{Value, json};

use crate::analysis::rules::RULES;
use crate::knowledge::KnowledgeBase;
use crate::model::Kind;
use crate::model::schema::{
    COMPONENT_PROPERTIES, FLOW_PROPERTIES, LINK_PROPERTIES, PropertySpec, SLO_PROPERTIES, ValueType,
};
use crate::syntax::cst::{self, Bracket};

// LSP CompletionItemKind.
const PROPERTY: u32 = 10;
const VALUE: u32 = 12;
const ENUM_MEMBER: u32 = 20;
const KEYWORD: u32 = 14;
const SNIPPET: u32 = 15;
const CLASS: u32 = 7;
const REFERENCE: u32 = 18;
const MODULE: u32 = 9;

const CALL_PROPERTIES: &[&str] = &["op", "requires", "allow"];

fn item(label: &str, kind: u32, detail: &str) -> Value {
    json!({ "label": label, "kind": kind, "detail": detail })
}

fn snippet(label: &str, detail: &str, body: &str) -> Value {
    json!({ "label": label, "kind": SNIPPET, "detail": detail, "insertText": body, "insertTextFormat": 2 })
}

/// The completion items at `offset` of `text`.
pub fn complete(text: &str, offset: usize) -> Vec<Value> {
    let surroundings = cst::surroundings(text, offset);
    if surroundings.in_comment {
        return Vec::new();
    }
    let mut entry = surroundings.entry.clone();
    // The word being typed is what the items replace, not context.
    let typing = text[..offset.min(text.len())]
        .chars()
        .next_back()
        .is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
    if typing {
        entry.pop();
    }
    let entry: Vec<&str> = entry.iter().map(String::as_str).collect();
    let opener = surroundings.openers.last();
    // After `->`, `path =` or `call`: component ids, wherever.
    if matches!(entry.last(), Some(&"->")) || entry == ["path", "="] || entry == ["call"] {
        return component_ids(text);
    }
    match opener {
        None => declarations(text, &entry, true),
        Some((opened_by, Bracket::Square)) => match opened_by.first().map(String::as_str) {
            Some("allow") => RULES
                .iter()
                .map(|rule| item(rule.name, ENUM_MEMBER, rule.summary))
                .collect(),
            _ => Vec::new(),
        },
        Some((opened_by, _)) => {
            let opened_by: Vec<&str> = opened_by.iter().map(String::as_str).collect();
            block(text, &opened_by, &entry)
        }
    }
}

/// Inside a `{ }`: what the entry that opened it takes.
fn block(text: &str, opened_by: &[&str], entry: &[&str]) -> Vec<Value> {
    match opened_by.first().copied() {
        Some("system" | "region") => declarations(text, entry, false),
        Some("flow") => properties(
            FLOW_PROPERTIES,
            None,
            text,
            entry,
            &[("call", "a step of the call tree"), ("parallel", "calls made at once")],
        ),
        Some("parallel") => vec![item("call", KEYWORD, "a step of the call tree")],
        Some("call") => {
            let call: Vec<PropertySpec> = LINK_PROPERTIES
                .iter()
                .filter(|spec| CALL_PROPERTIES.contains(&spec.name))
                .copied()
                .collect();
            properties(&call, None, text, entry, &[])
        }
        Some("slo") => properties(SLO_PROPERTIES, None, text, entry, &[]),
        Some(first) if opened_by.contains(&"->") => {
            let _ = first;
            properties(LINK_PROPERTIES, None, text, entry, &[])
        }
        Some(first) => match Kind::parse(first) {
            Some(kind) => properties(COMPONENT_PROPERTIES, Some(kind), text, entry, &[]),
            // `slo = {` in a flow, or a tagged block's fields: no list.
            None if opened_by.get(1) == Some(&"=") && first == "slo" => {
                properties(SLO_PROPERTIES, None, text, entry, &[])
            }
            None => Vec::new(),
        },
        None => Vec::new(),
    }
}

/// A new declaration, or the technology after `kind id :`.
fn declarations(text: &str, entry: &[&str], top_level: bool) -> Vec<Value> {
    if let [kind, _, rest @ ..] = entry
        && rest.last() == Some(&":")
    {
        return technologies(Kind::parse(kind));
    }
    if !entry.is_empty() {
        return Vec::new();
    }
    let mut items: Vec<Value> = Kind::ALL
        .iter()
        .map(|kind| item(kind.as_str(), CLASS, "component kind"))
        .collect();
    items.push(snippet(
        "flow",
        "a request's path through the design",
        "flow ${1:name} {\n\tpath = ${2:client} -> ${3:service}\n\trps = ${4:100}\n}",
    ));
    items.push(snippet(
        "region",
        "components deployed in one place",
        "region ${1:name} {\n\t$0\n}",
    ));
    items.push(snippet(
        "slo",
        "the system's objectives",
        "slo { availability = ${1:99.9%}, p99 = ${2:200ms} }",
    ));
    items.push(snippet(
        "rtt",
        "round trip between two regions",
        "rtt ${1:a} <-> ${2:b} = ${3:80ms}",
    ));
    items.push(snippet(
        "import",
        "another design file",
        "import \"${1:parts/common.hld}\"",
    ));
    items.push(snippet("link", "a -> b", "${1:from} -> ${2:to}"));
    if top_level {
        items.push(snippet("system", "a design", "system ${1:name} {\n\t$0\n}"));
        if text.trim().is_empty() {
            for template in crate::init::TEMPLATES {
                items.push(json!({
                    "label": format!("template: {}", template.name),
                    "kind": MODULE,
                    "detail": template.title,
                    "documentation": template.description,
                    "insertText": template.text,
                    "insertTextFormat": 1,
                }));
            }
        }
    }
    items.extend(component_ids(text));
    items
}

/// The technologies of the knowledge base, those whose first kind is
/// `kind` first.
fn technologies(kind: Option<Kind>) -> Vec<Value> {
    let base = KnowledgeBase::get();
    base.technologies
        .iter()
        .map(|technology| {
            let fits = kind.is_none_or(|kind| technology.kinds.contains(&kind));
            let kinds: Vec<&str> = technology.kinds.iter().map(|kind| kind.as_str()).collect();
            json!({
                "label": technology.id,
                "kind": VALUE,
                "detail": format!("{} ({})", technology.name, kinds.join(", ")),
                "sortText": format!("{}{}", if fits { 0 } else { 1 }, technology.id),
            })
        })
        .collect()
}

/// A block's property names, or after `name =` that property's values.
fn properties(
    table: &[PropertySpec],
    kind: Option<Kind>,
    text: &str,
    entry: &[&str],
    keywords: &[(&str, &str)],
) -> Vec<Value> {
    if let [name, "="] = entry {
        return table
            .iter()
            .find(|spec| spec.name == *name && kind.is_none_or(|kind| spec.applies_to(kind)))
            .map(|spec| values(spec, text))
            .unwrap_or_default();
    }
    if !entry.is_empty() {
        return Vec::new();
    }
    let mut items: Vec<Value> = table
        .iter()
        .filter(|spec| kind.is_none_or(|kind| spec.applies_to(kind)))
        .map(|spec| {
            json!({
                "label": spec.name,
                "kind": PROPERTY,
                "detail": spec.ty.describe(),
                "documentation": format!("{} (default: {})", spec.doc, spec.default),
                "insertText": format!("{} = ", spec.name),
            })
        })
        .collect();
    items.extend(keywords.iter().map(|(keyword, detail)| item(keyword, KEYWORD, detail)));
    items
}

fn values(spec: &PropertySpec, text: &str) -> Vec<Value> {
    match spec.ty {
        ValueType::Enum(values) => values.iter().map(|value| item(value, ENUM_MEMBER, spec.name)).collect(),
        ValueType::Bool => ["true", "false"]
            .iter()
            .map(|value| item(value, ENUM_MEMBER, spec.name))
            .collect(),
        ValueType::DeadLetter => {
            let mut items: Vec<Value> = ["true", "false"]
                .iter()
                .map(|value| item(value, ENUM_MEMBER, spec.name))
                .collect();
            items.extend(
                declared(text, Some("queue"))
                    .into_iter()
                    .map(|id| item(&id, REFERENCE, "a queue")),
            );
            items
        }
        ValueType::Region => declared(text, Some("region"))
            .into_iter()
            .map(|id| item(&id, REFERENCE, "a region"))
            .collect(),
        ValueType::RateLimit | ValueType::Replication | ValueType::Shard | ValueType::Slo | ValueType::Latency => {
            vec![json!({ "label": spec.ty.example(), "kind": SNIPPET, "detail": spec.ty.describe() })]
        }
        _ => Vec::new(),
    }
}

/// The component ids the text declares.
fn component_ids(text: &str) -> Vec<Value> {
    declared(text, None)
        .into_iter()
        .map(|id| item(&id, REFERENCE, "component"))
        .collect()
}

/// Ids declared as `word id`: components of any kind (`None`; from the
/// lossless tree when the brackets pair up), or, line by line so a file
/// being typed still offers them, components of one kind or regions
/// (`Some("region")`).
fn declared(text: &str, keyword: Option<&str>) -> Vec<String> {
    // A file being typed has brackets still open: closed here, it parses.
    let closers: String = cst::surroundings(text, text.len())
        .openers
        .iter()
        .rev()
        .map(|(_, bracket)| if *bracket == Bracket::Square { ']' } else { '}' })
        .collect();
    if keyword.is_none()
        && let Ok(tree) = cst::parse(&format!("{text}\n{closers}"))
    {
        let mut ids: Vec<String> = cst::component_names(&tree)
            .into_iter()
            .filter(|name| name.declaration)
            .map(|name| name.name)
            .collect();
        ids.sort();
        ids.dedup();
        return ids;
    }
    let mut ids: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let mut words = line
                .split(|ch: char| ch.is_whitespace() || "{:\"".contains(ch))
                .filter(|word| !word.is_empty());
            let first = words.next()?;
            let id = words.next()?;
            let wanted = match keyword {
                Some(keyword) => first == keyword,
                None => Kind::parse(first).is_some(),
            };
            (wanted && cst::is_ident(id)).then(|| id.to_string())
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        complete(text, text.len())
            .iter()
            .map(|item| item["label"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn each_place_gets_its_list() {
        let design = "system s {\n  client users\n  queue jobs\n  service api {\n    ";
        let properties = labels(design);
        assert!(properties.contains(&"replicas".to_string()) && !properties.contains(&"partitions".to_string()));
        assert!(labels("system s {\n  cache c : re").contains(&"redis".to_string()));
        let values = labels("system s {\n  cache c { eviction = ");
        assert!(values.contains(&"lru".to_string()), "{values:?}");
        let ids = labels("system s {\n  client users\n  service api\n  users -> ");
        assert_eq!(ids, ["api", "users"]);
        let rules = labels("system s {\n  service api { allow = [missing-ra");
        assert!(rules.contains(&"missing-rate-limit".to_string()));
        let flow = labels("system s {\n  flow f {\n    ");
        assert!(flow.contains(&"path".to_string()) && flow.contains(&"call".to_string()));
        let call = labels("system s {\n  flow f {\n    call a -> b { ");
        assert_eq!(call, ["op", "requires", "allow"]);
        assert!(labels("system s {\n  // the api ").is_empty());
        assert!(labels("system s {\n  region eu { service x }\n  a -> ").contains(&"x".to_string()));
        let top = labels("system s {\n  ");
        assert!(top.contains(&"service".to_string()) && top.contains(&"flow".to_string()));
        assert!(labels("").iter().any(|label| label == "template: url-shortener"));
        let link = labels("system s {\n  a -> b { ");
        assert!(link.contains(&"timeout".to_string()), "{link:?}");
    }
}
