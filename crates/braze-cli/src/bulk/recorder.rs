//! Where every finished row goes: its report line, the progress counters, the first
//! failure kept for the summary, and (without `--report`) a line on stderr for a failed
//! or invalid row.
//!
//! Rows are recorded by whoever finishes them (a worker, or the reader for rows that are
//! never sent), right away: no thread in between to wake, and no finished row waiting for
//! a timer when the process is killed. Lines are encoded outside any lock and written by
//! group commit ([`ReportSink`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use braze_sdk::ScheduleKind;

use crate::bulk::control::{Control, StopReason};
use crate::bulk::progress::Counters;
use crate::report::{Outcome, ReportSink, ReportWriter, RowResult, describe, encode};

/// Without `--report`, how many failed or invalid rows are listed on stderr.
pub const MAX_LISTED_PROBLEMS: u64 = 100;

/// Records finished rows; shared by the reader and the workers.
pub struct Recorder {
    kind: ScheduleKind,
    report: Option<ReportSink>,
    counters: Arc<Counters>,
    control: Arc<Control>,
    first_failure: Mutex<Option<(u64, String)>>,
    listed: AtomicU64,
    unlisted: AtomicU64,
    report_error: Mutex<Option<std::io::Error>>,
}

/// What the recorder saw, for the summary.
#[derive(Debug, Default)]
pub struct Recorded {
    /// The first failed row: its line and the SDK's full error (with its hint).
    pub first_failure: Option<(u64, String)>,
    /// Failed or invalid rows past [`MAX_LISTED_PROBLEMS`], not listed on stderr.
    pub unlisted_problems: u64,
    /// Why the report could not be written, if it could not.
    pub report_error: Option<std::io::Error>,
}

impl Recorder {
    /// A recorder writing to `report` (or listing problems on stderr without one).
    pub fn new(
        kind: ScheduleKind,
        report: Option<ReportWriter>,
        counters: Arc<Counters>,
        control: Arc<Control>,
    ) -> Self {
        Self {
            kind,
            report: report.map(ReportSink::new),
            counters,
            control,
            first_failure: Mutex::new(None),
            listed: AtomicU64::new(0),
            unlisted: AtomicU64::new(0),
            report_error: Mutex::new(None),
        }
    }

    /// Records a finished row. `line` is the caller's scratch buffer, reused across rows.
    pub fn record(&self, row: &RowResult, line: &mut Vec<u8>) {
        if row.outcome == Outcome::Failed {
            let mut first = self.first_failure.lock().unwrap_or_else(|e| e.into_inner());
            if first.is_none() {
                let text = row
                    .error_text
                    .clone()
                    .unwrap_or_else(|| row.message.to_string());
                *first = Some((row.line, text));
            }
        }
        match &self.report {
            None => self.list(row),
            Some(report) => {
                encode(self.kind, row, line);
                if let Err(error) = report.write_line(line) {
                    // Rows that end from now on would have no record: stop sending.
                    self.control.stop(StopReason::ReportFailed);
                    *self.report_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
                }
            }
        }
        self.counters.record(row);
    }

    fn list(&self, row: &RowResult) {
        if !matches!(row.outcome, Outcome::Failed | Outcome::Invalid) {
            return;
        }
        if self.listed.fetch_add(1, Ordering::Relaxed) < MAX_LISTED_PROBLEMS {
            eprintln!("{}", describe(self.kind, row));
        } else {
            self.unlisted.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// What was seen, once every row is recorded.
    pub fn finish(self) -> Recorded {
        Recorded {
            first_failure: self
                .first_failure
                .into_inner()
                .unwrap_or_else(|e| e.into_inner()),
            unlisted_problems: self.unlisted.load(Ordering::Relaxed),
            report_error: self
                .report_error
                .into_inner()
                .unwrap_or_else(|e| e.into_inner()),
        }
    }
}
