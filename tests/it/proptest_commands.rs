//! Property tests over random valid designs: no command panics, and the
//! emitters never write an unescaped id or label (issue 7).

use hld::analysis::{self, Config};
use hld::emit::{compose, design_json, diagram::Highlights, dot, mermaid, sequence};
use hld::estimate;
use hld::model::Design;
use hld::model::load::{Input, Limits, MemoryLoader, compile};
use proptest::prelude::*;

const KINDS: &[&str] = &[
    "dns",
    "cdn",
    "load_balancer",
    "gateway",
    "service",
    "worker",
    "cache",
    "database",
    "queue",
    "object_store",
    "search",
    "external",
];

/// Ids that are keywords somewhere: Mermaid (`end`, `graph`, ...), compose,
/// YAML; all valid hld ids.
const IDS: &[&str] = &[
    "end",
    "graph",
    "subgraph",
    "style",
    "class",
    "classDef",
    "click",
    "default",
    "linkStyle",
    "flowchart",
    "alt",
    "else",
    "loop",
    "note",
    "participant",
    "yes",
    "no",
    "null",
    "true_",
    "API",
    "Db2",
    "_x",
    "a_b_c",
    "x1",
];

const LABELS: &[&str] = &[
    "plain",
    "with \\\"quotes\\\"",
    "<b>html</b> & more",
    "#hash; semi;",
    "%% not a comment",
    "café ☕ unicode",
    "[brackets] {braces} (parens)",
    "`tick` |pipe|",
    "end",
    "line\\nbreak",
    "%%{init: {'theme':'forest'}}%%",
    "\x1b]0;PWNED\x07 \u{202e}rtl",
];

const TECHNOLOGIES: &[&str] = &[
    "",
    "redis",
    "postgres",
    "cassandra",
    "kafka",
    "rabbitmq",
    "nginx",
    "haproxy",
    "s3",
    "cloudfront",
    "elasticsearch",
    "mongodb",
    "dynamodb",
    "memcached",
    "unknowntech",
];

#[derive(Clone, Debug)]
struct Spec {
    kinds: Vec<usize>,
    labels: Vec<Option<usize>>,
    technologies: Vec<usize>,
    replicas: Vec<u32>,
    links: Vec<(usize, usize, bool)>,
    walks: Vec<Vec<usize>>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (2usize..10).prop_flat_map(|count| {
        (
            prop::collection::vec(0..KINDS.len(), count),
            prop::collection::vec(prop::option::of(0..LABELS.len()), count),
            prop::collection::vec(0..TECHNOLOGIES.len(), count),
            prop::collection::vec(1u32..4, count),
            prop::collection::vec((0..count, 0..count, any::<bool>()), 0..count * 2),
            prop::collection::vec(prop::collection::vec(0..count, 1..6), 0..4),
        )
            .prop_map(|(kinds, labels, technologies, replicas, links, walks)| Spec {
                kinds,
                labels,
                technologies,
                replicas,
                links,
                walks,
            })
    })
}

/// The design text: a client, the components, the links, and flows that
/// follow declared links from the client.
fn design_text(spec: &Spec) -> String {
    let mut text = String::from(
        "system generated \"a <test> & \\\"quote\\\"\" {\n  client users \"users \\\"u\\\"\" { rps = 100 }\n",
    );
    let count = spec.kinds.len();
    for idx in 0..count {
        let kind = KINDS[spec.kinds[idx]];
        let id = IDS[idx % IDS.len()];
        let label = spec.labels[idx]
            .map(|label| format!(" \"{}\"", LABELS[label]))
            .unwrap_or_default();
        let technology = match TECHNOLOGIES[spec.technologies[idx]] {
            "" => String::new(),
            name => format!(" : {name}"),
        };
        let replicas = if kind == "database" {
            String::new()
        } else {
            format!(" {{ replicas = {} }}", spec.replicas[idx])
        };
        text.push_str(&format!("  {kind} {id}{label}{technology}{replicas}\n"));
    }
    let mut declared = std::collections::BTreeSet::new();
    text.push_str(&format!("  users -> {}\n", IDS[0]));
    declared.insert((usize::MAX, 0));
    for &(from, to, is_async) in &spec.links {
        if from != to && declared.insert((from, to)) {
            let mode = if is_async { " { mode = async }" } else { "" };
            text.push_str(&format!(
                "  {} -> {}{mode}\n",
                IDS[from % IDS.len()],
                IDS[to % IDS.len()]
            ));
        }
    }
    for (flow_idx, walk) in spec.walks.iter().enumerate() {
        // Follow declared links only, starting at the client's target.
        let mut path = vec![0usize];
        for &next in walk {
            let last = *path.last().unwrap_or(&0);
            if declared.contains(&(last, next)) && !path.contains(&next) {
                path.push(next);
            }
        }
        let mut names = vec!["users".to_string()];
        names.extend(path.iter().map(|idx| IDS[idx % IDS.len()].to_string()));
        text.push_str(&format!("  flow f{flow_idx} {{ path = {} }}\n", names.join(" -> ")));
    }
    text.push_str("}\n");
    text
}

fn resolve(text: &str) -> Option<Design> {
    let input = Input {
        name: "prop.hld".to_string(),
        path: None,
        key: None,
        bytes: text.as_bytes().to_vec(),
    };
    compile(input, &MemoryLoader::default(), &Limits::default()).design
}

/// Inside every `"..."` of a Mermaid line: no raw quote or angle bracket
/// (line breaks are written `<br/>`), no `%`, `{` or `}` that could form a
/// directive, no control character or bidi override.
fn mermaid_labels_are_escaped(text: &str) -> Result<(), String> {
    for line in text.lines() {
        let Some(open) = line.find('"') else { continue };
        let Some(close) = line.rfind('"') else { continue };
        if close <= open {
            continue;
        }
        let inner = line[open + 1..close].replace("<br/>", "");
        // Between two labels on one line (an edge label) sits `|`.
        for part in inner.split("\"| ") {
            if part.contains(['<', '>']) {
                return Err(format!("unescaped markup: {line}"));
            }
            // No directive (`%%{init: ...}%%`) and no hidden character.
            if part.contains(['%', '{', '}', '\x1b', '\x07', '\u{202e}']) {
                return Err(format!("unescaped directive or control: {line}"));
            }
        }
    }
    Ok(())
}

fn mermaid_ids_are_prefixed(text: &str) -> Result<(), String> {
    const STATEMENTS: &[&str] = &[
        "flowchart",
        "subgraph",
        "end",
        "classDef",
        "class",
        "linkStyle",
        "%%",
        "sequenceDiagram",
        "autonumber",
        "participant",
        "Note",
        "alt",
        "else",
    ];
    for line in text.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        let ok = first.is_empty()
            || STATEMENTS.contains(&first)
            || first.starts_with("n_")
            || first.starts_with("legend_")
            || first.starts_with("%%{init");
        if !ok {
            return Err(format!("a statement starts with an unprefixed id: {line}"));
        }
    }
    Ok(())
}

fn compose_names_are_valid(stack: &compose::Stack) -> Result<(), String> {
    for (_, service) in &stack.services {
        let valid = !service.is_empty()
            && service
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
            && service.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !valid {
            return Err(format!("invalid compose service name `{service}`"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_valid_designs_never_break_a_command(spec in spec()) {
        let text = design_text(&spec);
        let Some(design) = resolve(&text) else {
            return Err(TestCaseError::fail(format!("does not resolve:\n{text}")));
        };
        let analysis = analysis::check(&design, &Config::default());
        prop_assert!(analysis.errors.is_empty());
        let estimates = estimate::estimate(&design, None);
        prop_assert_eq!(estimates.flows.len(), design.flows.len());
        let highlights = Highlights::from_findings(&design, &analysis.findings);
        let chart = mermaid::flowchart(&design, &highlights).map_err(|error| TestCaseError::fail(error.to_string()))?;
        mermaid_ids_are_prefixed(&chart).map_err(TestCaseError::fail)?;
        mermaid_labels_are_escaped(&chart).map_err(TestCaseError::fail)?;
        for flow in &design.flows {
            let sequence = sequence::flow(&design, flow).map_err(|error| TestCaseError::fail(error.to_string()))?;
            mermaid_ids_are_prefixed(&sequence).map_err(TestCaseError::fail)?;
        }
        dot::graph(&design, &highlights).map_err(|error| TestCaseError::fail(error.to_string()))?;
        let json = design_json::export(&design);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
        let stack = compose::build(&design).map_err(TestCaseError::fail)?;
        compose_names_are_valid(&stack).map_err(TestCaseError::fail)?;
        for file in &stack.files {
            if file.path == "compose.yaml" {
                prop_assert!(serde_saphyr::from_str::<serde_json::Value>(&file.contents).is_ok(), "{}", file.contents);
            }
        }
    }
}
