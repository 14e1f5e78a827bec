//! Each stage of the pipeline on its own, on generated designs of 100 to
//! 100,000 components (benches/support/generator.rs): read (the physical
//! limit for parsing), split + parse, resolve, analyze (the graph rules),
//! estimate (every flow), emit Mermaid, emit compose. docs/performance.md
//! records the figures.
//!
//! cargo bench --bench stages

#[path = "support/generator.rs"]
mod generator;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hld::analysis::{self, Config};
use hld::emit::{compose, diagram::Highlights, mermaid};
use hld::estimate;
use hld::model::load::{Input, Limits, MemoryLoader, ParsedFile, compile};
use hld::model::resolve::resolve;
use hld::source::FileId;
use hld::syntax;

const SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];

fn input(text: &str) -> Input {
    Input {
        name: "generated.hld".to_string(),
        path: None,
        key: None,
        bytes: text.as_bytes().to_vec(),
    }
}

fn bench_stages(c: &mut Criterion) {
    let numeric_off = Config::parse(
        FileId(0),
        "rules:\n  availability-below-slo: off\n  latency-above-slo: off\n  overloaded-component: off\n  queue-backlog-growth: off\n  scatter-gather-on-hot-path: off\n",
    )
    .expect("a valid hld.yaml");
    let dir = std::env::temp_dir().join(format!("hld-bench-stages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    for size in SIZES {
        let text = generator::design(size);
        let path = dir.join(format!("g{size}.hld"));
        std::fs::write(&path, &text).expect("writes the design");
        let design = compile(input(&text), &MemoryLoader::default(), &Limits::default())
            .design
            .expect("the generated design resolves");
        let mut group = c.benchmark_group(format!("stages/{size}"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(if size >= 100_000 { 20 } else { 5 }));
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(BenchmarkId::new("read", size), |b| {
            b.iter(|| black_box(std::fs::read(&path).expect("reads").len()))
        });
        group.bench_function(BenchmarkId::new("parse", size), |b| {
            b.iter(|| black_box(syntax::parse(FileId(0), &text).ast.items.len()))
        });
        group.throughput(Throughput::Elements(size as u64));
        group.bench_function(BenchmarkId::new("resolve", size), |b| {
            b.iter_batched(
                || {
                    vec![ParsedFile {
                        file: FileId(0),
                        ast: syntax::parse(FileId(0), &text).ast,
                        is_root: true,
                    }]
                },
                |files| black_box(resolve(files, 100).0.map(|design| design.components.len())),
                criterion::BatchSize::LargeInput,
            )
        });
        group.bench_function(BenchmarkId::new("analyze", size), |b| {
            b.iter(|| black_box(analysis::check(&design, &numeric_off).findings.len()))
        });
        group.bench_function(BenchmarkId::new("estimate", size), |b| {
            b.iter(|| black_box(estimate::estimate(&design, None).flows.len()))
        });
        let findings = analysis::check(&design, &numeric_off).findings;
        let highlights = Highlights::from_findings(&design, &findings);
        group.bench_function(BenchmarkId::new("emit-mermaid", size), |b| {
            b.iter(|| black_box(mermaid::flowchart(&design, &highlights).map(|text| text.len())))
        });
        group.bench_function(BenchmarkId::new("emit-compose", size), |b| {
            b.iter(|| black_box(compose::build(&design).map(|stack| stack.files.len())))
        });
        group.bench_function(BenchmarkId::new("check", size), |b| {
            b.iter(|| {
                let design = compile(input(&text), &MemoryLoader::default(), &Limits::default())
                    .design
                    .expect("resolves");
                black_box(analysis::check(&design, &Config::default()).findings.len())
            })
        });
        group.finish();
    }
    std::fs::remove_dir_all(&dir).ok();
}

criterion_group!(benches, bench_stages);
criterion_main!(benches);
