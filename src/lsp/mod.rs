//! `hld lsp`: a Language Server Protocol server (docs/editors.md). It is
//! synchronous, on the `lsp-server` transport rust-analyzer uses: one loop
//! reads a message, answers it, and between messages publishes the
//! diagnostics of documents edited [`DEBOUNCE`] ago. An analysis of a
//! 1,000-component design takes milliseconds (docs/performance.md), so no
//! request waits on another thread.
//!
//! The features, one file each: `diagnostics` (every error and finding),
//! `hover`, `navigate` (definition, references, rename, outline),
//! `complete`, `actions` (verified quick fixes, formatting). `workspace`
//! holds the open documents and their last analysis; `text` converts
//! positions and URIs. Messages are `serde_json` values in the protocol's
//! shapes.

mod actions;
mod complete;
mod diagnostics;
mod hover;
mod navigate;
pub mod text;
mod workspace;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use serde_json::{Value, json};

use text::{Encoding, offset};
use workspace::{Snapshot, Workspace};

/// How long after the last edit a document's diagnostics are published.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// Serves one client until it says `exit` (or closes the stream): whether
/// it asked for `shutdown` first (the protocol's exit code 0, else 1), or
/// why the stream broke.
pub fn serve(connection: &Connection) -> Result<bool, String> {
    let (id, params) = connection.initialize_start().map_err(|error| error.to_string())?;
    let encoding = negotiate_encoding(&params);
    let result = json!({
        "capabilities": capabilities(encoding),
        "serverInfo": { "name": "hld", "version": env!("CARGO_PKG_VERSION") },
    });
    connection
        .initialize_finish(id, result)
        .map_err(|error| error.to_string())?;
    let mut server = Server {
        connection,
        encoding,
        workspace: Workspace::default(),
        snapshots: BTreeMap::new(),
        pending: BTreeSet::new(),
        deadline: None,
        published: BTreeMap::new(),
        shut_down: false,
    };
    server.run()?;
    Ok(server.shut_down)
}

/// UTF-8 positions when the client offers them (no conversion), else the
/// protocol's default, UTF-16.
fn negotiate_encoding(params: &Value) -> Encoding {
    let offered = params["capabilities"]["general"]["positionEncodings"].as_array();
    if offered.is_some_and(|list| list.iter().any(|encoding| encoding == "utf-8")) {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    }
}

fn capabilities(encoding: Encoding) -> Value {
    json!({
        "positionEncoding": match encoding { Encoding::Utf8 => "utf-8", Encoding::Utf16 => "utf-16" },
        // Full document sync: a design is small, and a full text is never
        // out of step.
        "textDocumentSync": { "openClose": true, "change": 1, "save": false },
        "hoverProvider": true,
        "definitionProvider": true,
        "referencesProvider": true,
        "renameProvider": { "prepareProvider": true },
        "documentSymbolProvider": true,
        "completionProvider": { "triggerCharacters": [":", ">", "=", "["] },
        "codeActionProvider": { "codeActionKinds": ["quickfix"] },
        "documentFormattingProvider": true,
    })
}

struct Server<'c> {
    connection: &'c Connection,
    encoding: Encoding,
    workspace: Workspace,
    /// The last analysis of each open document, while it is current.
    snapshots: BTreeMap<String, Snapshot>,
    /// Documents edited since their diagnostics were published.
    pending: BTreeSet<String>,
    deadline: Option<Instant>,
    /// What each document's last analysis reported for each file it read
    /// (its own, and its imports', each present even when empty): a file's
    /// diagnostics are the union of what every open document reports for
    /// it, and a change to a file re-analyses the documents that read it.
    published: BTreeMap<String, BTreeMap<String, Vec<Value>>>,
    /// `shutdown` was asked for (an `exit` without it is exit code 1).
    shut_down: bool,
}

impl Server<'_> {
    fn run(&mut self) -> Result<(), String> {
        loop {
            let message = match self.deadline {
                Some(deadline) => match self
                    .connection
                    .receiver
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                {
                    Ok(message) => Some(message),
                    Err(error) if error.is_timeout() => None,
                    Err(_) => return Ok(()),
                },
                None => match self.connection.receiver.recv() {
                    Ok(message) => Some(message),
                    Err(_) => return Ok(()),
                },
            };
            match message {
                None => self.publish_pending(),
                Some(Message::Request(request)) => {
                    if self
                        .connection
                        .handle_shutdown(&request)
                        .map_err(|error| error.to_string())?
                    {
                        self.shut_down = true;
                        return Ok(());
                    }
                    let response = self.request(&request);
                    self.send(Message::Response(response));
                }
                Some(Message::Notification(notification)) => {
                    if notification.method == "exit" {
                        return Ok(());
                    }
                    self.notification(notification);
                }
                Some(Message::Response(_)) => {}
            }
        }
    }

    fn send(&self, message: Message) {
        // The client is gone when this fails; the loop ends on the next read.
        let _ = self.connection.sender.send(message);
    }

    fn notification(&mut self, notification: Notification) {
        let params = &notification.params;
        let uri = params["textDocument"]["uri"].as_str().unwrap_or_default().to_string();
        match notification.method.as_str() {
            "textDocument/didOpen" => {
                let text = params["textDocument"]["text"].as_str().unwrap_or_default().to_string();
                let version = params["textDocument"]["version"].as_i64().unwrap_or(0);
                self.workspace.open(&uri, text, version);
                self.snapshots.remove(&uri);
                // Opening shows the diagnostics at once.
                self.pending.insert(uri);
                self.publish_pending();
            }
            "textDocument/didChange" => {
                let Some(document) = self.workspace.documents.get_mut(&uri) else {
                    return;
                };
                // Full sync: the last change holds the whole text.
                if let Some(text) = params["contentChanges"]
                    .as_array()
                    .and_then(|changes| changes.last())
                    .and_then(|change| change["text"].as_str())
                {
                    document.text = text.to_string();
                }
                document.version = params["textDocument"]["version"]
                    .as_i64()
                    .unwrap_or(document.version + 1);
                // Every analysis may read this document as an import; those
                // that did are re-published too.
                self.snapshots.clear();
                let readers: Vec<String> = self
                    .published
                    .iter()
                    .filter(|(_, files)| files.contains_key(&uri))
                    .map(|(reader, _)| reader.clone())
                    .filter(|reader| self.workspace.documents.contains_key(reader))
                    .collect();
                self.pending.extend(readers);
                self.pending.insert(uri);
                self.deadline = Some(Instant::now() + DEBOUNCE);
            }
            "textDocument/didClose" => {
                self.workspace.documents.remove(&uri);
                self.snapshots.clear();
                self.pending.remove(&uri);
                let targets: Vec<String> = self.published.remove(&uri).unwrap_or_default().into_keys().collect();
                for target in targets {
                    self.publish_merged(&target, None);
                }
            }
            _ => {}
        }
    }

    /// The current analysis of a document, made now if it is stale.
    fn snapshot(&mut self, uri: &str) -> Option<&Snapshot> {
        if !self.snapshots.contains_key(uri) {
            let snapshot = self.workspace.analyze(uri)?;
            self.snapshots.insert(uri.to_string(), snapshot);
        }
        self.snapshots.get(uri)
    }

    fn publish_pending(&mut self) {
        self.deadline = None;
        let pending = std::mem::take(&mut self.pending);
        for uri in pending {
            let encoding = self.encoding;
            let Some(snapshot) = self.snapshot(&uri) else { continue };
            let version = snapshot.version;
            let by_file = diagnostics::by_file(snapshot, &uri, encoding);
            let before: BTreeSet<String> = self
                .published
                .get(&uri)
                .map(|map| map.keys().cloned().collect())
                .unwrap_or_default();
            let targets: BTreeSet<String> = before.iter().cloned().chain(by_file.keys().cloned()).collect();
            self.published.insert(uri.clone(), by_file);
            for target in targets {
                let version = (target == uri).then_some(version);
                self.publish_merged(&target, version);
            }
        }
    }

    /// Publishes what every open document's last analysis reports for
    /// `target`, each diagnostic once (an empty list clears it).
    fn publish_merged(&self, target: &str, version: Option<i64>) {
        let lists: Vec<&Vec<Value>> = self
            .published
            .values()
            .filter_map(|by_file| by_file.get(target))
            .collect();
        let merged: Vec<Value> = match lists.as_slice() {
            [] => Vec::new(),
            [only] => (*only).clone(),
            // Two designs importing one part report its problems twice.
            _ => {
                let mut seen = std::collections::HashSet::new();
                lists
                    .iter()
                    .flat_map(|list| list.iter())
                    .filter(|diagnostic| seen.insert(diagnostic.to_string()))
                    .cloned()
                    .collect()
            }
        };
        self.publish(target, merged, version);
    }

    fn publish(&self, uri: &str, diagnostics: Vec<Value>, version: Option<i64>) {
        let mut params = json!({ "uri": uri, "diagnostics": diagnostics });
        if let Some(version) = version {
            params["version"] = json!(version);
        }
        self.send(Message::Notification(Notification::new(
            "textDocument/publishDiagnostics".to_string(),
            params,
        )));
    }

    fn request(&mut self, request: &Request) -> Response {
        let id = request.id.clone();
        match self.answer(request) {
            Ok(result) => Response::new_ok(id, result),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        }
    }

    fn answer(&mut self, request: &Request) -> Result<Value, (ErrorCode, String)> {
        let params = &request.params;
        let uri = params["textDocument"]["uri"].as_str().unwrap_or_default().to_string();
        let encoding = self.encoding;
        if !self.workspace.documents.contains_key(&uri) {
            return match request.method.as_str() {
                "textDocument/hover"
                | "textDocument/definition"
                | "textDocument/references"
                | "textDocument/prepareRename"
                | "textDocument/rename" => Ok(Value::Null),
                "textDocument/completion"
                | "textDocument/documentSymbol"
                | "textDocument/codeAction"
                | "textDocument/formatting" => Ok(json!([])),
                _ => Err((
                    ErrorCode::MethodNotFound,
                    format!("hld does not answer {}", request.method),
                )),
            };
        }
        let text = self.workspace.documents[&uri].text.clone();
        let at = |position: &Value| {
            offset(
                &text,
                position["line"].as_u64().unwrap_or(0) as u32,
                position["character"].as_u64().unwrap_or(0) as u32,
                encoding,
            )
        };
        let cursor = at(&params["position"]);
        match request.method.as_str() {
            "textDocument/completion" => Ok(Value::Array(complete::complete(&text, cursor))),
            "textDocument/formatting" => Ok(Value::Array(actions::formatting(&text, encoding))),
            "textDocument/hover" => {
                let Some(snapshot) = self.snapshot(&uri) else {
                    return Ok(Value::Null);
                };
                Ok(match hover::hover(snapshot, cursor) {
                    Some(markdown) => json!({ "contents": { "kind": "markdown", "value": markdown } }),
                    None => Value::Null,
                })
            }
            "textDocument/definition" => {
                let Some(snapshot) = self.snapshot(&uri) else {
                    return Ok(Value::Null);
                };
                Ok(navigate::definition(snapshot, &uri, cursor, encoding))
            }
            "textDocument/references" => {
                let include = params["context"]["includeDeclaration"].as_bool().unwrap_or(true);
                let Some(snapshot) = self.snapshot(&uri) else {
                    return Ok(Value::Null);
                };
                Ok(navigate::references(snapshot, &uri, cursor, include, encoding))
            }
            "textDocument/prepareRename" => {
                let Some(snapshot) = self.snapshot(&uri) else {
                    return Ok(Value::Null);
                };
                navigate::prepare_rename(snapshot, cursor, encoding).map_err(|why| (ErrorCode::InvalidRequest, why))
            }
            "textDocument/rename" => {
                let new_name = params["newName"].as_str().unwrap_or_default().to_string();
                let Some(snapshot) = self.snapshot(&uri) else {
                    return Ok(Value::Null);
                };
                navigate::rename(snapshot, &uri, cursor, &new_name, encoding)
                    .map_err(|why| (ErrorCode::InvalidParams, why))
            }
            "textDocument/documentSymbol" => {
                let Some(snapshot) = self.snapshot(&uri) else {
                    return Ok(json!([]));
                };
                Ok(navigate::symbols(snapshot, encoding))
            }
            "textDocument/codeAction" => {
                let range = (at(&params["range"]["start"]), at(&params["range"]["end"]));
                if self.snapshot(&uri).is_none() {
                    return Ok(json!([]));
                }
                let snapshot = &self.snapshots[&uri];
                Ok(Value::Array(actions::code_actions(
                    &self.workspace,
                    snapshot,
                    &uri,
                    range,
                    encoding,
                )))
            }
            method => Err((ErrorCode::MethodNotFound, format!("hld does not answer {method}"))),
        }
    }
}
