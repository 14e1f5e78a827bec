//! docs/language.md's table of technologies is generated from the knowledge
//! base (`src/knowledge/technologies.yaml`), so it never drifts:
//! `HLD_UPDATE_DOCS=1 cargo test --test it knowledge_docs` rewrites it.

use crate::common;

use hld::knowledge::{KnowledgeBase, Technology};

const HEADER: &str = "| technology | also written | kinds | data model | CAP | consistency | delivery | managed | p50 / p99 | published availability |\n|---|---|---|---|---|---|---|---|---|---|\n";

fn code_or_dash(text: Option<&str>) -> String {
    text.map_or_else(|| "—".to_string(), |text| format!("`{text}`"))
}

/// `500us`, `5ms`, `1.5s`: as the knowledge base writes durations.
fn duration(ms: f64) -> String {
    if ms < 1.0 {
        format!("{}us", (ms * 1000.0).round())
    } else if ms < 1000.0 {
        format!("{ms}ms")
    } else {
        format!("{}s", ms / 1000.0)
    }
}

fn percentage(fraction: f64) -> String {
    let text = format!("{:.4}", fraction * 100.0);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

fn row(technology: &Technology) -> String {
    let aliases = if technology.aliases.is_empty() {
        "—".to_string()
    } else {
        technology
            .aliases
            .iter()
            .map(|alias| format!("`{alias}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kinds: Vec<&str> = technology.kinds.iter().map(|kind| kind.as_str()).collect();
    format!(
        "| `{}` | {aliases} | {} | {} | {} | {} | {} | {} | {} / {} | {} |\n",
        technology.id,
        kinds.join(", "),
        code_or_dash(technology.data_model.map(|model| model.as_str())),
        code_or_dash(technology.cap.map(|cap| cap.as_str())),
        code_or_dash(technology.consistency.map(|consistency| consistency.as_str())),
        code_or_dash(technology.delivery.map(|delivery| delivery.as_str())),
        if technology.managed { "yes" } else { "no" },
        duration(technology.latency.p50),
        duration(technology.latency.p99),
        technology
            .availability
            .value
            .map_or_else(|| "—".to_string(), percentage),
    )
}

#[test]
fn the_technology_table_is_the_knowledge_base() {
    let path = common::repo().join("docs/language.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let table: String = std::iter::once(HEADER.to_string())
        .chain(KnowledgeBase::get().technologies.iter().map(row))
        .collect();
    let start = text
        .find("| technology | also written |")
        .expect("docs/language.md has the technology table");
    let end = text[start..]
        .find("\n\n")
        .map_or(text.len(), |offset| start + offset + 1);
    if std::env::var_os("HLD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, format!("{}{table}{}", &text[..start], &text[end..])).unwrap();
        return;
    }
    assert!(
        text[start..end] == table,
        "docs/language.md's technology table is out of date; run `HLD_UPDATE_DOCS=1 cargo test --test it knowledge_docs`"
    );
}
