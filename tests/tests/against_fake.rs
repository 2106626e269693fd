//! The SDK against the fake Braze (`braze-mock`): the whole lifecycle, auth and
//! permissions, rate limits, retries, and every fault kind ending in a clear error.

use std::time::{Duration, Instant};

use braze_mock::{Config, Fault, FaultRule, MockServer, Permission, Permissions};
use braze_sdk::{Client, Delivery, Error, Recipient, RetryPolicy, Schedule};
use braze_tests::quick_retries;

fn client_for(server: &MockServer, key: &str) -> Client {
    Client::builder()
        .api_key(key)
        .endpoint_str(server.url())
        .retry_policy(quick_retries())
        .timeout(Duration::from_millis(500))
        .build()
        .expect("client")
}

fn client(server: &MockServer) -> Client {
    client_for(server, server.api_key())
}

fn tomorrow() -> Schedule {
    Schedule::utc(chrono::Utc::now() + chrono::Duration::days(1))
}

#[tokio::test]
async fn lifecycle_create_list_update_delete_then_delete_again_fails() {
    let server = MockServer::start(Config::new().seed(7))
        .await
        .expect("fake");
    let client = client(&server);

    let created = client
        .create_campaign_schedule("campaign-1", tomorrow())
        .recipient(Recipient::external_user_id("user-42"))
        .send_id("send-1")
        .await
        .expect("create");
    let schedule_id = created.schedule_id.clone();
    assert!(created.status().is_success());
    assert_eq!(created.message(), Some("success"));
    assert!(
        created
            .dispatch_id
            .as_deref()
            .is_some_and(|d| !d.is_empty())
    );
    assert_eq!(server.schedules().len(), 1);

    let end = (chrono::Utc::now() + chrono::Duration::days(3))
        .date_naive()
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let listed = client.list_scheduled_broadcasts(end).await.expect("list");
    assert_eq!(listed.scheduled_broadcasts.len(), 1);
    assert_eq!(
        listed.scheduled_broadcasts[0].id.as_deref(),
        Some("campaign-1")
    );

    let later = chrono::Utc::now() + chrono::Duration::days(2);
    client
        .update_campaign_schedule("campaign-1", schedule_id.clone(), Schedule::utc(later))
        .await
        .expect("update");
    let stored = server.schedule(schedule_id.as_str()).expect("still there");
    assert_eq!(stored.schedule.time.as_str(), Schedule::utc(later).time());
    assert_eq!(stored.updates, 1);

    let deleted = client
        .delete_campaign_schedule("campaign-1", schedule_id.clone())
        .await
        .expect("delete");
    assert_eq!(deleted.message(), Some("success"));
    assert!(server.schedules().is_empty());
    let rate = deleted.rate_limit().expect("figures on every answer");
    assert_eq!(rate.limit, Some(250_000));
    assert_eq!(rate.remaining, Some(250_000 - 4));

    let again = client
        .delete_campaign_schedule("campaign-1", schedule_id)
        .await
        .expect_err("it is gone");
    assert_eq!(again.status().map(|s| s.as_u16()), Some(404));
    assert!(
        again
            .braze_message()
            .is_some_and(|m| m.contains("not found")),
        "{again}"
    );
    assert_eq!(again.attempts(), 1, "a 4xx is not retried");
}

#[tokio::test]
async fn canvas_lifecycle_with_context() {
    let server = MockServer::start(Config::new()).await.expect("fake");
    let client = client(&server);
    let created = client
        .create_canvas_schedule("canvas-1", tomorrow())
        .broadcast(true)
        .context(serde_json::json!({"plan": "gold"}))
        .await
        .expect("create");
    client
        .delete_canvas_schedule("canvas-1", created.schedule_id.clone())
        .await
        .expect("delete");
    // A campaign delete of a Canvas schedule is refused.
    let created = client
        .create_canvas_schedule("canvas-1", tomorrow())
        .broadcast(true)
        .await
        .expect("create");
    let error = client
        .delete_campaign_schedule("canvas-1", created.schedule_id.clone())
        .await
        .expect_err("wrong kind");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(server.schedules().len(), 1);
}

#[tokio::test]
async fn unknown_keys_and_missing_permissions() {
    let server = MockServer::start(Config::new().key("admin-key", Permissions::all()).key(
        "create-only",
        Permission::CampaignsTriggerScheduleCreate.into(),
    ))
    .await
    .expect("fake");

    let stranger = client_for(&server, "not-a-key");
    let error = stranger
        .delete_campaign_schedule("c", "s")
        .await
        .expect_err("401");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert!(error.hint().expect("hint").contains("instance"));

    let limited = client_for(&server, "create-only");
    let error = limited
        .delete_campaign_schedule("c", "s")
        .await
        .expect_err("403");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403));
    let text = error.to_string();
    assert!(text.contains("campaigns.trigger.schedule.delete"), "{text}");
    assert!(
        !text.contains("create-only"),
        "the key is not echoed: {text}"
    );
}

#[tokio::test]
async fn a_spent_window_is_waited_out_and_the_calls_succeed() {
    // Broadcast creates draw from the broadcast limit, not the default pool.
    let server = MockServer::start(Config::new().broadcast_rate_limit(3, Duration::from_secs(1)))
        .await
        .expect("fake");
    let client = client(&server);
    let started = Instant::now();
    for i in 0..8 {
        client
            .create_campaign_schedule(format!("campaign-{i}"), tomorrow())
            .broadcast(true)
            .await
            .unwrap_or_else(|e| panic!("create {i}: {e}"));
    }
    assert_eq!(server.schedules().len(), 8);
    // 8 requests at 3 per second need at least two resets.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    let answered_429 = server
        .requests()
        .iter()
        .filter(|r| r.status == Some(429))
        .count();
    assert_eq!(answered_429, 0, "pacing waited instead of spending 429s");
}

#[tokio::test]
async fn an_injected_429_is_waited_out() {
    // A 429 says the window is spent until its reset: a short window keeps the wait short
    // (with Braze's hourly window the wait is longer than max_rate_limit_wait, and the 429
    // is returned instead; a_429_beyond_the_longest_wait_is_returned_with_its_reset).
    let server = MockServer::start(
        Config::new()
            .broadcast_rate_limit(250, Duration::from_secs(1))
            .audience_rate_limit(10, Duration::from_secs(1)),
    )
    .await
    .expect("fake");
    server.inject(FaultRule::new(Fault::Status(429)).next(1));
    let client = client(&server);
    let created = client
        .create_campaign_schedule("campaign-1", tomorrow())
        .broadcast(true)
        .await
        .expect("a 429 is retried even for a create");
    assert_eq!(created.rate_limited(), 1);
    assert_eq!(server.schedules().len(), 1, "exactly one schedule");
}

#[tokio::test]
async fn injected_503s_are_retried_for_delete_and_not_for_create() {
    let server = MockServer::start(Config::new()).await.expect("fake");
    let client = client(&server);
    let created = client
        .create_campaign_schedule("campaign-1", tomorrow())
        .broadcast(true)
        .await
        .expect("create");

    server.inject(FaultRule::new(Fault::Status(503)).next(2));
    let deleted = client
        .delete_campaign_schedule("campaign-1", created.schedule_id.clone())
        .await
        .expect("the third attempt gets through");
    assert_eq!(deleted.attempts(), 3);
    assert!(server.schedules().is_empty());

    server.inject(FaultRule::new(Fault::Status(503)).next(1));
    let error = client
        .create_campaign_schedule("campaign-1", tomorrow())
        .broadcast(true)
        .await
        .expect_err("a create is not repeated after a 503");
    assert_eq!(error.attempts(), 1);
    assert_eq!(error.delivery(), Delivery::Uncertain);
    assert!(
        server.schedules().is_empty(),
        "the fault struck before processing"
    );
}

/// Every fault kind, on a delete that cannot be retried: a clear error, quickly, never a
/// panic or a hang.
#[tokio::test]
async fn every_fault_kind_is_a_clear_error() {
    let server = MockServer::start(Config::new()).await.expect("fake");
    let client = Client::builder()
        .api_key(server.api_key())
        .endpoint_str(server.url())
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let cases: Vec<(Fault, &str)> = vec![
        (Fault::Status(500), "500"),
        (Fault::Status(502), "502"),
        (Fault::Status(503), "503"),
        (Fault::Status(504), "504"),
        (Fault::Html(502), "non-JSON body"),
        (
            Fault::Delay(Duration::from_secs(2)),
            "did not answer in time",
        ),
        (Fault::Close, "connection to Braze failed"),
        (Fault::Reset, "connection to Braze failed"),
        (Fault::Truncated, "could not be read"),
        (Fault::Malformed, "not the expected JSON"),
    ];
    for (fault, expected) in cases {
        let created = client
            .create_campaign_schedule("campaign-1", tomorrow())
            .broadcast(true)
            .await
            .expect("create");
        server.inject(FaultRule::new(fault.clone()).next(1));
        let started = Instant::now();
        let error = client
            .delete_campaign_schedule("campaign-1", created.schedule_id.clone())
            .await
            .expect_err("the fault is an error");
        let text = error.to_string();
        assert!(text.contains(expected), "{fault:?}: {text}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{fault:?} took {:?}",
            started.elapsed()
        );
        assert!(!text.contains(server.api_key()));
        // Faults before processing leave the schedule; corrupted answers follow a delete
        // that happened, and say Braze accepted it.
        let still_there = server.schedule(created.schedule_id.as_str()).is_some();
        match fault {
            Fault::Truncated | Fault::Malformed => {
                assert!(!still_there, "{fault:?}");
                assert_eq!(error.delivery(), Delivery::Accepted, "{fault:?}");
            }
            _ => {
                assert!(still_there, "{fault:?}");
                assert_ne!(error.delivery(), Delivery::Accepted, "{fault:?}");
            }
        }
        if let Error::Transport(_) = &error {
            assert!(error.is_retryable(), "{fault:?}");
        }
    }
}

/// A message with its content, through its whole life against the fake: create, listed,
/// update (schedule and messages), delete, no longer listed; a second delete is a 404.
#[tokio::test]
async fn a_message_schedule_from_create_to_delete() {
    use braze_sdk::messages::{AndroidPush, ApplePush};

    let server = MockServer::start(Config::new())
        .await
        .expect("the fake starts");
    let client = client(&server);
    // From now: the fake lists what is still to come by its clock, the system clock here.
    let end = (chrono::Utc::now() + chrono::Duration::days(3))
        .date_naive()
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let created = client
        .create_message_schedule(tomorrow())
        .external_user_id("user-42")
        .apple_push(ApplePush::new("Your table is ready").badge(1))
        .await
        .expect("created");
    assert_eq!(created.status().as_u16(), 201);
    let schedule_id = created.schedule_id.clone();
    let listed_ids = |list: &braze_sdk::wire::ScheduledBroadcastsResponse| {
        list.scheduled_broadcasts
            .iter()
            .filter_map(|b| b.id.clone())
            .collect::<Vec<_>>()
    };
    let listed = client.list_scheduled_broadcasts(end).await.expect("list");
    assert_eq!(listed_ids(&listed), [schedule_id.as_str()]);

    let later = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    client
        .update_message_schedule(schedule_id.clone())
        .schedule(Schedule::parse(later.as_str()).unwrap())
        .android_push(AndroidPush::new("Chez Ada", "Your table is ready"))
        .await
        .expect("updated");
    let stored = server.schedule(schedule_id.as_str()).expect("still stored");
    assert_eq!(stored.schedule.time.as_str(), later);
    let messages = stored.messages.expect("its messages");
    assert!(
        messages.android_push.is_some() && messages.apple_push.is_none(),
        "replaced whole"
    );

    client
        .delete_message_schedule(schedule_id.clone())
        .await
        .expect("deleted");
    let listed = client.list_scheduled_broadcasts(end).await.expect("list");
    assert!(listed_ids(&listed).is_empty(), "{listed:?}");
    let again = client
        .delete_message_schedule(schedule_id)
        .await
        .expect_err("gone");
    assert_eq!(again.status().map(|s| s.as_u16()), Some(404));
}

/// The fake refuses what the SDK would refuse, when the SDK is bypassed: a raw create with
/// a campaign and a message without its variation gets Braze's documented message.
#[tokio::test]
async fn the_fake_names_brazes_message_for_a_missing_variation() {
    let server = MockServer::start(Config::new())
        .await
        .expect("the fake starts");
    let error = client(&server)
        .raw(http::Method::POST, "/messages/schedule/create")
        .json(serde_json::json!({
            "external_user_ids": ["user-42"],
            "campaign_id": "campaign_identifier",
            "schedule": {"time": "2030-05-24T21:30:00Z"},
            "messages": {"apple_push": {"alert": "Hi"}}
        }))
        .await
        .expect_err("refused");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    let message = error.braze_message().unwrap_or_default();
    assert!(
        message.starts_with("Message Variant Unspecified"),
        "{message}"
    );
}
