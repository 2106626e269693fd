//! The practical ceiling for a Rust client: a bare reqwest loop that streams a
//! `campaign_id,schedule_id` CSV and sends one delete per row from N workers, with no
//! checks, retries, pacing or report.

use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::json;

#[derive(Serialize)]
struct Body<'a> {
    campaign_id: &'a str,
    schedule_id: &'a str,
}

/// Sends every row of `file` and prints a JSON summary.
pub async fn run(url: &str, key: &str, file: &str, concurrency: usize) -> std::io::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(std::io::Error::other)?;
    let path = braze_sdk::api::operations::DELETE_CAMPAIGN_SCHEDULE.path;
    let endpoint: Arc<str> = format!("{url}{path}").into();
    let authorization: Arc<str> = format!("Bearer {key}").into();
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));

    let started = Instant::now();
    let input = std::io::BufReader::new(std::fs::File::open(file)?);
    for line in input.lines().skip(1) {
        let line = line?;
        let permit = Arc::clone(&permits)
            .acquire_owned()
            .await
            .map_err(std::io::Error::other)?;
        let (client, endpoint, authorization) =
            (client.clone(), endpoint.clone(), authorization.clone());
        let (ok, failed) = (ok.clone(), failed.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let done = match line.split_once(',') {
                Some((campaign_id, schedule_id)) => {
                    let body = serde_json::to_vec(&Body {
                        campaign_id,
                        schedule_id,
                    })
                    .expect("json");
                    match client
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
                    }
                }
                None => false,
            };
            let counter = if done { &ok } else { &failed };
            counter.fetch_add(1, Ordering::Relaxed);
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
