//! `hld check FILE...`: compile each design, run the rules, print the
//! diagnostics in the chosen format, exit 0, 1 or 2.

use clap::ValueEnum;

use super::{Exit, InputArgs, stdio};
use crate::analysis;
use crate::analysis::rules::RULES;
use crate::diagnostics::{self, Diagnostic, Summary};
use crate::emit::{github, human, json, sarif};
use crate::source::SourceMap;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Design files; `-` reads standard input
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
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
    let checked: Vec<Checked> = args
        .files
        .iter()
        .enumerate()
        .map(|(idx, file)| check_file(file, &args.input, idx + 1 == args.files.len()))
        .collect();
    let exit = checked.iter().map(|file| file.exit).max().unwrap_or(Exit::Ok);
    match args.format {
        CheckFormat::Human => {
            let mut summary = Summary::default();
            for file in &checked {
                super::print_human(&file.diagnostics, &file.sources);
                if file.suppressed > 0 {
                    stdio::err(&format!(
                        "... and {} more diagnostics in {} (at most 100 per file are shown)\n",
                        file.suppressed, file.name
                    ));
                }
                summary.merge(Summary::of(&file.diagnostics));
                // Past the cap are input errors only: counted, not shown.
                summary.errors += file.suppressed;
            }
            let files = if checked.len() == 1 {
                checked[0].name.clone()
            } else {
                format!("{} files", checked.len())
            };
            stdio::err(&format!("{files}: {}\n", human::summary_line(summary)));
        }
        CheckFormat::Json | CheckFormat::Sarif | CheckFormat::Github => {
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
                CheckFormat::Github => github::check_report(&files),
                _ => json::check_report(&files),
            };
            stdio::out(&report);
        }
    }
    exit
}

/// `last`: no file is checked after this one, so its design can be left to
/// the OS at exit.
fn check_file(path: &str, input: &InputArgs, last: bool) -> Checked {
    let name = if path == "-" {
        "<stdin>".to_string()
    } else {
        path.to_string()
    };
    let compilation = super::compile(path, input);
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
