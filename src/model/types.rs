//! The closed vocabularies of the language (language.md §2): component kinds
//! and every enumerated property value. Each is declared once with its
//! spelling, so parsing, error messages ("expected one of ...") and output
//! all use the same table.

use std::fmt;

/// Declares a keyword enum: variants with their spelling in design files.
macro_rules! keyword_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in the order the language reference lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Spellings, in the same order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl Keyword for $name {
            const NAMES: &'static [&'static str] = $name::NAMES;
            const WHAT: &'static str = stringify!($name);
            fn parse(text: &str) -> Option<Self> { $name::parse(text) }
            fn as_str(self) -> &'static str { $name::as_str(self) }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown {} `{}`, expected one of {}",
                        stringify!($name), text, $name::NAMES.join(", ")
                    ))
                })
            }
        }
    };
}

/// A closed set of words, as declared with `keyword_enum!`.
pub trait Keyword: Copy + 'static {
    const NAMES: &'static [&'static str];
    /// The Rust name of the enum, for messages in tests.
    const WHAT: &'static str;
    fn parse(text: &str) -> Option<Self>;
    fn as_str(self) -> &'static str;
}

keyword_enum! {
    /// What a component is (language.md §2, "Components").
    pub enum Kind {
        Client = "client",
        Dns = "dns",
        Cdn = "cdn",
        LoadBalancer = "load_balancer",
        Gateway = "gateway",
        Service = "service",
        Worker = "worker",
        Cache = "cache",
        Database = "database",
        Queue = "queue",
        ObjectStore = "object_store",
        Search = "search",
        External = "external",
    }
}

impl Kind {
    /// Kinds that hold data a flow ends at (targets of the single point of
    /// failure rule, hops judged by `cap-mismatch`).
    pub fn is_store(self) -> bool {
        matches!(self, Kind::Database | Kind::ObjectStore | Kind::Search)
    }

    /// Kinds where a request may stop on a hit.
    pub fn is_cache_like(self) -> bool {
        matches!(self, Kind::Cdn | Kind::Cache)
    }

    /// Kinds redundant by default for the single point of failure rule
    /// (language.md §4, "Redundancy").
    pub fn redundant_by_default(self) -> bool {
        matches!(self, Kind::Cdn | Kind::Dns | Kind::ObjectStore | Kind::External)
    }

    /// Application tiers: what `deep-sync-chain` counts and where rate limits live.
    pub fn is_app_tier(self) -> bool {
        matches!(self, Kind::Gateway | Kind::Service)
    }
}

keyword_enum! {
    pub enum Algorithm {
        RoundRobin = "round_robin",
        LeastConnections = "least_connections",
        WeightedRoundRobin = "weighted_round_robin",
        IpHash = "ip_hash",
        /// `consistent_hash { key = K }`: one key, one instance (language.md §8).
        ConsistentHash = "consistent_hash",
    }
}

keyword_enum! {
    /// How the replicas of a load balancer or gateway share traffic.
    pub enum HaMode {
        ActivePassive = "active_passive",
        ActiveActive = "active_active",
    }
}

keyword_enum! {
    pub enum RateLimitAlgorithm {
        FixedWindow = "fixed_window",
        SlidingLog = "sliding_log",
        SlidingCounter = "sliding_counter",
        TokenBucket = "token_bucket",
        LeakyBucket = "leaky_bucket",
    }
}

impl RateLimitAlgorithm {
    /// Window algorithms take `limit` and `window`; bucket algorithms take
    /// `capacity` and `refill`.
    pub fn is_window(self) -> bool {
        matches!(
            self,
            RateLimitAlgorithm::FixedWindow | RateLimitAlgorithm::SlidingLog | RateLimitAlgorithm::SlidingCounter
        )
    }
}

keyword_enum! {
    pub enum RateLimitScope {
        User = "user",
        Ip = "ip",
        Global = "global",
        Endpoint = "endpoint",
    }
}

keyword_enum! {
    pub enum Auth {
        None = "none",
        Jwt = "jwt",
        Oauth2 = "oauth2",
        ApiKey = "api_key",
        Mtls = "mtls",
    }
}

keyword_enum! {
    pub enum CdnInvalidation {
        Ttl = "ttl",
        Versioned = "versioned",
        Purge = "purge",
    }
}

keyword_enum! {
    pub enum CacheInvalidation {
        Ttl = "ttl",
        Event = "event",
        None = "none",
    }
}

keyword_enum! {
    pub enum CachePattern {
        CacheAside = "cache_aside",
        ReadThrough = "read_through",
        WriteThrough = "write_through",
        WriteBehind = "write_behind",
    }
}

impl CachePattern {
    /// Optional caches: a miss (or the cache's loss) goes on to what follows,
    /// so they are bypassed by the single point of failure rule and left out
    /// of availability (language.md §4, rules.md).
    pub fn is_optional(self) -> bool {
        matches!(self, CachePattern::CacheAside | CachePattern::ReadThrough)
    }
}

keyword_enum! {
    pub enum Eviction {
        Lru = "lru",
        Lfu = "lfu",
        Fifo = "fifo",
        Random = "random",
    }
}

keyword_enum! {
    pub enum DataModel {
        Relational = "relational",
        Document = "document",
        KeyValue = "key_value",
        WideColumn = "wide_column",
        Graph = "graph",
    }
}

keyword_enum! {
    /// Consistency levels, weakest last in the strength order
    /// `strong` > `read_your_writes` ≈ `causal` > `eventual`.
    pub enum Consistency {
        Strong = "strong",
        ReadYourWrites = "read_your_writes",
        Causal = "causal",
        Eventual = "eventual",
    }
}

impl Consistency {
    /// 2 for strong, 1 for read_your_writes and causal, 0 for eventual.
    pub fn strength(self) -> u8 {
        match self {
            Consistency::Strong => 2,
            Consistency::ReadYourWrites | Consistency::Causal => 1,
            Consistency::Eventual => 0,
        }
    }

    /// Whether a hop giving `self` satisfies a `requires = needed`.
    pub fn satisfies(self, needed: Consistency) -> bool {
        self.strength() >= needed.strength()
    }
}

keyword_enum! {
    pub enum Cap {
        Cp = "CP",
        Ap = "AP",
    }
}

keyword_enum! {
    pub enum ReplicationMode {
        Sync = "sync",
        Async = "async",
        SemiSync = "semi_sync",
    }
}

keyword_enum! {
    pub enum Failover {
        Auto = "auto",
        Manual = "manual",
        None = "none",
    }
}

keyword_enum! {
    pub enum Conflict {
        LastWriteWins = "last_write_wins",
        Custom = "custom",
        Crdt = "crdt",
    }
}

keyword_enum! {
    pub enum ShardStrategy {
        Range = "range",
        Hash = "hash",
        ConsistentHash = "consistent_hash",
        Geo = "geo",
        Directory = "directory",
    }
}

keyword_enum! {
    pub enum Delivery {
        AtMostOnce = "at_most_once",
        AtLeastOnce = "at_least_once",
        ExactlyOnce = "exactly_once",
    }
}

keyword_enum! {
    pub enum QueuePattern {
        WorkQueue = "work_queue",
        PubSub = "pub_sub",
    }
}

keyword_enum! {
    pub enum LinkMode {
        Sync = "sync",
        Async = "async",
        /// Change data capture: a database's committed changes feed a
        /// queue (language.md §8).
        Cdc = "cdc",
    }
}

impl LinkMode {
    /// Whether the caller does not wait for the call's work: `async`, and
    /// `cdc` (the database does not wait for its change feed).
    pub fn is_async(self) -> bool {
        matches!(self, LinkMode::Async | LinkMode::Cdc)
    }
}

keyword_enum! {
    pub enum Op {
        Read = "read",
        Write = "write",
        ReadWrite = "read_write",
    }
}

impl Op {
    /// For availability and capacity a `read_write` hop is judged as a write
    /// (language.md §4: the weaker side).
    pub fn needs_write_path(self) -> bool {
        matches!(self, Op::Write | Op::ReadWrite)
    }

    /// For consistency a `read_write` hop is judged by its reads.
    pub fn judged_by_reads(self) -> bool {
        matches!(self, Op::Read | Op::ReadWrite)
    }

    pub fn writes(self) -> bool {
        matches!(self, Op::Write | Op::ReadWrite)
    }
}

keyword_enum! {
    pub enum Prefers {
        Consistency = "consistency",
        Availability = "availability",
    }
}

keyword_enum! {
    /// What a link speaks (language.md §8): `websocket` and `tcp` hold a
    /// connection open for as long as the client stays.
    pub enum Protocol {
        Http = "http",
        Grpc = "grpc",
        Websocket = "websocket",
        Tcp = "tcp",
    }
}

impl Protocol {
    /// Whether a connection stays open between requests.
    pub fn holds_connections(self) -> bool {
        matches!(self, Protocol::Websocket | Protocol::Tcp)
    }
}

keyword_enum! {
    pub enum Fanout {
        One = "one",
        All = "all",
    }
}

keyword_enum! {
    pub enum ReadFrom {
        Any = "any",
        Primary = "primary",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_enums_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(Kind::NAMES.len(), 13);
        assert_eq!(Cap::parse("CP"), Some(Cap::Cp));
        assert!(Consistency::Strong.satisfies(Consistency::Causal));
        assert!(!Consistency::Causal.satisfies(Consistency::Strong));
        assert!(Consistency::Causal.satisfies(Consistency::ReadYourWrites));
    }
}
