//! `hld diagram --format json`: the resolved design for other tools, every
//! default filled in and named by its source (docs/json-export.md).

use serde::Serialize;

use crate::model::*;

#[derive(Serialize)]
struct Export<'a> {
    version: u32,
    generator: &'static str,
    system: SystemJson<'a>,
    regions: Vec<RegionJson<'a>>,
    rtts: Vec<RttJson<'a>>,
    components: Vec<ComponentJson<'a>>,
    links: Vec<LinkJson<'a>>,
    flows: Vec<FlowJson<'a>>,
}

#[derive(Serialize)]
struct SystemJson<'a> {
    name: &'a str,
    label: Option<&'a str>,
    slo: SloJson,
}

#[derive(Serialize)]
struct SloJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    availability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p50_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p95_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p99_ms: Option<f64>,
}

impl From<&Slo> for SloJson {
    fn from(slo: &Slo) -> SloJson {
        SloJson {
            availability: slo.availability,
            p50_ms: slo.p50_ms,
            p95_ms: slo.p95_ms,
            p99_ms: slo.p99_ms,
        }
    }
}

#[derive(Serialize)]
struct RegionJson<'a> {
    id: &'a str,
    label: Option<&'a str>,
}

#[derive(Serialize)]
struct RttJson<'a> {
    a: &'a str,
    b: &'a str,
    ms: f64,
}

#[derive(Serialize)]
struct Sourced<T: Serialize> {
    value: T,
    source: String,
}

#[derive(Serialize)]
struct LatencyJson {
    p50_ms: f64,
    p99_ms: f64,
    source: String,
}

#[derive(Serialize)]
struct ComponentJson<'a> {
    id: &'a str,
    label: Option<&'a str>,
    kind: Kind,
    technology: Option<&'a str>,
    technology_known: bool,
    region: Option<&'a str>,
    replicas: u32,
    redundant: bool,
    latency: LatencyJson,
    availability: Sourced<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_rps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bandwidth_bytes_per_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_connections: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connections: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    algorithm: Option<Algorithm>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hash_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    layer: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<HaMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth: Option<Auth>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rate_limit: Option<RateLimitJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hit_ratio: Option<Sourced<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invalidation: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pattern: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    eviction: Option<Eviction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<DataModel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consistency: Option<Consistency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cap: Option<Cap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replication: Option<ReplicationJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<ShardJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_bytes: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery: Option<Delivery>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dead_letter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partitions: Option<u32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    embedded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    idempotent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stateless: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    allow: Vec<&'a str>,
}

#[derive(Serialize)]
struct RateLimitJson {
    algorithm: RateLimitAlgorithm,
    limit: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    window_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refill_per_s: Option<f64>,
    per: RateLimitScope,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ReplicationJson {
    None,
    PrimaryReplica {
        replicas: u32,
        mode: ReplicationMode,
        failover: Failover,
    },
    MultiPrimary {
        primaries: u32,
        conflict: Option<Conflict>,
    },
    Quorum {
        n: u32,
        r: u32,
        w: u32,
    },
}

#[derive(Serialize)]
struct ShardJson<'a> {
    strategy: ShardStrategy,
    key: &'a str,
    count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    hot_share: Option<f64>,
}

#[derive(Serialize)]
struct LinkJson<'a> {
    from: &'a str,
    to: &'a str,
    mode: LinkMode,
    op: Op,
    #[serde(skip_serializing_if = "Option::is_none")]
    requires: Option<Consistency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prefers: Option<Prefers>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<f64>,
    weight: u32,
    fanout: Fanout,
    read_from: ReadFrom,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retries: Option<u32>,
    idempotent: bool,
    protocol: Protocol,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    allow: Vec<&'a str>,
}

#[derive(Serialize)]
struct FlowJson<'a> {
    id: &'a str,
    label: Option<&'a str>,
    path: Vec<&'a str>,
    synchronous: Vec<&'a str>,
    background: Vec<&'a str>,
    rps: Sourced<f64>,
    payload_bytes: f64,
    op: Op,
    #[serde(skip_serializing_if = "Option::is_none")]
    requires: Option<Consistency>,
    slo: SloJson,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    allow: Vec<&'a str>,
    /// The call tree (language.md §5), one entry per visit, callers first:
    /// a flow with `path` only lists its path.
    visits: Vec<VisitJson<'a>>,
}

#[derive(Serialize)]
struct VisitJson<'a> {
    component: &'a str,
    /// Index of the calling visit in `visits`.
    caller: Option<usize>,
    /// Which of the caller's steps this call is (0 first).
    step: Option<usize>,
    /// Made at the same time as the other calls of its step.
    parallel: bool,
    op: Op,
    #[serde(skip_serializing_if = "Option::is_none")]
    requires: Option<Consistency>,
    synchronous: bool,
}

fn origin(origin: &Origin) -> String {
    origin.describe()
}

fn component_json<'a>(design: &'a Design, component: &'a Component) -> ComponentJson<'a> {
    let kind = component.kind;
    let hit_ratio = kind.is_cache_like().then(|| Sourced {
        value: component.hit_ratio(),
        source: if component.hit_ratio_declared.is_some() {
            origin(&Origin::Declared)
        } else {
            origin(&Origin::KindDefault)
        },
    });
    let invalidation = match kind {
        Kind::Cdn => component.cdn_invalidation.map(CdnInvalidation::as_str),
        Kind::Cache => Some(component.cache_invalidation().as_str()),
        _ => None,
    };
    let pattern = match kind {
        Kind::Cache => Some(component.cache_pattern.as_str()),
        Kind::Queue => Some(component.queue_pattern.as_str()),
        _ => None,
    };
    let is_store = kind.is_store();
    ComponentJson {
        id: &component.id,
        label: component.label.as_deref(),
        kind,
        technology: component.technology_name.as_ref().map(|(name, _)| name.as_str()),
        technology_known: component.technology.is_some(),
        region: component.region.map(|region| design.region(region).id.as_str()),
        replicas: component.replicas,
        redundant: component.is_redundant(),
        latency: LatencyJson {
            p50_ms: component.latency.p50_ms,
            p99_ms: component.latency.p99_ms,
            source: origin(&component.latency.origin),
        },
        availability: Sourced {
            value: component.availability,
            source: origin(&component.availability_origin),
        },
        capacity_rps: component.capacity,
        bandwidth_bytes_per_s: component.bandwidth,
        max_connections: component.max_connections,
        rps: component.rps,
        connections: component.connections,
        algorithm: (kind == Kind::LoadBalancer).then(|| component.algorithm.unwrap_or(Algorithm::RoundRobin)),
        hash_key: component.hash_key.as_deref(),
        layer: component.layer,
        mode: component.ha_mode,
        auth: component.auth,
        rate_limit: component.rate_limit.as_ref().map(|limit| RateLimitJson {
            algorithm: limit.algorithm,
            limit: limit.limit,
            window_ms: limit.window_ms,
            refill_per_s: limit.refill_per_s,
            per: limit.per,
        }),
        hit_ratio,
        ttl_ms: component.effective_ttl_ms(),
        invalidation,
        pattern,
        eviction: component.eviction,
        model: component.data_model,
        consistency: is_store.then(|| component.consistency()),
        cap: component.cap(),
        replication: (kind == Kind::Database).then_some(match &component.replication {
            Replication::None => ReplicationJson::None,
            Replication::PrimaryReplica {
                replicas,
                mode,
                failover,
            } => ReplicationJson::PrimaryReplica {
                replicas: *replicas,
                mode: *mode,
                failover: *failover,
            },
            Replication::MultiPrimary { primaries, conflict } => ReplicationJson::MultiPrimary {
                primaries: *primaries,
                conflict: *conflict,
            },
            Replication::Quorum { n, r, w } => ReplicationJson::Quorum { n: *n, r: *r, w: *w },
        }),
        shard: component.shard.as_ref().map(|shard| ShardJson {
            strategy: shard.strategy,
            key: &shard.key,
            count: shard.count,
            hot_share: shard.hot_share,
        }),
        size_bytes: component.size_bytes,
        partitions: component.partitions,
        embedded: component.embedded,
        delivery: (kind == Kind::Queue).then(|| component.delivery()),
        dead_letter: (kind == Kind::Queue).then(|| match component.dead_letter {
            DeadLetter::None => "none".to_string(),
            DeadLetter::Enabled => "own".to_string(),
            DeadLetter::Queue(queue) => design.component(queue).id.clone(),
        }),
        idempotent: matches!(kind, Kind::Service | Kind::Worker).then(|| component.idempotent.unwrap_or(false)),
        stateless: matches!(kind, Kind::Service | Kind::Worker).then_some(component.stateless),
        role: component.role.as_deref(),
        tags: &component.tags,
        allow: component.allow.iter().map(|allow| allow.rule.as_str()).collect(),
    }
}

pub fn export(design: &Design) -> String {
    let mut text = super::escape::json_pretty(&export_struct(design));
    text.push('\n');
    text
}

/// The export as a JSON value (`hld diff` compares two designs' exports
/// property by property).
pub fn export_value(design: &Design) -> serde_json::Value {
    serde_json::to_value(export_struct(design)).unwrap_or_default()
}

fn export_struct(design: &Design) -> Export<'_> {
    let name = |id: ComponentId| design.component(id).id.as_str();
    Export {
        version: 1,
        generator: "hld",
        system: SystemJson {
            name: &design.name,
            label: design.label.as_deref(),
            slo: (&design.slo).into(),
        },
        regions: design
            .regions
            .iter()
            .map(|region| RegionJson {
                id: &region.id,
                label: region.label.as_deref(),
            })
            .collect(),
        rtts: design
            .rtts
            .iter()
            .map(|rtt| RttJson {
                a: &design.region(rtt.a).id,
                b: &design.region(rtt.b).id,
                ms: rtt.ms,
            })
            .collect(),
        components: design
            .components
            .iter()
            .map(|component| component_json(design, component))
            .collect(),
        links: design
            .links
            .iter()
            .map(|link| LinkJson {
                from: name(link.from),
                to: name(link.to),
                mode: link.mode,
                op: link.op,
                requires: link.requires,
                prefers: link.prefers,
                latency_ms: link.latency_ms,
                weight: link.weight,
                fanout: link.fanout,
                read_from: link.read_from,
                timeout_ms: link.timeout_ms,
                retries: link.retries,
                idempotent: link.idempotent,
                protocol: link.protocol,
                allow: link.allow.iter().map(|allow| allow.rule.as_str()).collect(),
            })
            .collect(),
        flows: design
            .flows
            .iter()
            .map(|flow| {
                let part = flow.sync_part(design);
                FlowJson {
                    id: &flow.id,
                    label: flow.label.as_deref(),
                    path: flow.path.iter().map(|id| name(*id)).collect(),
                    synchronous: part.nodes.iter().map(|id| name(*id)).collect(),
                    background: part.background.iter().map(|id| name(*id)).collect(),
                    rps: Sourced {
                        value: flow.rps,
                        source: origin(&flow.rps_origin),
                    },
                    payload_bytes: flow.payload_bytes,
                    op: flow.op,
                    requires: flow.requires,
                    slo: (&flow.slo).into(),
                    allow: flow.allow.iter().map(|allow| allow.rule.as_str()).collect(),
                    visits: {
                        let states = flow.visit_sync(design);
                        flow.visits
                            .iter()
                            .enumerate()
                            .map(|(idx, visit)| {
                                let step = visit.parent.and_then(|parent| {
                                    flow.visits[parent]
                                        .steps
                                        .iter()
                                        .position(|step| step.calls.contains(&idx))
                                        .map(|at| (at, flow.visits[parent].steps[at].parallel))
                                });
                                VisitJson {
                                    component: name(visit.component),
                                    caller: visit.parent,
                                    step: step.map(|(at, _)| at),
                                    parallel: step.is_some_and(|(_, parallel)| parallel),
                                    op: visit.op,
                                    requires: visit.requires,
                                    synchronous: states[idx] != crate::model::VisitSync::Background,
                                }
                            })
                            .collect()
                    },
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::export_value;
    use crate::model::load::compile_text;
    use crate::model::schema::{Json, Place, every_property, example_design};
    use serde_json::Value;

    /// The object of the export that carries a property of `place` in the
    /// designs of `example_design`.
    fn object(export: &Value, place: Place) -> Value {
        let find = |list: &str, matches: &dyn Fn(&Value) -> bool| {
            export[list]
                .as_array()
                .and_then(|items| items.iter().find(|item| matches(item)).cloned())
                .unwrap_or(Value::Null)
        };
        match place {
            Place::Component => find("components", &|item| item["id"] == "x"),
            Place::Link => find("links", &|item| item["from"] == "api" && item["to"] == "db"),
            Place::Flow => find("flows", &|item| item["id"] == "f"),
            Place::Slo => export["system"]["slo"].clone(),
        }
    }

    /// Declared once: every property of the schema reaches the design JSON
    /// at the key its row names (setting it changes the value there), or
    /// its row says why it does not. A new property cannot be dropped
    /// silently.
    #[test]
    fn every_property_reaches_the_design_json() {
        for (place, spec) in every_property() {
            let export_of = |set: bool| {
                let compilation = compile_text(&example_design(place, spec, set));
                let design = compilation.design.expect("the example resolves");
                object(&export_value(&design), place)
            };
            let (without, with) = (export_of(false), export_of(true));
            match spec.json {
                Json::Key(key) => {
                    assert!(
                        with.get(key).is_some(),
                        "{place:?} `{}`: no `{key}` in the export: {with}",
                        spec.name
                    );
                    assert_ne!(
                        with[key], without[key],
                        "{place:?} `{}` set to {} leaves `{key}` unchanged",
                        spec.name, spec.example
                    );
                }
                Json::NotExported(_) => {
                    assert_eq!(with, without, "{place:?} `{}` is exported after all", spec.name);
                }
            }
        }
    }
}
