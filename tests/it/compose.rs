//! `hld compose`: every example (../shared/examples, examples/, and the
//! fixtures in tests/fixtures/compose) gives a stack whose compose.yaml
//! validates against the compose-spec JSON schema (tests/data, vendored from
//! ../shared/schemas), passes the checks a schema cannot make (depends_on
//! targets, variables every image needs, host ports, mounts, proxy
//! upstreams), renders byte-identically twice, and matches its snapshot.
//! Then the command itself: what it refuses, and that it writes nothing on
//! an error.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{hld_files, repo, run, shared_examples};
use hld::emit::compose::{self, MARKER, Stack};
use hld::knowledge::KnowledgeBase;
use hld::model::Design;
use hld::model::load::{self, Input, Limits};
use serde_json::Value;

fn compile_text(name: &str, text: &str, path: Option<&Path>) -> Design {
    let input = Input {
        name: name.to_string(),
        path: path.map(Path::to_path_buf),
        key: path.and_then(|path| std::fs::canonicalize(path).ok()),
        bytes: text.as_bytes().to_vec(),
    };
    let compilation = load::compile(input, &hld::cli::fs::FsLoader, &Limits::default());
    match compilation.design {
        Some(design) => design,
        None => panic!("{name} does not compile: {:#?}", compilation.diagnostics),
    }
}

fn compile_file(path: &Path) -> Design {
    let text = std::fs::read_to_string(path).unwrap();
    compile_text(&path.display().to_string(), &text, Some(path))
}

fn file<'a>(stack: &'a Stack, path: &str) -> &'a str {
    stack
        .files
        .iter()
        .find(|file| file.path == path)
        .map(|file| file.contents.as_str())
        .unwrap_or_else(|| panic!("no {path} in the stack"))
}

fn schema_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("tests/data/compose-spec.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// `${NAME}` and `${NAME:-default}` references, skipping `$$` escapes.
fn interpolated_variables(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut names = BTreeSet::new();
    let mut idx = 0;
    while idx < bytes.len() {
        if bytes[idx] == b'$' {
            if bytes.get(idx + 1) == Some(&b'$') {
                idx += 2;
                continue;
            }
            if bytes.get(idx + 1) == Some(&b'{') {
                let rest = &text[idx + 2..];
                let end = rest
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .unwrap_or(rest.len());
                names.insert(rest[..end].to_string());
            }
        }
        idx += 1;
    }
    names
}

fn env_values(env: &str) -> BTreeMap<String, String> {
    env.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (key, value) = line.split_once('=').expect("KEY=value");
            (key.to_string(), value.to_string())
        })
        .collect()
}

/// Variables each image family needs to start (from the images' docs, as
/// knowledge.md §4 records them), checked independently of the knowledge
/// base: (image prefix, variable, minimum length of its value).
const REQUIRED: &[(&str, &str, usize)] = &[
    ("postgres:", "POSTGRES_PASSWORD", 1),
    ("mysql:", "MYSQL_ROOT_PASSWORD", 1),
    ("mariadb:", "MARIADB_ROOT_PASSWORD", 1),
    ("minio/minio:", "MINIO_ROOT_USER", 3),
    ("minio/minio:", "MINIO_ROOT_PASSWORD", 8),
    ("neo4j:", "NEO4J_AUTH", 14),
    ("mongo:", "MONGO_INITDB_ROOT_PASSWORD", 1),
    ("apache/kafka:", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", 1),
    ("elasticsearch:", "discovery.type", 1),
    ("opensearchproject/opensearch:", "discovery.type", 1),
    ("opensearchproject/opensearch:", "DISABLE_SECURITY_PLUGIN", 1),
    ("rabbitmq:", "RABBITMQ_DEFAULT_PASS", 1),
    ("clickhouse/clickhouse-server:", "CLICKHOUSE_PASSWORD", 1),
];

/// Interpolates `${VAR}` from `.env` (what compose does) in one value.
fn interpolate(value: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = value.to_string();
    for (key, replacement) in env {
        out = out.replace(&format!("${{{key}}}"), replacement);
    }
    out
}

/// Everything about a stack that a schema cannot check.
/// Whether the knowledge base says `image` listens on `port`.
fn image_listens(base: &KnowledgeBase, image: &str, port: &str) -> bool {
    base.technologies
        .iter()
        .filter_map(|technology| technology.compose.as_ref())
        .chain(base.stub.as_ref())
        .any(|spec| spec.image == image && spec.port.to_string() == port)
}

fn check_stack(name: &str, design: &Design, stack: &Stack, validator: &jsonschema::Validator) {
    let yaml = file(stack, "compose.yaml");
    let doc: Value = serde_saphyr::from_str(yaml).unwrap_or_else(|error| panic!("{name}: {error}\n{yaml}"));
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: compose.yaml is not valid:\n{}\n{yaml}",
        errors.join("\n")
    );

    let env = env_values(file(stack, ".env"));
    for variable in interpolated_variables(yaml) {
        let value = env.get(&variable);
        assert!(
            value.is_some_and(|value| !value.is_empty()),
            "{name}: ${{{variable}}} is not set in .env"
        );
    }
    for value in env.values() {
        assert!(
            value.contains("placeholder"),
            "{name}: .env holds a non-placeholder value {value}"
        );
    }

    let services = doc["services"].as_object().expect("services");
    let networks = doc["networks"].as_object().expect("networks");
    let paths: BTreeSet<&str> = stack.files.iter().map(|file| file.path.as_str()).collect();
    let mut published = BTreeSet::new();
    let base = KnowledgeBase::get();
    let components: BTreeSet<&str> = design
        .components
        .iter()
        .map(|component| component.id.as_str())
        .collect();
    for (service, body) in services {
        assert!(
            service
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
            "{name}: service name {service}"
        );
        let labels = body["labels"].as_object().expect("labels");
        let component = labels["hld.component"].as_str().expect("hld.component label");
        assert!(
            components.contains(component),
            "{name}: {service} labels unknown {component}"
        );
        let kind = labels["hld.kind"].as_str().unwrap();
        for dependency in body["depends_on"].as_object().into_iter().flat_map(|map| map.keys()) {
            assert!(
                services.contains_key(dependency),
                "{name}: {service} depends on missing {dependency}"
            );
            assert_ne!(dependency, service, "{name}: {service} depends on itself");
            let condition = body["depends_on"][dependency]["condition"].as_str().unwrap();
            let has_healthcheck = services[dependency].get("healthcheck").is_some();
            assert_eq!(
                condition == "service_healthy",
                has_healthcheck,
                "{name}: {service} -> {dependency} waits for {condition}"
            );
        }
        for network in body["networks"].as_array().expect("networks") {
            assert!(
                networks.contains_key(network.as_str().unwrap()),
                "{name}: {service} network"
            );
        }
        let replicas = body["deploy"]["replicas"].as_u64().unwrap_or(1);
        for port in body["ports"].as_array().into_iter().flatten() {
            assert!(
                matches!(kind, "load_balancer" | "gateway"),
                "{name}: {service} ({kind}) publishes a port"
            );
            assert_eq!(port["host_ip"], "127.0.0.1", "{name}: {service}");
            assert_eq!(
                replicas, 1,
                "{name}: {service} publishes a port with {replicas} replicas"
            );
            let host_port = port["published"].as_str().unwrap().to_string();
            assert!(
                published.insert(host_port.clone()),
                "{name}: host port {host_port} twice"
            );
        }
        for volume in body["volumes"].as_array().into_iter().flatten() {
            let source = volume["source"].as_str().unwrap();
            let source = source.strip_prefix("./").expect("relative mount");
            // A generated file, or the directory of the stubs' files.
            assert!(
                paths.contains(source) || paths.iter().any(|path| path.starts_with(&format!("{source}/"))),
                "{name}: {service} mounts {source}, which is not generated"
            );
            assert_eq!(volume["read_only"], true);
        }
        // Every variable the image needs, as the knowledge base says and as
        // the images' docs say.
        let image = body["image"].as_str().unwrap();
        let environment: BTreeMap<String, String> = body["environment"]
            .as_object()
            .map(|map| {
                map.iter()
                    .map(|(key, value)| (key.clone(), interpolate(value.as_str().unwrap_or_default(), &env)))
                    .collect()
            })
            .unwrap_or_default();
        for technology in &base.technologies {
            let Some(spec) = &technology.compose else { continue };
            if spec.image != image {
                continue;
            }
            for key in spec.env.keys() {
                assert!(environment.contains_key(key), "{name}: {service} ({image}) lacks {key}");
            }
            for secret in &spec.secrets {
                assert!(env.contains_key(secret), "{name}: {service} needs {secret} in .env");
            }
        }
        for (prefix, variable, min_len) in REQUIRED {
            if image.starts_with(prefix) {
                let value = environment.get(*variable);
                assert!(
                    value.is_some_and(|value| value.len() >= *min_len),
                    "{name}: {service} ({image}) needs {variable} of at least {min_len} characters: {value:?}"
                );
            }
        }
        assert!(
            !environment.values().any(|value| value.contains("{{")),
            "{name}: unfilled placeholder"
        );
        if let Some(command) = body["command"].as_array() {
            assert!(!command.iter().any(|part| part.as_str().unwrap().contains("{{")));
        }
    }

    // Proxy configs: every upstream host is a service, at the port its image listens on.
    for config in stack.files.iter().filter(|file| file.path.starts_with("config/")) {
        for line in config.contents.lines().map(str::trim) {
            let address = if let Some(rest) = line.strip_prefix("server ") {
                rest.split([' ', ';']).next()
            } else if let Some(rest) = line.strip_prefix("server-template ") {
                rest.split_whitespace().nth(2)
            } else {
                None
            };
            // `server {` opens nginx's server block; addresses are host:port.
            let Some((host, port)) = address.and_then(|address| address.split_once(':')) else {
                continue;
            };
            let target = services
                .get(host)
                .unwrap_or_else(|| panic!("{name}: {} proxies to missing {host}", config.path));
            let image = target["image"].as_str().unwrap();
            assert!(
                image_listens(base, image, port),
                "{name}: {} sends {host} traffic to port {port}",
                config.path
            );
        }
    }

    // The stubs' design: every component, and every address a running
    // service's (its compose service name, at the port its image listens on).
    let stubs: serde_json::Value = serde_json::from_str(file(stack, "stubs/stubs.json")).unwrap();
    let stub_components = stubs["components"].as_array().unwrap();
    assert_eq!(stub_components.len(), design.components.len(), "{name}");
    for (component, stub) in design.components.iter().zip(stub_components) {
        assert_eq!(stub["id"], component.id.as_str(), "{name}");
        let docker = &stub["docker"];
        match docker["how"].as_str() {
            Some("http" | "proxy" | "store") => {
                let host = docker["host"].as_str().unwrap();
                let target = services
                    .get(host)
                    .unwrap_or_else(|| panic!("{name}: stubs.json sends {} to missing {host}", component.id));
                let image = target["image"].as_str().unwrap();
                let port = docker["port"].to_string();
                assert!(
                    image_listens(base, image, &port),
                    "{name}: stubs.json reaches {host} on port {port}"
                );
            }
            Some("in_process") => assert!(
                !services
                    .values()
                    .any(|body| body["labels"]["hld.component"] == component.id.as_str()),
                "{name}: {} runs but the stubs play it",
                component.id
            ),
            None => assert_eq!(component.kind, hld::model::Kind::Client, "{name}"),
            Some(other) => panic!("{name}: {other}"),
        }
    }
    assert_eq!(stubs["flows"].as_array().unwrap().len(), design.flows.len(), "{name}");

    // The README names every service and every component that does not run.
    let readme = file(stack, "README.md");
    for service in services.keys() {
        assert!(
            readme.contains(&format!("`{service}`")),
            "{name}: README misses {service}"
        );
    }
    for component in &design.components {
        assert!(readme.contains(&component.id), "{name}: README misses {}", component.id);
    }
    let marker_free = stack.files.iter().all(|file| file.path != MARKER);
    assert!(marker_free, "the marker is the CLI's");
}

/// Every file of the stack but the stubs' programs, which are the same
/// text in every stack (after their header; `python_programs_are_fixed_text`).
fn snapshot_text(stack: &Stack) -> String {
    let mut text = String::new();
    for file in &stack.files {
        if file.path.ends_with(".py") {
            text.push_str(&format!(
                "===== {} ===== ({} lines)\n",
                file.path,
                file.contents.lines().count()
            ));
            continue;
        }
        text.push_str(&format!("===== {} =====\n{}", file.path, file.contents));
    }
    text
}

#[test]
fn python_programs_are_fixed_text() {
    let programs = |path: &Path| -> Vec<(String, String)> {
        let design = compile_file(path);
        let stack = compose::build(&design).unwrap();
        stack
            .files
            .into_iter()
            .filter(|file| file.path.ends_with(".py"))
            .map(|file| {
                let (shebang, rest) = file.contents.split_once('\n').unwrap();
                assert_eq!(shebang, "#!/usr/bin/env python3");
                let (header, body) = rest.split_once('\n').unwrap();
                assert_eq!(
                    header,
                    hld::emit::compose::stubs::python_header(&design.name).trim_end()
                );
                (file.path, body.to_string())
            })
            .collect()
    };
    let one = programs(&common::repo().join("examples/url_shortener.hld"));
    let other = programs(&common::repo().join("examples/twitter_timeline.hld"));
    assert_eq!(
        one.iter().map(|(path, _)| path.as_str()).collect::<Vec<_>>(),
        ["stubs/stub.py", "local.py"]
    );
    assert_eq!(one, other);
}

fn check_and_snapshot(prefix: &str, path: &Path, validator: &jsonschema::Validator) {
    let stem = path.file_stem().unwrap().to_string_lossy().to_string();
    let name = format!("{prefix}_{stem}");
    let design = compile_file(path);
    let stack = compose::build(&design).unwrap_or_else(|error| panic!("{name}: {error}"));
    let again = compose::build(&compile_file(path)).unwrap();
    assert_eq!(stack.files, again.files, "{name}: output differs between two runs");
    check_stack(&name, &design, &stack, validator);
    insta::assert_snapshot!(name, snapshot_text(&stack));
}

#[test]
fn shared_examples_give_valid_stacks() {
    let Some(dir) = shared_examples() else { return };
    let validator = schema_validator();
    let files = hld_files(&dir);
    assert!(!files.is_empty());
    for path in files {
        check_and_snapshot("shared", &path, &validator);
    }
}

#[test]
fn own_examples_give_valid_stacks() {
    let dir = repo().join("examples");
    let files = hld_files(&dir);
    if files.is_empty() {
        eprintln!("skipping: examples/ holds no design yet");
        return;
    }
    let validator = schema_validator();
    for path in files {
        check_and_snapshot("examples", &path, &validator);
    }
}

#[test]
fn fixtures_give_valid_stacks() {
    let validator = schema_validator();
    let files = hld_files(&repo().join("tests/fixtures/compose"));
    assert!(files.len() >= 5, "{files:?}");
    for path in files {
        check_and_snapshot("fixture", &path, &validator);
    }
}

/// One component per technology of the knowledge base (as its first kind),
/// so every image entry is validated, not only those the examples use.
#[test]
fn every_technology_gives_a_valid_stack() {
    let base = KnowledgeBase::get();
    let mut text = String::from("system every_technology {\n  client users { rps = 10 }\n");
    let mut entries = Vec::new();
    for (idx, technology) in base.technologies.iter().enumerate() {
        let kind = technology.kinds.first().unwrap();
        let id = format!("c{idx}_{}", technology.id);
        text.push_str(&format!("  {kind} {id} : {}\n", technology.id));
        entries.push((id, *kind));
    }
    for (id, kind) in &entries {
        if matches!(kind.as_str(), "load_balancer" | "gateway" | "cdn" | "dns") {
            text.push_str(&format!("  users -> {id}\n"));
        }
    }
    text.push_str("}\n");
    let design = compile_text("every_technology.hld", &text, None);
    let stack = compose::build(&design).unwrap();
    check_stack("every_technology", &design, &stack, &schema_validator());
    let yaml = file(&stack, "compose.yaml");
    for technology in &base.technologies {
        // Proxies without generated routing (envoy, traefik, kong) run nginx instead.
        let proxy_kind = technology
            .kinds
            .first()
            .is_some_and(|kind| matches!(kind.as_str(), "load_balancer" | "gateway"));
        if let Some(spec) = &technology.compose
            && (spec.proxy.is_some() || !proxy_kind)
        {
            assert!(yaml.contains(&spec.image), "{} image missing", technology.id);
        }
    }
    // Healthchecks are written unchanged, `$$` and all.
    assert!(yaml.contains("pg_isready -U $${POSTGRES_USER:-postgres}"), "{yaml}");
    assert!(yaml.contains("-p$${MYSQL_ROOT_PASSWORD}"), "{yaml}");
    // Kafka and etcd name themselves by their service.
    assert!(yaml.contains("1@c"), "{yaml}");
    assert!(!yaml.contains("@broker:"), "{yaml}");
}

/// A component of each kind that names no technology runs the kind's
/// default from the knowledge base (or, for client, dns, cdn and external,
/// does not run).
#[test]
fn every_kind_without_a_technology_gives_a_valid_stack() {
    use hld::model::Kind;
    let mut text = String::from("system kinds {\n");
    for kind in Kind::ALL {
        text.push_str(&format!("  {kind} a_{kind}\n"));
    }
    text.push_str("  a_client -> a_load_balancer -> a_gateway -> a_service\n}\n");
    let design = compile_text("kinds.hld", &text, None);
    let stack = compose::build(&design).unwrap();
    check_stack("kinds", &design, &stack, &schema_validator());
    let doc: Value = serde_saphyr::from_str(file(&stack, "compose.yaml")).unwrap();
    let services = doc["services"].as_object().unwrap();
    for kind in ["client", "dns", "cdn", "external"] {
        assert!(!services.contains_key(&format!("a-{kind}")), "{kind} runs");
    }
    let image = |service: &str| services[service]["image"].as_str().unwrap().to_string();
    assert!(image("a-load-balancer").starts_with("nginx:"));
    assert!(image("a-gateway").starts_with("nginx:"));
    assert!(image("a-service").starts_with("python:3"));
    assert!(image("a-worker").starts_with("python:3"));
    assert!(image("a-cache").starts_with("redis:"));
    assert!(image("a-database").starts_with("postgres:"));
    assert!(image("a-queue").starts_with("rabbitmq:"));
    assert!(image("a-object-store").starts_with("minio/minio:"));
    assert!(image("a-search").starts_with("elasticsearch:"));
    let readme = file(&stack, "README.md");
    assert!(
        readme.contains("No technology declared: PostgreSQL, the default for a database."),
        "{readme}"
    );
}

#[test]
fn dollar_signs_in_labels_are_escaped() {
    let design = compile_text(
        "dollar.hld",
        "system s \"costs $5\" {\n  client u { rps = 1 }\n  service api \"$HOME and ${PATH}\"\n  u -> api\n}\n",
        None,
    );
    let stack = compose::build(&design).unwrap();
    let yaml = file(&stack, "compose.yaml");
    assert!(yaml.contains("$$HOME and $${PATH}"), "{yaml}");
    assert!(interpolated_variables(yaml).is_empty(), "{yaml}");
    check_stack("dollar", &design, &stack, &schema_validator());
}

#[test]
fn labels_are_markdown_text_in_the_readme() {
    let design = compile_text(
        "html.hld",
        "system s \"<b>bold</b> & `tick`\" {\n  client u { rps = 1 }\n  service api \"<i>it</i> | a\\\\b *star*\"\n  u -> api\n}\n",
        None,
    );
    let stack = compose::build(&design).unwrap();
    let readme = file(&stack, "README.md");
    for tag in ["<b>", "<i>", "</b>", "</i>"] {
        for (idx, _) in readme.match_indices(tag) {
            assert!(readme[..idx].ends_with('\\'), "unescaped {tag}: {readme}");
        }
    }
    assert!(
        readme.starts_with("# \\<b>bold\\</b> \\& \\`tick\\`: a local stack\n"),
        "{readme}"
    );
    // In its table row: escaped, the `|` kept inside the cell.
    assert!(readme.contains("\"\\<i>it\\</i> \\| a\\\\b \\*star\\*\"."), "{readme}");
    let row = readme.lines().find(|line| line.starts_with("| `api` |")).unwrap();
    assert_eq!(row.matches(" | ").count() + 1, 7, "{row}");
    check_stack("html", &design, &stack, &schema_validator());
}

#[test]
fn replicas_and_entry_points_follow_the_design() {
    let path = repo().join("tests/fixtures/compose/gateway_routes.hld");
    let design = compile_file(&path);
    let stack = compose::build(&design).unwrap();
    let doc: Value = serde_saphyr::from_str(file(&stack, "compose.yaml")).unwrap();
    // The entry gateway publishes and runs one container; the services
    // behind it run at most --max-replicas (2 by default) containers, and
    // keep the design's count in a label, the README and a comment.
    assert_eq!(doc["services"]["gw"]["ports"][0]["published"], "8080");
    assert!(doc["services"]["gw"].get("deploy").is_none());
    assert_eq!(doc["services"]["users-svc"]["deploy"]["replicas"], 2);
    assert_eq!(doc["services"]["users-svc"]["labels"]["hld.declared-replicas"], "3");
    assert_eq!(doc["services"]["orders-svc"]["deploy"]["replicas"], 2);
    let yaml = file(&stack, "compose.yaml");
    assert!(yaml.contains("Declared replicas: users_svc 2 of 3."), "{yaml}");
    let readme = file(&stack, "README.md");
    assert!(
        readme.contains("Declared 3 replicas: 2 containers run (--max-replicas 2)."),
        "{readme}"
    );
    let nginx = file(&stack, "config/gw.nginx.conf");
    assert!(nginx.contains("location /users_svc/ {"), "{nginx}");
    assert!(nginx.contains("location /orders_svc/ {"), "{nginx}");
    // A higher cap runs the declared count.
    let stack = compose::build_with(&design, compose::Options { max_replicas: 10 }).unwrap();
    let doc: Value = serde_saphyr::from_str(file(&stack, "compose.yaml")).unwrap();
    assert_eq!(doc["services"]["users-svc"]["deploy"]["replicas"], 3);
    assert!(!file(&stack, "compose.yaml").contains("Laptop-sized"));
}

#[test]
fn big_designs_give_laptop_sized_stacks() {
    // The chat template declares far more servers than a laptop runs.
    let template = hld::init::TEMPLATES
        .iter()
        .find(|template| template.name == "chat")
        .unwrap();
    let design = hld::model::load::compile(
        hld::model::load::Input {
            name: "chat.hld".to_string(),
            path: None,
            key: None,
            bytes: template.text.as_bytes().to_vec(),
        },
        &hld::model::load::MemoryLoader::default(),
        &hld::model::load::Limits::default(),
    )
    .design
    .unwrap();
    let stack = compose::build(&design).unwrap();
    let doc: Value = serde_saphyr::from_str(file(&stack, "compose.yaml")).unwrap();
    let services = doc["services"].as_object().unwrap();
    let containers: u64 = services
        .values()
        .map(|service| service["deploy"]["replicas"].as_u64().unwrap_or(1))
        .sum();
    assert!(containers <= 2 * services.len() as u64, "{containers} containers");
    let declared: u64 = services
        .values()
        .map(|service| {
            service["labels"]["hld.declared-replicas"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert!(
        declared > containers,
        "the labels keep the design's counts: {declared} declared, {containers} run"
    );
}

#[test]
fn load_balancers_route_different_services_by_prefix_and_share_a_roles_upstream() {
    let text = "system s {\n  client u { rps = 1 }\n  load_balancer lb : haproxy\n  service api_us { role = api }\n  service api_eu { role = api }\n  service notify\n  u -> lb\n  lb -> api_us\n  lb -> api_eu\n  lb -> notify\n}\n";
    let design = hld::model::load::compile(
        hld::model::load::Input {
            name: "s.hld".to_string(),
            path: None,
            key: None,
            bytes: text.as_bytes().to_vec(),
        },
        &hld::model::load::MemoryLoader::default(),
        &hld::model::load::Limits::default(),
    )
    .design
    .unwrap();
    let stack = compose::build(&design).unwrap();
    let haproxy = file(&stack, "config/lb.haproxy.cfg");
    assert!(
        haproxy.contains("use_backend lb-role-api if { path_beg /api/ }"),
        "{haproxy}"
    );
    assert!(
        haproxy.contains("use_backend lb-to-notify if { path_beg /notify/ }"),
        "{haproxy}"
    );
    assert!(haproxy.contains("default_backend lb-role-api"), "{haproxy}");
    // Both deployments of the role are servers of the one backend.
    let api = haproxy
        .split("\nbackend lb-role-api\n")
        .nth(1)
        .unwrap()
        .split("\nbackend ")
        .next()
        .unwrap();
    assert!(api.contains("api-us:") && api.contains("api-eu:"), "{api}");
    assert!(!api.contains("notify:"), "{api}");
}

#[test]
fn load_balancer_algorithms_map_to_nginx_and_haproxy() {
    let cases = [
        ("round_robin", "nginx", None, "balance roundrobin"),
        ("least_connections", "nginx", Some("least_conn;"), "balance leastconn"),
        ("ip_hash", "nginx", Some("ip_hash;"), "balance source"),
        ("weighted_round_robin", "nginx", None, "balance roundrobin"),
    ];
    for (algorithm, _, nginx_directive, haproxy_balance) in cases {
        for technology in ["nginx", "haproxy"] {
            let text = format!(
                "system s {{\n  client u {{ rps = 1 }}\n  load_balancer lb : {technology} {{ algorithm = {algorithm} }}\n  service a\n  service b {{ replicas = 2 }}\n  u -> lb\n  lb -> a {{ weight = 3 }}\n  lb -> b\n}}\n"
            );
            let design = compile_text("lb.hld", &text, None);
            let stack = compose::build(&design).unwrap();
            check_stack(algorithm, &design, &stack, &schema_validator());
            if technology == "nginx" {
                let conf = file(&stack, "config/lb.nginx.conf");
                assert_eq!(
                    conf.contains("least_conn;") || conf.contains("ip_hash;"),
                    nginx_directive.is_some(),
                    "{conf}"
                );
                if let Some(directive) = nginx_directive {
                    assert!(conf.contains(directive), "{conf}");
                }
                assert!(conf.contains("server a:5678 weight=3;"), "{conf}");
                let b_line = if algorithm == "weighted_round_robin" {
                    "server b:5678 weight=1;"
                } else {
                    "server b:5678;"
                };
                assert!(conf.contains(b_line), "{conf}");
            } else {
                let cfg = file(&stack, "config/lb.haproxy.cfg");
                assert!(cfg.contains(haproxy_balance), "{cfg}");
                assert!(cfg.contains("server-template b- 2 b:5678"), "{cfg}");
                assert!(cfg.contains("weight 3"), "{cfg}");
            }
        }
    }
}

// ---- the command

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hld-compose-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn fixture(name: &str) -> String {
    repo()
        .join("tests/fixtures/compose")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

#[test]
fn compose_writes_the_stack_and_a_marker() {
    let dir = temp_dir("writes");
    let out = dir.join("stack");
    let result = run(&["compose", &fixture("gateway_routes.hld"), "-o", out.to_str().unwrap()]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(result.stdout.contains("docker compose up"), "{}", result.stdout);
    for name in ["compose.yaml", ".env", "README.md", "config/gw.nginx.conf", MARKER] {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    let marker = std::fs::read_to_string(out.join(MARKER)).unwrap();
    assert!(marker.lines().any(|line| line == "config/gw.nginx.conf"), "{marker}");
    // No temporary file is left behind.
    let leftovers: Vec<_> = walk(&out)
        .into_iter()
        .filter(|path| path.to_string_lossy().contains(".hld-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A rerun into its own output is fine, and removes what it no longer generates.
    let result = run(&["compose", &fixture("no_proxy.hld"), "-o", out.to_str().unwrap()]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(!out.join("config/gw.nginx.conf").exists());
    assert!(
        result.stdout.contains("removed config/gw.nginx.conf"),
        "{}",
        result.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out
}

#[test]
fn compose_writes_nothing_for_a_design_with_errors() {
    let dir = temp_dir("errors");
    let out = dir.join("stack");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.hld");
    std::fs::write(&bad, "system s {\n  service api { replica = 2 }\n}\n").unwrap();
    let result = run(&["compose", bad.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("replica"), "{}", result.stderr);
    assert!(!out.exists(), "nothing may be written");
    assert!(result.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compose_refuses_a_foreign_directory_unless_forced() {
    let dir = temp_dir("foreign");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let result = run(&["compose", &fixture("no_proxy.hld"), "-o", dir.to_str().unwrap()]);
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("not generated by hld"), "{}", result.stderr);
    assert!(result.stderr.contains("--force"), "{}", result.stderr);
    assert!(!dir.join("compose.yaml").exists());
    assert!(!dir.join(MARKER).exists());

    let result = run(&[
        "compose",
        &fixture("no_proxy.hld"),
        "-o",
        dir.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(dir.join("compose.yaml").is_file());
    assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn compose_never_writes_through_a_symbolic_link() {
    let dir = temp_dir("symlink");
    let outside = dir.join("outside");
    let out = dir.join("stack");
    std::fs::create_dir_all(&outside).unwrap();
    // DIR itself a link.
    std::os::unix::fs::symlink(&outside, dir.join("link")).unwrap();
    let result = run(&[
        "compose",
        &fixture("gateway_routes.hld"),
        "-o",
        dir.join("link").to_str().unwrap(),
    ]);
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("symbolic link"), "{}", result.stderr);
    // A link inside a generated DIR, even with --force.
    let result = run(&["compose", &fixture("gateway_routes.hld"), "-o", out.to_str().unwrap()]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    std::fs::remove_dir_all(out.join("config")).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("config")).unwrap();
    let result = run(&[
        "compose",
        &fixture("gateway_routes.hld"),
        "-o",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("symbolic link"), "{}", result.stderr);
    assert!(
        std::fs::read_dir(&outside).unwrap().next().is_none(),
        "wrote outside DIR"
    );
    // An output path that is a file.
    let result = run(&[
        "compose",
        &fixture("no_proxy.hld"),
        "-o",
        out.join("compose.yaml").to_str().unwrap(),
    ]);
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("not a directory"), "{}", result.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn compose_needs_an_output_directory() {
    let result = run(&["compose", &fixture("no_proxy.hld")]);
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("--output"), "{}", result.stderr);
}

#[test]
fn max_replicas_takes_a_positive_count() {
    let design = repo().join("tests/fixtures/compose/gateway_routes.hld");
    let out = std::env::temp_dir().join(format!("hld-max-replicas-{}", std::process::id()));
    let zero = run(&[
        "compose",
        design.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--max-replicas",
        "0",
    ]);
    assert_eq!(zero.code, 2, "{}", zero.stderr);
    assert!(!out.exists(), "nothing is written for a wrong command line");
    let three = run(&[
        "compose",
        design.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--max-replicas",
        "3",
    ]);
    assert_eq!(three.code, 0, "{}", three.stderr);
    let yaml = std::fs::read_to_string(out.join("compose.yaml")).unwrap();
    let doc: Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(doc["services"]["users-svc"]["deploy"]["replicas"], 3);
    std::fs::remove_dir_all(&out).unwrap();
}
