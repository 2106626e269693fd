//! Two rate-limit classes through one SDK client: deletes (the default pool) from a CSV,
//! and, at the same time, campaign creates to connected audiences (the broadcast limit).
//! Prints how long each kind took and how it ended.

use std::io::BufRead;
use std::sync::Arc;
use std::time::{Duration, Instant};

use braze_sdk::audience::custom_attribute;
use braze_sdk::pacing::{Ceiling, ClassLimits};
use braze_sdk::{Client, RetryPolicy, Schedule};
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// What to run.
pub struct Options {
    pub url: String,
    pub key: String,
    pub deletes_from: String,
    pub creates: usize,
    pub concurrency: usize,
    /// The broadcast limit the client is told of (the fake's), per window.
    pub broadcast_limit: u64,
    pub broadcast_window: Duration,
}

pub async fn run(options: Options) -> std::io::Result<()> {
    let client = Client::builder()
        .api_key(&options.key)
        .endpoint_str(&options.url)
        .retry_policy(RetryPolicy {
            max_rate_limit_wait: Duration::from_secs(120),
            ..RetryPolicy::default()
        })
        .broadcast_limits(ClassLimits {
            broadcast: Some(Ceiling {
                requests: options.broadcast_limit,
                window: options.broadcast_window,
            }),
            // Every create targets an audience of its own.
            per_audience: None,
        })
        .build()
        .map_err(std::io::Error::other)?;
    let rows: Vec<(String, String)> =
        std::io::BufReader::new(std::fs::File::open(&options.deletes_from)?)
            .lines()
            .skip(1)
            .map_while(Result::ok)
            .filter_map(|line| {
                let (campaign, schedule) = line.split_once(',')?;
                Some((campaign.to_owned(), schedule.to_owned()))
            })
            .collect();
    let started = Instant::now();
    let deletes = {
        let client = client.clone();
        let concurrency = options.concurrency;
        tokio::spawn(async move {
            let permits = Arc::new(Semaphore::new(concurrency));
            let mut tasks = JoinSet::new();
            for (campaign, schedule) in rows {
                let permit = Arc::clone(&permits).acquire_owned().await.expect("open");
                let client = client.clone();
                tasks.spawn(async move {
                    let _permit = permit;
                    client
                        .delete_campaign_schedule(campaign.as_str(), schedule.as_str())
                        .await
                        .is_ok()
                });
            }
            let (ok, failed) = tally(tasks).await;
            (ok, failed, started.elapsed())
        })
    };
    let creates = {
        let client = client.clone();
        let count = options.creates;
        tokio::spawn(async move {
            let permits = Arc::new(Semaphore::new(4));
            let mut tasks = JoinSet::new();
            for n in 0..count {
                let permit = Arc::clone(&permits).acquire_owned().await.expect("open");
                let client = client.clone();
                tasks.spawn(async move {
                    let _permit = permit;
                    client
                        .create_campaign_schedule(
                            "bench-campaign",
                            Schedule::parse("2030-05-24T21:30:00Z").unwrap(),
                        )
                        .audience(custom_attribute("cohort").equals(n as i64))
                        .await
                        .is_ok()
                });
            }
            let (ok, failed) = tally(tasks).await;
            (ok, failed, started.elapsed())
        })
    };
    let (deleted, deletes_failed, deletes_took) = deletes.await.map_err(std::io::Error::other)?;
    let (created, creates_failed, creates_took) = creates.await.map_err(std::io::Error::other)?;
    println!(
        "{}",
        json!({
            "deleted": deleted,
            "deletes_failed": deletes_failed,
            "deletes_s": deletes_took.as_secs_f64(),
            "created": created,
            "creates_failed": creates_failed,
            "creates_s": creates_took.as_secs_f64(),
        })
    );
    Ok(())
}

/// How many of the tasks succeeded and how many failed (a panicked task counts as failed).
async fn tally(mut tasks: JoinSet<bool>) -> (u64, u64) {
    let (mut ok, mut failed) = (0u64, 0u64);
    while let Some(done) = tasks.join_next().await {
        if done.unwrap_or(false) {
            ok += 1;
        } else {
            failed += 1;
        }
    }
    (ok, failed)
}
