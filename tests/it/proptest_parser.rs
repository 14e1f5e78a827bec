//! Property tests: no input makes the parser or the resolver panic, and the
//! splitter agrees with pest about where declarations are.

use hld::model::load::{Input, Limits, MemoryLoader, compile};
use proptest::prelude::*;

fn compile_bytes(bytes: Vec<u8>) -> hld::model::load::Compilation {
    let input = Input {
        name: "fuzz.hld".to_string(),
        path: None,
        key: None,
        bytes,
    };
    compile(input, &MemoryLoader::default(), &Limits::default())
}

/// Tokens of the language, glued at random: closer to real input than
/// random bytes, so the parser gets deep into its rules.
fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "system",
        "region",
        "flow",
        "slo",
        "rtt",
        "import",
        "service",
        "database",
        "cache",
        "client",
        "queue",
        "worker",
        "cdn",
        "load_balancer",
        "gateway",
        "api",
        "db",
        "users",
        "{",
        "}",
        "[",
        "]",
        "=",
        "->",
        "<->",
        ",",
        ":",
        "\n",
        " ",
        "\"label\"",
        "\"",
        "\\",
        "3",
        "0.5",
        "5ms",
        "100/s",
        "99.9%",
        "20GB",
        "50k",
        "replicas",
        "path",
        "rps",
        "latency",
        "p50",
        "p99",
        "hit_ratio",
        "replication",
        "primary_replica",
        "quorum",
        "hash",
        "key",
        "count",
        "allow",
        "missing-rate-limit",
        "//",
        "/*",
        "*/",
        "true",
        "-",
        "%",
        "\u{FEFF}",
        "\r\n",
        "\t",
        "é",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = compile_bytes(bytes);
    }

    #[test]
    fn random_token_soup_never_panics(tokens in prop::collection::vec(token(), 0..200)) {
        let text: String = tokens.concat();
        let compilation = compile_bytes(text.into_bytes());
        // Every diagnostic points inside the file it names.
        for diagnostic in &compilation.diagnostics {
            if let Some(span) = diagnostic.span {
                let file = compilation.sources.get(span.file).expect("span file exists");
                prop_assert!(span.end as usize <= file.text.len());
                prop_assert!(file.text.is_char_boundary(span.start as usize));
            }
        }
    }

    #[test]
    fn valid_system_with_random_tail_never_panics(tail in prop::collection::vec(token(), 0..60)) {
        let text = format!("system s {{\n  client users {{ rps = 10 }}\n  service api\n  {}\n}}\n", tail.concat());
        let _ = compile_bytes(text.into_bytes());
    }
}
