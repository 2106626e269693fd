//! Braze's rate-limit figures, and the pacer that keeps a client inside them.
//!
//! Braze sends `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` (UTC
//! epoch seconds) on every response. Header names are matched case-insensitively (the
//! `http` crate stores them lowercased). Limits reset on fixed windows (Braze: on the
//! clock hour), so when `remaining` reaches zero the next request can only succeed after
//! `reset`.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// The rate-limit figures of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// `x-ratelimit-limit`: requests allowed in the window.
    pub limit: Option<u64>,
    /// `x-ratelimit-remaining`: requests left in the window.
    pub remaining: Option<u64>,
    /// `x-ratelimit-reset`: when the window ends, in UTC epoch seconds.
    pub reset: Option<u64>,
}

impl RateLimit {
    /// Reads the three headers; `None` when none of them is present and a number.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let figures = Self {
            limit: header_u64(headers, "x-ratelimit-limit"),
            remaining: header_u64(headers, "x-ratelimit-remaining"),
            reset: header_u64(headers, "x-ratelimit-reset"),
        };
        (figures != Self::default()).then_some(figures)
    }

    /// When the window resets, if known.
    pub fn reset_at(&self) -> Option<SystemTime> {
        self.reset
            .map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
    }

    /// How long from `now` until the window resets (zero if it already has).
    pub fn reset_in(&self, now: SystemTime) -> Option<Duration> {
        self.reset_at()
            .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO))
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// How long a 429 asks the client to wait: `Retry-After` (seconds or an HTTP date) if
/// present, else `x-ratelimit-retry-after` (seconds; some Braze clients read it), else
/// until `x-ratelimit-reset`. Braze documents only the last.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(value) = headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
    {
        let value = value.trim();
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(at) = httpdate::parse_http_date(value) {
            return Some(at.duration_since(now).unwrap_or(Duration::ZERO));
        }
    }
    if let Some(secs) = header_u64(headers, "x-ratelimit-retry-after") {
        return Some(Duration::from_secs(secs));
    }
    RateLimit::from_headers(headers)?.reset_in(now)
}

/// Margin added after a reset before sending again, so that a request never lands in the
/// last instant of the old window.
const RESET_MARGIN: Duration = Duration::from_millis(20);

/// Shares what the latest responses said about the window between every request of a
/// client (and of all its clones), so that a spent window is waited out instead of
/// spending a 429 on it.
///
/// Each request takes one unit of `remaining` before it is sent; responses lower it further
/// when the server counts fewer (other clients of the same workspace), and a response from
/// a newer window starts afresh.
#[derive(Debug, Default)]
pub struct Pacer {
    window: Mutex<Option<Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    remaining: u64,
    /// Epoch seconds.
    reset: u64,
}

impl Pacer {
    /// A pacer that knows nothing yet: requests go out until a response reports figures.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one request's worth of the window, waiting for the reset when the window is
    /// spent. A wait longer than `max_wait` is not made: the request goes out and Braze
    /// answers 429 with the reset time. Returns how long it waited.
    pub async fn acquire(&self, max_wait: Duration) -> Duration {
        let mut waited = Duration::ZERO;
        loop {
            let wait = match self.try_take(SystemTime::now()) {
                None => return waited,
                Some(wait) if waited + wait > max_wait => return waited,
                Some(wait) => wait,
            };
            tracing::debug!(
                wait_ms = wait.as_millis() as u64,
                "rate-limit window spent; waiting for its reset"
            );
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }

    /// Takes a unit if one is left, else says how long until the window resets.
    fn try_take(&self, now: SystemTime) -> Option<Duration> {
        let mut guard = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let window = guard.as_mut()?;
        let reset_at = UNIX_EPOCH + Duration::from_secs(window.reset);
        match reset_at.duration_since(now) {
            // The window is over; the next one is unknown until a response says.
            Err(_) => {
                *guard = None;
                None
            }
            Ok(_) if window.remaining > 0 => {
                window.remaining -= 1;
                None
            }
            Ok(left) => Some(left + RESET_MARGIN),
        }
    }

    /// Takes in the figures of a response.
    pub fn observe(&self, figures: &RateLimit) {
        let (Some(remaining), Some(reset)) = (figures.remaining, figures.reset) else {
            return;
        };
        let mut guard = self.window.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_mut() {
            Some(window) if window.reset == reset => {
                window.remaining = window.remaining.min(remaining);
            }
            // A late answer from a window that is already over tells nothing new.
            Some(window) if window.reset > reset => {}
            _ => *guard = Some(Window { remaining, reset }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn reads_figures_whatever_the_case() {
        let mut map = HeaderMap::new();
        map.insert(
            http::HeaderName::from_bytes(b"X-RateLimit-Limit").unwrap(),
            HeaderValue::from_static("250000"),
        );
        map.insert("x-ratelimit-remaining", HeaderValue::from_static("12"));
        map.insert("X-RATELIMIT-RESET", HeaderValue::from_static("1592427600"));
        assert_eq!(
            RateLimit::from_headers(&map),
            Some(RateLimit {
                limit: Some(250_000),
                remaining: Some(12),
                reset: Some(1_592_427_600)
            })
        );
        assert_eq!(RateLimit::from_headers(&HeaderMap::new()), None);
        assert_eq!(
            RateLimit::from_headers(&headers(&[("x-ratelimit-limit", "many")])),
            None
        );
    }

    #[test]
    fn retry_after_prefers_the_explicit_header() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let reset_only = headers(&[("x-ratelimit-reset", "1003")]);
        assert_eq!(retry_after(&reset_only, now), Some(Duration::from_secs(3)));
        let both = headers(&[("retry-after", "7"), ("x-ratelimit-reset", "1003")]);
        assert_eq!(retry_after(&both, now), Some(Duration::from_secs(7)));
        let date = headers(&[(
            "retry-after",
            &httpdate::fmt_http_date(now + Duration::from_secs(5)),
        )]);
        assert_eq!(retry_after(&date, now), Some(Duration::from_secs(5)));
        let braze_style = headers(&[("x-ratelimit-retry-after", "2")]);
        assert_eq!(retry_after(&braze_style, now), Some(Duration::from_secs(2)));
        let past = headers(&[("x-ratelimit-reset", "900")]);
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn pacer_spends_the_window_then_waits_for_its_reset() {
        let pacer = Pacer::new();
        let now = SystemTime::now();
        let reset = now.duration_since(UNIX_EPOCH).unwrap().as_secs() + 2;
        pacer.observe(&RateLimit {
            limit: Some(10),
            remaining: Some(2),
            reset: Some(reset),
        });
        assert_eq!(pacer.try_take(now), None);
        assert_eq!(pacer.try_take(now), None);
        let wait = pacer.try_take(now).expect("window spent");
        assert!(
            wait > Duration::from_secs(1) && wait <= Duration::from_secs(3),
            "{wait:?}"
        );
        // Once the reset has passed, requests go out again.
        let later = UNIX_EPOCH + Duration::from_secs(reset) + Duration::from_millis(1);
        assert_eq!(pacer.try_take(later), None);
    }

    #[test]
    fn pacer_keeps_the_lower_count_and_ignores_stale_windows() {
        let pacer = Pacer::new();
        let now = SystemTime::now();
        let reset = now.duration_since(UNIX_EPOCH).unwrap().as_secs() + 60;
        let figures = |remaining, reset| RateLimit {
            limit: Some(100),
            remaining: Some(remaining),
            reset: Some(reset),
        };
        pacer.observe(&figures(5, reset));
        pacer.observe(&figures(50, reset)); // a slower answer from earlier in the window
        pacer.observe(&figures(0, reset - 60)); // the previous window
        for _ in 0..5 {
            assert_eq!(pacer.try_take(now), None);
        }
        assert!(pacer.try_take(now).is_some());
        // A newer window starts afresh.
        pacer.observe(&figures(3, reset + 60));
        assert_eq!(pacer.try_take(now), None);
    }
}
