//! The command line: parses arguments (clap), reads files, runs the
//! pipeline, prints, and picks the exit code. The only layer that does IO.
//!
//! Exit codes (cli.md): 0 success and no finding at or above `fail_on`; 1
//! findings at or above it; 2 unreadable, unparsable or unresolvable input,
//! or a wrong command line, or output that cannot be written (a closed pipe
//! ends quietly with 0 instead: `stdio`).
//!
//! Nothing here prints with `print!` or `eprint!` (they panic when the
//! stream is closed and hide errors): every byte goes through `stdio`.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod check;
mod compose;
mod diagram;
mod estimate;
mod explain;
pub mod fs;
mod init;
pub mod output;
mod rules;
pub mod stdio;
mod what_if;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::analysis::Config;
use crate::diagnostics::{Diagnostic, Severity, codes};
use crate::emit::human::{self, Style};
use crate::model::Design;
use crate::model::load::{self, Compilation, Input, Limits};
use crate::source::SourceMap;

/// Exit codes of every command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    Ok = 0,
    Findings = 1,
    InputError = 2,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

#[derive(Parser)]
#[command(
    name = "hld",
    version,
    about = "Compile and analyze high-level system designs",
    long_about = "hld compiles a system design (*.hld) into a graph, flags single points of failure, \
                  consistency mismatches and classic design mistakes, puts numbers on latency, \
                  availability and load, and emits diagrams and a runnable stack.",
    after_help = "Examples:\n  hld check examples/url_shortener.hld\n  hld check --format json design.hld\n  hld rules single-point-of-failure"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse, resolve and run every rule; print diagnostics
    #[command(
        after_help = "Examples:\n  hld check design.hld\n  hld check a.hld b.hld --format json\n  hld check design.hld --format sarif > hld.sarif\n  hld check design.hld --format github\n  cat design.hld | hld check -\n\nExit codes: 0 no finding at or above fail_on, 1 findings at or above it, 2 input errors."
    )]
    Check(check::CheckArgs),
    /// Write a runnable docker-compose stack for the design into DIR
    #[command(
        after_help = "Examples:\n  hld compose design.hld -o stack\n  hld compose design.hld -o stack --force\n\nExit codes: 0 written, 2 input errors or a directory hld will not write into (nothing is written)."
    )]
    Compose(compose::ComposeArgs),
    /// Draw the design: a Mermaid flowchart or sequence diagram, Graphviz DOT, SVG, or the resolved design as JSON
    #[command(
        after_help = "Examples:\n  hld diagram design.hld > design.mmd\n  hld diagram design.hld --format svg -o design.svg\n  hld diagram design.hld --flow read_timeline\n  hld diagram design.hld --group region\n  hld diagram design.hld --format dot -o design.dot\n  hld diagram design.hld --format json"
    )]
    Diagram(diagram::DiagramArgs),
    /// Latency, availability and load figures per flow and component
    #[command(
        after_help = "Examples:\n  hld estimate design.hld\n  hld estimate design.hld --flow read_timeline --format json\n  hld estimate design.hld --explain --flow read_timeline\n\nExit codes: 0 figures printed, 2 input errors."
    )]
    Estimate(estimate::EstimateArgs),
    /// Start a design from a classic interview question
    #[command(
        after_help = "Examples:\n  hld init --list\n  hld init --template chat designs\n  hld init\n\nWrites DIR/NAME.hld and never replaces an existing file.\nExit codes: 0 written (or listed), 2 an unknown template or a file that already exists (nothing is written)."
    )]
    Init(init::InitArgs),
    /// The interview walkthrough of the design, in Markdown or HTML
    #[command(
        after_help = "Examples:\n  hld explain design.hld > design.md\n  hld explain design.hld --format html -o design.html\n\nExit codes: 0 written, 2 input errors (nothing is written)."
    )]
    Explain(explain::ExplainArgs),
    /// What breaks, and what gets slower, when components fail or a region is cut off
    #[command(
        name = "what-if",
        after_help = "Examples:\n  hld what-if design.hld --fail lb\n  hld what-if design.hld --fail redis_cache,db --format json\n  hld what-if design.hld --partition us_east\n\nExit codes: 0 figures printed, 2 input errors or unknown ids."
    )]
    WhatIf(what_if::WhatIfArgs),
    /// List the rules, or print one rule's documentation
    #[command(after_help = "Examples:\n  hld rules\n  hld rules cap-mismatch")]
    Rules(rules::RulesArgs),
    /// Print shell completions
    #[command(
        after_help = "Examples:\n  hld completions bash > /etc/bash_completion.d/hld\n  hld completions zsh > ~/.zfunc/_hld"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Options every command that reads a design shares.
#[derive(clap::Args, Clone, Debug)]
pub struct InputArgs {
    /// An hld.yaml to use instead of the one beside the design
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Largest input file read, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_size: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout (exit 0), usage errors
            // to stderr; usage errors are exit code 2 as cli.md says.
            let stream = if error.use_stderr() {
                stdio::Stream::Stderr
            } else {
                stdio::Stream::Stdout
            };
            if let Err(write_error) = error.print() {
                stdio::record(stream, &write_error);
            }
            stdio::flush(stream);
            let exit = if error.use_stderr() { Exit::InputError } else { Exit::Ok };
            return stdio::finish(exit).into();
        }
    };
    let exit = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Compose(args) => compose::run(&args),
        Command::Diagram(args) => diagram::run(&args),
        Command::Estimate(args) => estimate::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::WhatIf(args) => what_if::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Completions { shell } => {
            // Into memory first: clap_complete panics when a write fails.
            let mut script = Vec::new();
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "hld", &mut script);
            stdio::write(stdio::Stream::Stdout, &script);
            Exit::Ok
        }
    };
    stdio::finish(exit).into()
}

/// How stderr reports look here.
pub fn stderr_style() -> Style {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.parse().ok())
        .unwrap_or(100);
    Style { color, width }
}

/// Reads a design (a path, or `-` for standard input) and compiles it.
/// An unreadable input is a compilation with one error and no design.
pub fn compile(path: &str, args: &InputArgs) -> Compilation {
    // The knowledge base (a YAML document parsed once, about 4 ms) is first
    // needed when resolving; parsing it on another thread meanwhile hides
    // it behind reading and parsing the design. `get` waits for it if the
    // design is resolved first.
    std::thread::spawn(|| {
        crate::knowledge::KnowledgeBase::get();
    });
    let limits = Limits {
        max_file_size: args.max_size,
        // HLD_THREADS=1 parses on one thread (for measurements).
        parse_threads: std::env::var("HLD_THREADS")
            .ok()
            .and_then(|threads| threads.parse().ok()),
        ..Limits::default()
    };
    let (name, file_path, bytes) = if path == "-" {
        let bytes = fs::read_limited(std::io::stdin().lock(), args.max_size);
        ("<stdin>".to_string(), None, bytes)
    } else {
        (
            path.to_string(),
            Some(PathBuf::from(path)),
            fs::read_bounded(Path::new(path), args.max_size),
        )
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(message) => {
            let mut sources = SourceMap::new();
            sources.add(name.clone(), "");
            return Compilation {
                sources,
                design: None,
                diagnostics: vec![
                    Diagnostic::error(codes::IO_ERROR, format!("cannot read {name}: {message}"))
                        .with_help("check the path; `-` reads the design from standard input"),
                ],
                suppressed: Vec::new(),
            };
        }
    };
    let key = file_path.as_deref().and_then(|path| std::fs::canonicalize(path).ok());
    let input = Input {
        name,
        path: file_path,
        key,
        bytes,
    };
    let compilation = load::compile(input, &fs::FsLoader, &limits);
    release_freed_memory();
    compilation
}

/// Compiles `text` as the design `path` names (`-`: standard input), with
/// its imports read from the disk: a fix's edited copy, never written.
pub fn compile_text(path: &str, args: &InputArgs, text: &str) -> Compilation {
    let limits = Limits {
        max_file_size: args.max_size,
        parse_threads: Some(1),
        ..Limits::default()
    };
    let (name, file_path) = if path == "-" {
        ("<stdin>".to_string(), None)
    } else {
        (path.to_string(), Some(PathBuf::from(path)))
    };
    let key = file_path.as_deref().and_then(|path| std::fs::canonicalize(path).ok());
    let input = Input {
        name,
        path: file_path,
        key,
        bytes: text.as_bytes().to_vec(),
    };
    load::compile(input, &fs::FsLoader, &limits)
}

/// Hands the syntax tree's freed pages back to the operating system before
/// analysis starts. glibc keeps freed memory in its heap; without this a
/// 100,000-component design peaks at the tree plus the analysis instead of
/// the design plus the analysis (docs/performance.md, "Memory").
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_freed_memory() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it
    // takes no pointers and is safe to call at any time.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_freed_memory() {}

/// The configuration for a design: `--config`, else hld.yaml beside it.
/// Errors come with their own source map to render them.
pub fn load_config(design_path: &str, args: &InputArgs) -> Result<Config, (SourceMap, Vec<Diagnostic>)> {
    let path = match &args.config {
        Some(path) => Some(path.clone()),
        None if design_path == "-" => fs::config_beside(None),
        None => fs::config_beside(Some(Path::new(design_path))),
    };
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let name = path.to_string_lossy().to_string();
    let mut sources = SourceMap::new();
    let text = match fs::read_bounded(&path, args.max_size) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(message) => {
            sources.add(name.clone(), "");
            let error = Diagnostic::error(codes::IO_ERROR, format!("cannot read {name}: {message}"));
            return Err((sources, vec![error]));
        }
    };
    let file = sources.add(name, text.clone());
    Config::parse(file, &text).map_err(|errors| (sources, errors))
}

/// Loads the configuration only to report its errors (exit 2).
pub fn validate_config(design_path: &str, args: &InputArgs) -> Result<Config, Exit> {
    load_config(design_path, args).map_err(|(sources, errors)| {
        print_human(&errors, &sources);
        Exit::InputError
    })
}

/// The configuration of a compiled design, with the design's `allow` lists
/// checked against the rule names. Either wrong is an input error (printed;
/// exit 2), for every command, whether or not it runs the rules.
pub fn validate(design: &Design, compilation: &Compilation, path: &str, input: &InputArgs) -> Result<Config, Exit> {
    let config = validate_config(path, input)?;
    let errors = crate::analysis::unknown_allowed_rules(design);
    if !errors.is_empty() {
        print_human(&errors, &compilation.sources);
        return Err(Exit::InputError);
    }
    Ok(config)
}

/// Runs every rule on a compiled design after [`validate`].
pub fn analyze(
    design: &Design,
    compilation: &Compilation,
    path: &str,
    input: &InputArgs,
) -> Result<Vec<Diagnostic>, Exit> {
    let config = validate(design, compilation, path, input)?;
    Ok(crate::analysis::check(design, &config).findings)
}

/// `--flow NAME` names no flow of the design.
pub fn unknown_flow(design: &Design, name: &str) -> Diagnostic {
    let names = || design.flows.iter().map(|flow| flow.id.as_str());
    let help = crate::diagnostics::did_you_mean_help(name, names()).unwrap_or_else(|| {
        let all: Vec<&str> = names().collect();
        if all.is_empty() {
            "the design declares no flow".to_string()
        } else {
            format!("the flows are: {}", all.join(", "))
        }
    });
    Diagnostic::error(codes::UNKNOWN_REFERENCE, format!("unknown flow `{name}`")).with_help(help)
}

/// Prints diagnostics in the human format to stderr.
pub fn print_human(diagnostics: &[Diagnostic], sources: &SourceMap) {
    let style = stderr_style();
    for diagnostic in diagnostics {
        if stdio::failed() {
            break;
        }
        stdio::err(&human::render(diagnostic, sources, style));
    }
}

/// Prints the input errors of a failed compilation (for every command but
/// `check`, which prints them in its own format).
pub fn report_input_errors(compilation: &Compilation) -> Exit {
    print_human(&compilation.diagnostics, &compilation.sources);
    print_suppressed(compilation);
    Exit::InputError
}

pub fn print_suppressed(compilation: &Compilation) {
    for (file, count) in &compilation.suppressed {
        stdio::err(&format!(
            "... and {count} more diagnostics in {} (at most 100 per file are shown)\n",
            compilation.sources.name(*file)
        ));
    }
}

/// Whether any diagnostic is at or above `fail_on`.
pub fn fails(diagnostics: &[Diagnostic], fail_on: Severity) -> bool {
    diagnostics.iter().any(|diagnostic| diagnostic.severity >= fail_on)
}

/// Prints `text` to stdout, or writes it to `output` (atomically, never over
/// a file hld did not write unless `force`). A run that already failed to
/// print (a closed pipe, a full disk) writes no file.
pub fn emit_text(text: &str, output: Option<&Path>, force: bool) -> Exit {
    // `-o -` is standard output, as `-` is standard input for designs.
    let output = output.filter(|path| path.as_os_str() != "-");
    match output {
        None => {
            stdio::out(text);
            Exit::Ok
        }
        Some(_) if stdio::failed() => Exit::InputError,
        Some(path) => match output::write_file(path, text.as_bytes(), force) {
            Ok(()) => Exit::Ok,
            Err(message) => {
                print_error(&message);
                Exit::InputError
            }
        },
    }
}

/// Prints `error: MESSAGE` on standard error.
pub fn print_error(message: &str) {
    stdio::err(&format!("error: {message}\n"));
}
