//! `hld lsp` driven over standard input and output with real JSON-RPC
//! messages (issue 15): initialize, didOpen and the diagnostics it
//! publishes, hover, definition, references, completion, document symbols,
//! rename, a verified quick fix, formatting, didChange (debounced
//! diagnostics, a syntax error), imports, shutdown and exit.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

use crate::common;

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Messages read while waiting for another one.
    backlog: Vec<Value>,
}

impl Client {
    fn start() -> Client {
        let mut child = common::hld()
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("hld lsp starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let message: Value = serde_json::from_slice(&body).expect("a JSON message");
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            messages,
            next_id: 1,
            backlog: Vec::new(),
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its result (panics on an error response).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait(|message| message["id"] == id)
    }

    /// The first message (read now or earlier) that `wanted` accepts.
    fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(idx) = self.backlog.iter().position(&wanted) {
            return self.backlog.remove(idx);
        }
        loop {
            let message = self
                .messages
                .recv_timeout(Duration::from_secs(30))
                .expect("the server answers within 30 s");
            if wanted(&message) {
                return message;
            }
            self.backlog.push(message);
        }
    }

    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        let uri = uri.to_string();
        let message = self.wait(|message| {
            message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri.as_str()
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hld-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::canonicalize(&dir).unwrap()
}

const DESIGN: &str = "import \"parts.hld\"\nsystem shop {\n  client web { rps = 500 }\n  load_balancer lb { replicas = 2 }\n  service api { replicas = 2, capacity = 1k/s }\n  database orders : postgres\n  web -> lb -> api\n  api -> orders { op = read_write }\n  api -> mailer\n  flow checkout \"POST /checkout\" {\n    path = web -> lb -> api -> orders\n    slo = { p99 = 300ms }\n  }\n}\n";
const PARTS: &str = "service mailer { replicas = 2 }\n";

fn position_of(text: &str, needle: &str, nth: usize) -> Value {
    let offset = text.match_indices(needle).nth(nth).expect("needle").0;
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let character = offset - before.rfind('\n').map_or(0, |idx| idx + 1);
    json!({ "line": line, "character": character })
}

#[test]
fn a_session_over_stdio() {
    let dir = scratch("session");
    let path = dir.join("shop.hld");
    std::fs::write(&path, DESIGN).unwrap();
    std::fs::write(dir.join("parts.hld"), PARTS).unwrap();
    let uri = format!("file://{}", path.display());
    let parts_uri = format!("file://{}", dir.join("parts.hld").display());
    let doc = json!({ "uri": uri });

    let mut client = Client::start();
    let init = client.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    );
    let capabilities = &init["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-16");
    for provider in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "documentFormattingProvider",
    ] {
        assert_eq!(capabilities[provider], true, "{provider}");
    }
    assert!(capabilities["completionProvider"].is_object());
    client.notify("initialized", json!({}));

    // didOpen: the diagnostics of every rule, at once.
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "hld", "version": 1, "text": DESIGN } }),
    );
    let diagnostics = client.diagnostics_for(&uri);
    let spof = diagnostics
        .iter()
        .find(|d| d["code"] == "single-point-of-failure" && d["message"].as_str().unwrap().contains("orders"))
        .unwrap_or_else(|| panic!("{diagnostics:#?}"));
    assert_eq!(spof["source"], "hld");
    assert_eq!(spof["range"]["start"]["line"], 5, "{spof}");
    assert!(spof["message"].as_str().unwrap().contains("\nhelp: "), "{spof}");

    // Hover on a component: its card, with figures and their sources.
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": doc, "position": position_of(DESIGN, "api", 1) }),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("**api**: service"), "{text}");
    for expected in ["replicas", "latency", "availability", "utilization", "checkout"] {
        assert!(text.contains(expected), "hover lacks {expected}: {text}");
    }
    // On a flow: its figures and SLO verdict.
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": doc, "position": position_of(DESIGN, "checkout", 0) }),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("p99") && text.contains("SLO"), "{text}");
    // On a link: its mode and the consistency given and required.
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": doc, "position": position_of(DESIGN, "op = read_write", 0) }),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("**api -> orders**") && text.contains("consistency given"),
        "{text}"
    );

    // Definition of `api` used in a link: its declaration on line 4; of
    // `mailer`: in the imported file.
    let definition = client.request(
        "textDocument/definition",
        json!({ "textDocument": doc, "position": position_of(DESIGN, "api", 2) }),
    );
    assert_eq!(definition["uri"], uri.as_str());
    assert_eq!(definition["range"]["start"], json!({ "line": 4, "character": 10 }));
    let definition = client.request(
        "textDocument/definition",
        json!({ "textDocument": doc, "position": position_of(DESIGN, "mailer", 0) }),
    );
    assert_eq!(definition["uri"], parts_uri.as_str());

    // References: the declaration, two links and the flow's path.
    let references = client.request(
        "textDocument/references",
        json!({ "textDocument": doc, "position": position_of(DESIGN, "api", 1), "context": { "includeDeclaration": true } }),
    );
    assert_eq!(references.as_array().unwrap().len(), 5, "{references:#}");

    // Completion: technologies after `:`.
    let completion = client.request(
        "textDocument/completion",
        json!({ "textDocument": doc, "position": position_of(DESIGN, "postgres", 0) }),
    );
    let labels: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"postgres") && labels.contains(&"dynamodb"),
        "{labels:?}"
    );

    // The outline.
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": doc }));
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|symbol| symbol["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"orders") && names.contains(&"flow checkout") && names.contains(&"api -> orders"),
        "{names:?}"
    );

    // Rename `api` everywhere it is written; a taken name is refused.
    let rename = client.request(
        "textDocument/rename",
        json!({ "textDocument": doc, "position": position_of(DESIGN, "api", 1), "newName": "backend" }),
    );
    assert_eq!(
        rename["changes"][uri.as_str()].as_array().unwrap().len(),
        5,
        "{rename:#}"
    );
    let refused = client.request_raw(
        "textDocument/rename",
        json!({ "textDocument": doc, "position": position_of(DESIGN, "api", 1), "newName": "orders" }),
    );
    assert!(
        refused["error"]["message"].as_str().unwrap().contains("already exists"),
        "{refused}"
    );

    // A quick fix, verified by re-checking: a replica for the database.
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": doc, "range": spof["range"], "context": { "diagnostics": [spof] } }),
    );
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|action| action["title"].as_str().unwrap().starts_with("single-point-of-failure"))
        .unwrap_or_else(|| panic!("{actions:#}"));
    assert_eq!(action["kind"], "quickfix");
    assert!(!action["edit"]["changes"][uri.as_str()].as_array().unwrap().is_empty());

    // Formatting: `hld fmt`'s layout of a messy text (after a change).
    let messy = DESIGN.replace("  client web { rps = 500 }", "client   web{rps=500}");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": messy }] }),
    );
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": doc, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(edits[0]["newText"], DESIGN);

    // A change that breaks the syntax: debounced diagnostics with the error.
    let broken = DESIGN.replace("replicas = 2, capacity", "replicas = = 2, capacity");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": [{ "text": broken }] }),
    );
    let diagnostics = loop {
        let diagnostics = client.diagnostics_for(&uri);
        if diagnostics.iter().any(|d| d["code"] == "syntax-error") {
            break diagnostics;
        }
    };
    let error = diagnostics.iter().find(|d| d["code"] == "syntax-error").unwrap();
    assert_eq!(error["severity"], 1);
    assert_eq!(error["range"]["start"]["line"], 4);
    assert_eq!(
        client.request("textDocument/formatting", json!({ "textDocument": doc, "options": {} })),
        json!([])
    );

    // Shutdown, exit: the process ends with 0.
    assert_eq!(client.request("shutdown", Value::Null), Value::Null);
    client.notify("exit", Value::Null);
    drop(client.stdin);
    let status = client.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A design and the file it imports, both open: the part alone reports no
/// "no system" error, a change that breaks the part re-publishes the design
/// that imports it, and an `exit` without `shutdown` is exit code 1.
#[test]
fn imports_are_followed_live() {
    let dir = scratch("imports");
    let main = dir.join("main.hld");
    let part = dir.join("parts.hld");
    std::fs::write(&main, DESIGN).unwrap();
    std::fs::write(&part, PARTS).unwrap();
    let (main_uri, part_uri) = (
        format!("file://{}", main.display()),
        format!("file://{}", part.display()),
    );
    let mut client = Client::start();
    client.request("initialize", json!({ "capabilities": {} }));
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": part_uri, "languageId": "hld", "version": 1, "text": PARTS } }),
    );
    let alone = client.diagnostics_for(&part_uri);
    assert!(alone.iter().all(|d| d["code"] != "syntax-error"), "{alone:#?}");
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": main_uri, "languageId": "hld", "version": 1, "text": DESIGN } }),
    );
    let clean = client.diagnostics_for(&main_uri);
    assert!(
        clean
            .iter()
            .all(|d| d["severity"] != 1 || d["code"] == "single-point-of-failure"),
        "{clean:#?}"
    );
    // Renaming to a keyword is refused.
    let refused = client.request_raw(
        "textDocument/rename",
        json!({ "textDocument": { "uri": main_uri }, "position": position_of(DESIGN, "api", 1), "newName": "flow" }),
    );
    assert!(
        refused["error"]["message"].as_str().unwrap().contains("keyword"),
        "{refused}"
    );
    // The part loses `mailer`: the design that calls it shows the error.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": part_uri, "version": 2 }, "contentChanges": [{ "text": "service courier\n" }] }),
    );
    let broken = loop {
        let diagnostics = client.diagnostics_for(&main_uri);
        if diagnostics.iter().any(|d| d["code"] == "unknown-reference") {
            break diagnostics;
        }
    };
    assert!(
        broken.iter().any(|d| d["message"].as_str().unwrap().contains("mailer")),
        "{broken:#?}"
    );
    client.notify("exit", Value::Null);
    drop(client.stdin);
    assert_eq!(client.child.wait().unwrap().code(), Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_stream_ends_the_server_without_a_panic() {
    let mut child = common::hld()
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Content-Length: 5\r\n\r\n{not json")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}
