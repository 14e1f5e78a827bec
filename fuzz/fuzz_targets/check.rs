//! Parse, resolve and check arbitrary bytes, then run every command's work
//! on what resolves (estimate, every diagram format, explain, what-if,
//! compose; `tests/it/support/every_output.rs`), and lay it out with `hld
//! fmt`, which must be stable and never reach its "layout changed the
//! syntax tree" refusal. No input may panic, hang or blow the stack. Run with `cargo fuzz run -s none check` (stable Rust;
//! see docs/security.md).
#![no_main]

#[path = "../../tests/it/support/every_output.rs"]
mod every_output;

use hld::model::load::{Input, Limits, MemoryLoader, compile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match hld::syntax::fmt::format(text) {
            Ok(formatted) => assert_eq!(hld::syntax::fmt::format(&formatted).as_ref(), Ok(&formatted)),
            Err(hld::syntax::fmt::FormatError::Syntax) => {}
            Err(error) => panic!("hld fmt: {error:?}"),
        }
    }
    let input = Input {
        name: "fuzz.hld".to_string(),
        path: None,
        key: None,
        bytes: data.to_vec(),
    };
    let compilation = compile(input, &MemoryLoader::default(), &Limits::default());
    every_output::every_output(&compilation);
});
