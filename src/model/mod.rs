//! The resolved design: every name bound, every property typed and checked,
//! every default filled in (from the knowledge base or language.md §4).
//!
//! `resolve` builds a [`Design`] from syntax trees; `load` follows imports.
//! Analysis, estimate and emit read only this model, never the syntax tree.
//! Ids index the vectors of [`Design`]: a `ComponentId(3)` is
//! `design.components[3]`, in declaration order.

pub mod edit;
pub mod ids;
pub mod load;
pub mod resolve;
pub mod schema;
pub mod types;

use rustc_hash::FxHashMap;
pub use smallvec::{SmallVec, smallvec};

use crate::knowledge::{KnowledgeBase, Technology};
use crate::source::Span;
pub use edit::{Edit, Fix, Rewrite, Target};
pub use ids::{ComponentId, FlowId, LinkId, RegionId};
pub use types::*;

impl Target {
    /// `api`, `api -> db`, `flow checkout`: the subject of a finding.
    pub fn subject(self, design: &Design) -> String {
        match self {
            Target::Component(id) => design.component(id).id.clone(),
            Target::Link(id) => design.link_subject(id),
            Target::Flow(id) => design.flow(id).subject(),
        }
    }
}

impl Edit {
    pub fn set(design: &Design, target: Target, property: &'static str, value: impl Into<String>) -> Edit {
        Edit {
            target,
            property,
            value: value.into(),
            subject: target.subject(design),
        }
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
    /// `hot_share = S` (hash strategies): the share of the load on the
    /// busiest shard (language.md §8).
    pub hot_share: Option<f64>,
    pub span: Span,
}

impl Shard {
    /// The share of the store's load its busiest shard takes: max(1/N, S),
    /// 1/N without `hot_share` (language.md §8, "Hot keys").
    pub fn busiest_share(&self) -> f64 {
        let even = 1.0 / f64::from(self.count.max(1));
        self.hot_share.map_or(even, |share| share.max(even))
    }

    /// Whether `hot_share` makes one shard busier than an even spread.
    pub fn is_skewed(&self) -> bool {
        self.busiest_share() > 1.0 / f64::from(self.count.max(1)) + 1e-12
    }
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

    /// `bandwidth`: bytes per second per instance (language.md §8).
    pub bandwidth: Option<f64>,
    /// `max_connections` per instance.
    pub max_connections: Option<u32>,

    // Kind-specific properties; unset ones keep their language default.
    pub rps: Option<f64>,
    /// A client's open connections at peak.
    pub connections: Option<u32>,
    pub algorithm: Option<Algorithm>,
    /// The key of `algorithm = consistent_hash { key = K }`.
    pub hash_key: Option<String>,
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
    /// `partitions = N` on a queue (language.md §8).
    pub partitions: Option<u32>,
    /// Derived after resolution: the instances a consumer can use for what
    /// it takes from work queues, their partitions shared evenly among
    /// each queue's consumers (`None`: not bounded, as one of them has no
    /// `partitions`, or it consumes no work queue).
    pub partition_share: Option<f64>,
    /// Derived after resolution: the connections it holds open, from the
    /// clients whose chains of `websocket` and `tcp` links reach it
    /// (language.md §8).
    pub held_connections: f64,
    pub idempotent: Option<bool>,
    pub stateless: bool,
    /// `embedded = true` on a cache: in its caller's process (language.md §8).
    pub embedded: bool,
    /// `role = NAME`: components with one role are one logical service
    /// (the same software in several regions, language.md §8).
    pub role: Option<String>,
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
    /// An in-process cache (`embedded = true`): it fails only with its
    /// caller, and reaching it crosses no network.
    pub fn is_embedded(&self) -> bool {
        self.kind == Kind::Cache && self.embedded
    }

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
    /// `idempotent = true`: a retried call is harmless (language.md §8).
    pub idempotent: bool,
    pub protocol: Protocol,
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
    /// The `path` chain, the first chain of the call tree: `visits[i]` for
    /// `i < path.len()` are its visits.
    pub path: Vec<ComponentId>,
    /// `hops[i]` is the link from `path[i]` to `path[i + 1]`.
    pub hops: Vec<LinkId>,
    /// The call tree (language.md §5): every visit of a component, parents
    /// before their children; `visits[0]` is the first component of `path`.
    /// A flow with `path` only has one visit per path component. Later
    /// stages walk this, not `path`.
    pub visits: Vec<Visit>,
    pub rps: f64,
    pub rps_origin: Origin,
    /// Bytes one request moves (`payload`, language.md §8; 0 unset).
    pub payload_bytes: f64,
    pub op: Op,
    pub requires: Option<Consistency>,
    /// The flow's own SLO merged over the system's, field by field.
    pub slo: Slo,
    pub allow: Vec<Allow>,
    pub description: Option<String>,
}

/// Index of a visit in [`Flow::visits`].
pub type VisitId = usize;

/// One visit of a component in a flow's call tree (language.md §5).
#[derive(Clone, Debug)]
pub struct Visit {
    pub component: ComponentId,
    /// The visit that called this one (`None` for the first component).
    pub parent: Option<VisitId>,
    /// The hop from the parent's component.
    pub link: Option<LinkId>,
    /// The operation of that hop: the `call`'s `op`, else the flow's.
    pub op: Op,
    /// The `call`'s own `requires` (the flow's applies to every hop too).
    pub requires: Option<Consistency>,
    /// The `call`'s `allow`: rules suppressed on its hops ([`Visit::allow`];
    /// boxed, as most calls allow nothing and a design has many visits).
    pub allow: Option<Box<Vec<Allow>>>,
    /// What this visit calls, one step after another.
    pub steps: SmallVec<[CallStep; 1]>,
    /// Where the component is named (in `path` or a `call` line).
    pub span: Span,
}

impl Visit {
    /// Whether its `call` line's `allow` names `rule`.
    pub fn allows(&self, rule: &str) -> bool {
        self.allow().iter().any(|allow| allow.rule == rule)
    }

    /// The `call`'s `allow` list.
    pub fn allow(&self) -> &[Allow] {
        self.allow.as_deref().map_or(&[], Vec::as_slice)
    }
}

/// One step of a visit: a single call, or the calls of a `parallel` block
/// made at the same time (visit indexes). Inline for one call (every step
/// of a chain), so a path-only flow allocates nothing per visit.
#[derive(Clone, Debug, PartialEq)]
pub struct CallStep {
    pub calls: SmallVec<[VisitId; 1]>,
    pub parallel: bool,
}

/// How a visit stands to the caller's wait (language.md §2 and §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisitSync {
    /// The caller waits for it and for its steps.
    Sync,
    /// The caller waits for it (a queue's acknowledgement) but its steps are
    /// background.
    SyncEnd,
    /// Background work (after a queue, or behind a fire-and-forget call).
    Background,
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
    /// The synchronous visits (indexes into [`Flow::visits`]), in visit
    /// order: `nodes[i]` is the component of `visits[i]`.
    pub visits: Vec<VisitId>,
    /// The synchronous visits that call nothing synchronously: the ends of
    /// the root-to-leaf chains.
    pub leaves: Vec<VisitId>,
}

impl Flow {
    pub fn subject(&self) -> String {
        format!("flow {}", self.id)
    }

    pub fn client(&self) -> Option<ComponentId> {
        self.path.first().copied()
    }

    /// Whether the flow is one chain (`path` only, no `call`).
    pub fn is_path_only(&self) -> bool {
        self.visits.len() == self.path.len()
    }

    /// How each visit stands to the caller's wait: the tree is cut at each
    /// `async` hop; into a queue, the queue is still waited for (its
    /// acknowledgement) and its calls are background; into anything else,
    /// only the hop itself counts.
    pub fn visit_sync(&self, design: &Design) -> Vec<VisitSync> {
        let mut sync = Vec::with_capacity(self.visits.len());
        for visit in &self.visits {
            let state = match (visit.parent, visit.link) {
                (Some(parent), Some(link_id)) => match sync.get(parent).copied().unwrap_or(VisitSync::Background) {
                    VisitSync::Sync => {
                        let mode = design.link(link_id).mode;
                        if mode.is_async() {
                            // The enqueue is waited for; a change feed is not.
                            if mode == LinkMode::Async && design.component(visit.component).kind == Kind::Queue {
                                VisitSync::SyncEnd
                            } else {
                                VisitSync::Background
                            }
                        } else {
                            VisitSync::Sync
                        }
                    }
                    _ => VisitSync::Background,
                },
                _ => VisitSync::Sync,
            };
            sync.push(state);
        }
        sync
    }

    /// The synchronous part of the call tree (language.md §2 and §5): the
    /// visits the caller waits for, the links it waits for (with a
    /// fire-and-forget hop's own link), and the background components. For
    /// a flow with `path` only, this is the path cut at its first `async`
    /// link.
    pub fn sync_part(&self, design: &Design) -> SyncPart {
        let states = self.visit_sync(design);
        let mut part = SyncPart {
            nodes: Vec::new(),
            links: Vec::new(),
            background: Vec::new(),
            visits: Vec::new(),
            leaves: Vec::new(),
        };
        let mut calls_sync = vec![false; self.visits.len()];
        for (idx, visit) in self.visits.iter().enumerate() {
            let parent_sync = visit
                .parent
                .is_some_and(|parent| states.get(parent) == Some(&VisitSync::Sync));
            match states[idx] {
                VisitSync::Background => {
                    if parent_sync && let Some(link) = visit.link {
                        // A fire-and-forget hop: its own round trip counts.
                        part.links.push(link);
                    }
                    part.background.push(visit.component);
                }
                _ => {
                    if let Some(link) = visit.link {
                        part.links.push(link);
                    }
                    if let Some(parent) = visit.parent
                        && let Some(slot) = calls_sync.get_mut(parent)
                    {
                        *slot = true;
                    }
                    part.nodes.push(visit.component);
                    part.visits.push(idx);
                }
            }
        }
        part.leaves = part
            .visits
            .iter()
            .copied()
            .filter(|idx| !calls_sync.get(*idx).copied().unwrap_or(false))
            .collect();
        part
    }

    /// The visits of the chain from the first component to `visit`, root
    /// first.
    pub fn chain_to(&self, visit: VisitId) -> Vec<VisitId> {
        let mut chain = vec![visit];
        let mut current = visit;
        while let Some(parent) = self.visits.get(current).and_then(|visit| visit.parent) {
            chain.push(parent);
            current = parent;
        }
        chain.reverse();
        chain
    }

    /// The visits still made when those with `keep[idx] == false` are not:
    /// a removed visit's calls go too.
    pub fn kept_visits(&self, keep: &[bool]) -> Vec<bool> {
        let mut kept = vec![false; self.visits.len()];
        for (idx, visit) in self.visits.iter().enumerate() {
            let parent_kept = visit
                .parent
                .is_none_or(|parent| kept.get(parent).copied().unwrap_or(false));
            kept[idx] = parent_kept && keep.get(idx).copied().unwrap_or(true);
        }
        kept
    }

    /// Keeps the visits of [`Flow::kept_visits`], renumbering the rest;
    /// `path` and `hops` keep the chain's visits that remain.
    pub fn retain_visits(&mut self, keep: &[bool]) {
        let kept = self.kept_visits(keep);
        let mut new_index = vec![usize::MAX; self.visits.len()];
        let mut count = 0;
        for (idx, slot) in new_index.iter_mut().enumerate() {
            if kept[idx] {
                *slot = count;
                count += 1;
            }
        }
        let old = std::mem::take(&mut self.visits);
        let path_len = self.path.len();
        let chain_kept = (0..path_len)
            .take_while(|idx| kept.get(*idx).copied().unwrap_or(false))
            .count();
        self.path.truncate(chain_kept);
        self.hops.truncate(chain_kept.saturating_sub(1));
        for (idx, mut visit) in old.into_iter().enumerate() {
            if !kept[idx] {
                continue;
            }
            visit.parent = visit.parent.map(|parent| new_index[parent]);
            for step in &mut visit.steps {
                step.calls.retain(|call| kept.get(*call).copied().unwrap_or(false));
                for call in &mut step.calls {
                    *call = new_index[*call];
                }
            }
            visit.steps.retain(|step| !step.calls.is_empty());
            self.visits.push(visit);
        }
    }

    /// The visits a failure at `visit` stops: its own calls and, for each
    /// visit above it, the steps after the one that leads to it.
    pub fn stopped_by(&self, visit: VisitId) -> Vec<bool> {
        let mut keep = vec![true; self.visits.len()];
        if let Some(slot) = keep.get_mut(visit) {
            *slot = false;
        }
        let mut child = visit;
        while let Some(parent) = self.visits.get(child).and_then(|v| v.parent) {
            let steps = &self.visits[parent].steps;
            if let Some(at) = steps.iter().position(|step| step.calls.contains(&child)) {
                for step in &steps[at + 1..] {
                    for call in &step.calls {
                        keep[*call] = false;
                    }
                }
            }
            child = parent;
        }
        keep
    }

    /// Builds the call tree of a chain alone (`path` only): one visit per
    /// component, each calling the next.
    pub fn chain_visits(path: &[ComponentId], hops: &[LinkId], op: Op, span: Span) -> Vec<Visit> {
        let mut visits: Vec<Visit> = Vec::with_capacity(path.len());
        for (idx, &component) in path.iter().enumerate() {
            let parent = idx.checked_sub(1);
            if let Some(parent) = parent
                && let Some(previous) = visits.get_mut(parent)
            {
                previous.steps.push(CallStep {
                    calls: smallvec![idx],
                    parallel: false,
                });
            }
            visits.push(Visit {
                component,
                parent,
                link: parent.and_then(|hop| hops.get(hop)).copied(),
                op,
                requires: None,
                allow: None,
                steps: SmallVec::new(),
                span,
            });
        }
        visits
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
    /// Each role that more than one component has, with its summary
    /// ("chat, 2 regions"), sorted by role; derived after resolution.
    pub(crate) roles: Vec<(String, String)>,
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
            LinkMode::Cdc => false,
        }
    }

    /// "chat, 2 regions": a role and where its components run, when more
    /// than one component has it (language.md §8: diagrams and explain
    /// name the role); `None` for a role of one.
    pub fn role_summary(&self, component: &Component) -> Option<&str> {
        let role = component.role.as_deref()?;
        self.roles
            .binary_search_by(|(known, _)| known.as_str().cmp(role))
            .ok()
            .map(|idx| self.roles[idx].1.as_str())
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
