//! The design-choice trade-offs (`tradeoffs.yaml` beside this file): for
//! every choice a design can make (a cache pattern, a replication mode, a
//! rate-limit algorithm, ...) what it is, its pros and cons, when to pick it,
//! and the sources behind it. `hld explain` prints them; every trade-off
//! sentence it prints comes from here, never from the code.
//!
//! [`DesignChoice`] is the typed key: the explain builder names the choice
//! the design made, this module finds its entry. Embedded and parsed once;
//! the tests check that every choice has an entry and every entry a choice.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::types::{
    Algorithm, Auth, CacheInvalidation, CachePattern, Cap, CdnInvalidation, Conflict, Consistency, DataModel, Delivery,
    Eviction, Failover, HaMode, QueuePattern, RateLimitAlgorithm, RateLimitScope, ReplicationMode, ShardStrategy,
};

const TRADEOFFS_YAML: &str = include_str!("tradeoffs.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TradeOffs {
    pub version: u32,
    pub choices: Vec<Choice>,
    #[serde(skip)]
    by_key: HashMap<String, usize>,
}

/// What the walkthrough groups the entries by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    CachePattern,
    Eviction,
    CacheInvalidation,
    Replication,
    Sharding,
    RateLimit,
    LoadBalancing,
    Delivery,
    Consistency,
    Cap,
    Auth,
    DataModel,
    Communication,
    Redundancy,
}

/// One choice: what it is, its pros and cons, when to choose it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub key: String,
    pub topic: Topic,
    pub name: String,
    pub summary: String,
    pub pros: Vec<String>,
    pub cons: Vec<String>,
    pub when: String,
    /// Keys of knowledge.md §7, or `guide` (the system-design guide).
    pub sources: Vec<String>,
}

impl TradeOffs {
    /// The embedded trade-offs. A broken YAML is a build defect that
    /// `tradeoffs_parse` catches; at run time it degrades to no entries (the
    /// walkthrough then says it has none) rather than a panic.
    pub fn get() -> &'static TradeOffs {
        static BASE: OnceLock<TradeOffs> = OnceLock::new();
        BASE.get_or_init(|| {
            TradeOffs::parse(TRADEOFFS_YAML).unwrap_or_else(|_| TradeOffs {
                version: 1,
                choices: Vec::new(),
                by_key: HashMap::new(),
            })
        })
    }

    pub fn parse(yaml: &str) -> Result<TradeOffs, String> {
        let mut base: TradeOffs = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
        for (idx, choice) in base.choices.iter().enumerate() {
            if base.by_key.insert(choice.key.clone(), idx).is_some() {
                return Err(format!("trade-off key `{}` is used twice", choice.key));
            }
        }
        Ok(base)
    }

    pub fn choice(&self, key: &str) -> Option<&Choice> {
        self.by_key.get(key).and_then(|idx| self.choices.get(*idx))
    }

    /// The entry of a choice the design made.
    pub fn of(&self, choice: DesignChoice) -> Option<&Choice> {
        self.choice(&choice.key())
    }
}

/// A choice a design makes, as `tradeoffs.yaml` keys it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DesignChoice {
    CachePattern(CachePattern),
    Eviction(Eviction),
    CacheInvalidation(CacheInvalidation),
    CdnInvalidation(CdnInvalidation),
    ReplicationNone,
    PrimaryReplica(ReplicationMode),
    Failover(Failover),
    MultiPrimary(Conflict),
    /// `quorum { n, r, w }`: strong when r + w > n.
    Quorum {
        strong: bool,
    },
    Shard(ShardStrategy),
    FanoutAll,
    RateLimit(RateLimitAlgorithm),
    RateLimitScope(RateLimitScope),
    Algorithm(Algorithm),
    /// `layer = 4` or `7`.
    Layer(u8),
    HaMode(HaMode),
    Delivery(Delivery),
    DeadLetterQueue,
    QueuePattern(QueuePattern),
    IdempotentConsumer,
    Consistency(Consistency),
    ReadFromPrimary,
    Cap(Cap),
    Auth(Auth),
    DataModel(DataModel),
    SyncCall,
    AsyncCall,
    SingleInstance,
    ReplicatedInstances,
    MultiRegion,
    Cdn,
}

impl DesignChoice {
    /// Its key in `tradeoffs.yaml`.
    pub fn key(self) -> String {
        match self {
            DesignChoice::CachePattern(pattern) => pattern.as_str().to_string(),
            DesignChoice::Eviction(eviction) => eviction.as_str().to_string(),
            DesignChoice::CacheInvalidation(invalidation) => format!("invalidation_{invalidation}"),
            DesignChoice::CdnInvalidation(invalidation) => format!("invalidation_{invalidation}"),
            DesignChoice::ReplicationNone => "replication_none".to_string(),
            DesignChoice::PrimaryReplica(mode) => format!("primary_replica_{mode}"),
            DesignChoice::Failover(failover) => format!("failover_{failover}"),
            DesignChoice::MultiPrimary(conflict) => format!("multi_primary_{conflict}"),
            DesignChoice::Quorum { strong: true } => "quorum_strong".to_string(),
            DesignChoice::Quorum { strong: false } => "quorum_weak".to_string(),
            DesignChoice::Shard(strategy) => format!("shard_{strategy}"),
            DesignChoice::FanoutAll => "fanout_all".to_string(),
            DesignChoice::RateLimit(algorithm) => algorithm.as_str().to_string(),
            DesignChoice::RateLimitScope(RateLimitScope::Global) => "rate_limit_global".to_string(),
            DesignChoice::RateLimitScope(scope) => format!("rate_limit_per_{scope}"),
            DesignChoice::Algorithm(algorithm) => algorithm.as_str().to_string(),
            DesignChoice::Layer(layer) => format!("layer_{layer}"),
            DesignChoice::HaMode(mode) => mode.as_str().to_string(),
            DesignChoice::Delivery(delivery) => delivery.as_str().to_string(),
            DesignChoice::DeadLetterQueue => "dead_letter_queue".to_string(),
            DesignChoice::QueuePattern(pattern) => pattern.as_str().to_string(),
            DesignChoice::IdempotentConsumer => "idempotent_consumer".to_string(),
            DesignChoice::Consistency(consistency) => consistency.as_str().to_string(),
            DesignChoice::ReadFromPrimary => "read_from_primary".to_string(),
            DesignChoice::Cap(cap) => cap.as_str().to_ascii_lowercase(),
            DesignChoice::Auth(Auth::None) => "auth_none".to_string(),
            DesignChoice::Auth(auth) => auth.as_str().to_string(),
            DesignChoice::DataModel(model) => model.as_str().to_string(),
            DesignChoice::SyncCall => "sync_call".to_string(),
            DesignChoice::AsyncCall => "async_call".to_string(),
            DesignChoice::SingleInstance => "single_instance".to_string(),
            DesignChoice::ReplicatedInstances => "replicated_instances".to_string(),
            DesignChoice::MultiRegion => "multi_region".to_string(),
            DesignChoice::Cdn => "cdn".to_string(),
        }
    }

    /// Every choice a design can make, for the tests.
    pub fn all() -> Vec<DesignChoice> {
        let mut all = Vec::new();
        all.extend(CachePattern::ALL.iter().map(|v| DesignChoice::CachePattern(*v)));
        all.extend(Eviction::ALL.iter().map(|v| DesignChoice::Eviction(*v)));
        all.extend(
            CacheInvalidation::ALL
                .iter()
                .map(|v| DesignChoice::CacheInvalidation(*v)),
        );
        all.extend(CdnInvalidation::ALL.iter().map(|v| DesignChoice::CdnInvalidation(*v)));
        all.push(DesignChoice::ReplicationNone);
        all.extend(ReplicationMode::ALL.iter().map(|v| DesignChoice::PrimaryReplica(*v)));
        all.extend(Failover::ALL.iter().map(|v| DesignChoice::Failover(*v)));
        all.extend(Conflict::ALL.iter().map(|v| DesignChoice::MultiPrimary(*v)));
        all.push(DesignChoice::Quorum { strong: true });
        all.push(DesignChoice::Quorum { strong: false });
        all.extend(ShardStrategy::ALL.iter().map(|v| DesignChoice::Shard(*v)));
        all.push(DesignChoice::FanoutAll);
        all.extend(RateLimitAlgorithm::ALL.iter().map(|v| DesignChoice::RateLimit(*v)));
        all.extend(RateLimitScope::ALL.iter().map(|v| DesignChoice::RateLimitScope(*v)));
        all.extend(Algorithm::ALL.iter().map(|v| DesignChoice::Algorithm(*v)));
        all.push(DesignChoice::Layer(4));
        all.push(DesignChoice::Layer(7));
        all.extend(HaMode::ALL.iter().map(|v| DesignChoice::HaMode(*v)));
        all.extend(Delivery::ALL.iter().map(|v| DesignChoice::Delivery(*v)));
        all.push(DesignChoice::DeadLetterQueue);
        all.extend(QueuePattern::ALL.iter().map(|v| DesignChoice::QueuePattern(*v)));
        all.push(DesignChoice::IdempotentConsumer);
        all.extend(Consistency::ALL.iter().map(|v| DesignChoice::Consistency(*v)));
        all.push(DesignChoice::ReadFromPrimary);
        all.extend(Cap::ALL.iter().map(|v| DesignChoice::Cap(*v)));
        all.extend(Auth::ALL.iter().map(|v| DesignChoice::Auth(*v)));
        all.extend(DataModel::ALL.iter().map(|v| DesignChoice::DataModel(*v)));
        all.extend([
            DesignChoice::SyncCall,
            DesignChoice::AsyncCall,
            DesignChoice::SingleInstance,
            DesignChoice::ReplicatedInstances,
            DesignChoice::MultiRegion,
            DesignChoice::Cdn,
        ]);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tradeoffs_parse() {
        let base = TradeOffs::parse(TRADEOFFS_YAML).unwrap();
        assert_eq!(base.version, 1);
        assert!(base.choices.len() >= 77);
        for choice in &base.choices {
            assert!(!choice.pros.is_empty() && !choice.cons.is_empty(), "{}", choice.key);
            assert!(!choice.summary.is_empty() && !choice.when.is_empty(), "{}", choice.key);
        }
    }

    #[test]
    fn every_design_choice_has_an_entry_and_every_entry_a_choice() {
        let base = TradeOffs::get();
        let all = DesignChoice::all();
        for choice in &all {
            assert!(
                base.of(*choice).is_some(),
                "no trade-off entry `{}` for {choice:?}",
                choice.key()
            );
        }
        let keys: std::collections::BTreeSet<String> = all.iter().map(|choice| choice.key()).collect();
        for entry in &base.choices {
            assert!(keys.contains(&entry.key), "entry `{}` has no DesignChoice", entry.key);
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let yaml = "version: 1\nchoices:\n  - key: x\n    topic: cap\n    name: X\n    summary: s\n    pros: [a]\n    cons: [b]\n    when: w\n    sources: []\n    extra: 1\n";
        assert!(TradeOffs::parse(yaml).is_err());
        let twice = "version: 1\nchoices:\n  - {key: x, topic: cap, name: X, summary: s, pros: [a], cons: [b], when: w, sources: []}\n  - {key: x, topic: cap, name: X, summary: s, pros: [a], cons: [b], when: w, sources: []}\n";
        assert!(TradeOffs::parse(twice).unwrap_err().contains("twice"));
    }
}
