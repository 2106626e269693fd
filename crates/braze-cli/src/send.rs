//! The commands that send now: `braze messages send`, `braze campaigns trigger send`,
//! `braze canvas trigger send`, `braze sends create-id` and `braze transactional send`.
//! Each builds the SDK request, then previews it (`--dry-run`) or sends it and prints the
//! answer, with Braze's `notice` (success, and nothing sent) as a warning.
//!
//! None of them is retried once it may have reached Braze (the SDK's rule for operations
//! without an idempotency key), and the error of such a failure says that the send may or
//! may not have happened; the transactional send with `--external-send-id` is the
//! exception.

use braze_sdk::wire::{SendResponse, TransactionalSendResponse};
use braze_sdk::{Attachment, Recipient, Response, TransactionalRecipient};

use crate::cli::{
    CampaignSendArgs, CanvasSendArgs, GlobalArgs, MessageSendArgs, SendIdArgs, SendTargetingArgs,
    TransactionalSendArgs,
};
use crate::credentials::{Purpose, connect};
use crate::error::CliError;
use crate::output::Output;
use crate::single::{
    Content, braze_said, finish_warning, read_recipients, send_or_preview, subscription_state,
    with_content,
};

/// A broadcast can reach a whole segment: it needs `--yes` (a dry run sends nothing, and
/// does not).
fn confirm_broadcast(global: &GlobalArgs, broadcast: bool, yes: bool) -> Result<(), CliError> {
    if broadcast && !yes && !global.dry_run {
        return Err(CliError::Usage(
            "--broadcast sends to every user of the segment: add --yes to confirm (or \
             --dry-run to see the request)"
                .into(),
        ));
    }
    Ok(())
}

/// The recipients of a trigger send: the flags' users, then the file's.
fn recipients(args: &SendTargetingArgs) -> Result<Vec<Recipient>, CliError> {
    let mut recipients: Vec<Recipient> = args
        .external_user_ids
        .iter()
        .map(Recipient::external_user_id)
        .collect();
    recipients.extend(
        args.user_aliases
            .iter()
            .map(|(name, label)| Recipient::user_alias(name, label)),
    );
    if let Some(path) = &args.recipients {
        recipients.extend(read_recipients(path)?);
    }
    Ok(recipients)
}

/// The sentence of a send's answer: what was sent, its dispatch and what Braze said.
fn sent(what: &str, answer: &Response<SendResponse>) -> String {
    let dispatch = answer
        .dispatch_id
        .as_deref()
        .map(|d| format!(": dispatch_id {d}"))
        .unwrap_or_default();
    let send_id = answer
        .send_id
        .as_deref()
        .map(|s| format!(", send_id {s}"))
        .unwrap_or_default();
    let verb = if answer.notice.is_some() {
        "Braze took"
    } else {
        "Sent"
    };
    format!(
        "{verb} {what}{dispatch}{send_id} ({})",
        braze_said(answer.status(), answer.message.as_deref()),
    )
}

/// Braze's `notice`, as the warning it is: the answer is a success, and nothing was sent.
fn notice(answer: &Response<SendResponse>) -> Option<String> {
    answer
        .notice
        .as_ref()
        .map(|notice| format!("Braze sent nothing: {notice}"))
}

/// `braze messages send`
pub async fn send_messages(global: &GlobalArgs, args: &MessageSendArgs) -> Result<u8, CliError> {
    confirm_broadcast(global, args.broadcast, args.yes)?;
    let content = Content::read(&args.content)?;
    let connection = connect(global, Purpose::Single).await?;
    let mut request = connection
        .client
        .send_messages()
        .external_user_ids(args.external_user_ids.iter().map(String::as_str));
    for (name, label) in &args.user_aliases {
        request = request.user_alias(name, label);
    }
    let request = request
        .set_segment_id(args.segment_id.clone())
        .set_audience(args.audience.clone())
        .set_broadcast(args.broadcast.then_some(true))
        .set_campaign_id(args.campaign_id.as_deref().map(Into::into))
        .set_send_id(args.send_id.clone())
        .set_override_frequency_capping(args.override_frequency_capping.then_some(true))
        .set_recipient_subscription_state(
            args.recipient_subscription_state.map(subscription_state),
        );
    let request = with_content!(request, content);
    let done = send_or_preview(global, request, None).await?;
    finish_warning(
        Output::new(global.output),
        done,
        |answer| sent("the messages", answer),
        notice,
    )
}

/// `braze campaigns trigger send`
pub async fn trigger_campaign_send(
    global: &GlobalArgs,
    args: &CampaignSendArgs,
) -> Result<u8, CliError> {
    let targeting = &args.targeting;
    confirm_broadcast(global, targeting.broadcast, targeting.yes)?;
    let recipients = recipients(targeting)?;
    let connection = connect(global, Purpose::Single).await?;
    let request = connection
        .client
        .trigger_campaign_send(args.campaign_id.as_str())
        .recipients(recipients)
        .set_audience(targeting.audience.clone())
        .set_broadcast(targeting.broadcast.then_some(true))
        .set_trigger_properties(args.properties.clone())
        .set_send_id(args.send_id.clone())
        .attachments(
            args.attachments
                .iter()
                .map(|(name, url)| Attachment::new(name, url)),
        );
    let done = send_or_preview(global, request, None).await?;
    let what = format!("campaign {}", args.campaign_id);
    finish_warning(
        Output::new(global.output),
        done,
        |answer| sent(&what, answer),
        notice,
    )
}

/// `braze canvas trigger send`
pub async fn trigger_canvas_send(
    global: &GlobalArgs,
    args: &CanvasSendArgs,
) -> Result<u8, CliError> {
    let targeting = &args.targeting;
    confirm_broadcast(global, targeting.broadcast, targeting.yes)?;
    let recipients = recipients(targeting)?;
    let connection = connect(global, Purpose::Single).await?;
    let request = connection
        .client
        .trigger_canvas_send(args.canvas_id.as_str())
        .recipients(recipients)
        .set_audience(targeting.audience.clone())
        .set_broadcast(targeting.broadcast.then_some(true))
        .set_context(args.properties.clone());
    let done = send_or_preview(global, request, None).await?;
    let what = format!("Canvas {}", args.canvas_id);
    finish_warning(
        Output::new(global.output),
        done,
        |answer| sent(&what, answer),
        notice,
    )
}

/// `braze sends create-id`
pub async fn create_send_id(global: &GlobalArgs, args: &SendIdArgs) -> Result<u8, CliError> {
    let connection = connect(global, Purpose::Single).await?;
    let request = connection
        .client
        .create_send_id(args.campaign_id.as_str())
        .set_send_id(args.send_id.clone());
    let done = send_or_preview(global, request, None).await?;
    let campaign_id = &args.campaign_id;
    finish_warning(
        Output::new(global.output),
        done,
        |answer| {
            format!(
                "Created send_id {} for campaign {campaign_id} ({})",
                answer.send_id.as_deref().unwrap_or("(not in the answer)"),
                braze_said(answer.status(), answer.message.as_deref()),
            )
        },
        |_| None,
    )
}

/// `braze transactional send`
pub async fn send_transactional_email(
    global: &GlobalArgs,
    args: &TransactionalSendArgs,
) -> Result<u8, CliError> {
    let recipient = match (&args.external_user_id, &args.user_alias) {
        (Some(id), _) => TransactionalRecipient::external_user_id(id),
        (None, Some((name, label))) => TransactionalRecipient::user_alias(name, label),
        (None, None) => {
            return Err(CliError::Usage(
                "give the user: --external-user-id ID or --user-alias NAME:LABEL".into(),
            ));
        }
    };
    let recipient = match &args.attributes {
        Some(attributes) => recipient.attributes(attributes.clone()),
        None => recipient,
    };
    let connection = connect(global, Purpose::Single).await?;
    let request = connection
        .client
        .send_transactional_email(args.campaign_id.as_str(), recipient)
        .set_external_send_id(args.external_send_id.clone())
        .set_trigger_properties(args.properties.clone());
    let done = send_or_preview(global, request, None).await?;
    let campaign_id = &args.campaign_id;
    finish_warning(
        Output::new(global.output),
        done,
        |answer: &Response<TransactionalSendResponse>| {
            let dispatch = answer
                .dispatch_id
                .as_deref()
                .map(|d| format!(": dispatch_id {d}"))
                .unwrap_or_default();
            format!(
                "Sent transactional email campaign {campaign_id}{dispatch} ({})",
                braze_said(answer.status(), answer.message.as_deref()),
            )
        },
        |_| None,
    )
}
