//! `hld check` at scale: parse + resolve + every rule, on generated designs
//! of 1,000, 10,000 and 100,000 components (benches/support/generator.rs);
//! the rules alone on the resolved design; and the graph rules alone (the
//! five rules of the numeric models off, as `hld.yaml` can say).
//! docs/performance.md records the figures.
//!
//! cargo bench --bench check

#[path = "support/generator.rs"]
mod generator;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hld::analysis::{self, Config};
use hld::model::Design;
use hld::model::load::{Input, Limits, MemoryLoader, compile};

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

fn input(text: &str) -> Input {
    Input {
        name: "generated.hld".to_string(),
        path: None,
        key: None,
        bytes: text.as_bytes().to_vec(),
    }
}

fn resolve(text: &str) -> Design {
    compile(input(text), &MemoryLoader::default(), &Limits::default())
        .design
        .expect("the generated design resolves")
}

fn bench_check(c: &mut Criterion) {
    let config = Config::default();
    let mut full = c.benchmark_group("check/full");
    full.sample_size(10).measurement_time(Duration::from_secs(20));
    for size in SIZES {
        let text = generator::design(size);
        full.throughput(Throughput::Elements(size as u64));
        full.bench_with_input(BenchmarkId::from_parameter(size), &text, |b, text| {
            b.iter(|| {
                let compilation = compile(input(text), &MemoryLoader::default(), &Limits::default());
                let design = compilation.design.expect("resolves");
                black_box(analysis::check(&design, &config).findings.len())
            })
        });
    }
    full.finish();

    let mut rules = c.benchmark_group("check/rules");
    rules.sample_size(10).measurement_time(Duration::from_secs(10));
    for size in SIZES {
        let design = resolve(&generator::design(size));
        rules.throughput(Throughput::Elements(size as u64));
        rules.bench_with_input(BenchmarkId::from_parameter(size), &design, |b, design| {
            b.iter(|| black_box(analysis::check(design, &config).findings.len()))
        });
    }
    rules.finish();

    // The numeric rules run the estimate engine (benches/estimate.rs
    // measures it); with them off, what is left is the graph analysis.
    let numeric_off = Config::parse(
        hld::source::FileId(0),
        "rules:\n  availability-below-slo: off\n  latency-above-slo: off\n  overloaded-component: off\n  queue-backlog-growth: off\n  scatter-gather-on-hot-path: off\n",
    )
    .expect("a valid hld.yaml");
    let mut graph_rules = c.benchmark_group("check/graph-rules");
    graph_rules.sample_size(10).measurement_time(Duration::from_secs(10));
    for size in SIZES {
        let design = resolve(&generator::design(size));
        graph_rules.throughput(Throughput::Elements(size as u64));
        graph_rules.bench_with_input(BenchmarkId::from_parameter(size), &design, |b, design| {
            b.iter(|| black_box(analysis::check(design, &numeric_off).findings.len()))
        });
    }
    graph_rules.finish();
}

criterion_group!(benches, bench_check);
criterion_main!(benches);
