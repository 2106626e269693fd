//! The counts of a bulk send (shown as it goes by [`crate::bulk::progress`]) and its end:
//! the summary (text on stderr, or a JSON object on stdout) and the exit code.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use braze_sdk::RequestPreview;
use serde_json::json;

use crate::bulk::control::StopReason;
use crate::bulk::progress::Tally;
use crate::bulk::send::outcome::SendOutcome;
use crate::bulk::send::report::{SendRecorded, SendRow, SendSkip};
use crate::bulk::summary::stop_text;
use crate::error::{EXIT_INTERRUPTED, EXIT_REFUSED, EXIT_SUCCESS, EXIT_USAGE};
use crate::output::{Output, count, preview_json, preview_text, print_json};

/// Counts of finished rows, shared between the recorder and the progress display.
#[derive(Debug, Default)]
pub struct SendCounters {
    /// Rows finished, whatever their outcome.
    pub done: AtomicU64,
    /// Rows sent.
    pub sent: AtomicU64,
    /// Rows refused.
    pub refused: AtomicU64,
    /// Rows whose batch may or may not have been sent.
    pub unknown: AtomicU64,
    /// Rows whose batch provably did not reach Braze.
    pub not_sent: AtomicU64,
    /// Rows invalid.
    pub invalid: AtomicU64,
    /// Rows skipped because a `--resume` report records them sent or refused.
    pub already_done: AtomicU64,
    /// Rows skipped because a `--resume` report records them unknown.
    pub skipped_unknown: AtomicU64,
    /// Rows skipped otherwise (interrupted, stopped, dry run).
    pub skipped: AtomicU64,
    /// Batches checked with rows to send (in a dry run, that would be sent).
    pub batches: AtomicU64,
    /// Batches that got a dispatch.
    pub dispatches: AtomicU64,
    /// 429s the SDK waited out.
    pub rate_limited: AtomicU64,
}

fn get(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Acquire)
}

impl SendCounters {
    /// Counts a finished row.
    pub fn record(&self, row: &SendRow) {
        self.record_many(row, 1);
    }

    /// Counts `rows` finished rows that all end as `row` does.
    pub fn record_many(&self, row: &SendRow, rows: u64) {
        let counter = match (row.outcome, row.skip_reason) {
            (SendOutcome::Sent, _) => &self.sent,
            (SendOutcome::Refused, _) => &self.refused,
            (SendOutcome::Unknown | SendOutcome::InFlight, _) => &self.unknown,
            (SendOutcome::NotSent, _) => &self.not_sent,
            (SendOutcome::Invalid, _) => &self.invalid,
            (_, Some(SendSkip::AlreadySent | SendSkip::AlreadyRefused)) => &self.already_done,
            (_, Some(SendSkip::Unknown)) => &self.skipped_unknown,
            (SendOutcome::Skipped, _) => &self.skipped,
        };
        counter.fetch_add(rows, Ordering::Relaxed);
        // Last, so that `done` never runs ahead of the outcome counts.
        self.done.fetch_add(rows, Ordering::Release);
    }

    /// Counts a batch's answer: its dispatch, the 429s waited.
    pub fn record_batch(&self, dispatched: bool, rate_limited: u32) {
        if dispatched {
            self.dispatches.fetch_add(1, Ordering::Relaxed);
        }
        self.rate_limited
            .fetch_add(u64::from(rate_limited), Ordering::Relaxed);
    }
}

impl Tally for SendCounters {
    fn done(&self) -> u64 {
        get(&self.done)
    }

    fn notes(&self, rows_per_second: f64) -> String {
        format!(
            "{} sent, {} refused, {} unknown, {} invalid, {} skipped; {} rows/s; {} 429s waited",
            count(get(&self.sent)),
            get(&self.refused),
            get(&self.unknown),
            get(&self.invalid),
            count(get(&self.skipped) + get(&self.already_done) + get(&self.skipped_unknown)),
            count(rows_per_second as u64),
            get(&self.rate_limited),
        )
    }
}

/// The end of a bulk send.
pub struct SendSummary<'a> {
    /// The counts.
    pub counters: &'a SendCounters,
    /// The run's wall time.
    pub elapsed: Duration,
    /// Why the run stopped taking batches, if it did.
    pub reason: Option<&'a StopReason>,
    /// What the recorder saw.
    pub written: &'a SendRecorded,
    /// The `--report` path, if any.
    pub report: Option<&'a Path>,
    /// A dry run's preview of the first batch.
    pub first_request: Option<&'a RequestPreview>,
    /// Batches formed (sent, or for a dry run, that would be).
    pub batches: u64,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

impl SendSummary<'_> {
    /// The exit code: 130 interrupted; 2 the report failed; 1 any row refused, unknown,
    /// not sent or invalid (or skipped as unknown), or a refused key; else 0.
    pub fn exit_code(&self) -> u8 {
        let c = self.counters;
        match self.reason {
            Some(StopReason::Interrupted) => EXIT_INTERRUPTED,
            Some(StopReason::ReportFailed) => EXIT_USAGE,
            Some(StopReason::KeyRefused { .. } | StopReason::Unreachable { .. }) => EXIT_REFUSED,
            None if get(&c.refused)
                + get(&c.unknown)
                + get(&c.not_sent)
                + get(&c.invalid)
                + get(&c.skipped_unknown)
                > 0 =>
            {
                EXIT_REFUSED
            }
            None => EXIT_SUCCESS,
        }
    }

    fn rows_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            get(&self.counters.done) as f64 / seconds
        } else {
            0.0
        }
    }

    /// Prints the summary as `output` says.
    pub fn print(&self, output: Output) {
        if output.is_json() {
            self.print_json();
        } else {
            self.print_text();
        }
    }

    fn unknown_rows(&self) -> Vec<serde_json::Value> {
        self.written
            .named
            .unknown
            .iter()
            .map(|(line, user)| json!({"line": line, "user": user}))
            .collect()
    }

    fn print_json(&self) {
        let c = self.counters;
        let mut summary = json!({
            "rows": get(&c.done),
            "sent": get(&c.sent),
            "refused": get(&c.refused),
            "unknown": get(&c.unknown),
            "not_sent": get(&c.not_sent),
            "invalid": get(&c.invalid),
            "skipped": get(&c.skipped),
            "skipped_already_done": get(&c.already_done),
            "skipped_unknown": get(&c.skipped_unknown),
            "unknown_rows": self.unknown_rows(),
            "batches": self.batches,
            "dispatches": get(&c.dispatches),
            "rate_limited": get(&c.rate_limited),
            "elapsed_s": (self.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            "rows_per_s": self.rows_per_second().round(),
            "interrupted": self.reason == Some(&StopReason::Interrupted),
            "stopped": self.reason.map(stop_text),
            "first_failure": self.written.named.first_failure.as_ref().map(|(line, text)| {
                json!({"line": line, "error": text})
            }),
            "report": self.report.map(|p| p.display().to_string()),
            "dry_run": self.dry_run,
            "exit_code": self.exit_code(),
        });
        if let Some(preview) = self.first_request {
            summary["first_request"] = preview_json(preview);
        }
        print_json(&summary);
    }

    fn print_text(&self) {
        let c = self.counters;
        if let Some(preview) = self.first_request {
            print!("{}", preview_text(preview));
        }
        if self.dry_run {
            eprintln!(
                "dry run: {} batch{} of at most {} recipients would be sent; nothing was sent",
                count(self.batches),
                if self.batches == 1 { "" } else { "es" },
                braze_sdk::rules::MAX_USERS
            );
        }
        if self.written.unlisted_problems > 0 {
            eprintln!(
                "... and {} more refused, unknown or invalid rows (use --report FILE to \
                 record them all)",
                count(self.written.unlisted_problems)
            );
        }
        eprintln!(
            "{}: {} rows in {:.1}s ({} rows/s): {} sent in {} dispatches, {} refused, {} \
             unknown, {} not sent, {} invalid, {} skipped; {} 429s waited",
            if self.dry_run { "dry run" } else { "summary" },
            count(get(&c.done)),
            self.elapsed.as_secs_f64(),
            count(self.rows_per_second() as u64),
            count(get(&c.sent)),
            count(get(&c.dispatches)),
            count(get(&c.refused)),
            count(get(&c.unknown)),
            count(get(&c.not_sent)),
            count(get(&c.invalid)),
            count(get(&c.skipped) + get(&c.already_done) + get(&c.skipped_unknown)),
            count(get(&c.rate_limited)),
        );
        let done = get(&c.already_done);
        if done > 0 {
            eprintln!(
                "  {} rows skipped: sent or refused by an earlier run",
                count(done)
            );
        }
        let unknown = get(&c.unknown) + get(&c.skipped_unknown);
        if unknown > 0 {
            eprintln!(
                "  {} rows unknown: Braze may or may not have sent them; they are never sent \
                 again unless --resume ... --resend-unknown:",
                count(unknown)
            );
            for (line, user) in &self.written.named.unknown {
                eprintln!("    line {line}: {user}");
            }
            if unknown > self.written.named.unknown.len() as u64 {
                eprintln!(
                    "    ... and {} more (in the report)",
                    count(unknown - self.written.named.unknown.len() as u64)
                );
            }
        }
        if let Some(reason) = self.reason {
            eprintln!("  stopped: {}", stop_text(reason));
        }
        if let Some((line, text)) = &self.written.named.first_failure {
            eprintln!("  first failure (line {line}): {text}");
        }
        if let Some(report) = self.report {
            eprintln!("  report: {}", report.display());
        }
    }
}
