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

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

// Declared with the operations (it is spec data, `x-braze-idempotent`), so that
// `operations` needs nothing from here; this path stays for users.
pub use crate::operations::Idempotency;
use crate::rate_limit::{RESET_MARGIN, retry_after};

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

/// What one attempt came to: everything [`next_wait`] decides from.
#[derive(Debug, Clone, Copy)]
pub struct AttemptOutcome<'a> {
    /// Which attempt it was, from 1.
    pub number: u32,
    /// How it ended.
    pub attempt: Attempt,
    /// The headers of the answer, if one came (a 429's `Retry-After` and reset).
    pub headers: Option<&'a HeaderMap>,
}

/// Whether to try again after `outcome`, and how long to wait first: `None` to stop. This
/// is the whole retry decision, apart from the I/O around it (the hooks' loop), so that it
/// can be tested case by case: the rule that keeps a create from being sent twice is here.
///
/// * The operation's [`classify`]cation says whether the attempt is worth repeating.
/// * A 429 waits for what the answer asks (`Retry-After`, else the window's reset) plus
///   a margin of 20 ms; a longer wait than `max_rate_limit_wait` is not made. A 429 that
///   asks nothing backs off like the rest.
/// * Everything else backs off exponentially with jitter ([`RetryPolicy::backoff`]).
/// * No attempt past `max_attempts`, and no wait that would end the call past its
///   `budget` (`elapsed` is the time spent so far).
pub fn next_wait(
    policy: &RetryPolicy,
    idempotency: Idempotency,
    outcome: &AttemptOutcome<'_>,
    elapsed: Duration,
    now: SystemTime,
) -> Option<Duration> {
    if outcome.number >= policy.max_attempts {
        return None;
    }
    let wait = match classify(idempotency, outcome.attempt)? {
        RetryReason::Transient => policy.backoff(outcome.number),
        RetryReason::RateLimited => match outcome.headers.and_then(|h| retry_after(h, now)) {
            Some(asked) if asked + RESET_MARGIN > policy.max_rate_limit_wait => return None,
            Some(asked) => asked + RESET_MARGIN,
            None => policy.backoff(outcome.number),
        },
    };
    (elapsed + wait <= policy.budget).then_some(wait)
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
        let create = crate::operations::CREATE_CAMPAIGN_SCHEDULE.idempotency();
        assert_eq!(create, Idempotency::NotIdempotent);
        assert_eq!(
            crate::operations::CREATE_CANVAS_SCHEDULE.idempotency(),
            create
        );
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

    /// What the decision should come to.
    #[derive(Debug)]
    enum Expect {
        Stop,
        /// A backoff within this range (jittered).
        Backoff(u64, u64),
        /// Exactly this many milliseconds.
        Wait(u64),
    }

    #[test]
    fn the_retry_decision_case_by_case() {
        use Expect::{Backoff, Stop, Wait};
        use Idempotency::{Idempotent as Idem, NotIdempotent as Create};
        let policy = RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            budget: Duration::from_secs(10),
            max_rate_limit_wait: Duration::from_secs(5),
        };
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let headers = |pairs: &[(&'static str, String)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, value.parse().unwrap());
            }
            map
        };
        let asks_2s = headers(&[("retry-after", "2".into())]);
        let asks_0s = headers(&[("retry-after", "0".into())]);
        let asks_a_minute = headers(&[("retry-after", "60".into())]);
        let resets_in_3s = headers(&[("x-ratelimit-reset", "1003".into())]);
        let date_in_4s = headers(&[(
            "retry-after",
            httpdate::fmt_http_date(now + Duration::from_secs(4)),
        )]);
        let nothing = HeaderMap::new();
        let status = |code: u16| Attempt::Status(StatusCode::from_u16(code).unwrap());
        let (ms, s) = (Duration::from_millis, Duration::from_secs);
        let margin = RESET_MARGIN.as_millis() as u64;

        // (idempotency, how the attempt ended, the answer's headers, attempt number,
        // time spent so far, expected decision)
        type Case<'h> = (
            Idempotency,
            Attempt,
            Option<&'h HeaderMap>,
            u32,
            Duration,
            Expect,
        );
        #[rustfmt::skip]
        let cases: Vec<Case<'_>> = vec![
            // Transient failures: an update or delete backs off; a create stops, since
            // Braze may have scheduled it.
            (Idem,   status(503), Some(&nothing), 1, s(0), Backoff(50, 100)),
            (Idem,   status(503), Some(&nothing), 2, s(0), Backoff(100, 200)),
            (Idem,   status(500), None,           1, s(0), Backoff(50, 100)),
            (Idem,   status(408), None,           1, s(0), Backoff(50, 100)),
            (Idem,   Attempt::Interrupted,  None, 1, s(0), Backoff(50, 100)),
            (Create, status(503), Some(&nothing), 1, s(0), Stop),
            (Create, status(502), None,           1, s(0), Stop),
            (Create, status(408), None,           1, s(0), Stop),
            (Create, Attempt::Interrupted,  None, 1, s(0), Stop),
            // Never connected: nothing reached Braze, so even a create is repeated.
            (Create, Attempt::NotConnected, None, 1, s(0), Backoff(50, 100)),
            (Idem,   Attempt::NotConnected, None, 1, s(0), Backoff(50, 100)),
            // 429: Braze refused it unread; wait what it asks, plus the margin.
            (Create, status(429), Some(&asks_2s),      1, s(0), Wait(2_000 + margin)),
            (Idem,   status(429), Some(&resets_in_3s), 1, s(0), Wait(3_000 + margin)),
            (Idem,   status(429), Some(&date_in_4s),   1, s(0), Wait(4_000 + margin)),
            (Idem,   status(429), Some(&asks_0s),      1, s(0), Wait(margin)),
            (Idem,   status(429), Some(&nothing),      1, s(0), Backoff(50, 100)),
            // ... but not longer than max_rate_limit_wait: the 429 is returned instead.
            (Idem,   status(429), Some(&asks_a_minute), 1, s(0), Stop),
            (Create, status(429), Some(&asks_a_minute), 1, s(0), Stop),
            // Answers that a repeat would not change.
            (Idem,   status(200), None, 1, s(0), Stop),
            (Idem,   status(201), None, 1, s(0), Stop),
            (Idem,   status(400), None, 1, s(0), Stop),
            (Idem,   status(401), None, 1, s(0), Stop),
            (Idem,   status(403), None, 1, s(0), Stop),
            (Idem,   status(404), None, 1, s(0), Stop),
            (Idem,   status(501), None, 1, s(0), Stop),
            // The attempt count and the time budget.
            (Idem,   status(503), None,           3, s(0),      Stop),
            (Idem,   status(429), Some(&asks_2s), 3, s(0),      Stop),
            (Idem,   status(503), None,           2, ms(9_950), Stop),
            (Idem,   status(503), None,           1, ms(9_000), Backoff(50, 100)),
            // A wait that ends exactly at the budget is made; a millisecond later, not.
            (Idem,   status(429), Some(&asks_2s), 1, s(10) - ms(2_000 + margin),          Wait(2_000 + margin)),
            (Idem,   status(429), Some(&asks_2s), 1, s(10) - ms(2_000 + margin) + ms(1), Stop),
        ];
        for (idempotency, attempt, headers, number, elapsed, expect) in cases {
            let outcome = AttemptOutcome {
                number,
                attempt,
                headers,
            };
            for _ in 0..20 {
                let got = next_wait(&policy, idempotency, &outcome, elapsed, now);
                let context = format!(
                    "{idempotency:?} {attempt:?} attempt {number} after {elapsed:?}: {got:?}, expected {expect:?}"
                );
                match expect {
                    Stop => assert_eq!(got, None, "{context}"),
                    Wait(wait) => assert_eq!(got, Some(ms(wait)), "{context}"),
                    Backoff(low, high) => {
                        let got = got.unwrap_or_else(|| panic!("{context}"));
                        assert!(ms(low) <= got && got <= ms(high), "{context}");
                    }
                }
            }
        }
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
