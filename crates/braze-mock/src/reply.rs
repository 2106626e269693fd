//! Answers before they become HTTP responses: status, body and content type, kept apart so
//! that an after-processing fault can still corrupt the body, and so that every response
//! gets the rate-limit headers in one place.

use axum::body::Body;
use axum::response::Response;
use braze_api::audience::AudienceProblem;
use braze_api::types::ApiError;
use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

use crate::rate_limit::Quota;

pub(crate) const JSON: &str = "application/json";
pub(crate) const HTML: &str = "text/html; charset=utf-8";

/// `{"message":"success"}`, Braze's generic acceptance (Braze "API errors and responses").
/// Kept as bytes because deletes, the hot path of the benchmarks, answer it.
const SUCCESS_BODY: &[u8] = br#"{"message":"success"}"#;

static RATE_LIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static RATE_LIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
static RATE_LIMIT_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// An answer, not yet a response.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    pub(crate) content_type: &'static str,
    /// The `Allow` header of a 405.
    pub(crate) allow: Option<&'static str>,
    /// For the request log: what Braze would fail after this 2xx
    /// ([`crate::RecordedRequest::silent_failures`]).
    pub(crate) silent_failures: Vec<AudienceProblem>,
}

impl Reply {
    /// A JSON body.
    pub(crate) fn json(status: StatusCode, value: &impl Serialize) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self::with_body(status, Bytes::from(body), JSON),
            // Only maps with non-string keys fail to serialize, and none are sent.
            Err(error) => Self::with_body(
                StatusCode::INTERNAL_SERVER_ERROR,
                Bytes::from(format!(
                    r#"{{"message":"cannot write the answer: {error}"}}"#
                )),
                JSON,
            ),
        }
    }

    /// A Braze error body, `{"message": "..."}`.
    pub(crate) fn error(status: StatusCode, message: impl Into<String>) -> Self {
        Self::json(
            status,
            &ApiError {
                message: Some(message.into()),
                errors: None,
            },
        )
    }

    /// `{"message":"success"}`.
    pub(crate) fn success(status: StatusCode) -> Self {
        Self::with_body(status, Bytes::from_static(SUCCESS_BODY), JSON)
    }

    /// An HTML page.
    pub(crate) fn html(status: StatusCode, page: String) -> Self {
        Self::with_body(status, Bytes::from(page), HTML)
    }

    fn with_body(status: StatusCode, body: Bytes, content_type: &'static str) -> Self {
        Self {
            status,
            body,
            content_type,
            allow: None,
            silent_failures: Vec::new(),
        }
    }

    /// The response, with the rate-limit headers of `quota`.
    pub(crate) fn into_response(self, quota: Quota) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        if let Some(allow) = self.allow {
            headers.insert(ALLOW, HeaderValue::from_static(allow));
        }
        add_rate_limit_headers(headers, quota);
        response
    }
}

/// `x-ratelimit-limit`, `-remaining` and `-reset`, lowercase as Braze sends them.
pub(crate) fn add_rate_limit_headers(headers: &mut HeaderMap, quota: Quota) {
    headers.insert(RATE_LIMIT_LIMIT.clone(), HeaderValue::from(quota.limit));
    headers.insert(
        RATE_LIMIT_REMAINING.clone(),
        HeaderValue::from(quota.remaining),
    );
    headers.insert(RATE_LIMIT_RESET.clone(), HeaderValue::from(quota.reset));
}

#[cfg(test)]
mod tests {
    use super::*;
    use braze_api::types::MessageResponse;

    #[test]
    fn the_success_body_is_what_the_generated_type_writes() {
        let generated = MessageResponse {
            message: Some("success".into()),
            errors: None,
        };
        assert_eq!(serde_json::to_vec(&generated).unwrap(), SUCCESS_BODY);
    }

    #[test]
    fn responses_carry_the_rate_limit_headers() {
        let quota = Quota {
            limit: 10,
            remaining: 3,
            reset: 1_700_000_000,
            exceeded: false,
        };
        let response = Reply::error(StatusCode::BAD_REQUEST, "nope").into_response(quota);
        let headers = response.headers();
        assert_eq!(headers["x-ratelimit-limit"], "10");
        assert_eq!(headers["x-ratelimit-remaining"], "3");
        assert_eq!(headers["x-ratelimit-reset"], "1700000000");
        assert_eq!(headers[CONTENT_TYPE], JSON);
    }
}
