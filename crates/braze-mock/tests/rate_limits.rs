//! Braze-style rate limiting: headers on every response, exact counts, 429 and reset.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use braze_mock::{Config, Fault, FaultRule, Permission};
use common::*;
use serde_json::json;

fn figures(response: &reqwest::Response) -> (u64, u64, u64) {
    let read = |name: &str| -> u64 {
        response
            .headers()
            .get(name)
            .unwrap_or_else(|| panic!("no {name} on a {}", response.status()))
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    (
        read("x-ratelimit-limit"),
        read("x-ratelimit-remaining"),
        read("x-ratelimit-reset"),
    )
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn every_response_carries_the_headers() {
    let h = start(
        Config::new()
            .key("k", braze_mock::Permissions::all())
            .key("list-only", Permission::MessagesScheduleBroadcasts.into())
            .max_body_bytes(100),
    )
    .await;
    let delete = json!({"campaign_id": "c", "schedule_id": "s"});
    let mut responses = vec![
        h.post(CREATE_CAMPAIGN, campaign_create("c", LATER)).await, // 201
        h.post(DELETE_CAMPAIGN, json!({})).await,                   // 400
        h.post_as("nope", DELETE_CAMPAIGN, delete.clone()).await,   // 401
        h.post_as("list-only", DELETE_CAMPAIGN, delete.clone())
            .await, // 403
        h.post(DELETE_CAMPAIGN, delete.clone()).await,              // 404 unknown schedule
        h.client.get(h.url("/nowhere")).send().await.unwrap(),      // 404 unknown path
        h.client.get(h.url(DELETE_CAMPAIGN)).send().await.unwrap(), // 405
        h.post(DELETE_CAMPAIGN, json!({"pad": "x".repeat(200)}))
            .await, // 413
        h.list("2030-01-01").await,                                 // 200
    ];
    h.server.inject(FaultRule::new(Fault::Status(503)).next(1));
    responses.push(h.post(DELETE_CAMPAIGN, delete.clone()).await);
    h.server.inject(FaultRule::new(Fault::Html(502)).next(1));
    responses.push(h.post(DELETE_CAMPAIGN, delete.clone()).await);
    h.server.inject(FaultRule::new(Fault::Malformed).next(1));
    responses.push(h.post(DELETE_CAMPAIGN, delete).await);

    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses,
        [201, 400, 401, 403, 404, 404, 405, 413, 200, 503, 502, 404]
    );
    // The broadcast create is counted in its own class, the minute one, not the hour's;
    // its headers give the tighter of the broadcast limit (250) and its audience's (10).
    let (limit, left, reset) = figures(&responses[0]);
    assert_eq!((limit, left), (10, 9));
    assert_eq!(reset % 60, 0, "a minute window resets on the clock minute");
    assert!(reset > now_secs() - 1 && reset <= now_secs() + 60);
    let mut remaining = Vec::new();
    for response in &responses[1..] {
        let (limit, left, reset) = figures(response);
        assert_eq!(limit, 250_000);
        assert_eq!(reset % 3600, 0, "an hour window resets on the clock hour");
        assert!(reset > now_secs() - 1 && reset <= now_secs() + 3600);
        remaining.push(left);
    }
    // Every other one was counted, once, in order (unless the clock hour turned).
    if figures(&responses[1]).2 == figures(responses.last().unwrap()).2 {
        let expected: Vec<u64> = (1..=11).map(|n| 250_000 - n).collect();
        assert_eq!(remaining, expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_are_exact_under_concurrency() {
    const LIMIT: u64 = 1_000_000;
    const TASKS: u64 = 64;
    const EACH: u64 = 25;
    // A window crossed mid-test would split the count; try again in the next one.
    for _attempt in 0..3 {
        let h = Arc::new(start(Config::new().rate_limit(LIMIT, Duration::from_secs(3600))).await);
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let h = Arc::clone(&h);
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    for i in 0..EACH {
                        let body =
                            json!({"campaign_id": "c", "schedule_id": format!("{task}-{i}")});
                        let response = h.post(DELETE_CAMPAIGN, body).await;
                        assert_eq!(response.status(), 404);
                        seen.push(figures(&response));
                    }
                    seen
                })
            })
            .collect();
        let mut seen = Vec::new();
        for task in tasks {
            seen.extend(task.await.unwrap());
        }
        let resets: BTreeSet<u64> = seen.iter().map(|(_, _, reset)| *reset).collect();
        if resets.len() > 1 {
            continue;
        }
        let counters = h.server.rate_limit_counters();
        let total = TASKS * EACH;
        assert_eq!(counters.used, total);
        assert_eq!(counters.total, total);
        assert_eq!(counters.remaining, LIMIT - total);
        assert_eq!(counters.limit, LIMIT);
        assert_eq!(counters.window, Duration::from_secs(3600));
        // Each request got its own place in the count: no two saw the same remaining.
        let remaining: BTreeSet<u64> = seen.iter().map(|(_, left, _)| *left).collect();
        let expected: BTreeSet<u64> = (LIMIT - total..LIMIT).collect();
        assert_eq!(remaining, expected);
        return;
    }
    panic!("three attempts in a row crossed a window boundary");
}

#[tokio::test]
async fn over_the_limit_is_429_until_the_next_window() {
    let h = start(Config::new().rate_limit(3, Duration::from_secs(1))).await;
    let delete = json!({"campaign_id": "c", "schedule_id": "s"});
    for _attempt in 0..5 {
        // Start just after a second begins, so the four requests share a window.
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        tokio::time::sleep(Duration::from_nanos(
            1_020_000_000 - u64::from(now.subsec_nanos()),
        ))
        .await;

        let mut answers = Vec::new();
        for _ in 0..4 {
            let response = h.post(DELETE_CAMPAIGN, delete.clone()).await;
            let (_, left, reset) = figures(&response);
            answers.push((
                response.status().as_u16(),
                left,
                reset,
                message(response).await,
            ));
        }
        let window = answers[0].2;
        if answers.iter().any(|answer| answer.2 != window) {
            continue; // the second turned mid-way: try again
        }
        let summary: Vec<(u16, u64)> = answers.iter().map(|a| (a.0, a.1)).collect();
        assert_eq!(summary, [(404, 2), (404, 1), (404, 0), (429, 0)]);
        assert_eq!(answers[3].3, "Rate Limited");
        let counters = h.server.rate_limit_counters();
        if counters.reset == window {
            assert_eq!((counters.used, counters.remaining), (4, 0));
        }

        // The next window starts afresh.
        let wait = (window * 1000).saturating_sub(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis() as u64,
        );
        tokio::time::sleep(Duration::from_millis(wait + 20)).await;
        let response = h.post(DELETE_CAMPAIGN, delete.clone()).await;
        let (limit, left, reset) = figures(&response);
        assert_eq!(response.status(), 404);
        assert_eq!((limit, left), (3, 2));
        assert!(reset > window);
        return;
    }
    panic!("could not fit four requests in one second");
}

#[tokio::test]
async fn an_injected_429_looks_like_a_real_one() {
    let h = start(Config::new()).await;
    h.server.inject(FaultRule::new(Fault::Status(429)).next(1));
    let response = h
        .post(
            DELETE_CAMPAIGN,
            json!({"campaign_id": "c", "schedule_id": "s"}),
        )
        .await;
    assert_eq!(response.status(), 429);
    assert_eq!(figures(&response).1, 0);
    assert_eq!(message(response).await, "Rate Limited");
    // The real count went on: the next answer shows it.
    let response = h
        .post(
            DELETE_CAMPAIGN,
            json!({"campaign_id": "c", "schedule_id": "s"}),
        )
        .await;
    assert_eq!(figures(&response).1, 250_000 - 2);
}
