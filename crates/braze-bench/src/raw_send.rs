//! The practical ceiling for a Rust client sending a campaign to a file of users: a bare
//! reqwest loop that streams an `external_user_id` CSV, groups 50 users per request (the
//! same batches as the CLI's bulk send) and sends them from N workers, with no checks,
//! retries, pacing or report.

use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

/// Users per request: Braze's cap, the rulebook's constant.
const BATCH: usize = braze_sdk::rules::MAX_USERS;

/// Sends every row of `file` to `campaign_id` and prints a JSON summary.
pub async fn run(
    url: &str,
    key: &str,
    file: &str,
    campaign_id: &str,
    concurrency: usize,
) -> std::io::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(std::io::Error::other)?;
    let path = braze_sdk::api::operations::TRIGGER_CAMPAIGN_SEND.path;
    let endpoint: Arc<str> = format!("{url}{path}").into();
    let authorization: Arc<str> = format!("Bearer {key}").into();
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));

    let started = Instant::now();
    let input = std::io::BufReader::new(std::fs::File::open(file)?);
    let mut lines = input.lines().skip(1);
    loop {
        let mut users = Vec::with_capacity(BATCH);
        for line in lines.by_ref().take(BATCH) {
            let line = line?;
            users.push(json!({"external_user_id": line.trim()}));
        }
        if users.is_empty() {
            break;
        }
        let rows = users.len() as u64;
        let body = serde_json::to_vec(&json!({"campaign_id": campaign_id, "recipients": users}))
            .map_err(std::io::Error::other)?;
        let permit = Arc::clone(&permits)
            .acquire_owned()
            .await
            .map_err(std::io::Error::other)?;
        let (client, endpoint, authorization) =
            (client.clone(), endpoint.clone(), authorization.clone());
        let (ok, failed) = (ok.clone(), failed.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let done = match client
                .post(&*endpoint)
                .header("authorization", &*authorization)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
            {
                Ok(response) => {
                    let success = response.status().is_success();
                    response.bytes().await.is_ok() && success
                }
                Err(_) => false,
            };
            let counter = if done { &ok } else { &failed };
            counter.fetch_add(rows, Ordering::Relaxed);
        });
    }
    // Every permit back means every request finished.
    let _all = permits
        .acquire_many(concurrency as u32)
        .await
        .map_err(std::io::Error::other)?;
    let elapsed = started.elapsed().as_secs_f64();
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    println!(
        "{}",
        json!({
            "rows": ok + failed,
            "ok": ok,
            "failed": failed,
            "elapsed_s": elapsed,
            "rows_per_s": (ok + failed) as f64 / elapsed,
        })
    );
    Ok(())
}
