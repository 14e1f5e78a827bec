//! The compose file as typed structs, serialized with serde-saphyr (which
//! quotes every scalar a YAML 1.1 reader would misread). Only the keys
//! `hld compose` writes are modelled; field order is the order they appear
//! in the file, and maps keep insertion (declaration) order, so the output
//! is byte-identical run to run.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// A map that serializes its entries in insertion order (compose services
/// in declaration order, not alphabetical).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> OrderedMap<V> {
    pub fn new() -> Self {
        OrderedMap(Vec::new())
    }

    pub fn insert(&mut self, key: impl Into<String>, value: V) {
        let key = key.into();
        if let Some(slot) = self.0.iter_mut().find(|(existing, _)| *existing == key) {
            slot.1 = value;
        } else {
            self.0.push((key, value));
        }
    }

    /// Appends without looking for the key: for keys known to be unique
    /// (service names), so a large design stays linear.
    pub fn push(&mut self, key: impl Into<String>, value: V) {
        self.0.push((key.into(), value));
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.0
            .iter()
            .find(|(existing, _)| existing == key)
            .map(|(_, value)| value)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(key, value)| (key.as_str(), value))
    }
}

impl<V: Serialize> Serialize for OrderedMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// `compose.yaml`.
#[derive(Clone, Debug, Serialize)]
pub struct ComposeFile {
    /// The project name (lowercase letters, digits, `_` and `-`).
    pub name: String,
    pub services: OrderedMap<Service>,
    pub networks: OrderedMap<Network>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Service {
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub environment: OrderedMap<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    pub depends_on: OrderedMap<DependsOn>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    pub networks: Vec<String>,
    pub labels: OrderedMap<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Healthcheck {
    /// `["CMD", ...]` or `["CMD-SHELL", "..."]`, from the knowledge base,
    /// written unchanged (its `$$` is compose's escape for a literal `$`).
    pub test: Vec<String>,
    pub interval: String,
    pub timeout: String,
    pub retries: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    ServiceStarted,
    ServiceHealthy,
}

#[derive(Clone, Debug, Serialize)]
pub struct DependsOn {
    pub condition: Condition,
}

/// A published port in the long syntax.
#[derive(Clone, Debug, Serialize)]
pub struct Port {
    pub target: u16,
    pub published: String,
    pub host_ip: String,
    pub protocol: String,
}

/// A read-only bind mount of a generated file, in the long syntax.
#[derive(Clone, Debug, Serialize)]
pub struct Volume {
    #[serde(rename = "type")]
    pub kind: String,
    pub source: String,
    pub target: String,
    pub read_only: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Deploy {
    pub replicas: u32,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Network {
    pub driver: String,
}

impl ComposeFile {
    /// Plain or quoted scalars only: no folded block scalars, whose line
    /// breaks a reader turns back into spaces, so a long healthcheck reads
    /// as one line, as written in the knowledge base.
    pub fn to_yaml(&self) -> Result<String, String> {
        let mut options = serde_saphyr::SerializerOptions::default();
        options.prefer_block_scalars = false;
        serde_saphyr::to_string_with_options(self, options).map_err(|error| error.to_string())
    }
}
