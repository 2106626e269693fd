//! The report of a bulk send, and where every finished row goes.
//!
//! One JSON line per event: before a batch is sent, one `in_flight` line per row of it
//! (only the row, its user and its batch: the marks are half the lines), in the file
//! before the request leaves, so that a kill at any later moment leaves the rows marked;
//! after its answer, one line per row with the outcome (`sent` with its `dispatch_id`,
//! `refused`, `unknown`, `not_sent`). Rows never sent get one line: `invalid` or
//! `skipped` (with a `skip_reason`). A row's last line is its outcome; `--resume` reads it
//! ([`crate::bulk::send::resume`]).
//!
//! ```text
//! {"line":2,"user":{"external_user_id":"u1"},"outcome":"in_flight","batch":1}
//! {"line":2,"user":{"external_user_id":"u1"},"outcome":"sent","skip_reason":null,"batch":1,"status":201,"dispatch_id":"d-1",...}
//! ```
//!
//! Lines go out by the deletes' group commit ([`ReportSink`]): the lines of batches
//! that end together share one `write`, and no worker waits on a lock while another is
//! in a system call. A batch's marks are [committed](ReportSink::commit): its worker
//! waits, without holding a thread, until they are written.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use braze_sdk::Delivery;
use serde::Serialize;

use crate::bulk::control::{Control, StopReason};
use crate::bulk::recorder::MAX_LISTED_PROBLEMS;
use crate::bulk::send::outcome::SendOutcome;
use crate::bulk::send::summary::SendCounters;
use crate::bulk::send::user::User;
use crate::report::{ReportSink, ReportWriter};

/// Why a row was not sent: its `skip_reason` in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SendSkip {
    /// A `--resume` report records it sent.
    AlreadySent,
    /// A `--resume` report records it refused.
    AlreadyRefused,
    /// A `--resume` report records it unknown (or in flight when its run was killed):
    /// it may have been sent; `--resend-unknown` sends it again.
    Unknown,
    /// Ctrl-C or SIGTERM came first.
    Interrupted,
    /// Braze refused the API key (401 or 403) on an earlier batch.
    KeyRefused,
    /// Too many batches in a row could not connect.
    Unreachable,
    /// The report could not be written.
    ReportFailed,
    /// A dry run: checked, not sent.
    DryRun,
}

impl SendSkip {
    /// The skip of a row not attempted because the run stopped for `reason`.
    pub fn of_stop(reason: Option<&StopReason>) -> Self {
        match reason {
            Some(StopReason::KeyRefused { .. }) => Self::KeyRefused,
            Some(StopReason::Unreachable { .. }) => Self::Unreachable,
            Some(StopReason::ReportFailed) => Self::ReportFailed,
            Some(StopReason::Interrupted) | None => Self::Interrupted,
        }
    }
}

/// One report line.
#[derive(Debug, Clone, Serialize)]
pub struct SendRow {
    /// Its 1-based line in the input.
    pub line: u64,
    /// Whom it names, if readable.
    pub user: Option<User>,
    /// What happened.
    pub outcome: SendOutcome,
    /// Why it was skipped.
    pub skip_reason: Option<SendSkip>,
    /// The run's number of its batch (from 1), once it is in one.
    pub batch: Option<u64>,
    /// The HTTP status of Braze's last answer.
    pub status: Option<u16>,
    /// The dispatch Braze answered with.
    pub dispatch_id: Option<String>,
    /// Braze's message, the SDK's error, or why the row was skipped or invalid.
    pub message: Cow<'static, str>,
    /// Attempts made (0 when nothing was sent).
    pub attempts: u32,
    /// How far the request got, when one was made.
    pub delivery: Option<Delivery>,
}

impl SendRow {
    /// A row that was not sent.
    pub fn unsent(
        line: u64,
        user: Option<User>,
        outcome: SendOutcome,
        skip_reason: Option<SendSkip>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            line,
            user,
            outcome,
            skip_reason,
            batch: None,
            status: None,
            dispatch_id: None,
            message: message.into(),
            attempts: 0,
            delivery: None,
        }
    }

    /// The row as one line of text, for the stderr list without `--report`.
    pub fn describe(&self) -> String {
        let user = self
            .user
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_else(|| "?".to_owned());
        let status = self.status.map(|s| format!(" ({s})")).unwrap_or_default();
        format!(
            "line {}: {user}: {}{status}: {}",
            self.line,
            self.outcome.as_str(),
            self.message
        )
    }
}

/// Records rows: the report's lines, the counts the progress display reads, the rows to
/// name in the summary.
pub struct SendRecorder {
    report: Option<ReportSink>,
    counters: Arc<SendCounters>,
    control: Arc<Control>,
    listed: AtomicU64,
    unlisted: AtomicU64,
    named: Mutex<Named>,
    report_error: Mutex<Option<std::io::Error>>,
}

/// Rows the summary names: the unknown ones (this run's, and those a `--resume` report
/// recorded), and the first failure.
#[derive(Debug, Default)]
pub struct Named {
    /// Unknown rows, by line and user (the first [`MAX_LISTED_PROBLEMS`]).
    pub unknown: Vec<(u64, String)>,
    /// The first row whose batch failed: its line and message.
    pub first_failure: Option<(u64, String)>,
}

/// What the recorder saw, for the summary.
#[derive(Debug, Default)]
pub struct SendRecorded {
    /// The rows to name.
    pub named: Named,
    /// Failed or invalid rows past [`MAX_LISTED_PROBLEMS`], not listed on stderr.
    pub unlisted_problems: u64,
    /// Why the report could not be written, if it could not.
    pub report_error: Option<std::io::Error>,
}

impl SendRecorder {
    /// A recorder writing to `report` (or listing problems on stderr without one).
    pub fn new(
        report: Option<ReportWriter>,
        counters: Arc<SendCounters>,
        control: Arc<Control>,
    ) -> Self {
        Self {
            report: report.map(ReportSink::new),
            counters,
            control,
            listed: AtomicU64::new(0),
            unlisted: AtomicU64::new(0),
            named: Mutex::new(Named::default()),
            report_error: Mutex::new(None),
        }
    }

    /// Marks the rows of batch `number` in flight: returns once the lines are written (or
    /// there is no report), with whether they were. When they could not be, the batch
    /// must not be sent.
    pub async fn in_flight(&self, number: u64, rows: &[(u64, User)]) -> bool {
        let Some(report) = &self.report else {
            return true;
        };
        let mut lines = Vec::with_capacity(rows.len() * 96);
        encode_marks(&mut lines, number, rows);
        match report.commit(&lines).await {
            Ok(()) => true,
            Err(error) => {
                self.failed(error);
                false
            }
        }
    }

    /// Records finished rows.
    pub fn record(&self, rows: &[SendRow]) {
        // A failed write has stopped the run; the rows are still counted.
        self.write(rows);
        for row in rows {
            self.note(row.line, row.user.as_ref(), row);
            self.counters.record(row);
        }
    }

    /// Records the rows of a batch, `(line, user)` each, that all end as `template` says
    /// (its own `line` and `user` are not used).
    pub fn record_batch(&self, rows: &[(u64, User)], template: &SendRow) {
        self.write_batch(rows, template);
        for (line, user) in rows {
            self.note(*line, Some(user), template);
        }
        self.counters.record_many(template, rows.len() as u64);
    }

    /// Names an unknown row in the summary (the first [`MAX_LISTED_PROBLEMS`]).
    fn name_unknown(&self, line: u64, user: Option<&User>) {
        let mut named = self.named.lock().unwrap_or_else(|e| e.into_inner());
        if (named.unknown.len() as u64) < MAX_LISTED_PROBLEMS {
            let user = user.map(ToString::to_string).unwrap_or_default();
            named.unknown.push((line, user));
        }
    }

    /// Notes the row at `line` naming `user`, which ended as `row` says, for the summary.
    fn note(&self, line: u64, user: Option<&User>, row: &SendRow) {
        let unknown =
            row.outcome == SendOutcome::Unknown || row.skip_reason == Some(SendSkip::Unknown);
        if unknown {
            self.name_unknown(line, user);
        }
        let failed = matches!(
            row.outcome,
            SendOutcome::Unknown | SendOutcome::Refused | SendOutcome::NotSent
        );
        if failed {
            let mut named = self.named.lock().unwrap_or_else(|e| e.into_inner());
            named
                .first_failure
                .get_or_insert_with(|| (line, row.message.to_string()));
        }
        if self.report.is_none() && (failed || row.outcome == SendOutcome::Invalid) {
            if self.listed.fetch_add(1, Ordering::Relaxed) < MAX_LISTED_PROBLEMS {
                let row = SendRow {
                    line,
                    user: user.cloned(),
                    ..row.clone()
                };
                eprintln!("{}", row.describe());
            } else {
                self.unlisted.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Writes the rows' lines.
    fn write(&self, rows: &[SendRow]) {
        if self.report.is_none() {
            return;
        }
        let mut lines = Vec::with_capacity(rows.len() * 160);
        for row in rows {
            encode(&mut lines, row);
        }
        self.write_encoded(&lines);
    }

    /// Writes the lines of a batch's rows that end alike ([`encode_batch`]).
    fn write_batch(&self, rows: &[(u64, User)], template: &SendRow) {
        if self.report.is_none() {
            return;
        }
        let mut lines = Vec::new();
        encode_batch(&mut lines, rows, template);
        self.write_encoded(&lines);
    }

    /// Writes encoded lines (or hands them to the worker writing now).
    fn write_encoded(&self, lines: &[u8]) {
        let Some(report) = &self.report else {
            return;
        };
        if lines.is_empty() {
            return;
        }
        if let Err(error) = report.write_line(lines) {
            self.failed(error);
        }
    }

    /// A write failed: rows that end from now on would have no record, so the run stops.
    fn failed(&self, error: std::io::Error) {
        self.control.stop(StopReason::ReportFailed);
        self.report_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(error);
    }

    /// What was seen, once every row is recorded.
    pub fn finish(self) -> SendRecorded {
        SendRecorded {
            named: self.named.into_inner().unwrap_or_else(|e| e.into_inner()),
            unlisted_problems: self.unlisted.load(Ordering::Relaxed),
            report_error: self
                .report_error
                .into_inner()
                .unwrap_or_else(|e| e.into_inner()),
        }
    }
}

/// Appends `row`'s report line.
fn encode(out: &mut Vec<u8>, row: &SendRow) {
    // Writing JSON into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, row);
    out.push(b'\n');
}

/// Appends the `in_flight` marks of batch `number`'s rows, `(line, user)` each: the row,
/// its user and its batch, which is all that `--resume` reads of them.
fn encode_marks(out: &mut Vec<u8>, number: u64, rows: &[(u64, User)]) {
    let mut tail = Vec::with_capacity(48);
    tail.extend_from_slice(br#","outcome":"in_flight","batch":"#);
    let _ = serde_json::to_writer(&mut tail, &number);
    tail.extend_from_slice(b"}\n");
    for (line, user) in rows {
        out.extend_from_slice(br#"{"line":"#);
        let _ = serde_json::to_writer(&mut *out, line);
        out.extend_from_slice(br#","user":"#);
        user.write_json(out);
        out.extend_from_slice(&tail);
    }
}

/// Appends the report lines of a batch's rows, `(line, user)` each, that end alike: each
/// line is what [`encode`] writes for `template` with the row's `line` and `user`, but
/// the fields the rows share are serialized once for the batch, not once per row (the
/// report's cost is most of a bulk send's own).
fn encode_batch(out: &mut Vec<u8>, rows: &[(u64, User)], template: &SendRow) {
    /// How the serialized template starts when it names no row: what each row replaces.
    const ROWLESS: &[u8] = br#"{"line":0,"user":null"#;
    let mut shared = Vec::with_capacity(160);
    encode(&mut shared, template);
    let Some(tail) = shared.strip_prefix(ROWLESS) else {
        // A template that names a row: each row is serialized whole.
        for (line, user) in rows {
            let row = SendRow {
                line: *line,
                user: Some(user.clone()),
                ..template.clone()
            };
            encode(out, &row);
        }
        return;
    };
    // The shared part, and room for a line number and a user of usual length.
    out.reserve(rows.len() * (tail.len() + 64));
    for (line, user) in rows {
        out.extend_from_slice(br#"{"line":"#);
        let _ = serde_json::to_writer(&mut *out, line);
        out.extend_from_slice(br#","user":"#);
        user.write_json(out);
        out.extend_from_slice(tail);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::bulk::send::user::tests::user;

    fn template() -> impl Strategy<Value = SendRow> {
        let outcome = prop_oneof![
            Just(SendOutcome::InFlight),
            Just(SendOutcome::Sent),
            Just(SendOutcome::Unknown),
            Just(SendOutcome::Skipped),
        ];
        let delivery = proptest::option::of(prop_oneof![
            Just(Delivery::Accepted),
            Just(Delivery::Uncertain),
        ]);
        (
            outcome,
            proptest::option::of(Just(SendSkip::Interrupted)),
            proptest::option::of(1..5_000u64),
            proptest::option::of(200..600u16),
            proptest::option::of("[a-z0-9-]{1,12}"),
            "\\PC{0,24}",
            0..4u32,
            delivery,
        )
            .prop_map(
                |(
                    outcome,
                    skip_reason,
                    batch,
                    status,
                    dispatch_id,
                    message,
                    attempts,
                    delivery,
                )| {
                    SendRow {
                        batch,
                        status,
                        dispatch_id,
                        attempts,
                        delivery,
                        ..SendRow::unsent(0, None, outcome, skip_reason, message)
                    }
                },
            )
    }

    proptest! {
        /// A batch's lines are each row's line as serde writes it, whether the template
        /// names no row (the fast path) or one.
        #[test]
        fn batch_lines_are_the_rows_own(
            template in template(),
            rows in proptest::collection::vec((1..1_000_000u64, user()), 0..6),
            named in proptest::option::of((1..9u64, user())),
        ) {
            let template = match named {
                Some((line, user)) => SendRow { line, user: Some(user), ..template },
                None => template,
            };
            let mut expected = Vec::new();
            for (line, user) in &rows {
                let row = SendRow { line: *line, user: Some(user.clone()), ..template.clone() };
                encode(&mut expected, &row);
            }
            let mut written = Vec::new();
            encode_batch(&mut written, &rows, &template);
            prop_assert_eq!(String::from_utf8(written).unwrap(), String::from_utf8(expected).unwrap());
        }
    }
}
