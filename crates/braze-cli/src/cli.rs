//! The command line: every command, option and help text, as clap types.
//!
//! Parsing only: nothing here talks to Braze. Values that clap can check (durations,
//! JSON arguments, ranges) are checked here so that a bad flag is a usage error (exit 2)
//! before anything is sent.

use std::path::PathBuf;
use std::time::Duration;

use braze_sdk::api::operations as ops;
use braze_sdk::{Audience, OperationSpec};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use serde_json::Value;

/// Shown after every `--help`: what the exit codes mean and where credentials come from.
pub const AFTER_HELP: &str = "\
Credentials and target:
  BRAZE_API_KEY        the REST API key (or --api-key-file PATH; never on the command line)
  BRAZE_REST_ENDPOINT  your instance (US-01, EU-02, ...) or its REST URL
                       (or --instance NAME / --endpoint URL)
  --mock               an embedded fake Braze on loopback instead (no key, no network)

Exit codes:
  0    success (bulk: every row deleted, or skipped because --resume found it deleted)
  1    Braze refused the request or it failed (bulk: some rows failed, were invalid or gone)
  2    usage or input error: bad flags, an unreadable file, invalid JSON, a request
       the SDK refuses before sending, bad configuration (key, endpoint)
  130  a bulk run was interrupted (Ctrl-C, SIGTERM); its report still has every row";

/// `braze`: Braze's scheduled-message endpoints from a terminal.
#[derive(Debug, Parser)]
#[command(
    name = "braze",
    version,
    about = "Send, schedule, reschedule and cancel Braze messages; cancel thousands at once",
    long_about = "Send now, schedule, reschedule and cancel Braze API-triggered campaign \
                  sends, Canvas entries and messages with their content (push, email, \
                  SMS...), send transactional email, list what is scheduled, and cancel \
                  thousands of scheduled sends at once from a CSV or JSON Lines file \
                  (`... schedule delete --from FILE`).\n\n\
                  Try it without credentials: `braze demo`, or any command with --mock.",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options that every command accepts, before or after the subcommand.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// How to print results: text for people, json for scripts (errors too, on stdout).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Print the request that would be sent (key redacted) and send nothing; needs no key.
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// The longest one attempt may take, e.g. 30s, 500ms, 2m [default: 30s].
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// Attempts per request in all, the first included; 1 disables retries [default: 5].
    #[arg(long, global = true, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub retries: Option<u32>,

    /// The longest wait for a spent rate-limit window to reset before sending; a longer
    /// one fails with 429 instead [default: 60s; 65m for bulk deletes, which wait out an
    /// hourly window rather than fail every remaining row].
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub max_rate_limit_wait: Option<Duration>,

    /// Log to stderr: -v requests, -vv retries and waits, -vvv everything (the key never).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// No progress output (bulk runs); errors and the summary are still printed.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Where requests go, and with which key.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Where requests go and the key they carry. The key itself is never a flag: command
/// lines end up in shell history and `ps` output.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Read the REST API key from this file (surrounding whitespace is trimmed) instead of
    /// BRAZE_API_KEY.
    #[arg(long, global = true, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,

    /// Your Braze instance, e.g. US-01 or EU-02 (overrides BRAZE_REST_ENDPOINT).
    #[arg(long, global = true, value_name = "NAME", conflicts_with = "endpoint")]
    pub instance: Option<String>,

    /// Your REST endpoint URL (overrides BRAZE_REST_ENDPOINT).
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help = "Your REST endpoint URL, e.g. https://rest.iad-01.braze.com (overrides \
                BRAZE_REST_ENDPOINT)"
    )]
    pub endpoint: Option<String>,

    /// Talk to an embedded fake Braze on loopback, with its own key: for trying the tool.
    #[cfg(feature = "mock")]
    #[arg(long, global = true, conflicts_with_all = ["api_key_file", "instance", "endpoint"])]
    pub mock: bool,
}

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Readable text; errors on stderr.
    Text,
    /// One JSON document per result on stdout, errors included.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scheduled sends of API-triggered campaigns.
    Campaigns {
        /// What to do with campaigns.
        #[command(subcommand)]
        command: CampaignsCommand,
    },
    /// Scheduled entries of API-triggered Canvases.
    Canvas {
        /// What to do with Canvases.
        #[command(subcommand)]
        command: CanvasCommand,
    },
    /// Scheduled messages with their content (push, email, SMS...).
    Messages {
        /// What to do with messages.
        #[command(subcommand)]
        command: MessagesCommand,
    },
    /// What is scheduled.
    Schedules {
        /// What to do with schedules.
        #[command(subcommand)]
        command: SchedulesCommand,
    },
    /// Send identifiers, to track sends of a campaign under a name of your choice.
    Sends {
        /// What to do with send identifiers.
        #[command(subcommand)]
        command: SendsCommand,
    },
    /// Transactional email (a paid Braze feature): one user, now.
    Transactional {
        /// What to do.
        #[command(subcommand)]
        command: TransactionalCommand,
    },
    /// A tour against an embedded fake Braze: create, list, delete, delete again.
    ///
    /// Needs no credentials and no network: everything goes to a fake server on
    /// loopback, and what went on the wire is printed with the key redacted.
    #[cfg(feature = "mock")]
    Demo,
    /// Print a shell completion script, e.g. `braze completions bash > /etc/bash_completion.d/braze`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `braze campaigns ...`
#[derive(Debug, Subcommand)]
pub enum CampaignsCommand {
    /// Create, update or delete scheduled campaign sends.
    Schedule {
        /// The operation.
        #[command(subcommand)]
        command: CampaignScheduleCommand,
    },
    /// Send an API-triggered campaign now.
    Trigger {
        /// The operation.
        #[command(subcommand)]
        command: CampaignTriggerCommand,
    },
}

/// `braze canvas ...`
#[derive(Debug, Subcommand)]
pub enum CanvasCommand {
    /// Create, update or delete scheduled Canvas entries.
    Schedule {
        /// The operation.
        #[command(subcommand)]
        command: CanvasScheduleCommand,
    },
    /// Send users into an API-triggered Canvas now.
    Trigger {
        /// The operation.
        #[command(subcommand)]
        command: CanvasTriggerCommand,
    },
}

/// `braze messages ...`
#[derive(Debug, Subcommand)]
pub enum MessagesCommand {
    /// Create, update or delete scheduled messages.
    Schedule {
        /// The operation.
        #[command(subcommand)]
        command: MessageScheduleCommand,
    },
    /// Send messages with their content now.
    ///
    /// Give users (--external-user-id, --user-alias; with --segment-id or --audience,
    /// those of them in it), or --broadcast --yes with a --segment-id or an --audience;
    /// and the content (--messages FILE and/or the channel flags). Every channel is
    /// checked before anything is sent. Listed users must already exist in Braze. Not
    /// retried once it may have reached Braze: Braze has no idempotency key, and a
    /// repeated send can reach the users twice; such a failure says the send may or may
    /// not have happened.
    #[command(after_help = endpoint_help(&ops::SEND_MESSAGES))]
    Send(MessageSendArgs),
}

/// `braze campaigns trigger ...`
#[derive(Debug, Subcommand)]
pub enum CampaignTriggerCommand {
    /// Send an API-triggered campaign now, with its dashboard content.
    ///
    /// Give recipients (--external-user-id, --user-alias, --recipients FILE; at most 50),
    /// an --audience, or --broadcast --yes to send to the campaign's whole segment. A
    /// paused or archived campaign may answer success with a notice and send nothing: the
    /// notice is shown as a warning. Not retried once it may have reached Braze (no
    /// idempotency key); such a failure says the send may or may not have happened.
    #[command(after_help = endpoint_help(&ops::TRIGGER_CAMPAIGN_SEND))]
    Send(CampaignSendArgs),
}

/// `braze canvas trigger ...`
#[derive(Debug, Subcommand)]
pub enum CanvasTriggerCommand {
    /// Send users into an API-triggered Canvas now.
    ///
    /// Give recipients (--external-user-id, --user-alias, --recipients FILE; at most 50),
    /// an --audience, or --broadcast --yes for the Canvas's whole segment. A paused,
    /// stopped or archived Canvas answers success with a notice and sends nothing: the
    /// notice is shown as a warning. Not retried once it may have reached Braze.
    #[command(after_help = endpoint_help(&ops::TRIGGER_CANVAS_SEND))]
    Send(CanvasSendArgs),
}

/// `braze sends ...`
#[derive(Debug, Subcommand)]
pub enum SendsCommand {
    /// Create a send identifier for a campaign (Braze allows 100 a day per workspace).
    ///
    /// Without --send-id, Braze makes one up and answers it. Not retried once it may have
    /// reached Braze: a repeat could make a second identifier and spend the daily quota.
    #[command(after_help = endpoint_help(&ops::CREATE_SEND_ID))]
    CreateId(SendIdArgs),
}

/// `braze transactional ...`
#[derive(Debug, Subcommand)]
pub enum TransactionalCommand {
    /// Send a transactional email campaign to one user now.
    ///
    /// Give the user (--external-user-id or --user-alias) and, to create or update them
    /// first, --attributes. With --external-send-id the send is safe to repeat (Braze
    /// sends once per key within 24 hours), so it is retried after a timeout or a 5xx;
    /// without it, it is not retried once it may have reached Braze.
    #[command(after_help = endpoint_help(&ops::SEND_TRANSACTIONAL_EMAIL))]
    Send(TransactionalSendArgs),
}

/// `braze messages schedule ...`
#[derive(Debug, Subcommand)]
pub enum MessageScheduleCommand {
    /// Schedule a message with its content.
    ///
    /// Give users (--external-user-id, --user-alias; with --segment-id or --audience,
    /// those of them in it), or --broadcast with a --segment-id or an --audience; and the
    /// content: --messages FILE (Braze's `messages` object as JSON),
    /// and/or the flags of the simple cases (--apple-push-alert, --android-push-title with
    /// --android-push-alert, --sms-body with --sms-app-id and --sms-subscription-group-id).
    /// Every channel is checked before anything is sent. A create is not retried once it
    /// may have reached Braze (no idempotency key).
    #[command(after_help = endpoint_help(&ops::CREATE_MESSAGE_SCHEDULE))]
    Create(MessageCreateArgs),
    /// Change the schedule or the content of a scheduled message.
    ///
    /// Give a new schedule (--time ...), new content (--messages FILE or the channel
    /// flags), or both. A new schedule replaces the old one whole; new messages are taken
    /// to replace the old ones.
    #[command(after_help = endpoint_help(&ops::UPDATE_MESSAGE_SCHEDULE))]
    Update(MessageUpdateArgs),
    /// Cancel one scheduled message, or thousands with --from FILE.
    #[command(
        after_help = endpoint_help(&ops::DELETE_MESSAGE_SCHEDULE),
        after_long_help = bulk_help(&ops::DELETE_MESSAGE_SCHEDULE)
    )]
    Delete(MessageDeleteArgs),
}

/// `braze schedules ...`
#[derive(Debug, Subcommand)]
pub enum SchedulesCommand {
    /// List the campaigns and Canvases scheduled from now until --end-time.
    #[command(after_help = endpoint_help(&ops::LIST_SCHEDULED_BROADCASTS))]
    List(ListArgs),
}

/// `braze campaigns schedule ...`
#[derive(Debug, Subcommand)]
pub enum CampaignScheduleCommand {
    /// Schedule a send of an API-triggered campaign.
    ///
    /// Give --recipients, or --broadcast to send to the whole segment. A create is not
    /// retried once it may have reached Braze: Braze has no idempotency key, and a
    /// repeated create can schedule the send twice.
    #[command(after_help = endpoint_help(&ops::CREATE_CAMPAIGN_SCHEDULE))]
    Create(CampaignCreateArgs),
    /// Replace the schedule of a scheduled campaign send.
    ///
    /// The new schedule replaces the old one whole: leaving out --in-local-time makes a
    /// local-time send a UTC send.
    #[command(after_help = endpoint_help(&ops::UPDATE_CAMPAIGN_SCHEDULE))]
    Update(CampaignUpdateArgs),
    /// Cancel one scheduled campaign send, or thousands with --from FILE.
    ///
    /// Braze applies deletions made shortly before or during the send time on a
    /// best-effort basis: a late deletion may reach all, some or none of the users.
    #[command(
        after_help = endpoint_help(&ops::DELETE_CAMPAIGN_SCHEDULE),
        after_long_help = bulk_help(&ops::DELETE_CAMPAIGN_SCHEDULE)
    )]
    Delete(CampaignDeleteArgs),
}

/// `braze canvas schedule ...`
#[derive(Debug, Subcommand)]
pub enum CanvasScheduleCommand {
    /// Schedule users to enter an API-triggered Canvas.
    ///
    /// Give --recipients, or --broadcast to send to the whole segment. Not retried once
    /// it may have reached Braze (no idempotency key).
    #[command(after_help = endpoint_help(&ops::CREATE_CANVAS_SCHEDULE))]
    Create(CanvasCreateArgs),
    /// Replace the schedule of a scheduled Canvas entry.
    ///
    /// The new schedule replaces the old one whole.
    #[command(after_help = endpoint_help(&ops::UPDATE_CANVAS_SCHEDULE))]
    Update(CanvasUpdateArgs),
    /// Cancel one scheduled Canvas entry, or thousands with --from FILE.
    ///
    /// Late deletions are best-effort, as for campaigns.
    #[command(
        after_help = endpoint_help(&ops::DELETE_CANVAS_SCHEDULE),
        after_long_help = bulk_help(&ops::DELETE_CANVAS_SCHEDULE)
    )]
    Delete(CanvasDeleteArgs),
}

/// The help lines that name the endpoint a command calls and the permission its key
/// needs, read from the operation's spec (never written by hand, so they follow the spec).
fn endpoint_help(spec: &OperationSpec) -> String {
    format!(
        "Braze endpoint: {} {}\nAPI key permission: {}",
        spec.method, spec.path, spec.permission
    )
}

/// The long help of the delete commands: their endpoint, then how bulk runs behave. The
/// outcomes are listed from [`Outcome::ALL`](crate::report::Outcome::ALL), so the
/// list cannot drift.
fn bulk_help(spec: &OperationSpec) -> String {
    let outcomes: Vec<&str> = crate::report::Outcome::ALL
        .iter()
        .map(|outcome| outcome.as_str())
        .collect();
    format!(
        "{}\n\n{}",
        endpoint_help(spec),
        BULK_HELP.replace("{outcomes}", &outcomes.join(", "))
    )
}

/// [`bulk_help`]'s text, `{outcomes}` standing for the outcome names.
const BULK_HELP: &str = "\
Bulk deletes (--from FILE):
  Input      CSV with a header row (campaign_id,schedule_id, canvas_id,schedule_id, or
             schedule_id alone for messages; other columns ignored, any order) or JSON
             Lines with the same keys. The
             format comes from --format, else the extension (.csv; .jsonl, .ndjson), else
             the first character (`{` means JSON Lines). `-` reads stdin, same rule.
  Report     --report FILE gets one JSON line per input row, written as each row ends:
             line, the ids, outcome ({outcomes}), skip_reason, status, message,
             attempts, delivery. Without it, failed and invalid rows are listed on stderr.
  Resume     --resume REPORT skips the rows an earlier report records as deleted.
  Ctrl-C     stops taking rows and lets requests in flight finish; a second Ctrl-C
             abandons them (reported failed: they may or may not have been applied); the
             rest are reported skipped. Exit code 130. A third Ctrl-C exits at once.
  Progress   a bar on a terminal, a line every 2s otherwise (stderr); --quiet for none.
  Stops      a 401 or 403 stops the run (every later row would be refused alike), and so
             do --concurrency rows in a row (at least 10) that could not connect.

Exit codes:
  0    every row deleted (or skipped because --resume found it deleted)
  1    some rows failed, were invalid or gone (404 after a doubtful attempt), or the
       run stopped (key refused, unreachable)
  2    usage or input error (unreadable file, missing header column, bad --resume report)
  130  interrupted";

/// The schedule object of creates and updates.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// When to send, ISO 8601: 2030-05-24T21:30:00Z, or without a zone for local and
    /// optimal-time sends (2030-05-24T21:30:00).
    #[arg(long, value_name = "ISO8601")]
    pub time: String,

    /// Send at --time in each user's time zone.
    #[arg(long)]
    pub in_local_time: bool,

    /// Send on --time's date at each user's optimal time.
    #[arg(long)]
    pub at_optimal_time: bool,
}

/// Whom a create sends to.
#[derive(Debug, Args)]
pub struct TargetingArgs {
    /// Send to the whole segment (not allowed with --recipients).
    #[arg(long, conflicts_with = "recipients")]
    pub broadcast: bool,

    /// A JSON file holding an array of recipient objects (at most 50), e.g.
    /// [{"external_user_id": "user-42"}].
    #[arg(long, value_name = "FILE.json")]
    pub recipients: Option<PathBuf>,

    /// Send to a connected audience: Braze's JSON (filters on custom attributes,
    /// subscription states and last app use, under AND / OR), or @FILE to read it from a
    /// file (@- reads stdin). Checked before sending; errors name the path in the tree
    /// (`audience.AND[1].OR[0]`...).
    #[arg(long, value_name = "JSON|@FILE", value_parser = parse_audience)]
    pub audience: Option<Audience>,
}

/// `braze campaigns schedule create`
#[derive(Debug, Args)]
pub struct CampaignCreateArgs {
    /// The campaign's API identifier.
    #[arg(long, value_name = "ID")]
    pub campaign_id: String,

    /// When to send.
    #[command(flatten)]
    pub schedule: ScheduleArgs,

    /// Whom to send to.
    #[command(flatten)]
    pub targeting: TargetingArgs,

    /// Personalisation for every user of the send, as a JSON object.
    #[arg(long, value_name = "JSON", value_parser = parse_json_object)]
    pub trigger_properties: Option<Value>,

    /// A send identifier, for tracking (not an idempotency key).
    #[arg(long, value_name = "ID")]
    pub send_id: Option<String>,
}

/// `braze canvas schedule create`
#[derive(Debug, Args)]
pub struct CanvasCreateArgs {
    /// The Canvas's API identifier.
    #[arg(long, value_name = "ID")]
    pub canvas_id: String,

    /// When to send.
    #[command(flatten)]
    pub schedule: ScheduleArgs,

    /// Whom to send to.
    #[command(flatten)]
    pub targeting: TargetingArgs,

    /// Context for every user entering the Canvas, as a JSON object.
    #[arg(long, value_name = "JSON", value_parser = parse_json_object)]
    pub context: Option<Value>,
}

/// The content of a message create or update: a `messages` file and the simple cases.
#[derive(Debug, Args)]
pub struct MessageContentArgs {
    /// A JSON file holding Braze's `messages` object (one object per channel:
    /// apple_push, android_push, email, sms, ...); `-` reads stdin. Errors name the JSON
    /// path. The channel flags below replace the file's channels.
    #[arg(long, value_name = "FILE.json")]
    pub messages: Option<PathBuf>,

    /// An iOS push with this alert text.
    #[arg(long, value_name = "TEXT")]
    pub apple_push_alert: Option<String>,

    /// An Android push with this title (with --android-push-alert).
    #[arg(long, value_name = "TEXT", requires = "android_push_alert")]
    pub android_push_title: Option<String>,

    /// An Android push with this alert text (with --android-push-title).
    #[arg(long, value_name = "TEXT", requires = "android_push_title")]
    pub android_push_alert: Option<String>,

    /// An SMS with this body (with --sms-app-id and --sms-subscription-group-id).
    #[arg(long, value_name = "TEXT", requires_all = ["sms_app_id", "sms_subscription_group_id"])]
    pub sms_body: Option<String>,

    /// The app of the SMS (any app of the workspace).
    #[arg(long, value_name = "ID", requires = "sms_body")]
    pub sms_app_id: Option<String>,

    /// The subscription group of the SMS.
    #[arg(long, value_name = "ID", requires = "sms_body")]
    pub sms_subscription_group_id: Option<String>,
}

/// `braze messages schedule create`
#[derive(Debug, Args)]
pub struct MessageCreateArgs {
    /// When to send.
    #[command(flatten)]
    pub schedule: ScheduleArgs,

    /// A user to send to, by external id (repeatable, at most 50).
    #[arg(long = "external-user-id", value_name = "ID")]
    pub external_user_ids: Vec<String>,

    /// A user to send to, by alias, as NAME:LABEL (repeatable).
    #[arg(long = "user-alias", value_name = "NAME:LABEL", value_parser = parse_user_alias)]
    pub user_aliases: Vec<(String, String)>,

    /// Send to this segment (with --broadcast; with users: to those users in it).
    #[arg(long, value_name = "ID")]
    pub segment_id: Option<String>,

    /// Send to a connected audience: Braze's JSON (filters on custom attributes,
    /// subscription states and last app use, under AND / OR), or @FILE to read it from a
    /// file (@- reads stdin). Checked before sending; errors name the path in the tree
    /// (`audience.AND[1].OR[0]`...).
    #[arg(long, value_name = "JSON|@FILE", value_parser = parse_audience)]
    pub audience: Option<Audience>,

    /// Send to the whole --segment-id or --audience (required when no users are given; not
    /// allowed with users).
    #[arg(long, conflicts_with_all = ["external_user_ids", "user_aliases"])]
    pub broadcast: bool,

    /// An API campaign to track the send under (every message then needs its
    /// message_variation_id).
    #[arg(long, value_name = "ID")]
    pub campaign_id: Option<String>,

    /// A send identifier for tracking (ASCII, at most 64 characters; not an idempotency key).
    #[arg(long, value_name = "ID")]
    pub send_id: Option<String>,

    /// Ignore frequency capping for campaigns.
    #[arg(long)]
    pub override_messaging_limits: bool,

    /// Which users of the target receive it [Braze's default: subscribed].
    #[arg(long, value_enum, value_name = "STATE")]
    pub recipient_subscription_state: Option<SubscriptionState>,

    /// The content.
    #[command(flatten)]
    pub content: MessageContentArgs,
}

/// Whom a trigger send goes to: users by flag or file, an audience, or the whole segment.
#[derive(Debug, Args)]
pub struct SendTargetingArgs {
    /// A user to send to, by external id (repeatable; at most 50 recipients in all).
    #[arg(long = "external-user-id", value_name = "ID")]
    pub external_user_ids: Vec<String>,

    /// A user to send to, by alias, as NAME:LABEL (repeatable).
    #[arg(long = "user-alias", value_name = "NAME:LABEL", value_parser = parse_user_alias)]
    pub user_aliases: Vec<(String, String)>,

    /// A JSON file holding an array of recipient objects, e.g.
    /// [{"external_user_id": "user-42", "trigger_properties": {"coupon": "X"}}], for
    /// per-user properties, emails with prioritization, attributes.
    #[arg(long, value_name = "FILE.json")]
    pub recipients: Option<PathBuf>,

    /// Send only to the users in a connected audience: Braze's JSON, or @FILE (@- reads
    /// stdin). Checked before sending.
    #[arg(long, value_name = "JSON|@FILE", value_parser = parse_audience)]
    pub audience: Option<Audience>,

    /// Send to the whole segment of the dashboard (with --yes; not allowed with users).
    #[arg(long, conflicts_with_all = ["external_user_ids", "user_aliases", "recipients"])]
    pub broadcast: bool,

    /// Confirm a --broadcast: it can reach every user of a segment.
    #[arg(long)]
    pub yes: bool,
}

/// `braze campaigns trigger send`
#[derive(Debug, Args)]
pub struct CampaignSendArgs {
    /// The campaign's API identifier.
    #[arg(long, value_name = "ID")]
    pub campaign_id: String,

    /// Whom to send to.
    #[command(flatten)]
    pub targeting: SendTargetingArgs,

    /// Personalisation for every user of the send (trigger_properties), as a JSON object
    /// or @FILE (@- reads stdin).
    #[arg(long, alias = "trigger-properties", value_name = "JSON|@FILE", value_parser = parse_json_object_or_file)]
    pub properties: Option<Value>,

    /// A send identifier created with `braze sends create-id`, for tracking (not an
    /// idempotency key).
    #[arg(long, value_name = "ID")]
    pub send_id: Option<String>,

    /// A file attached to the email, as NAME=URL (the name without its extension, which
    /// comes from the URL); repeatable. Not with --broadcast.
    #[arg(long = "attachment", value_name = "NAME=URL", value_parser = parse_attachment)]
    pub attachments: Vec<(String, String)>,

    /// Bulk send options.
    #[command(flatten)]
    pub bulk: BulkSendArgs,
}

/// `braze canvas trigger send`
#[derive(Debug, Args)]
pub struct CanvasSendArgs {
    /// The Canvas's API identifier.
    #[arg(long, value_name = "ID")]
    pub canvas_id: String,

    /// Whom to send to.
    #[command(flatten)]
    pub targeting: SendTargetingArgs,

    /// Context for every user entering the Canvas, as a JSON object or @FILE (@- reads
    /// stdin).
    #[arg(long, alias = "context", value_name = "JSON|@FILE", value_parser = parse_json_object_or_file)]
    pub properties: Option<Value>,

    /// Bulk send options.
    #[command(flatten)]
    pub bulk: BulkSendArgs,
}

/// The options of a bulk trigger send: `--from FILE`, one recipient per row, 50 per
/// request, at most once.
#[derive(Debug, Clone, Args)]
pub struct BulkSendArgs {
    /// Send to every row of this CSV or JSON Lines file (`-` for stdin), at most 50
    /// recipients per request. A row is one recipient: `external_user_id`, or
    /// `user_alias_name` + `user_alias_label`, or `email` with `prioritization`, or
    /// `braze_id`; optional `trigger_properties` / `context` / `attributes` (JSON) and
    /// `send_to_existing_only`. A JSON Lines row is Braze's recipient object.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["external_user_ids", "user_aliases", "recipients", "broadcast"]
    )]
    pub from: Option<PathBuf>,

    /// The input's format [default: from the extension, else from the first character].
    #[arg(long = "format", id = "send_format", value_enum, requires = "from")]
    pub format: Option<InputFormat>,

    /// Requests in flight at once (1-256), sharing one rate-limit pacer [default: 16].
    #[arg(long = "concurrency", id = "send_concurrency", value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=256), requires = "from")]
    pub concurrency: Option<u16>,

    /// Write the run's report here: each batch's rows as in flight (flushed before it is
    /// sent), then as sent, refused or unknown; one line per other row (`-` for stdout).
    #[arg(
        long = "report",
        id = "send_report",
        value_name = "FILE",
        requires = "from"
    )]
    pub report: Option<PathBuf>,

    /// Skip the rows this earlier report records as sent, refused or unknown (may have
    /// reached Braze); repeatable. Only rows never sent are sent.
    #[arg(
        long = "resume",
        id = "send_resume",
        value_name = "REPORT",
        requires = "from"
    )]
    pub resume: Vec<PathBuf>,

    /// With --resume: send the rows recorded unknown again (at least once instead of at
    /// most once: a user who got the message may get it twice).
    #[arg(long, requires = "send_resume")]
    pub resend_unknown: bool,

    /// Send nothing when any row is invalid (default: invalid rows are reported with their
    /// lines, the others are sent).
    #[arg(long, requires = "from")]
    pub strict: bool,

    /// Send a user named on several rows once per row (default: such a file is refused
    /// with the lines named).
    #[arg(long, requires = "from")]
    pub allow_duplicates: bool,
}

/// `braze messages send`
#[derive(Debug, Args)]
pub struct MessageSendArgs {
    /// A user to send to, by external id (repeatable, at most 50).
    #[arg(long = "external-user-id", value_name = "ID")]
    pub external_user_ids: Vec<String>,

    /// A user to send to, by alias, as NAME:LABEL (repeatable).
    #[arg(long = "user-alias", value_name = "NAME:LABEL", value_parser = parse_user_alias)]
    pub user_aliases: Vec<(String, String)>,

    /// Send to this segment (with --broadcast; with users: to those users in it).
    #[arg(long, value_name = "ID")]
    pub segment_id: Option<String>,

    /// Send to a connected audience: Braze's JSON, or @FILE (@- reads stdin). Checked
    /// before sending.
    #[arg(long, value_name = "JSON|@FILE", value_parser = parse_audience)]
    pub audience: Option<Audience>,

    /// Send to the whole --segment-id or --audience (with --yes; required when no users
    /// are given; not allowed with users).
    #[arg(long, conflicts_with_all = ["external_user_ids", "user_aliases"])]
    pub broadcast: bool,

    /// Confirm a --broadcast: it can reach every user of a segment.
    #[arg(long)]
    pub yes: bool,

    /// An API campaign to track the send under (every message then needs its
    /// message_variation_id).
    #[arg(long, value_name = "ID")]
    pub campaign_id: Option<String>,

    /// A send identifier for tracking (ASCII, at most 64 characters; not an idempotency key).
    #[arg(long, value_name = "ID")]
    pub send_id: Option<String>,

    /// Ignore frequency capping for campaigns.
    #[arg(long)]
    pub override_frequency_capping: bool,

    /// Which users of the target receive it [Braze's default: subscribed].
    #[arg(long, value_enum, value_name = "STATE")]
    pub recipient_subscription_state: Option<SubscriptionState>,

    /// The content.
    #[command(flatten)]
    pub content: MessageContentArgs,
}

/// `braze sends create-id`
#[derive(Debug, Args)]
pub struct SendIdArgs {
    /// The campaign the identifier tracks sends of.
    #[arg(long, value_name = "ID")]
    pub campaign_id: String,

    /// The identifier to create (ASCII, at most 64 characters); Braze makes one up without it.
    #[arg(long, value_name = "ID")]
    pub send_id: Option<String>,
}

/// `braze transactional send`
#[derive(Debug, Args)]
pub struct TransactionalSendArgs {
    /// The transactional email campaign's API identifier.
    #[arg(long, value_name = "ID")]
    pub campaign_id: String,

    /// The user, by external id.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "user_alias",
        conflicts_with = "user_alias"
    )]
    pub external_user_id: Option<String>,

    /// The user, by alias, as NAME:LABEL.
    #[arg(long, value_name = "NAME:LABEL", value_parser = parse_user_alias)]
    pub user_alias: Option<(String, String)>,

    /// Attributes to set on the user before the send (an unknown external id is created
    /// with them), as a JSON object or @FILE.
    #[arg(long, value_name = "JSON|@FILE", value_parser = parse_json_object_or_file)]
    pub attributes: Option<Value>,

    /// Your key for this send (Base64 characters): Braze sends once per key within 24
    /// hours, which makes the send safe to retry.
    #[arg(long, value_name = "KEY")]
    pub external_send_id: Option<String>,

    /// Personalisation of the email (trigger_properties), as a JSON object or @FILE.
    #[arg(long, alias = "trigger-properties", value_name = "JSON|@FILE", value_parser = parse_json_object_or_file)]
    pub properties: Option<Value>,
}

/// `--recipient-subscription-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SubscriptionState {
    /// Only opted-in users.
    OptedIn,
    /// Opted-in and subscribed users.
    Subscribed,
    /// Every user, unsubscribed ones too (transactional email).
    All,
}

/// `braze messages schedule update`
#[derive(Debug, Args)]
pub struct MessageUpdateArgs {
    /// The schedule_id the create answered.
    #[arg(long, value_name = "ID")]
    pub schedule_id: String,

    /// The new send time, ISO 8601 (the new schedule replaces the old one whole).
    #[arg(long, value_name = "ISO8601")]
    pub time: Option<String>,

    /// Send at --time in each user's time zone.
    #[arg(long, requires = "time")]
    pub in_local_time: bool,

    /// Send on --time's date at each user's optimal time.
    #[arg(long, requires = "time")]
    pub at_optimal_time: bool,

    /// The new content.
    #[command(flatten)]
    pub content: MessageContentArgs,
}

/// `braze messages schedule delete`
#[derive(Debug, Args)]
pub struct MessageDeleteArgs {
    /// The schedule_id the create answered.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub schedule_id: Option<String>,

    /// Bulk options.
    #[command(flatten)]
    pub bulk: BulkArgs,
}

/// `braze campaigns schedule update`
#[derive(Debug, Args)]
pub struct CampaignUpdateArgs {
    /// The campaign's API identifier.
    #[arg(long, value_name = "ID")]
    pub campaign_id: String,

    /// The schedule_id the create answered.
    #[arg(long, value_name = "ID")]
    pub schedule_id: String,

    /// The new schedule (it replaces the old one whole).
    #[command(flatten)]
    pub schedule: ScheduleArgs,
}

/// `braze canvas schedule update`
#[derive(Debug, Args)]
pub struct CanvasUpdateArgs {
    /// The Canvas's API identifier.
    #[arg(long, value_name = "ID")]
    pub canvas_id: String,

    /// The schedule_id the create answered.
    #[arg(long, value_name = "ID")]
    pub schedule_id: String,

    /// The new schedule (it replaces the old one whole).
    #[command(flatten)]
    pub schedule: ScheduleArgs,
}

/// `braze campaigns schedule delete`
#[derive(Debug, Args)]
pub struct CampaignDeleteArgs {
    /// The campaign's API identifier.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub campaign_id: Option<String>,

    /// The schedule_id the create answered.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub schedule_id: Option<String>,

    /// Bulk options.
    #[command(flatten)]
    pub bulk: BulkArgs,
}

/// `braze canvas schedule delete`
#[derive(Debug, Args)]
pub struct CanvasDeleteArgs {
    /// The Canvas's API identifier.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub canvas_id: Option<String>,

    /// The schedule_id the create answered.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "from",
        conflicts_with = "from"
    )]
    pub schedule_id: Option<String>,

    /// Bulk options.
    #[command(flatten)]
    pub bulk: BulkArgs,
}

/// The options of a bulk delete.
#[derive(Debug, Clone, Args)]
pub struct BulkArgs {
    /// Delete every row of this CSV or JSON Lines file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,

    /// The input's format [default: from the extension, else from the first character].
    #[arg(long, value_enum)]
    pub format: Option<InputFormat>,

    /// Requests in flight at once (1-256), sharing one rate-limit pacer [default: 16].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: Option<u16>,

    /// Write one JSON line per input row here, as each row ends (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Skip the rows this earlier report records as deleted (repeatable).
    #[arg(long, value_name = "REPORT")]
    pub resume: Vec<PathBuf>,
}

/// `--concurrency` when not given.
pub const DEFAULT_CONCURRENCY: u16 = 16;

impl BulkArgs {
    /// The bulk-only options given, by flag name: they make no sense without `--from`.
    /// (Checked by hand: clap waives `requires` for an argument that conflicts with one
    /// given, and the ids conflict with `--from`.)
    pub fn stray_options(&self) -> Vec<&'static str> {
        let mut given = Vec::new();
        if self.from.is_none() {
            for (flag, present) in [
                ("--format", self.format.is_some()),
                ("--concurrency", self.concurrency.is_some()),
                ("--report", self.report.is_some()),
                ("--resume", !self.resume.is_empty()),
            ] {
                if present {
                    given.push(flag);
                }
            }
        }
        given
    }
}

/// `--format` of a bulk input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// `braze schedules list`
#[derive(Debug, Args)]
pub struct ListArgs {
    /// List what is scheduled until this ISO 8601 date or date-time (Braze reads it as
    /// midnight UTC of that date).
    #[arg(long, value_name = "ISO8601")]
    pub end_time: String,
}

/// Reads `250ms`, `30s`, `1.5s`, `2m`, `1h`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let invalid = || format!("`{text}` is not a duration such as 500ms, 30s, 2m or 1h");
    let (number, unit_secs) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number.trim().parse().map_err(|_| invalid())?;
    let duration = Duration::try_from_secs_f64(value * unit_secs).map_err(|_| invalid())?;
    if duration.is_zero() {
        return Err(format!("`{text}` is zero; give a positive duration"));
    }
    Ok(duration)
}

/// `NAME:LABEL` of `--user-alias` (the name may not hold a colon; the label may).
fn parse_user_alias(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((name, label)) if !name.trim().is_empty() && !label.trim().is_empty() => {
            Ok((name.trim().to_owned(), label.trim().to_owned()))
        }
        _ => Err(format!(
            "`{text}` is not NAME:LABEL (an alias name and label, both non-empty)"
        )),
    }
}

/// `--audience`: JSON, or `@FILE` (curl's convention; `@-` is stdin), checked against the
/// connected audience grammar with the path of the first problem.
fn parse_audience(text: &str) -> Result<Audience, String> {
    let json = match text.strip_prefix('@') {
        Some("-") => std::io::read_to_string(std::io::stdin())
            .map_err(|e| format!("cannot read the audience from stdin: {e}"))?,
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the audience from {path}: {e}"))?,
        None => text.to_owned(),
    };
    let value: Value = serde_json::from_str(&json)
        .map_err(|e| format!("not valid JSON ({e}); give the audience as JSON or as @FILE"))?;
    Audience::from_json(value).map_err(|error| match error {
        braze_sdk::Error::InvalidRequest { field, reason } => format!("{field} {reason}"),
        other => other.to_string(),
    })
}

/// A JSON object given on the command line, or `@FILE` to read it from a file (`@-`:
/// stdin).
fn parse_json_object_or_file(text: &str) -> Result<Value, String> {
    match text.strip_prefix('@') {
        Some("-") => parse_json_object(
            &std::io::read_to_string(std::io::stdin())
                .map_err(|e| format!("cannot read the JSON from stdin: {e}"))?,
        ),
        Some(path) => parse_json_object(
            &std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?,
        )
        .map_err(|e| format!("{path}: {e}")),
        None => parse_json_object(text),
    }
}

/// `NAME=URL` of `--attachment` (the name may not hold `=`; the URL may).
fn parse_attachment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, url)) if !name.trim().is_empty() && !url.trim().is_empty() => {
            Ok((name.trim().to_owned(), url.trim().to_owned()))
        }
        _ => Err(format!(
            "`{text}` is not NAME=URL (a file name without extension, and where to fetch it)"
        )),
    }
}

/// A JSON object given on the command line.
fn parse_json_object(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err("expected a JSON object, e.g. {\"key\": \"value\"}".to_owned()),
        Err(e) => Err(format!("not valid JSON: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_bulk_help_lists_every_outcome() {
        let help = bulk_help(&ops::DELETE_CAMPAIGN_SCHEDULE);
        for outcome in crate::report::Outcome::ALL {
            assert!(help.contains(outcome.as_str()), "{help}");
        }
        assert!(
            help.contains("outcome (deleted, gone, failed, invalid, skipped)"),
            "{help}"
        );
        let long = Cli::command()
            .find_subcommand_mut("campaigns")
            .and_then(|c| c.find_subcommand_mut("schedule"))
            .and_then(|c| c.find_subcommand_mut("delete"))
            .expect("the delete command")
            .render_long_help()
            .to_string();
        assert!(long.contains("gone"), "{long}");
    }

    /// The operation a command calls, by its words: `<area> schedule <verb>` calls
    /// `<verb>_<owner>_schedule`, and `schedules list` lists the scheduled broadcasts.
    fn operation_id_of(words: &[&str]) -> Option<String> {
        match words {
            ["schedules", "list"] => Some("list_scheduled_broadcasts".to_owned()),
            ["messages", "send"] => Some("send_messages".to_owned()),
            ["campaigns", "trigger", "send"] => Some("trigger_campaign_send".to_owned()),
            ["canvas", "trigger", "send"] => Some("trigger_canvas_send".to_owned()),
            ["sends", "create-id"] => Some("create_send_id".to_owned()),
            ["transactional", "send"] => Some("send_transactional_email".to_owned()),
            [area, "schedule", verb] => {
                let owner = match *area {
                    "campaigns" => "campaign",
                    "messages" => "message",
                    other => other,
                };
                Some(format!("{verb}_{owner}_schedule"))
            }
            _ => None,
        }
    }

    /// Every command without subcommands, by its words, with its long help.
    fn leaves(
        command: &clap::Command,
        words: &mut Vec<String>,
        out: &mut Vec<(Vec<String>, String)>,
    ) {
        if !command.has_subcommands() {
            let mut command = command.clone();
            out.push((words.clone(), command.render_long_help().to_string()));
            out.push((words.clone(), command.render_help().to_string()));
            return;
        }
        for sub in command.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            words.push(sub.get_name().to_owned());
            leaves(sub, words, out);
            words.pop();
        }
    }

    #[test]
    fn each_command_names_its_endpoint_and_permission_from_the_spec() {
        let mut all = Vec::new();
        leaves(&Cli::command(), &mut Vec::new(), &mut all);
        let mut named = std::collections::BTreeSet::new();
        for (words, help) in &all {
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            // Exactly the endpoints of its operation appear, in both -h and --help.
            let shown: Vec<&OperationSpec> = ops::OPERATIONS
                .iter()
                .copied()
                .filter(|spec| help.contains(&format!("{} {}\n", spec.method, spec.path)))
                .collect();
            match operation_id_of(&words) {
                Some(id) => {
                    assert_eq!(
                        shown.iter().map(|spec| spec.id).collect::<Vec<_>>(),
                        [id.as_str()],
                        "{words:?}:\n{help}"
                    );
                    let permission = format!("API key permission: {}", shown[0].permission);
                    assert!(help.contains(&permission), "{words:?}:\n{help}");
                    named.insert(shown[0].id);
                }
                None => assert!(shown.is_empty(), "{words:?}:\n{help}"),
            }
        }
        let every: std::collections::BTreeSet<&str> =
            ops::OPERATIONS.iter().map(|spec| spec.id).collect();
        assert_eq!(named, every, "an operation without a command");
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn send_arguments() {
        let parse = |line: &str| Cli::try_parse_from(line.split_whitespace());
        assert!(parse("braze campaigns trigger send --campaign-id c --external-user-id u").is_ok());
        assert!(
            parse("braze campaigns trigger send --campaign-id c --broadcast --external-user-id u")
                .is_err()
        );
        assert!(parse("braze transactional send --campaign-id c").is_err());
        assert!(
            parse("braze transactional send --campaign-id c --external-user-id u --user-alias a:b")
                .is_err()
        );
        assert_eq!(
            parse_attachment("invoice=https://x.test/a.pdf?b=c"),
            Ok(("invoice".to_owned(), "https://x.test/a.pdf?b=c".to_owned()))
        );
        assert!(parse_attachment("=https://x.test/a.pdf").is_err());
        assert!(parse_attachment("invoice").is_err());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.json");
        std::fs::write(&file, r#"{"coupon": "X"}"#).unwrap();
        assert_eq!(
            parse_json_object_or_file(&format!("@{}", file.display())),
            Ok(serde_json::json!({"coupon": "X"}))
        );
        std::fs::write(&file, "[1]").unwrap();
        assert!(
            parse_json_object_or_file(&format!("@{}", file.display()))
                .unwrap_err()
                .contains("object")
        );
        assert!(parse_json_object_or_file("@/nonexistent/p.json").is_err());
    }

    #[test]
    fn json_arguments_must_be_objects() {
        assert!(parse_json_object(r#"{"a": 1}"#).is_ok());
        assert!(parse_json_object("[1]").unwrap_err().contains("object"));
        assert!(
            parse_json_object("{")
                .unwrap_err()
                .contains("not valid JSON")
        );
    }

    #[test]
    fn delete_takes_ids_or_a_file_not_both() {
        let parse = |line: &str| Cli::try_parse_from(line.split_whitespace());
        assert!(parse("braze campaigns schedule delete --campaign-id c").is_err());
        assert!(parse("braze campaigns schedule delete --campaign-id c --schedule-id s").is_ok());
        assert!(parse("braze campaigns schedule delete --from x.csv").is_ok());
        assert!(parse("braze campaigns schedule delete --from x.csv --campaign-id c").is_err());
        let Command::Campaigns {
            command:
                CampaignsCommand::Schedule {
                    command: CampaignScheduleCommand::Delete(delete),
                },
        } = parse(
            "braze campaigns schedule delete --campaign-id c --schedule-id s --report r.jsonl \
             --concurrency 4",
        )
        .unwrap()
        .command
        else {
            panic!("not a delete");
        };
        assert_eq!(delete.bulk.stray_options(), ["--concurrency", "--report"]);
    }
}
