//! The endpoints, and the path every request takes through the fake: counted, perhaps
//! faulted, checked layer by layer, answered (the order is set out in [`crate::choices`]).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::any;
use bytes::Bytes;
use futures_util::StreamExt;
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use http::request::Parts;
use http::{HeaderMap, Method, StatusCode};

use braze_api::audience::AudienceProblem;
use braze_api::operations::{OPERATIONS, OperationSpec};
use braze_api::rate_limit::LimitClass;

use crate::auth::{AuthOutcome, Authentication};
use crate::choices;
use crate::connection::{ConnectionHandle, Severance};
use crate::control;
use crate::faults::{Corruption, FaultEffect, FaultStage, malform, truncate};
use crate::operations;
use crate::rate_limit::Quota;
use crate::reply::Reply;
use crate::request_log::{BodyRead, RecordedRequest};
use crate::shared::Shared;

/// The router: each endpoint takes any method (a wrong one gets a Braze-style 405 rather
/// than axum's empty one), with `control` the control API under [`control::PREFIX`], and
/// everything else gets Braze's 404.
pub(crate) fn router(shared: Arc<Shared>, control: bool) -> Router {
    let mut router = Router::new();
    for spec in OPERATIONS {
        let shared = Arc::clone(&shared);
        router = router.route(
            spec.path,
            any(move |request: Request| handle(Arc::clone(&shared), Some(spec), request)),
        );
    }
    if control {
        // Apart from `handle`: a control call is not counted, faulted or logged.
        for path in [
            control::PREFIX.to_owned(),
            format!("{}/", control::PREFIX),
            format!("{}/{{*call}}", control::PREFIX),
        ] {
            let shared = Arc::clone(&shared);
            router = router.route(
                &path,
                any(move |request: Request| control::handle(Arc::clone(&shared), request)),
            );
        }
    }
    router.fallback(move |request: Request| handle(Arc::clone(&shared), None, request))
}

/// One request from arrival to answer, in the order set out in [`crate::choices`].
async fn handle(
    shared: Arc<Shared>,
    operation: Option<&'static OperationSpec>,
    request: Request,
) -> Response {
    // One reading of the system clock: rate-limit windows run on it, as the client paces
    // against its own clock; everything about schedules (and the log) on the fake's clock.
    let arrived = SystemTime::now();
    let received_at = shared.clock.reading(arrived);
    let (parts, body) = request.into_parts();
    let body = read_body(body, &parts.headers, shared.max_body_bytes).await;
    // Counted as of its arrival, in the class its operation and body say
    // (`choices::BROADCAST_FIGURES_ARE_THE_TIGHTER_LIMIT`): a create's body tells whether it broadcasts.
    let class = match (operation, &body) {
        (Some(operation), BodyRead::Complete(bytes)) => LimitClass::of(operation, Some(bytes)),
        _ => LimitClass::Default,
    };
    let quota = shared.limiter.count(&class, arrived);
    let fault = shared.faults.decide(parts.uri.path());
    let auth = shared
        .keyring
        .authenticate(parts.headers.get(AUTHORIZATION));
    let entry = shared
        .log
        .start(&parts, &body, &auth, fault.as_ref(), received_at);
    if let Some(fault) = &fault {
        tracing::debug!(path = parts.uri.path(), %fault, "injecting a fault");
    }
    let mut exchange = Exchange {
        connection: parts.extensions.get::<ConnectionHandle>().cloned(),
        shared,
        quota,
        entry,
    };

    let mut after_processing = None;
    if let Some(fault) = fault {
        let effect = fault.effect();
        if fault.stage() == FaultStage::BeforeProcessing && !effect.needs_the_answer() {
            if let Some(response) = exchange.before_processing(effect).await {
                return response;
            }
        } else {
            after_processing = Some(effect);
        }
    }

    let reply = answer(
        &exchange.shared,
        operation,
        &parts,
        body,
        auth,
        quota,
        received_at,
    );
    tracing::debug!(
        method = %parts.method,
        path = parts.uri.path(),
        status = reply.status.as_u16(),
        "answered"
    );
    match after_processing {
        None => exchange.respond(reply),
        Some(effect) => exchange.after_processing(effect, reply).await,
    }
}

/// The layers of checks, then the operation.
fn answer(
    shared: &Shared,
    operation: Option<&'static OperationSpec>,
    parts: &Parts,
    body: BodyRead,
    auth: Authentication,
    quota: Quota,
    received_at: SystemTime,
) -> Reply {
    let Some(operation) = operation else {
        return Reply::error(StatusCode::NOT_FOUND, choices::NOT_FOUND_MESSAGE);
    };
    if parts.method != operation.method {
        let mut reply = Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            choices::method_not_allowed_message(
                parts.method.as_str(),
                operation.path,
                operation.method.as_str(),
            ),
        );
        reply.allow = Some(operation.method.as_str());
        return reply;
    }
    let body = match body {
        BodyRead::Complete(body) => body,
        BodyRead::TooLarge { .. } => {
            return Reply::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                choices::payload_too_large_message(shared.max_body_bytes),
            );
        }
        BodyRead::Broken => {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            );
        }
    };
    match auth.outcome {
        AuthOutcome::Missing => {
            return Reply::error(StatusCode::UNAUTHORIZED, choices::missing_key_message());
        }
        AuthOutcome::Unknown => {
            return Reply::error(
                StatusCode::UNAUTHORIZED,
                choices::unknown_key_message(auth.quoted),
            );
        }
        AuthOutcome::Valid if !auth.permissions.allows(operation.permission) => {
            return Reply::error(
                StatusCode::FORBIDDEN,
                choices::missing_permission_message(operation.permission),
            );
        }
        AuthOutcome::Valid => {}
    }
    if quota.exceeded {
        return Reply::error(StatusCode::TOO_MANY_REQUESTS, choices::RATE_LIMITED_MESSAGE);
    }
    if operation.method == Method::POST {
        let content_type = parts.headers.get(CONTENT_TYPE);
        if !choices::is_json_content_type(content_type.map(|value| value.as_bytes())) {
            let found = content_type.map(|value| String::from_utf8_lossy(value.as_bytes()));
            return Reply::error(
                StatusCode::BAD_REQUEST,
                choices::wrong_content_type_message(found.as_deref()),
            );
        }
    }
    operations::run(
        shared,
        operation,
        &body,
        parts.uri.path(),
        parts.uri.query(),
        received_at,
    )
}

/// Reads the body up to `max` bytes. Past that, the rest is read and thrown away (up to
/// [`choices::MAX_DRAINED_BYTES`]) so that the client, still sending, gets to read the 413.
async fn read_body(body: Body, headers: &HeaderMap, max: usize) -> BodyRead {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|declared| declared > choices::MAX_DRAINED_BYTES as u64) {
        return BodyRead::TooLarge { received_bytes: 0 };
    }
    let mut too_large = declared.is_some_and(|declared| declared > max as u64);
    let mut chunks = body.into_data_stream();
    // Most bodies arrive in one chunk, kept as is; only a body in pieces is copied.
    let mut single: Option<Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    let mut received = 0usize;
    while let Some(chunk) = chunks.next().await {
        let Ok(chunk) = chunk else {
            return BodyRead::Broken;
        };
        received = received.saturating_add(chunk.len());
        if too_large || received > max {
            too_large = true;
            single = None;
            joined = Vec::new();
            if received > choices::MAX_DRAINED_BYTES {
                break;
            }
            continue;
        }
        match single.take() {
            None if joined.is_empty() => single = Some(chunk),
            Some(first) => {
                joined.extend_from_slice(&first);
                joined.extend_from_slice(&chunk);
            }
            None => joined.extend_from_slice(&chunk),
        }
    }
    if too_large {
        return BodyRead::TooLarge {
            received_bytes: received,
        };
    }
    BodyRead::Complete(match single {
        Some(body) => body,
        None => Bytes::from(joined),
    })
}

/// One request on its way to an answer: where its answer is logged, and the handle to cut
/// its connection.
struct Exchange {
    shared: Arc<Shared>,
    quota: Quota,
    entry: Option<RecordedRequest>,
    connection: Option<ConnectionHandle>,
}

impl Exchange {
    /// Logs the request's end; only the first call counts.
    fn log(&mut self, status: Option<StatusCode>) {
        self.log_with(status, Vec::new());
    }

    fn log_with(&mut self, status: Option<StatusCode>, silent_failures: Vec<AudienceProblem>) {
        if let Some(mut entry) = self.entry.take() {
            entry.status = status.map(|status| status.as_u16());
            entry.silent_failures = silent_failures;
            self.shared.log.push(entry);
        }
    }

    fn respond(&mut self, mut reply: Reply) -> Response {
        let silent_failures = std::mem::take(&mut reply.silent_failures);
        self.log_with(Some(reply.status), silent_failures);
        reply.into_response(self.quota)
    }

    fn respond_injected(&mut self, reply: Reply) -> Response {
        if reply.status == StatusCode::TOO_MANY_REQUESTS
            && choices::INJECTED_429_REPORTS_NO_REMAINING
        {
            self.quota.remaining = 0;
        }
        self.respond(reply)
    }

    async fn cut(&mut self, how: Severance) -> Response {
        self.log(None);
        match self.connection.clone() {
            Some(connection) => connection.sever_and_hang(how).await,
            // Every connection of the server carries a handle; this is for a router
            // driven some other way.
            None => Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "this connection cannot be cut",
            )
            .into_response(self.quota),
        }
    }

    /// Waits; `Some` when the request is then dropped (see
    /// [`choices::DELAYED_REQUESTS_ARE_DROPPED`]).
    async fn wait(&mut self, delay: Duration) -> Option<Response> {
        if choices::DELAYED_REQUESTS_ARE_DROPPED {
            // Logged now: the client will have given up long before.
            self.log(None);
            tokio::time::sleep(delay).await;
            Some(self.cut(Severance::Close).await)
        } else {
            tokio::time::sleep(delay).await;
            None
        }
    }

    /// Holds the answer of an operation that was applied, then drops the connection
    /// without sending it ([`crate::Fault::Hang`]).
    async fn withhold(&mut self, hold: Duration, mut reply: Reply) -> Response {
        // Logged now, with the status of the answer withheld (what the fake did; the
        // `fault` says it was never sent): the client will have given up, and the
        // connection may be gone (taking this future with it) before the hold ends.
        let silent_failures = std::mem::take(&mut reply.silent_failures);
        self.log_with(Some(reply.status), silent_failures);
        tokio::time::sleep(hold).await;
        self.cut(Severance::Close).await
    }

    /// Applies a fault before processing; `None` lets the request go on.
    async fn before_processing(&mut self, effect: FaultEffect) -> Option<Response> {
        match effect {
            FaultEffect::Answer(reply) => Some(self.respond_injected(reply)),
            FaultEffect::Wait(delay) => self.wait(delay).await,
            FaultEffect::Sever(how) => Some(self.cut(how).await),
            // Nothing to corrupt or withhold yet; the caller applies it after processing.
            FaultEffect::Corrupt(_) | FaultEffect::Withhold(_) => None,
        }
    }

    /// Applies a fault to the operation's answer.
    async fn after_processing(&mut self, effect: FaultEffect, reply: Reply) -> Response {
        match effect {
            FaultEffect::Answer(injected) => self.respond_injected(injected),
            FaultEffect::Wait(delay) => match self.wait(delay).await {
                Some(response) => response,
                None => self.respond(reply),
            },
            FaultEffect::Sever(how) => self.cut(how).await,
            FaultEffect::Withhold(hold) => self.withhold(hold, reply).await,
            FaultEffect::Corrupt(Corruption::Malform) => self.respond(malform(reply)),
            FaultEffect::Corrupt(Corruption::Truncate) => match self.connection.clone() {
                Some(connection) => {
                    self.log(Some(reply.status));
                    truncate(reply, self.quota, connection)
                }
                None => self.respond(malform(reply)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation of the spec is served, with a method the fake handles.
    #[test]
    fn every_operation_has_a_method_the_fake_serves() {
        for spec in OPERATIONS {
            assert!(
                [Method::GET, Method::POST].contains(&spec.method),
                "{}",
                spec.id
            );
            assert!(spec.path.starts_with('/'), "{}", spec.id);
        }
    }
}
