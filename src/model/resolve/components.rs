//! Components: kinds, ids, defaults from the technology and the kind, and
//! each property of a component's block read into its typed field (the
//! value through `values`, the span and the diagnostic here).

use super::*;

impl Resolver {
    pub(super) fn components(&mut self, gathered: &mut Gathered) {
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
        // A managed technology's published availability (language.md §8;
        // §4 keeps every other availability by kind).
        let (availability, availability_origin) = match technology {
            Some(technology) if technology.managed && technology.kinds.first() == Some(&kind) => {
                match technology.availability.value {
                    Some(value) => (value, Origin::Technology(technology.id.clone())),
                    None => (defaults.availability().unwrap_or(1.0), Origin::KindDefault),
                }
            }
            _ => (defaults.availability().unwrap_or(1.0), Origin::KindDefault),
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
            availability,
            availability_origin,
            capacity: None,
            region,
            description: None,
            tags: Vec::new(),
            allow: Vec::new(),
            bandwidth: None,
            max_connections: None,
            rps: None,
            connections: None,
            algorithm: None,
            hash_key: None,
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
            partitions: None,
            partition_share: None,
            held_connections: 0.0,
            idempotent: None,
            stateless: true,
            embedded: false,
            role: None,
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
                // A property of most kinds names the few it does not fit.
                let others: Vec<&str> = Kind::ALL
                    .iter()
                    .filter(|other| !spec.kinds.contains(other))
                    .map(|other| other.as_str())
                    .collect();
                diagnostic.help = Some(if others.len() < kinds.len() {
                    format!("`{name}` is a property of every kind but {}", others.join(" and "))
                } else {
                    format!("`{name}` is a property of {}", kinds.join(" and "))
                });
                continue;
            }
            self.component_property(id, kind, spec, property);
        }
    }

    fn component_property(&mut self, id: ComponentId, kind: Kind, spec: &'static PropertySpec, property: &Property) {
        let value = &property.value;
        // What was written, without where: `values` reads it, `at` ties an
        // error to the value's span.
        let written = &value.kind;
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
        // A typed value read by `values`, its error reported at the value.
        macro_rules! read {
            ($field:ident, $read:expr) => {
                set!($field, self.at(value.span, $read))
            };
        }
        match name {
            "replicas" => {
                if let Some(replicas) = self.at(value.span, values::count(name, written, 1)) {
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
                if let Some(availability) = self.at(value.span, values::percentage(name, written)) {
                    let component = &mut self.design.components[id.index()];
                    component.availability = availability;
                    component.availability_origin = Origin::Declared;
                    component.property_spans.push((name, property.span));
                }
            }
            "capacity" => read!(capacity, values::positive_rate(name, written).map(Some)),
            "region" => {
                let region = self
                    .at(value.span, values::word(name, written))
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
            "description" => read!(description, values::string(name, written).map(Some)),
            "tags" => set!(tags, self.tags(name, value)),
            "allow" => set!(allow, self.rule_list(name, value)),
            "rps" => read!(rps, values::rate(name, written).map(Some)),
            "connections" => read!(connections, values::count(name, written, 0).map(Some)),
            "bandwidth" => read!(bandwidth, values::bandwidth(name, written).map(Some)),
            "max_connections" => read!(max_connections, values::count(name, written, 1).map(Some)),
            "algorithm" => {
                if let Some((algorithm, key)) = self.algorithm(value) {
                    let component = &mut self.design.components[id.index()];
                    component.algorithm = Some(algorithm);
                    component.hash_key = key;
                    component.property_spans.push((name, property.span));
                }
            }
            "layer" => read!(layer, values::layer(written).map(Some)),
            "mode" => read!(ha_mode, values::keyword::<HaMode>(name, written).map(Some)),
            "rate_limit" => set!(rate_limit, self.rate_limit(value).map(Some)),
            "auth" => read!(auth, values::keyword::<Auth>(name, written).map(Some)),
            "hit_ratio" => read!(hit_ratio_declared, values::ratio(name, written).map(Some)),
            "ttl" => read!(ttl_ms, values::duration(name, written).map(Some)),
            "invalidation" if kind == Kind::Cdn => read!(
                cdn_invalidation,
                values::keyword::<CdnInvalidation>(name, written).map(Some)
            ),
            "invalidation" => read!(
                cache_invalidation,
                values::keyword::<CacheInvalidation>(name, written).map(Some)
            ),
            "pattern" if kind == Kind::Queue => read!(queue_pattern, values::keyword::<QueuePattern>(name, written)),
            "pattern" => read!(cache_pattern, values::keyword::<CachePattern>(name, written)),
            "eviction" => read!(eviction, values::keyword::<Eviction>(name, written).map(Some)),
            "model" => read!(data_model, values::keyword::<DataModel>(name, written).map(Some)),
            "consistency" => read!(
                consistency_declared,
                values::keyword::<Consistency>(name, written).map(Some)
            ),
            "cap" => read!(cap_declared, values::keyword::<Cap>(name, written).map(Some)),
            "replication" => set!(replication, self.replication(value)),
            "shard" => set!(shard, self.shard(value).map(Some)),
            "size" => read!(size_bytes, values::size(name, written).map(Some)),
            "delivery" => read!(delivery_declared, values::keyword::<Delivery>(name, written).map(Some)),
            "dead_letter" => set!(dead_letter, self.dead_letter(id, value)),
            "partitions" => read!(partitions, values::count(name, written, 1).map(Some)),
            "idempotent" => read!(idempotent, values::boolean(name, written).map(Some)),
            "stateless" => read!(stateless, values::boolean(name, written)),
            "embedded" => read!(embedded, values::boolean(name, written)),
            "role" => read!(role, values::word(name, written).map(Some)),
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
                self.report(
                    value.span,
                    values::type_error("dead_letter", &value.kind, schema::ValueType::DeadLetter),
                );
                None
            }
        }
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
