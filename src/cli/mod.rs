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

mod baseline;
mod check;
mod compose;
mod diagram;
mod diff;
mod estimate;
mod explain;
mod fmt;
pub mod fs;
mod git;
mod init;
mod lsp;
mod memory;
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
        after_help = "Examples:\n  hld check design.hld\n  hld check a.hld b.hld --format json\n  hld check design.hld --format sarif > hld.sarif\n  hld check design.hld --format github\n  hld check design.hld --format junit > hld-junit.xml\n  hld check design.hld --baseline hld-baseline.json\n  cat design.hld | hld check -\n\nExit codes: 0 no finding at or above fail_on, 1 findings at or above it, 2 input errors."
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
    /// What a change to a design does: structure, findings new and fixed, figures before and after
    #[command(
        after_help = "Examples:\n  hld diff old.hld new.hld\n  hld diff git:HEAD~1 design.hld\n  hld diff git:origin/main design.hld --format markdown\n  hld diff git:main design.hld --format json\n\nExit codes: 0 the change passes, 1 it adds a finding at or above fail_on or turns an SLO from met to missed, 2 input errors."
    )]
    Diff(diff::DiffArgs),
    /// Latency, availability and load figures per flow and component
    #[command(
        after_help = "Examples:\n  hld estimate design.hld\n  hld estimate design.hld --flow read_timeline --format json\n  hld estimate design.hld --explain --flow read_timeline\n\nExit codes: 0 figures printed, 2 input errors."
    )]
    Estimate(estimate::EstimateArgs),
    /// Rewrite designs in the one canonical layout, keeping every comment
    #[command(
        after_help = "Examples:\n  hld fmt design.hld\n  hld fmt designs/\n  hld fmt --check designs/\n  hld fmt --diff design.hld\n  cat design.hld | hld fmt -\n\nExit codes: 0 formatted (or already formatted), 1 --check found files that would change, 2 syntax errors (the file is left alone) or unreadable files."
    )]
    Fmt(fmt::FmtArgs),
    /// Start a design from a classic interview question
    #[command(
        after_help = "Examples:\n  hld init --list\n  hld init --template chat designs\n  hld init\n\nWrites DIR/NAME.hld and never replaces an existing file.\nExit codes: 0 written (or listed), 2 an unknown template or a file that already exists (nothing is written)."
    )]
    Init(init::InitArgs),
    /// The interview walkthrough of the design to rehearse from (`--full`: the whole reference), in Markdown or HTML
    #[command(
        after_help = "Examples:\n  hld explain design.hld > design.md\n  hld explain design.hld --full --format html -o design.html\n\nExit codes: 0 written, 2 input errors (nothing is written)."
    )]
    Explain(explain::ExplainArgs),
    /// A Language Server Protocol server on standard input and output, for editors
    #[command(
        after_help = "Editors start it themselves (docs/editors.md): VS Code through the hld extension, Neovim and Helix through their language-server settings.\n\nExit codes: 0 after the client's shutdown, 1 an exit without shutdown, 2 a broken protocol stream."
    )]
    Lsp(lsp::LspArgs),
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
    /// Most bytes read for a design, all its imports included
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_size: u64,
    /// The directory every import (and a linked hld.yaml) must stay inside; default: the design's directory
    #[arg(long, value_name = "DIR")]
    pub import_root: Option<PathBuf>,
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
        Command::Diff(args) => diff::run(&args),
        Command::Estimate(args) => estimate::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Lsp(args) => lsp::run(&args),
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
    compile_keeping(path, args, Limits::default().max_errors_per_file)
}

/// [`compile`], keeping at most `max_errors` diagnostics per file (`hld
/// check --max-diagnostics`).
pub fn compile_keeping(path: &str, args: &InputArgs, max_errors: usize) -> Compilation {
    // The knowledge base (a YAML document parsed once, about 4 ms) is first
    // needed when resolving; parsing it on another thread meanwhile hides
    // it behind reading and parsing the design. `get` waits for it if the
    // design is resolved first.
    std::thread::spawn(|| {
        crate::knowledge::KnowledgeBase::get();
    });
    let design_path = (path != "-").then(|| Path::new(path));
    let root = match fs::import_root(args.import_root.as_deref(), design_path) {
        Ok(root) => root,
        Err(message) => {
            let name = if path == "-" { "<stdin>" } else { path };
            return if args.import_root.is_some() {
                unreadable(name, message, "pass an existing directory to --import-root")
            } else {
                // The design's own directory is missing: so is the design.
                unreadable(
                    name,
                    format!("cannot read {name}: {}", load::ReadError::NotFound),
                    "check the path; `-` reads the design from standard input",
                )
            };
        }
    };
    let limits = Limits {
        max_input_size: args.max_size,
        // HLD_THREADS=1 parses on one thread (for measurements).
        parse_threads: std::env::var("HLD_THREADS")
            .ok()
            .and_then(|threads| threads.parse().ok()),
        import_root: Some(root.clone()),
        max_errors_per_file: max_errors,
        ..Limits::default()
    };
    let (name, file_path, bytes) = if path == "-" {
        let bytes = fs::read_limited(std::io::stdin().lock(), args.max_size);
        ("<stdin>".to_string(), None, bytes)
    } else {
        (
            path.to_string(),
            Some(PathBuf::from(path)),
            fs::read_design(Path::new(path), &root, args.max_size),
        )
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(error) => {
            let help = match error {
                load::ReadError::OutsideRoot { .. } => {
                    "a design and everything it reads stay inside the import root: the design's directory, or --import-root DIR"
                }
                _ => "check the path; `-` reads the design from standard input",
            };
            return unreadable(&name, format!("cannot read {name}: {error}"), help);
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
    memory::release_freed();
    compilation
}

/// A compilation that failed before the design was read: one error, no design.
fn unreadable(name: &str, message: String, help: &str) -> Compilation {
    let mut sources = SourceMap::new();
    sources.add(name.to_string(), "");
    Compilation {
        sources,
        design: None,
        diagnostics: vec![Diagnostic::error(codes::IO_ERROR, message).with_help(help)],
        suppressed: Vec::new(),
    }
}

/// Compiles `text` as the design `path` names (`-`: standard input), with
/// its imports read from the disk: a fix's edited copy, never written.
pub fn compile_text(path: &str, args: &InputArgs, text: &str) -> Compilation {
    // The same import root as the design's own compilation: an edited copy
    // reads no more than the original may.
    let design_path = (path != "-").then(|| Path::new(path));
    let import_root = fs::import_root(args.import_root.as_deref(), design_path).ok();
    let limits = Limits {
        max_input_size: args.max_size,
        parse_threads: Some(1),
        import_root,
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
    let refuse = |sources: &mut SourceMap, message: String, help: &str| {
        sources.add(name.clone(), "");
        let error = Diagnostic::error(codes::IO_ERROR, message).with_help(help);
        Err((std::mem::take(sources), vec![error]))
    };
    let design = (design_path != "-").then(|| Path::new(design_path));
    let root = match fs::import_root(args.import_root.as_deref(), design) {
        Ok(root) => root,
        Err(message) => return refuse(&mut sources, message, "pass an existing directory to --import-root"),
    };
    let bytes = match fs::read_config(&path, &root, args.max_size) {
        Ok(bytes) => bytes,
        Err(error) => {
            let help = match error {
                load::ReadError::OutsideRoot { .. } => {
                    "hld.yaml may be a symbolic link only to a file inside the import root (the design's directory, or --import-root DIR)"
                }
                _ => "hld.yaml is a regular file of `rules:` and `fail_on:`; --config FILE names another",
            };
            return refuse(&mut sources, format!("cannot read {name}: {error}"), help);
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        // Not text, so not a configuration: its bytes are never shown.
        return refuse(
            &mut sources,
            format!("cannot read {name}: it is not UTF-8 text"),
            "save hld.yaml as UTF-8 text",
        );
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
            crate::emit::escape::visible(compilation.sources.name(*file))
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

/// Writes what an emitter rendered, as [`emit_text`]; a template that
/// failed to render is an internal error: one line naming the template,
/// exit 2, and nothing written (no output file is created or replaced).
pub fn emit_rendered(rendered: Result<String, crate::emit::RenderError>, output: Option<&Path>, force: bool) -> Exit {
    match rendered {
        Ok(text) => emit_text(&text, output, force),
        Err(error) => {
            print_error(&error.to_string());
            Exit::InputError
        }
    }
}

/// Prints `error: MESSAGE` on standard error.
pub fn print_error(message: &str) {
    // A path in the message may hold control characters.
    stdio::err(&format!("error: {}\n", crate::emit::escape::visible(message)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_that_fails_to_render_exits_2_and_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("hld-render-error-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chart.mmd");
        let _ = std::fs::remove_file(&path);
        let failed = crate::emit::rendered("flowchart.mmd", Err(askama::Error::Fmt));
        assert_eq!(emit_rendered(failed, Some(&path), false), Exit::InputError);
        assert!(!path.exists(), "a failed render wrote {}", path.display());
        let rendered = crate::emit::rendered("flowchart.mmd", Ok("%% generated by hld\nflowchart LR\n".to_string()));
        assert_eq!(emit_rendered(rendered, Some(&path), false), Exit::Ok);
        assert!(path.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
