//! The key never shows: not in traces at their most verbose (the SDK's, reqwest's and
//! hyper's), not in errors, not in `Debug`.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use braze_sdk::{Client, RetryPolicy, Schedule};
use braze_tests::{Reply, ScriptedServer};
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;

const KEY: &str = "distinctive-secret-5d8e0b";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn traces_at_trace_level_never_contain_the_key() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = ScriptedServer::start([
        Reply::json(503, json!({"message": "busy"})),
        Reply::success(),
        Reply::json(201, json!({"schedule_id": "s-1"})),
        Reply::json(401, json!({"message": "Invalid API key"})),
    ])
    .await;
    let client = Client::builder()
        .api_key(KEY)
        .endpoint_str(server.url())
        .retry_policy(RetryPolicy {
            initial_backoff: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .build()
        .expect("client");
    client
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect("delete after a retry");
    client
        .create_canvas_schedule("v-1", Schedule::parse("2030-05-24T21:30:00Z").unwrap())
        .broadcast(true)
        .await
        .expect("create");
    let error = client
        .update_campaign_schedule(
            "c-1",
            "s-1",
            Schedule::parse("2030-05-24T21:30:00Z").unwrap(),
        )
        .await
        .expect_err("401");
    println!("{error} {error:?} {client:?}");

    let logs = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(!logs.contains(KEY), "the key is in the traces");
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{client:?}"),
    ] {
        assert!(!text.contains(KEY), "{text}");
    }
    // The traces are there, with what an operator needs.
    assert!(logs.contains("braze.request"), "{logs}");
    assert!(
        logs.contains("operation=\"delete_campaign_schedule\""),
        "{logs}"
    );
    assert!(logs.contains("attempt=2"), "{logs}");
    assert!(logs.contains("status=503"), "{logs}");
    assert!(logs.contains("duration_ms"), "{logs}");
    // The key did reach the server: the check above is not vacuous.
    assert!(
        server
            .received()
            .iter()
            .all(|r| r.headers.get("authorization") == Some(&format!("Bearer {KEY}")))
    );
}
