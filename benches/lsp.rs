//! `hld lsp` re-checks after an edit (issue 15: within 150 ms, median, for a
//! 1,000-component design): the real server on an in-memory connection,
//! from the `didChange` to the `publishDiagnostics` of that version, the
//! 50 ms debounce included. docs/performance.md records the figures.
//!
//! cargo bench --bench lsp

#[path = "support/generator.rs"]
mod generator;

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::json;

fn wait_for(client: &Connection, wanted: impl Fn(&Message) -> bool) {
    loop {
        let message = client
            .receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("the server answers");
        if wanted(&message) {
            return;
        }
    }
}

fn bench_recheck(c: &mut Criterion) {
    let mut group = c.benchmark_group("lsp/recheck_after_edit");
    group.sample_size(20).measurement_time(Duration::from_secs(15));
    {
        let size = 1_000usize;
        let text = generator::design(size);
        let (server, client) = Connection::memory();
        let thread = std::thread::spawn(move || hld::lsp::serve(&server));
        client
            .sender
            .send(Message::Request(Request::new(
                RequestId::from(1),
                "initialize".to_string(),
                json!({ "capabilities": {} }),
            )))
            .unwrap();
        wait_for(&client, |message| matches!(message, Message::Response(_)));
        client
            .sender
            .send(Message::Notification(Notification::new(
                "initialized".to_string(),
                json!({}),
            )))
            .unwrap();
        let uri = "untitled:generated.hld";
        client
            .sender
            .send(Message::Notification(Notification::new(
                "textDocument/didOpen".to_string(),
                json!({ "textDocument": { "uri": uri, "languageId": "hld", "version": 1, "text": text } }),
            )))
            .unwrap();
        wait_for(
            &client,
            |message| matches!(message, Message::Notification(n) if n.method == "textDocument/publishDiagnostics"),
        );
        let mut version = 1;
        group.bench_with_input(BenchmarkId::from_parameter(size), &text, |b, text| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    version += 1;
                    // An edit: one more line at the end of the file.
                    let edited = format!("{text}// edit {version}\n");
                    let start = Instant::now();
                    client
                        .sender
                        .send(Message::Notification(Notification::new(
                            "textDocument/didChange".to_string(),
                            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": edited }] }),
                        )))
                        .unwrap();
                    let expected = version;
                    wait_for(&client, |message| {
                        matches!(message, Message::Notification(n)
                            if n.method == "textDocument/publishDiagnostics" && n.params["version"] == expected)
                    });
                    total += start.elapsed();
                }
                total
            })
        });
        client
            .sender
            .send(Message::Request(Request::new(
                RequestId::from(2),
                "shutdown".to_string(),
                json!(null),
            )))
            .unwrap();
        wait_for(&client, |message| matches!(message, Message::Response(_)));
        client
            .sender
            .send(Message::Notification(Notification::new(
                "exit".to_string(),
                json!(null),
            )))
            .unwrap();
        let _ = thread.join();
    }
    group.finish();
}

criterion_group!(benches, bench_recheck);
criterion_main!(benches);
