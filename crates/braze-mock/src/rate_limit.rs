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

/// A limit's figures and its current window, under one lock: the control API changes the
/// figures while requests are counted.
#[derive(Debug)]
struct Counting {
    limit: u64,
    window_secs: u64,
    current: Window,
}

impl Counting {
    fn window_index(&self, now: SystemTime) -> u64 {
        window_index(now, self.window_secs)
    }

    fn reset_of(&self, index: u64) -> u64 {
        index.saturating_add(1).saturating_mul(self.window_secs)
    }
}

/// Counts requests per fixed window.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    counting: Mutex<Counting>,
    total: AtomicU64,
}

impl RateLimiter {
    /// `window` is rounded to whole seconds, at least one, because the reset header is in
    /// whole seconds.
    pub(crate) fn new(limit: u64, window: Duration) -> Self {
        Self {
            counting: Mutex::new(Counting {
                limit,
                window_secs: whole_seconds(window),
                current: Window { index: 0, used: 0 },
            }),
            total: AtomicU64::new(0),
        }
    }

    /// Counts one request made at `now`.
    pub(crate) fn count(&self, now: SystemTime) -> Quota {
        let quota = {
            let mut counting = self.lock();
            let index = counting.window_index(now);
            if counting.current.index != index {
                counting.current = Window { index, used: 0 };
            }
            counting.current.used += 1;
            let used = counting.current.used;
            Quota {
                limit: counting.limit,
                remaining: counting.limit.saturating_sub(used),
                reset: counting.reset_of(index),
                exceeded: used > counting.limit,
            }
        };
        self.total.fetch_add(1, Ordering::Relaxed);
        quota
    }

    /// The figures of the window that holds `now`, without counting anything.
    pub(crate) fn counters(&self, now: SystemTime) -> RateLimitCounters {
        let counting = self.lock();
        let index = counting.window_index(now);
        let used = if counting.current.index == index {
            counting.current.used
        } else {
            0
        };
        RateLimitCounters {
            limit: counting.limit,
            window: Duration::from_secs(counting.window_secs),
            used,
            remaining: counting.limit.saturating_sub(used),
            reset: counting.reset_of(index),
            total: self.total.load(Ordering::Relaxed),
        }
    }

    /// Allows `limit` requests per `window` from now on, counted afresh: the requests
    /// already counted in the current window no longer count
    /// ([`choices::CHANGED_RATE_LIMITS_COUNT_AFRESH`](crate::choices::CHANGED_RATE_LIMITS_COUNT_AFRESH)).
    pub(crate) fn set(&self, limit: u64, window: Duration) {
        let mut counting = self.lock();
        counting.limit = limit;
        counting.window_secs = whole_seconds(window);
        if crate::choices::CHANGED_RATE_LIMITS_COUNT_AFRESH {
            counting.current = Window { index: 0, used: 0 };
        }
    }

    /// Back to these figures with nothing counted, as at the start.
    pub(crate) fn reset(&self, limit: u64, window: Duration) {
        *self.lock() = Counting {
            limit,
            window_secs: whole_seconds(window),
            current: Window { index: 0, used: 0 },
        };
        self.total.store(0, Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counting> {
        self.counting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn window_index(now: SystemTime, window_secs: u64) -> u64 {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    secs / window_secs
}

/// Every limit class ([`choices::BROADCAST_FIGURES_ARE_THE_TIGHTER_LIMIT`](crate::choices::BROADCAST_FIGURES_ARE_THE_TIGHTER_LIMIT)):
/// the default pool, the broadcast limit across audiences, and the broadcast limit per
/// unique audience.
#[derive(Debug)]
pub(crate) struct Limits {
    pub(crate) default: RateLimiter,
    pub(crate) broadcast: RateLimiter,
    audience: Mutex<Audiences>,
}

/// The limit per unique audience, and each audience's count.
#[derive(Debug)]
struct Audiences {
    limit: u64,
    window_secs: u64,
    /// Per unique audience: the window it was last counted in, and its count there.
    counts: HashMap<String, Window>,
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
            audience: Mutex::new(Audiences {
                limit: audience.0,
                window_secs: whole_seconds(audience.1),
                counts: HashMap::new(),
            }),
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
        let one = {
            let mut audiences = self.audiences();
            let Audiences {
                limit,
                window_secs,
                counts,
            } = &mut *audiences;
            let index = window_index(now, *window_secs);
            if counts.len() >= MAX_AUDIENCES && !counts.contains_key(audience) {
                counts.retain(|_, window| window.index == index);
            }
            let window = counts
                .entry(audience.clone())
                .or_insert(Window { index, used: 0 });
            if window.index != index {
                *window = Window { index, used: 0 };
            }
            window.used += 1;
            Quota {
                limit: *limit,
                remaining: limit.saturating_sub(window.used),
                reset: index.saturating_add(1).saturating_mul(*window_secs),
                exceeded: window.used > *limit,
            }
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

    /// The limit per unique audience and its window.
    pub(crate) fn audience_limit(&self) -> (u64, Duration) {
        let audiences = self.audiences();
        (audiences.limit, Duration::from_secs(audiences.window_secs))
    }

    /// Allows `limit` requests per `window` for each unique audience from now on, every
    /// audience counted afresh.
    pub(crate) fn set_audience_limit(&self, limit: u64, window: Duration) {
        let mut audiences = self.audiences();
        audiences.limit = limit;
        audiences.window_secs = whole_seconds(window);
        if crate::choices::CHANGED_RATE_LIMITS_COUNT_AFRESH {
            audiences.counts.clear();
        }
    }

    /// Back to these figures with nothing counted, as at the start.
    pub(crate) fn reset(
        &self,
        default: (u64, Duration),
        broadcast: (u64, Duration),
        audience: (u64, Duration),
    ) {
        self.default.reset(default.0, default.1);
        self.broadcast.reset(broadcast.0, broadcast.1);
        *self.audiences() = Audiences {
            limit: audience.0,
            window_secs: whole_seconds(audience.1),
            counts: HashMap::new(),
        };
    }

    fn audiences(&self) -> std::sync::MutexGuard<'_, Audiences> {
        self.audience.lock().unwrap_or_else(|e| e.into_inner())
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
    fn changed_figures_count_afresh_and_reset_forgets_everything() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        let t = at(6_000);
        limiter.count(t);
        limiter.count(t);
        assert!(limiter.count(t).exceeded);
        limiter.set(1, Duration::from_secs(10));
        let first = limiter.count(t);
        assert_eq!((first.limit, first.remaining, first.reset), (1, 0, 6_010));
        assert!(!first.exceeded);
        assert!(limiter.count(t).exceeded);
        assert_eq!(limiter.counters(t).total, 5);
        limiter.reset(2, Duration::from_secs(60));
        let counters = limiter.counters(t);
        assert_eq!((counters.limit, counters.used, counters.total), (2, 0, 0));

        let limits = Limits::new(
            (100, Duration::from_secs(60)),
            (100, Duration::from_secs(60)),
            (1, Duration::from_secs(60)),
        );
        let a = LimitClass::Broadcast {
            audience: "a".into(),
        };
        assert!(!limits.count(&a, t).exceeded);
        assert!(limits.count(&a, t).exceeded);
        limits.set_audience_limit(3, Duration::from_secs(30));
        assert_eq!(limits.audience_limit(), (3, Duration::from_secs(30)));
        assert_eq!(limits.count(&a, t).remaining, 2);
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
