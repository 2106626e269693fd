//! What happened during one call, across its attempts: read back by the caller even when
//! the generated code's error has lost it (a non-JSON error body, for instance, reaches the
//! caller as bytes without a status).
//!
//! The hooks write into a task-local record when the call runs inside [`recorded`];
//! outside it they record nothing and cost nothing.

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

use http::StatusCode;

use crate::rate_limit::RateLimit;
use crate::retry::Attempt;

tokio::task_local! {
    static CALL: RefCell<CallRecord>;
}

/// How far a call got, as far as its effect on Braze is concerned. Ordered: a call's
/// record keeps the furthest point any of its attempts reached. Serialized by its
/// [`as_str`](Delivery::as_str) name.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Nothing reached Braze: no attempt was made, or none could connect.
    #[default]
    NotSent,
    /// Braze (or a server in front of it) answered 4xx (or 3xx): refused, nothing was done.
    Refused,
    /// It may have been applied: a timeout or broken connection after sending, or a 5xx.
    Uncertain,
    /// Braze answered 2xx.
    Accepted,
}

/// The facts of one call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallRecord {
    /// The name the hooks sent it under (the `operationId` of a generated operation),
    /// once an attempt was made.
    pub operation: Option<&'static str>,
    /// Attempts made (0 if none was).
    pub attempts: u32,
    /// Attempts Braze refused for the rate limit (429), retried ones included.
    pub rate_limited: u32,
    /// The status of the last response, if any attempt got one.
    pub status: Option<StatusCode>,
    /// The rate-limit figures of the last response that had them.
    pub rate_limit: Option<RateLimit>,
    /// The furthest any attempt got.
    pub delivery: Delivery,
    /// Set when the last response's body was larger than this many bytes and was refused.
    pub body_limit_exceeded: Option<usize>,
    /// Time spent in the call, waits included.
    pub elapsed: Duration,
}

/// Runs `call` and returns its output with the record the hooks kept of it.
pub async fn recorded<F: Future>(call: F) -> (F::Output, CallRecord) {
    // The record is taken from the scope once the call is done, rather than read through
    // the task-local from inside it: one future less around the call.
    let mut scoped = std::pin::pin!(CALL.scope(RefCell::new(CallRecord::default()), call));
    let output = scoped.as_mut().await;
    let record = scoped.take_value().map(RefCell::into_inner);
    (output, record.unwrap_or_default())
}

/// Updates the current call's record, if the call is being recorded.
pub(crate) fn update(f: impl FnOnce(&mut CallRecord)) {
    let _ = CALL.try_with(|record| f(&mut record.borrow_mut()));
}

impl CallRecord {
    fn note_delivery(&mut self, delivery: Delivery) {
        self.delivery = self.delivery.max(delivery);
    }

    /// Takes in attempt `number` of `operation`, ended as `attempt`, with the answer's
    /// rate-limit figures and whether its body was refused for its size; `elapsed` is the
    /// time since the call began.
    pub(crate) fn note_attempt(
        &mut self,
        operation: &'static str,
        number: u32,
        attempt: Attempt,
        figures: Option<RateLimit>,
        body_limit_exceeded: Option<usize>,
        elapsed: Duration,
    ) {
        self.operation = Some(operation);
        self.attempts = number;
        self.elapsed = elapsed;
        self.body_limit_exceeded = body_limit_exceeded;
        match attempt {
            Attempt::Status(status) => {
                self.status = Some(status);
                self.note_delivery(Delivery::of_status(status));
                if status == StatusCode::TOO_MANY_REQUESTS {
                    self.rate_limited += 1;
                }
            }
            Attempt::Interrupted => self.note_delivery(Delivery::Uncertain),
            Attempt::NotConnected => self.note_delivery(Delivery::NotSent),
        }
        if figures.is_some() {
            self.rate_limit = figures;
        }
    }
}

impl Delivery {
    /// Its name in reports and JSON output: `not_sent`, `refused`, `uncertain`,
    /// `accepted`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotSent => "not_sent",
            Self::Refused => "refused",
            Self::Uncertain => "uncertain",
            Self::Accepted => "accepted",
        }
    }

    /// What an answer with this status says about the request's effect.
    pub fn of_status(status: StatusCode) -> Self {
        if status.is_success() {
            Self::Accepted
        } else if status.is_server_error() {
            Self::Uncertain
        } else {
            // 4xx, and 3xx: redirects are not followed, so the request went no further.
            Self::Refused
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_names_are_the_as_str_names() {
        for delivery in [
            Delivery::NotSent,
            Delivery::Refused,
            Delivery::Uncertain,
            Delivery::Accepted,
        ] {
            let json = serde_json::to_value(delivery).unwrap();
            assert_eq!(json, delivery.as_str());
            assert_eq!(serde_json::from_value::<Delivery>(json).unwrap(), delivery);
        }
    }
}
