//! A load driver: a fixed number of delete requests at a fixed concurrency against one
//! server, with throughput and latency percentiles. Used to compare the fake server with
//! Prism under the same load.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

/// Sends `requests` deletes, `concurrency` at a time, and prints a JSON summary.
pub async fn run(url: &str, key: &str, requests: usize, concurrency: usize) -> std::io::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(std::io::Error::other)?;
    let path = braze_sdk::api::operations::DELETE_CAMPAIGN_SCHEDULE.path;
    let endpoint: Arc<str> = format!("{url}{path}").into();
    let authorization: Arc<str> = format!("Bearer {key}").into();
    let body = bytes::Bytes::from_static(
        br#"{"campaign_id":"campaign_identifier","schedule_id":"schedule_identifier"}"#,
    );
    let per_worker = requests.div_ceil(concurrency);
    let started = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let count = per_worker.min(requests.saturating_sub(worker * per_worker));
        let (client, endpoint, authorization, body) = (
            client.clone(),
            endpoint.clone(),
            authorization.clone(),
            body.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(count);
            let mut statuses = BTreeMap::<u16, u64>::new();
            for _ in 0..count {
                let sent = Instant::now();
                let status = match client
                    .post(&*endpoint)
                    .header("authorization", &*authorization)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let _ = response.bytes().await;
                        status
                    }
                    Err(_) => 0,
                };
                latencies.push(sent.elapsed().as_micros() as u32);
                *statuses.entry(status).or_default() += 1;
            }
            (latencies, statuses)
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    let mut statuses = BTreeMap::<u16, u64>::new();
    for worker in workers {
        let (mut some, counts) = worker.await.map_err(std::io::Error::other)?;
        latencies.append(&mut some);
        for (status, count) in counts {
            *statuses.entry(status).or_default() += count;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let percentile = |p: f64| -> f64 {
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(index).copied().unwrap_or_default() as f64 / 1000.0
    };
    println!(
        "{}",
        json!({
            "requests": latencies.len(),
            "concurrency": concurrency,
            "elapsed_s": elapsed,
            "requests_per_s": latencies.len() as f64 / elapsed,
            "p50_ms": percentile(0.50),
            "p99_ms": percentile(0.99),
            "max_ms": percentile(1.0),
            "statuses": statuses,
        })
    );
    Ok(())
}
