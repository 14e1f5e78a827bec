//! Random designs through every rule: no panic, the same findings twice, and
//! the invariants of the single point of failure rule hold (sources,
//! redundant components and bypassed caches are never reported).

use hld::analysis::{self, Config};
use hld::model::load::{Input, Limits, MemoryLoader, compile};
use hld::model::{Design, Kind};
use proptest::prelude::*;

/// Declarations to pick from: kinds with and without redundancy, caches of
/// every pattern, replicated and single stores, queues.
const DECLARATIONS: &[&str] = &[
    "client {id} {{ rps = 100 }}",
    "client {id}",
    "load_balancer {id}",
    "load_balancer {id} {{ replicas = 2, algorithm = ip_hash }}",
    "gateway {id} {{ replicas = 2, rate_limit = fixed_window {{ limit = 10, window = 1m, per = user }} }}",
    "service {id}",
    "service {id} {{ replicas = 3, idempotent = true }}",
    "worker {id}",
    "worker {id} {{ replicas = 2, idempotent = true }}",
    "cache {id} : redis {{ pattern = cache_aside, ttl = 1m }}",
    "cache {id} {{ pattern = read_through }}",
    "cache {id} {{ pattern = write_behind, replicas = 2 }}",
    "cache {id} {{ pattern = write_through }}",
    "database {id} : postgres",
    "database {id} : postgres {{ replication = primary_replica {{ replicas = 2, mode = async }} }}",
    "database {id} : cassandra {{ replication = quorum {{ n = 3, r = 1, w = 1 }}, shard = range {{ key = created_at, count = 4 }}, size = 10GB }}",
    "database {id} : mysql {{ replication = multi_primary {{ primaries = 2 }} }}",
    "database {id} : dynamodb",
    "queue {id}",
    "queue {id} : kafka {{ replicas = 3, dead_letter = true, delivery = at_least_once }}",
    "object_store {id} : s3",
    "search {id} {{ replicas = 1 }}",
    "external {id}",
    "cdn {id}",
    "dns {id}",
];

const LINK_PROPERTIES: &[&str] = &[
    "",
    " { op = read }",
    " { op = write, requires = strong }",
    " { requires = read_your_writes }",
    " { mode = async }",
    " { mode = sync, prefers = availability }",
    " { read_from = primary, requires = strong }",
];

fn design_text(kinds: &[usize], links: &[(usize, usize, usize)], walks: &[(usize, Vec<usize>)]) -> String {
    let mut text = String::from("system random {\n");
    for (idx, kind) in kinds.iter().enumerate() {
        let declaration = DECLARATIONS[kind % DECLARATIONS.len()].replace("{id}", &format!("c{idx}"));
        let declaration = declaration.replace("{{", "{").replace("}}", "}");
        text.push_str(&format!("  {declaration}\n"));
    }
    let n = kinds.len();
    let mut declared = std::collections::BTreeSet::new();
    let mut adjacency = vec![Vec::new(); n];
    for (from, to, props) in links {
        let (from, to) = (from % n, to % n);
        if from == to || !declared.insert((from, to)) {
            continue;
        }
        adjacency[from].push(to);
        let props = LINK_PROPERTIES[props % LINK_PROPERTIES.len()];
        text.push_str(&format!("  c{from} -> c{to}{props}\n"));
    }
    for (flow_idx, (start, choices)) in walks.iter().enumerate() {
        let mut path = vec![start % n];
        for choice in choices {
            let here = *path.last().unwrap();
            if adjacency[here].is_empty() {
                break;
            }
            path.push(adjacency[here][choice % adjacency[here].len()]);
        }
        if path.len() < 2 {
            continue;
        }
        let names: Vec<String> = path.iter().map(|idx| format!("c{idx}")).collect();
        let op = ["read", "write", "read_write"][flow_idx % 3];
        let requires = if flow_idx % 2 == 0 { ", requires = strong" } else { "" };
        text.push_str(&format!(
            "  flow f{flow_idx} {{ path = {}, op = {op}{requires} }}\n",
            names.join(" -> ")
        ));
    }
    text.push_str("}\n");
    text
}

fn resolve(text: &str) -> Option<Design> {
    let input = Input {
        name: "random.hld".to_string(),
        path: None,
        key: None,
        bytes: text.as_bytes().to_vec(),
    };
    compile(input, &MemoryLoader::default(), &Limits::default()).design
}

/// Most random designs resolve, so the property is not vacuous.
#[test]
fn most_random_designs_resolve() {
    let mut resolved = 0;
    for seed in 0..100usize {
        let kinds: Vec<usize> = (0..8).map(|idx| (seed * 7 + idx * 13) % 100).collect();
        let links: Vec<(usize, usize, usize)> = (0..12)
            .map(|idx| (seed + idx * 3, seed * 5 + idx * 7 + 1, idx + seed))
            .collect();
        let walks = vec![(seed, vec![seed, seed + 1, seed + 2]), (seed + 3, vec![1, 2])];
        let text = design_text(&kinds, &links, &walks);
        if resolve(&text).is_some() {
            resolved += 1;
        } else if seed < 3 {
            eprintln!("{text}");
        }
    }
    assert!(resolved >= 60, "only {resolved} of 100 resolve");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_rule_survives_random_designs(
        kinds in prop::collection::vec(0usize..100, 2..14),
        links in prop::collection::vec((0usize..100, 0usize..100, 0usize..100), 0..30),
        walks in prop::collection::vec((0usize..100, prop::collection::vec(0usize..100, 1..10)), 0..5),
    ) {
        let text = design_text(&kinds, &links, &walks);
        // Designs the resolver rejects (a flow hop with two candidate links,
        // say) are the resolver's business.
        let Some(design) = resolve(&text) else { return Ok(()); };
        let first = analysis::check(&design, &Config::default());
        let second = analysis::check(&design, &Config::default());
        prop_assert_eq!(&first.findings, &second.findings);
        // One cause, one finding: no rule repeats itself.
        let mut keys: Vec<_> = first
            .findings
            .iter()
            .map(|finding| (&finding.code, &finding.subject, &finding.message))
            .collect();
        let total = keys.len();
        keys.sort();
        keys.dedup();
        prop_assert_eq!(keys.len(), total, "{}", text);
        for finding in &first.findings {
            prop_assert!(!finding.message.ends_with('.'), "{}", finding.message);
            if finding.code != "single-point-of-failure" {
                continue;
            }
            let subject = finding.subject.as_deref().unwrap_or("");
            let id = design.component_id(subject).expect("a component subject");
            let component = design.component(id);
            prop_assert!(!matches!(component.kind, Kind::Client | Kind::Worker), "{text}");
            prop_assert!(!component.is_redundant(), "{text}");
            prop_assert!(!component.is_optional_cache(), "{text}");
        }
    }
}
