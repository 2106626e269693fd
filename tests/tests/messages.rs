//! Scheduled messages with their content: every check refuses before anything is sent,
//! the retry rules of a create and an update, the 403 hints, and Braze's own examples.

use std::time::Duration;

use braze_sdk::messages::{
    AndroidPush, AppleAlert, AppleButton, ApplePush, CardExpiry, ContentCard, Email, PushButton,
    Sms, WebPush, from_json, whats_app,
};
use braze_sdk::{Client, CreateMessageSchedule, Error, Schedule, wire};
use braze_tests::{Reply, ScriptedServer, quick_retries};
use serde_json::json;

const KEY: &str = "messages-key-4d2a";

fn client(server: &ScriptedServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .endpoint_str(server.url())
        .retry_policy(quick_retries())
        .build()
        .expect("client")
}

fn later() -> Schedule {
    Schedule::parse("2030-05-24T21:30:00Z").unwrap()
}

/// The field an error names; panics on any other error.
fn field_of(error: Error) -> String {
    match error {
        Error::InvalidRequest { field, .. } => field,
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

type Case = (&'static str, fn(&Client) -> CreateMessageSchedule);

/// Each of Braze's documented rules, broken once, with the field the error must name.
fn broken_creates() -> Vec<Case> {
    vec![
        ("segment_id", |c| {
            c.create_message_schedule(later())
                .apple_push(ApplePush::new("hi"))
        }),
        ("segment_id", |c| {
            c.create_message_schedule(later())
                .broadcast(true)
                .apple_push(ApplePush::new("hi"))
        }),
        ("broadcast", |c| {
            c.create_message_schedule(later())
                .segment_id("segment_identifier")
                .apple_push(ApplePush::new("hi"))
        }),
        ("broadcast", |c| {
            c.create_message_schedule(later())
                .broadcast(true)
                .external_user_id("user-1")
                .apple_push(ApplePush::new("hi"))
        }),
        ("external_user_ids", |c| {
            c.create_message_schedule(later())
                .external_user_ids((0..51).map(|i| format!("user-{i}")))
                .apple_push(ApplePush::new("hi"))
        }),
        ("user_aliases", |c| {
            c.create_message_schedule(later())
                .external_user_ids((0..50).map(|i| format!("user-{i}")))
                .user_alias("alias-name", "alias-label")
                .apple_push(ApplePush::new("hi"))
        }),
        ("send_id", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .send_id("é-not-ascii")
                .apple_push(ApplePush::new("hi"))
        }),
        ("send_id", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .send_id("x".repeat(65))
                .apple_push(ApplePush::new("hi"))
        }),
        ("messages", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
        }),
        ("messages.apple_push.message_variation_id", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .campaign_id("campaign_identifier")
                .apple_push(ApplePush::new("hi"))
        }),
        ("messages.apple_push.alert", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .messages(
                    from_json(serde_json::from_str(r#"{"apple_push": {"badge": 1}}"#).unwrap())
                        .unwrap(),
                )
        }),
        ("messages.apple_push.alert", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .apple_push(ApplePush::background().content_available(false))
        }),
        ("messages.apple_push.badge", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .apple_push(ApplePush::new("hi").field("badge", json!(2)))
        }),
        ("messages.apple_push.asset_file_type", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .messages(
                    from_json(serde_json::from_str(r#"{"apple_push": {"alert": "hi", "asset_url": "https://example.com/a.png"}}"#).unwrap())
                        .unwrap(),
                )
        }),
        ("messages.apple_push.extra.aps", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .apple_push(ApplePush::new("hi").extra("aps", json!({})))
        }),
        ("messages.apple_push.extra", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .messages(
                    from_json(
                        serde_json::from_str(r#"{"apple_push": {"alert": "hi", "extra": [1]}}"#)
                            .unwrap(),
                    )
                    .unwrap(),
                )
        }),
        ("messages.apple_push", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .apple_push(ApplePush::new("x".repeat(1_950)))
        }),
        ("messages.apple_push.apns_priority", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .apple_push(ApplePush::new("hi").apns_priority(11))
        }),
        ("messages.apple_push.buttons[0].action", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .apple_push(
                    ApplePush::new("hi")
                        .category("app_category")
                        .button(AppleButton::new("go")),
                )
        }),
        ("messages.android_push", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .android_push(
                    AndroidPush::new("title", "x".repeat(3_990)).extra("k", json!("vvvvvvvvvv")),
                )
        }),
        ("messages.android_push.alert", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .messages(
                    from_json(
                        serde_json::from_str(
                            r#"{"android_push": {"send_to_sync": true, "alert": "hi"}}"#,
                        )
                        .unwrap(),
                    )
                    .unwrap(),
                )
        }),
        ("messages.android_push.title", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .messages(
                    from_json(
                        serde_json::from_str(r#"{"android_push": {"alert": "hi"}}"#).unwrap(),
                    )
                    .unwrap(),
                )
        }),
        ("messages.android_push.time_to_live", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .android_push(AndroidPush::new("t", "a").time_to_live(2_419_201))
        }),
        ("messages.android_push.buttons[0].uri", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .messages(from_json(serde_json::from_str(r#"{"android_push": {"title": "t", "alert": "a", "buttons": [{"text": "go", "action": "URI"}]}}"#).unwrap()).unwrap())
        }),
        ("messages.web_push.buttons[0].action", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .web_push(WebPush::new("t", "a").button(PushButton::new("go").deep_link("app://x")))
        }),
        ("messages.email.body", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .messages(
                    from_json(
                        serde_json::from_str(
                            r#"{"email": {"app_id": "a", "from": "A <a@example.com>"}}"#,
                        )
                        .unwrap(),
                    )
                    .unwrap(),
                )
        }),
        ("messages.content_card.expire_at", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .messages(from_json(serde_json::from_str(r#"{"content_card": {"type": "CLASSIC", "title": "t", "description": "d", "time_to_live": 60, "expire_at": "2030-05-25T00:00:00Z"}}"#).unwrap()).unwrap())
        }),
        ("messages.content_card.time_to_live", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .messages(from_json(serde_json::from_str(r#"{"content_card": {"type": "CLASSIC", "title": "t", "description": "d"}}"#).unwrap()).unwrap())
        }),
        ("messages.content_card.time_to_live", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .content_card(ContentCard::classic(
                    "t",
                    "d",
                    CardExpiry::after(Duration::from_secs(31 * 86_400)),
                ))
        }),
        ("messages.content_card.expire_at", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .messages(from_json(serde_json::json!({"content_card": {"type": "CLASSIC", "title": "t", "description": "d", "expire_at": "next week"}})).unwrap())
        }),
        ("messages.content_card.image_url", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .messages(
                    from_json(
                        serde_json::from_str(
                            r#"{"content_card": {"type": "BANNER", "time_to_live": 60}}"#,
                        )
                        .unwrap(),
                    )
                    .unwrap(),
                )
        }),
        ("messages.content_card.title", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .messages(from_json(serde_json::from_str(r#"{"content_card": {"type": "CLASSIC", "description": "d", "time_to_live": 60}}"#).unwrap()).unwrap())
        }),
        ("messages.content_card.expire_in_local_time", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .content_card(
                    ContentCard::classic("t", "d", CardExpiry::after(Duration::from_secs(60)))
                        .expire_in_local_time(true),
                )
        }),
        ("messages.sms.user_click_tracking_enabled", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .sms(Sms::new("app", "group", "hi").user_click_tracking(true))
        }),
        ("messages.whats_app.message.header_image_uri", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .whats_app(
                    whats_app::QuickReply::new("app", "group", "hi", ["Yes"])
                        .header_text("t")
                        .header_image_uri("https://example.com/a.png"),
                )
        }),
        ("messages.whats_app.message.flow_button.caption", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .whats_app(whats_app::Flow::new(
                    "app",
                    "group",
                    "hi",
                    "x".repeat(21),
                    "flow",
                ))
        }),
        ("schedule.time", |c| {
            // Passed in every time zone two days ago.
            let passed = (chrono::Utc::now() - chrono::Duration::days(2)).naive_utc();
            c.create_message_schedule(Schedule::local(passed))
                .external_user_id("user-1")
                .apple_push(ApplePush::new("hi"))
        }),
        ("messages.email.from", |c| {
            c.create_message_schedule(later())
                .external_user_id("user-1")
                .email(Email::html("app", "Chez Ada", "<p>Ready</p>"))
        }),
    ]
}

/// Every documented rule refuses its request with the field named, and nothing is sent.
#[tokio::test]
async fn every_check_refuses_before_sending() {
    let server = ScriptedServer::start([]).await;
    let client = client(&server);
    for (expected, make) in broken_creates() {
        let error = make(&client).await.expect_err(expected);
        assert_eq!(field_of(error), expected);
    }
    // The update's own rule: a schedule, messages, or both.
    let error = client
        .update_message_schedule("schedule_identifier")
        .await
        .expect_err("an empty update");
    assert_eq!(field_of(error), "schedule");
    let error = client
        .delete_message_schedule(" ")
        .await
        .expect_err("a blank id");
    assert_eq!(field_of(error), "schedule_id");
    assert!(server.received().is_empty(), "a refused request was sent");
}

/// The fixed form of each broken case is accepted: the checks refuse what they should,
/// not everything near it.
#[tokio::test]
async fn the_valid_neighbours_are_accepted() {
    let server = ScriptedServer::start([]).await;
    let client = client(&server);
    let base = || {
        client
            .create_message_schedule(later())
            .external_user_id("user-1")
    };
    let fine = [
        base().apple_push(ApplePush::background()),
        base().apple_push(ApplePush::with_alert(AppleAlert::new("hi").title("t"))),
        base().apple_push(ApplePush::new("x".repeat(1_800))),
        base()
            .campaign_id("campaign_identifier")
            .apple_push(ApplePush::new("hi").message_variation_id("v1")),
        base().android_push(AndroidPush::silent()),
        base().android_push(AndroidPush::new("t", "x".repeat(3_900))),
        base().email(Email::template("app", "A <a@example.com>", "template")),
        base().content_card(ContentCard::banner(
            "https://example.com/b.png",
            CardExpiry::at(chrono::Utc::now() + chrono::Duration::days(29)),
        )),
        base().sms(
            Sms::new("app", "group", "hi")
                .link_shortening(true)
                .user_click_tracking(true),
        ),
        base().whats_app(
            whats_app::Image::new("app", "group", "https://example.com/a.png").caption("c"),
        ),
        base()
            .send_id("x".repeat(64))
            .sms(Sms::new("app", "group", "hi")),
        base().android_push(AndroidPush::new("t", "a").priority(3)),
        client
            .create_message_schedule(Schedule::local(
                (chrono::Utc::now() + chrono::Duration::days(1)).naive_utc(),
            ))
            .external_user_id("user-1")
            .apple_push(ApplePush::new("hi")),
        client
            .create_message_schedule(later())
            .segment_id("segment_identifier")
            .broadcast(true)
            .apple_push(ApplePush::new("hi")),
        client
            .create_message_schedule(later())
            .external_user_id("user-1")
            .segment_id("segment_identifier")
            .apple_push(ApplePush::new("hi")),
    ];
    for request in fine {
        if let Err(error) = request.body() {
            panic!("{error}");
        }
    }
}

/// Braze has no idempotency key: a create that got a 503 may have scheduled the message,
/// so it is not repeated.
#[tokio::test]
async fn a_create_is_not_retried_after_a_503() {
    let server =
        ScriptedServer::start([Reply::json(503, json!({"message": "Service Unavailable"}))]).await;
    let error = client(&server)
        .create_message_schedule(later())
        .external_user_id("user-1")
        .apple_push(ApplePush::new("hi"))
        .await
        .expect_err("503");
    assert_eq!(server.received().len(), 1, "one request");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    let hint = error.hint().expect("a hint");
    assert!(hint.contains("may have gone through"), "{hint}");
}

#[tokio::test]
async fn an_update_after_a_503_succeeds_in_two() {
    let server = ScriptedServer::start([
        Reply::json(503, json!({"message": "Service Unavailable"})),
        Reply::success(),
    ])
    .await;
    let answer = client(&server)
        .update_message_schedule("schedule_identifier")
        .schedule(later())
        .await
        .expect("the retry succeeds");
    assert_eq!(answer.attempts(), 2);
    assert_eq!(server.received().len(), 2);
}

/// The 403 hint names the permission of the operation that was refused.
#[tokio::test]
async fn a_403_names_each_operations_permission() {
    let server = ScriptedServer::start(
        (0..3).map(|_| Reply::json(403, json!({"message": "Access Denied"}))),
    )
    .await;
    let client = client(&server);
    let create = client
        .create_message_schedule(later())
        .external_user_id("user-1")
        .apple_push(ApplePush::new("hi"))
        .await
        .expect_err("403");
    let update = client
        .update_message_schedule("s")
        .schedule(later())
        .await
        .expect_err("403");
    let delete = client.delete_message_schedule("s").await.expect_err("403");
    for (error, permission) in [
        (create, "messages.schedule.create"),
        (update, "messages.schedule.update"),
        (delete, "messages.schedule.delete"),
    ] {
        let hint = error.hint().expect("a hint");
        assert!(hint.contains(&format!("`{permission}`")), "{hint}");
    }
}

/// The update example of Braze's page, as it is; the create example, fixed where it
/// breaks the page's own field table (a string for `broadcast`, strings for the arrays,
/// a `messages` block that is not JSON).
#[test]
fn the_docs_examples_are_accepted() {
    let client = Client::new("k", braze_sdk::Instance::Us01).expect("client");
    let update_messages = from_json(
        serde_json::from_str(
            r#"{
            "apple_push": {"alert": "Updated Message!", "badge": 1},
            "android_push": {"title": "Updated title!", "alert": "Updated message!"},
            "sms": {
                "subscription_group_id": "subscription_group_identifier",
                "message_variation_id": "message_variation_identifier",
                "body": "This is my SMS body.",
                "app_id": "app_identifier"
            }
        }"#,
        )
        .expect("JSON"),
    )
    .expect("the update example's messages");
    let update = client
        .update_message_schedule("schedule_identifier")
        .schedule(Schedule::parse("2017-05-24T20:30:36Z").unwrap())
        .messages(update_messages)
        .body()
        .expect("the update example");
    assert_eq!(
        serde_json::to_value(&update).unwrap()["messages"]["android_push"]["title"],
        "Updated title!"
    );

    let create: wire::MessageScheduleCreateRequest = serde_json::from_value(json!({
        "broadcast": false,
        "external_user_ids": ["external_user_identifier"],
        "user_aliases": [{"alias_name": "example_name", "alias_label": "example_label"}],
        "segment_id": "segment_identifier",
        "campaign_id": "campaign_identifier",
        "send_id": "send_identifier",
        "override_messaging_limits": false,
        "recipient_subscription_state": "subscribed",
        "schedule": {"time": "2030-05-24T21:30:00Z", "in_local_time": false, "at_optimal_time": false},
        "messages": {
            "apple_push": {"alert": "Hi", "message_variation_id": "variation-ios"},
            "email": {"app_id": "app", "from": "A <a@example.com>", "body": "<p>Hi</p>",
                      "message_variation_id": "variation-email"}
        }
    }))
    .expect("the fixed create example reads as the spec's type");
    let messages = create.messages.clone().expect("messages");
    let request = client
        .create_message_schedule(Schedule::parse("2030-05-24T21:30:00Z").unwrap())
        .external_user_ids(create.external_user_ids.clone())
        .user_alias("example_name", "example_label")
        .segment_id("segment_identifier")
        .campaign_id("campaign_identifier")
        .send_id("send_identifier")
        .messages(messages);
    request
        .body()
        .expect("the fixed create example passes the checks");
}

/// A `messages` file's mistakes are named by their JSON path, WhatsApp's seven shapes
/// included.
#[test]
fn json_mistakes_name_their_path() {
    for (json, field) in [
        (
            json!({"apple_push": {"badge": "one"}}),
            "messages.apple_push.badge",
        ),
        (json!({"email": {"app_id": "a"}}), "messages.email"),
        (
            json!({"webhook": {"url": "u", "request_method": "PATCH"}}),
            "messages.webhook.request_method",
        ),
        (
            json!({"whats_app": {"app_id": "a", "subscription_group_id": "g", "message_type": "text_response_message", "message": {"body": 5}}}),
            "messages.whats_app.message.body",
        ),
        (
            json!({"whats_app": {"app_id": "a", "subscription_group_id": "g", "message_type": "selfie"}}),
            "messages.whats_app.message_type",
        ),
        (json!([1]), "messages"),
    ] {
        let error = from_json(json).expect_err(field);
        let text = error.to_string();
        assert_eq!(field_of(error), field, "{text}");
    }
}

/// Times given as text are read at once, and what Braze would refuse of them is refused
/// there, naming the field: no text reaches a request unread.
#[test]
fn schedule_text_is_refused_when_read() {
    for refused in [
        Schedule::parse("next tuesday"),
        Schedule::parse("2030-02-30T10:00:00Z"),
        Schedule::parse(""),
        Schedule::parse_local("2030-05-24T21:30:00Z"),
        Schedule::parse_optimal("2030-05-24T21:30:00+02:00"),
    ] {
        assert_eq!(field_of(refused.unwrap_err()), "schedule.time");
    }
}

/// Each of WhatsApp's seven message types, built with its own type, goes on the wire as
/// Braze's envelope of that type (its `message_type` the generated one) and is taken by
/// the fake, which reads it with the spec's types and applies Braze's rules.
#[tokio::test]
async fn every_whats_app_type_is_built_and_taken() {
    use whats_app::{CarouselCard, ListRow, ListSection, TemplateCard};
    let server = braze_mock::MockServer::start(braze_mock::Config::new().seed(5))
        .await
        .expect("fake");
    let client = Client::builder()
        .api_key(server.api_key())
        .endpoint_str(server.url())
        .build()
        .expect("client");
    let (app, group) = ("app_identifier", "subscription_group_identifier");
    let messages: [(&str, whats_app::WhatsApp); 7] = [
        (
            "template_message",
            whats_app::Template::new(app, group, "table_ready", "en_US")
                .body_variables(["Ada"])
                .carousel_cards([
                    TemplateCard::image("https://example.com/1.png").body_variables(["1"]),
                    TemplateCard::image("https://example.com/2.png").button_variable(0, "t/2"),
                ])
                .into(),
        ),
        (
            "text_response_message",
            whats_app::Text::new(app, group, "Ready")
                .preview_url(true)
                .into(),
        ),
        (
            "text_image_response_message",
            whats_app::Image::new(app, group, "https://example.com/t.png")
                .caption("Table 12")
                .into(),
        ),
        (
            "quick_reply_response_message",
            whats_app::QuickReply::new(app, group, "Coming?", ["Yes", "No"])
                .footer("Chez Ada")
                .into(),
        ),
        (
            "list_response_message",
            whats_app::List::new(app, group, "Tonight", "Menu")
                .section(
                    ListSection::new("Mains").row(ListRow::new("Risotto").description("Mushrooms")),
                )
                .section(ListSection::new("Desserts").row(ListRow::new("Tart")))
                .into(),
        ),
        (
            "flow_response_message",
            whats_app::Flow::new(app, group, "Book a table", "Book", "flow_identifier")
                .generate_custom_attribute(true)
                .into(),
        ),
        (
            "carousel_response_message",
            whats_app::Carousel::links(app, group, "Our dishes")
                .card(
                    CarouselCard::image("https://example.com/a.png")
                        .body_text("Risotto")
                        .link("Order", "https://example.com/a"),
                )
                .card(
                    CarouselCard::image("https://example.com/b.png")
                        .link("Order", "https://example.com/b"),
                )
                .into(),
        ),
    ];
    for (message_type, message) in messages {
        client
            .create_message_schedule(Schedule::utc(
                chrono::Utc::now() + chrono::Duration::days(1),
            ))
            .external_user_id("user-1")
            .whats_app(message)
            .await
            .unwrap_or_else(|e| panic!("{message_type}: {e}"));
        let sent = server.requests().last().cloned().expect("a request");
        let body = sent
            .body
            .as_ref()
            .and_then(|b| b.json())
            .expect("a JSON body");
        assert_eq!(body["messages"]["whats_app"]["message_type"], message_type);
    }
    assert_eq!(server.schedules().len(), 7);
    // The list's rows and the carousel's links went where Braze reads them.
    let list = &server.schedules()[4];
    let list = serde_json::to_value(&list.messages).unwrap();
    assert_eq!(
        list["whats_app"]["message"]["list"]["list_sections"][0]["list_rows"][0]["row_description"],
        "Mushrooms"
    );
    // A card's text is bounded by the spec, and said so with its place.
    let long = whats_app::Carousel::quick_replies(app, group, "b")
        .card(
            CarouselCard::image("u")
                .body_text("x".repeat(161))
                .button("a"),
        )
        .card(CarouselCard::image("u").button("a"));
    let error = client
        .create_message_schedule(later())
        .external_user_id("user-1")
        .whats_app(long)
        .body()
        .unwrap_err();
    assert_eq!(field_of(error), "messages.whats_app.message");
}

/// Each optional channel setter has a `set_` twin taking an `Option`: `Some` is the setter,
/// `None` leaves the field out, even after it was set.
#[test]
fn option_setters_set_and_clear_channel_fields() {
    let client = Client::builder()
        .api_key(KEY)
        .endpoint_str("http://127.0.0.1:9")
        .build()
        .expect("client");
    let body = |apple: ApplePush, text: whats_app::Text| {
        let body = client
            .create_message_schedule(later())
            .external_user_id("user-1")
            .apple_push(apple)
            .whats_app(text)
            .body()
            .expect("a valid body");
        serde_json::to_value(body).unwrap()["messages"].clone()
    };
    let (app, group) = ("app_identifier", "subscription_group_identifier");
    let plain = body(
        ApplePush::new("hi").sound("chime").apns_priority(5),
        whats_app::Text::new(app, group, "Ready").preview_url(true),
    );
    let twins = body(
        ApplePush::new("hi")
            .set_sound(Some("chime".into()))
            .set_apns_priority(Some(5))
            .badge(3)
            .set_badge(None),
        whats_app::Text::new(app, group, "Ready")
            .set_preview_url(Some(true))
            .message_variation_id("v")
            .set_message_variation_id(None),
    );
    assert_eq!(plain, twins);
    assert_eq!(plain["apple_push"]["sound"], "chime");
    assert!(plain["apple_push"].get("badge").is_none(), "{plain}");
    assert_eq!(plain["whats_app"]["message"]["preview_url"], true);
    assert!(plain["whats_app"].get("message_variation_id").is_none());
}
