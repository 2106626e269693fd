//! What each fault looks like from the client's side of the wire.

use std::convert::Infallible;
use std::task::Poll;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures_util::{StreamExt, stream};
use http::StatusCode;
use http::header::CONTENT_LENGTH;

use super::Fault;
use crate::choices;
use crate::connection::{ConnectionHandle, Severance};
use crate::rate_limit::Quota;
use crate::reply::Reply;

/// What a fault does to its request.
#[derive(Debug)]
pub(crate) enum FaultEffect {
    /// Answer this (instead of the operation's answer).
    Answer(Reply),
    /// Hold the request this long.
    Wait(Duration),
    /// Cut the connection without an answer.
    Sever(Severance),
    /// Corrupt the operation's answer.
    Corrupt(Corruption),
    /// Let the operation happen, hold its answer this long, then cut the connection
    /// without sending it.
    Withhold(Duration),
}

/// How an answer is corrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Corruption {
    /// Half the body under the full `Content-Length`, then the connection closes.
    Truncate,
    /// Half the body under a matching `Content-Length`: a complete answer that is not JSON.
    Malform,
}

impl FaultEffect {
    /// Whether the effect needs the operation's answer (to corrupt or withhold it), so
    /// that it can only strike after processing, whatever its stage.
    pub(crate) fn needs_the_answer(&self) -> bool {
        matches!(self, FaultEffect::Corrupt(_) | FaultEffect::Withhold(_))
    }
}

impl Fault {
    pub(crate) fn effect(&self) -> FaultEffect {
        match self {
            Fault::Status(code) => {
                let status = status_or_500(*code);
                FaultEffect::Answer(Reply::error(
                    status,
                    choices::injected_error_message(status),
                ))
            }
            Fault::Html(code) => {
                let status = status_or_500(*code);
                FaultEffect::Answer(Reply::html(status, choices::html_error_page(status)))
            }
            Fault::Delay(duration) => FaultEffect::Wait(*duration),
            Fault::Close => FaultEffect::Sever(Severance::Close),
            Fault::Reset => FaultEffect::Sever(Severance::Reset),
            Fault::Truncated => FaultEffect::Corrupt(Corruption::Truncate),
            Fault::Malformed => FaultEffect::Corrupt(Corruption::Malform),
            Fault::Hang(duration) => FaultEffect::Withhold(*duration),
        }
    }
}

fn status_or_500(code: u16) -> StatusCode {
    match StatusCode::from_u16(code) {
        Ok(status) if (200..=599).contains(&code) => status,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The first half of a body. Every answer is one JSON object, and no strict prefix of an
/// object is valid JSON, so the half never parses.
fn first_half(body: &Bytes) -> Bytes {
    if body.len() < 2 {
        return Bytes::from_static(b"{");
    }
    body.slice(..body.len() / 2)
}

/// The answer with half its body and a matching `Content-Length`.
pub(crate) fn malform(mut reply: Reply) -> Reply {
    reply.body = first_half(&reply.body);
    reply
}

/// The answer's headers with the full `Content-Length`, then half the body, then the
/// connection closes.
pub(crate) fn truncate(reply: Reply, quota: Quota, connection: ConnectionHandle) -> Response {
    let declared = reply.body.len().max(2);
    let half = first_half(&reply.body);
    let mut response = Reply {
        body: Bytes::new(),
        ..reply
    }
    .into_response(quota);
    // hyper writes the half, then polls the body again and finds it pending; by then the
    // half has been flushed to the socket, and the connection is cut.
    let rest = stream::poll_fn(move |_| {
        connection.sever(Severance::Close);
        Poll::<Option<Result<Bytes, Infallible>>>::Pending
    });
    let body = stream::once(async move { Ok::<_, Infallible>(half) }).chain(rest);
    *response.body_mut() = Body::from_stream(body);
    response
        .headers_mut()
        .insert(CONTENT_LENGTH, http::HeaderValue::from(declared));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_answer_is_not_json() {
        for body in [
            r#"{"message":"success"}"#,
            r#"{"dispatch_id":"d","schedule_id":"s","message":"success"}"#,
            "{}",
        ] {
            let reply = malform(Reply {
                status: StatusCode::OK,
                body: Bytes::from(body),
                content_type: crate::reply::JSON,
                allow: None,
                silent_failures: Vec::new(),
            });
            assert!(serde_json::from_slice::<serde_json::Value>(&reply.body).is_err());
            assert!(!reply.body.is_empty());
        }
    }

    #[test]
    fn odd_statuses_become_500() {
        assert_eq!(status_or_500(42), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(status_or_500(700), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(status_or_500(503), StatusCode::SERVICE_UNAVAILABLE);
    }
}
