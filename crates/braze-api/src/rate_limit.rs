//! Braze's rate-limit figures, and the pacer that keeps a client inside them.
//!
//! Braze sends `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` (UTC
//! epoch seconds) on every response. Header names are matched case-insensitively (the
//! `http` crate stores them lowercased). Limits reset on fixed windows (Braze: on the
//! clock hour), so when `remaining` reaches zero the next request can only succeed after
//! `reset`.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName};
use tokio::sync::Notify;

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

/// Epoch seconds as ISO 8601 UTC, `2030-05-24T21:00:00Z`: how errors and the CLI show a
/// window's reset.
pub fn utc_text(epoch_secs: u64) -> String {
    let (days, secs_of_day) = (epoch_secs / 86_400, epoch_secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs_of_day / 3_600,
        secs_of_day / 60 % 60,
        secs_of_day % 60
    )
}

/// A wait in words, for people: `now`, `in 42s`, `in 23min`, `in 5h`.
pub fn wait_text(wait: Duration) -> String {
    match wait.as_secs() {
        0 => "now".to_owned(),
        secs @ 1..=119 => format!("in {secs}s"),
        secs @ 120..=7_199 => format!("in {}min", secs / 60),
        secs => format!("in {}h", secs / 3_600),
    }
}

/// The proleptic Gregorian date of a count of days since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shifted so that years start on March 1st (leap days end them), in 400-year eras.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
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

/// Shares what the latest responses said about the window between every request of a
/// client (and of all its clones), so that a spent window is waited out instead of
/// spending a 429 on it.
///
/// * While the window is unknown (at start, and once a window has reset), one request
///   goes out alone and the others wait for its answer: it tells how many are left.
///   Sending everything blind would spend a 429 on every request over the limit.
/// * In a known window, each request takes one unit of `remaining` before it is sent;
///   answers lower it further when the server counts fewer (other clients of the same
///   workspace), and an answer from a newer window starts afresh.
/// * When the window is spent, requests wait for its reset.
/// * A server that answers a success without figures is not paced at all.
///
/// Make one with [`Pacer::new`] to share it between clients of the same workspace; the
/// hooks are its only users.
#[derive(Debug, Default)]
pub struct Pacer {
    state: Mutex<Window>,
    changed: Notify,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Window {
    /// Nothing known.
    #[default]
    Unknown,
    /// One request is out to learn the figures, since this instant.
    Probing(Instant),
    Known {
        remaining: u64,
        /// Epoch seconds.
        reset: u64,
    },
    /// The server sends no figures: nothing to pace by.
    Unpaced,
}

/// What a request may do now.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Go { probe: bool },
    WaitForProbe,
    WaitForReset(Duration),
}

/// Permission to send one request. If it was the probe of an unknown window and is
/// dropped without an answer (the request failed or was cancelled), another request may
/// probe.
#[derive(Debug)]
pub(crate) struct Ticket<'a> {
    pacer: &'a Pacer,
    probe: bool,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.probe {
            let mut state = self.pacer.lock();
            if matches!(*state, Window::Probing(_)) {
                *state = Window::Unknown;
                drop(state);
                self.pacer.changed.notify_waiters();
            }
        }
    }
}

/// The longest wait for a probe's answer. Its answer or failure wakes the waiters at once;
/// a probe still out after this long (a hanging request) lets another request probe, so
/// that one slow request cannot stall the others until its timeout.
const PROBE_WAIT: Duration = Duration::from_secs(1);

impl Pacer {
    /// A pacer that knows nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Window> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until a request may be sent: for the answer of the request probing an
    /// unknown window, or for the reset of a spent one. A reset further away than
    /// `max_wait` is not waited for: the request goes out and Braze answers 429 with the
    /// reset time.
    pub(crate) async fn acquire(&self, max_wait: Duration) -> Ticket<'_> {
        let mut waited = Duration::ZERO;
        loop {
            let mut decision = self.decide(SystemTime::now());
            if decision == Decision::WaitForProbe {
                // Registered, then the state read again, so that an answer arriving in
                // between is not missed. (Only here: the common path registers nothing.)
                let notified = self.changed.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                decision = self.decide(SystemTime::now());
                if decision == Decision::WaitForProbe {
                    let _ = tokio::time::timeout(PROBE_WAIT, notified).await;
                    continue;
                }
            }
            match decision {
                Decision::Go { probe } => return Ticket { pacer: self, probe },
                // Not reached (waited for above); looking again is always right.
                Decision::WaitForProbe => {}
                Decision::WaitForReset(wait) if waited + wait > max_wait => {
                    return Ticket {
                        pacer: self,
                        probe: false,
                    };
                }
                Decision::WaitForReset(wait) => {
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        "rate-limit window spent; waiting for its reset"
                    );
                    tokio::time::sleep(wait).await;
                    waited += wait;
                }
            }
        }
    }

    fn decide(&self, now: SystemTime) -> Decision {
        let mut state = self.lock();
        match *state {
            Window::Unpaced => Decision::Go { probe: false },
            Window::Unknown => {
                *state = Window::Probing(Instant::now());
                Decision::Go { probe: true }
            }
            Window::Probing(since) if since.elapsed() >= PROBE_WAIT => {
                *state = Window::Probing(Instant::now());
                Decision::Go { probe: true }
            }
            Window::Probing(_) => Decision::WaitForProbe,
            Window::Known { remaining, reset } => {
                let reset_at = UNIX_EPOCH + Duration::from_secs(reset);
                match reset_at.duration_since(now) {
                    // The window is over; the next one is unknown until an answer says.
                    Err(_) => {
                        *state = Window::Probing(Instant::now());
                        Decision::Go { probe: true }
                    }
                    Ok(_) if remaining > 0 => {
                        *state = Window::Known {
                            remaining: remaining - 1,
                            reset,
                        };
                        Decision::Go { probe: false }
                    }
                    Ok(left) => Decision::WaitForReset(left + RESET_MARGIN),
                }
            }
        }
    }

    /// Takes in an answer: its status and its figures, if it had any.
    pub(crate) fn observe(&self, success: bool, figures: Option<&RateLimit>) {
        let known = figures.and_then(|f| Some((f.remaining?, f.reset?)));
        let mut state = self.lock();
        let next = match (known, *state) {
            (
                Some((remaining, reset)),
                Window::Known {
                    remaining: left,
                    reset: current,
                },
            ) => {
                if reset == current {
                    Window::Known {
                        remaining: left.min(remaining),
                        reset,
                    }
                } else if reset > current {
                    Window::Known { remaining, reset }
                } else {
                    // A late answer from a window that is already over tells nothing new.
                    return;
                }
            }
            (Some((remaining, reset)), _) => Window::Known { remaining, reset },
            // A success without figures: this server does not report its limits.
            (None, _) if success => Window::Unpaced,
            // An error page without figures (a proxy's, say) tells nothing; let another
            // request probe.
            (None, Window::Probing(_)) => Window::Unknown,
            (None, _) => return,
        };
        let changed = next != *state;
        *state = next;
        drop(state);
        if changed {
            self.changed.notify_waiters();
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
        assert_eq!(
            RateLimit::from_headers(&headers(&[("x-ratelimit-remaining", " 7 ")])),
            Some(RateLimit {
                remaining: Some(7),
                ..RateLimit::default()
            })
        );
    }

    #[test]
    fn epoch_times_read_as_utc() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_text(1_592_427_600), "2020-06-17T21:00:00Z");
        assert_eq!(utc_text(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_text(4_107_542_399), "2100-02-28T23:59:59Z");
        // Every day over four centuries (leap years and their exceptions), checked
        // against httpdate's own calendar.
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        for day in (0..146_097u64).step_by(7) {
            let secs = day * 86_400 + 45_296;
            let http = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs));
            let ours = utc_text(secs);
            let (y, rest) = ours.split_once('-').unwrap();
            let (m, rest) = rest.split_once('-').unwrap();
            let d = &rest[..2];
            let month = MONTHS[m.parse::<usize>().unwrap() - 1];
            assert_eq!(
                http,
                format!("{}, {d} {month} {y} 12:34:56 GMT", &http[..3])
            );
            assert_eq!(&ours[10..], "T12:34:56Z");
        }
        let reset = RateLimit {
            reset: Some(1_592_427_600),
            ..RateLimit::default()
        };
        assert_eq!(reset.reset_utc().as_deref(), Some("2020-06-17T21:00:00Z"));
    }

    #[test]
    fn waits_read_in_words() {
        let s = Duration::from_secs;
        assert_eq!(wait_text(Duration::from_millis(400)), "now");
        assert_eq!(wait_text(s(42)), "in 42s");
        assert_eq!(wait_text(s(119)), "in 119s");
        assert_eq!(wait_text(s(120)), "in 2min");
        assert_eq!(wait_text(s(3_599)), "in 59min");
        assert_eq!(wait_text(s(7_200)), "in 2h");
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

    fn figures(remaining: u64, reset: u64) -> RateLimit {
        RateLimit {
            limit: Some(100),
            remaining: Some(remaining),
            reset: Some(reset),
        }
    }

    fn epoch(now: SystemTime) -> u64 {
        now.duration_since(UNIX_EPOCH).unwrap().as_secs()
    }

    #[test]
    fn an_unknown_window_is_probed_by_one_request_at_a_time() {
        let pacer = Pacer::new();
        let now = SystemTime::now();
        assert_eq!(pacer.decide(now), Decision::Go { probe: true });
        assert_eq!(pacer.decide(now), Decision::WaitForProbe);
        pacer.observe(true, Some(&figures(2, epoch(now) + 60)));
        assert_eq!(pacer.decide(now), Decision::Go { probe: false });
        assert_eq!(pacer.decide(now), Decision::Go { probe: false });
        assert!(matches!(pacer.decide(now), Decision::WaitForReset(_)));
    }

    #[test]
    fn a_failed_probe_lets_another_request_probe() {
        let pacer = Pacer::new();
        let now = SystemTime::now();
        let ticket = Ticket {
            pacer: &pacer,
            probe: pacer.decide(now) == Decision::Go { probe: true },
        };
        assert!(ticket.probe);
        assert_eq!(pacer.decide(now), Decision::WaitForProbe);
        drop(ticket);
        assert_eq!(pacer.decide(now), Decision::Go { probe: true });
        // An error page without figures frees the probe too.
        pacer.observe(false, None);
        assert_eq!(pacer.decide(now), Decision::Go { probe: true });
    }

    #[test]
    fn a_hung_probe_lets_another_request_probe_after_a_while() {
        let pacer = Pacer::new();
        let now = SystemTime::now();
        assert_eq!(pacer.decide(now), Decision::Go { probe: true });
        assert_eq!(pacer.decide(now), Decision::WaitForProbe);
        *pacer.lock() = Window::Probing(Instant::now() - PROBE_WAIT);
        assert_eq!(pacer.decide(now), Decision::Go { probe: true });
        assert_eq!(pacer.decide(now), Decision::WaitForProbe);
    }

    #[test]
    fn a_server_without_figures_is_not_paced() {
        let pacer = Pacer::new();
        let now = SystemTime::now();
        assert_eq!(pacer.decide(now), Decision::Go { probe: true });
        pacer.observe(true, None);
        for _ in 0..100 {
            assert_eq!(pacer.decide(now), Decision::Go { probe: false });
        }
    }

    #[test]
    fn pacer_spends_the_window_then_probes_the_next() {
        let pacer = Pacer::new();
        let now = SystemTime::now();
        let reset = epoch(now) + 2;
        pacer.observe(true, Some(&figures(2, reset)));
        assert_eq!(pacer.decide(now), Decision::Go { probe: false });
        assert_eq!(pacer.decide(now), Decision::Go { probe: false });
        let Decision::WaitForReset(wait) = pacer.decide(now) else {
            panic!("window spent");
        };
        assert!(
            wait > Duration::from_secs(1) && wait <= Duration::from_secs(3),
            "{wait:?}"
        );
        // Once the reset has passed, one request probes the new window.
        let later = UNIX_EPOCH + Duration::from_secs(reset) + Duration::from_millis(1);
        assert_eq!(pacer.decide(later), Decision::Go { probe: true });
        assert_eq!(pacer.decide(later), Decision::WaitForProbe);
    }

    #[test]
    fn pacer_keeps_the_lower_count_and_ignores_stale_windows() {
        let pacer = Pacer::new();
        let now = SystemTime::now();
        let reset = epoch(now) + 60;
        pacer.observe(true, Some(&figures(5, reset)));
        pacer.observe(true, Some(&figures(50, reset))); // a slower answer from earlier
        pacer.observe(true, Some(&figures(0, reset - 60))); // the previous window
        for _ in 0..5 {
            assert_eq!(pacer.decide(now), Decision::Go { probe: false });
        }
        assert!(matches!(pacer.decide(now), Decision::WaitForReset(_)));
        // A newer window starts afresh.
        pacer.observe(true, Some(&figures(3, reset + 60)));
        assert_eq!(pacer.decide(now), Decision::Go { probe: false });
    }

    #[tokio::test]
    async fn waiters_wake_when_the_probe_answers() {
        let pacer = std::sync::Arc::new(Pacer::new());
        let probe = pacer.acquire(Duration::from_secs(5)).await;
        assert!(probe.probe);
        let waiter = {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                let ticket = pacer.acquire(Duration::from_secs(5)).await;
                (ticket.probe, started.elapsed())
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let reset = epoch(SystemTime::now()) + 60;
        pacer.observe(true, Some(&figures(10, reset)));
        drop(probe);
        let (probed, waited) = waiter.await.unwrap();
        assert!(!probed);
        assert!(
            waited < PROBE_WAIT,
            "woken by the answer, not the safety net: {waited:?}"
        );
    }
}
