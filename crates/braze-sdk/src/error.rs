//! The one error type, and how the generated client's errors map onto it.

use std::fmt;
use std::time::SystemTime;

use braze_api::call::{CallRecord, Delivery};
use braze_api::operations::{OperationSpec, Permission};
use braze_api::rate_limit::RateLimit;
use braze_api::retry::{self, Attempt, Idempotency};
use braze_api::types;
use http::StatusCode;
use serde_json::Value;

/// What went wrong with a call. Every variant says what to do about it where it can:
/// see [`Error::hint`], which [`Display`](fmt::Display) includes (without the part that
/// depends on the clock, "in 3min").
///
/// The API key never appears in an error, its `Debug` or its `Display`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request was refused before anything was sent.
    InvalidRequest {
        /// The field at fault, as it appears in the JSON body (e.g. `recipients[3]`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The client could not be built (bad endpoint, missing or malformed key, ...).
    Config(String),
    /// Braze (or a proxy in front of it) answered with an error status.
    Api(Box<ApiError>),
    /// No answer: the connection failed, timed out or broke.
    Transport(Box<TransportError>),
    /// An answer came, but its body could not be read as expected.
    Decode(Box<DecodeError>),
}

// Written by hand rather than derived: a derive macro crate in every user's build for
// five arms. The last three are transparent: the inner error's text and source.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest { field, reason } => {
                write!(f, "invalid request: `{field}` {reason}")
            }
            Error::Config(message) => write!(f, "invalid configuration: {message}"),
            Error::Api(error) => fmt::Display::fmt(error, f),
            Error::Transport(error) => fmt::Display::fmt(error, f),
            Error::Decode(error) => fmt::Display::fmt(error, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::InvalidRequest { .. } | Error::Config(_) => None,
            Error::Api(error) => std::error::Error::source(&**error),
            Error::Transport(error) => std::error::Error::source(&**error),
            Error::Decode(error) => std::error::Error::source(&**error),
        }
    }
}

/// Braze answered with an error status.
#[derive(Debug)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation, e.g. `delete_campaign_schedule` (`raw`, or the name given, for a
    /// [`RawRequest`](crate::RawRequest)).
    pub operation: &'static str,
    /// What the spec says of the operation (its permission, whether a repeat is safe);
    /// `None` for a raw request.
    pub spec: Option<&'static OperationSpec>,
    /// The HTTP status.
    pub status: StatusCode,
    /// Braze's `message`, e.g. `Invalid Campaign ID`.
    pub message: Option<String>,
    /// Braze's `errors`: further details, usually strings.
    pub errors: Vec<Value>,
    /// The start of the body when it was not Braze's JSON (an HTML page from a proxy).
    pub body_snippet: Option<String>,
    /// The rate-limit figures of the answer.
    pub rate_limit: Option<RateLimit>,
    /// Attempts made.
    pub attempts: u32,
    /// How far the call got (a retried call keeps its furthest attempt).
    pub delivery: Delivery,
    /// The body field that made this request safe to repeat, when the request set it: the
    /// transactional send's `external_send_id` (Braze sends once per value within 24
    /// hours, so a repeat with the same value is safe).
    pub idempotency_key: Option<&'static str>,
}

/// No usable answer: the connection failed, timed out or broke.
#[derive(Debug)]
#[non_exhaustive]
pub struct TransportError {
    /// The operation.
    pub operation: &'static str,
    /// What the spec says of it; `None` for a raw request.
    pub spec: Option<&'static OperationSpec>,
    /// What kind of failure.
    pub kind: TransportKind,
    /// Attempts made.
    pub attempts: u32,
    /// How far the call got.
    pub delivery: Delivery,
    /// The rate-limit figures of the last answer, if an earlier attempt got one.
    pub rate_limit: Option<RateLimit>,
    /// The body field that made this request safe to repeat, when the request set it: the
    /// transactional send's `external_send_id` (Braze sends once per value within 24
    /// hours, so a repeat with the same value is safe).
    pub idempotency_key: Option<&'static str>,
    source: reqwest::Error,
}

/// The kinds of [`TransportError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be made: the request did not leave this machine.
    Connect,
    /// No answer in time.
    Timeout,
    /// Anything else: a reset connection, a protocol error.
    Other,
}

/// An answer came but its body could not be read as expected.
#[derive(Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation.
    pub operation: &'static str,
    /// What the spec says of it; `None` for a raw request.
    pub spec: Option<&'static OperationSpec>,
    /// The HTTP status of the answer.
    pub status: StatusCode,
    /// Why the body could not be read.
    pub reason: String,
    /// The start of the body, when there was one.
    pub body_snippet: Option<String>,
    /// The rate-limit figures of the answer.
    pub rate_limit: Option<RateLimit>,
    /// Attempts made.
    pub attempts: u32,
    /// How far the call got; [`Delivery::Accepted`] for a 2xx answer.
    pub delivery: Delivery,
}

/// A broken rule of Braze's ([`braze_api::rules`]): [`Error::InvalidRequest`] naming its
/// path.
impl From<braze_api::rules::Problem> for Error {
    fn from(problem: braze_api::rules::Problem) -> Self {
        Self::invalid(problem.path, problem.detail)
    }
}

/// The longest body snippet kept in an error, in characters.
const SNIPPET_CHARS: usize = 200;

impl Error {
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::Config(message.into())
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidRequest {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A body the generated builder refused.
    pub(crate) fn conversion(error: types::error::ConversionError) -> Self {
        Self::invalid("body", error.to_string())
    }

    /// A short machine-readable name for the variant, for logs and JSON output:
    /// `invalid_request`, `config`, `api`, `transport` or `decode`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidRequest { .. } => "invalid_request",
            Self::Config(_) => "config",
            Self::Api(_) => "api",
            Self::Transport(_) => "transport",
            Self::Decode(_) => "decode",
        }
    }

    /// The HTTP status of Braze's answer, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// Braze's `message`, if it sent one.
    pub fn braze_message(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.message.as_deref(),
            _ => None,
        }
    }

    /// Braze's `errors`, if it sent any.
    pub fn braze_errors(&self) -> &[Value] {
        match self {
            Self::Api(e) => &e.errors,
            _ => &[],
        }
    }

    /// The rate-limit figures of the last answer, if any.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        match self {
            Self::Api(e) => e.rate_limit,
            Self::Transport(e) => e.rate_limit,
            Self::Decode(e) => e.rate_limit,
            _ => None,
        }
    }

    /// Attempts made (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Api(e) => e.attempts,
            Self::Transport(e) => e.attempts,
            Self::Decode(e) => e.attempts,
            _ => 0,
        }
    }

    /// How far the call got. `NotSent` and `Refused` mean it had no effect; `Uncertain`
    /// means it may have been applied (check before repeating a create or a send; the
    /// [hint](Self::hint) says what); `Accepted` means
    /// Braze took it even though its answer could not be read.
    pub fn delivery(&self) -> Delivery {
        match self {
            Self::Api(e) => e.delivery,
            Self::Transport(e) => e.delivery,
            Self::Decode(e) => e.delivery,
            _ => Delivery::NotSent,
        }
    }

    /// Whether the request may have reached Braze.
    pub fn may_have_reached_braze(&self) -> bool {
        self.delivery() != Delivery::NotSent
    }

    /// The operation that failed, when a request was made.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Self::Api(e) => Some(e.operation),
            Self::Transport(e) => Some(e.operation),
            Self::Decode(e) => Some(e.operation),
            _ => None,
        }
    }

    /// What the spec says of the operation that failed, when it is one of the spec's.
    pub fn spec(&self) -> Option<&'static OperationSpec> {
        match self {
            Self::Api(e) => e.spec,
            Self::Transport(e) => e.spec,
            Self::Decode(e) => e.spec,
            _ => None,
        }
    }

    /// Whether trying again later may succeed: transport failures and the statuses the
    /// retry policy retries for an update or delete (408, 429, 500, 502, 503, 504). (The
    /// client has already retried what its policy allows.) Whether a repeat is *safe* is
    /// another matter: see [`Error::delivery`].
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(e) => {
                retry::classify(Idempotency::Idempotent, Attempt::Status(e.status)).is_some()
            }
            Self::Transport(_) => true,
            _ => false,
        }
    }

    /// What to do about it, where something useful can be said. A 429's hint says when
    /// the window resets and how long that is from now.
    pub fn hint(&self) -> Option<String> {
        let now = Some(SystemTime::now());
        match self {
            Self::Api(e) => e.hint(now),
            Self::Transport(e) => Some(e.hint()),
            Self::Decode(e) => e.hint(),
            _ => None,
        }
    }

    /// Notes that the request set its operation's idempotency key (`key`, the field's
    /// name), so that the error says a repeat with the same value is safe.
    pub(crate) fn with_idempotency_key(mut self, key: &'static str) -> Self {
        match &mut self {
            Self::Api(e) => e.idempotency_key = Some(key),
            Self::Transport(e) => e.idempotency_key = Some(key),
            _ => {}
        }
        self
    }

    /// Maps the generated client's error, with the call's record, onto [`Error`].
    pub(crate) fn from_parts(
        operation: &'static str,
        spec: Option<&'static OperationSpec>,
        error: braze_api::Error<types::ApiError>,
        record: CallRecord,
    ) -> Self {
        use braze_api::Error as Generated;
        let status = record.status;
        let decode = |reason: String, body: Option<&[u8]>, status: StatusCode| {
            Self::Decode(Box::new(DecodeError {
                operation,
                spec,
                status,
                reason,
                body_snippet: body.and_then(snippet),
                rate_limit: record.rate_limit,
                attempts: record.attempts,
                delivery: record.delivery,
            }))
        };
        let api = |status: StatusCode, rate_limit: Option<RateLimit>| ApiError {
            operation,
            spec,
            status,
            message: None,
            errors: Vec::new(),
            body_snippet: None,
            rate_limit: rate_limit.or(record.rate_limit),
            attempts: record.attempts,
            delivery: record.delivery,
            idempotency_key: None,
        };
        match error {
            Generated::InvalidRequest(reason) => Self::invalid("body", reason),
            Generated::ErrorResponse(answer) => {
                let mut error = api(answer.status(), RateLimit::from_headers(answer.headers()));
                let body = answer.into_inner();
                error.message = body.message;
                error.errors = body.errors.map(|e| e.0).unwrap_or_default();
                Self::Api(Box::new(error))
            }
            Generated::InvalidResponsePayload(bytes, parse_error) => match status {
                Some(status) if !status.is_success() => Self::Api(Box::new(ApiError {
                    body_snippet: snippet(&bytes).or_else(|| Some("(empty body)".into())),
                    ..api(status, None)
                })),
                _ => decode(
                    format!("the body is not the expected JSON ({parse_error})"),
                    Some(&bytes),
                    status.unwrap_or(StatusCode::OK),
                ),
            },
            Generated::ResponseBodyError(source) => {
                let reason = match record.body_limit_exceeded {
                    Some(limit) => {
                        format!("the body is over the {limit}-byte limit and was refused")
                    }
                    None => format!("the body could not be read: {}", error_chain(&source)),
                };
                match status {
                    Some(status) => decode(reason, None, status),
                    None => Self::transport(operation, spec, source, record),
                }
            }
            Generated::UnexpectedResponse(response) => Self::Api(Box::new(api(
                response.status(),
                RateLimit::from_headers(response.headers()),
            ))),
            Generated::CommunicationError(source) | Generated::InvalidUpgrade(source) => {
                Self::transport(operation, spec, source, record)
            }
            Generated::Custom(reason) => decode(reason, None, status.unwrap_or(StatusCode::OK)),
        }
    }

    fn transport(
        operation: &'static str,
        spec: Option<&'static OperationSpec>,
        source: reqwest::Error,
        record: CallRecord,
    ) -> Self {
        let kind = if source.is_connect() {
            TransportKind::Connect
        } else if source.is_timeout() {
            TransportKind::Timeout
        } else {
            TransportKind::Other
        };
        Self::Transport(Box::new(TransportError {
            operation,
            spec,
            kind,
            attempts: record.attempts,
            delivery: record.delivery,
            rate_limit: record.rate_limit,
            idempotency_key: None,
            source,
        }))
    }
}

impl ApiError {
    /// The API-key permission the operation needs, when it is one of the spec's
    /// (`Permission::as_str` gives Braze's name for it).
    pub fn permission(&self) -> Option<Permission> {
        self.spec.map(|spec| spec.permission)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: Braze answered {}", self.operation, self.status)?;
        match (&self.message, &self.body_snippet) {
            (Some(message), _) => write!(f, ": {message:?}")?,
            (None, Some(snippet)) => write!(f, " with a non-JSON body: {snippet:?}")?,
            (None, None) => {}
        }
        if !self.errors.is_empty() {
            write!(f, " ({} further error(s))", self.errors.len())?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        // Without the clock: the same error prints the same way a minute later.
        if let Some(hint) = self.hint(None) {
            write!(f, "; hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportKind::Connect => "could not connect to Braze",
            TransportKind::Timeout => "Braze did not answer in time",
            TransportKind::Other => "the connection to Braze failed",
        };
        write!(f, "{}: {what}", self.operation)?;
        if self.attempts > 1 {
            write!(f, " ({} attempts)", self.attempts)?;
        }
        write!(f, ": {}; hint: {}", error_chain(&self.source), self.hint())
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: Braze answered {} but {}",
            self.operation, self.status, self.reason
        )?;
        if let Some(snippet) = &self.body_snippet {
            write!(f, "; body starts {snippet:?}")?;
        }
        if let Some(hint) = self.hint() {
            write!(f, "; hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

/// The start of a body, as readable text: lossy UTF-8, whitespace runs collapsed, cut at
/// [`SNIPPET_CHARS`] characters. `None` for an empty body.
pub(crate) fn snippet(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() > SNIPPET_CHARS {
            break;
        }
    }
    if out.chars().count() > SNIPPET_CHARS {
        out = out.chars().take(SNIPPET_CHARS).collect::<String>() + "…";
    }
    (!out.is_empty()).then_some(out)
}

/// An error and its sources on one line (reqwest's own message is often just
/// "error sending request").
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_short_single_line_text() {
        let html = b"<html>\n  <head><title>502 Bad Gateway</title></head>\n<body>\n</body></html>";
        assert_eq!(
            snippet(html).unwrap(),
            "<html> <head><title>502 Bad Gateway</title></head> <body> </body></html>"
        );
        let long = "x".repeat(1_000);
        let cut = snippet(long.as_bytes()).unwrap();
        assert_eq!(cut.chars().count(), SNIPPET_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(snippet(b"  \n "), None);
        assert!(snippet(&[0xff, 0xfe, b'a']).unwrap().ends_with('a'));
    }
}
