//! Gathering: moves every declaration out of the files' syntax trees into
//! [`Gathered`], checks where each may stand (one `system`, in the root
//! file; no nested regions), and declares the regions.

use super::*;

impl Resolver {
    pub(super) fn gather(&mut self, files: Vec<ParsedFile>) -> Gathered {
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
            self.error(codes::SYNTAX_ERROR, span, super::NO_SYSTEM).help =
                Some("a design is `system NAME { ... }` holding its components, links and flows".to_string());
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

    pub(super) fn regions(&mut self, gathered: &Gathered) {
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

    pub(super) fn region_ref(&mut self, ident: &str, span: Span) -> Option<RegionId> {
        if let Some(id) = self.design.region_id(ident) {
            return Some(id);
        }
        // The help (did you mean) is computed only if this error is shown.
        self.error(codes::UNKNOWN_REFERENCE, span, format!("unknown region `{ident}`"))
            .label = Some("not declared".to_string());
        self.diagnostics.set_pending(Pending::Region(ident.to_string()));
        None
    }
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
