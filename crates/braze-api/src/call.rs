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

tokio::task_local! {
    static CALL: RefCell<CallRecord>;
}

/// How far a call got, as far as its effect on Braze is concerned. Ordered: a call's
/// record keeps the furthest point any of its attempts reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
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
    CALL.scope(RefCell::new(CallRecord::default()), async {
        let output = call.await;
        let record = CALL.with(|record| record.take());
        (output, record)
    })
    .await
}

/// Updates the current call's record, if the call is being recorded.
pub(crate) fn update(f: impl FnOnce(&mut CallRecord)) {
    let _ = CALL.try_with(|record| f(&mut record.borrow_mut()));
}

impl CallRecord {
    pub(crate) fn note_delivery(&mut self, delivery: Delivery) {
        self.delivery = self.delivery.max(delivery);
    }
}

impl Delivery {
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
