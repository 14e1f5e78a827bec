//! `hld estimate FILE [--flow NAME] [--format human|json] [--explain]`:
//! latency, availability and load figures (language.md §4), or with
//! `--explain` the worked arithmetic of one flow. Input errors print their
//! diagnostics on stderr and exit 2 with nothing on stdout.

use clap::ValueEnum;

use super::{Exit, InputArgs, stdio};
use crate::diagnostics::{Diagnostic, codes};
use crate::emit;
use crate::estimate::{self, explain};
use crate::model::{Design, FlowId};

#[derive(clap::Args)]
pub struct EstimateArgs {
    /// Design file; `-` reads standard input
    #[arg(value_name = "FILE")]
    file: String,
    /// Only this flow (components and queues are always shown)
    #[arg(long, value_name = "NAME")]
    flow: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = EstimateFormat::Human)]
    format: EstimateFormat,
    /// Print the worked arithmetic of one flow (with --flow, or the only flow)
    #[arg(long)]
    explain: bool,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum EstimateFormat {
    /// Readable tables
    Human,
    /// One JSON document (its fields: docs/estimate.md)
    Json,
}

pub fn run(args: &EstimateArgs) -> Exit {
    if args.explain && args.format == EstimateFormat::Json {
        let error = Diagnostic::error(codes::USAGE_ERROR, "--explain prints the arithmetic as text")
            .with_help("leave out --format json, or leave out --explain for the figures as JSON");
        super::print_human(&[error], &crate::source::SourceMap::new());
        return Exit::InputError;
    }
    let compilation = super::compile(&args.file, &args.input);
    let Some(design) = &compilation.design else {
        return super::report_input_errors(&compilation);
    };
    // The configuration only tunes rules, but a wrong `--config` (or a
    // broken hld.yaml beside the design) is still a wrong input: exit 2.
    if let Err(exit) = super::validate(design, &compilation, &args.file, &args.input) {
        return exit;
    }
    let selected = match select_flow(design, args) {
        Ok(selected) => selected,
        Err(error) => {
            super::print_human(&[*error], &compilation.sources);
            return Exit::InputError;
        }
    };
    let text = if let (true, Some(id)) = (args.explain, selected) {
        explain::explain(design, id)
    } else {
        let only = selected.map(|id| vec![id]);
        let estimates = estimate::estimate(design, only.as_deref());
        match args.format {
            EstimateFormat::Human => emit::estimate::human(design, &estimates),
            EstimateFormat::Json => emit::estimate::json(design, &estimates),
        }
    };
    stdio::out(&text);
    Exit::Ok
}

/// The flow of `--flow` (with a did-you-mean when unknown); with
/// `--explain` and no `--flow`, the design's only flow.
fn select_flow(design: &Design, args: &EstimateArgs) -> Result<Option<FlowId>, Box<Diagnostic>> {
    let names = || design.flows.iter().map(|flow| flow.id.as_str());
    match &args.flow {
        Some(name) => design
            .flow_id(name)
            .map(Some)
            .ok_or_else(|| Box::new(super::unknown_flow(design, name))),
        None if args.explain => {
            if design.flows.len() == 1 {
                Ok(Some(FlowId(0)))
            } else {
                let all: Vec<&str> = names().collect();
                let help = if all.is_empty() {
                    "declare a `flow` to explain".to_string()
                } else {
                    format!("name one with --flow: {}", all.join(", "))
                };
                Err(Box::new(
                    Diagnostic::error(codes::USAGE_ERROR, "--explain needs one flow").with_help(help),
                ))
            }
        }
        None => Ok(None),
    }
}
