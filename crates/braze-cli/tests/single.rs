//! The one-request commands, help, completions and the demo, through the real binary
//! against an in-process fake Braze on loopback.

mod common;

use braze_sdk::api::operations::Operation;
use common::{
    KEY, add_campaign_schedule, braze, braze_at, date_in_days, fake, local_in_days, run,
    utc_in_days, words,
};
use serde_json::Value;

#[test]
fn delete_in_text_removes_the_schedule() {
    let server = fake(|c| c);
    let schedule_id = add_campaign_schedule(&server, "camp-1");
    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "campaigns",
            "schedule",
            "delete",
            "--campaign-id",
            "camp-1",
            "--schedule-id",
            &schedule_id,
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains(&format!(
            "Deleted schedule {schedule_id} of campaign camp-1"
        )),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("rate limit: 249,999 of 250,000 left"),
        "{out:?}"
    );
    assert!(
        server.schedule(&schedule_id).is_none(),
        "the fake still has it"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/campaigns/trigger/schedule/delete");
}

#[test]
fn delete_in_json_prints_the_body_status_and_rate_limit() {
    let server = fake(|c| c);
    let schedule_id = add_campaign_schedule(&server, "camp-1");
    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "--output",
            "json",
            "campaigns",
            "schedule",
            "delete",
            "--campaign-id",
            "camp-1",
            "--schedule-id",
            &schedule_id,
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let answer: Value = serde_json::from_str(&out.stdout).expect("one JSON document");
    assert_eq!(answer["ok"], true);
    assert_eq!(answer["status"], 200);
    assert_eq!(answer["body"]["message"], "success");
    assert_eq!(answer["rate_limit"]["limit"], 250_000);
    assert_eq!(answer["attempts"], 1);
    assert!(server.schedules().is_empty());
}

#[test]
fn deleting_an_unknown_schedule_exits_1_with_brazes_message() {
    let server = fake(|c| c);
    let out = run(
        &mut braze_at(&server, KEY),
        &words("campaigns schedule delete --campaign-id camp-1 --schedule-id nope"),
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.starts_with("error: "), "{out:?}");
    assert!(out.stderr.contains("404"), "{out:?}");
    assert!(out.stderr.contains("schedule_id nope not found"), "{out:?}");

    let out = run(
        &mut braze_at(&server, KEY),
        &words("campaigns schedule delete --campaign-id camp-1 --schedule-id nope --output json"),
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    let error: Value = serde_json::from_str(&out.stdout).expect("the error as JSON on stdout");
    assert_eq!(error["ok"], false);
    assert_eq!(error["error"]["status"], 404);
    assert_eq!(error["error"]["delivery"], "refused");
    assert!(
        error["error"]["braze_message"]
            .as_str()
            .unwrap()
            .contains("not found")
    );
}

#[test]
fn a_wrong_key_exits_1_with_the_hint() {
    let server = fake(|c| c);
    let out = run(
        &mut braze_at(&server, "not-the-right-key"),
        &words("campaigns schedule delete --campaign-id c --schedule-id s"),
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("401"), "{out:?}");
    assert!(out.stderr.contains("hint: check the API key"), "{out:?}");
    assert!(out.stderr.contains("instance"), "{out:?}");
}

#[test]
fn the_key_can_come_from_a_file() {
    let server = fake(|c| c);
    let schedule_id = add_campaign_schedule(&server, "camp-1");
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, format!("  {KEY}\n")).unwrap();
    let out = run(
        braze().env("BRAZE_REST_ENDPOINT", server.url()),
        &[
            "--api-key-file",
            key_file.to_str().unwrap(),
            "campaigns",
            "schedule",
            "delete",
            "--campaign-id",
            "camp-1",
            "--schedule-id",
            &schedule_id,
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(server.schedules().is_empty());
}

#[test]
fn usage_and_input_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad_json = dir.path().join("recipients.json");
    std::fs::write(&bad_json, "[{").unwrap();
    let missing = dir.path().join("missing.csv");
    let cases: Vec<Vec<&str>> = vec![
        vec![],
        vec!["campaigns", "schedule", "delete", "--campaign-id", "c"],
        vec![
            "campaigns",
            "schedule",
            "delete",
            "--campaign-id",
            "c",
            "--schedule-id",
            "s",
            "--no-such-flag",
        ],
        vec![
            "campaigns",
            "schedule",
            "delete",
            "--campaign-id",
            "c",
            "--schedule-id",
            "s",
            "--report",
            "r.jsonl",
        ],
        vec![
            "--timeout",
            "soon",
            "schedules",
            "list",
            "--end-time",
            "2030-01-01",
        ],
        vec![
            "campaigns",
            "schedule",
            "create",
            "--campaign-id",
            "c",
            "--time",
            "2030-01-01T00:00:00Z",
            "--broadcast",
            "--trigger-properties",
            "{not json",
        ],
        vec![
            "campaigns",
            "schedule",
            "create",
            "--campaign-id",
            "c",
            "--time",
            "2030-01-01T00:00:00Z",
            "--recipients",
            bad_json.to_str().unwrap(),
        ],
        vec![
            "campaigns",
            "schedule",
            "delete",
            "--from",
            missing.to_str().unwrap(),
        ],
    ];
    for args in cases {
        let out = run(
            braze()
                .env("BRAZE_API_KEY", KEY)
                .env("BRAZE_REST_ENDPOINT", "US-01"),
            &args,
        );
        assert_eq!(out.code, Some(2), "{args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "{args:?}: says why");
    }
}

#[test]
fn missing_credentials_and_sdk_refusals_exit_2_before_sending() {
    let server = fake(|c| c);
    // No key at all.
    let out = run(
        braze().env("BRAZE_REST_ENDPOINT", server.url()),
        &words("campaigns schedule delete --campaign-id c --schedule-id s"),
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("BRAZE_API_KEY"), "{out:?}");
    // No endpoint.
    let out = run(
        braze().env("BRAZE_API_KEY", KEY),
        &words("campaigns schedule delete --campaign-id c --schedule-id s"),
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("BRAZE_REST_ENDPOINT"), "{out:?}");
    // The SDK refuses a time that is not ISO 8601, and a blank id, before sending.
    let out = run(
        &mut braze_at(&server, KEY),
        &words("campaigns schedule create --campaign-id c --time tomorrow --broadcast"),
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("schedule.time"), "{out:?}");
    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "canvas",
            "schedule",
            "delete",
            "--canvas-id",
            " ",
            "--schedule-id",
            "s",
        ],
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("canvas_id"), "{out:?}");
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[test]
fn dry_runs_send_nothing_and_need_no_key() {
    let server = fake(|c| c);
    let out = run(
        braze().env("BRAZE_REST_ENDPOINT", server.url()),
        &words("--dry-run campaigns schedule delete --campaign-id camp-1 --schedule-id sched-1"),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.starts_with(&format!(
            "POST {}/campaigns/trigger/schedule/delete",
            server.url()
        )),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("authorization: Bearer [redacted]"),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("\"schedule_id\": \"sched-1\""),
        "{out:?}"
    );

    let local_time = local_in_days(30);
    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "--dry-run",
            "--output",
            "json",
            "canvas",
            "schedule",
            "create",
            "--canvas-id",
            "v",
            "--time",
            &local_time,
            "--in-local-time",
            "--broadcast",
            "--context",
            r#"{"plan":"gold"}"#,
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let preview: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["request"]["method"], "POST");
    assert_eq!(preview["request"]["body"]["context"]["plan"], "gold");
    assert_eq!(
        preview["request"]["body"]["schedule"]["in_local_time"],
        true
    );
    assert_eq!(
        preview["request"]["headers"]["authorization"],
        "Bearer [redacted]"
    );
    assert!(!out.all_output().contains(KEY));
    assert!(server.requests().is_empty(), "a dry run sent a request");
}

#[test]
fn create_update_list_round_trip() {
    let server = fake(|c| c);
    // Placed from now, as the fake (on the system clock) lists what is still to come.
    let (created_time, updated_time) = (utc_in_days(10), utc_in_days(20));
    let dir = tempfile::tempdir().unwrap();
    let recipients = dir.path().join("users.json");
    std::fs::write(&recipients, r#"[{"external_user_id": "user-42"}]"#).unwrap();
    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "--output",
            "json",
            "campaigns",
            "schedule",
            "create",
            "--campaign-id",
            "camp-1",
            "--time",
            &created_time,
            "--recipients",
            recipients.to_str().unwrap(),
            "--trigger-properties",
            r#"{"coupon":"SPRING"}"#,
            "--send-id",
            "send-1",
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let created: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(created["status"], 201);
    let schedule_id = created["body"]["schedule_id"].as_str().unwrap().to_owned();
    let stored = server.schedule(&schedule_id).expect("stored");
    assert_eq!(stored.targeting.recipients, 1);
    assert_eq!(stored.send_id.as_deref(), Some("send-1"));

    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "campaigns",
            "schedule",
            "update",
            "--campaign-id",
            "camp-1",
            "--schedule-id",
            &schedule_id,
            "--time",
            &updated_time,
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("Rescheduled"), "{out:?}");
    assert_eq!(
        server
            .schedule(&schedule_id)
            .unwrap()
            .schedule
            .time
            .as_str(),
        updated_time
    );

    let out = run(
        &mut braze_at(&server, KEY),
        &["schedules", "list", "--end-time", &date_in_days(30)],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("camp-1"), "{out:?}");
    assert!(out.stdout.contains(&updated_time), "{out:?}");
    // `--end-time` bounds the list: the schedule is 20 days away.
    let out = run(
        &mut braze_at(&server, KEY),
        &["schedules", "list", "--end-time", &date_in_days(5)],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("Nothing scheduled"), "{out:?}");

    // A recipient without an identifier is refused by the SDK's checks: exit 2, unsent.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"[{"trigger_properties": {}}]"#).unwrap();
    let before = server.requests().len();
    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "campaigns",
            "schedule",
            "create",
            "--campaign-id",
            "camp-1",
            "--time",
            &created_time,
            "--recipients",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("recipients[0]"), "{out:?}");
    assert_eq!(server.requests().len(), before);
}

#[test]
fn canvas_commands_reach_the_canvas_endpoints() {
    let server = fake(|c| c);
    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "--output",
            "json",
            "canvas",
            "schedule",
            "create",
            "--canvas-id",
            "canvas-1",
            "--time",
            "2030-05-24T21:30:00Z",
            "--broadcast",
            "--context",
            r#"{"a":1}"#,
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let created: Value = serde_json::from_str(&out.stdout).unwrap();
    let schedule_id = created["body"]["schedule_id"].as_str().unwrap().to_owned();
    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "canvas",
            "schedule",
            "delete",
            "--canvas-id",
            "canvas-1",
            "--schedule-id",
            &schedule_id,
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(server.schedules().is_empty());
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/canvas/trigger/schedule/create",
            "/canvas/trigger/schedule/delete"
        ]
    );
}

#[test]
fn the_key_is_never_printed_even_at_trace_level() {
    let server = fake(|c| c);
    let schedule_id = add_campaign_schedule(&server, "camp-1");
    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "-vvv",
            "campaigns",
            "schedule",
            "delete",
            "--campaign-id",
            "camp-1",
            "--schedule-id",
            &schedule_id,
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stderr.contains("TRACE") || out.stderr.contains("DEBUG"),
        "tracing is on"
    );
    assert!(out.stderr.contains("braze.request"), "{}", out.stderr);
    assert!(!out.all_output().contains(KEY), "the key leaked");
    // A failing call (401, error paths) with the key wrong: the wrong key must not leak.
    let wrong = "wrong-key-that-must-not-appear-0987";
    let out = run(
        &mut braze_at(&server, wrong),
        &words("-vvv --output json schedules list --end-time 2030-01-01"),
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(!out.all_output().contains(wrong), "the key leaked");
}

#[test]
fn mock_mode_says_it_is_a_fake() {
    let out = run(
        &mut braze(),
        &words("--mock schedules list --end-time 2030-01-01"),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.contains("fake Braze"), "{out:?}");
    assert!(out.stdout.contains("Nothing scheduled"), "{out:?}");
}

#[test]
fn demo_runs_every_step() {
    let out = run(&mut braze(), &["demo"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    for step in [
        "1. Schedule a send",
        "2. Schedule a push message with its content",
        "3. List what is scheduled",
        "4. Cancel it",
        "5. Cancel it again",
        "6. Cancel the message",
        "7. Send the campaign now instead",
        "sent once, to external_user_id user-42",
        "> POST /campaigns/trigger/send",
    ] {
        assert!(
            out.stdout.contains(step),
            "missing {step:?}: {}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .contains("> POST /campaigns/trigger/schedule/delete")
    );
    assert!(out.stdout.contains("authorization: Bearer [redacted]"));
    assert!(out.stdout.contains("< 404"), "{}", out.stdout);
    assert!(
        out.stdout.contains("> POST /messages/schedule/create"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("rate limit: 249,994 of 250,000 left"),
        "{}",
        out.stdout
    );

    let out = run(&mut braze(), &words("demo --output json"));
    assert_eq!(out.code, Some(0), "{out:?}");
    let demo: Value = serde_json::from_str(&out.stdout).unwrap();
    let steps = demo["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 7);
    assert_eq!(steps[1]["status"], 201);
    assert_eq!(steps[3]["status"], 200);
    assert_eq!(steps[4]["status"], 404);
    assert_eq!(steps[5]["status"], 200);
    assert_eq!(steps[6]["status"], 201);
    assert!(
        steps[6]["body"]["dispatch_id"]
            .as_str()
            .is_some_and(|id| id.len() == 32),
        "{}",
        steps[6]
    );
}

#[test]
fn help_renders_for_every_command() {
    let out = run(&mut braze(), &["--help"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("Exit codes:"), "{}", out.stdout);
    assert!(out.stdout.contains("BRAZE_API_KEY"), "{}", out.stdout);
    let commands: &[&[&str]] = &[
        &["campaigns"],
        &words("campaigns schedule"),
        &words("campaigns schedule create"),
        &words("campaigns schedule update"),
        &words("campaigns schedule delete"),
        &words("canvas schedule create"),
        &words("canvas schedule update"),
        &words("canvas schedule delete"),
        &words("schedules list"),
        &["demo"],
        &["completions"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let out = run(&mut braze(), &args);
        assert_eq!(out.code, Some(0), "{args:?}: {out:?}");
        assert!(
            out.stdout.contains("Usage: braze"),
            "{args:?}: {}",
            out.stdout
        );
    }
    let out = run(&mut braze(), &words("campaigns schedule delete --help"));
    assert!(out.stdout.contains("--from <FILE>"), "{}", out.stdout);
    assert!(
        out.stdout.contains("130"),
        "the bulk exit codes are documented"
    );
}

#[test]
fn completions_for_bash() {
    let out = run(&mut braze(), &words("completions bash"));
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains("_braze()"),
        "{}",
        &out.stdout[..out.stdout.len().min(500)]
    );
    assert!(out.stdout.contains("--schedule-id"));
}

#[test]
fn a_delete_answered_2xx_with_an_unreadable_body_succeeds_with_a_warning() {
    let server = fake(|c| c);
    let schedule_id = add_campaign_schedule(&server, "camp-1");
    server.inject(braze_mock::FaultRule::new(braze_mock::Fault::Malformed).next(1));
    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "campaigns",
            "schedule",
            "delete",
            "--campaign-id",
            "camp-1",
            "--schedule-id",
            &schedule_id,
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("Deleted schedule"), "{out:?}");
    assert!(out.stderr.contains("warning: "), "{out:?}");
    assert!(out.stderr.contains("most likely taken effect"), "{out:?}");
    assert!(server.schedules().is_empty());
}

/// The command line that calls `operation`. The match is exhaustive on purpose: a new
/// operation in the spec stops the build here until the command has a way to call it.
fn command_of(operation: Operation) -> &'static str {
    match operation {
        Operation::CreateCampaignSchedule => {
            "campaigns schedule create --campaign-id c --time 2030-05-24T21:30:00Z --broadcast"
        }
        Operation::UpdateCampaignSchedule => {
            "campaigns schedule update --campaign-id c --schedule-id s --time 2030-05-24T21:30:00Z"
        }
        Operation::DeleteCampaignSchedule => {
            "campaigns schedule delete --campaign-id c --schedule-id s"
        }
        Operation::CreateCanvasSchedule => {
            "canvas schedule create --canvas-id v --time 2030-05-24T21:30:00Z --broadcast"
        }
        Operation::UpdateCanvasSchedule => {
            "canvas schedule update --canvas-id v --schedule-id s --time 2030-05-24T21:30:00Z"
        }
        Operation::DeleteCanvasSchedule => "canvas schedule delete --canvas-id v --schedule-id s",
        Operation::ListScheduledBroadcasts => "schedules list --end-time 2030-01-01",
        Operation::CreateMessageSchedule => {
            "messages schedule create --time 2030-05-24T21:30:00Z --external-user-id u \
             --apple-push-alert hi"
        }
        Operation::UpdateMessageSchedule => {
            "messages schedule update --schedule-id s --time 2030-05-24T21:30:00Z"
        }
        Operation::DeleteMessageSchedule => "messages schedule delete --schedule-id s",
        Operation::SendMessages => "messages send --external-user-id u --apple-push-alert hi",
        Operation::TriggerCampaignSend => "campaigns trigger send --campaign-id c --broadcast",
        Operation::TriggerCanvasSend => "canvas trigger send --canvas-id v --external-user-id u",
        Operation::CreateSendId => "sends create-id --campaign-id c --send-id spring",
        Operation::SendTransactionalEmail => {
            "transactional send --campaign-id c --external-user-id u --external-send-id k1"
        }
    }
}

/// Every operation of the spec has a command, and a dry run of it previews that
/// operation's method and path.
#[test]
fn every_operation_has_a_command() {
    for operation in Operation::ALL {
        let spec = operation.spec();
        let line = format!("--dry-run --output json {}", command_of(operation));
        let out = run(&mut braze(), &words(&line));
        assert_eq!(out.code, Some(0), "{line}: {out:?}");
        let json: Value = serde_json::from_str(&out.stdout).expect("JSON");
        let request = &json["request"];
        assert_eq!(request["operation"], spec.id, "{line}");
        assert_eq!(request["method"], spec.method.as_str(), "{line}");
        let url = request["url"].as_str().expect("a URL");
        let path = url
            .split('?')
            .next()
            .and_then(|u| u.split_once("://"))
            .and_then(|(_, rest)| rest.find('/').map(|slash| &rest[slash..]))
            .expect("a path");
        assert!(spec.path_values(path).is_some(), "{line}: {url}");
    }
}

/// A message through its life from the command line: created with the channel flags,
/// updated with a messages file, deleted; the fake's state follows each step.
#[test]
fn a_message_schedule_from_the_command_line() {
    let server = fake(|c| c);
    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "--output",
            "json",
            "messages",
            "schedule",
            "create",
            "--time",
            "2030-05-24T21:30:00Z",
            "--external-user-id",
            "user-42",
            "--apple-push-alert",
            "Your table is ready",
            "--sms-body",
            "Table ready",
            "--sms-app-id",
            "app_identifier",
            "--sms-subscription-group-id",
            "group_identifier",
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let answer: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(answer["operation"], "create_message_schedule");
    let schedule_id = answer["body"]["schedule_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let stored = server.schedule(&schedule_id).expect("stored");
    let messages = stored.messages.expect("messages");
    assert_eq!(
        messages.sms.as_ref().map(|sms| sms.body.as_str()),
        Some("Table ready")
    );
    assert!(messages.apple_push.is_some());

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("messages.json");
    std::fs::write(
        &file,
        r#"{"android_push": {"title": "Chez Ada", "alert": "Your table is ready"}}"#,
    )
    .unwrap();
    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "messages schedule update --schedule-id {schedule_id} --messages {}",
            file.display()
        )),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout
            .contains(&format!("Updated message schedule {schedule_id}")),
        "{out:?}"
    );
    let messages = server.schedule(&schedule_id).unwrap().messages.unwrap();
    assert!(messages.android_push.is_some() && messages.apple_push.is_none());

    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "messages schedule delete --schedule-id {schedule_id}"
        )),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(server.schedule(&schedule_id).is_none());
}

/// A messages file with a mistake is an input error naming its JSON path, and nothing is
/// sent; so is a message the SDK's checks refuse.
#[test]
fn a_bad_messages_file_is_refused_before_sending() {
    let server = fake(|c| c);
    let dir = tempfile::tempdir().unwrap();
    for (content, expected) in [
        (
            r#"{"apple_push": {"badge": "one"}}"#,
            "messages.apple_push.badge",
        ),
        (
            r#"{"email": {"app_id": "a", "from": "A <a@example.com>"}}"#,
            "messages.email.body",
        ),
        (r#"{"apple_push": "#, "not valid JSON"),
    ] {
        let file = dir.path().join("messages.json");
        std::fs::write(&file, content).unwrap();
        let out = run(
            &mut braze_at(&server, KEY),
            &words(&format!(
                "messages schedule create --time 2030-05-24T21:30:00Z --external-user-id u \
                 --messages {}",
                file.display()
            )),
        );
        assert_eq!(out.code, Some(2), "{content}: {out:?}");
        assert!(out.stderr.contains(expected), "{content}: {}", out.stderr);
    }
    assert!(server.requests().is_empty(), "a refused message was sent");
}

#[test]
fn a_message_dry_run_shows_the_body() {
    let out = run(
        &mut braze(),
        &words(
            "--dry-run --output json messages schedule create --time 2030-05-24T21:30:00Z \
             --segment-id segment_identifier --broadcast --android-push-title Chez \
             --android-push-alert Ready",
        ),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let preview: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let body = &preview["request"]["body"];
    assert_eq!(body["segment_id"], "segment_identifier");
    assert_eq!(body["messages"]["android_push"]["title"], "Chez");
    assert!(
        preview["request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/messages/schedule/create")
    );
}

/// `--audience` takes Braze's JSON inline or from `@FILE`, on each of the three creates,
/// and the fake receives it as given.
#[test]
fn audiences_inline_or_from_a_file_on_every_create() {
    let server = fake(|c| c);
    let audience = r#"{"AND": [{"custom_attribute": {"custom_attribute_name": "orders", "comparison": "greater_than", "value": 3}}, {"push_subscription_status": {"comparison": "is", "value": "opted_in"}}]}"#;
    let expected: Value = serde_json::from_str(audience).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audience.json");
    std::fs::write(&file, audience).unwrap();
    let from_file = format!("@{}", file.display());
    let time = "2030-05-24T21:30:00Z";
    let creates: [Vec<&str>; 3] = [
        vec![
            "campaigns",
            "schedule",
            "create",
            "--campaign-id",
            "c1",
            "--time",
            time,
            "--audience",
            audience,
        ],
        vec![
            "canvas",
            "schedule",
            "create",
            "--canvas-id",
            "v1",
            "--time",
            time,
            "--audience",
            &from_file,
        ],
        vec![
            "messages",
            "schedule",
            "create",
            "--time",
            time,
            "--audience",
            &from_file,
            "--segment-id",
            "segment_identifier",
            "--broadcast",
            "--apple-push-alert",
            "Back in stock",
        ],
    ];
    for args in &creates {
        let out = run(&mut braze_at(&server, KEY), args);
        assert_eq!(out.code, Some(0), "{args:?}: {out:?}");
    }
    let schedules = server.schedules();
    assert_eq!(schedules.len(), 3);
    for stored in &schedules {
        assert_eq!(
            stored.audience.as_ref(),
            Some(&expected),
            "{:?}",
            stored.kind()
        );
    }
    assert_eq!(
        schedules[2].targeting.segment_id.as_deref(),
        Some("segment_identifier")
    );
}

/// A wrong audience is a usage error naming the path in the tree, and nothing is sent.
#[test]
fn a_wrong_audience_names_its_path_and_sends_nothing() {
    let server = fake(|c| c);
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let at_missing = format!("@{}", missing.display());
    for (audience, expected) in [
        (
            r#"{"AND": [{"push_subscription_status": {"comparison": "is", "value": "opted_in"}}, {"OR": [{"custom_attribute": {"custom_attribute_name": "vip", "comparison": "does_not_equal", "value": true}}]}]}"#,
            "audience.AND[1].OR[0].custom_attribute.comparison",
        ),
        (
            r#"{"custom_attribute": {"custom_attribute_name": "orders", "comparison": "greater_than", "value": "3"}}"#,
            "audience.custom_attribute.value",
        ),
        (r#"{"OR": []}"#, "audience.OR"),
        (r#"{"AND": "#, "not valid JSON"),
        (at_missing.as_str(), "cannot read the audience"),
    ] {
        let out = run(
            &mut braze_at(&server, KEY),
            &[
                "campaigns",
                "schedule",
                "create",
                "--campaign-id",
                "c1",
                "--time",
                "2030-05-24T21:30:00Z",
                "--audience",
                audience,
            ],
        );
        assert_eq!(out.code, Some(2), "{audience}: {out:?}");
        assert!(out.stderr.contains(expected), "{audience}: {}", out.stderr);
    }
    assert!(server.requests().is_empty(), "a refused audience was sent");
}
