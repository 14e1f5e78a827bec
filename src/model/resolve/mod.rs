//! Syntax trees to a [`Design`]: binds every name, checks every property
//! against `schema` (kind, type, unit, range), fills defaults from the
//! knowledge base and language.md §4, and reports every error it finds, not
//! only the first.
//!
//! The phases run in order, each in its own file: `gather` (declarations
//! out of the syntax trees, regions), `components`, `links` (with `rtt` and
//! the system `slo`), `flows`, then `checks` (what needs the whole design);
//! `values` reads a property's value as its schema type. This file holds
//! the entry point, the [`Resolver`] and the diagnostics helpers they share.

use rustc_hash::FxHashMap as HashMap;

use super::schema::{self, COMPONENT_PROPERTIES, FLOW_PROPERTIES, LINK_PROPERTIES, PropertySpec, SLO_PROPERTIES};
use super::*;
use crate::diagnostics::{BoundedDiagnostics, Diagnostic, codes, did_you_mean, did_you_mean_help, one_of};
use crate::knowledge::KnowledgeBase;
use crate::model::load::ParsedFile;
use crate::source::Span;
use crate::syntax::ast::{self, Block, ContainerKind, Item, Property, Quantity, Unit, Value, ValueKind};

mod checks;
mod components;
mod flows;
mod gather;
mod links;
mod values;

/// Longest flow path, in components: the latency model walks each flow
/// (docs/performance.md, "Limits").
pub const MAX_FLOW_COMPONENTS: usize = 1_000;

/// The error of a root file without a `system` block (the language
/// server takes such a file for a part that designs import).
pub const NO_SYSTEM: &str = "no `system` block in this file";

/// Words that cannot be component ids (language.md §1).
const RESERVED_IDS: &[&str] = &["system", "flow", "region", "rtt", "slo", "import"];

/// A `system` or `region` header without its body.
struct Header {
    id: ast::Ident,
    label: Option<ast::StringLit>,
    header_span: Span,
}

impl Header {
    fn of(container: &ast::ContainerDecl) -> Header {
        Header {
            id: container.id.clone(),
            label: container.label.clone(),
            header_span: container.header_span,
        }
    }
}

/// Declarations moved out of every file's syntax tree. Each phase consumes
/// its part, so a declaration's tree is freed once it is resolved: the
/// syntax tree and the design are never both whole in memory
/// (docs/performance.md, "Memory").
// The boxes are the syntax tree's own: moving them is cheaper than copying
// each declaration out of its box.
#[allow(clippy::vec_box)]
#[derive(Default)]
struct Gathered {
    system: Option<Header>,
    /// Each component with the index in `regions` of the block it sits in.
    components: Vec<(Box<ast::ComponentDecl>, Option<usize>)>,
    links: Vec<Box<ast::LinkDecl>>,
    flows: Vec<Box<ast::FlowDecl>>,
    slos: Vec<Box<ast::SloDecl>>,
    rtts: Vec<Box<ast::RttDecl>>,
    regions: Vec<Header>,
}

/// Work all the did-you-mean helps of one design may do together (edit
/// distance cells and candidates looked at; `diagnostics::SUGGESTION_WORK`
/// bounds each one): about a third of a second. Helps past it fall back to
/// the plain help. Only the diagnostics that are kept get a suggestion.
pub const SUGGESTIONS_WORK: usize = 100_000_000;

/// A did-you-mean help left for later: computed only for the diagnostics
/// kept under the per-file cap, against every name declared.
pub enum Pending {
    Component(String),
    Region(String),
}

/// Resolves the syntax trees. Keeps at most `max_per_file` diagnostics per
/// file (the first in sort order) and returns, per file, how many more
/// there were.
pub fn resolve(
    files: Vec<ParsedFile>,
    max_per_file: usize,
) -> (Option<Design>, Vec<Diagnostic>, Vec<(crate::source::FileId, usize)>) {
    let mut cx = Resolver {
        diagnostics: BoundedDiagnostics::new(max_per_file),
        design: Design::default(),
    };
    let mut gathered = cx.gather(files);
    cx.regions(&gathered);
    cx.components(&mut gathered);
    cx.rtts(&mut gathered);
    cx.system_slo(&mut gathered);
    cx.links(&mut gathered);
    cx.flows(&mut gathered);
    cx.check_cross_references();
    cx.share_client_rps();
    cx.share_partitions();
    cx.hold_connections();
    cx.check_embedded_caches();
    cx.summarize_roles();
    let has_errors = cx.diagnostics.errors() > 0;
    let (mut kept, dropped) = cx.diagnostics.finish();
    // The kept ones in output order, so the suggestions' shared budget is
    // spent on the first shown.
    kept.sort();
    kept.sort_by_key(|ranked| ranked.diagnostic.span.map_or(u32::MAX, |span| span.file.0));
    let mut budget = SUGGESTIONS_WORK;
    let design = &cx.design;
    let diagnostics = kept
        .into_iter()
        .map(|ranked| {
            let mut diagnostic = ranked.diagnostic;
            if let Some(pending) = ranked.pending {
                diagnostic.help = Some(suggestion(design, &pending, &mut budget));
            }
            diagnostic
        })
        .collect();
    let design = (!has_errors).then_some(cx.design);
    (design, diagnostics, dropped)
}

/// The help of a reference to a name nobody declared.
fn suggestion(design: &Design, pending: &Pending, budget: &mut usize) -> String {
    // Each help may spend its own bound, and no more than what is left.
    let mut mine = (*budget).min(crate::diagnostics::SUGGESTION_WORK);
    let before = mine;
    let help = match pending {
        Pending::Component(name) => crate::diagnostics::did_you_mean_within(
            name,
            design.components.iter().map(|component| component.id.as_str()),
            &mut mine,
        )
        .map(|candidate| format!("did you mean `{candidate}`?"))
        .unwrap_or_else(|| format!("declare it first, e.g. `service {name}`")),
        Pending::Region(name) => crate::diagnostics::did_you_mean_within(
            name,
            design.regions.iter().map(|region| region.id.as_str()),
            &mut mine,
        )
        .map(|candidate| format!("did you mean `{candidate}`?"))
        .unwrap_or_else(|| "declare it with `region NAME { ... }`".to_string()),
    };
    *budget -= before - mine;
    help
}

struct Resolver {
    diagnostics: BoundedDiagnostics<Pending>,
    design: Design,
}

impl Resolver {
    fn error(&mut self, code: &str, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic::error(code, message).at(span))
    }

    /// Reports a value's error at the value's span: the `invalid-value`
    /// diagnostic that `values` describes without a location.
    fn report(&mut self, span: Span, error: values::ValueError) {
        let diagnostic = self.error(codes::INVALID_VALUE, span, error.message);
        diagnostic.label = error.label;
        diagnostic.help = error.help;
    }

    /// The value read, or `None` after reporting its error at `span`.
    fn at<T>(&mut self, span: Span, read: Result<T, values::ValueError>) -> Option<T> {
        read.map_err(|error| self.report(span, error)).ok()
    }

    /// Records the property; false (after reporting) when it is set twice.
    fn check_duplicate<'p>(&mut self, seen: &mut Vec<(&'p str, Span)>, property: &'p Property) -> bool {
        let name = property.name.name.as_str();
        if let Some((_, first)) = seen.iter().find(|(seen_name, _)| *seen_name == name) {
            let first = *first;
            let diagnostic = self.error(
                codes::INVALID_VALUE,
                property.name.span,
                format!("`{name}` is set twice"),
            );
            diagnostic.label = Some("set again here".to_string());
            diagnostic.secondary.push(crate::diagnostics::Label {
                span: first,
                message: "first set here".to_string(),
            });
            diagnostic.help = Some("keep one of them".to_string());
            return false;
        }
        seen.push((name, property.name.span));
        true
    }

    fn component_ref(&mut self, name: &str, span: Span) -> Option<ComponentId> {
        if let Some(id) = self.design.component_id(name) {
            return Some(id);
        }
        // The help (did you mean) is computed only if this error is shown.
        let diagnostic = self.error(codes::UNKNOWN_REFERENCE, span, format!("unknown component `{name}`"));
        diagnostic.label = Some("not declared".to_string());
        self.diagnostics.set_pending(Pending::Component(name.to_string()));
        None
    }
}
