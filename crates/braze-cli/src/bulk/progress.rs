//! Progress on stderr while a bulk run goes: a bar (indicatif) on a terminal, a plain
//! line every 2 seconds otherwise (logs of a job), nothing with `--quiet`.
//!
//! The recorder ([`crate::bulk::recorder::Recorder::record`]) bumps atomic counters as rows
//! end; a thread of its own samples them a few times a second. Per row, progress costs a
//! few relaxed atomic adds.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::{Outcome, RowResult};
use braze_sdk::api::rate_limit::utc_text;

use crate::output::count;

/// How often the bar is redrawn.
const BAR_TICK: Duration = Duration::from_millis(200);
/// How often a plain progress line is printed.
const LINE_EVERY: Duration = Duration::from_secs(2);
/// The span the "rows/s" figure is measured over.
const RATE_WINDOW: Duration = Duration::from_secs(5);
/// Stands for "unknown" in the rate-limit atomics.
const UNKNOWN: u64 = u64::MAX;

/// Counts of finished rows, shared between the recorder and the progress display.
#[derive(Debug)]
pub struct Counters {
    /// Rows finished, whatever their outcome.
    pub done: AtomicU64,
    /// Rows deleted.
    pub deleted: AtomicU64,
    /// Rows failed.
    pub failed: AtomicU64,
    /// Rows invalid.
    pub invalid: AtomicU64,
    /// Rows skipped.
    pub skipped: AtomicU64,
    /// Rows whose last answer was a 429.
    pub rate_limited: AtomicU64,
    /// Rows that took more than one attempt.
    pub retried: AtomicU64,
    /// Rows gone: 404 for a row this tool may have deleted earlier (see `Outcome::Gone`).
    pub gone: AtomicU64,
    rate_remaining: AtomicU64,
    rate_reset: AtomicU64,
}

impl Default for Counters {
    fn default() -> Self {
        Self {
            done: AtomicU64::new(0),
            deleted: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            invalid: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            retried: AtomicU64::new(0),
            gone: AtomicU64::new(0),
            rate_remaining: AtomicU64::new(UNKNOWN),
            rate_reset: AtomicU64::new(UNKNOWN),
        }
    }
}

impl Counters {
    /// Counts a finished row.
    pub fn record(&self, row: &RowResult) {
        let counter = match row.outcome {
            Outcome::Deleted => &self.deleted,
            Outcome::Gone => &self.gone,
            Outcome::Failed => &self.failed,
            Outcome::Invalid => &self.invalid,
            Outcome::Skipped => &self.skipped,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if row.status == Some(429) {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        if row.attempts > 1 {
            self.retried.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(figures) = row.rate_limit
            && let (Some(remaining), Some(reset)) = (figures.remaining, figures.reset)
        {
            self.rate_remaining.store(remaining, Ordering::Relaxed);
            self.rate_reset.store(reset, Ordering::Relaxed);
        }
        // Last, so that `done` never runs ahead of the outcome counts.
        self.done.fetch_add(1, Ordering::Release);
    }

    fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// When the rate-limit window is known spent: the epoch second it resets.
    fn waiting_for_reset(&self) -> Option<u64> {
        let remaining = Self::get(&self.rate_remaining);
        let reset = Self::get(&self.rate_reset);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        (remaining == 0 && reset != UNKNOWN && reset > now).then_some(reset)
    }
}

/// What a progress display shows: how many rows are done, and the counts beside them.
/// The deletes' [`Counters`] are one; the sends' counts another.
pub trait Tally: Send + Sync + 'static {
    /// Rows finished, whatever their outcome.
    fn done(&self) -> u64;
    /// The counts and the rate, as shown after the bar: `3 deleted, 0 failed, ...`.
    fn notes(&self, rows_per_second: f64) -> String;
}

impl Tally for Counters {
    fn done(&self) -> u64 {
        self.done.load(Ordering::Acquire)
    }

    fn notes(&self, rows_per_second: f64) -> String {
        let mut notes = format!(
            "{} deleted, {} failed, {} invalid, {} skipped; {} rows/s",
            count(Counters::get(&self.deleted)),
            Counters::get(&self.failed),
            Counters::get(&self.invalid),
            count(Counters::get(&self.skipped)),
            count(rows_per_second as u64),
        );
        if let Some(reset) = self.waiting_for_reset() {
            notes.push_str(&format!(
                "; rate limit spent, waiting for {}",
                utc_text(reset)
            ));
        }
        notes
    }
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A redrawn bar (stderr is a terminal).
    Bar,
    /// A line every 2 seconds (stderr is a file or a pipe).
    Lines,
    /// Nothing (`--quiet`).
    Off,
}

/// The running display; [`Display::finish`] stops it.
pub struct Display {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Display {
    /// Starts showing `counters`; `total` is the estimated row count, if known.
    pub fn start(counters: Arc<dyn Tally>, total: Option<u64>, style: Style) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = match style {
            Style::Off => None,
            Style::Bar | Style::Lines => {
                let stop = Arc::clone(&stop);
                std::thread::Builder::new()
                    .name("braze-progress".to_owned())
                    .spawn(move || show(&*counters, total, style, &stop))
                    .ok()
            }
        };
        Self { stop, thread }
    }

    /// Stops the display (clearing the bar) before the summary is printed.
    pub fn finish(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

/// The display thread's loop.
fn show(counters: &dyn Tally, total: Option<u64>, style: Style, stop: &AtomicBool) {
    let started = Instant::now();
    let mut rate = RecentRate::default();
    let bar = (style == Style::Bar).then(|| new_bar(total));
    let tick = if style == Style::Bar {
        BAR_TICK
    } else {
        LINE_EVERY
    };
    loop {
        std::thread::park_timeout(tick);
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let done = counters.done();
        let per_second = rate.sample(Instant::now(), done);
        let notes = counters.notes(per_second);
        match &bar {
            Some(bar) => {
                if let Some(total) = total {
                    bar.set_length(total.max(done));
                }
                bar.set_position(done);
                bar.set_message(notes);
            }
            None => {
                let of = total
                    .map(|t| format!(" of ~{}", count(t.max(done))))
                    .unwrap_or_default();
                eprintln!(
                    "progress: {} rows{of} after {}s: {notes}",
                    count(done),
                    started.elapsed().as_secs()
                );
            }
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}

fn new_bar(total: Option<u64>) -> ProgressBar {
    let (bar, template) = match total {
        Some(total) => (
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
            "{spinner} {elapsed_precise} [{bar:30}] {human_pos}/{human_len} rows, ETA {eta} | {wide_msg}",
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            "{spinner} {elapsed_precise} {human_pos} rows | {wide_msg}",
        ),
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar
}

/// Rows per second over the last few seconds.
#[derive(Default)]
struct RecentRate {
    samples: VecDeque<(Instant, u64)>,
}

impl RecentRate {
    fn sample(&mut self, now: Instant, done: u64) -> f64 {
        self.samples.push_back((now, done));
        while self.samples.len() > 2
            && self
                .samples
                .front()
                .is_some_and(|(at, _)| now.duration_since(*at) > RATE_WINDOW)
        {
            self.samples.pop_front();
        }
        let (first_at, first_done) = self.samples.front().copied().unwrap_or((now, done));
        let span = now.duration_since(first_at).as_secs_f64();
        if span <= 0.0 {
            0.0
        } else {
            (done - first_done) as f64 / span
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::SkipReason;

    #[test]
    fn counters_count_each_outcome_once() {
        let counters = Counters::default();
        let mut row = RowResult::skipped(2, None, None, SkipReason::Interrupted, "x");
        counters.record(&row);
        row.outcome = Outcome::Failed;
        row.status = Some(429);
        row.attempts = 3;
        counters.record(&row);
        assert_eq!(Counters::get(&counters.done), 2);
        assert_eq!(Counters::get(&counters.skipped), 1);
        assert_eq!(Counters::get(&counters.failed), 1);
        assert_eq!(Counters::get(&counters.rate_limited), 1);
        assert_eq!(Counters::get(&counters.retried), 1);
    }

    #[test]
    fn the_rate_covers_recent_seconds() {
        let mut rate = RecentRate::default();
        let start = Instant::now();
        assert_eq!(rate.sample(start, 0), 0.0);
        let per_second = rate.sample(start + Duration::from_secs(2), 2_000);
        assert!((per_second - 1_000.0).abs() < 1.0, "{per_second}");
    }
}
