//! `hld check FILE...`: compile each design, run the rules, print the
//! diagnostics in the chosen format, exit 0, 1 or 2.

use clap::ValueEnum;

use super::{Exit, InputArgs, stdio};
use crate::analysis;
use crate::analysis::baseline::Baseline;
use crate::analysis::rules::RULES;
use crate::diagnostics::{self, Diagnostic, Summary};
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
    let checked: Vec<Checked> = args
        .files
        .iter()
        .enumerate()
        .map(|(idx, file)| {
            check_file(
                file,
                &args.input,
                args.max_diagnostics,
                idx + 1 == args.files.len(),
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
    let exit = checked.iter().map(|file| file.exit).max().unwrap_or(Exit::Ok);
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
        "{count} more {} in {file} (at most {max} per file are shown; --max-diagnostics 0 shows them all)",
        if count == 1 { "diagnostic" } else { "diagnostics" }
    )
}

/// `last`: no file is checked after this one, so its design can be left to
/// the OS at exit. With a baseline, findings in it are left out (input
/// errors never are).
fn check_file(
    path: &str,
    input: &InputArgs,
    max_diagnostics: usize,
    last: bool,
    baseline: Option<&mut Baseline>,
) -> Checked {
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
    let compilation = super::compile_keeping(path, input, max_errors);
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
    let analysis = analysis::check(&design, &config);
    // After the last file the process ends soon; freeing 100,000
    // components one by one took 4% of a check (docs/performance.md). The
    // OS reclaims it at exit. Earlier files' designs are freed, so that
    // checking many files does not hold them all.
    if last {
        std::mem::forget(design);
    } else {
        drop(design);
    }
    let mut all = compilation.diagnostics;
    let has_input_errors = !analysis.errors.is_empty();
    all.extend(analysis.errors);
    all.extend(analysis.findings);
    diagnostics::sort(&mut all, &compilation.sources);
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
