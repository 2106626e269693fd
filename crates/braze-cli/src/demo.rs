//! `braze demo`: a short tour against the embedded fake Braze. It schedules a campaign
//! send and a push message with its content, lists what is scheduled, cancels the send
//! (the seed endpoint), cancels it again to show the error a second cancel gets, cancels
//! the message, and sends the campaign now (with its dispatch in the fake's log), printing
//! after each step the answer, the rate-limit figures and what went on the wire (from the
//! fake's log, key redacted).

use std::fmt::Write as _;

use braze_mock::{Config, RecordedBody, RecordedRequest};
use braze_sdk::messages::ApplePush;
use braze_sdk::{Client, RateLimit, Recipient, Schedule};
use chrono::{Duration, SubsecRound, Utc};
use serde_json::{Value, json};

use crate::cli::OutputFormat;
use crate::embedded_mock::EmbeddedMock;
use crate::error::{CliError, EXIT_SUCCESS};
use crate::output::{error_json, print_json, rate_limit_json, rate_limit_text};
use crate::single::broadcasts_table;

/// The campaign the demo schedules.
const CAMPAIGN_ID: &str = "demo-campaign";

/// One step's record, for both outputs.
struct Step {
    title: String,
    command: String,
    outcome: String,
    status: Option<u16>,
    rate_limit: Option<RateLimit>,
    body: Value,
    wire: Vec<RecordedRequest>,
}

/// Runs the tour.
pub async fn run(format: OutputFormat) -> Result<u8, CliError> {
    let mock = EmbeddedMock::start_with(Config::new(), false).await?;
    let client = Client::builder()
        .api_key(mock.api_key())
        .endpoint_str(&mock.url())
        .user_agent(concat!("braze-cli/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let text = format == OutputFormat::Text;
    if text {
        println!(
            "braze demo: a tour against an embedded fake Braze at {} (no credentials; nothing \
             leaves this machine)\n",
            mock.url()
        );
    }

    let send_at = (Utc::now() + Duration::days(1)).trunc_subsecs(0);
    let send_at_text = send_at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let list_until = (send_at + Duration::days(1)).date_naive();
    let mut steps = Vec::new();

    // 1. Schedule a send.
    let seen = mock.requests().len();
    let created = client
        .create_campaign_schedule(CAMPAIGN_ID, Schedule::utc(send_at))
        .recipient(Recipient::external_user_id("user-42"))
        .await?;
    let schedule_id = created.schedule_id.as_str().to_owned();
    steps.push(Step {
        title: "Schedule a send for tomorrow".into(),
        command: format!(
            "braze campaigns schedule create --campaign-id {CAMPAIGN_ID} --time {send_at_text} \
             --recipients users.json\n     (users.json: [{{\"external_user_id\": \"user-42\"}}])"
        ),
        outcome: format!(
            "{}: schedule_id {schedule_id} (keep it: update and delete take it)",
            created.status()
        ),
        status: Some(created.status().as_u16()),
        rate_limit: created.rate_limit(),
        body: serde_json::to_value(created.body()).unwrap_or_default(),
        wire: mock.requests().split_off(seen),
    });

    // 2. Schedule a push message with its content.
    let seen = mock.requests().len();
    let message = client
        .create_message_schedule(Schedule::utc(send_at))
        .external_user_id("user-42")
        .apple_push(ApplePush::new("Your table is ready").badge(1))
        .await?;
    let message_id = message.schedule_id.as_str().to_owned();
    steps.push(Step {
        title: "Schedule a push message with its content".into(),
        command: format!(
            "braze messages schedule create --time {send_at_text} --external-user-id user-42 \
             --apple-push-alert 'Your table is ready'"
        ),
        outcome: format!("{}: schedule_id {message_id}", message.status()),
        status: Some(message.status().as_u16()),
        rate_limit: message.rate_limit(),
        body: serde_json::to_value(message.body()).unwrap_or_default(),
        wire: mock.requests().split_off(seen),
    });

    // 3. List what is scheduled.
    let seen = mock.requests().len();
    let listed = client
        .list_scheduled_broadcasts(list_until.and_time(chrono::NaiveTime::MIN).and_utc())
        .await?;
    steps.push(Step {
        title: "List what is scheduled".into(),
        command: format!("braze schedules list --end-time {list_until}"),
        outcome: format!(
            "{}:\n{}",
            listed.status(),
            indent(
                &broadcasts_table(listed.body(), &list_until.to_string()),
                "  "
            )
        ),
        status: Some(listed.status().as_u16()),
        rate_limit: listed.rate_limit(),
        body: serde_json::to_value(listed.body()).unwrap_or_default(),
        wire: mock.requests().split_off(seen),
    });

    // 4. Cancel the campaign send: the seed endpoint.
    let delete_command = format!(
        "braze campaigns schedule delete --campaign-id {CAMPAIGN_ID} --schedule-id {schedule_id}"
    );
    let seen = mock.requests().len();
    let deleted = client
        .delete_campaign_schedule(CAMPAIGN_ID, schedule_id.as_str())
        .await?;
    steps.push(Step {
        title: "Cancel it".into(),
        command: delete_command.clone(),
        outcome: format!(
            "{} {:?}: cancelled (close to the send time Braze cancels on a best-effort basis)",
            deleted.status(),
            deleted.message().unwrap_or_default()
        ),
        status: Some(deleted.status().as_u16()),
        rate_limit: deleted.rate_limit(),
        body: serde_json::to_value(deleted.body()).unwrap_or_default(),
        wire: mock.requests().split_off(seen),
    });

    // 5. Cancel it again: the schedule is gone, and the error says so.
    let seen = mock.requests().len();
    let again = client
        .delete_campaign_schedule(CAMPAIGN_ID, schedule_id.as_str())
        .await;
    let step = match again {
        Ok(answer) => Step {
            title: "Cancel it again".into(),
            command: delete_command,
            outcome: format!("{} (the fake accepted a second delete)", answer.status()),
            status: Some(answer.status().as_u16()),
            rate_limit: answer.rate_limit(),
            body: serde_json::to_value(answer.body()).unwrap_or_default(),
            wire: mock.requests().split_off(seen),
        },
        Err(error) => Step {
            title: "Cancel it again".into(),
            command: delete_command,
            outcome: format!(
                "error (exit code 1): {error}\n  (the CLI prints this on stderr as `error: ...`; \
                 the status is not retried: a 4xx means Braze refused it)"
            ),
            status: error.status().map(|s| s.as_u16()),
            rate_limit: error.rate_limit(),
            body: error_json(&CliError::Sdk(error)),
            wire: mock.requests().split_off(seen),
        },
    };
    steps.push(step);

    // 6. Cancel the message.
    let seen = mock.requests().len();
    let cancelled = client.delete_message_schedule(message_id.as_str()).await?;
    steps.push(Step {
        title: "Cancel the message".into(),
        command: format!("braze messages schedule delete --schedule-id {message_id}"),
        outcome: format!(
            "{} {:?}: cancelled",
            cancelled.status(),
            cancelled.message().unwrap_or_default()
        ),
        status: Some(cancelled.status().as_u16()),
        rate_limit: cancelled.rate_limit(),
        body: serde_json::to_value(cancelled.body()).unwrap_or_default(),
        wire: mock.requests().split_off(seen),
    });

    let seen = mock.requests().len();
    let sent = client
        .trigger_campaign_send(CAMPAIGN_ID)
        .recipient(Recipient::external_user_id("user-42"))
        .trigger_properties(json!({"table": "by the window"}))
        .await?;
    let dispatched: Vec<String> = mock
        .dispatches()
        .iter()
        .filter(|dispatch| Some(dispatch.dispatch_id.as_str()) == sent.dispatch_id())
        .flat_map(|dispatch| dispatch.users.iter().map(ToString::to_string))
        .collect();
    steps.push(Step {
        title: "Send the campaign now instead".into(),
        command: format!(
            "braze campaigns trigger send --campaign-id {CAMPAIGN_ID} --external-user-id \
             user-42 --properties '{{\"table\": \"by the window\"}}'"
        ),
        outcome: format!(
            "{}: dispatch_id {} (the fake's dispatch log: sent once, to {}; a send is never \
             retried once it may have reached Braze)",
            sent.status(),
            sent.dispatch_id().unwrap_or("-"),
            dispatched.join(", ")
        ),
        status: Some(sent.status().as_u16()),
        rate_limit: sent.rate_limit(),
        body: serde_json::to_value(sent.body()).unwrap_or_default(),
        wire: mock.requests().split_off(seen),
    });

    if text {
        for (number, step) in steps.iter().enumerate() {
            print!("{}", step_text(number + 1, step));
        }
        println!(
            "Next: any command works against the fake with --mock, e.g.\n  braze --mock \
             schedules list --end-time {list_until}\nand against Braze with BRAZE_API_KEY and \
             BRAZE_REST_ENDPOINT set (see `braze --help`)."
        );
    } else {
        let steps: Vec<Value> = steps.iter().map(step_json).collect();
        print_json(&json!({ "ok": true, "fake_url": mock.url(), "steps": steps }));
    }
    Ok(EXIT_SUCCESS)
}

fn step_text(number: usize, step: &Step) -> String {
    let mut text = format!("{number}. {}\n   $ {}\n", step.title, step.command);
    let _ = writeln!(text, "{}", indent(&step.outcome, "   "));
    if let Some(rate_limit) = &step.rate_limit {
        let _ = writeln!(text, "   {}", rate_limit_text(rate_limit));
    }
    for request in &step.wire {
        let _ = writeln!(text, "   on the wire:");
        text.push_str(&indent(&wire_text(request), "     "));
        text.push('\n');
    }
    text.push('\n');
    text
}

fn step_json(step: &Step) -> Value {
    json!({
        "step": step.title,
        "command": step.command,
        "status": step.status,
        "rate_limit": step.rate_limit.map(|r| rate_limit_json(&r)),
        "body": step.body,
        "wire": step.wire.iter().map(wire_json).collect::<Vec<_>>(),
    })
}

/// A logged request as HTTP-like text: request line, headers, body, then the answer.
fn wire_text(request: &RecordedRequest) -> String {
    let mut text = format!("> {} {}", request.method, path_and_query(request));
    for (name, value) in &request.headers {
        let _ = write!(text, "\n> {name}: {value}");
    }
    match &request.body {
        Some(RecordedBody::Json(body)) => {
            let _ = write!(text, "\n>\n> {body}");
        }
        Some(RecordedBody::Text(body)) => {
            let _ = write!(text, "\n>\n> {body}");
        }
        Some(RecordedBody::TooLarge { received_bytes }) => {
            let _ = write!(text, "\n>\n> ({received_bytes} bytes, over the limit)");
        }
        None => {}
    }
    match request.status {
        Some(status) => {
            let _ = write!(text, "\n< {status}");
        }
        None => text.push_str("\n< (no answer)"),
    }
    text
}

fn wire_json(request: &RecordedRequest) -> Value {
    let body = match &request.body {
        Some(RecordedBody::Json(body)) => body.clone(),
        Some(RecordedBody::Text(body)) => Value::String(body.clone()),
        Some(RecordedBody::TooLarge { received_bytes }) => {
            json!({ "too_large_bytes": received_bytes })
        }
        None => Value::Null,
    };
    json!({
        "method": request.method,
        "path": path_and_query(request),
        "headers": request.headers,
        "body": body,
        "status": request.status,
    })
}

fn path_and_query(request: &RecordedRequest) -> String {
    match &request.query {
        Some(query) => format!("{}?{query}", request.path),
        None => request.path.clone(),
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
