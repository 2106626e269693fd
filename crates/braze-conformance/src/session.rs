//! One side of a run (the endpoint under test, or the fake): its client, the test ids, and
//! every request the probes make, each written to the transcript with its answer.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use braze_sdk::Client;
use braze_sdk::api::ClientInfo;
use braze_sdk::api::operations;
use braze_sdk::api::retry::Idempotency;
use chrono::{DateTime, TimeDelta, Utc};
use http::Method;
use serde_json::{Value, json};

use crate::ledger::Ledger;
use crate::transcript::Transcript;

/// The headers Braze documents on every answer.
pub const RATE_LIMIT_HEADERS: [&str; 3] = [
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
];

/// The workspace's test objects the probe may name: an API-triggered campaign, an
/// API-triggered Canvas, and one user (by `external_user_id`). Every schedule the probe
/// creates is for one of the two, to that user only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestIds {
    /// The API identifier of an API-triggered campaign.
    pub campaign_id: String,
    /// The API identifier of an API-triggered Canvas.
    pub canvas_id: String,
    /// The `external_user_id` of the one user schedules may target.
    pub user: String,
}

/// Which side of the comparison a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The endpoint in `BRAZE_REST_ENDPOINT` (Braze, or in the tests another fake).
    Braze,
    /// The fake, started in the probe's process.
    Fake,
}

impl Side {
    /// `braze` or `fake`, as the transcript names the side.
    pub fn name(self) -> &'static str {
        match self {
            Side::Braze => "braze",
            Side::Fake => "fake",
        }
    }
}

/// How a request authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The client's key, added by the SDK's hooks (with its pacing and retries).
    Key,
    /// No `Authorization` header (sent outside the hooks: no pacing, no retry).
    None,
    /// This exact header value, never the real key (sent outside the hooks).
    Header(&'static str),
}

/// One request of a probe.
#[derive(Debug, Clone)]
pub struct Call {
    /// What it is, for the transcript (`create campaign schedule`).
    pub label: String,
    /// The method.
    pub method: Method,
    /// The path with the query, if any, e.g. `/messages/scheduled_broadcasts?end_time=...`.
    pub path: String,
    /// The operation it is, for the client's pacing and retries (`raw` for none).
    pub operation: &'static str,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// Extra bytes of padding in the body (for the body-size probe): the body is sent as
    /// `{"padding": "xxx...", ...body}` without the padding in the transcript.
    pub padding: usize,
    /// The `Content-Type` sent with a body (default `application/json`; `None` sends none).
    pub content_type: Option<&'static str>,
    /// How it authenticates.
    pub auth: Auth,
}

impl Call {
    /// A JSON POST of an operation of the spec, with the key.
    pub fn post(label: impl Into<String>, operation: &'static str, body: Value) -> Self {
        let path = operations::find(operation).map_or("/", |spec| spec.path);
        Self {
            label: label.into(),
            method: Method::POST,
            path: path.to_owned(),
            operation,
            body: Some(body),
            padding: 0,
            content_type: Some("application/json"),
            auth: Auth::Key,
        }
    }

    /// A GET of `path`, with the key.
    pub fn get(label: impl Into<String>, operation: &'static str, path: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            method: Method::GET,
            path: path.into(),
            operation,
            body: None,
            padding: 0,
            content_type: None,
            auth: Auth::Key,
        }
    }
}

/// An answer: status, headers (lowercase names) and body (JSON, or the text as a string).
/// Status 0 is no answer (the connection failed, or the run was stopped).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The HTTP status; 0 when there was no answer.
    pub status: u16,
    /// The headers, lowercase names, values as text.
    pub headers: BTreeMap<String, String>,
    /// The body: its JSON, or its text as a JSON string; for no answer, why.
    pub body: Value,
}

impl Answer {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Braze's `message`, when the body has one.
    pub fn message(&self) -> Option<&str> {
        self.body.get("message").and_then(Value::as_str)
    }

    /// A string field of the body.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }

    /// A header, by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// One side's run: its client, ids and clock, the transcript, and (for the endpoint under
/// test) the ledger of what it creates.
pub struct Session {
    pub(crate) side: Side,
    pub(crate) client: Client,
    pub(crate) ids: TestIds,
    /// Ids that exist nowhere, unique to this run (`braze-conformance-<run>-...`).
    pub(crate) run: String,
    /// "Now" when the run started: every time the probes send is relative to it.
    pub(crate) now: DateTime<Utc>,
    pub(crate) transcript: Arc<Transcript>,
    pub(crate) ledger: Option<Arc<Ledger>>,
    pub(crate) stop: Arc<AtomicBool>,
    pub(crate) experiment: std::sync::Mutex<&'static str>,
    /// The labels of the answers that lacked a rate-limit header.
    pub(crate) without_figures: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

impl Session {
    /// A session for `side` through `client`.
    pub fn new(
        side: Side,
        client: Client,
        ids: TestIds,
        run: String,
        transcript: Arc<Transcript>,
        ledger: Option<Arc<Ledger>>,
        stop: Arc<AtomicBool>,
    ) -> Self {
        Self {
            side,
            client,
            ids,
            run,
            now: Utc::now(),
            transcript,
            ledger,
            stop,
            experiment: std::sync::Mutex::new(""),
            without_figures: std::sync::Mutex::new(std::collections::BTreeSet::new()),
        }
    }

    /// Which side this is.
    pub fn side(&self) -> Side {
        self.side
    }

    /// The test ids.
    pub fn ids(&self) -> &TestIds {
        &self.ids
    }

    /// An id that names nothing on any workspace: `braze-conformance-<run>-<what>`.
    pub fn unknown(&self, what: &str) -> String {
        format!("braze-conformance-{}-{what}", self.run)
    }

    /// The run's tag, put into what the probe creates (trigger properties, context,
    /// webhook body) so that a person finds it again in the dashboard.
    pub fn tag(&self) -> Value {
        json!({"braze_conformance_run": self.run})
    }

    /// A UTC time `days` from the run's start, at a whole minute (ISO 8601 with `Z`).
    pub fn utc_in(&self, days: i64) -> String {
        let at = self.now + TimeDelta::days(days);
        at.format("%Y-%m-%dT%H:%M:00Z").to_string()
    }

    /// A time of day `days` from the run's start, without a designator (local-time sends).
    pub fn wall_clock_in(&self, days: i64) -> String {
        let at = self.now + TimeDelta::days(days);
        at.format("%Y-%m-%dT%H:%M:00").to_string()
    }

    /// Whether a stop was asked for (Ctrl-C): no new request is sent.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// The answers so far that lacked one of [`RATE_LIMIT_HEADERS`] (`status: label`).
    pub fn answers_without_figures(&self) -> Vec<String> {
        let without = self.without_figures.lock().expect("figures lock");
        without.iter().cloned().collect()
    }

    pub(crate) fn set_experiment(&self, name: &'static str) {
        *self.experiment.lock().expect("experiment lock") = name;
    }

    /// Sends one request and writes it, with its answer, to the transcript.
    pub async fn call(&self, call: Call) -> Answer {
        let answer = if self.stopped() {
            Answer {
                status: 0,
                headers: BTreeMap::new(),
                body: json!("not sent: the run was stopped"),
            }
        } else {
            self.send(&call).await
        };
        let experiment = *self.experiment.lock().expect("experiment lock");
        self.transcript.write(self.side, experiment, &call, &answer);
        let figures = RATE_LIMIT_HEADERS
            .iter()
            .all(|name| answer.header(name).is_some());
        if answer.status != 0 && !figures {
            let mut without = self.without_figures.lock().expect("figures lock");
            without.insert(format!("{}: {}", answer.status, call.label));
        }
        answer
    }

    async fn send(&self, call: &Call) -> Answer {
        let api = self.client.generated();
        let url = format!("{}{}", api.baseurl(), call.path);
        let mut builder = api
            .client()
            .request(call.method.clone(), url)
            .header(http::header::ACCEPT, "application/json");
        let mut bytes = None;
        if let Some(body) = &call.body {
            let mut body = body.clone();
            if call.padding > 0
                && let Value::Object(map) = &mut body
            {
                map.insert(
                    "padding".to_owned(),
                    Value::String("x".repeat(call.padding)),
                );
            }
            let encoded = serde_json::to_vec(&body).unwrap_or_default();
            if let Some(content_type) = call.content_type {
                builder = builder.header(http::header::CONTENT_TYPE, content_type);
            }
            bytes = Some(encoded.clone());
            builder = builder.body(encoded);
        }
        match call.auth {
            Auth::Key | Auth::None => {}
            Auth::Header(value) => builder = builder.header(http::header::AUTHORIZATION, value),
        }
        let request = match builder.build() {
            Ok(request) => request,
            Err(e) => return no_answer(format!("cannot build the request: {e}")),
        };
        let result = match call.auth {
            Auth::Key => {
                let idempotency = operations::find(call.operation)
                    .map_or(Idempotency::NotIdempotent, |spec| {
                        spec.idempotency_for(bytes.as_deref())
                    });
                api.send_raw(request, call.operation, idempotency).await
            }
            Auth::None | Auth::Header(_) => api.client().execute(request).await,
        };
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = response
                    .headers()
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.as_str().to_owned(),
                            String::from_utf8_lossy(value.as_bytes()).into_owned(),
                        )
                    })
                    .collect();
                let body = match response.bytes().await {
                    Ok(bytes) if bytes.is_empty() => Value::Null,
                    Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                        let text = String::from_utf8_lossy(&bytes);
                        Value::String(text.chars().take(2_000).collect())
                    }),
                    Err(e) => json!(format!("the body could not be read: {e}")),
                };
                Answer {
                    status,
                    headers,
                    body,
                }
            }
            Err(e) => no_answer(format!("no answer: {e}")),
        }
    }
}

fn no_answer(why: String) -> Answer {
    Answer {
        status: 0,
        headers: BTreeMap::new(),
        body: Value::String(why),
    }
}
