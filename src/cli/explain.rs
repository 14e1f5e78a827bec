//! `hld explain FILE [--full] [--format markdown|html] [-o OUT]`: the
//! interview walkthrough of a design (docs/explain.md): by default the page
//! to rehearse from, with `--full` the whole reference. Input errors print
//! their diagnostics and exit 2 with nothing written.

use clap::ValueEnum;

use super::{Exit, InputArgs};
use crate::diagnostics;
use crate::emit::diagram::Highlights;
use crate::emit::explain as render;

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// The design file; `-` reads standard input
    #[arg(value_name = "FILE")]
    file: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = ExplainFormat::Markdown)]
    format: ExplainFormat,
    /// The whole reference: every component's figures, the data stores,
    /// caching, queues, scaling and every finding in detail, each trade-off
    /// in full (by default: the short page to rehearse from)
    #[arg(long)]
    full: bool,
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "OUT")]
    output: Option<std::path::PathBuf>,
    /// Replace OUT even if hld did not write it
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ExplainFormat {
    /// Markdown, with the diagram as a Mermaid block
    Markdown,
    /// One self-contained HTML page with the diagram as SVG
    Html,
}

pub fn run(args: &ExplainArgs) -> Exit {
    let compilation = super::compile(&args.file, &args.input);
    let Some(design) = &compilation.design else {
        return super::report_input_errors(&compilation);
    };
    let mut findings = match super::analyze(design, &compilation, &args.file, &args.input) {
        Ok(findings) => findings,
        Err(exit) => return exit,
    };
    diagnostics::sort(&mut findings, &compilation.sources);
    // The improvements are the verified fixes: each re-checked first.
    if let Ok(config) = super::load_config(&args.file, &args.input) {
        let recheck =
            |text: &str| crate::fix::recheck_findings(super::compile_text(&args.file, &args.input, text), &config);
        crate::fix::verify(
            design,
            &compilation.sources,
            crate::source::FileId(0),
            &mut findings,
            &recheck,
        );
    }
    let walkthrough = if args.full {
        crate::explain::build(design, &findings)
    } else {
        crate::explain::brief(design, &findings)
    };
    let highlights = Highlights::from_findings(design, &findings);
    let text = match args.format {
        ExplainFormat::Markdown => render::markdown(&walkthrough, design, &highlights),
        ExplainFormat::Html => render::html(&walkthrough, design, &highlights),
    };
    super::emit_rendered(text, args.output.as_deref(), args.force)
}
