//! The capacity model of language.md §4: each flow's rps reaches each node
//! of its path thinned by the cdn and cache hits before it; loads add up
//! over flows; utilization ρ = λ / (c·μ) with c by kind and operation.
//! Queues: the inflow is what producers send; a `work_queue` splits it
//! evenly over its consumers, `pub_sub` delivers all of it to each; a
//! consumer takes at most c·μ, the rest stays in the queue, and downstream
//! of a consumer the load is what it takes.
//!
//! Readings where language.md is silent (docs/estimate.md): a queue's
//! consumers are the targets of its links; a `work_queue`'s out rate is the
//! sum of what its consumers take, a `pub_sub` queue's the rate of its
//! slowest consumer (a message leaves when every consumer has it); a
//! component that is both reached directly and a consumer serves its direct
//! load first; search indexes handle shards like databases.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use super::availability::judged_op;
use super::queueing::Loading;
use crate::model::{
    Component, ComponentId, Design, Fanout, Flow, FlowId, HaMode, Kind, Link, Op, QueuePattern, ReadFrom, Replication,
};

/// c·μ for a hop into `component` by operation `op` over `incoming`: the
/// rate it can take, or `None` without a `capacity`.
pub fn hop_capacity(component: &Component, op: Op, incoming: Option<&Link>) -> Option<f64> {
    let per_instance = component.capacity?;
    Some(instance_count(component, op, incoming) * per_instance)
}

/// c (language.md §4, "Capacity") and why.
pub fn instances(component: &Component, op: Op, incoming: Option<&Link>) -> (f64, String) {
    (
        instance_count(component, op, incoming),
        instances_reason(component, op, incoming),
    )
}

/// How a hop into a component is served: what `c` counts.
struct Serving {
    is_read: bool,
    pinned: bool,
    fanout_all: bool,
    shards: u32,
    /// The share of the load on the busiest shard (1/shards unless a hot
    /// key skews it).
    busiest: f64,
}

impl Serving {
    fn new(component: &Component, op: Op, incoming: Option<&Link>) -> Serving {
        Serving {
            is_read: judged_op(op) == Op::Read,
            pinned: incoming.is_some_and(|link| link.read_from == ReadFrom::Primary),
            fanout_all: incoming.is_some_and(|link| link.fanout == Fanout::All),
            shards: component.shard.as_ref().map_or(1, |shard| shard.count.max(1)),
            busiest: component.shard.as_ref().map_or(1.0, |shard| shard.busiest_share()),
        }
    }

    fn sharded(&self, component: &Component) -> bool {
        matches!(component.kind, Kind::Database | Kind::Search) && self.shards > 1
    }
}

/// c alone, without the words of [`instances`] (the capacity model asks for
/// it at every hop of every flow).
pub fn instance_count(component: &Component, op: Op, incoming: Option<&Link>) -> f64 {
    let serving = Serving::new(component, op, incoming);
    let is_read = serving.is_read;
    let per_shard = match component.kind {
        Kind::Database => match &component.replication {
            Replication::None => 1.0,
            Replication::PrimaryReplica { replicas, .. } if is_read && !serving.pinned => {
                f64::from(replicas.saturating_add(1))
            }
            Replication::PrimaryReplica { .. } => 1.0,
            Replication::Quorum { n, r, w } => {
                let k = if is_read { *r } else { *w };
                f64::from(*n) / f64::from(k.max(1))
            }
            Replication::MultiPrimary { primaries, .. } if is_read => f64::from(*primaries),
            Replication::MultiPrimary { .. } => 1.0,
        },
        Kind::LoadBalancer | Kind::Gateway if component.ha_mode == Some(HaMode::ActivePassive) => 1.0,
        _ => f64::from(component.replicas.max(1)),
    };
    if serving.sharded(component) && !serving.fanout_all {
        // The busiest shard's utilization is the store's: its share of the
        // load on its own nodes (N shards' worth when the spread is even).
        let even = 1.0 / f64::from(serving.shards);
        if serving.busiest > even + 1e-12 {
            per_shard / serving.busiest
        } else {
            per_shard * f64::from(serving.shards)
        }
    } else {
        per_shard
    }
}

/// Why c is what [`instance_count`] says.
fn instances_reason(component: &Component, op: Op, incoming: Option<&Link>) -> String {
    let serving = Serving::new(component, op, incoming);
    let is_read = serving.is_read;
    let why = match component.kind {
        Kind::Database => match &component.replication {
            Replication::None => "one node".to_string(),
            Replication::PrimaryReplica { replicas, .. } if is_read && !serving.pinned => {
                let nodes = f64::from(replicas.saturating_add(1));
                format!("reads on any of {nodes} nodes")
            }
            Replication::PrimaryReplica { .. } if is_read => "reads pinned to the primary".to_string(),
            Replication::PrimaryReplica { .. } => "writes on the primary".to_string(),
            Replication::Quorum { n, r, w } => {
                let k = if is_read { *r } else { *w };
                let what = if is_read { "reads" } else { "writes" };
                format!("{what}: n / {} = {n} / {k}", if is_read { "r" } else { "w" })
            }
            Replication::MultiPrimary { primaries, .. } if is_read => {
                format!("reads on any of {primaries} primaries")
            }
            Replication::MultiPrimary { .. } => "every primary applies every write".to_string(),
        },
        Kind::LoadBalancer | Kind::Gateway if component.ha_mode == Some(HaMode::ActivePassive) => {
            "active_passive: one instance serves".to_string()
        }
        _ => {
            let n = component.replicas.max(1);
            crate::format::count(n as usize, "replica")
        }
    };
    let shards = serving.shards;
    let even = 1.0 / f64::from(shards.max(1));
    if serving.sharded(component) && !serving.fanout_all && serving.busiest > even + 1e-12 {
        format!(
            "{why} per shard; the busiest shard takes {} of the load (hot_share), so c = per shard / {}",
            crate::format::percent(serving.busiest),
            crate::format::plain(serving.busiest)
        )
    } else if serving.sharded(component) && !serving.fanout_all {
        format!("{why} per shard, × {shards} shards")
    } else if serving.sharded(component) {
        format!("{why} per shard; fanout = all sends the full rate to every shard")
    } else {
        why
    }
}

/// One component's load.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentLoad {
    pub component: ComponentId,
    /// Requests per second it serves: direct load plus what it takes from
    /// queues.
    pub load_rps: f64,
    /// The rate reaching it other than from a queue (synchronously, or from
    /// a fire-and-forget hop or a consumer upstream).
    pub direct_rps: f64,
    /// What it takes from queues, as a consumer.
    pub consumed_rps: f64,
    /// What queues offer it, as a consumer (its share of their inflow).
    pub offered_rps: f64,
    /// The rate it can take at this mix of operations (load / ρ), or, with
    /// no load, for a write.
    pub capacity_rps: Option<f64>,
    pub utilization: Option<f64>,
    /// Mean M/M/c wait of a request (language.md §6), with c as its
    /// utilization counts it: `None` without a `capacity`, infinite when
    /// saturated.
    pub wait_ms: Option<f64>,
    /// Bytes per second through it: each visit's rate times its flow's
    /// `payload` (language.md §8).
    pub bytes_per_s: f64,
    /// Connections it holds open ([`Component::held_connections`]).
    pub connections: f64,
    /// Which of requests, bandwidth and connections sets `utilization`.
    pub limited_by: Option<Resource>,
}

impl ComponentLoad {
    /// Whether it is offered at least what it can serve (ρ ≥ 1).
    pub fn saturated(&self) -> bool {
        self.utilization.is_some_and(|rho| rho >= 1.0)
    }
}

/// One queue's rates.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueLoad {
    pub queue: ComponentId,
    pub in_rps: f64,
    pub out_rps: f64,
    /// (in − out) × 3600, never negative.
    pub growth_per_hour: f64,
    pub consumers: Vec<ComponentId>,
}

/// The replicas a fix asks for: ⌈needed⌉ (instances' worth of load), and at
/// least one more than now; `None` when that is no sane count (no capacity
/// declared, or beyond u32). The rules' help lines and `hld explain`'s
/// re-estimates use the same count.
pub fn needed_replicas(needed: f64, current: u32) -> Option<u32> {
    let needed = needed.ceil();
    (needed.is_finite() && needed <= f64::from(u32::MAX)).then(|| (needed as u32).max(current.saturating_add(1)))
}

/// The load on every component and queue.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Capacity {
    /// Every component but clients, in declaration order.
    pub components: Vec<ComponentLoad>,
    pub queues: Vec<QueueLoad>,
}

impl Capacity {
    pub fn component(&self, id: ComponentId) -> Option<&ComponentLoad> {
        self.components
            .binary_search_by_key(&id, |load| load.component)
            .ok()
            .and_then(|idx| self.components.get(idx))
    }

    pub fn queue(&self, id: ComponentId) -> Option<&QueueLoad> {
        self.queues
            .binary_search_by_key(&id, |load| load.queue)
            .ok()
            .and_then(|idx| self.queues.get(idx))
    }
}

/// (queue, consumer) pairs whose consumer takes nothing from the queue: it
/// is down, or cannot finish its work (`hld what-if`). A work queue hands
/// their share to its other consumers (a consumer group rebalances); a
/// pub_sub queue keeps their copy, so it grows.
pub type Stalled = BTreeSet<(ComponentId, ComponentId)>;

/// Consumers of each queue: the targets of its links, in declaration order,
/// each once; a work queue's stalled consumers are left out.
fn consumers(design: &Design, stalled: &Stalled) -> Vec<Vec<ComponentId>> {
    let mut consumers = vec![Vec::new(); design.components.len()];
    for link in &design.links {
        let queue = design.component(link.from);
        if queue.kind != Kind::Queue {
            continue;
        }
        if queue.queue_pattern == QueuePattern::WorkQueue && stalled.contains(&(link.from, link.to)) {
            continue;
        }
        let list: &mut Vec<ComponentId> = &mut consumers[link.from.index()];
        if !list.contains(&link.to) {
            list.push(link.to);
        }
    }
    consumers
}

fn share(design: &Design, queue: ComponentId, n_consumers: usize) -> f64 {
    match design.component(queue).queue_pattern {
        QueuePattern::PubSub => 1.0,
        QueuePattern::WorkQueue => 1.0 / n_consumers.max(1) as f64,
    }
}

/// Runs the capacity model over every flow.
pub fn capacity(design: &Design) -> Capacity {
    capacity_with(design, &Stalled::new())
}

/// The capacity model with some consumers taking nothing from some queues.
/// With retries (language.md §7), in two passes: the loads without them
/// give the utilizations, waits and served shares from which each retried
/// hop's expected attempts are computed, and those multiply the loads of
/// the second pass, the figures reported (docs/estimate.md, "Retries").
pub fn capacity_with(design: &Design, stalled: &Stalled) -> Capacity {
    let first = capacity_shaped(design, stalled, None);
    if !super::retry::has_retries(design) {
        return first;
    }
    let attempts = super::retry::expected_attempts(design, &first);
    capacity_shaped(design, stalled, Some(&attempts))
}

/// One pass of the capacity model, with the given expected attempts.
pub fn capacity_shaped(design: &Design, stalled: &Stalled, attempts: Option<&Attempts>) -> Capacity {
    let consumers = consumers(design, stalled);
    let settled = settle(design, &consumers, stalled, attempts, false);
    finish(design, &consumers, &settled.ratio, stalled, &settled.round)
}

/// Consumer lists by queue: the design's, or a few patched over them.
trait Lists {
    fn of(&self, queue: ComponentId) -> &[ComponentId];
}

impl Lists for [Vec<ComponentId>] {
    fn of(&self, queue: ComponentId) -> &[ComponentId] {
        self.get(queue.index()).map_or(&[], Vec::as_slice)
    }
}

/// The design's lists with the stalled consumers of some work queues left
/// out (what [`consumers`] computes, for the few queues a change reaches).
struct Patched<'a> {
    base: &'a [Vec<ComponentId>],
    patched: FxHashMap<ComponentId, Vec<ComponentId>>,
}

impl Lists for Patched<'_> {
    fn of(&self, queue: ComponentId) -> &[ComponentId] {
        match self.patched.get(&queue) {
            Some(list) => list,
            None => self.base.of(queue),
        }
    }
}

/// The fixed point of the consumers' take ratios, the sums of the round
/// that reached it, and (when asked) what each flow added where in it.
struct Settled {
    ratio: Vec<f64>,
    round: Round,
    visits: Vec<Vec<Visit>>,
}

fn settle(
    design: &Design,
    consumers: &[Vec<ComponentId>],
    stalled: &Stalled,
    attempts: Option<&Attempts>,
    record: bool,
) -> Settled {
    let n = design.components.len();
    // take / intake of each consumer; starts at 1 and is refined until the
    // queue inflows stop changing (each round settles one more queue level).
    let mut ratio = vec![1.0_f64; n];
    // The share of its direct load each component serves (§6): 1 below
    // saturation; refined like the ratios, one more saturated level a round.
    let mut served = vec![1.0_f64; n];
    let mut state = Round::new(n);
    let mut visits: Vec<Vec<Visit>> = if record {
        vec![Vec::new(); design.flows.len()]
    } else {
        Vec::new()
    };
    for _ in 0..rounds(design) {
        state = Round::new(n);
        let ratio_of = |id: ComponentId| ratio[id.index()];
        let served_of = |id: ComponentId| served[id.index()];
        for (flow_idx, flow) in design.flows.iter().enumerate() {
            let shaping = Shaping {
                served: &served_of,
                attempts: attempts
                    .and_then(|all| all.get(flow_idx))
                    .and_then(|list| list.as_deref()),
            };
            if record {
                let list = &mut visits[flow_idx];
                list.clear();
                walk_flow(design, flow, consumers, &ratio_of, &shaping, stalled, &mut |visit| {
                    state.add(&visit);
                    list.push(visit);
                });
            } else {
                walk_flow(design, flow, consumers, &ratio_of, &shaping, stalled, &mut |visit| {
                    state.add(&visit)
                });
            }
        }
        // Each consumer's intake from the queues, and what it takes.
        let mut intake = vec![0.0_f64; n];
        for (queue_idx, list) in consumers.iter().enumerate() {
            if list.is_empty() {
                continue;
            }
            let queue = ComponentId(queue_idx as u32);
            let each = state.inflow[queue_idx] * share(design, queue, list.len());
            for consumer in list {
                if !stalled.contains(&(queue, *consumer)) {
                    intake[consumer.index()] += each;
                }
            }
        }
        let mut next = vec![1.0_f64; n];
        for idx in 0..n {
            if intake[idx] <= 0.0 {
                continue;
            }
            next[idx] = take(&design.components[idx], intake[idx], state.utilization[idx]) / intake[idx];
            state.intake[idx] = intake[idx];
        }
        let next_served: Vec<f64> = design
            .components
            .iter()
            .enumerate()
            .map(|(idx, component)| served_fraction(pressure(component, state.utilization[idx], state.bytes[idx]).0))
            .collect();
        if next == ratio && next_served == served {
            break;
        }
        ratio = next;
        served = next_served;
    }
    Settled {
        ratio,
        round: state,
        visits,
    }
}

/// The share of its load a component at utilization ρ serves: 1 below
/// saturation, 1 / ρ at or above it (language.md §6).
pub fn served_fraction(rho: f64) -> f64 {
    if rho.is_nan() || rho <= 1.0 {
        1.0
    } else if rho.is_infinite() {
        0.0
    } else {
        1.0 / rho
    }
}

/// Per flow, the expected attempts of the hop into each visit (`None`: no
/// hop of the flow retries), from [`super::retry`].
pub type Attempts = Vec<Option<Vec<f64>>>;

/// What shapes the rate a flow passes down its tree besides hits: the
/// served share of saturated components and the retries of its hops.
struct Shaping<'a> {
    served: &'a dyn Fn(ComponentId) -> f64,
    attempts: Option<&'a [f64]>,
}

/// Rounds the ratios get to settle: one per queue level and per component
/// that can saturate, and two more (a design settles in as many rounds as
/// its deepest chain of queues and saturated components; the loop stops as
/// soon as nothing changes, so a design with neither takes one or two).
/// A saturated component on a cycle of its own flows converges only
/// geometrically, so its figures depend on this count: what-if and fixes
/// never add or remove a capacity, so a change re-run on some groups
/// ([`CapacityBase::recompute_without`]) takes as many rounds as the
/// whole model would.
fn rounds(design: &Design) -> usize {
    design
        .components
        .iter()
        .filter(|c| c.kind == Kind::Queue || c.capacity.is_some())
        .count()
        + 2
}

/// What a consumer takes of what its queues offer it: all of it, or what
/// its capacity has to spare after its direct load.
fn take(component: &Component, intake: f64, utilization: f64) -> f64 {
    match hop_capacity(component, Op::Write, None) {
        Some(capacity) if capacity.is_finite() => {
            // The instances its direct load leaves free, of which at most
            // the partitions it reads take from its queues.
            let spare = (1.0 - utilization).max(0.0) * capacity;
            let partitioned = consumer_capacity(component).unwrap_or(capacity);
            intake.min(spare).min(partitioned)
        }
        _ => intake,
    }
}

/// The instances a consumer takes from its work queues with: its own, at
/// most the partitions it reads (language.md §8: c = min(replicas,
/// partitions); [`Component::partition_share`]).
pub fn consumer_instances(component: &Component) -> f64 {
    let instances = instance_count(component, Op::Write, None);
    component
        .partition_share
        .map_or(instances, |share| instances.min(share))
}

/// c·μ for what a consumer takes from its queues, or `None` without a
/// `capacity`.
fn consumer_capacity(component: &Component) -> Option<f64> {
    Some(consumer_instances(component) * component.capacity?)
}

/// Accumulators of one pass over the flows.
struct Round {
    direct: Vec<f64>,
    /// Σ λ / (c·μ) of the direct load.
    utilization: Vec<f64>,
    inflow: Vec<f64>,
    intake: Vec<f64>,
    /// Bytes per second through each component.
    bytes: Vec<f64>,
}

impl Round {
    fn new(n: usize) -> Round {
        Round {
            direct: vec![0.0; n],
            utilization: vec![0.0; n],
            inflow: vec![0.0; n],
            intake: vec![0.0; n],
            bytes: vec![0.0; n],
        }
    }

    fn add(&mut self, visit: &Visit) {
        let idx = visit.component.index();
        visit.add_to(
            &mut self.direct[idx],
            &mut self.utilization[idx],
            &mut self.inflow[idx],
            &mut self.bytes[idx],
        );
    }
}

/// What one flow adds at one node of its path in a round of the model.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Visit {
    component: ComponentId,
    /// The rate reaching it other than from a queue, and what that adds to
    /// its utilization.
    direct: Option<(f64, Added)>,
    /// The rate into it, when it is a queue.
    inflow: Option<f64>,
    /// Bytes per second it moves for this visit: the rate times the flow's
    /// payload (language.md §8).
    bytes: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Added {
    /// No `capacity`: no utilization.
    Nothing,
    /// λ / (c·μ).
    Share(f64),
    /// A rate into no capacity at all.
    Saturates,
}

impl Visit {
    /// Adds the visit to a component's sums, as every round does (the one
    /// place the sums are written, so a sum re-run over the same visits in
    /// the same order is the same number to the bit).
    fn add_to(&self, direct: &mut f64, utilization: &mut f64, inflow: &mut f64, bytes: &mut f64) {
        *bytes += self.bytes;
        if let Some((rate, added)) = self.direct {
            *direct += rate;
            match added {
                Added::Nothing => {}
                Added::Share(share) => *utilization += share,
                Added::Saturates => *utilization = f64::INFINITY,
            }
        }
        if let Some(rate) = self.inflow {
            *inflow += rate;
        }
    }
}

/// One component's sums, for the few a change reaches.
#[derive(Clone, Copy, Default)]
struct Sums {
    direct: f64,
    utilization: f64,
    inflow: f64,
    bytes: f64,
}

impl Sums {
    fn add(&mut self, visit: &Visit) {
        visit.add_to(
            &mut self.direct,
            &mut self.utilization,
            &mut self.inflow,
            &mut self.bytes,
        );
    }
}

#[cfg(test)]
thread_local! {
    /// Flows walked on this thread, for tests that bound the work.
    pub(crate) static WALKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Walks one flow's path, telling `visit` what it adds at each node (one
/// call per node, in path order).
#[allow(clippy::too_many_arguments)]
fn walk_flow<L: Lists + ?Sized>(
    design: &Design,
    flow: &Flow,
    consumers: &L,
    ratio: &impl Fn(ComponentId) -> f64,
    shaping: &Shaping<'_>,
    stalled: &Stalled,
    visit: &mut impl FnMut(Visit),
) {
    #[cfg(test)]
    WALKS.with(|walks| walks.set(walks.get() + 1));
    let base = if flow.rps.is_finite() { flow.rps.max(0.0) } else { 0.0 };
    // What each visit passes on to its calls (language.md §5, "Load": once
    // per visit, thinned by the hits above it).
    let mut passed: Vec<f64> = Vec::with_capacity(flow.visits.len());
    for (visit_idx, flow_visit) in flow.visits.iter().enumerate() {
        let id = flow_visit.component;
        let component = design.component(id);
        let previous = flow_visit.parent.map(|parent| flow.visits[parent].component);
        let mut rate = flow_visit
            .parent
            .and_then(|parent| passed.get(parent).copied())
            .unwrap_or(base);
        // Retries multiply what the hop sends into the callee's subtree
        // (language.md §7).
        if let Some(attempts) = shaping.attempts.and_then(|list| list.get(visit_idx)) {
            rate *= attempts;
        }
        let incoming = flow_visit.link.map(|link| design.link(link));
        let mut here = Visit {
            component: id,
            direct: None,
            inflow: None,
            bytes: 0.0,
        };
        match previous {
            Some(queue) if design.component(queue).kind == Kind::Queue => {
                // A consumer: its intake comes from the queue's totals; what
                // it passes on is this flow's share of what it takes.
                let list = consumers.of(queue);
                if stalled.contains(&(queue, id)) || !list.contains(&id) {
                    rate = 0.0;
                } else {
                    rate *= share(design, queue, list.len()) * ratio(id);
                }
            }
            _ if component.kind == Kind::Client => {}
            _ => {
                let added = match hop_capacity(component, flow_visit.op, incoming) {
                    Some(capacity) if capacity > 0.0 => Added::Share(rate / capacity),
                    Some(_) if rate > 0.0 => Added::Saturates,
                    _ => Added::Nothing,
                };
                here.direct = Some((rate, added));
            }
        }
        if component.kind == Kind::Queue {
            here.inflow = Some(rate);
        }
        if component.kind != Kind::Client && flow.payload_bytes > 0.0 {
            here.bytes = rate * flow.payload_bytes;
        }
        visit(here);
        if component.kind.is_cache_like() && !flow_visit.steps.is_empty() {
            rate *= 1.0 - component.hit_ratio().clamp(0.0, 1.0);
        }
        // A saturated component passes on only what it serves (§6).
        if here.direct.is_some() {
            rate *= (shaping.served)(id);
        }
        passed.push(rate);
    }
}

fn finish(
    design: &Design,
    consumers: &[Vec<ComponentId>],
    ratio: &[f64],
    stalled: &Stalled,
    round: &Round,
) -> Capacity {
    let mut components = Vec::new();
    for id in design.component_ids() {
        let component = design.component(id);
        if component.kind == Kind::Client {
            continue;
        }
        let idx = id.index();
        components.push(component_load(
            design,
            id,
            round.direct[idx],
            round.utilization[idx],
            round.intake[idx],
            ratio[idx],
            round.bytes[idx],
        ));
    }
    let mut queues = Vec::new();
    for id in design.component_ids() {
        if design.component(id).kind != Kind::Queue {
            continue;
        }
        queues.push(queue_load(
            design,
            id,
            round.inflow[id.index()],
            consumers.of(id),
            |consumer| ratio[consumer.index()],
            stalled,
        ));
    }
    Capacity { components, queues }
}

/// A component's figures from its sums: direct load, its utilization, what
/// its queues offer it and the share of that it takes.
fn component_load(
    design: &Design,
    id: ComponentId,
    direct: f64,
    direct_utilization: f64,
    intake: f64,
    ratio: f64,
    bytes: f64,
) -> ComponentLoad {
    let component = design.component(id);
    let consumed = intake * ratio;
    let load = direct + consumed;
    let nominal = hop_capacity(component, Op::Write, None);
    // What it takes loads the instances that read partitions.
    let requests = consumer_capacity(component).map(|capacity| {
        let from_queues = if capacity > 0.0 { consumed / capacity } else { 0.0 };
        direct_utilization + from_queues
    });
    let capacity_rps = match requests {
        Some(rho) if rho > 0.0 && rho.is_finite() && load > 0.0 => Some(load / rho),
        _ => nominal,
    };
    let (rho, limited_by) = pressure(component, requests.unwrap_or(0.0), bytes);
    let utilization = limited_by.map(|_| rho);
    let wait_ms = utilization.and_then(|rho| component_wait_ms(component, rho));
    ComponentLoad {
        component: id,
        load_rps: load,
        direct_rps: direct,
        consumed_rps: consumed,
        offered_rps: intake,
        capacity_rps,
        utilization,
        wait_ms,
        bytes_per_s: bytes,
        connections: component.held_connections,
        limited_by,
    }
}

/// What a component can run short of (language.md §8; cli.md
/// "Additions": `limited_by`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Requests,
    Bandwidth,
    Connections,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Requests => "requests",
            Resource::Bandwidth => "bandwidth",
            Resource::Connections => "connections",
        }
    }
}

/// A component's utilization, the largest of its request utilization
/// (`requests`, counted when it has a `capacity`), bandwidth utilization
/// (bytes / (c × `bandwidth`)) and connection utilization (held /
/// (c × `max_connections`)), c its instances as for a write; and which
/// one it is (`None`: it declares none of the three).
pub fn pressure(component: &Component, requests: f64, bytes: f64) -> (f64, Option<Resource>) {
    let instances = instance_count(component, Op::Write, None);
    let mut best: Option<(f64, Resource)> = component.capacity.map(|_| (requests, Resource::Requests));
    let others = [
        (component.bandwidth, bytes, Resource::Bandwidth),
        (
            component.max_connections.map(f64::from),
            component.held_connections,
            Resource::Connections,
        ),
    ];
    for (limit, used, resource) in others {
        let Some(limit) = limit else {
            continue;
        };
        let total = instances * limit;
        let rho = if total > 0.0 { used / total } else { f64::INFINITY };
        // Ties go to the first: requests, then bandwidth.
        if best.is_none_or(|(known, _)| rho > known) {
            best = Some((rho, resource));
        }
    }
    match best {
        Some((rho, resource)) => (rho, Some(resource)),
        None => (requests, None),
    }
}

/// A component's mean wait at utilization ρ, its instances counted as for
/// its utilization (a write, or any hop into a component that is not a
/// database): 0 without load, infinite at or above saturation.
fn component_wait_ms(component: &Component, rho: f64) -> Option<f64> {
    let mu = component.capacity?;
    if rho >= 1.0 {
        return Some(f64::INFINITY);
    }
    let c = instance_count(component, Op::Write, None);
    Some(
        super::queueing::Station::new(c, mu, rho)
            .and_then(|station| station.wait())
            .map_or(0.0, |wait| wait.mean_ms()),
    )
}

fn queue_load(
    design: &Design,
    id: ComponentId,
    in_rps: f64,
    list: &[ComponentId],
    ratio: impl Fn(ComponentId) -> f64,
    stalled: &Stalled,
) -> QueueLoad {
    let each = in_rps * share(design, id, list.len());
    let taken = list.iter().map(|consumer| {
        if stalled.contains(&(id, *consumer)) {
            0.0
        } else {
            each * ratio(*consumer)
        }
    });
    let out_rps = if list.is_empty() {
        0.0
    } else {
        match design.component(id).queue_pattern {
            QueuePattern::WorkQueue => taken.sum(),
            QueuePattern::PubSub => taken.fold(f64::INFINITY, f64::min),
        }
    };
    let out_rps = out_rps.min(in_rps);
    QueueLoad {
        queue: id,
        in_rps,
        out_rps,
        growth_per_hour: ((in_rps - out_rps) * 3600.0).max(0.0),
        consumers: list.to_vec(),
    }
}

// ----------------------------------------------------------------------
// Re-running a change

/// The capacity model of a design, kept with what each flow added where,
/// so that a change to a few components (a failure, a fix) is re-run on
/// the flows it can reach instead of the whole design: `hld explain` asks
/// that question once per component and once per finding.
///
/// Flows interact only through the consumers of queues (a consumer's take
/// ratio depends on every flow that feeds its queues or calls it
/// directly), so the flows fall into groups that settle independently. A
/// change re-runs the groups of the flows through the components it
/// touches, then re-adds, for each component those flows reach, what every
/// flow through it adds there, in declaration order: the same additions in
/// the same order as [`capacity_with`] on the changed design, so the same
/// figures to the bit (the tests compare the two on every example and on
/// random designs).
pub struct CapacityBase {
    pub capacity: Capacity,
    /// Consumers by queue, with nothing stalled.
    consumers: Vec<Vec<ComponentId>>,
    /// The queues each component consumes from.
    feeds: Vec<Vec<ComponentId>>,
    ratio: Vec<f64>,
    intake: Vec<f64>,
    /// Per flow, what it adds at each node of its path.
    visits: Vec<Vec<Visit>>,
    /// Per component, every (flow, position) at which a flow's path passes
    /// it, in the order the model adds them.
    at: Vec<Vec<(FlowId, u32)>>,
    /// Per flow, its group; per component, its group when it is a consumer.
    flow_group: Vec<u32>,
    consumer_group: Vec<Option<u32>>,
    group_flows: Vec<Vec<FlowId>>,
    group_consumers: Vec<Vec<ComponentId>>,
    /// Per flow, the expected attempts of its retried hops (empty without
    /// retries), computed at `attempt_loading`.
    attempts: Attempts,
    /// The loads before retries (the model's first pass): what-if and
    /// fixes recompute the attempts of the flows they change at these
    /// loads, so that every other flow keeps its own (docs/estimate.md,
    /// "Retries").
    pub attempt_loading: Loading,
}

/// The figures a change can move: every component (clients aside) and
/// queue its flows reach, in declaration order, after the change. A
/// [`Capacity`] of only those, so it has the same lookups.
pub type CapacityChange = Capacity;

impl CapacityBase {
    pub fn new(design: &Design) -> CapacityBase {
        let stalled = Stalled::new();
        let consumers = consumers(design, &stalled);
        let (attempts, attempt_loading) = if super::retry::has_retries(design) {
            let first = capacity_shaped(design, &stalled, None);
            (
                super::retry::expected_attempts(design, &first),
                Loading::new(design, &first),
            )
        } else {
            (Attempts::new(), Loading::unloaded())
        };
        let settled = settle(design, &consumers, &stalled, Some(&attempts), true);
        let capacity = finish(design, &consumers, &settled.ratio, &stalled, &settled.round);
        let n = design.components.len();
        let mut feeds = vec![Vec::new(); n];
        for (queue_idx, list) in consumers.iter().enumerate() {
            for consumer in list {
                feeds[consumer.index()].push(ComponentId(queue_idx as u32));
            }
        }
        let mut at: Vec<Vec<(FlowId, u32)>> = vec![Vec::new(); n];
        for (flow_id, flow) in design.flow_ids().zip(&design.flows) {
            for (position, flow_visit) in flow.visits.iter().enumerate() {
                at[flow_visit.component.index()].push((flow_id, position as u32));
            }
        }
        // Groups: a flow joins every consumer it calls or steps into and
        // every consumer of the queues it passes.
        let n_flows = design.flows.len();
        let mut sets = DisjointSets::new(n_flows + n);
        for (flow_idx, flow) in design.flows.iter().enumerate() {
            for id in flow.visits.iter().map(|flow_visit| &flow_visit.component) {
                if !feeds[id.index()].is_empty() {
                    sets.union(flow_idx, n_flows + id.index());
                }
                for consumer in &consumers[id.index()] {
                    sets.union(flow_idx, n_flows + consumer.index());
                }
            }
        }
        // A saturated component sheds a share of what every flow through it
        // passes on, set by all of them together: they settle as one group.
        for load in capacity.components.iter().filter(|load| load.saturated()) {
            for (flow, _) in &at[load.component.index()] {
                sets.union(flow.index(), n_flows + load.component.index());
            }
        }
        let mut group_of_root: FxHashMap<usize, u32> = FxHashMap::default();
        let mut group_flows: Vec<Vec<FlowId>> = Vec::new();
        let mut group_consumers: Vec<Vec<ComponentId>> = Vec::new();
        let mut group = |root: usize| -> u32 {
            *group_of_root.entry(root).or_insert_with(|| {
                group_flows.push(Vec::new());
                group_consumers.push(Vec::new());
                (group_flows.len() - 1) as u32
            })
        };
        let mut flow_group = Vec::with_capacity(n_flows);
        for flow_idx in 0..n_flows {
            let id = group(sets.find(flow_idx));
            flow_group.push(id);
        }
        let mut consumer_group = vec![None; n];
        for idx in 0..n {
            if !feeds[idx].is_empty() {
                consumer_group[idx] = Some(group(sets.find(n_flows + idx)));
            }
        }
        for (flow_idx, id) in flow_group.iter().enumerate() {
            group_flows[*id as usize].push(FlowId(flow_idx as u32));
        }
        for (idx, id) in consumer_group.iter().enumerate() {
            if let Some(id) = id {
                group_consumers[*id as usize].push(ComponentId(idx as u32));
            }
        }
        CapacityBase {
            capacity,
            consumers,
            feeds,
            ratio: settled.ratio,
            intake: settled.round.intake,
            visits: settled.visits,
            at,
            flow_group,
            consumer_group,
            group_flows,
            group_consumers,
            attempts,
            attempt_loading,
        }
    }

    /// The base attempts of every flow with `overrides` (sorted by flow)
    /// put in.
    fn attempts_with(&self, overrides: &[(FlowId, Option<Vec<f64>>)]) -> Attempts {
        let mut attempts = self.attempts.clone();
        if !overrides.is_empty() && attempts.is_empty() {
            attempts = vec![None; self.flow_group.len()];
        }
        for (flow, list) in overrides {
            if let Some(slot) = attempts.get_mut(flow.index()) {
                slot.clone_from(list);
            }
        }
        attempts
    }

    /// The flows whose path passes `id`, in declaration order, each once.
    pub fn flows_through(&self, id: ComponentId) -> impl Iterator<Item = FlowId> + '_ {
        let at = self.at.get(id.index()).map_or(&[][..], Vec::as_slice);
        at.iter()
            .enumerate()
            .filter(move |(idx, (flow, _))| *idx == 0 || at[idx - 1].0 != *flow)
            .map(|(_, (flow, _))| *flow)
    }

    /// The flows whose path passes `id`, in declaration order, each once,
    /// with the first position at which it does.
    pub fn first_positions(&self, id: ComponentId) -> impl Iterator<Item = (FlowId, usize)> + '_ {
        let at = self.at.get(id.index()).map_or(&[][..], Vec::as_slice);
        at.iter()
            .enumerate()
            .filter(move |(idx, (flow, _))| *idx == 0 || at[idx - 1].0 != *flow)
            .map(|(_, (flow, position))| (*flow, *position as usize))
    }

    /// Whether the flow's group has no queue consumer: nothing another flow
    /// does changes what it adds, and it passes no queue anyone consumes.
    pub fn without_consumers(&self, flow: FlowId) -> bool {
        self.flow_group
            .get(flow.index())
            .is_some_and(|group| self.group_consumers[*group as usize].is_empty())
    }

    /// The queues `id` consumes from.
    pub fn feeds(&self, id: ComponentId) -> &[ComponentId] {
        self.feeds.get(id.index()).map_or(&[], Vec::as_slice)
    }

    /// The figures after a change: `design` is the changed design (the same
    /// components, links and flows, with some properties changed and some
    /// paths cut short), `stalled` its stalled consumers, and `seeds` every
    /// component whose properties, paths through it or consumers changed
    /// (both ends of a changed link). Only what the flows through the seeds
    /// reach is recomputed and returned; everything else is as in
    /// [`CapacityBase::capacity`].
    pub fn recompute(&self, design: &Design, stalled: &Stalled, seeds: &[ComponentId]) -> CapacityChange {
        self.recompute_without(design, stalled, seeds, &[], &[])
    }

    /// [`CapacityBase::recompute`] where the flows of `cut` (sorted, each
    /// `(flow, kept)`, `kept` from [`crate::model::Flow::kept_visits`]) only lose the
    /// visits `kept` marks `false`, each
    /// in a group without consumers ([`CapacityBase::without_consumers`]),
    /// and not cut in `design`: they are not re-run (what they add before
    /// the cut is what they added before), what they added from the cut on
    /// is left out of the sums, and the components only they reach are not
    /// returned (their figures can only fall). The figures returned are the
    /// same, to the bit, as with the flows cut in `design`.
    pub fn recompute_without(
        &self,
        design: &Design,
        stalled: &Stalled,
        seeds: &[ComponentId],
        cut: &[(FlowId, Vec<bool>)],
        attempts: &[(FlowId, Option<Vec<f64>>)],
    ) -> CapacityChange {
        let attempts = self.attempts_with(attempts);
        let change = self.recompute_groups(design, stalled, seeds, cut, &attempts);
        let saturated_before = |id: ComponentId| self.capacity.component(id).is_some_and(ComponentLoad::saturated);
        if change
            .components
            .iter()
            .any(|load| load.saturated() && !saturated_before(load.component))
        {
            // Shedding that starts now reaches flows of other groups: the
            // whole model.
            return whole(design, stalled, cut, &attempts);
        }
        change
    }

    fn recompute_groups(
        &self,
        design: &Design,
        stalled: &Stalled,
        seeds: &[ComponentId],
        cut: &[(FlowId, Vec<bool>)],
        attempts: &Attempts,
    ) -> CapacityChange {
        let is_cut = |flow: FlowId| {
            cut.binary_search_by_key(&flow, |(id, _)| *id)
                .ok()
                .map(|slot| cut[slot].1.as_slice())
        };
        let mut groups: Vec<u32> = Vec::new();
        for seed in seeds {
            groups.extend(
                self.flows_through(*seed)
                    .filter(|flow| is_cut(*flow).is_none())
                    .map(|flow| self.flow_group[flow.index()]),
            );
            groups.extend(self.consumer_group.get(seed.index()).copied().flatten());
        }
        for (queue, consumer) in stalled {
            for id in [queue, consumer] {
                groups.extend(self.flows_through(*id).map(|flow| self.flow_group[flow.index()]));
                groups.extend(self.consumer_group.get(id.index()).copied().flatten());
            }
        }
        groups.sort_unstable();
        groups.dedup();
        let mut flows: Vec<FlowId> = groups
            .iter()
            .flat_map(|group| self.group_flows[*group as usize].iter().copied())
            .collect();
        flows.sort_unstable();
        let mut group_consumers: Vec<ComponentId> = groups
            .iter()
            .flat_map(|group| self.group_consumers[*group as usize].iter().copied())
            .collect();
        group_consumers.sort_unstable();
        let mut patched = FxHashMap::default();
        for (queue, _) in stalled {
            if design.component(*queue).queue_pattern == QueuePattern::WorkQueue && !patched.contains_key(queue) {
                let list: Vec<ComponentId> = self
                    .consumers
                    .of(*queue)
                    .iter()
                    .copied()
                    .filter(|consumer| !stalled.contains(&(*queue, *consumer)))
                    .collect();
                patched.insert(*queue, list);
            }
        }
        let lists = Patched {
            base: &self.consumers,
            patched,
        };
        let settled = self.settle_groups(design, &lists, stalled, &flows, &group_consumers, attempts);
        // A flow cut by the change makes a subsequence of its visits: line
        // its records up with the positions of the whole run (in order, by
        // component; two visits of one component add to the same sums).
        let aligned: Vec<Vec<Option<Visit>>> = flows
            .iter()
            .zip(&settled.visits)
            .map(|(flow, records)| {
                let original = &self.visits[flow.index()];
                let mut out = vec![None; original.len()];
                let mut next = 0;
                for (slot, before) in out.iter_mut().zip(original) {
                    if let Some(record) = records.get(next)
                        && record.component == before.component
                    {
                        *slot = Some(*record);
                        next += 1;
                    }
                }
                out
            })
            .collect();

        // Every component the re-run flows pass (on their paths before the
        // change), the seeds and the groups' consumers.
        let mut reach: Vec<ComponentId> = flows
            .iter()
            .flat_map(|flow| self.visits[flow.index()].iter().map(|visit| visit.component))
            .chain(seeds.iter().copied())
            .chain(stalled.iter().flat_map(|(queue, consumer)| [*queue, *consumer]))
            .chain(group_consumers.iter().copied())
            .filter(|id| id.index() < design.components.len())
            .collect();
        reach.sort_unstable();
        reach.dedup();
        let ratio_of = |id: ComponentId| match settled.ratio.get(&id) {
            Some(ratio) => *ratio,
            None => self.ratio[id.index()],
        };
        let mut change = CapacityChange::default();
        for id in reach {
            if design.component(id).kind == Kind::Client {
                continue;
            }
            let mut sums = Sums::default();
            for (flow, position) in &self.at[id.index()] {
                if is_cut(*flow).is_some_and(|kept| !kept.get(*position as usize).copied().unwrap_or(true)) {
                    continue;
                }
                let visit = match flows.binary_search(flow) {
                    Ok(slot) => aligned[slot].get(*position as usize).and_then(Option::as_ref),
                    Err(_) => self.visits[flow.index()].get(*position as usize),
                };
                if let Some(visit) = visit {
                    sums.add(visit);
                }
            }
            let intake = if group_consumers.binary_search(&id).is_ok() {
                settled.intake.get(&id).copied().unwrap_or(0.0)
            } else {
                self.intake[id.index()]
            };
            change.components.push(component_load(
                design,
                id,
                sums.direct,
                sums.utilization,
                intake,
                ratio_of(id),
                sums.bytes,
            ));
            if design.component(id).kind == Kind::Queue {
                change
                    .queues
                    .push(queue_load(design, id, sums.inflow, lists.of(id), ratio_of, stalled));
            }
        }
        change
    }

    /// [`settle`] over some groups of flows only.
    fn settle_groups(
        &self,
        design: &Design,
        lists: &Patched<'_>,
        stalled: &Stalled,
        flows: &[FlowId],
        consumers: &[ComponentId],
        attempts: &Attempts,
    ) -> SettledGroups {
        let mut ratio: FxHashMap<ComponentId, f64> = consumers.iter().map(|id| (*id, 1.0)).collect();
        let mut visits: Vec<Vec<Visit>> = vec![Vec::new(); flows.len()];
        let mut state_intake: FxHashMap<ComponentId, f64> = FxHashMap::default();
        let mut served: FxHashMap<ComponentId, f64> = FxHashMap::default();
        for _ in 0..rounds(design) {
            let mut sums: FxHashMap<ComponentId, Sums> = FxHashMap::default();
            state_intake.clear();
            {
                let ratio_of = |id: ComponentId| ratio.get(&id).copied().unwrap_or(1.0);
                let served_of = |id: ComponentId| served.get(&id).copied().unwrap_or(1.0);
                for (slot, flow) in flows.iter().enumerate() {
                    let shaping = Shaping {
                        served: &served_of,
                        attempts: attempts.get(flow.index()).and_then(|list| list.as_deref()),
                    };
                    let list = &mut visits[slot];
                    list.clear();
                    walk_flow(
                        design,
                        design.flow(*flow),
                        lists,
                        &ratio_of,
                        &shaping,
                        stalled,
                        &mut |visit| {
                            sums.entry(visit.component).or_default().add(&visit);
                            list.push(visit);
                        },
                    );
                }
            }
            // The intake of the groups' consumers: their queues in
            // declaration order, as `settle` adds them (a queue no flow of
            // these groups passes offers them nothing).
            let mut queues: Vec<ComponentId> = sums
                .keys()
                .copied()
                .filter(|id| design.component(*id).kind == Kind::Queue)
                .collect();
            queues.sort_unstable();
            let mut intake: FxHashMap<ComponentId, f64> = FxHashMap::default();
            for queue in queues {
                let list = lists.of(queue);
                if list.is_empty() {
                    continue;
                }
                let each = sums[&queue].inflow * share(design, queue, list.len());
                for consumer in list {
                    if !stalled.contains(&(queue, *consumer)) {
                        *intake.entry(*consumer).or_insert(0.0) += each;
                    }
                }
            }
            let mut next: FxHashMap<ComponentId, f64> = FxHashMap::default();
            let mut settled = true;
            for id in consumers {
                let offered = intake.get(id).copied().unwrap_or(0.0);
                let value = if offered <= 0.0 {
                    1.0
                } else {
                    let utilization = sums.get(id).map_or(0.0, |sums| sums.utilization);
                    state_intake.insert(*id, offered);
                    take(design.component(*id), offered, utilization) / offered
                };
                // `==`, as `settle` compares its vectors.
                if ratio.get(id).copied() != Some(value) {
                    settled = false;
                }
                next.insert(*id, value);
            }
            // The served shares from the groups' sums: complete for every
            // component saturated in the baseline (its flows are all in
            // one group); a component that saturates only now makes the
            // caller re-run the whole model.
            let next_served: FxHashMap<ComponentId, f64> = sums
                .iter()
                .map(|(id, sums)| {
                    let pressure = pressure(design.component(*id), sums.utilization, sums.bytes).0;
                    (*id, served_fraction(pressure))
                })
                .filter(|(_, share)| *share < 1.0)
                .collect();
            if next_served != served {
                settled = false;
            }
            if settled {
                break;
            }
            ratio = next;
            served = next_served;
        }
        SettledGroups {
            ratio,
            intake: state_intake,
            visits,
        }
    }
}

/// The whole model on `design` with the flows of `cut` cut as
/// [`CapacityBase::recompute_without`] says.
fn whole(design: &Design, stalled: &Stalled, cut: &[(FlowId, Vec<bool>)], attempts: &Attempts) -> CapacityChange {
    let attempts = (!attempts.is_empty()).then_some(attempts);
    if cut.is_empty() {
        return capacity_shaped(design, stalled, attempts);
    }
    let mut changed = design.clone();
    let mut attempts = attempts.cloned();
    for (flow, kept) in cut {
        if let Some(flow_slot) = changed.flows.get_mut(flow.index()) {
            let mask = flow_slot.kept_visits(kept);
            if let Some(Some(list)) = attempts.as_mut().and_then(|all| all.get_mut(flow.index())) {
                *list = list
                    .iter()
                    .zip(&mask)
                    .filter_map(|(value, keep)| keep.then_some(*value))
                    .collect();
            }
            flow_slot.retain_visits(kept);
        }
    }
    capacity_shaped(&changed, stalled, attempts.as_ref())
}

#[cfg(test)]
impl CapacityBase {
    /// The whole model after a change: the baseline with what the change
    /// recomputed put in.
    fn merged(&self, change: &CapacityChange) -> Capacity {
        Capacity {
            components: self
                .capacity
                .components
                .iter()
                .map(|load| change.component(load.component).unwrap_or(load).clone())
                .collect(),
            queues: self
                .capacity
                .queues
                .iter()
                .map(|load| change.queue(load.queue).unwrap_or(load).clone())
                .collect(),
        }
    }
}

struct SettledGroups {
    ratio: FxHashMap<ComponentId, f64>,
    intake: FxHashMap<ComponentId, f64>,
    /// Per flow re-run, in the order given.
    visits: Vec<Vec<Visit>>,
}

/// Union-find over flows and components, for the groups of
/// [`CapacityBase`].
struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    fn new(n: usize) -> DisjointSets {
        DisjointSets {
            parent: (0..n).collect(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::corpus;
    use crate::estimate::test_design;

    /// Bitwise equality, NaN included.
    fn same(a: &Capacity, b: &Capacity) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    /// Changes a component the way a fix or a failure does.
    fn change(component: &mut Component, how: usize) {
        match how % 5 {
            0 => component.replicas = component.replicas.saturating_add(3),
            // Scaled, never added or removed: neither a fix nor a failure
            // does, and the rounds `settle` takes count the capacities.
            1 => component.capacity = component.capacity.map(|capacity| capacity * 0.25),
            2 => component.hit_ratio_declared = Some(0.0),
            3 => {
                component.ha_mode = Some(HaMode::ActiveActive);
                component.replication = match component.replication {
                    Replication::None => Replication::PrimaryReplica {
                        replicas: 2,
                        mode: crate::model::ReplicationMode::Sync,
                        failover: crate::model::Failover::Auto,
                    },
                    ref other => other.clone(),
                };
            }
            _ => component.capacity = component.capacity.map(|capacity| capacity * 100.0),
        }
    }

    #[test]
    fn a_change_re_run_on_the_flows_it_reaches_matches_the_whole_model() {
        let mut checked = 0;
        for (name, design) in corpus::designs(&[100, 300], 300) {
            let base = CapacityBase::new(&design);
            assert!(same(&base.capacity, &capacity(&design)), "{name}: baseline");
            let n = design.components.len();
            // Every component of small designs, a sample of big ones.
            let step = (n / 60).max(1);
            for (round, idx) in (0..n).step_by(step).enumerate() {
                let id = ComponentId(idx as u32);
                let mut changed = design.clone();
                change(&mut changed.components[idx], round + idx);
                let mut seeds = vec![id];
                // Now and then, cut a flow through it short, as a failure does.
                if round % 3 == 0
                    && let Some(flow) = base.flows_through(id).next()
                {
                    let changed_flow = &mut changed.flows[flow.index()];
                    let at = changed_flow.visits.iter().position(|v| v.component == id).unwrap_or(0);
                    let keep = changed_flow.stopped_by(at);
                    changed_flow.retain_visits(&keep);
                }
                // And stall it as a consumer of its queues.
                let mut stalled = Stalled::new();
                if round % 2 == 1 {
                    for queue in base.feeds(id) {
                        stalled.insert((*queue, id));
                    }
                    seeds.extend(base.feeds(id));
                }
                // Retried flows through the change get their attempts again
                // at the baseline's loads before retries, as what-if and
                // explain's fixes do (docs/estimate.md, "Retries").
                let mut cache = super::super::dist::LawCache::new();
                let mut overrides = Vec::new();
                let mut through: Vec<FlowId> = seeds.iter().flat_map(|seed| base.flows_through(*seed)).collect();
                through.sort_unstable();
                through.dedup();
                for flow in through {
                    if super::super::retry::flow_retries(&changed, changed.flow(flow)) {
                        let list = super::super::retry::flow_attempts(
                            &changed,
                            changed.flow(flow),
                            &base.attempt_loading,
                            &mut cache,
                        );
                        overrides.push((flow, list));
                    }
                }
                let whole = if super::super::retry::has_retries(&design) {
                    capacity_shaped(&changed, &stalled, Some(&base.attempts_with(&overrides)))
                } else {
                    capacity_with(&changed, &stalled)
                };
                let change = base.recompute_without(&changed, &stalled, &seeds, &[], &overrides);
                assert!(
                    same(&base.merged(&change), &whole),
                    "{name}: change {} of {}",
                    round + idx,
                    design.component(id).id
                );
                checked += 1;
            }
        }
        assert!(checked > 3000, "{checked}");
    }

    #[test]
    fn black_friday_queue_grows_540k_an_hour() {
        let design = test_design(
            r#"system s {
              client shoppers { rps = 10000/min }
              service orders { replicas = 3, capacity = 100/s }
              queue q
              worker w { replicas = 1, capacity = 1000/min }
              external psp
              shoppers -> orders -> q
              q -> w -> psp
              flow f { path = shoppers -> orders -> q -> w -> psp, op = write }
            }"#,
        );
        let capacity = capacity(&design);
        let queue = &capacity.queues[0];
        assert!((queue.in_rps - 10000.0 / 60.0).abs() < 1e-9);
        assert!((queue.out_rps - 1000.0 / 60.0).abs() < 1e-9);
        assert!((queue.growth_per_hour - 540_000.0).abs() < 1e-6);
        let orders = capacity.component(design.component_id("orders").unwrap()).unwrap();
        assert!((orders.utilization.unwrap() - (10000.0 / 60.0) / 300.0).abs() < 1e-12);
        let psp = capacity.component(design.component_id("psp").unwrap()).unwrap();
        assert!((psp.load_rps - 1000.0 / 60.0).abs() < 1e-9);
        let worker = capacity.component(design.component_id("w").unwrap()).unwrap();
        assert!((worker.utilization.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(worker.direct_rps, 0.0);
    }

    #[test]
    fn bandwidth_and_connections_count_in_utilization() {
        let design = test_design(
            "system s {
              client desktop { rps = 20000, connections = 2M }
              load_balancer lb { replicas = 2, bandwidth = 10Gbps, max_connections = 500k }
              service a { replicas = 4, capacity = 10k/s, bandwidth = 10Gbps, max_connections = 250k }
              service b { replicas = 4, max_connections = 1M }
              object_store blocks
              desktop -> lb { protocol = websocket }
              lb -> a { protocol = websocket }
              lb -> b { protocol = websocket }
              a -> blocks
              flow upload { path = desktop -> lb -> a -> blocks, payload = 4MB, op = write }
            }",
        );
        let loads = capacity(&design);
        let load = |name: &str| loads.component(design.component_id(name).unwrap()).unwrap().clone();
        let lb = load("lb");
        // 20,000/s × 4 MB = 80 GB/s on 2 × 1.25 GB/s.
        assert!((lb.bytes_per_s - 8e10).abs() < 1.0);
        assert!((lb.utilization.unwrap() - 32.0).abs() < 1e-9, "{lb:?}");
        assert_eq!(lb.limited_by, Some(Resource::Bandwidth));
        // The balancer holds all 2M and spreads them over its two targets.
        assert_eq!(
            (lb.connections, load("a").connections, load("b").connections),
            (2e6, 1e6, 1e6)
        );
        // a gets what lb serves (1/32): 625/s, 2.5 GB/s on 5 GB/s; its
        // connections 1M on 4 × 250k: 100%.
        let a = load("a");
        assert!((a.load_rps - 625.0).abs() < 1e-9, "{a:?}");
        assert!((a.utilization.unwrap() - 1.0).abs() < 1e-12, "{a:?}");
        assert_eq!(a.limited_by, Some(Resource::Connections));
        // Nothing past the chain of websocket links holds connections.
        assert_eq!(load("blocks").connections, 0.0);
        assert_eq!(load("blocks").limited_by, None);
        assert!((load("blocks").bytes_per_s - 625.0 * 4e6).abs() < 1.0);
    }

    #[test]
    fn the_busiest_shard_sets_a_sharded_stores_utilization() {
        let text = |shard: &str| {
            format!(
                "system s {{
              client users {{ rps = 1000 }}
              database db {{ capacity = 500/s, shard = {shard} }}
              users -> db {{ op = write }}
              flow f {{ path = users -> db, op = write }}
            }}"
            )
        };
        let rho = |shard: &str| {
            let design = test_design(&text(shard));
            let loads = capacity(&design);
            loads
                .component(design.component_id("db").unwrap())
                .unwrap()
                .utilization
                .unwrap()
        };
        // Even: 1,000 over 16 × 500.
        assert!((rho("hash { key = k, count = 16 }") - 0.125).abs() < 1e-12);
        // A hot key: 40% of 1,000 on one shard of 500/s.
        assert!((rho("consistent_hash { key = k, count = 16, hot_share = 0.4 }") - 0.8).abs() < 1e-12);
        // A share under 1/N is the even spread.
        assert!((rho("hash { key = k, count = 4, hot_share = 0.1 }") - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_consumer_takes_with_no_more_instances_than_its_partitions() {
        // 6 workers of 10/s each, but 2 partitions: they take 20/s of 100/s.
        let text = |partitions: &str| {
            format!(
                "system s {{
              client users {{ rps = 100 }}
              queue q {{ {partitions}dead_letter = true, replicas = 3 }}
              worker w {{ replicas = 6, capacity = 10/s, idempotent = true }}
              users -> q -> w
              flow f {{ path = users -> q }}
            }}"
            )
        };
        let design = test_design(&text("partitions = 2, "));
        let loads = capacity(&design);
        let queue = loads.queue(design.component_id("q").unwrap()).unwrap();
        assert!((queue.out_rps - 20.0).abs() < 1e-9, "{queue:?}");
        assert!((queue.growth_per_hour - 80.0 * 3600.0).abs() < 1e-6);
        let worker = loads.component(design.component_id("w").unwrap()).unwrap();
        // The two instances that read a partition are busy.
        assert!((worker.utilization.unwrap() - 1.0).abs() < 1e-12, "{worker:?}");
        // Without partitions, all six take: 60/s.
        let design = test_design(&text(""));
        let loads = capacity(&design);
        let queue = loads.queue(design.component_id("q").unwrap()).unwrap();
        assert!((queue.out_rps - 60.0).abs() < 1e-9, "{queue:?}");
        // Two consumers share 3 partitions: 1.5 each.
        let design = test_design(
            "system s {
              client users { rps = 100 }
              queue q { partitions = 3, dead_letter = true, replicas = 3 }
              worker a { replicas = 4, capacity = 10/s, idempotent = true }
              worker b { replicas = 1, capacity = 10/s, idempotent = true }
              users -> q
              q -> a
              q -> b
              flow f { path = users -> q }
            }",
        );
        let share = |name: &str| design.component(design.component_id(name).unwrap()).partition_share;
        assert_eq!((share("a"), share("b")), (Some(1.5), Some(1.5)));
        let loads = capacity(&design);
        let queue = loads.queue(design.component_id("q").unwrap()).unwrap();
        // a: min(4, 1.5) × 10 = 15 of its 50; b: min(1, 1.5) × 10 = 10.
        assert!((queue.out_rps - 25.0).abs() < 1e-9, "{queue:?}");
    }

    #[test]
    fn hits_thin_the_load_and_reads_spread_over_replicas() {
        let design = test_design(
            r#"system s {
              client users { rps = 1000 }
              cdn edge { hit_ratio = 0.8 }
              service app { replicas = 2, capacity = 100/s }
              cache c { hit_ratio = 0.9 }
              database db { capacity = 10/s, replication = primary_replica { replicas = 2 } }
              users -> edge -> app -> c -> db
              flow f { path = users -> edge -> app -> c -> db, op = read }
            }"#,
        );
        let capacity = capacity(&design);
        let app = capacity.component(design.component_id("app").unwrap()).unwrap();
        assert!((app.load_rps - 200.0).abs() < 1e-9);
        assert!((app.utilization.unwrap() - 1.0).abs() < 1e-12);
        let db = capacity.component(design.component_id("db").unwrap()).unwrap();
        assert!((db.load_rps - 20.0).abs() < 1e-9);
        // Reads on any of 3 nodes: 20 / 30.
        assert!((db.utilization.unwrap() - 20.0 / 30.0).abs() < 1e-12);
        assert!((db.capacity_rps.unwrap() - 30.0).abs() < 1e-9);
    }
}
