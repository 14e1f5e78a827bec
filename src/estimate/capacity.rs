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

use super::availability::judged_op;
use crate::model::{
    Component, ComponentId, Design, Fanout, HaMode, Kind, Link, Op, QueuePattern, ReadFrom, Replication,
};

/// c·μ for a hop into `component` by operation `op` over `incoming`: the
/// rate it can take, or `None` without a `capacity`.
pub fn hop_capacity(component: &Component, op: Op, incoming: Option<&Link>) -> Option<f64> {
    let per_instance = component.capacity?;
    let (c, _) = instances(component, op, incoming);
    Some(c * per_instance)
}

/// c (language.md §4, "Capacity") and why.
pub fn instances(component: &Component, op: Op, incoming: Option<&Link>) -> (f64, String) {
    let op = judged_op(op);
    let is_read = op == Op::Read;
    let pinned = incoming.is_some_and(|link| link.read_from == ReadFrom::Primary);
    let fanout_all = incoming.is_some_and(|link| link.fanout == Fanout::All);
    let shards = component.shard.as_ref().map_or(1, |shard| shard.count.max(1));
    let (per_shard, why) = match component.kind {
        Kind::Database => match &component.replication {
            Replication::None => (1.0, "one node".to_string()),
            Replication::PrimaryReplica { replicas, .. } if is_read && !pinned => {
                let nodes = f64::from(replicas.saturating_add(1));
                (nodes, format!("reads on any of {nodes} nodes"))
            }
            Replication::PrimaryReplica { .. } if is_read => (1.0, "reads pinned to the primary".to_string()),
            Replication::PrimaryReplica { .. } => (1.0, "writes on the primary".to_string()),
            Replication::Quorum { n, r, w } => {
                let k = if is_read { *r } else { *w };
                let c = f64::from(*n) / f64::from(k.max(1));
                let what = if is_read { "reads" } else { "writes" };
                (
                    c,
                    format!("{what}: n / {} = {n} / {k}", if is_read { "r" } else { "w" }),
                )
            }
            Replication::MultiPrimary { primaries, .. } if is_read => {
                (f64::from(*primaries), format!("reads on any of {primaries} primaries"))
            }
            Replication::MultiPrimary { .. } => (1.0, "every primary applies every write".to_string()),
        },
        Kind::LoadBalancer | Kind::Gateway if component.ha_mode == Some(HaMode::ActivePassive) => {
            (1.0, "active_passive: one instance serves".to_string())
        }
        _ => {
            let n = component.replicas.max(1);
            (f64::from(n), format!("{n} replica{}", if n == 1 { "" } else { "s" }))
        }
    };
    let sharded = matches!(component.kind, Kind::Database | Kind::Search) && shards > 1;
    if sharded && !fanout_all {
        (
            per_shard * f64::from(shards),
            format!("{why} per shard, × {shards} shards"),
        )
    } else if sharded {
        (
            per_shard,
            format!("{why} per shard; fanout = all sends the full rate to every shard"),
        )
    } else {
        (per_shard, why)
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
pub fn capacity_with(design: &Design, stalled: &Stalled) -> Capacity {
    let n = design.components.len();
    let consumers = consumers(design, stalled);
    // take / intake of each consumer; starts at 1 and is refined until the
    // queue inflows stop changing (each round settles one more queue level).
    let mut ratio = vec![1.0_f64; n];
    let mut state = Round::new(n);
    let queue_count = design.components.iter().filter(|c| c.kind == Kind::Queue).count();
    for _ in 0..queue_count + 2 {
        state = Round::new(n);
        for flow in &design.flows {
            walk_flow(design, flow, &consumers, &ratio, stalled, &mut state);
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
            let component = &design.components[idx];
            let take = match hop_capacity(component, Op::Write, None) {
                Some(capacity) if capacity.is_finite() => {
                    let spare = (1.0 - state.utilization[idx]).max(0.0) * capacity;
                    intake[idx].min(spare)
                }
                _ => intake[idx],
            };
            next[idx] = take / intake[idx];
            state.intake[idx] = intake[idx];
        }
        if next == ratio {
            break;
        }
        ratio = next;
    }
    finish(design, &consumers, &ratio, stalled, state)
}

/// Accumulators of one pass over the flows.
struct Round {
    direct: Vec<f64>,
    /// Σ λ / (c·μ) of the direct load.
    utilization: Vec<f64>,
    /// Whether some direct hop had no capacity figure.
    inflow: Vec<f64>,
    intake: Vec<f64>,
}

impl Round {
    fn new(n: usize) -> Round {
        Round {
            direct: vec![0.0; n],
            utilization: vec![0.0; n],
            inflow: vec![0.0; n],
            intake: vec![0.0; n],
        }
    }
}

fn walk_flow(
    design: &Design,
    flow: &crate::model::Flow,
    consumers: &[Vec<ComponentId>],
    ratio: &[f64],
    stalled: &Stalled,
    round: &mut Round,
) {
    let mut rate = if flow.rps.is_finite() { flow.rps.max(0.0) } else { 0.0 };
    let last = flow.path.len().saturating_sub(1);
    for (idx, &id) in flow.path.iter().enumerate() {
        let component = design.component(id);
        let previous = idx.checked_sub(1).and_then(|prev| flow.path.get(prev)).copied();
        let incoming = idx
            .checked_sub(1)
            .and_then(|hop| flow.hops.get(hop))
            .map(|link| design.link(*link));
        match previous {
            Some(queue) if design.component(queue).kind == Kind::Queue => {
                // A consumer: its intake comes from the queue's totals; what
                // it passes on is this flow's share of what it takes.
                let list = &consumers[queue.index()];
                if stalled.contains(&(queue, id)) || !list.contains(&id) {
                    rate = 0.0;
                } else {
                    rate *= share(design, queue, list.len()) * ratio[id.index()];
                }
            }
            _ if component.kind == Kind::Client => {}
            _ => {
                round.direct[id.index()] += rate;
                if let Some(capacity) = hop_capacity(component, flow.op, incoming) {
                    if capacity > 0.0 {
                        round.utilization[id.index()] += rate / capacity;
                    } else if rate > 0.0 {
                        round.utilization[id.index()] = f64::INFINITY;
                    }
                }
            }
        }
        if component.kind == Kind::Queue {
            round.inflow[id.index()] += rate;
        }
        if component.kind.is_cache_like() && idx < last {
            rate *= 1.0 - component.hit_ratio().clamp(0.0, 1.0);
        }
    }
}

fn finish(design: &Design, consumers: &[Vec<ComponentId>], ratio: &[f64], stalled: &Stalled, round: Round) -> Capacity {
    let mut components = Vec::new();
    for id in design.component_ids() {
        let component = design.component(id);
        if component.kind == Kind::Client {
            continue;
        }
        let idx = id.index();
        let consumed = round.intake[idx] * ratio[idx];
        let direct = round.direct[idx];
        let load = direct + consumed;
        let nominal = hop_capacity(component, Op::Write, None);
        let utilization = nominal.map(|capacity| {
            let from_queues = if capacity > 0.0 { consumed / capacity } else { 0.0 };
            round.utilization[idx] + from_queues
        });
        let capacity_rps = match utilization {
            Some(rho) if rho > 0.0 && rho.is_finite() && load > 0.0 => Some(load / rho),
            _ => nominal,
        };
        components.push(ComponentLoad {
            component: id,
            load_rps: load,
            direct_rps: direct,
            consumed_rps: consumed,
            offered_rps: round.intake[idx],
            capacity_rps,
            utilization,
        });
    }
    let mut queues = Vec::new();
    for id in design.component_ids() {
        let component = design.component(id);
        if component.kind != Kind::Queue {
            continue;
        }
        let list = &consumers[id.index()];
        let in_rps = round.inflow[id.index()];
        let each = in_rps * share(design, id, list.len());
        let taken = list.iter().map(|consumer| {
            if stalled.contains(&(id, *consumer)) {
                0.0
            } else {
                each * ratio[consumer.index()]
            }
        });
        let out_rps = if list.is_empty() {
            0.0
        } else {
            match component.queue_pattern {
                QueuePattern::WorkQueue => taken.sum(),
                QueuePattern::PubSub => taken.fold(f64::INFINITY, f64::min),
            }
        };
        let out_rps = out_rps.min(in_rps);
        queues.push(QueueLoad {
            queue: id,
            in_rps,
            out_rps,
            growth_per_hour: ((in_rps - out_rps) * 3600.0).max(0.0),
            consumers: list.clone(),
        });
    }
    Capacity { components, queues }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::test_design;

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
