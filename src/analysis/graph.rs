//! The resolved design as a directed graph, and the graph queries the rules
//! share: which hops a caller waits for, what each client reaches
//! synchronously, the synchronous part of every flow, the flows through each
//! component, the consumers of a queue and the writers of a store.
//!
//! Built once per `check` (linear in components + links + flow hops) and read
//! by every rule through `Context::graph`; nothing here reports findings or
//! formats text. Node `i` of [`Graph::graph`] is `ComponentId(i)`, edges are
//! links in declaration order. Every traversal is iterative, so a chain of
//! 100,000 services cannot overflow the stack, and iterates in declaration
//! order, so results are deterministic.

use std::collections::VecDeque;
use std::sync::OnceLock;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::{ComponentId, Design, FlowId, Kind, LinkId, QueuePattern, SyncPart};

pub struct Graph<'a> {
    pub design: &'a Design,
    /// Each component's kind, packed: rules filter on it without touching
    /// the (large) component records, which at 100,000 components no longer
    /// fit the caches.
    kinds: Vec<Kind>,
    /// Components as nodes (node index = component index), links as edges
    /// (each edge carries its link's id).
    pub graph: DiGraph<ComponentId, LinkId>,
    outgoing: Vec<Vec<LinkId>>,
    incoming: Vec<Vec<LinkId>>,
    waits: Vec<bool>,
    sync_parts: Vec<SyncPart>,
    flows_through: Vec<Vec<FlowId>>,
    /// Strongly connected components over waited-for hops, computed on
    /// first use and shared by every `sync_reaches` question.
    sync_sccs: OnceLock<Sccs>,
}

/// Strongly connected components, successors first, and each node's.
struct Sccs {
    components: Vec<Vec<NodeIndex>>,
    of_node: Vec<usize>,
}

impl<'a> Graph<'a> {
    pub fn new(design: &'a Design) -> Graph<'a> {
        let n_components = design.components.len();
        let kinds: Vec<Kind> = design.components.iter().map(|component| component.kind).collect();
        let mut graph = DiGraph::with_capacity(n_components, design.links.len());
        for id in design.component_ids() {
            graph.add_node(id);
        }
        let mut outgoing = vec![Vec::new(); n_components];
        let mut incoming = vec![Vec::new(); n_components];
        let mut waits = Vec::with_capacity(design.links.len());
        for link_id in design.link_ids() {
            let link = design.link(link_id);
            waits.push(design.link_waits(link_id));
            graph.add_edge(node(link.from), node(link.to), link_id);
            if let Some(list) = outgoing.get_mut(link.from.index()) {
                list.push(link_id);
            }
            if let Some(list) = incoming.get_mut(link.to.index()) {
                list.push(link_id);
            }
        }
        let sync_parts: Vec<SyncPart> = design.flows.iter().map(|flow| flow.sync_part(design)).collect();
        let mut flows_through = vec![Vec::new(); n_components];
        for (flow_idx, part) in sync_parts.iter().enumerate() {
            let flow_id = FlowId(flow_idx as u32);
            for component in &part.nodes {
                if let Some(list) = flows_through.get_mut(component.index()) {
                    // A path may visit a component twice; list the flow once.
                    if list.last() != Some(&flow_id) {
                        list.push(flow_id);
                    }
                }
            }
        }
        Graph {
            design,
            kinds,
            graph,
            outgoing,
            incoming,
            waits,
            sync_parts,
            flows_through,
            sync_sccs: OnceLock::new(),
        }
    }

    /// A component's kind.
    pub fn kind(&self, id: ComponentId) -> Kind {
        match self.kinds.get(id.index()) {
            Some(kind) => *kind,
            None => self.design.component(id).kind,
        }
    }

    /// Links out of a component, in declaration order.
    pub fn outgoing(&self, id: ComponentId) -> &[LinkId] {
        self.outgoing.get(id.index()).map_or(&[], Vec::as_slice)
    }

    /// Links into a component, in declaration order.
    pub fn incoming(&self, id: ComponentId) -> &[LinkId] {
        self.incoming.get(id.index()).map_or(&[], Vec::as_slice)
    }

    /// The work queues a consumer reads (its incoming links from queues of
    /// `pattern = work_queue`), each once, in link order, with each one's
    /// number of consumers. Linear in the links around those queues.
    pub fn work_queues_read(&self, consumer: ComponentId) -> Vec<(ComponentId, usize)> {
        let design = self.design;
        let mut queues: Vec<(ComponentId, usize)> = Vec::new();
        for &link in self.incoming(consumer) {
            let from = design.link(link).from;
            let queue = design.component(from);
            if queue.kind != Kind::Queue
                || queue.queue_pattern != QueuePattern::WorkQueue
                || queues.iter().any(|(id, _)| *id == from)
            {
                continue;
            }
            let mut readers: Vec<ComponentId> = self.outgoing(from).iter().map(|&out| design.link(out).to).collect();
            readers.sort_unstable();
            readers.dedup();
            queues.push((from, readers.len()));
        }
        queues
    }

    /// Whether the caller waits for this hop: a `sync` link, or the enqueue
    /// of an `async` link into a queue (the caller waits for the queue's
    /// acknowledgement, language.md §2 "Flows"). A queue handing messages on
    /// to a consumer or another queue does not make anyone wait.
    pub fn waits(&self, link: LinkId) -> bool {
        self.waits.get(link.index()).copied().unwrap_or(false)
    }

    /// The hops a component's caller waits for: `(link, target)`.
    pub fn sync_successors(&self, id: ComponentId) -> impl Iterator<Item = (LinkId, ComponentId)> + '_ {
        self.outgoing(id)
            .iter()
            .filter(|link| self.waits(**link))
            .map(|link| (*link, self.design.link(*link).to))
    }

    /// The synchronous part of a flow (computed once).
    pub fn sync_part(&self, flow: FlowId) -> &SyncPart {
        &self.sync_parts[flow.index()]
    }

    /// Flows whose synchronous part visits the component, in flow order.
    pub fn flows_through(&self, id: ComponentId) -> &[FlowId] {
        self.flows_through.get(id.index()).map_or(&[], Vec::as_slice)
    }

    /// The links out of a queue: one per consumer.
    pub fn consumers(&self, queue: ComponentId) -> &[LinkId] {
        self.outgoing(queue)
    }

    /// The links that write a component (`op = write` or `read_write`).
    pub fn writers(&self, store: ComponentId) -> impl Iterator<Item = LinkId> + '_ {
        self.incoming(store)
            .iter()
            .copied()
            .filter(|link| self.design.link(*link).op.writes())
    }

    /// Clients, and workers (which may start work on their own): where the
    /// rules start walking the design.
    pub fn entry_points(&self) -> impl Iterator<Item = ComponentId> + '_ {
        self.design.component_ids().filter(|id| is_source_kind(self.kind(*id)))
    }

    /// For every component, whether it or anything it reaches over hops its
    /// caller waits for satisfies `wanted`. One pass over the strongly
    /// connected components, so it costs O(components + links) whatever the
    /// number of questions asked of the result.
    pub fn sync_reaches(&self, wanted: impl Fn(ComponentId) -> bool) -> Vec<bool> {
        let Sccs {
            components: sccs,
            of_node: scc_of,
        } = self.sync_sccs.get_or_init(|| self.compute_sync_sccs());
        let mut scc_reaches = vec![false; sccs.len()];
        for (scc_idx, scc) in sccs.iter().enumerate() {
            let mut reaches = false;
            for node in scc {
                let id = ComponentId(node.index() as u32);
                if wanted(id) {
                    reaches = true;
                    break;
                }
                for (_, target) in self.sync_successors(id) {
                    let target_scc = scc_of.get(target.index()).copied().unwrap_or(usize::MAX);
                    if target_scc != scc_idx && scc_reaches.get(target_scc).copied().unwrap_or(false) {
                        reaches = true;
                        break;
                    }
                }
                if reaches {
                    break;
                }
            }
            if let Some(slot) = scc_reaches.get_mut(scc_idx) {
                *slot = reaches;
            }
        }
        scc_of
            .iter()
            .map(|scc_idx| scc_reaches.get(*scc_idx).copied().unwrap_or(false))
            .collect()
    }

    fn compute_sync_sccs(&self) -> Sccs {
        let sync_only =
            petgraph::visit::EdgeFiltered::from_fn(&self.graph, |edge: petgraph::graph::EdgeReference<'_, LinkId>| {
                self.waits(*edge.weight())
            });
        // kosaraju_scc is iterative (tarjan_scc recurses) and lists the
        // components in reverse topological order: successors first.
        let components = petgraph::algo::kosaraju_scc(&sync_only);
        let mut of_node = vec![usize::MAX; self.graph.node_count()];
        for (scc_idx, scc) in components.iter().enumerate() {
            for node in scc {
                if let Some(slot) = of_node.get_mut(node.index()) {
                    *slot = scc_idx;
                }
            }
        }
        Sccs { components, of_node }
    }

    /// The nearest component (breadth first, links in declaration order)
    /// that `from` reaches over hops it waits for and that satisfies `wanted`,
    /// `from` itself excluded.
    pub fn first_sync(&self, from: ComponentId, wanted: impl Fn(ComponentId) -> bool) -> Option<ComponentId> {
        // Sized by what the walk reaches (usually a few hops), not by the
        // design: it runs once per client.
        let mut seen: rustc_hash::FxHashSet<ComponentId> = rustc_hash::FxHashSet::default();
        let mut queue = VecDeque::new();
        seen.insert(from);
        queue.push_back(from);
        while let Some(current) = queue.pop_front() {
            for (_, target) in self.sync_successors(current) {
                if !seen.insert(target) {
                    continue;
                }
                if wanted(target) {
                    return Some(target);
                }
                queue.push_back(target);
            }
        }
        None
    }

    /// Every component that some path of links (sync or async) reaches from
    /// `starts`, the starts included. A queue's `dead_letter = other` counts
    /// as a link to the other queue.
    pub fn reachable_from(&self, starts: impl IntoIterator<Item = ComponentId>) -> Vec<bool> {
        let mut seen = vec![false; self.design.components.len()];
        let mut stack = Vec::new();
        for start in starts {
            if mark(&mut seen, start) {
                stack.push(start);
            }
        }
        while let Some(current) = stack.pop() {
            let dead_letter = match self.kind(current) {
                Kind::Queue => match self.design.component(current).dead_letter {
                    crate::model::DeadLetter::Queue(other) => Some(other),
                    _ => None,
                },
                _ => None,
            };
            let targets = self
                .outgoing(current)
                .iter()
                .map(|link| self.design.link(*link).to)
                .chain(dead_letter);
            for target in targets {
                if mark(&mut seen, target) {
                    stack.push(target);
                }
            }
        }
        seen
    }
}

/// The petgraph node of a component.
pub fn node(id: ComponentId) -> NodeIndex {
    NodeIndex::new(id.index())
}

/// Clients and workers start work; the single point of failure rule walks
/// from them and never reports them.
pub fn is_source_kind(kind: Kind) -> bool {
    matches!(kind, Kind::Client | Kind::Worker)
}

/// Marks a component as seen; false when it already was.
fn mark(seen: &mut [bool], id: ComponentId) -> bool {
    match seen.get_mut(id.index()) {
        Some(slot) if !*slot => {
            *slot = true;
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::design;

    fn id(design: &Design, name: &str) -> ComponentId {
        design.component_id(name).unwrap()
    }

    #[test]
    fn the_caller_waits_for_sync_hops_and_enqueues_only() {
        let design = design(
            "system s {\n  client u\n  service a\n  queue q\n  worker w\n  database d\n  service b\n  u -> a -> q -> w -> d\n  a -> b { mode = async }\n}",
        );
        let graph = Graph::new(&design);
        let waits: Vec<bool> = design.link_ids().map(|link| graph.waits(link)).collect();
        assert_eq!(waits, vec![true, true, false, true, false]);
        let consumers: Vec<_> = graph.consumers(id(&design, "q")).to_vec();
        assert_eq!(consumers, vec![LinkId(2)]);
    }

    #[test]
    fn sync_reaches_follows_cycles_and_stops_at_async_hops() {
        let design = design(
            "system s {\n  client u\n  service a\n  service b\n  queue q\n  worker w\n  database d\n  u -> a -> b -> a\n  b -> q -> w -> d\n}",
        );
        let graph = Graph::new(&design);
        let d = id(&design, "d");
        let reaches = graph.sync_reaches(|component| component == d);
        assert!(!reaches[id(&design, "u").index()]);
        assert!(reaches[id(&design, "w").index()]);
        let q = id(&design, "q");
        let reaches_q = graph.sync_reaches(|component| component == q);
        assert!(reaches_q[id(&design, "u").index()]);
        assert!(reaches_q[id(&design, "a").index()]);
        assert!(!reaches_q[id(&design, "w").index()]);
    }

    #[test]
    fn reachability_counts_every_link_and_dead_letters() {
        let design = design(
            "system s {\n  client u\n  service a\n  queue q { dead_letter = dlq }\n  queue dlq\n  database orphan\n  u -> a -> q\n}",
        );
        let graph = Graph::new(&design);
        let seen = graph.reachable_from(graph.entry_points());
        assert!(seen[id(&design, "dlq").index()]);
        assert!(!seen[id(&design, "orphan").index()]);
    }

    #[test]
    fn first_sync_is_breadth_first() {
        let design = design(
            "system s {\n  client u\n  load_balancer lb\n  service deep\n  gateway near\n  u -> lb -> deep\n  u -> near\n}",
        );
        let graph = Graph::new(&design);
        let found = graph.first_sync(id(&design, "u"), |c| design.component(c).kind.is_app_tier());
        assert_eq!(found, Some(id(&design, "near")));
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let mut text = String::from("system s {\n  client c\n");
        for idx in 0..50_000 {
            text.push_str(&format!("  service s{idx}\n"));
        }
        text.push_str("  c -> s0\n");
        for idx in 1..50_000 {
            text.push_str(&format!("  s{} -> s{idx}\n", idx - 1));
        }
        text.push('}');
        let design = design(&text);
        let graph = Graph::new(&design);
        let last = id(&design, "s49999");
        let reaches = graph.sync_reaches(|c| c == last);
        assert!(reaches[id(&design, "c").index()]);
    }
}
