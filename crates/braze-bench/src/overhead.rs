//! What the SDK costs on top of the network: sequential deletes against the fake server
//! on loopback, through `braze-sdk` and through a minimal hand-written reqwest call with
//! the same client settings, in alternating runs.

use std::time::{Duration, Instant};

use braze_mock::{Config, MockServer, Schedule, ScheduleKind};
use braze_sdk::{Client, RetryPolicy};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Serialize)]
struct Body<'a> {
    campaign_id: &'a str,
    schedule_id: &'a str,
}

#[derive(Deserialize)]
struct Answer {
    #[allow(dead_code)]
    message: Option<String>,
}

const CAMPAIGN: &str = "bench-campaign";

/// Which side to run: both (the comparison), or one alone (for a profiler).
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Side {
    Both,
    Sdk,
    Raw,
}

/// Runs `pairs` pairs of `requests` sequential deletes (SDK, then raw) and prints JSON.
pub async fn run(requests: usize, pairs: usize, side: Side) -> std::io::Result<()> {
    let server = MockServer::start(
        Config::new()
            .log_capacity(0)
            .worker_threads(1)
            .rate_limit(u64::MAX / 2, Duration::from_secs(3600)),
    )
    .await?;
    let sdk = Client::builder()
        .api_key(server.api_key())
        .endpoint_str(server.url())
        .retry_policy(RetryPolicy::none())
        .build()
        .map_err(std::io::Error::other)?;
    // The same settings the SDK gives its own client.
    let raw = reqwest::Client::builder()
        .timeout(braze_sdk::DEFAULT_TIMEOUT)
        .connect_timeout(braze_sdk::DEFAULT_CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(std::io::Error::other)?;
    let path = braze_sdk::api::operations::DELETE_CAMPAIGN_SCHEDULE.path;
    let endpoint = format!("{}{path}", server.url());
    let authorization = format!("Bearer {}", server.api_key());
    let user_agent = sdk.user_agent().to_owned();

    let seed = |server: &MockServer| -> Vec<String> {
        (0..requests)
            .map(|_| {
                let schedule = Schedule::builder()
                    .time("2030-05-24T21:30:00Z")
                    .try_into()
                    .expect("valid schedule");
                let stored = server.add_schedule(ScheduleKind::Campaign, CAMPAIGN, schedule);
                stored.schedule_id().as_str().to_owned()
            })
            .collect()
    };

    let (mut sdk_runs, mut raw_runs) = (Vec::new(), Vec::new());
    for _ in 0..pairs {
        if side != Side::Raw {
            let ids = seed(&server);
            let started = Instant::now();
            for id in &ids {
                sdk.delete_campaign_schedule(CAMPAIGN, id.as_str())
                    .await
                    .map_err(std::io::Error::other)?;
            }
            sdk_runs.push(started.elapsed().as_secs_f64());
        }
        if side == Side::Sdk {
            continue;
        }

        let ids = seed(&server);
        let started = Instant::now();
        for id in &ids {
            let body = serde_json::to_vec(&Body {
                campaign_id: CAMPAIGN,
                schedule_id: id,
            })
            .expect("json");
            let response = raw
                .post(&endpoint)
                .header("authorization", &authorization)
                .header("user-agent", &user_agent)
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .map_err(std::io::Error::other)?;
            let status = response.status();
            let bytes = response.bytes().await.map_err(std::io::Error::other)?;
            let _: Answer = serde_json::from_slice(&bytes).map_err(std::io::Error::other)?;
            if !status.is_success() {
                return Err(std::io::Error::other(format!(
                    "raw delete answered {status}"
                )));
            }
        }
        raw_runs.push(started.elapsed().as_secs_f64());
    }
    let mut ratios: Vec<f64> = sdk_runs.iter().zip(&raw_runs).map(|(s, r)| s / r).collect();
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    let median_ratio = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
    ratios.shrink_to_fit();
    println!(
        "{}",
        json!({
            "requests": requests,
            "pairs": pairs,
            "sdk_s": sdk_runs,
            "raw_s": raw_runs,
            "ratios": ratios,
            "median_ratio": median_ratio,
        })
    );
    server.shutdown().await;
    Ok(())
}
