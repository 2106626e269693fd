//! The one-request commands: create, update and delete a campaign, Canvas or message
//! schedule, and list what is scheduled. Each builds the SDK request, then either previews it
//! (`--dry-run`) or sends it and prints the answer.

use std::fmt::Display;
use std::path::Path;

use braze_sdk::wire::{ScheduleCreateResponse, ScheduledBroadcastsResponse};
use braze_sdk::{
    OperationSpec, Recipient, Request, RequestPreview, Response, Schedule, ScheduleRef, messages,
};
use serde::Serialize;

use crate::cli::{
    CampaignCreateArgs, CanvasCreateArgs, GlobalArgs, ListArgs, MessageContentArgs,
    MessageCreateArgs, MessageUpdateArgs, ScheduleArgs, SubscriptionState, TargetingArgs,
};
use crate::credentials::{Purpose, connect};
use crate::error::{CliError, EXIT_SUCCESS};
use crate::output::{Output, Success};

/// What a single command produced: a preview (dry run) or an answer, of one operation.
pub(crate) struct Done<T> {
    spec: &'static OperationSpec,
    outcome: Outcome<T>,
}

/// A preview (dry run) or an answer.
enum Outcome<T> {
    Preview(RequestPreview),
    Sent(Response<T>),
    /// Braze answered 2xx but the body could not be read: for an update or delete that
    /// is success (the SDK says so in the error's hint), with a warning.
    AcceptedUnreadable {
        error: braze_sdk::Error,
        done: String,
    },
}

/// Sends `request`, or in a dry run returns its preview without sending anything. With
/// `unreadable_is_done`, a 2xx whose body cannot be read is a success saying that (for
/// updates and deletes, which answer nothing that is needed; not for creates, whose
/// `schedule_id` is in the body).
pub(crate) async fn send_or_preview<R: Request>(
    global: &GlobalArgs,
    request: R,
    unreadable_is_done: Option<String>,
) -> Result<Done<R::Answer>, CliError> {
    let spec = request.spec();
    let outcome = if global.dry_run {
        Outcome::Preview(request.preview()?)
    } else {
        match (request.send().await, unreadable_is_done) {
            (Ok(response), _) => Outcome::Sent(response),
            (Err(error), Some(done)) if error.delivery() == braze_sdk::Delivery::Accepted => {
                Outcome::AcceptedUnreadable { error, done }
            }
            (Err(error), _) => return Err(error.into()),
        }
    };
    Ok(Done { spec, outcome })
}

/// Prints a preview or an answer; `text` turns the answer into a sentence.
fn finish<T: Serialize>(
    output: Output,
    done: Done<T>,
    text: impl FnOnce(&Response<T>) -> String,
) -> Result<u8, CliError> {
    finish_warning(output, done, text, |_| None)
}

/// [`finish`], with a warning read from the answer (a send's `notice`: Braze answered
/// success and sent nothing).
pub(crate) fn finish_warning<T: Serialize>(
    output: Output,
    done: Done<T>,
    text: impl FnOnce(&Response<T>) -> String,
    warning: impl FnOnce(&Response<T>) -> Option<String>,
) -> Result<u8, CliError> {
    let operation = done.spec.id;
    match done.outcome {
        Outcome::Preview(preview) => output.preview(&preview),
        Outcome::Sent(response) => output.success(&Success {
            operation,
            status: response.status().as_u16(),
            attempts: response.attempts(),
            rate_limit: response.rate_limit(),
            body: serde_json::to_value(response.body()).unwrap_or_default(),
            text: text(&response),
            warning: warning(&response),
        }),
        Outcome::AcceptedUnreadable { error, done } => output.success(&Success {
            operation,
            status: error.status().map_or(200, |s| s.as_u16()),
            attempts: error.attempts(),
            rate_limit: error.rate_limit(),
            body: serde_json::Value::Null,
            text: done,
            warning: Some(error.to_string()),
        }),
    }
    Ok(EXIT_SUCCESS)
}

/// Braze's status and `message` (usually `success`), for the text output.
pub(crate) fn braze_said(status: impl Display, message: Option<&str>) -> String {
    match message {
        Some(message) => format!("Braze answered {status} {message:?}"),
        None => format!("Braze answered {status}"),
    }
}

/// The schedule object from `--time`, `--in-local-time`, `--at-optimal-time` (optimal
/// time wins over local time: it ignores the time of day that local time is about).
fn schedule(args: &ScheduleArgs) -> Result<Schedule, CliError> {
    let time = args.time.as_str();
    let schedule = if args.at_optimal_time {
        Schedule::parse_optimal(time)
    } else if args.in_local_time {
        Schedule::parse_local(time)
    } else {
        Schedule::parse(time)
    };
    Ok(schedule?)
}

/// Reads `--recipients FILE.json`: a JSON array of recipient objects. The SDK checks each
/// one (exactly one identifier, ...) when the request is built.
pub(crate) fn read_recipients(path: &Path) -> Result<Vec<Recipient>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Input(format!(
            "cannot read the recipients file {}: {e}",
            path.display()
        ))
    })?;
    let recipients: Vec<braze_sdk::wire::Recipient> = serde_json::from_str(&text).map_err(|e| {
        CliError::Input(format!(
            "the recipients file {} is not a JSON array of recipient objects: {e}",
            path.display()
        ))
    })?;
    Ok(recipients.into_iter().map(Recipient::from).collect())
}

/// Recipients, broadcast and audience, as given.
struct Targeting {
    recipients: Vec<Recipient>,
    broadcast: Option<bool>,
    audience: Option<braze_sdk::Audience>,
}

fn targeting(args: &TargetingArgs) -> Result<Targeting, CliError> {
    let recipients = match &args.recipients {
        Some(path) => read_recipients(path)?,
        None => Vec::new(),
    };
    Ok(Targeting {
        recipients,
        broadcast: args.broadcast.then_some(true),
        audience: args.audience.clone(),
    })
}

/// The line a successful create prints: the ids Braze answered and what it said.
fn scheduled(noun: &str, owner_id: &str, answer: &Response<ScheduleCreateResponse>) -> String {
    let dispatch = answer
        .dispatch_id
        .as_deref()
        .map(|d| format!(", dispatch_id {d}"))
        .unwrap_or_default();
    format!(
        "Scheduled {noun} {owner_id}: schedule_id {}{dispatch} ({})",
        answer.schedule_id,
        braze_said(answer.status(), answer.message()),
    )
}

/// `braze campaigns schedule create`
pub async fn create_campaign_schedule(
    global: &GlobalArgs,
    args: &CampaignCreateArgs,
) -> Result<u8, CliError> {
    let targeting = targeting(&args.targeting)?;
    let schedule = schedule(&args.schedule)?;
    let connection = connect(global, Purpose::Single).await?;
    let request = connection
        .client
        .create_campaign_schedule(args.campaign_id.as_str(), schedule)
        .recipients(targeting.recipients)
        .set_broadcast(targeting.broadcast)
        .set_audience(targeting.audience)
        .set_trigger_properties(args.trigger_properties.clone())
        .set_send_id(args.send_id.clone());
    let done = send_or_preview(global, request, None).await?;
    finish(Output::new(global.output), done, |answer| {
        scheduled("campaign", &args.campaign_id, answer)
    })
}

/// `braze canvas schedule create`
pub async fn create_canvas_schedule(
    global: &GlobalArgs,
    args: &CanvasCreateArgs,
) -> Result<u8, CliError> {
    let targeting = targeting(&args.targeting)?;
    let schedule = schedule(&args.schedule)?;
    let connection = connect(global, Purpose::Single).await?;
    let request = connection
        .client
        .create_canvas_schedule(args.canvas_id.as_str(), schedule)
        .recipients(targeting.recipients)
        .set_broadcast(targeting.broadcast)
        .set_audience(targeting.audience)
        .set_context(args.context.clone());
    let done = send_or_preview(global, request, None).await?;
    finish(Output::new(global.output), done, |answer| {
        scheduled("Canvas", &args.canvas_id, answer)
    })
}

/// "schedule S of campaign C", "schedule S of message": what a sentence calls it.
fn whose(schedule: &ScheduleRef) -> String {
    let noun = schedule.kind().noun();
    match schedule.owner_id() {
        Some(owner) => format!("schedule {} of {noun} {owner}", schedule.schedule_id()),
        None => format!("{noun} schedule {}", schedule.schedule_id()),
    }
}

/// `braze campaigns schedule update` and `braze canvas schedule update`.
pub async fn update_schedule(
    global: &GlobalArgs,
    schedule_ref: ScheduleRef,
    schedule_args: &ScheduleArgs,
) -> Result<u8, CliError> {
    let schedule = schedule(schedule_args)?;
    let connection = connect(global, Purpose::Single).await?;
    let whose = whose(&schedule_ref);
    let request = connection.client.update_schedule(schedule_ref, schedule);
    let done = format!("Rescheduled {whose}");
    let done = send_or_preview(global, request, Some(done)).await?;
    finish(Output::new(global.output), done, |answer| {
        format!(
            "Rescheduled {whose} to {} ({})",
            schedule.time(),
            braze_said(answer.status(), answer.message()),
        )
    })
}

/// `braze campaigns schedule delete --campaign-id ID --schedule-id ID` (the seed
/// endpoint), `braze canvas schedule delete --canvas-id ID --schedule-id ID` and
/// `braze messages schedule delete --schedule-id ID`.
pub async fn delete_schedule(
    global: &GlobalArgs,
    schedule_ref: ScheduleRef,
) -> Result<u8, CliError> {
    let connection = connect(global, Purpose::Single).await?;
    let whose = whose(&schedule_ref);
    let request = connection.client.delete_schedule(schedule_ref);
    let done = format!("Deleted {whose}");
    let done = send_or_preview(global, request, Some(done)).await?;
    finish(Output::new(global.output), done, |answer| {
        format!(
            "Deleted {whose} ({})",
            braze_said(answer.status(), answer.message()),
        )
    })
}

/// `braze schedules list --end-time ISO8601`
pub async fn list_scheduled_broadcasts(
    global: &GlobalArgs,
    args: &ListArgs,
) -> Result<u8, CliError> {
    let end_time =
        braze_sdk::rules::end_time(args.end_time.trim()).map_err(braze_sdk::Error::from)?;
    let connection = connect(global, Purpose::Single).await?;
    let request = connection.client.list_scheduled_broadcasts(end_time);
    let done = send_or_preview(global, request, None).await?;
    finish(Output::new(global.output), done, |answer| {
        broadcasts_table(answer.body(), &args.end_time)
    })
}

/// The scheduled broadcasts as an aligned table.
pub fn broadcasts_table(list: &ScheduledBroadcastsResponse, end_time: &str) -> String {
    let broadcasts = &list.scheduled_broadcasts;
    if broadcasts.is_empty() {
        return format!("Nothing scheduled until {}.", end_time.trim());
    }
    let rows: Vec<[&str; 5]> = broadcasts
        .iter()
        .map(|b| {
            [
                b.next_send_time.as_deref().unwrap_or("-"),
                b.type_.as_deref().unwrap_or("-"),
                b.id.as_deref().unwrap_or("-"),
                b.name.as_deref().unwrap_or("-"),
                b.schedule_type.as_deref().unwrap_or("-"),
            ]
        })
        .collect();
    let header = ["NEXT SEND", "TYPE", "ID", "NAME", "SCHEDULE TYPE"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str; 5]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        text
    };
    let mut table = line(&header);
    for row in &rows {
        table.push('\n');
        table.push_str(&line(row));
    }
    table.push_str(&format!(
        "\n{} scheduled until {}.",
        rows.len(),
        end_time.trim()
    ));
    table
}

/// Reads `--messages FILE` (`-` for stdin) with the SDK's reader, which names the JSON path
/// of a mistake.
fn read_messages(path: &Path) -> Result<braze_sdk::wire::Messages, CliError> {
    let bytes = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| CliError::Input(format!("cannot read the messages from stdin: {e}")))?;
        bytes
    } else {
        std::fs::read(path).map_err(|e| {
            CliError::Input(format!(
                "cannot read the messages file {}: {e}",
                path.display()
            ))
        })?
    };
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        CliError::Input(format!(
            "the messages file {} is not valid JSON: {e}",
            path.display()
        ))
    })?;
    braze_sdk::messages::from_json(json).map_err(|error| match error {
        braze_sdk::Error::InvalidRequest { field, reason } => CliError::Input(format!(
            "the messages file {}: `{field}` {reason}",
            path.display()
        )),
        other => CliError::Sdk(other),
    })
}

/// The content flags, as the channels they make (the file's first).
pub(crate) struct Content {
    pub(crate) file: Option<braze_sdk::wire::Messages>,
    pub(crate) apple_push: Option<messages::ApplePush>,
    pub(crate) android_push: Option<messages::AndroidPush>,
    pub(crate) sms: Option<messages::Sms>,
}

impl Content {
    pub(crate) fn read(args: &MessageContentArgs) -> Result<Self, CliError> {
        let file = args.messages.as_deref().map(read_messages).transpose()?;
        let android_push = match (&args.android_push_title, &args.android_push_alert) {
            (Some(title), Some(alert)) => Some(messages::AndroidPush::new(title, alert)),
            _ => None,
        };
        let sms = match (
            &args.sms_body,
            &args.sms_app_id,
            &args.sms_subscription_group_id,
        ) {
            (Some(body), Some(app), Some(group)) => Some(messages::Sms::new(app, group, body)),
            _ => None,
        };
        Ok(Self {
            file,
            apple_push: args
                .apple_push_alert
                .as_deref()
                .map(messages::ApplePush::new),
            android_push,
            sms,
        })
    }

    fn is_empty(&self) -> bool {
        self.file.is_none()
            && self.apple_push.is_none()
            && self.android_push.is_none()
            && self.sms.is_none()
    }
}

/// Applies the content to a create or an update (both have the same channel setters).
macro_rules! with_content {
    ($request:expr, $content:expr) => {{
        let content = $content;
        $request
            .set_messages(content.file)
            .set_apple_push(content.apple_push)
            .set_android_push(content.android_push)
            .set_sms(content.sms)
    }};
}
pub(crate) use with_content;

/// `braze messages schedule create`
pub async fn create_message_schedule(
    global: &GlobalArgs,
    args: &MessageCreateArgs,
) -> Result<u8, CliError> {
    let content = Content::read(&args.content)?;
    let schedule = schedule(&args.schedule)?;
    let connection = connect(global, Purpose::Single).await?;
    let mut request = connection
        .client
        .create_message_schedule(schedule)
        .external_user_ids(args.external_user_ids.iter().map(String::as_str));
    for (name, label) in &args.user_aliases {
        request = request.user_alias(name, label);
    }
    let state = args.recipient_subscription_state.map(subscription_state);
    let request = request
        .set_segment_id(args.segment_id.clone())
        .set_audience(args.audience.clone())
        .set_broadcast(args.broadcast.then_some(true))
        .set_campaign_id(args.campaign_id.as_deref().map(Into::into))
        .set_send_id(args.send_id.clone())
        .set_override_messaging_limits(args.override_messaging_limits.then_some(true))
        .set_recipient_subscription_state(state);
    let request = with_content!(request, content);
    let done = send_or_preview(global, request, None).await?;
    finish(Output::new(global.output), done, |answer| {
        let dispatch = answer
            .dispatch_id
            .as_deref()
            .map(|d| format!(", dispatch_id {d}"))
            .unwrap_or_default();
        format!(
            "Scheduled a message: schedule_id {}{dispatch} ({})",
            answer.schedule_id,
            braze_said(answer.status(), answer.message()),
        )
    })
}

/// `--recipient-subscription-state` as the SDK takes it.
pub(crate) fn subscription_state(state: SubscriptionState) -> messages::RecipientSubscriptionState {
    match state {
        SubscriptionState::OptedIn => messages::RecipientSubscriptionState::OptedIn,
        SubscriptionState::Subscribed => messages::RecipientSubscriptionState::Subscribed,
        SubscriptionState::All => messages::RecipientSubscriptionState::All,
    }
}

/// `braze messages schedule update`
pub async fn update_message_schedule(
    global: &GlobalArgs,
    args: &MessageUpdateArgs,
) -> Result<u8, CliError> {
    let content = Content::read(&args.content)?;
    if args.time.is_none() && content.is_empty() {
        return Err(CliError::Usage(
            "give a new schedule (--time ...), new content (--messages FILE or a channel \
             flag), or both"
                .into(),
        ));
    }
    let schedule = args
        .time
        .as_ref()
        .map(|time| {
            schedule(&ScheduleArgs {
                time: time.clone(),
                in_local_time: args.in_local_time,
                at_optimal_time: args.at_optimal_time,
            })
        })
        .transpose()?;
    let connection = connect(global, Purpose::Single).await?;
    let request = connection
        .client
        .update_message_schedule(args.schedule_id.as_str())
        .set_schedule(schedule);
    let request = with_content!(request, content);
    let schedule_id = &args.schedule_id;
    let done = format!("Updated message schedule {schedule_id}");
    let done = send_or_preview(global, request, Some(done)).await?;
    finish(Output::new(global.output), done, |answer| {
        format!(
            "Updated message schedule {schedule_id} ({})",
            braze_said(answer.status(), answer.message())
        )
    })
}
