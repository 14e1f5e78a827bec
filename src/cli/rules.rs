//! `hld rules [NAME]`: the rule catalog, or one rule's documentation.

use super::{Exit, stdio};
use crate::analysis::rules::{self, RULES};
use crate::diagnostics::did_you_mean_help;
use crate::emit::rule_docs;

#[derive(clap::Args)]
pub struct RulesArgs {
    /// A rule name, e.g. single-point-of-failure
    name: Option<String>,
}

pub fn run(args: &RulesArgs) -> Exit {
    match &args.name {
        None => {
            stdio::out(&rule_docs::catalog(RULES));
            Exit::Ok
        }
        Some(name) => match rules::rule(name) {
            Some(rule) => {
                stdio::out(&rule_docs::markdown(rule));
                Exit::Ok
            }
            None => {
                let help = did_you_mean_help(name, rules::rule_names())
                    .unwrap_or_else(|| "`hld rules` lists them".to_string());
                stdio::err(&format!("error: unknown rule `{name}`\n  help: {help}\n"));
                Exit::InputError
            }
        },
    }
}
