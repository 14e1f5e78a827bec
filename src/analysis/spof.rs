//! Single points of failure by dominators (rules.md, `single-point-of-failure`).
//!
//! Sources are clients, and workers for their own synchronous calls. The
//! targets of a source s are the stores, externals and queues s reaches over
//! hops it waits for, plus the last component of the synchronous part of
//! each flow that starts at s. A component v with one effective instance is
//! a single point of failure when every such path from s to some target t
//! passes through v: v dominates t in the graph rooted at s (t itself
//! included). Optional caches (`cache_aside`, `read_through`) are bypassed:
//! each gets a twin node that carries the same hops, so a path may skip the
//! cache and go on to what follows it, as a miss does.
//!
//! Cost: one dominator computation (petgraph `simple_fast`) per group of
//! sources that call the same components, each over what the group reaches,
//! then one walk up the dominator tree per target and per flow target. Never
//! per pair of source and target.
//!
//! This module computes; the rule formats. It knows nothing about which
//! specific rules take precedence.

use std::collections::BTreeMap;

use rustc_hash::FxHashSet as HashSet;

use petgraph::algo::dominators::{Dominators, simple_fast};
use petgraph::graph::{DiGraph, EdgeIndex, Neighbors, NodeIndex};
use petgraph::visit::{GraphBase, GraphRef, IntoNeighbors, Visitable};

use super::graph::{Graph, is_source_kind};
use crate::model::{Component, ComponentId, FlowId, Kind};

/// How many targets a [`SinglePoint`] names; the rest are counted.
pub const NAMED_TARGETS: usize = 3;

/// One component that some source cannot do without.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SinglePoint {
    pub component: ComponentId,
    /// Sources whose paths all pass through it, by id.
    pub sources: Vec<ComponentId>,
    /// The first few targets it cuts off (the first groups' first targets,
    /// by id), and how many in all.
    pub targets: Vec<ComponentId>,
    pub n_targets: usize,
    /// Flows whose synchronous part needs it, by id.
    pub flows: Vec<FlowId>,
    /// Flows whose background work (a worker's synchronous calls) needs it.
    pub background_flows: Vec<FlowId>,
    /// Some client needs it (not only workers).
    pub user_facing: bool,
}

/// A component that counts as one instance for this analysis (language.md
/// §4, "Redundancy"): not redundant, not a source, not a bypassed cache.
pub fn has_one_instance(component: &Component) -> bool {
    !component.is_redundant()
        && !is_source_kind(component.kind)
        && !component.is_optional_cache()
        && !component.is_embedded()
}

/// What a node of the analysis graph stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Component(ComponentId),
    /// The miss path around an optional cache.
    Bypass,
    /// Where a group of sources with the same calls starts.
    Root,
}

/// One stretch of a flow that a source waits for: the synchronous part from
/// its client (or worker), or a worker's synchronous calls in the
/// background part.
struct Segment {
    source: ComponentId,
    flow: FlowId,
    background: bool,
    /// Components whose loss fails the segment: its stores, externals and
    /// queues, and for the synchronous part its last component.
    targets: Vec<ComponentId>,
}

#[derive(Default)]
struct Found {
    sources: Vec<ComponentId>,
    targets: Vec<ComponentId>,
    n_targets: usize,
    flows: Vec<FlowId>,
    background_flows: Vec<FlowId>,
    user_facing: bool,
    /// The last group that added its sources, so each group adds them once.
    last_group: Option<usize>,
}

pub fn single_points_of_failure(graph: &Graph<'_>) -> Vec<SinglePoint> {
    let design = graph.design;
    let n_components = design.components.len();

    // The analysis graph: components, a bypass twin per optional cache, and
    // only the hops a caller waits for.
    let mut analysis: DiGraph<Node, ()> = DiGraph::with_capacity(n_components, design.links.len());
    for id in design.component_ids() {
        analysis.add_node(Node::Component(id));
    }
    let mut bypass: Vec<Option<NodeIndex>> = vec![None; n_components];
    for id in design.component_ids() {
        if design.component(id).is_optional_cache() {
            let twin = analysis.add_node(Node::Bypass);
            if let Some(slot) = bypass.get_mut(id.index()) {
                *slot = Some(twin);
            }
        }
    }
    let ends = |id: ComponentId| {
        let twin = bypass.get(id.index()).copied().flatten();
        std::iter::once(NodeIndex::new(id.index())).chain(twin)
    };
    for link_id in design.link_ids() {
        if !graph.waits(link_id) {
            continue;
        }
        let link = design.link(link_id);
        for from in ends(link.from) {
            for to in ends(link.to) {
                analysis.add_edge(from, to, ());
            }
        }
    }

    // Sources that call the same nodes share one dominator tree.
    let mut groups: BTreeMap<Vec<NodeIndex>, Vec<ComponentId>> = BTreeMap::new();
    for source in graph.entry_points() {
        let mut calls: Vec<NodeIndex> = analysis.neighbors(NodeIndex::new(source.index())).collect();
        calls.sort_unstable();
        calls.dedup();
        if !calls.is_empty() {
            groups.entry(calls).or_default().push(source);
        }
    }
    let mut group_roots = Vec::with_capacity(groups.len());
    for calls in groups.keys() {
        let root = analysis.add_node(Node::Root);
        for call in calls {
            analysis.add_edge(root, *call, ());
        }
        group_roots.push(root);
    }
    let mut group_of: Vec<Option<usize>> = vec![None; n_components];
    for (group_idx, sources) in groups.values().enumerate() {
        for source in sources {
            if let Some(slot) = group_of.get_mut(source.index()) {
                *slot = Some(group_idx);
            }
        }
    }

    // Flow segments, by the group of their source.
    let mut segments_of: Vec<Vec<Segment>> = (0..groups.len()).map(|_| Vec::new()).collect();
    for segment in flow_segments(graph) {
        if let Some(group_idx) = group_of.get(segment.source.index()).copied().flatten()
            && let Some(list) = segments_of.get_mut(group_idx)
        {
            list.push(segment);
        }
    }

    let is_target_kind = |id: ComponentId| is_target_kind(graph.kind(id));
    let candidate: Vec<bool> = design.components.iter().map(has_one_instance).collect();
    let is_candidate = |node: NodeIndex| -> Option<ComponentId> {
        match analysis.node_weight(node) {
            Some(Node::Component(id)) if candidate.get(id.index()).copied().unwrap_or(false) => Some(*id),
            _ => None,
        }
    };

    let mut found: Vec<Found> = (0..n_components).map(|_| Found::default()).collect();
    let mut seen_stamp = vec![usize::MAX; analysis.node_count()];
    // (component, target) pairs already counted: a target reached from
    // several groups counts once.
    let mut seen_pairs: HashSet<(ComponentId, ComponentId)> = HashSet::default();
    for (group_idx, (sources, root)) in groups.values().zip(&group_roots).enumerate() {
        let user_facing = sources
            .iter()
            .any(|source| design.component(*source).kind == Kind::Client);
        let reached = reach(&analysis, *root, group_idx, &mut seen_stamp);
        // A walk over a small part of the graph keeps its visited set in a
        // hash set; a large one in petgraph's bit per node.
        let dominators = if reached.len() * 64 < analysis.node_count() {
            simple_fast(Sparse(&analysis), *root)
        } else {
            simple_fast(&analysis, *root)
        };

        // Targets reached over waited-for hops, by id.
        let mut targets: Vec<ComponentId> = reached
            .into_iter()
            .filter_map(|node| match analysis.node_weight(node) {
                Some(Node::Component(id)) if is_target_kind(*id) => Some(*id),
                _ => None,
            })
            .collect();
        for segment in segments_of.get(group_idx).into_iter().flatten() {
            if !segment.background {
                targets.extend(segment.targets.last().copied());
            }
        }
        targets.sort_unstable();
        targets.dedup();

        for target in &targets {
            for_each_single_dominator(&dominators, *target, &is_candidate, |component| {
                let Some(entry) = found.get_mut(component.index()) else {
                    return;
                };
                if entry.last_group != Some(group_idx) {
                    entry.last_group = Some(group_idx);
                    entry.sources.extend(sources.iter().copied());
                    entry.user_facing |= user_facing;
                }
                if seen_pairs.insert((component, *target)) {
                    entry.n_targets += 1;
                    if entry.targets.len() < NAMED_TARGETS {
                        entry.targets.push(*target);
                    }
                }
            });
        }

        for segment in segments_of.get(group_idx).into_iter().flatten() {
            for target in &segment.targets {
                for_each_single_dominator(&dominators, *target, &is_candidate, |component| {
                    let Some(entry) = found.get_mut(component.index()) else {
                        return;
                    };
                    let list = if segment.background {
                        &mut entry.background_flows
                    } else {
                        &mut entry.flows
                    };
                    if list.last() != Some(&segment.flow) {
                        list.push(segment.flow);
                    }
                });
            }
        }
    }

    found
        .into_iter()
        .enumerate()
        .filter(|(_, entry)| !entry.sources.is_empty())
        .map(|(idx, mut entry)| {
            entry.sources.sort_unstable();
            entry.sources.dedup();
            entry.targets.sort_unstable();
            entry.flows.sort_unstable();
            entry.flows.dedup();
            entry.background_flows.sort_unstable();
            entry.background_flows.dedup();
            entry
                .background_flows
                .retain(|flow| entry.flows.binary_search(flow).is_err());
            SinglePoint {
                component: ComponentId(idx as u32),
                sources: entry.sources,
                targets: entry.targets,
                n_targets: entry.n_targets,
                flows: entry.flows,
                background_flows: entry.background_flows,
                user_facing: entry.user_facing,
            }
        })
        .collect()
}

/// The analysis graph with a visited set that grows with what a walk
/// reaches. petgraph's own graphs give every walk a bit per node of the
/// whole graph: over thousands of small worker groups that is quadratic.
#[derive(Clone, Copy)]
struct Sparse<'a>(&'a DiGraph<Node, ()>);

impl GraphBase for Sparse<'_> {
    type NodeId = NodeIndex;
    type EdgeId = EdgeIndex;
}

impl GraphRef for Sparse<'_> {}

impl<'a> IntoNeighbors for Sparse<'a> {
    type Neighbors = Neighbors<'a, ()>;

    fn neighbors(self, node: NodeIndex) -> Neighbors<'a, ()> {
        self.0.neighbors(node)
    }
}

impl Visitable for Sparse<'_> {
    type Map = HashSet<NodeIndex>;

    fn visit_map(&self) -> HashSet<NodeIndex> {
        HashSet::default()
    }

    fn reset_map(&self, map: &mut HashSet<NodeIndex>) {
        map.clear();
    }
}

/// Calls `f` with each one-instance component among the dominators of
/// `target` (the target included), nearest first.
fn for_each_single_dominator(
    dominators: &Dominators<NodeIndex>,
    target: ComponentId,
    is_candidate: &impl Fn(NodeIndex) -> Option<ComponentId>,
    mut f: impl FnMut(ComponentId),
) {
    let Some(chain) = dominators.dominators(NodeIndex::new(target.index())) else {
        return;
    };
    for node in chain {
        if let Some(component) = is_candidate(node) {
            f(component);
        }
    }
}

/// The nodes reachable from `root`, `root` excluded; `stamp` marks them with
/// `group_idx` (reused across groups instead of clearing a set).
fn reach(graph: &DiGraph<Node, ()>, root: NodeIndex, group_idx: usize, stamp: &mut [usize]) -> Vec<NodeIndex> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    if let Some(slot) = stamp.get_mut(root.index()) {
        *slot = group_idx;
    }
    while let Some(current) = stack.pop() {
        for next in graph.neighbors(current) {
            if let Some(slot) = stamp.get_mut(next.index())
                && *slot != group_idx
            {
                *slot = group_idx;
                out.push(next);
                stack.push(next);
            }
        }
    }
    out
}

/// Every stretch of every flow that a source waits for.
fn flow_segments(graph: &Graph<'_>) -> Vec<Segment> {
    let design = graph.design;
    let is_target_kind = |id: ComponentId| is_target_kind(graph.kind(id));
    let mut segments = Vec::new();
    for flow_id in design.flow_ids() {
        let flow = design.flow(flow_id);
        // The synchronous part, when the flow starts at a source.
        if let Some(first) = flow.client()
            && is_source_kind(design.component(first).kind)
        {
            let part = graph.sync_part(flow_id);
            let nodes = &part.nodes;
            let mut targets: Vec<ComponentId> =
                nodes.iter().copied().skip(1).filter(|id| is_target_kind(*id)).collect();
            // The leaves of the synchronous tree (language.md §5; for a path,
            // its last component).
            if nodes.len() > 1 {
                targets.extend(
                    part.leaves
                        .iter()
                        .filter(|leaf| **leaf != 0)
                        .map(|leaf| flow.visits[*leaf].component),
                );
            }
            segments.push(Segment {
                source: first,
                flow: flow_id,
                background: false,
                targets,
            });
        }
        // Background work: a worker reached without waiting, then the calls
        // it waits for (its visits below, over waited-for hops).
        for (idx, visit) in flow.visits.iter().enumerate() {
            let Some(link) = visit.link else { continue };
            if graph.waits(link) || design.component(visit.component).kind != Kind::Worker {
                continue;
            }
            let mut targets = Vec::new();
            let mut stack: Vec<usize> = vec![idx];
            while let Some(current) = stack.pop() {
                for step in flow.visits[current].steps.iter().rev() {
                    for &call in step.calls.iter().rev() {
                        let callee = &flow.visits[call];
                        if callee.link.is_some_and(|link| graph.waits(link)) {
                            stack.push(call);
                        }
                    }
                }
                if current != idx && is_target_kind(flow.visits[current].component) {
                    targets.push(flow.visits[current].component);
                }
            }
            if !targets.is_empty() {
                segments.push(Segment {
                    source: visit.component,
                    flow: flow_id,
                    background: true,
                    targets,
                });
            }
        }
    }
    segments
}

/// The kinds whose reachability a single point of failure is judged by:
/// stores, external systems and queues.
fn is_target_kind(kind: Kind) -> bool {
    kind.is_store() || matches!(kind, Kind::External | Kind::Queue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::design;

    /// The components reported, by name, with the flows they take down.
    fn spof(text: &str) -> Vec<(String, Vec<String>, bool)> {
        let design = design(text);
        let graph = Graph::new(&design);
        single_points_of_failure(&graph)
            .into_iter()
            .map(|point| {
                let flows = point.flows.iter().map(|flow| design.flow(*flow).id.clone()).collect();
                (design.component(point.component).id.clone(), flows, point.user_facing)
            })
            .collect()
    }

    fn names(text: &str) -> Vec<String> {
        spof(text).into_iter().map(|(name, _, _)| name).collect()
    }

    #[test]
    fn a_chain_of_single_instances_is_all_reported() {
        let found = spof(
            "system s {\n  client u\n  load_balancer lb\n  service app\n  database db\n  u -> lb -> app -> db\n  flow f { path = u -> lb -> app -> db }\n}",
        );
        let names: Vec<_> = found.iter().map(|(name, _, _)| name.as_str()).collect();
        assert_eq!(names, vec!["lb", "app", "db"]);
        assert!(
            found
                .iter()
                .all(|(_, flows, user_facing)| flows == &["f"] && *user_facing)
        );
    }

    #[test]
    fn parallel_single_instances_are_not_reported() {
        let text = "system s {\n  client u\n  load_balancer lb_a\n  load_balancer lb_b\n  service app { replicas = 2 }\n  database db : dynamodb\n  u -> lb_a -> app\n  u -> lb_b -> app\n  app -> db\n  flow f { path = u -> lb_a -> app -> db }\n}";
        assert!(names(text).is_empty(), "{:?}", names(text));
    }

    #[test]
    fn an_optional_cache_is_bypassed_and_what_follows_it_is_not() {
        let text = "system s {\n  client u\n  service app { replicas = 2 }\n  cache c { pattern = cache_aside }\n  database db\n  u -> app -> c -> db\n  flow f { path = u -> app -> c -> db }\n}";
        assert_eq!(names(text), vec!["db"]);
        let through = "system s {\n  client u\n  service app { replicas = 2 }\n  cache c { pattern = write_through }\n  database db : dynamodb\n  u -> app -> c -> db\n  flow f { path = u -> app -> c -> db }\n}";
        assert_eq!(names(through), vec!["c"]);
    }

    #[test]
    fn two_optional_caches_in_a_row_are_both_bypassed() {
        let text = "system s {\n  client u\n  service app { replicas = 2 }\n  cache l1 { pattern = cache_aside }\n  cache l2 { pattern = read_through }\n  database db : dynamodb\n  u -> app -> l1 -> l2 -> db\n}";
        assert!(names(text).is_empty());
    }

    #[test]
    fn a_queue_on_the_synchronous_path_counts_and_what_follows_it_does_not() {
        let text = "system s {\n  client u\n  service app { replicas = 2 }\n  queue q\n  worker w\n  database db\n  u -> app -> q -> w -> db\n  flow f { path = u -> app -> q -> w -> db }\n}";
        let found = spof(text);
        let q = found.iter().find(|(name, _, _)| name == "q").unwrap();
        assert_eq!(q.1, vec!["f"]);
        assert!(q.2);
        // db is needed by the worker only: background work.
        let db = found.iter().find(|(name, _, _)| name == "db").unwrap();
        assert!(db.1.is_empty());
        assert!(!db.2);
        let design = design(text);
        let graph = Graph::new(&design);
        let points = single_points_of_failure(&graph);
        let db_point = points
            .iter()
            .find(|point| design.component(point.component).id == "db")
            .unwrap();
        assert_eq!(db_point.background_flows, vec![FlowId(0)]);
    }

    #[test]
    fn the_last_component_of_a_flow_is_a_target() {
        let text = "system s {\n  client u\n  load_balancer lb { replicas = 2 }\n  service edge_svc\n  u -> lb -> edge_svc\n  flow f { path = u -> lb -> edge_svc }\n}";
        assert_eq!(names(text), vec!["edge_svc"]);
        // Without a flow nothing makes it a target.
        let no_flow =
            "system s {\n  client u\n  load_balancer lb { replicas = 2 }\n  service edge_svc\n  u -> lb -> edge_svc\n}";
        assert!(names(no_flow).is_empty());
    }

    #[test]
    fn sources_are_never_reported() {
        let text =
            "system s {\n  client u\n  worker w\n  service app\n  database db : dynamodb\n  u -> w -> app -> db\n}";
        assert_eq!(names(text), vec!["app"]);
    }

    #[test]
    fn sources_with_the_same_calls_share_one_tree_but_keep_their_names() {
        let text = "system s {\n  client a\n  client b\n  service app\n  database db : dynamodb\n  a -> app -> db\n  b -> app\n}";
        let design = design(text);
        let graph = Graph::new(&design);
        let points = single_points_of_failure(&graph);
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].sources, vec![ComponentId(0), ComponentId(1)]);
        assert_eq!(points[0].targets, vec![design.component_id("db").unwrap()]);
    }
}
