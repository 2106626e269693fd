//! What became of each row of a bulk run, and the `--report` file: one JSON line per input row, written
//! as the row ends ([`ReportSink`]), so a killed process loses no finished row (a line cut
//! by a kill mid-write can only be the last, which `--resume` tolerates).

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use braze_sdk::{Delivery, RateLimit, ScheduleKind};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

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

impl SkipReason {
    /// The name in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AlreadyDeleted => "already_deleted",
            Self::Interrupted => "interrupted",
            Self::KeyRefused => "key_refused",
            Self::Unreachable => "unreachable",
            Self::ReportFailed => "report_failed",
            Self::DryRun => "dry_run",
        }
    }
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

/// Encodes a row's report line, newline included, into `line` (cleared first): a JSON
/// object with the fields of a [`RowResult`] in a fixed order, the owner id under the
/// kind's field name (none for a kind without one).
///
/// Written by hand, for it runs once per row: the same bytes as `serde_json` would write
/// (its escaping, used for any string that needs escaping; the tests compare the two),
/// in a sixth of the instructions.
pub fn encode(kind: ScheduleKind, row: &RowResult, line: &mut Vec<u8>) {
    line.clear();
    line.extend_from_slice(b"{\"line\":");
    push_u64(line, row.line);
    if let Some(field) = kind.owner_field() {
        line.extend_from_slice(b",\"");
        line.extend_from_slice(field.as_bytes());
        line.extend_from_slice(b"\":");
        push_opt_str(line, row.owner_id.as_deref());
    }
    line.extend_from_slice(b",\"schedule_id\":");
    push_opt_str(line, row.schedule_id.as_deref());
    line.extend_from_slice(b",\"outcome\":");
    push_name(line, row.outcome.as_str());
    line.extend_from_slice(b",\"skip_reason\":");
    match row.skip_reason {
        Some(reason) => push_name(line, reason.as_str()),
        None => line.extend_from_slice(b"null"),
    }
    line.extend_from_slice(b",\"status\":");
    match row.status {
        Some(status) => push_u64(line, u64::from(status)),
        None => line.extend_from_slice(b"null"),
    }
    line.extend_from_slice(b",\"message\":");
    push_str(line, &row.message);
    line.extend_from_slice(b",\"attempts\":");
    push_u64(line, u64::from(row.attempts));
    line.extend_from_slice(b",\"delivery\":");
    match row.delivery {
        Some(delivery) => push_name(line, delivery.as_str()),
        None => line.extend_from_slice(b"null"),
    }
    line.extend_from_slice(b"}\n");
}

fn push_u64(line: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    line.extend_from_slice(&digits[at..]);
}

/// A name of ours (snake_case ASCII): nothing to escape.
fn push_name(line: &mut Vec<u8>, name: &str) {
    line.push(b'"');
    line.extend_from_slice(name.as_bytes());
    line.push(b'"');
}

fn push_opt_str(line: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => push_str(line, text),
        None => line.extend_from_slice(b"null"),
    }
}

/// A JSON string: copied as it is when nothing in it needs escaping (the usual id or
/// message), else escaped by `serde_json`.
fn push_str(line: &mut Vec<u8>, text: &str) {
    let plain = text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
    if plain {
        push_name(line, text);
    } else {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *line, text);
    }
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
///
/// A line that must be in the file before the caller goes on (a bulk send's in-flight
/// marks) is written with [`commit`](Self::commit), which waits, without holding a
/// thread, until the write that carries it is done.
pub struct ReportSink {
    pending: Mutex<Pending>,
    writer: Mutex<ReportWriter>,
    /// How far the file is written: what [`commit`](Self::commit) waits on.
    written: watch::Sender<Written>,
}

struct Pending {
    lines: Vec<u8>,
    /// The buffer the last batch went out in, kept for the next.
    spare: Vec<u8>,
    /// A thread is writing; it will also write what is appended meanwhile.
    writing: bool,
    /// A write failed: nothing more is written.
    failed: bool,
    /// Bytes appended since the sink was made.
    appended: u64,
}

/// How far the file is written.
#[derive(Debug, Clone, Copy, Default)]
struct Written {
    /// Bytes written, in the order they were appended.
    bytes: u64,
    /// A write failed: no more bytes will be.
    failed: bool,
}

/// What became of an appended line.
enum Appended {
    /// A write had failed before: the line was dropped.
    Dropped,
    /// Another thread is writing: it writes the line, which is in the file once
    /// [`Written::bytes`] reaches this.
    Queued(u64),
    /// This thread wrote it (and whatever else was pending): the result.
    Written(io::Result<()>),
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
                appended: 0,
            }),
            writer: Mutex::new(writer),
            written: watch::Sender::new(Written::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes encoded lines (see [`encode`]), or hands them to the thread writing now.
    /// An error is returned to the thread whose write failed; from then on nothing is
    /// written (the run stops).
    pub fn write_line(&self, line: &[u8]) -> io::Result<()> {
        match self.append(line) {
            Appended::Dropped | Appended::Queued(_) => Ok(()),
            Appended::Written(result) => result,
        }
    }

    /// Writes encoded lines as [`write_line`](Self::write_line) does, and returns once
    /// they are in the file, whichever thread wrote them; an error when they could not be
    /// (this write or an earlier one failed).
    pub async fn commit(&self, line: &[u8]) -> io::Result<()> {
        let mut written = self.written.subscribe();
        let ticket = match self.append(line) {
            Appended::Written(result) => return result,
            Appended::Dropped => return Err(not_written()),
            Appended::Queued(ticket) => ticket,
        };
        // The sender lives as long as `self`: the wait ends with the write or its failure.
        match written
            .wait_for(|written| written.bytes >= ticket || written.failed)
            .await
        {
            Ok(written) if written.bytes >= ticket => Ok(()),
            _ => Err(not_written()),
        }
    }

    /// Appends `line`; writes everything pending unless another thread is writing.
    fn append(&self, line: &[u8]) -> Appended {
        let mut pending = self.lock();
        if pending.failed {
            return Appended::Dropped;
        }
        pending.lines.extend_from_slice(line);
        pending.appended += line.len() as u64;
        if pending.writing {
            return Appended::Queued(pending.appended);
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
            let length = batch.len() as u64;
            batch.clear();
            pending = self.lock();
            pending.spare = batch;
            if let Err(error) = written {
                pending.failed = true;
                pending.writing = false;
                self.written.send_modify(|written| written.failed = true);
                return Appended::Written(Err(error));
            }
            self.written.send_modify(|written| written.bytes += length);
            if pending.lines.is_empty() {
                pending.writing = false;
                return Appended::Written(Ok(()));
            }
        }
    }
}

/// Why a committed line is not in the file: a write failed, this one or an earlier one.
fn not_written() -> io::Error {
    io::Error::other("the report could not be written")
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

    /// A file that counts its writes, and fails from the `fail_from`th on.
    struct Flaky {
        lines: std::sync::Arc<Mutex<Vec<u8>>>,
        writes: usize,
        fail_from: usize,
    }

    impl Write for Flaky {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.writes += 1;
            if self.writes >= self.fail_from {
                return Err(io::Error::other("disk full"));
            }
            self.lines.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn flaky(fail_from: usize) -> (ReportSink, std::sync::Arc<Mutex<Vec<u8>>>) {
        let lines = std::sync::Arc::default();
        let out = Flaky {
            lines: std::sync::Arc::clone(&lines),
            writes: 0,
            fail_from,
        };
        let sink = ReportSink::new(ReportWriter { out: Box::new(out) });
        (sink, lines)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_committed_line_is_written_when_commit_returns() {
        let (sink, lines) = flaky(usize::MAX);
        let sink = std::sync::Arc::new(sink);
        let tasks: Vec<_> = (0..8)
            .map(|t| {
                let (sink, lines) = (std::sync::Arc::clone(&sink), std::sync::Arc::clone(&lines));
                tokio::spawn(async move {
                    for i in 0..200 {
                        // Lines that need not wait, between the committed ones.
                        sink.write_line(format!("f{t}-{i}\n").as_bytes()).unwrap();
                        let mark = format!("m{t}-{i}\n");
                        sink.commit(mark.as_bytes()).await.unwrap();
                        let written = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
                        assert!(written.contains(&mark), "{mark} is in the file");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let written = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
        assert_eq!(written.lines().count(), 8 * 200 * 2, "each line once");
    }

    #[tokio::test]
    async fn a_commit_after_a_failed_write_fails() {
        let (sink, lines) = flaky(2);
        sink.commit(b"first\n").await.unwrap();
        assert!(sink.commit(b"second\n").await.is_err(), "this write fails");
        assert!(
            sink.commit(b"third\n").await.is_err(),
            "nothing is written after"
        );
        assert!(
            sink.write_line(b"fourth\n").is_ok(),
            "dropped without an error"
        );
        assert_eq!(lines.lock().unwrap().as_slice(), b"first\n");
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

    /// What `encode` must write: the line as `serde_json` writes a map of the fields.
    fn serde_line(kind: ScheduleKind, row: &RowResult) -> Vec<u8> {
        use serde::ser::{SerializeMap, Serializer};
        let mut line = Vec::new();
        let mut serializer = serde_json::Serializer::new(&mut line);
        let mut map = serializer.serialize_map(None).unwrap();
        map.serialize_entry("line", &row.line).unwrap();
        if let Some(field) = kind.owner_field() {
            map.serialize_entry(field, &row.owner_id).unwrap();
        }
        map.serialize_entry("schedule_id", &row.schedule_id)
            .unwrap();
        map.serialize_entry("outcome", &row.outcome).unwrap();
        map.serialize_entry("skip_reason", &row.skip_reason)
            .unwrap();
        map.serialize_entry("status", &row.status).unwrap();
        map.serialize_entry("message", &*row.message).unwrap();
        map.serialize_entry("attempts", &row.attempts).unwrap();
        map.serialize_entry("delivery", &row.delivery).unwrap();
        map.end().unwrap();
        line.push(b'\n');
        line
    }

    fn json(value: &impl Serialize) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn names_are_the_serialized_ones() {
        for outcome in Outcome::ALL {
            assert_eq!(json(&outcome), format!("\"{}\"", outcome.as_str()));
        }
        for reason in [
            SkipReason::AlreadyDeleted,
            SkipReason::Interrupted,
            SkipReason::KeyRefused,
            SkipReason::Unreachable,
            SkipReason::ReportFailed,
            SkipReason::DryRun,
        ] {
            assert_eq!(json(&reason), format!("\"{}\"", reason.as_str()));
        }
        for delivery in [
            Delivery::NotSent,
            Delivery::Refused,
            Delivery::Uncertain,
            Delivery::Accepted,
        ] {
            assert_eq!(json(&delivery), format!("\"{}\"", delivery.as_str()));
        }
    }

    #[test]
    fn lines_with_characters_to_escape_are_serde_json_s() {
        let mut row = RowResult::invalid(
            u64::MAX,
            Some("c\"1\\".into()),
            Some("tab\there\u{1}\u{7f}é\u{2028}".into()),
            "line\nbreak </script> \u{0}",
        );
        row.status = Some(0);
        row.attempts = u32::MAX;
        let mut line = Vec::new();
        for kind in [
            ScheduleKind::Campaign,
            ScheduleKind::Canvas,
            ScheduleKind::Message,
        ] {
            encode(kind, &row, &mut line);
            assert_eq!(
                String::from_utf8_lossy(&line),
                String::from_utf8_lossy(&serde_line(kind, &row))
            );
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn any_outcome() -> impl Strategy<Value = Outcome> {
            proptest::sample::select(Outcome::ALL.to_vec())
        }

        fn any_reason() -> impl Strategy<Value = Option<SkipReason>> {
            proptest::option::of(proptest::sample::select(vec![
                SkipReason::AlreadyDeleted,
                SkipReason::Interrupted,
                SkipReason::KeyRefused,
                SkipReason::Unreachable,
                SkipReason::ReportFailed,
                SkipReason::DryRun,
            ]))
        }

        fn any_delivery() -> impl Strategy<Value = Option<Delivery>> {
            proptest::option::of(proptest::sample::select(vec![
                Delivery::NotSent,
                Delivery::Refused,
                Delivery::Uncertain,
                Delivery::Accepted,
            ]))
        }

        fn any_text() -> impl Strategy<Value = String> {
            prop_oneof!["[a-z0-9-]{0,12}", "[ -~]{0,12}", any::<String>()]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            #[test]
            fn encode_writes_what_serde_json_writes(
                line in any::<u64>(),
                owner_id in proptest::option::of(any_text()),
                schedule_id in proptest::option::of(any_text()),
                outcome in any_outcome(),
                skip_reason in any_reason(),
                status in any::<Option<u16>>(),
                message in any_text(),
                attempts in any::<u32>(),
                delivery in any_delivery(),
            ) {
                let row = RowResult {
                    line,
                    owner_id,
                    schedule_id,
                    outcome,
                    skip_reason,
                    status,
                    message: message.into(),
                    attempts,
                    delivery,
                    rate_limit: None,
                    error_text: None,
                };
                let mut encoded = Vec::new();
                for kind in [ScheduleKind::Campaign, ScheduleKind::Canvas, ScheduleKind::Message] {
                    encode(kind, &row, &mut encoded);
                    prop_assert_eq!(&encoded, &serde_line(kind, &row));
                }
            }
        }
    }
}
