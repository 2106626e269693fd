//! What every request goes through, generated or raw: headers, rate-limit pacing,
//! retries, a cap on response bodies, tracing and the call record.
//!
//! It lives here, next to the generated `Client`, because the orphan rule allows
//! `impl ClientHooks for Client` only in the crate that defines `Client`.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use http::header::{AUTHORIZATION, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue};
use http_body::Frame;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::ResponseBuilderExt;
use tracing::Instrument;

use crate::Client;
use crate::call;
use crate::operations::{self, BodyFact, OperationSpec};
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
        headers.remove(&API_VERSION);
        if let Some(authorization) = &self.authorization {
            headers.insert(AUTHORIZATION, authorization.clone());
        }
        if let Some(user_agent) = &self.user_agent {
            headers.insert(USER_AGENT, user_agent.clone());
        }
    }
}

impl ClientHooks<HookState> for Client {
    // Not an `async fn`: it returns the loop's future itself instead of a future around it.
    fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        // progenitor names the operation by its id; the table says whether it may be
        // repeated (an id it lacks cannot occur, and would be treated as a create), and a
        // body that sets the operation's idempotency key may be repeated too.
        let spec = operations::find(info.operation_id);
        let body = request.body().and_then(reqwest::Body::as_bytes);
        let idempotency = spec.map_or(Idempotency::NotIdempotent, |spec| {
            spec.idempotency_for(body)
        });
        self.attempts(request, info.operation_id, spec, idempotency, None)
    }
}

// The name progenitor's generated code sends and Braze does not document.
const API_VERSION: HeaderName = HeaderName::from_static("api-version");

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
        self.attempts(
            request,
            operation,
            operations::find(operation),
            idempotency,
            None,
        )
        .await
    }

    /// The attempts of one call. Each attempt waits for the pacer, sends inside a
    /// `braze.request` span, guards the body, tells the pacer what the answer said and
    /// notes itself in the call's record; then [`retry::next_wait`] decides whether to go
    /// again. The rate-limit class is read from the body ([`LimitClass::of`]), unless
    /// the caller told a `fact` that settles it
    /// ([`Bound::send_knowing`](crate::operations::Bound::send_knowing)).
    ///
    /// Its future is part of every request's (boxed on its own by the generated
    /// operation's [`Bound::send`](crate::operations::Bound::send)), so its size is watched: one loop,
    /// not a loop around an attempt function (each `async fn` level is a future moved into
    /// its caller's); an `async move` block rather than an `async fn` (whose arguments are
    /// kept twice, as arguments and as locals, rust-lang/rust#62958); each attempt's values
    /// in a block, and the wait for a retry at the top of the loop; and the rare waits (pacing, a
    /// retry's timer, a body of unknown length) boxed. Together they took it from 2,072 to
    /// 936 bytes (`-Zprint-type-sizes`), which every request moves and copies.
    pub(crate) fn attempts(
        &self,
        request: reqwest::Request,
        operation: &'static str,
        spec: Option<&'static OperationSpec>,
        idempotency: Idempotency,
        fact: Option<BodyFact>,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + '_ {
        let mut request = request;
        // The class depends only on the operation and the body, the same on every
        // attempt. Settled here, outside the future, which then holds the class and not
        // the fact beside it.
        let class = self.inner().pacing.then(|| {
            spec.map_or(LimitClass::Default, |spec| {
                LimitClass::of_told(spec, fact, request.body().and_then(reqwest::Body::as_bytes))
            })
        });
        async move {
            let state = self.inner();
            let policy = &state.retry;
            let started = Instant::now();
            // The headers are set once: a retry sends a copy of this very request.
            state.prepare(request.headers_mut());
            let mut number: u32 = 0;
            // How long to wait before the next attempt: waited at the top of the loop, where
            // the last attempt's values are out of scope and need no room in the future.
            let mut pause = None;
            loop {
                if let Some(wait) = pause.take() {
                    // Boxed: a timer is large, and only a retry needs one.
                    Box::pin(tokio::time::sleep(wait)).await;
                }
                number += 1;
                // Keep a copy for a retry, only when there can be one. The body is
                // `Bytes`, so its copy is a reference count; a streamed body cannot be
                // copied and gets one attempt.
                let spare = if number < policy.max_attempts {
                    request.try_clone()
                } else {
                    None
                };
                let (result, attempt, elapsed) = {
                    let ticket = match &class {
                        Some(class) => {
                            Some(state.pacer.acquire(class, policy.max_rate_limit_wait).await)
                        }
                        None => None,
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
                    let mut limit_exceeded = None;
                    let result = match self
                        .client()
                        .execute(request)
                        .instrument(span.clone())
                        .await
                    {
                        // Most answers declare a length within the cap: nothing more to do.
                        Ok(response) if fits(&response, state.max_response_bytes) => Ok(response),
                        // Rare (a body of unknown or excessive length), so boxed.
                        Ok(response) => {
                            let (response, exceeded) =
                                Box::pin(guard_body(response, state.max_response_bytes))
                                    .instrument(span.clone())
                                    .await;
                            limit_exceeded = exceeded;
                            Ok(response)
                        }
                        Err(error) => Err(error),
                    };
                    let answered_at = Instant::now();
                    span.record(
                        "duration_ms",
                        answered_at.duration_since(sent_at).as_millis() as u64,
                    );
                    let attempt = match &result {
                        Ok(response) => {
                            span.record("status", response.status().as_u16());
                            Attempt::Status(response.status())
                        }
                        Err(error) if error.is_connect() => Attempt::NotConnected,
                        Err(_) => Attempt::Interrupted,
                    };
                    let figures = result
                        .as_ref()
                        .ok()
                        .and_then(|response| RateLimit::from_headers(response.headers()));
                    if let (Some(ticket), Ok(response)) = (&ticket, &result) {
                        ticket.observe(response.status().is_success(), figures.as_ref());
                    }
                    drop(ticket);
                    let elapsed = answered_at.duration_since(started);
                    call::update(|record| {
                        record.note_attempt(
                            operation,
                            number,
                            attempt,
                            figures,
                            limit_exceeded,
                            elapsed,
                        )
                    });
                    (result, attempt, elapsed)
                };

                // Without a copy there is no retry (the last attempt, or a streamed body).
                let Some(next) = spare else {
                    return result;
                };
                let outcome = AttemptOutcome {
                    number,
                    attempt,
                    headers: result.as_ref().ok().map(|r| r.headers()),
                };
                let Some(wait) =
                    retry::next_wait(policy, idempotency, &outcome, elapsed, SystemTime::now())
                else {
                    return result;
                };
                match &result {
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
                pause = Some(wait);
                request = next;
            }
        }
    }
}

/// Whether the body's declared length is within `max`: then it is passed on untouched
/// (the caller reads at most that much).
fn fits(response: &reqwest::Response, max: usize) -> bool {
    response
        .content_length()
        .is_some_and(|length| length <= max as u64)
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
            (reqwest::Body::wrap(FailingBody(Some(reason))), exceeded)
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

/// A body whose first read fails with its reason: what a refused or broken answer's body
/// is replaced with. Written here rather than with `reqwest::Body::wrap_stream`, which
/// needs reqwest's `stream` feature.
struct FailingBody(Option<String>);

impl http_body::Body for FailingBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(
            self.get_mut()
                .0
                .take()
                .map(|reason| Err(std::io::Error::other(reason))),
        )
    }
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

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use crate::call::Delivery;

    /// What the server does with one connection, after reading its request.
    enum Script {
        /// Closes the connection without answering.
        Hang,
        /// Writes these bytes, then closes.
        Answer(String),
    }

    fn json(status: u16, body: &str) -> Script {
        Script::Answer(format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             x-ratelimit-limit: 100\r\nx-ratelimit-remaining: 99\r\nx-ratelimit-reset: 1900000000\r\n\
             connection: close\r\n\r\n{body}",
            body.len()
        ))
    }

    fn chunked(chunks: &[&str], end: bool) -> Script {
        let mut text = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                        transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
            .to_owned();
        for chunk in chunks {
            text.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
        }
        if end {
            text.push_str("0\r\n\r\n");
        }
        Script::Answer(text)
    }

    /// One received request: its head, lowercased, and its body.
    #[derive(Debug, Clone)]
    struct Received {
        head: String,
        body: String,
    }

    /// A loopback HTTP/1.1 server on a thread that serves one connection per script
    /// entry, in order, and keeps what it received.
    fn serve(scripts: Vec<Script>) -> (String, Arc<Mutex<Vec<Received>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        std::thread::spawn(move || {
            for script in scripts {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream);
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if line == "\r\n" || line.is_empty() {
                        break;
                    }
                    head.push_str(&line.to_ascii_lowercase());
                }
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |n| n.trim().parse().unwrap());
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                log.lock().unwrap().push(Received {
                    head,
                    body: String::from_utf8(body).unwrap(),
                });
                if let Script::Answer(text) = script {
                    let mut stream = reader.into_inner();
                    stream.write_all(text.as_bytes()).unwrap();
                    stream.flush().unwrap();
                }
            }
        });
        (url, received)
    }

    fn client(url: &str, retry: RetryPolicy, max_response_bytes: usize) -> Client {
        let hooks = HookState::new()
            .with_api_key("hooks-test-key")
            .unwrap()
            .with_user_agent(HeaderValue::from_static("hooks-test/1"))
            .with_retry(retry)
            .with_max_response_bytes(max_response_bytes);
        Client::new_with_client(url, reqwest::Client::new(), hooks)
    }

    /// An error and its sources, as one text.
    fn chain(error: &dyn std::error::Error) -> String {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(error) = source {
            text.push_str(": ");
            text.push_str(&error.to_string());
            source = error.source();
        }
        text
    }

    fn quick(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            ..RetryPolicy::default()
        }
    }

    fn delete(client: &Client) -> crate::builder::DeleteCampaignSchedule<'_> {
        client.delete_campaign_schedule().body(
            crate::types::CampaignScheduleDeleteRequest::builder()
                .campaign_id("c-1")
                .schedule_id("s-1")
                .extra(serde_json::Map::new()),
        )
    }

    #[tokio::test]
    async fn a_retried_request_carries_its_body_and_headers() {
        let (url, received) = serve(vec![
            Script::Hang,
            json(503, r#"{"message": "Service Unavailable"}"#),
            json(200, r#"{"message": "success"}"#),
        ]);
        let client = client(&url, quick(3), DEFAULT_MAX_RESPONSE_BYTES);
        let (result, record) = call::recorded(delete(&client).send()).await;
        assert_eq!(result.expect("the third attempt succeeds").status(), 200);
        assert_eq!(record.attempts, 3);
        assert_eq!(record.delivery, Delivery::Accepted);
        assert_eq!(record.rate_limit.and_then(|r| r.remaining), Some(99));

        let received = received.lock().unwrap().clone();
        assert_eq!(received.len(), 3);
        for request in &received {
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&request.body).unwrap(),
                serde_json::json!({"campaign_id": "c-1", "schedule_id": "s-1"}),
                "{request:?}"
            );
            assert!(
                request
                    .head
                    .starts_with("post /campaigns/trigger/schedule/delete "),
                "{request:?}"
            );
            assert!(
                request
                    .head
                    .contains("authorization: bearer hooks-test-key\r\n"),
                "{request:?}"
            );
            assert!(
                request.head.contains("user-agent: hooks-test/1\r\n"),
                "{request:?}"
            );
            assert!(!request.head.contains("api-version"), "{request:?}");
        }
    }

    /// A trigger send whose body lists a user, or (`broadcast`) broadcasts to the whole
    /// segment.
    fn trigger_send(client: &Client, broadcast: bool) -> crate::builder::TriggerCampaignSend<'_> {
        let body = crate::types::CampaignTriggerSendRequest::builder()
            .campaign_id("c-1")
            .extra(serde_json::Map::new());
        let body = if broadcast {
            body.broadcast(true)
        } else {
            let user: crate::types::Recipient =
                serde_json::from_value(serde_json::json!({"external_user_id": "u-1"})).unwrap();
            body.recipients(vec![user])
        };
        client.trigger_campaign_send().body(body)
    }

    #[tokio::test]
    async fn the_body_is_read_for_its_class_only_when_the_caller_does_not_tell() {
        use crate::operations::Bound;
        use crate::rate_limit::BODIES_READ;
        use std::cell::Cell;

        let sent = || json(201, r#"{"message": "success", "dispatch_id": "d-1"}"#);
        let (url, received) = serve((0..4).map(|_| sent()).collect());
        let client = client(&url, quick(1), DEFAULT_MAX_RESPONSE_BYTES);
        let read = || BODIES_READ.with(Cell::get);
        let before = read();

        // A caller that built the body tells what it knows: the body is not read, even
        // where reading it would class it otherwise (a broadcast said to list users: the
        // hooks take the caller's word).
        Bound::send_knowing(trigger_send(&client, false), BodyFact::ListsUsers)
            .await
            .expect("sent");
        Bound::send_knowing(trigger_send(&client, true), BodyFact::ListsUsers)
            .await
            .expect("sent");
        assert_eq!(read(), before, "a fact told is taken as it is");

        // Raw callers of the generated client do not say: the body is read, through
        // progenitor's `send` as through `Bound::send`.
        trigger_send(&client, false).send().await.expect("sent");
        assert_eq!(read(), before + 1, "progenitor's send reads the body");
        Bound::send(trigger_send(&client, false))
            .await
            .expect("sent");
        assert_eq!(read(), before + 2, "Bound::send reads the body");

        // The fact told changes nothing on the wire.
        let received = received.lock().unwrap().clone();
        assert_eq!(received.len(), 4);
        for request in [&received[2], &received[3]] {
            assert_eq!(request.body, received[0].body);
        }
    }

    #[tokio::test]
    async fn one_attempt_is_made_when_the_policy_allows_one() {
        let (url, received) = serve(vec![json(503, r#"{"message": "down"}"#)]);
        let client = client(&url, quick(1), DEFAULT_MAX_RESPONSE_BYTES);
        let (result, record) = call::recorded(delete(&client).send()).await;
        assert!(result.is_err());
        assert_eq!(record.attempts, 1);
        assert_eq!(record.status, Some(http::StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(record.delivery, Delivery::Uncertain);
        assert_eq!(received.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn an_answer_of_unknown_length_is_kept_within_the_cap() {
        let (url, _) = serve(vec![chunked(&[r#"{"message": "#, r#""success"}"#], true)]);
        let client = client(&url, quick(1), 64);
        let (result, record) = call::recorded(delete(&client).send()).await;
        let answer = result.expect("a body under the cap is read");
        assert_eq!(answer.message.as_deref(), Some("success"));
        assert_eq!(record.body_limit_exceeded, None);
    }

    #[tokio::test]
    async fn an_answer_over_the_cap_is_refused_whether_its_length_is_declared_or_not() {
        let long = format!(r#"{{"message": "{}"}}"#, "x".repeat(100));
        for script in [json(200, &long), chunked(&[&long[..50], &long[50..]], true)] {
            let (url, _) = serve(vec![script]);
            let client = client(&url, quick(1), 64);
            let (result, record) = call::recorded(delete(&client).send()).await;
            match result {
                Err(crate::Error::ResponseBodyError(error)) => {
                    let text = chain(&error);
                    assert!(text.contains("over the 64-byte limit"), "{text}");
                }
                other => panic!("expected a body error, got {other:?}"),
            }
            assert_eq!(record.body_limit_exceeded, Some(64));
            assert_eq!(record.status, Some(http::StatusCode::OK));
        }
    }

    #[tokio::test]
    async fn a_body_that_breaks_off_fails_to_read_with_the_reason() {
        let (url, _) = serve(vec![chunked(&[r#"{"message": "#], false)]);
        let client = client(&url, quick(1), 64);
        let (result, record) = call::recorded(delete(&client).send()).await;
        match result {
            Err(crate::Error::ResponseBodyError(error)) => {
                let text = chain(&error);
                assert!(text.contains("broke off"), "{text}");
            }
            other => panic!("expected a body error, got {other:?}"),
        }
        assert_eq!(record.body_limit_exceeded, None);
    }
}
