//! `hld compose` output checked by the real tools: Compose v2's
//! `docker-compose config -q` on every compose.yaml, `nginx -t` on every
//! nginx config and `haproxy -c` on every HAProxy config, and nginx routing
//! live traffic on loopback (round robin alternates, ip_hash sticks,
//! weights split 3:1).
//!
//! Each test skips, saying why, when its tool is missing (so `cargo test`
//! passes with only Rust); with `HLD_CI_TOOLS=1` (set by `.ci/run` and
//! `.ci/compose-check.sh`, after `.ci/install-compose-tools` installs the
//! tools) a missing tool fails.
//! The nginx checks run in their own mount namespace, with an /etc/hosts
//! naming every compose service (nginx resolves upstream hosts at start),
//! and the live test in its own network namespace too, so it owns port 80
//! and 127.0.0.0/8 and leaves the machine untouched: they need root.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{hld_files, repo, shared_examples};
use hld::emit::compose::{self, Stack};
use hld::knowledge::KnowledgeBase;
use hld::model::Design;
use hld::model::load::{self, Input, Limits};

fn required() -> bool {
    std::env::var("HLD_CI_TOOLS").is_ok_and(|value| value == "1")
}

/// Skips (or, under CI, fails) with a reason.
fn skip(reason: &str) {
    assert!(!required(), "HLD_CI_TOOLS=1 but {reason}");
    eprintln!("skipping: {reason}");
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// Compose v2: `HLD_DOCKER_COMPOSE`, else the pinned binary
/// `.ci/install-compose-tools` keeps in `target/ci-tools`, else a
/// `docker-compose` on PATH that says v2 (Debian's v1 rejects current
/// compose-spec keys).
fn docker_compose() -> Option<PathBuf> {
    let candidate = std::env::var_os("HLD_DOCKER_COMPOSE")
        .map(PathBuf::from)
        .or_else(pinned_docker_compose)
        .or_else(|| find_program("docker-compose"))?;
    // The checks run it from each stack's directory.
    let candidate = std::fs::canonicalize(&candidate).ok()?;
    let output = Command::new(&candidate).arg("version").output().ok()?;
    String::from_utf8_lossy(&output.stdout)
        .contains("version v2")
        .then_some(candidate)
}

/// The newest `docker-compose-<version>` in `target/ci-tools` (a
/// `.partial` download is not one).
fn pinned_docker_compose() -> Option<PathBuf> {
    let mut binaries: Vec<PathBuf> = std::fs::read_dir(repo().join("target/ci-tools"))
        .ok()?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("docker-compose-") && !name.ends_with(".partial"))
        })
        .collect();
    binaries.sort();
    binaries.pop()
}

fn compile(path: &Path) -> Design {
    let text = std::fs::read(path).unwrap();
    let input = Input {
        name: path.display().to_string(),
        path: Some(path.to_path_buf()),
        key: std::fs::canonicalize(path).ok(),
        bytes: text,
    };
    let compilation = load::compile(input, &hld::cli::fs::FsLoader, &Limits::default());
    compilation
        .design
        .unwrap_or_else(|| panic!("{} does not compile", path.display()))
}

/// Every design the snapshot tests cover, with its stack.
fn stacks() -> Vec<(String, Stack)> {
    let mut paths = Vec::new();
    if let Some(dir) = shared_examples() {
        paths.extend(hld_files(&dir));
    }
    paths.extend(hld_files(&repo().join("examples")));
    paths.extend(hld_files(&repo().join("tests/fixtures/compose")));
    let mut stacks: Vec<(String, Stack)> = paths
        .into_iter()
        .map(|path| {
            let stack = compose::build(&compile(&path)).unwrap();
            (path.display().to_string(), stack)
        })
        .collect();
    stacks.push(("every technology".to_string(), every_technology()));
    stacks
}

/// One component per technology of the knowledge base (as its first kind),
/// every proxy an entry point, so every image entry meets the tools.
fn every_technology() -> Stack {
    let base = KnowledgeBase::get();
    let mut text = String::from("system every_technology {\n  client users { rps = 10 }\n");
    let mut links = String::new();
    for (idx, technology) in base.technologies.iter().enumerate() {
        let Some(kind) = technology.kinds.first() else { continue };
        let id = format!("c{idx}_{}", technology.id);
        text.push_str(&format!("  {kind} {id} : {}\n", technology.id));
        if matches!(kind.as_str(), "load_balancer" | "gateway") {
            links.push_str(&format!("  users -> {id}\n"));
        }
    }
    text.push_str(&links);
    text.push_str("}\n");
    let input = Input {
        name: "every_technology.hld".to_string(),
        path: None,
        key: None,
        bytes: text.into_bytes(),
    };
    let compilation = load::compile(input, &hld::cli::fs::FsLoader, &Limits::default());
    compose::build(&compilation.design.expect("every_technology compiles")).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hld-tools-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_stack(dir: &Path, stack: &Stack) {
    for file in &stack.files {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &file.contents).unwrap();
    }
}

#[test]
fn docker_compose_accepts_every_stack() {
    let Some(binary) = docker_compose() else {
        return skip("no Compose v2 binary (set HLD_DOCKER_COMPOSE, or run .ci/install-compose-tools)");
    };
    let root = scratch("compose");
    let mut checked = 0;
    for (idx, (name, stack)) in stacks().iter().enumerate() {
        let dir = root.join(idx.to_string());
        write_stack(&dir, stack);
        let output = Command::new(&binary)
            .current_dir(&dir)
            .args(["-f", "compose.yaml", "config", "-q"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{name}: docker-compose config -q failed:\n{stderr}"
        );
        // A warning (an unset variable, an obsolete key) is a failure too.
        assert!(
            stderr.trim().is_empty(),
            "{name}: docker-compose config warned:\n{stderr}"
        );
        checked += 1;
    }
    eprintln!("docker-compose config -q: {checked} stacks valid");
    let _ = std::fs::remove_dir_all(&root);
}

/// An /etc/hosts naming every service of the stacks, to bind over the real
/// one inside a private mount namespace.
fn hosts_file(dir: &Path, names: &[(String, String)]) -> PathBuf {
    let mut text = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    for (host, address) in names {
        text.push_str(&format!("{address} {host}\n"));
    }
    let path = dir.join("hosts");
    std::fs::write(&path, text).unwrap();
    path
}

/// The main nginx.conf the official image wraps conf.d files in, with every
/// path under `dir`.
fn nginx_main_conf(dir: &Path, include: &Path) -> PathBuf {
    let dir_text = dir.display();
    let text = format!(
        "worker_processes 1;\npid {dir_text}/nginx.pid;\nerror_log {dir_text}/error.log;\nevents {{ worker_connections 64; }}\n\
         http {{\n    access_log off;\n    client_body_temp_path {dir_text}/body;\n    proxy_temp_path {dir_text}/proxy;\n    include {};\n}}\n",
        include.display()
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, text).unwrap();
    path
}

fn namespaces_usable() -> Option<&'static str> {
    if !is_root() {
        return Some("not root: the nginx checks need a private mount namespace for /etc/hosts");
    }
    if find_program("unshare").is_none() {
        return Some("no unshare (util-linux)");
    }
    None
}

#[test]
fn nginx_accepts_every_config() {
    let Some(nginx) = find_program("nginx") else {
        return skip("nginx is not installed (apt-get install nginx-light)");
    };
    if let Some(reason) = namespaces_usable() {
        return skip(reason);
    }
    let root = scratch("nginx");
    let mut checked = 0;
    for (idx, (name, stack)) in stacks().iter().enumerate() {
        for file in stack.files.iter().filter(|file| file.path.ends_with(".nginx.conf")) {
            let dir = root.join(format!("{idx}-{checked}"));
            std::fs::create_dir_all(&dir).unwrap();
            let conf = dir.join("default.conf");
            std::fs::write(&conf, &file.contents).unwrap();
            let main = nginx_main_conf(&dir, &conf);
            let names: Vec<(String, String)> = stack
                .services
                .iter()
                .map(|(_, service)| (service.clone(), "127.0.0.1".to_string()))
                .collect();
            let hosts = hosts_file(&dir, &names);
            let output = Command::new("unshare")
                .args([
                    "-m",
                    "sh",
                    "-c",
                    "mount --bind \"$1\" /etc/hosts && exec \"$2\" -t -q -p \"$3\" -c \"$4\" -e \"$3/error.log\"",
                    "sh",
                ])
                .arg(&hosts)
                .arg(&nginx)
                .arg(&dir)
                .arg(&main)
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "{name}: nginx -t rejects {}:\n{}\n{}",
                file.path,
                String::from_utf8_lossy(&output.stderr),
                file.contents
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} nginx configs");
    eprintln!("nginx -t: {checked} configs valid");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn haproxy_accepts_every_config() {
    let Some(haproxy) = find_program("haproxy") else {
        return skip("haproxy is not installed (apt-get install haproxy)");
    };
    let root = scratch("haproxy");
    let mut checked = 0;
    for (name, stack) in stacks() {
        for file in stack.files.iter().filter(|file| file.path.ends_with(".haproxy.cfg")) {
            let cfg = root.join(format!("{checked}.cfg"));
            std::fs::write(&cfg, &file.contents).unwrap();
            let output = Command::new(&haproxy).arg("-c").arg("-f").arg(&cfg).output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                output.status.success(),
                "{name}: haproxy -c rejects {}:\n{}{stderr}\n{}",
                file.path,
                String::from_utf8_lossy(&output.stdout),
                file.contents
            );
            assert!(!stderr.contains("[ALERT]"), "{name}: {}: {stderr}", file.path);
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} HAProxy configs");
    eprintln!("haproxy -c: {checked} configs valid");
    let _ = std::fs::remove_dir_all(&root);
}

/// Runs in a fresh network namespace: two listeners standing in for the
/// stub containers (on 127.0.0.2 and 127.0.0.3, at the stub's port, each
/// answering its name), nginx with the generated config in front, then
/// requests from several client addresses; prints what answered, as JSON.
const ROUTING_SCRIPT: &str = r#"
import http.client, http.server, json, socket, subprocess, sys, threading, time

backends, port, nginx, prefix, main_conf, sources, count, paths = json.loads(sys.argv[1])

class Stub(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (self.server.stub_name + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

for name, address in backends.items():
    server = http.server.ThreadingHTTPServer((address, port), Stub)
    server.stub_name = name
    threading.Thread(target=server.serve_forever, daemon=True).start()

proc = subprocess.Popen([nginx, "-p", prefix, "-c", main_conf, "-e", prefix + "/error.log", "-g", "daemon off;"])
try:
    # Wait until nginx listens: a bare TCP connect, which sends no request
    # and so takes no turn of the balancing.
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", 80), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.1)
    results = {}
    for source in sources:
        results[source] = {}
        for path in paths:
            answers = []
            for _ in range(count):
                conn = http.client.HTTPConnection("127.0.0.1", 80, timeout=5, source_address=(source, 0))
                conn.request("GET", path)
                answers.append(conn.getresponse().read().decode().strip())
                conn.close()
            results[source][path] = answers
    print(json.dumps(results))
finally:
    proc.terminate()
    proc.wait(10)
"#;

/// Generated nginx routing for a fixture, driven by real requests for `/`;
/// returns the answers per client address.
fn route(fixture: &str, sources: &[&str], count: usize) -> Option<serde_json::Value> {
    route_paths(fixture, sources, count, &["/"])
}

/// [`route`] for requests of each of `paths`: the answers per client
/// address, then per path.
fn route_paths(fixture: &str, sources: &[&str], count: usize, paths: &[&str]) -> Option<serde_json::Value> {
    let (nginx, python) = namespace_tools()?;
    let stack = compose::build(&compile(&repo().join("tests/fixtures/compose").join(fixture))).unwrap();
    let config = stack
        .files
        .iter()
        .find(|file| file.path.ends_with(".nginx.conf"))
        .expect("an nginx config");
    let dir = scratch(fixture);
    let conf = dir.join("default.conf");
    std::fs::write(&conf, &config.contents).unwrap();
    let main = nginx_main_conf(&dir, &conf);
    let backends = [("alpha", "127.0.0.2"), ("beta", "127.0.0.3")];
    let names: Vec<(String, String)> = backends
        .iter()
        .map(|(name, address)| (name.to_string(), address.to_string()))
        .collect();
    let hosts = hosts_file(&dir, &names);
    let script = dir.join("route.py");
    std::fs::write(&script, ROUTING_SCRIPT).unwrap();
    let stub_port = KnowledgeBase::get().stub.as_ref().unwrap().port;
    let arguments = serde_json::json!([
        backends
            .iter()
            .map(|(name, address)| (name.to_string(), address.to_string()))
            .collect::<std::collections::BTreeMap<_, _>>(),
        stub_port,
        nginx,
        dir,
        main,
        sources,
        count,
        paths,
    ]);
    Some(run_in_namespace(fixture, &dir, &hosts, &python, &script, &arguments))
}

/// The tools a live check in a network namespace needs: nginx and python3,
/// or `None` after saying why it skips.
fn namespace_tools() -> Option<(PathBuf, PathBuf)> {
    let Some(nginx) = find_program("nginx") else {
        skip("nginx is not installed (apt-get install nginx-light)");
        return None;
    };
    if let Some(reason) = namespaces_usable() {
        skip(reason);
        return None;
    }
    let Some(python) = find_program("python3") else {
        skip("no python3 for the stand-in listeners and the stubs");
        return None;
    };
    if find_program("ip").is_none() {
        skip("no ip (iproute2) to bring up loopback in the test namespace");
        return None;
    }
    Some((nginx, python))
}

/// Runs `script` with `arguments` in a fresh mount and network namespace
/// (loopback up, `hosts` over /etc/hosts) and returns the JSON it prints;
/// fails with its output and nginx's error log otherwise. Removes `dir`.
fn run_in_namespace(
    what: &str,
    dir: &Path,
    hosts: &Path,
    python: &Path,
    script: &Path,
    arguments: &serde_json::Value,
) -> serde_json::Value {
    let output = Command::new("unshare")
        .args([
            "-m",
            "-n",
            "sh",
            "-c",
            "ip link set lo up && mount --bind \"$1\" /etc/hosts && exec \"$2\" \"$3\" \"$4\"",
            "sh",
        ])
        .arg(hosts)
        .arg(python)
        .arg(script)
        .arg(arguments.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{what}: live run failed:\n{stdout}\n{}\n{}",
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
    );
    let _ = std::fs::remove_dir_all(dir);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|error| panic!("{error}: {stdout}"))
}

fn answers(value: &serde_json::Value, source: &str) -> Vec<String> {
    answers_at(value, source, "/")
}

fn answers_at(value: &serde_json::Value, source: &str, path: &str) -> Vec<String> {
    value[source][path]
        .as_array()
        .unwrap()
        .iter()
        .map(|answer| answer.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn nginx_round_robin_alternates() {
    let Some(results) = route("routing_round_robin.hld", &["127.0.0.1"], 8) else {
        return;
    };
    let sequence = answers(&results, "127.0.0.1");
    eprintln!("round_robin: {sequence:?}");
    assert!(
        sequence.iter().all(|answer| answer == "alpha" || answer == "beta"),
        "{sequence:?}"
    );
    for pair in sequence.windows(2) {
        assert_ne!(pair[0], pair[1], "round robin repeated a backend: {sequence:?}");
    }
}

#[test]
fn nginx_ip_hash_sticks() {
    // ip_hash keys on the first three octets, so each client sits in its own /24.
    let sources = [
        "127.0.1.1",
        "127.0.2.1",
        "127.0.3.1",
        "127.0.4.1",
        "127.0.5.1",
        "127.0.6.1",
        "127.0.7.1",
        "127.0.8.1",
    ];
    let Some(results) = route("routing_ip_hash.hld", &sources, 6) else {
        return;
    };
    let mut seen = std::collections::BTreeSet::new();
    for source in sources {
        let sequence = answers(&results, source);
        eprintln!("ip_hash {source}: {sequence:?}");
        assert!(
            sequence.iter().all(|answer| *answer == sequence[0]),
            "{source} moved between backends: {sequence:?}"
        );
        seen.insert(sequence[0].clone());
    }
    assert_eq!(seen.len(), 2, "ip_hash sent every client to one backend: {results}");
}

#[test]
fn nginx_weights_split_traffic() {
    let Some(results) = route("routing_weighted.hld", &["127.0.0.1"], 8) else {
        return;
    };
    let sequence = answers(&results, "127.0.0.1");
    eprintln!("weighted_round_robin 3:1: {sequence:?}");
    let alpha = sequence.iter().filter(|answer| *answer == "alpha").count();
    let beta = sequence.iter().filter(|answer| *answer == "beta").count();
    assert_eq!((alpha, beta), (6, 2), "{sequence:?}");
}

#[test]
fn nginx_routes_different_services_by_path_prefix() {
    let Some(results) = route_paths("routing_paths.hld", &["127.0.0.1"], 4, &["/alpha/", "/beta/x", "/"]) else {
        return;
    };
    eprintln!("path prefixes: {results}");
    assert_eq!(
        answers_at(&results, "127.0.0.1", "/alpha/"),
        vec!["alpha"; 4],
        "{results}"
    );
    assert_eq!(
        answers_at(&results, "127.0.0.1", "/beta/x"),
        vec!["beta"; 4],
        "{results}"
    );
    // `/` goes to the first target the load balancer links to.
    assert_eq!(answers_at(&results, "127.0.0.1", "/"), vec!["alpha"; 4], "{results}");
}

/// Runs in a fresh network namespace: the stack's own stubs
/// (`stubs/stub.py`, each on its service's loopback address at the stub
/// port), a TCP listener for each store that is up (its real image's
/// stand-in: the stubs only connect to it), nginx with the generated config
/// in front, then each flow's request as the stack's README writes it;
/// prints each answer's status and the components its trace names.
const STUBS_SCRIPT: &str = r#"
import http.client, json, socket, subprocess, sys, threading, time, urllib.request

arguments = json.loads(sys.argv[1])
processes = []

def listen(address, port):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((address, port))
    server.listen(64)
    def accept():
        while True:
            connection, _ = server.accept()
            connection.close()
    threading.Thread(target=accept, daemon=True).start()

def components(trace, found):
    if isinstance(trace, dict):
        if "component" in trace:
            found.add(trace["component"])
        for call in trace.get("calls") or []:
            components(call, found)
    return found

try:
    for service in arguments["services"]:
        if service["how"] == "http":
            processes.append(subprocess.Popen([
                sys.executable, arguments["stack"] + "/stubs/stub.py", "--component", service["component"],
                "--config", arguments["stack"] + "/stubs/stubs.json", "--port", str(service["port"]),
                "--listen", service["address"]]))
        elif service["how"] == "store" and service["component"] not in arguments["down"]:
            listen(service["address"], service["port"])
    processes.append(subprocess.Popen([arguments["nginx"], "-p", arguments["prefix"], "-c", arguments["main_conf"],
                                       "-e", arguments["prefix"] + "/error.log", "-g", "daemon off;"]))
    deadline = time.time() + 20
    for service in arguments["services"]:
        if service["how"] != "http":
            continue
        while True:
            try:
                urllib.request.urlopen("http://%s:%d/healthz" % (service["address"], service["port"]), timeout=1).read()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
    while True:
        try:
            socket.create_connection(("127.0.0.1", arguments["entry_port"]), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)
    results = {}
    for flow, path in arguments["requests"]:
        answers = []
        for _ in range(arguments["count"]):
            connection = http.client.HTTPConnection("127.0.0.1", arguments["entry_port"], timeout=30)
            connection.request("GET", path, headers={"X-Hld-Flow": flow})
            response = connection.getresponse()
            body = json.loads(response.read().decode())
            connection.close()
            answers.append([response.status, sorted(components(body.get("trace"), set()))])
        results[flow] = answers
    print(json.dumps(results))
finally:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(10)
"#;

/// The `curl -H 'X-Hld-Flow: NAME' http://127.0.0.1:PORT/PATH` lines of a
/// stack's README: (flow, path).
fn readme_curl_lines(readme: &str) -> Vec<(String, String)> {
    readme
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("curl -H 'X-Hld-Flow: ")?;
            let (flow, url) = rest.split_once("' ")?;
            let path = url.strip_prefix("http://127.0.0.1:")?.split_once('/')?.1;
            Some((flow.to_string(), format!("/{path}")))
        })
        .collect()
}

/// The stubs of `stubs_live.hld` answering the README's curl lines through
/// nginx, with the stores `down` not running; each flow's answers as
/// `[status, [components of the trace]]`.
fn run_live_stubs(down: &[&str], count: usize) -> Option<serde_json::Value> {
    let (nginx, python) = namespace_tools()?;
    let stack = compose::build(&compile(&repo().join("tests/fixtures/compose/stubs_live.hld"))).unwrap();
    let dir = scratch(&format!("stubs-live-{}", down.join("-")));
    let stack_dir = dir.join("stack");
    write_stack(&stack_dir, &stack);
    let config = stack_dir.join("config/lb.nginx.conf");
    let main = nginx_main_conf(&dir, &config);
    let stubs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(stack_dir.join("stubs/stubs.json")).unwrap()).unwrap();
    // Each running service on an address of its own.
    let mut services = Vec::new();
    let mut names = Vec::new();
    let mut entry_port = 0;
    for (idx, component) in stubs["components"].as_array().unwrap().iter().enumerate() {
        let docker = &component["docker"];
        let (Some(how), Some(host), Some(port)) =
            (docker["how"].as_str(), docker["host"].as_str(), docker["port"].as_u64())
        else {
            continue;
        };
        let address = format!("127.0.0.{}", 10 + idx);
        if how == "proxy" {
            entry_port = port;
        }
        names.push((host.to_string(), address.clone()));
        services.push(serde_json::json!({
            "component": component["id"], "how": how, "port": port, "address": address,
        }));
    }
    let hosts = hosts_file(&dir, &names);
    let readme = std::fs::read_to_string(stack_dir.join("README.md")).unwrap();
    let requests = readme_curl_lines(&readme);
    assert_eq!(requests.len(), 3, "a curl line per flow:\n{readme}");
    let script = dir.join("stubs.py");
    std::fs::write(&script, STUBS_SCRIPT).unwrap();
    let arguments = serde_json::json!({
        "services": services, "stack": stack_dir, "nginx": nginx, "prefix": dir, "main_conf": main,
        "down": down, "requests": requests, "count": count, "entry_port": entry_port,
    });
    Some(run_in_namespace(
        "stubs_live.hld",
        &dir,
        &hosts,
        &python,
        &script,
        &arguments,
    ))
}

/// Statuses of a flow's answers, and every component its traces named.
fn live_answers(results: &serde_json::Value, flow: &str) -> (Vec<u64>, std::collections::BTreeSet<String>) {
    let mut statuses = Vec::new();
    let mut components = std::collections::BTreeSet::new();
    for answer in results[flow].as_array().unwrap() {
        statuses.push(answer[0].as_u64().unwrap());
        for component in answer[1].as_array().unwrap() {
            components.insert(component.as_str().unwrap().to_string());
        }
    }
    (statuses, components)
}

#[test]
fn stubs_call_each_other_through_nginx_as_the_flows_do() {
    let Some(results) = run_live_stubs(&[], 6) else {
        return;
    };
    eprintln!("live stubs: {results}");
    let (statuses, components) = live_answers(&results, "read");
    assert_eq!(statuses, vec![200; 6], "{results}");
    // The cache hits about half the time; 6 requests all hitting is 1 in 64.
    for component in ["api", "api_cache"] {
        assert!(components.contains(component), "read: {components:?}");
    }
    let (statuses, components) = live_answers(&results, "write");
    assert_eq!(statuses, vec![200; 6], "{results}");
    for component in ["api", "db", "events"] {
        assert!(components.contains(component), "write: {components:?}");
    }
    let (statuses, components) = live_answers(&results, "search");
    assert_eq!(statuses, vec![200; 6], "{results}");
    for component in ["search_svc", "index"] {
        assert!(components.contains(component), "search: {components:?}");
    }
    assert!(!components.contains("api"), "search reached api: {components:?}");
}

#[test]
fn live_stubs_fail_as_what_if_says_when_a_store_is_down() {
    let Some(results) = run_live_stubs(&["db"], 4) else {
        return;
    };
    eprintln!("live stubs, db down: {results}");
    // `hld what-if stubs_live.hld --fail db`: read and write fail, search
    // is unchanged (checked against the CLI below).
    let what_if = common::run(&[
        "what-if",
        repo().join("tests/fixtures/compose/stubs_live.hld").to_str().unwrap(),
        "--fail",
        "db",
        "--format",
        "json",
    ]);
    let predicted: serde_json::Value = serde_json::from_str(&what_if.stdout).unwrap();
    for flow in predicted["flows"].as_array().unwrap() {
        let name = flow["name"].as_str().unwrap();
        let (statuses, _) = live_answers(&results, name);
        let expected = if flow["status"] == "failed" { 503 } else { 200 };
        assert_eq!(statuses, vec![expected; 4], "{name}: {results}");
    }
    assert_eq!(live_answers(&results, "read").0, vec![503; 4]);
    assert_eq!(live_answers(&results, "search").0, vec![200; 4]);
}
