//! The resolved design: every name bound, every property typed and checked,
//! every default filled in (from the knowledge base or language.md §4).
//!
//! `resolve` builds a [`Design`] from syntax trees; `load` follows imports.
//! Analysis, estimate and emit read only this model, never the syntax tree.
//! Ids index the vectors of [`Design`]: a `ComponentId(3)` is
//! `design.components[3]`, in declaration order.

pub mod edit;
pub mod load;
pub mod resolve;
pub mod schema;
pub mod types;

use rustc_hash::FxHashMap;

use crate::knowledge::{KnowledgeBase, Technology};
use crate::source::Span;
pub use edit::{Edit, Fix, Target};
pub use types::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ComponentId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionId(pub u32);

impl ComponentId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl LinkId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl FlowId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl RegionId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Where a default came from, so `explain` can say it.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// Written in the design.
    Declared,
    /// The knowledge-base entry of this technology id.
    Technology(String),
    /// The kind's row of language.md §4.
    KindDefault,
    /// A rule of the language itself (e.g. a client's rps shared by its flows).
    Language,
}

impl Origin {
    pub fn describe(&self) -> String {
        match self {
            Origin::Declared => "declared".to_string(),
            Origin::Technology(id) => format!("knowledge base: {id}"),
            Origin::KindDefault => "hld's default for the kind".to_string(),
            Origin::Language => "a rule of the language (docs/language.md)".to_string(),
        }
    }
}

/// A component's latency: a log-normal fitted to p50 and p99 (language.md §4).
#[derive(Clone, Debug, PartialEq)]
pub struct Latency {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub origin: Origin,
}

/// `allow = [rule, ...]`: a rule name suppressed on this component, link or flow.
#[derive(Clone, Debug, PartialEq)]
pub struct Allow {
    pub rule: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Slo {
    pub availability: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub span: Option<Span>,
}

impl Slo {
    /// Field by field: `self` where set, else `fallback`.
    pub fn or(&self, fallback: &Slo) -> Slo {
        Slo {
            availability: self.availability.or(fallback.availability),
            p50_ms: self.p50_ms.or(fallback.p50_ms),
            p95_ms: self.p95_ms.or(fallback.p95_ms),
            p99_ms: self.p99_ms.or(fallback.p99_ms),
            span: self.span.or(fallback.span),
        }
    }

    pub fn has_latency(&self) -> bool {
        self.p50_ms.is_some() || self.p95_ms.is_some() || self.p99_ms.is_some()
    }

    pub fn is_empty(&self) -> bool {
        !self.has_latency() && self.availability.is_none()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RateLimit {
    pub algorithm: RateLimitAlgorithm,
    /// `limit` of a window algorithm, `capacity` of a bucket.
    pub limit: f64,
    /// Window length in ms (window algorithms).
    pub window_ms: Option<f64>,
    /// Refill (or drain) rate per second (bucket algorithms).
    pub refill_per_s: Option<f64>,
    pub per: RateLimitScope,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Replication {
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

impl Replication {
    pub fn name(&self) -> &'static str {
        match self {
            Replication::None => "none",
            Replication::PrimaryReplica { .. } => "primary_replica",
            Replication::MultiPrimary { .. } => "multi_primary",
            Replication::Quorum { .. } => "quorum",
        }
    }

    /// Nodes holding a copy (language.md §4, "Redundancy").
    pub fn nodes(&self) -> u32 {
        match self {
            Replication::None => 1,
            Replication::PrimaryReplica { replicas, .. } => 1 + replicas,
            Replication::MultiPrimary { primaries, .. } => *primaries,
            Replication::Quorum { n, .. } => *n,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Shard {
    pub strategy: ShardStrategy,
    pub key: String,
    pub count: u32,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DeadLetter {
    None,
    /// `dead_letter = true`: the queue's own dead-letter queue.
    Enabled,
    /// `dead_letter = other_queue`.
    Queue(ComponentId),
}

/// Where a component sits: its declared region, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub id: String,
    pub label: Option<String>,
    pub span: Span,
}

/// `rtt a <-> b = D`
#[derive(Clone, Debug, PartialEq)]
pub struct Rtt {
    pub a: RegionId,
    pub b: RegionId,
    pub ms: f64,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Component {
    pub id: String,
    pub label: Option<String>,
    pub kind: Kind,
    /// The knowledge-base entry, when the technology is known.
    pub technology: Option<&'static Technology>,
    /// The technology as written, with its span (kept when unknown, for the
    /// `unknown-technology` rule).
    pub technology_name: Option<(String, Span)>,
    /// The whole declaration.
    pub span: Span,
    pub id_span: Span,
    pub replicas: u32,
    /// `replicas` written explicitly (redundant-by-default kinds count once
    /// unless it is).
    pub replicas_declared: bool,
    pub latency: Latency,
    pub availability: f64,
    pub availability_origin: Origin,
    /// Requests per second one replica can take.
    pub capacity: Option<f64>,
    pub region: Option<RegionId>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub allow: Vec<Allow>,

    // Kind-specific properties; unset ones keep their language default.
    pub rps: Option<f64>,
    pub algorithm: Option<Algorithm>,
    pub layer: Option<u8>,
    pub ha_mode: Option<HaMode>,
    pub rate_limit: Option<RateLimit>,
    pub auth: Option<Auth>,
    /// Declared hit ratio (see [`Component::hit_ratio`] for the effective one).
    pub hit_ratio_declared: Option<f64>,
    pub ttl_ms: Option<f64>,
    pub cdn_invalidation: Option<CdnInvalidation>,
    pub cache_invalidation: Option<CacheInvalidation>,
    pub cache_pattern: CachePattern,
    pub eviction: Option<Eviction>,
    pub data_model: Option<DataModel>,
    pub consistency_declared: Option<Consistency>,
    pub cap_declared: Option<Cap>,
    pub replication: Replication,
    pub shard: Option<Shard>,
    pub size_bytes: Option<f64>,
    pub delivery_declared: Option<Delivery>,
    pub queue_pattern: QueuePattern,
    pub dead_letter: DeadLetter,
    pub idempotent: Option<bool>,
    pub stateless: bool,
    /// Span of each declared property, by name, for secondary labels.
    pub property_spans: Vec<(&'static str, Span)>,
}

impl Component {
    pub fn property_span(&self, name: &str) -> Option<Span> {
        self.property_spans
            .iter()
            .find(|(property, _)| *property == name)
            .map(|(_, span)| *span)
    }

    pub fn technology_id(&self) -> Option<&str> {
        self.technology.map(|technology| technology.id.as_str())
    }

    /// The hit ratio used by the models: declared, else the kind's default
    /// (0 for kinds that never stop a request).
    pub fn hit_ratio(&self) -> f64 {
        self.hit_ratio_declared
            .or_else(|| KnowledgeBase::get().kind(self.kind).hit_ratio())
            .unwrap_or(0.0)
    }

    /// Declared consistency, else the technology's default, else `eventual`.
    pub fn consistency(&self) -> Consistency {
        self.consistency_declared
            .or_else(|| self.technology.and_then(|technology| technology.consistency))
            .unwrap_or(Consistency::Eventual)
    }

    pub fn cap(&self) -> Option<Cap> {
        self.cap_declared
            .or_else(|| self.technology.and_then(|technology| technology.cap))
    }

    /// Delivery guarantee of a queue: declared, else the technology's, else
    /// `at_least_once`.
    pub fn delivery(&self) -> Delivery {
        self.delivery_declared
            .or_else(|| self.technology.and_then(|technology| technology.delivery))
            .unwrap_or(Delivery::AtLeastOnce)
    }

    pub fn is_managed(&self) -> bool {
        self.technology.is_some_and(|technology| technology.managed)
    }

    /// A cdn's TTL: declared, else its technology's (CloudFront: 24h).
    /// Caches never get one from the knowledge base (rules.md).
    pub fn effective_ttl_ms(&self) -> Option<f64> {
        self.ttl_ms.or_else(|| {
            (self.kind == Kind::Cdn)
                .then(|| self.technology.and_then(|technology| technology.cdn_ttl))
                .flatten()
        })
    }

    /// A cache's invalidation: declared, else `ttl` when a TTL is set, else `none`.
    pub fn cache_invalidation(&self) -> CacheInvalidation {
        self.cache_invalidation.unwrap_or(if self.ttl_ms.is_some() {
            CacheInvalidation::Ttl
        } else {
            CacheInvalidation::None
        })
    }

    /// More than one effective instance, for the single point of failure
    /// rule (language.md §4, "Redundancy"): replicas; for a database, the
    /// nodes of its replication; and cdn, dns, object_store, external and
    /// managed technologies count as redundant unless `replicas` is written.
    pub fn is_redundant(&self) -> bool {
        if self.replicas_declared {
            return self.replicas > 1;
        }
        if self.kind.redundant_by_default() || self.is_managed() {
            return true;
        }
        if self.kind == Kind::Database {
            return self.replication.nodes() > 1;
        }
        self.replicas > 1
    }

    /// Whether a request can stop here on a hit: a cdn, or a cache read
    /// through on the request path.
    pub fn is_optional_cache(&self) -> bool {
        self.kind == Kind::Cache && self.cache_pattern.is_optional()
    }
}

#[derive(Clone, Debug)]
pub struct Link {
    pub from: ComponentId,
    pub to: ComponentId,
    pub mode: LinkMode,
    pub mode_declared: bool,
    pub op: Op,
    pub requires: Option<Consistency>,
    pub prefers: Option<Prefers>,
    /// Explicit network round trip of this hop.
    pub latency_ms: Option<f64>,
    pub weight: u32,
    pub fanout: Fanout,
    pub read_from: ReadFrom,
    pub timeout_ms: Option<f64>,
    pub retries: Option<u32>,
    pub allow: Vec<Allow>,
    /// From `A` to `B` in the declaration.
    pub span: Span,
    /// The whole chain declaration with its properties.
    pub declaration_span: Span,
    pub property_spans: Vec<(&'static str, Span)>,
}

impl Link {
    pub fn property_span(&self, name: &str) -> Option<Span> {
        self.property_spans
            .iter()
            .find(|(property, _)| *property == name)
            .map(|(_, span)| *span)
    }
}

#[derive(Clone, Debug)]
pub struct Flow {
    pub id: String,
    pub label: Option<String>,
    pub span: Span,
    pub id_span: Span,
    pub path: Vec<ComponentId>,
    /// `hops[i]` is the link from `path[i]` to `path[i + 1]`.
    pub hops: Vec<LinkId>,
    pub rps: f64,
    pub rps_origin: Origin,
    pub op: Op,
    pub requires: Option<Consistency>,
    /// The flow's own SLO merged over the system's, field by field.
    pub slo: Slo,
    pub allow: Vec<Allow>,
    pub description: Option<String>,
}

/// The part of a flow the caller waits for (language.md §2, "Flows").
#[derive(Clone, Debug, PartialEq)]
pub struct SyncPart {
    /// Components the request visits synchronously, from the client on.
    pub nodes: Vec<ComponentId>,
    /// Links crossed synchronously: one fewer than `nodes`, or as many when
    /// the part ends with a fire-and-forget hop (its own latency counts,
    /// its target does not).
    pub links: Vec<LinkId>,
    /// Components after the synchronous part, reported as background work.
    pub background: Vec<ComponentId>,
}

impl Flow {
    pub fn subject(&self) -> String {
        format!("flow {}", self.id)
    }

    pub fn client(&self) -> Option<ComponentId> {
        self.path.first().copied()
    }

    /// Splits the path at the first `async` link: into a queue, the queue is
    /// the last synchronous component; into anything else, only the hop
    /// itself counts.
    pub fn sync_part(&self, design: &Design) -> SyncPart {
        let mut nodes = Vec::new();
        let mut links = Vec::new();
        if let Some(first) = self.path.first() {
            nodes.push(*first);
        }
        for (hop_idx, link_id) in self.hops.iter().enumerate() {
            let link = design.link(*link_id);
            let target = self.path.get(hop_idx + 1).copied();
            links.push(*link_id);
            if link.mode == LinkMode::Async {
                let into_queue = target.is_some_and(|target| design.component(target).kind == Kind::Queue);
                let end = if into_queue {
                    if let Some(target) = target {
                        nodes.push(target);
                    }
                    hop_idx + 2
                } else {
                    hop_idx + 1
                };
                let background = self.path.get(end..).map(<[ComponentId]>::to_vec).unwrap_or_default();
                return SyncPart {
                    nodes,
                    links,
                    background,
                };
            }
            if let Some(target) = target {
                nodes.push(target);
            }
        }
        SyncPart {
            nodes,
            links,
            background: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Design {
    pub name: String,
    pub label: Option<String>,
    pub span: Span,
    pub components: Vec<Component>,
    pub links: Vec<Link>,
    pub flows: Vec<Flow>,
    pub regions: Vec<Region>,
    pub rtts: Vec<Rtt>,
    pub slo: Slo,
    // FxHash: ids are short, untrusted-collision risk is irrelevant for a
    // compiler's own tables, and SipHash was a visible share of resolve.
    component_index: FxHashMap<String, ComponentId>,
    region_index: FxHashMap<String, RegionId>,
}

impl Design {
    pub fn component(&self, id: ComponentId) -> &Component {
        &self.components[id.index()]
    }

    pub fn link(&self, id: LinkId) -> &Link {
        &self.links[id.index()]
    }

    pub fn flow(&self, id: FlowId) -> &Flow {
        &self.flows[id.index()]
    }

    pub fn region(&self, id: RegionId) -> &Region {
        &self.regions[id.index()]
    }

    pub fn component_id(&self, name: &str) -> Option<ComponentId> {
        self.component_index.get(name).copied()
    }

    pub fn region_id(&self, name: &str) -> Option<RegionId> {
        self.region_index.get(name).copied()
    }

    pub fn flow_id(&self, name: &str) -> Option<FlowId> {
        self.flows
            .iter()
            .position(|flow| flow.id == name)
            .map(|idx| FlowId(idx as u32))
    }

    pub fn component_ids(&self) -> impl Iterator<Item = ComponentId> + '_ {
        (0..self.components.len()).map(|idx| ComponentId(idx as u32))
    }

    pub fn link_ids(&self) -> impl Iterator<Item = LinkId> + '_ {
        (0..self.links.len()).map(|idx| LinkId(idx as u32))
    }

    pub fn flow_ids(&self) -> impl Iterator<Item = FlowId> + '_ {
        (0..self.flows.len()).map(|idx| FlowId(idx as u32))
    }

    /// Whether the caller waits for this hop: a `sync` link, or the enqueue
    /// of an `async` link into a queue (the caller waits for the queue's
    /// acknowledgement, language.md §2 "Flows"). A queue handing messages on
    /// to a consumer or another queue, and a fire-and-forget call into
    /// anything else, make no one wait.
    pub fn link_waits(&self, id: LinkId) -> bool {
        let link = self.link(id);
        match link.mode {
            LinkMode::Sync => true,
            LinkMode::Async => {
                self.component(link.to).kind == Kind::Queue && self.component(link.from).kind != Kind::Queue
            }
        }
    }

    /// `A -> B`, the subject of a link finding.
    pub fn link_subject(&self, id: LinkId) -> String {
        let link = self.link(id);
        format!("{} -> {}", self.component(link.from).id, self.component(link.to).id)
    }

    /// The round trip between two regions, from `rtt` declarations.
    pub fn rtt_ms(&self, a: RegionId, b: RegionId) -> Option<f64> {
        if a == b {
            return Some(0.0);
        }
        self.rtts
            .iter()
            .find(|rtt| (rtt.a == a && rtt.b == b) || (rtt.a == b && rtt.b == a))
            .map(|rtt| rtt.ms)
    }
}
