//! `braze`: Braze's scheduled-message endpoints from a terminal, built on `braze-sdk`.
//!
//! The library of the same crate is the command; the binary only runs it, so that tests
//! and the fuzz targets use the same code.
//!
//! * [`cli`]: the command line (clap);
//! * [`credentials`]: key and endpoint, `--mock`, dry-run placeholders;
//! * [`single`] and [`send`]: the one-request commands; [`bulk`]: `delete --from FILE`
//!   (and [`report`], its rows' outcomes and report file) and `trigger send --from FILE`
//!   ([`bulk::send`]);
//! * [`output`]: text and JSON output; [`error`]: errors and exit codes;
//! * [`demo`] and [`embedded_mock`] (feature `mock`, on by default): the tour and
//!   `--mock`, on an in-process fake.

#![deny(missing_docs)]

pub mod bulk;
pub mod cli;
pub mod credentials;
#[cfg(feature = "mock")]
pub mod demo;
#[cfg(feature = "mock")]
pub mod embedded_mock;
pub mod error;
pub mod output;
pub mod report;
pub mod send;
pub mod single;

use std::io::IsTerminal;
use std::process::ExitCode;

use braze_sdk::{ScheduleKind, ScheduleRef};
use clap::{CommandFactory, Parser};

use crate::cli::{
    CampaignScheduleCommand, CampaignTriggerCommand, CampaignsCommand, CanvasCommand,
    CanvasScheduleCommand, CanvasTriggerCommand, Cli, Command, GlobalArgs, MessageScheduleCommand,
    MessagesCommand, OutputFormat, SchedulesCommand, SendsCommand, TransactionalCommand,
};
use crate::error::{CliError, EXIT_USAGE};
use crate::output::Output;

/// Runs the `braze` command with the process's arguments; what `main` returns.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    init_tracing(cli.global.verbose);
    let output = Output::new(cli.global.output);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            output.error(&CliError::Input(format!("cannot start the runtime: {e}")));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let result = runtime.block_on(dispatch(&cli.global, &cli.command));
    // Requests abandoned on a second Ctrl-C may still be winding down: do not wait.
    runtime.shutdown_background();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            output.error(&error);
            ExitCode::from(error.exit_code())
        }
    }
}

/// Runs the command; `Ok` carries the exit code (a bulk run decides its own).
async fn dispatch(global: &GlobalArgs, command: &Command) -> Result<u8, CliError> {
    match command {
        Command::Campaigns {
            command: CampaignsCommand::Schedule { command },
        } => match command {
            CampaignScheduleCommand::Create(args) => {
                single::create_campaign_schedule(global, args).await
            }
            CampaignScheduleCommand::Update(args) => {
                let schedule = ScheduleRef::campaign(&args.campaign_id, &args.schedule_id);
                single::update_schedule(global, schedule, &args.schedule).await
            }
            CampaignScheduleCommand::Delete(args) => match (&args.campaign_id, &args.schedule_id) {
                (Some(campaign_id), Some(schedule_id)) => {
                    refuse_stray_bulk_options(&args.bulk)?;
                    let schedule = ScheduleRef::campaign(campaign_id, schedule_id);
                    single::delete_schedule(global, schedule).await
                }
                _ => bulk::run::run(global, ScheduleKind::Campaign, &args.bulk).await,
            },
        },
        Command::Canvas {
            command: CanvasCommand::Schedule { command },
        } => match command {
            CanvasScheduleCommand::Create(args) => {
                single::create_canvas_schedule(global, args).await
            }
            CanvasScheduleCommand::Update(args) => {
                let schedule = ScheduleRef::canvas(&args.canvas_id, &args.schedule_id);
                single::update_schedule(global, schedule, &args.schedule).await
            }
            CanvasScheduleCommand::Delete(args) => match (&args.canvas_id, &args.schedule_id) {
                (Some(canvas_id), Some(schedule_id)) => {
                    refuse_stray_bulk_options(&args.bulk)?;
                    let schedule = ScheduleRef::canvas(canvas_id, schedule_id);
                    single::delete_schedule(global, schedule).await
                }
                _ => bulk::run::run(global, ScheduleKind::Canvas, &args.bulk).await,
            },
        },
        Command::Messages {
            command: MessagesCommand::Schedule { command },
        } => match command {
            MessageScheduleCommand::Create(args) => {
                single::create_message_schedule(global, args).await
            }
            MessageScheduleCommand::Update(args) => {
                single::update_message_schedule(global, args).await
            }
            MessageScheduleCommand::Delete(args) => match &args.schedule_id {
                Some(schedule_id) => {
                    refuse_stray_bulk_options(&args.bulk)?;
                    single::delete_schedule(global, ScheduleRef::message(schedule_id)).await
                }
                None => bulk::run::run(global, ScheduleKind::Message, &args.bulk).await,
            },
        },
        Command::Schedules {
            command: SchedulesCommand::List(args),
        } => single::list_scheduled_broadcasts(global, args).await,
        Command::Campaigns {
            command:
                CampaignsCommand::Trigger {
                    command: CampaignTriggerCommand::Send(args),
                },
        } => match &args.bulk.from {
            Some(_) => bulk::send::run::campaign(global, args).await,
            None => send::trigger_campaign_send(global, args).await,
        },
        Command::Canvas {
            command:
                CanvasCommand::Trigger {
                    command: CanvasTriggerCommand::Send(args),
                },
        } => match &args.bulk.from {
            Some(_) => bulk::send::run::canvas(global, args).await,
            None => send::trigger_canvas_send(global, args).await,
        },
        Command::Messages {
            command: MessagesCommand::Send(args),
        } => send::send_messages(global, args).await,
        Command::Sends {
            command: SendsCommand::CreateId(args),
        } => send::create_send_id(global, args).await,
        Command::Transactional {
            command: TransactionalCommand::Send(args),
        } => send::send_transactional_email(global, args).await,
        #[cfg(feature = "mock")]
        Command::Demo => demo::run(global.output).await,
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "braze", &mut std::io::stdout());
            Ok(error::EXIT_SUCCESS)
        }
    }
}

/// A single delete given bulk options: a usage error rather than options silently ignored.
fn refuse_stray_bulk_options(bulk: &cli::BulkArgs) -> Result<(), CliError> {
    let stray = bulk.stray_options();
    if stray.is_empty() {
        return Ok(());
    }
    Err(CliError::Usage(format!(
        "{} only make sense with --from FILE (a bulk delete), not with --schedule-id",
        stray.join(", ")
    )))
}

/// Prints a command-line error and returns exit code 2 (help and version: 0). With
/// `--output json` on the command line, the error is a JSON document on stdout like any
/// other error.
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let wants_json = {
        let args: Vec<String> = std::env::args().collect();
        args.windows(2)
            .any(|pair| pair[0] == "--output" && pair[1] == "json")
            || args.iter().any(|arg| arg == "--output=json")
    };
    let informational = matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if wants_json && !informational {
        Output::new(OutputFormat::Json).error(&CliError::Usage(
            error.render().to_string().trim().to_owned(),
        ));
        return ExitCode::from(EXIT_USAGE);
    }
    let _ = error.print();
    ExitCode::from(if error.use_stderr() { EXIT_USAGE } else { 0 })
}

/// `-v` info, `-vv` debug, `-vvv` trace, on stderr; `RUST_LOG` when no `-v` is given.
/// Without either, no subscriber is installed, so tracing costs nothing per request.
fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match verbose {
        0 => match std::env::var("RUST_LOG") {
            Ok(spec) if !spec.trim().is_empty() => EnvFilter::new(spec),
            _ => return,
        },
        1 => EnvFilter::new("info"),
        2 => EnvFilter::new("debug"),
        _ => EnvFilter::new("trace"),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        // A line as each request attempt ends (the SDK's `braze.request` span): status
        // and duration, which is what -v promises.
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .try_init();
}
