//! The availability model of language.md §4: instances of a component in
//! parallel, the components of a flow's synchronous part in series; clients
//! and optional caches (`cache_aside`, `read_through`) are not counted;
//! databases by their replication and the hop's operation.

use super::math::{any_of, k_of_n};
use crate::float::Portable;
use crate::format::plain_fraction;
use crate::model::{
    Component, ComponentId, Design, Fanout, Flow, HaMode, Kind, Link, LinkId, Op, ReadFrom, Replication,
};

/// One component's factor in a flow's availability.
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    pub component: ComponentId,
    /// The factor (1 when not counted).
    pub value: f64,
    pub counted: bool,
    /// How the factor was computed, for `--explain`: "1 − (1 − 0.999)^2".
    pub formula: String,
    /// Why: "2 replicas", "a read uses any of the 3 nodes".
    pub reason: String,
}

/// The operation a hop is judged by: the flow's `op`, `read_write` as a
/// write (language.md §4: for availability and capacity, the weaker side).
pub fn judged_op(op: Op) -> Op {
    match op {
        Op::Read => Op::Read,
        Op::Write | Op::ReadWrite => Op::Write,
    }
}

/// The availability of `component` reached over `incoming` by an operation
/// `op` (already judged: read or write).
pub fn node_factor(design: &Design, id: ComponentId, op: Op, incoming: Option<&Link>) -> Factor {
    let component = design.component(id);
    let skip = |reason: &str| Factor {
        component: id,
        value: 1.0,
        counted: false,
        formula: "not counted".to_string(),
        reason: reason.to_string(),
    };
    if component.kind == Kind::Client {
        return skip("a client is where requests start");
    }
    if component.is_embedded() {
        return skip("an embedded cache: it runs, and fails, with its caller");
    }
    if component.is_optional_cache() {
        return skip(&format!(
            "a {} cache: its loss makes requests slower, not failed",
            component.cache_pattern
        ));
    }
    let (mut formula, mut reason) = if component.kind == Kind::Database {
        database_text(component, op, incoming)
    } else {
        instances_text(component)
    };
    if let Some(count) = fanout_shards(component, incoming) {
        formula = format!("({formula})^{count}");
        reason = format!("{reason}; fanout = all needs every one of the {count} shards");
    }
    Factor {
        component: id,
        value: node_value(design, id, op, incoming).unwrap_or(1.0),
        counted: true,
        formula,
        reason,
    }
}

/// The factor's value alone (`None`: not counted), without the words of
/// [`node_factor`], which takes its value from here.
pub fn node_value(design: &Design, id: ComponentId, op: Op, incoming: Option<&Link>) -> Option<f64> {
    component_value(design.component(id), op, incoming)
}

/// [`node_value`] of a component given by value (a changed copy, to weigh
/// a fix without editing the design).
pub fn component_value(component: &Component, op: Op, incoming: Option<&Link>) -> Option<f64> {
    if component.kind == Kind::Client || component.is_optional_cache() || component.is_embedded() {
        return None;
    }
    let value = if component.kind == Kind::Database {
        database_value(component, op, incoming)
    } else {
        instances_value(component)
    };
    Some(match fanout_shards(component, incoming) {
        Some(count) => value.portable_powf(f64::from(count)),
        None => value,
    })
}

/// The shard count a `fanout = all` hop needs every one of.
fn fanout_shards(component: &Component, incoming: Option<&Link>) -> Option<u32> {
    incoming
        .filter(|link| link.fanout == Fanout::All)
        .and(component.shard.as_ref())
        .map(|shard| shard.count)
}

fn instances_value(component: &Component) -> f64 {
    let a = component.availability;
    let n = component.replicas.max(1);
    if n == 1 { a } else { any_of(n, a) }
}

fn instances_text(component: &Component) -> (String, String) {
    let a = component.availability;
    let n = component.replicas.max(1);
    if n == 1 {
        let reason = if component.is_managed() {
            managed_reason(component)
        } else if component.kind.redundant_by_default() {
            "redundant by default without `replicas`: counted once, at its own availability".to_string()
        } else {
            "one instance".to_string()
        };
        return (plain_fraction(a), reason);
    }
    let mode = match component.ha_mode {
        Some(HaMode::ActivePassive) => " (active_passive: the standby takes over, so it counts)",
        _ => "",
    };
    (
        format!("1 − (1 − {})^{n}", plain_fraction(a)),
        format!("{n} replicas, any one suffices{mode}"),
    )
}

/// Why a managed service counts once (language.md §8): its provider runs
/// its replication, and its availability is the published figure where
/// the knowledge base has one.
fn managed_reason(component: &Component) -> String {
    let name = component
        .technology
        .map_or("its technology", |technology| technology.name.as_str());
    let figure = match component.availability_origin {
        crate::model::Origin::Declared => "its declared availability",
        crate::model::Origin::Technology(_) => "its provider's published figure",
        _ => "the kind's default (no published figure)",
    };
    format!("managed ({name}): replicated by its provider, counted once at {figure}")
}

/// How a database serves the operation: the nodes of which any one
/// suffices, or k of n.
enum DatabaseRule {
    One,
    AnyOf(u32),
    KOfN(u32, u32),
}

fn database_rule(component: &Component, op: Op, incoming: Option<&Link>) -> DatabaseRule {
    let pinned = incoming.is_some_and(|link| link.read_from == ReadFrom::Primary);
    let is_read = op == Op::Read;
    match &component.replication {
        Replication::None => DatabaseRule::One,
        Replication::PrimaryReplica { replicas, failover, .. } => {
            let nodes = replicas.saturating_add(1);
            if (is_read && !pinned) || (!is_read && *failover == crate::model::Failover::Auto) {
                DatabaseRule::AnyOf(nodes)
            } else {
                DatabaseRule::One
            }
        }
        Replication::Quorum { n, r, w } => DatabaseRule::KOfN(if is_read { *r } else { *w }, *n),
        Replication::MultiPrimary { primaries, .. } => DatabaseRule::AnyOf(*primaries),
    }
}

fn database_value(component: &Component, op: Op, incoming: Option<&Link>) -> f64 {
    let a = component.availability;
    match database_rule(component, op, incoming) {
        DatabaseRule::One => a,
        DatabaseRule::AnyOf(nodes) => any_of(nodes, a),
        DatabaseRule::KOfN(k, n) => k_of_n(k, n, a),
    }
}

fn database_text(component: &Component, op: Op, incoming: Option<&Link>) -> (String, String) {
    let a = component.availability;
    let pinned = incoming.is_some_and(|link| link.read_from == ReadFrom::Primary);
    let is_read = op == Op::Read;
    match &component.replication {
        Replication::None if component.is_managed() => (plain_fraction(a), managed_reason(component)),
        Replication::None => (plain_fraction(a), "one node (replication = none)".to_string()),
        Replication::PrimaryReplica { replicas, failover, .. } => {
            let nodes = replicas.saturating_add(1);
            if is_read && !pinned {
                (
                    format!("1 − (1 − {})^{nodes}", plain_fraction(a)),
                    format!("a read uses any of the {nodes} nodes"),
                )
            } else if is_read {
                (
                    plain_fraction(a),
                    "reads pinned to the primary (read_from = primary)".to_string(),
                )
            } else if *failover == crate::model::Failover::Auto {
                (
                    format!("1 − (1 − {})^{nodes}", plain_fraction(a)),
                    format!("a write needs the primary; with failover = auto any of the {nodes} nodes can become it"),
                )
            } else {
                (
                    plain_fraction(a),
                    format!("a write needs the primary alone (failover = {failover})"),
                )
            }
        }
        Replication::Quorum { n, r, w } => {
            let (k, what) = if is_read { (*r, "read") } else { (*w, "write") };
            (
                format!(
                    "Σ_(i≥{k}) C({n},i) {}^i (1 − {})^({n}−i)",
                    plain_fraction(a),
                    plain_fraction(a)
                ),
                format!("a {what} needs {k} of the {n} quorum nodes"),
            )
        }
        Replication::MultiPrimary { primaries, .. } => (
            format!("1 − (1 − {})^{primaries}", plain_fraction(a)),
            format!("any of the {primaries} primaries serves reads and writes"),
        ),
    }
}

/// A flow's availability and its factors.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowAvailability {
    pub value: f64,
    pub factors: Vec<Factor>,
}

/// The visits availability judges (language.md §5, "Availability"): one per
/// distinct component of the synchronous tree, in the order first visited,
/// each with the most demanding of its hops (a write before a read, a
/// `fanout = all` hop before a one-shard one): `(component, op, hop)`.
pub fn judged_visits(design: &Design, flow: &Flow) -> Vec<(ComponentId, Op, Option<LinkId>)> {
    let sync = flow.sync_part(design);
    let mut judged: Vec<(ComponentId, Op, Option<LinkId>)> = Vec::with_capacity(sync.visits.len());
    let mut slot: rustc_hash::FxHashMap<ComponentId, usize> = rustc_hash::FxHashMap::default();
    let demand = |op: Op, link: Option<LinkId>| {
        let fanout = link.is_some_and(|link| design.link(link).fanout == crate::model::Fanout::All);
        (op == Op::Write, fanout)
    };
    for &idx in &sync.visits {
        let visit = &flow.visits[idx];
        let op = judged_op(visit.op);
        match slot.get(&visit.component) {
            Some(&at) => {
                let (_, old_op, old_link) = judged[at];
                if demand(op, visit.link) > demand(old_op, old_link) {
                    judged[at] = (visit.component, op, visit.link);
                }
            }
            None => {
                slot.insert(visit.component, judged.len());
                judged.push((visit.component, op, visit.link));
            }
        }
    }
    judged
}

/// A flow's availability alone: the value of [`flow_availability`], without
/// building the words of its factors.
pub fn flow_availability_value(design: &Design, flow: &Flow) -> f64 {
    let mut value = 1.0;
    for (id, op, link) in judged_visits(design, flow) {
        value *= node_value(design, id, op, link.map(|link| design.link(link))).unwrap_or(1.0);
    }
    value
}

/// The product over the distinct components of the synchronous tree
/// (language.md §4 and §5, "Availability").
pub fn flow_availability(design: &Design, flow: &Flow) -> FlowAvailability {
    let judged = judged_visits(design, flow);
    let mut value = 1.0;
    let mut factors = Vec::with_capacity(judged.len());
    for (id, op, link) in judged {
        let factor = node_factor(design, id, op, link.map(|link| design.link(link)));
        value *= factor.value;
        factors.push(factor);
    }
    FlowAvailability { value, factors }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::test_design;

    fn availability(text: &str, flow: &str) -> f64 {
        let design = test_design(text);
        let id = design.flow_id(flow).unwrap();
        let value = flow_availability(&design, design.flow(id)).value;
        // The value alone is the same number, to the bit.
        assert_eq!(
            flow_availability_value(&design, design.flow(id)).to_bits(),
            value.to_bits()
        );
        value
    }

    #[test]
    fn an_embedded_cache_fails_with_its_caller_and_costs_no_network() {
        let text = |embedded: bool| {
            format!(
                "system s {{
              client users {{ rps = 10 }}
              service api {{ replicas = 3, availability = 99.9% }}
              cache local {{ embedded = {embedded}, pattern = write_through, ttl = 1m }}
              users -> api -> local
              flow f {{ path = users -> api -> local, op = write }}
            }}"
            )
        };
        // A write-through cache is on the write path: counted on its own,
        // not when it is in the caller's process.
        let api = any_of(3, 0.999);
        assert_eq!(availability(&text(true), "f"), api);
        assert!(availability(&text(false), "f") < api);
        let design = test_design(&text(true));
        let link = design
            .links
            .iter()
            .position(|link| design.component(link.to).id == "local")
            .unwrap();
        assert_eq!(
            crate::estimate::latency::link_round_trip(&design, crate::model::LinkId(link as u32)).0,
            0.0
        );
        let local = design.component(design.component_id("local").unwrap());
        assert!(!crate::analysis::spof::has_one_instance(local));
    }

    #[test]
    fn replicas_in_parallel_and_path_in_series() {
        let text = r#"system s {
          client users { rps = 10 }
          load_balancer lb { availability = 99.99% }
          service api { replicas = 3, availability = 99.9% }
          users -> lb -> api
          flow f { path = users -> lb -> api }
        }"#;
        // knowledge.md §3.1: 0.999999999 × 0.9999 = 0.9998999990.
        let value = availability(text, "f");
        assert!((value - 0.9999 * (1.0 - 1e-9)).abs() < 1e-15, "{value}");
    }
}
