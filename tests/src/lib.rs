//! Support for the cross-crate tests: a loopback HTTP server that answers from a script
//! and records what it received, so that tests can assert exactly what went on the wire
//! and how the client handled each answer.

#![deny(missing_docs)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use http::{HeaderName, HeaderValue, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Fast retries, so the tests stay short: 4 attempts, 10 to 50 ms apart, at most 5 s
/// of waiting for a rate-limit window.
pub fn quick_retries() -> braze_sdk::RetryPolicy {
    braze_sdk::RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        budget: Duration::from_secs(10),
        max_rate_limit_wait: Duration::from_secs(5),
    }
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: Bytes,
    delay: Duration,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: Value) -> Self {
        Self::raw(status, "application/json", body.to_string())
    }

    /// An answer with any content type and body.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("valid status"),
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// `{"message": "success"}` with status 200.
    pub fn success() -> Self {
        Self::json(200, json!({"message": "success"}))
    }

    /// Adds a header; the name is sent with the case given.
    pub fn header(mut self, name: &str, value: impl ToString) -> Self {
        self.headers.push((name.into(), value.to_string()));
        self
    }

    /// Adds `x-ratelimit-*` headers.
    pub fn rate_limit(self, limit: u64, remaining: u64, reset_epoch_secs: u64) -> Self {
        self.header("x-ratelimit-limit", limit)
            .header("x-ratelimit-remaining", remaining)
            .header("x-ratelimit-reset", reset_epoch_secs)
    }

    /// Waits this long before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The raw query, if any.
    pub query: Option<String>,
    /// Every header, lowercased names, in order.
    pub headers: BTreeMap<String, String>,
    /// The raw body.
    pub body: Bytes,
    /// When it arrived.
    pub at: Instant,
    /// When it arrived, by the system clock: to compare with a rate-limit reset (epoch
    /// seconds).
    pub received_at: SystemTime,
}

impl Received {
    /// The body as JSON (`null` when empty or not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// What a snapshot records: method, path and query, headers (the `authorization` value
    /// and the `host` port replaced), JSON body.
    pub fn wire(&self) -> Value {
        let headers: BTreeMap<&str, String> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = match name.as_str() {
                    "authorization" => match value.strip_prefix("Bearer ") {
                        Some(_) => "Bearer [redacted]".to_owned(),
                        None => "[not a bearer token]".to_owned(),
                    },
                    "host" => "127.0.0.1:[port]".to_owned(),
                    _ => value.clone(),
                };
                (name.as_str(), shown)
            })
            .collect();
        json!({
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": headers,
            "body": self.json(),
        })
    }
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<Reply>>,
    received: Mutex<Vec<Received>>,
}

/// A loopback server answering from a script; once the script is spent it answers 500
/// `{"message": "script exhausted"}`. Stops when dropped.
pub struct ScriptedServer {
    url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl ScriptedServer {
    /// Starts on an ephemeral loopback port with these answers, in order.
    pub async fn start(script: impl IntoIterator<Item = Reply>) -> Self {
        let shared = Arc::new(Shared {
            script: Mutex::new(script.into_iter().collect()),
            received: Mutex::default(),
        });
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, shared, task }
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What it received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().expect("lock").clone()
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (at, received_at) = (Instant::now(), SystemTime::now());
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    shared.received.lock().expect("lock").push(Received {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().unwrap_or("[binary]").to_owned(),
                )
            })
            .collect(),
        body,
        at,
        received_at,
    });
    let reply = shared.script.lock().expect("lock").pop_front();
    let reply = reply.unwrap_or_else(|| Reply::json(500, json!({"message": "script exhausted"})));
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = reply.status;
    for (name, value) in reply.headers {
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(&value).expect("header value"),
        );
    }
    response
}

/// The workspace README's examples, compiled as doc tests so that they follow the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct WorkspaceReadmeExamples;
