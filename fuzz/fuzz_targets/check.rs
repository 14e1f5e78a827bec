//! Parse, resolve and check arbitrary bytes: no input may panic, hang or
//! blow the stack. Run with `cargo fuzz run -s none check` (stable Rust;
//! see docs/performance.md, "Robustness").
#![no_main]

use hld::analysis::{self, Config};
use hld::model::load::{Input, Limits, MemoryLoader, compile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = Input {
        name: "fuzz.hld".to_string(),
        path: None,
        key: None,
        bytes: data.to_vec(),
    };
    let compilation = compile(input, &MemoryLoader::default(), &Limits::default());
    if let Some(design) = &compilation.design {
        let _ = analysis::check(design, &Config::default());
    }
});
