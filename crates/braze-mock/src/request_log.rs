//! The request log: what each request looked like and how it was answered, in a ring of
//! bounded size. With a capacity of 0 nothing is recorded and nothing is allocated for it,
//! which is what benchmarks sending millions of requests want.
//!
//! The API key never enters the log: the `authorization` header is kept as
//! `Bearer [redacted]`, with the outcome of the check beside it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::SystemTime;

use braze_api::audience::AudienceProblem;
use bytes::Bytes;
use http::header::AUTHORIZATION;
use http::request::Parts;

use crate::auth::{AuthOutcome, Authentication, Permissions};
use crate::faults::Fault;

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// When it arrived, by the server's [`Clock`](crate::Clock) (not the system clock,
    /// when that one was moved).
    pub received_at: SystemTime,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, e.g. `/campaigns/trigger/schedule/delete`.
    pub path: String,
    /// The query string as sent (still percent-encoded), if any.
    pub query: Option<String>,
    /// The headers, names in lowercase, repeated headers joined with `, `; the
    /// `authorization` value is redacted.
    pub headers: BTreeMap<String, String>,
    /// The body, if there was one.
    pub body: Option<RecordedBody>,
    /// The answer's status; `None` when the connection was cut without an answer, except
    /// after [`Fault::Hang`](crate::Fault::Hang), where it is the status of the answer the
    /// fake made and withheld (the operation was applied).
    pub status: Option<u16>,
    /// What the key amounted to.
    pub auth: AuthOutcome,
    /// The permissions of the key, when it was one of the server's (never the key itself).
    pub key_permissions: Option<Permissions>,
    /// The fault injected into this request, if any.
    pub fault: Option<Fault>,
    /// Why Braze would fail the send this request scheduled, although it answered with a
    /// 2xx: an audience it is known to accept and then reject
    /// ([`choices::ACCEPT_AUDIENCES_BRAZE_FAILS_LATER`](crate::choices::ACCEPT_AUDIENCES_BRAZE_FAILS_LATER)). Empty for almost
    /// every request.
    pub silent_failures: Vec<AudienceProblem>,
}

/// A request body in the log.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordedBody {
    /// The body parsed as JSON.
    Json(serde_json::Value),
    /// A body that is not JSON, as text (invalid UTF-8 replaced).
    Text(String),
    /// A body over the size limit, not kept.
    TooLarge {
        /// How many bytes were read before giving up.
        received_bytes: usize,
    },
}

impl RecordedBody {
    /// The JSON body, if it was JSON.
    pub fn json(&self) -> Option<&serde_json::Value> {
        match self {
            RecordedBody::Json(value) => Some(value),
            RecordedBody::Text(_) | RecordedBody::TooLarge { .. } => None,
        }
    }
}

/// What was read of a request body.
#[derive(Debug)]
pub(crate) enum BodyRead {
    Complete(Bytes),
    TooLarge {
        received_bytes: usize,
    },
    /// The client went away or sent a broken body.
    Broken,
}

/// The log.
pub(crate) struct RequestLog {
    capacity: usize,
    entries: Mutex<VecDeque<RecordedRequest>>,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(VecDeque::new()),
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Starts an entry for a request; `None` when logging is off.
    pub(crate) fn start(
        &self,
        parts: &Parts,
        body: &BodyRead,
        auth: &Authentication,
        fault: Option<&Fault>,
        received_at: SystemTime,
    ) -> Option<RecordedRequest> {
        if !self.enabled() {
            return None;
        }
        Some(RecordedRequest {
            received_at,
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: recorded_headers(&parts.headers),
            body: recorded_body(body),
            status: None,
            auth: auth.outcome,
            key_permissions: (auth.outcome == AuthOutcome::Valid).then_some(auth.permissions),
            fault: fault.cloned(),
            silent_failures: Vec::new(),
        })
    }

    /// Adds a finished entry, dropping the oldest when full.
    pub(crate) fn push(&self, entry: RecordedRequest) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().cloned().collect()
    }

    /// Empties the log and says how many entries it held.
    pub(crate) fn clear(&self) -> usize {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let removed = entries.len();
        entries.clear();
        removed
    }
}

fn recorded_headers(headers: &http::HeaderMap) -> BTreeMap<String, String> {
    let mut recorded: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = if *name == AUTHORIZATION {
            redact(value.as_bytes())
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        recorded
            .entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert(value);
    }
    recorded
}

/// Keeps the scheme, so that a wrong scheme shows in the log, and drops the credential.
fn redact(value: &[u8]) -> String {
    let scheme = value
        .split(|b| *b == b' ')
        .next()
        .filter(|scheme| scheme.len() < value.len())
        .map(String::from_utf8_lossy);
    match scheme {
        Some(scheme) => format!("{scheme} [redacted]"),
        None => "[redacted]".to_owned(),
    }
}

fn recorded_body(body: &BodyRead) -> Option<RecordedBody> {
    match body {
        BodyRead::Complete(bytes) if bytes.is_empty() => None,
        BodyRead::Complete(bytes) => Some(match serde_json::from_slice(bytes) {
            Ok(value) => RecordedBody::Json(value),
            Err(_) => RecordedBody::Text(String::from_utf8_lossy(bytes).into_owned()),
        }),
        BodyRead::TooLarge { received_bytes } => Some(RecordedBody::TooLarge {
            received_bytes: *received_bytes,
        }),
        BodyRead::Broken => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(authorization: &str) -> Parts {
        let (parts, ()) = http::Request::post("/x?y=1")
            .header("Authorization", authorization)
            .header("X-Many", "a")
            .header("x-many", "b")
            .body(())
            .unwrap()
            .into_parts();
        parts
    }

    fn entry(log: &RequestLog, n: u8) -> RecordedRequest {
        log.start(
            &parts("Bearer secret-key"),
            &BodyRead::Complete(Bytes::from(vec![b'0' + n])),
            &Authentication {
                outcome: AuthOutcome::Valid,
                permissions: Permissions::all(),
                quoted: false,
            },
            None,
            SystemTime::now(),
        )
        .unwrap()
    }

    #[test]
    fn never_keeps_the_key() {
        let log = RequestLog::new(4);
        let recorded = entry(&log, 1);
        assert_eq!(recorded.headers["authorization"], "Bearer [redacted]");
        assert_eq!(recorded.key_permissions, Some(Permissions::all()));
        assert!(!format!("{recorded:?}").contains("secret-key"));
        assert_eq!(recorded.headers["x-many"], "a, b");
        assert_eq!(recorded.query.as_deref(), Some("y=1"));
        assert_eq!(redact(b"secret"), "[redacted]");
    }

    #[test]
    fn keeps_the_newest_entries_only() {
        let log = RequestLog::new(2);
        for n in 1..=3 {
            log.push(entry(&log, n));
        }
        let bodies: Vec<_> = log.snapshot().into_iter().map(|e| e.body).collect();
        assert_eq!(
            bodies,
            [
                Some(RecordedBody::Json(serde_json::json!(2))),
                Some(RecordedBody::Json(serde_json::json!(3)))
            ]
        );
        assert!(
            RequestLog::new(0)
                .start(
                    &parts("x"),
                    &BodyRead::Broken,
                    &Authentication {
                        outcome: AuthOutcome::Missing,
                        permissions: Permissions::none(),
                        quoted: false,
                    },
                    None,
                    SystemTime::now()
                )
                .is_none()
        );
    }

    #[test]
    fn bodies_are_json_or_text() {
        let text = recorded_body(&BodyRead::Complete(Bytes::from_static(b"{oops")));
        assert_eq!(text, Some(RecordedBody::Text("{oops".into())));
        assert_eq!(recorded_body(&BodyRead::Complete(Bytes::new())), None);
    }
}
