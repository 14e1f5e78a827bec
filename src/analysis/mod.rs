//! Analysis: runs the rule catalog over a resolved design and turns findings
//! into diagnostics, applying `allow`, `hld.yaml` severities and thresholds.
//!
//! Rules read the [`Design`] (and the graph and estimates built from it);
//! they never see the syntax tree and never do IO.

pub mod baseline;
pub mod config;
pub mod consistency;
pub mod graph;
pub mod rules;
pub mod spof;
#[cfg(test)]
pub(crate) mod testing;
pub mod wording;

use crate::diagnostics::{Diagnostic, Label, Severity, codes, did_you_mean_help};
use crate::model::{ComponentId, Design, FlowId, LinkId};
use crate::source::Span;
pub use config::Config;
pub use graph::Graph;

/// What a rule reads. A struct, so later analyses (estimates) add a field
/// without touching the rules that do not use it.
pub struct Context<'a> {
    pub design: &'a Design,
    pub config: &'a Config,
    /// The design as a graph, built once per check.
    pub graph: &'a Graph<'a>,
    /// Latency, availability and capacity figures, computed on demand.
    pub estimates: crate::estimate::Estimator<'a>,
}

pub use crate::model::{Edit, Fix, Target};

/// One finding of one rule, before `allow` and configuration apply.
#[derive(Clone, Debug)]
pub struct Finding {
    pub target: Target,
    pub subject: String,
    pub span: Span,
    pub message: String,
    pub label: Option<String>,
    pub help: Option<String>,
    pub notes: Vec<String>,
    pub secondary: Vec<Label>,
    /// Set when the rule's own default does not apply (e.g. a single point
    /// of failure that only background work needs is a warning).
    pub severity: Option<Severity>,
    /// The edit that clears it, when one can (not yet verified).
    pub fix: Option<Fix>,
    /// The visit of the flow's call tree it is about (a flow finding judged
    /// hop by hop): that call's `allow` suppresses it too.
    pub visit: Option<usize>,
}

impl Finding {
    /// About a component; points at its id in its declaration.
    pub fn component(design: &Design, id: ComponentId, message: impl Into<String>) -> Finding {
        let component = design.component(id);
        Finding::new(Target::Component(id), component.id.clone(), component.id_span, message)
    }

    pub fn link(design: &Design, id: LinkId, message: impl Into<String>) -> Finding {
        Finding::new(Target::Link(id), design.link_subject(id), design.link(id).span, message)
    }

    /// About a flow; points at its name.
    pub fn flow(design: &Design, id: FlowId, message: impl Into<String>) -> Finding {
        let flow = design.flow(id);
        Finding::new(Target::Flow(id), flow.subject(), flow.id_span, message)
    }

    fn new(target: Target, subject: String, span: Span, message: impl Into<String>) -> Finding {
        Finding {
            target,
            subject,
            span,
            message: message.into(),
            label: None,
            help: None,
            notes: Vec::new(),
            secondary: Vec::new(),
            severity: None,
            fix: None,
            visit: None,
        }
    }

    /// About one visit of the flow's call tree (see [`Finding::visit`]).
    pub fn visit(mut self, visit: usize) -> Finding {
        self.visit = Some(visit);
        self
    }

    pub fn at(mut self, span: Span) -> Finding {
        self.span = span;
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Finding {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Finding {
        self.notes.push(note.into());
        self
    }

    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Finding {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// The fix: one or more edits that together clear the finding.
    pub fn fix(mut self, fix: Fix) -> Finding {
        self.fix = Some(fix);
        self
    }

    /// A fix of one edit: `property = value` on `target`.
    pub fn fix_set(self, design: &Design, target: Target, property: &'static str, value: impl Into<String>) -> Finding {
        self.fix(Fix::one(Edit::set(design, target, property, value)))
    }

    pub fn severity(mut self, severity: Severity) -> Finding {
        self.severity = Some(severity);
        self
    }
}

/// What `check` found.
pub struct Analysis {
    /// Rule findings, as diagnostics (not yet sorted).
    pub findings: Vec<Diagnostic>,
    /// Input errors found on the way: `allow` naming an unknown rule.
    pub errors: Vec<Diagnostic>,
}

/// Runs every enabled rule over the design.
/// The rule that costs about as much as all the others together on large
/// designs (one dominator tree per group of sources; docs/performance.md):
/// it runs on a thread of its own beside the rest.
const HEAVY_RULE: &str = "single-point-of-failure";

/// Below this many components a second thread costs more than it saves.
const PARALLEL_RULES_FROM: usize = 2_000;

/// Each enabled rule's findings, in the order of `enabled`, whatever thread
/// ran it (so the output does not depend on scheduling).
fn run_rules(cx: &Context<'_>, enabled: &[(&rules::Rule, Severity)]) -> Vec<Vec<Finding>> {
    let run = |rule: &rules::Rule| {
        let mut findings = Vec::new();
        (rule.check)(cx, &mut findings);
        findings
    };
    let heavy = enabled.iter().position(|(rule, _)| rule.name == HEAVY_RULE);
    let parallel = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
        && cx.design.components.len() >= PARALLEL_RULES_FROM;
    let Some(heavy) = heavy.filter(|_| parallel) else {
        return enabled.iter().map(|(rule, _)| run(rule)).collect();
    };
    std::thread::scope(|scope| {
        let heavy_findings = scope.spawn(|| run(enabled[heavy].0));
        let mut results: Vec<Vec<Finding>> = enabled
            .iter()
            .enumerate()
            .map(|(idx, (rule, _))| if idx == heavy { Vec::new() } else { run(rule) })
            .collect();
        // A panic in the rule is a bug; rerun it here so it surfaces as one.
        results[heavy] = heavy_findings.join().unwrap_or_else(|_| run(enabled[heavy].0));
        results
    })
}

pub fn check(design: &Design, config: &Config) -> Analysis {
    let errors = unknown_allowed_rules(design);
    let mut diagnostics = Vec::new();
    let graph = Graph::new(design);
    let cx = Context {
        design,
        config,
        graph: &graph,
        estimates: crate::estimate::Estimator::new(design),
    };
    let enabled: Vec<(&rules::Rule, Severity)> = rules::RULES
        .iter()
        .filter_map(|rule| Some((*rule, config.severity(rule.name, rule.severity)?)))
        .collect();
    for ((rule, severity), findings) in enabled.iter().zip(run_rules(&cx, &enabled)) {
        for finding in findings {
            if is_allowed(design, finding.target, rule.name)
                || finding
                    .visit
                    .is_some_and(|visit| call_allows(design, finding.target, visit, rule.name))
            {
                continue;
            }
            let severity = match (config.severity_override(rule.name), finding.severity) {
                (Some(configured), _) => configured,
                (None, Some(own)) => own,
                (None, None) => *severity,
            };
            let mut diagnostic = Diagnostic::new(rule.name, severity, finding.message)
                .at(finding.span)
                .with_subject(finding.subject)
                .with_optional_help(finding.help);
            diagnostic.label = finding.label;
            diagnostic.notes = finding.notes;
            diagnostic.secondary = finding.secondary;
            diagnostic.target = Some(finding.target);
            diagnostic.fix = finding.fix;
            diagnostics.push(diagnostic);
        }
    }
    Analysis {
        findings: diagnostics,
        errors,
    }
}

fn allows(design: &Design, target: Target) -> &[crate::model::Allow] {
    match target {
        Target::Component(id) => &design.component(id).allow,
        Target::Link(id) => &design.link(id).allow,
        Target::Flow(id) => &design.flow(id).allow,
    }
}

pub fn is_allowed(design: &Design, target: Target, rule: &str) -> bool {
    allows(design, target).iter().any(|allow| allow.rule == rule)
}

/// Whether the `call` that made `visit` of a flow allows `rule`.
pub fn call_allows(design: &Design, target: Target, visit: usize, rule: &str) -> bool {
    let Target::Flow(flow) = target else {
        return false;
    };
    design
        .flow(flow)
        .visits
        .get(visit)
        .is_some_and(|visit| visit.allows(rule))
}

/// `allow = [name]` with a name no rule has: an error with a did-you-mean.
pub fn unknown_allowed_rules(design: &Design) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    // A chain's links share one `allow` list: report each entry once.
    let mut reported = std::collections::HashSet::new();
    let lists = design
        .components
        .iter()
        .map(|component| component.allow.as_slice())
        .chain(design.links.iter().map(|link| link.allow.as_slice()))
        .chain(design.flows.iter().map(|flow| flow.allow.as_slice()))
        .chain(
            design
                .flows
                .iter()
                .flat_map(|flow| flow.visits.iter().map(|visit| visit.allow())),
        );
    for list in lists {
        for allow in list {
            if rules::rule(&allow.rule).is_some() || !reported.insert(allow.span) {
                continue;
            }
            let help = did_you_mean_help(&allow.rule, rules::rule_names())
                .unwrap_or_else(|| "`hld rules` lists the rule names".to_string());
            diagnostics.push(
                Diagnostic::error(
                    codes::UNKNOWN_REFERENCE,
                    format!("unknown rule `{}` in `allow`", allow.rule),
                )
                .at(allow.span)
                .with_label("no such rule")
                .with_help(help),
            );
        }
    }
    diagnostics
}
