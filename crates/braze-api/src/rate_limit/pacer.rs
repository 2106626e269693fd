//! The [`Pacer`]: a budget per limit class, learned from the answers' figures, and the
//! broadcast class's documented numbers counted on the clock's windows.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

use super::class::{Ceiling, ClassLimits, LimitClass};
use super::figures::{RESET_MARGIN, RateLimit};

/// Keeps a client inside Braze's rate limits, shared by every request of a client and of
/// its clones (and by several clients of one workspace given the same pacer,
/// [`HookState::with_pacer`](crate::HookState::with_pacer)).
///
/// Each limit class ([`LimitClass`]) has a budget of its own, learned from the answers to
/// its requests, so that deletes never wait behind a burst of broadcast creates and
/// broadcast creates never spend the default pool's large `remaining`. A budget works so:
///
/// * While its window is unknown (at start, and once a window has reset), one request
///   goes out alone and the others wait for its answer: it tells how many are left.
///   Sending everything blind would spend a 429 on every request over the limit.
/// * In a known window, each request takes one unit of `remaining` before it is sent;
///   answers lower it further when the server counts fewer, and an answer from a newer
///   window starts afresh. When the window is spent, requests wait for its reset.
/// * **Sharing the window with others.** Other processes on the same key spend the same
///   window: `remaining` then falls faster than our own requests explain. The ratio of
///   what the server counted in the window (`limit - remaining`) to the answers we got in
///   it estimates how many clients share it, `n` (1 when alone). Each of the others has
///   about as many requests in flight as we do, none of them counted yet, so with `f` of
///   ours in flight a new request may go only while `remaining > (n - 1) * f`, and always
///   when none of ours is in flight. Near the end of a shared window every client thus
///   slows to one request at a time, so that when the window runs out each has at most
///   one request in flight: at most one 429 per client per window, and no slot left
///   unused. Alone (`n = 1`) the rule is `remaining > 0`, as before: no slower. The
///   first answer of a window cannot tell whether others share it, so a window that
///   follows a shared one is paced as shared from its start (`BudgetState::first_answer`).
/// * A server that answers a success without figures is not paced by headers.
///
/// The broadcast class is also held to Braze's documented numbers ([`ClassLimits`]),
/// counted by this pacer on the clock's windows: 250 per minute across audiences and 10
/// per minute per unique audience, whatever the headers say, because Braze does not
/// document which figures answer a broadcast request.
#[derive(Debug, Default)]
pub struct Pacer {
    default: Budget,
    broadcast: Budget,
    limits: ClassLimits,
    ceilings: Mutex<Ceilings>,
    changed: Notify,
}

/// The budget of one limit class.
#[derive(Debug, Default)]
struct Budget {
    state: Mutex<BudgetState>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct BudgetState {
    window: Window,
    /// Requests sent on this budget and not yet answered (or dropped).
    in_flight: u64,
    /// How many clients seem to share the window, from the last answer (1 when alone).
    sharers: f64,
    /// The most requests we have had in flight at once.
    peak_in_flight: u64,
    /// A request is waiting for one of ours to be answered.
    awaited: bool,
    /// The last window showed others spending it (it ended `lowered`): this one is
    /// paced as shared from its first answer (see [`BudgetState::first_answer`]).
    shared_before: bool,
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
        /// `x-ratelimit-limit`, if sent.
        limit: Option<u64>,
        /// Our answers counted in this window.
        answered: u64,
        /// An answer said fewer are left than our own requests explain: `remaining` is
        /// the server's figure, which does not count our requests still on their way.
        lowered: bool,
    },
    /// The server sends no figures: nothing to pace by.
    Unpaced,
}

/// What a request may do now.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    Go {
        probe: bool,
    },
    WaitForProbe,
    /// The window is shared and nearly spent: wait for one of ours to be answered.
    WaitForAnswer,
    WaitForReset(Duration),
}

/// Permission to send one request. If it was the probe of an unknown window and is
/// dropped without an answer (the request failed or was cancelled), another request may
/// probe.
#[derive(Debug)]
pub(crate) struct Ticket<'a> {
    pacer: &'a Pacer,
    budget: &'a Budget,
    probe: bool,
}

impl Ticket<'_> {
    /// Takes in the answer: its status and its figures, if it had any.
    pub(crate) fn observe(&self, success: bool, figures: Option<&RateLimit>) {
        if self.budget.observe(success, figures) {
            self.pacer.changed.notify_waiters();
        }
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        let wake = {
            let mut state = self.budget.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            let mut wake = std::mem::take(&mut state.awaited);
            if self.probe && matches!(state.window, Window::Probing(_)) {
                state.window = Window::Unknown;
                wake = true;
            }
            wake
        };
        if wake {
            self.pacer.changed.notify_waiters();
        }
    }
}

/// The longest wait for a probe's answer. Its answer or failure wakes the waiters at once;
/// a probe still out after this long (a hanging request) lets another request probe, so
/// that one slow request cannot stall the others until its timeout.
const PROBE_WAIT: Duration = Duration::from_secs(1);

impl Pacer {
    /// A pacer that knows nothing yet, with Braze's documented broadcast limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// A pacer with these fallback numbers for the broadcast class.
    pub fn with_limits(limits: ClassLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Its fallback numbers for the broadcast class.
    pub fn limits(&self) -> ClassLimits {
        self.limits
    }

    fn budget(&self, class: &LimitClass) -> &Budget {
        match class {
            LimitClass::Default => &self.default,
            LimitClass::Broadcast { .. } => &self.broadcast,
        }
    }

    /// Waits until a request of `class` may be sent: for the broadcast class's documented
    /// numbers, then for the answer of the request probing an unknown window, for an
    /// answer of ours in a shared window nearly spent, or for the reset of a spent one. A
    /// reset further away than `max_wait` is not waited for: the request goes out and
    /// Braze answers 429 with the reset time.
    pub(crate) async fn acquire(&self, class: &LimitClass, max_wait: Duration) -> Ticket<'_> {
        // The common case, a default-class request with room in its window, is decided
        // here without waiting. Waiting is rare, and its state (timers, a notification)
        // large: boxed, it stays out of the future of every request.
        if matches!(class, LimitClass::Default) {
            let budget = &self.default;
            if let Decision::Go { probe } = budget.decide(SystemTime::now()) {
                return Ticket {
                    pacer: self,
                    budget,
                    probe,
                };
            }
        }
        Box::pin(self.wait_for_turn(class, max_wait)).await
    }

    /// [`acquire`](Self::acquire) when it may have to wait.
    async fn wait_for_turn(&self, class: &LimitClass, max_wait: Duration) -> Ticket<'_> {
        let mut waited = Duration::ZERO;
        if let LimitClass::Broadcast { audience } = class {
            loop {
                let wait = self
                    .lock_ceilings()
                    .take(&self.limits, audience, SystemTime::now());
                match wait {
                    None => break,
                    Some(wait) if waited + wait > max_wait => break,
                    Some(wait) => {
                        tracing::debug!(
                            wait_ms = wait.as_millis() as u64,
                            "broadcast limit reached (documented numbers); waiting"
                        );
                        tokio::time::sleep(wait).await;
                        waited += wait;
                    }
                }
            }
        }
        let budget = self.budget(class);
        loop {
            let mut decision = budget.decide(SystemTime::now());
            if matches!(decision, Decision::WaitForProbe | Decision::WaitForAnswer) {
                // Registered, then the state read again, so that an answer arriving in
                // between is not missed. (Only here: the common path registers nothing.)
                let notified = self.changed.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                decision = budget.decide(SystemTime::now());
                if matches!(decision, Decision::WaitForProbe | Decision::WaitForAnswer) {
                    let _ = tokio::time::timeout(PROBE_WAIT, notified).await;
                    continue;
                }
            }
            match decision {
                Decision::Go { probe } => {
                    return Ticket {
                        pacer: self,
                        budget,
                        probe,
                    };
                }
                // Not reached (waited for above); looking again is always right.
                Decision::WaitForProbe | Decision::WaitForAnswer => {}
                Decision::WaitForReset(wait) if waited + wait > max_wait => {
                    budget.lock().in_flight += 1;
                    return Ticket {
                        pacer: self,
                        budget,
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

    fn lock_ceilings(&self) -> std::sync::MutexGuard<'_, Ceilings> {
        self.ceilings.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Budget {
    fn lock(&self) -> std::sync::MutexGuard<'_, BudgetState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What a request may do at `now`; a `Go` counts it in flight.
    fn decide(&self, now: SystemTime) -> Decision {
        let mut state = self.lock();
        let decision = match state.window {
            Window::Unpaced => Decision::Go { probe: false },
            Window::Unknown => {
                state.window = Window::Probing(Instant::now());
                Decision::Go { probe: true }
            }
            Window::Probing(since) if since.elapsed() >= PROBE_WAIT => {
                state.window = Window::Probing(Instant::now());
                Decision::Go { probe: true }
            }
            Window::Probing(_) => Decision::WaitForProbe,
            Window::Known {
                remaining,
                reset,
                limit,
                answered,
                lowered,
            } => {
                let reset_at = UNIX_EPOCH + Duration::from_secs(reset);
                match reset_at.duration_since(now) {
                    // The window is over; the next one is unknown until an answer says.
                    Err(_) => {
                        state.shared_before = lowered;
                        state.window = Window::Probing(Instant::now());
                        Decision::Go { probe: true }
                    }
                    Ok(left) if remaining == 0 => Decision::WaitForReset(left + RESET_MARGIN),
                    Ok(_)
                        if !room_for_one_more(
                            remaining,
                            state.in_flight,
                            state.peak_in_flight,
                            state.sharers,
                            lowered || state.shared_before,
                        ) =>
                    {
                        state.awaited = true;
                        Decision::WaitForAnswer
                    }
                    Ok(_) => {
                        state.window = Window::Known {
                            remaining: remaining - 1,
                            reset,
                            limit,
                            answered,
                            lowered,
                        };
                        Decision::Go { probe: false }
                    }
                }
            }
        };
        if let Decision::Go { .. } = decision {
            state.in_flight += 1;
            state.peak_in_flight = state.peak_in_flight.max(state.in_flight);
        }
        decision
    }

    /// Takes in an answer; whether waiters should look again.
    fn observe(&self, success: bool, figures: Option<&RateLimit>) -> bool {
        let known = figures.and_then(|f| Some((f.remaining?, f.reset?, f.limit)));
        let mut state = self.lock();
        let before = *state;
        state.window = match (known, state.window) {
            (
                Some((remaining, reset, limit)),
                Window::Known {
                    remaining: left,
                    reset: current,
                    limit: known_limit,
                    answered,
                    lowered,
                },
            ) => {
                if reset == current {
                    let answered = answered + 1;
                    let limit = limit.or(known_limit);
                    state.sharers = sharers(limit, remaining, answered);
                    Window::Known {
                        remaining: left.min(remaining),
                        reset,
                        limit,
                        answered,
                        lowered: lowered || remaining < left,
                    }
                } else if reset > current {
                    state.shared_before = lowered;
                    state.first_answer(remaining, reset, limit)
                } else {
                    // A late answer from a window that is already over tells nothing new.
                    return false;
                }
            }
            (Some((remaining, reset, limit)), _) => state.first_answer(remaining, reset, limit),
            // A success without figures: this server does not report its limits.
            (None, _) if success => Window::Unpaced,
            // An error page without figures (a proxy's, say) tells nothing; let another
            // request probe.
            (None, Window::Probing(_)) => Window::Unknown,
            (None, window) => window,
        };
        state.window != before.window
    }
}

/// Whether one more request fits in a window with `remaining` left, `in_flight` of ours
/// unanswered (at most `peak` so far) and about `sharers` clients spending it
/// ([`Pacer`]). With none of ours in flight, one always may. Alone, every unit of
/// `remaining` may be spent. Once an answer has shown others spending the window
/// (`lowered`), `remaining` is the server's figure, which counts neither our requests on
/// their way nor the others': each of us has about as many in flight, so one more fits
/// while `remaining > sharers * in_flight`; and as the others' requests keep arriving
/// between two of our answers (the more so when processes wait for a CPU), the last
/// stretch of the window, `2 * sharers * peak` requests, is spent one request at a time.
fn room_for_one_more(
    remaining: u64,
    in_flight: u64,
    peak: u64,
    sharers: f64,
    lowered: bool,
) -> bool {
    if in_flight == 0 {
        return true;
    }
    if !lowered {
        return remaining as f64 > (sharers - 1.0).max(0.0) * in_flight as f64;
    }
    let last_stretch = 2.0 * sharers * peak as f64;
    remaining as f64 > last_stretch.max(sharers * in_flight as f64)
}

/// How many clients seem to spend the window: what the server counted in it over what we
/// had answered in it, at least 1. Without `x-ratelimit-limit`, 1.
fn sharers(limit: Option<u64>, remaining: u64, answered: u64) -> f64 {
    match limit {
        Some(limit) if answered > 0 => {
            (limit.saturating_sub(remaining) as f64 / answered as f64).max(1.0)
        }
        _ => 1.0,
    }
}

impl BudgetState {
    /// The window that the first answer from it tells of.
    ///
    /// It shows others when the server counted more requests than we have in flight
    /// (all of which it may have counted already). But a client whose request the server
    /// counted first reads `limit - 1` and cannot tell, while the others, woken by the
    /// same reset, are about to spend the window too. Clients that shared the last window
    /// most likely share this one, so such a window is paced as shared from its start
    /// ([`BudgetState::shared_before`]) and the estimate of sharers starts from the last
    /// one if that is higher; the answers that follow correct it, and a window without
    /// sign of others makes the next one start alone again.
    fn first_answer(&mut self, remaining: u64, reset: u64, limit: Option<u64>) -> Window {
        self.sharers = sharers(limit, remaining, 1).max(self.sharers);
        Window::Known {
            remaining,
            reset,
            limit,
            answered: 1,
            lowered: limit.is_some_and(|limit| limit.saturating_sub(remaining) > self.in_flight),
        }
    }
}

/// The broadcast class's documented numbers, counted by this pacer on the clock's windows.
#[derive(Debug, Default)]
struct Ceilings {
    broadcast: Counted,
    audiences: HashMap<String, Counted>,
}

/// Requests counted in one clock-aligned window.
#[derive(Debug, Clone, Copy, Default)]
struct Counted {
    index: u64,
    used: u64,
}

impl Counted {
    /// Counts one request at `now` if the ceiling allows it; else how long until the next
    /// window.
    fn take(&mut self, ceiling: Ceiling, now: SystemTime) -> Option<Duration> {
        let window = ceiling.window.as_millis().max(1) as u64;
        let now_ms = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let index = now_ms / window;
        if index != self.index {
            *self = Counted { index, used: 0 };
        }
        if self.used < ceiling.requests {
            self.used += 1;
            return None;
        }
        let next = (index + 1) * window;
        Some(Duration::from_millis(next - now_ms) + RESET_MARGIN)
    }

    /// Gives back a request counted by [`Counted::take`] that will not be sent.
    fn give_back(&mut self) {
        self.used = self.used.saturating_sub(1);
    }
}

/// Audiences whose window has passed are forgotten once this many are held.
const MAX_AUDIENCES: usize = 1_024;

impl Ceilings {
    /// Counts one broadcast request for `audience` at `now` against both ceilings; else
    /// how long until one of them has room (nothing counted).
    fn take(&mut self, limits: &ClassLimits, audience: &str, now: SystemTime) -> Option<Duration> {
        if let Some(ceiling) = limits.broadcast
            && let Some(wait) = self.broadcast.take(ceiling, now)
        {
            return Some(wait);
        }
        let ceiling = limits.per_audience?;
        if self.audiences.len() >= MAX_AUDIENCES && !self.audiences.contains_key(audience) {
            let window = ceiling.window.as_millis().max(1) as u64;
            let now_ms = now
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64);
            let current = now_ms / window;
            self.audiences.retain(|_, counted| counted.index == current);
        }
        let wait = self
            .audiences
            .entry(audience.to_owned())
            .or_default()
            .take(ceiling, now);
        if wait.is_some() && limits.broadcast.is_some() {
            self.broadcast.give_back();
        }
        wait
    }
}

#[cfg(test)]
impl Pacer {
    /// The default class's decision, for the tests.
    fn decide(&self, now: SystemTime) -> Decision {
        self.default.decide(now)
    }

    /// An answer to the default class, for the tests.
    fn observe(&self, success: bool, figures: Option<&RateLimit>) {
        if self.default.observe(success, figures) {
            self.changed.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Figures without a limit: the pacer cannot tell whether it shares the window.
    fn figures(remaining: u64, reset: u64) -> RateLimit {
        RateLimit {
            limit: None,
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
            budget: &pacer.default,
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
        pacer.default.lock().window = Window::Probing(Instant::now() - PROBE_WAIT);
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
        let probe = pacer
            .acquire(&LimitClass::Default, Duration::from_secs(5))
            .await;
        assert!(probe.probe);
        let waiter = {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                let ticket = pacer
                    .acquire(&LimitClass::Default, Duration::from_secs(5))
                    .await;
                (ticket.probe, started.elapsed())
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let reset = epoch(SystemTime::now()) + 60;
        probe.observe(true, Some(&figures(10, reset)));
        drop(probe);
        let (probed, waited) = waiter.await.unwrap();
        assert!(!probed);
        assert!(
            waited < PROBE_WAIT,
            "woken by the answer, not the safety net: {waited:?}"
        );
    }

    #[test]
    fn one_more_request_fits_while_the_others_in_flight_do() {
        // Alone: every unit of remaining is spent, whatever is in flight.
        assert!(room_for_one_more(1, 63, 64, 1.0, false));
        // Four clients with 16 in flight each: 48 uncounted requests of the others.
        assert!(!room_for_one_more(48, 16, 16, 4.0, false));
        assert!(room_for_one_more(49, 16, 16, 4.0, false));
        // Seen sharing: the last 2 * 4 * 16 = 128 go one at a time.
        assert!(room_for_one_more(129, 16, 16, 4.0, true));
        assert!(!room_for_one_more(128, 1, 16, 4.0, true));
        assert!(
            !room_for_one_more(300, 80, 80, 4.0, true),
            "ours uncounted too"
        );
        // With none of ours in flight, one may always go: at most one 429 per client.
        assert!(room_for_one_more(1, 0, 16, 4.0, true));
        assert!(!room_for_one_more(3, 1, 16, 4.0, false));
    }

    #[test]
    fn sharers_are_what_the_server_counted_over_our_answers() {
        assert_eq!(sharers(Some(250), 150, 25), 4.0);
        assert_eq!(sharers(Some(250), 200, 50), 1.0);
        assert_eq!(sharers(Some(250), 240, 20), 1.0, "never below one");
        assert_eq!(sharers(None, 10, 5), 1.0);
        assert_eq!(sharers(Some(250), 10, 0), 1.0);
    }

    #[tokio::test]
    async fn a_shared_window_slows_to_one_request_at_a_time_near_its_end() {
        let pacer = Pacer::new();
        let reset = epoch(SystemTime::now()) + 60;
        let shared = |remaining| RateLimit {
            limit: Some(100),
            remaining: Some(remaining),
            reset: Some(reset),
        };
        let class = LimitClass::Default;
        let wait = Duration::from_secs(5);
        let probe = pacer.acquire(&class, wait).await;
        // Our first answer: the server counted 40 requests, one of them ours.
        probe.observe(true, Some(&shared(60)));
        drop(probe);
        let first = pacer.acquire(&class, wait).await;
        first.observe(true, Some(&shared(20))); // 80 counted, 2 ours: 40 sharers
        // 19 left, one of ours in flight, 39 other clients: wait for our answer.
        assert_eq!(pacer.decide(SystemTime::now()), Decision::WaitForAnswer);
        let waiter = tokio::time::timeout(Duration::from_millis(500), async {
            drop(first);
            pacer.acquire(&class, wait).await
        });
        let next = waiter.await.expect("an answer frees the next request");
        assert!(!next.probe);
        // With one in flight again, the next waits for it.
        assert_eq!(pacer.decide(SystemTime::now()), Decision::WaitForAnswer);
    }

    #[test]
    fn a_window_after_a_shared_one_is_paced_as_shared_from_its_first_answer() {
        let budget = Budget::default();
        let now = SystemTime::now();
        let reset = epoch(now) + 60;
        let figures = |remaining, reset| RateLimit {
            limit: Some(10),
            remaining: Some(remaining),
            reset: Some(reset),
        };
        // Our probe was counted first: 9 left, nothing tells of others yet.
        assert_eq!(budget.decide(now), Decision::Go { probe: true });
        budget.observe(true, Some(&figures(9, reset)));
        budget.lock().in_flight = 0;
        for _ in 0..2 {
            assert_eq!(budget.decide(now), Decision::Go { probe: false });
        }
        assert_eq!(
            budget.decide(now),
            Decision::Go { probe: false },
            "alone so far"
        );
        // An answer says 3 left where our count says 6: others spend this window.
        budget.observe(true, Some(&figures(3, reset)));
        assert_eq!(budget.decide(now), Decision::WaitForAnswer);
        // The next window's first answer is again "9 left" (ours counted first), but it
        // is paced as shared: with one of ours in flight the next waits for its answer.
        budget.observe(true, Some(&figures(9, reset + 60)));
        budget.lock().in_flight = 1;
        assert_eq!(budget.decide(now), Decision::WaitForAnswer);
        // A window with no sign of others makes the next one start alone again (the
        // answer is to our one request in flight).
        budget.observe(true, Some(&figures(9, reset + 120)));
        assert_eq!(budget.decide(now), Decision::Go { probe: false });
    }

    #[test]
    fn a_first_answer_counting_more_than_ours_in_flight_shows_others() {
        let budget = Budget::default();
        let now = SystemTime::now();
        let reset = epoch(now) + 60;
        assert_eq!(budget.decide(now), Decision::Go { probe: true });
        // One of ours in flight, and the server counted 4.
        budget.observe(
            true,
            Some(&RateLimit {
                limit: Some(10),
                remaining: Some(6),
                reset: Some(reset),
            }),
        );
        assert!(matches!(
            budget.lock().window,
            Window::Known { lowered: true, .. }
        ));
    }

    #[test]
    fn the_documented_broadcast_numbers_are_counted_per_window() {
        let limits = ClassLimits {
            broadcast: Some(Ceiling {
                requests: 5,
                window: Duration::from_secs(60),
            }),
            per_audience: Some(Ceiling {
                requests: 2,
                window: Duration::from_secs(60),
            }),
        };
        let mut ceilings = Ceilings::default();
        let start = UNIX_EPOCH + Duration::from_secs(60 * 1_000);
        assert_eq!(ceilings.take(&limits, "a", start), None);
        assert_eq!(ceilings.take(&limits, "a", start), None);
        let wait = ceilings
            .take(&limits, "a", start)
            .expect("two per audience");
        assert_eq!(wait, Duration::from_secs(60) + RESET_MARGIN);
        // Another audience has its own count; the refused one was not counted overall.
        assert_eq!(ceilings.take(&limits, "b", start), None);
        assert_eq!(ceilings.take(&limits, "b", start), None);
        assert_eq!(ceilings.take(&limits, "c", start), None);
        assert!(
            ceilings.take(&limits, "d", start).is_some(),
            "five across audiences"
        );
        // The next window starts afresh.
        let next = start + Duration::from_secs(60);
        assert_eq!(ceilings.take(&limits, "a", next), None);
        let none = ClassLimits {
            broadcast: None,
            per_audience: None,
        };
        for _ in 0..100 {
            assert_eq!(ceilings.take(&none, "a", start), None);
        }
    }
}
