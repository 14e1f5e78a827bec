//! `hld diff OLD NEW [--format human|markdown|json]`: what a change to a
//! design does (cli.md "Additions"). Each side is a design file (`-` for
//! standard input) or `git:REF`, the other side's path at that revision
//! (`cli::git`), imports and `hld.yaml` read at that revision too. Both
//! sides are compiled, checked and estimated; `diff::compare` compares
//! them and `emit::diff` renders.
//!
//! Exit codes: 0 the change passes; 1 it adds a finding at or above
//! `fail_on` (the new side's `hld.yaml`, or `--config`) or turns an SLO from
//! met to missed; 2 either side cannot be read, parsed or resolved, or a
//! wrong command line.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::git::{GitLoader, Revision};
use super::{Exit, InputArgs, stdio};
use crate::analysis::{self, Config};
use crate::diagnostics::{self, Diagnostic, codes};
use crate::diff::{self, Side};
use crate::emit::diff::{self as render, Review};
use crate::estimate::{self, Estimates};
use crate::model::load::{self, Compilation, Input, Limits};
use crate::source::SourceMap;

#[derive(clap::Args)]
pub struct DiffArgs {
    /// The design before the change: a file, or git:REF (NEW's path at that git revision)
    #[arg(value_name = "OLD")]
    old: String,
    /// The design after the change: a file (`-` reads standard input), or git:REF (OLD's path at that revision)
    #[arg(value_name = "NEW")]
    new: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    /// A verdict line and plain-text sections
    Human,
    /// A pull-request comment: a verdict line, then tables
    Markdown,
    /// The JSON document of cli.md
    Json,
}

/// One side, compiled, checked and estimated.
struct Loaded {
    name: String,
    compilation: Compilation,
    config: Config,
    findings: Vec<Diagnostic>,
    estimates: Estimates,
}

pub fn run(args: &DiffArgs) -> Exit {
    let old = match load_side(&args.old, &args.new, &args.input) {
        Ok(loaded) => loaded,
        Err(exit) => return exit,
    };
    let new = match load_side(&args.new, &args.old, &args.input) {
        Ok(loaded) => loaded,
        Err(exit) => return exit,
    };
    let (Some(old_design), Some(new_design)) = (&old.compilation.design, &new.compilation.design) else {
        return Exit::InputError;
    };
    let (old_export, new_export) = (
        crate::emit::design_json::export_value(old_design),
        crate::emit::design_json::export_value(new_design),
    );
    let before = Side {
        export: &old_export,
        name: &old.name,
        design: old_design,
        sources: &old.compilation.sources,
        findings: &old.findings,
        estimates: &old.estimates,
    };
    let after = Side {
        export: &new_export,
        name: &new.name,
        design: new_design,
        sources: &new.compilation.sources,
        findings: &new.findings,
        estimates: &new.estimates,
    };
    let diff = diff::compare(&before, &after);
    let review = Review {
        diff: &diff,
        before: &before,
        after: &after,
        fail_on: new.config.fail_on,
    };
    let text = match args.format {
        DiffFormat::Human => render::human(&review),
        DiffFormat::Markdown => render::markdown(&review),
        DiffFormat::Json => render::json(&review),
    };
    stdio::out(&text);
    if diff.fails(&new.findings, new.config.fail_on) {
        Exit::Findings
    } else {
        Exit::Ok
    }
}

fn usage_error(message: String, help: &str) -> Exit {
    super::print_human(
        &[Diagnostic::error(codes::USAGE_ERROR, message).with_help(help)],
        &SourceMap::new(),
    );
    Exit::InputError
}

/// Compiles, checks and estimates one side; errors are printed (exit 2).
fn load_side(spec: &str, other: &str, input: &InputArgs) -> Result<Loaded, Exit> {
    let (name, compilation, config) = match spec.strip_prefix("git:") {
        Some(reference) => {
            if other.starts_with("git:") || other == "-" {
                return Err(usage_error(
                    format!("`{spec}` needs the design's path from the other side, but it is `{other}`"),
                    "name the design file on one side, as in `hld diff git:main design.hld`",
                ));
            }
            let (compilation, config) = compile_at(reference, Path::new(other), input)?;
            let name = compilation
                .sources
                .files()
                .next()
                .map(|(_, file)| file.name.to_string())
                .unwrap_or_else(|| format!("{reference}:{other}"));
            (name, compilation, config)
        }
        None => {
            let compilation = super::compile(spec, input);
            let Some(design) = &compilation.design else {
                return Err(super::report_input_errors(&compilation));
            };
            let config = super::validate(design, &compilation, spec, input)?;
            let name = if spec == "-" { "<stdin>" } else { spec };
            (name.to_string(), compilation, config)
        }
    };
    let Some(design) = &compilation.design else {
        return Err(super::report_input_errors(&compilation));
    };
    let analysis = analysis::check(design, &config);
    if !analysis.errors.is_empty() {
        super::print_human(&analysis.errors, &compilation.sources);
        return Err(Exit::InputError);
    }
    let mut findings: Vec<Diagnostic> = compilation.diagnostics.clone();
    findings.extend(analysis.findings);
    diagnostics::sort(&mut findings, &compilation.sources);
    let estimates = estimate::estimate(design, None);
    Ok(Loaded {
        name,
        compilation,
        config,
        findings,
        estimates,
    })
}

/// The design at `path` (a path of the work tree) at revision `reference`,
/// with its imports and its `hld.yaml` at that revision (`--config`, when
/// given, wins, as for a file).
fn compile_at(reference: &str, path: &Path, input: &InputArgs) -> Result<(Compilation, Config), Exit> {
    let refuse = |message: String| {
        usage_error(
            format!("cannot read `git:{reference}`: {message}"),
            "`git:REF` reads the other design's path at a revision of the repository it is in",
        )
    };
    let near = path.parent().unwrap_or(Path::new(""));
    let revision = Revision::open(reference, near).map_err(refuse)?;
    let relative = revision.relative(path).map_err(refuse)?;
    let root = match &input.import_root {
        Some(dir) => revision.relative_dir(dir).map_err(refuse)?,
        None => relative.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let name = format!("{reference}:{}", relative.to_string_lossy().replace('\\', "/"));
    let bytes = match revision.read(&relative, input.max_size) {
        Ok(bytes) => bytes,
        Err(error) => {
            return Err(usage_error(
                format!("cannot read {name}: {error}"),
                "check that the design exists at that revision (`git show REF:PATH`)",
            ));
        }
    };
    let limits = Limits {
        max_input_size: input.max_size,
        import_root: Some(root),
        ..Limits::default()
    };
    let loaded = Input {
        name,
        path: Some(relative.clone()),
        key: Some(relative.clone()),
        bytes,
    };
    let compilation = load::compile(loaded, &GitLoader { revision: &revision }, &limits);
    let Some(design) = &compilation.design else {
        return Err(super::report_input_errors(&compilation));
    };
    let config = match &input.config {
        Some(_) => super::validate(design, &compilation, &path.to_string_lossy(), input)?,
        // `allow` naming no rule is reported by `analysis::check` (exit 2).
        None => config_at(&revision, reference, &relative, input.max_size)?,
    };
    Ok((compilation, config))
}

/// `hld.yaml` beside the design at the revision, or the defaults.
fn config_at(revision: &Revision, reference: &str, design: &Path, max_size: u64) -> Result<Config, Exit> {
    let path: PathBuf = design
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join("hld.yaml");
    let name = format!("{reference}:{}", path.to_string_lossy().replace('\\', "/"));
    let bytes = match revision.read(&path, max_size) {
        Ok(bytes) => bytes,
        Err(load::ReadError::NotFound) => return Ok(Config::default()),
        Err(error) => {
            return Err(usage_error(
                format!("cannot read {name}: {error}"),
                "hld.yaml is a regular file of `rules:` and `fail_on:`; --config FILE names another",
            ));
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(usage_error(
            format!("cannot read {name}: it is not UTF-8 text"),
            "save hld.yaml as UTF-8 text",
        ));
    };
    let mut sources = SourceMap::new();
    let file = sources.add(name, text.clone());
    Config::parse(file, &text).map_err(|errors| {
        super::print_human(&errors, &sources);
        Exit::InputError
    })
}
