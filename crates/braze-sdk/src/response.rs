//! A successful answer: the parsed body with the facts around it.

use std::ops::Deref;

use braze_api::call::CallRecord;
use braze_api::rate_limit::RateLimit;
use braze_api::types;
use http::StatusCode;
use serde_json::Value;

/// A successful (2xx) answer: the parsed body, the status, the rate-limit figures and the
/// number of attempts it took. Derefs to the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    body: T,
    status: StatusCode,
    rate_limit: Option<RateLimit>,
    attempts: u32,
    rate_limited: u32,
}

impl<T> Response<T> {
    pub(crate) fn new(answer: braze_api::ResponseValue<T>, record: &CallRecord) -> Self {
        let status = answer.status();
        // The hooks read the figures of this very answer into the record.
        let rate_limit = record
            .rate_limit
            .or_else(|| RateLimit::from_headers(answer.headers()));
        Self {
            body: answer.into_inner(),
            status,
            rate_limit,
            attempts: record.attempts.max(1),
            rate_limited: record.rate_limited,
        }
    }

    /// The parsed body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// Gives back the parsed body.
    pub fn into_body(self) -> T {
        self.body
    }

    /// The HTTP status (any 2xx: Braze answers 201 on some endpoints).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// `x-ratelimit-limit`, `-remaining` and `-reset`, when Braze sent them.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// Attempts it took (1 unless retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Attempts that Braze refused for the rate limit (429) before this answer; the
    /// retries absorbed them.
    pub fn rate_limited(&self) -> u32 {
        self.rate_limited
    }
}

impl<T> Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
    }
}

/// Bodies that carry Braze's `message` and non-fatal `errors`.
pub trait BrazeMessage: private::Sealed {
    /// Braze's `message`, usually `success`.
    fn message(&self) -> Option<&str>;
    /// Braze's non-fatal `errors`: problems that did not stop the request.
    fn errors(&self) -> &[Value];
}

/// `BrazeMessage` for answer types with Braze's optional `message` and `errors` fields,
/// and the seal that goes with it.
macro_rules! braze_message {
    ($($answer:ident),* $(,)?) => {$(
        impl BrazeMessage for types::$answer {
            fn message(&self) -> Option<&str> {
                self.message.as_deref()
            }

            fn errors(&self) -> &[Value] {
                self.errors.as_ref().map_or(&[], |e| &e.0)
            }
        }

        impl private::Sealed for types::$answer {}
    )*};
}

braze_message!(
    MessageResponse,
    ScheduleCreateResponse,
    SendResponse,
    SendIdCreateResponse,
    TransactionalSendResponse,
);

/// The answer of a send ([`SendMessages`](crate::SendMessages),
/// [`TriggerCampaignSend`](crate::TriggerCampaignSend),
/// [`TriggerCanvasSend`](crate::TriggerCanvasSend)).
impl Response<types::SendResponse> {
    /// Braze's `notice`: why **nothing was sent** although Braze answered success (a
    /// paused or archived Canvas or campaign answers 201 `"success"` with a notice). Check
    /// it after every send; the SDK also logs it as a `tracing` warning.
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// use braze_sdk::Recipient;
    ///
    /// let sent = client
    ///     .trigger_canvas_send("canvas_identifier")
    ///     .recipient(Recipient::external_user_id("user-42"))
    ///     .await?;
    /// if let Some(notice) = sent.notice() {
    ///     eprintln!("Braze sent nothing: {notice}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn notice(&self) -> Option<&str> {
        self.body.notice.as_deref().filter(|n| !n.trim().is_empty())
    }

    /// The dispatch's identifier (one per request), when Braze gave one.
    pub fn dispatch_id(&self) -> Option<&str> {
        self.body.dispatch_id.as_deref()
    }
}

impl<T: BrazeMessage> Response<T> {
    /// Braze's `message`, usually `success`.
    pub fn message(&self) -> Option<&str> {
        self.body.message()
    }

    /// Braze's non-fatal `errors`: the request succeeded, but these parts of it had
    /// problems. Usually strings.
    pub fn errors(&self) -> &[Value] {
        self.body.errors()
    }
}

mod private {
    pub trait Sealed {}
}
