//! The commands that send now, through the real binary against an in-process fake Braze
//! on loopback: what reaches the fake's dispatch log, the notice of a paused Canvas, the
//! confirmation a broadcast needs, the transactional send and its key.

mod common;

use braze_mock::{CampaignKind, Status};
use common::{KEY, braze, braze_at, fake, run, words};
use serde_json::Value;

#[test]
fn a_campaign_sent_now_reaches_each_user_once() {
    let server = fake(|c| c);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("recipients.json");
    std::fs::write(
        &file,
        r#"[{"external_user_id": "user-7", "trigger_properties": {"seat": "12A"}}]"#,
    )
    .unwrap();
    let recipients = file.display().to_string();
    let out = run(
        &mut braze_at(&server, KEY),
        &[
            "--output",
            "json",
            "campaigns",
            "trigger",
            "send",
            "--campaign-id",
            "camp-1",
            "--external-user-id",
            "user-42",
            "--user-alias",
            "ada:support",
            "--recipients",
            &recipients,
            "--properties",
            r#"{"table": "by the window"}"#,
            "--attachment",
            "menu=https://example.com/menu.pdf",
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let answer: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(answer["operation"], "trigger_campaign_send");
    assert_eq!(answer["status"], 201);
    let dispatch_id = answer["body"]["dispatch_id"].as_str().expect("a dispatch");
    let dispatches = server.dispatches();
    assert_eq!(dispatches.len(), 1, "{dispatches:?}");
    assert_eq!(dispatches[0].dispatch_id, dispatch_id);
    assert_eq!(dispatches[0].campaign_id.as_deref(), Some("camp-1"));
    let users: Vec<String> = dispatches[0].users.iter().map(|u| u.to_string()).collect();
    assert_eq!(users.len(), 3, "{users:?}");
    for user in ["user-42", "ada", "user-7"] {
        assert!(users.iter().any(|u| u.contains(user)), "{user}: {users:?}");
    }
    // What went on the wire: the flags' recipients, then the file's; the attachment.
    let request = server.requests().pop().expect("a request");
    let body = request
        .body
        .as_ref()
        .and_then(|b| b.json())
        .expect("a JSON body");
    assert_eq!(body["recipients"][0]["external_user_id"], "user-42");
    assert_eq!(body["recipients"][1]["user_alias"]["alias_name"], "ada");
    assert_eq!(body["recipients"][2]["trigger_properties"]["seat"], "12A");
    assert_eq!(body["trigger_properties"]["table"], "by the window");
    assert_eq!(body["attachments"][0]["file_name"], "menu");
}

#[test]
fn a_paused_canvas_is_a_warning_and_nothing_is_sent() {
    let server = fake(|c| c);
    server.add_canvas("canvas-1", Status::Paused);
    let out = run(
        &mut braze_at(&server, KEY),
        &words("canvas trigger send --canvas-id canvas-1 --external-user-id user-42"),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("Braze took Canvas canvas-1"), "{out:?}");
    assert!(
        out.stderr.contains("warning: Braze sent nothing"),
        "{out:?}"
    );
    assert!(out.stderr.contains("paused"), "{out:?}");
    assert!(server.dispatches().is_empty());
}

#[test]
fn a_broadcast_needs_yes_except_in_a_dry_run() {
    let server = fake(|c| c);
    let out = run(
        &mut braze_at(&server, KEY),
        &words("campaigns trigger send --campaign-id camp-1 --broadcast"),
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("--yes"), "{out:?}");
    assert!(server.requests().is_empty(), "nothing may reach the fake");

    let out = run(
        &mut braze(),
        &words("--dry-run campaigns trigger send --campaign-id camp-1 --broadcast"),
    );
    assert_eq!(out.code, Some(0), "{out:?}");

    let out = run(
        &mut braze_at(&server, KEY),
        &words("messages send --segment-id s1 --broadcast --yes --apple-push-alert hi"),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let dispatches = server.dispatches();
    assert_eq!(dispatches.len(), 1);
    assert!(dispatches[0].broadcast);
}

#[test]
fn messages_sent_now_carry_their_content() {
    let server = fake(|c| c);
    let out = run(
        &mut braze_at(&server, KEY),
        &words(
            "--output json messages send --external-user-id user-42 --apple-push-alert \
             Ready --override-frequency-capping",
        ),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let request = server.requests().pop().expect("a request");
    let body = request
        .body
        .as_ref()
        .and_then(|b| b.json())
        .expect("a JSON body");
    assert_eq!(body["messages"]["apple_push"]["alert"], "Ready");
    assert_eq!(body["override_frequency_capping"], true);
    assert_eq!(server.dispatches().len(), 1);
    // A rule broken before anything is sent: exit 2, nothing on the wire.
    let before = server.requests().len();
    let out = run(
        &mut braze_at(&server, KEY),
        &words("messages send --external-user-id user-42"),
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("messages"), "{out:?}");
    assert_eq!(server.requests().len(), before);
}

#[test]
fn send_ids_and_transactional_email() {
    let server = fake(|c| c);
    server.add_campaign("tx-1", CampaignKind::Transactional, Status::Active);
    let out = run(
        &mut braze_at(&server, KEY),
        &words("sends create-id --campaign-id camp-1 --send-id spring-sale"),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout
            .contains("Created send_id spring-sale for campaign camp-1"),
        "{out:?}"
    );
    assert_eq!(
        server.send_ids(),
        [("camp-1".to_owned(), "spring-sale".to_owned())]
    );

    let line = "--output json transactional send --campaign-id tx-1 --external-user-id \
                user-42 --external-send-id b3JkZXItMQ== --properties {\"order\":\"1\"}";
    let first = run(&mut braze_at(&server, KEY), &words(line));
    assert_eq!(first.code, Some(0), "{first:?}");
    let second = run(&mut braze_at(&server, KEY), &words(line));
    assert_eq!(second.code, Some(0), "{second:?}");
    let dispatch = |out: &common::Run| {
        let answer: Value = serde_json::from_str(&out.stdout).expect("JSON");
        answer["body"]["dispatch_id"].as_str().map(str::to_owned)
    };
    assert_eq!(dispatch(&first), dispatch(&second), "the key sends once");
    assert_eq!(server.dispatches().len(), 1);
    let request = server.requests().pop().expect("a request");
    assert_eq!(request.path, "/transactional/v1/campaigns/tx-1/send");

    let out = run(
        &mut braze(),
        &words(
            "--dry-run transactional send --campaign-id tx-1 --external-user-id u \
             --external-send-id not%base64",
        ),
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("external_send_id"), "{out:?}");
}
