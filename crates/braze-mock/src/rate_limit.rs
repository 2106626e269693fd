//! Braze's rate limit: a number of requests per fixed window, the windows aligned on
//! multiples of their length since the Unix epoch, so that an hour window resets on the
//! clock hour as Braze's does (Braze "API limits": limits reset on the clock hour).
//!
//! The count is kept under a mutex so that it is exact under any concurrency: N requests in
//! one window leave exactly `limit - N` remaining. The critical section is a comparison and
//! an addition, short enough not to matter next to the rest of a request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use braze_api::rate_limit::LimitClass;

/// What the rate limiter has counted, for tests and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitCounters {
    /// Requests allowed per window.
    pub limit: u64,
    /// The window length.
    pub window: Duration,
    /// Requests counted in the current window (over-limit ones included).
    pub used: u64,
    /// Requests left in the current window.
    pub remaining: u64,
    /// When the current window ends, in Unix epoch seconds (`x-ratelimit-reset`).
    pub reset: u64,
    /// Requests counted since the server started, across all windows.
    pub total: u64,
}

/// The figures of one request, sent back as the `x-ratelimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quota {
    pub(crate) limit: u64,
    pub(crate) remaining: u64,
    pub(crate) reset: u64,
    /// This request went over the limit and is to be answered 429.
    pub(crate) exceeded: bool,
}

#[derive(Debug)]
struct Window {
    /// Which window, counted in window lengths since the epoch.
    index: u64,
    used: u64,
}

/// Counts requests per fixed window.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: u64,
    window_secs: u64,
    current: Mutex<Window>,
    total: AtomicU64,
}

impl RateLimiter {
    /// `window` is rounded to whole seconds, at least one, because the reset header is in
    /// whole seconds.
    pub(crate) fn new(limit: u64, window: Duration) -> Self {
        Self {
            limit,
            window_secs: whole_seconds(window),
            current: Mutex::new(Window { index: 0, used: 0 }),
            total: AtomicU64::new(0),
        }
    }

    /// Counts one request made at `now`.
    pub(crate) fn count(&self, now: SystemTime) -> Quota {
        let index = self.window_index(now);
        let used = {
            let mut window = self.current.lock().unwrap_or_else(|e| e.into_inner());
            if window.index != index {
                *window = Window { index, used: 0 };
            }
            window.used += 1;
            window.used
        };
        self.total.fetch_add(1, Ordering::Relaxed);
        Quota {
            limit: self.limit,
            remaining: self.limit.saturating_sub(used),
            reset: self.reset_of(index),
            exceeded: used > self.limit,
        }
    }

    /// The figures of the window that holds `now`, without counting anything.
    pub(crate) fn counters(&self, now: SystemTime) -> RateLimitCounters {
        let index = self.window_index(now);
        let used = {
            let window = self.current.lock().unwrap_or_else(|e| e.into_inner());
            if window.index == index {
                window.used
            } else {
                0
            }
        };
        RateLimitCounters {
            limit: self.limit,
            window: Duration::from_secs(self.window_secs),
            used,
            remaining: self.limit.saturating_sub(used),
            reset: self.reset_of(index),
            total: self.total.load(Ordering::Relaxed),
        }
    }

    fn window_index(&self, now: SystemTime) -> u64 {
        let secs = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        secs / self.window_secs
    }

    fn reset_of(&self, index: u64) -> u64 {
        index.saturating_add(1).saturating_mul(self.window_secs)
    }
}

/// Every limit class ([`choices::BROADCAST_FIGURES_ARE_THE_TIGHTER_LIMIT`](crate::choices::BROADCAST_FIGURES_ARE_THE_TIGHTER_LIMIT)):
/// the default pool, the broadcast limit across audiences, and the broadcast limit per
/// unique audience.
#[derive(Debug)]
pub(crate) struct Limits {
    pub(crate) default: RateLimiter,
    pub(crate) broadcast: RateLimiter,
    audience_limit: u64,
    audience_window_secs: u64,
    /// Per unique audience: the window it was last counted in, and its count there.
    audiences: Mutex<HashMap<String, Window>>,
}

/// Audiences of past windows are forgotten once this many are held.
const MAX_AUDIENCES: usize = 10_000;

impl Limits {
    pub(crate) fn new(
        default: (u64, Duration),
        broadcast: (u64, Duration),
        audience: (u64, Duration),
    ) -> Self {
        Self {
            default: RateLimiter::new(default.0, default.1),
            broadcast: RateLimiter::new(broadcast.0, broadcast.1),
            audience_limit: audience.0,
            audience_window_secs: whole_seconds(audience.1),
            audiences: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `class` made at `now`. A broadcast request counts against
    /// the broadcast limit and its audience's; its figures are those of whichever has
    /// fewer requests left, and it is over the limit when either is.
    pub(crate) fn count(&self, class: &LimitClass, now: SystemTime) -> Quota {
        let LimitClass::Broadcast { audience } = class else {
            return self.default.count(now);
        };
        let across = self.broadcast.count(now);
        let index = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs())
            / self.audience_window_secs;
        let used = {
            let mut audiences = self.audiences.lock().unwrap_or_else(|e| e.into_inner());
            if audiences.len() >= MAX_AUDIENCES && !audiences.contains_key(audience) {
                audiences.retain(|_, window| window.index == index);
            }
            let window = audiences
                .entry(audience.clone())
                .or_insert(Window { index, used: 0 });
            if window.index != index {
                *window = Window { index, used: 0 };
            }
            window.used += 1;
            window.used
        };
        let one = Quota {
            limit: self.audience_limit,
            remaining: self.audience_limit.saturating_sub(used),
            reset: index
                .saturating_add(1)
                .saturating_mul(self.audience_window_secs),
            exceeded: used > self.audience_limit,
        };
        let exceeded = across.exceeded || one.exceeded;
        let tighter = if one.remaining < across.remaining
            && crate::choices::BROADCAST_FIGURES_ARE_THE_TIGHTER_LIMIT
        {
            one
        } else {
            across
        };
        Quota {
            exceeded,
            ..tighter
        }
    }
}

fn whole_seconds(window: Duration) -> u64 {
    let secs = window.as_secs() + u64::from(window.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn hour_windows_reset_on_the_clock_hour() {
        let limiter = RateLimiter::new(3, Duration::from_secs(3600));
        let quota = limiter.count(at(1_592_424_001));
        assert_eq!(quota.reset, 1_592_427_600);
        assert_eq!(quota.remaining, 2);
        limiter.count(at(1_592_424_002));
        limiter.count(at(1_592_424_003));
        let over = limiter.count(at(1_592_427_599));
        assert!(over.exceeded);
        assert_eq!(over.remaining, 0);
        let next = limiter.count(at(1_592_427_600));
        assert!(!next.exceeded);
        assert_eq!((next.remaining, next.reset), (2, 1_592_431_200));
        let counters = limiter.counters(at(1_592_427_601));
        assert_eq!((counters.used, counters.total), (1, 5));
        assert_eq!(limiter.counters(at(1_592_440_000)).used, 0);
    }

    #[test]
    fn broadcast_requests_count_across_audiences_and_per_audience() {
        let limits = Limits::new(
            (100, Duration::from_secs(60)),
            (5, Duration::from_secs(60)),
            (2, Duration::from_secs(60)),
        );
        let a = LimitClass::Broadcast {
            audience: "a".into(),
        };
        let b = LimitClass::Broadcast {
            audience: "b".into(),
        };
        let t = at(6_000);
        assert_eq!(
            limits.count(&a, t).remaining,
            1,
            "the audience's figures are tighter"
        );
        let second = limits.count(&a, t);
        assert!(!second.exceeded);
        let third = limits.count(&a, t);
        assert!(third.exceeded, "two per audience");
        assert_eq!((third.limit, third.remaining, third.reset), (2, 0, 6_060));
        assert!(!limits.count(&b, t).exceeded);
        let fifth = limits.count(&b, t);
        assert_eq!((fifth.limit, fifth.remaining), (5, 0));
        assert!(
            limits
                .count(
                    &LimitClass::Broadcast {
                        audience: "c".into()
                    },
                    t
                )
                .exceeded
        );
        // The default pool is apart.
        let default = limits.count(&LimitClass::Default, t);
        assert_eq!(
            (default.limit, default.remaining, default.exceeded),
            (100, 99, false)
        );
        // Next window.
        assert!(!limits.count(&a, at(6_060)).exceeded);
    }

    #[test]
    fn windows_are_whole_seconds() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
        let limiter = RateLimiter::new(1, Duration::from_secs(1));
        assert_eq!(limiter.count(at(10)).reset, 11);
    }
}
