//! `hld fmt` (issue 15): every bundled design (examples, `hld init`
//! templates, test fixtures, the shared conformance examples) round-trips:
//! formatting is idempotent, keeps every comment, and changes no finding
//! and no figure. Messy inputs have snapshots; the command line's modes
//! (`--check`, `--diff`, in place, standard input, directories, syntax
//! errors) are run for real.

use std::path::{Path, PathBuf};

use crate::common::{self, run, run_with_stdin};
use hld::analysis::{self, Config};
use hld::model::load::{self, Compilation, Input, Limits};
use hld::syntax::fmt::{FormatError, format};

fn bundled_designs() -> Vec<PathBuf> {
    let repo = common::repo();
    let mut dirs = vec![repo.join("examples"), repo.join("templates/init")];
    let mut pending = vec![repo.join("tests/fixtures")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            }
        }
        dirs.push(dir);
    }
    if let Some(shared) = common::shared_examples() {
        dirs.push(shared.join("trees"));
        dirs.push(shared.join("invalid"));
        dirs.push(shared);
    }
    let mut files: Vec<PathBuf> = dirs.iter().flat_map(|dir| common::hld_files(dir)).collect();
    files.sort();
    files
}

fn compile(path: &Path, text: &str) -> Compilation {
    let input = Input {
        name: path.display().to_string(),
        path: Some(path.to_path_buf()),
        key: std::fs::canonicalize(path).ok(),
        bytes: text.as_bytes().to_vec(),
    };
    load::compile(input, &hld::cli::fs::FsLoader, &Limits::default())
}

/// What a design says, wherever its text sits: every error and finding
/// (rule, subject, message, help) and every figure of `hld estimate`.
fn meaning(path: &Path, text: &str) -> String {
    let compilation = compile(path, text);
    let mut out: Vec<String> = compilation
        .diagnostics
        .iter()
        .map(|diagnostic| {
            format!(
                "{} {:?} {} {:?}",
                diagnostic.code, diagnostic.subject, diagnostic.message, diagnostic.help
            )
        })
        .collect();
    if let Some(design) = &compilation.design {
        let analysis = analysis::check(design, &Config::default());
        out.extend(analysis.findings.iter().map(|finding| {
            format!(
                "{} {:?} {} {:?}",
                finding.code, finding.subject, finding.message, finding.help
            )
        }));
        let estimates = hld::estimate::estimate(design, None);
        out.push(hld::emit::estimate::json(design, &estimates));
    }
    out.join("\n")
}

/// Every comment of a text, in order, as the formatter's lexer sees them
/// (trailing spaces aside).
fn comments(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut idx = 0;
    while idx < bytes.len() {
        match bytes[idx] {
            b'"' => {
                idx += 1;
                while idx < bytes.len() && !matches!(bytes[idx], b'"' | b'\n') {
                    idx += if bytes[idx] == b'\\' { 2 } else { 1 };
                }
                idx += 1;
            }
            b'/' if text[idx..].starts_with("//") => {
                let end = text[idx..].find('\n').map_or(text.len(), |end| idx + end);
                found.push(text[idx..end].trim_end().to_string());
                idx = end;
            }
            b'/' if text[idx..].starts_with("/*") => {
                let end = text[idx + 2..].find("*/").map_or(text.len(), |end| idx + end + 4);
                let comment: Vec<&str> = text[idx..end].lines().map(str::trim_end).collect();
                found.push(comment.join("\n"));
                idx = end;
            }
            _ => idx += 1,
        }
    }
    found
}

#[test]
fn every_bundled_design_round_trips() {
    let designs = bundled_designs();
    assert!(designs.len() > 50, "found {} designs", designs.len());
    let mut formatted_count = 0;
    for path in &designs {
        let text = std::fs::read_to_string(path).unwrap();
        let formatted = match format(&text) {
            Ok(formatted) => formatted,
            Err(FormatError::Syntax) => {
                // Left alone: the parser reports the errors.
                assert!(
                    !load::syntax_diagnostics(hld::source::FileId(0), &text).is_empty(),
                    "{}",
                    path.display()
                );
                continue;
            }
            Err(error) => panic!("{}: {error:?}", path.display()),
        };
        formatted_count += 1;
        assert_eq!(
            format(&formatted).as_ref(),
            Ok(&formatted),
            "{} is not idempotent",
            path.display()
        );
        assert_eq!(
            comments(&formatted),
            comments(&text),
            "{} lost a comment",
            path.display()
        );
        assert!(
            formatted
                .lines()
                .all(|line| !line.ends_with(' ') && !line.contains('\t')),
            "{}",
            path.display()
        );
        let (before, after) = (meaning(path, &text), meaning(path, &formatted));
        assert!(
            before == after,
            "{}: formatting changed a finding or a figure",
            path.display()
        );
    }
    assert!(formatted_count > 50);
}

#[test]
fn messy_inputs() {
    let cases = [
        (
            "crammed",
            "system shop \"Shop\" { slo { availability = 99.9%,p99=300ms }\nclient web{rps=2k}\nservice api{replicas=2,capacity=1k/s}\ndatabase db:postgres{replication=primary_replica{replicas=2,mode=async,failover=auto},size=2TB,shard=hash{key=user_id,count=16}}\nweb->api->db{op=read_write}\nflow buy \"POST /buy\" {path=web->api->db\nrps=500,slo={p99=200ms}}\n}\n",
        ),
        (
            "comments_everywhere",
            "// Shop, as drawn on the whiteboard.\n\n\n\n/* owner: payments */ system shop { // the one system\n\n  // Entry points\n  client web { rps = 2k }   // peak\n  service api {\n    replicas = 2, // two zones\n    capacity = 1k/s\n    // more to come\n  }\n\n\n\n  database db : postgres /* managed later */\n  web -> api -> db\n  /* trailing\n     block */\n}\n// end\n",
        ),
        (
            "long_lines",
            "system s {\n  client users { rps = 50k }\n  service timeline_service \"Builds the home timeline from the follow graph\" { replicas = 12, capacity = 5k/s, latency = 4ms, allow = [missing-rate-limit, deep-sync-chain] }\n  users -> timeline_service\n  flow read { path = users -> timeline_service, rps = 40k, slo = { p99 = 200ms } }\n}\n",
        ),
        (
            "regions_and_calls",
            "system g {\nregion us_east { service api_us { role = api } }\nregion eu { service api_eu { role = api } }\nrtt us_east<->eu=80ms\n  client u\n  u -> api_us\n  flow f {\n    path = u -> api_us\n    parallel { call api_us -> api_eu { requires = strong }, call api_us -> api_eu }\n  }\n}\n",
        ),
        (
            "tabs_and_crlf",
            "system s {\r\n\tclient u {\trps = 10 }\r\n\r\n\r\n\tservice a\r\n\tu -> a\r\n}\r\n",
        ),
    ];
    for (name, text) in cases {
        let formatted = format(text).unwrap_or_else(|error| panic!("{name}: {error:?}"));
        assert_eq!(format(&formatted).as_ref(), Ok(&formatted), "{name}");
        assert_eq!(comments(&formatted), comments(text), "{name}");
        insta::assert_snapshot!(format!("fmt_{name}"), formatted);
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hld-fmt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const MESSY: &str = "system s {\nclient u{rps=10}\nservice a // the api\nu->a\n}\n";
const TIDY: &str = "system s {\n  client u { rps = 10 }\n  service a // the api\n  u -> a\n}\n";

#[test]
fn the_command_line_modes() {
    let dir = scratch("modes");
    let messy = dir.join("messy.hld");
    let tidy = dir.join("sub/tidy.hld");
    std::fs::create_dir_all(tidy.parent().unwrap()).unwrap();
    std::fs::write(&messy, MESSY).unwrap();
    std::fs::write(&tidy, TIDY).unwrap();
    let dir_arg = dir.display().to_string();

    // --check: names the file that would change, changes nothing, exit 1.
    let checked = run(&["fmt", "--check", &dir_arg]);
    assert_eq!(checked.code, 1, "{}", checked.stderr);
    assert_eq!(checked.stdout.trim(), messy.display().to_string());
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), MESSY);

    // --diff: a unified diff, nothing written.
    let diffed = run(&["fmt", "--diff", &messy.display().to_string()]);
    assert_eq!(diffed.code, 0, "{}", diffed.stderr);
    assert!(
        diffed.stdout.contains("@@") && diffed.stdout.contains("+  client u { rps = 10 }"),
        "{}",
        diffed.stdout
    );
    assert!(diffed.stdout.contains("-client u{rps=10}"), "{}", diffed.stdout);
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), MESSY);

    // In place: rewritten; the tidy one untouched; then --check passes.
    let written = run(&["fmt", &dir_arg]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), TIDY);
    assert_eq!(std::fs::read_to_string(&tidy).unwrap(), TIDY);
    assert_eq!(run(&["fmt", "--check", &dir_arg]).code, 0);

    // Standard input to standard output.
    let piped = run_with_stdin(&["fmt", "-"], MESSY.as_bytes());
    assert_eq!((piped.code, piped.stdout.as_str()), (0, TIDY));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_with_syntax_errors_is_left_alone() {
    let dir = scratch("syntax");
    let broken = dir.join("broken.hld");
    let text = "system s {\n  service a { replicas = = 2 }\n}\n";
    std::fs::write(&broken, text).unwrap();
    let result = run(&["fmt", &broken.display().to_string()]);
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(result.stderr.contains("broken.hld:2:"), "{}", result.stderr);
    assert!(result.stderr.contains("not formatted"), "{}", result.stderr);
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), text);
    let missing = run(&["fmt", &dir.join("missing.hld").display().to_string()]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("help:"), "{}", missing.stderr);
    let binary = dir.join("binary.hld");
    std::fs::write(&binary, b"system s {\n  client \xff\n}\n").unwrap();
    let refused = run(&["fmt", &binary.display().to_string()]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("offset 20 (line 2)"), "{}", refused.stderr);
    assert_eq!(std::fs::read(&binary).unwrap(), b"system s {\n  client \xff\n}\n");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `hld init` writes designs already in the canonical layout: `hld fmt
/// --check` passes on a fresh start.
#[test]
fn the_init_templates_are_laid_out() {
    for template in hld::init::TEMPLATES {
        assert_eq!(
            format(template.text).as_deref(),
            Ok(template.text),
            "templates/init/{}.hld: run `hld fmt templates/init/`",
            template.name
        );
    }
}
