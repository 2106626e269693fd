//! Each fault as a client sees it, what it does to the state, and replay by seed.

mod common;

use std::error::Error as _;
use std::time::{Duration, Instant};

use braze_mock::{Config, Fault, FaultKind, FaultRule};
use common::*;
use serde_json::{Value, json};

/// Whether an I/O error of this kind is somewhere in the error's chain of causes.
fn caused_by(error: &reqwest::Error, kind: std::io::ErrorKind) -> bool {
    let mut cause = error.source();
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && io.kind() == kind
        {
            return true;
        }
        cause = error.source();
    }
    false
}

fn delete_body(schedule_id: &str) -> Value {
    json!({"campaign_id": "c", "schedule_id": schedule_id})
}

#[tokio::test]
async fn status_faults_answer_json_and_leave_the_state_alone() {
    let h = start(Config::new()).await;
    let schedule_id = h.create_campaign("c", LATER).await;
    for code in [429u16, 500, 502, 503, 504] {
        h.server.inject(
            FaultRule::new(Fault::Status(code))
                .next(1)
                .on_path(DELETE_CAMPAIGN),
        );
        let response = h.post(DELETE_CAMPAIGN, delete_body(&schedule_id)).await;
        assert_eq!(response.status().as_u16(), code);
        let text = message(response).await;
        assert!(!text.is_empty());
        assert!(
            h.server.schedule(&schedule_id).is_some(),
            "{code} deleted it"
        );
    }
    assert_eq!(h.server.fault_counts().status, 5);
    let last = h.server.requests().pop().unwrap();
    assert_eq!(last.fault, Some(Fault::Status(504)));
    assert_eq!(last.status, Some(504));
    // The faults are spent: the delete goes through.
    assert_eq!(
        h.post(DELETE_CAMPAIGN, delete_body(&schedule_id))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn html_faults_are_not_json() {
    let h = start(Config::new()).await;
    h.server.inject(FaultRule::new(Fault::Html(502)).next(1));
    let response = h.post(CREATE_CAMPAIGN, campaign_create("c", LATER)).await;
    assert_eq!(response.status(), 502);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("<title>502 Bad Gateway</title>"), "{page}");
    assert!(serde_json::from_str::<Value>(&page).is_err());
    assert!(h.server.schedules().is_empty(), "the create was processed");
    assert_eq!(h.server.fault_counts().html, 1);
}

#[tokio::test]
async fn a_delay_outlasts_the_client_and_processes_nothing() {
    let h = start(Config::new()).await;
    h.server.inject(
        FaultRule::new(Fault::Delay(Duration::from_secs(3)))
            .next(1)
            .on_path(CREATE_CAMPAIGN),
    );
    let impatient = client(Duration::from_millis(300));
    let started = Instant::now();
    let error = impatient
        .post(h.url(CREATE_CAMPAIGN))
        .bearer_auth(h.server.api_key())
        .json(&campaign_create("c", LATER))
        .send()
        .await
        .expect_err("the client gives up");
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // Meanwhile the server answers other requests.
    assert_eq!(h.list("2030-01-01").await.status(), 200);
    assert!(h.server.schedules().is_empty());
    let delayed = &h.server.requests()[0];
    assert_eq!(delayed.fault, Some(Fault::Delay(Duration::from_secs(3))));
    assert_eq!(delayed.status, None);
    assert_eq!(h.server.fault_counts().delay, 1);
}

#[tokio::test]
async fn a_closed_connection_gets_no_answer() {
    let h = start(Config::new()).await;
    h.server.inject(FaultRule::new(Fault::Close).next(1));
    let error = h
        .client
        .post(h.url(CREATE_CAMPAIGN))
        .bearer_auth(h.server.api_key())
        .json(&campaign_create("c", LATER))
        .send()
        .await
        .expect_err("no answer");
    assert!(!error.is_timeout(), "{error:?}");
    assert!(
        !caused_by(&error, std::io::ErrorKind::ConnectionReset),
        "a close, not a reset: {error:?}"
    );
    assert!(h.server.schedules().is_empty());
    let entry = h.server.requests().pop().unwrap();
    assert_eq!((entry.status, entry.fault), (None, Some(Fault::Close)));
    // The next request, on a new connection, is fine.
    assert_eq!(
        h.post(CREATE_CAMPAIGN, campaign_create("c", LATER))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn a_reset_connection_reads_as_a_reset() {
    let h = start(Config::new()).await;
    h.server.inject(FaultRule::new(Fault::Reset).next(1));
    let error = h
        .client
        .post(h.url(CREATE_CAMPAIGN))
        .bearer_auth(h.server.api_key())
        .json(&campaign_create("c", LATER))
        .send()
        .await
        .expect_err("no answer");
    assert!(
        caused_by(&error, std::io::ErrorKind::ConnectionReset),
        "{error:?}"
    );
    assert!(h.server.schedules().is_empty());
    assert_eq!(h.server.fault_counts().reset, 1);
}

#[tokio::test]
async fn a_truncated_answer_comes_after_the_create_happened() {
    let h = start(Config::new()).await;
    h.server.inject(FaultRule::new(Fault::Truncated).next(1));
    let response = h.post(CREATE_CAMPAIGN, campaign_create("c", LATER)).await;
    assert_eq!(response.status(), 201);
    let declared: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(declared > 50, "the full length is announced: {declared}");
    let error = response.bytes().await.expect_err("the body is cut short");
    assert!(error.is_body() || error.is_decode(), "{error:?}");
    assert_eq!(h.server.schedules().len(), 1, "the create was applied");
    let entry = h.server.requests().pop().unwrap();
    assert_eq!(
        (entry.status, entry.fault),
        (Some(201), Some(Fault::Truncated))
    );
    assert_eq!(h.server.fault_counts().truncated, 1);
}

#[tokio::test]
async fn a_malformed_answer_comes_after_the_delete_happened() {
    let h = start(Config::new()).await;
    let schedule_id = h.create_campaign("c", LATER).await;
    h.server.inject(
        FaultRule::new(Fault::Malformed)
            .next(1)
            .on_path(DELETE_CAMPAIGN),
    );
    let response = h.post(DELETE_CAMPAIGN, delete_body(&schedule_id)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = response.bytes().await.expect("a complete answer");
    assert!(!body.is_empty());
    assert!(serde_json::from_slice::<Value>(&body).is_err(), "{body:?}");
    assert!(h.server.schedules().is_empty(), "the delete was applied");
    assert_eq!(h.server.fault_counts().malformed, 1);
}

#[tokio::test]
async fn rules_narrow_by_path_and_count_and_can_be_cleared() {
    let h = start(Config::new()).await;
    h.server.inject(
        FaultRule::new(Fault::Status(503))
            .next(2)
            .on_path(DELETE_CAMPAIGN),
    );
    assert_eq!(h.list("2030-01-01").await.status(), 200);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            h.post(DELETE_CAMPAIGN, delete_body("s"))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [503, 503, 404]);

    h.server.inject(FaultRule::new(Fault::Status(500)));
    assert_eq!(h.list("2030-01-01").await.status(), 500);
    assert_eq!(h.list("2030-01-01").await.status(), 500);
    h.server.clear_faults();
    assert_eq!(h.list("2030-01-01").await.status(), 200);
    assert_eq!(h.server.fault_counts().status, 4);
}

/// The statuses a sequence of requests gets under a seeded mix.
async fn statuses_under(seed: u64, requests: usize) -> (Vec<u16>, braze_mock::FaultCounts) {
    let rule = FaultRule::mix(
        0.5,
        [Fault::Status(500), Fault::Status(503), Fault::Html(502)],
    );
    let h = start(Config::new().seed(seed).fault(rule)).await;
    assert_eq!(h.server.seed(), seed);
    let mut statuses = Vec::new();
    for _ in 0..requests {
        statuses.push(
            h.post(DELETE_CAMPAIGN, delete_body("s"))
                .await
                .status()
                .as_u16(),
        );
    }
    (statuses, h.server.fault_counts())
}

#[tokio::test]
async fn the_same_seed_replays_the_same_faults() {
    let (first, first_counts) = statuses_under(2024, 60).await;
    let (again, again_counts) = statuses_under(2024, 60).await;
    assert_eq!(first, again);
    assert_eq!(first_counts, again_counts);
    let (other, _) = statuses_under(2025, 60).await;
    assert_ne!(first, other, "another seed, another sequence");
    // Roughly half fail, spread over the three kinds.
    let failed = first.iter().filter(|status| **status != 404).count() as u64;
    assert_eq!(failed, first_counts.total());
    assert!((15..=45).contains(&failed), "{failed} of 60 at p=0.5");
    for status in [500, 502, 503] {
        assert!(first.contains(&status), "{status} never drawn: {first:?}");
    }
}

#[tokio::test]
async fn a_mix_counts_each_kind() {
    let h = start(
        Config::new()
            .seed(3)
            .fault(FaultRule::mix(1.0, [Fault::Status(503), Fault::Malformed])),
    )
    .await;
    for _ in 0..30 {
        let response = h.post(DELETE_CAMPAIGN, delete_body("s")).await;
        let _ = response.bytes().await;
    }
    let counts = h.server.fault_counts();
    assert_eq!(counts.total(), 30);
    assert_eq!(
        counts.of(FaultKind::Status) + counts.of(FaultKind::Malformed),
        30
    );
    assert!(counts.status > 0 && counts.malformed > 0, "{counts:?}");
}

#[tokio::test]
async fn rules_read_from_text_behave_the_same() {
    let rule: FaultRule = "html504:next=1@/messages/scheduled_broadcasts"
        .parse()
        .unwrap();
    let h = start(Config::new().fault(rule)).await;
    assert_eq!(
        h.post(DELETE_CAMPAIGN, delete_body("s")).await.status(),
        404
    );
    let response = h.list("2030-01-01").await;
    assert_eq!(response.status(), 504);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("504 Gateway Timeout")
    );
}
