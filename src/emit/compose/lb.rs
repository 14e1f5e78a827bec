//! Routing configs for load balancers and gateways: a model built from the
//! design (targets, weights, algorithm), rendered by the askama templates
//! `templates/compose/nginx.conf` and `templates/compose/haproxy.cfg`.
//!
//! Targets are grouped: those declaring the same `role` are one group (the
//! same software, so they share one upstream), every other target a group of
//! its own. A load balancer with one group has one upstream (backend) with
//! one server per target service. A gateway, or a load balancer whose
//! targets are different services, routes: one upstream per group,
//! `/<role or target id>/` to each (prefix stripped), and `/` to the first
//! group in declaration order, so requests for one service never land on
//! another. Docker's DNS answers a service name with the address of every
//! replica, so nginx gets one peer per container, and HAProxy fills a
//! `server-template` with as many slots. Algorithms map as knowledge.md §4.1 says:
//! `round_robin` is nginx's default and `balance roundrobin`;
//! `least_connections` is `least_conn` / `balance leastconn`; `ip_hash` is
//! `ip_hash` / `balance source`; `weighted_round_robin` writes each link's
//! `weight` (written whenever a link declares one, since every mapping
//! honours weights).
//!
//! Every name in the output is a compose service name or a design id
//! (`[a-z0-9-]` / `[A-Za-z0-9_]`), so nothing from the design needs quoting.

use askama::Template;

use super::{Plan, Role, algorithm_of};
use crate::knowledge::ProxyDialect;
use crate::model::{Algorithm, ComponentId, Kind};

/// HAProxy `server-template` slots per target, at most: one per replica,
/// bounded so a huge `replicas` cannot blow up the config.
pub const MAX_TEMPLATE_SLOTS: u32 = 64;

#[derive(Clone, Debug)]
pub struct ProxyConfig {
    pub component: String,
    pub kind: Kind,
    pub service: String,
    pub dialect: ProxyDialect,
    pub port: u16,
    pub algorithm: Algorithm,
    /// The key of `consistent_hash { key = K }`, read from the request's
    /// query parameter of that name (`?K=...`).
    pub hash_key: Option<String>,
    /// `layer = 4` on an HAProxy load balancer: `mode tcp`.
    pub tcp: bool,
    pub backends: Vec<Backend>,
}

#[derive(Clone, Debug)]
pub struct Backend {
    /// The upstream (nginx) or backend (HAProxy) name.
    pub name: String,
    /// A gateway's route prefix, `/<target id>/`.
    pub prefix: Option<String>,
    pub servers: Vec<Server>,
}

#[derive(Clone, Debug)]
pub struct Server {
    pub component: String,
    /// The routing group: the target's `role`, else its id.
    pub group: String,
    pub kind: Kind,
    pub host: String,
    pub port: u16,
    pub weight: u32,
    /// Whether the link declared a weight (or the algorithm is weighted).
    pub weighted: bool,
    pub containers: u32,
}

impl Server {
    /// The nginx parameters after the address.
    pub fn nginx_params(&self) -> String {
        if self.weighted {
            format!(" weight={}", self.weight)
        } else {
            String::new()
        }
    }

    /// The HAProxy `server-template` prefix: the host, which is unique per backend.
    pub fn template_prefix(&self) -> &str {
        &self.host
    }

    pub fn slots(&self) -> u32 {
        self.containers.clamp(1, MAX_TEMPLATE_SLOTS)
    }

    pub fn haproxy_weight(&self) -> String {
        if self.weighted {
            format!(" weight {}", self.weight.min(256))
        } else {
            String::new()
        }
    }

    pub fn comment(&self) -> String {
        let containers = if self.containers == 1 {
            "1 container".to_string()
        } else {
            format!("{} containers; Docker's DNS returns each", self.containers)
        };
        format!("{} `{}`: {containers}", self.kind, self.component)
    }
}

impl ProxyConfig {
    pub(crate) fn build(plan: &Plan<'_>, id: ComponentId, dialect: ProxyDialect) -> ProxyConfig {
        let design = plan.design;
        let component = design.component(id);
        let (service, port) = plan
            .run(id)
            .map(|run| (run.service.clone(), run.spec.port))
            .unwrap_or_default();
        let algorithm = algorithm_of(component);
        let mut servers: Vec<Server> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        let links = plan.outgoing.get(id.index()).into_iter().flatten();
        for link in links.filter_map(|idx| design.links.get(*idx)) {
            let Some(target) = plan.run(link.to) else { continue };
            if !matches!(target.role, Role::Stub | Role::Proxy(_)) || link.to == id {
                continue;
            }
            if !seen.insert(link.to) {
                continue;
            }
            let target_component = design.component(link.to);
            servers.push(Server {
                component: target_component.id.clone(),
                group: target_component
                    .role
                    .as_deref()
                    .map_or_else(|| target_component.id.clone(), path_safe),
                kind: target_component.kind,
                host: target.service.clone(),
                port: target.spec.port,
                weight: link.weight.max(1),
                weighted: algorithm == Algorithm::WeightedRoundRobin || link.weight != 1,
                containers: target.containers,
            });
        }
        // Targets by group, in the order the links first name them.
        let mut groups: Vec<(String, Vec<Server>)> = Vec::new();
        for server in servers {
            match groups.iter_mut().find(|(group, _)| *group == server.group) {
                Some((_, members)) => members.push(server),
                None => groups.push((server.group.clone(), vec![server])),
            }
        }
        let routes = component.kind == Kind::Gateway || groups.len() > 1;
        let backends: Vec<Backend> = if routes {
            groups
                .into_iter()
                .map(|(group, servers)| {
                    let name = match servers.as_slice() {
                        [only] if only.component == group => format!("{service}-to-{}", only.host),
                        _ => format!("{service}-role-{}", group.to_ascii_lowercase().replace('_', "-")),
                    };
                    Backend {
                        name,
                        prefix: Some(format!("/{group}/")),
                        servers,
                    }
                })
                .collect()
        } else {
            groups
                .into_iter()
                .map(|(_, servers)| Backend {
                    name: format!("{service}-backend"),
                    prefix: None,
                    servers,
                })
                .collect()
        };
        let tcp = dialect == ProxyDialect::Haproxy
            && component.kind == Kind::LoadBalancer
            && component.layer == Some(4)
            && !backends.is_empty();
        ProxyConfig {
            component: component.id.clone(),
            kind: component.kind,
            service,
            dialect,
            port,
            algorithm,
            hash_key: component.hash_key.clone(),
            tcp,
            backends,
        }
    }

    /// The path prefix that routes to a target component (`None` when the
    /// proxy routes by nothing, or the component is not its target).
    pub fn prefix_of(&self, component: &str) -> Option<&str> {
        self.backends
            .iter()
            .find(|backend| backend.servers.iter().any(|server| server.component == component))
            .and_then(|backend| backend.prefix.as_deref())
    }

    /// The nginx directive for the algorithm, if any (weighted round robin
    /// is nginx's default).
    pub fn nginx_directive(&self) -> Option<String> {
        match self.algorithm {
            Algorithm::RoundRobin | Algorithm::WeightedRoundRobin => None,
            Algorithm::LeastConnections => Some("least_conn;".to_string()),
            Algorithm::IpHash => Some("ip_hash;".to_string()),
            // Ketama consistent hashing on the key's query parameter.
            Algorithm::ConsistentHash => Some(format!("hash $arg_{} consistent;", self.key())),
        }
    }

    pub fn haproxy_balance(&self) -> String {
        match self.algorithm {
            Algorithm::RoundRobin | Algorithm::WeightedRoundRobin => "roundrobin".to_string(),
            Algorithm::LeastConnections => "leastconn".to_string(),
            Algorithm::IpHash => "source".to_string(),
            Algorithm::ConsistentHash => format!("url_param {}", self.key()),
        }
    }

    /// Whether HAProxy hashes onto a consistent ring (`hash-type
    /// consistent`): source and key hashing.
    pub fn haproxy_consistent(&self) -> bool {
        matches!(self.algorithm, Algorithm::IpHash | Algorithm::ConsistentHash)
    }

    /// The hashing key as a query-parameter name: letters, digits and `_`.
    fn key(&self) -> String {
        self.hash_key
            .as_deref()
            .unwrap_or("key")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect()
    }

    /// Whether upstreams use the declared algorithm (a load balancer) or
    /// round robin (a gateway, which has no `algorithm`).
    pub fn balances(&self) -> bool {
        self.kind == Kind::LoadBalancer
    }

    pub fn default_backend(&self) -> Option<&Backend> {
        self.backends.first()
    }

    /// Whether requests are routed by path prefix (several upstreams).
    pub fn routes(&self) -> bool {
        self.backends.iter().any(|backend| backend.prefix.is_some())
    }

    pub fn summary(&self) -> String {
        let algorithm = match (self.balances(), self.routes()) {
            (true, false) => format!("algorithm {}", self.algorithm),
            (true, true) => format!("routes by path prefix, algorithm {} in each upstream", self.algorithm),
            (false, _) => "routes by path prefix".to_string(),
        };
        let dialect = match self.dialect {
            ProxyDialect::Nginx => "nginx",
            ProxyDialect::Haproxy => "HAProxy",
        };
        format!("{dialect}, {algorithm}")
    }

    pub fn render(&self) -> Result<String, String> {
        let rendered = match self.dialect {
            ProxyDialect::Nginx => crate::emit::rendered("compose/nginx.conf", NginxTemplate { config: self }.render()),
            ProxyDialect::Haproxy => {
                crate::emit::rendered("compose/haproxy.cfg", HaproxyTemplate { config: self }.render())
            }
        };
        rendered
            .map(|text| {
                let mut text = text.trim_end().to_string();
                text.push('\n');
                text
            })
            // A template that fails to render is an internal error: the
            // CLI reports it (exit 2) and writes no file.
            .map_err(|error| format!("{error} (the {} config)", self.component))
    }
}

/// A role as a path segment and config name: letters, digits, `_`, `-`.
fn path_safe(role: &str) -> String {
    role.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect()
}

#[derive(Template)]
#[template(path = "compose/nginx.conf", escape = "none")]
struct NginxTemplate<'a> {
    config: &'a ProxyConfig,
}

#[derive(Template)]
#[template(path = "compose/haproxy.cfg", escape = "none")]
struct HaproxyTemplate<'a> {
    config: &'a ProxyConfig,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load::test_design;

    #[test]
    fn consistent_hashing_hashes_the_keys_query_parameter_and_nothing_else() {
        let design = test_design(
            "system s {\n  client u\n  load_balancer lb : nginx { algorithm = consistent_hash { key = \"doc id;\\n}\" } }\n  service a { replicas = 2 }\n  u -> lb -> a\n}",
        );
        let plan = super::super::plan(&design).unwrap();
        let lb = design.component_id("lb").unwrap();
        let nginx = ProxyConfig::build(&plan, lb, ProxyDialect::Nginx);
        // The key's text cannot end the directive or open a block.
        assert_eq!(
            nginx.nginx_directive().as_deref(),
            Some("hash $arg_doc_id___ consistent;")
        );
        let haproxy = ProxyConfig::build(&plan, lb, ProxyDialect::Haproxy);
        assert_eq!(haproxy.haproxy_balance(), "url_param doc_id___");
        assert!(haproxy.haproxy_consistent());
    }
}
