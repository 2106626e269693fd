//! The end of a bulk run: its summary (text on stderr, or a JSON object on stdout) and
//! its exit code.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use braze_sdk::{RequestPreview, ScheduleKind};
use serde_json::json;

use crate::bulk::control::StopReason;
use crate::bulk::progress::Counters;
use crate::bulk::recorder::Recorded;
use crate::error::{EXIT_INTERRUPTED, EXIT_REFUSED, EXIT_SUCCESS, EXIT_USAGE};
use crate::output::{Output, count, preview_json, preview_text, print_json};

/// The end of a run, printed on stderr (text) or stdout (JSON).
pub struct Summary<'a> {
    /// The counts of finished rows.
    pub counters: &'a Counters,
    /// The run's wall time.
    pub elapsed: Duration,
    /// Why the run stopped taking rows, if it did.
    pub reason: Option<&'a StopReason>,
    /// What the recorder saw.
    pub written: &'a Recorded,
    /// The `--report` path, if any.
    pub report: Option<&'a Path>,
    /// A dry run's preview of the first request.
    pub first_request: Option<&'a RequestPreview>,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

fn get(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Acquire)
}

impl Summary<'_> {
    /// The exit code the run ends with.
    pub fn exit_code(&self) -> u8 {
        let c = self.counters;
        match self.reason {
            Some(StopReason::Interrupted) => EXIT_INTERRUPTED,
            Some(StopReason::ReportFailed) => EXIT_USAGE,
            Some(StopReason::KeyRefused { .. } | StopReason::Unreachable { .. }) => EXIT_REFUSED,
            None if get(&c.failed) + get(&c.invalid) + get(&c.gone) > 0 => EXIT_REFUSED,
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
    pub fn print(&self, output: Output, kind: ScheduleKind) {
        if output.is_json() {
            self.print_json();
        } else {
            self.print_text(kind);
        }
    }

    /// One JSON object on stdout.
    fn print_json(&self) {
        let c = self.counters;
        let mut summary = json!({
            "rows": get(&c.done),
            "deleted": get(&c.deleted),
            "failed": get(&c.failed),
            "invalid": get(&c.invalid),
            "skipped": get(&c.skipped),
            "elapsed_s": (self.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            "rows_per_s": self.rows_per_second().round(),
            "rate_limited": get(&c.rate_limited),
            "retried": get(&c.retried),
            "gone": get(&c.gone),
            "interrupted": self.reason == Some(&StopReason::Interrupted),
            "stopped": self.reason.map(stop_text),
            "first_failure": self.written.first_failure.as_ref().map(|(line, text)| {
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

    /// The dry run's first request on stdout; the counts, then what needs a look, on
    /// stderr.
    fn print_text(&self, kind: ScheduleKind) {
        if let Some(preview) = self.first_request {
            print!("{}", preview_text(preview));
        }
        if self.written.unlisted_problems > 0 {
            eprintln!(
                "... and {} more failed or invalid rows (use --report FILE to record them all)",
                count(self.written.unlisted_problems)
            );
        }
        self.print_counts();
        self.print_notes(kind);
    }

    /// The line of counts.
    fn print_counts(&self) {
        let c = self.counters;
        let gone = match get(&c.gone) {
            0 => String::new(),
            gone => format!("{} gone, ", count(gone)),
        };
        eprintln!(
            "{}: {} rows in {:.1}s ({} rows/s): {} deleted, {gone}{} failed, {} invalid, {} \
             skipped",
            if self.dry_run { "dry run" } else { "summary" },
            count(get(&c.done)),
            self.elapsed.as_secs_f64(),
            count(self.rows_per_second() as u64),
            count(get(&c.deleted)),
            count(get(&c.failed)),
            count(get(&c.invalid)),
            count(get(&c.skipped)),
        );
    }

    /// The indented lines under the counts: retries, gone rows, why the run stopped, the
    /// first failure, the report.
    fn print_notes(&self, kind: ScheduleKind) {
        let c = self.counters;
        let retried = get(&c.retried);
        let rate_limited = get(&c.rate_limited);
        if retried > 0 || rate_limited > 0 {
            eprintln!(
                "  {} rows needed retries; {} ended rate-limited (429)",
                count(retried),
                count(rate_limited)
            );
        }
        let gone = get(&c.gone);
        if gone > 0 {
            eprintln!(
                "  {} rows gone: Braze answered 404 after a request that may have deleted them \
                 (an attempt without a clear answer, or an interrupted run); their ids may also \
                 be wrong: check them (their report lines say which)",
                count(gone)
            );
        }
        if let Some(reason) = self.reason {
            eprintln!("  stopped: {}", stop_text(reason));
        }
        if let Some((line, text)) = &self.written.first_failure {
            eprintln!("  first failure, line {line}: {text}");
        }
        if let Some(report) = self.report {
            let key = match kind.owner_field() {
                Some(field) => format!("{field} and schedule_id"),
                None => "schedule_id".to_owned(),
            };
            eprintln!(
                "  report: {} (one line per row; {} rows are keyed by {key})",
                report.display(),
                kind.noun(),
            );
        }
    }
}

/// Why a run stopped, for people.
/// Why a run stopped, in a sentence (shared with the bulk sends' summary).
pub fn stop_text(reason: &StopReason) -> String {
    match reason {
        StopReason::Interrupted => {
            "interrupted; rows not attempted are reported skipped".to_owned()
        }
        StopReason::KeyRefused { status, line } => format!(
            "Braze refused the API key ({status}) on line {line}; the rows after it were not \
             sent (check the key, its permissions and the instance)"
        ),
        StopReason::ReportFailed => "the report could not be written".to_owned(),
        StopReason::Unreachable { rows } => format!(
            "{rows} rows in a row could not connect to Braze; the rows after them were not \
             sent (check the endpoint and the network)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit_code(reason: Option<&StopReason>, failed: u64, gone: u64, invalid: u64) -> u8 {
        let counters = Counters::default();
        counters.deleted.store(5, Ordering::Relaxed);
        counters.failed.store(failed, Ordering::Relaxed);
        counters.gone.store(gone, Ordering::Relaxed);
        counters.invalid.store(invalid, Ordering::Relaxed);
        Summary {
            counters: &counters,
            elapsed: Duration::from_secs(1),
            reason,
            written: &Recorded::default(),
            report: None,
            first_request: None,
            dry_run: false,
        }
        .exit_code()
    }

    #[test]
    fn the_exit_code_says_whether_anything_needs_a_look() {
        let refused = StopReason::KeyRefused {
            status: 401,
            line: 3,
        };
        let unreachable = StopReason::Unreachable { rows: 10 };
        assert_eq!(exit_code(None, 0, 0, 0), EXIT_SUCCESS);
        assert_eq!(exit_code(None, 1, 0, 0), EXIT_REFUSED);
        assert_eq!(
            exit_code(None, 0, 1, 0),
            EXIT_REFUSED,
            "gone rows need a look"
        );
        assert_eq!(exit_code(None, 0, 0, 1), EXIT_REFUSED);
        assert_eq!(
            exit_code(Some(&StopReason::Interrupted), 1, 0, 0),
            EXIT_INTERRUPTED
        );
        assert_eq!(exit_code(Some(&refused), 0, 0, 0), EXIT_REFUSED);
        assert_eq!(exit_code(Some(&unreachable), 0, 0, 0), EXIT_REFUSED);
        assert_eq!(
            exit_code(Some(&StopReason::ReportFailed), 0, 0, 0),
            EXIT_USAGE
        );
    }
}
