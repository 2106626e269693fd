//! Stopping a bulk run cleanly: Ctrl-C (SIGINT) or SIGTERM, or a key Braze refuses.
//!
//! * First signal: stop taking rows; requests in flight finish; every row not attempted
//!   (the rest of the input too, read without sending) is reported `skipped`.
//! * Second signal: abandon the requests in flight; they are reported `failed`, since
//!   they may or may not have reached Braze.
//! * Third signal: exit at once (for an input that never ends, such as a pipe left open).
//!
//! A 401 or 403 stops the run the same way as a first signal: every later row would be
//! refused alike, and hammering Braze with a bad key helps no one. So does a streak of
//! rows that could not even connect (each after the SDK's retries): a wrong endpoint or a
//! network outage would otherwise take every remaining row through its backoff.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::watch;

use crate::error::EXIT_INTERRUPTED;
use crate::report::{SKIPPED_INTERRUPTED, SkipReason};

/// Why a run stopped taking rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// Braze refused the key (401) or its permission (403).
    KeyRefused {
        /// 401 or 403.
        status: u16,
        /// The line of the row that was refused.
        line: u64,
    },
    /// The report could not be written: rows would end without a record.
    ReportFailed,
    /// This many rows in a row could not connect to Braze.
    Unreachable {
        /// The length of the streak.
        rows: u64,
    },
}

/// The state every part of a run checks: the reader and the workers before each row, the
/// workers while a request is in flight.
#[derive(Debug)]
pub struct Control {
    stopping: AtomicBool,
    reason: OnceLock<StopReason>,
    abandon: watch::Sender<bool>,
    unreachable_streak: AtomicU64,
    unreachable_limit: u64,
}

impl Default for Control {
    fn default() -> Self {
        Self::new(UNREACHABLE_LIMIT_MIN)
    }
}

/// The fewest rows in a row that must fail to connect before a run stops.
const UNREACHABLE_LIMIT_MIN: u64 = 10;

impl Control {
    /// A control that stops the run after `concurrency` rows in a row (at least 10)
    /// could not connect.
    pub fn new(concurrency: u64) -> Self {
        Self {
            stopping: AtomicBool::new(false),
            reason: OnceLock::new(),
            abandon: watch::Sender::new(false),
            unreachable_streak: AtomicU64::new(0),
            unreachable_limit: concurrency.max(UNREACHABLE_LIMIT_MIN),
        }
    }

    /// A row's request got an answer (of any status): the streak of unreachable rows ends.
    pub fn note_answered(&self) {
        // Read first: most rows are answered, and a read does not contend.
        if self.unreachable_streak.load(Ordering::Relaxed) != 0 {
            self.unreachable_streak.store(0, Ordering::Relaxed);
        }
    }

    /// A row's request could not connect, after the SDK's retries.
    pub fn note_unreachable(&self) {
        let rows = self.unreachable_streak.fetch_add(1, Ordering::Relaxed) + 1;
        if rows >= self.unreachable_limit {
            self.stop(StopReason::Unreachable { rows });
        }
    }

    /// Stops taking rows; the first reason given is the one kept. Returns whether this
    /// call stopped the run.
    pub fn stop(&self, reason: StopReason) -> bool {
        let first = self.reason.set(reason).is_ok();
        self.stopping.store(true, Ordering::Release);
        first
    }

    /// Whether rows are no longer to be sent.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Why the run stopped, if it did.
    pub fn reason(&self) -> Option<&StopReason> {
        self.reason.get()
    }

    /// Abandons the requests in flight.
    pub fn abandon(&self) {
        self.stop(StopReason::Interrupted);
        self.abandon.send_replace(true);
    }

    /// Becomes `true` when requests in flight are to be abandoned.
    pub fn abandoned(&self) -> watch::Receiver<bool> {
        self.abandon.subscribe()
    }

    /// Why a row was not attempted because the run stopped, and its report message.
    pub fn skip(&self) -> (SkipReason, Cow<'static, str>) {
        match self.reason() {
            Some(StopReason::KeyRefused { status, line }) => (
                SkipReason::KeyRefused,
                Cow::Owned(format!(
                    "not attempted: Braze refused the API key ({status}) on line {line}, so \
                     no more rows were sent"
                )),
            ),
            Some(StopReason::ReportFailed) => (
                SkipReason::ReportFailed,
                Cow::Borrowed("not attempted: the report could not be written"),
            ),
            Some(StopReason::Unreachable { rows }) => (
                SkipReason::Unreachable,
                Cow::Owned(format!(
                    "not attempted: {rows} rows in a row could not connect to Braze, so no \
                     more rows were sent"
                )),
            ),
            Some(StopReason::Interrupted) | None => {
                (SkipReason::Interrupted, Cow::Borrowed(SKIPPED_INTERRUPTED))
            }
        }
    }
}

/// Listens for Ctrl-C and SIGTERM for the rest of the run (abort the task to stop).
pub async fn listen_for_signals(control: std::sync::Arc<Control>) {
    let Some(mut signals) = Signals::new() else {
        eprintln!("warning: cannot listen for Ctrl-C; interrupting will lose in-flight rows");
        return;
    };
    let mut received = 0u32;
    while signals.next().await {
        received += 1;
        match received {
            1 => {
                control.stop(StopReason::Interrupted);
                eprintln!(
                    "\ninterrupted: sending no more rows; waiting for the requests in flight \
                     (Ctrl-C again to abandon them)"
                );
            }
            2 => {
                control.abandon();
                eprintln!(
                    "\ninterrupted again: abandoning the requests in flight (reported failed: \
                     they may or may not have been applied); Ctrl-C once more exits at once"
                );
            }
            _ => {
                eprintln!(
                    "\ninterrupted a third time: exiting now; the report may lack the rows \
                     not yet written"
                );
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
        }
    }
}

/// SIGINT and SIGTERM, registered once so that no signal falls between two waits.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Option<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Some(Self {
                interrupt: signal(SignalKind::interrupt()).ok()?,
                terminate: signal(SignalKind::terminate()).ok()?,
            })
        }
        #[cfg(not(unix))]
        {
            Some(Self {})
        }
    }

    /// Waits for the next signal; `false` if none can come any more.
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        {
            tokio::select! {
                received = self.interrupt.recv() => received.is_some(),
                received = self.terminate.recv() => received.is_some(),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.is_ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_reason_is_kept() {
        let control = Control::default();
        assert!(!control.is_stopping());
        assert!(control.stop(StopReason::KeyRefused {
            status: 401,
            line: 9
        }));
        assert!(!control.stop(StopReason::Interrupted));
        assert!(control.is_stopping());
        let (reason, message) = control.skip();
        assert_eq!(reason, SkipReason::KeyRefused);
        assert!(message.contains("(401) on line 9"), "{message}");
    }

    #[test]
    fn a_streak_of_unreachable_rows_stops_the_run() {
        let control = Control::new(3);
        for _ in 0..9 {
            control.note_unreachable();
        }
        control.note_answered();
        for _ in 0..9 {
            control.note_unreachable();
        }
        assert!(!control.is_stopping(), "an answer ends the streak");
        control.note_unreachable();
        assert_eq!(
            control.reason(),
            Some(&StopReason::Unreachable { rows: 10 })
        );
    }

    #[test]
    fn abandoning_stops_and_signals_the_workers() {
        let control = Control::default();
        let abandoned = control.abandoned();
        assert!(!*abandoned.borrow());
        control.abandon();
        assert!(*abandoned.borrow());
        assert!(control.is_stopping());
        assert_eq!(
            control.skip(),
            (SkipReason::Interrupted, SKIPPED_INTERRUPTED.into())
        );
    }
}
