//! Random designs through `hld what-if` and `hld explain`: no panic, the
//! same output twice, and the semantics of docs/explain.md: a flow fails
//! exactly when its synchronous part needs a failed component it cannot
//! bypass; more failures never fail fewer flows; a flow that bypasses
//! nothing keeps its latency; queues never shrink below zero growth.

use hld::analysis::{self, Config};
use hld::emit::diagram::Highlights;
use hld::estimate::what_if::{Scenario, WhatIfEngine};
use hld::model::load::{Input, Limits, MemoryLoader, compile};
use hld::model::{ComponentId, Design, Kind};
use proptest::prelude::*;

const DECLARATIONS: &[&str] = &[
    "client {id} { rps = 100 }",
    "load_balancer {id}",
    "load_balancer {id} { replicas = 2, algorithm = least_connections }",
    "service {id} { replicas = 2, capacity = 80/s }",
    "service {id}",
    "worker {id} { replicas = 2, capacity = 20/s, idempotent = true }",
    "cache {id} : redis { pattern = cache_aside, ttl = 1m, hit_ratio = 0.5 }",
    "cache {id} { pattern = write_through, replicas = 2 }",
    "database {id} : postgres { replication = primary_replica { replicas = 1, failover = auto } }",
    "database {id} : cassandra { replication = quorum { n = 3, r = 2, w = 2 }, shard = hash { key = id, count = 4 } }",
    "queue {id} : kafka { replicas = 3, dead_letter = true }",
    "queue {id} { pattern = pub_sub }",
    "cdn {id} { hit_ratio = 0.7 }",
    "external {id}",
];

const LINK_PROPERTIES: &[&str] = &["", " { op = read }", " { op = write }", " { mode = async }"];

fn design_text(
    kinds: &[usize],
    regions: &[usize],
    links: &[(usize, usize, usize)],
    walks: &[(usize, Vec<usize>)],
) -> String {
    let mut text = String::from("system random {\n  region a {\n  }\n  region b {\n  }\n  rtt a <-> b = 30ms\n");
    for (idx, kind) in kinds.iter().enumerate() {
        let mut declaration = DECLARATIONS[kind % DECLARATIONS.len()].replace("{id}", &format!("c{idx}"));
        let region = ["", "a", "b"][regions.get(idx).copied().unwrap_or(0) % 3];
        if !region.is_empty() {
            declaration = if declaration.ends_with('}') {
                format!("{}, region = {region} }}", declaration.trim_end_matches('}').trim_end())
            } else {
                format!("{declaration} {{ region = {region} }}")
            };
        }
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
        text.push_str(&format!(
            "  c{from} -> c{to}{}\n",
            LINK_PROPERTIES[props % LINK_PROPERTIES.len()]
        ));
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
        text.push_str(&format!(
            "  flow f{flow_idx} {{ path = {}, rps = 10 }}\n",
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
        let regions: Vec<usize> = (0..12).map(|idx| (seed + idx) % 3).collect();
        let links: Vec<(usize, usize, usize)> = (0..12)
            .map(|idx| (seed + idx * 3, seed * 5 + idx * 7 + 1, idx + seed))
            .collect();
        let walks = vec![(seed, vec![seed, seed + 1, seed + 2]), (seed + 3, vec![1, 2])];
        if resolve(&design_text(&kinds, &regions, &links, &walks)).is_some() {
            resolved += 1;
        }
    }
    assert!(resolved >= 60, "only {resolved} of 100 resolve");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn what_if_and_explain_hold_on_random_designs(
        kinds in prop::collection::vec(0usize..100, 2..12),
        regions in prop::collection::vec(0usize..3, 12),
        links in prop::collection::vec((0usize..100, 0usize..100, 0usize..100), 0..24),
        walks in prop::collection::vec((0usize..100, prop::collection::vec(0usize..100, 1..8)), 0..5),
        pick in 0usize..100,
    ) {
        let text = design_text(&kinds, &regions, &links, &walks);
        let Some(design) = resolve(&text) else { return Ok(()); };
        let mut engine = WhatIfEngine::new(&design);
        let ids: Vec<ComponentId> = design.component_ids().collect();
        let first = ids[pick % ids.len()];
        let second = ids[(pick / 7) % ids.len()];
        let one = engine.run(&Scenario::fail([first]));
        prop_assert_eq!(&one, &engine.run(&Scenario::fail([first])));
        for flow in &one.flows {
            let part = design.flow(flow.flow).sync_part(&design);
            let needs = part.nodes.iter().enumerate().any(|(idx, id)| {
                let component = design.component(*id);
                let bypassable = (component.kind == Kind::Cdn || component.is_optional_cache())
                    && design.flow(flow.flow).hops.get(idx).is_some_and(|link| design.link_waits(*link))
                    && idx + 1 < design.flow(flow.flow).path.len();
                *id == first && !bypassable
            });
            prop_assert_eq!(flow.failed(), needs, "{}", text);
            // Its latency changes only through a bypassed cache or a wait
            // on a component whose load moved (language.md §6).
            let waits_moved = design.flow(flow.flow).visits.iter().any(|visit| {
                one.components.iter().any(|c| {
                    c.component == visit.component
                        && c.after.as_ref().is_some_and(|after| {
                            after.utilization.map(f64::to_bits) != c.before.utilization.map(f64::to_bits)
                        })
                })
            });
            if !flow.failed() && flow.bypassed.is_empty() && !waits_moved {
                prop_assert_eq!(&flow.after.as_ref().unwrap().latency, &flow.before.latency);
            }
        }
        for queue in &one.queues {
            prop_assert!(queue.after.growth_per_hour >= 0.0);
        }
        // More failures never fail fewer flows.
        let both = engine.run(&Scenario::fail([first, second]));
        for (a, b) in one.flows.iter().zip(&both.flows) {
            prop_assert!(!a.failed() || b.failed(), "{}", text);
        }
        // A partition of either region runs.
        for region in (0..design.regions.len()).map(|idx| hld::model::RegionId(idx as u32)) {
            let cut = engine.run(&Scenario::partition(region));
            prop_assert_eq!(cut.flows.len(), design.flows.len());
        }
        // The walkthrough builds and renders the same way twice.
        let findings = analysis::check(&design, &Config::default()).findings;
        let walkthrough = hld::explain::build(&design, &findings);
        prop_assert_eq!(&walkthrough, &hld::explain::build(&design, &findings));
        let highlights = Highlights::from_findings(&design, &findings);
        let markdown = hld::emit::explain::markdown(&walkthrough, &design, &highlights).unwrap();
        let html = hld::emit::explain::html(&walkthrough, &design, &highlights).unwrap();
        prop_assert!(markdown.contains("## 10. Improvements"));
        prop_assert!(html.contains("<section id=\"improvements\">"));
    }
}
