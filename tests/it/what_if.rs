//! `hld what-if` against hand-computed cases: the only load balancer, a
//! cache-aside cache on a fixed-latency design, a partitioned region, a
//! stalled consumer; the JSON shape of docs/explain.md; usage errors.

use crate::common;

use std::path::PathBuf;

use common::{hld_files, repo, run, run_with_stdin, shared_examples};

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["what-if"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let run = run(&all);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|error| panic!("{error}: {}", run.stdout))
}

fn json_stdin(text: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["what-if", "-"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let run = run_with_stdin(&all, text.as_bytes());
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn flow<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|flow| flow["name"] == name)
        .unwrap_or_else(|| panic!("no flow {name}"))
}

fn failed(report: &serde_json::Value) -> Vec<String> {
    report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|flow| flow["status"] == "failed")
        .map(|flow| flow["name"].as_str().unwrap().to_string())
        .collect()
}

fn examples() -> Vec<PathBuf> {
    let mut files = hld_files(&repo().join("examples"));
    if let Some(dir) = shared_examples() {
        files.extend(hld_files(&dir));
    }
    files
}

/// Failing the only load balancer of a design fails exactly the flows whose
/// synchronous part passes through it (the resolved design's `synchronous`).
#[test]
fn failing_the_only_load_balancer_fails_every_flow_through_it() {
    let mut checked = 0;
    for path in examples() {
        let file = path.to_str().unwrap();
        let export: serde_json::Value =
            serde_json::from_str(&run(&["diagram", file, "--format", "json"]).stdout).unwrap();
        let balancers: Vec<&str> = export["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "load_balancer")
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        let [only] = balancers.as_slice() else {
            continue;
        };
        let through: Vec<String> = export["flows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|flow| flow["synchronous"].as_array().unwrap().iter().any(|c| c == only))
            .map(|flow| flow["id"].as_str().unwrap().to_string())
            .collect();
        let report = json(&[file, "--fail", only]);
        assert_eq!(failed(&report), through, "{file}: --fail {only}");
        for name in &through {
            assert_eq!(flow(&report, name)["failed_at"]["component"], *only, "{file}");
            assert!(flow(&report, name)["after"].is_null());
        }
        let lb = report["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == *only)
            .unwrap();
        assert_eq!(lb["down"], true);
        assert!(lb["after"].is_null());
        checked += 1;
    }
    assert!(checked >= 4, "{checked} designs with one load balancer");
}

#[test]
fn the_url_shortener_without_its_load_balancer() {
    let report = json(&["examples/url_shortener.hld", "--fail", "lb"]);
    assert_eq!(failed(&report), vec!["redirect", "shorten"]);
    // record_click starts at the shortener, past the load balancer: it is
    // served as before, a little faster for the load the failed flows no
    // longer bring to the shortener (its wait shrinks, language.md §6).
    let record_click = flow(&report, "record_click");
    assert_eq!(record_click["status"], "improved");
    assert_eq!(
        record_click["before"]["availability"],
        record_click["after"]["availability"]
    );
    let p99 = |figures: &serde_json::Value| figures["latency"]["p99_ms"].as_f64().unwrap();
    assert!(p99(&record_click["after"]) < p99(&record_click["before"]));
}

const LATENCY_MATH: &str = r#"system latency_math {
  client browser { rps = 1k }
  cdn edge { hit_ratio = 0.8, ttl = 1h, latency = { p50 = 5ms, p99 = 5ms } }
  service app { replicas = 2, latency = { p50 = 10ms, p99 = 10ms } }
  cache redis_cache : redis {
    pattern = cache_aside, hit_ratio = 0.9, ttl = 10m, replicas = 2
    latency = { p50 = 1ms, p99 = 1ms }
  }
  database db : postgres {
    latency = { p50 = 100ms, p99 = 100ms }
    replication = primary_replica { replicas = 1, mode = sync, failover = auto }
  }
  browser -> edge { latency = 20ms }
  edge -> app { latency = 80ms }
  app -> redis_cache { latency = 1ms }
  redis_cache -> db { latency = 1ms }
  flow page { path = browser -> edge -> app -> redis_cache -> db, op = read }
}"#;

/// By hand (language.md §4): a hit at the edge takes 20 + 5 = 25 ms (p =
/// 0.8); past the edge a request pays 25 + 80 + 10 + 1 + 1 = 117 ms to the
/// cache, and 117 + 1 + 100 = 218 ms to the database. With the cache down
/// every request that passes the edge goes to the database: mean =
/// 0.8 × 25 + 0.2 × 218 = 63.6 ms, p50 = 25 ms, p95 = p99 = 218 ms. The
/// database's load goes from 1,000 × 0.2 × 0.1 = 20/s to 1,000 × 0.2 =
/// 200/s.
#[test]
fn a_failed_cache_aside_cache_fails_no_flow_and_takes_the_miss_path() {
    let report = json_stdin(LATENCY_MATH, &["--fail", "redis_cache"]);
    let page = flow(&report, "page");
    assert_eq!(page["status"], "degraded");
    assert!(page["failed_at"].is_null());
    assert_eq!(page["bypassed"], serde_json::json!(["redis_cache"]));
    assert_eq!(page["before"]["latency"]["mean_ms"], 45.42);
    let after = &page["after"]["latency"];
    assert_eq!(after["mean_ms"], 63.6);
    assert_eq!(after["p50_ms"], 25.0);
    assert_eq!(after["p95_ms"], 218.0);
    assert_eq!(after["p99_ms"], 218.0);
    // The cache never counted towards availability: unchanged.
    assert_eq!(page["before"]["availability"], page["after"]["availability"]);
    let db = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "db")
        .unwrap();
    assert_eq!(db["before"]["load_rps"], 20.0);
    assert_eq!(db["after"]["load_rps"], 200.0);
}

/// A failed cdn sends its misses, now every request, to the origin: mean =
/// 0.9 × 117 + 0.1 × 218 = 127.1 ms, and the cdn drops out of the
/// availability product.
#[test]
fn a_failed_cdn_sends_every_request_to_the_origin() {
    let report = json_stdin(LATENCY_MATH, &["--fail", "edge"]);
    let page = flow(&report, "page");
    assert_eq!(page["after"]["latency"]["mean_ms"], 127.1);
    assert_eq!(page["after"]["latency"]["p50_ms"], 117.0);
    let expected = (1.0 - 0.001f64.powi(2)) * (1.0 - 0.001f64.powi(2));
    assert!((page["after"]["availability"].as_f64().unwrap() - expected).abs() < 1e-15);
    // Failing both: every request pays the full path.
    let report = json_stdin(LATENCY_MATH, &["--fail", "edge,redis_cache"]);
    let latency = &flow(&report, "page")["after"]["latency"];
    for field in ["mean_ms", "p50_ms", "p95_ms", "p99_ms"] {
        assert_eq!(latency[field], 218.0, "{field}");
    }
}

#[test]
fn a_cache_that_ends_the_path_fails_its_flow() {
    let text = r#"system s {
      client u { rps = 10 }
      service api { replicas = 2 }
      cache sessions { replicas = 2 }
      u -> api -> sessions
      flow f { path = u -> api -> sessions }
    }"#;
    let report = json_stdin(text, &["--fail", "sessions"]);
    assert_eq!(failed(&report), vec!["f"]);
}

#[test]
fn a_write_through_cache_is_needed() {
    let text = LATENCY_MATH.replace("pattern = cache_aside", "pattern = write_through");
    let report = json_stdin(&text, &["--fail", "redis_cache"]);
    assert_eq!(failed(&report), vec!["page"]);
}

/// us_east holds `profiles`; eu_read reaches it from eu_west, us_read stays
/// inside us_east. Cutting either region fails exactly eu_read: the flow
/// that needs a component only the other side holds.
#[test]
fn a_partition_fails_exactly_the_flows_that_cross_it() {
    let Some(dir) = shared_examples() else {
        return;
    };
    let file = dir.join("global_profiles.hld");
    let file = file.to_str().unwrap();
    for region in ["us_east", "eu_west"] {
        let report = json(&[file, "--partition", region]);
        assert_eq!(report["scenario"]["partition"], region);
        assert_eq!(failed(&report), vec!["eu_read"], "{region}");
        assert_eq!(flow(&report, "eu_read")["failed_at"]["link"], "profile_eu -> profiles");
        assert_eq!(flow(&report, "us_read")["status"], "unchanged");
    }
}

/// Components without a region sit outside every region: a flow from inside
/// the cut region to a region-less component crosses the cut, and so does a
/// region-less client calling into it.
#[test]
fn components_without_a_region_are_outside_every_region() {
    let text = r#"system s {
      region a {
        service sa { replicas = 2 }
      }
      region b {
        service sb { replicas = 2 }
      }
      rtt a <-> b = 40ms
      client users { rps = 100 }
      database shared : dynamodb
      users -> sa -> shared
      users -> sb
      flow into_a { path = users -> sa -> shared }
      flow into_b { path = users -> sb }
      flow inside_a { path = sa -> shared, rps = 5 }
    }"#;
    let report = json_stdin(text, &["--partition", "a"]);
    assert_eq!(failed(&report), vec!["into_a", "inside_a"]);
    assert_eq!(flow(&report, "into_a")["failed_at"]["link"], "users -> sa");
    assert_eq!(flow(&report, "inside_a")["failed_at"]["link"], "sa -> shared");
    let report = json_stdin(text, &["--partition", "b"]);
    assert_eq!(failed(&report), vec!["into_b"]);
}

/// The click counter stops; the shortener keeps publishing 10,000 clicks a
/// second, so the queue grows by 10,000 × 3,600 = 36,000,000 an hour.
#[test]
fn a_failed_consumer_makes_its_queue_grow() {
    let report = json(&["examples/url_shortener.hld", "--fail", "click_counter"]);
    assert!(failed(&report).is_empty());
    let record = flow(&report, "record_click");
    assert_eq!(record["status"], "degraded");
    assert_eq!(record["background_stopped"]["at"]["component"], "click_counter");
    assert_eq!(record["background_stopped"]["held_by"], "clicks");
    let clicks = &report["queues"][0];
    assert_eq!(clicks["id"], "clicks");
    assert_eq!(clicks["starts_to_grow"], true);
    assert_eq!(clicks["before"]["growth_per_hour"], 0.0);
    assert_eq!(clicks["after"]["growth_per_hour"], 36_000_000.0);
    assert_eq!(clicks["after"]["out_rps"], 0.0);
    // The store behind the consumer stalls it too.
    let report = json(&["examples/url_shortener.hld", "--fail", "click_stats"]);
    assert_eq!(report["queues"][0]["after"]["growth_per_hour"], 36_000_000.0);
}

/// Three flows on one path, one SLO each: a failed cache breaks the p95 of
/// `met`; `missed` was over its p99 before; only the cdn's own 99% held
/// `held` under its availability SLO.
const SLO_FLOWS: &str = r#"system s {
  client browser { rps = 1k }
  cdn edge { hit_ratio = 0.8, ttl = 1h, latency = { p50 = 5ms, p99 = 5ms }, availability = 99% }
  service app { replicas = 2, latency = { p50 = 10ms, p99 = 10ms } }
  cache redis_cache : redis {
    pattern = cache_aside, hit_ratio = 0.9, ttl = 10m, replicas = 2
    latency = { p50 = 1ms, p99 = 1ms }
  }
  database db : postgres {
    latency = { p50 = 100ms, p99 = 100ms }
    replication = primary_replica { replicas = 1, mode = sync, failover = auto }
  }
  browser -> edge { latency = 20ms }
  edge -> app { latency = 80ms }
  app -> redis_cache { latency = 1ms }
  redis_cache -> db { latency = 1ms }
  flow met { path = browser -> edge -> app -> redis_cache -> db, op = read, rps = 300, slo = { p95 = 120ms } }
  flow missed { path = browser -> edge -> app -> redis_cache -> db, op = read, rps = 300, slo = { p99 = 100ms } }
  flow held { path = browser -> edge -> app -> redis_cache -> db, op = read, rps = 300, slo = { availability = 99.9% } }
  flow free { path = browser -> edge -> app -> redis_cache -> db, op = read, rps = 100 }
}"#;

#[test]
fn now_misses_its_slo_only_when_it_met_it_before() {
    let human = run_with_stdin(&["what-if", "-", "--fail", "redis_cache"], SLO_FLOWS.as_bytes());
    assert_eq!(human.code, 0, "{}", human.stderr);
    let notes: Vec<&str> = human.stdout.lines().filter(|line| line.starts_with("  - ")).collect();
    assert!(notes.contains(&"  - met now misses its SLO"), "{}", human.stdout);
    assert!(
        notes.contains(&"  - missed still misses its SLO, as before"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("missed now misses"), "{}", human.stdout);
    assert!(!human.stdout.contains("held now misses"), "{}", human.stdout);
    assert!(!human.stdout.contains("free now"), "{}", human.stdout);
    let report = json_stdin(SLO_FLOWS, &["--fail", "redis_cache"]);
    assert_eq!(flow(&report, "met")["slo_change"], "now_missed");
    assert_eq!(flow(&report, "missed")["slo_change"], "still_missed");
    assert_eq!(flow(&report, "held")["slo_change"], "still_missed");
    assert!(flow(&report, "free")["slo_change"].is_null());
    // Without the cdn, which no longer counts, `held` meets its SLO.
    let edge = run_with_stdin(&["what-if", "-", "--fail", "edge"], SLO_FLOWS.as_bytes());
    assert!(edge.stdout.contains("  - held now meets its SLO\n"), "{}", edge.stdout);
    assert_eq!(
        json_stdin(SLO_FLOWS, &["--fail", "edge"])["flows"][2]["slo_change"],
        "now_met"
    );
}

#[test]
fn the_json_document_has_the_documented_shape() {
    let report = json(&["examples/url_shortener.hld", "--fail", "url_cache"]);
    assert_eq!(report["version"], 1);
    assert_eq!(report["scenario"]["failed"], serde_json::json!(["url_cache"]));
    assert!(report["scenario"]["partition"].is_null());
    for flow in report["flows"].as_array().unwrap() {
        for key in [
            "name",
            "status",
            "rps",
            "failed_at",
            "bypassed",
            "background_stopped",
            "before",
            "after",
            "slo_change",
        ] {
            assert!(flow.get(key).is_some(), "flow lacks {key}");
        }
        for key in ["mean_ms", "p50_ms", "p95_ms", "p99_ms"] {
            assert!(flow["before"]["latency"][key].is_number());
        }
        assert!(flow["before"]["availability"].is_number());
    }
    for component in report["components"].as_array().unwrap() {
        for key in ["id", "down", "before", "after"] {
            assert!(component.get(key).is_some(), "component lacks {key}");
        }
    }
    for queue in report["queues"].as_array().unwrap() {
        for key in ["id", "down", "starts_to_grow", "before", "after"] {
            assert!(queue.get(key).is_some(), "queue lacks {key}");
        }
    }
}

#[test]
fn unknown_ids_and_regions_are_usage_errors_with_a_did_you_mean() {
    let wrong = run(&["what-if", "examples/url_shortener.hld", "--fail", "url_cahce"]);
    assert_eq!(wrong.code, 2);
    assert!(wrong.stdout.is_empty());
    assert!(
        wrong.stderr.contains("unknown component `url_cahce` in --fail"),
        "{}",
        wrong.stderr
    );
    assert!(wrong.stderr.contains("did you mean `url_cache`?"), "{}", wrong.stderr);
    let region = run(&["what-if", "examples/url_shortener.hld", "--partition", "us_east"]);
    assert_eq!(region.code, 2);
    assert!(
        region.stderr.contains("the design declares no region"),
        "{}",
        region.stderr
    );
    let nothing = run(&["what-if", "examples/url_shortener.hld"]);
    assert_eq!(nothing.code, 2);
    let broken = run_with_stdin(&["what-if", "-", "--fail", "a"], b"system s {\n  service\n}\n");
    assert_eq!(broken.code, 2);
    assert!(broken.stdout.is_empty());
    if let Some(dir) = shared_examples() {
        let file = dir.join("global_profiles.hld");
        let typo = run(&["what-if", file.to_str().unwrap(), "--partition", "us_eats"]);
        assert_eq!(typo.code, 2);
        assert!(typo.stderr.contains("did you mean `us_east`?"), "{}", typo.stderr);
    }
}

#[test]
fn snapshots() {
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("url_shortener_lb", vec!["examples/url_shortener.hld", "--fail", "lb"]),
        (
            "url_shortener_cache",
            vec!["examples/url_shortener.hld", "--fail", "url_cache"],
        ),
        (
            "url_shortener_counter",
            vec!["examples/url_shortener.hld", "--fail", "click_counter"],
        ),
    ];
    for (name, args) in cases {
        let mut human = vec!["what-if"];
        human.extend(&args);
        let out = run(&human);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let again = run(&human);
        assert_eq!(out.stdout, again.stdout, "{name} is not deterministic");
        insta::assert_snapshot!(format!("{name}_human"), out.stdout);
        let mut as_json = human.clone();
        as_json.extend(["--format", "json"]);
        insta::assert_snapshot!(format!("{name}_json"), run(&as_json).stdout);
    }
    if let Some(dir) = shared_examples() {
        let file = dir.join("global_profiles.hld");
        let out = run(&["what-if", file.to_str().unwrap(), "--partition", "us_east"]);
        insta::assert_snapshot!("global_profiles_partition_human", out.stdout);
    }
}
