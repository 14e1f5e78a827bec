//! Syntax trees to a [`Design`]: binds every name, checks every property
//! against `schema` (kind, type, unit, range), fills defaults from the
//! knowledge base and language.md §4, and reports every error it finds, not
//! only the first.

use rustc_hash::FxHashMap as HashMap;

use super::schema::{self, COMPONENT_PROPERTIES, FLOW_PROPERTIES, LINK_PROPERTIES, PropertySpec, SLO_PROPERTIES};
use super::*;
use crate::diagnostics::{BoundedDiagnostics, Diagnostic, codes, did_you_mean, did_you_mean_help, one_of};
use crate::knowledge::KnowledgeBase;
use crate::model::load::ParsedFile;
use crate::source::Span;
use crate::syntax::ast::{self, Block, ContainerKind, Item, Property, Quantity, Unit, Value, ValueKind};

/// Longest flow path, in components: the latency model walks each flow
/// (docs/performance.md, "Limits").
pub const MAX_FLOW_COMPONENTS: usize = 1_000;

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

    // ------------------------------------------------------------ gathering

    fn gather(&mut self, files: Vec<ParsedFile>) -> Gathered {
        let mut gathered = Gathered::default();
        // Reported only when the file has a system: without one, "no system
        // block" says it all.
        let mut outside = Vec::new();
        let root_file = files.iter().find(|file| file.is_root).map(|file| file.file);
        for parsed in files {
            let is_root = parsed.is_root;
            for item in parsed.ast.items {
                match item {
                    Item::Container(container) if container.kind == ContainerKind::System => {
                        if !is_root {
                            self.error(
                                codes::SYNTAX_ERROR,
                                container.header_span,
                                "an imported file cannot declare a `system`",
                            )
                            .label = Some("system in an imported file".to_string());
                            if let Some(last) = self.diagnostics.last_mut() {
                                last.help = Some(
                                    "an imported file holds declarations at its top level; move them out of the system block"
                                        .to_string(),
                                );
                            }
                            continue;
                        }
                        if let Some(first) = &gathered.system {
                            let first_span = first.header_span;
                            self.error(codes::SYNTAX_ERROR, container.header_span, "a file holds one `system`")
                                .secondary
                                .push(crate::diagnostics::Label {
                                    span: first_span,
                                    message: "the first system".to_string(),
                                });
                            continue;
                        }
                        gathered.system = Some(Header::of(&container));
                        self.gather_items(container.items, None, &mut gathered, 0);
                    }
                    Item::Import(_) => {}
                    other => {
                        if is_root {
                            outside.push(item_span(&other));
                        } else {
                            self.gather_items(vec![other], None, &mut gathered, 0);
                        }
                    }
                }
            }
        }
        if gathered.system.is_some() {
            for span in outside {
                self.error(
                    codes::SYNTAX_ERROR,
                    span,
                    "this declaration is outside the system block",
                )
                .help = Some("move it inside `system NAME { ... }`".to_string());
            }
        } else if let Some(root) = root_file {
            let span = Span::new(root, 0, 0);
            self.error(codes::SYNTAX_ERROR, span, "no `system` block in this file")
                .help = Some("a design is `system NAME { ... }` holding its components, links and flows".to_string());
        }
        gathered
    }

    fn gather_items(&mut self, items: Vec<Item>, region: Option<usize>, gathered: &mut Gathered, depth: usize) {
        for item in items {
            match item {
                Item::Component(component) => gathered.components.push((component, region)),
                Item::Link(link) => gathered.links.push(link),
                Item::Flow(flow) => gathered.flows.push(flow),
                Item::Slo(slo) => gathered.slos.push(slo),
                Item::Rtt(rtt) => gathered.rtts.push(rtt),
                Item::Import(_) => {}
                Item::Container(container) => match container.kind {
                    ContainerKind::Region if region.is_none() && depth == 0 => {
                        gathered.regions.push(Header::of(&container));
                        let index = gathered.regions.len() - 1;
                        self.gather_items(container.items, Some(index), gathered, depth + 1);
                    }
                    ContainerKind::Region => {
                        self.error(codes::SYNTAX_ERROR, container.header_span, "regions cannot be nested")
                            .help = Some("declare each region directly in the system block".to_string());
                    }
                    ContainerKind::System => {
                        self.error(
                            codes::SYNTAX_ERROR,
                            container.header_span,
                            "a `system` cannot sit inside another block",
                        )
                        .help = Some("a file holds one system block at its top level".to_string());
                    }
                },
            }
        }
    }

    // ------------------------------------------------------------ regions

    fn regions(&mut self, gathered: &Gathered) {
        let mut seen: HashMap<String, Span> = HashMap::default();
        for region in &gathered.regions {
            if let Some(first) = seen.get(&region.id.name) {
                let first = *first;
                // A region may be opened twice to add components to it.
                let _ = first;
                continue;
            }
            seen.insert(region.id.name.clone(), region.id.span);
            let id = RegionId(self.design.regions.len() as u32);
            self.design.regions.push(Region {
                id: region.id.name.clone(),
                label: region.label.as_ref().map(|label| label.value.clone()),
                span: region.header_span,
            });
            self.design.region_index.insert(region.id.name.clone(), id);
        }
    }

    fn region_ref(&mut self, ident: &str, span: Span) -> Option<RegionId> {
        if let Some(id) = self.design.region_id(ident) {
            return Some(id);
        }
        // The help (did you mean) is computed only if this error is shown.
        self.error(codes::UNKNOWN_REFERENCE, span, format!("unknown region `{ident}`"))
            .label = Some("not declared".to_string());
        self.diagnostics.set_pending(Pending::Region(ident.to_string()));
        None
    }

    // ------------------------------------------------------------ components

    fn components(&mut self, gathered: &mut Gathered) {
        // Exact sizes: at 100,000 components a doubling vector's slack is
        // 16 MB (docs/performance.md, "Memory").
        let components = std::mem::take(&mut gathered.components);
        let count = components.len();
        self.design.components.reserve_exact(count);
        self.design.component_index.reserve(count);
        let mut declared = Vec::with_capacity(count);
        for (decl, region) in components {
            let kind = if decl.recovered {
                // Its syntax error is reported; only the id matters now.
                Kind::parse(&decl.kind.name).unwrap_or(Kind::Service)
            } else {
                match self.kind(&decl.kind) {
                    Some(kind) => kind,
                    None => continue,
                }
            };
            if RESERVED_IDS.contains(&decl.id.name.as_str()) {
                self.error(
                    codes::INVALID_VALUE,
                    decl.id.span,
                    format!("`{}` is a keyword and cannot name a component", decl.id.name),
                )
                .help = Some("choose another id".to_string());
                continue;
            }
            if let Some(first) = self.design.component_id(&decl.id.name) {
                let first = self.design.component(first).id_span;
                let diagnostic = self.error(
                    codes::DUPLICATE_ID,
                    decl.id.span,
                    format!("`{}` is declared twice", decl.id.name),
                );
                diagnostic.label = Some("declared again here".to_string());
                diagnostic.secondary.push(crate::diagnostics::Label {
                    span: first,
                    message: "first declared here".to_string(),
                });
                diagnostic.help = Some("give each component its own id".to_string());
                continue;
            }
            let id = ComponentId(self.design.components.len() as u32);
            self.design.component_index.insert(decl.id.name.clone(), id);
            let region_id = region
                .and_then(|index| gathered.regions.get(index))
                .and_then(|region| self.design.region_id(&region.id.name));
            let component = self.new_component(&decl, kind, region_id);
            self.design.components.push(component);
            // Only the block is needed later; the rest of the tree goes now.
            let decl = *decl;
            declared.push((id, decl.block));
        }
        // Properties after every id is known: `dead_letter` names a queue.
        for (id, block) in declared {
            if let Some(block) = block {
                self.component_properties(id, &block);
            }
        }
    }

    fn kind(&mut self, ident: &ast::Ident) -> Option<Kind> {
        if let Some(kind) = Kind::parse(&ident.name) {
            return Some(kind);
        }
        let (message, help) = match ident.name.as_str() {
            "flow" => (
                "a flow needs a block with its path".to_string(),
                "write `flow NAME { path = a -> b -> c }`".to_string(),
            ),
            "import" => (
                "an import takes a quoted path".to_string(),
                "write `import \"other.hld\"`".to_string(),
            ),
            "rtt" => (
                "an rtt names two regions".to_string(),
                "write `rtt us_east <-> eu_west = 75ms`".to_string(),
            ),
            "slo" => (
                "an slo needs a block".to_string(),
                "write `slo { p99 = 200ms }`".to_string(),
            ),
            "system" | "region" => (
                format!("a {} needs a block", ident.name),
                format!("write `{} NAME {{ ... }}`", ident.name),
            ),
            _ => (
                format!("unknown component kind `{}`", ident.name),
                match did_you_mean(&ident.name, Kind::NAMES.iter().copied()) {
                    Some(kind) => format!("did you mean `{kind}`?"),
                    None => format!("a component kind is one of {}", one_of(Kind::NAMES)),
                },
            ),
        };
        let code = if message.starts_with("unknown") {
            codes::UNKNOWN_KIND
        } else {
            codes::SYNTAX_ERROR
        };
        let diagnostic = self.error(code, ident.span, message);
        diagnostic.help = Some(help);
        diagnostic.label = Some("not a kind".to_string());
        None
    }

    fn new_component(&mut self, decl: &ast::ComponentDecl, kind: Kind, region: Option<RegionId>) -> Component {
        let base = KnowledgeBase::get();
        let technology = decl.technology.as_ref().and_then(|name| base.technology(&name.name));
        let defaults = base.kind(kind);
        let latency = match technology {
            // A technology's figures describe its first kind: envoy as a
            // gateway keeps the gateway defaults.
            Some(technology) if technology.kinds.first() == Some(&kind) => Latency {
                p50_ms: technology.latency.p50,
                p99_ms: technology.latency.p99,
                origin: Origin::Technology(technology.id.clone()),
            },
            _ => Latency {
                p50_ms: defaults.p50_ms(),
                p99_ms: defaults.p50_ms() * defaults.tail(),
                origin: Origin::KindDefault,
            },
        };
        Component {
            id: decl.id.name.clone(),
            label: decl.label.as_ref().map(|label| label.value.clone()),
            kind,
            technology,
            technology_name: decl.technology.as_ref().map(|name| (name.name.clone(), name.span)),
            span: decl.span,
            id_span: decl.id.span,
            replicas: 1,
            replicas_declared: false,
            latency,
            availability: defaults.availability().unwrap_or(1.0),
            availability_origin: Origin::KindDefault,
            capacity: None,
            region,
            description: None,
            tags: Vec::new(),
            allow: Vec::new(),
            rps: None,
            algorithm: None,
            layer: None,
            ha_mode: None,
            rate_limit: None,
            auth: None,
            hit_ratio_declared: None,
            ttl_ms: None,
            cdn_invalidation: None,
            cache_invalidation: None,
            cache_pattern: CachePattern::CacheAside,
            eviction: None,
            data_model: technology.and_then(|technology| technology.data_model),
            consistency_declared: None,
            cap_declared: None,
            replication: Replication::None,
            shard: None,
            size_bytes: None,
            delivery_declared: None,
            queue_pattern: QueuePattern::WorkQueue,
            dead_letter: DeadLetter::None,
            idempotent: None,
            stateless: true,
            property_spans: Vec::new(),
        }
    }

    fn component_properties(&mut self, id: ComponentId, block: &Block) {
        let kind = self.design.component(id).kind;
        let mut seen: Vec<(&str, Span)> = Vec::new();
        for property in &block.properties {
            let name = property.name.name.as_str();
            if !self.check_duplicate(&mut seen, property) {
                continue;
            }
            let Some(spec) = COMPONENT_PROPERTIES.iter().find(|spec| spec.name == name) else {
                let candidates = COMPONENT_PROPERTIES
                    .iter()
                    .filter(|spec| spec.applies_to(kind))
                    .map(|spec| spec.name);
                let help = did_you_mean_help(name, candidates).unwrap_or_else(|| {
                    let names: Vec<&str> = COMPONENT_PROPERTIES
                        .iter()
                        .filter(|spec| spec.applies_to(kind))
                        .map(|spec| spec.name)
                        .collect();
                    format!("a {kind} takes {}", one_of(&names))
                });
                let diagnostic = self.error(
                    codes::UNKNOWN_PROPERTY,
                    property.name.span,
                    format!("unknown property `{name}` for a {kind}"),
                );
                diagnostic.help = Some(help);
                diagnostic.label = Some("unknown property".to_string());
                continue;
            };
            if kind == Kind::Database && name == "replicas" {
                let diagnostic = self.error(
                    codes::INVALID_VALUE,
                    property.name.span,
                    "a database does not take `replicas`: it declares its copies with `replication`",
                );
                diagnostic.label = Some("not for a database".to_string());
                diagnostic.help = Some(
                    "write `replication = primary_replica { replicas = 2, mode = async, failover = auto }` (or quorum { n = 3, r = 2, w = 2 })"
                        .to_string(),
                );
                continue;
            }
            if !spec.applies_to(kind) {
                let kinds: Vec<&str> = spec.kinds.iter().map(|kind| kind.as_str()).collect();
                let diagnostic = self.error(
                    codes::UNKNOWN_PROPERTY,
                    property.name.span,
                    format!("`{name}` does not apply to a {kind}"),
                );
                diagnostic.label = Some(format!("not a {kind} property"));
                diagnostic.help = Some(format!("`{name}` is a property of {}", kinds.join(" and ")));
                continue;
            }
            self.component_property(id, kind, spec, property);
        }
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

    fn component_property(&mut self, id: ComponentId, kind: Kind, spec: &'static PropertySpec, property: &Property) {
        let value = &property.value;
        let name = spec.name;
        macro_rules! set {
            ($field:ident, $expr:expr) => {{
                if let Some(parsed) = $expr {
                    let component = &mut self.design.components[id.index()];
                    component.$field = parsed;
                    component.property_spans.push((name, property.span));
                }
            }};
        }
        match name {
            "replicas" => {
                if let Some(replicas) = self.count(name, value, 1) {
                    let component = &mut self.design.components[id.index()];
                    component.replicas = replicas;
                    component.replicas_declared = true;
                    component.property_spans.push((name, property.span));
                }
            }
            "latency" => {
                if let Some((p50, p99)) = self.latency(value) {
                    let component = &mut self.design.components[id.index()];
                    component.latency = Latency {
                        p50_ms: p50,
                        p99_ms: p99,
                        origin: Origin::Declared,
                    };
                    component.property_spans.push((name, property.span));
                }
            }
            "availability" => {
                if let Some(availability) = self.percentage(name, value) {
                    let component = &mut self.design.components[id.index()];
                    component.availability = availability;
                    component.availability_origin = Origin::Declared;
                    component.property_spans.push((name, property.span));
                }
            }
            "capacity" => set!(capacity, self.positive_rate(name, value).map(Some)),
            "region" => {
                let region = self
                    .word(name, value)
                    .and_then(|word| self.region_ref(&word, value.span));
                if let Some(region) = region {
                    let component = &mut self.design.components[id.index()];
                    if component.region.is_some_and(|inside| inside != region) {
                        self.error(
                            codes::INVALID_VALUE,
                            value.span,
                            "`region` differs from the region block it sits in",
                        )
                        .help = Some("remove the property, or move the component out of the region block".to_string());
                    } else {
                        component.region = Some(region);
                        component.property_spans.push((name, property.span));
                    }
                }
            }
            "description" => set!(description, self.string(name, value).map(Some)),
            "tags" => set!(tags, self.tags(name, value)),
            "allow" => set!(allow, self.rule_list(name, value)),
            "rps" => set!(rps, self.rate(name, value).map(Some)),
            "algorithm" => set!(algorithm, self.keyword::<Algorithm>(name, value).map(Some)),
            "layer" => set!(layer, self.layer(value).map(Some)),
            "mode" => set!(ha_mode, self.keyword::<HaMode>(name, value).map(Some)),
            "rate_limit" => set!(rate_limit, self.rate_limit(value).map(Some)),
            "auth" => set!(auth, self.keyword::<Auth>(name, value).map(Some)),
            "hit_ratio" => set!(hit_ratio_declared, self.ratio(name, value).map(Some)),
            "ttl" => set!(ttl_ms, self.duration(name, value).map(Some)),
            "invalidation" if kind == Kind::Cdn => {
                set!(cdn_invalidation, self.keyword::<CdnInvalidation>(name, value).map(Some))
            }
            "invalidation" => set!(
                cache_invalidation,
                self.keyword::<CacheInvalidation>(name, value).map(Some)
            ),
            "pattern" if kind == Kind::Queue => set!(queue_pattern, self.keyword::<QueuePattern>(name, value)),
            "pattern" => set!(cache_pattern, self.keyword::<CachePattern>(name, value)),
            "eviction" => set!(eviction, self.keyword::<Eviction>(name, value).map(Some)),
            "model" => set!(data_model, self.keyword::<DataModel>(name, value).map(Some)),
            "consistency" => set!(consistency_declared, self.keyword::<Consistency>(name, value).map(Some)),
            "cap" => set!(cap_declared, self.keyword::<Cap>(name, value).map(Some)),
            "replication" => set!(replication, self.replication(value)),
            "shard" => set!(shard, self.shard(value).map(Some)),
            "size" => set!(size_bytes, self.size(name, value).map(Some)),
            "delivery" => set!(delivery_declared, self.keyword::<Delivery>(name, value).map(Some)),
            "dead_letter" => set!(dead_letter, self.dead_letter(id, value)),
            "idempotent" => set!(idempotent, self.boolean(name, value).map(Some)),
            "stateless" => set!(stateless, self.boolean(name, value)),
            _ => {
                // Every name of COMPONENT_PROPERTIES is handled above; a new
                // one without a case here is a bug the schema test catches.
                let diagnostic = self.error(
                    codes::INTERNAL_ERROR,
                    property.span,
                    format!("`{name}` is not handled: this is a bug in hld"),
                );
                diagnostic.help = Some("please report it".to_string());
            }
        }
    }

    // ------------------------------------------------------------ typed values

    fn type_error(&mut self, name: &str, value: &Value, ty: schema::ValueType) {
        let found = value.kind.describe();
        let diagnostic = self.error(
            codes::INVALID_VALUE,
            value.span,
            format!("`{name}` expects {}, found {found}", ty.describe()),
        );
        diagnostic.label = Some(format!("expected {}", short_type(ty)));
        diagnostic.help = Some(match (ty, &value.kind) {
            (schema::ValueType::Duration, ValueKind::Quantity(quantity)) if quantity.unit == Unit::None => {
                format!("durations need a unit: {0}ms, {0}s, {0}m or {0}h", quantity.text)
            }
            (schema::ValueType::Percentage, ValueKind::Quantity(quantity)) if quantity.unit == Unit::None => {
                format!("write a percentage with `%`, like {}%", quantity.text)
            }
            _ => format!("write {}", ty.describe()),
        });
    }

    fn out_of_range(&mut self, name: &str, value: &Value, ty: schema::ValueType, message: String) {
        let diagnostic = self.error(codes::INVALID_VALUE, value.span, message);
        diagnostic.label = Some("out of range".to_string());
        diagnostic.help = Some(format!("`{name}` takes {}", ty.describe()));
    }

    fn quantity<'v>(&mut self, name: &str, value: &'v Value, ty: schema::ValueType) -> Option<&'v Quantity> {
        match &value.kind {
            ValueKind::Quantity(quantity) => Some(quantity),
            _ => {
                self.type_error(name, value, ty);
                None
            }
        }
    }

    fn count(&mut self, name: &str, value: &Value, min: u32) -> Option<u32> {
        let ty = schema::ValueType::Count { min };
        let quantity = self.quantity(name, value, ty)?;
        if quantity.unit != Unit::None || quantity.value.fract() != 0.0 {
            self.type_error(name, value, ty);
            return None;
        }
        if quantity.value < f64::from(min) {
            let text = quantity.text.clone();
            self.out_of_range(
                name,
                value,
                ty,
                format!("`{name}` must be at least {min}, found {text}"),
            );
            return None;
        }
        if quantity.value > f64::from(u32::MAX) {
            let text = quantity.text.clone();
            self.out_of_range(name, value, ty, format!("`{name}` is too large: {text}"));
            return None;
        }
        Some(quantity.value as u32)
    }

    fn ratio(&mut self, name: &str, value: &Value) -> Option<f64> {
        let ty = schema::ValueType::Ratio;
        let quantity = self.quantity(name, value, ty)?;
        if !matches!(quantity.unit, Unit::None | Unit::Percent) || quantity.si {
            self.type_error(name, value, ty);
            return None;
        }
        if !(0.0..=1.0).contains(&quantity.value) {
            let text = quantity.text.clone();
            self.out_of_range(
                name,
                value,
                ty,
                format!("`{name}` must be between 0 and 1, found {text}"),
            );
            return None;
        }
        Some(quantity.value)
    }

    fn percentage(&mut self, name: &str, value: &Value) -> Option<f64> {
        let ty = schema::ValueType::Percentage;
        let quantity = self.quantity(name, value, ty)?;
        let fraction = match quantity.unit {
            Unit::Percent => quantity.value,
            // A fraction like 0.999 is accepted; 99.9 without `%` is not.
            Unit::None if (0.0..=1.0).contains(&quantity.value) && !quantity.si => quantity.value,
            _ => {
                self.type_error(name, value, ty);
                return None;
            }
        };
        if !(0.0..=1.0).contains(&fraction) {
            let text = quantity.text.clone();
            self.out_of_range(
                name,
                value,
                ty,
                format!("`{name}` must be between 0% and 100%, found {text}"),
            );
            return None;
        }
        Some(fraction)
    }

    fn duration(&mut self, name: &str, value: &Value) -> Option<f64> {
        let ty = schema::ValueType::Duration;
        let quantity = self.quantity(name, value, ty)?;
        if quantity.unit != Unit::Duration && !(quantity.unit == Unit::None && quantity.value == 0.0) {
            self.type_error(name, value, ty);
            return None;
        }
        if quantity.value < 0.0 {
            let text = quantity.text.clone();
            self.out_of_range(name, value, ty, format!("`{name}` cannot be negative, found {text}"));
            return None;
        }
        Some(quantity.value)
    }

    fn rate(&mut self, name: &str, value: &Value) -> Option<f64> {
        let ty = schema::ValueType::Rate;
        let quantity = self.quantity(name, value, ty)?;
        if !matches!(quantity.unit, Unit::Rate | Unit::None) {
            self.type_error(name, value, ty);
            return None;
        }
        if quantity.value < 0.0 {
            let text = quantity.text.clone();
            self.out_of_range(name, value, ty, format!("`{name}` cannot be negative, found {text}"));
            return None;
        }
        Some(quantity.value)
    }

    fn positive_rate(&mut self, name: &str, value: &Value) -> Option<f64> {
        let rate = self.rate(name, value)?;
        if rate <= 0.0 {
            self.out_of_range(
                name,
                value,
                schema::ValueType::Rate,
                format!("`{name}` must be more than 0"),
            );
            return None;
        }
        Some(rate)
    }

    fn size(&mut self, name: &str, value: &Value) -> Option<f64> {
        let ty = schema::ValueType::Size;
        let quantity = self.quantity(name, value, ty)?;
        if quantity.unit != Unit::Size || quantity.value < 0.0 {
            self.type_error(name, value, ty);
            return None;
        }
        Some(quantity.value)
    }

    fn layer(&mut self, value: &Value) -> Option<u8> {
        let ty = schema::ValueType::Layer;
        match &value.kind {
            ValueKind::Quantity(quantity)
                if quantity.unit == Unit::None && (quantity.value == 4.0 || quantity.value == 7.0) =>
            {
                Some(quantity.value as u8)
            }
            _ => {
                self.type_error("layer", value, ty);
                None
            }
        }
    }

    fn boolean(&mut self, name: &str, value: &Value) -> Option<bool> {
        match &value.kind {
            ValueKind::Word(word) if word == "true" => Some(true),
            ValueKind::Word(word) if word == "false" => Some(false),
            _ => {
                self.type_error(name, value, schema::ValueType::Bool);
                None
            }
        }
    }

    fn word(&mut self, name: &str, value: &Value) -> Option<String> {
        match &value.kind {
            ValueKind::Word(word) => Some(word.clone()),
            _ => {
                self.type_error(name, value, schema::ValueType::Name);
                None
            }
        }
    }

    fn string(&mut self, name: &str, value: &Value) -> Option<String> {
        match &value.kind {
            ValueKind::String(text) => Some(text.clone()),
            _ => {
                self.type_error(name, value, schema::ValueType::String);
                None
            }
        }
    }

    fn keyword<T: Keyword>(&mut self, name: &str, value: &Value) -> Option<T> {
        let word = match &value.kind {
            ValueKind::Word(word) | ValueKind::RuleName(word) => word.as_str(),
            ValueKind::String(text) => text.as_str(),
            _ => {
                self.type_error(name, value, schema::ValueType::Enum(T::NAMES));
                return None;
            }
        };
        if let Some(parsed) = T::parse(word) {
            return Some(parsed);
        }
        let suggestion = did_you_mean(word, T::NAMES.iter().copied());
        let diagnostic = self.error(codes::INVALID_VALUE, value.span, format!("unknown {name} `{word}`"));
        diagnostic.label = Some("not allowed here".to_string());
        diagnostic.help = Some(match suggestion {
            Some(suggestion) => format!("did you mean `{suggestion}`? `{name}` is one of {}", one_of(T::NAMES)),
            None => format!("`{name}` is one of {}", one_of(T::NAMES)),
        });
        None
    }

    fn latency(&mut self, value: &Value) -> Option<(f64, f64)> {
        match &value.kind {
            ValueKind::Quantity(_) => {
                // A duration alone sets p50; p99 is p50 × the tail factor of
                // the kind, applied by the caller below.
                let p50 = self.duration("latency", value)?;
                Some((p50, f64::NAN))
            }
            ValueKind::Block(block) => {
                let mut p50 = None;
                let mut p99 = None;
                let mut seen = Vec::new();
                for property in &block.properties {
                    if !self.check_duplicate(&mut seen, property) {
                        continue;
                    }
                    match property.name.name.as_str() {
                        "p50" => p50 = self.duration("p50", &property.value),
                        "p99" => p99 = self.duration("p99", &property.value),
                        other => {
                            let help = did_you_mean_help(other, ["p50", "p99"])
                                .unwrap_or_else(|| "a latency block takes `p50` and `p99`".to_string());
                            self.error(
                                codes::UNKNOWN_PROPERTY,
                                property.name.span,
                                format!("unknown latency field `{other}`"),
                            )
                            .help = Some(help);
                        }
                    }
                }
                let Some(p50) = p50 else {
                    self.error(codes::INVALID_VALUE, value.span, "a latency block needs `p50`")
                        .help = Some("write { p50 = 5ms, p99 = 20ms }".to_string());
                    return None;
                };
                let p99 = p99.unwrap_or(f64::NAN);
                if p99 < p50 {
                    self.error(codes::INVALID_VALUE, value.span, "`p99` is below `p50`")
                        .help = Some("the 99th percentile is at least the median".to_string());
                    return None;
                }
                Some((p50, p99))
            }
            _ => {
                self.type_error("latency", value, schema::ValueType::Latency);
                None
            }
        }
    }

    fn tags(&mut self, name: &str, value: &Value) -> Option<Vec<String>> {
        let ValueKind::List(items) = &value.kind else {
            self.type_error(name, value, schema::ValueType::Tags);
            return None;
        };
        let mut tags = Vec::new();
        for item in items {
            match &item.kind {
                ValueKind::String(text) | ValueKind::Word(text) | ValueKind::RuleName(text) => tags.push(text.clone()),
                ValueKind::Quantity(quantity) => tags.push(quantity.text.to_string()),
                _ => self.type_error(name, item, schema::ValueType::String),
            }
        }
        Some(tags)
    }

    /// Rule names are checked against the rule catalog by `analysis`, which
    /// knows the rules; here they are only collected.
    fn rule_list(&mut self, name: &str, value: &Value) -> Option<Vec<Allow>> {
        let ValueKind::List(items) = &value.kind else {
            self.type_error(name, value, schema::ValueType::RuleList);
            return None;
        };
        let mut rules = Vec::new();
        for item in items {
            match &item.kind {
                ValueKind::RuleName(rule) | ValueKind::Word(rule) | ValueKind::String(rule) => rules.push(Allow {
                    rule: rule.clone(),
                    span: item.span,
                }),
                _ => self.type_error(name, item, schema::ValueType::RuleList),
            }
        }
        Some(rules)
    }

    /// Reads a tagged block's fields by a table of names; reports unknown and
    /// missing fields. Returns the properties by name.
    fn fields<'b>(
        &mut self,
        what: &str,
        block: &'b Block,
        required: &[&str],
        optional: &[&str],
    ) -> Option<HashMap<&'b str, &'b Value>> {
        let mut fields = HashMap::default();
        let mut ok = true;
        let mut seen = Vec::new();
        for property in &block.properties {
            let name = property.name.name.as_str();
            if !self.check_duplicate(&mut seen, property) {
                ok = false;
                continue;
            }
            if required.contains(&name) || optional.contains(&name) {
                fields.insert(name, &property.value);
            } else {
                let all: Vec<&str> = required.iter().chain(optional).copied().collect();
                let help = did_you_mean_help(name, all.iter().copied())
                    .unwrap_or_else(|| format!("`{what}` takes {}", one_of(&all)));
                let diagnostic = self.error(
                    codes::UNKNOWN_PROPERTY,
                    property.name.span,
                    format!("unknown field `{name}` in `{what}`"),
                );
                diagnostic.help = Some(help);
                diagnostic.label = Some("unknown field".to_string());
                ok = false;
            }
        }
        for name in required {
            if !fields.contains_key(name) {
                let all: Vec<&str> = required.to_vec();
                self.error(codes::INVALID_VALUE, block.span, format!("`{what}` needs `{name}`"))
                    .help = Some(format!("`{what}` takes {}", one_of(&all)));
                ok = false;
            }
        }
        ok.then_some(fields)
    }

    fn tagged<'v>(
        &mut self,
        name: &str,
        value: &'v Value,
        ty: schema::ValueType,
    ) -> Option<(&'v ast::Ident, &'v Block)> {
        match &value.kind {
            ValueKind::Tagged(tagged) => Some((&tagged.0, &tagged.1)),
            _ => {
                self.type_error(name, value, ty);
                None
            }
        }
    }

    fn tag<T: Keyword>(&mut self, name: &str, tag: &ast::Ident) -> Option<T> {
        if let Some(parsed) = T::parse(&tag.name) {
            return Some(parsed);
        }
        let help = match did_you_mean(&tag.name, T::NAMES.iter().copied()) {
            Some(suggestion) => format!("did you mean `{suggestion}`? `{name}` is one of {}", one_of(T::NAMES)),
            None => format!("`{name}` is one of {}", one_of(T::NAMES)),
        };
        let diagnostic = self.error(codes::INVALID_VALUE, tag.span, format!("unknown {name} `{}`", tag.name));
        diagnostic.help = Some(help);
        diagnostic.label = Some("not allowed here".to_string());
        None
    }

    fn rate_limit(&mut self, value: &Value) -> Option<RateLimit> {
        let (tag, block) = self.tagged("rate_limit", value, schema::ValueType::RateLimit)?;
        let algorithm: RateLimitAlgorithm = self.tag("rate_limit", tag)?;
        let (required, amount) = if algorithm.is_window() {
            (["limit", "window", "per"], "limit")
        } else {
            (["capacity", "refill", "per"], "capacity")
        };
        let fields = self.fields(algorithm.as_str(), block, &required, &[])?;
        let limit = fields.get(amount).and_then(|value| self.count(amount, value, 1));
        let per = fields
            .get("per")
            .and_then(|value| self.keyword::<RateLimitScope>("per", value));
        let (window_ms, refill_per_s) = if algorithm.is_window() {
            let window = fields.get("window").and_then(|value| self.duration("window", value));
            if window == Some(0.0) {
                self.error(codes::INVALID_VALUE, value.span, "`window` must be longer than 0");
                return None;
            }
            (Some(window?), None)
        } else {
            (
                None,
                Some(
                    fields
                        .get("refill")
                        .and_then(|value| self.positive_rate("refill", value))?,
                ),
            )
        };
        Some(RateLimit {
            algorithm,
            limit: f64::from(limit?),
            window_ms,
            refill_per_s,
            per: per?,
            span: value.span,
        })
    }

    fn replication(&mut self, value: &Value) -> Option<Replication> {
        if let ValueKind::Word(word) = &value.kind
            && word == "none"
        {
            return Some(Replication::None);
        }
        let (tag, block) = self.tagged("replication", value, schema::ValueType::Replication)?;
        match tag.name.as_str() {
            "primary_replica" => {
                let fields = self.fields("primary_replica", block, &["replicas"], &["mode", "failover"])?;
                let replicas = fields
                    .get("replicas")
                    .and_then(|value| self.count("replicas", value, 1));
                let mode = match fields.get("mode") {
                    Some(value) => Some(self.keyword::<ReplicationMode>("mode", value)?),
                    None => Some(ReplicationMode::Async),
                };
                let failover = match fields.get("failover") {
                    Some(value) => Some(self.keyword::<Failover>("failover", value)?),
                    None => Some(Failover::Manual),
                };
                Some(Replication::PrimaryReplica {
                    replicas: replicas?,
                    mode: mode?,
                    failover: failover?,
                })
            }
            "multi_primary" => {
                let fields = self.fields("multi_primary", block, &["primaries"], &["conflict"])?;
                let primaries = fields
                    .get("primaries")
                    .and_then(|value| self.count("primaries", value, 2));
                let conflict = match fields.get("conflict") {
                    Some(value) => Some(self.keyword::<Conflict>("conflict", value)?),
                    None => None,
                };
                Some(Replication::MultiPrimary {
                    primaries: primaries?,
                    conflict,
                })
            }
            "quorum" => {
                let fields = self.fields("quorum", block, &["n", "r", "w"], &[])?;
                let n = fields.get("n").and_then(|value| self.count("n", value, 1));
                let r = fields.get("r").and_then(|value| self.count("r", value, 1));
                let w = fields.get("w").and_then(|value| self.count("w", value, 1));
                let (n, r, w) = (n?, r?, w?);
                for (field, count) in [("r", r), ("w", w)] {
                    if count > n {
                        if let Some(value) = fields.get(field) {
                            self.out_of_range(
                                field,
                                value,
                                schema::ValueType::Count { min: 1 },
                                format!("`{field}` = {count} is more than the {n} nodes of the quorum"),
                            );
                        }
                        return None;
                    }
                }
                Some(Replication::Quorum { n, r, w })
            }
            other => {
                let names = ["none", "primary_replica", "multi_primary", "quorum"];
                let help = match did_you_mean(other, names) {
                    Some(suggestion) => format!(
                        "did you mean `{suggestion}`? `replication` is one of {}",
                        one_of(&names)
                    ),
                    None => format!("`replication` is one of {}", one_of(&names)),
                };
                let diagnostic = self.error(codes::INVALID_VALUE, tag.span, format!("unknown replication `{other}`"));
                diagnostic.help = Some(help);
                None
            }
        }
    }

    fn shard(&mut self, value: &Value) -> Option<Shard> {
        let (tag, block) = self.tagged("shard", value, schema::ValueType::Shard)?;
        let strategy: ShardStrategy = self.tag("shard", tag)?;
        let fields = self.fields(strategy.as_str(), block, &["key", "count"], &[])?;
        let key = fields.get("key").and_then(|value| match &value.kind {
            ValueKind::Word(word) | ValueKind::String(word) => Some(word.clone()),
            _ => {
                self.type_error("key", value, schema::ValueType::Name);
                None
            }
        });
        let count = fields.get("count").and_then(|value| self.count("count", value, 1));
        Some(Shard {
            strategy,
            key: key?,
            count: count?,
            span: value.span,
        })
    }

    fn dead_letter(&mut self, owner: ComponentId, value: &Value) -> Option<DeadLetter> {
        match &value.kind {
            ValueKind::Word(word) if word == "true" => Some(DeadLetter::Enabled),
            ValueKind::Word(word) if word == "false" => Some(DeadLetter::None),
            ValueKind::Word(word) => {
                let target = self.component_ref(word, value.span)?;
                if target == owner {
                    self.error(
                        codes::INVALID_VALUE,
                        value.span,
                        format!("`{word}` cannot be its own dead-letter queue"),
                    )
                    .help = Some("name another queue, or write `dead_letter = true`".to_string());
                    return None;
                }
                if self.design.component(target).kind != Kind::Queue {
                    self.error(
                        codes::INVALID_VALUE,
                        value.span,
                        format!("`dead_letter` names `{word}`, which is not a queue"),
                    )
                    .help = Some("name a queue, or write `dead_letter = true`".to_string());
                    return None;
                }
                Some(DeadLetter::Queue(target))
            }
            _ => {
                self.type_error("dead_letter", value, schema::ValueType::DeadLetter);
                None
            }
        }
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

    // ------------------------------------------------------------ rtt and slo

    fn rtts(&mut self, gathered: &mut Gathered) {
        for rtt in std::mem::take(&mut gathered.rtts) {
            let a = self.region_ref(&rtt.a.name, rtt.a.span);
            let b = self.region_ref(&rtt.b.name, rtt.b.span);
            let ms = self.duration("rtt", &rtt.value);
            let (Some(a), Some(b), Some(ms)) = (a, b, ms) else {
                continue;
            };
            if a == b {
                // Accepted and ignored (language.md §9): a link within one
                // region never uses an `rtt`.
                continue;
            }
            if let Some(existing) = self
                .design
                .rtts
                .iter()
                .find(|r| (r.a == a && r.b == b) || (r.a == b && r.b == a))
            {
                let first = existing.span;
                let diagnostic = self.error(codes::INVALID_VALUE, rtt.span, "this region pair already has an `rtt`");
                diagnostic.secondary.push(crate::diagnostics::Label {
                    span: first,
                    message: "first declared here".to_string(),
                });
                continue;
            }
            self.design.rtts.push(Rtt {
                a,
                b,
                ms,
                span: rtt.span,
            });
        }
    }

    fn slo_block(&mut self, block: &Block) -> Slo {
        let mut slo = Slo {
            span: Some(block.span),
            ..Slo::default()
        };
        let mut seen = Vec::new();
        for property in &block.properties {
            if !self.check_duplicate(&mut seen, property) {
                continue;
            }
            let name = property.name.name.as_str();
            match name {
                "availability" => slo.availability = self.percentage(name, &property.value),
                "p50" => slo.p50_ms = self.duration(name, &property.value),
                "p95" => slo.p95_ms = self.duration(name, &property.value),
                "p99" => slo.p99_ms = self.duration(name, &property.value),
                other => {
                    let names = SLO_PROPERTIES.iter().map(|spec| spec.name);
                    let help = did_you_mean_help(other, names)
                        .unwrap_or_else(|| "an slo takes `availability`, `p50`, `p95` and `p99`".to_string());
                    let diagnostic = self.error(
                        codes::UNKNOWN_PROPERTY,
                        property.name.span,
                        format!("unknown slo field `{other}`"),
                    );
                    diagnostic.help = Some(help);
                    diagnostic.label = Some("unknown field".to_string());
                }
            }
        }
        slo
    }

    fn system_slo(&mut self, gathered: &mut Gathered) {
        if let Some(system) = &gathered.system {
            self.design.name = system.id.name.clone();
            self.design.label = system.label.as_ref().map(|label| label.value.clone());
            self.design.span = system.header_span;
        }
        for (idx, slo) in std::mem::take(&mut gathered.slos).into_iter().enumerate() {
            if idx > 0 {
                self.error(codes::INVALID_VALUE, slo.span, "the system has one `slo`")
                    .help = Some("merge the two slo blocks".to_string());
                continue;
            }
            self.design.slo = self.slo_block(&slo.block);
        }
    }

    // ------------------------------------------------------------ links

    fn links(&mut self, gathered: &mut Gathered) {
        let count: usize = gathered
            .links
            .iter()
            .map(|decl| decl.nodes.len().saturating_sub(1))
            .sum();
        self.design.links.reserve_exact(count);
        // Links by ends and op, to find one declared twice.
        let mut seen: HashMap<(ComponentId, ComponentId, Op), Span> =
            HashMap::with_capacity_and_hasher(count, Default::default());
        for decl in std::mem::take(&mut gathered.links) {
            let ids: Vec<Option<ComponentId>> = decl
                .nodes
                .iter()
                .map(|node| self.component_ref(&node.name, node.span))
                .collect();
            let mut template = LinkProps::default();
            if let Some(block) = &decl.block {
                self.link_properties(block, &mut template);
            }
            for (pair_idx, pair) in ids.windows(2).enumerate() {
                let (Some(from), Some(to)) = (pair[0], pair[1]) else {
                    continue;
                };
                let (from_ident, to_ident) = (&decl.nodes[pair_idx], &decl.nodes[pair_idx + 1]);
                let span = from_ident.span.to(to_ident.span);
                if from == to {
                    self.error(
                        codes::INVALID_VALUE,
                        span,
                        format!("`{}` links to itself", from_ident.name),
                    )
                    .help = Some("a link joins two different components".to_string());
                    continue;
                }
                let link = self.new_link(from, to, &template, span, decl.span);
                if let Some(&first) = seen.get(&(from, to, link.op)) {
                    let op = link.op;
                    let diagnostic = self.error(
                        codes::DUPLICATE_ID,
                        span,
                        format!(
                            "the link `{} -> {}` with op = {op} is declared twice",
                            from_ident.name, to_ident.name
                        ),
                    );
                    diagnostic.label = Some("declared again here".to_string());
                    diagnostic.secondary.push(crate::diagnostics::Label {
                        span: first,
                        message: "first declared here".to_string(),
                    });
                    diagnostic.help = Some(
                        "keep one; two links between the same pair need different `op`s (read and write)".to_string(),
                    );
                    continue;
                }
                seen.insert((from, to, link.op), link.span);
                self.design.links.push(link);
            }
        }
    }

    fn link_properties(&mut self, block: &Block, props: &mut LinkProps) {
        let mut seen = Vec::new();
        for property in &block.properties {
            if !self.check_duplicate(&mut seen, property) {
                continue;
            }
            let name = property.name.name.as_str();
            let value = &property.value;
            let Some(spec) = LINK_PROPERTIES.iter().find(|spec| spec.name == name) else {
                let help = did_you_mean_help(name, LINK_PROPERTIES.iter().map(|spec| spec.name)).unwrap_or_else(|| {
                    let names: Vec<&str> = LINK_PROPERTIES.iter().map(|spec| spec.name).collect();
                    format!("a link takes {}", one_of(&names))
                });
                let diagnostic = self.error(
                    codes::UNKNOWN_PROPERTY,
                    property.name.span,
                    format!("unknown link property `{name}`"),
                );
                diagnostic.help = Some(help);
                diagnostic.label = Some("unknown property".to_string());
                continue;
            };
            let ok = match spec.name {
                "mode" => self
                    .keyword::<LinkMode>(name, value)
                    .map(|v| props.mode = Some(v))
                    .is_some(),
                "op" => self.keyword::<Op>(name, value).map(|v| props.op = Some(v)).is_some(),
                "requires" => self
                    .keyword::<Consistency>(name, value)
                    .map(|v| props.requires = Some(v))
                    .is_some(),
                "prefers" => self
                    .keyword::<Prefers>(name, value)
                    .map(|v| props.prefers = Some(v))
                    .is_some(),
                "latency" => self.duration(name, value).map(|v| props.latency_ms = Some(v)).is_some(),
                "weight" => self.count(name, value, 1).map(|v| props.weight = Some(v)).is_some(),
                "fanout" => self
                    .keyword::<Fanout>(name, value)
                    .map(|v| props.fanout = Some(v))
                    .is_some(),
                "read_from" => self
                    .keyword::<ReadFrom>(name, value)
                    .map(|v| props.read_from = Some(v))
                    .is_some(),
                "timeout" => self.duration(name, value).map(|v| props.timeout_ms = Some(v)).is_some(),
                "retries" => self.count(name, value, 0).map(|v| props.retries = Some(v)).is_some(),
                "allow" => self.rule_list(name, value).map(|v| props.allow = v).is_some(),
                _ => false,
            };
            if ok {
                props.spans.push((spec.name, property.span));
            }
        }
    }

    fn new_link(
        &mut self,
        from: ComponentId,
        to: ComponentId,
        props: &LinkProps,
        span: Span,
        declaration_span: Span,
    ) -> Link {
        let touches_queue =
            self.design.component(from).kind == Kind::Queue || self.design.component(to).kind == Kind::Queue;
        let default_mode = if touches_queue { LinkMode::Async } else { LinkMode::Sync };
        Link {
            from,
            to,
            mode: props.mode.unwrap_or(default_mode),
            mode_declared: props.mode.is_some(),
            op: props.op.unwrap_or(Op::ReadWrite),
            requires: props.requires,
            prefers: props.prefers,
            latency_ms: props.latency_ms,
            weight: props.weight.unwrap_or(1),
            fanout: props.fanout.unwrap_or(Fanout::One),
            read_from: props.read_from.unwrap_or(ReadFrom::Any),
            timeout_ms: props.timeout_ms,
            retries: props.retries,
            allow: props.allow.clone(),
            span,
            declaration_span,
            property_spans: props.spans.clone(),
        }
    }

    // ------------------------------------------------------------ flows

    fn flows(&mut self, gathered: &mut Gathered) {
        let mut seen: HashMap<String, Span> = HashMap::default();
        let links_by_pair = LinksByPair::new(&self.design);
        for decl in std::mem::take(&mut gathered.flows) {
            if let Some(first) = seen.get(&decl.id.name) {
                let first = *first;
                let diagnostic = self.error(
                    codes::DUPLICATE_ID,
                    decl.id.span,
                    format!("flow `{}` is declared twice", decl.id.name),
                );
                diagnostic.secondary.push(crate::diagnostics::Label {
                    span: first,
                    message: "first declared here".to_string(),
                });
                continue;
            }
            seen.insert(decl.id.name.clone(), decl.id.span);
            if let Some(flow) = self.flow(&decl, &links_by_pair) {
                self.design.flows.push(flow);
            }
        }
    }

    fn flow(&mut self, decl: &ast::FlowDecl, links_by_pair: &LinksByPair) -> Option<Flow> {
        let mut path_value = None;
        let mut rps = None;
        let mut op = None;
        let mut requires = None;
        let mut slo = Slo::default();
        let mut allow = Vec::new();
        let mut description = None;
        let mut ok = true;
        let mut seen = Vec::new();
        for property in &decl.block.properties {
            if !self.check_duplicate(&mut seen, property) {
                ok = false;
                continue;
            }
            let name = property.name.name.as_str();
            let value = &property.value;
            match name {
                "path" => path_value = Some(value),
                "rps" => rps = self.rate(name, value),
                "op" => op = self.keyword::<Op>(name, value),
                "requires" => requires = self.keyword::<Consistency>(name, value),
                "slo" => match &value.kind {
                    ValueKind::Block(block) => slo = self.slo_block(block),
                    _ => self.type_error(name, value, schema::ValueType::Slo),
                },
                "allow" => allow = self.rule_list(name, value).unwrap_or_default(),
                "description" => description = self.string(name, value),
                other => {
                    let help =
                        did_you_mean_help(other, FLOW_PROPERTIES.iter().map(|spec| spec.name)).unwrap_or_else(|| {
                            let names: Vec<&str> = FLOW_PROPERTIES.iter().map(|spec| spec.name).collect();
                            format!("a flow takes {}", one_of(&names))
                        });
                    let diagnostic = self.error(
                        codes::UNKNOWN_PROPERTY,
                        property.name.span,
                        format!("unknown flow property `{other}`"),
                    );
                    diagnostic.help = Some(help);
                    diagnostic.label = Some("unknown property".to_string());
                    ok = false;
                }
            }
        }
        let op = op.unwrap_or(Op::ReadWrite);
        let Some(path_value) = path_value else {
            self.error(
                codes::INVALID_FLOW,
                decl.id.span,
                format!("flow `{}` has no `path`", decl.id.name),
            )
            .help = Some("write `path = client -> ... -> target`".to_string());
            return None;
        };
        let nodes = match &path_value.kind {
            ValueKind::Chain(nodes) => nodes.clone(),
            ValueKind::Word(_) => {
                self.error(codes::INVALID_FLOW, path_value.span, "a path crosses at least one link")
                    .help = Some("write `path = a -> b`".to_string());
                return None;
            }
            _ => {
                self.type_error("path", path_value, schema::ValueType::Path);
                return None;
            }
        };
        if nodes.len() > MAX_FLOW_COMPONENTS {
            let diagnostic = self.error(
                codes::LIMIT_EXCEEDED,
                path_value.span,
                format!(
                    "flow `{}` crosses {} components, more than the limit of {MAX_FLOW_COMPONENTS}",
                    decl.id.name,
                    nodes.len()
                ),
            );
            diagnostic.help =
                Some("split it into several flows; a request rarely crosses more than a dozen".to_string());
            return None;
        }
        let ids: Vec<Option<ComponentId>> = nodes
            .iter()
            .map(|node| self.component_ref(&node.name, node.span))
            .collect();
        let path: Vec<ComponentId> = ids.iter().flatten().copied().collect();
        if path.len() != nodes.len() {
            return None;
        }
        let mut hops = Vec::with_capacity(path.len().saturating_sub(1));
        for (hop_idx, pair) in path.windows(2).enumerate() {
            let (from, to) = (pair[0], pair[1]);
            let span = nodes[hop_idx].span.to(nodes[hop_idx + 1].span);
            match self.hop_link(from, to, op, span, links_by_pair) {
                Some(link) => hops.push(link),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let mut visits = Flow::chain_visits(&path, &hops, op, decl.id.span);
        for (visit, node) in visits.iter_mut().zip(&nodes) {
            visit.span = node.span;
        }
        for step in &decl.block.steps {
            if !self.flow_step(decl, step, op, &mut visits, links_by_pair) {
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        Some(Flow {
            id: decl.id.name.clone(),
            label: decl.label.as_ref().map(|label| label.value.clone()),
            span: decl.span,
            id_span: decl.id.span,
            path,
            hops,
            visits,
            rps: rps.unwrap_or(0.0),
            rps_origin: if rps.is_some() {
                Origin::Declared
            } else {
                Origin::Language
            },
            op,
            requires,
            // The flow's own SLO over the system's, field by field (language.md §2).
            slo: slo.or(&self.design.slo),
            allow,
            description,
        })
    }

    /// Adds a `call` line or a `parallel` block to a flow's call tree
    /// (language.md §5); false after an error (reported).
    fn flow_step(
        &mut self,
        decl: &ast::FlowDecl,
        step: &ast::StepDecl,
        flow_op: Op,
        visits: &mut Vec<Visit>,
        links_by_pair: &LinksByPair,
    ) -> bool {
        match step {
            ast::StepDecl::Call(call) => {
                let Some(caller) = self.caller_visit(decl, call, visits) else {
                    return false;
                };
                let Some(first) = self.call_chain(decl, call, caller, flow_op, visits, links_by_pair) else {
                    return false;
                };
                visits[caller].steps.push(CallStep {
                    calls: vec![first],
                    parallel: false,
                });
                true
            }
            ast::StepDecl::Parallel(parallel) => {
                let mut ok = true;
                for property in &parallel.block.properties {
                    let diagnostic = self.error(
                        codes::INVALID_FLOW,
                        property.span,
                        format!(
                            "a `parallel` block holds only `call` lines, not `{}`",
                            property.name.name
                        ),
                    );
                    diagnostic.help = Some(format!(
                        "move `{}` out of the `parallel` block, into the flow",
                        property.name.name
                    ));
                    diagnostic.label = Some("not a call".to_string());
                    ok = false;
                }
                let mut calls: Vec<&ast::CallDecl> = Vec::new();
                for inner in &parallel.block.steps {
                    match inner {
                        ast::StepDecl::Call(call) => calls.push(call),
                        ast::StepDecl::Parallel(nested) => {
                            let diagnostic = self.error(
                                codes::INVALID_FLOW,
                                nested.keyword_span,
                                "a `parallel` block inside another one",
                            );
                            diagnostic.help =
                                Some("list every call made at the same time in one `parallel` block".to_string());
                            diagnostic.label = Some("nested".to_string());
                            ok = false;
                        }
                    }
                }
                if calls.is_empty() {
                    if parallel.block.steps.is_empty() {
                        let diagnostic = self.error(
                            codes::INVALID_FLOW,
                            parallel.keyword_span,
                            format!("a `parallel` block in flow `{}` holds no `call`", decl.id.name),
                        );
                        diagnostic.help = Some(
                            "write the calls made at the same time inside it: `parallel { call api -> a; call api -> b }`"
                                .to_string(),
                        );
                        diagnostic.label = Some("no call".to_string());
                    }
                    return false;
                }
                let callers: Vec<&ast::Ident> = calls.iter().filter_map(|call| call.nodes.first()).collect();
                if let Some(other) = callers.iter().find(|ident| ident.name != callers[0].name) {
                    let first = callers[0];
                    let diagnostic = self.error(
                        codes::INVALID_FLOW,
                        other.span,
                        format!(
                            "a `parallel` block holds calls from one caller; this one starts at `{}`, the first at `{}`",
                            other.name, first.name
                        ),
                    );
                    diagnostic.help = Some(format!(
                        "start every call of the block at `{}`, or give `{}`'s calls a `parallel` block of their own",
                        first.name, other.name
                    ));
                    diagnostic.label = Some("another caller".to_string());
                    diagnostic.secondary.push(crate::diagnostics::Label {
                        span: first.span,
                        message: "the first call starts here".to_string(),
                    });
                    return false;
                }
                if !ok {
                    return false;
                }
                let Some(caller) = self.caller_visit(decl, calls[0], visits) else {
                    return false;
                };
                let mut firsts = Vec::with_capacity(calls.len());
                for call in calls {
                    match self.call_chain(decl, call, caller, flow_op, visits, links_by_pair) {
                        Some(first) => firsts.push(first),
                        None => ok = false,
                    }
                }
                if ok {
                    visits[caller].steps.push(CallStep {
                        calls: firsts,
                        parallel: true,
                    });
                }
                ok
            }
        }
    }

    /// The one visit of a call's first component in the tree so far.
    fn caller_visit(&mut self, decl: &ast::FlowDecl, call: &ast::CallDecl, visits: &[Visit]) -> Option<VisitId> {
        let caller = call.nodes.first()?;
        let component = self.component_ref(&caller.name, caller.span)?;
        let occurrences: Vec<VisitId> = (0..visits.len())
            .filter(|idx| visits[*idx].component == component)
            .collect();
        match occurrences.as_slice() {
            [only] => Some(*only),
            [] => {
                let in_flow: Vec<&str> = {
                    let mut names: Vec<&str> = Vec::new();
                    for visit in visits {
                        let name = self.design.component(visit.component).id.as_str();
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                    names
                };
                let help = match did_you_mean(&caller.name, in_flow.iter().copied()) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => format!(
                        "a call starts at a component already in the flow ({}); add `{}` to `path` or to an earlier `call`",
                        in_flow.join(", "),
                        caller.name
                    ),
                };
                let diagnostic = self.error(
                    codes::INVALID_FLOW,
                    caller.span,
                    format!("`{}` is not in flow `{}` before this call", caller.name, decl.id.name),
                );
                diagnostic.help = Some(help);
                diagnostic.label = Some("not in the flow".to_string());
                None
            }
            many => {
                let diagnostic = self.error(
                    codes::INVALID_FLOW,
                    caller.span,
                    format!(
                        "`{}` appears {} times in flow `{}`, so this call's caller is ambiguous",
                        caller.name,
                        many.len(),
                        decl.id.name
                    ),
                );
                diagnostic.help = Some(format!(
                    "make `{}` appear once in the flow before this call, e.g. call it from one place only",
                    caller.name
                ));
                diagnostic.label = Some("ambiguous caller".to_string());
                for (number, idx) in many.iter().enumerate() {
                    diagnostic.secondary.push(crate::diagnostics::Label {
                        span: visits[*idx].span,
                        message: format!("occurrence {}", number + 1),
                    });
                }
                None
            }
        }
    }

    /// Adds the visits of a call's chain below `caller`; returns the first
    /// one.
    fn call_chain(
        &mut self,
        decl: &ast::FlowDecl,
        call: &ast::CallDecl,
        caller: VisitId,
        flow_op: Op,
        visits: &mut Vec<Visit>,
        links_by_pair: &LinksByPair,
    ) -> Option<VisitId> {
        let mut op = flow_op;
        let mut requires = None;
        let mut allow = Vec::new();
        let mut ok = true;
        if let Some(block) = &call.block {
            let mut seen = Vec::new();
            for property in &block.properties {
                if !self.check_duplicate(&mut seen, property) {
                    ok = false;
                    continue;
                }
                let name = property.name.name.as_str();
                let value = &property.value;
                match name {
                    "op" => match self.keyword::<Op>(name, value) {
                        Some(value) => op = value,
                        None => ok = false,
                    },
                    "requires" => match self.keyword::<Consistency>(name, value) {
                        Some(value) => requires = Some(value),
                        None => ok = false,
                    },
                    "allow" => allow = self.rule_list(name, value).unwrap_or_default(),
                    other => {
                        const CALL_PROPERTIES: [&str; 3] = ["op", "requires", "allow"];
                        let help = did_you_mean_help(other, CALL_PROPERTIES.iter().copied())
                            .unwrap_or_else(|| format!("a call takes {}", one_of(&CALL_PROPERTIES)));
                        let diagnostic = self.error(
                            codes::UNKNOWN_PROPERTY,
                            property.name.span,
                            format!("unknown call property `{other}`"),
                        );
                        diagnostic.help = Some(help);
                        diagnostic.label = Some("unknown property".to_string());
                        ok = false;
                    }
                }
            }
        }
        if visits.len() + call.nodes.len() > MAX_FLOW_COMPONENTS {
            let diagnostic = self.error(
                codes::LIMIT_EXCEEDED,
                call.span,
                format!(
                    "flow `{}` visits more than the limit of {MAX_FLOW_COMPONENTS} components",
                    decl.id.name
                ),
            );
            diagnostic.help =
                Some("split it into several flows; a request rarely crosses more than a dozen".to_string());
            return None;
        }
        let ids: Vec<Option<ComponentId>> = call
            .nodes
            .iter()
            .skip(1)
            .map(|node| self.component_ref(&node.name, node.span))
            .collect();
        if ids.iter().any(Option::is_none) || !ok {
            return None;
        }
        let mut previous = caller;
        let mut first = None;
        for (hop_idx, id) in ids.into_iter().flatten().enumerate() {
            let from_ident = &call.nodes[hop_idx];
            let to_ident = &call.nodes[hop_idx + 1];
            let from = visits[previous].component;
            let link = self.hop_link(from, id, op, from_ident.span.to(to_ident.span), links_by_pair)?;
            let idx = visits.len();
            if first.is_some() {
                visits[previous].steps.push(CallStep {
                    calls: vec![idx],
                    parallel: false,
                });
            }
            visits.push(Visit {
                component: id,
                parent: Some(previous),
                link: Some(link),
                op,
                requires,
                allow: allow.clone(),
                steps: Vec::new(),
                span: to_ident.span,
            });
            first.get_or_insert(idx);
            previous = idx;
        }
        first
    }

    /// The link a hop uses (language.md §2, "Links"): the only one for the
    /// pair, else the one whose `op` is the flow's, else the `read_write` one.
    fn hop_link(
        &mut self,
        from: ComponentId,
        to: ComponentId,
        op: Op,
        span: Span,
        links_by_pair: &LinksByPair,
    ) -> Option<LinkId> {
        let candidates = links_by_pair.get(from, to);
        if let [only] = candidates {
            return Some(*only);
        }
        let from_name = self.design.component(from).id.clone();
        let to_name = self.design.component(to).id.clone();
        if candidates.is_empty() {
            let reverse = !links_by_pair.get(to, from).is_empty();
            let help = if reverse {
                format!(
                    "the link goes the other way, `{to_name} -> {from_name}`; declare `{from_name} -> {to_name}` or reverse the path"
                )
            } else {
                let targets: Vec<String> = self
                    .design
                    .links
                    .iter()
                    .filter(|link| link.from == from)
                    .map(|link| self.design.component(link.to).id.clone())
                    .collect();
                if targets.is_empty() {
                    format!("declare the link `{from_name} -> {to_name}`")
                } else {
                    format!(
                        "declare the link `{from_name} -> {to_name}`; `{from_name}` links to {}",
                        targets.join(", ")
                    )
                }
            };
            let diagnostic = self.error(
                codes::INVALID_FLOW,
                span,
                format!("no link `{from_name} -> {to_name}` for this hop"),
            );
            diagnostic.help = Some(help);
            diagnostic.label = Some("not a declared link".to_string());
            return None;
        }
        let same_op: Vec<LinkId> = candidates
            .iter()
            .copied()
            .filter(|id| self.design.link(*id).op == op)
            .collect();
        let chosen: Vec<LinkId> = if same_op.is_empty() {
            candidates
                .iter()
                .copied()
                .filter(|id| self.design.link(*id).op == Op::ReadWrite)
                .collect()
        } else {
            same_op
        };
        if let [only] = chosen.as_slice() {
            return Some(*only);
        }
        let listed: Vec<String> = candidates
            .iter()
            .map(|id| format!("`{from_name} -> {to_name} {{ op = {} }}`", self.design.link(*id).op))
            .collect();
        let message = if chosen.is_empty() {
            format!("no link `{from_name} -> {to_name}` fits a flow with op = {op}")
        } else {
            format!("several links `{from_name} -> {to_name}` fit a flow with op = {op}")
        };
        let link_spans: Vec<Span> = candidates.iter().map(|id| self.design.link(*id).span).collect();
        let diagnostic = self.error(codes::INVALID_FLOW, span, message);
        diagnostic.help = Some(format!(
            "the links are {}; give each a distinct `op`, or set the flow's `op`",
            listed.join(", ")
        ));
        for link_span in link_spans {
            diagnostic.secondary.push(crate::diagnostics::Label {
                span: link_span,
                message: "a candidate link".to_string(),
            });
        }
        None
    }

    // ------------------------------------------------------------ whole-design checks

    fn check_cross_references(&mut self) {
        // Kind defaults: a duration alone for `latency` sets p50; p99 is p50
        // times the kind's tail factor.
        let base = KnowledgeBase::get();
        for component in &mut self.design.components {
            if component.latency.p99_ms.is_nan() {
                component.latency.p99_ms = component.latency.p50_ms * base.kind(component.kind).tail();
            }
        }
        // `fanout = all` needs a sharded target; a hop between regions needs
        // an rtt unless the link sets its own latency.
        for link_idx in 0..self.design.links.len() {
            let link = &self.design.links[link_idx];
            let target = self.design.component(link.to);
            if link.fanout == Fanout::All && target.shard.is_none() {
                let span = link.property_span("fanout").unwrap_or(link.span);
                let message = format!("`fanout = all` into `{}`, which is not sharded", target.id);
                self.error(codes::INVALID_VALUE, span, message).help = Some(
                    "declare `shard = hash { key = K, count = N }` on the target, or remove `fanout = all`".to_string(),
                );
            }
            let link = &self.design.links[link_idx];
            let (from, to) = (self.design.component(link.from), self.design.component(link.to));
            if let (Some(a), Some(b), None) = (from.region, to.region, link.latency_ms)
                && a != b
                && self.design.rtt_ms(a, b).is_none()
            {
                let (a_name, b_name) = (self.design.region(a).id.clone(), self.design.region(b).id.clone());
                let span = link.span;
                let diagnostic = self.error(
                    codes::INVALID_VALUE,
                    span,
                    format!("no `rtt` between regions `{a_name}` and `{b_name}` for this link"),
                );
                diagnostic.help = Some(format!(
                    "declare `rtt {a_name} <-> {b_name} = 75ms`, or set `latency` on the link"
                ));
                diagnostic.label = Some("crosses regions".to_string());
            }
        }
    }

    /// Flows without `rps` share what their client's `rps` leaves after the
    /// flows that set one, evenly (language.md §2, "Flows").
    fn share_client_rps(&mut self) {
        let mut by_client: HashMap<ComponentId, Vec<FlowId>> = HashMap::default();
        for flow_id in self.design.flow_ids() {
            if let Some(client) = self.design.flow(flow_id).client() {
                by_client.entry(client).or_default().push(flow_id);
            }
        }
        let mut clients: Vec<_> = by_client.into_iter().collect();
        clients.sort();
        for (client_id, flows) in clients {
            let client = self.design.component(client_id);
            let explicit: f64 = flows
                .iter()
                .filter(|id| self.design.flow(**id).rps_origin == Origin::Declared)
                .map(|id| self.design.flow(*id).rps)
                .sum();
            let open: Vec<FlowId> = flows
                .iter()
                .copied()
                .filter(|id| self.design.flow(*id).rps_origin != Origin::Declared)
                .collect();
            let Some(total) = client.rps else {
                continue;
            };
            let left = total - explicit;
            if left < -1e-9 {
                let (span, name) = (client.span, client.id.clone());
                let flow_spans: Vec<Span> = flows.iter().map(|id| self.design.flow(*id).span).collect();
                let diagnostic = self.error(
                    codes::INVALID_VALUE,
                    span,
                    format!(
                        "the flows of `{name}` ask for {} rps, more than its {} rps",
                        fmt_rate(explicit),
                        fmt_rate(total)
                    ),
                );
                diagnostic.help = Some(format!("raise `rps` on `{name}` or lower the flows' `rps`"));
                for flow_span in flow_spans {
                    diagnostic.secondary.push(crate::diagnostics::Label {
                        span: flow_span,
                        message: "a flow of this client".to_string(),
                    });
                }
                continue;
            }
            if open.is_empty() {
                continue;
            }
            let share = left.max(0.0) / open.len() as f64;
            for id in open {
                self.design.flows[id.index()].rps = share;
            }
        }
    }
}

/// Links sorted by their ends, so a hop finds its links by binary search
/// (a map of small vectors cost 15 MB at 100,000 components).
struct LinksByPair {
    sorted: Vec<(ComponentId, ComponentId, LinkId)>,
    ids: Vec<LinkId>,
}

impl LinksByPair {
    fn new(design: &Design) -> LinksByPair {
        let mut sorted: Vec<(ComponentId, ComponentId, LinkId)> = design
            .link_ids()
            .map(|id| (design.link(id).from, design.link(id).to, id))
            .collect();
        // Link ids rise in declaration order, so equal ends keep that order.
        sorted.sort_unstable();
        let ids = sorted.iter().map(|(_, _, id)| *id).collect();
        LinksByPair { sorted, ids }
    }

    /// The links from `from` to `to`, in declaration order.
    fn get(&self, from: ComponentId, to: ComponentId) -> &[LinkId] {
        let start = self.sorted.partition_point(|(a, b, _)| (*a, *b) < (from, to));
        let end = self.sorted.partition_point(|(a, b, _)| (*a, *b) <= (from, to));
        &self.ids[start..end]
    }
}

/// Properties of a link declaration, shared by every link of its chain.
#[derive(Default)]
struct LinkProps {
    mode: Option<LinkMode>,
    op: Option<Op>,
    requires: Option<Consistency>,
    prefers: Option<Prefers>,
    latency_ms: Option<f64>,
    weight: Option<u32>,
    fanout: Option<Fanout>,
    read_from: Option<ReadFrom>,
    timeout_ms: Option<f64>,
    retries: Option<u32>,
    allow: Vec<Allow>,
    spans: Vec<(&'static str, Span)>,
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Import(decl) => decl.span,
        Item::Container(decl) => decl.header_span,
        Item::Component(decl) => decl.span,
        Item::Link(decl) => decl.span,
        Item::Flow(decl) => decl.span,
        Item::Slo(decl) => decl.span,
        Item::Rtt(decl) => decl.span,
    }
}

fn short_type(ty: schema::ValueType) -> &'static str {
    match ty {
        schema::ValueType::Count { .. } => "a whole number",
        schema::ValueType::Ratio => "a ratio",
        schema::ValueType::Percentage => "a percentage",
        schema::ValueType::Duration | schema::ValueType::Latency => "a duration",
        schema::ValueType::Rate => "a rate",
        schema::ValueType::Size => "a size",
        schema::ValueType::Bool => "true or false",
        schema::ValueType::Enum(_) => "a keyword",
        schema::ValueType::Layer => "4 or 7",
        schema::ValueType::Region => "a region",
        schema::ValueType::String => "a string",
        schema::ValueType::Tags | schema::ValueType::RuleList => "a list",
        schema::ValueType::RateLimit
        | schema::ValueType::Replication
        | schema::ValueType::Shard
        | schema::ValueType::Slo => "a block",
        schema::ValueType::DeadLetter => "true, false or a queue",
        schema::ValueType::Path => "a path",
        schema::ValueType::Name => "a name",
    }
}

/// `1000`, `166.67`: a rate as people write it.
fn fmt_rate(rate: f64) -> String {
    if rate.fract() == 0.0 {
        format!("{rate:.0}")
    } else {
        format!("{rate:.2}")
    }
}

#[cfg(test)]
mod tests {
    use crate::model::load::{compile_text, test_design as design};
    use crate::model::*;

    fn errors(text: &str) -> Vec<String> {
        compile_text(text).diagnostics.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn flows_without_rps_share_what_their_client_leaves() {
        let design = design(
            "system s {\n  client u { rps = 1k }\n  service a\n  service b\n  u -> a\n  u -> b\n  flow x { path = u -> a, rps = 400 }\n  flow y { path = u -> a }\n  flow z { path = u -> b }\n}",
        );
        let rps: Vec<f64> = design.flows.iter().map(|flow| flow.rps).collect();
        assert_eq!(rps, vec![400.0, 300.0, 300.0]);
        assert!(
            errors(
                "system s {\n  client u { rps = 10 }\n  service a\n  u -> a\n  flow x { path = u -> a, rps = 20 }\n}"
            )[0]
            .contains("more than its 10 rps")
        );
    }

    #[test]
    fn link_defaults_follow_language_md() {
        let design = design("system s {\n  service a\n  queue q\n  worker w\n  database d\n  a -> q -> w -> d\n}");
        let modes: Vec<LinkMode> = design.links.iter().map(|link| link.mode).collect();
        assert_eq!(modes, vec![LinkMode::Async, LinkMode::Async, LinkMode::Sync]);
        assert!(
            design
                .links
                .iter()
                .all(|link| link.op == Op::ReadWrite && link.weight == 1)
        );
    }

    #[test]
    fn a_hop_takes_the_link_of_its_op() {
        let design = design(
            "system s {\n  client u\n  service a\n  database d\n  u -> a\n  a -> d { op = read }\n  a -> d { op = write, requires = strong }\n  flow r { path = u -> a -> d, op = read }\n  flow w { path = u -> a -> d, op = write }\n}",
        );
        assert_eq!(design.flows[0].hops[1], LinkId(1));
        assert_eq!(design.flows[1].hops[1], LinkId(2));
    }

    #[test]
    fn defaults_come_from_the_technology_and_the_kind() {
        let design = design(
            "system s {\n  database d : postgres { replication = primary_replica { replicas = 2 } }\n  database c : cassandra\n  cache r : redis\n  cdn e : cloudfront\n  database x\n}",
        );
        let d = &design.components[0];
        assert_eq!(d.consistency(), Consistency::Strong);
        assert_eq!(
            d.replication,
            Replication::PrimaryReplica {
                replicas: 2,
                mode: ReplicationMode::Async,
                failover: Failover::Manual
            }
        );
        assert_eq!(design.components[1].consistency(), Consistency::Eventual);
        assert_eq!(design.components[2].hit_ratio(), 0.8);
        assert_eq!(design.components[2].cache_pattern, CachePattern::CacheAside);
        assert_eq!(design.components[2].effective_ttl_ms(), None);
        assert_eq!(design.components[3].effective_ttl_ms(), Some(86_400_000.0));
        assert!(design.components[3].is_redundant());
        assert!(!design.components[4].is_redundant());
        assert_eq!(design.components[4].latency.p99_ms, 50.0);
    }

    #[test]
    fn a_latency_alone_sets_p50_and_the_kind_sets_the_tail() {
        let design =
            design("system s {\n  service a { latency = 4ms }\n  service b { latency = { p50 = 1ms, p99 = 3ms } }\n}");
        assert_eq!(
            (design.components[0].latency.p50_ms, design.components[0].latency.p99_ms),
            (4.0, 20.0)
        );
        assert_eq!(
            (design.components[1].latency.p50_ms, design.components[1].latency.p99_ms),
            (1.0, 3.0)
        );
    }

    #[test]
    fn calls_and_parallel_blocks_build_a_tree_of_visits() {
        let design = design(
            "system s {\n  client u\n  service api\n  cache c { pattern = cache_aside }\n  database db\n  service a\n  service b\n  queue q\n  worker w\n  u -> api -> c -> db\n  api -> a\n  api -> b\n  api -> db { op = write }\n  api -> q -> w\n  flow f {\n    path = u -> api\n    call api -> c -> db { op = read }\n    parallel {\n      call api -> a\n      call api -> b\n    }\n    call api -> db { op = write }\n    call api -> q -> w\n  }\n}",
        );
        let flow = &design.flows[0];
        let names: Vec<&str> = flow
            .visits
            .iter()
            .map(|visit| design.component(visit.component).id.as_str())
            .collect();
        assert_eq!(names, ["u", "api", "c", "db", "a", "b", "db", "q", "w"]);
        let api = &flow.visits[1];
        let steps: Vec<(Vec<usize>, bool)> = api
            .steps
            .iter()
            .map(|step| (step.calls.clone(), step.parallel))
            .collect();
        assert_eq!(
            steps,
            vec![(vec![2], false), (vec![4, 5], true), (vec![6], false), (vec![7], false)]
        );
        assert_eq!(flow.visits[3].op, Op::Read);
        assert_eq!(flow.visits[6].op, Op::Write);
        let part = flow.sync_part(&design);
        assert_eq!(part.visits, vec![0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(part.leaves, vec![3, 4, 5, 6, 7]);
        assert_eq!(part.background, vec![design.component_id("w").unwrap()]);
    }

    #[test]
    fn call_errors_name_the_flow_and_the_occurrences() {
        let base =
            "system s {\n  client u\n  service api\n  service apii\n  service b\n  u -> api -> b -> api\n  apii -> b\n";
        let found = errors(&format!(
            "{base}  flow f {{\n    path = u -> api\n    call apii -> b\n  }}\n}}"
        ));
        assert!(
            found.iter().any(|e| e.contains("`apii` is not in flow `f`")),
            "{found:?}"
        );
        let found = errors(&format!(
            "{base}  flow f {{\n    path = u -> api -> b -> api\n    call api -> b\n  }}\n}}"
        ));
        assert!(
            found.iter().any(|e| e.contains("appears 2 times in flow `f`")),
            "{found:?}"
        );
        let found = errors(&format!(
            "{base}  flow f {{\n    path = u -> api -> b\n    parallel {{\n      call api -> b\n      call b -> api\n    }}\n  }}\n}}"
        ));
        assert!(found.iter().any(|e| e.contains("from one caller")), "{found:?}");
        let found = errors(&format!(
            "{base}  flow f {{\n    path = u -> api\n    parallel {{ }}\n  }}\n}}"
        ));
        assert!(found.iter().any(|e| e.contains("holds no `call`")), "{found:?}");
        let found = errors(&format!(
            "{base}  flow f {{\n    path = u -> api\n    call api -> u\n  }}\n}}"
        ));
        assert!(found.iter().any(|e| e.contains("no link `api -> u`")), "{found:?}");
        let found = errors(&format!("{base}  service x {{ call api -> b }}\n}}"));
        assert!(found.iter().any(|e| e.contains("belongs in a flow")), "{found:?}");
    }

    #[test]
    fn regions_rtts_and_the_sync_part() {
        let design = design(
            "system s {\n  region a { client u }\n  region b { service x\n  queue q\n  worker w }\n  rtt a <-> b = 75ms\n  u -> x -> q -> w\n  flow f { path = u -> x -> q -> w }\n}",
        );
        assert_eq!(design.rtt_ms(RegionId(0), RegionId(1)), Some(75.0));
        let part = design.flows[0].sync_part(&design);
        assert_eq!(part.nodes, vec![ComponentId(0), ComponentId(1), ComponentId(2)]);
        assert_eq!(part.background, vec![ComponentId(3)]);
    }

    #[test]
    fn checks_cross_references() {
        let all = errors(
            "system s {\n  service a\n  database d\n  queue q { dead_letter = a }\n  a -> d { fanout = all }\n  a -> a\n}",
        );
        assert!(all.iter().any(|m| m.contains("which is not a queue")), "{all:?}");
        assert!(all.iter().any(|m| m.contains("which is not sharded")), "{all:?}");
        assert!(all.iter().any(|m| m.contains("links to itself")), "{all:?}");
    }

    #[test]
    fn every_component_property_in_the_schema_is_handled() {
        use crate::model::schema::COMPONENT_PROPERTIES;
        for spec in COMPONENT_PROPERTIES {
            let kind = spec.kinds.first().copied().unwrap_or(Kind::Service);
            let value = match spec.name {
                "latency" => "5ms".to_string(),
                "region" => "r".to_string(),
                "invalidation" if kind == Kind::Cdn => "versioned".to_string(),
                "pattern" => "cache_aside".to_string(),
                "dead_letter" => "true".to_string(),
                _ => spec.ty.example().to_string(),
            };
            let text = format!(
                "system s {{\n  region r {{ client c }}\n  {kind} x {{ {} = {value} }}\n}}",
                spec.name
            );
            let all = errors(&text);
            assert!(all.is_empty(), "{}: {all:?}", spec.name);
        }
    }
}
