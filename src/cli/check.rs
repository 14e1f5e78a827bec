//! `hld check FILE...`: compile each design, run the rules, print the
//! diagnostics in the chosen format, exit 0, 1 or 2. `--fix` first applies
//! the rules' verified fixes (`crate::fix`) to each file in place (`-`:
//! the fixed design on standard output), then reports what remains.

use clap::ValueEnum;

use super::{Exit, InputArgs, stdio};
use crate::analysis;
use crate::analysis::baseline::Baseline;
use crate::analysis::rules::RULES;
use crate::diagnostics::{self, Diagnostic, Summary, codes};
use crate::emit::{github, human, json, junit, sarif};
use crate::source::SourceMap;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Design files; `-` reads standard input
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// Report only findings not in FILE (a previous `--format json` output), matched by rule, subject and message
    #[arg(long, value_name = "FILE")]
    baseline: Option<std::path::PathBuf>,
    /// Most diagnostics shown per file in the human and github formats (the
    /// rest are counted); also the most input errors kept per file in every
    /// format. 0 shows them all. JSON and SARIF list every finding
    #[arg(long, value_name = "N", default_value_t = 100)]
    max_diagnostics: usize,
    /// Apply the verified fixes to each file in place (`-`: print the fixed
    /// design to standard output), print each change, then report what
    /// remains; a file with input errors is not written
    #[arg(long)]
    fix: bool,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    /// Source excerpts on standard error, then a summary line
    Human,
    /// One JSON document on standard output (its fields: docs/language.md, "Diagnostics")
    Json,
    /// SARIF 2.1.0 on standard output (GitHub code scanning)
    Sarif,
    /// GitHub Actions workflow commands (annotations) on standard output
    Github,
    /// JUnit XML on standard output: a test case per rule per file (GitLab, Jenkins)
    Junit,
}

/// One file's result.
struct Checked {
    name: String,
    sources: SourceMap,
    diagnostics: Vec<Diagnostic>,
    suppressed: usize,
    exit: Exit,
}

pub fn run(args: &CheckArgs) -> Exit {
    let mut baseline = match &args.baseline {
        Some(path) => match super::baseline::load(path, args.input.max_size) {
            Ok(baseline) => Some(baseline),
            Err(exit) => return exit,
        },
        None => None,
    };
    if args.fix && args.format != CheckFormat::Human && args.files.iter().any(|file| file == "-") {
        let error = Diagnostic::error(
            codes::USAGE_ERROR,
            "--fix - prints the fixed design to standard output, where the report would go too",
        )
        .with_help("leave out --format with `--fix -` (the report goes to standard error), or fix a file");
        super::print_human(&[error], &SourceMap::new());
        return Exit::InputError;
    }
    // Fixes are verified (one re-check each) only where they are shown or
    // applied, so a plain `hld check` costs what it did (docs/performance.md).
    let verify = args.fix || args.format == CheckFormat::Json;
    let mut fix_failed = false;
    let checked: Vec<Checked> = args
        .files
        .iter()
        .enumerate()
        .map(|(idx, file)| {
            let last = idx + 1 == args.files.len();
            let fixed = args.fix.then(|| fix_file(file, &args.input));
            if let Some(fixed) = &fixed {
                fix_failed |= fixed.failed;
            }
            let text = fixed.as_ref().and_then(|fixed| fixed.text.as_deref());
            check_file(
                file,
                &args.input,
                CheckOptions {
                    max_diagnostics: args.max_diagnostics,
                    last,
                    text,
                    verify,
                },
                baseline.as_mut(),
            )
        })
        .collect();
    // 0: no cap.
    let cap = if args.max_diagnostics == 0 {
        usize::MAX
    } else {
        args.max_diagnostics
    };
    let mut exit = checked.iter().map(|file| file.exit).max().unwrap_or(Exit::Ok);
    if fix_failed {
        exit = Exit::InputError;
    }
    match args.format {
        CheckFormat::Human => {
            let mut summary = Summary::default();
            for file in &checked {
                let shown = file.diagnostics.len().min(cap);
                super::print_human(&file.diagnostics[..shown], &file.sources);
                let not_shown = file.suppressed + (file.diagnostics.len() - shown);
                if not_shown > 0 {
                    stdio::err(&format!(
                        "... and {}\n",
                        not_shown_text(
                            not_shown,
                            &crate::emit::escape::visible(&file.name),
                            args.max_diagnostics
                        )
                    ));
                }
                summary.merge(Summary::of(&file.diagnostics));
                // Dropped while compiling are input errors only: counted,
                // not kept.
                summary.errors += file.suppressed;
            }
            let files = if checked.len() == 1 {
                // A file name may hold control characters too.
                crate::emit::escape::visible(&checked[0].name).into_owned()
            } else {
                format!("{} files", checked.len())
            };
            stdio::err(&format!("{files}: {}\n", human::summary_line(summary)));
        }
        CheckFormat::Json | CheckFormat::Sarif | CheckFormat::Github | CheckFormat::Junit => {
            let files: Vec<json::CheckedFile<'_>> = checked
                .iter()
                .map(|file| json::CheckedFile {
                    name: &file.name,
                    sources: &file.sources,
                    diagnostics: &file.diagnostics,
                    truncated: file.suppressed,
                })
                .collect();
            let report = match args.format {
                CheckFormat::Sarif => sarif::check_report(&files, RULES),
                CheckFormat::Github => {
                    // As many annotations per file as the human format
                    // shows, then one notice with the count of the rest.
                    let shown: Vec<json::CheckedFile<'_>> = files
                        .iter()
                        .map(|file| json::CheckedFile {
                            diagnostics: &file.diagnostics[..file.diagnostics.len().min(cap)],
                            ..*file
                        })
                        .collect();
                    let mut report = github::check_report(&shown);
                    for file in &files {
                        let not_shown = file.truncated + (file.diagnostics.len() - file.diagnostics.len().min(cap));
                        if not_shown > 0 {
                            report.push_str(&format!(
                                "::notice title=hld::{}\n",
                                not_shown_text(
                                    not_shown,
                                    &crate::emit::escape::visible(file.name),
                                    args.max_diagnostics
                                )
                            ));
                        }
                    }
                    report
                }
                CheckFormat::Junit => junit::check_report(&files),
                _ => json::check_report(&files),
            };
            stdio::out(&report);
        }
    }
    exit
}

/// `N more diagnostics in FILE (...)`: what the human and github formats
/// say about the diagnostics past the cap.
fn not_shown_text(count: usize, file: &str, max: usize) -> String {
    format!(
        "{} in {file} (at most {max} per file are shown; --max-diagnostics 0 shows them all)",
        crate::format::count(count, "more diagnostic")
    )
}

/// What `--fix` did to one file.
struct Fixed {
    /// The design's text after the fixes (to check what remains), `None`
    /// when the file could not be compiled (it is then checked as is).
    text: Option<String>,
    /// Writing the fixed file failed.
    failed: bool,
}

/// The most rounds of fixes `--fix` applies to one file (a fix can reveal a
/// finding another fixes; each round re-checks).
const FIX_ROUNDS: usize = 16;

/// Applies the verified fixes to one design, prints each change, and
/// writes the file (or, for `-`, prints the fixed design).
fn fix_file(path: &str, input: &InputArgs) -> Fixed {
    let compilation = super::compile(path, input);
    let Some(root) = compilation
        .sources
        .files()
        .next()
        .map(|(_, file)| file.text.to_string())
    else {
        return Fixed {
            text: None,
            failed: false,
        };
    };
    let unfixed = |text: String| Fixed {
        text: Some(text),
        failed: false,
    };
    if compilation.design.is_none() {
        // Input errors: nothing is written; the check reports them.
        return unfixed(root);
    }
    let Ok(config) = super::load_config(path, input) else {
        return unfixed(root);
    };
    let name = if path == "-" { "<stdin>" } else { path };
    let mut text = root.clone();
    let mut compilation = compilation;
    for _ in 0..FIX_ROUNDS {
        let Some(design) = compilation.design.as_ref() else {
            break;
        };
        let mut findings = analysis::check(design, &config).findings;
        diagnostics::sort(&mut findings, &compilation.sources);
        verify_fixes(path, input, &config, design, &compilation.sources, &mut findings);
        let Some(round) = choose_fixes(design, &compilation.sources, &findings) else {
            break;
        };
        let next = crate::fix::apply(&text, &round.edits);
        // The fixes together: verified one by one, so they rarely
        // interact; when they do, the round applies the first alone.
        let before: std::collections::BTreeSet<_> = findings.iter().map(crate::fix::key).collect();
        let together =
            crate::fix::recheck_findings(super::compile_text(path, input, &next), &config).is_some_and(|after| {
                let after: std::collections::BTreeSet<_> = after.iter().map(crate::fix::key).collect();
                after.is_subset(&before) && round.keys.iter().all(|key| !after.contains(key))
            });
        let (next, changes) = if together {
            (next, round.changes)
        } else {
            let first = round.first;
            (crate::fix::apply(&text, &first.0), vec![first.1])
        };
        let file = compilation.sources.get(crate::source::FileId(0));
        for (offset, line) in changes {
            let line_number = file.map_or(1, |file| file.line_col(offset as u32).0);
            stdio::err(&format!("{name}:{line_number}: {line}\n"));
        }
        text = next;
        compilation = super::compile_text(path, input, &text);
    }
    if text == root {
        if path == "-" {
            stdio::out(&text);
        }
        return unfixed(text);
    }
    if path == "-" {
        stdio::out(&text);
        return unfixed(text);
    }
    match super::output::write_file(std::path::Path::new(path), text.as_bytes(), true) {
        Ok(()) => unfixed(text),
        Err(message) => {
            let error = Diagnostic::error(codes::IO_ERROR, message).with_help(
                "nothing was changed: check that the file and its directory are writable and the disk has room",
            );
            super::print_human(&[error], &SourceMap::new());
            Fixed {
                text: Some(text),
                failed: true,
            }
        }
    }
}

/// One round of `--fix`: the text edits of the verified fixes that touch
/// distinct places, the changes to print (offset, words), the findings
/// they clear, and the first fix alone.
struct Round {
    edits: Vec<crate::fix::TextEdit>,
    changes: Vec<(usize, String)>,
    keys: Vec<crate::fix::Key>,
    first: (Vec<crate::fix::TextEdit>, (usize, String)),
}

fn choose_fixes(design: &crate::model::Design, sources: &SourceMap, findings: &[Diagnostic]) -> Option<Round> {
    /// One change: where, its words, the rules it fixes, its text edits.
    struct Chosen {
        offset: usize,
        words: String,
        codes: Vec<String>,
        edits: Vec<crate::fix::TextEdit>,
    }
    let mut chosen: Vec<Chosen> = Vec::new();
    let mut keys = Vec::new();
    let mut places: Vec<(crate::model::Target, &str)> = Vec::new();
    for finding in findings {
        let Some(fix) = finding.verified_fix() else {
            continue;
        };
        let Some(fix_edits) = crate::fix::text_edits(design, sources, crate::source::FileId(0), fix) else {
            continue;
        };
        // The same fix asked for by several findings: once, with each rule.
        if let Some(same) = chosen.iter_mut().find(|change| change.edits == fix_edits) {
            if !same.codes.contains(&finding.code) {
                same.codes.push(finding.code.clone());
            }
            keys.push(crate::fix::key(finding));
            continue;
        }
        let overlaps = |new: &crate::fix::TextEdit, old: &crate::fix::TextEdit| {
            new.start < old.end.max(old.start + 1) && old.start < new.end.max(new.start + 1)
        };
        let clashes = fix
            .edits
            .iter()
            .any(|edit| places.contains(&(edit.target, property_root(edit.property))))
            || fix_edits.iter().any(|new| {
                chosen
                    .iter()
                    .flat_map(|change| &change.edits)
                    .any(|old| overlaps(new, old))
            });
        if clashes {
            continue;
        }
        places.extend(fix.edits.iter().map(|edit| (edit.target, property_root(edit.property))));
        chosen.push(Chosen {
            offset: fix_edits.first().map_or(0, |edit| edit.start),
            words: fix.describe(),
            codes: vec![finding.code.clone()],
            edits: fix_edits,
        });
        keys.push(crate::fix::key(finding));
    }
    let line = |change: &Chosen| {
        (
            change.offset,
            format!("{} (fixes {})", change.words, change.codes.join(", ")),
        )
    };
    let first = chosen.first().map(|change| (change.edits.clone(), line(change)))?;
    let mut edits: Vec<crate::fix::TextEdit> = chosen.iter().flat_map(|change| change.edits.iter().cloned()).collect();
    edits.sort_by_key(|edit| (edit.start, edit.end));
    Some(Round {
        edits,
        changes: chosen.iter().map(line).collect(),
        keys,
        first,
    })
}

/// `replication` for `replication.failover`: edits of one block clash.
fn property_root(property: &str) -> &str {
    property.split_once('.').map_or(property, |(root, _)| root)
}

/// Marks the fixes of `findings` that a re-check of the edited design
/// confirms (`crate::fix::verify`).
fn verify_fixes(
    path: &str,
    input: &InputArgs,
    config: &analysis::Config,
    design: &crate::model::Design,
    sources: &SourceMap,
    findings: &mut [Diagnostic],
) {
    let recheck = |text: &str| crate::fix::recheck_findings(super::compile_text(path, input, text), config);
    crate::fix::verify(design, sources, crate::source::FileId(0), findings, &recheck);
}

/// How one file is checked.
struct CheckOptions<'t> {
    /// `hld check --max-diagnostics` (0: no cap).
    max_diagnostics: usize,
    /// No file is checked after this one, so its design can be left to the
    /// OS at exit.
    last: bool,
    /// The design's text when `--fix` read (and fixed) it already.
    text: Option<&'t str>,
    /// Mark the fixes a re-check confirms (JSON, `--fix`).
    verify: bool,
}

/// Checks one file. With a baseline, findings in it are left out (input
/// errors never are).
fn check_file(path: &str, input: &InputArgs, options: CheckOptions<'_>, baseline: Option<&mut Baseline>) -> Checked {
    let CheckOptions {
        max_diagnostics,
        last,
        text,
        verify,
    } = options;
    let name = if path == "-" {
        "<stdin>".to_string()
    } else {
        path.to_string()
    };
    let max_errors = if max_diagnostics == 0 {
        usize::MAX
    } else {
        max_diagnostics
    };
    let compilation = match text {
        Some(text) => super::compile_text(path, input, text),
        None => super::compile_keeping(path, input, max_errors),
    };
    let suppressed = compilation.suppressed.iter().map(|(_, count)| count).sum();
    let Some(design) = compilation.design else {
        return Checked {
            name,
            sources: compilation.sources,
            diagnostics: compilation.diagnostics,
            suppressed,
            exit: Exit::InputError,
        };
    };
    let config = match super::load_config(path, input) {
        Ok(config) => config,
        Err((config_sources, errors)) => {
            return Checked {
                name,
                sources: config_sources,
                diagnostics: errors,
                suppressed: 0,
                exit: Exit::InputError,
            };
        }
    };
    let recheck = |text: &str| crate::fix::recheck_findings(super::compile_text(path, input, text), &config);
    let recheck: Option<crate::api::Recheck<'_>> = if verify { Some(&recheck) } else { None };
    let report = crate::api::diagnose(&design, compilation.diagnostics, &compilation.sources, &config, recheck);
    // After the last file the process ends soon; freeing 100,000
    // components one by one took 4% of a check (docs/performance.md). The
    // OS reclaims it at exit. Earlier files' designs are freed, so that
    // checking many files does not hold them all.
    if last {
        std::mem::forget(design);
    } else {
        drop(design);
    }
    let has_input_errors = report.input_errors;
    let mut all = report.diagnostics;
    if let (Some(baseline), false) = (baseline, has_input_errors) {
        all = baseline.filter(all);
    }
    let exit = if has_input_errors {
        Exit::InputError
    } else if super::fails(&all, config.fail_on) {
        Exit::Findings
    } else {
        Exit::Ok
    };
    Checked {
        name,
        sources: compilation.sources,
        diagnostics: all,
        suppressed,
        exit,
    }
}
