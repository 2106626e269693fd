//! The send family against the fake: each operation's answer, what it refuses, and what it
//! leaves in the dispatch log.

mod common;

use std::time::Duration;

use braze_mock::{CampaignKind, Config, Fault, FaultRule, Operation, Status, User, UserId};
use common::*;
use serde_json::{Value, json};

const SEND_MESSAGES: &str = "/messages/send";
const TRIGGER_CAMPAIGN: &str = "/campaigns/trigger/send";
const TRIGGER_CANVAS: &str = "/canvas/trigger/send";
const CREATE_SEND_ID: &str = "/sends/id/create";

fn transactional(campaign_id_in_path: &str) -> String {
    format!("/transactional/v1/campaigns/{campaign_id_in_path}/send")
}

fn external(id: &str) -> UserId {
    UserId::External(id.to_owned())
}

fn email_messages() -> Value {
    json!({"email": {"app_id": "a", "subject": "s", "from": "Shop <shop@example.com>", "body": "<p>hi</p>"}})
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

fn is_dispatch_id(value: &Value) -> bool {
    value.as_str().is_some_and(|id| {
        id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[tokio::test]
async fn an_unseeded_fake_takes_every_send() {
    let h = start(Config::new()).await;
    let (status, body) = answer(
        h.post(
            SEND_MESSAGES,
            json!({"external_user_ids": ["u1", "u2"], "messages": email_messages()}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["message"], "success");
    assert!(is_dispatch_id(&body["dispatch_id"]), "{body}");

    let trigger = json!({"campaign_id": "c", "recipients": [{"external_user_id": "u1"}, {"email": "e@example.com", "prioritization": ["identified"]}]});
    let (status, trigger_body) = answer(h.post(TRIGGER_CAMPAIGN, trigger).await).await;
    assert_eq!(status, 201, "{trigger_body}");
    let (status, canvas_body) = answer(
        h.post(
            TRIGGER_CANVAS,
            json!({"canvas_id": "cv", "broadcast": true, "context": {"k": 1}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{canvas_body}");
    assert_eq!(canvas_body.get("notice"), None);

    let dispatches = h.server.dispatches();
    assert_eq!(dispatches.len(), 3);
    assert_eq!(dispatches[0].operation, Operation::SendMessages);
    assert_eq!(dispatches[0].users, [external("u1"), external("u2")]);
    assert_eq!(dispatches[0].dispatch_id, body["dispatch_id"]);
    assert_eq!(dispatches[1].campaign_id.as_deref(), Some("c"));
    assert_eq!(
        dispatches[1].users,
        [external("u1"), UserId::Email("e@example.com".into())]
    );
    assert_eq!(dispatches[2].canvas_id.as_deref(), Some("cv"));
    assert!(dispatches[2].broadcast && dispatches[2].users.is_empty());
    assert_eq!(
        dispatches.iter().map(|d| d.sequence).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    // Stamped by the fake's clock, not the system's.
    let since_start = dispatches[0].at.duration_since(now()).expect("after NOW");
    assert!(since_start < Duration::from_secs(60), "{since_start:?}");
    // Each dispatch has its own id.
    assert_ne!(dispatches[0].dispatch_id, dispatches[1].dispatch_id);
}

#[tokio::test]
async fn body_rules_are_braze_s() {
    let h = start(Config::new()).await;
    let broadcast_and_recipients =
        json!({"campaign_id": "c", "broadcast": true, "recipients": [{"external_user_id": "u"}]});
    let (status, _) = answer(h.post(TRIGGER_CAMPAIGN, broadcast_and_recipients).await).await;
    assert_eq!(status, 400);
    let segment = json!({"canvas_id": "cv", "broadcast": true, "segment_id": "s"});
    let (status, body) = answer(h.post(TRIGGER_CANVAS, segment).await).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("segment_id"),
        "{body}"
    );
    let (status, _) = answer(
        h.post(SEND_MESSAGES, json!({"external_user_ids": ["u"]}))
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(h.server.dispatches().is_empty());
}

#[tokio::test]
async fn strict_mode_knows_its_users() {
    let config = Config::new()
        .strict(true)
        .campaign_with("trig", CampaignKind::ApiTriggered, Status::Active)
        .canvas_with("cv", Status::Active)
        .user(User::external("known").with_email("k@example.com"))
        .user(User::alias("n", "l"));
    let h = start(config).await;

    // /messages/send: one unknown listed user refuses the whole request.
    let (status, body) = answer(
        h.post(
            SEND_MESSAGES,
            json!({"external_user_ids": ["known", "ghost"], "messages": email_messages()}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("external_user_ids[1]") && message.contains("ghost"),
        "{message}"
    );
    assert!(h.server.dispatches().is_empty());

    // Trigger sends: an unknown recipient is skipped and reported; one with attributes and
    // send_to_existing_only false is created first; the same user twice gets one message.
    let trigger = json!({"campaign_id": "trig", "recipients": [
        {"external_user_id": "known"},
        {"external_user_id": "ghost"},
        {"external_user_id": "new", "send_to_existing_only": false, "attributes": {"first_name": "Alex"}},
        {"email": "k@example.com", "prioritization": ["identified"]},
        {"user_alias": {"alias_name": "n", "alias_label": "l"}}
    ]});
    let (status, body) = answer(h.post(TRIGGER_CAMPAIGN, trigger).await).await;
    assert_eq!(status, 201, "{body}");
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{body}");
    assert!(
        errors[0].as_str().unwrap().starts_with("recipients[1]"),
        "{body}"
    );
    let dispatch = h.server.dispatches().pop().unwrap();
    assert_eq!(
        dispatch.users,
        [
            external("known"),
            external("new"),
            UserId::Alias {
                name: "n".into(),
                label: "l".into()
            }
        ]
    );
    let created = h
        .server
        .users()
        .into_iter()
        .find(|user| user.external_id.as_deref() == Some("new"))
        .expect("the user was created");
    assert_eq!(created.attributes["first_name"], "Alex");

    // Unregistered campaigns and Canvases are refused.
    let (status, body) = answer(
        h.post(
            TRIGGER_CANVAS,
            json!({"canvas_id": "other", "broadcast": true}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (400, Some("Invalid Canvas ID"))
    );
    assert_eq!(h.server.dispatches().len(), 1);
}

#[tokio::test]
async fn paused_and_archived_targets_answer_a_notice_and_send_nothing() {
    let h = start(Config::new()).await;
    h.server.add_canvas("paused", Status::Paused);
    h.server.add_canvas("archived", Status::Archived);
    h.server
        .add_campaign("camp", CampaignKind::ApiTriggered, Status::Paused);
    let cases = [
        (
            TRIGGER_CANVAS,
            json!({"canvas_id": "paused", "broadcast": true}),
            "The Canvas is paused. Resume the Canvas to ensure trigger requests will take effect.",
        ),
        (
            TRIGGER_CANVAS,
            json!({"canvas_id": "archived", "recipients": [{"external_user_id": "u"}]}),
            "The Canvas is archived. Unarchive the Canvas to ensure trigger requests will take effect.",
        ),
        (
            TRIGGER_CAMPAIGN,
            json!({"campaign_id": "camp", "recipients": [{"external_user_id": "u", "send_to_existing_only": false, "attributes": {"a": 1}}]}),
            "The campaign is paused. Resume the campaign in order for trigger requests to take effect.",
        ),
    ];
    for (path, request, notice) in cases {
        let (status, body) = answer(h.post(path, request).await).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["notice"], notice);
        assert_eq!(body["message"], "success");
        assert!(is_dispatch_id(&body["dispatch_id"]), "{body}");
    }
    assert!(h.server.dispatches().is_empty());
    // Nothing sent, so nothing created either.
    assert!(h.server.users().is_empty());

    // Resumed, it sends.
    h.server.add_canvas("paused", Status::Active);
    let (status, body) = answer(
        h.post(
            TRIGGER_CANVAS,
            json!({"canvas_id": "paused", "broadcast": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body.get("notice"), None);
    assert_eq!(h.server.dispatches().len(), 1);
}

#[tokio::test]
async fn campaign_kinds_pick_their_endpoint() {
    let h = start(Config::new()).await;
    h.server
        .add_campaign("api", CampaignKind::Api, Status::Active);
    h.server
        .add_campaign("trig", CampaignKind::ApiTriggered, Status::Active);
    h.server
        .add_campaign("tx", CampaignKind::Transactional, Status::Active);
    let (status, body) = answer(
        h.post(
            TRIGGER_CAMPAIGN,
            json!({"campaign_id": "api", "recipients": [{"external_user_id": "u"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid Campaign ID")
    );
    let variation = json!({"email": {"app_id": "a", "subject": "s", "from": "f@example.com", "body": "b", "message_variation_id": "v"}});
    let (status, body) = answer(
        h.post(
            SEND_MESSAGES,
            json!({"campaign_id": "api", "external_user_ids": ["u"], "messages": variation}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let recipient = json!({"recipient": {"external_user_id": "u"}});
    let (status, body) = answer(h.post(&transactional("trig"), recipient.clone()).await).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "The campaign is not a transactional campaign. Only transactional campaigns may use this endpoint"
    );
    let (status, _) = answer(h.post(&transactional("tx"), recipient).await).await;
    assert_eq!(status, 201);
    assert_eq!(h.server.dispatches().len(), 2);
}

#[tokio::test]
async fn send_ids_are_created_under_a_daily_quota_of_the_fake_s_clock() {
    let h = start(Config::new().strict(true).campaign("c").campaign("d")).await;
    // A send_id never created is refused in strict mode.
    let trigger = |send_id: &str, campaign: &str| json!({"campaign_id": campaign, "send_id": send_id, "recipients": [{"external_user_id": "u", "send_to_existing_only": false, "attributes": {"a": 1}}]});
    let (status, body) = answer(h.post(TRIGGER_CAMPAIGN, trigger("s0", "c")).await).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("/sends/id/create")
    );

    for n in 0..100 {
        let (status, body) = answer(
            h.post(
                CREATE_SEND_ID,
                json!({"campaign_id": "c", "send_id": format!("s{n}")}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 201, "{n}: {body}");
        assert_eq!(body["send_id"], format!("s{n}"));
    }
    // Creating a pair again does not count, and succeeds.
    let (status, _) = answer(
        h.post(CREATE_SEND_ID, json!({"campaign_id": "c", "send_id": "s0"}))
            .await,
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = answer(h.post(CREATE_SEND_ID, json!({"campaign_id": "d"})).await).await;
    assert_eq!(status, 429, "{body}");
    assert!(body["message"].as_str().unwrap().contains("100"), "{body}");
    assert_eq!(h.server.send_ids().len(), 100);

    // Created for c: usable with c, not with d; echoed.
    let (status, body) = answer(h.post(TRIGGER_CAMPAIGN, trigger("s0", "c")).await).await;
    assert_eq!(
        (status, body["send_id"].as_str()),
        (201, Some("s0")),
        "{body}"
    );
    let (status, _) = answer(h.post(TRIGGER_CAMPAIGN, trigger("s0", "d")).await).await;
    assert_eq!(status, 400);

    // The next UTC day of the fake's clock starts a new count; an omitted send_id is made.
    h.server.clock().advance(Duration::from_secs(86_400));
    let (status, body) = answer(h.post(CREATE_SEND_ID, json!({"campaign_id": "d"})).await).await;
    assert_eq!(status, 201, "{body}");
    assert!(is_dispatch_id(&body["send_id"]), "{body}");
    assert_eq!(h.server.send_ids().len(), 101);
    assert_eq!(h.server.dispatches().len(), 1);
    assert_eq!(h.server.dispatches()[0].send_id.as_deref(), Some("s0"));
}

#[tokio::test]
async fn a_campaign_broadcast_gets_a_send_id() {
    let h = start(Config::new()).await;
    let (status, body) = answer(
        h.post(
            TRIGGER_CAMPAIGN,
            json!({"campaign_id": "c", "broadcast": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    assert!(body["send_id"].is_string(), "{body}");
    assert_eq!(
        h.server.dispatches()[0].send_id.as_ref(),
        body["send_id"].as_str().map(str::to_owned).as_ref()
    );
    let (_, body) = answer(
        h.post(
            TRIGGER_CAMPAIGN,
            json!({"campaign_id": "c", "recipients": [{"external_user_id": "u"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(body.get("send_id"), None, "{body}");
}

#[tokio::test]
async fn external_send_ids_dedupe_for_24_hours_of_the_fake_s_clock() {
    let h = start(Config::new()).await;
    let body = json!({"external_send_id": "order+42/=", "recipient": {"external_user_id": "u"}, "trigger_properties": {"order": 42}});
    let (status, first) = answer(h.post(&transactional("tx"), body.clone()).await).await;
    assert_eq!(status, 201, "{first}");
    assert!(is_dispatch_id(&first["dispatch_id"]));
    h.server.clock().advance(Duration::from_secs(23 * 3600));
    let (status, again) = answer(h.post(&transactional("tx"), body.clone()).await).await;
    assert_eq!(status, 201);
    assert_eq!(again["dispatch_id"], first["dispatch_id"]);
    assert_eq!(h.server.dispatches().len(), 1);
    h.server.clock().advance(Duration::from_secs(3600));
    let (status, later) = answer(h.post(&transactional("tx"), body.clone()).await).await;
    assert_eq!(status, 201);
    assert_ne!(later["dispatch_id"], first["dispatch_id"]);
    let dispatches = h.server.dispatches();
    assert_eq!(dispatches.len(), 2);
    assert_eq!(
        dispatches[1].external_send_id.as_deref(),
        Some("order+42/=")
    );
    assert_eq!(dispatches[1].users, [external("u")]);
    // Without a key, each request sends.
    let unkeyed = json!({"recipient": {"external_user_id": "u"}});
    h.post(&transactional("tx"), unkeyed.clone()).await;
    h.post(&transactional("tx"), unkeyed).await;
    assert_eq!(h.server.dispatches().len(), 4);
}

#[tokio::test]
async fn the_transactional_campaign_comes_from_the_path() {
    let h = start(Config::new().strict(true)).await;
    h.server
        .add_campaign("a/b c", CampaignKind::Transactional, Status::Active);
    h.server
        .add_campaign("paused", CampaignKind::Transactional, Status::Paused);
    h.server.add_user(User::external("u"));
    let body = json!({"recipient": {"external_user_id": "u"}});
    let (status, answered) = answer(h.post(&transactional("a%2Fb%20c"), body.clone()).await).await;
    assert_eq!(status, 201, "{answered}");
    assert_eq!(
        h.server.dispatches()[0].campaign_id.as_deref(),
        Some("a/b c")
    );
    let (status, answered) = answer(h.post(&transactional("nope"), body.clone()).await).await;
    assert_eq!(
        (status, answered["message"].as_str()),
        (404, Some("Campaign does not exist"))
    );
    let (status, answered) = answer(h.post(&transactional("paused"), body.clone()).await).await;
    assert_eq!(status, 400);
    assert_eq!(
        answered["message"],
        "The campaign is paused. Resume the campaign in order for trigger requests to take effect."
    );
    let (status, answered) = answer(h.post(&transactional("%20"), body).await).await;
    assert_eq!(
        (status, answered["message"].as_str()),
        (
            400,
            Some("campaign_id must be a string of the campaign api identifier")
        )
    );
    // An unknown recipient needs attributes to be created.
    let ghost = json!({"recipient": {"external_user_id": "ghost"}});
    let (status, _) = answer(h.post(&transactional("a%2Fb%20c"), ghost).await).await;
    assert_eq!(status, 400);
    let created = json!({"recipient": {"external_user_id": "ghost", "attributes": {"email": "g@example.com"}}});
    let (status, _) = answer(h.post(&transactional("a%2Fb%20c"), created).await).await;
    assert_eq!(status, 201);
    assert_eq!(h.server.dispatches().len(), 2);
}

#[tokio::test]
async fn a_send_answered_with_a_fault_after_processing_is_dispatched_once() {
    let h = start(Config::new()).await;
    for fault in [Fault::Truncated, Fault::Malformed] {
        h.server
            .inject(FaultRule::new(fault).next(1).on_path(TRIGGER_CAMPAIGN));
        let response = h
            .client
            .post(h.url(TRIGGER_CAMPAIGN))
            .bearer_auth(h.server.api_key())
            .json(&json!({"campaign_id": "c", "recipients": [{"external_user_id": "u"}]}))
            .send()
            .await;
        // The client hears nothing it can read...
        if let Ok(response) = response {
            assert!(response.json::<Value>().await.is_err());
        }
    }
    // ...yet each send happened, once.
    let dispatches = h.server.dispatches();
    assert_eq!(dispatches.len(), 2);
    assert_ne!(dispatches[0].dispatch_id, dispatches[1].dispatch_id);
    // A fault before processing sends nothing.
    h.server.inject(
        FaultRule::new(Fault::Status(503))
            .next(1)
            .on_path(TRIGGER_CAMPAIGN),
    );
    let (status, _) = answer(
        h.post(
            TRIGGER_CAMPAIGN,
            json!({"campaign_id": "c", "recipients": [{"external_user_id": "u"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(h.server.dispatches().len(), 2);
}
