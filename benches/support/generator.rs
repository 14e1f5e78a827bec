//! Generates large, realistic, valid designs for benchmarks and scale tests:
//! regions, each with clients, a cdn, a load balancer tier, and "cells" of a
//! gateway, services calling each other, cache-aside caches in front of
//! replicated and sharded databases, a queue with workers, search and object
//! storage. About two links per component and one flow per ten components,
//! 4 to 12 hops each, through the caches. A few deliberate weak spots (single
//! instances, a missing dead-letter queue, a non-idempotent worker) so every
//! rule has work to do; the design resolves, and `hld check` exits 0 or 1.
//!
//! Deterministic: the same size gives the same text, byte for byte.
#![allow(dead_code)]

use std::fmt::Write;

/// Components in one cell (see [`cell`]).
pub const CELL_COMPONENTS: usize = 24;
/// Components of a region outside its cells: 2 clients, a cdn, a load balancer.
const REGION_FIXED: usize = 4;
/// Services per cell.
const SERVICES: usize = 10;

/// A design of about `components` components (at least one region with one
/// cell), as `.hld` text. About half its flows are call trees (language.md
/// §5).
pub fn design(components: usize) -> String {
    design_with(components, true)
}

/// [`design`], with call trees or (`trees = false`) the same flows reduced to
/// their `path`: the same components, links and flow count, to measure what
/// call trees cost.
pub fn design_with(components: usize, trees: bool) -> String {
    let regions = (components / 5_000).clamp(2, 40);
    let per_region = components / regions;
    let cells = (per_region.saturating_sub(REGION_FIXED) / CELL_COMPONENTS).max(1);
    let mut out = String::with_capacity(components * 260);
    let _ = writeln!(
        out,
        "// generated: {components} components, {regions} regions of {cells} cells"
    );
    let _ = writeln!(out, "system generated \"Generated benchmark design\" {{");
    // 99.8%: a flow through the cdn (99.9% by default) can meet it, so the
    // availability findings are the deliberate weak spots, not every flow.
    let _ = writeln!(out, "  slo {{ availability = 99.8%, p99 = 500ms }}");
    let _ = writeln!(out, "  external payments \"Payment processor\" {{ latency = 120ms }}");
    for region in 0..regions {
        write_region(&mut out, region, cells, trees);
    }
    for region in 0..regions {
        for other in region + 1..regions {
            let _ = writeln!(out, "  rtt r{region} <-> r{other} = {}ms", 20 + (region + other) % 120);
        }
    }
    out.push_str("}\n");
    out
}

fn write_region(out: &mut String, region: usize, cells: usize, trees: bool) {
    let r = format!("r{region}");
    let _ = writeln!(out, "  region {r} \"Region {region}\" {{");
    let _ = writeln!(out, "    client {r}_web {{ rps = {}k }}", 5 + region % 7);
    let _ = writeln!(out, "    client {r}_mobile {{ rps = {}k }}", 3 + region % 5);
    let _ = writeln!(
        out,
        "    cdn {r}_edge : cloudfront {{ hit_ratio = 0.7, ttl = 1h, invalidation = versioned }}"
    );
    let _ = writeln!(
        out,
        "    load_balancer {r}_lb : haproxy {{ replicas = 2, algorithm = least_connections, layer = 7 }}"
    );
    for cell in 0..cells {
        write_cell_components(out, &r, cell);
    }
    out.push_str("  }\n");
    let _ = writeln!(out, "  {r}_web -> {r}_edge -> {r}_lb");
    let _ = writeln!(out, "  {r}_mobile -> {r}_lb");
    for cell in 0..cells {
        write_cell_links_and_flows(out, &r, cell, trees);
    }
}

/// One cell: a gateway, SERVICES services, 3 caches, 3 databases, a queue,
/// 2 workers, a search index, an object store, a dead-letter queue, an
/// audit database (24 components; 46 links and 2.75 flows on average).
fn write_cell_components(out: &mut String, r: &str, cell: usize) {
    let c = format!("{r}_c{cell}");
    let _ = writeln!(
        out,
        "    gateway {c}_gw {{ replicas = 2, auth = jwt, rate_limit = token_bucket {{ capacity = 500, refill = 50/s, per = user }} }}"
    );
    for svc in 0..SERVICES {
        // Every 50th cell has a single-instance service: a finding to report.
        let replicas = if cell % 50 == 7 && svc == 3 { 1 } else { 2 + svc % 3 };
        let _ = writeln!(
            out,
            "    service {c}_s{svc} {{ replicas = {replicas}, capacity = 2k/s, latency = {}ms }}",
            2 + svc % 5
        );
    }
    for cache in 0..3 {
        let _ = writeln!(
            out,
            "    cache {c}_cache{cache} : redis {{ pattern = cache_aside, ttl = 10m, hit_ratio = 0.{}, replicas = 2 }}",
            80 + cache * 5
        );
    }
    let _ = writeln!(
        out,
        "    database {c}_db0 : postgres {{ replication = primary_replica {{ replicas = 2, mode = sync, failover = auto }}, size = 200GB }}"
    );
    let _ = writeln!(
        out,
        "    database {c}_db1 : cassandra {{ replication = quorum {{ n = 3, r = 2, w = 2 }}, shard = hash {{ key = user_id, count = 8 }}, size = 20TB }}"
    );
    let _ = writeln!(
        out,
        "    database {c}_db2 : mongodb {{ replication = primary_replica {{ replicas = 2, mode = sync, failover = auto }} }}"
    );
    let dead_letter = if cell % 40 == 3 {
        String::new()
    } else {
        format!(", dead_letter = {c}_dlq")
    };
    let _ = writeln!(
        out,
        "    queue {c}_q : kafka {{ delivery = at_least_once, replicas = 3{dead_letter} }}"
    );
    let _ = writeln!(
        out,
        "    worker {c}_w0 {{ replicas = 2, idempotent = true, capacity = 500/s }}"
    );
    let idempotent = if cell % 30 == 5 { "false" } else { "true" };
    let _ = writeln!(out, "    worker {c}_w1 {{ replicas = 2, idempotent = {idempotent} }}");
    // Every 50th cell's search index has one instance: a single point of failure.
    let search_replicas = if cell % 50 == 7 { 1 } else { 2 };
    let _ = writeln!(
        out,
        "    search {c}_search : elasticsearch {{ replicas = {search_replicas} }}"
    );
    let _ = writeln!(out, "    object_store {c}_blobs : s3");
    let _ = writeln!(out, "    queue {c}_dlq : kafka {{ replicas = 3 }}");
    let _ = writeln!(out, "    database {c}_audit : dynamodb");
}

fn write_cell_links_and_flows(out: &mut String, r: &str, cell: usize, trees: bool) {
    let c = format!("{r}_c{cell}");
    let s = |idx: usize| format!("{c}_s{idx}");
    // Entry: the load balancer routes to the cell's gateway, which fronts
    // the first three services.
    let _ = writeln!(out, "  {r}_lb -> {c}_gw");
    for svc in 0..3 {
        let _ = writeln!(out, "  {c}_gw -> {}", s(svc));
    }
    // Services call deeper services: a layered call graph.
    for svc in 0..SERVICES - 3 {
        let _ = writeln!(out, "  {} -> {}", s(svc), s(svc + 3));
    }
    for svc in 3..SERVICES - 1 {
        let _ = writeln!(out, "  {} -> {}", s(svc), s(svc + 1));
    }
    for svc in 0..SERVICES - 2 {
        let _ = writeln!(out, "  {} -> {}", s(svc), s(svc + 2));
    }
    // Reads through caches into the stores, writes straight to them.
    for (svc, cache, db) in [(3, 0, 0), (4, 1, 1), (5, 2, 2)] {
        let _ = writeln!(out, "  {} -> {c}_cache{cache} -> {c}_db{db} {{ op = read }}", s(svc));
        let _ = writeln!(out, "  {} -> {c}_db{db} {{ op = write }}", s(svc + 3));
    }
    let _ = writeln!(out, "  {} -> {c}_search {{ op = read }}", s(9));
    let _ = writeln!(out, "  {} -> {c}_blobs", s(7));
    let _ = writeln!(out, "  {} -> payments {{ timeout = 2s, retries = 1 }}", s(8));
    // Asynchronous work.
    let _ = writeln!(out, "  {} -> {c}_q", s(2));
    let _ = writeln!(out, "  {c}_q -> {c}_w0 -> {c}_db1 {{ op = write }}");
    let _ = writeln!(out, "  {c}_q -> {c}_w1 -> {c}_search {{ op = write }}");
    let _ = writeln!(out, "  {c}_w1 -> {c}_dlq");
    let _ = writeln!(out, "  {c}_w0 -> {c}_audit {{ op = write }}");
    // Flows: about one per ten components, 4 to 12 hops.
    let web = format!("{r}_web -> {r}_edge -> {r}_lb -> {c}_gw");
    let mobile = format!("{r}_mobile -> {r}_lb -> {c}_gw");
    // Call trees (language.md §5), about half the flows: `profile` in every
    // cell, `post` in every fourth, `read_feed` in every tenth.
    let calls = |text: &str| if trees { text.to_string() } else { String::new() };
    let _ = writeln!(
        out,
        "  flow {c}_read_feed {{ path = {web} -> {} -> {} -> {c}_cache1 -> {c}_db1, op = read{} }}",
        s(1),
        s(4),
        if cell.is_multiple_of(10) {
            calls(&format!(
                "\n    call {} -> {}\n    call {} -> {c}_cache0 -> {c}_db0 {{ op = read }}\n  ",
                s(1),
                s(3),
                s(3)
            ))
        } else {
            String::new()
        }
    );
    // Reads the profile through its cache, asks two services at once, then
    // records the view (a write).
    let _ = writeln!(
        out,
        "  flow {c}_profile {{ path = {mobile} -> {} -> {} -> {c}_cache0 -> {c}_db0, op = read{} }}",
        s(0),
        s(3),
        calls(&format!(
            "\n    parallel {{\n      call {} -> {}\n      call {} -> {}\n    }}\n    call {} -> {} -> {c}_db0 {{ op = write }}\n  ",
            s(3),
            s(4),
            s(3),
            s(5),
            s(3),
            s(6)
        ))
    );
    if cell.is_multiple_of(4) {
        // Publishes, then reads the author's feed to answer.
        let _ = writeln!(
            out,
            "  flow {c}_post {{ path = {mobile} -> {} -> {c}_q -> {c}_w0 -> {c}_db1, op = write{} }}",
            s(2),
            calls(&format!(
                "\n    call {} -> {}\n    call {} -> {c}_cache1 -> {c}_db1 {{ op = read }}\n  ",
                s(2),
                s(4),
                s(4)
            ))
        );
    }
    if cell % 4 == 2 {
        // The shortest: 4 hops, ending at a service.
        let _ = writeln!(
            out,
            "  flow {c}_ping {{ path = {mobile} -> {} -> {}, op = read }}",
            s(0),
            s(2)
        );
    }
    if cell % 20 == 1 {
        // The longest: 12 hops down the service layers (a deep chain).
        let chain: Vec<String> = [1, 3, 4, 5, 6, 7, 8, 9].iter().map(|idx| s(*idx)).collect();
        let _ = writeln!(
            out,
            "  flow {c}_search {{ path = {web} -> {} -> {c}_search, op = read }}",
            chain.join(" -> ")
        );
    } else if cell % 4 == 1 {
        let _ = writeln!(
            out,
            "  flow {c}_search {{ path = {web} -> {} -> {} -> {} -> {} -> {c}_search, op = read }}",
            s(0),
            s(3),
            s(6),
            s(9)
        );
    }
}
