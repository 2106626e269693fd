//! What every request goes through, generated or raw: headers, rate-limit pacing,
//! retries, a cap on response bodies, tracing and the call record.
//!
//! It lives here, next to the generated `Client`, because the orphan rule allows
//! `impl ClientHooks for Client` only in the crate that defines `Client`.

use std::fmt;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use http::header::{AUTHORIZATION, USER_AGENT};
use http::{HeaderMap, HeaderValue};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::ResponseBuilderExt;
use tracing::Instrument;

use crate::Client;
use crate::call;
use crate::operations::{self, OperationSpec};
use crate::rate_limit::{LimitClass, Pacer, RateLimit};
use crate::retry::{self, Attempt, AttemptOutcome, Idempotency, RetryPolicy};

/// The default cap on a response body: Braze's answers are a few hundred bytes, a long
/// list of scheduled broadcasts a few hundred kilobytes.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Configuration and shared state of the hooks, held by the generated `Client` (its
/// "inner" value). Clones share the rate-limit [`Pacer`].
#[derive(Clone)]
pub struct HookState {
    authorization: Option<HeaderValue>,
    user_agent: Option<HeaderValue>,
    retry: RetryPolicy,
    pacing: bool,
    pacer: Arc<Pacer>,
    max_response_bytes: usize,
}

/// The API key cannot travel in an HTTP header (control characters, non-ASCII).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidApiKey;

impl fmt::Display for InvalidApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the API key contains characters that cannot be sent in an HTTP header")
    }
}

impl std::error::Error for InvalidApiKey {}

impl Default for HookState {
    fn default() -> Self {
        Self {
            authorization: None,
            user_agent: None,
            retry: RetryPolicy::default(),
            pacing: true,
            pacer: Arc::new(Pacer::new()),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl fmt::Debug for HookState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookState")
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "Bearer [redacted]"),
            )
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("pacing", &self.pacing)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl HookState {
    /// No credentials, the default retry policy, pacing on.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends `Authorization: Bearer <api_key>` on every request. The header is marked
    /// sensitive, so `http` and `reqwest` never print it.
    pub fn with_api_key(mut self, api_key: &str) -> Result<Self, InvalidApiKey> {
        let mut value =
            HeaderValue::try_from(format!("Bearer {api_key}")).map_err(|_| InvalidApiKey)?;
        value.set_sensitive(true);
        self.authorization = Some(value);
        Ok(self)
    }

    /// Sends this `User-Agent` on every request.
    pub fn with_user_agent(mut self, user_agent: HeaderValue) -> Self {
        self.user_agent = Some(user_agent);
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Turns waiting for a spent rate-limit window on or off (on by default).
    pub fn with_pacing(mut self, pacing: bool) -> Self {
        self.pacing = pacing;
        self
    }

    /// Shares a pacer with other clients of the same Braze workspace.
    pub fn with_pacer(mut self, pacer: Arc<Pacer>) -> Self {
        self.pacer = pacer;
        self
    }

    /// Refuses response bodies longer than this (default [`DEFAULT_MAX_RESPONSE_BYTES`]).
    pub fn with_max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The rate-limit pacer shared by this client's clones.
    pub fn pacer(&self) -> &Arc<Pacer> {
        &self.pacer
    }

    /// The response body cap.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// Sets the headers this crate owns, and drops the `api-version` header progenitor
    /// adds: Braze documents only `Content-Type` and `Authorization`.
    fn prepare(&self, headers: &mut HeaderMap) {
        headers.remove("api-version");
        if let Some(authorization) = &self.authorization {
            headers.insert(AUTHORIZATION, authorization.clone());
        }
        if let Some(user_agent) = &self.user_agent {
            headers.insert(USER_AGENT, user_agent.clone());
        }
    }
}

impl ClientHooks<HookState> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        // progenitor names the operation by its id; the table says whether it may be
        // repeated (an id it lacks cannot occur, and would be treated as a create).
        let idempotency = operations::find(info.operation_id)
            .map_or(Idempotency::NotIdempotent, OperationSpec::idempotency);
        self.send_raw(request, info.operation_id, idempotency).await
    }
}

/// What one attempt came to, with what the loop needs of it.
struct Attempted {
    /// The answer (its body already guarded), or the transport error.
    result: reqwest::Result<reqwest::Response>,
    attempt: Attempt,
    figures: Option<RateLimit>,
    /// Set when the body was refused for its size.
    limit_exceeded: Option<usize>,
}

impl Client {
    /// Sends a request through the same hooks as the generated operations: credentials,
    /// `User-Agent`, pacing, retries (by `idempotency`), the response-body cap, tracing and
    /// the [`call::recorded`] record. The returned response's body is already read.
    /// `operation` names the request in spans and in the record.
    ///
    /// This is the escape hatch for endpoints or fields the spec does not cover yet.
    pub async fn send_raw(
        &self,
        request: reqwest::Request,
        operation: &'static str,
        idempotency: Idempotency,
    ) -> reqwest::Result<reqwest::Response> {
        let state = self.inner();
        let policy = &state.retry;
        let started = Instant::now();
        let mut next = Some(request);
        let mut number: u32 = 0;
        loop {
            number += 1;
            let mut request = next.take().expect("a request is queued for every attempt");
            state.prepare(request.headers_mut());
            // Keep a copy for a retry; a streamed body cannot be copied and gets one attempt.
            let spare = if number < policy.max_attempts {
                request.try_clone()
            } else {
                None
            };
            let attempted = self.attempt_once(request, operation, number).await;
            call::update(|record| {
                record.note_attempt(
                    operation,
                    number,
                    attempted.attempt,
                    attempted.figures,
                    attempted.limit_exceeded,
                    started.elapsed(),
                )
            });

            let outcome = AttemptOutcome {
                number,
                attempt: attempted.attempt,
                headers: attempted.result.as_ref().ok().map(|r| r.headers()),
            };
            let wait = retry::next_wait(
                policy,
                idempotency,
                &outcome,
                started.elapsed(),
                SystemTime::now(),
            );
            let (Some(wait), Some(spare)) = (wait, spare) else {
                return attempted.result;
            };
            match &attempted.result {
                Ok(response) => tracing::debug!(
                    operation,
                    attempt = number,
                    status = response.status().as_u16(),
                    wait_ms = wait.as_millis() as u64,
                    "retrying after a retryable status"
                ),
                Err(error) => tracing::debug!(
                    operation,
                    attempt = number,
                    error = %error,
                    wait_ms = wait.as_millis() as u64,
                    "retrying after a transport error"
                ),
            }
            drop(attempted);
            tokio::time::sleep(wait).await;
            next = Some(spare);
        }
    }

    /// One attempt: waits for the pacer, sends inside a `braze.request` span, guards the
    /// body, and tells the pacer what the answer said.
    async fn attempt_once(
        &self,
        request: reqwest::Request,
        operation: &'static str,
        number: u32,
    ) -> Attempted {
        let state = self.inner();
        let ticket = if state.pacing {
            let class = crate::operations::find(operation).map_or(LimitClass::Default, |spec| {
                LimitClass::of(spec, request.body().and_then(reqwest::Body::as_bytes))
            });
            Some(
                state
                    .pacer
                    .acquire(&class, state.retry.max_rate_limit_wait)
                    .await,
            )
        } else {
            None
        };
        let span = tracing::info_span!(
            "braze.request",
            operation,
            attempt = number,
            method = %request.method(),
            path = request.url().path(),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let sent_at = Instant::now();
        let answered = async {
            let response = self.client().execute(request).await?;
            Ok::<_, reqwest::Error>(guard_body(response, state.max_response_bytes).await)
        }
        .instrument(span.clone())
        .await;
        span.record("duration_ms", sent_at.elapsed().as_millis() as u64);

        let (result, attempt, limit_exceeded) = match answered {
            Ok((response, exceeded)) => {
                span.record("status", response.status().as_u16());
                let attempt = Attempt::Status(response.status());
                (Ok(response), attempt, exceeded)
            }
            Err(error) if error.is_connect() => (Err(error), Attempt::NotConnected, None),
            Err(error) => (Err(error), Attempt::Interrupted, None),
        };
        let figures = result
            .as_ref()
            .ok()
            .and_then(|response| RateLimit::from_headers(response.headers()));
        if let (Some(ticket), Ok(response)) = (&ticket, &result) {
            ticket.observe(response.status().is_success(), figures.as_ref());
        }
        drop(ticket);
        Attempted {
            result,
            attempt,
            figures,
            limit_exceeded,
        }
    }
}

/// Why a response body could not be kept.
enum BodyProblem {
    /// Longer than the cap: refused rather than read into memory.
    TooLarge,
    /// The connection broke, or the body was shorter than announced.
    Broken(String),
}

/// Keeps a response body from being read into memory beyond `max` bytes. A body whose
/// declared length fits is passed on untouched (the caller reads at most that much); a
/// longer one is refused unread; one of unknown length is read here, up to `max`. A
/// refused or broken body is replaced by one that fails to read with the reason, so the
/// caller's decoding fails cleanly; the status and headers are kept either way. The
/// second value is `Some(max)` when the body was refused for its size.
async fn guard_body(
    mut response: reqwest::Response,
    max: usize,
) -> (reqwest::Response, Option<usize>) {
    let body = match response.content_length() {
        Some(length) if length <= max as u64 => return (response, None),
        Some(_) => Err(BodyProblem::TooLarge),
        None => read_capped(&mut response, max).await,
    };
    let (body, exceeded) = match body {
        Ok(bytes) => (reqwest::Body::from(bytes), None),
        Err(problem) => {
            let (reason, exceeded) = match problem {
                BodyProblem::TooLarge => (
                    format!("the response body is over the {max}-byte limit"),
                    Some(max),
                ),
                BodyProblem::Broken(reason) => (reason, None),
            };
            let failing = futures_util::stream::once(async move {
                Err::<Bytes, _>(std::io::Error::other(reason))
            });
            (reqwest::Body::wrap_stream(failing), exceeded)
        }
    };
    let headers = std::mem::take(response.headers_mut());
    let mut rebuilt = match http::Response::builder()
        .status(response.status())
        .version(response.version())
        // Kept so that reqwest need not parse a placeholder URL for the rebuilt response.
        .url(response.url().clone())
        .body(body)
    {
        Ok(rebuilt) => rebuilt,
        // Not reached: the status, version and URL come from a valid response.
        Err(_) => return (response, exceeded),
    };
    *rebuilt.headers_mut() = headers;
    (reqwest::Response::from(rebuilt), exceeded)
}

async fn read_capped(response: &mut reqwest::Response, max: usize) -> Result<Bytes, BodyProblem> {
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(None) => break,
            Ok(Some(chunk)) => {
                let so_far = first.as_ref().map_or(0, Bytes::len) + rest.len();
                if so_far + chunk.len() > max {
                    return Err(BodyProblem::TooLarge);
                }
                // Most answers arrive in one chunk: keep it without copying.
                match &first {
                    None => first = Some(chunk),
                    Some(head) => {
                        if rest.is_empty() {
                            rest.extend_from_slice(head);
                        }
                        rest.extend_from_slice(&chunk);
                    }
                }
            }
            Err(error) => {
                return Err(BodyProblem::Broken(format!(
                    "the response body broke off: {error}"
                )));
            }
        }
    }
    Ok(if rest.is_empty() {
        first.unwrap_or_default()
    } else {
        rest.freeze()
    })
}
