//! The technology knowledge base: what `hld` knows about nginx, redis,
//! postgres, kafka and the rest, and the defaults of each component kind
//! (language.md §4). It is data: `technologies.yaml` beside this file,
//! embedded in the binary and parsed once on first use. Every figure in it
//! cites a key of the research notes (`../shared/research/knowledge.md` §7).
//!
//! The model reads defaults from here; estimate and explain read the sources
//! to say where a number came from; compose reads the images.
//! `tradeoffs` holds the pros and cons of every design choice, for explain.

pub mod sources;
pub mod tradeoffs;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::types::{Cap, Consistency, DataModel, Delivery, Kind};
use crate::units::{Unit, parse_quantity};

const TECHNOLOGIES_YAML: &str = include_str!("technologies.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeBase {
    pub version: u32,
    pub kinds: Vec<KindDefaults>,
    /// The image every service and worker runs as in `hld compose`: a small
    /// HTTP server answering with the component's name.
    #[serde(default)]
    pub stub: Option<ComposeSpec>,
    pub technologies: Vec<Technology>,
    #[serde(skip)]
    by_name: HashMap<String, usize>,
}

/// One row of language.md §4 "Defaults by kind".
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindDefaults {
    pub kind: Kind,
    #[serde(deserialize_with = "duration_ms")]
    pub p50: f64,
    /// p99 = p50 × tail.
    pub tail: f64,
    #[serde(deserialize_with = "optional_percentage")]
    pub availability: Option<f64>,
    pub hit_ratio: Option<f64>,
    pub source: String,
    /// The technology `hld compose` runs for a component of this kind that
    /// names none (or an unknown one); none for kinds that do not run locally.
    #[serde(default)]
    pub compose: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Technology {
    pub id: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub name: String,
    pub kinds: Vec<Kind>,
    pub data_model: Option<DataModel>,
    pub cap: Option<Cap>,
    pub pacelc: Option<String>,
    pub consistency: Option<Consistency>,
    pub delivery: Option<Delivery>,
    pub latency: TechLatency,
    pub availability: PublishedAvailability,
    pub managed: bool,
    #[serde(deserialize_with = "optional_duration_ms")]
    pub cdn_ttl: Option<f64>,
    #[serde(default)]
    pub sources: Vec<String>,
    pub notes: String,
    pub compose: Option<ComposeSpec>,
    pub stand_in: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TechLatency {
    #[serde(deserialize_with = "duration_ms")]
    pub p50: f64,
    #[serde(deserialize_with = "duration_ms")]
    pub p99: f64,
    pub source: String,
}

/// A vendor's published availability: shown by `explain`, never used by the
/// models, whose availability defaults are by kind (language.md §4).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedAvailability {
    #[serde(deserialize_with = "optional_percentage")]
    pub value: Option<f64>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComposeSpec {
    pub image: String,
    pub port: u16,
    pub healthcheck: Option<Vec<String>>,
    #[serde(deserialize_with = "optional_duration_ms")]
    pub start_period: Option<f64>,
    #[serde(default)]
    pub env: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub secrets: Vec<String>,
    pub command: Option<Vec<String>>,
    #[serde(default)]
    pub source: Vec<String>,
    /// Set on proxies whose routing `hld compose` generates.
    #[serde(default)]
    pub proxy: Option<ProxySpec>,
}

/// A proxy image `hld compose` writes the routing of.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxySpec {
    pub dialect: ProxyDialect,
    /// Where the generated file is mounted in the container.
    pub config: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyDialect {
    Nginx,
    Haproxy,
}

impl KnowledgeBase {
    /// The embedded knowledge base. A broken YAML is a build defect that
    /// `knowledge_base_parses` catches; at run time it degrades to an empty
    /// base (kind defaults from language.md) rather than a panic.
    pub fn get() -> &'static KnowledgeBase {
        static BASE: OnceLock<KnowledgeBase> = OnceLock::new();
        BASE.get_or_init(|| KnowledgeBase::parse(TECHNOLOGIES_YAML).unwrap_or_else(|_| KnowledgeBase::fallback()))
    }

    pub fn parse(yaml: &str) -> Result<KnowledgeBase, String> {
        let mut base: KnowledgeBase = serde_saphyr::from_str(yaml).map_err(|error| error.to_string())?;
        for (idx, technology) in base.technologies.iter().enumerate() {
            for name in std::iter::once(&technology.id).chain(&technology.aliases) {
                if base.by_name.insert(name.clone(), idx).is_some() {
                    return Err(format!("technology name `{name}` is used twice"));
                }
            }
        }
        for kind in Kind::ALL {
            if !base.kinds.iter().any(|defaults| defaults.kind == *kind) {
                return Err(format!("no defaults for kind `{kind}`"));
            }
        }
        Ok(base)
    }

    fn fallback() -> KnowledgeBase {
        KnowledgeBase {
            version: 1,
            kinds: Vec::new(),
            stub: None,
            technologies: Vec::new(),
            by_name: HashMap::new(),
        }
    }

    /// A technology by its id or one of its aliases.
    pub fn technology(&self, name: &str) -> Option<&Technology> {
        self.by_name.get(name).and_then(|idx| self.technologies.get(*idx))
    }

    /// Every name a technology may be written as, for did-you-mean.
    pub fn technology_names(&self) -> impl Iterator<Item = &str> {
        self.technologies.iter().flat_map(|technology| {
            std::iter::once(technology.id.as_str()).chain(technology.aliases.iter().map(String::as_str))
        })
    }

    pub fn kind(&self, kind: Kind) -> KindDefaultsView<'_> {
        KindDefaultsView {
            kind,
            row: self.kinds.iter().find(|row| row.kind == kind),
        }
    }
}

/// The defaults of one kind, with the table of language.md §4 as the
/// fallback should the YAML lack the row.
#[derive(Clone, Copy)]
pub struct KindDefaultsView<'a> {
    kind: Kind,
    row: Option<&'a KindDefaults>,
}

impl KindDefaultsView<'_> {
    pub fn p50_ms(&self) -> f64 {
        self.row.map_or_else(|| builtin_defaults(self.kind).0, |row| row.p50)
    }

    pub fn tail(&self) -> f64 {
        self.row.map_or_else(|| builtin_defaults(self.kind).1, |row| row.tail)
    }

    pub fn availability(&self) -> Option<f64> {
        self.row
            .map_or_else(|| builtin_defaults(self.kind).2, |row| row.availability)
    }

    pub fn hit_ratio(&self) -> Option<f64> {
        self.row
            .map_or_else(|| builtin_defaults(self.kind).3, |row| row.hit_ratio)
    }

    pub fn source(&self) -> &str {
        self.row.map_or("assumed", |row| row.source.as_str())
    }

    /// The technology id `hld compose` runs for this kind when a component
    /// names none.
    pub fn compose_technology(&self) -> Option<&str> {
        self.row.and_then(|row| row.compose.as_deref())
    }
}

/// language.md §4 "Defaults by kind": p50 ms, tail factor, availability of
/// one instance, hit ratio.
fn builtin_defaults(kind: Kind) -> (f64, f64, Option<f64>, Option<f64>) {
    match kind {
        Kind::Client => (0.0, 1.0, None, None),
        Kind::Dns => (1.0, 4.0, Some(0.9999), None),
        Kind::Cdn => (5.0, 4.0, Some(0.999), Some(0.8)),
        Kind::LoadBalancer => (0.5, 4.0, Some(0.999), None),
        Kind::Gateway => (1.0, 5.0, Some(0.999), None),
        Kind::Service => (5.0, 5.0, Some(0.999), None),
        Kind::Worker => (10.0, 5.0, Some(0.999), None),
        Kind::Cache => (0.5, 4.0, Some(0.999), Some(0.8)),
        Kind::Database => (5.0, 10.0, Some(0.999), None),
        Kind::Queue => (2.0, 5.0, Some(0.999), None),
        Kind::ObjectStore => (20.0, 5.0, Some(0.9999), None),
        Kind::Search => (10.0, 5.0, Some(0.999), None),
        Kind::External => (100.0, 5.0, Some(0.999), None),
    }
}

fn parse_unit(text: &str, unit: Unit, what: &str) -> Result<f64, String> {
    let quantity = parse_quantity(text).map_err(|error| error.message)?;
    if quantity.unit != unit && !(quantity.value == 0.0 && quantity.unit == Unit::None) {
        return Err(format!("`{text}` is not {what}"));
    }
    Ok(quantity.value)
}

fn duration_ms<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_unit(&text, Unit::Duration, "a duration").map_err(serde::de::Error::custom)
}

fn optional_duration_ms<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    text.map(|text| parse_unit(&text, Unit::Duration, "a duration"))
        .transpose()
        .map_err(serde::de::Error::custom)
}

fn optional_percentage<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    text.map(|text| parse_unit(&text, Unit::Percent, "a percentage"))
        .transpose()
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knowledge_base_parses() {
        let base = KnowledgeBase::parse(TECHNOLOGIES_YAML).unwrap();
        assert!(base.technologies.len() >= 25);
        assert_eq!(base.technology("postgresql").map(|t| t.id.as_str()), Some("postgres"));
    }

    /// language.md §2 names these technologies; the shared examples use a
    /// subset of them.
    #[test]
    fn every_technology_the_contract_names_is_known() {
        let base = KnowledgeBase::get();
        let named = [
            "nginx",
            "haproxy",
            "envoy",
            "cloudfront",
            "redis",
            "memcached",
            "postgres",
            "mysql",
            "cassandra",
            "dynamodb",
            "mongodb",
            "hbase",
            "cockroachdb",
            "spanner",
            "zookeeper",
            "etcd",
            "riak",
            "couchbase",
            "kafka",
            "rabbitmq",
            "sqs",
            "s3",
            "elasticsearch",
            "opensearch",
        ];
        for id in named {
            let technology = base.technology(id).unwrap_or_else(|| panic!("{id} is missing"));
            assert!(!technology.kinds.is_empty(), "{id}");
            assert!(technology.latency.p99 >= technology.latency.p50, "{id}");
        }
    }

    #[test]
    fn kind_defaults_match_language_md() {
        let base = KnowledgeBase::get();
        for kind in Kind::ALL {
            let (p50, tail, availability, hit_ratio) = builtin_defaults(*kind);
            let view = base.kind(*kind);
            assert_eq!(view.p50_ms(), p50, "{kind}");
            assert_eq!(view.tail(), tail, "{kind}");
            assert_eq!(view.availability(), availability, "{kind}");
            assert_eq!(view.hit_ratio(), hit_ratio, "{kind}");
        }
    }

    /// language.md §2 names the default consistency of these technologies.
    #[test]
    fn default_consistency_matches_the_contract() {
        let base = KnowledgeBase::get();
        let expected = [
            ("postgres", Consistency::Strong),
            ("mysql", Consistency::Strong),
            ("cockroachdb", Consistency::Strong),
            ("spanner", Consistency::Strong),
            ("hbase", Consistency::Strong),
            ("zookeeper", Consistency::Strong),
            ("etcd", Consistency::Strong),
            ("mongodb", Consistency::ReadYourWrites),
            ("cassandra", Consistency::Eventual),
            ("dynamodb", Consistency::Eventual),
            ("riak", Consistency::Eventual),
            ("couchbase", Consistency::Eventual),
            ("elasticsearch", Consistency::Eventual),
            ("redis", Consistency::Eventual),
            ("memcached", Consistency::Eventual),
            ("s3", Consistency::Strong),
        ];
        for (id, consistency) in expected {
            let technology = base.technology(id).unwrap_or_else(|| panic!("{id} missing"));
            assert_eq!(technology.consistency, Some(consistency), "{id}");
        }
        for id in ["cloudfront", "s3", "dynamodb", "sqs", "spanner"] {
            assert!(base.technology(id).unwrap().managed, "{id} is managed");
        }
    }
}
