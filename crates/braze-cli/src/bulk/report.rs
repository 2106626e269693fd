//! The outcome of each row, and the `--report` file: one JSON line per input row, written
//! as the row ends ([`ReportSink`]), so a killed process loses no finished row (a line cut
//! by a kill mid-write can only be the last, which `--resume` tolerates).

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use braze_sdk::{Delivery, RateLimit, ScheduleKind};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// The message of a row skipped because a `--resume` report records it deleted (its
/// `skip_reason` is [`SkipReason::AlreadyDeleted`]). Resuming from a report that says so
/// treats the row as deleted too, so reports can be chained.
pub const SKIPPED_ALREADY_DELETED: &str =
    "already deleted or gone (recorded in the --resume report)";
/// The message of a row not attempted because of Ctrl-C or SIGTERM.
pub const SKIPPED_INTERRUPTED: &str = "not attempted: interrupted";
/// The message of a row in flight when a second Ctrl-C abandoned it.
pub const FAILED_ABANDONED: &str =
    "interrupted while in flight; it may or may not have been applied";
/// The start of the message of a `gone` row: Braze answered 404 to a retry whose earlier
/// attempt got no clear answer (that attempt may have deleted it).
pub const ALREADY_GONE_AFTER_RETRY: &str = "already gone: an earlier attempt got no clear \
     answer and may have deleted it; the retry was answered 404";
/// The start of the message of a `gone` row in a `--resume` run: Braze answered 404 and no
/// earlier report rules out that the interrupted run deleted it.
pub const ALREADY_GONE_RESUMED: &str = "already gone: answered 404; the interrupted run \
     may have deleted it (the --resume reports do not show it was left alone)";
/// Braze's message for a 404 on an unknown path: the endpoint is wrong, not the row.
pub const INVALID_URL_MESSAGE: &str = "Invalid URL";
/// The message of a row checked but not sent by a dry run.
pub const SKIPPED_DRY_RUN: &str = "dry run: checked, not sent";

/// What happened to a row: its `outcome` in the report.
///
/// Why `gone` is a fifth outcome, and not `deleted`: a 404 answers a row whose delete may
/// already have been applied, by an earlier attempt of the same request (a timeout, a 5xx)
/// or by an interrupted run resumed from. The schedule is not there; but the ids may as
/// well be wrong, which the tool cannot tell apart, so such rows are not counted deleted
/// and make the exit code 1: someone should look at them. (The READMEs and `--help` link
/// here rather than repeat it.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Braze answered 2xx (or 2xx with an unreadable body).
    Deleted,
    /// Braze answered 404 for a row this tool may have deleted earlier (see above).
    Gone,
    /// The request failed: an error status, no answer, or abandoned in flight.
    Failed,
    /// The row cannot be sent: malformed, or refused by the SDK's checks.
    Invalid,
    /// Not sent: already deleted (`--resume`), interrupted, stopped, or a dry run.
    Skipped,
}

impl Outcome {
    /// Every outcome, in the order summaries list them.
    pub const ALL: [Outcome; 5] = [
        Outcome::Deleted,
        Outcome::Gone,
        Outcome::Failed,
        Outcome::Invalid,
        Outcome::Skipped,
    ];

    /// The name in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deleted => "deleted",
            Self::Gone => "gone",
            Self::Failed => "failed",
            Self::Invalid => "invalid",
            Self::Skipped => "skipped",
        }
    }
}

/// Why a row was not sent: its `skip_reason` in the report, which `--resume` reads (the
/// message is for people and may be reworded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A `--resume` report records it deleted (or gone).
    AlreadyDeleted,
    /// Ctrl-C or SIGTERM came first.
    Interrupted,
    /// Braze refused the API key (401 or 403) on an earlier row.
    KeyRefused,
    /// Too many rows in a row could not connect.
    Unreachable,
    /// The report could not be written.
    ReportFailed,
    /// A dry run: checked, not sent.
    DryRun,
}

/// One finished row.
#[derive(Debug, Clone)]
pub struct RowResult {
    /// Its 1-based line in the input.
    pub line: u64,
    /// The campaign or Canvas id, if the row had a readable one (and its kind has one).
    pub owner_id: Option<String>,
    /// The schedule id, if the row had a readable one.
    pub schedule_id: Option<String>,
    /// What happened.
    pub outcome: Outcome,
    /// Why it was skipped, if it was.
    pub skip_reason: Option<SkipReason>,
    /// The HTTP status of Braze's last answer, if any.
    pub status: Option<u16>,
    /// Braze's message, the SDK's error, or why the row was skipped or invalid.
    pub message: Cow<'static, str>,
    /// Attempts made (0 when nothing was sent).
    pub attempts: u32,
    /// How far the request got, when one was made.
    pub delivery: Option<Delivery>,
    /// The rate-limit figures of the last answer, for progress (not written).
    pub rate_limit: Option<RateLimit>,
    /// The SDK error in full (with its hint), for the summary's first failure (not
    /// written: `message` has what the report needs).
    pub error_text: Option<String>,
}

impl RowResult {
    /// A row that was not sent, with the reason and its message.
    pub fn skipped(
        line: u64,
        owner_id: Option<String>,
        schedule_id: Option<String>,
        reason: SkipReason,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        let mut row = Self::unsent(
            line,
            owner_id,
            schedule_id,
            Outcome::Skipped,
            message.into(),
        );
        row.skip_reason = Some(reason);
        row
    }

    /// A row that cannot be sent, with the reason.
    pub fn invalid(
        line: u64,
        owner_id: Option<String>,
        schedule_id: Option<String>,
        why: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self::unsent(line, owner_id, schedule_id, Outcome::Invalid, why.into())
    }

    fn unsent(
        line: u64,
        owner_id: Option<String>,
        schedule_id: Option<String>,
        outcome: Outcome,
        message: Cow<'static, str>,
    ) -> Self {
        Self {
            line,
            owner_id,
            schedule_id,
            outcome,
            skip_reason: None,
            status: None,
            message,
            attempts: 0,
            delivery: None,
            rate_limit: None,
            error_text: None,
        }
    }
}

/// A report line: the fields of a [`RowResult`], the owner id under the kind's field name
/// (none for a kind without one).
struct ReportLine<'a> {
    kind: ScheduleKind,
    row: &'a RowResult,
}

impl Serialize for ReportLine<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let row = self.row;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("line", &row.line)?;
        if let Some(field) = self.kind.owner_field() {
            map.serialize_entry(field, &row.owner_id)?;
        }
        map.serialize_entry("schedule_id", &row.schedule_id)?;
        map.serialize_entry("outcome", &row.outcome)?;
        map.serialize_entry("skip_reason", &row.skip_reason)?;
        map.serialize_entry("status", &row.status)?;
        map.serialize_entry("message", &*row.message)?;
        map.serialize_entry("attempts", &row.attempts)?;
        map.serialize_entry("delivery", &row.delivery)?;
        map.end()
    }
}

/// Encodes a row's report line, newline included, into `line` (cleared first).
pub fn encode(kind: ScheduleKind, row: &RowResult, line: &mut Vec<u8>) {
    line.clear();
    // Serializing plain strings and numbers into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *line, &ReportLine { kind, row });
    line.push(b'\n');
}

/// Writes report lines to a file or stdout, each with one `write` call and no buffering
/// in this process: once a row's line is written, a kill cannot lose it.
pub struct ReportWriter {
    out: Box<dyn Write + Send>,
}

impl ReportWriter {
    /// Creates (or truncates) `path`; `-` is stdout.
    pub fn create(path: &Path) -> Result<Self, CliError> {
        let out: Box<dyn Write + Send> = if path.as_os_str() == "-" {
            // Line-buffered by the standard library: each whole line goes out at once.
            Box::new(io::stdout())
        } else {
            Box::new(File::create(path).map_err(|e| {
                CliError::Input(format!("cannot create the report {}: {e}", path.display()))
            })?)
        };
        Ok(Self { out })
    }

    /// Writes encoded lines (see [`encode`]) with one `write` call.
    pub fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        self.out.write_all(line)?;
        self.out.flush()
    }
}

/// The report shared by every thread that finishes rows, written by group commit: a
/// finished row's line is appended to a pending buffer, and unless another thread is
/// already writing, this thread writes everything pending, again and again until nothing
/// is. So no line waits for a timer or for more rows: it goes out with the write in
/// progress or the one right after it. Rows that finish together share one `write`, and
/// no thread waits on the lock while another is in a system call.
pub struct ReportSink {
    pending: Mutex<Pending>,
    writer: Mutex<ReportWriter>,
}

struct Pending {
    lines: Vec<u8>,
    /// The buffer the last batch went out in, kept for the next.
    spare: Vec<u8>,
    /// A thread is writing; it will also write what is appended meanwhile.
    writing: bool,
    /// A write failed: nothing more is written.
    failed: bool,
}

impl ReportSink {
    /// A sink writing to `writer`.
    pub fn new(writer: ReportWriter) -> Self {
        Self {
            pending: Mutex::new(Pending {
                lines: Vec::with_capacity(64 * 1024),
                spare: Vec::with_capacity(64 * 1024),
                writing: false,
                failed: false,
            }),
            writer: Mutex::new(writer),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes an encoded line (see [`encode`]), or hands it to the thread writing now.
    /// An error is returned to the thread whose write failed; from then on nothing is
    /// written (the run stops).
    pub fn write_line(&self, line: &[u8]) -> io::Result<()> {
        let mut pending = self.lock();
        if pending.failed {
            return Ok(());
        }
        pending.lines.extend_from_slice(line);
        if pending.writing {
            return Ok(());
        }
        pending.writing = true;
        loop {
            let mut batch = std::mem::take(&mut pending.spare);
            std::mem::swap(&mut batch, &mut pending.lines);
            drop(pending);
            let written = self
                .writer
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .write_line(&batch);
            batch.clear();
            pending = self.lock();
            pending.spare = batch;
            if let Err(error) = written {
                pending.failed = true;
                pending.writing = false;
                return Err(error);
            }
            if pending.lines.is_empty() {
                pending.writing = false;
                return Ok(());
            }
        }
    }
}

/// A row as one line of text, for the list of problem rows printed without `--report`.
pub fn describe(kind: ScheduleKind, row: &RowResult) -> String {
    let id = |id: &Option<String>| id.as_deref().unwrap_or("?").to_owned();
    let status = row.status.map(|s| format!(" ({s})")).unwrap_or_default();
    let owner = kind
        .owner_field()
        .map(|field| format!("{field}={} ", id(&row.owner_id)))
        .unwrap_or_default();
    format!(
        "line {}: {owner}schedule_id={}: {}{status}: {}",
        row.line,
        id(&row.schedule_id),
        row.outcome.as_str(),
        row.message
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sink_writes_every_line_once_from_many_threads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let sink = std::sync::Arc::new(ReportSink::new(ReportWriter::create(&path).unwrap()));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let sink = std::sync::Arc::clone(&sink);
                std::thread::spawn(move || {
                    for i in 0..1_000 {
                        sink.write_line(format!("{t}-{i}\n").as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4_000);
        lines.sort_unstable();
        lines.dedup();
        assert_eq!(lines.len(), 4_000, "each line exactly once");
    }

    #[test]
    fn lines_carry_every_field_under_the_kind_id_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let mut writer = ReportWriter::create(&path).unwrap();
        let mut line = Vec::new();
        let mut row = RowResult::skipped(
            7,
            Some("v".into()),
            Some("s".into()),
            SkipReason::Interrupted,
            SKIPPED_INTERRUPTED,
        );
        encode(ScheduleKind::Canvas, &row, &mut line);
        writer.write_line(&line).unwrap();
        row.outcome = Outcome::Failed;
        row.skip_reason = None;
        row.status = Some(503);
        row.attempts = 5;
        row.delivery = Some(Delivery::Uncertain);
        row.message = "Service Unavailable".into();
        encode(ScheduleKind::Canvas, &row, &mut line);
        writer.write_line(&line).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            lines[0],
            serde_json::json!({"line": 7, "canvas_id": "v", "schedule_id": "s",
                "outcome": "skipped", "skip_reason": "interrupted", "status": null,
                "message": SKIPPED_INTERRUPTED, "attempts": 0, "delivery": null})
        );
        assert_eq!(lines[1]["skip_reason"], serde_json::Value::Null);
        assert_eq!(lines[1]["status"], 503);
        assert_eq!(lines[1]["delivery"], "uncertain");
        assert_eq!(lines[1]["outcome"], "failed");
    }
}
