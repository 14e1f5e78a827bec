//! Designs for tests that compare a fast path with the plain computation
//! it replaces: every example and fixture on disk, generated designs, and
//! small random designs with queues, caches, regions and async hops.
//!
//! The files are read here (this module is compiled only for tests) and
//! compiled through `model::load`'s `MemoryLoader`, which holds every file
//! found, so imports between them resolve: no core module depends on the
//! CLI's file system loader.

use std::path::{Path, PathBuf};

use crate::model::Design;
use crate::model::load::{Input, Limits, MemoryLoader, compile, normalize};

#[path = "../../benches/support/generator.rs"]
mod generator;

fn hld_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            hld_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "hld") {
            out.push(path);
        }
    }
}

fn resolve(loader: &MemoryLoader, name: &str, path: Option<PathBuf>, text: &[u8]) -> Option<Design> {
    let input = Input {
        name: name.to_string(),
        path,
        key: None,
        bytes: text.to_vec(),
    };
    compile(input, loader, &Limits::default()).design
}

/// Every design that resolves: examples, fixtures, init templates, the
/// shared examples when present, generated designs of `sizes` components,
/// and `random` random designs.
pub(crate) fn designs(sizes: &[usize], random: usize) -> Vec<(String, Design)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["examples", "tests/fixtures", "templates/init", "../shared/examples"] {
        hld_files(&root.join(dir), &mut files);
    }
    // Every file, by its normalized path: the imports of one are the others.
    let read: Vec<(PathBuf, Vec<u8>)> = files
        .into_iter()
        .filter_map(|path| std::fs::read(&path).ok().map(|text| (path, text)))
        .collect();
    let mut loader = MemoryLoader::default();
    for (path, text) in &read {
        if let Ok(text) = std::str::from_utf8(text) {
            loader.files.insert(normalize(path), text.to_string());
        }
    }
    let mut out = Vec::new();
    for (path, text) in read {
        if let Some(design) = resolve(&loader, &path.to_string_lossy(), Some(path.clone()), &text) {
            out.push((path.to_string_lossy().into_owned(), design));
        }
    }
    let loader = MemoryLoader::default();
    for size in sizes {
        let text = generator::design(*size);
        // The generator's designs always resolve; one that did not would
        // only shrink the corpus.
        if let Some(design) = resolve(&loader, "generated.hld", None, text.as_bytes()) {
            out.push((format!("generated {size}"), design));
        }
    }
    for seed in 0..random {
        if let Some(design) = resolve(&loader, "random.hld", None, random_design(seed as u64).as_bytes()) {
            out.push((format!("random {seed}"), design));
        }
    }
    out
}

const DECLARATIONS: &[&str] = &[
    "client {id} { rps = 2k }",
    "load_balancer {id}",
    "load_balancer {id} { replicas = 2, mode = active_passive }",
    "service {id} { replicas = 2, capacity = 80/s }",
    "service {id} { capacity = 30/s }",
    "service {id}",
    "worker {id} { replicas = 2, capacity = 20/s, idempotent = true }",
    "worker {id} { capacity = 5/s }",
    "cache {id} : redis { pattern = cache_aside, ttl = 1m, hit_ratio = 0.5 }",
    "cache {id} { pattern = write_through, replicas = 2 }",
    "database {id} : postgres { replication = primary_replica { replicas = 1, failover = manual }, capacity = 40/s }",
    "database {id} : cassandra { replication = quorum { n = 3, r = 2, w = 2 }, shard = hash { key = id, count = 4 } }",
    "database {id} { capacity = 10/s }",
    "queue {id} : kafka { replicas = 3, dead_letter = true }",
    "queue {id} { pattern = pub_sub }",
    "queue {id}",
    "cdn {id} { hit_ratio = 0.7 }",
    "external {id}",
];

const LINK_PROPERTIES: &[&str] = &["", "", " { op = read }", " { op = write }", " { mode = async }"];

/// The declaration of a sharded database: links into it may scatter.
const SHARDED: usize = 11;

/// A small random design (a linear congruential generator, so the same
/// seed gives the same design): 6 to 16 components in two regions, random
/// links, and flows that follow them.
pub(crate) fn random_design(seed: u64) -> String {
    let mut state = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let mut next = move |bound: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % bound.max(1)
    };
    let n = 6 + next(11);
    let mut kinds = Vec::with_capacity(n);
    let mut text = String::from(
        "system random {\n  slo { availability = 99.9%, p99 = 300ms }\n  region a {\n  }\n  region b {\n  }\n  rtt a <-> b = 30ms\n",
    );
    for idx in 0..n {
        // The first two are clients, so flows have somewhere to start.
        let kind = if idx < 2 { 0 } else { next(DECLARATIONS.len()) };
        kinds.push(kind);
        let mut declaration = DECLARATIONS[kind].replace("{id}", &format!("c{idx}"));
        let region = ["", "a", "b"][next(3)];
        if !region.is_empty() {
            declaration = if declaration.ends_with('}') {
                format!("{}, region = {region} }}", declaration.trim_end_matches('}').trim_end())
            } else {
                format!("{declaration} {{ region = {region} }}")
            };
        }
        text.push_str(&format!("  {declaration}\n"));
    }
    let mut adjacency = vec![Vec::new(); n];
    let mut declared = std::collections::BTreeSet::new();
    for _ in 0..n * 2 {
        let (from, to) = (next(n), next(n));
        if from == to || to < 2 || !declared.insert((from, to)) {
            continue;
        }
        adjacency[from].push(to);
        let props = if kinds[to] == SHARDED && next(2) == 0 {
            " { op = read, fanout = all }"
        } else {
            LINK_PROPERTIES[next(LINK_PROPERTIES.len())]
        };
        text.push_str(&format!("  c{from} -> c{to}{props}\n"));
    }
    for flow in 0..2 + next(5) {
        let mut path = vec![next(2)];
        for _ in 0..2 + next(6) {
            let here = *path.last().unwrap_or(&0);
            if adjacency[here].is_empty() {
                break;
            }
            let to = adjacency[here][next(adjacency[here].len())];
            if path.contains(&to) {
                break;
            }
            path.push(to);
        }
        if path.len() < 2 {
            continue;
        }
        let names: Vec<String> = path.iter().map(|idx| format!("c{idx}")).collect();
        let op = ["read", "write", "read_write"][next(3)];
        text.push_str(&format!(
            "  flow f{flow} {{ path = {}, rps = {}, op = {op} }}\n",
            names.join(" -> "),
            10 + next(200)
        ));
    }
    text.push_str("}\n");
    text
}

#[test]
fn most_random_designs_resolve_and_have_flows() {
    let designs = designs(&[], 200);
    let with_flows = designs
        .iter()
        .filter(|(name, design)| name.starts_with("random") && !design.flows.is_empty())
        .count();
    assert!(
        with_flows >= 120,
        "only {with_flows} of 200 random designs resolve with a flow"
    );
}
