//! The design `hld estimate` is benchmarked on (docs/performance.md): 10,000
//! components and 1,000 flows of 9 to 12 hops, each through 2 caches and
//! services with a capacity (each visit waits, language.md §6), and
//! optionally some with a retried and timed-out hop (§7), with a system SLO
//! so that `hld check` computes every flow's latency too.
//! Deterministic: the same text every run.

/// `flows` flows; about 10 components per flow (9 + `flow % 4` services...).
/// With `timed_every` = k > 0, every k-th flow's gateway retries its first
/// service and times it out.
pub fn design(flows: usize, timed_every: usize) -> String {
    let mut text = String::with_capacity(flows * 1500);
    text.push_str("system bench \"estimate benchmark\" {\n");
    text.push_str("  slo { availability = 99.9%, p99 = 300ms }\n");
    let clients = 10;
    for c in 0..clients {
        text.push_str(&format!("  client users{c} {{ rps = {}k }}\n", 60 + c));
    }
    let latencies = [(2, 10), (3, 15), (5, 25), (8, 60), (12, 40)];
    let mut components = clients;
    for f in 0..flows {
        let services = 3 + f % 4; // 3..6 services: 9..12 hops
        let mut path = vec![format!("users{}", f % clients)];
        let decl = |text: &mut String, line: String, path: &mut Vec<String>, id: String| {
            text.push_str(&line);
            path.push(id);
        };
        decl(
            &mut text,
            format!("  load_balancer lb{f} : nginx {{ replicas = 2, algorithm = round_robin }}\n"),
            &mut path,
            format!("lb{f}"),
        );
        decl(
            &mut text,
            format!("  gateway gw{f} : envoy {{ replicas = 2, capacity = 20k/s }}\n"),
            &mut path,
            format!("gw{f}"),
        );
        for s in 0..services {
            let (p50, p99) = latencies[(f + s) % latencies.len()];
            decl(
                &mut text,
                format!(
                    "  service s{f}_{s} {{ replicas = 3, capacity = 5k/s, latency = {{ p50 = {p50}ms, p99 = {p99}ms }} }}\n"
                ),
                &mut path,
                format!("s{f}_{s}"),
            );
            if s + 2 == services {
                let hit = 80 + (f % 15);
                decl(
                    &mut text,
                    format!("  cache ca{f} : redis {{ replicas = 2, ttl = 10m, hit_ratio = 0.{hit} }}\n"),
                    &mut path,
                    format!("ca{f}"),
                );
            }
        }
        let hit = 50 + (f % 40);
        decl(
            &mut text,
            format!("  cache cb{f} : memcached {{ replicas = 2, ttl = 1h, hit_ratio = 0.{hit} }}\n"),
            &mut path,
            format!("cb{f}"),
        );
        decl(
            &mut text,
            format!(
                "  database db{f} : postgres {{ replication = primary_replica {{ replicas = 2, failover = auto }} }}\n"
            ),
            &mut path,
            format!("db{f}"),
        );
        components += path.len() - 1;
        // Timed flows: the gateway retries its first service and times it
        // out (language.md §7), so the benchmark prices retries and
        // timeouts along with the waits every service with a capacity adds.
        for (idx, pair) in path.windows(2).enumerate() {
            let props = if idx == 2 && timed_every > 0 && f % timed_every == 0 {
                " { timeout = 500ms, retries = 2, idempotent = true }"
            } else {
                ""
            };
            text.push_str(&format!("  {} -> {}{props}\n", pair[0], pair[1]));
        }
        text.push_str(&format!(
            "  flow f{f} {{ path = {}, op = read, rps = {} }}\n",
            path.join(" -> "),
            100 + f % 900
        ));
    }
    // Pad to the component count the benchmark names (10 per flow).
    let target = flows * 10;
    let mut pad = 0;
    while components < target {
        text.push_str(&format!("  service spare{pad} {{ replicas = 2 }}\n"));
        pad += 1;
        components += 1;
    }
    text.push_str("}\n");
    text
}
