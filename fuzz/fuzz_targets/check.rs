//! Parse, resolve and check arbitrary bytes, then run every command's work
//! on what resolves (estimate, every diagram format, explain, what-if,
//! compose; `tests/it/support/every_output.rs`). No input may panic, hang or
//! blow the stack. Run with `cargo fuzz run -s none check` (stable Rust;
//! see docs/security.md).
#![no_main]

#[path = "../../tests/it/support/every_output.rs"]
mod every_output;

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
    every_output::every_output(&compilation);
});
