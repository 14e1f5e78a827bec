//! Mermaid flowcharts (templates/flowchart.mmd): one node per component,
//! shaped by kind, regions as subgraphs, async links dashed, findings styled
//! by class with a legend.
//!
//! Mermaid labels are HTML, so every text goes through [`MermaidEscaper`]
//! (`"` as `#quot;`, `<` as `#lt;`, `%` as `#37;`, `{` as `#123;`, ...); node
//! ids are the design ids behind a prefix, so they never collide with
//! Mermaid keywords such as `end`.

use std::fmt::{self, Write};

use askama::Template;

use super::RenderError;
use super::diagram::{Highlights, component_lines, link_label};
use crate::model::{Design, Kind};

/// Mermaid refuses diagrams over these sizes unless the diagram raises them
/// (cli.md, "Notes on outputs").
const MERMAID_MAX_EDGES: usize = 500;
const MERMAID_MAX_TEXT: usize = 50_000;

/// Escapes text for a Mermaid label, a subgraph title, a message or a note:
/// Mermaid's entity codes (`#quot;`, `#37;`, ...) for whatever HTML or
/// Mermaid's own parser would read as markup, so that no text from a design
/// can close its label, start a statement, or become a directive
/// (`%%{init: ...}%%` needs `%` and `{`, which never pass). Hidden
/// characters (controls, bidi overrides) are first made visible
/// (`emit::escape`); line breaks and tabs become spaces.
///
/// Every Mermaid writer (flowchart, `--group region`, sequence diagrams and
/// so `hld explain`'s Mermaid block) fills its templates through this
/// escaper (askama.toml) or calls [`escape`].
#[derive(Clone, Copy, Debug, Default)]
pub struct MermaidEscaper;

impl askama::filters::Escaper for MermaidEscaper {
    fn write_escaped_str<W: Write>(&self, mut dest: W, string: &str) -> fmt::Result {
        for c in string.chars() {
            // A line break or tab is a space (a `\r` is no hidden character here).
            let c = if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c };
            super::escape::for_each_visible(c, |c| match c {
                '"' => dest.write_str("#quot;"),
                '<' => dest.write_str("#lt;"),
                '>' => dest.write_str("#gt;"),
                '&' => dest.write_str("#amp;"),
                '#' => dest.write_str("#35;"),
                // Directives (`%%{init: ...}%%`) and comments (`%%`).
                '%' => dest.write_str("#37;"),
                // A statement separator in flowcharts and sequence diagrams.
                ';' => dest.write_str("#59;"),
                '`' => dest.write_str("#96;"),
                '{' => dest.write_str("#123;"),
                // Closes an edge label.
                '|' => dest.write_str("#124;"),
                '}' => dest.write_str("#125;"),
                c => dest.write_char(c),
            })?;
        }
        Ok(())
    }
}

/// Text escaped by [`MermaidEscaper`].
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = askama::filters::Escaper::write_escaped_str(&MermaidEscaper, &mut out, text);
    out
}

/// The path of [`Flowchart`]'s template, for errors.
const TEMPLATE: &str = "flowchart.mmd";

#[derive(Template)]
#[template(path = "flowchart.mmd")]
struct Flowchart {
    init: Option<String>,
    regions: Vec<RegionView>,
    nodes: Vec<NodeView>,
    edges: Vec<EdgeView>,
    legend: Vec<LegendEntry>,
    class_defs: Vec<ClassDef>,
    classes: Vec<ClassAssignment>,
    link_styles: Vec<LinkStyle>,
}

struct RegionView {
    id: String,
    label: String,
    nodes: Vec<NodeView>,
}

struct NodeView {
    id: String,
    open: &'static str,
    close: &'static str,
    lines: Vec<String>,
}

struct EdgeView {
    from: String,
    arrow: &'static str,
    label: Option<String>,
    to: String,
}

struct LegendEntry {
    id: &'static str,
    text: &'static str,
    class: &'static str,
}

struct ClassDef {
    name: &'static str,
    css: &'static str,
}

struct ClassAssignment {
    ids: String,
    class: &'static str,
}

struct LinkStyle {
    index: usize,
    css: &'static str,
}

const SPOF_CLASS: ClassDef = ClassDef {
    name: "spof",
    css: "fill:#ffe0e0,stroke:#c62828,stroke-width:3px",
};
const CAP_CLASS: ClassDef = ClassDef {
    name: "capMismatch",
    css: "fill:#fff3cd,stroke:#b26a00,stroke-width:3px,stroke-dasharray:6 3",
};

/// The node id of a component: a prefix keeps ids clear of Mermaid keywords.
pub fn node_id(design_id: &str) -> String {
    format!("n_{design_id}")
}

/// Opening and closing delimiters of each kind's shape.
fn shape(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Client => ("([", "])"),
        Kind::Dns => ("[\\", "/]"),
        Kind::Cdn => ("{{", "}}"),
        Kind::LoadBalancer => ("{", "}"),
        Kind::Gateway => ("[[", "]]"),
        Kind::Service => ("[", "]"),
        Kind::Worker => ("[/", "/]"),
        Kind::Cache => ("(", ")"),
        Kind::Database | Kind::ObjectStore => ("[(", ")]"),
        Kind::Queue => (">", "]"),
        Kind::Search => ("((", "))"),
        Kind::External => ("[/", "\\]"),
    }
}

/// The flowchart of a whole design.
pub fn flowchart(design: &Design, highlights: &Highlights) -> Result<String, RenderError> {
    let node = |id: crate::model::ComponentId| component_node(design, design.component(id));
    let mut regions: Vec<RegionView> = design
        .regions
        .iter()
        .map(|region| RegionView {
            id: format!("r_{}", region.id),
            label: match &region.label {
                Some(label) => format!("{label} ({})", region.id),
                None => region.id.clone(),
            },
            nodes: Vec::new(),
        })
        .collect();
    let mut nodes = Vec::new();
    for id in design.component_ids() {
        match design.component(id).region {
            Some(region) => regions[region.index()].nodes.push(node(id)),
            None => nodes.push(node(id)),
        }
    }
    regions.retain(|region| !region.nodes.is_empty());
    let edges: Vec<EdgeView> = design
        .link_ids()
        .map(|link_id| {
            let link = design.link(link_id);
            EdgeView {
                from: node_id(&design.component(link.from).id),
                arrow: if link.mode.is_async() { "-.->" } else { "-->" },
                label: link_label(design, link_id),
                to: node_id(&design.component(link.to).id),
            }
        })
        .collect();

    let mut legend = Vec::new();
    let mut class_defs = Vec::new();
    let mut classes = Vec::new();
    let mut link_styles = Vec::new();
    if !highlights.single_points_of_failure.is_empty() {
        legend.push(LegendEntry {
            id: "legend_spof",
            text: "single point of failure",
            class: SPOF_CLASS.name,
        });
        class_defs.push(SPOF_CLASS);
        classes.push(ClassAssignment {
            ids: join_ids(design, highlights.single_points_of_failure.iter().copied()),
            class: SPOF_CLASS.name,
        });
    }
    if !highlights.cap_mismatch.is_empty() {
        legend.push(LegendEntry {
            id: "legend_cap",
            text: "CAP mismatch: weaker consistency than required",
            class: CAP_CLASS.name,
        });
        class_defs.push(CAP_CLASS);
        classes.push(ClassAssignment {
            ids: join_ids(design, highlights.cap_mismatch.iter().copied()),
            class: CAP_CLASS.name,
        });
        for link_id in &highlights.cap_mismatch_links {
            link_styles.push(LinkStyle {
                index: link_id.index(),
                css: "stroke:#b26a00,stroke-width:3px",
            });
        }
    }

    let chart = Flowchart {
        init: None,
        regions,
        nodes,
        edges,
        legend,
        class_defs,
        classes,
        link_styles,
    };
    sized(chart)
}

/// The chart's text, with Mermaid's limits raised (sized to the diagram)
/// when it has more edges or text than Mermaid takes by default.
fn sized(mut chart: Flowchart) -> Result<String, RenderError> {
    let text = super::rendered(TEMPLATE, chart.render())?;
    let edge_count = chart.edges.len();
    if edge_count > MERMAID_MAX_EDGES || text.len() > MERMAID_MAX_TEXT {
        chart.init = Some(format!(
            "%%{{init: {{\"maxEdges\": {}, \"maxTextSize\": {}}}}}%%",
            (edge_count + 100).max(MERMAID_MAX_EDGES),
            (text.len() * 2).max(MERMAID_MAX_TEXT)
        ));
        return super::rendered(TEMPLATE, chart.render()).map(ensure_newline);
    }
    Ok(ensure_newline(text))
}

/// A component as a node: its shape and its lines.
fn component_node(design: &Design, component: &crate::model::Component) -> NodeView {
    let (open, close) = shape(component.kind);
    NodeView {
        id: node_id(&component.id),
        open,
        close,
        lines: component_lines(design, component),
    }
}

/// The design seen by region (`--group region`): one node per region with
/// its component count, the components outside every region as themselves,
/// and one edge per pair of groups a link joins (labelled with the count;
/// dashed when every such link is async). A region holding a single point
/// of failure is styled as one.
pub fn flowchart_by_region(design: &Design, highlights: &Highlights) -> Result<String, RenderError> {
    use std::collections::BTreeMap;
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Group {
        Region(usize),
        Component(usize),
    }
    let group_of = |id: crate::model::ComponentId| match design.component(id).region {
        Some(region) => Group::Region(region.index()),
        None => Group::Component(id.index()),
    };
    let group_id = |group: Group| match group {
        Group::Region(index) => format!("r_{}", design.regions[index].id),
        Group::Component(index) => node_id(&design.components[index].id),
    };
    let mut counts = vec![0usize; design.regions.len()];
    for component in &design.components {
        if let Some(region) = component.region {
            counts[region.index()] += 1;
        }
    }
    let mut nodes = Vec::new();
    for (index, region) in design.regions.iter().enumerate() {
        if counts[index] == 0 {
            continue;
        }
        let lines = match &region.label {
            Some(label) => vec![
                label.clone(),
                format!(
                    "region {} · {}",
                    region.id,
                    crate::format::count(counts[index], "component")
                ),
            ],
            None => vec![
                format!("region {}", region.id),
                crate::format::count(counts[index], "component"),
            ],
        };
        nodes.push(NodeView {
            id: group_id(Group::Region(index)),
            open: "[[",
            close: "]]",
            lines,
        });
    }
    for id in design.component_ids() {
        let component = design.component(id);
        if component.region.is_none() {
            nodes.push(component_node(design, component));
        }
    }
    // (links, all async) per pair of groups, in a fixed order.
    let mut joined: BTreeMap<(Group, Group), (usize, bool)> = BTreeMap::new();
    for link in &design.links {
        let (from, to) = (group_of(link.from), group_of(link.to));
        if from == to {
            continue;
        }
        let entry = joined.entry((from, to)).or_insert((0, true));
        entry.0 += 1;
        entry.1 &= link.mode.is_async();
    }
    let edges = joined
        .into_iter()
        .map(|((from, to), (count, all_async))| EdgeView {
            from: group_id(from),
            arrow: if all_async { "-.->" } else { "-->" },
            label: (count > 1).then(|| format!("{count} links")),
            to: group_id(to),
        })
        .collect();
    let mut marked: Vec<String> = highlights
        .single_points_of_failure
        .iter()
        .map(|id| group_id(group_of(*id)))
        .collect();
    marked.sort();
    marked.dedup();
    let (legend, class_defs, classes) = if marked.is_empty() {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        (
            vec![LegendEntry {
                id: "legend_spof",
                text: "holds a single point of failure",
                class: SPOF_CLASS.name,
            }],
            vec![SPOF_CLASS],
            vec![ClassAssignment {
                ids: marked.join(","),
                class: SPOF_CLASS.name,
            }],
        )
    };
    sized(Flowchart {
        init: None,
        regions: Vec::new(),
        nodes,
        edges,
        legend,
        class_defs,
        classes,
        link_styles: Vec::new(),
    })
}

fn join_ids(design: &Design, ids: impl Iterator<Item = crate::model::ComponentId>) -> String {
    ids.map(|id| node_id(&design.component(id).id))
        .collect::<Vec<_>>()
        .join(",")
}

fn ensure_newline(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_mermaid_reads_as_markup() {
        assert_eq!(
            escape("a \"b\" <c> & #d `e`"),
            "a #quot;b#quot; #lt;c#gt; #amp; #35;d #96;e#96;"
        );
        // No directive, comment, statement or edge-label end can form.
        assert_eq!(
            escape("%%{init: {'theme':'forest'}}%%"),
            "#37;#37;#123;init: #123;'theme':'forest'#125;#125;#37;#37;"
        );
        assert_eq!(escape("a;b|c\nd\re\tf"), "a#59;b#124;c d e f");
        // Hidden characters are shown, their braces escaped in turn.
        assert_eq!(escape("\x1b[2J\u{202e}"), "\\x1b[2J\\u#123;202e#125;");
    }

    /// Whatever the text, its escape holds none of the characters Mermaid
    /// reads as syntax, but inside an entity code.
    #[test]
    fn no_text_escapes_into_mermaid_syntax() {
        let text: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let escaped = escape(&text);
        let mut rest = escaped.as_str();
        while let Some(idx) = rest.find('#') {
            let after = &rest[idx + 1..];
            let end = after.find(';').expect("an entity ends with `;`");
            assert!(
                after[..end].chars().all(|c| c.is_ascii_alphanumeric()),
                "{}",
                &after[..end]
            );
            assert!(!rest[..idx].contains(['%', '{', '}', ';', '|', '"', '<', '>', '&', '`', '\n', '\r']));
            rest = &after[end + 1..];
        }
        assert!(!rest.contains(['%', '{', '}', ';', '|', '"', '<', '>', '&', '`', '\n', '\r']));
        assert!(!escaped.chars().any(crate::emit::escape::is_hidden));
    }

    /// Both flowcharts raise Mermaid's limits once they pass them: the
    /// by-region view of a design without regions has an edge per link.
    #[test]
    fn big_charts_raise_mermaids_limits_in_both_views() {
        let mut text = String::from("system s {\n");
        for idx in 0..700 {
            text.push_str(&format!("  service s{idx} {{ replicas = 2 }}\n"));
        }
        for idx in 0..699 {
            text.push_str(&format!("  s{idx} -> s{}\n", idx + 1));
        }
        text.push('}');
        let design = crate::estimate::test_design(&text);
        let highlights = Highlights::default();
        for chart in [
            flowchart(&design, &highlights).unwrap(),
            flowchart_by_region(&design, &highlights).unwrap(),
        ] {
            assert!(chart.starts_with("%%{init: {\"maxEdges\": 799, "), "{}", &chart[..80]);
        }
    }
}
