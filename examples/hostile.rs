//! Writes one of the hostile designs of issue 10 to standard output
//! (benches/support/hostile.rs, shared with tests/it/bounds.rs), for the
//! measurements of docs/performance.md, "Hostile inputs".
//!
//! cargo run --release --example hostile -- unknown-references > /tmp/unknown.hld

#[path = "../benches/support/hostile.rs"]
mod hostile;

use std::io::Write;

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(text) = hostile::by_name(&name) else {
        eprintln!("usage: hostile NAME, where NAME is one of:");
        for (name, what) in hostile::NAMES {
            eprintln!("  {name:20} {what}");
        }
        std::process::exit(2);
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
