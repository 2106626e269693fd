//! One bulk run, from the input file to the summary.
//!
//! ```text
//! reader thread ──JobQueue (bounded)──▶ N workers (clones of one Client)
//!      │ invalid, resumed, stopped rows          │ answered rows
//!      └────────────────▶ Recorder ◀─────────────┘ ──▶ report, counters, stderr
//! ```
//!
//! Every row ends as exactly one [`RowResult`], recorded once by whoever finished it:
//! that is what makes "one report line per input row" hold, on Ctrl-C too.

use std::borrow::Cow;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use braze_sdk::types::MessageResponse;
use braze_sdk::{Campaign, Canvas, Client, Delivery, RequestPreview, Response, ScheduleKind};
use serde_json::json;

use crate::bulk::control::{Control, StopReason, listen_for_signals};
use crate::bulk::input::{RowContent, RowReader, estimate_rows, is_stdin};
use crate::bulk::outcome::{self, Answer, Reach};
use crate::bulk::progress::{Counters, Display, Style};
use crate::bulk::queue::JobQueue;
use crate::bulk::recorder::{MAX_LISTED_PROBLEMS, Recorded, Recorder};
use crate::bulk::report::{
    FAILED_ABANDONED, Outcome, ReportWriter, RowResult, SKIPPED_ALREADY_DELETED, SKIPPED_DRY_RUN,
    SkipReason,
};
use crate::bulk::resume::AlreadyDeleted;
use crate::cli::{BulkArgs, DEFAULT_CONCURRENCY, GlobalArgs};
use crate::credentials::{Purpose, connect};
use crate::error::{CliError, EXIT_INTERRUPTED, EXIT_REFUSED, EXIT_SUCCESS, EXIT_USAGE};
use crate::output::{Output, count, preview_json, preview_text, print_json};

/// Rows read ahead of the workers: enough that they never wait for the reader, few
/// enough to be nothing in memory.
const QUEUE_ROWS: usize = 1024;

/// A row to delete.
struct Job {
    line: u64,
    /// The campaign or Canvas id (`None` for a kind without one).
    owner_id: Option<String>,
    schedule_id: String,
    /// Whether a run resumed from may have sent it without recording it (see
    /// [`AlreadyDeleted::may_have_sent`]).
    earlier_may_have_sent: bool,
}

/// Runs `... schedule delete --from FILE`; returns the exit code.
pub async fn run(global: &GlobalArgs, kind: ScheduleKind, args: &BulkArgs) -> Result<u8, CliError> {
    let input = args
        .from
        .as_deref()
        .ok_or_else(|| CliError::Usage("--from FILE is required for a bulk delete".into()))?;
    let output = Output::new(global.output);

    // Everything that can be refused is checked before the first request.
    check_paths(args)?;
    let already_deleted = AlreadyDeleted::load(&args.resume, kind)?;
    let rows = RowReader::open(input, args.format, kind)?;
    let style = progress_style(global);
    let total = match style {
        Style::Off => None,
        Style::Bar | Style::Lines => estimate_rows(input, rows.format()),
    };
    let connection = connect(global, Purpose::Bulk).await?;
    let report = match &args.report {
        Some(path) => Some(ReportWriter::create(path)?),
        None => None,
    };
    if !global.quiet {
        announce(global, args, &already_deleted);
    }

    let concurrency = if global.dry_run {
        0
    } else {
        usize::from(args.concurrency.unwrap_or(DEFAULT_CONCURRENCY))
    };
    let control = Arc::new(Control::new(concurrency as u64));
    let signals = tokio::spawn(listen_for_signals(Arc::clone(&control)));
    let counters = Arc::new(Counters::default());
    let display = Display::start(Arc::clone(&counters), total, style);
    let started = Instant::now();

    let recorder = Arc::new(Recorder::new(
        kind,
        report,
        Arc::clone(&counters),
        Arc::clone(&control),
    ));
    let queue = Arc::new(JobQueue::new(QUEUE_ROWS));

    let reader = {
        let queue = Arc::clone(&queue);
        let recorder = Arc::clone(&recorder);
        let control = Arc::clone(&control);
        let dry_run = global.dry_run.then(|| connection.client.clone());
        tokio::task::spawn_blocking(move || {
            // Closed however the reader ends, so that the workers always finish.
            let _close = CloseOnDrop(&queue);
            read_rows(
                rows,
                &already_deleted,
                &queue,
                &recorder,
                &control,
                kind,
                dry_run.as_ref(),
            )
        })
    };

    let live_workers = Arc::new(AtomicUsize::new(concurrency));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let worker = Worker {
                client: connection.client.clone(),
                kind,
                queue: Arc::clone(&queue),
                recorder: Arc::clone(&recorder),
                control: Arc::clone(&control),
                live: Arc::clone(&live_workers),
            };
            tokio::spawn(worker.run())
        })
        .collect();
    if concurrency == 0 {
        queue.desert();
    }

    let read = reader
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    for worker in workers {
        if let Err(e) = worker.await {
            std::panic::resume_unwind(e.into_panic());
        }
    }
    signals.abort();
    display.finish();
    let written = Arc::into_inner(recorder)
        .expect("the reader and workers are done")
        .finish();

    let summary = Summary {
        counters: &counters,
        elapsed: started.elapsed(),
        reason: control.reason(),
        written: &written,
        report: args.report.as_deref(),
        first_request: read.as_ref().ok().and_then(|r| r.first_request.as_ref()),
        dry_run: global.dry_run,
    };
    let code = summary.exit_code();
    summary.print(output, kind);
    if let Some(error) = &written.report_error {
        return Err(CliError::Input(format!(
            "the report could not be written: {error}"
        )));
    }
    match read {
        Err(error) => Err(error),
        Ok(_) if code == EXIT_INTERRUPTED && !global.quiet => {
            if let Some(report) = args.report.as_deref().filter(|r| r.as_os_str() != "-") {
                eprintln!(
                    "to finish the rest later: the same command with --resume {} and a new \
                     --report",
                    report.display()
                );
            }
            Ok(code)
        }
        Ok(_) => Ok(code),
    }
}

/// `--report` must not overwrite a `--resume` report before it is read.
fn check_paths(args: &BulkArgs) -> Result<(), CliError> {
    let Some(report) = &args.report else {
        return Ok(());
    };
    if report.as_os_str() == "-" {
        return Ok(());
    }
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if args.resume.iter().any(|resume| same(report, resume)) {
        return Err(CliError::Usage(format!(
            "--report {} is also a --resume report: it would be emptied before it is read; \
             write the new report to another file",
            report.display()
        )));
    }
    if let Some(input) = &args.from
        && !is_stdin(input)
        && same(report, input)
    {
        return Err(CliError::Usage(format!(
            "--report {} is the input file",
            report.display()
        )));
    }
    Ok(())
}

/// A bar on a terminal (unless logs also go there), lines otherwise, nothing if quiet.
fn progress_style(global: &GlobalArgs) -> Style {
    if global.quiet {
        Style::Off
    } else if std::io::stderr().is_terminal() && global.verbose == 0 {
        Style::Bar
    } else {
        Style::Lines
    }
}

/// Says what is about to happen, on stderr.
fn announce(global: &GlobalArgs, args: &BulkArgs, already_deleted: &AlreadyDeleted) {
    if !args.resume.is_empty() {
        eprintln!(
            "resuming: {} rows are recorded deleted in the --resume report(s) and will be skipped",
            count(already_deleted.len() as u64)
        );
    }
    if args.report.is_none() {
        eprintln!(
            "note: no --report: failed and invalid rows are listed here (the first {}); \
             --report FILE records every row and lets a later run --resume",
            MAX_LISTED_PROBLEMS
        );
    }
    if global.dry_run {
        eprintln!("dry run: every row is read and checked; nothing is sent");
    }
}

/// What the reader saw.
struct ReadOutcome {
    /// A dry run's preview of the first request.
    first_request: Option<RequestPreview>,
}

/// The reader: turns each input row into a job for the workers, or directly into a
/// result when it is invalid, already deleted, or the run has stopped. Runs on a
/// blocking thread (file reads block).
fn read_rows(
    mut rows: RowReader,
    already_deleted: &AlreadyDeleted,
    queue: &JobQueue<Job>,
    recorder: &Recorder,
    control: &Control,
    kind: ScheduleKind,
    dry_run: Option<&Client>,
) -> Result<ReadOutcome, CliError> {
    let mut outcome = ReadOutcome {
        first_request: None,
    };
    let mut line = Vec::with_capacity(256);
    let mut horizons = already_deleted.horizons();
    while let Some(row) = rows.next_row() {
        let row = row?;
        let (owner_id, schedule_id) = match row.content {
            RowContent::Invalid {
                owner_id,
                schedule_id,
                reason,
            } => {
                let result = RowResult::invalid(row.line, owner_id, schedule_id, reason);
                recorder.record(&result, &mut line);
                continue;
            }
            RowContent::Ids {
                owner_id,
                schedule_id,
            } => (owner_id, schedule_id),
        };
        // For every row with ids, in input order: it counts rows for the reports.
        let earlier_may_have_sent = already_deleted.may_have_sent(
            row.line,
            owner_id.as_deref(),
            &schedule_id,
            &mut horizons,
        );
        let settled = if already_deleted.contains(owner_id.as_deref(), &schedule_id) {
            Some(RowResult::skipped(
                row.line,
                owner_id,
                Some(schedule_id),
                SkipReason::AlreadyDeleted,
                SKIPPED_ALREADY_DELETED,
            ))
        } else if control.is_stopping() {
            let (reason, message) = control.skip();
            Some(RowResult::skipped(
                row.line,
                owner_id,
                Some(schedule_id),
                reason,
                message,
            ))
        } else if let Some(client) = dry_run {
            Some(check_only(
                client,
                kind,
                row.line,
                owner_id,
                schedule_id,
                &mut outcome,
            ))
        } else {
            let job = Job {
                line: row.line,
                owner_id,
                schedule_id,
                earlier_may_have_sent,
            };
            match queue.push(job) {
                Ok(()) => None,
                // No worker is left to take it.
                Err(job) => {
                    let (reason, message) = control.skip();
                    Some(RowResult::skipped(
                        job.line,
                        job.owner_id,
                        Some(job.schedule_id),
                        reason,
                        message,
                    ))
                }
            }
        };
        if let Some(result) = settled {
            recorder.record(&result, &mut line);
        }
    }
    Ok(outcome)
}

/// Closes the queue when the reader ends, whether it returns, fails or panics.
struct CloseOnDrop<'a>(&'a JobQueue<Job>);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// A dry run's row: built and checked by the SDK, not sent.
fn check_only(
    client: &Client,
    kind: ScheduleKind,
    line: u64,
    owner_id: Option<String>,
    schedule_id: String,
    outcome: &mut ReadOutcome,
) -> RowResult {
    let owner = owner_id.as_deref().unwrap_or_default();
    let schedule = schedule_id.as_str();
    let preview = match kind {
        ScheduleKind::Campaign => client
            .delete_schedule::<Campaign>(owner, schedule)
            .preview(),
        ScheduleKind::Canvas => client.delete_schedule::<Canvas>(owner, schedule).preview(),
        ScheduleKind::Message => client.delete_message_schedule(schedule).preview(),
    };
    match preview {
        Ok(preview) => {
            outcome.first_request.get_or_insert(preview);
            RowResult::skipped(
                line,
                owner_id,
                Some(schedule_id),
                SkipReason::DryRun,
                SKIPPED_DRY_RUN,
            )
        }
        Err(error) => RowResult::invalid(line, owner_id, Some(schedule_id), error.to_string()),
    }
}

/// A worker: takes rows until there are none, sends each delete, records its result.
struct Worker {
    client: Client,
    kind: ScheduleKind,
    queue: Arc<JobQueue<Job>>,
    recorder: Arc<Recorder>,
    control: Arc<Control>,
    live: Arc<AtomicUsize>,
}

impl Worker {
    async fn run(self) {
        let mut abandoned = self.control.abandoned();
        let mut line = Vec::with_capacity(256);
        while let Some(job) = self.queue.pop().await {
            tracing::trace!(line = job.line, "row taken");
            let result = if self.control.is_stopping() {
                let (reason, message) = self.control.skip();
                RowResult::skipped(
                    job.line,
                    job.owner_id,
                    Some(job.schedule_id),
                    reason,
                    message,
                )
            } else {
                // In flight from here: a second interrupt abandons it (tests wait for this).
                tracing::trace!(line = job.line, "row in flight");
                tokio::select! {
                    biased;
                    answer = delete(&self.client, self.kind, &job) => {
                        classify(job, answer, &self.control)
                    }
                    Ok(_) = abandoned.wait_for(|abandon| *abandon) => abandon(job),
                }
            };
            self.recorder.record(&result, &mut line);
        }
    }
}

impl Drop for Worker {
    /// The last worker to go (normally, or by a panic) tells the reader not to wait for
    /// room that will never come.
    fn drop(&mut self) {
        if self.live.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.queue.desert();
        }
    }
}

/// Sends one delete. (The reader only makes jobs with the ids their kind needs; a
/// missing one would be sent blank and refused by the SDK's checks, never sent.)
async fn delete(
    client: &Client,
    kind: ScheduleKind,
    job: &Job,
) -> Result<Response<MessageResponse>, braze_sdk::Error> {
    let owner = job.owner_id.as_deref().unwrap_or_default();
    let schedule = job.schedule_id.as_str();
    match kind {
        ScheduleKind::Campaign => client.delete_schedule::<Campaign>(owner, schedule).await,
        ScheduleKind::Canvas => client.delete_schedule::<Canvas>(owner, schedule).await,
        ScheduleKind::Message => client.delete_message_schedule(schedule).await,
    }
}

/// A row in flight when the run was abandoned.
fn abandon(job: Job) -> RowResult {
    RowResult {
        line: job.line,
        owner_id: job.owner_id,
        schedule_id: Some(job.schedule_id),
        outcome: Outcome::Failed,
        skip_reason: None,
        status: None,
        message: Cow::Borrowed(FAILED_ABANDONED),
        attempts: 1,
        delivery: Some(Delivery::Uncertain),
        rate_limit: None,
        error_text: None,
    }
}

/// Turns the SDK's answer into the row's result, and tells `control` what the
/// [`outcome`] policy says the run must do.
fn classify(
    job: Job,
    answer: Result<Response<MessageResponse>, braze_sdk::Error>,
    control: &Control,
) -> RowResult {
    let row = outcome::Row {
        line: job.line,
        earlier_may_have_sent: job.earlier_may_have_sent,
    };
    let (verdict, status, attempts, rate_limit) = match &answer {
        Ok(response) => (
            outcome::decide(row, &Answer::success(response)),
            Some(response.status().as_u16()),
            response.attempts(),
            response.rate_limit(),
        ),
        Err(error) => {
            let text = error.to_string();
            (
                outcome::decide(row, &Answer::error(error, &text)),
                error.status().map(|s| s.as_u16()),
                error.attempts(),
                error.rate_limit(),
            )
        }
    };
    match verdict.reach {
        Some(Reach::Answered) => control.note_answered(),
        Some(Reach::Unreachable) => control.note_unreachable(),
        None => {}
    }
    if let Some(reason) = verdict.stop {
        control.stop(reason);
    }
    RowResult {
        line: job.line,
        owner_id: job.owner_id,
        schedule_id: Some(job.schedule_id),
        outcome: verdict.outcome,
        skip_reason: None,
        status,
        message: verdict.message,
        attempts,
        delivery: verdict.delivery,
        rate_limit,
        error_text: verdict.error_text,
    }
}

/// The end of a run, printed on stderr (text) or stdout (JSON).
struct Summary<'a> {
    counters: &'a Counters,
    elapsed: Duration,
    reason: Option<&'a StopReason>,
    written: &'a Recorded,
    report: Option<&'a Path>,
    first_request: Option<&'a RequestPreview>,
    dry_run: bool,
}

impl Summary<'_> {
    fn get(counter: &std::sync::atomic::AtomicU64) -> u64 {
        counter.load(std::sync::atomic::Ordering::Acquire)
    }

    fn exit_code(&self) -> u8 {
        let c = self.counters;
        match self.reason {
            Some(StopReason::Interrupted) => EXIT_INTERRUPTED,
            Some(StopReason::ReportFailed) => EXIT_USAGE,
            Some(StopReason::KeyRefused { .. } | StopReason::Unreachable { .. }) => EXIT_REFUSED,
            None if Self::get(&c.failed) + Self::get(&c.invalid) + Self::get(&c.gone) > 0 => {
                EXIT_REFUSED
            }
            None => EXIT_SUCCESS,
        }
    }

    fn rows_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            Self::get(&self.counters.done) as f64 / seconds
        } else {
            0.0
        }
    }

    fn print(&self, output: Output, kind: ScheduleKind) {
        let c = self.counters;
        if output.is_json() {
            let mut summary = json!({
                "rows": Self::get(&c.done),
                "deleted": Self::get(&c.deleted),
                "failed": Self::get(&c.failed),
                "invalid": Self::get(&c.invalid),
                "skipped": Self::get(&c.skipped),
                "elapsed_s": (self.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
                "rows_per_s": self.rows_per_second().round(),
                "rate_limited": Self::get(&c.rate_limited),
                "retried": Self::get(&c.retried),
                "gone": Self::get(&c.gone),
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
            return;
        }
        if let Some(preview) = self.first_request {
            print!("{}", preview_text(preview));
        }
        if self.written.unlisted_problems > 0 {
            eprintln!(
                "... and {} more failed or invalid rows (use --report FILE to record them all)",
                count(self.written.unlisted_problems)
            );
        }
        let gone = match Self::get(&c.gone) {
            0 => String::new(),
            gone => format!("{} gone, ", count(gone)),
        };
        eprintln!(
            "{}: {} rows in {:.1}s ({} rows/s): {} deleted, {gone}{} failed, {} invalid, {} \
             skipped",
            if self.dry_run { "dry run" } else { "summary" },
            count(Self::get(&c.done)),
            self.elapsed.as_secs_f64(),
            count(self.rows_per_second() as u64),
            count(Self::get(&c.deleted)),
            count(Self::get(&c.failed)),
            count(Self::get(&c.invalid)),
            count(Self::get(&c.skipped)),
        );
        let retried = Self::get(&c.retried);
        let rate_limited = Self::get(&c.rate_limited);
        if retried > 0 || rate_limited > 0 {
            eprintln!(
                "  {} rows needed retries; {} ended rate-limited (429)",
                count(retried),
                count(rate_limited)
            );
        }
        let gone = Self::get(&c.gone);
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

fn stop_text(reason: &StopReason) -> String {
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
