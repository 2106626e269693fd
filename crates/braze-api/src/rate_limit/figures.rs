//! The rate-limit figures of an answer (`x-ratelimit-*`), and how long a 429 asks to wait.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName};

use super::time_text::utc_text;

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
            limit: header_u64(headers, &LIMIT),
            remaining: header_u64(headers, &REMAINING),
            reset: header_u64(headers, &RESET),
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

    /// When the window resets, as ISO 8601 UTC: `2030-05-24T21:00:00Z`.
    pub fn reset_utc(&self) -> Option<String> {
        self.reset.map(utc_text)
    }
}

// Looked up as `HeaderName`s, not `&str`s, which `http` would parse and check each time.
const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
const RETRY_AFTER_SECONDS: HeaderName = HeaderName::from_static("x-ratelimit-retry-after");

fn header_u64(headers: &HeaderMap, name: &HeaderName) -> Option<u64> {
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
    if let Some(secs) = header_u64(headers, &RETRY_AFTER_SECONDS) {
        return Some(Duration::from_secs(secs));
    }
    RateLimit::from_headers(headers)?.reset_in(now)
}

/// Margin added after a reset before sending again (by the pacer, and after a 429 that
/// said when to come back), so that a request never lands in the last instant of the old
/// window.
pub(crate) const RESET_MARGIN: Duration = Duration::from_millis(20);

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
        assert_eq!(
            RateLimit::from_headers(&headers(&[("x-ratelimit-remaining", " 7 ")])),
            Some(RateLimit {
                remaining: Some(7),
                ..RateLimit::default()
            })
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
    fn the_reset_reads_as_utc() {
        let reset = RateLimit {
            reset: Some(1_592_427_600),
            ..RateLimit::default()
        };
        assert_eq!(reset.reset_utc().as_deref(), Some("2020-06-17T21:00:00Z"));
    }
}
