//! The rate-limit figures of an answer (`x-ratelimit-*`), and how long a 429 asks to wait.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue};

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
    /// Reads the three headers; `None` when none of them is present and a number. Each
    /// is read from its first value, as [`HeaderMap::get`] gives it: decimal digits with
    /// an optional `+`, spaces and tabs around them allowed.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        // One pass over the answer's few headers, comparing names, rather than three
        // hashed look-ups: this runs on every answer.
        let mut figures = Self::default();
        let mut seen = [false; 3];
        for (name, value) in headers {
            let Some(which) = name.as_str().strip_prefix(PREFIX) else {
                continue;
            };
            let (slot, field) = match which {
                "limit" => (0, &mut figures.limit),
                "remaining" => (1, &mut figures.remaining),
                "reset" => (2, &mut figures.reset),
                _ => continue,
            };
            // Later values of a repeated header are not read, as by `get`.
            if !std::mem::replace(&mut seen[slot], true) {
                *field = value_u64(value);
            }
        }
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

const PREFIX: &str = "x-ratelimit-";
// Looked up as a `HeaderName`, not a `&str`, which `http` would parse and check each time.
const RETRY_AFTER_SECONDS: HeaderName = HeaderName::from_static("x-ratelimit-retry-after");

fn header_u64(headers: &HeaderMap, name: &HeaderName) -> Option<u64> {
    headers.get(name).and_then(value_u64)
}

/// A header's value as a `u64`: what `value.to_str()?.trim().parse()` reads, without
/// building a `&str`. A value `to_str` accepts is visible ASCII and tabs, so the only
/// whitespace `trim` can meet in it is spaces and tabs; and a value `to_str` refuses has
/// a byte that is neither a digit, a sign nor a blank, which this refuses too.
fn value_u64(value: &HeaderValue) -> Option<u64> {
    let mut bytes = value.as_bytes();
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    let digits = bytes.strip_prefix(b"+").unwrap_or(bytes);
    if digits.is_empty() {
        return None;
    }
    // Nineteen digits cannot overflow a `u64` (its largest value has twenty): only a
    // longer text needs checked arithmetic.
    const SAFE_DIGITS: usize = 19;
    let mut number: u64 = 0;
    for (i, &byte) in digits.iter().enumerate() {
        let digit = u64::from(byte.wrapping_sub(b'0'));
        if digit > 9 {
            return None;
        }
        number = if i < SAFE_DIGITS {
            number * 10 + digit
        } else {
            number.checked_mul(10)?.checked_add(digit)?
        };
    }
    Some(number)
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
    fn a_value_reads_as_to_str_trim_parse_reads_it() {
        let reference =
            |value: &HeaderValue| -> Option<u64> { value.to_str().ok()?.trim().parse().ok() };
        let alphabet: &[u8] = b" \t+-019a\x80\xff";
        let mut inputs: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..4 {
            let longer: Vec<Vec<u8>> = inputs
                .iter()
                .flat_map(|prefix| {
                    alphabet.iter().map(move |b| {
                        let mut next = prefix.clone();
                        next.push(*b);
                        next
                    })
                })
                .collect();
            inputs.extend(longer);
        }
        for text in [
            "18446744073709551615",
            "18446744073709551616",
            "+18446744073709551615",
            " 00042\t",
            "99999999999999999999999",
            "1 2",
            "++1",
            "\t\t",
        ] {
            inputs.push(text.as_bytes().to_vec());
        }
        let mut checked = 0;
        for bytes in &inputs {
            let Ok(value) = HeaderValue::from_bytes(bytes) else {
                continue;
            };
            assert_eq!(value_u64(&value), reference(&value), "{bytes:?}");
            checked += 1;
        }
        assert!(checked > 10_000, "{checked}");
    }

    #[test]
    fn a_repeated_header_is_read_from_its_first_value() {
        let mut map = HeaderMap::new();
        map.append("x-ratelimit-remaining", HeaderValue::from_static("many"));
        map.append("x-ratelimit-remaining", HeaderValue::from_static("5"));
        map.append("x-ratelimit-limit", HeaderValue::from_static("10"));
        map.append("x-ratelimit-limit", HeaderValue::from_static("20"));
        map.append("x-ratelimit-resets", HeaderValue::from_static("1"));
        map.append("x-ratelimit-retry-after", HeaderValue::from_static("2"));
        let figures = RateLimit::from_headers(&map).expect("the limit is a number");
        assert_eq!(
            figures,
            RateLimit {
                limit: Some(10),
                remaining: map.get("x-ratelimit-remaining").and_then(value_u64),
                reset: None,
            }
        );
        assert_eq!(figures.remaining, None);
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
