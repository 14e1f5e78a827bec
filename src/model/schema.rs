//! Which properties exist, where, and of what type (language.md §2). One
//! table per place a property can appear; `resolve` checks every property
//! against it, error messages name the expected type from it, and the
//! language reference (docs/language.md) lists it.

use super::types::*;

/// The type of a property's value, and how an error names it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueType {
    /// A whole number >= `min`.
    Count {
        min: u32,
    },
    /// 0..1, as `0.95` or `95%`.
    Ratio,
    /// `99.9%` (or a fraction 0..1).
    Percentage,
    Duration,
    /// `100/s`; a bare number is per second.
    Rate,
    /// `20GB`.
    Size,
    Bool,
    /// One word of a closed set.
    Enum(&'static [&'static str]),
    /// `4` or `7`.
    Layer,
    /// A duration (the p50) or `{ p50 = D, p99 = D }`.
    Latency,
    /// A region id.
    Region,
    String,
    /// A list of strings or names.
    Tags,
    /// A list of kebab-case rule names.
    RuleList,
    /// A tagged block: `token_bucket { capacity = N, refill = RATE, per = P }`, ...
    RateLimit,
    /// `none` or a tagged block: `primary_replica { ... }`, `multi_primary { ... }`, `quorum { ... }`.
    Replication,
    /// A tagged block: `hash { key = K, count = N }`, ...
    Shard,
    /// `true`, `false` or a queue id.
    DeadLetter,
    /// `a -> b -> c`
    Path,
    /// `{ availability = P, p50 = D, p95 = D, p99 = D }`
    Slo,
    /// An identifier (a shard key).
    Name,
}

impl ValueType {
    /// A value of this type as a user would write it, for help lines.
    pub fn example(self) -> &'static str {
        match self {
            ValueType::Count { .. } => "3",
            ValueType::Ratio => "0.9",
            ValueType::Percentage => "99.9%",
            ValueType::Duration | ValueType::Latency => "5ms",
            ValueType::Rate => "100/s",
            ValueType::Size => "20GB",
            ValueType::Bool => "true",
            ValueType::Enum(values) => match values.first() {
                Some(first) => first,
                None => "value",
            },
            ValueType::Layer => "7",
            ValueType::Region => "us_east",
            ValueType::String => "\"text\"",
            ValueType::Tags => "[a, b]",
            ValueType::RuleList => "[missing-rate-limit]",
            ValueType::RateLimit => "token_bucket { capacity = 100, refill = 10/s, per = user }",
            ValueType::Replication => "primary_replica { replicas = 2, mode = async, failover = auto }",
            ValueType::Shard => "hash { key = user_id, count = 16 }",
            ValueType::DeadLetter => "true",
            ValueType::Path => "users -> lb -> api",
            ValueType::Slo => "{ p99 = 200ms }",
            ValueType::Name => "user_id",
        }
    }

    /// "a duration such as 5ms": how the type is named in messages.
    pub fn describe(self) -> String {
        match self {
            ValueType::Count { min: 0 } => "a whole number such as 3".to_string(),
            ValueType::Count { min } => format!("a whole number of at least {min}, such as 3"),
            ValueType::Ratio => "a ratio between 0 and 1 such as 0.9".to_string(),
            ValueType::Percentage => "a percentage such as 99.9%".to_string(),
            ValueType::Duration => "a duration such as 5ms".to_string(),
            ValueType::Rate => "a rate such as 100/s".to_string(),
            ValueType::Size => "a size such as 20GB".to_string(),
            ValueType::Bool => "`true` or `false`".to_string(),
            ValueType::Enum(values) => format!("one of {}", crate::diagnostics::one_of(values)),
            ValueType::Layer => "`4` or `7`".to_string(),
            ValueType::Latency => "a duration such as 5ms, or { p50 = 5ms, p99 = 20ms }".to_string(),
            ValueType::Region => "a region id".to_string(),
            ValueType::String => "a string such as \"text\"".to_string(),
            ValueType::Tags => "a list such as [a, b]".to_string(),
            ValueType::RuleList => "a list of rule names such as [missing-rate-limit]".to_string(),
            ValueType::RateLimit => {
                "a rate limit such as token_bucket { capacity = 100, refill = 10/s, per = user }".to_string()
            }
            ValueType::Replication => {
                "`none` or a replication such as primary_replica { replicas = 2, mode = async, failover = auto }"
                    .to_string()
            }
            ValueType::Shard => "a shard strategy such as hash { key = user_id, count = 16 }".to_string(),
            ValueType::DeadLetter => "`true`, `false` or a queue id".to_string(),
            ValueType::Path => "a path such as users -> lb -> api".to_string(),
            ValueType::Slo => "a block such as { p99 = 200ms, availability = 99.9% }".to_string(),
            ValueType::Name => "a name such as user_id".to_string(),
        }
    }
}

/// One property: where it may appear, its type, its default.
#[derive(Clone, Copy, Debug)]
pub struct PropertySpec {
    pub name: &'static str,
    /// Kinds it applies to; empty means every kind.
    pub kinds: &'static [Kind],
    pub ty: ValueType,
    pub default: &'static str,
    pub doc: &'static str,
}

impl PropertySpec {
    pub fn applies_to(&self, kind: Kind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

const fn prop(
    name: &'static str,
    kinds: &'static [Kind],
    ty: ValueType,
    default: &'static str,
    doc: &'static str,
) -> PropertySpec {
    PropertySpec {
        name,
        kinds,
        ty,
        default,
        doc,
    }
}

use Kind::*;

/// Component properties (language.md §2, "Components").
pub const COMPONENT_PROPERTIES: &[PropertySpec] = &[
    prop(
        "replicas",
        &[],
        ValueType::Count { min: 1 },
        "1",
        "instances that each can serve (a database declares copies with `replication`)",
    ),
    prop(
        "latency",
        &[],
        ValueType::Latency,
        "by kind (docs/language.md, \"Defaults by kind\")",
        "the p50 of one request, or `{ p50 = D, p99 = D }`",
    ),
    prop(
        "availability",
        &[],
        ValueType::Percentage,
        "by kind (docs/language.md, \"Defaults by kind\")",
        "availability of one instance",
    ),
    prop(
        "capacity",
        &[],
        ValueType::Rate,
        "none (no capacity check)",
        "requests per second one replica can take",
    ),
    prop(
        "region",
        &[],
        ValueType::Region,
        "none",
        "the region it runs in (or nest it in a `region` block)",
    ),
    prop("description", &[], ValueType::String, "none", "free text"),
    prop("tags", &[], ValueType::Tags, "none", "free labels"),
    prop(
        "allow",
        &[],
        ValueType::RuleList,
        "[]",
        "rules suppressed on this component",
    ),
    prop(
        "rps",
        &[Client],
        ValueType::Rate,
        "none",
        "total offered load of this client",
    ),
    prop(
        "algorithm",
        &[LoadBalancer],
        ValueType::Enum(Algorithm::NAMES),
        "round_robin",
        "how requests are spread over the targets",
    ),
    prop(
        "layer",
        &[LoadBalancer],
        ValueType::Layer,
        "7",
        "OSI layer the load balancer works at",
    ),
    prop(
        "mode",
        &[LoadBalancer, Gateway],
        ValueType::Enum(HaMode::NAMES),
        "active_active",
        "how its replicas share traffic (meaningful with replicas >= 2)",
    ),
    prop(
        "rate_limit",
        &[Gateway, Service],
        ValueType::RateLimit,
        "none",
        "the rate-limiting algorithm and its parameters",
    ),
    prop(
        "auth",
        &[Gateway],
        ValueType::Enum(Auth::NAMES),
        "none",
        "how the gateway authenticates callers",
    ),
    prop(
        "hit_ratio",
        &[Cdn, Cache],
        ValueType::Ratio,
        "0.8 (docs/language.md, \"Defaults by kind\")",
        "share of requests answered here",
    ),
    prop(
        "ttl",
        &[Cdn, Cache],
        ValueType::Duration,
        "none (a cdn technology may set one)",
        "how long an entry lives",
    ),
    prop(
        "invalidation",
        &[Cdn, Cache],
        ValueType::Enum(&["ttl", "versioned", "purge", "event", "none"]),
        "cdn: none; cache: `ttl` when `ttl` is set, else `none`",
        "how stale entries are removed (cdn: ttl, versioned, purge; cache: ttl, event, none)",
    ),
    prop(
        "pattern",
        &[Cache, Queue],
        ValueType::Enum(&[
            "cache_aside",
            "read_through",
            "write_through",
            "write_behind",
            "work_queue",
            "pub_sub",
        ]),
        "cache: cache_aside; queue: work_queue",
        "cache: how it is filled and written (cache_aside, read_through, write_through, write_behind); queue: work_queue or pub_sub",
    ),
    prop(
        "eviction",
        &[Cache],
        ValueType::Enum(Eviction::NAMES),
        "none",
        "what is dropped when memory is full",
    ),
    prop(
        "model",
        &[Database],
        ValueType::Enum(DataModel::NAMES),
        "the technology's",
        "data model",
    ),
    prop(
        "consistency",
        &[Database, Search, ObjectStore],
        ValueType::Enum(Consistency::NAMES),
        "the technology's, else eventual",
        "consistency a read gets from one node",
    ),
    prop(
        "cap",
        &[Database],
        ValueType::Enum(Cap::NAMES),
        "the technology's",
        "what it gives up under partition",
    ),
    prop(
        "replication",
        &[Database],
        ValueType::Replication,
        "none",
        "how copies are kept",
    ),
    prop(
        "shard",
        &[Database, Search],
        ValueType::Shard,
        "none",
        "how data is partitioned",
    ),
    prop("size", &[Database], ValueType::Size, "none", "data size"),
    prop(
        "delivery",
        &[Queue],
        ValueType::Enum(Delivery::NAMES),
        "the technology's, else at_least_once",
        "delivery guarantee",
    ),
    prop(
        "dead_letter",
        &[Queue],
        ValueType::DeadLetter,
        "false",
        "where poison messages go",
    ),
    prop(
        "idempotent",
        &[Service, Worker],
        ValueType::Bool,
        "false",
        "handling a message or request twice is harmless",
    ),
    prop(
        "stateless",
        &[Service, Worker],
        ValueType::Bool,
        "true",
        "keeps no state between requests",
    ),
];

/// Link properties (language.md §2, "Links").
pub const LINK_PROPERTIES: &[PropertySpec] = &[
    prop(
        "mode",
        &[],
        ValueType::Enum(LinkMode::NAMES),
        "async into or out of a queue, else sync",
        "whether the caller waits",
    ),
    prop(
        "op",
        &[],
        ValueType::Enum(Op::NAMES),
        "read_write",
        "what the call does to the target",
    ),
    prop(
        "requires",
        &[],
        ValueType::Enum(Consistency::NAMES),
        "none",
        "the consistency the caller needs",
    ),
    prop(
        "prefers",
        &[],
        ValueType::Enum(Prefers::NAMES),
        "none",
        "what the call needs under partition",
    ),
    prop(
        "latency",
        &[],
        ValueType::Duration,
        "by link (docs/language.md, \"Network latency of a link\")",
        "network round trip of this hop",
    ),
    prop(
        "weight",
        &[],
        ValueType::Count { min: 1 },
        "1",
        "share of traffic for weighted_round_robin",
    ),
    prop(
        "fanout",
        &[],
        ValueType::Enum(Fanout::NAMES),
        "one",
        "`all`: the call reaches every shard of a sharded target",
    ),
    prop(
        "read_from",
        &[],
        ValueType::Enum(ReadFrom::NAMES),
        "any",
        "pin reads to the primary of a replicated database",
    ),
    prop("timeout", &[], ValueType::Duration, "none", "how long the caller waits"),
    prop(
        "retries",
        &[],
        ValueType::Count { min: 0 },
        "none",
        "how often the caller retries",
    ),
    prop("allow", &[], ValueType::RuleList, "[]", "rules suppressed on this link"),
];

/// Flow properties (language.md §2, "Flows").
pub const FLOW_PROPERTIES: &[PropertySpec] = &[
    prop(
        "path",
        &[],
        ValueType::Path,
        "required",
        "the components the request crosses, each pair a declared link",
    ),
    prop(
        "rps",
        &[],
        ValueType::Rate,
        "what its client's rps leaves, split evenly",
        "requests per second",
    ),
    prop(
        "op",
        &[],
        ValueType::Enum(Op::NAMES),
        "read_write",
        "what the request does",
    ),
    prop(
        "requires",
        &[],
        ValueType::Enum(Consistency::NAMES),
        "none",
        "consistency every hop must give",
    ),
    prop(
        "slo",
        &[],
        ValueType::Slo,
        "the system's",
        "latency and availability objectives, overriding the system's field by field",
    ),
    prop("allow", &[], ValueType::RuleList, "[]", "rules suppressed on this flow"),
    prop("description", &[], ValueType::String, "none", "free text"),
];

/// SLO fields, at system level or in a flow.
pub const SLO_PROPERTIES: &[PropertySpec] = &[
    prop(
        "availability",
        &[],
        ValueType::Percentage,
        "none",
        "availability objective",
    ),
    prop("p50", &[], ValueType::Duration, "none", "median latency objective"),
    prop(
        "p95",
        &[],
        ValueType::Duration,
        "none",
        "95th percentile latency objective",
    ),
    prop(
        "p99",
        &[],
        ValueType::Duration,
        "none",
        "99th percentile latency objective",
    ),
];

pub fn component_property(name: &str) -> Option<&'static PropertySpec> {
    COMPONENT_PROPERTIES.iter().find(|spec| spec.name == name)
}

/// The type a property's value should have, wherever it appears, for syntax
/// errors that stop right after `NAME =`.
pub fn expected_value_type(property: &str) -> Option<ValueType> {
    [COMPONENT_PROPERTIES, LINK_PROPERTIES, FLOW_PROPERTIES, SLO_PROPERTIES]
        .iter()
        .flat_map(|table| table.iter())
        .find(|spec| spec.name == property)
        .map(|spec| spec.ty)
}

pub fn describe_expected_value(property: &str) -> Option<String> {
    expected_value_type(property).map(ValueType::describe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_component_property_is_listed_once() {
        let mut names: Vec<_> = COMPONENT_PROPERTIES.iter().map(|spec| spec.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn expected_values_are_described_in_words() {
        assert_eq!(
            describe_expected_value("ttl").as_deref(),
            Some("a duration such as 5ms")
        );
        assert_eq!(
            describe_expected_value("replicas").as_deref(),
            Some("a whole number of at least 1, such as 3")
        );
    }
}
