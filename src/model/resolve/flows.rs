//! Flows: the path, each hop bound to its link (language.md §5, "Several
//! links between the same pair"), and the call tree of `call` and
//! `parallel` (language.md §6).

use super::*;

impl Resolver {
    pub(super) fn flows(&mut self, gathered: &mut Gathered) {
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
        let mut payload = None;
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
            let written = &value.kind;
            match name {
                "path" => path_value = Some(value),
                "rps" => rps = self.at(value.span, values::rate(name, written)),
                "payload" => payload = self.at(value.span, values::size(name, written)),
                "op" => op = self.at(value.span, values::keyword::<Op>(name, written)),
                "requires" => requires = self.at(value.span, values::keyword::<Consistency>(name, written)),
                "slo" => match written {
                    ValueKind::Block(block) => slo = self.slo_block(block),
                    _ => self.report(value.span, values::type_error(name, written, schema::ValueType::Slo)),
                },
                "allow" => allow = self.rule_list(name, value).unwrap_or_default(),
                "description" => description = self.at(value.span, values::string(name, written)),
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
                self.report(
                    path_value.span,
                    values::type_error("path", &path_value.kind, schema::ValueType::Path),
                );
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
        for step in decl.block.steps() {
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
            payload_bytes: payload.unwrap_or(0.0),
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
                    calls: smallvec![first],
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
                for inner in parallel.block.steps() {
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
                    if parallel.block.steps().is_empty() {
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
                        calls: SmallVec::from_vec(firsts),
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
                    "op" => match self.at(value.span, values::keyword::<Op>(name, &value.kind)) {
                        Some(value) => op = value,
                        None => ok = false,
                    },
                    "requires" => match self.at(value.span, values::keyword::<Consistency>(name, &value.kind)) {
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
                    calls: smallvec![idx],
                    parallel: false,
                });
            }
            visits.push(Visit {
                component: id,
                parent: Some(previous),
                link: Some(link),
                op,
                requires,
                allow: (!allow.is_empty()).then(|| Box::new(allow.clone())),
                steps: SmallVec::new(),
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
    pub(super) fn get(&self, from: ComponentId, to: ComponentId) -> &[LinkId] {
        let start = self.sorted.partition_point(|(a, b, _)| (*a, *b) < (from, to));
        let end = self.sorted.partition_point(|(a, b, _)| (*a, *b) <= (from, to));
        &self.ids[start..end]
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
    fn a_hop_takes_the_link_of_its_op() {
        let design = design(
            "system s {\n  client u\n  service a\n  database d\n  u -> a\n  a -> d { op = read }\n  a -> d { op = write, requires = strong }\n  flow r { path = u -> a -> d, op = read }\n  flow w { path = u -> a -> d, op = write }\n}",
        );
        assert_eq!(design.flows[0].hops[1], LinkId(1));
        assert_eq!(design.flows[1].hops[1], LinkId(2));
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
            .map(|step| (step.calls.to_vec(), step.parallel))
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
}
