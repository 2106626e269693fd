//! What `GET /messages/scheduled_broadcasts` lists: what is still to be sent, between now
//! and `end_time`. A schedule whose time has passed counts as sent
//! (`choices::is_listed`); local-time and optimal-time ones are listed until their
//! time has passed in every time zone (UTC-12 is the last to reach it).
//!
//! The times here are placed hours away from the fake's clock ([`braze_mock::Clock`]),
//! read from the server: never from the day the tests run on.

mod common;

use braze_mock::{Clock, Config, MockServer};
use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Utc};
use common::*;
use serde_json::{Value, json};

/// The `name`s of what a list answered, in order.
async fn listed_names(h: &Harness, end_time: &str) -> Vec<String> {
    let response = h.list(end_time).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("a JSON answer");
    body["scheduled_broadcasts"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|item| item["name"].as_str().expect("a name").to_owned())
        .collect()
}

fn name(schedule_id: &str) -> String {
    format!("API schedule {schedule_id}")
}

/// A naive wall-clock time, as a local or optimal-time send gives it.
fn wall(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Creates a campaign broadcast with this schedule object; returns its id.
async fn create(h: &Harness, schedule: Value) -> String {
    let response = h
        .post(
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "broadcast": true, "schedule": schedule}),
        )
        .await;
    assert_eq!(response.status(), 201, "create of {schedule}");
    let body: Value = response.json().await.expect("a JSON answer");
    body["schedule_id"]
        .as_str()
        .expect("a schedule_id")
        .to_owned()
}

#[tokio::test]
async fn a_past_utc_time_is_accepted_and_then_counts_as_sent() {
    let h = start(Config::new()).await;
    // Braze's own example time: accepted (`braze_api::rules::Rule::LocalTimePassed`: a past UTC time is not refused).
    let past = create(&h, json!({"time": "2017-05-24T21:30:00Z"})).await;
    assert!(h.server.schedule(&past).is_some(), "stored");
    // Listed neither up to Braze's example `end_time` nor later: it is not still to come.
    for end_time in ["2018-09-01", "2018-09-01T00:00:00-04:00", "2040-01-01"] {
        assert_eq!(
            listed_names(&h, end_time).await,
            Vec::<String>::new(),
            "{end_time}"
        );
    }
    // Still stored: it can be deleted like any other.
    let delete = json!({"campaign_id": "c", "schedule_id": past});
    assert_eq!(h.post(DELETE_CAMPAIGN, delete).await.status(), 200);
}

#[tokio::test]
async fn what_is_still_to_come_is_listed_and_what_has_passed_is_not() {
    let h = start(Config::new()).await;
    let now = h.now();
    let an_hour_ago = create(&h, json!({"time": utc(now - Duration::hours(1))})).await;
    let in_an_hour = create(&h, json!({"time": utc(now + Duration::hours(1))})).await;
    let later = create(&h, json!({"time": LATER})).await;
    assert_eq!(
        listed_names(&h, "2040-01-01").await,
        [name(&in_an_hour), name(&later)]
    );
    // `end_time` still bounds the list from above.
    let in_two_days = (now + Duration::days(2)).format("%Y-%m-%d").to_string();
    assert_eq!(listed_names(&h, &in_two_days).await, [name(&in_an_hour)]);
    assert!(
        h.server.schedule(&an_hour_ago).is_some(),
        "stored all the same"
    );
}

#[tokio::test]
async fn a_local_time_send_is_listed_until_its_time_has_passed_in_every_zone() {
    let h = start(Config::new()).await;
    let now = h.now().naive_utc();
    let local = |at: NaiveDateTime| json!({"time": wall(at), "in_local_time": true});
    // Passed at UTC and east of it, still to come at UTC-12 (in 10 hours).
    let some_zones = create(&h, local(now - Duration::hours(2))).await;
    // Passes at UTC-12 in an hour.
    let one_zone_left = create(&h, local(now - Duration::hours(11))).await;
    // Still to come everywhere.
    let to_come = create(&h, local(now + Duration::hours(15))).await;
    // Passed everywhere an hour ago: a create is refused, so it is stored directly.
    let passed = h
        .server
        .add_schedule(
            braze_mock::ScheduleKind::Campaign,
            "c",
            braze_mock::Schedule {
                at_optimal_time: None,
                in_local_time: Some(true),
                time: wall(now - Duration::hours(13)).parse().expect("a time"),
            },
        )
        .schedule_id()
        .clone();
    let listed = listed_names(&h, "2040-01-01").await;
    assert_eq!(
        listed,
        [name(&one_zone_left), name(&some_zones), name(&to_come)]
    );
    assert!(!listed.contains(&name(passed.as_str())));
}

#[tokio::test]
async fn an_optimal_time_send_is_listed_until_its_day_has_ended_in_every_zone() {
    let h = start(Config::new()).await;
    // The date it is now at UTC-12, the last zone to reach any date; read away from its
    // change (at 12:00 UTC), so that the fake's clock, read a moment later, agrees.
    let mut at_utc_minus_12 = h.now() - Duration::hours(12);
    while at_utc_minus_12.time() > NaiveTime::from_hms_opt(23, 59, 50).expect("a time") {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        at_utc_minus_12 = h.now() - Duration::hours(12);
    }
    let date_at_utc_minus_12 = at_utc_minus_12.date_naive();
    let midnight = date_at_utc_minus_12.and_hms_opt(0, 0, 0).expect("midnight");
    let optimal = |at: NaiveDateTime| json!({"time": wall(at), "at_optimal_time": true});
    // Its time of day has passed even at UTC-12, but users there may still get it today
    // (Braze ignores the time of day of an optimal-time send).
    let today = create(&h, optimal(midnight)).await;
    // Yesterday's, at UTC-12 too: over everywhere.
    let yesterday = create(&h, optimal(midnight - Duration::hours(12))).await;
    let listed = listed_names(&h, "2040-01-01").await;
    assert_eq!(listed, [name(&today)]);
    assert!(!listed.contains(&name(&yesterday)));
}

/// The clock moved ten years ahead of the system clock: what is a day away by the fake's
/// clock is listed, and stops being listed once the clock has moved past it, while the
/// rate-limit windows stay on the system clock.
#[tokio::test]
async fn moving_the_clock_moves_what_is_still_to_come() {
    const DAY: std::time::Duration = std::time::Duration::from_secs(86_400);
    let clock = Clock::system();
    clock.advance(3650 * DAY);
    let server = MockServer::start(Config::new().clock(clock.clone()))
        .await
        .expect("the server starts");
    let h = Harness {
        server,
        client: client(std::time::Duration::from_secs(10)),
    };
    let ahead = h.now();
    assert!(ahead > Utc::now() + Duration::days(3649), "{ahead}");

    let tomorrow = ahead + Duration::days(1);
    let id = create(&h, json!({"time": utc(tomorrow)})).await;
    let end_time = utc(ahead + Duration::days(7));
    assert_eq!(listed_names(&h, &end_time).await, [name(&id)]);
    // Stamped by the fake's clock: created ten years from today.
    let created_at = DateTime::<Utc>::from(h.server.schedule(&id).expect("stored").created_at);
    assert!(created_at >= ahead, "{created_at} < {ahead}");
    // A local time that is still to come by the system clock, but past everywhere by the
    // fake's, is refused.
    let local = (Utc::now() + Duration::days(2)).naive_utc();
    let refused = h
        .post(
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "broadcast": true, "schedule": {"time": wall(local), "in_local_time": true}}),
        )
        .await;
    assert_eq!(refused.status(), 400);

    // Two days on (the handle given to the config moves the server's clock): sent.
    clock.advance(2 * DAY);
    assert_eq!(listed_names(&h, &end_time).await, Vec::<String>::new());
    assert!(h.server.schedule(&id).is_some(), "stored all the same");

    // The log is stamped by the fake's clock; the rate-limit reset by the system clock,
    // which the client paces against: within the hour (the default window), not in ten years.
    let log = h.server.requests();
    let last = log.last().expect("logged");
    assert!(DateTime::<Utc>::from(last.received_at) >= tomorrow);
    let response = h.list(&end_time).await;
    let reset: i64 = response.headers()["x-ratelimit-reset"]
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("epoch seconds");
    let system_now = Utc::now().timestamp();
    assert!(
        (system_now..=system_now + 3600).contains(&reset),
        "reset {reset}, system clock {system_now}"
    );
}
