//! Graphviz DOT (templates/diagram.dot): the flowchart's information in a
//! format other tools lay out. Regions are clusters, async links dashed,
//! findings coloured.

use std::fmt::{self, Write};

use askama::Template;

use super::RenderError;
use super::diagram::{Highlights, component_lines, link_label};
use crate::model::{Design, Kind};

/// Escapes text inside a DOT double-quoted string: `"` and `\\` behind a
/// backslash (so no label can close its string or become one of Graphviz's
/// `\N`, `\l` escapes), hidden characters (controls, bidi overrides) made
/// visible first (`emit::escape`), line breaks and tabs as spaces.
#[derive(Clone, Copy, Debug, Default)]
pub struct DotEscaper;

impl askama::filters::Escaper for DotEscaper {
    fn write_escaped_str<W: Write>(&self, mut dest: W, string: &str) -> fmt::Result {
        for c in string.chars() {
            // A line break or tab is a space (a `\r` is no hidden character here).
            let c = if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c };
            super::escape::for_each_visible(c, |c| match c {
                '"' => dest.write_str("\\\""),
                '\\' => dest.write_str("\\\\"),
                c => dest.write_char(c),
            })?;
        }
        Ok(())
    }
}

/// Text escaped by [`DotEscaper`].
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = askama::filters::Escaper::write_escaped_str(&DotEscaper, &mut out, text);
    out
}

#[derive(Template)]
#[template(path = "diagram.dot")]
struct DotGraph {
    name: String,
    regions: Vec<Cluster>,
    nodes: Vec<DotNode>,
    edges: Vec<DotEdge>,
}

struct Cluster {
    id: String,
    label: String,
    nodes: Vec<DotNode>,
}

struct DotNode {
    id: String,
    lines: Vec<String>,
    shape: &'static str,
    style: Option<String>,
}

struct DotEdge {
    from: String,
    to: String,
    /// Already escaped: built from fixed words and escaped labels.
    attributes: String,
}

fn shape(kind: Kind) -> &'static str {
    match kind {
        Kind::Client => "ellipse",
        Kind::Dns => "invtrapezium",
        Kind::Cdn => "hexagon",
        Kind::LoadBalancer => "diamond",
        Kind::Gateway => "component",
        Kind::Service => "box",
        Kind::Worker => "parallelogram",
        Kind::Cache => "box3d",
        Kind::Database | Kind::ObjectStore => "cylinder",
        Kind::Queue => "cds",
        Kind::Search => "octagon",
        Kind::External => "trapezium",
    }
}

pub fn graph(design: &Design, highlights: &Highlights) -> Result<String, RenderError> {
    let node = |id: crate::model::ComponentId| {
        let component = design.component(id);
        let style = if highlights.single_points_of_failure.contains(&id) {
            Some("style=filled, fillcolor=\"#ffe0e0\", color=\"#c62828\", penwidth=3".to_string())
        } else if highlights.cap_mismatch.contains(&id) {
            Some("style=\"filled,dashed\", fillcolor=\"#fff3cd\", color=\"#b26a00\", penwidth=3".to_string())
        } else {
            None
        };
        DotNode {
            id: component.id.clone(),
            lines: component_lines(design, component),
            shape: shape(component.kind),
            style,
        }
    };
    let mut regions: Vec<Cluster> = design
        .regions
        .iter()
        .map(|region| Cluster {
            id: region.id.clone(),
            label: region.label.clone().unwrap_or_else(|| region.id.clone()),
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
    let edges = design
        .link_ids()
        .map(|link_id| {
            let link = design.link(link_id);
            let mut attributes = Vec::new();
            if link.mode.is_async() {
                attributes.push("style=dashed".to_string());
            }
            if let Some(label) = link_label(design, link_id) {
                attributes.push(format!("label=\"{}\"", escape(&label)));
            }
            if highlights.cap_mismatch_links.contains(&link_id) {
                attributes.push("color=\"#b26a00\", penwidth=3".to_string());
            }
            DotEdge {
                from: design.component(link.from).id.clone(),
                to: design.component(link.to).id.clone(),
                attributes: attributes.join(", "),
            }
        })
        .collect();
    let graph = DotGraph {
        name: design.name.clone(),
        regions,
        nodes,
        edges,
    };
    let mut text = super::rendered("diagram.dot", graph.render())?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_close_their_string_or_become_escapes() {
        assert_eq!(escape("a \"b\" \\N"), "a \\\"b\\\" \\\\N");
        assert_eq!(escape("x\ny\tz"), "x y z");
        assert_eq!(escape("\x1b]0;t\x07\u{202e}"), "\\\\x1b]0;t\\\\x07\\\\u{202e}");
    }
}
