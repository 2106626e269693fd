//! Micro-benchmarks of the SDK's own work per request, without the network: building and
//! checking a body, serializing it, and decoding answers. Each is paired with the same job
//! done by hand with serde_json, so the report shows what the SDK adds.
//!
//! Run: `cargo bench -p braze-sdk --bench requests`.

use std::hint::black_box;

use braze_sdk::{Client, Instance, RateLimit, Recipient, Schedule, wire};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

fn client() -> Client {
    Client::new("bench-key", Instance::Us01).expect("client")
}

fn build(c: &mut Criterion) {
    let client = client();
    let mut group = c.benchmark_group("build");
    group.bench_function("delete body, sdk (checked builder + serialize)", |b| {
        b.iter(|| {
            let request = client.delete_campaign_schedule(
                black_box("campaign_identifier"),
                black_box("schedule_identifier"),
            );
            serde_json::to_vec(&request.body().expect("valid")).expect("json")
        })
    });
    group.bench_function("delete body, by hand (json! + serialize)", |b| {
        b.iter(|| {
            let body = json!({
                "campaign_id": black_box("campaign_identifier"),
                "schedule_id": black_box("schedule_identifier"),
            });
            serde_json::to_vec(&body).expect("json")
        })
    });
    let recipients: Vec<Recipient> = (0..50)
        .map(|i| {
            Recipient::external_user_id(format!("user-{i}"))
                .trigger_properties(json!({"coupon": "SPRING", "rank": i}))
        })
        .collect();
    group.bench_function("create body with 50 recipients, sdk", |b| {
        b.iter(|| {
            let request = client
                .create_campaign_schedule(
                    "campaign_identifier",
                    Schedule::parse("2030-05-24T21:30:00Z").unwrap(),
                )
                .recipients(recipients.iter().cloned())
                .trigger_properties(json!({"campaign_wide": true}));
            serde_json::to_vec(&request.body().expect("valid")).expect("json")
        })
    });
    group.finish();
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    let success = br#"{"message":"success"}"#;
    let created = br#"{"dispatch_id":"dispatch_identifier","schedule_id":"schedule_identifier","message":"success"}"#;
    let error = br#"{"message":"Invalid Campaign ID","errors":["campaign_id is not valid"]}"#;
    group.bench_function("message response", |b| {
        b.iter(|| {
            serde_json::from_slice::<wire::MessageResponse>(black_box(success)).expect("json")
        })
    });
    group.bench_function("create response", |b| {
        b.iter(|| {
            serde_json::from_slice::<wire::ScheduleCreateResponse>(black_box(created))
                .expect("json")
        })
    });
    group.bench_function("error body", |b| {
        b.iter(|| serde_json::from_slice::<wire::ApiError>(black_box(error)).expect("json"))
    });
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "x-ratelimit-limit",
        http::HeaderValue::from_static("250000"),
    );
    headers.insert(
        "x-ratelimit-remaining",
        http::HeaderValue::from_static("249123"),
    );
    headers.insert(
        "x-ratelimit-reset",
        http::HeaderValue::from_static("1900000000"),
    );
    group.bench_function("rate-limit headers", |b| {
        b.iter(|| RateLimit::from_headers(black_box(&headers)))
    });
    group.finish();
}

criterion_group!(benches, build, decode);
criterion_main!(benches);
