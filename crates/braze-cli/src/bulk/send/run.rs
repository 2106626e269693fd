//! One bulk send, from the input file to the summary.
//!
//! ```text
//! reader thread ──JobQueue of batches (bounded)──▶ N workers (clones of one Client)
//!   │ rows → batches of ≤ 50 (the first checked here)       │ the rulebook's check,
//!   │ invalid, resumed, stopped rows                        │ in_flight marks (flushed),
//!   │                                                       │ send, outcome of each row
//!   └──────────────────────▶ SendRecorder ◀─────────────────┘ ──▶ report, counters
//! ```
//!
//! Each batch is checked by the rulebook before its rows are marked in flight. The reader
//! checks batches until one passes, which proves the command's own fields (a problem
//! there ends the run before anything is sent); the workers check the others, so that
//! the reader, the one thread every row goes through, only reads.
//!
//! Before the first request: the `--resume` reports are read, a file naming a user twice
//! is refused ([`duplicates`]), and with `--strict` every row is checked (nothing is sent
//! if one is invalid). Memory stays flat however long the input: a bounded queue of
//! batches, and for the duplicate check a fixed-size filter.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use braze_sdk::{
    CheckedTriggerSend, Client, Recipient, RequestPreview, TriggerSend, TriggerSendOwner, wire,
};

use crate::bulk::control::{Control, listen_for_signals};
use crate::bulk::input::{estimate_rows, is_stdin};
use crate::bulk::outcome::Reach;
use crate::bulk::progress::{Display, Style, Tally};
use crate::bulk::queue::JobQueue;
use crate::bulk::recorder::MAX_LISTED_PROBLEMS;
use crate::bulk::run::{check_paths, finish, progress_style};
use crate::bulk::send::duplicates;
use crate::bulk::send::outcome::{ABANDONED, SendOutcome, judge};
use crate::bulk::send::report::{SendRecorded, SendRecorder, SendRow, SendSkip};
use crate::bulk::send::resume::{Earlier, EarlierRuns};
use crate::bulk::send::rows::{Content, RecipientRows};
use crate::bulk::send::summary::{SendCounters, SendSummary};
use crate::bulk::send::user::User;
use crate::cli::{BulkSendArgs, CampaignSendArgs, CanvasSendArgs, DEFAULT_CONCURRENCY, GlobalArgs};
use crate::credentials::{Purpose, connect};
use crate::error::CliError;
use crate::output::{Output, count};
use crate::report::ReportWriter;

/// Rows read and settled (invalid, skipped) before they are recorded together.
const SETTLED_ROWS: usize = 64;

/// `braze campaigns trigger send --campaign-id C --from FILE`
pub async fn campaign(global: &GlobalArgs, args: &CampaignSendArgs) -> Result<u8, CliError> {
    let targeting = &args.targeting;
    run(global, &args.bulk, |client: &Client| {
        client
            .trigger_campaign_send(args.campaign_id.as_str())
            .set_audience(targeting.audience.clone())
            .set_trigger_properties(args.properties.clone())
            .set_send_id(args.send_id.clone())
            .attachments(
                args.attachments
                    .iter()
                    .map(|(name, url)| braze_sdk::Attachment::new(name, url)),
            )
    })
    .await
}

/// `braze canvas trigger send --canvas-id C --from FILE`
pub async fn canvas(global: &GlobalArgs, args: &CanvasSendArgs) -> Result<u8, CliError> {
    let targeting = &args.targeting;
    run(global, &args.bulk, |client: &Client| {
        client
            .trigger_canvas_send(args.canvas_id.as_str())
            .set_audience(targeting.audience.clone())
            .set_context(args.properties.clone())
    })
    .await
}

/// Runs a bulk send whose requests start as `template` makes them; returns the exit code.
async fn run<O>(
    global: &GlobalArgs,
    args: &BulkSendArgs,
    template: impl FnOnce(&Client) -> TriggerSend<O>,
) -> Result<u8, CliError>
where
    O: TriggerSendOwner + 'static,
    TriggerSend<O>: Send + Sync,
{
    let Some(from) = args.from.as_deref() else {
        return Err(CliError::Usage(
            "--from FILE is required for a bulk send".into(),
        ));
    };
    let output = Output::new(global.output);

    // Everything that can be refused is checked before the first request.
    check_paths(args.report.as_deref(), &args.resume, Some(from))?;
    let earlier = EarlierRuns::load(&args.resume)?;
    let spooled = if is_stdin(from) {
        Some(Spooled::stdin()?)
    } else {
        None
    };
    let input: &Path = spooled.as_ref().map_or(from, |s| s.0.as_path());
    let open = || RecipientRows::open(input, args.format);
    let format = open()?.format();
    // The duplicate check reads the whole input: on its own thread, while the client is
    // made (which reads the system's certificates). Its refusal comes first.
    let duplicates = (!args.allow_duplicates).then(|| {
        let (input, given) = (input.to_path_buf(), args.format);
        tokio::task::spawn_blocking(move || duplicates::find(|| RecipientRows::open(&input, given)))
    });
    let connection = connect(global, Purpose::Bulk).await;
    if let Some(check) = duplicates {
        let found = check
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
        if !found.is_empty() {
            return Err(duplicates::refusal(&found));
        }
    }
    let connection = connection?;
    let template = template(&connection.client);
    if args.strict {
        strict_check(open()?, &template)?;
    }
    let style = progress_style(global);
    let total = match style {
        Style::Off => None,
        Style::Bar | Style::Lines => estimate_rows(input, format),
    };
    let report = match &args.report {
        Some(path) => Some(ReportWriter::create(path)?),
        None => None,
    };
    if !global.quiet {
        announce(global, args, &earlier);
    }

    let concurrency = if global.dry_run {
        0
    } else {
        usize::from(args.concurrency.unwrap_or(DEFAULT_CONCURRENCY))
    };
    let control = Arc::new(Control::new(concurrency as u64));
    let signals = tokio::spawn(listen_for_signals(Arc::clone(&control)));
    let counters = Arc::new(SendCounters::default());
    let display = Display::start(Arc::clone(&counters) as Arc<dyn Tally>, total, style);
    let started = Instant::now();
    let recorder = Arc::new(SendRecorder::new(
        report,
        Arc::clone(&counters),
        Arc::clone(&control),
    ));
    let queue = Arc::new(JobQueue::new((concurrency * 2).max(2)));
    let reader = Reader {
        earlier,
        resend_unknown: args.resend_unknown,
        template: template.clone(),
        queue: Arc::clone(&queue),
        recorder: Arc::clone(&recorder),
        control: Arc::clone(&control),
        counters: Arc::clone(&counters),
        dry_run: global.dry_run,
    };
    let rows = open()?;
    let reading = tokio::task::spawn_blocking(move || reader.read_all(rows));
    let live = Arc::new(AtomicUsize::new(concurrency));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            tokio::spawn(
                Worker {
                    template: template.clone(),
                    queue: Arc::clone(&queue),
                    recorder: Arc::clone(&recorder),
                    control: Arc::clone(&control),
                    counters: Arc::clone(&counters),
                    live: Arc::clone(&live),
                }
                .run(),
            )
        })
        .collect();
    if concurrency == 0 {
        queue.desert();
    }
    let read = reading
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

    let summary = SendSummary {
        counters: &counters,
        elapsed: started.elapsed(),
        reason: control.reason(),
        written: &written,
        report: args.report.as_deref(),
        first_request: read.as_ref().ok().and_then(|r| r.first_request.as_ref()),
        batches: counters.batches.load(Ordering::Relaxed),
        dry_run: global.dry_run,
    };
    let code = summary.exit_code();
    summary.print(output);
    conclude(global, args, code, read, &written)
}

/// The run's result once the summary is printed ([`finish`]).
fn conclude(
    global: &GlobalArgs,
    args: &BulkSendArgs,
    code: u8,
    read: Result<ReadOutcome, CliError>,
    written: &SendRecorded,
) -> Result<u8, CliError> {
    finish(
        global.quiet,
        args.report.as_deref(),
        code,
        read.map(drop),
        written.report_error.as_ref(),
        " (rows sent, refused or unknown are not sent again)",
    )
}

/// Says what is about to happen, on stderr.
fn announce(global: &GlobalArgs, args: &BulkSendArgs, earlier: &EarlierRuns) {
    if !args.resume.is_empty() {
        let (sent, refused, unknown) = earlier.counts();
        eprintln!(
            "resuming: the --resume report(s) record {} users sent, {} refused and {} unknown; \
             {}",
            count(sent),
            count(refused),
            count(unknown),
            if args.resend_unknown {
                "the unknown ones are sent again (--resend-unknown), the others skipped"
            } else {
                "all are skipped"
            }
        );
    }
    if args.report.is_none() {
        eprintln!(
            "note: no --report: nothing records which rows were sent, so an interrupted run \
             cannot be resumed; problem rows are listed here (the first {MAX_LISTED_PROBLEMS})"
        );
    }
    if global.dry_run {
        eprintln!("dry run: every row is read and checked; nothing is sent");
    }
}

/// `--strict`: every row is read and checked first; any invalid one refuses the input.
fn strict_check<O>(rows: RecipientRows, template: &TriggerSend<O>) -> Result<(), CliError>
where
    O: TriggerSendOwner,
{
    let mut batcher = Batcher::default();
    let mut invalid = Vec::new();
    let mut read = |rows: &mut RecipientRows| -> Result<bool, CliError> {
        let Some(row) = rows.next_row() else {
            return Ok(false);
        };
        let row = row?;
        match row.content {
            Content::Invalid { user, reason } => invalid.push(SendRow::unsent(
                row.line,
                user,
                SendOutcome::Invalid,
                None,
                reason,
            )),
            Content::Recipient(recipient) => {
                if batcher.push(row.line, User::of(&recipient), recipient) {
                    batcher.check(template, &mut invalid)?;
                    batcher.pending.clear();
                }
            }
        }
        Ok(true)
    };
    let mut rows = rows;
    while read(&mut rows)? {}
    batcher.check(template, &mut invalid)?;
    if invalid.is_empty() {
        return Ok(());
    }
    invalid.sort_by_key(|row| row.line);
    let mut text = format!(
        "{} row{} invalid; nothing was sent (--strict):",
        count(invalid.len() as u64),
        if invalid.len() == 1 { " is" } else { "s are" }
    );
    for row in invalid.iter().take(MAX_LISTED_PROBLEMS as usize) {
        text.push_str(&format!("\n  {}", row.describe()));
    }
    if invalid.len() > MAX_LISTED_PROBLEMS as usize {
        text.push_str(&format!(
            "\n  ... and {} more",
            count(invalid.len() as u64 - MAX_LISTED_PROBLEMS)
        ));
    }
    Err(CliError::Input(text))
}

/// Rows gathered for a batch.
#[derive(Default)]
struct Batcher {
    pending: Vec<Pending>,
    /// The recipient of each pending row, in the same order, until [`Batcher::check`]
    /// moves them into the request.
    recipients: Vec<Recipient>,
}

/// A row waiting for its batch.
struct Pending {
    line: u64,
    user: User,
}

impl Batcher {
    /// Adds a row; returns whether the batch is full.
    fn push(&mut self, line: u64, user: User, recipient: Box<wire::Recipient>) -> bool {
        self.pending.push(Pending { line, user });
        if self.recipients.is_empty() {
            // A batch's room at once: recipients are large, and moved on each growth.
            self.recipients.reserve(braze_sdk::rules::MAX_USERS);
        }
        self.recipients.push(Recipient::from(*recipient));
        self.pending.len() >= braze_sdk::rules::MAX_USERS
    }

    /// The request of the pending rows, built and checked by the rulebook once (it is
    /// sent as checked): each row the rulebook refuses is taken out into `invalid` (with
    /// its line and the rule's words), until the rest passes. `None` when no row is left. A problem that is not a row's (from the
    /// command's flags) is an error: no batch could be sent. The recipients move into the
    /// request and come back with a refusal, so none is copied; after an error they are
    /// gone, and the rows are still pending.
    fn check<O: TriggerSendOwner>(
        &mut self,
        template: &TriggerSend<O>,
        invalid: &mut Vec<SendRow>,
    ) -> Result<Option<CheckedTriggerSend<O>>, CliError> {
        loop {
            if self.pending.is_empty() {
                return Ok(None);
            }
            let request = template
                .clone()
                .recipients(std::mem::take(&mut self.recipients));
            let refused = match request.try_check() {
                Ok(checked) => return Ok(Some(checked)),
                Err(refused) => refused,
            };
            let braze_sdk::Error::InvalidRequest { field, reason } = refused.error() else {
                return Err(refused.into_error().into());
            };
            match recipient_problem(field) {
                Some((index, path)) if index < self.pending.len() => {
                    let what = if path.is_empty() {
                        "the recipient"
                    } else {
                        path
                    };
                    let reason = format!("{what} {reason}");
                    self.recipients = refused.into_recipients();
                    self.recipients.remove(index);
                    let row = self.pending.remove(index);
                    invalid.push(SendRow::unsent(
                        row.line,
                        Some(row.user),
                        SendOutcome::Invalid,
                        None,
                        reason,
                    ));
                }
                _ => return Err(refused.into_error().into()),
            }
        }
    }

    /// Takes the checked rows out, as `(line, user)`.
    fn take(&mut self) -> Vec<(u64, User)> {
        self.pending.drain(..).map(|p| (p.line, p.user)).collect()
    }
}

/// `recipients[3].email` → `(3, "email")`; `recipients[3]` → `(3, "")`.
fn recipient_problem(field: &str) -> Option<(usize, &str)> {
    let rest = field.strip_prefix("recipients[")?;
    let (index, path) = rest.split_once(']')?;
    Some((index.parse().ok()?, path.trim_start_matches('.')))
}

/// A batch for the workers: its rows, and its request once checked.
struct Batch<O: TriggerSendOwner> {
    /// The run's number of the batch, from 1.
    number: u64,
    /// Its rows, in input order (once checked, only those to send).
    rows: Batcher,
    /// The checked request, when the reader checked it (the first batches, which prove
    /// the command's own fields); the workers check the others, in parallel.
    request: Option<CheckedTriggerSend<O>>,
}

impl<O: TriggerSendOwner> Batch<O> {
    /// Its rows as `(line, user)`, for the rows' report lines when it is not sent.
    fn rows(&self) -> Vec<(u64, User)> {
        self.rows
            .pending
            .iter()
            .map(|p| (p.line, p.user.clone()))
            .collect()
    }
}

/// How the rows of a batch not attempted end: the run has stopped.
fn skipped(control: &Control) -> SendRow {
    let (_, message) = control.skip();
    SendRow::unsent(
        0,
        None,
        SendOutcome::Skipped,
        Some(SendSkip::of_stop(control.reason())),
        message,
    )
}

/// What the reader saw.
struct ReadOutcome {
    /// A dry run's preview of the first batch.
    first_request: Option<RequestPreview>,
    /// Batches formed (numbered).
    batches: u64,
    /// Whether a batch has passed the rulebook: the command's own fields (properties,
    /// attachments, audience) are then known good, and the workers check the rest.
    template_proven: bool,
}

/// The reader: rows into checked batches for the workers, or settled here (invalid, known
/// from a `--resume` report, the run stopped, a dry run). Runs on a blocking thread.
struct Reader<O: TriggerSendOwner> {
    earlier: EarlierRuns,
    resend_unknown: bool,
    template: TriggerSend<O>,
    queue: Arc<JobQueue<Batch<O>>>,
    recorder: Arc<SendRecorder>,
    control: Arc<Control>,
    counters: Arc<SendCounters>,
    dry_run: bool,
}

impl<O: TriggerSendOwner> Reader<O> {
    fn read_all(self, mut rows: RecipientRows) -> Result<ReadOutcome, CliError> {
        // Closed however the reader ends, so that the workers always finish.
        let _close = CloseOnDrop(&self.queue);
        let mut outcome = ReadOutcome {
            first_request: None,
            batches: 0,
            template_proven: false,
        };
        let mut batcher = Batcher::default();
        let mut settled = Vec::with_capacity(SETTLED_ROWS);
        let result = (|| {
            while let Some(row) = rows.next_row() {
                let row = row?;
                match row.content {
                    Content::Invalid { user, reason } => settled.push(SendRow::unsent(
                        row.line,
                        user,
                        SendOutcome::Invalid,
                        None,
                        reason,
                    )),
                    Content::Recipient(recipient) => {
                        let user = User::of(&recipient);
                        if let Some(skip) = self.resumed(row.line, &user) {
                            settled.push(skip);
                        } else if batcher.push(row.line, user, recipient) {
                            self.dispatch(&mut batcher, &mut settled, &mut outcome)?;
                        }
                    }
                }
                if settled.len() >= SETTLED_ROWS {
                    self.recorder.record(&settled);
                    settled.clear();
                }
            }
            self.dispatch(&mut batcher, &mut settled, &mut outcome)
        })();
        self.recorder.record(&settled);
        result.map(|()| outcome)
    }

    /// The skipped row of a user a `--resume` report knows, unless it is to be sent.
    fn resumed(&self, line: u64, user: &User) -> Option<SendRow> {
        let (skip, message) = match self.earlier.state(user)? {
            Earlier::Sent => (
                SendSkip::AlreadySent,
                "already sent (recorded in the --resume report)",
            ),
            Earlier::Refused => (
                SendSkip::AlreadyRefused,
                "already refused by Braze (recorded in the --resume report)",
            ),
            Earlier::Unknown if self.resend_unknown => return None,
            Earlier::Unknown => (
                SendSkip::Unknown,
                "unknown in the --resume report: it may have been sent; not sent again \
                 (--resend-unknown would)",
            ),
        };
        Some(SendRow::unsent(
            line,
            Some(user.clone()),
            SendOutcome::Skipped,
            Some(skip),
            message,
        ))
    }

    /// Hands the pending rows on as a batch: to the workers, or for a dry run to the
    /// preview; settles them when the run has stopped. Until a batch has passed the
    /// rulebook (and in a dry run) the reader checks it, so that a problem of the
    /// command's own fields ends the run before anything is sent; the workers check the
    /// later batches.
    fn dispatch(
        &self,
        batcher: &mut Batcher,
        settled: &mut Vec<SendRow>,
        outcome: &mut ReadOutcome,
    ) -> Result<(), CliError> {
        let request = if outcome.template_proven && !self.dry_run {
            None
        } else {
            match batcher.check(&self.template, settled)? {
                Some(request) => {
                    outcome.template_proven = true;
                    self.counters.batches.fetch_add(1, Ordering::Relaxed);
                    Some(request)
                }
                None => return Ok(()),
            }
        };
        if batcher.pending.is_empty() {
            return Ok(());
        }
        outcome.batches += 1;
        let batch = Batch {
            number: outcome.batches,
            rows: std::mem::take(batcher),
            request,
        };
        // Rows settled so far are recorded before the batch's.
        self.recorder.record(settled);
        settled.clear();
        if self.control.is_stopping() {
            self.recorder
                .record_batch(&batch.rows(), &skipped(&self.control));
            return Ok(());
        }
        if self.dry_run {
            if outcome.first_request.is_none()
                && let Some(request) = &batch.request
            {
                outcome.first_request = Some(request.preview()?);
            }
            let template = SendRow::unsent(
                0,
                None,
                SendOutcome::Skipped,
                Some(SendSkip::DryRun),
                "dry run: checked, not sent",
            );
            self.recorder.record_batch(&batch.rows(), &template);
            return Ok(());
        }
        if let Err(batch) = self.queue.push(batch) {
            self.recorder
                .record_batch(&batch.rows(), &skipped(&self.control));
        }
        Ok(())
    }
}

/// Closes the queue when the reader ends, whether it returns, fails or panics.
struct CloseOnDrop<'a, T>(&'a JobQueue<T>);

impl<T> Drop for CloseOnDrop<'_, T> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// A worker: takes batches until there are none; marks each in flight, sends it, records
/// its rows.
struct Worker<O: TriggerSendOwner> {
    template: TriggerSend<O>,
    queue: Arc<JobQueue<Batch<O>>>,
    recorder: Arc<SendRecorder>,
    control: Arc<Control>,
    counters: Arc<SendCounters>,
    live: Arc<AtomicUsize>,
}

impl<O: TriggerSendOwner> Worker<O> {
    async fn run(self) {
        let mut abandoned = self.control.abandoned();
        let abandon = async move {
            if abandoned.wait_for(|abandon| *abandon).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::pin!(abandon);
        let mut abandon_seen = false;
        while let Some(batch) = self.queue.pop().await {
            if self.control.is_stopping() {
                self.recorder
                    .record_batch(&batch.rows(), &skipped(&self.control));
                continue;
            }
            let Batch {
                number,
                rows: mut batcher,
                request,
            } = batch;
            let Some(request) = request.or_else(|| self.check(&mut batcher)) else {
                continue;
            };
            let rows = batcher.take();
            if !self.recorder.in_flight(number, &rows).await {
                // No mark, no send: the row could not be told apart from one never sent.
                self.recorder.record_batch(&rows, &skipped(&self.control));
                continue;
            }
            tracing::trace!(batch = number, "batch in flight");
            let first_line = rows.first().map_or(0, |(line, _)| *line);
            let template = tokio::select! {
                biased;
                answer = request.send() => self.judged(first_line, &answer),
                () = &mut abandon, if !abandon_seen => {
                    abandon_seen = true;
                    SendRow {
                        delivery: Some(braze_sdk::Delivery::Uncertain),
                        attempts: 1,
                        ..SendRow::unsent(0, None, SendOutcome::Unknown, None, ABANDONED)
                    }
                }
            };
            let template = SendRow {
                batch: Some(number),
                ..template
            };
            self.recorder.record_batch(&rows, &template);
        }
    }

    /// Checks a batch the reader did not: its invalid rows are recorded and taken out;
    /// `None` when no row is left to send. A problem that is no row's (the reader's
    /// check of an earlier batch makes that unlikely) makes every row invalid.
    fn check(&self, batcher: &mut Batcher) -> Option<CheckedTriggerSend<O>> {
        let mut invalid = Vec::new();
        let checked = batcher.check(&self.template, &mut invalid);
        if let Err(error) = &checked {
            let message = error.to_string();
            invalid.extend(batcher.pending.drain(..).map(|p| {
                SendRow::unsent(
                    p.line,
                    Some(p.user),
                    SendOutcome::Invalid,
                    None,
                    message.clone(),
                )
            }));
        }
        self.recorder.record(&invalid);
        let checked = checked.ok().flatten()?;
        self.counters.batches.fetch_add(1, Ordering::Relaxed);
        Some(checked)
    }

    /// The report row every row of a batch gets from its answer; tells the run what the
    /// answer means for it.
    fn judged(
        &self,
        first_line: u64,
        answer: &Result<braze_sdk::Response<wire::SendResponse>, braze_sdk::Error>,
    ) -> SendRow {
        let verdict = judge(first_line, answer);
        match verdict.reach {
            Some(Reach::Answered) => self.control.note_answered(),
            Some(Reach::Unreachable) => self.control.note_unreachable(),
            None => {}
        }
        if let Some(reason) = verdict.stop.clone() {
            self.control.stop(reason);
        }
        self.counters
            .record_batch(verdict.outcome == SendOutcome::Sent, verdict.rate_limited);
        SendRow {
            line: 0,
            user: None,
            outcome: verdict.outcome,
            skip_reason: None,
            batch: None,
            status: verdict.status,
            dispatch_id: verdict.dispatch_id,
            message: verdict.message,
            attempts: verdict.attempts,
            delivery: verdict.delivery,
        }
    }
}

impl<O: TriggerSendOwner> Drop for Worker<O> {
    /// The last worker to go tells the reader not to wait for room that will never come.
    fn drop(&mut self) {
        if self.live.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.queue.desert();
        }
    }
}

/// Stdin copied to a file, so that it can be read more than once (the duplicate check
/// reads the input before the run does); removed when dropped.
struct Spooled(PathBuf);

impl Spooled {
    fn stdin() -> Result<Self, CliError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("braze-send-{}-{nanos}.input", std::process::id()));
        let spooled = Self(path);
        let mut file = std::fs::File::create(&spooled.0).map_err(|e| {
            CliError::Input(format!("cannot copy stdin to {}: {e}", spooled.0.display()))
        })?;
        std::io::copy(&mut std::io::stdin().lock(), &mut file)
            .and_then(|_| file.flush())
            .map_err(|e| CliError::Input(format!("cannot read stdin: {e}")))?;
        Ok(spooled)
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipient_problems_name_their_row() {
        assert_eq!(recipient_problem("recipients[3].email"), Some((3, "email")));
        assert_eq!(recipient_problem("recipients[12]"), Some((12, "")));
        assert_eq!(recipient_problem("trigger_properties"), None);
        assert_eq!(recipient_problem("recipients[x]"), None);
    }
}
