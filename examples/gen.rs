//! Writes a generated design of any size to standard output: regions, load
//! balancer tiers, gateways, services, caches, sharded and replicated
//! databases, queues and workers, flows of 4 to 12 hops through caches
//! (benches/support/generator.rs, shared with the benchmarks).
//!
//! About half the flows are call trees; `--paths-only` writes the same design
//! with every flow cut down to its `path`, to measure what the trees cost.
//!
//! cargo run --release --example gen -- --components 100000 > big.hld

#[path = "../benches/support/generator.rs"]
mod generator;

use std::io::Write;

fn main() {
    let mut components = 10_000usize;
    let mut trees = true;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--components" | "-n" => {
                components = match args.next().and_then(|value| value.replace('_', "").parse().ok()) {
                    Some(count) => count,
                    None => {
                        eprintln!("error: --components takes a number, e.g. --components 10000");
                        std::process::exit(2);
                    }
                }
            }
            "--paths-only" => trees = false,
            "--help" | "-h" => {
                println!("usage: gen [--components N] [--paths-only]   (default 10000)");
                return;
            }
            other => {
                eprintln!("error: unknown argument `{other}`\nusage: gen [--components N] [--paths-only]");
                std::process::exit(2);
            }
        }
    }
    let text = generator::design_with(components, trees);
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
