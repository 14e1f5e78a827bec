//! Links, `rtt` and `slo`: each pair of a link chain becomes a [`Link`]
//! with its properties and defaults (language.md §5); region round trips
//! and the system's SLO.

use super::*;

impl Resolver {
    pub(super) fn rtts(&mut self, gathered: &mut Gathered) {
        for rtt in std::mem::take(&mut gathered.rtts) {
            let a = self.region_ref(&rtt.a.name, rtt.a.span);
            let b = self.region_ref(&rtt.b.name, rtt.b.span);
            let ms = self.at(rtt.value.span, values::duration("rtt", &rtt.value.kind));
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

    pub(super) fn slo_block(&mut self, block: &Block) -> Slo {
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
            let (written, at) = (&property.value.kind, property.value.span);
            match name {
                "availability" => slo.availability = self.at(at, values::percentage(name, written)),
                "p50" => slo.p50_ms = self.at(at, values::duration(name, written)),
                "p95" => slo.p95_ms = self.at(at, values::duration(name, written)),
                "p99" => slo.p99_ms = self.at(at, values::duration(name, written)),
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

    pub(super) fn system_slo(&mut self, gathered: &mut Gathered) {
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

    pub(super) fn links(&mut self, gathered: &mut Gathered) {
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
                if link.mode == LinkMode::Cdc
                    && (self.design.component(from).kind != Kind::Database
                        || self.design.component(to).kind != Kind::Queue)
                {
                    let at = link.property_span("mode").unwrap_or(span);
                    self.error(
                        codes::INVALID_VALUE,
                        at,
                        format!(
                            "`mode = cdc` goes from a database to a queue, not from the {} `{}` to the {} `{}`",
                            self.design.component(from).kind.as_str(),
                            from_ident.name,
                            self.design.component(to).kind.as_str(),
                            to_ident.name
                        ),
                    )
                    .help = Some(
                        "declare the change feed as `database -> queue { mode = cdc }`, or use `mode = async`"
                            .to_string(),
                    );
                    continue;
                }
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
            // What was written, without where: `values` reads it, `at` ties
            // an error to the value's span.
            let written = &value.kind;
            let read = match spec.name {
                "mode" => values::keyword::<LinkMode>(name, written).map(|v| props.mode = Some(v)),
                "op" => values::keyword::<Op>(name, written).map(|v| props.op = Some(v)),
                "requires" => values::keyword::<Consistency>(name, written).map(|v| props.requires = Some(v)),
                "prefers" => values::keyword::<Prefers>(name, written).map(|v| props.prefers = Some(v)),
                "latency" => values::duration(name, written).map(|v| props.latency_ms = Some(v)),
                "weight" => values::count(name, written, 1).map(|v| props.weight = Some(v)),
                "fanout" => values::keyword::<Fanout>(name, written).map(|v| props.fanout = Some(v)),
                "read_from" => values::keyword::<ReadFrom>(name, written).map(|v| props.read_from = Some(v)),
                "timeout" => values::duration(name, written).map(|v| props.timeout_ms = Some(v)),
                "retries" => values::count(name, written, 0).map(|v| props.retries = Some(v)),
                "idempotent" => values::boolean(name, written).map(|v| props.idempotent = Some(v)),
                "protocol" => values::keyword::<Protocol>(name, written).map(|v| props.protocol = Some(v)),
                "allow" => match self.rule_list(name, value) {
                    Some(allow) => {
                        props.allow = allow;
                        Ok(())
                    }
                    None => continue,
                },
                _ => continue,
            };
            let ok = self.at(value.span, read).is_some();
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
            idempotent: props.idempotent.unwrap_or(false),
            protocol: props.protocol.unwrap_or(Protocol::Http),
            allow: props.allow.clone(),
            span,
            declaration_span,
            property_spans: props.spans.clone(),
        }
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
    idempotent: Option<bool>,
    protocol: Option<Protocol>,
    allow: Vec<Allow>,
    spans: Vec<(&'static str, Span)>,
}

#[cfg(test)]
mod tests {
    use crate::model::load::test_design as design;
    use crate::model::*;

    #[test]
    fn a_cdc_link_feeds_a_queue_and_no_one_waits() {
        let design = design(
            "system s {\n  client u\n  service a\n  database d\n  queue q\n  worker w\n  u -> a -> d\n  d -> q { mode = cdc }\n  q -> w\n  flow f { path = u -> a -> d -> q -> w, op = write }\n}",
        );
        let cdc = design.links.iter().position(|link| link.mode == LinkMode::Cdc).unwrap();
        assert!(!design.link_waits(LinkId(cdc as u32)));
        let flow = &design.flows[0];
        let sync = flow.visit_sync(&design);
        // The database is waited for; its change feed and what follows are not.
        assert_eq!(sync[2], VisitSync::Sync);
        assert_eq!(sync[3], VisitSync::Background);
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
    fn regions_rtts_and_the_sync_part() {
        let design = design(
            "system s {\n  region a { client u }\n  region b { service x\n  queue q\n  worker w }\n  rtt a <-> b = 75ms\n  u -> x -> q -> w\n  flow f { path = u -> x -> q -> w }\n}",
        );
        assert_eq!(design.rtt_ms(RegionId(0), RegionId(1)), Some(75.0));
        let part = design.flows[0].sync_part(&design);
        assert_eq!(part.nodes, vec![ComponentId(0), ComponentId(1), ComponentId(2)]);
        assert_eq!(part.background, vec![ComponentId(3)]);
    }
}
