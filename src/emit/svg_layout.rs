//! The layout of the native SVG diagram (`emit::svg`): where each box, each
//! edge, each edge label and each region goes. Layered, left to right, in
//! the Sugiyama manner, written here so that edges never cross a box and
//! regions are drawn as groups, neither of which a general-purpose placer
//! gave us, and so that the result is deterministic and fast enough to redraw
//! on every keystroke (the browser playground).
//!
//! The steps:
//! 1. cycles are broken by a depth-first search from the sources, in index
//!    order: an edge back to a node on the search's stack is laid out
//!    reversed (and drawn with its arrow as declared);
//! 2. each node's layer is its longest path from a source; a source is then
//!    pulled right, next to its nearest successor;
//! 3. an edge across several layers gets a dummy point in each layer between
//!    its ends, so it travels between the boxes of that layer, not through
//!    them;
//! 4. each layer is ordered by band (a region, in declaration order; nodes
//!    with no region last), then by a few barycenter sweeps, ties kept in
//!    their previous order (at first, index order);
//! 5. bands are stacked top to bottom, each as tall as its tallest layer, so
//!    a region's rectangle holds its own components and nothing else but edge
//!    points; inside its band a node is pulled towards its neighbours'
//!    heights, its layer's order and spacing kept;
//! 6. columns are separated by gaps wide enough for the labels placed in them.
//!
//! A route is then a polyline: horizontal inside a column (leaving a box on
//! its side, or through an edge's dummy point, which the spacing keeps clear
//! of every box), and one segment across each gap between columns, where no
//! box is. The drawing may bend a gap's segment into a curve inside the
//! segment's bounding box, which stays in the gap.
//!
//! This module knows no design: `emit::svg` gives it box sizes, bands and
//! edges, and draws what it returns.

/// A box to place: its size and its band (a region's index; `None` for no
/// region, placed after every region).
#[derive(Clone, Debug, PartialEq)]
pub struct NodeSpec {
    pub width: f64,
    pub height: f64,
    pub band: Option<usize>,
}

/// An edge between two boxes (indexes into the nodes), and the width of its
/// label (0 for none; every label is [`LABEL_HEIGHT`] tall).
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeSpec {
    pub from: usize,
    pub to: usize,
    pub label_width: f64,
}

/// What to lay out: the boxes, the edges, and how many regions there are
/// (bands `0..regions`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    pub nodes: Vec<NodeSpec>,
    pub edges: Vec<EdgeSpec>,
    pub regions: usize,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.width
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// One edge's way: from a point on the side of `from`'s box to a point on
/// the side of `to`'s box, and where its label's center goes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Route {
    pub from: usize,
    pub to: usize,
    pub points: Vec<Point>,
    pub label: Option<Point>,
}

/// Where everything goes; `nodes` and `edges` in the order of the graph's,
/// `regions` one per region band (`None` when the region has no component).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    pub nodes: Vec<Rect>,
    pub edges: Vec<Route>,
    pub regions: Vec<Option<Rect>>,
}

/// Every edge label's height.
pub const LABEL_HEIGHT: f64 = 14.0;
/// The narrowest gap between two columns.
const LAYER_GAP: f64 = 56.0;
/// Room on each side of a label inside its gap.
const LABEL_MARGIN: f64 = 10.0;
/// Vertical space between two boxes of a layer.
const NODE_GAP: f64 = 22.0;
/// Vertical space between an edge's point and its neighbour in a layer.
const DUMMY_GAP: f64 = 12.0;
/// Room above a region's boxes for its label, and below them.
const REGION_TOP: f64 = 28.0;
const REGION_BOTTOM: f64 = 12.0;
/// How far a region's rectangle reaches left and right of its boxes (less
/// than half of [`LAYER_GAP`]).
const REGION_PAD: f64 = 14.0;
/// Space between two bands.
const BAND_GAP: f64 = 18.0;
/// Barycenter sweeps, and height-relaxation sweeps.
const ORDER_SWEEPS: usize = 8;
const PLACE_SWEEPS: usize = 6;

/// A node or an edge's dummy point in one layer.
#[derive(Clone, Debug)]
struct Item {
    layer: usize,
    band: usize,
    width: f64,
    height: f64,
    is_node: bool,
}

/// Lays the graph out. Edges whose ends are the same box, or out of range,
/// get an empty route.
pub fn layout(graph: &Graph) -> Layout {
    let n_nodes = graph.nodes.len();
    let valid = |edge: &EdgeSpec| edge.from != edge.to && edge.from < n_nodes && edge.to < n_nodes;
    let reversed = break_cycles(n_nodes, &graph.edges, &valid);
    // Each edge in layout direction (tail left of head), if drawn.
    let directed: Vec<Option<(usize, usize)>> = graph
        .edges
        .iter()
        .zip(&reversed)
        .map(|(edge, &reversed)| {
            valid(edge).then_some(if reversed {
                (edge.to, edge.from)
            } else {
                (edge.from, edge.to)
            })
        })
        .collect();
    let node_layer = layers(n_nodes, &directed);
    let n_layers = node_layer.iter().max().map_or(0, |max| max + 1);
    let band_of = |node: usize| {
        graph.nodes[node]
            .band
            .map_or(graph.regions, |band| band.min(graph.regions))
    };

    // Items: the nodes, then each edge's dummy points; the chain of items of
    // each edge, tail to head.
    let mut items: Vec<Item> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(idx, node)| Item {
            layer: node_layer[idx],
            band: band_of(idx),
            width: node.width,
            height: node.height,
            is_node: true,
        })
        .collect();
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(graph.edges.len());
    for pair in &directed {
        let Some((tail, head)) = *pair else {
            chains.push(Vec::new());
            continue;
        };
        let (first, last) = (node_layer[tail], node_layer[head]);
        let mut chain = vec![tail];
        for layer in first + 1..last {
            // The first half of a long edge runs in its tail's band, the rest
            // in its head's.
            let band = if (layer - first) * 2 <= last - first {
                band_of(tail)
            } else {
                band_of(head)
            };
            chain.push(items.len());
            items.push(Item {
                layer,
                band,
                width: 0.0,
                height: 0.0,
                is_node: false,
            });
        }
        chain.push(head);
        chains.push(chain);
    }
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for chain in &chains {
        for pair in chain.windows(2) {
            down[pair[0]].push(pair[1]);
            up[pair[1]].push(pair[0]);
        }
    }

    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); n_layers];
    for (idx, item) in items.iter().enumerate() {
        rows[item.layer].push(idx);
    }
    order(&items, &mut rows, &up, &down);

    // Columns.
    let mut column_width = vec![0.0f64; n_layers];
    for item in &items {
        column_width[item.layer] = column_width[item.layer].max(item.width);
    }
    let label_gaps = label_gaps(graph, &chains, &items, n_layers);
    let mut gap_width = vec![LAYER_GAP; n_layers.saturating_sub(1)];
    for (edge, gap) in graph.edges.iter().zip(&label_gaps) {
        if let Some(gap) = gap {
            gap_width[*gap] = gap_width[*gap].max(edge.label_width + 2.0 * LABEL_MARGIN);
        }
    }
    let mut column_left = Vec::with_capacity(n_layers);
    let mut x = 0.0;
    for (layer, width) in column_width.iter().enumerate() {
        column_left.push(x);
        x += width + gap_width.get(layer).copied().unwrap_or(0.0);
    }

    // Bands and heights.
    let (tops, band_boxes) = heights(&items, &rows, &up, &down, graph.regions);

    let nodes: Vec<Rect> = (0..n_nodes)
        .map(|idx| {
            let item = &items[idx];
            Rect {
                x: column_left[item.layer] + (column_width[item.layer] - item.width) / 2.0,
                y: tops[idx],
                width: item.width,
                height: item.height,
            }
        })
        .collect();
    // Each band's horizontal extent, in one pass over the boxes.
    let mut extents = vec![(f64::INFINITY, f64::NEG_INFINITY); graph.regions];
    for (idx, node) in nodes.iter().enumerate() {
        if let Some((left, right)) = extents.get_mut(items[idx].band) {
            *left = left.min(node.x);
            *right = right.max(node.right());
        }
    }
    let regions = (0..graph.regions)
        .map(|band| {
            let (top, bottom) = band_boxes.get(band).copied().flatten()?;
            let (left, right) = extents.get(band).copied()?;
            left.is_finite().then_some(Rect {
                x: left - REGION_PAD,
                y: top,
                width: right - left + 2.0 * REGION_PAD,
                height: bottom - top,
            })
        })
        .collect();

    let edges = routes(
        graph,
        &directed,
        &chains,
        &items,
        &nodes,
        &tops,
        &column_left,
        &column_width,
        &label_gaps,
    );
    Layout { nodes, edges, regions }
}

/// Which edges to lay out reversed so the rest is acyclic: a depth-first
/// search from the sources (in index order), then from every node not yet
/// reached; an edge to a node on the search's stack closes a cycle.
fn break_cycles(n_nodes: usize, edges: &[EdgeSpec], valid: &dyn Fn(&EdgeSpec) -> bool) -> Vec<bool> {
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n_nodes];
    let mut has_in = vec![false; n_nodes];
    for (idx, edge) in edges.iter().enumerate() {
        if valid(edge) {
            out_edges[edge.from].push(idx);
            has_in[edge.to] = true;
        }
    }
    let mut reversed = vec![false; edges.len()];
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state = vec![0u8; n_nodes];
    let starts = (0..n_nodes).filter(|&node| !has_in[node]).chain(0..n_nodes);
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for start in starts {
        if state[start] != 0 {
            continue;
        }
        state[start] = 1;
        stack.push((start, 0));
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            if let Some(&edge) = out_edges[node].get(*next) {
                *next += 1;
                let to = edges[edge].to;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => reversed[edge] = true,
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// Each node's layer: the longest path to it from a source, then each source
/// moved to just before its nearest successor.
fn layers(n_nodes: usize, directed: &[Option<(usize, usize)>]) -> Vec<usize> {
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); n_nodes];
    let mut in_degree = vec![0usize; n_nodes];
    for &(tail, head) in directed.iter().flatten() {
        successors[tail].push(head);
        in_degree[head] += 1;
    }
    let mut layer = vec![0usize; n_nodes];
    let mut remaining = in_degree.clone();
    let mut ready: Vec<usize> = (0..n_nodes).rev().filter(|&node| remaining[node] == 0).collect();
    while let Some(node) = ready.pop() {
        for &head in &successors[node] {
            layer[head] = layer[head].max(layer[node] + 1);
            remaining[head] -= 1;
            if remaining[head] == 0 {
                ready.push(head);
            }
        }
    }
    for node in 0..n_nodes {
        if in_degree[node] == 0
            && let Some(nearest) = successors[node].iter().map(|&head| layer[head]).min()
        {
            layer[node] = nearest.saturating_sub(1);
        }
    }
    layer
}

/// Orders each layer: by band, then by barycenter sweeps down and up.
fn order(items: &[Item], rows: &mut [Vec<usize>], up: &[Vec<usize>], down: &[Vec<usize>]) {
    let mut position = vec![0usize; items.len()];
    let renumber = |row: &[usize], position: &mut [usize]| {
        for (idx, &item) in row.iter().enumerate() {
            position[item] = idx;
        }
    };
    for row in rows.iter_mut() {
        row.sort_by_key(|&item| items[item].band);
        renumber(row, &mut position);
    }
    let n_layers = rows.len();
    let mut keys: Vec<(usize, f64, usize, usize)> = Vec::new();
    for sweep in 0..ORDER_SWEEPS {
        let downward = sweep % 2 == 0;
        for step in 1..n_layers {
            let layer = if downward { step } else { n_layers - 1 - step };
            let neighbours = if downward { up } else { down };
            keys.clear();
            for &item in &rows[layer] {
                let links = &neighbours[item];
                let barycenter = if links.is_empty() {
                    position[item] as f64
                } else {
                    links.iter().map(|&other| position[other] as f64).sum::<f64>() / links.len() as f64
                };
                keys.push((items[item].band, barycenter, position[item], item));
            }
            keys.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
            rows[layer].clear();
            rows[layer].extend(keys.iter().map(|key| key.3));
            renumber(&rows[layer], &mut position);
        }
    }
}

/// The space between two neighbours of a layer.
fn separation(a: &Item, b: &Item) -> f64 {
    if a.is_node && b.is_node { NODE_GAP } else { DUMMY_GAP }
}

/// Each item's top (a dummy's top is its height), and each band's top and
/// bottom (`None` for an empty band); bands `0..regions` are regions, the
/// last holds everything else.
#[allow(clippy::type_complexity)]
fn heights(
    items: &[Item],
    rows: &[Vec<usize>],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    regions: usize,
) -> (Vec<f64>, Vec<Option<(f64, f64)>>) {
    let n_bands = regions + 1;
    // The tallest stack of each band.
    let mut content = vec![None::<f64>; n_bands];
    for row in rows {
        let mut idx = 0;
        while idx < row.len() {
            let band = items[row[idx]].band;
            let mut total = items[row[idx]].height;
            let mut end = idx + 1;
            while end < row.len() && items[row[end]].band == band {
                total += separation(&items[row[end - 1]], &items[row[end]]) + items[row[end]].height;
                end += 1;
            }
            content[band] = Some(content[band].map_or(total, |tallest: f64| tallest.max(total)));
            idx = end;
        }
    }
    // Bands top to bottom: (band top, content top, content bottom, band bottom).
    let mut bands: Vec<Option<(f64, f64, f64, f64)>> = vec![None; n_bands];
    let mut y = 0.0;
    for band in 0..n_bands {
        let Some(height) = content[band] else {
            continue;
        };
        let is_region = band < regions;
        let top_room = if is_region { REGION_TOP } else { 0.0 };
        let bottom_room = if is_region { REGION_BOTTOM } else { 0.0 };
        let lo = y + top_room;
        bands[band] = Some((y, lo, lo + height, lo + height + bottom_room));
        y = lo + height + bottom_room + BAND_GAP;
    }

    // Start: each band's stack of a layer centered in the band; then pull
    // every item towards its neighbours' centers, a few sweeps each way.
    let mut tops = vec![0.0f64; items.len()];
    let mut desired: Vec<f64> = Vec::new();
    let mut group: Vec<usize> = Vec::new();
    let n_layers = rows.len();
    for sweep in 0..=PLACE_SWEEPS {
        for step in 0..n_layers {
            let layer = if sweep % 2 == 0 { step } else { n_layers - 1 - step };
            let row = &rows[layer];
            let mut idx = 0;
            while idx < row.len() {
                let band = items[row[idx]].band;
                group.clear();
                while idx < row.len() && items[row[idx]].band == band {
                    group.push(row[idx]);
                    idx += 1;
                }
                let Some((_, lo, hi, _)) = bands[band] else {
                    continue;
                };
                desired.clear();
                if sweep == 0 {
                    let total: f64 = group.iter().map(|&item| items[item].height).sum::<f64>()
                        + group
                            .windows(2)
                            .map(|pair| separation(&items[pair[0]], &items[pair[1]]))
                            .sum::<f64>();
                    let mut y = lo + (hi - lo - total) / 2.0;
                    for (pos, &item) in group.iter().enumerate() {
                        if pos > 0 {
                            y += separation(&items[group[pos - 1]], &items[item]);
                        }
                        desired.push(y + items[item].height / 2.0);
                        y += items[item].height;
                    }
                } else {
                    for &item in &group {
                        let center = |other: usize| tops[other] + items[other].height / 2.0;
                        let links = up[item].iter().chain(&down[item]);
                        let count = up[item].len() + down[item].len();
                        desired.push(if count == 0 {
                            center(item)
                        } else {
                            links.map(|&other| center(other)).sum::<f64>() / count as f64
                        });
                    }
                }
                place(items, &group, &desired, lo, hi, &mut tops);
            }
        }
    }
    let boxes = bands
        .iter()
        .map(|band| band.map(|(top, _, _, bottom)| (top, bottom)))
        .collect();
    (tops, boxes)
}

/// Places one band's items of a layer, in order, as near their desired
/// centers as spacing and the band allow: the mean of a placement packed
/// from the top and one packed from the bottom (both keep every constraint,
/// so their mean does too).
fn place(items: &[Item], group: &[usize], desired: &[f64], lo: f64, hi: f64, tops: &mut [f64]) {
    let n = group.len();
    let height = |pos: usize| items[group[pos]].height;
    let gap = |pos: usize| separation(&items[group[pos - 1]], &items[group[pos]]);
    let mut down_first = vec![0.0; n];
    for pos in 0..n {
        let mut top = (desired[pos] - height(pos) / 2.0).max(lo);
        if pos > 0 {
            top = top.max(down_first[pos - 1] + height(pos - 1) + gap(pos));
        }
        down_first[pos] = top;
    }
    for pos in (0..n).rev() {
        let mut top = down_first[pos].min(hi - height(pos));
        if pos + 1 < n {
            top = top.min(down_first[pos + 1] - gap(pos + 1) - height(pos));
        }
        down_first[pos] = top;
    }
    let mut up_first = vec![0.0; n];
    for pos in (0..n).rev() {
        let mut top = (desired[pos] - height(pos) / 2.0).min(hi - height(pos));
        if pos + 1 < n {
            top = top.min(up_first[pos + 1] - gap(pos + 1) - height(pos));
        }
        up_first[pos] = top;
    }
    for pos in 0..n {
        let mut top = up_first[pos].max(lo);
        if pos > 0 {
            top = top.max(up_first[pos - 1] + height(pos - 1) + gap(pos));
        }
        up_first[pos] = top;
    }
    for pos in 0..n {
        tops[group[pos]] = (down_first[pos] + up_first[pos]) / 2.0;
    }
}

/// The gap (between layer `g` and `g + 1`) where each labelled edge's label
/// goes: of the gaps the edge crosses, the one with the fewest labels so far.
fn label_gaps(graph: &Graph, chains: &[Vec<usize>], items: &[Item], n_layers: usize) -> Vec<Option<usize>> {
    let mut count = vec![0usize; n_layers];
    graph
        .edges
        .iter()
        .zip(chains)
        .map(|(edge, chain)| {
            if edge.label_width <= 0.0 {
                return None;
            }
            let (first, last) = (items[*chain.first()?].layer, items[*chain.last()?].layer);
            let gap = (first..last).min_by_key(|&gap| count[gap])?;
            count[gap] += 1;
            Some(gap)
        })
        .collect()
}

/// Each edge's polyline, with ports spread along each box's sides.
#[allow(clippy::too_many_arguments)]
fn routes(
    graph: &Graph,
    directed: &[Option<(usize, usize)>],
    chains: &[Vec<usize>],
    items: &[Item],
    nodes: &[Rect],
    tops: &[f64],
    column_left: &[f64],
    column_width: &[f64],
    label_gaps: &[Option<usize>],
) -> Vec<Route> {
    let center = |item: usize| tops[item] + items[item].height / 2.0;
    // Ports: a node's edges on its right side (towards later layers) sorted
    // by the height of where they go next, on its left side by where they
    // come from; then spread over the middle of the side.
    let mut right_side: Vec<Vec<(f64, usize)>> = vec![Vec::new(); nodes.len()];
    let mut left_side: Vec<Vec<(f64, usize)>> = vec![Vec::new(); nodes.len()];
    for (edge, chain) in chains.iter().enumerate() {
        if chain.len() < 2 {
            continue;
        }
        right_side[chain[0]].push((center(chain[1]), edge));
        left_side[chain[chain.len() - 1]].push((center(chain[chain.len() - 2]), edge));
    }
    let mut out_port = vec![0.0f64; chains.len()];
    let mut in_port = vec![0.0f64; chains.len()];
    for (node, rect) in nodes.iter().enumerate() {
        for (side, ports) in [
            (&mut right_side[node], &mut out_port),
            (&mut left_side[node], &mut in_port),
        ] {
            side.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let count = side.len();
            let span = (rect.height * 0.6).min(count.saturating_sub(1) as f64 * 10.0);
            let step = if count > 1 { span / (count - 1) as f64 } else { 0.0 };
            for (pos, (_, edge)) in side.iter().enumerate() {
                ports[*edge] = rect.y + rect.height / 2.0 - span / 2.0 + pos as f64 * step;
            }
        }
    }
    let column_right = |layer: usize| column_left[layer] + column_width[layer];
    let mut routes = Vec::with_capacity(graph.edges.len());
    for (edge, spec) in graph.edges.iter().enumerate() {
        let chain = &chains[edge];
        let Some((tail, head)) = directed[edge] else {
            routes.push(Route {
                from: spec.from,
                to: spec.to,
                ..Route::default()
            });
            continue;
        };
        let mut points: Vec<Point> = Vec::with_capacity(2 * chain.len());
        let mut push = |point: Point| {
            if points.last() != Some(&point) {
                points.push(point);
            }
        };
        let tail_layer = items[tail].layer;
        push(Point {
            x: nodes[tail].right(),
            y: out_port[edge],
        });
        push(Point {
            x: column_right(tail_layer),
            y: out_port[edge],
        });
        for &dummy in &chain[1..chain.len() - 1] {
            let layer = items[dummy].layer;
            let y = tops[dummy];
            push(Point {
                x: column_left[layer],
                y,
            });
            push(Point {
                x: column_right(layer),
                y,
            });
        }
        let head_layer = items[head].layer;
        push(Point {
            x: column_left[head_layer],
            y: in_port[edge],
        });
        push(Point {
            x: nodes[head].x,
            y: in_port[edge],
        });
        // The label at the middle of the segment across its gap.
        let label = label_gaps[edge].and_then(|gap| {
            let start = column_right(gap);
            points.windows(2).find_map(|pair| {
                (pair[0].x == start && pair[1].x > start).then(|| Point {
                    x: (pair[0].x + pair[1].x) / 2.0,
                    y: (pair[0].y + pair[1].y) / 2.0,
                })
            })
        });
        if tail != spec.from {
            points.reverse();
        }
        routes.push(Route {
            from: spec.from,
            to: spec.to,
            points,
            label,
        });
    }
    routes
}

/// Whether a segment crosses (or touches the inside of) a rectangle shrunk
/// by `inset` on every side: a clipping test (Liang–Barsky). For tests and
/// for callers that check a route.
pub fn segment_crosses(a: Point, b: Point, rect: &Rect, inset: f64) -> bool {
    let (left, right) = (rect.x + inset, rect.right() - inset);
    let (top, bottom) = (rect.y + inset, rect.bottom() - inset);
    if left >= right || top >= bottom {
        return false;
    }
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.x - left),
        (dx, right - a.x),
        (-dy, a.y - top),
        (dy, bottom - a.y),
    ] {
        if p == 0.0 {
            if q <= 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 >= t1 {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(band: Option<usize>) -> NodeSpec {
        NodeSpec {
            width: 80.0,
            height: 40.0,
            band,
        }
    }

    fn edge(from: usize, to: usize) -> EdgeSpec {
        EdgeSpec {
            from,
            to,
            label_width: 0.0,
        }
    }

    #[test]
    fn a_long_edge_goes_around_the_box_in_its_way() {
        // a -> b -> c and a -> c: the long edge passes b's layer beside b.
        let graph = Graph {
            nodes: vec![node(None), node(None), node(None)],
            edges: vec![edge(0, 1), edge(1, 2), edge(0, 2)],
            regions: 0,
        };
        let layout = layout(&graph);
        assert!(layout.nodes[0].right() < layout.nodes[1].x);
        assert!(layout.nodes[1].right() < layout.nodes[2].x);
        let route = &layout.edges[2];
        assert!(route.points.len() >= 4, "{route:?}");
        for pair in route.points.windows(2) {
            assert!(!segment_crosses(pair[0], pair[1], &layout.nodes[1], 0.0), "{route:?}");
        }
    }

    #[test]
    fn cycles_are_laid_out_and_drawn_from_their_source() {
        let graph = Graph {
            nodes: vec![node(None), node(None), node(None)],
            edges: vec![edge(0, 1), edge(1, 2), edge(2, 0), edge(1, 1)],
            regions: 0,
        };
        let layout = layout(&graph);
        let back = &layout.edges[2];
        let (first, last) = (back.points[0], back.points[back.points.len() - 1]);
        // Starts on c's side, ends on a's.
        assert_eq!(first.x, layout.nodes[2].x);
        assert_eq!(last.x, layout.nodes[0].right());
        assert!(layout.edges[3].points.is_empty());
    }

    #[test]
    fn regions_are_bands_holding_only_their_own_boxes() {
        let graph = Graph {
            nodes: vec![node(Some(1)), node(Some(0)), node(None), node(Some(1)), node(Some(0))],
            edges: vec![edge(0, 1), edge(2, 3), edge(3, 4), edge(1, 4)],
            regions: 2,
        };
        let layout = layout(&graph);
        for (band, region) in layout.regions.iter().enumerate() {
            let region = region.unwrap();
            for (idx, node) in layout.nodes.iter().enumerate() {
                let inside = graph.nodes[idx].band == Some(band);
                let overlaps = node.x < region.right()
                    && region.x < node.right()
                    && node.y < region.bottom()
                    && region.y < node.bottom();
                assert_eq!(inside, overlaps, "node {idx} and region {band}: {layout:?}");
            }
        }
        // Declaration order, top to bottom; no region last.
        assert!(layout.nodes[1].y < layout.nodes[0].y);
        assert!(layout.nodes[0].y < layout.nodes[2].y);
    }

    #[test]
    fn segments_and_rectangles() {
        let rect = Rect {
            x: 0.0,
            y: 0.0,
            width: 10.0,
            height: 10.0,
        };
        let p = |x, y| Point { x, y };
        assert!(segment_crosses(p(-5.0, 5.0), p(15.0, 5.0), &rect, 0.0));
        assert!(segment_crosses(p(-5.0, -5.0), p(15.0, 15.0), &rect, 0.0));
        assert!(!segment_crosses(p(-5.0, 12.0), p(15.0, 12.0), &rect, 0.0));
        assert!(!segment_crosses(p(11.0, -5.0), p(30.0, 20.0), &rect, 0.0));
        assert!(!segment_crosses(p(-5.0, 9.0), p(15.0, 9.5), &rect, 1.0));
        assert!(segment_crosses(p(5.0, 5.0), p(6.0, 6.0), &rect, 0.0));
    }
}
