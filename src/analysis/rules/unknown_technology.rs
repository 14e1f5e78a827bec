//! The `unknown-technology` rule: a component names a technology the knowledge base does not know.

use crate::analysis::{Context, Finding};
use crate::diagnostics::did_you_mean;
use crate::knowledge::KnowledgeBase;

declare_rule! {
    /// ## What it checks
    ///
    /// A component names a technology (`: name`) that the knowledge base does
    /// not know, or one it knows for other kinds only (`cache sessions :
    /// postgres`).
    ///
    /// ## Why it matters
    ///
    /// The technology supplies defaults: data model, CAP class, default
    /// consistency, latency, whether it is managed, its compose image. An
    /// unknown one gets the defaults of its kind, which may not be what the
    /// design means: a misspelt `postgress` is judged as an eventually
    /// consistent database, not a strong one.
    ///
    /// ## Example
    ///
    /// ```hld
    /// system shop {
    ///   database orders : postgress
    /// }
    /// ```
    ///
    /// ## Fixed
    ///
    /// ```hld
    /// system shop {
    ///   database orders : postgres
    /// }
    /// ```
    ///
    /// ## Known limits
    ///
    /// `hld rules` lists no technologies; the knowledge base is
    /// `src/knowledge/technologies.yaml`.
    pub static UNKNOWN_TECHNOLOGY = {
        name: "unknown-technology",
        severity: Warning,
        category: Resolution,
        summary: "a component names a technology the knowledge base does not know",
    };
}

fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    let base = KnowledgeBase::get();
    for id in cx.design.component_ids() {
        let component = cx.design.component(id);
        let Some((name, span)) = &component.technology_name else {
            continue;
        };
        if let Some(technology) = component.technology {
            if !technology.kinds.contains(&component.kind) {
                let kinds: Vec<&str> = technology.kinds.iter().map(|kind| kind.as_str()).collect();
                let alternatives: Vec<&str> = base
                    .technologies
                    .iter()
                    .filter(|other| other.kinds.first() == Some(&component.kind))
                    .map(|other| other.id.as_str())
                    .take(3)
                    .collect();
                let help = if alternatives.is_empty() {
                    format!("remove `: {name}`; the kind's defaults apply")
                } else {
                    format!(
                        "use a {} technology such as {}, or remove `: {name}`",
                        component.kind,
                        alternatives.join(", ")
                    )
                };
                out.push(
                    Finding::component(
                        cx.design,
                        id,
                        format!(
                            "{name} is a {} technology, not a {}",
                            kinds.join(" or "),
                            component.kind
                        ),
                    )
                    .at(*span)
                    .label("not this kind")
                    .help(help)
                    .note(format!("{} gets the defaults of a {}", component.id, component.kind)),
                );
            }
            continue;
        }
        let help = match did_you_mean(name, base.technology_names()) {
            Some(known) => format!("did you mean `{known}`?"),
            None => "use a known technology or leave it out; the kind's defaults apply".to_string(),
        };
        out.push(
            Finding::component(
                cx.design,
                id,
                format!("unknown technology `{name}` for {}", component.id),
            )
            .at(*span)
            .label("unknown technology")
            .help(help)
            .note(format!("{} gets the defaults of a {}", component.id, component.kind)),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::findings;

    fn help_for(technology: &str, kind: &str) -> Option<String> {
        let text = format!("system s {{\n  client u\n  {kind} x : {technology}\n  u -> x\n}}");
        findings(&text)
            .into_iter()
            .find(|diagnostic| diagnostic.code == "unknown-technology")
            .map(|diagnostic| diagnostic.help.unwrap_or_default())
    }

    #[test]
    fn the_knowledge_base_additions_are_known_and_suggested_when_misspelt() {
        // Issue 14's list of names people write and did not find.
        for (name, kind) in [
            ("dragonfly", "cache"),
            ("keydb", "cache"),
            ("redpanda", "queue"),
            ("nats_jetstream", "queue"),
            ("aws_api_gateway_websocket", "gateway"),
            ("cosmos_db", "database"),
            ("clickhouse", "database"),
        ] {
            assert_eq!(help_for(name, kind), None, "{name}");
        }
        for (misspelt, known) in [
            ("dragonfli", "dragonfly"),
            ("redpand", "redpanda"),
            ("keydbb", "keydb"),
            ("jetstrem", "jetstream"),
            ("clickhous", "clickhouse"),
        ] {
            let kind = if known == "redpanda" || known == "jetstream" {
                "queue"
            } else {
                "database"
            };
            assert_eq!(
                help_for(misspelt, kind).as_deref(),
                Some(format!("did you mean `{known}`?").as_str()),
                "{misspelt}"
            );
        }
    }
}
