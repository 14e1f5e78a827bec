//! `hld what-if FILE --fail ID[,ID...] [--partition REGION] [--format
//! human|json]`: which flows fail, which get slower, how load moves and
//! which queues grow when components fail or a region is cut off
//! (docs/explain.md). Unknown ids and regions are usage errors (exit 2)
//! with a did-you-mean.

use clap::ValueEnum;

use super::{Exit, InputArgs, stdio};
use crate::diagnostics::{Diagnostic, codes, did_you_mean_help};
use crate::emit;
use crate::estimate::what_if::{Scenario, WhatIfEngine};
use crate::model::{Design, RegionId};

#[derive(clap::Args)]
pub struct WhatIfArgs {
    /// The design file; `-` reads standard input
    #[arg(value_name = "FILE")]
    file: String,
    /// Components that fail (all their replicas), comma-separated
    #[arg(
        long,
        value_name = "ID[,ID...]",
        value_delimiter = ',',
        required_unless_present = "partition"
    )]
    fail: Vec<String>,
    /// Cut this region off from the other regions and from components without one
    #[arg(long, value_name = "REGION")]
    partition: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = WhatIfFormat::Human)]
    format: WhatIfFormat,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum WhatIfFormat {
    /// Readable tables
    Human,
    /// The JSON document of docs/explain.md
    Json,
}

pub fn run(args: &WhatIfArgs) -> Exit {
    let compilation = super::compile(&args.file, &args.input);
    let Some(design) = &compilation.design else {
        return super::report_input_errors(&compilation);
    };
    // The configuration only tunes rules, but a wrong `--config` (or a
    // broken hld.yaml beside the design) is still a wrong input: exit 2.
    if let Err(exit) = super::validate(design, &compilation, &args.file, &args.input) {
        return exit;
    }
    let scenario = match scenario(design, args) {
        Ok(scenario) => scenario,
        Err(errors) => {
            super::print_human(&errors, &compilation.sources);
            return Exit::InputError;
        }
    };
    let what_if = WhatIfEngine::new(design).run(&scenario);
    let text = match args.format {
        WhatIfFormat::Human => emit::what_if::human(design, &what_if),
        WhatIfFormat::Json => emit::what_if::json(design, &what_if),
    };
    stdio::out(&text);
    Exit::Ok
}

fn scenario(design: &Design, args: &WhatIfArgs) -> Result<Scenario, Vec<Diagnostic>> {
    let names: Vec<&str> = args.fail.iter().map(String::as_str).collect();
    let (failed, mut errors) = crate::api::failed_components(design, &names);
    let mut partition: Option<RegionId> = None;
    if let Some(name) = &args.partition {
        match design.region_id(name) {
            Some(id) => partition = Some(id),
            None => {
                let help = if design.regions.is_empty() {
                    "the design declares no region".to_string()
                } else {
                    did_you_mean_help(name, design.regions.iter().map(|r| r.id.as_str())).unwrap_or_else(|| {
                        let all: Vec<&str> = design.regions.iter().map(|r| r.id.as_str()).collect();
                        format!("the regions are: {}", all.join(", "))
                    })
                };
                errors.push(
                    Diagnostic::error(
                        codes::UNKNOWN_REFERENCE,
                        format!("unknown region `{name}` in --partition"),
                    )
                    .with_help(help),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if failed.is_empty() && partition.is_none() {
        return Err(vec![Diagnostic::error(codes::USAGE_ERROR, "nothing fails").with_help(
            "name components with --fail ID[,ID...] or a region with --partition REGION",
        )]);
    }
    let mut scenario = Scenario::fail(failed);
    scenario.partition = partition;
    Ok(scenario)
}
