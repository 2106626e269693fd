//! How the SDK handles each kind of answer: retries, rate limits, errors and their hints,
//! non-fatal errors, and checks that stop a request before it is sent.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use braze_sdk::{Client, Delivery, Error, Recipient, Schedule, TransportKind};
use braze_tests::{Reply, ScriptedServer, quick_retries};
use serde_json::json;

const KEY: &str = "behaviour-key-9c1e";

fn client(url: &str) -> Client {
    Client::builder()
        .api_key(KEY)
        .endpoint_str(url)
        .retry_policy(quick_retries())
        .build()
        .expect("client")
}

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// The key must not leak through an error, whichever way it is printed.
fn assert_no_key(error: &Error) {
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#?}"),
    ] {
        assert!(!text.contains(KEY), "key leaked: {text}");
    }
}

#[tokio::test]
async fn delete_is_retried_after_a_503() {
    let server = ScriptedServer::start([
        Reply::json(503, json!({"message": "Service Unavailable"})),
        Reply::success(),
    ])
    .await;
    let answer = client(server.url())
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect("delete succeeds on the second attempt");
    assert_eq!(answer.attempts(), 2);
    assert_eq!(server.received().len(), 2);
    let bodies: Vec<_> = server.received().iter().map(|r| r.json()).collect();
    assert_eq!(bodies[0], bodies[1], "the retry sends the same body");
}

#[tokio::test]
async fn create_is_not_retried_after_a_503() {
    let server = ScriptedServer::start([
        Reply::json(503, json!({"message": "Service Unavailable"})),
        Reply::json(201, json!({"schedule_id": "s-1"})),
    ])
    .await;
    let error = client(server.url())
        .create_campaign_schedule("c-1", Schedule::parse("2030-05-24T21:30:00Z").unwrap())
        .broadcast(true)
        .await
        .expect_err("a 503 on create is returned, not retried");
    assert_eq!(server.received().len(), 1);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.braze_message(), Some("Service Unavailable"));
    assert_eq!(error.delivery(), Delivery::Uncertain);
    assert!(error.is_retryable());
    let hint = error.hint().expect("hint");
    assert!(hint.contains("may have gone through"), "{hint}");
    assert_no_key(&error);
}

#[tokio::test]
async fn create_is_retried_when_it_never_reached_braze() {
    // Nothing listens on this port (bound, then closed): every attempt fails to connect.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let error = client(&format!("http://127.0.0.1:{port}"))
        .create_campaign_schedule("c-1", Schedule::parse("2030-05-24T21:30:00Z").unwrap())
        .broadcast(true)
        .await
        .expect_err("nothing listens");
    assert_eq!(error.attempts(), quick_retries().max_attempts);
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert!(!error.may_have_reached_braze());
    assert!(matches!(&error, Error::Transport(t) if t.kind == TransportKind::Connect));
    assert!(error.to_string().contains("could not connect"), "{error}");
    assert_no_key(&error);
}

#[tokio::test]
async fn a_429_waits_for_the_window_to_reset() {
    let reset = epoch_now() + 1;
    let server = ScriptedServer::start([
        Reply::json(429, json!({"message": "Rate Limited"})).rate_limit(10, 0, reset),
        Reply::success().rate_limit(10, 9, reset + 1),
    ])
    .await;
    let started = Instant::now();
    let answer = client(server.url())
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect("succeeds after the reset");
    let received = server.received();
    assert_eq!(received.len(), 2);
    // The retry's arrival against the reset instant itself: how long it waited depends on
    // where in its second the 429 came, the reset does not.
    assert!(
        received[1].received_at >= UNIX_EPOCH + Duration::from_secs(reset),
        "the retry waited for the reset at {reset}: it arrived at {:?}",
        received[1].received_at
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(answer.rate_limit().and_then(|r| r.remaining), Some(9));
}

#[tokio::test]
async fn a_429_is_retried_for_creates_too() {
    let server = ScriptedServer::start([
        Reply::json(429, json!({"message": "Rate Limited"})).header("Retry-After", 0),
        Reply::json(
            201,
            json!({"dispatch_id": "d", "schedule_id": "s-9", "message": "success"}),
        ),
    ])
    .await;
    let created = client(server.url())
        .create_campaign_schedule("c-1", Schedule::parse("2030-05-24T21:30:00Z").unwrap())
        .broadcast(true)
        .await
        .expect("429 means Braze did nothing, so a create may be repeated");
    assert_eq!(created.schedule_id.as_str(), "s-9");
    assert_eq!(created.status().as_u16(), 201);
    assert_eq!(created.rate_limited(), 1);
    assert_eq!(created.attempts(), 2);
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn a_429_beyond_the_longest_wait_is_returned_with_its_reset() {
    let reset = epoch_now() + 3_600;
    let server = ScriptedServer::start([
        Reply::json(429, json!({"message": "Rate Limited"})).rate_limit(250_000, 0, reset)
    ])
    .await;
    let error = client(server.url())
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect_err("an hour is longer than max_rate_limit_wait");
    assert_eq!(server.received().len(), 1);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(error.rate_limit().and_then(|r| r.reset), Some(reset));
    let hint = error.hint().expect("hint");
    assert!(
        hint.contains("resets at") && hint.contains("250000"),
        "{hint}"
    );
}

/// Against the fake's real limit (one request per one-second window): had the second
/// request gone out before the reset, the fake would have answered it 429.
#[tokio::test]
async fn a_spent_window_is_waited_out_before_sending() {
    let fake = braze_mock::MockServer::start(
        braze_mock::Config::new()
            .key(KEY, braze_mock::Permissions::all())
            .rate_limit(1, Duration::from_secs(1)),
    )
    .await
    .expect("the fake starts");
    let client = client(fake.url());
    // A clone shares the pacer: what the first call learnt holds for the second.
    let clone = client.clone();
    let end_time = chrono::Utc::now() + chrono::Duration::days(1);
    let first = client
        .list_scheduled_broadcasts(end_time)
        .await
        .expect("first");
    let reset = first.rate_limit().and_then(|r| r.reset).expect("a reset");
    assert_eq!(first.rate_limit().and_then(|r| r.remaining), Some(0));
    let second = clone
        .list_scheduled_broadcasts(end_time)
        .await
        .expect("second");
    assert_eq!(
        (second.attempts(), second.rate_limited()),
        (1, 0),
        "no 429 was spent"
    );
    let log = fake.requests();
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(200), Some(200)]
    );
    // The fake's clock is the system clock here (the default), as its rate limits are.
    assert!(
        log[1].received_at >= UNIX_EPOCH + Duration::from_secs(reset),
        "the second request waited for the reset at {reset}: {:?}",
        log[1].received_at
    );
}

#[tokio::test]
async fn rate_limit_headers_are_read_whatever_their_case() {
    let server = ScriptedServer::start([Reply::success()
        .header("X-RateLimit-Limit", 250_000)
        .header("X-RATELIMIT-REMAINING", 249_999)
        .header("x-ratelimit-reset", 1_900_000_000)])
    .await;
    let answer = client(server.url())
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect("delete");
    let figures = answer.rate_limit().expect("figures");
    assert_eq!(figures.limit, Some(250_000));
    assert_eq!(figures.remaining, Some(249_999));
    assert_eq!(figures.reset, Some(1_900_000_000));
}

#[tokio::test]
async fn a_401_says_to_check_the_key_and_instance() {
    let server =
        ScriptedServer::start([Reply::json(401, json!({"message": "Invalid API key"}))]).await;
    let error = client(server.url())
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect_err("401");
    assert_eq!(server.received().len(), 1, "a 401 is not retried");
    assert_eq!(error.braze_message(), Some("Invalid API key"));
    assert_eq!(error.delivery(), Delivery::Refused);
    assert!(!error.is_retryable());
    let hint = error.hint().expect("hint");
    assert!(
        hint.contains("API key") && hint.contains("instance"),
        "{hint}"
    );
    assert!(error.to_string().contains(&hint));
    assert_no_key(&error);
}

#[tokio::test]
async fn a_403_names_the_missing_permission() {
    let server = ScriptedServer::start([
        Reply::json(403, json!({"message": "Access Denied"})),
        Reply::json(403, json!({"message": "Access Denied"})),
    ])
    .await;
    let client = client(server.url());
    let error = client
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect_err("403");
    assert!(
        error
            .to_string()
            .contains("`campaigns.trigger.schedule.delete`"),
        "{error}"
    );
    let error = client
        .delete_canvas_schedule("v-1", "s-1")
        .await
        .expect_err("403");
    assert!(
        error
            .to_string()
            .contains("`canvas.trigger.schedule.delete`"),
        "{error}"
    );
    assert_no_key(&error);
}

#[tokio::test]
async fn an_html_502_is_an_error_with_a_snippet() {
    let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                <center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
    let server = ScriptedServer::start((0..4).map(|_| Reply::raw(502, "text/html", page))).await;
    let error = client(server.url())
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect_err("every attempt gets the proxy's page");
    assert_eq!(server.received().len(), 4, "a 502 is retried for a delete");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(error.attempts(), 4);
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}");
    };
    let snippet = api.body_snippet.as_deref().expect("snippet");
    assert!(snippet.contains("502 Bad Gateway"), "{snippet}");
    assert!(!snippet.contains('\n'));
    assert!(error.to_string().contains("non-JSON body"), "{error}");
}

#[tokio::test]
async fn non_fatal_errors_come_with_a_success() {
    let server = ScriptedServer::start([Reply::json(
        200,
        json!({"message": "success", "errors": ["recipient user-9 is not in the segment"]}),
    )])
    .await;
    let answer = client(server.url())
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect("success");
    assert_eq!(answer.message(), Some("success"));
    assert_eq!(
        answer.errors(),
        &[json!("recipient user-9 is not in the segment")]
    );
}

/// Braze answers `202 {"message": "queued"}` during maintenance: accepted, to be applied
/// later. It is a success, not retried; object-shaped `errors` (as `/users/track` gives)
/// come through as they are.
#[tokio::test]
async fn a_queued_202_is_a_success_and_object_errors_are_kept() {
    let error = json!({"type": "not in segment", "input_array": "recipients", "index": 0});
    let server = ScriptedServer::start([Reply::json(
        202,
        json!({"message": "queued", "errors": [error.clone()]}),
    )])
    .await;
    let answer = client(server.url())
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect("a queued answer is a success");
    assert_eq!(answer.status().as_u16(), 202);
    assert_eq!(answer.message(), Some("queued"));
    assert_eq!(answer.errors(), &[error]);
    assert_eq!(answer.attempts(), 1);
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn unknown_response_fields_are_tolerated() {
    let server = ScriptedServer::start([
        Reply::json(
            201,
            json!({
                "dispatch_id": "d-1", "schedule_id": "s-1", "message": "success",
                "send_id": "new-field", "nested": {"anything": [1, 2]}
            }),
        ),
        Reply::json(200, json!({"message": "success", "future": true})),
    ])
    .await;
    let client = client(server.url());
    let created = client
        .create_campaign_schedule("c-1", Schedule::parse("2030-05-24T21:30:00Z").unwrap())
        .broadcast(true)
        .await
        .expect("extra fields in a create answer");
    assert_eq!(created.dispatch_id.as_deref(), Some("d-1"));
    client
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect("extra fields in a delete answer");
}

#[tokio::test]
async fn a_success_with_a_broken_body_says_braze_accepted_it() {
    let server =
        ScriptedServer::start([Reply::raw(200, "application/json", "{\"message\": \"succ")]).await;
    let error = client(server.url())
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect_err("undecodable body");
    assert_eq!(server.received().len(), 1, "a 2xx is final, never repeated");
    assert!(matches!(error, Error::Decode(_)), "{error:?}");
    assert_eq!(error.delivery(), Delivery::Accepted);
    assert!(error.hint().expect("hint").contains("accepted"));
}

#[tokio::test]
async fn oversized_answers_are_refused() {
    let server = ScriptedServer::start([Reply::json(
        200,
        json!({"message": "success", "errors": ["x".repeat(4096)]}),
    )])
    .await;
    let client = Client::builder()
        .api_key(KEY)
        .endpoint_str(server.url())
        .max_response_bytes(1024)
        .build()
        .expect("client");
    let error = client
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect_err("over the cap");
    assert!(error.to_string().contains("1024-byte limit"), "{error}");
}

#[tokio::test]
async fn timeouts_are_retried_for_deletes_but_not_for_creates() {
    let slow = || Reply::success().delay(Duration::from_millis(600));
    let server = ScriptedServer::start([slow(), Reply::success(), slow()]).await;
    let client = Client::builder()
        .api_key(KEY)
        .endpoint_str(server.url())
        .timeout(Duration::from_millis(200))
        .retry_policy(quick_retries())
        .build()
        .expect("client");
    let answer = client
        .delete_campaign_schedule("c-1", "s-1")
        .await
        .expect("the second attempt answers in time");
    assert_eq!(answer.attempts(), 2);

    let error = client
        .create_campaign_schedule("c-1", Schedule::parse("2030-05-24T21:30:00Z").unwrap())
        .broadcast(true)
        .await
        .expect_err("a create that timed out may have gone through");
    assert_eq!(error.attempts(), 1);
    assert!(matches!(&error, Error::Transport(t) if t.kind == TransportKind::Timeout));
    assert_eq!(error.delivery(), Delivery::Uncertain);
    assert_eq!(server.received().len(), 3);
}

#[tokio::test]
async fn invalid_requests_send_nothing() {
    let server = ScriptedServer::start([]).await;
    let client = client(server.url());
    let schedule = || Schedule::parse("2030-05-24T21:30:00Z").unwrap();
    let cases: Vec<(&str, Result<_, Error>)> = vec![
        (
            "campaign_id",
            client.delete_campaign_schedule("", "s-1").await.map(drop),
        ),
        (
            "schedule_id",
            client.delete_campaign_schedule("c-1", "  ").await.map(drop),
        ),
        (
            "canvas_id",
            client.delete_canvas_schedule("\t", "s-1").await.map(drop),
        ),
        (
            "schedule.time",
            client
                .update_campaign_schedule(
                    "c-1",
                    "s-1",
                    Schedule::parse_local("2020-01-01T10:00").unwrap(),
                )
                .await
                .map(drop),
        ),
        (
            "broadcast",
            client
                .create_campaign_schedule("c-1", schedule())
                .broadcast(true)
                .recipient(Recipient::external_user_id("u"))
                .await
                .map(drop),
        ),
        (
            "recipients",
            client
                .create_canvas_schedule("v-1", schedule())
                .recipients((0..51).map(|i| Recipient::external_user_id(format!("u{i}"))))
                .await
                .map(drop),
        ),
        (
            "recipients[1]",
            client
                .create_campaign_schedule("c-1", schedule())
                .recipient(Recipient::external_user_id("u"))
                .recipient(two_identifiers())
                .await
                .map(drop),
        ),
        (
            "trigger_properties",
            client
                .create_campaign_schedule("c-1", schedule())
                .broadcast(true)
                .trigger_properties(json!("not an object"))
                .await
                .map(drop),
        ),
        (
            "end_time",
            braze_sdk::rules::end_time("soon")
                .map(drop)
                .map_err(Error::from),
        ),
        (
            "campaign_id",
            client
                .delete_campaign_schedule("c-1", "s-1")
                .extra("campaign_id", json!("other"))
                .await
                .map(drop),
        ),
    ];
    for (field, result) in cases {
        match result {
            Err(Error::InvalidRequest { field: got, reason }) => {
                assert_eq!(got, field, "{reason}");
                assert!(!reason.is_empty());
            }
            other => panic!("{field}: expected an invalid-request error, got {other:?}"),
        }
    }
    assert!(server.received().is_empty(), "nothing was sent");
}

/// A recipient read from JSON with two identifiers, which the checks must refuse.
fn two_identifiers() -> Recipient {
    let wire: braze_sdk::wire::Recipient =
        serde_json::from_value(json!({"external_user_id": "v", "braze_id": "b"}))
            .expect("valid JSON for the wire type");
    wire.into()
}
