//! One bulk run, from the input file to the summary: the pipeline.
//!
//! ```text
//! reader thread ──JobQueue (bounded)──▶ N workers (clones of one Client)
//!      │ invalid, resumed, stopped rows          │ answered rows
//!      └────────────────▶ Recorder ◀─────────────┘ ──▶ report, counters, stderr
//! ```
//!
//! Every row ends as exactly one [`RowResult`], recorded once by whoever finished it:
//! that is what makes "one report line per input row" hold, on Ctrl-C too. What an
//! answer makes of a row is [`outcome`]'s call; how the run ended, [`summary`]'s.
//!
//! [`summary`]: crate::bulk::summary

use std::borrow::Cow;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use braze_sdk::wire::MessageResponse;
use braze_sdk::{Client, Delivery, RequestPreview, Response, ScheduleKind, ScheduleRef};

use crate::bulk::control::{Control, listen_for_signals};
use crate::bulk::input::{RowContent, RowReader, estimate_rows, is_stdin};
use crate::bulk::outcome::{self, Answer, Reach};
use crate::bulk::progress::{Counters, Display, Style, Tally};
use crate::bulk::queue::JobQueue;
use crate::bulk::recorder::{MAX_LISTED_PROBLEMS, Recorded, Recorder};
use crate::bulk::resume::{AlreadyDeleted, Horizons};
use crate::bulk::summary::Summary;
use crate::cli::{BulkArgs, DEFAULT_CONCURRENCY, GlobalArgs};
use crate::credentials::{Purpose, connect};
use crate::error::{CliError, EXIT_INTERRUPTED};
use crate::output::{Output, count};
use crate::report::{
    FAILED_ABANDONED, Outcome, ReportWriter, RowResult, SKIPPED_ALREADY_DELETED, SKIPPED_DRY_RUN,
    SkipReason,
};

/// Rows read ahead of the workers: enough that they never wait for the reader, few
/// enough to be nothing in memory.
const QUEUE_ROWS: usize = 1024;

/// A row to delete.
struct Job {
    line: u64,
    /// Whose schedule.
    schedule: ScheduleRef,
    /// Whether a run resumed from may have sent it without recording it (see
    /// [`AlreadyDeleted::may_have_sent`]).
    earlier_may_have_sent: bool,
}

impl Job {
    /// Not attempted: the run has stopped (or no worker is left to take it).
    fn skip(self, control: &Control) -> RowResult {
        let (reason, message) = control.skip();
        let (owner_id, schedule_id) = self.schedule.into_ids();
        RowResult::skipped(
            self.line,
            owner_id,
            Some(schedule_id.into_string()),
            reason,
            message,
        )
    }

    /// In flight when the run was abandoned.
    fn abandon(self) -> RowResult {
        let (owner_id, schedule_id) = self.schedule.into_ids();
        RowResult {
            line: self.line,
            owner_id,
            schedule_id: Some(schedule_id.into_string()),
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
}

/// Runs `... schedule delete --from FILE`; returns the exit code.
pub async fn run(global: &GlobalArgs, kind: ScheduleKind, args: &BulkArgs) -> Result<u8, CliError> {
    let input = args
        .from
        .as_deref()
        .ok_or_else(|| CliError::Usage("--from FILE is required for a bulk delete".into()))?;
    let output = Output::new(global.output);

    // Everything that can be refused is checked before the first request.
    check_paths(args.report.as_deref(), &args.resume, args.from.as_deref())?;
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
    let display = Display::start(Arc::clone(&counters) as Arc<dyn Tally>, total, style);
    let started = Instant::now();
    let recorder = Recorder::new(kind, report, Arc::clone(&counters), Arc::clone(&control));
    let pipeline = Pipeline {
        queue: Arc::new(JobQueue::new(QUEUE_ROWS)),
        recorder: Arc::new(recorder),
        control: Arc::clone(&control),
    };
    let dry_run = global.dry_run.then(|| connection.client.clone());
    let (read, written) = pipeline
        .run(
            rows,
            already_deleted,
            &connection.client,
            dry_run,
            concurrency,
        )
        .await;
    signals.abort();
    display.finish();

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
    conclude(global, args, code, read, &written)
}

/// The run's result, once the summary is printed: an error of the input or the report
/// first, else the exit code (after saying how to finish an interrupted run).
fn conclude(
    global: &GlobalArgs,
    args: &BulkArgs,
    code: u8,
    read: Result<ReadOutcome, CliError>,
    written: &Recorded,
) -> Result<u8, CliError> {
    finish(
        global.quiet,
        args.report.as_deref(),
        code,
        read.map(drop),
        written.report_error.as_ref(),
        "",
    )
}

/// How a bulk run ends (shared with the bulk sends): the report's write error first, then
/// the input's, else `code`, after telling how to finish an interrupted run with
/// `--resume` (`resume_note` adds what a resume skips).
pub fn finish(
    quiet: bool,
    report: Option<&Path>,
    code: u8,
    read: Result<(), CliError>,
    report_error: Option<&std::io::Error>,
    resume_note: &str,
) -> Result<u8, CliError> {
    if let Some(error) = report_error {
        return Err(CliError::Input(format!(
            "the report could not be written: {error}"
        )));
    }
    read?;
    if code == EXIT_INTERRUPTED
        && !quiet
        && let Some(report) = report.filter(|r| r.as_os_str() != "-")
    {
        eprintln!(
            "to finish the rest later: the same command with --resume {} and a new \
             --report{resume_note}",
            report.display()
        );
    }
    Ok(code)
}

/// `--report` must not overwrite a `--resume` report before it is read, nor the input.
/// (Shared with the bulk sends.)
pub fn check_paths(
    report: Option<&Path>,
    resume: &[std::path::PathBuf],
    from: Option<&Path>,
) -> Result<(), CliError> {
    let Some(report) = report else {
        return Ok(());
    };
    if report.as_os_str() == "-" {
        return Ok(());
    }
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if resume.iter().any(|resume| same(report, resume)) {
        return Err(CliError::Usage(format!(
            "--report {} is also a --resume report: it would be emptied before it is read; \
             write the new report to another file",
            report.display()
        )));
    }
    if let Some(input) = from
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
pub fn progress_style(global: &GlobalArgs) -> Style {
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

/// What the reader and the workers share.
struct Pipeline {
    queue: Arc<JobQueue<Job>>,
    recorder: Arc<Recorder>,
    control: Arc<Control>,
}

impl Pipeline {
    /// Reads every row and sends its delete with `concurrency` workers (none for a dry
    /// run, which checks each row with `dry_run`); returns what the reader saw and what
    /// the recorder did, once every row is recorded.
    async fn run(
        self,
        rows: RowReader,
        already_deleted: AlreadyDeleted,
        client: &Client,
        dry_run: Option<Client>,
        concurrency: usize,
    ) -> (Result<ReadOutcome, CliError>, Recorded) {
        let reader = {
            let reader = Reader {
                already_deleted,
                queue: Arc::clone(&self.queue),
                recorder: Arc::clone(&self.recorder),
                control: Arc::clone(&self.control),
                dry_run,
            };
            tokio::task::spawn_blocking(move || reader.read_all(rows))
        };
        let live_workers = Arc::new(AtomicUsize::new(concurrency));
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let worker = Worker {
                    client: client.clone(),
                    queue: Arc::clone(&self.queue),
                    recorder: Arc::clone(&self.recorder),
                    control: Arc::clone(&self.control),
                    live: Arc::clone(&live_workers),
                };
                tokio::spawn(worker.run())
            })
            .collect();
        if concurrency == 0 {
            self.queue.desert();
        }

        let read = reader
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        for worker in workers {
            if let Err(e) = worker.await {
                std::panic::resume_unwind(e.into_panic());
            }
        }
        let written = Arc::into_inner(self.recorder)
            .expect("the reader and workers are done")
            .finish();
        (read, written)
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
struct Reader {
    already_deleted: AlreadyDeleted,
    queue: Arc<JobQueue<Job>>,
    recorder: Arc<Recorder>,
    control: Arc<Control>,
    /// A dry run's client: rows are checked with it, not queued.
    dry_run: Option<Client>,
}

impl Reader {
    fn read_all(self, mut rows: RowReader) -> Result<ReadOutcome, CliError> {
        // Closed however the reader ends, so that the workers always finish.
        let _close = CloseOnDrop(&self.queue);
        let mut outcome = ReadOutcome {
            first_request: None,
        };
        let mut line = Vec::with_capacity(256);
        let mut horizons = self.already_deleted.horizons();
        while let Some(row) = rows.next_row() {
            let row = row?;
            let settled = match row.content {
                RowContent::Invalid {
                    owner_id,
                    schedule_id,
                    reason,
                } => Some(RowResult::invalid(row.line, owner_id, schedule_id, reason)),
                RowContent::Ids(schedule) => {
                    let job = self.job(row.line, schedule, &mut horizons);
                    self.take(job, &mut outcome)
                }
            };
            if let Some(result) = settled {
                self.recorder.record(&result, &mut line);
            }
        }
        Ok(outcome)
    }

    /// A row with ids as a job. Called for every such row, in input order: it counts
    /// rows for the `--resume` reports.
    fn job(&self, line: u64, schedule: ScheduleRef, horizons: &mut Horizons) -> Job {
        let earlier_may_have_sent = self
            .already_deleted
            .may_have_sent(line, &schedule, horizons);
        Job {
            line,
            schedule,
            earlier_may_have_sent,
        }
    }

    /// Queues a job for the workers (`None`), or settles it here: already deleted, the
    /// run stopped, or a dry run.
    fn take(&self, job: Job, outcome: &mut ReadOutcome) -> Option<RowResult> {
        if self.already_deleted.contains(&job.schedule) {
            let (owner_id, schedule_id) = job.schedule.into_ids();
            return Some(RowResult::skipped(
                job.line,
                owner_id,
                Some(schedule_id.into_string()),
                SkipReason::AlreadyDeleted,
                SKIPPED_ALREADY_DELETED,
            ));
        }
        if self.control.is_stopping() {
            return Some(job.skip(&self.control));
        }
        if let Some(client) = &self.dry_run {
            return Some(check_only(client, job, outcome));
        }
        // Given back when no worker is left to take it.
        self.queue
            .push(job)
            .err()
            .map(|job| job.skip(&self.control))
    }
}

/// Closes the queue when the reader ends, whether it returns, fails or panics.
struct CloseOnDrop<'a>(&'a JobQueue<Job>);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// A dry run's row: built and checked by the SDK, not sent.
fn check_only(client: &Client, job: Job, outcome: &mut ReadOutcome) -> RowResult {
    let preview = client.delete_schedule(job.schedule.clone()).preview();
    let (owner_id, schedule_id) = job.schedule.into_ids();
    let schedule_id = Some(schedule_id.into_string());
    match preview {
        Ok(preview) => {
            outcome.first_request.get_or_insert(preview);
            RowResult::skipped(
                job.line,
                owner_id,
                schedule_id,
                SkipReason::DryRun,
                SKIPPED_DRY_RUN,
            )
        }
        Err(error) => RowResult::invalid(job.line, owner_id, schedule_id, error.to_string()),
    }
}

/// A worker: takes rows until there are none, sends each delete, records its result.
struct Worker {
    client: Client,
    queue: Arc<JobQueue<Job>>,
    recorder: Arc<Recorder>,
    control: Arc<Control>,
    live: Arc<AtomicUsize>,
}

impl Worker {
    async fn run(self) {
        // One wait for the whole run rather than one per row: it stays registered with
        // the channel from row to row. (The sender lives as long as the run; were it
        // gone, the wait would never end, as no abandon could come.)
        let mut abandoned = self.control.abandoned();
        let abandon = async move {
            if abandoned.wait_for(|abandon| *abandon).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::pin!(abandon);
        let mut abandon_seen = false;
        let mut line = Vec::with_capacity(256);
        while let Some(job) = self.queue.pop().await {
            tracing::trace!(line = job.line, "row taken");
            // Abandoning stops the run first, so once it is seen no row gets this far.
            let result = if self.control.is_stopping() {
                job.skip(&self.control)
            } else {
                // In flight from here: a second interrupt abandons it (tests wait for this).
                tracing::trace!(line = job.line, "row in flight");
                tokio::select! {
                    biased;
                    answer = delete(&self.client, &job) => {
                        classify(job, answer, &self.control)
                    }
                    () = &mut abandon, if !abandon_seen => {
                        abandon_seen = true;
                        job.abandon()
                    }
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

/// Sends one delete.
async fn delete(client: &Client, job: &Job) -> Result<Response<MessageResponse>, braze_sdk::Error> {
    client.delete_schedule(job.schedule.clone()).await
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
    let (owner_id, schedule_id) = job.schedule.into_ids();
    RowResult {
        line: job.line,
        owner_id,
        schedule_id: Some(schedule_id.into_string()),
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
