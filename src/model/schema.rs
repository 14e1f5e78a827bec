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
    /// `1Gbps`, `100MB/s`: stored in bytes per second.
    Bandwidth,
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
            ValueType::Bandwidth => "1Gbps",
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
            ValueType::Bandwidth => "a bandwidth such as 1Gbps or 100MB/s".to_string(),
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

/// Where a property goes in `hld diagram --format json`
/// (`emit::design_json`), which a test checks against the export.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Json {
    /// The key of the component's, link's, flow's (or `slo`'s) object that
    /// carries the resolved value.
    Key(&'static str),
    /// Not in the export, and why.
    NotExported(&'static str),
}

/// One property, declared once: where it may appear, its type, its default
/// and meaning (the rows of docs/language.md's tables, which a test checks),
/// a value that differs from the default (the tests resolve and export a
/// design setting it) and its key in the design JSON. The resolver's match
/// that reads it into the typed model is checked by those tests too.
#[derive(Clone, Copy, Debug)]
pub struct PropertySpec {
    pub name: &'static str,
    /// Kinds it applies to; empty means every kind.
    pub kinds: &'static [Kind],
    pub ty: ValueType,
    pub default: &'static str,
    pub doc: &'static str,
    /// A value as written, not the default (for the first of `kinds`).
    pub example: &'static str,
    pub json: Json,
}

impl PropertySpec {
    pub fn applies_to(&self, kind: Kind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    const fn example(self, example: &'static str, json: Json) -> PropertySpec {
        PropertySpec { example, json, ..self }
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
        example: "",
        json: Json::NotExported("unset"),
    }
}

/// Free text is for people reading the design; the export carries what
/// tools draw and compute with.
const FREE_TEXT: Json = Json::NotExported("free text for people, not for tools");

use Kind::*;

/// Component properties (language.md §2, "Components").
pub const COMPONENT_PROPERTIES: &[PropertySpec] = &[
    prop(
        "replicas",
        &[],
        ValueType::Count { min: 1 },
        "1",
        "instances that each can serve (a database declares copies with `replication`)",
    ).example("3", Json::Key("replicas")),
    prop(
        "latency",
        &[],
        ValueType::Latency,
        "by kind (docs/language.md, \"Defaults by kind\")",
        "the p50 of one request, or `{ p50 = D, p99 = D }`",
    ).example("8ms", Json::Key("latency")),
    prop(
        "availability",
        &[],
        ValueType::Percentage,
        "by kind (docs/language.md, \"Defaults by kind\")",
        "availability of one instance",
    ).example("99.99%", Json::Key("availability")),
    prop(
        "capacity",
        &[],
        ValueType::Rate,
        "none (no capacity check)",
        "requests per second one replica can take",
    ).example("5k/s", Json::Key("capacity_rps")),
    prop(
        "region",
        &[],
        ValueType::Region,
        "none",
        "the region it runs in (or nest it in a `region` block)",
    ).example("us_east", Json::Key("region")),
    prop("description", &[], ValueType::String, "none", "free text").example("\"feeds by user\"", FREE_TEXT),
    prop("tags", &[], ValueType::Tags, "none", "free labels").example("[team_feed, tier1]", Json::Key("tags")),
    prop(
        "allow",
        &[],
        ValueType::RuleList,
        "[]",
        "rules suppressed on this component",
    ).example("[unknown-technology]", Json::Key("allow")),
    prop(
        "bandwidth",
        &[],
        ValueType::Bandwidth,
        "none (no bandwidth check)",
        "bytes per second one instance can move (Mbps and Gbps are bits)",
    ).example("10Gbps", Json::Key("bandwidth_bytes_per_s")),
    prop(
        "max_connections",
        &[],
        ValueType::Count { min: 1 },
        "none (no connection check)",
        "open connections one instance can hold",
    ).example("50000", Json::Key("max_connections")),
    prop(
        "rps",
        &[Client],
        ValueType::Rate,
        "none",
        "total offered load of this client",
    ).example("10000/min", Json::Key("rps")),
    prop(
        "connections",
        &[Client],
        ValueType::Count { min: 0 },
        "0",
        "connections it holds open at peak (along `websocket` and `tcp` links)",
    ).example("2M", Json::Key("connections")),
    prop(
        "algorithm",
        &[LoadBalancer],
        ValueType::Enum(Algorithm::NAMES),
        "round_robin",
        "how requests are spread over the targets",
    ).example("least_connections", Json::Key("algorithm")),
    prop(
        "layer",
        &[LoadBalancer],
        ValueType::Layer,
        "7",
        "OSI layer the load balancer works at",
    ).example("4", Json::Key("layer")),
    prop(
        "mode",
        &[LoadBalancer, Gateway],
        ValueType::Enum(HaMode::NAMES),
        "active_active",
        "how its replicas share traffic (meaningful with replicas >= 2)",
    ).example("active_passive", Json::Key("mode")),
    prop(
        "rate_limit",
        &[Gateway, Service],
        ValueType::RateLimit,
        "none",
        "the rate-limiting algorithm and its parameters",
    ).example("token_bucket { capacity = 100, refill = 1/s, per = user }", Json::Key("rate_limit")),
    prop(
        "auth",
        &[Gateway],
        ValueType::Enum(Auth::NAMES),
        "none",
        "how the gateway authenticates callers",
    ).example("jwt", Json::Key("auth")),
    prop(
        "hit_ratio",
        &[Cdn, Cache],
        ValueType::Ratio,
        "0.8 (docs/language.md, \"Defaults by kind\")",
        "share of requests answered here",
    ).example("0.97", Json::Key("hit_ratio")),
    prop(
        "ttl",
        &[Cdn, Cache],
        ValueType::Duration,
        "none (a cdn technology may set one)",
        "how long an entry lives",
    ).example("24h", Json::Key("ttl_ms")),
    prop(
        "invalidation",
        &[Cdn, Cache],
        ValueType::Enum(&["ttl", "versioned", "purge", "event", "none"]),
        "cdn: none; cache: `ttl` when `ttl` is set, else `none`",
        "how stale entries are removed (cdn: ttl, versioned, purge; cache: ttl, event, none)",
    ).example("versioned", Json::Key("invalidation")),
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
    ).example("write_through", Json::Key("pattern")),
    prop(
        "embedded",
        &[Cache],
        ValueType::Bool,
        "false",
        "an in-process cache of its caller: its link costs 0 ms, and it has its caller's instances and availability",
    ).example("true", Json::Key("embedded")),
    prop(
        "eviction",
        &[Cache],
        ValueType::Enum(Eviction::NAMES),
        "none",
        "what is dropped when memory is full",
    ).example("lru", Json::Key("eviction")),
    prop(
        "model",
        &[Database],
        ValueType::Enum(DataModel::NAMES),
        "the technology's",
        "data model",
    ).example("wide_column", Json::Key("model")),
    prop(
        "consistency",
        &[Database, Search, ObjectStore],
        ValueType::Enum(Consistency::NAMES),
        "the technology's, else eventual",
        "consistency a read gets from one node",
    ).example("read_your_writes", Json::Key("consistency")),
    prop(
        "cap",
        &[Database],
        ValueType::Enum(Cap::NAMES),
        "the technology's",
        "what it gives up under partition",
    ).example("CP", Json::Key("cap")),
    prop(
        "replication",
        &[Database],
        ValueType::Replication,
        "none",
        "how copies are kept",
    ).example("quorum { n = 3, r = 2, w = 2 }", Json::Key("replication")),
    prop(
        "shard",
        &[Database, Search],
        ValueType::Shard,
        "none",
        "how data is partitioned",
    ).example("hash { key = user_id, count = 32 }", Json::Key("shard")),
    prop(
        "size",
        &[Database, Cache, ObjectStore, Search, Queue],
        ValueType::Size,
        "none",
        "data size (a queue: the data it retains)",
    ).example("4TB", Json::Key("size_bytes")),
    prop(
        "delivery",
        &[Queue],
        ValueType::Enum(Delivery::NAMES),
        "the technology's, else at_least_once",
        "delivery guarantee",
    ).example("at_most_once", Json::Key("delivery")),
    prop(
        "partitions",
        &[Queue],
        ValueType::Count { min: 1 },
        "none (no limit)",
        "partitions: a work queue's consumers use at most this many instances between them",
    ).example("12", Json::Key("partitions")),
    prop(
        "dead_letter",
        &[Queue],
        ValueType::DeadLetter,
        "false",
        "where poison messages go",
    ).example("true", Json::Key("dead_letter")),
    prop(
        "idempotent",
        &[Service, Worker],
        ValueType::Bool,
        "false",
        "handling a message or request twice is harmless",
    ).example("true", Json::Key("idempotent")),
    prop(
        "stateless",
        &[Service, Worker],
        ValueType::Bool,
        "true",
        "keeps no state between requests",
    ).example("false", Json::Key("stateless")),
    prop(
        "role",
        &[
            Dns,
            Cdn,
            LoadBalancer,
            Gateway,
            Service,
            Worker,
            Cache,
            Database,
            Queue,
            ObjectStore,
            Search,
            External,
        ],
        ValueType::Name,
        "none",
        "components with one role are one logical service (e.g. the same service in two regions); `hld what-if` moves a failed balancer target's flows to its surviving targets of the same role (docs/explain.md)",
    ).example("checkout", Json::Key("role")),
];

/// Link properties (language.md §2, "Links").
pub const LINK_PROPERTIES: &[PropertySpec] = &[
    prop(
        "mode",
        &[],
        ValueType::Enum(LinkMode::NAMES),
        "async into or out of a queue, else sync",
        "whether the caller waits; `cdc`: a database's committed changes feed a queue (database to queue only)",
    )
    .example("async", Json::Key("mode")),
    prop(
        "op",
        &[],
        ValueType::Enum(Op::NAMES),
        "read_write",
        "what the call does to the target",
    )
    .example("write", Json::Key("op")),
    prop(
        "requires",
        &[],
        ValueType::Enum(Consistency::NAMES),
        "none",
        "the consistency the caller needs",
    )
    .example("strong", Json::Key("requires")),
    prop(
        "prefers",
        &[],
        ValueType::Enum(Prefers::NAMES),
        "none",
        "what the call needs under partition",
    )
    .example("consistency", Json::Key("prefers")),
    prop(
        "latency",
        &[],
        ValueType::Duration,
        "by link (docs/language.md, \"Network latency of a link\")",
        "network round trip of this hop",
    )
    .example("20ms", Json::Key("latency_ms")),
    prop(
        "weight",
        &[],
        ValueType::Count { min: 1 },
        "1",
        "share of traffic for weighted_round_robin",
    )
    .example("3", Json::Key("weight")),
    prop(
        "protocol",
        &[],
        ValueType::Enum(Protocol::NAMES),
        "http",
        "what the call speaks: `websocket` and `tcp` hold their client's connections open",
    )
    .example("websocket", Json::Key("protocol")),
    prop(
        "fanout",
        &[],
        ValueType::Enum(Fanout::NAMES),
        "one",
        "`all`: the call reaches every shard of a sharded target",
    )
    .example("all", Json::Key("fanout")),
    prop(
        "read_from",
        &[],
        ValueType::Enum(ReadFrom::NAMES),
        "any",
        "pin reads to the primary of a replicated database",
    )
    .example("primary", Json::Key("read_from")),
    prop("timeout", &[], ValueType::Duration, "none", "how long the caller waits")
        .example("5s", Json::Key("timeout_ms")),
    prop(
        "retries",
        &[],
        ValueType::Count { min: 0 },
        "none",
        "how often the caller retries",
    )
    .example("2", Json::Key("retries")),
    prop(
        "idempotent",
        &[],
        ValueType::Bool,
        "false",
        "a retried call is harmless",
    )
    .example("true", Json::Key("idempotent")),
    prop("allow", &[], ValueType::RuleList, "[]", "rules suppressed on this link")
        .example("[cap-mismatch]", Json::Key("allow")),
];

/// Flow properties (language.md §2, "Flows").
pub const FLOW_PROPERTIES: &[PropertySpec] = &[
    prop(
        "path",
        &[],
        ValueType::Path,
        "required",
        "the components the request crosses, each pair a declared link",
    )
    .example("users -> api -> db", Json::Key("path")),
    prop(
        "rps",
        &[],
        ValueType::Rate,
        "what its client's rps leaves, split evenly",
        "requests per second",
    )
    .example("40k", Json::Key("rps")),
    prop(
        "op",
        &[],
        ValueType::Enum(Op::NAMES),
        "read_write",
        "what the request does",
    )
    .example("read", Json::Key("op")),
    prop(
        "payload",
        &[],
        ValueType::Size,
        "0",
        "bytes one request moves, request and response together",
    )
    .example("4MB", Json::Key("payload_bytes")),
    prop(
        "requires",
        &[],
        ValueType::Enum(Consistency::NAMES),
        "none",
        "consistency every hop must give",
    )
    .example("strong", Json::Key("requires")),
    prop(
        "slo",
        &[],
        ValueType::Slo,
        "the system's",
        "latency and availability objectives, overriding the system's field by field",
    )
    .example("{ p99 = 200ms, availability = 99.9% }", Json::Key("slo")),
    prop("allow", &[], ValueType::RuleList, "[]", "rules suppressed on this flow")
        .example("[deep-sync-chain]", Json::Key("allow")),
    prop("description", &[], ValueType::String, "none", "free text").example("\"home timeline\"", FREE_TEXT),
];

/// SLO fields, at system level or in a flow.
pub const SLO_PROPERTIES: &[PropertySpec] = &[
    prop(
        "availability",
        &[],
        ValueType::Percentage,
        "none",
        "availability objective",
    )
    .example("99.95%", Json::Key("availability")),
    prop("p50", &[], ValueType::Duration, "none", "median latency objective").example("20ms", Json::Key("p50_ms")),
    prop(
        "p95",
        &[],
        ValueType::Duration,
        "none",
        "95th percentile latency objective",
    )
    .example("80ms", Json::Key("p95_ms")),
    prop(
        "p99",
        &[],
        ValueType::Duration,
        "none",
        "99th percentile latency objective",
    )
    .example("200ms", Json::Key("p99_ms")),
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

/// Where a property sits, for the tests that declare each one.
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Place {
    Component,
    Link,
    Flow,
    Slo,
}

/// Every property with where it sits (for tests).
#[cfg(test)]
pub(crate) fn every_property() -> impl Iterator<Item = (Place, &'static PropertySpec)> {
    [
        (Place::Component, COMPONENT_PROPERTIES),
        (Place::Link, LINK_PROPERTIES),
        (Place::Flow, FLOW_PROPERTIES),
        (Place::Slo, SLO_PROPERTIES),
    ]
    .into_iter()
    .flat_map(|(place, table)| table.iter().map(move |spec| (place, spec)))
}

/// A design with the property set to its example (when `set`) on component
/// `x`, the link `api -> db`, flow `f` or the system's `slo`; without it
/// otherwise (for tests: the two differ only by the property).
#[cfg(test)]
pub(crate) fn example_design(place: Place, spec: &PropertySpec, set: bool) -> String {
    let (name, example) = (spec.name, spec.example);
    let with = |place_here: Place| set && place == place_here;
    let kind = spec.kinds.first().copied().unwrap_or(Kind::Service);
    let component = if with(Place::Component) {
        format!("{kind} x {{ {name} = {example} }}")
    } else {
        format!("{kind} x")
    };
    let link = if with(Place::Link) {
        format!("api -> db {{ {name} = {example} }}")
    } else {
        "api -> db".to_string()
    };
    let flow = match (with(Place::Flow), name) {
        (true, "path") => format!("flow f {{ path = {example} }}"),
        (true, _) => format!("flow f {{ path = users -> api, {name} = {example} }}"),
        (false, _) => "flow f { path = users -> api }".to_string(),
    };
    let slo = if with(Place::Slo) {
        format!("slo {{ {name} = {example} }}")
    } else {
        String::new()
    };
    format!(
        "system s {{\n  region us_east {{ client edge }}\n  client users\n  service api\n  database db {{ shard = hash {{ key = k, count = 4 }} }}\n  users -> api\n  {component}\n  {link}\n  {flow}\n  {slo}\n}}\n"
    )
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

    /// The rows of the property table of a section of docs/language.md
    /// (the section whose heading starts with `section`): each row's cells.
    fn doc_rows(section: &str) -> Vec<Vec<String>> {
        let doc = include_str!("../../docs/language.md");
        let start = doc
            .find(&format!("\n## {section}"))
            .unwrap_or_else(|| panic!("no section {section} in language.md"));
        let rest = &doc[start + 1..];
        let end = rest[3..].find("\n## ").map_or(rest.len(), |end| end + 3);
        let mut rows = Vec::new();
        let mut in_table = false;
        for line in rest[..end].lines() {
            if line.starts_with("| property |") {
                in_table = true;
            } else if !line.starts_with('|') {
                in_table = false;
            } else if in_table && !line.starts_with("|---") {
                let cells = line
                    .trim_matches('|')
                    .split(" | ")
                    .map(|cell| cell.trim().to_string())
                    .collect();
                rows.push(cells);
            }
        }
        rows
    }

    #[test]
    fn every_property_has_its_row_in_language_md() {
        for (table, section, with_kinds) in [
            (COMPONENT_PROPERTIES, "4. Components", true),
            (LINK_PROPERTIES, "5. Links", false),
            (FLOW_PROPERTIES, "6. Flows", false),
            (SLO_PROPERTIES, "7. SLOs", false),
        ] {
            let rows = doc_rows(section);
            for spec in table {
                let cell = format!("`{}`", spec.name);
                let row = rows
                    .iter()
                    .find(|row| row[0] == cell)
                    .unwrap_or_else(|| panic!("language.md §{section} has no row for `{}`", spec.name));
                let mut row = row.iter().skip(1);
                if with_kinds {
                    let kinds = if spec.kinds.is_empty() {
                        "every kind".to_string()
                    } else {
                        let kinds: Vec<String> = spec.kinds.iter().map(|kind| format!("`{kind}`")).collect();
                        kinds.join(", ")
                    };
                    assert_eq!(row.next(), Some(&kinds), "applies to, `{}` in §{section}", spec.name);
                }
                let _type = row.next();
                assert_eq!(
                    row.next().map(String::as_str),
                    Some(spec.default),
                    "default, `{}` in §{section}",
                    spec.name
                );
                assert_eq!(
                    row.next().map(String::as_str),
                    Some(spec.doc),
                    "meaning, `{}` in §{section}",
                    spec.name
                );
            }
            for row in &rows {
                assert!(
                    table.iter().any(|spec| row[0] == format!("`{}`", spec.name)),
                    "language.md §{section} lists {}, which the schema does not have",
                    row[0]
                );
            }
        }
    }

    #[test]
    fn every_property_is_read_by_the_resolver() {
        use crate::model::load::compile_text;
        for (place, spec) in every_property() {
            let text = example_design(place, spec, true);
            let compilation = compile_text(&text);
            let errors: Vec<&str> = compilation.diagnostics.iter().map(|d| d.message.as_str()).collect();
            assert!(errors.is_empty(), "{place:?} `{}`: {errors:?}\n{text}", spec.name);
            let Some(design) = compilation.design else {
                panic!("{place:?} `{}` does not resolve", spec.name);
            };
            // Components and links record each property they read; a flow
            // or slo property the resolver does not read is an error above.
            let spans = match place {
                Place::Component => design.component_id("x").map(|id| &design.component(id).property_spans),
                Place::Link => design.links.last().map(|link| &link.property_spans),
                Place::Flow | Place::Slo => None,
            };
            if let Some(spans) = spans {
                assert!(
                    spans.iter().any(|(name, _)| *name == spec.name),
                    "{place:?} `{}` is accepted but not read",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn every_property_has_an_example_that_is_not_its_default() {
        for (place, spec) in every_property() {
            assert!(!spec.example.is_empty(), "{place:?} `{}` has no example", spec.name);
            assert_ne!(spec.example, spec.default, "{place:?} `{}`", spec.name);
            if let Json::NotExported(reason) = spec.json {
                assert_ne!(
                    reason, "unset",
                    "{place:?} `{}`: say where it goes in the design JSON",
                    spec.name
                );
            }
        }
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
