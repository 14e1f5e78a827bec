//! The design as an SVG picture, laid out in Rust by `emit::svg_layout`
//! (layered, left to right), for `hld diagram --format svg`, the HTML page
//! of `hld explain` and the browser playground: no JavaScript, no fonts or
//! files to fetch, so it opens from disk and prints.
//!
//! `svg_layout` places the boxes, the regions (as bands, drawn here as
//! labelled groups behind the boxes) and routes the edges between the boxes;
//! this module draws them: the shapes (a cylinder for a database, a stadium
//! for a client, ...), the classes, `data-id` on each component's and
//! region's group (the playground finds a clicked component by it), the
//! escaping of every text and the number formatting. The output is
//! deterministic and every label is escaped for XML. Findings are drawn as in
//! the other formats: single points of failure red, CAP mismatches amber,
//! with a legend.

use std::fmt::Write;

use super::diagram::{Highlights, component_lines, link_label};
use super::svg_layout::{self, EdgeSpec, Graph, Layout, NodeSpec, Point, Rect};
use crate::model::{ComponentId, Design, Kind, LinkId};

/// Above this many components, links and regions the picture is no longer readable
/// on a page (and its file grows past a megabyte); `--format dot` with
/// Graphviz draws big designs. The layout itself takes milliseconds at this
/// size (docs: `emit::svg_layout`).
pub const MAX_ELEMENTS: usize = 600;

/// Why no picture could be drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum SvgError {
    TooLarge {
        elements: usize,
    },
    /// The layout produced a coordinate that is not a number (a bug in hld).
    Layout,
}

impl std::fmt::Display for SvgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SvgError::TooLarge { elements } => write!(
                f,
                "the design has {elements} components, links and regions; the SVG layout draws at most {MAX_ELEMENTS}"
            ),
            SvgError::Layout => f.write_str("the SVG layout failed on this design (this is a bug in hld)"),
        }
    }
}

/// Average glyph width of the 12px sans-serif label font, for box sizes.
const CHAR_WIDTH: f64 = 7.0;
const LINE_HEIGHT: f64 = 15.0;
/// Average glyph width of the 10px edge label font.
const EDGE_CHAR_WIDTH: f64 = 5.8;

/// One drawn edge: the links between one pair of components.
struct PairEdge {
    links: Vec<LinkId>,
    both_ways: bool,
    dashed: bool,
    label: String,
    cap_mismatch: bool,
}

/// Links grouped by unordered pair, in declaration order: one edge per pair,
/// with an arrowhead at each end when links go both ways.
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

/// Room for the rim of a cylinder above the text.
fn rim(kind: Kind) -> f64 {
    if matches!(kind, Kind::Database | Kind::ObjectStore) {
        10.0
    } else {
        0.0
    }
}

fn node_size(kind: Kind, lines: &[String]) -> (f64, f64) {
    let widest = lines
        .iter()
        .map(|line| super::escape::visible(line).chars().count())
        .max()
        .unwrap_or(1) as f64;
    (
        widest * CHAR_WIDTH + 40.0,
        lines.len() as f64 * LINE_HEIGHT + 18.0 + rim(kind),
    )
}

fn label_width(text: &str) -> f64 {
    if text.is_empty() {
        0.0
    } else {
        super::escape::visible(text).chars().count() as f64 * EDGE_CHAR_WIDTH + 8.0
    }
}

/// The graph `svg_layout` places: a box per component (its lines' size, its
/// region's band), an edge per linked pair, in [`pair_edges`]' order.
fn graph(design: &Design, pairs: &[(ComponentId, ComponentId, PairEdge)]) -> Graph {
    Graph {
        nodes: design
            .components
            .iter()
            .map(|component| {
                let (width, height) = node_size(component.kind, &component_lines(design, component));
                NodeSpec {
                    width,
                    height,
                    band: component.region.map(|region| region.0 as usize),
                }
            })
            .collect(),
        edges: pairs
            .iter()
            .map(|(from, to, edge)| EdgeSpec {
                from: from.index(),
                to: to.index(),
                label_width: label_width(&edge.label),
            })
            .collect(),
        regions: design.regions.len(),
    }
}

/// Where the design's boxes, edges (one per linked pair of components, in
/// declaration order of each pair's first link) and regions go; what
/// [`element`] draws, public so tests can check its geometry; a design over
/// the size cap gets no layout, as it gets no picture.
pub fn layout(design: &Design) -> Result<Layout, SvgError> {
    check_size(design)?;
    let pairs = pair_edges(design, &Highlights::default());
    Ok(svg_layout::layout(&graph(design, &pairs)))
}

/// How far inside its box's left (or right) side a component's outline is,
/// `dy` from the box's middle: where an edge meets the drawn shape.
fn side_inset(kind: Kind, rect: &Rect, dy: f64, right: bool) -> f64 {
    let (w, h) = (rect.width, rect.height);
    let inset = (h / 3.0).min(14.0);
    // 0 at the top of the box, 1 at the bottom.
    let t = ((dy + h / 2.0) / h).clamp(0.0, 1.0);
    let rounded = |radius: f64| {
        let past = dy.abs() - (h / 2.0 - radius);
        if past > 0.0 {
            radius - (radius * radius - past.min(radius).powi(2)).sqrt()
        } else {
            0.0
        }
    };
    match kind {
        Kind::Client => rounded((h / 2.0).min(w / 2.0)),
        Kind::Dns => inset * t,
        Kind::External => inset * (1.0 - t),
        Kind::Cdn => inset * dy.abs() / (h / 2.0),
        Kind::LoadBalancer => (dy.abs() - (h / 2.0 - inset / 1.5)).max(0.0),
        Kind::Worker if right => inset * t,
        Kind::Worker => inset * (1.0 - t),
        Kind::Queue if right => inset * dy.abs() / (h / 2.0),
        Kind::Cache => rounded(12.0),
        Kind::Search => {
            let ratio = (dy / (h / 2.0)).clamp(-1.0, 1.0);
            w / 2.0 * (1.0 - (1.0 - ratio * ratio).sqrt())
        }
        Kind::Queue | Kind::Gateway | Kind::Service | Kind::Database | Kind::ObjectStore => 0.0,
    }
}

/// Moves a route's end from its box's side onto the component's outline.
fn onto_outline(point: &mut Point, kind: Kind, rect: &Rect) {
    let dy = point.y - (rect.y + rect.height / 2.0);
    if point.x == rect.x {
        point.x += side_inset(kind, rect, dy, false);
    } else if point.x == rect.right() {
        point.x -= side_inset(kind, rect, dy, true);
    }
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

/// Refuses a design too big to draw: its components, links and regions
/// together (a region is a band of the layout, drawn as a group).
pub fn check_size(design: &Design) -> Result<(), SvgError> {
    let elements = design.components.len() + design.links.len() + design.regions.len();
    if elements > MAX_ELEMENTS {
        return Err(SvgError::TooLarge { elements });
    }
    Ok(())
}

/// The SVG element (no XML declaration), for embedding in HTML.
pub fn element(design: &Design, highlights: &Highlights) -> Result<String, SvgError> {
    check_size(design)?;
    let pairs = pair_edges(design, highlights);
    let layout = svg_layout::layout(&graph(design, &pairs));
    // The extent of everything drawn.
    let (mut min_x, mut min_y, mut max_x, mut max_y) =
        (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    // `f64::min` skips a NaN, so a coordinate that is not finite is noted
    // here rather than lost.
    let mut all_finite = true;
    let mut extend = |x: f64, y: f64| {
        all_finite &= x.is_finite() && y.is_finite();
        min_x = min_x.min(x);
        min_y = min_y.min(y);
        max_x = max_x.max(x);
        max_y = max_y.max(y);
    };
    let regions: Vec<(usize, &Rect)> = layout
        .regions
        .iter()
        .enumerate()
        .filter_map(|(idx, rect)| Some((idx, rect.as_ref()?)))
        .collect();
    for rect in layout.nodes.iter().chain(regions.iter().map(|(_, rect)| *rect)) {
        extend(rect.x, rect.y);
        extend(rect.right(), rect.bottom());
    }
    for route in &layout.edges {
        for point in &route.points {
            extend(point.x, point.y);
        }
    }
    for ((_, _, edge), route) in pairs.iter().zip(&layout.edges) {
        if let Some(center) = route.label {
            let half = label_width(&edge.label) / 2.0;
            extend(center.x - half, center.y - svg_layout::LABEL_HEIGHT / 2.0);
            extend(center.x + half, center.y + svg_layout::LABEL_HEIGHT / 2.0);
        }
    }
    if !min_x.is_finite() {
        (min_x, min_y, max_x, max_y) = (0.0, 0.0, 240.0, 40.0);
    }
    if !all_finite || ![min_x, min_y, max_x, max_y].iter().all(|value| value.is_finite()) {
        return Err(SvgError::Layout);
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
    if !regions.is_empty() {
        out.push_str("<g class=\"regions\">\n");
        for (idx, rect) in &regions {
            let Some(region) = design.regions.get(*idx) else {
                continue;
            };
            let label = region.label.as_deref().unwrap_or(&region.id);
            let _ = writeln!(
                out,
                "<g class=\"region\" data-id=\"{}\"><title>region {}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\"/><text x=\"{}\" y=\"{}\">{}</text></g>",
                escape(&region.id),
                escape(&region.id),
                crate::format::coordinate(rect.x),
                crate::format::coordinate(rect.y),
                crate::format::coordinate(rect.width),
                crate::format::coordinate(rect.height),
                crate::format::coordinate(rect.x + 10.0),
                crate::format::coordinate(rect.y + 15.0),
                escape(label)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("<g class=\"edges\">\n");
    for ((from, to, edge), route) in pairs.iter().zip(&layout.edges) {
        let mut points = route.points.clone();
        let last = points.len().saturating_sub(1);
        for (end, id) in [(0, from), (last, to)] {
            if let (Some(point), Some(rect)) = (points.get_mut(end), layout.nodes.get(id.index())) {
                onto_outline(point, design.component(*id).kind, rect);
            }
        }
        let Some(d) = path_data(&points) else {
            continue;
        };
        let mut class = String::from("edge");
        if edge.dashed {
            class.push_str(" async");
        }
        if edge.cap_mismatch {
            class.push_str(" cap-mismatch");
        }
        let _ = writeln!(
            out,
            "<path class=\"{class}\" data-from=\"{}\" data-to=\"{}\" d=\"{d}\"{} marker-end=\"url(#hld-arrow-end)\"><title>{}</title></path>",
            escape(&design.component(*from).id),
            escape(&design.component(*to).id),
            if edge.both_ways {
                " marker-start=\"url(#hld-arrow-start)\""
            } else {
                ""
            },
            escape(&edge_title(design, edge)),
        );
    }
    out.push_str("</g>\n<g class=\"edge-labels\">\n");
    for ((_, _, edge), route) in pairs.iter().zip(&layout.edges) {
        let Some(center) = route.label else {
            continue;
        };
        // A backing so the edge under the label does not show through.
        let width = label_width(&edge.label);
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\"/><text x=\"{}\" y=\"{}\">{}</text>",
            crate::format::coordinate(center.x - width / 2.0),
            crate::format::coordinate(center.y - svg_layout::LABEL_HEIGHT / 2.0),
            crate::format::coordinate(width),
            crate::format::coordinate(svg_layout::LABEL_HEIGHT),
            crate::format::coordinate(center.x),
            crate::format::coordinate(center.y),
            escape(&edge.label)
        );
    }
    out.push_str("</g>\n<g class=\"nodes\">\n");
    for (id, rect) in design.component_ids().zip(&layout.nodes) {
        let component = design.component(id);
        let mut class = format!("node {}", component.kind.as_str().replace('_', "-"));
        if highlights.single_points_of_failure.contains(&id) {
            class.push_str(" spof");
        } else if highlights.cap_mismatch.contains(&id) {
            class.push_str(" cap-mismatch");
        }
        let mut lines = component_lines(design, component);
        let mut title = lines.join(", ");
        if let Some(region) = component.region {
            title.push_str(&format!(", @ {}", design.region(region).id));
        }
        let _ = writeln!(
            out,
            "<g class=\"{class}\" id=\"hld-node-{}\" data-id=\"{}\"><title>{}</title>{}",
            escape(&component.id),
            escape(&component.id),
            escape(&title),
            shape(component.kind, rect.x, rect.y, rect.width, rect.height)
        );
        let center_x = rect.x + rect.width / 2.0;
        let first_y =
            rect.y + (rect.height + rim(component.kind)) / 2.0 - (lines.len() as f64 - 1.0) * LINE_HEIGHT / 2.0;
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\">",
            crate::format::coordinate(center_x),
            crate::format::coordinate(first_y)
        );
        for (line_idx, line) in lines.drain(..).enumerate() {
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
                escape(&line)
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

/// `M x y H x C ...` from a route's points: a horizontal run stays a line,
/// a step from one height to another (only across a gap between columns,
/// where no box is) is a curve leaving and arriving level, inside the
/// bounding box of its two ends.
fn path_data(points: &[Point]) -> Option<String> {
    let first = points.first()?;
    points.get(1)?;
    let mut d = format!(
        "M {} {}",
        crate::format::coordinate(first.x),
        crate::format::coordinate(first.y)
    );
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.y == b.y {
            let _ = write!(d, " H {}", crate::format::coordinate(b.x));
        } else if a.x == b.x {
            let _ = write!(d, " V {}", crate::format::coordinate(b.y));
        } else {
            let middle = (a.x + b.x) / 2.0;
            let _ = write!(
                d,
                " C {} {}, {} {}, {} {}",
                crate::format::coordinate(middle),
                crate::format::coordinate(a.y),
                crate::format::coordinate(middle),
                crate::format::coordinate(b.y),
                crate::format::coordinate(b.x),
                crate::format::coordinate(b.y)
            );
        }
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
.hld-diagram .region > rect { fill: #f7f8fb; stroke: #9aa5b8; stroke-width: 1.2; stroke-dasharray: 5 3; }
.hld-diagram .region > text { font-size: 12px; font-weight: 600; fill: #4a5263; dominant-baseline: middle; }
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
