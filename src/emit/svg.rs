//! The design as an SVG picture, laid out in Rust (the `layout-rs` crate's
//! Sugiyama-style placer, left to right), for `hld diagram --format svg` and
//! the HTML page of `hld explain`: no JavaScript, no fonts or files to
//! fetch, so it opens from disk and prints.
//!
//! layout-rs places the boxes and routes the edges; this module draws them
//! itself through a [`RenderBackend`] that only records geometry, so the
//! shapes (a cylinder for a database, a stadium for a client, ...), the
//! classes, the escaping of every text and the number formatting are ours:
//! the output is deterministic and every label is escaped for XML.
//! Findings are drawn as in the other formats: single points of failure
//! red, CAP mismatches amber, with a legend.

use std::fmt::Write;

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::diagram::{Highlights, component_lines, link_label};
use crate::model::{ComponentId, Design, Kind, LinkId};

/// Above this many components and links the layout takes too long: its
/// passes grow faster than linearly (measured: 200 components and 400 links
/// take 3 s in a debug build, 500 and 1,000 over 10 minutes). `--format dot`
/// with Graphviz draws big designs.
pub const MAX_ELEMENTS: usize = 600;

/// Why no picture could be drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum SvgError {
    TooLarge {
        elements: usize,
    },
    /// The layout library failed (a bug in hld or layout-rs).
    Layout,
}

impl std::fmt::Display for SvgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SvgError::TooLarge { elements } => write!(
                f,
                "the design has {elements} components and links; the SVG layout draws at most {MAX_ELEMENTS}"
            ),
            SvgError::Layout => f.write_str("the SVG layout failed on this design (this is a bug in hld)"),
        }
    }
}

/// Average glyph width of the 12px sans-serif label font, for box sizes.
const CHAR_WIDTH: f64 = 7.0;
const LINE_HEIGHT: f64 = 15.0;
const EDGE_FONT_SIZE: usize = 7;

/// One edge the layout drew: its pair index, its path of (point, control)
/// pairs, dashed, and its arrowheads (start, end).
type DrawnEdge = (usize, Vec<(Point, Point)>, bool, (bool, bool));

/// What the layout drew, in its coordinates.
#[derive(Default)]
struct Recorder {
    nodes: Vec<(usize, Point, Point)>,
    edges: Vec<DrawnEdge>,
    labels: Vec<(Point, String)>,
    /// The next text belongs to the node just drawn (its placeholder).
    node_text_pending: bool,
}

fn tag(properties: &Option<String>, prefix: char) -> Option<usize> {
    properties.as_deref()?.strip_prefix(prefix)?.parse().ok()
}

impl RenderBackend for Recorder {
    fn draw_rect(&mut self, xy: Point, size: Point, _: &StyleAttr, properties: Option<String>, _: Option<ClipHandle>) {
        if let Some(idx) = tag(&properties, 'n') {
            self.nodes.push((idx, xy, size));
            self.node_text_pending = true;
        }
    }

    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_circle(&mut self, xy: Point, size: Point, _: &StyleAttr, properties: Option<String>) {
        if let Some(idx) = tag(&properties, 'n') {
            let corner = Point::new(xy.x - size.x / 2.0, xy.y - size.y / 2.0);
            self.nodes.push((idx, corner, size));
            self.node_text_pending = true;
        }
    }

    fn draw_text(&mut self, xy: Point, text: &str, _: &StyleAttr) {
        if std::mem::take(&mut self.node_text_pending) {
            return;
        }
        if !text.is_empty() {
            self.labels.push((xy, text.to_string()));
        }
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        head: (bool, bool),
        _: &StyleAttr,
        properties: Option<String>,
        _: &str,
    ) {
        if let Some(idx) = tag(&properties, 'e') {
            self.edges.push((idx, path.to_vec(), dashed, head));
        }
    }

    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

/// One drawn edge: the links between one pair of components.
struct PairEdge {
    links: Vec<LinkId>,
    both_ways: bool,
    dashed: bool,
    label: String,
    cap_mismatch: bool,
}

/// Links grouped by unordered pair, in declaration order: layout-rs draws
/// one edge per pair (it keeps no parallel edges apart).
fn pair_edges(design: &Design, highlights: &Highlights) -> Vec<(ComponentId, ComponentId, PairEdge)> {
    let mut pairs: Vec<(ComponentId, ComponentId, PairEdge)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for link_id in design.link_ids() {
        let link = design.link(link_id);
        let key = (link.from.min(link.to), link.from.max(link.to));
        let slot = *index.entry(key).or_insert_with(|| {
            pairs.push((
                link.from,
                link.to,
                PairEdge {
                    links: Vec::new(),
                    both_ways: false,
                    dashed: true,
                    label: String::new(),
                    cap_mismatch: false,
                },
            ));
            pairs.len() - 1
        });
        let (from, _, edge) = &mut pairs[slot];
        if link.from != *from {
            edge.both_ways = true;
        }
        edge.dashed &= link.mode.is_async();
        edge.cap_mismatch |= highlights.cap_mismatch_links.contains(&link_id);
        if let Some(label) = link_label(design, link_id)
            && !edge.label.split(" / ").any(|part| part == label)
        {
            if !edge.label.is_empty() {
                edge.label.push_str(" / ");
            }
            edge.label.push_str(&label);
        }
        edge.links.push(link_id);
    }
    pairs
}

fn node_lines(design: &Design, id: ComponentId) -> Vec<String> {
    let component = design.component(id);
    let mut lines = component_lines(design, component);
    if let Some(region) = component.region {
        lines.push(format!("@ {}", design.region(region).id));
    }
    lines
}

/// Room for the rim of a cylinder above the text.
fn rim(kind: Kind) -> f64 {
    if matches!(kind, Kind::Database | Kind::ObjectStore) {
        10.0
    } else {
        0.0
    }
}

fn node_size(kind: Kind, lines: &[String]) -> Point {
    let widest = lines
        .iter()
        .map(|line| super::escape::visible(line).chars().count())
        .max()
        .unwrap_or(1) as f64;
    Point::new(
        widest * CHAR_WIDTH + 40.0,
        lines.len() as f64 * LINE_HEIGHT + 18.0 + rim(kind),
    )
}

/// Runs the layout; a panic inside layout-rs becomes an error.
fn layout(design: &Design, highlights: &Highlights) -> Result<Recorder, SvgError> {
    let mut graph = VisualGraph::new(Orientation::LeftToRight);
    // The DAG's self-check walks every edge after each insertion (cubic);
    // the graph is built here from a valid design, so it is not needed.
    graph.dag.set_validate(false);
    let look = StyleAttr::simple();
    let handles: Vec<_> = design
        .component_ids()
        .map(|id| {
            let lines = node_lines(design, id);
            let element = Element::create_with_properties(
                ShapeKind::new_box(&design.component(id).id),
                look.clone(),
                Orientation::LeftToRight,
                node_size(design.component(id).kind, &lines),
                format!("n{}", id.index()),
            );
            graph.add_node(element)
        })
        .collect();
    let mut edge_look = StyleAttr::simple();
    edge_look.font_size = EDGE_FONT_SIZE;
    for (idx, (from, to, edge)) in pair_edges(design, highlights).into_iter().enumerate() {
        let (Some(from), Some(to)) = (handles.get(from.index()), handles.get(to.index())) else {
            continue;
        };
        let arrow = Arrow::with_properties(
            if edge.both_ways {
                LineEndKind::Arrow
            } else {
                LineEndKind::None
            },
            LineEndKind::Arrow,
            if edge.dashed {
                LineStyleKind::Dashed
            } else {
                LineStyleKind::Normal
            },
            &edge.label,
            &edge_look,
            format!("e{idx}"),
            &None,
            &None,
        );
        graph.add_edge(arrow, *from, *to);
    }
    let mut recorder = Recorder::default();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        graph.do_it(false, false, false, &mut recorder);
        recorder
    }));
    result.map_err(|_| SvgError::Layout)
}

/// Escapes text for XML character data and attribute values. Hidden
/// characters (controls, which XML 1.0 does not allow at all, and bidi
/// overrides) are made visible first (`emit::escape`); line breaks and tabs
/// become spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // A line break or tab is a space (a `\r` is no hidden character here).
        let c = if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c };
        let _ = super::escape::for_each_visible(c, |c| {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
            Ok(())
        });
    }
    out
}

/// The outline of a component of this kind filling the box (x, y, w, h).
fn shape(kind: Kind, x: f64, y: f64, w: f64, h: f64) -> String {
    let (r, b) = (x + w, y + h);
    let poly = |points: &[(f64, f64)]| {
        let list: Vec<String> = points
            .iter()
            .map(|(px, py)| format!("{},{}", crate::format::coordinate(*px), crate::format::coordinate(*py)))
            .collect();
        format!("<polygon points=\"{}\"/>", list.join(" "))
    };
    let rect = |radius: f64| {
        format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\"/>",
            crate::format::coordinate(x),
            crate::format::coordinate(y),
            crate::format::coordinate(w),
            crate::format::coordinate(h),
            crate::format::coordinate(radius)
        )
    };
    let inset = (h / 3.0).min(14.0);
    match kind {
        Kind::Client => rect(h / 2.0),
        Kind::Dns => poly(&[(x, y), (r, y), (r - inset, b), (x + inset, b)]),
        Kind::External => poly(&[(x + inset, y), (r - inset, y), (r, b), (x, b)]),
        Kind::Cdn => poly(&[
            (x + inset, y),
            (r - inset, y),
            (r, y + h / 2.0),
            (r - inset, b),
            (x + inset, b),
            (x, y + h / 2.0),
        ]),
        Kind::LoadBalancer => {
            let cut = inset / 1.5;
            poly(&[
                (x + cut, y),
                (r - cut, y),
                (r, y + cut),
                (r, b - cut),
                (r - cut, b),
                (x + cut, b),
                (x, b - cut),
                (x, y + cut),
            ])
        }
        Kind::Gateway => format!(
            "{}<path d=\"M {} {} V {} M {} {} V {}\"/>",
            rect(2.0),
            crate::format::coordinate(x + 8.0),
            crate::format::coordinate(y),
            crate::format::coordinate(b),
            crate::format::coordinate(r - 8.0),
            crate::format::coordinate(y),
            crate::format::coordinate(b)
        ),
        Kind::Service => rect(3.0),
        Kind::Worker => poly(&[(x + inset, y), (r, y), (r - inset, b), (x, b)]),
        Kind::Cache => rect(12.0),
        Kind::Queue => poly(&[(x, y), (r - inset, y), (r, y + h / 2.0), (r - inset, b), (x, b)]),
        Kind::Search => format!(
            "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\"/>",
            crate::format::coordinate(x + w / 2.0),
            crate::format::coordinate(y + h / 2.0),
            crate::format::coordinate(w / 2.0),
            crate::format::coordinate(h / 2.0)
        ),
        Kind::Database | Kind::ObjectStore => {
            let ry = 6.0;
            format!(
                "<path d=\"M {x0} {t} A {rx} {ry} 0 0 1 {x1} {t} V {bt} A {rx} {ry} 0 0 1 {x0} {bt} Z\"/><path class=\"rim\" d=\"M {x0} {t} A {rx} {ry} 0 0 0 {x1} {t}\"/>",
                x0 = crate::format::coordinate(x),
                x1 = crate::format::coordinate(r),
                t = crate::format::coordinate(y + ry),
                bt = crate::format::coordinate(b - ry),
                rx = crate::format::coordinate(w / 2.0),
                ry = crate::format::coordinate(ry),
            )
        }
    }
}

/// The SVG element (no XML declaration), for embedding in HTML.
pub fn element(design: &Design, highlights: &Highlights) -> Result<String, SvgError> {
    let elements = design.components.len() + design.links.len();
    if elements > MAX_ELEMENTS {
        return Err(SvgError::TooLarge { elements });
    }
    let recorder = if design.components.is_empty() {
        Recorder::default()
    } else {
        layout(design, highlights)?
    };
    let pairs = pair_edges(design, highlights);
    // The extent of everything drawn.
    let (mut min_x, mut min_y, mut max_x, mut max_y) =
        (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    let mut extend = |p: Point| {
        min_x = min_x.min(p.x);
        min_y = min_y.min(p.y);
        max_x = max_x.max(p.x);
        max_y = max_y.max(p.y);
    };
    for (_, xy, size) in &recorder.nodes {
        extend(*xy);
        extend(Point::new(xy.x + size.x, xy.y + size.y));
    }
    for (_, path, _, _) in &recorder.edges {
        for (a, b) in path {
            extend(*a);
            extend(*b);
        }
    }
    for (xy, text) in &recorder.labels {
        let half = text.chars().count() as f64 * 3.2;
        extend(Point::new(xy.x - half, xy.y - 8.0));
        extend(Point::new(xy.x + half, xy.y + 8.0));
    }
    if !min_x.is_finite() {
        (min_x, min_y, max_x, max_y) = (0.0, 0.0, 240.0, 40.0);
    }
    let legend = legend_entries(design, highlights);
    let legend_height = if legend.is_empty() { 0.0 } else { 34.0 };
    let pad = 12.0;
    let (x0, y0) = (min_x - pad, min_y - pad);
    let width = (max_x - min_x + 2.0 * pad).max(
        legend
            .iter()
            .map(|(_, text)| text.len() as f64 * 7.0 + 40.0)
            .sum::<f64>()
            + 2.0 * pad,
    );
    let height = max_y - min_y + 2.0 * pad + legend_height;
    let title = design.label.clone().unwrap_or_else(|| design.name.clone());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"hld-diagram\" viewBox=\"{} {} {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\">",
        crate::format::coordinate(x0),
        crate::format::coordinate(y0),
        crate::format::coordinate(width),
        crate::format::coordinate(height),
        crate::format::coordinate(width),
        crate::format::coordinate(height),
        escape(&format!("design {title}"))
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&title));
    out.push_str(STYLE);
    out.push_str(DEFS);
    out.push_str("<g class=\"edges\">\n");
    let mut recorded_edges: Vec<_> = recorder.edges.iter().collect();
    recorded_edges.sort_by_key(|(idx, ..)| *idx);
    for (idx, path, dashed, (start, end)) in recorded_edges {
        let Some((from, to, edge)) = pairs.get(*idx) else {
            continue;
        };
        let Some(d) = path_data(path) else {
            continue;
        };
        let mut class = String::from("edge");
        if *dashed {
            class.push_str(" async");
        }
        if edge.cap_mismatch {
            class.push_str(" cap-mismatch");
        }
        let _ = writeln!(
            out,
            "<path class=\"{class}\" data-from=\"{}\" data-to=\"{}\" d=\"{d}\"{}{}><title>{}</title></path>",
            escape(&design.component(*from).id),
            escape(&design.component(*to).id),
            if *start {
                " marker-start=\"url(#hld-arrow-start)\""
            } else {
                ""
            },
            if *end {
                " marker-end=\"url(#hld-arrow-end)\""
            } else {
                ""
            },
            escape(&edge_title(design, edge)),
        );
    }
    out.push_str("</g>\n<g class=\"edge-labels\">\n");
    for (xy, text) in &recorder.labels {
        // A backing so the edge under the label does not show through.
        let width = text.chars().count() as f64 * 5.8 + 8.0;
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"14\" rx=\"3\"/><text x=\"{}\" y=\"{}\">{}</text>",
            crate::format::coordinate(xy.x - width / 2.0),
            crate::format::coordinate(xy.y - 7.0),
            crate::format::coordinate(width),
            crate::format::coordinate(xy.x),
            crate::format::coordinate(xy.y),
            escape(text)
        );
    }
    out.push_str("</g>\n<g class=\"nodes\">\n");
    let mut nodes: Vec<_> = recorder.nodes.iter().collect();
    nodes.sort_by_key(|(idx, ..)| *idx);
    nodes.dedup_by_key(|(idx, ..)| *idx);
    for (idx, xy, size) in nodes {
        let id = ComponentId(*idx as u32);
        let Some(component) = design.components.get(*idx) else {
            continue;
        };
        let mut class = format!("node {}", component.kind.as_str().replace('_', "-"));
        if highlights.single_points_of_failure.contains(&id) {
            class.push_str(" spof");
        } else if highlights.cap_mismatch.contains(&id) {
            class.push_str(" cap-mismatch");
        }
        let lines = node_lines(design, id);
        let _ = writeln!(
            out,
            "<g class=\"{class}\" id=\"hld-node-{}\" data-id=\"{}\"><title>{}</title>{}",
            escape(&component.id),
            escape(&component.id),
            escape(&lines.join(", ")),
            shape(component.kind, xy.x, xy.y, size.x, size.y)
        );
        let center_x = xy.x + size.x / 2.0;
        let first_y = xy.y + (size.y + rim(component.kind)) / 2.0 - (lines.len() as f64 - 1.0) * LINE_HEIGHT / 2.0;
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\">",
            crate::format::coordinate(center_x),
            crate::format::coordinate(first_y)
        );
        for (line_idx, line) in lines.iter().enumerate() {
            let class = if line_idx == 0 { " class=\"id\"" } else { "" };
            let dy = if line_idx == 0 {
                "0".to_string()
            } else {
                crate::format::coordinate(LINE_HEIGHT)
            };
            let _ = write!(
                out,
                "<tspan x=\"{}\" dy=\"{dy}\"{class}>{}</tspan>",
                crate::format::coordinate(center_x),
                escape(line)
            );
        }
        out.push_str("</text></g>\n");
    }
    out.push_str("</g>\n");
    if !legend.is_empty() {
        let mut x = x0 + pad;
        let y = y0 + height - legend_height / 2.0;
        out.push_str("<g class=\"legend\">\n");
        for (class, text) in legend {
            let sample = match class {
                "async" => format!(
                    "<path class=\"edge async\" d=\"M {} {} H {}\"/>",
                    crate::format::coordinate(x),
                    crate::format::coordinate(y),
                    crate::format::coordinate(x + 22.0)
                ),
                _ => format!(
                    "<g class=\"legend-key {class}\"><rect x=\"{}\" y=\"{}\" width=\"22\" height=\"14\" rx=\"3\"/></g>",
                    crate::format::coordinate(x),
                    crate::format::coordinate(y - 7.0)
                ),
            };
            let _ = writeln!(
                out,
                "{sample}<text class=\"legend-text\" x=\"{}\" y=\"{}\">{}</text>",
                crate::format::coordinate(x + 28.0),
                crate::format::coordinate(y),
                escape(text)
            );
            x += 28.0 + text.len() as f64 * 7.0 + 18.0;
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    Ok(out)
}

/// A standalone SVG file: `hld diagram --format svg`.
pub fn document(design: &Design, highlights: &Highlights) -> Result<String, SvgError> {
    let svg = element(design, highlights)?;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- generated by hld -->\n{svg}"
    ))
}

fn edge_title(design: &Design, edge: &PairEdge) -> String {
    let parts: Vec<String> = edge
        .links
        .iter()
        .map(|link| {
            let subject = design.link_subject(*link);
            match link_label(design, *link) {
                Some(label) => format!("{subject} ({label})"),
                None => subject,
            }
        })
        .collect();
    parts.join("; ")
}

/// `M x y C ...` from layout-rs's list of (point, control) pairs.
fn path_data(path: &[(Point, Point)]) -> Option<String> {
    let (first, second) = (path.first()?, path.get(1)?);
    let mut d = format!(
        "M {} {} C {} {}, {} {}, {} {}",
        crate::format::coordinate(first.0.x),
        crate::format::coordinate(first.0.y),
        crate::format::coordinate(first.1.x),
        crate::format::coordinate(first.1.y),
        crate::format::coordinate(second.0.x),
        crate::format::coordinate(second.0.y),
        crate::format::coordinate(second.1.x),
        crate::format::coordinate(second.1.y)
    );
    for point in path.iter().skip(2) {
        let _ = write!(
            d,
            " S {} {}, {} {}",
            crate::format::coordinate(point.0.x),
            crate::format::coordinate(point.0.y),
            crate::format::coordinate(point.1.x),
            crate::format::coordinate(point.1.y)
        );
    }
    Some(d)
}

fn legend_entries(design: &Design, highlights: &Highlights) -> Vec<(&'static str, &'static str)> {
    let mut entries = Vec::new();
    if !highlights.single_points_of_failure.is_empty() {
        entries.push(("spof", "single point of failure"));
    }
    if !highlights.cap_mismatch.is_empty() {
        entries.push(("cap-mismatch", "CAP mismatch"));
    }
    if design.links.iter().any(|link| link.mode.is_async()) {
        entries.push(("async", "asynchronous"));
    }
    entries
}

const STYLE: &str = "<style>
.hld-diagram { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
.hld-diagram .node > polygon, .hld-diagram .node > rect, .hld-diagram .node > path, .hld-diagram .node > ellipse { fill: #eef3fb; stroke: #3b5b8c; stroke-width: 1.5; }
.hld-diagram .node.client > rect { fill: #f4f4f4; stroke: #555; }
.hld-diagram .node.cache > rect, .hld-diagram .node.cdn > polygon { fill: #eaf7ee; stroke: #2e7d32; }
.hld-diagram .node.database > path, .hld-diagram .node.object-store > path, .hld-diagram .node.search > ellipse { fill: #fdf3e6; stroke: #8d5a1b; }
.hld-diagram .node.queue > polygon, .hld-diagram .node.worker > polygon { fill: #f3ecfa; stroke: #6a3d9a; }
.hld-diagram .legend-key > rect { fill: #eef3fb; stroke: #3b5b8c; stroke-width: 1.5; }
.hld-diagram .node.spof > :is(polygon, rect, path, ellipse), .hld-diagram .legend-key.spof > rect { fill: #ffe0e0; stroke: #c62828; stroke-width: 3; }
.hld-diagram .node.cap-mismatch > :is(polygon, rect, path, ellipse), .hld-diagram .legend-key.cap-mismatch > rect { fill: #fff3cd; stroke: #b26a00; stroke-width: 3; stroke-dasharray: 6 3; }
.hld-diagram .node text { font-size: 12px; fill: #1b1b1b; text-anchor: middle; dominant-baseline: middle; }
.hld-diagram .node text .id { font-weight: 600; }
.hld-diagram .edge { fill: none; stroke: #555; stroke-width: 1.4; }
.hld-diagram .edge.async { stroke-dasharray: 6 4; }
.hld-diagram .edge.cap-mismatch { stroke: #b26a00; stroke-width: 3; }
.hld-diagram .edge-labels text { font-size: 10px; fill: #333; text-anchor: middle; dominant-baseline: middle; }
.hld-diagram .edge-labels rect { fill: #fff; fill-opacity: 0.9; }
.hld-diagram .node > path.rim { fill: none; }
.hld-diagram .legend-text { font-size: 11px; fill: #333; dominant-baseline: middle; }
.hld-diagram .arrow-head { fill: #555; }
</style>
";

const DEFS: &str = "<defs>
<marker id=\"hld-arrow-end\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"11\" markerHeight=\"11\" orient=\"auto\"><path class=\"arrow-head\" d=\"M 0 0 L 10 5 L 0 10 z\"/></marker>
<marker id=\"hld-arrow-start\" viewBox=\"0 0 10 10\" refX=\"0\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"11\" markerHeight=\"11\" orient=\"auto\"><path class=\"arrow-head\" d=\"M 10 0 L 0 5 L 10 10 z\"/></marker>
</defs>
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::test_design;

    #[test]
    fn every_component_is_a_node_and_labels_are_escaped() {
        let design = test_design(
            r#"system s "a <b> & \"c\"" {
              client users "<script>x</script>" { rps = 10 }
              load_balancer lb { replicas = 2 }
              service api { replicas = 2 }
              database db : postgres
              queue q
              worker w
              users -> lb -> api
              api -> db { op = read }
              api -> db { op = write }
              db -> api { op = read }
              api -> q -> w
            }"#,
        );
        let svg = element(&design, &Highlights::default()).unwrap();
        assert_eq!(svg.matches("<g class=\"node ").count(), 6);
        assert!(svg.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("class=\"edge async\""));
        // Deterministic.
        assert_eq!(svg, element(&design, &Highlights::default()).unwrap());
    }

    #[test]
    fn empty_and_huge_designs_do_not_panic() {
        let design = test_design("system s {\n}");
        assert!(element(&design, &Highlights::default()).is_ok());
        let mut text = String::from("system s {\n  client c\n");
        for idx in 0..MAX_ELEMENTS {
            text.push_str(&format!("  service s{idx}\n"));
        }
        text.push('}');
        let design = test_design(&text);
        assert!(matches!(
            element(&design, &Highlights::default()),
            Err(SvgError::TooLarge { .. })
        ));
    }
}
