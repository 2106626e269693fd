//! The message schedules (`/messages/schedule/*`) against a client: lifecycle, the list,
//! every rule of the targeting and of the channel objects, permissions, strict mode, and
//! the example bodies of Braze's docs.

mod common;

use braze_api::types::{ApplePushAlert, ScheduleCreateResponse, ScheduledBroadcastsResponse};
use std::time::Duration;

use braze_mock::{
    Config, Fault, FaultRule, Messages, Permission, Permissions, ScheduleKind, Targeting,
};
use common::*;
use serde_json::{Value, json};

/// Creates a message schedule and returns its id.
async fn create(h: &Harness, body: Value) -> String {
    let response = h.post(CREATE_MESSAGE, body.clone()).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 201, "{body}: {text}");
    let created: ScheduleCreateResponse = serde_json::from_str(&text).unwrap();
    created.schedule_id.as_str().to_owned()
}

fn messages(value: Value) -> Messages {
    serde_json::from_value(value).unwrap()
}

#[tokio::test]
async fn message_schedule_lifecycle() {
    let h = start(Config::new()).await;

    // Create: the same answer as the other creates.
    let response = h
        .post(
            CREATE_MESSAGE,
            json!({
                "external_user_ids": ["u1", "u2"],
                "user_aliases": [{"alias_name": "ada", "alias_label": "crm"}],
                "segment_id": "vip",
                "campaign_id": "api-campaign",
                "send_id": "send-1",
                "schedule": {"time": "2031-05-24T21:30:00Z"},
                "messages": {
                    "apple_push": {"alert": "Ready", "message_variation_id": "ios-1", "extra": {"table": 12}},
                    "sms": {"subscription_group_id": "g", "body": "Ready", "app_id": "a", "message_variation_id": "sms-1"},
                },
            }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let raw: Value = response.json().await.unwrap();
    assert_eq!(raw["message"], "success");
    assert!(raw["dispatch_id"].is_string());
    let schedule_id = raw["schedule_id"].as_str().unwrap().to_owned();

    // What is stored: no owner, the campaign and send ids, whom, and the wire messages.
    let stored = h.server.schedule(&schedule_id).expect("stored");
    assert_eq!(stored.kind(), ScheduleKind::Message);
    assert_eq!(stored.owner_id(), None);
    assert_eq!(stored.campaign_id.as_deref(), Some("api-campaign"));
    assert_eq!(stored.send_id.as_deref(), Some("send-1"));
    assert_eq!(
        stored.targeting,
        Targeting {
            external_user_ids: 2,
            user_aliases: 1,
            segment_id: Some("vip".to_owned()),
            ..Targeting::default()
        }
    );
    let stored_messages = stored.messages.expect("messages");
    let apple = stored_messages.apple_push.expect("an Apple push");
    assert!(matches!(&apple.alert, Some(ApplePushAlert::Text(text)) if text.as_str() == "Ready"));
    assert_eq!(apple.extra["extra"], json!({"table": 12}));
    assert!(stored_messages.sms.is_some());

    // The list shows it, under its campaign.
    let listed: ScheduledBroadcastsResponse = h.list("2032-01-01").await.json().await.unwrap();
    assert_eq!(listed.scheduled_broadcasts.len(), 1);
    let item = &listed.scheduled_broadcasts[0];
    assert_eq!(item.id.as_deref(), Some("api-campaign"));
    assert_eq!(item.type_.as_deref(), Some("Campaign"));
    assert_eq!(
        item.name.as_deref(),
        Some(format!("API schedule {schedule_id}").as_str())
    );
    assert_eq!(item.next_send_time.as_deref(), Some("2031-05-24T21:30:00Z"));
    assert_eq!(item.schedule_type.as_deref(), Some("UTC"));

    // Update the schedule alone: the messages stay.
    let response = h
        .post(
            UPDATE_MESSAGE,
            json!({"schedule_id": schedule_id, "schedule": {"time": "2033-01-01T08:00:00", "in_local_time": true}}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(message(response).await, "success");
    let stored = h.server.schedule(&schedule_id).unwrap();
    assert_eq!(stored.schedule.time.as_str(), "2033-01-01T08:00:00");
    assert_eq!(stored.schedule.in_local_time, Some(true));
    assert!(stored.messages.as_ref().unwrap().sms.is_some());
    assert_eq!(stored.updates, 1);
    let listed: Value = h.list("2032-01-01").await.json().await.unwrap();
    assert_eq!(listed["scheduled_broadcasts"], json!([]));
    let listed: Value = h.list("2033-01-02").await.json().await.unwrap();
    assert_eq!(
        listed["scheduled_broadcasts"][0]["schedule_type"],
        "local_time_zones"
    );

    // Update the messages alone: they replace the stored ones whole (the SMS is gone),
    // and the schedule stays.
    let replacement = json!({"email": {"app_id": "a", "from": "Ada <ada@example.com>", "body": "<p>Ready</p>", "message_variation_id": "email-1"}});
    let response = h
        .post(
            UPDATE_MESSAGE,
            json!({"schedule_id": schedule_id, "messages": replacement}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let stored = h.server.schedule(&schedule_id).unwrap();
    assert_eq!(stored.messages, Some(messages(replacement)));
    assert_eq!(stored.schedule.time.as_str(), "2033-01-01T08:00:00");
    assert_eq!(stored.updates, 2);

    // Delete, then delete and update again: not found, by schedule_id alone.
    let delete = json!({"schedule_id": schedule_id});
    let response = h.post(DELETE_MESSAGE, delete.clone()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(message(response).await, "success");
    assert!(h.server.schedules().is_empty());
    let listed: Value = h.list("2034-01-01").await.json().await.unwrap();
    assert_eq!(listed["scheduled_broadcasts"], json!([]));
    let (status, text) = status_and_message(h.post(DELETE_MESSAGE, delete).await).await;
    assert_eq!(status, 404);
    assert_eq!(text, format!("schedule_id {schedule_id} not found"));
    let update = json!({"schedule_id": schedule_id, "schedule": {"time": LATER}});
    let (status, text) = status_and_message(h.post(UPDATE_MESSAGE, update).await).await;
    assert_eq!(status, 404);
    assert_eq!(text, format!("schedule_id {schedule_id} not found"));
    let unknown = json!({"schedule_id": "no-such-schedule"});
    assert_eq!(h.post(DELETE_MESSAGE, unknown).await.status(), 404);
}

#[tokio::test]
async fn a_message_without_campaign_is_listed_under_its_schedule_id() {
    let h = start(Config::new()).await;
    let schedule_id = create(&h, message_create("2031-02-03T10:00:00Z")).await;
    let stored = h.server.schedule(&schedule_id).unwrap();
    assert_eq!(stored.campaign_id, None);
    let listed: Value = h.list("2031-02-04").await.json().await.unwrap();
    let item = &listed["scheduled_broadcasts"][0];
    assert_eq!(item["id"], schedule_id.as_str());
    assert_eq!(item["type"], "Campaign");
    assert_eq!(item["tags"], json!([]));
}

#[tokio::test]
async fn message_and_trigger_schedules_are_kept_apart() {
    let h = start(Config::new()).await;
    let campaign_schedule = h.create_campaign("welcome", LATER).await;
    let mut body = message_create(LATER);
    body["campaign_id"] = json!("welcome");
    body["messages"]["apple_push"]["message_variation_id"] = json!("v");
    let message_schedule = create(&h, body).await;

    // A campaign schedule is not found by the message operations...
    for (path, body) in [
        (DELETE_MESSAGE, json!({"schedule_id": campaign_schedule})),
        (
            UPDATE_MESSAGE,
            json!({"schedule_id": campaign_schedule, "schedule": {"time": LATER}}),
        ),
    ] {
        let (status, text) = status_and_message(h.post(path, body).await).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(text, format!("schedule_id {campaign_schedule} not found"));
    }
    // ... nor a message schedule by the campaign ones, not even under its campaign_id.
    let as_campaign = json!({"campaign_id": "welcome", "schedule_id": message_schedule});
    let (status, text) = status_and_message(h.post(DELETE_CAMPAIGN, as_campaign).await).await;
    assert_eq!(status, 404);
    assert!(
        text.ends_with("not found for campaign_id welcome"),
        "{text}"
    );
    let as_canvas = json!({"canvas_id": "welcome", "schedule_id": message_schedule});
    assert_eq!(h.post(DELETE_CANVAS, as_canvas).await.status(), 404);

    assert_eq!(h.server.schedules().len(), 2);
    assert!(h.server.schedules().iter().all(|s| s.updates == 0));
}

/// Every refused create, with the start of its message; none may store anything.
fn refused_creates() -> Vec<(Value, &'static str)> {
    let later = json!({"time": LATER});
    let push = json!({"apple_push": {"alert": "a"}});
    let users = json!(["u"]);
    let ids: Vec<String> = (0..51).map(|i| format!("u{i}")).collect();
    let aliases: Vec<Value> = (0..11)
        .map(|i| json!({"alias_name": format!("a{i}"), "alias_label": "l"}))
        .collect();
    let with = |channel: &str, object: Value| json!({"external_user_ids": users, "schedule": later, "messages": {channel: object}});
    let whats_app = |message_type: &str, message: Value| {
        with(
            "whats_app",
            json!({"app_id": "a", "subscription_group_id": "g", "message_type": message_type, "message": message}),
        )
    };
    let card =
        |media: &str| json!({"media_uri": "https://x/m", "media_type": media, "buttons": ["Go"]});
    vec![
        // Targeting.
        (
            json!({"schedule": later, "messages": push}),
            "No Recipients: segment_id or an audience is required to send without listing users (with broadcast: true)",
        ),
        (
            json!({"broadcast": false, "schedule": later, "messages": push}),
            "No Recipients",
        ),
        (
            json!({"broadcast": true, "external_user_ids": users, "schedule": later, "messages": push}),
            "broadcast cannot be true together with external_user_ids or user_aliases",
        ),
        (
            json!({"external_user_ids": ids, "schedule": later, "messages": push}),
            "The max number of external_ids and aliases per request was exceeded: external_user_ids has 51 entries; Braze takes at most 50 ids and aliases",
        ),
        (
            json!({"external_user_ids": ids[..40], "user_aliases": aliases, "schedule": later, "messages": push}),
            "The max number of external_ids and aliases per request was exceeded: user_aliases and external_user_ids name 51 users (11 aliases, 40 ids)",
        ),
        (
            json!({"broadcast": true, "send_id": "x".repeat(65), "schedule": later, "messages": push}),
            "send_id has 65 characters; Braze takes at most 64",
        ),
        (
            json!({"broadcast": true, "send_id": "envoi-été", "schedule": later, "messages": push}),
            "send_id must be ASCII only",
        ),
        // The doc example's types (§7, §17.7).
        (
            json!({"broadcast": "false", "external_user_ids": users, "schedule": later, "messages": push}),
            "broadcast: invalid type: string \"false\", expected a boolean",
        ),
        (
            json!({"external_user_ids": "external_user_identifiers", "schedule": later, "messages": push}),
            "external_user_ids: invalid type: string \"external_user_identifiers\", expected a sequence",
        ),
        (
            json!({"user_aliases": {"alias_name": "n", "alias_label": "l"}, "schedule": later, "messages": push}),
            "user_aliases: invalid type: map, expected a sequence",
        ),
        (
            json!({"external_user_ids": users, "schedule": {"time": ""}, "messages": push}),
            "schedule.time must be an ISO 8601 date-time such as 2017-05-24T21:30:00Z",
        ),
        (
            json!({"external_user_ids": users, "messages": push}),
            "missing field `schedule`",
        ),
        (
            json!({"external_user_ids": users, "schedule": {"time": "2020-01-01T10:00:00", "in_local_time": true}, "messages": push}),
            "schedule.time \"2020-01-01T10:00:00\" has already passed in every time zone",
        ),
        // What it sends.
        (
            json!({"external_user_ids": users, "schedule": later}),
            "No message to send: messages is required, with at least one of apple_push, android_push",
        ),
        (
            json!({"external_user_ids": users, "schedule": later, "messages": {}}),
            "No message to send: messages must have at least one of apple_push",
        ),
        (
            json!({"external_user_ids": users, "schedule": later, "messages": {"apple_psh": {"alert": "a"}}}),
            "No message to send",
        ),
        (
            json!({"external_user_ids": users, "campaign_id": "c", "schedule": later, "messages": {"apple_push": {"alert": "a", "message_variation_id": "v"}, "sms": {"subscription_group_id": "g", "body": "b", "app_id": "a"}}}),
            "Message Variant Unspecified: messages.sms.message_variation_id is required when campaign_id is given",
        ),
        (
            json!({"external_user_ids": users, "campaign_id": " ", "schedule": later, "messages": push}),
            "campaign_id must not be empty or blank",
        ),
        // apple_push.
        (
            with("apple_push", json!({"badge": 1})),
            "messages.apple_push.alert is required unless content-available is true",
        ),
        (
            with("apple_push", json!({"alert": {"title": "t"}})),
            "messages.apple_push.alert.body is required unless content-available is true",
        ),
        (
            with(
                "apple_push",
                json!({"alert": "a", "asset_url": "https://x/y.png"}),
            ),
            "messages.apple_push.asset_file_type is required with asset_url",
        ),
        (
            with(
                "apple_push",
                json!({"alert": "a", "asset_file_type": "png"}),
            ),
            "messages.apple_push.asset_file_type is only allowed with asset_url",
        ),
        (
            with(
                "apple_push",
                json!({"alert": "a", "asset_url": "u", "asset_file_type": "bmp"}),
            ),
            "messages.apple_push.asset_file_type: unknown variant `bmp`",
        ),
        (
            with("apple_push", json!({"alert": "a", "extra": ["x"]})),
            "Invalid Extra Push Payload: messages.apple_push.extra must be a JSON object, not an array",
        ),
        (
            with(
                "apple_push",
                json!({"alert": "a", "extra": {"aps": {"badge": 1}}}),
            ),
            "Invalid Extra Push Payload: messages.apple_push.extra.aps is a key Braze and Apple reserve (ab, aps)",
        ),
        (
            with("apple_push", json!({"alert": "x".repeat(1901)})),
            "Apple Push Length Exceeded: messages.apple_push is 1913 bytes",
        ),
        (
            with("apple_push", json!({"alert": "a", "apns_priority": 0})),
            "messages.apple_push.apns_priority: invalid value",
        ),
        (
            with("apple_push", json!({"alert": "a", "apns_priority": 11})),
            "messages.apple_push.apns_priority is 11; Apple takes 1 to 10",
        ),
        (
            with("apple_push", json!({"alert": 42})),
            "messages.apple_push.alert must be a string or an alert object, not a number",
        ),
        (
            with(
                "apple_push",
                json!({"alert": {"body": "b", "loc_args": "x"}}),
            ),
            "messages.apple_push.alert.loc_args: invalid type: string \"x\", expected a sequence",
        ),
        (
            with("apple_push", json!({"alert": {"body": "b", "title": null}})),
            "messages.apple_push.alert.title: null is not allowed",
        ),
        (
            with(
                "apple_push",
                json!({"alert": "a", "content-available": "yes"}),
            ),
            "messages.apple_push.content-available: invalid type: string \"yes\", expected a boolean",
        ),
        // android_push.
        (
            with("android_push", json!({"title": "t"})),
            "messages.android_push.alert is required unless send_to_sync is true",
        ),
        (
            with("android_push", json!({"alert": "a"})),
            "messages.android_push.title is required unless send_to_sync is true",
        ),
        (
            with("android_push", json!({"send_to_sync": true, "alert": "a"})),
            "messages.android_push.alert must be left out when send_to_sync is true",
        ),
        (
            with(
                "android_push",
                json!({"alert": "a", "title": "t", "extra": "k=v"}),
            ),
            "Invalid Extra Push Payload: messages.android_push.extra must be a JSON object, not a string",
        ),
        (
            with(
                "android_push",
                json!({"alert": "a".repeat(4001), "title": "t"}),
            ),
            "Android Push Length Exceeded: messages.android_push has 4001 bytes of alert and extra; Braze takes at most 4000",
        ),
        (
            with(
                "android_push",
                json!({"alert": "a", "title": "t", "time_to_live": 2_419_201}),
            ),
            "messages.android_push.time_to_live is 2419201; Braze takes 0 to 2419200 seconds",
        ),
        (
            with(
                "android_push",
                json!({"alert": "a", "title": "t", "android_priority": "urgent"}),
            ),
            "messages.android_push.android_priority: unknown variant `urgent`",
        ),
        // kindle_push, web_push: the types require alert and title.
        (
            with("kindle_push", json!({"alert": "a"})),
            "messages.kindle_push: missing field `title`",
        ),
        (
            with("web_push", json!({"title": "t"})),
            "messages.web_push: missing field `alert`",
        ),
        (
            with("web_push", json!({"alert": "a", "title": "t", "extra": 1})),
            "Invalid Extra Push Payload: messages.web_push.extra must be a JSON object",
        ),
        // email.
        (
            with(
                "email",
                json!({"app_id": "a", "from": "f@example.com", "subject": "s"}),
            ),
            "messages.email.body is required unless email_template_id names a template",
        ),
        (
            with("email", json!({"app_id": "a", "body": "b"})),
            "messages.email: missing field `from`",
        ),
        // webhook: the types.
        (
            with(
                "webhook",
                json!({"url": "https://example.com", "request_method": "PATCH"}),
            ),
            "messages.webhook.request_method: unknown variant `PATCH`",
        ),
        (
            with(
                "webhook",
                json!({"url": "https://example.com", "request_method": "POST", "body": ["a"]}),
            ),
            "messages.webhook.body must be a string or a JSON object, not an array",
        ),
        // content_card.
        (
            with(
                "content_card",
                json!({"type": "CLASSIC", "title": "t", "description": "d"}),
            ),
            "messages.content_card.time_to_live or expire_at is required (one of the two)",
        ),
        (
            with(
                "content_card",
                json!({"type": "CLASSIC", "title": "t", "description": "d", "time_to_live": 60, "expire_at": "2031-01-01T00:00:00Z"}),
            ),
            "messages.content_card.expire_at cannot be given with time_to_live",
        ),
        (
            with(
                "content_card",
                json!({"type": "CAPTIONED_IMAGE", "title": "t", "description": "d", "time_to_live": 60}),
            ),
            "messages.content_card.image_url is required for a CAPTIONED_IMAGE card",
        ),
        (
            with(
                "content_card",
                json!({"type": "BANNER", "time_to_live": 60}),
            ),
            "messages.content_card.image_url is required for a BANNER card",
        ),
        (
            with(
                "content_card",
                json!({"type": "CLASSIC", "description": "d", "time_to_live": 60}),
            ),
            "messages.content_card.title is required for a CLASSIC card",
        ),
        (
            with(
                "content_card",
                json!({"type": "CLASSIC", "title": "t", "description": "d", "time_to_live": 60, "expire_in_local_time": true}),
            ),
            "messages.content_card.expire_in_local_time is only allowed with expire_at",
        ),
        (
            with(
                "content_card",
                json!({"type": "CLASSIC", "title": "t", "description": "d", "expire_at": "2099-01-01T00:00:00Z"}),
            ),
            "messages.content_card.expire_at \"2099-01-01T00:00:00Z\" is more than 30 days away",
        ),
        (
            with(
                "content_card",
                json!({"type": "CLASSIC", "title": "t", "description": "d", "expire_at": "tomorrow"}),
            ),
            "messages.content_card.expire_at \"tomorrow\" is not an ISO 8601 date-time",
        ),
        (
            with(
                "content_card",
                json!({"type": "SLIDEUP", "time_to_live": 60}),
            ),
            "messages.content_card.type: unknown variant `SLIDEUP`",
        ),
        // sms.
        (
            with("sms", json!({"subscription_group_id": "g", "app_id": "a"})),
            "messages.sms: missing field `body`",
        ),
        (
            with(
                "sms",
                json!({"subscription_group_id": "g", "body": "b", "app_id": "a", "user_click_tracking_enabled": true}),
            ),
            "messages.sms.user_click_tracking_enabled needs link_shortening_enabled: true",
        ),
        // whats_app: the envelope its message_type names reports the real field.
        (
            whats_app(
                "flow_response_message",
                json!({"body": "b", "flow_button": {"caption": "x".repeat(21), "flow_id": "f"}}),
            ),
            "messages.whats_app.message.flow_button.caption: longer than 20 characters",
        ),
        (
            whats_app("text_response_message", json!({"preview_url": true})),
            "messages.whats_app.message: missing field `body`",
        ),
        (
            whats_app("voice_note", json!({})),
            "messages.whats_app.message_type must be one of template_message, text_response_message, text_image_response_message, quick_reply_response_message, list_response_message, flow_response_message, carousel_response_message, not \"voice_note\"",
        ),
        (
            whats_app(
                "quick_reply_response_message",
                json!({"body": "b", "buttons": [{"text": "Yes"}], "header_text": "h", "header_image_uri": "https://x/y.png"}),
            ),
            "messages.whats_app.message.header_image_uri cannot be given with header_text",
        ),
        (
            whats_app(
                "list_response_message",
                json!({"body": "b", "list": {"list_button_text": "Pick", "list_sections": [{"section_title": "s", "list_rows": (0..11).map(|i| json!({"row_title": format!("r{i}")})).collect::<Vec<_>>()}]}}),
            ),
            "messages.whats_app.message.list.list_sections have 11 rows in all; Braze takes at most 10",
        ),
        (
            whats_app(
                "carousel_response_message",
                json!({"body": "b", "carousel_button_type": "quick_reply", "cards": [card("image")]}),
            ),
            "messages.whats_app.message.cards has 1 cards; Braze takes 2 to 10",
        ),
        (
            whats_app(
                "carousel_response_message",
                json!({"body": "b", "carousel_button_type": "quick_reply", "cards": [card("image"), card("video")]}),
            ),
            "messages.whats_app.message.cards[1].media_type must be image",
        ),
        (
            whats_app("text_response_message", json!({"body": null})),
            "messages.whats_app.message.body: null is not allowed",
        ),
        // null for any declared field, down into the channel objects.
        (
            with(
                "android_push",
                json!({"alert": "a", "title": "t", "buttons": [{"text": "b", "action": null}]}),
            ),
            "messages.android_push.buttons[0].action: null is not allowed",
        ),
        (
            with(
                "email",
                json!({"app_id": "a", "from": "f@example.com", "body": "b", "attachments": [{"file_name": null, "url": "u"}]}),
            ),
            "messages.email.attachments[0].file_name: null is not allowed",
        ),
        (
            json!({"external_user_ids": users, "schedule": later, "messages": null}),
            "messages: null is not allowed",
        ),
    ]
}

#[tokio::test]
async fn each_create_rule_is_a_400_naming_the_field() {
    let h = start(Config::new()).await;
    let mut wrong = Vec::new();
    for (body, expected) in refused_creates() {
        let (status, text) = status_and_message(h.post(CREATE_MESSAGE, body.clone()).await).await;
        if status != 400 || !text.starts_with(expected) {
            wrong.push(format!(
                "{body}\n  got: {status} {text}\n  expected: {expected}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        h.server.schedules().is_empty(),
        "a refused create stored something"
    );
}

#[tokio::test]
async fn each_update_rule_is_a_400_and_changes_nothing() {
    let h = start(Config::new()).await;
    let plain = h
        .server
        .add_message_schedule(
            serde_json::from_value(json!({"time": LATER})).unwrap(),
            messages(json!({"apple_push": {"alert": "a"}})),
        )
        .schedule_id()
        .clone();
    let mut body = message_create(LATER);
    body["campaign_id"] = json!("api-campaign");
    body["messages"]["apple_push"]["message_variation_id"] = json!("ios-1");
    let tracked = create(&h, body).await;
    let before = h.server.schedules();

    let cases = [
        (
            json!({"schedule_id": plain}),
            "schedule or messages is required (or both): an update must change something",
        ),
        (
            json!({"schedule": {"time": LATER}}),
            "missing field `schedule_id`",
        ),
        (
            json!({"schedule_id": "", "schedule": {"time": LATER}}),
            "schedule_id must not be empty or blank",
        ),
        (
            json!({"schedule_id": plain, "schedule": {"time": "soon"}}),
            "schedule.time must be an ISO 8601 date-time",
        ),
        (
            json!({"schedule_id": plain, "messages": {}}),
            "No message to send: messages must have at least one of",
        ),
        (
            json!({"schedule_id": plain, "messages": {"android_push": {"alert": "a"}}}),
            "messages.android_push.title is required unless send_to_sync is true",
        ),
        (
            json!({"schedule_id": plain, "schedule": null}),
            "schedule: null is not allowed",
        ),
        // Created with a campaign: the new messages need their variations too.
        (
            json!({"schedule_id": tracked, "messages": {"apple_push": {"alert": "b"}}}),
            "Message Variant Unspecified: messages.apple_push.message_variation_id is required when the schedule was created with campaign_id api-campaign",
        ),
    ];
    for (body, expected) in cases {
        let (status, text) = status_and_message(h.post(UPDATE_MESSAGE, body.clone()).await).await;
        assert_eq!(status, 400, "{body}: {text}");
        assert!(
            text.starts_with(expected),
            "{body}\n  got: {text}\n  expected: {expected}"
        );
    }
    assert_eq!(
        h.server.schedules(),
        before,
        "a refused update changed something"
    );

    // With its variation, the update of the tracked schedule goes through.
    let update = json!({"schedule_id": tracked, "messages": {"apple_push": {"alert": "b", "message_variation_id": "ios-1"}}});
    assert_eq!(h.post(UPDATE_MESSAGE, update).await.status(), 200);
}

#[tokio::test]
async fn local_time_message_updates_close_once_the_time_passed_somewhere() {
    let h = start(Config::new()).await;
    // Local time two hours from the fake's now (UTC) has already passed at UTC+14.
    let soon = (h.now() + chrono::TimeDelta::hours(2))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let stored = h.server.add_message_schedule(
        serde_json::from_value(json!({"time": soon, "in_local_time": true})).unwrap(),
        messages(json!({"apple_push": {"alert": "a"}})),
    );
    for update in [
        json!({"schedule_id": stored.schedule_id(), "schedule": {"time": LATER}}),
        json!({"schedule_id": stored.schedule_id(), "messages": {"apple_push": {"alert": "b"}}}),
    ] {
        let (status, text) = status_and_message(h.post(UPDATE_MESSAGE, update).await).await;
        assert_eq!(status, 400);
        assert!(text.contains("can no longer be updated"), "{text}");
    }
    assert_eq!(
        h.server.schedule(stored.schedule_id().as_str()),
        Some(stored.clone())
    );
    // A delete is still taken.
    let delete = json!({"schedule_id": stored.schedule_id()});
    assert_eq!(h.post(DELETE_MESSAGE, delete).await.status(), 200);
}

#[tokio::test]
async fn the_docs_example_bodies_are_accepted() {
    let h = start(Config::new()).await;

    // §7's example, fixed where the notes say it is wrong (§17.7): a boolean broadcast,
    // arrays for the ids and the aliases, valid JSON for the messages. Two more fixes it
    // needs: its `schedule.time` is empty (a local time is given), and with its
    // `campaign_id` every message carries a `message_variation_id`.
    let example = json!({
        "broadcast": false,
        "external_user_ids": ["external_user_identifiers"],
        "user_aliases": [{"alias_name": "example_name", "alias_label": "example_label"}],
        "segment_id": "segment_identifiers",
        "audience": {
            "AND": [
                {"custom_attribute": {"custom_attribute_name": "eye_color", "comparison": "equals", "value": "blue"}},
                {"custom_attribute": {"custom_attribute_name": "favorite_foods", "comparison": "includes_value", "value": "pizza"}},
                {"OR": [
                    {"custom_attribute": {"custom_attribute_name": "last_purchase_time", "comparison": "less_than_x_days_ago", "value": 2}},
                    {"push_subscription_status": {"comparison": "is", "value": "opted_in"}},
                ]},
                {"email_subscription_status": {"comparison": "is_not", "value": "subscribed"}},
                {"last_used_app": {"comparison": "after", "value": "2019-07-22T13:17:55+0000"}},
            ]
        },
        "campaign_id": "campaign_identifier",
        "send_id": "send_identifier",
        "override_messaging_limits": false,
        "recipient_subscription_state": "subscribed",
        "schedule": {"time": "2031-05-24T21:30:00", "in_local_time": true, "at_optimal_time": true},
        "messages": {
            "apple_push": {"alert": "Your table is ready", "message_variation_id": "ios_variation"},
            "android_push": {"alert": "Your table is ready", "title": "Chez Ada", "message_variation_id": "android_variation"},
            "kindle_push": {"alert": "Your table is ready", "title": "Chez Ada", "message_variation_id": "kindle_variation"},
            "web_push": {"alert": "Your table is ready", "title": "Chez Ada", "message_variation_id": "web_variation"},
            "email": {"app_id": "app_identifier", "from": "Chez Ada <ada@example.com>", "subject": "Ready", "body": "<p>Your table is ready</p>", "message_variation_id": "email_variation"},
            "webhook": {"url": "https://example.com/hook", "request_method": "POST", "request_headers": {"Content-Type": "application/json"}, "body": {"table": 12}, "message_variation_id": "webhook_variation"},
            "content_card": {"type": "CLASSIC", "title": "Ready", "description": "Your table is ready", "time_to_live": 3600, "message_variation_id": "card_variation"},
        }
    });
    let schedule_id = create(&h, example).await;
    let stored = h.server.schedule(&schedule_id).unwrap();
    assert!(stored.targeting.audience);
    assert_eq!(stored.targeting.user_aliases, 1);
    assert_eq!(
        stored
            .messages
            .as_ref()
            .and_then(|m| m.webhook.as_ref())
            .map(|w| w.url.as_str()),
        Some("https://example.com/hook")
    );

    // §8's example as is, on a schedule made without a campaign (its Apple and Android
    // pushes carry no variation). Its time, 2017, is past: UTC times in the past are
    // accepted (the rules refuse no past UTC time).
    let plain = create(&h, message_create(LATER)).await;
    let example = json!({
        "schedule_id": plain,
        "schedule": {"time": "2017-05-24T20:30:36Z"},
        "messages": {
            "apple_push": {"alert": "Updated Message!", "badge": 1},
            "android_push": {"title": "Updated title!", "alert": "Updated message!"},
            "sms": {
                "subscription_group_id": "subscription_group_identifier",
                "message_variation_id": "message_variation_identifier",
                "body": "This is my SMS body.",
                "app_id": "app_identifier"
            }
        }
    });
    let response = h.post(UPDATE_MESSAGE, example.clone()).await;
    assert_eq!(response.status(), 200);
    let stored = h.server.schedule(&plain).unwrap();
    assert_eq!(stored.schedule.time.as_str(), "2017-05-24T20:30:36Z");
    assert_eq!(stored.messages, Some(messages(example["messages"].clone())));

    // The spec's own examples too.
    let create_example = json!({
        "external_user_ids": ["user-42"],
        "schedule": {"time": "2030-05-24T21:30:00Z"},
        "messages": {"apple_push": {"alert": "Your table is ready"}},
    });
    create(&h, create_example).await;
}

#[tokio::test]
async fn every_channel_and_shape_is_accepted_when_valid() {
    let h = start(Config::new()).await;
    let whats_app = |message_type: &str, message: Value| json!({"app_id": "a", "subscription_group_id": "g", "message_type": message_type, "message": message});
    let bodies = [
        json!({"apple_push": {"content-available": true, "extra": {"sync": true}}}),
        json!({"apple_push": {"alert": {"body": "b", "title": "t", "loc_args": ["x"]}, "asset_url": "https://x/y.png", "asset_file_type": "png", "apns_priority": 10, "relevance_score": 0.5, "buttons": [{"action_id": "ab_pb_yes"}]}}),
        json!({"android_push": {"send_to_sync": true, "extra": {"k": "v"}}}),
        // Braze reads an Android or Kindle priority out of -2..2 as 0: accepted.
        json!({"android_push": {"alert": "a", "title": "t", "priority": 3}, "kindle_push": {"alert": "a", "title": "t", "priority": -3}}),
        json!({"android_push": {"alert": "a", "title": "t", "time_to_live": 2_419_200, "conversation_data": {"shortcut_id": "s", "reply_person_id": "p", "messages": [{"text": "hi", "timestamp": 1, "person_id": "p"}], "persons": [{"id": "p", "name": "Ada"}]}}}),
        json!({"email": {"app_id": "a", "from": "f@example.com", "email_template_id": "template"}}),
        json!({"webhook": {"url": "https://example.com", "request_method": "GET", "body": "raw text"}}),
        json!({"content_card": {"type": "BANNER", "image_url": "https://x/y.png", "expire_at": (h.now() + chrono::TimeDelta::days(29)).to_rfc3339()}}),
        json!({"sms": {"subscription_group_id": "g", "body": "b", "app_id": "a", "media_items": ["https://x/y.png"], "link_shortening_enabled": true, "user_click_tracking_enabled": true}}),
        json!({"whats_app": whats_app("template_message", json!({"template_name": "t", "template_language_code": "en", "body_variables": {"0": "Ada"}}))}),
        json!({"whats_app": whats_app("text_image_response_message", json!({"image_uri": "https://x/y.png"}))}),
        json!({"whats_app": whats_app("flow_response_message", json!({"body": "b", "flow_button": {"caption": "x".repeat(20), "flow_id": "f"}}))}),
        json!({"whats_app": whats_app("carousel_response_message", json!({"body": "b", "carousel_button_type": "url", "cards": [
            {"media_uri": "m", "media_type": "video", "cta_url_button": {"display_text": "Go", "url": "https://x"}},
            {"media_uri": "m", "media_type": "video", "cta_url_button": {"display_text": "Go", "url": "https://x"}},
        ]}))}),
        // Channels the spec does not declare pass through beside a declared one.
        json!({"apple_push": {"alert": "a"}, "kakao": {"anything": true}}),
    ];
    for messages in bodies {
        let mut body = message_create(LATER);
        body["messages"] = messages;
        create(&h, body).await;
    }
}

#[tokio::test]
async fn permissions_are_per_operation() {
    let h = start(
        Config::new()
            .key("full-key", Permissions::all())
            .key(
                "campaigns-only",
                Permissions::only([
                    Permission::CampaignsTriggerScheduleCreate,
                    Permission::CampaignsTriggerScheduleDelete,
                ]),
            )
            .key("message-delete", Permission::MessagesScheduleDelete.into()),
    )
    .await;
    let create_body = message_create(LATER);
    let (status, text) = status_and_message(
        h.post_as("campaigns-only", CREATE_MESSAGE, create_body.clone())
            .await,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        text,
        "Access Denied: the API key lacks permission messages.schedule.create"
    );
    let update = json!({"schedule_id": "s", "schedule": {"time": LATER}});
    let (status, text) =
        status_and_message(h.post_as("message-delete", UPDATE_MESSAGE, update).await).await;
    assert_eq!(status, 403);
    assert!(text.ends_with("messages.schedule.update"), "{text}");
    let delete = json!({"schedule_id": "s"});
    let (status, text) = status_and_message(
        h.post_as("campaigns-only", DELETE_MESSAGE, delete.clone())
            .await,
    )
    .await;
    assert_eq!(status, 403);
    assert!(text.ends_with("messages.schedule.delete"), "{text}");
    assert!(h.server.schedules().is_empty());

    // The permitted calls go through; no key at all is a 401.
    assert_eq!(
        h.post_as("message-delete", DELETE_MESSAGE, delete)
            .await
            .status(),
        404
    );
    assert_eq!(
        h.post(CREATE_MESSAGE, create_body.clone()).await.status(),
        201
    );
    let anonymous = h
        .client
        .post(h.url(CREATE_MESSAGE))
        .json(&create_body)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(h.server.schedules().len(), 1);
}

#[tokio::test]
async fn rate_limits_and_faults_apply_as_to_every_endpoint() {
    let h = start(Config::new().rate_limit(3, Duration::from_secs(3600))).await;
    // An injected fault on the create path strikes before processing: nothing stored.
    h.server.inject(
        FaultRule::new(Fault::Status(503))
            .next(1)
            .on_path(CREATE_MESSAGE),
    );
    let response = h.post(CREATE_MESSAGE, message_create(LATER)).await;
    assert_eq!(response.status(), 503);
    assert!(h.server.schedules().is_empty());
    assert_eq!(h.server.fault_counts().status, 1);

    // Every answer carries the rate-limit headers, and the shared window runs out.
    let response = h.post(CREATE_MESSAGE, message_create(LATER)).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["x-ratelimit-limit"], "3");
    assert_eq!(response.headers()["x-ratelimit-remaining"], "1");
    let response = h.post(DELETE_MESSAGE, json!({"schedule_id": "s"})).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-ratelimit-remaining"], "0");
    let (status, text) =
        status_and_message(h.post(UPDATE_MESSAGE, json!({"schedule_id": "s"})).await).await;
    assert_eq!((status, text.as_str()), (429, "Rate Limited"));
    assert_eq!(h.server.schedules().len(), 1);
}

#[tokio::test]
async fn strict_mode_checks_the_campaign_of_a_message() {
    let h = start(Config::new().strict(true).campaign("api-campaign")).await;
    let mut body = message_create(LATER);
    body["messages"]["apple_push"]["message_variation_id"] = json!("v");
    // Without campaign_id there is nothing to check.
    create(&h, body.clone()).await;
    body["campaign_id"] = json!("typo-campaign");
    let (status, text) = status_and_message(h.post(CREATE_MESSAGE, body.clone()).await).await;
    assert_eq!((status, text.as_str()), (400, "Invalid Campaign ID"));
    body["campaign_id"] = json!("api-campaign");
    create(&h, body).await;
    assert_eq!(h.server.schedules().len(), 2);
}

#[tokio::test]
async fn broken_message_bodies_are_400_never_500() {
    let h = start(Config::new()).await;
    let bodies: [&[u8]; 8] = [
        b"",
        b"{",
        b"[]",
        b"null",
        b"{\"schedule_id\": }",
        b"{\"schedule_id\":\"s\"} trailing",
        b"{\"messages\": {\"whats_app\": 1}, \"schedule\": {\"time\": \"2031-01-01T00:00:00Z\"}}",
        b"{\"messages\": {\"apple_push\": {\"alert\": []}}, \"broadcast\": true, \"schedule\": {\"time\": \"2031-01-01T00:00:00Z\"}}",
    ];
    for path in [CREATE_MESSAGE, UPDATE_MESSAGE, DELETE_MESSAGE] {
        for body in bodies {
            let response = h
                .post_raw(path, Some("application/json"), body.to_vec())
                .await;
            let (status, text) = status_and_message(response).await;
            assert_eq!(
                status,
                400,
                "{path} {:?}: {text}",
                String::from_utf8_lossy(body)
            );
        }
    }
    let (_, text) = status_and_message(
        h.post_raw(CREATE_MESSAGE, Some("application/json"), bodies[6].to_vec())
            .await,
    )
    .await;
    assert_eq!(text, "messages.whats_app must be an object, not a number");
    assert!(h.server.schedules().is_empty());
}

#[tokio::test]
async fn adding_schedules_directly() {
    let h = start(Config::new()).await;
    let schedule: braze_mock::Schedule = serde_json::from_value(json!({"time": LATER})).unwrap();
    let bare = h
        .server
        .add_schedule(ScheduleKind::Message, "api-campaign", schedule.clone());
    assert_eq!(bare.owner_id(), None);
    assert_eq!(bare.campaign_id.as_deref(), Some("api-campaign"));
    assert_eq!(bare.messages, None);
    assert!(bare.targeting.broadcast);
    let full = h
        .server
        .add_message_schedule(schedule, messages(json!({"apple_push": {"alert": "a"}})));
    assert_eq!(full.campaign_id, None);
    // Both are message schedules: the message operations find them.
    for stored in [bare, full] {
        let delete = json!({"schedule_id": stored.schedule_id()});
        assert_eq!(h.post(DELETE_MESSAGE, delete).await.status(), 200);
    }
}
