//! `hld diagram FILE [--format mermaid|dot|svg|json] [-o OUT]`.

use clap::ValueEnum;

use super::{Exit, InputArgs};
use crate::diagnostics::{Diagnostic, codes};
use crate::emit::diagram::Highlights;
use crate::emit::{design_json, dot, mermaid, sequence, svg};

#[derive(clap::Args)]
pub struct DiagramArgs {
    /// The design file; `-` reads standard input
    #[arg(value_name = "FILE")]
    file: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiagramFormat::Mermaid)]
    format: DiagramFormat,
    /// Draw this flow as a Mermaid sequence diagram instead
    #[arg(long, value_name = "NAME")]
    flow: Option<String>,
    /// A smaller view: one node per region (Mermaid)
    #[arg(long, value_enum, value_name = "BY")]
    group: Option<GroupBy>,
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
enum GroupBy {
    /// Each region as one node
    Region,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum DiagramFormat {
    /// A Mermaid flowchart
    Mermaid,
    /// Graphviz DOT
    Dot,
    /// An SVG picture, laid out by hld itself
    Svg,
    /// The resolved design as JSON, for other tools
    Json,
}

pub fn run(args: &DiagramArgs) -> Exit {
    // What the command line asks for is checked before any work.
    if args.format != DiagramFormat::Mermaid && (args.flow.is_some() || args.group.is_some()) {
        let (what, draws) = if args.flow.is_some() {
            ("--flow", "a Mermaid sequence diagram")
        } else {
            ("--group", "a Mermaid flowchart")
        };
        let error = Diagnostic::error(codes::USAGE_ERROR, format!("{what} draws {draws}"))
            .with_help("leave out --format, or use --format mermaid");
        super::print_human(&[error], &crate::source::SourceMap::new());
        return Exit::InputError;
    }
    // A sequence diagram of one flow has no regions to group.
    if args.flow.is_some() && args.group.is_some() {
        let error = Diagnostic::error(
            codes::USAGE_ERROR,
            "--flow draws a sequence diagram, which --group cannot group",
        )
        .with_help("leave out --group for the flow's sequence diagram, or --flow for the grouped flowchart");
        super::print_human(&[error], &crate::source::SourceMap::new());
        return Exit::InputError;
    }
    let compilation = super::compile(&args.file, &args.input);
    let Some(design) = &compilation.design else {
        return super::report_input_errors(&compilation);
    };
    // A sequence diagram and the design's JSON show no findings: they need
    // a valid configuration, not the rules.
    if (args.flow.is_some() || args.format == DiagramFormat::Json)
        && let Err(exit) = super::validate(design, &compilation, &args.file, &args.input)
    {
        return exit;
    }
    if let Some(name) = &args.flow {
        let Some(flow_id) = design.flow_id(name) else {
            super::print_human(&[super::unknown_flow(design, name)], &compilation.sources);
            return Exit::InputError;
        };
        let text = sequence::flow(design, design.flow(flow_id));
        return super::emit_rendered(text, args.output.as_deref(), args.force);
    }
    let findings = if args.format == DiagramFormat::Json {
        Vec::new()
    } else {
        match super::analyze(design, &compilation, &args.file, &args.input) {
            Ok(findings) => findings,
            Err(exit) => return exit,
        }
    };
    let highlights = Highlights::from_findings(design, &findings);
    if args.group == Some(GroupBy::Region) {
        let text = mermaid::flowchart_by_region(design, &highlights);
        return super::emit_rendered(text, args.output.as_deref(), args.force);
    }
    let text = match args.format {
        DiagramFormat::Mermaid => mermaid::flowchart(design, &highlights),
        DiagramFormat::Dot => dot::graph(design, &highlights),
        DiagramFormat::Svg => match svg::document(design, &highlights) {
            Ok(text) => Ok(text),
            Err(error) => {
                let code = match error {
                    svg::SvgError::TooLarge { .. } => codes::LIMIT_EXCEEDED,
                    svg::SvgError::Layout => codes::INTERNAL_ERROR,
                };
                let diagnostic = Diagnostic::error(code, error.to_string())
                    .with_help("draw it with `hld diagram --format dot` and Graphviz");
                super::print_human(&[diagnostic], &compilation.sources);
                return Exit::InputError;
            }
        },
        DiagramFormat::Json => Ok(design_json::export(design)),
    };
    super::emit_rendered(text, args.output.as_deref(), args.force)
}
