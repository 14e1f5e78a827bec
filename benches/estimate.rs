//! `cargo bench --bench estimate`: `hld estimate` on 10,000 components and
//! 1,000 flows of up to 12 hops, each through 2 caches (docs/performance.md).
//! Twice: every visit waits (estimate-10k.hld), and the same with every
//! other flow's gateway retrying a timed-out hop (estimate-10k-timed.hld).
//! Also writes both designs to target/bench/ for timing the CLI
//! (`hyperfine 'target/release/hld estimate target/bench/estimate-10k.hld'`).

#[path = "estimate_support/generator.rs"]
mod generator;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hld::analysis::{self, Config};
use hld::estimate;
use hld::model::Design;
use hld::model::load::{Input, Limits, MemoryLoader, compile};

fn compile_design(text: &str) -> Design {
    let input = Input {
        name: "bench.hld".to_string(),
        path: None,
        key: None,
        bytes: text.as_bytes().to_vec(),
    };
    compile(input, &MemoryLoader::default(), &Limits::default())
        .design
        .expect("the generated design resolves")
}

fn bench(c: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    let _ = std::fs::create_dir_all(&dir);
    // The target: every visit waits (each gateway and service has a
    // capacity); then the same with every other flow retried and timed out.
    for (name, file, timed_every) in [
        ("estimate-10k-components-1k-flows", "estimate-10k.hld", 0),
        (
            "estimate-10k-components-1k-flows-half-timed",
            "estimate-10k-timed.hld",
            2,
        ),
    ] {
        let text = generator::design(1000, timed_every);
        let _ = std::fs::write(dir.join(file), &text);
        let design = compile_design(&text);
        assert_eq!(design.components.len(), 10_000);
        assert_eq!(design.flows.len(), 1000);

        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        group.bench_function("estimate (all flows, components, queues)", |b| {
            b.iter(|| black_box(estimate::estimate(black_box(&design), None)))
        });
        group.bench_function("compile + estimate + json", |b| {
            b.iter(|| {
                let design = compile_design(black_box(&text));
                let estimates = estimate::estimate(&design, None);
                black_box(hld::emit::estimate::json(&design, &estimates))
            })
        });
        group.bench_function("check rules (every flow has a latency SLO)", |b| {
            let config = Config::default();
            b.iter(|| black_box(analysis::check(black_box(&design), &config)))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
