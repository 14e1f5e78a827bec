//! `hld compose`: a runnable docker-compose stack for a design, built in
//! memory as a list of files (`compose.yaml`, `.env`, `README.md` and one
//! routing config per load balancer or gateway). The CLI writes them.
//!
//! Every choice comes from the model or the knowledge base: the image of a
//! technology (`Technology.compose`), the technology that runs a kind naming
//! none (`kinds[].compose`), the stub that runs services and workers
//! (`stub`), and which proxies get a generated config (`compose.proxy`).
//! What this module adds is the mapping onto compose, written down here:
//!
//! - clients, dns, cdns and externals do not run; nor does a store whose
//!   technology has no local image (the README says what stands in, or why
//!   nothing does);
//! - services and workers run the stub with `deploy.replicas`; a load
//!   balancer or gateway runs `replicas` containers unless it is an entry
//!   point (a client, cdn or dns links to it), which publishes a host port on
//!   127.0.0.1 and so runs one container; every store runs one container;
//! - `A -> B` makes A depend on B (the consumer of a queue depends on the
//!   queue), healthy when B has a healthcheck, started otherwise; a link that
//!   would close a dependency cycle adds none.
//!
//! The compose file is typed structs (`spec`), the proxy configs and the
//! README askama templates (`lb`, `readme`). Output is deterministic:
//! declaration order throughout, no clock, no absolute path.

pub mod lb;
pub mod readme;
pub mod spec;
pub mod stubs;

use std::collections::BTreeSet;

use crate::knowledge::{ComposeSpec, KnowledgeBase, ProxyDialect, ProxySpec, Technology};
use crate::model::{Algorithm, ComponentId, Design, Kind, Replication};
use spec::{ComposeFile, Condition, DependsOn, Deploy, Healthcheck, Network, OrderedMap, Port, Service, Volume};

/// The file that marks a directory as written by `hld compose`; it lists
/// the files written, so a rerun can replace them and remove stale ones.
pub const MARKER: &str = ".hld-generated";

/// The one network every service joins.
pub const NETWORK: &str = "hld";

/// The first host port given to an entry point (then 8081, ...).
pub const FIRST_HOST_PORT: u16 = 8080;

/// Placeholder secrets written to `.env`: obviously fake, and at least 8
/// characters (MinIO and Neo4j refuse shorter passwords).
pub const PLACEHOLDER_SECRET: &str = "change-me-hld-placeholder";

/// What `hld compose --max-replicas` caps each service at by default: a
/// stack that starts on a laptop. The design's own counts stay visible (the
/// `hld.declared-replicas` label, the README's table, compose.yaml's first
/// lines).
pub const DEFAULT_MAX_REPLICAS: u32 = 2;

/// How the stack is built.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The most containers any one service or proxy runs (at least 1).
    pub max_replicas: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_replicas: DEFAULT_MAX_REPLICAS,
        }
    }
}

/// A generated file, its path relative to the output directory (`/`-separated).
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// Every file of the stack, in a fixed order; the marker is the CLI's.
#[derive(Clone, Debug)]
pub struct Stack {
    pub files: Vec<GeneratedFile>,
    /// The compose service name of each component that runs, by component.
    pub services: Vec<(String, String)>,
}

/// How one component maps onto the stack.
#[derive(Clone, Debug)]
pub(crate) enum Runtime {
    /// Not run locally; the README says why.
    Absent {
        reason: String,
    },
    Run(Box<Run>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// A service or worker: the HTTP stub.
    Stub,
    /// A load balancer or gateway whose routing is generated.
    Proxy(ProxyDialect),
    /// A cache, database, queue, object store or search index.
    Store,
}

#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub service: String,
    pub spec: &'static ComposeSpec,
    /// The technology whose image runs (the declared one, or the kind's
    /// default); none for the stub.
    pub runs: Option<&'static Technology>,
    pub role: Role,
    /// Containers started: `deploy.replicas`.
    pub containers: u32,
    /// Containers the design declares (`replicas`), before the cap.
    pub declared: u32,
    /// Host port, for an entry point.
    pub host_port: Option<u16>,
    /// Why this image, when it is not simply the declared technology's.
    pub stand_in: Option<String>,
    /// How the declaration maps onto the containers (replicas, replication).
    pub mapping: Option<String>,
    /// The generated routing config, for a proxy.
    pub config_file: Option<String>,
}

/// The stack before rendering: one runtime per component, in declaration order.
pub(crate) struct Plan<'d> {
    pub design: &'d Design,
    pub runtimes: Vec<Runtime>,
    /// `depends_on` edges, in link order.
    pub dependencies: Vec<Edge>,
    /// Each component's outgoing links (indexes into `design.links`), in order.
    pub outgoing: Vec<Vec<usize>>,
    /// Edges left out because they would close a cycle.
    pub skipped_dependencies: Vec<Edge>,
}

impl Plan<'_> {
    pub fn run(&self, id: ComponentId) -> Option<&Run> {
        match self.runtimes.get(id.index()) {
            Some(Runtime::Run(run)) => Some(run),
            _ => None,
        }
    }
}

/// Builds the stack for a design, laptop-sized ([`Options::default`]).
pub fn build(design: &Design) -> Result<Stack, String> {
    build_with(design, Options::default())
}

/// Builds the stack for a design.
pub fn build_with(design: &Design, options: Options) -> Result<Stack, String> {
    let plan = plan_with(design, options)?;
    let compose = compose_file(&plan)?;
    let compose_yaml = compose.to_yaml()?;
    let mut files = vec![GeneratedFile {
        path: "compose.yaml".to_string(),
        contents: format!(
            "# Generated by hld compose from system `{}`. Regenerate it rather than editing it.\n{}{}",
            design.name,
            capped_comment(&plan, options),
            compose_yaml
        ),
    }];
    files.push(GeneratedFile {
        path: ".env".to_string(),
        contents: env_file(&plan),
    });
    for id in design.component_ids() {
        let Some(run) = plan.run(id) else { continue };
        let (Role::Proxy(dialect), Some(path)) = (&run.role, &run.config_file) else {
            continue;
        };
        let config = lb::ProxyConfig::build(&plan, id, *dialect);
        files.push(GeneratedFile {
            path: path.clone(),
            contents: config.render()?,
        });
    }
    let estimates = crate::estimate::estimate(design, None);
    files.extend(stubs::files(&plan, &estimates)?);
    files.push(GeneratedFile {
        path: "README.md".to_string(),
        contents: readme::render(&plan, &estimates)?,
    });
    let services = design
        .component_ids()
        .filter_map(|id| {
            plan.run(id)
                .map(|run| (design.component(id).id.clone(), run.service.clone()))
        })
        .collect();
    Ok(Stack { files, services })
}

/// The comment under compose.yaml's header when a service runs fewer
/// containers than the design declares.
fn capped_comment(plan: &Plan<'_>, options: Options) -> String {
    let capped: Vec<String> = plan
        .design
        .component_ids()
        .filter_map(|id| plan.run(id).map(|run| (id, run)))
        .filter(|(_, run)| {
            matches!(run.role, Role::Stub | Role::Proxy(_)) && run.host_port.is_none() && run.containers < run.declared
        })
        .map(|(id, run)| {
            format!(
                "{} {} of {}",
                plan.design.component(id).id,
                run.containers,
                run.declared
            )
        })
        .collect();
    if capped.is_empty() {
        return String::new();
    }
    format!(
        "# Laptop-sized: at most {} containers per service (hld compose --max-replicas N). Declared replicas: {}.\n# Each service's label hld.declared-replicas keeps the design's count.\n",
        options.max_replicas,
        capped.join(", ")
    )
}

/// Decides how each component runs, laptop-sized.
#[cfg(test)]
pub(crate) fn plan(design: &Design) -> Result<Plan<'_>, String> {
    plan_with(design, Options::default())
}

/// Decides how each component runs.
pub(crate) fn plan_with(design: &Design, options: Options) -> Result<Plan<'_>, String> {
    let base = KnowledgeBase::get();
    let mut taken = BTreeSet::new();
    let mut runtimes = Vec::with_capacity(design.components.len());
    for id in design.component_ids() {
        let runtime = match choose_image(design, id, base)? {
            Choice::Absent(reason) => Runtime::Absent { reason },
            Choice::Image {
                spec,
                runs,
                role,
                stand_in,
            } => {
                let service = service_name(&design.component(id).id, &mut taken);
                Runtime::Run(Box::new(Run {
                    service,
                    spec,
                    runs,
                    role,
                    containers: 1,
                    declared: 1,
                    host_port: None,
                    stand_in,
                    mapping: None,
                    config_file: None,
                }))
            }
        };
        runtimes.push(runtime);
    }

    // Entry points: proxies a client reaches directly (a cdn or dns does not
    // run locally, so what it forwards to is reached directly too).
    let mut entry = vec![false; design.components.len()];
    for link in &design.links {
        if matches!(design.component(link.from).kind, Kind::Client | Kind::Cdn | Kind::Dns)
            && let Some(slot) = entry.get_mut(link.to.index())
        {
            *slot = true;
        }
    }
    let mut next_port = Some(FIRST_HOST_PORT);
    for id in design.component_ids() {
        let is_proxy = matches!(
            runtimes.get(id.index()),
            Some(Runtime::Run(run)) if matches!(run.role, Role::Proxy(_))
        );
        if !is_proxy || !entry.get(id.index()).copied().unwrap_or(false) {
            continue;
        }
        let port = next_port.ok_or("too many entry points: no host port left above 8080")?;
        next_port = port.checked_add(1);
        if let Some(Runtime::Run(run)) = runtimes.get_mut(id.index()) {
            run.host_port = Some(port);
        }
    }

    for id in design.component_ids() {
        let component = design.component(id);
        let Some(Runtime::Run(run)) = runtimes.get_mut(id.index()) else {
            continue;
        };
        let (containers, mapping) = containers(component, run, options.max_replicas.max(1));
        run.containers = containers;
        run.declared = component.replicas.max(1);
        run.mapping = mapping;
        if let Role::Proxy(dialect) = run.role {
            run.config_file = Some(match dialect {
                ProxyDialect::Nginx => format!("config/{}.nginx.conf", run.service),
                ProxyDialect::Haproxy => format!("config/{}.haproxy.cfg", run.service),
            });
        }
    }
    let mut outgoing = vec![Vec::new(); design.components.len()];
    for (idx, link) in design.links.iter().enumerate() {
        if let Some(links) = outgoing.get_mut(link.from.index()) {
            links.push(idx);
        }
    }
    let mut plan = Plan {
        design,
        runtimes,
        outgoing,
        dependencies: Vec::new(),
        skipped_dependencies: Vec::new(),
    };
    let (dependencies, skipped) = dependency_edges(&plan);
    plan.dependencies = dependencies;
    plan.skipped_dependencies = skipped;
    Ok(plan)
}

enum Choice {
    Absent(String),
    Image {
        spec: &'static ComposeSpec,
        runs: Option<&'static Technology>,
        role: Role,
        stand_in: Option<String>,
    },
}

fn choose_image(design: &Design, id: ComponentId, base: &'static KnowledgeBase) -> Result<Choice, String> {
    let component = design.component(id);
    let technology = component.technology;
    let declared = technology.map(|technology| technology.name.as_str());
    // What the knowledge base says stands in for the technology, sources
    // rendered as public titles and links.
    let stand_in_note = || {
        technology
            .and_then(|technology| technology.stand_in.as_deref())
            .map(|text| crate::knowledge::sources::Sources::get().render(text))
    };
    let managed_note = technology
        .filter(|technology| technology.managed)
        .and_then(|_| stand_in_note());
    if component.is_embedded() {
        return Ok(Choice::Absent(
            "Runs inside its caller's process (`embedded = true`): no container of its own; its caller depends on what it calls.".to_string(),
        ));
    }
    match component.kind {
        Kind::Client => Ok(Choice::Absent(
            "Where requests start: you are the client (see \"Start it\" for the URLs).".to_string(),
        )),
        Kind::Dns => Ok(Choice::Absent(stand_in_note().unwrap_or_else(|| {
            "Not run locally: containers find each other through Docker's built-in DNS.".to_string()
        }))),
        Kind::Cdn => Ok(Choice::Absent(stand_in_note().unwrap_or_else(|| {
            "Not run locally: a CDN is an edge network, so requests go straight to the origin.".to_string()
        }))),
        Kind::External => Ok(Choice::Absent(
            "Not run locally: a third-party API outside the system, so calls to it have no local endpoint.".to_string(),
        )),
        Kind::Service | Kind::Worker => {
            let spec = base
                .stub
                .as_ref()
                .ok_or("the knowledge base has no `stub` image (this is a bug in hld)")?;
            let written = component.technology_name.as_ref().map(|(name, _)| name.as_str());
            let stand_in = match (managed_note, declared, written) {
                (Some(note), _, _) => Some(note),
                (None, Some(name), _) => Some(format!(
                    "{name} is declared; the stub stands in for its code, which hld does not have."
                )),
                (None, None, Some(name)) => Some(format!(
                    "`{name}` is declared (unknown to hld); the stub stands in for its code."
                )),
                (None, None, None) => None,
            };
            Ok(Choice::Image {
                spec,
                runs: None,
                role: Role::Stub,
                stand_in,
            })
        }
        Kind::LoadBalancer | Kind::Gateway => {
            let proxy_of = |technology: &'static Technology| {
                technology
                    .compose
                    .as_ref()
                    .and_then(|spec| spec.proxy.as_ref().map(|proxy: &ProxySpec| (spec, proxy.dialect)))
            };
            if let Some(technology) = technology
                && let Some((spec, dialect)) = proxy_of(technology)
            {
                return Ok(Choice::Image {
                    spec,
                    runs: Some(technology),
                    role: Role::Proxy(dialect),
                    stand_in: managed_note,
                });
            }
            let fallback = kind_default(base, component.kind)?;
            let Some((spec, dialect)) = proxy_of(fallback) else {
                return Err(format!(
                    "the knowledge base's default for {} ({}) has no proxy config (this is a bug in hld)",
                    component.kind, fallback.id
                ));
            };
            let why = match (technology, &component.technology_name) {
                (Some(technology), _) => format!(
                    "{} stands in: hld generates routing only for nginx and HAProxy, not for {}.",
                    fallback.name, technology.name
                ),
                (None, Some((name, _))) => format!(
                    "{} stands in for the unknown technology `{name}` (the default for a {}).",
                    fallback.name, component.kind
                ),
                (None, None) => format!(
                    "No technology declared: {}, the default for a {}.",
                    fallback.name, component.kind
                ),
            };
            Ok(Choice::Image {
                spec,
                runs: Some(fallback),
                role: Role::Proxy(dialect),
                stand_in: Some(why),
            })
        }
        Kind::Cache | Kind::Database | Kind::Queue | Kind::ObjectStore | Kind::Search => {
            if let Some(technology) = technology {
                return Ok(match &technology.compose {
                    Some(spec) => Choice::Image {
                        spec,
                        runs: Some(technology),
                        role: Role::Store,
                        stand_in: technology
                            .stand_in
                            .as_deref()
                            .map(|text| crate::knowledge::sources::Sources::get().render(text)),
                    },
                    None => Choice::Absent(
                        technology
                            .stand_in
                            .as_deref()
                            .map(|text| crate::knowledge::sources::Sources::get().render(text))
                            .unwrap_or_else(|| {
                                format!("Not run locally: hld knows no local image for {}.", technology.name)
                            }),
                    ),
                });
            }
            let fallback = kind_default(base, component.kind)?;
            let spec = fallback.compose.as_ref().ok_or_else(|| {
                format!(
                    "the knowledge base's default for {} ({}) has no image (this is a bug in hld)",
                    component.kind, fallback.id
                )
            })?;
            let why = match &component.technology_name {
                Some((name, _)) => format!(
                    "{} stands in for the unknown technology `{name}` (the default for a {}).",
                    fallback.name, component.kind
                ),
                None => format!(
                    "No technology declared: {}, the default for a {}.",
                    fallback.name, component.kind
                ),
            };
            Ok(Choice::Image {
                spec,
                runs: Some(fallback),
                role: Role::Store,
                stand_in: Some(why),
            })
        }
    }
}

fn kind_default(base: &'static KnowledgeBase, kind: Kind) -> Result<&'static Technology, String> {
    base.kind(kind)
        .compose_technology()
        .and_then(|id| base.technology(id))
        .ok_or_else(|| format!("the knowledge base names no compose default for {kind} (this is a bug in hld)"))
}

/// Containers for a component, and how its declaration maps onto them.
fn containers(component: &crate::model::Component, run: &Run, max_replicas: u32) -> (u32, Option<String>) {
    let declared = component.replicas.max(1);
    let replicas = declared.min(max_replicas);
    let capped = (replicas < declared)
        .then(|| format!("Declared {declared} replicas: {replicas} containers run (--max-replicas {max_replicas})."));
    let join = |notes: [Option<String>; 2]| {
        let notes: Vec<String> = notes.into_iter().flatten().collect();
        (!notes.is_empty()).then(|| notes.join(" "))
    };
    match run.role {
        Role::Stub => {
            let note = (!component.stateless).then(|| {
                "Declared stateful; the stub keeps no state, so its replicas are interchangeable.".to_string()
            });
            (replicas, join([capped, note]))
        }
        Role::Proxy(_) => {
            if run.host_port.is_some() && replicas > 1 {
                let mode = component.ha_mode.map(|mode| format!(", {mode}")).unwrap_or_default();
                (
                    1,
                    Some(format!(
                        "Declared {replicas} replicas{mode}: one container runs, because it publishes a host port and two containers cannot share one."
                    )),
                )
            } else {
                (replicas, capped)
            }
        }
        Role::Store => (1, store_mapping(component)),
    }
}

fn store_mapping(component: &crate::model::Component) -> Option<String> {
    let mut notes = Vec::new();
    match &component.replication {
        Replication::None => {}
        Replication::PrimaryReplica {
            replicas,
            mode,
            failover,
        } => notes.push(format!(
            "Declared primary_replica with {replicas} {mode} replica(s) and {failover} failover: the one container is the primary; the replicas are not started, so every read sees the latest write."
        )),
        Replication::MultiPrimary { primaries, conflict } => notes.push(format!(
            "Declared multi_primary with {primaries} primaries{}: one container takes every write, so no conflict arises locally.",
            conflict.map(|conflict| format!(" ({conflict})")).unwrap_or_default()
        )),
        Replication::Quorum { n, r, w } => notes.push(format!(
            "Declared quorum n = {n}, r = {r}, w = {w}: one container stands for the {n} nodes, so every read sees every write."
        )),
    }
    if component.replicas > 1 {
        notes.push(format!(
            "Declared {} replicas: one container runs, since copies of a store would each hold different data.",
            component.replicas
        ));
    }
    if let Some(shard) = &component.shard {
        notes.push(format!(
            "Declared {} shards by {} on `{}`: the one container holds every shard.",
            shard.count, shard.strategy, shard.key
        ));
    }
    (!notes.is_empty()).then(|| notes.join(" "))
}

/// A valid, lowercase compose service name for a design id, unique in `taken`.
pub fn service_name(id: &str, taken: &mut BTreeSet<String>) -> String {
    let mapped: String = id
        .chars()
        .map(|ch| match ch {
            'a'..='z' | '0'..='9' => ch,
            'A'..='Z' => ch.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    let trimmed = mapped.trim_matches('-');
    let base = if trimmed.is_empty() { "component" } else { trimmed };
    let mut name = base.to_string();
    let mut suffix = 2u32;
    while taken.contains(&name) {
        name = format!("{base}-{suffix}");
        suffix = suffix.saturating_add(1);
    }
    taken.insert(name.clone());
    name
}

/// The compose project name for a system name.
pub fn project_name(system: &str) -> String {
    let mapped: String = system
        .chars()
        .map(|ch| match ch {
            'a'..='z' | '0'..='9' | '_' | '-' => ch,
            'A'..='Z' => ch.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    if mapped.starts_with(|ch: char| ch.is_ascii_alphanumeric()) {
        mapped
    } else {
        format!("hld{mapped}")
    }
}

/// Escapes a design-derived string for compose, where `$` starts an
/// interpolation.
fn escape_dollar(text: &str) -> String {
    text.replace('$', "$$")
}

/// Fills the knowledge base's placeholders in a compose string.
fn fill(template: &str, service: &str, component: &str, kind: Kind) -> String {
    template
        .replace("{{service}}", service)
        .replace("{{component}}", &escape_dollar(component))
        .replace("{{kind}}", kind.as_str())
}

/// A `depends_on` edge: (dependent, dependency).
pub(crate) type Edge = (ComponentId, ComponentId);

/// A dependency edge for a link: the caller depends on the callee, and a
/// queue's consumer on the queue.
fn dependency(design: &Design, from: ComponentId, to: ComponentId) -> (ComponentId, ComponentId) {
    if design.component(from).kind == Kind::Queue && design.component(to).kind != Kind::Queue {
        (to, from)
    } else {
        (from, to)
    }
}

/// Dependency edges in link declaration order, without self-loops or
/// duplicates, and acyclic (compose refuses a cycle): a depth-first search
/// from each component in declaration order, following links in order,
/// drops the edges that lead back to a component still on its path (the
/// back edges), which leaves a DAG. Iterative and linear, so deep or large
/// designs are safe.
pub(crate) fn dependency_edges(plan: &Plan<'_>) -> (Vec<Edge>, Vec<Edge>) {
    let design = plan.design;
    let count = design.components.len();
    let mut seen = BTreeSet::new();
    let mut candidates: Vec<Edge> = Vec::new();
    let mut adjacency: Vec<Vec<usize>> = vec![Vec::new(); count];
    // An embedded cache runs in its callers' processes: they depend on
    // what it calls.
    let mut callers: Vec<Vec<ComponentId>> = vec![Vec::new(); count];
    for link in &design.links {
        if design.component(link.to).is_embedded() {
            callers[link.to.index()].push(link.from);
        }
    }
    for link in &design.links {
        let (dependent, dependency) = dependency(design, link.from, link.to);
        let dependents = if design.component(dependent).is_embedded() {
            callers[dependent.index()].as_slice()
        } else {
            std::slice::from_ref(&dependent)
        };
        for &dependent in dependents {
            if dependent == dependency || plan.run(dependent).is_none() || plan.run(dependency).is_none() {
                continue;
            }
            if seen.insert((dependent, dependency)) {
                if let Some(edges) = adjacency.get_mut(dependent.index()) {
                    edges.push(candidates.len());
                }
                candidates.push((dependent, dependency));
            }
        }
    }
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; count];
    let mut back_edge = vec![false; candidates.len()];
    for start in 0..count {
        if state.get(start) != Some(&NEW) {
            continue;
        }
        state[start] = ON_PATH;
        // (component, index of its next edge to follow)
        let mut path = vec![(start, 0usize)];
        while let Some(&(node, next)) = path.last() {
            let edge = adjacency.get(node).and_then(|edges| edges.get(next)).copied();
            let Some(edge) = edge else {
                state[node] = DONE;
                path.pop();
                continue;
            };
            if let Some(top) = path.last_mut() {
                top.1 += 1;
            }
            let target = candidates.get(edge).map_or(node, |(_, dependency)| dependency.index());
            match state.get(target) {
                Some(&NEW) => {
                    state[target] = ON_PATH;
                    path.push((target, 0));
                }
                Some(&ON_PATH) => back_edge[edge] = true,
                _ => {}
            }
        }
    }
    let (mut kept, mut skipped) = (Vec::new(), Vec::new());
    for (edge, is_back) in candidates.into_iter().zip(back_edge) {
        if is_back {
            skipped.push(edge);
        } else {
            kept.push(edge);
        }
    }
    (kept, skipped)
}

fn compose_file(plan: &Plan<'_>) -> Result<ComposeFile, String> {
    let design = plan.design;
    let mut depends: Vec<Vec<ComponentId>> = vec![Vec::new(); design.components.len()];
    for (dependent, dependency) in &plan.dependencies {
        if let Some(list) = depends.get_mut(dependent.index()) {
            list.push(*dependency);
        }
    }
    let mut services = OrderedMap::new();
    for id in design.component_ids() {
        let Some(run) = plan.run(id) else { continue };
        let component = design.component(id);
        let spec = run.spec;
        let command = spec.command.as_ref().map(|command| {
            command
                .iter()
                .map(|part| fill(part, &run.service, &component.id, component.kind))
                .collect()
        });
        let mut environment = OrderedMap::new();
        for (key, value) in &spec.env {
            environment.insert(key.clone(), fill(value, &run.service, &component.id, component.kind));
        }
        let healthcheck = spec.healthcheck.as_ref().map(|test| Healthcheck {
            test: test.clone(),
            interval: "10s".to_string(),
            timeout: "5s".to_string(),
            retries: 5,
            start_period: spec.start_period.map(crate::format::compose_duration),
        });
        let mut depends_on = OrderedMap::new();
        for dependency in depends.get(id.index()).into_iter().flatten() {
            let Some(target) = plan.run(*dependency) else { continue };
            let condition = if target.spec.healthcheck.is_some() {
                Condition::ServiceHealthy
            } else {
                Condition::ServiceStarted
            };
            // Services are unique per component and edges unique per pair.
            depends_on.push(target.service.clone(), DependsOn { condition });
        }
        let ports = run
            .host_port
            .map(|published| Port {
                target: spec.port,
                published: published.to_string(),
                host_ip: "127.0.0.1".to_string(),
                protocol: "tcp".to_string(),
            })
            .into_iter()
            .collect();
        let volumes = match (
            &run.config_file,
            run.runs.and_then(|t| t.compose.as_ref()).and_then(|s| s.proxy.as_ref()),
        ) {
            (Some(file), Some(proxy)) => vec![Volume {
                kind: "bind".to_string(),
                source: format!("./{file}"),
                target: proxy.config.clone(),
                read_only: true,
            }],
            // The stub program and the design it reads.
            _ if run.role == Role::Stub => vec![Volume {
                kind: "bind".to_string(),
                source: format!("./{}", stubs::STUB_DIR),
                target: stubs::MOUNT.to_string(),
                read_only: true,
            }],
            _ => Vec::new(),
        };
        let mut labels = OrderedMap::new();
        labels.insert("hld.system", escape_dollar(&design.name));
        labels.insert("hld.component", escape_dollar(&component.id));
        labels.insert("hld.kind", component.kind.as_str().to_string());
        labels.insert("hld.declared-replicas", run.declared.to_string());
        if let Some((name, _)) = &component.technology_name {
            labels.insert("hld.technology", escape_dollar(name));
        }
        if let Some(label) = &component.label {
            // Shown by `docker inspect` and `docker compose config`: no
            // control character or bidi override as it is.
            labels.insert("hld.label", escape_dollar(&crate::emit::escape::visible(label)));
        }
        let deploy = match run.role {
            Role::Stub | Role::Proxy(_) if run.host_port.is_none() => Some(Deploy {
                replicas: run.containers,
            }),
            _ => None,
        };
        services.push(
            run.service.clone(),
            Service {
                image: spec.image.clone(),
                command,
                environment,
                healthcheck,
                depends_on,
                ports,
                volumes,
                networks: vec![NETWORK.to_string()],
                labels,
                deploy,
            },
        );
    }
    let mut networks = OrderedMap::new();
    networks.insert(
        NETWORK,
        Network {
            driver: "bridge".to_string(),
        },
    );
    Ok(ComposeFile {
        name: project_name(&design.name),
        services,
        networks,
    })
}

/// `.env`: a placeholder for every secret an image reads, sorted by name.
fn env_file(plan: &Plan<'_>) -> String {
    let secrets: BTreeSet<&str> = plan
        .runtimes
        .iter()
        .filter_map(|runtime| match runtime {
            Runtime::Run(run) => Some(run.spec.secrets.iter().map(String::as_str)),
            Runtime::Absent { .. } => None,
        })
        .flatten()
        .collect();
    let mut text = format!(
        "# Placeholder secrets for the stack of system `{}`, generated by hld compose.\n\
         # They are not real secrets: replace them before the stack holds anything you care about.\n",
        plan.design.name
    );
    if secrets.is_empty() {
        text.push_str("# No image of this stack needs a secret.\n");
    }
    for secret in secrets {
        text.push_str(&format!("{secret}={PLACEHOLDER_SECRET}\n"));
    }
    text
}

/// The algorithm a load balancer uses (`round_robin` when undeclared).
pub(crate) fn algorithm_of(component: &crate::model::Component) -> Algorithm {
    component.algorithm.unwrap_or(Algorithm::RoundRobin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_are_valid_lowercase_and_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(service_name("users_db", &mut taken), "users-db");
        assert_eq!(service_name("Users_DB", &mut taken), "users-db-2");
        assert_eq!(service_name("_", &mut taken), "component");
        assert_eq!(service_name("__api__", &mut taken), "api");
    }

    #[test]
    fn project_names_start_with_a_letter_or_digit() {
        assert_eq!(project_name("Twitter"), "twitter");
        assert_eq!(project_name("_x"), "hld_x");
        assert_eq!(project_name("url_shortener"), "url_shortener");
    }

    #[test]
    fn placeholders_are_filled_and_dollars_escaped() {
        assert_eq!(
            fill(
                "1@{{service}}:29093 {{component}} ({{kind}})",
                "events-1",
                "a$b",
                Kind::Queue
            ),
            "1@events-1:29093 a$$b (queue)"
        );
    }
}
