//! What each operation puts on the wire, locked by insta snapshots: method, path and
//! query, every header (the key redacted), and the JSON body.

use braze_sdk::api::operations::Operation;
use braze_sdk::audience::custom_attribute;
use braze_sdk::messages::{
    AndroidPush, AppleAlert, AppleButton, ApplePush, CardExpiry, ContentCard, Email, KindlePush,
    PushButton, RecipientSubscriptionState, Sms, WebPush, Webhook, WebhookRequestMethod, whats_app,
};
use braze_sdk::wire;
use braze_sdk::{
    Attachment, Client, Recipient, Request, RequestPreview, RetryPolicy, Schedule,
    TransactionalRecipient,
};
use braze_tests::{Received, Reply, ScriptedServer};
use serde_json::json;

const KEY: &str = "wire-test-key-7f3a";

fn client(server: &ScriptedServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .endpoint_str(server.url())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client")
}

/// The only request the server received, after checking that it carried the key exactly
/// (the snapshot redacts it).
fn only_request(server: &ScriptedServer) -> Received {
    let mut received = server.received();
    assert_eq!(received.len(), 1, "exactly one request: {received:?}");
    let request = received.remove(0);
    assert_eq!(
        request.headers.get("authorization").map(String::as_str),
        Some(format!("Bearer {KEY}").as_str())
    );
    request
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        &regex_escape(concat!("braze-sdk/", env!("CARGO_PKG_VERSION"))),
        "braze-sdk/[version]",
    );
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = ".+*?()|[]{}^$\\".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

#[tokio::test]
async fn seed_delete_sends_the_documented_body() {
    let server = ScriptedServer::start([Reply::success()]).await;
    client(&server)
        .delete_campaign_schedule("campaign_identifier", "schedule_identifier")
        .await
        .expect("delete");
    let request = only_request(&server);
    // Byte for byte in meaning: the curl example's body, and nothing else.
    assert_eq!(
        request.json(),
        json!({"campaign_id": "campaign_identifier", "schedule_id": "schedule_identifier"})
    );
    assert_eq!(
        request.body.as_ref(),
        br#"{"campaign_id":"campaign_identifier","schedule_id":"schedule_identifier"}"#
    );
    settings().bind(|| insta::assert_json_snapshot!("delete_campaign_schedule", request.wire()));
}

#[tokio::test]
async fn create_campaign_schedule_wire() {
    let server = ScriptedServer::start([Reply::json(
        201,
        json!({"dispatch_id": "d-1", "schedule_id": "s-1", "message": "success"}),
    )])
    .await;
    let created = client(&server)
        .create_campaign_schedule(
            "campaign_identifier",
            Schedule::parse("2030-05-24T21:30:00Z").unwrap(),
        )
        .send_id("send_identifier")
        .recipient(
            Recipient::external_user_id("user-1").trigger_properties(json!({"coupon": "SPRING"})),
        )
        .recipient(Recipient::user_alias("alias-name", "alias-label"))
        .recipient(Recipient::email("ada@example.com", ["identified"]))
        .trigger_properties(json!({"campaign_wide": true}))
        .await
        .expect("create");
    assert_eq!(created.schedule_id.as_str(), "s-1");
    settings().bind(|| {
        insta::assert_json_snapshot!("create_campaign_schedule", only_request(&server).wire())
    });
}

#[tokio::test]
async fn update_campaign_schedule_wire() {
    // A local time must not have passed everywhere (a rule the SDK checks against the
    // clock), so it is a year from now, and the snapshot names it.
    let local = (chrono::Utc::now() + chrono::Duration::days(365))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let server = ScriptedServer::start([Reply::success()]).await;
    client(&server)
        .update_campaign_schedule(
            "campaign_identifier",
            "schedule_identifier",
            Schedule::parse_local(&local).unwrap(),
        )
        .await
        .expect("update");
    let request = only_request(&server);
    assert_eq!(request.json()["schedule"]["time"], json!(local));
    let mut settings = settings();
    settings.add_filter(&regex_escape(&local), "[local time, a year from now]");
    settings.bind(|| insta::assert_json_snapshot!("update_campaign_schedule", request.wire()));
}

#[tokio::test]
async fn create_canvas_schedule_wire() {
    let server = ScriptedServer::start([Reply::json(
        201,
        json!({"dispatch_id": "d-2", "schedule_id": "s-2", "message": "success"}),
    )])
    .await;
    client(&server)
        .create_canvas_schedule(
            "canvas_identifier",
            Schedule::optimal(chrono::NaiveDate::from_ymd_opt(2030, 5, 24).unwrap()),
        )
        .broadcast(true)
        .context(json!({"plan": "gold"}))
        .await
        .expect("create");
    settings().bind(|| {
        insta::assert_json_snapshot!("create_canvas_schedule", only_request(&server).wire())
    });
}

#[tokio::test]
async fn update_canvas_schedule_wire() {
    let server = ScriptedServer::start([Reply::success()]).await;
    client(&server)
        .update_canvas_schedule(
            "canvas_identifier",
            "schedule_identifier",
            Schedule::parse("2030-05-24T21:30:00Z").unwrap(),
        )
        .await
        .expect("update");
    settings().bind(|| {
        insta::assert_json_snapshot!("update_canvas_schedule", only_request(&server).wire())
    });
}

#[tokio::test]
async fn delete_canvas_schedule_wire() {
    let server = ScriptedServer::start([Reply::success()]).await;
    client(&server)
        .delete_canvas_schedule("canvas_identifier", "schedule_identifier")
        .await
        .expect("delete");
    settings().bind(|| {
        insta::assert_json_snapshot!("delete_canvas_schedule", only_request(&server).wire())
    });
}

#[tokio::test]
async fn list_scheduled_broadcasts_wire_sends_the_instant_in_utc() {
    let server = ScriptedServer::start([Reply::json(
        200,
        json!({"scheduled_broadcasts": [{
            "name": "Spring sale", "id": "c-1", "type": "Campaign", "tags": ["promo"],
            "next_send_time": "2030-05-24 21:30:00", "schedule_type": "local_time_zones"
        }]}),
    )])
    .await;
    let listed = client(&server)
        .list_scheduled_broadcasts(braze_sdk::rules::end_time("2030-09-01T00:00:00+02:00").unwrap())
        .await
        .expect("list");
    assert_eq!(listed.scheduled_broadcasts.len(), 1);
    let request = only_request(&server);
    // The instant, in UTC: no offset whose '+' an unencoded query would turn to a space.
    assert_eq!(
        request.query.as_deref(),
        Some("end_time=2030-08-31T22%3A00%3A00Z")
    );
    settings().bind(|| insta::assert_json_snapshot!("list_scheduled_broadcasts", request.wire()));
}

#[tokio::test]
async fn extra_fields_travel_in_the_body() {
    let server = ScriptedServer::start([Reply::success()]).await;
    client(&server)
        .delete_campaign_schedule("campaign_identifier", "schedule_identifier")
        .extra("reason", json!("operator request"))
        .await
        .expect("delete");
    assert_eq!(
        only_request(&server).json(),
        json!({
            "campaign_id": "campaign_identifier",
            "schedule_id": "schedule_identifier",
            "reason": "operator request"
        })
    );
}

/// One request of `operation`, as a user would build it. The match is exhaustive on
/// purpose: a new operation in the spec stops the build here until the SDK can make it.
fn request_of(client: &Client, operation: Operation) -> Box<dyn ErasedRequest<'_> + '_> {
    let schedule = || Schedule::parse("2030-05-24T21:30:00Z").unwrap();
    match operation {
        Operation::CreateCampaignSchedule => Box::new(
            client
                .create_campaign_schedule("campaign_identifier", schedule())
                .recipient(Recipient::external_user_id("user-1")),
        ),
        Operation::UpdateCampaignSchedule => Box::new(client.update_campaign_schedule(
            "campaign_identifier",
            "schedule_identifier",
            schedule(),
        )),
        Operation::DeleteCampaignSchedule => {
            Box::new(client.delete_campaign_schedule("campaign_identifier", "schedule_identifier"))
        }
        Operation::CreateCanvasSchedule => Box::new(
            client
                .create_canvas_schedule("canvas_identifier", schedule())
                .broadcast(true),
        ),
        Operation::UpdateCanvasSchedule => Box::new(client.update_canvas_schedule(
            "canvas_identifier",
            "schedule_identifier",
            schedule(),
        )),
        Operation::DeleteCanvasSchedule => {
            Box::new(client.delete_canvas_schedule("canvas_identifier", "schedule_identifier"))
        }
        Operation::ListScheduledBroadcasts => Box::new(client.list_scheduled_broadcasts(
            braze_sdk::rules::end_time("2030-09-01T00:00:00+02:00").unwrap(),
        )),
        Operation::CreateMessageSchedule => Box::new(
            client
                .create_message_schedule(schedule())
                .external_user_id("user-1")
                .apple_push(ApplePush::new("Your table is ready")),
        ),
        Operation::UpdateMessageSchedule => Box::new(
            client
                .update_message_schedule("schedule_identifier")
                .schedule(schedule()),
        ),
        Operation::DeleteMessageSchedule => {
            Box::new(client.delete_message_schedule("schedule_identifier"))
        }
        Operation::SendMessages => Box::new(
            client
                .send_messages()
                .external_user_id("user-1")
                .apple_push(ApplePush::new("Your table is ready")),
        ),
        Operation::TriggerCampaignSend => Box::new(
            client
                .trigger_campaign_send("campaign_identifier")
                .recipient(Recipient::external_user_id("user-1")),
        ),
        Operation::TriggerCanvasSend => Box::new(
            client
                .trigger_canvas_send("canvas_identifier")
                .recipient(Recipient::external_user_id("user-1")),
        ),
        Operation::CreateSendId => Box::new(
            client
                .create_send_id("campaign_identifier")
                .send_id("spring-sale"),
        ),
        Operation::SendTransactionalEmail => Box::new(client.send_transactional_email(
            "campaign identifier/1",
            braze_sdk::TransactionalRecipient::external_user_id("user-1"),
        )),
    }
}

/// A request of any operation: its preview, then sending it.
trait ErasedRequest<'a> {
    fn preview(&self) -> RequestPreview;
    fn send(self: Box<Self>) -> BoxFuture<'a>;
}

type BoxFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>;

impl<'a, R> ErasedRequest<'a> for R
where
    R: Request + Send + 'a,
{
    fn preview(&self) -> RequestPreview {
        Request::preview(self).expect("a valid request")
    }

    fn send(self: Box<Self>) -> BoxFuture<'a> {
        Box::pin(async move {
            assert!(Request::send(*self).await.is_ok(), "sent");
        })
    }
}

#[tokio::test]
async fn previews_match_what_goes_on_the_wire() {
    // One answer that every operation's response type reads.
    let answer = || {
        Reply::json(
            200,
            json!({"message": "success", "schedule_id": "s-1", "dispatch_id": "d-1",
                   "scheduled_broadcasts": []}),
        )
    };
    let server = ScriptedServer::start(Operation::ALL.map(|_| answer())).await;
    let client = client(&server);
    for operation in Operation::ALL {
        let request = request_of(&client, operation);
        let preview = request.preview();
        request.send().await;
        let received = server.received();
        let request = received.last().expect("a request");
        let spec = operation.spec();
        assert_eq!(preview.operation, spec.id);
        assert_eq!(preview.method, spec.method.as_str(), "{}", spec.id);
        assert!(
            spec.path_values(&request.path).is_some(),
            "{}: {} is not {}",
            spec.id,
            request.path,
            spec.path
        );
        assert_eq!(preview.method, request.method, "{}", spec.id);
        let path_and_query = match &request.query {
            Some(query) => format!("{}{}?{query}", server.url(), request.path),
            None => format!("{}{}", server.url(), request.path),
        };
        assert_eq!(preview.url, path_and_query, "{}", spec.id);
        assert_eq!(
            preview.body.clone().unwrap_or(serde_json::Value::Null),
            request.json(),
            "{}",
            spec.id
        );
        let previewed: Vec<&str> = preview.headers.iter().map(|(name, _)| *name).collect();
        for (name, value) in &preview.headers {
            let sent = request
                .headers
                .get(*name)
                .unwrap_or_else(|| panic!("{}: {name} not sent", spec.id));
            if *name == "authorization" {
                assert_eq!(value, "Bearer [redacted]");
            } else {
                assert_eq!(value, sent, "{}: {name}", spec.id);
            }
        }
        // Nothing the client sets is missing from the preview (the server and the
        // transport add their own: host, content-length...).
        for name in ["accept", "authorization", "content-type", "user-agent"] {
            assert_eq!(
                previewed.contains(&name),
                request.headers.contains_key(name),
                "{}: {name}",
                spec.id
            );
        }
    }
    assert_eq!(server.received().len(), Operation::ALL.len());
}

fn created() -> Reply {
    Reply::json(
        201,
        json!({"dispatch_id": "d-3", "schedule_id": "s-3", "message": "success"}),
    )
}

#[tokio::test]
async fn create_message_schedule_wire() {
    let server = ScriptedServer::start([created()]).await;
    let created = client(&server)
        .create_message_schedule(Schedule::parse("2030-05-24T21:30:00Z").unwrap())
        .external_user_ids(["user-1", "user-2"])
        .user_alias("alias-name", "alias-label")
        .segment_id("segment_identifier")
        .campaign_id("campaign_identifier")
        .send_id("send_identifier")
        .override_messaging_limits(true)
        .recipient_subscription_state(RecipientSubscriptionState::OptedIn)
        .apple_push(ApplePush::new("Your table is ready").message_variation_id("variation-ios"))
        .sms(
            Sms::new(
                "app_identifier",
                "subscription_group_identifier",
                "Table ready",
            )
            .message_variation_id("variation-sms"),
        )
        .await
        .expect("create");
    assert_eq!(created.schedule_id.as_str(), "s-3");
    settings().bind(|| {
        insta::assert_json_snapshot!("create_message_schedule", only_request(&server).wire())
    });
}

#[tokio::test]
async fn update_message_schedule_wire() {
    let server = ScriptedServer::start([Reply::success()]).await;
    client(&server)
        .update_message_schedule("schedule_identifier")
        .schedule(Schedule::parse("2030-05-24T20:30:36Z").unwrap())
        .android_push(AndroidPush::new("Updated title!", "Updated message!"))
        .await
        .expect("update");
    settings().bind(|| {
        insta::assert_json_snapshot!("update_message_schedule", only_request(&server).wire())
    });
}

#[tokio::test]
async fn delete_message_schedule_wire() {
    let server = ScriptedServer::start([Reply::success()]).await;
    client(&server)
        .delete_message_schedule("schedule_identifier")
        .await
        .expect("delete");
    let request = only_request(&server);
    assert_eq!(
        request.json(),
        json!({"schedule_id": "schedule_identifier"})
    );
    settings().bind(|| insta::assert_json_snapshot!("delete_message_schedule", request.wire()));
}

/// One create per channel, with every field of that channel set: a renamed or retyped
/// field shows in review as a snapshot change.
#[tokio::test]
async fn every_field_of_every_channel_on_the_wire() {
    let apple = ApplePush::with_alert(
        AppleAlert::new("Table 12 is ready")
            .title("Chez Ada")
            .title_loc_key("TITLE_KEY")
            .title_loc_args(["12"])
            .action_loc_key("ACTION_KEY")
            .loc_key("BODY_KEY")
            .loc_args(["Ada"])
            .sound("bell.caf"),
    )
    .badge(1)
    .sound("default")
    .content_available(false)
    .interruption_level(wire::ApplePushInterruptionLevel::TimeSensitive)
    .relevance_score(0.5)
    .expiry(
        chrono::DateTime::parse_from_rfc3339("2030-05-25T21:30:00Z")
            .unwrap()
            .to_utc(),
    )
    .custom_uri("https://example.com/tables/12")
    .use_webview(false)
    .message_variation_id("variation-ios")
    .notification_group_thread_id("tables")
    .asset(
        "https://example.com/table.png",
        wire::ApplePushAssetFileType::Png,
    )
    .collapse_id("table-12")
    .mutable_content(true)
    .send_to_most_recent_device_only(true)
    .category("ab_cat_accept_decline")
    .button(
        AppleButton::new("ab_pb_accept")
            .deep_link("ada://tables/12")
            .use_webview(false),
    )
    .button(AppleButton::new("ab_pb_decline").close())
    .apns_priority(10)
    .extra("table", json!(12));
    let android = AndroidPush::new("Chez Ada", "Your table is ready")
        .message_variation_id("variation-android")
        .notification_channel_id("tables")
        .priority(1)
        .android_priority(wire::AndroidPushAndroidPriority::High)
        .collapse_key("table")
        .sound("default")
        .custom_uri("https://example.com/tables/12")
        .use_webview(true)
        .summary_text("Table 12")
        .time_to_live(3_600)
        .notification_id(12)
        .push_icon_image_url("https://example.com/icon.png")
        .accent_color(0x00ff00)
        .send_to_most_recent_device_only(true)
        .button(
            PushButton::new("Menu")
                .uri("https://example.com/menu")
                .use_webview(true),
        )
        .conversation(
            serde_json::from_value(json!({
                "shortcut_id": "tables", "reply_person_id": "ada",
                "messages": [{"text": "Ready?", "timestamp": 1_900_000_000, "person_id": "ada"}],
                "persons": [{"id": "ada", "name": "Ada"}]
            }))
            .expect("a conversation"),
        )
        .extra("table", json!(12));
    let kindle = KindlePush::new("Chez Ada", "Your table is ready")
        .message_variation_id("variation-kindle")
        .priority(-1)
        .collapse_key("table")
        .sound("default")
        .custom_uri("https://example.com/tables/12")
        .extra("table", json!(12));
    let web = WebPush::new("Chez Ada", "Your table is ready")
        .message_variation_id("variation-web")
        .custom_uri("https://example.com/tables/12")
        .image_url("https://example.com/icon.png")
        .large_image_url("https://example.com/large.png")
        .require_interaction(true)
        .time_to_live(600)
        .send_to_most_recent_device_only(true)
        .button(PushButton::new("Open").uri("https://example.com"))
        .extra("table", json!(12));
    let email = Email::html(
        "app_identifier",
        "Chez Ada <table@example.com>",
        "<p>Ready.</p>",
    )
    .subject("Your table")
    .reply_to("host@example.com")
    .bcc("archive@example.com")
    .plaintext_body("Ready.")
    .preheader("Table 12 is ready")
    .message_variation_id("variation-email")
    .should_inline_css(true)
    .amp_body("<p>Ready.</p>")
    .extras("campaign", json!("tables"))
    .header("X-Table", "12")
    .attachment("menu.pdf", "https://example.com/menu.pdf")
    .attachment_with_credential("bill", "https://example.com/bill.pdf", "billing");
    let webhook = Webhook::new(
        WebhookRequestMethod::Post,
        "https://example.com/hooks/table",
    )
    .header("Content-Type", "application/json")
    .json_body(json!({"table": 12}))
    .message_variation_id("variation-webhook");
    // Braze takes an expiry at most 30 days away: a day from now, redacted in the snapshot.
    let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
    let card = ContentCard::captioned_image(
        "Your table",
        "Table 12 is ready",
        "https://example.com/table.png",
        CardExpiry::at(tomorrow),
    )
    .message_variation_id("variation-card")
    .pinned(true)
    .expire_in_local_time(false)
    .ios_uri("ada://tables/12")
    .android_uri("ada://tables/12")
    .web_uri("https://example.com/tables/12")
    .ios_use_webview(false)
    .android_use_webview(false)
    .uri_text("Open")
    .extra("table", json!(12));
    let sms = Sms::new(
        "app_identifier",
        "subscription_group_identifier",
        "Table ready",
    )
    .message_variation_id("variation-sms")
    .link_shortening(true)
    .user_click_tracking(true)
    .media_item(json!("https://example.com/table.png"));
    let whats_app = whats_app::Template::new(
        "app_identifier",
        "subscription_group_identifier",
        "table_ready",
        "en_US",
    )
    .message_variation_id("variation-whatsapp")
    .header_variable("Chez Ada")
    .body_variables(["Ada", "12"])
    .button_variable(0, "tables/12")
    .header_media_uri("https://example.com/header.png");

    let server = ScriptedServer::start((0..9).map(|_| created())).await;
    let client = client(&server);
    let create = || {
        client
            .create_message_schedule(Schedule::parse("2030-05-24T21:30:00Z").unwrap())
            .external_user_id("user-1")
    };
    create().apple_push(apple).await.expect("apple_push");
    create().android_push(android).await.expect("android_push");
    create().kindle_push(kindle).await.expect("kindle_push");
    create().web_push(web).await.expect("web_push");
    create().email(email).await.expect("email");
    create().webhook(webhook).await.expect("webhook");
    create().content_card(card).await.expect("content_card");
    create().sms(sms).await.expect("sms");
    create().whats_app(whats_app).await.expect("whats_app");
    let received = server.received();
    let channels = [
        "apple_push",
        "android_push",
        "kindle_push",
        "web_push",
        "email",
        "webhook",
        "content_card",
        "sms",
        "whats_app",
    ];
    assert_eq!(received.len(), channels.len());
    for (channel, request) in channels.iter().zip(&received) {
        let messages = &request.json()["messages"];
        assert_eq!(
            messages.as_object().map(|m| m.keys().collect::<Vec<_>>()),
            Some(vec![&channel.to_string()]),
            "only {channel}"
        );
        settings().bind(|| {
            insta::assert_json_snapshot!(
                format!("message_{channel}"),
                messages[channel],
                { ".expire_at" => "[a day from now]" }
            )
        });
    }
}

#[test]
fn request_schemas() {
    macro_rules! schema {
        ($name:literal, $type:ty) => {
            insta::assert_json_snapshot!(concat!("schema_", $name), schemars::schema_for!($type));
        };
    }
    schema!(
        "create_campaign_schedule",
        wire::CampaignScheduleCreateRequest
    );
    schema!(
        "update_campaign_schedule",
        wire::CampaignScheduleUpdateRequest
    );
    schema!(
        "delete_campaign_schedule",
        wire::CampaignScheduleDeleteRequest
    );
    schema!("create_canvas_schedule", wire::CanvasScheduleCreateRequest);
    schema!(
        "create_message_schedule",
        wire::MessageScheduleCreateRequest
    );
    schema!(
        "update_message_schedule",
        wire::MessageScheduleUpdateRequest
    );
    schema!(
        "delete_message_schedule",
        wire::MessageScheduleDeleteRequest
    );
    schema!("update_canvas_schedule", wire::CanvasScheduleUpdateRequest);
    schema!("delete_canvas_schedule", wire::CanvasScheduleDeleteRequest);
}

fn sent() -> Reply {
    Reply::json(201, json!({"dispatch_id": "d-4", "message": "success"}))
}

#[tokio::test]
async fn send_messages_wire() {
    let server = ScriptedServer::start([sent()]).await;
    let sent = client(&server)
        .send_messages()
        .external_user_ids(["user-1", "user-2"])
        .user_alias("alias-name", "alias-label")
        .override_frequency_capping(true)
        .recipient_subscription_state(RecipientSubscriptionState::Subscribed)
        .email(
            Email::html(
                "app_identifier",
                "Shop <shop@example.com>",
                "<p>Your order shipped.</p>",
            )
            .subject("Order 12345 shipped"),
        )
        .apple_push(ApplePush::new("Your order shipped"))
        .await
        .expect("send");
    assert_eq!(sent.dispatch_id(), Some("d-4"));
    settings().bind(|| insta::assert_json_snapshot!("send_messages", only_request(&server).wire()));
}

#[tokio::test]
async fn trigger_campaign_send_wire() {
    let server = ScriptedServer::start([sent()]).await;
    let sent = client(&server)
        .trigger_campaign_send("campaign_identifier")
        .send_id("send_identifier")
        .recipient(
            Recipient::external_user_id("user-1").trigger_properties(json!({"order": "12345"})),
        )
        .recipient(Recipient::email(
            "ada@example.com",
            ["identified", "most_recently_updated"],
        ))
        .trigger_properties(json!({"campaign_wide": true}))
        .attachment(Attachment::new(
            "invoice",
            "https://example.com/invoice-12345.pdf",
        ))
        .await
        .expect("send");
    assert_eq!(sent.dispatch_id(), Some("d-4"));
    settings().bind(|| {
        insta::assert_json_snapshot!("trigger_campaign_send", only_request(&server).wire())
    });
}

#[tokio::test]
async fn trigger_canvas_send_wire() {
    let server = ScriptedServer::start([sent()]).await;
    client(&server)
        .trigger_canvas_send("canvas_identifier")
        .audience(custom_attribute("plan").equals("gold"))
        .context(json!({"product_name": "shoes", "price": 79.99}))
        .await
        .expect("send");
    settings()
        .bind(|| insta::assert_json_snapshot!("trigger_canvas_send", only_request(&server).wire()));
}

#[tokio::test]
async fn create_send_id_wire() {
    let server = ScriptedServer::start([Reply::json(
        201,
        json!({"message": "success", "send_id": "spring-sale-2030"}),
    )])
    .await;
    client(&server)
        .create_send_id("campaign_identifier")
        .send_id("spring-sale-2030")
        .await
        .expect("create");
    settings()
        .bind(|| insta::assert_json_snapshot!("create_send_id", only_request(&server).wire()));
}

#[tokio::test]
async fn send_transactional_email_wire() {
    let server = ScriptedServer::start([Reply::json(
        201,
        json!({"dispatch_id": "d-5", "message": "success"}),
    )])
    .await;
    let sent = client(&server)
        .send_transactional_email(
            "campaign identifier/1",
            TransactionalRecipient::external_user_id("user-1")
                .attributes(json!({"first_name": "Ada", "email": "ada@example.com"})),
        )
        .external_send_id("b3JkZXItMTIzNDU=")
        .trigger_properties(json!({"order": "12345", "total": 79.99}))
        .await
        .expect("send");
    assert_eq!(sent.dispatch_id.as_deref(), Some("d-5"));
    settings().bind(|| {
        insta::assert_json_snapshot!("send_transactional_email", only_request(&server).wire())
    });
}
