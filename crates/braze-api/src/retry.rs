//! When a failed attempt is tried again, and how long to wait first.
//!
//! Braze has no idempotency key, so the rule depends on the operation:
//!
//! * **idempotent** operations (update, delete, list) are retried on connect errors,
//!   timeouts and other transport errors, and on 408, 429, 500, 502, 503 and 504;
//! * **non-idempotent** ones (the two creates) only when the request provably never
//!   reached Braze (the connection was never made) or on 429 (Braze refused it unread):
//!   repeating a create that Braze may have processed could schedule the send twice.
//!
//! 429s wait for the rate-limit window to reset (see [`crate::rate_limit::retry_after`]);
//! everything else backs off exponentially with jitter. All waits come out of one time
//! budget per call.

use std::time::Duration;

use http::StatusCode;

/// Whether repeating a request after it may have reached Braze is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// A repeat has the same effect as one request (update, delete, list).
    Idempotent,
    /// A repeat can act twice (create): retried only when it cannot have reached Braze.
    NotIdempotent,
}

/// The idempotency of an operation, by its `operationId`, as the spec's
/// `x-braze-idempotent` says. Unknown operations are not idempotent, the safe default.
pub fn idempotency_of(operation_id: &str) -> Idempotency {
    match crate::operations::find(operation_id) {
        Some(op) if op.idempotent => Idempotency::Idempotent,
        _ => Idempotency::NotIdempotent,
    }
}

/// How hard to try. The default: up to 5 attempts within 2 minutes, backing off from
/// 250 ms to at most 10 s, and waiting at most 60 s for a rate-limit window to reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included. `1` disables retries.
    pub max_attempts: u32,
    /// The backoff before the first retry; it doubles each time, with jitter.
    pub initial_backoff: Duration,
    /// The longest single backoff.
    pub max_backoff: Duration,
    /// The longest time one call may take, all attempts and waits included; a retry that
    /// would end later is not made.
    pub budget: Duration,
    /// The longest wait for a rate-limit window to reset, both after a 429 and before
    /// sending when the window is known to be spent. A longer wait is not made: the 429
    /// is returned, with the reset time.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            budget: Duration::from_secs(120),
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt only; rate-limit pacing still applies.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The backoff before retry number `retry` (1 for the first retry): exponential, capped,
    /// with "equal jitter" (half fixed, half random) so that a crowd of clients spreads
    /// out while each still waits a useful minimum.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let capped = exp.min(self.max_backoff);
        let half = capped / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// What one attempt came to, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// An HTTP response with this status.
    Status(StatusCode),
    /// The connection was never established (refused, DNS, TLS handshake): the request
    /// did not leave the machine.
    NotConnected,
    /// The request may have been sent: timeout, reset connection, broken body.
    Interrupted,
}

/// Why an attempt is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryReason {
    /// 429: wait for the window to reset.
    RateLimited,
    /// Anything else retryable: back off.
    Transient,
}

/// Whether an attempt should be repeated, for an operation of the given idempotency.
pub fn classify(idempotency: Idempotency, attempt: Attempt) -> Option<RetryReason> {
    match attempt {
        Attempt::Status(StatusCode::TOO_MANY_REQUESTS) => Some(RetryReason::RateLimited),
        Attempt::NotConnected => Some(RetryReason::Transient),
        _ if idempotency == Idempotency::NotIdempotent => None,
        Attempt::Interrupted => Some(RetryReason::Transient),
        Attempt::Status(status) => {
            matches!(status.as_u16(), 408 | 500 | 502 | 503 | 504).then_some(RetryReason::Transient)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RETRIED_STATUSES: [u16; 6] = [408, 500, 502, 503, 504, 429];

    #[test]
    fn idempotent_operations_retry_transport_errors_and_transient_statuses() {
        let idem = Idempotency::Idempotent;
        for code in RETRIED_STATUSES {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(classify(idem, Attempt::Status(status)).is_some(), "{code}");
        }
        for code in [200, 201, 400, 401, 403, 404, 413, 501] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(classify(idem, Attempt::Status(status)), None, "{code}");
        }
        assert!(classify(idem, Attempt::Interrupted).is_some());
        assert!(classify(idem, Attempt::NotConnected).is_some());
    }

    #[test]
    fn creates_retry_only_what_never_reached_braze() {
        let create = idempotency_of("create_campaign_schedule");
        assert_eq!(create, Idempotency::NotIdempotent);
        assert_eq!(idempotency_of("create_canvas_schedule"), create);
        assert_eq!(
            classify(create, Attempt::Status(StatusCode::TOO_MANY_REQUESTS)),
            Some(RetryReason::RateLimited)
        );
        assert_eq!(
            classify(create, Attempt::NotConnected),
            Some(RetryReason::Transient)
        );
        assert_eq!(classify(create, Attempt::Interrupted), None);
        for code in [408, 500, 502, 503, 504] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(classify(create, Attempt::Status(status)), None, "{code}");
        }
    }

    #[test]
    fn unknown_operations_are_not_idempotent() {
        assert_eq!(
            idempotency_of("delete_campaign_schedule"),
            Idempotency::Idempotent
        );
        assert_eq!(idempotency_of("something_new"), Idempotency::NotIdempotent);
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1_000),
            ..RetryPolicy::default()
        };
        for _ in 0..100 {
            let first = policy.backoff(1);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first));
            let third = policy.backoff(3);
            assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&third));
            let tenth = policy.backoff(10);
            assert!((Duration::from_millis(500)..=Duration::from_millis(1_000)).contains(&tenth));
            assert!(policy.backoff(u32::MAX) <= Duration::from_millis(1_000));
        }
    }
}
