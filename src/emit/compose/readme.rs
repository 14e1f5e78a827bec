//! The stack's `README.md`: how to start it, what each service stands for,
//! what does not run and why, and how declared replicas and replication map
//! onto containers. Rendered from `templates/compose/README.md`.

use askama::Template;

use super::{FIRST_HOST_PORT, PLACEHOLDER_SECRET, Plan, Role, Runtime};
use crate::emit::explain::md_escape;
use crate::estimate::{Estimates, FlowStatus};
use crate::format::ms;
use crate::knowledge::{KnowledgeBase, ProxyDialect};
use crate::model::{ComponentId, FlowId};

pub struct EntryRow {
    pub component: String,
    pub service: String,
    pub url: String,
}

pub struct ServiceRow {
    pub service: String,
    pub component: String,
    pub kind: String,
    pub image: String,
    pub containers: u32,
    pub health: String,
    pub notes: String,
}

/// A flow and the command that sends one of its requests.
pub struct FlowRow {
    pub name: String,
    pub summary: String,
    pub command: String,
}

pub struct AbsentRow {
    pub component: String,
    pub kind: String,
    pub reason: String,
}

pub struct ProxyRow {
    pub component: String,
    pub service: String,
    pub file: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "compose/README.md")]
struct ReadmeTemplate {
    title: String,
    system: String,
    entries: Vec<EntryRow>,
    services: Vec<ServiceRow>,
    absent: Vec<AbsentRow>,
    proxies: Vec<ProxyRow>,
    secrets: Vec<String>,
    placeholder: String,
    stub_image: String,
    stub_port: u16,
    first_port: u16,
    regions: Vec<String>,
    skipped: Vec<String>,
    flows: Vec<FlowRow>,
}

/// Keeps a table cell one cell: hld's own text (which may hold code
/// spans) with its `|` escaped and on one line. The user's words go
/// through [`user_text`] first.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The user's words (a label) as Markdown text: every character CommonMark
/// would read as markup escaped (`<b>` prints as written, not bold); its
/// `|` is left to [`cell`].
fn user_text(text: &str) -> String {
    md_escape(text, false)
}

/// The routing of each proxy, built once per README.
type ProxyConfigs = std::collections::BTreeMap<ComponentId, super::lb::ProxyConfig>;

pub(crate) fn render(plan: &Plan<'_>, estimates: &Estimates) -> Result<String, String> {
    let design = plan.design;
    let mut entries = Vec::new();
    let mut services = Vec::new();
    let mut absent = Vec::new();
    let mut proxies = Vec::new();
    let mut configs = ProxyConfigs::new();
    let mut secrets = std::collections::BTreeSet::new();
    for id in design.component_ids() {
        let component = design.component(id);
        let kind = component.kind.to_string();
        match plan.runtimes.get(id.index()) {
            Some(Runtime::Run(run)) => {
                if let Some(port) = run.host_port {
                    entries.push(EntryRow {
                        component: cell(&component.id),
                        service: run.service.clone(),
                        url: format!("http://127.0.0.1:{port}/"),
                    });
                }
                let health = if run.spec.healthcheck.is_some() {
                    "healthcheck".to_string()
                } else if run.role == Role::Stub {
                    "`/healthz` (no in-image healthcheck, so dependents wait for start)".to_string()
                } else {
                    "none (dependents wait for start)".to_string()
                };
                let mut notes: Vec<String> = Vec::new();
                if let Some(label) = &component.label {
                    notes.push(format!("\"{}\".", user_text(label)));
                }
                if let Some(stand_in) = &run.stand_in {
                    notes.push(stand_in.clone());
                }
                if let Some(mapping) = &run.mapping {
                    notes.push(mapping.clone());
                }
                if let Some(port) = run.host_port {
                    notes.push(format!("Entry point: published on 127.0.0.1:{port}."));
                }
                let mut unenforced = Vec::new();
                if let Some(rate_limit) = &component.rate_limit {
                    unenforced.push(format!("rate limit ({} per {})", rate_limit.algorithm, rate_limit.per));
                }
                if let Some(auth) = component.auth.filter(|auth| *auth != crate::model::Auth::None) {
                    unenforced.push(format!("auth ({auth})"));
                }
                if !unenforced.is_empty() {
                    let verb = if unenforced.len() > 1 { "are" } else { "is" };
                    notes.push(format!(
                        "Its declared {} {verb} not enforced locally.",
                        unenforced.join(" and ")
                    ));
                }
                if let Role::Proxy(dialect) = run.role
                    && let Some(file) = &run.config_file
                {
                    let config = configs
                        .entry(id)
                        .or_insert_with(|| super::lb::ProxyConfig::build(plan, id, dialect));
                    let dialect_name = match dialect {
                        ProxyDialect::Nginx => "nginx",
                        ProxyDialect::Haproxy => "HAProxy",
                    };
                    let servers: Vec<&super::lb::Server> = config
                        .backends
                        .iter()
                        .flat_map(|backend| backend.servers.iter())
                        .collect();
                    let summary = match servers.first() {
                        None => format!("{dialect_name}; no HTTP target, answers 200 itself"),
                        Some(_) if config.balances() => format!(
                            "{dialect_name}, {} over {}",
                            config.algorithm,
                            servers
                                .iter()
                                .map(|server| format!("`{}`", server.host))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        Some(first) => format!(
                            "{dialect_name}: {}; `/` to `{}`",
                            servers
                                .iter()
                                .map(|server| format!("`/{}/` to `{}`", server.component, server.host))
                                .collect::<Vec<_>>()
                                .join(", "),
                            first.host
                        ),
                    };
                    proxies.push(ProxyRow {
                        component: cell(&component.id),
                        service: run.service.clone(),
                        file: file.clone(),
                        summary: cell(&summary),
                    });
                }
                secrets.extend(run.spec.secrets.iter().cloned());
                services.push(ServiceRow {
                    service: run.service.clone(),
                    component: cell(&component.id),
                    kind,
                    image: run.spec.image.clone(),
                    containers: run.containers,
                    health,
                    notes: cell(&notes.join(" ")),
                });
            }
            Some(Runtime::Absent { reason }) => absent.push(AbsentRow {
                component: cell(&component.id),
                kind,
                reason: cell(reason),
            }),
            None => {}
        }
    }
    let regions = if design.regions.len() > 1 {
        vec![format!(
            "The design's regions ({}) run side by side on one network: the stubs wait the round trips between them (`rtt`) before each call instead.",
            design
                .regions
                .iter()
                .map(|region| format!("`{}`", region.id))
                .collect::<Vec<_>>()
                .join(", ")
        )]
    } else {
        Vec::new()
    };
    let skipped = plan
        .skipped_dependencies
        .iter()
        .map(|(dependent, dependency)| {
            format!(
                "`{}` does not wait for `{}`: that would close a dependency cycle, which compose refuses.",
                design.component(*dependent).id,
                design.component(*dependency).id
            )
        })
        .collect();
    let stub = KnowledgeBase::get().stub.as_ref();
    let template = ReadmeTemplate {
        title: design
            .label
            .as_deref()
            .map_or_else(|| design.name.clone(), |label| md_escape(label, false)),
        system: design.name.clone(),
        entries,
        services,
        absent,
        proxies,
        secrets: secrets.into_iter().collect(),
        placeholder: PLACEHOLDER_SECRET.to_string(),
        stub_image: stub.map(|spec| spec.image.clone()).unwrap_or_default(),
        stub_port: stub.map(|spec| spec.port).unwrap_or_default(),
        first_port: FIRST_HOST_PORT,
        regions,
        skipped,
        flows: design
            .flow_ids()
            .zip(&estimates.flows)
            .map(|(id, estimate)| flow_row(plan, &configs, id, estimate))
            .collect(),
    };
    crate::emit::rendered("compose/README.md", template.render())
        .map(|text| {
            let mut text = text.trim_end().to_string();
            text.push('\n');
            text
        })
        .map_err(|error| error.to_string())
}

/// A flow's line in "Send the flows": where its requests enter the stack.
fn flow_row(plan: &Plan<'_>, configs: &ProxyConfigs, id: FlowId, estimate: &crate::estimate::FlowEstimate) -> FlowRow {
    let design = plan.design;
    let flow = design.flow(id);
    let figures = match estimate.status {
        FlowStatus::Ok => format!(
            "hld estimate: p50 {}, p99 {}",
            ms(estimate.latency.p50_ms),
            ms(estimate.latency.p99_ms)
        ),
        FlowStatus::Overloaded => "hld estimate: overloaded (unbounded latency)".to_string(),
    };
    let header = format!("-H 'X-Hld-Flow: {}'", flow.id);
    // The first visit that runs in the stack (a cdn or dns in front of it
    // does not run, so requests go straight to what it forwards to).
    // A flow that starts inside the system (a service's own events) enters
    // at its first component.
    let starts_at_client = flow
        .client()
        .is_some_and(|client| design.component(client).kind == crate::model::Kind::Client);
    let entry = flow
        .visits
        .iter()
        .enumerate()
        .skip(usize::from(starts_at_client))
        .find_map(|(idx, visit)| plan.run(visit.component).map(|run| (idx, visit.component, run)));
    let command = match entry {
        Some((idx, component, run)) if run.host_port.is_some() => {
            let prefix = next_route(plan, configs, id, idx, component);
            format!(
                "curl {header} http://127.0.0.1:{}{prefix}",
                run.host_port.unwrap_or(FIRST_HOST_PORT)
            )
        }
        Some((_, _, run)) if matches!(run.role, Role::Stub | Role::Proxy(_)) => format!(
            "docker compose exec {} python3 -c \"import urllib.request as u; print(u.urlopen(u.Request('http://localhost:{}/', headers={{'X-Hld-Flow': '{}'}})).read().decode())\"",
            run.service, run.spec.port, flow.id
        ),
        _ => format!(
            "# no stub serves its first hop; run it with: python3 local.py --flow {}",
            flow.id
        ),
    };
    FlowRow {
        name: cell(&flow.id),
        summary: cell(&format!(
            "{} rps from `{}`; {figures}",
            crate::format::grouped(flow.rps),
            flow.client().map_or("", |client| design.component(client).id.as_str())
        )),
        command,
    }
}

/// The path prefix an entry proxy routes the flow's next visit by (`/` when
/// it routes by nothing).
fn next_route(plan: &Plan<'_>, configs: &ProxyConfigs, flow: FlowId, visit: usize, proxy: ComponentId) -> String {
    let design = plan.design;
    let Some(config) = configs.get(&proxy) else {
        return "/".to_string();
    };
    let visits = &design.flow(flow).visits;
    let next = visits
        .get(visit)
        .and_then(|visit| visit.steps.first())
        .and_then(|step| step.calls.first())
        .and_then(|call| visits.get(*call));
    let Some(next) = next else {
        return "/".to_string();
    };
    config
        .prefix_of(&design.component(next.component).id)
        .unwrap_or("/")
        .to_string()
}
