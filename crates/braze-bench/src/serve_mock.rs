//! The fake server for a benchmark run: in-process, preloaded with schedules whose ids go
//! to a CSV for the contender to cancel, then, when its stdin closes, a JSON account of
//! what it saw (429s per window of each limit class, schedules left, dispatches of the
//! sends).

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, UNIX_EPOCH};

use braze_mock::{Config, FaultRule, MockServer, RecordedRequest, Schedule, ScheduleKind};
use braze_sdk::api::operations::OPERATIONS;
use braze_sdk::pacing::LimitClass;
use serde_json::json;
use tokio::io::AsyncReadExt;

/// What to start.
pub struct Options {
    pub rate_limit: u64,
    pub window: Duration,
    pub broadcast_rate_limit: u64,
    pub broadcast_window: Duration,
    pub preload: usize,
    pub campaign: String,
    pub csv: String,
    pub faults: Vec<String>,
    pub seed: u64,
}

pub async fn run(options: Options) -> std::io::Result<()> {
    let mut config = Config::new()
        .rate_limit(options.rate_limit, options.window)
        .broadcast_rate_limit(options.broadcast_rate_limit, options.broadcast_window)
        // Every broadcast request of a benchmark targets an audience of its own.
        .audience_rate_limit(u64::MAX, options.broadcast_window)
        .seed(options.seed)
        // Enough to see every request of the run, for the 429 count (a bulk send of
        // 100,000 users is 2,000 requests and their 429s).
        .log_capacity((options.preload * 4).max(10_000));
    for spec in &options.faults {
        let rule: FaultRule = spec
            .parse()
            .map_err(|e| std::io::Error::other(format!("--fault {spec}: {e}")))?;
        config = config.fault(rule);
    }
    let server = MockServer::start(config).await?;

    let mut csv = std::io::BufWriter::new(std::fs::File::create(&options.csv)?);
    writeln!(csv, "campaign_id,schedule_id")?;
    for _ in 0..options.preload {
        let schedule: Schedule = Schedule::builder()
            .time("2030-05-24T21:30:00Z")
            .try_into()
            .map_err(std::io::Error::other)?;
        let stored = server.add_schedule(ScheduleKind::Campaign, &options.campaign, schedule);
        writeln!(csv, "{},{}", options.campaign, stored.schedule_id())?;
    }
    csv.flush()?;
    println!(
        "{}",
        json!({"url": server.url(), "key": server.api_key(), "csv": options.csv})
    );

    // Serve until the harness closes stdin.
    let mut sink = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut sink).await;

    let requests = server.requests();
    let dispatches = server.dispatches();
    let default = account(&requests, options.window, false);
    let broadcast = account(&requests, options.broadcast_window, true);
    println!(
        "{}",
        json!({
            "requests": requests.len(),
            "windows_spanned": default["windows_spanned"],
            "rate_limited": default["rate_limited"],
            "windows_with_429": default["windows_with_429"],
            "max_429_per_window": default["max_429_per_window"],
            "broadcast": broadcast,
            "schedules_left": server.schedules().len(),
            "dispatches": dispatches.len(),
            "users_dispatched": dispatches.iter().map(|d| d.users.len()).sum::<usize>(),
            "rate_limit_total": server.rate_limit_counters().total,
        })
    );
    server.shutdown().await;
    Ok(())
}

/// 429s per window of the requests of one limit class (the broadcast one, or the default
/// pool), and the windows from the class's first request to its last.
fn account(requests: &[RecordedRequest], window: Duration, broadcast: bool) -> serde_json::Value {
    let window = window.as_secs().max(1);
    let mut per_window = BTreeMap::<u64, u64>::new();
    let mut count = 0u64;
    let (mut first_window, mut last_window) = (u64::MAX, 0u64);
    for request in requests {
        let body = request
            .body
            .as_ref()
            .and_then(|body| body.json())
            .map(|json| json.to_string());
        let class = OPERATIONS
            .iter()
            .find(|operation| operation.path == request.path)
            .map_or(LimitClass::Default, |operation| {
                LimitClass::of(operation, body.as_deref().map(str::as_bytes))
            });
        if matches!(class, LimitClass::Broadcast { .. }) != broadcast {
            continue;
        }
        count += 1;
        let at = request
            .received_at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
            / window;
        first_window = first_window.min(at);
        last_window = last_window.max(at);
        if request.status == Some(429) {
            *per_window.entry(at).or_default() += 1;
        }
    }
    // Windows from the first request's to the last one's, idle ones included.
    let windows_spanned = if count == 0 {
        0
    } else {
        last_window - first_window + 1
    };
    json!({
        "requests": count,
        "windows_spanned": windows_spanned,
        "rate_limited": per_window.values().sum::<u64>(),
        "windows_with_429": per_window.len(),
        "max_429_per_window": per_window.values().max().copied().unwrap_or(0),
    })
}
