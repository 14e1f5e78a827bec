//! Hostile designs: inputs built to make `hld` spend time or memory out of
//! proportion to their size (issue 10, item 4). Each is small enough to be a
//! plausible pull request, and each once cost tens of seconds or gigabytes.
//! The integration tests run them (tests/it/bounds.rs) and docs/performance.md,
//! "Hostile inputs", measures them with `cargo run --release --example
//! hostile -- NAME`.
//!
//! Deterministic: the same arguments give the same text, byte for byte.
#![allow(dead_code)]

use std::fmt::Write;

/// The names [`by_name`] knows, with what each one holds.
pub const NAMES: &[(&str, &str)] = &[
    (
        "unknown-references",
        "20,000 components and 5,000 flows naming misspelt components (did-you-mean over every id)",
    ),
    (
        "long-ids",
        "1,000 components with 300-character ids and 200 flows naming misspelt ones",
    ),
    (
        "explain-chain",
        "a chain of 999 services and 600 flows along it (`hld explain`)",
    ),
    (
        "duplicate-links",
        "one 10 MB line `a -> b -> a -> ...`: 2 million duplicate links",
    ),
    ("many-warnings", "200,000 unreachable services: 200,000 warnings"),
];

/// The design called `name` at its full size (the sizes of the issue), or
/// `None` for an unknown name.
pub fn by_name(name: &str) -> Option<String> {
    Some(match name {
        "unknown-references" => unknown_references(20_000, 5_000),
        "long-ids" => long_ids(1_000, 200, 300),
        "explain-chain" => explain_chain(999, 600),
        "duplicate-links" => duplicate_links(10 * 1024 * 1024),
        "many-warnings" => many_warnings(200_000),
        _ => return None,
    })
}

/// `components` services with ids of the same length, and `flows` flows of
/// two hops each naming two misspelt ids (a letter dropped, two swapped), so
/// every candidate is within the edit-distance bound of every reference.
pub fn unknown_references(components: usize, flows: usize) -> String {
    let mut out = String::with_capacity(components * 30 + flows * 90);
    out.push_str("system unknown_references {\n  client users { rps = 100 }\n");
    for i in 0..components {
        let _ = writeln!(out, "  service component_{i:06}");
    }
    for i in 0..flows {
        let a = (i * 7) % components;
        let b = (i * 13 + 1) % components;
        let _ = writeln!(
            out,
            "  flow f{i} {{ path = users -> compnent_{a:06} -> cmoponent_{b:06} }}"
        );
    }
    out.push_str("}\n");
    out
}

/// `components` services whose ids are `length` characters long and differ
/// only in their last characters, and `references` flows that each name a
/// misspelt one: the edit distance to every candidate is small, so no
/// length or prefix test rules any out.
pub fn long_ids(components: usize, references: usize, length: usize) -> String {
    let stem = "x".repeat(length.saturating_sub(10));
    let mut out = String::with_capacity((components + references) * (length + 40));
    out.push_str("system long_ids {\n  client users { rps = 100 }\n");
    for i in 0..components {
        let _ = writeln!(out, "  service {stem}{i:010}");
    }
    for i in 0..references {
        let target = (i * 31) % components.max(1);
        // One letter changed in the stem, near its middle.
        let mut misspelt = stem.clone();
        let middle = misspelt.len() / 2;
        misspelt.replace_range(middle..middle + 1, "y");
        let _ = writeln!(out, "  flow f{i} {{ path = users -> {misspelt}{target:010} }}");
    }
    out.push_str("}\n");
    out
}

/// A client, a chain of `services` services (each calls the next), and
/// `flows` flows, each along the whole chain.
pub fn explain_chain(services: usize, flows: usize) -> String {
    let mut path = String::from("users");
    for i in 0..services {
        let _ = write!(path, " -> s{i}");
    }
    let mut out = String::with_capacity(flows * (path.len() + 40) + services * 40);
    out.push_str("system chain {\n  client users { rps = 1k }\n");
    for i in 0..services {
        let _ = writeln!(out, "  service s{i} {{ replicas = 2 }}");
    }
    let _ = writeln!(out, "  {path}");
    for i in 0..flows {
        let _ = writeln!(out, "  flow f{i} {{ rps = 1, path = {path} }}");
    }
    out.push_str("}\n");
    out
}

/// Two services and one link declaration `a -> b -> a -> ...` of about
/// `bytes` bytes on a single line: every link after the first two is a
/// duplicate, each an error.
pub fn duplicate_links(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 100);
    out.push_str("system duplicates {\n  service a\n  service b\n  a");
    let mut next_is_b = true;
    while out.len() < bytes {
        out.push_str(if next_is_b { " -> b" } else { " -> a" });
        next_is_b = !next_is_b;
    }
    out.push_str("\n}\n");
    out
}

/// A client and `count` services no client reaches: one
/// `unreachable-component` warning each.
pub fn many_warnings(count: usize) -> String {
    let mut out = String::with_capacity(count * 20 + 100);
    out.push_str("system warnings {\n  client users { rps = 100 }\n  service api\n  users -> api\n");
    for i in 0..count {
        let _ = writeln!(out, "  service s{i}");
    }
    out.push_str("}\n");
    out
}
