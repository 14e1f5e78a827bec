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

    /// `hld fmt` on any text: no panic; a text that parses gets a layout
    /// with the same syntax tree (`format` checks), stable when formatted
    /// again; one that does not is left alone.
    #[test]
    fn formatting_any_text_keeps_its_meaning(tokens in prop::collection::vec(token(), 0..200)) {
        use hld::syntax::fmt::{FormatError, format};
        let text: String = tokens.concat();
        match format(&text) {
            Ok(formatted) => prop_assert_eq!(format(&formatted), Ok(formatted.clone()), "{:?}", text),
            Err(FormatError::Syntax) => {}
            Err(error) => prop_assert!(false, "{:?}: {:?}", text, error),
        }
    }

    /// A real design with comments, line breaks and blank space slipped in
    /// where a space was: formatting never changes its syntax tree.
    #[test]
    fn formatting_a_design_with_trivia_slipped_in_keeps_its_meaning(
        inserts in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(vec![" ", "\t", "\n", "\n\n\n", "/* c */", "/* a\n  b */", "// c\n", ","])), 0..40)
    ) {
        use hld::syntax::fmt::{FormatError, format};
        let base = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/url_shortener.hld")).unwrap();
        let spaces: Vec<usize> = base.match_indices(' ').map(|(idx, _)| idx).collect();
        let mut at: Vec<(usize, &str)> = inserts.iter().map(|(index, text)| (spaces[index.index(spaces.len())], *text)).collect();
        at.sort_by_key(|b| std::cmp::Reverse(b.0));
        let mut text = base.clone();
        for (idx, insert) in at {
            text.insert_str(idx, insert);
        }
        match format(&text) {
            Ok(formatted) => prop_assert_eq!(format(&formatted), Ok(formatted.clone()), "{:?}", text),
            Err(FormatError::Syntax) => {}
            Err(error) => prop_assert!(false, "{:?}: {:?}", text, error),
        }
    }

    #[test]
    fn valid_system_with_random_tail_never_panics(tail in prop::collection::vec(token(), 0..60)) {
        let text = format!("system s {{\n  client users {{ rps = 10 }}\n  service api\n  {}\n}}\n", tail.concat());
        let _ = compile_bytes(text.into_bytes());
    }
}
