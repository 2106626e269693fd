//! Benchmark helpers, run by `cargo xtask bench` (see BENCHMARKS.md). Each subcommand
//! prints one JSON object (serve-mock: one when ready, one when stopped).

mod load;
mod mixed;
mod overhead;
mod raw_bulk;
mod raw_send;
mod serve_mock;
mod static_server;

use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Benchmark helpers for the Braze scheduling SDK")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Answer every request with 200 {"message":"success"} and rate-limit headers.
    StaticServer {
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Bare reqwest bulk delete of a campaign_id,schedule_id CSV (key from BRAZE_API_KEY).
    RawBulk {
        #[arg(long)]
        url: String,
        #[arg(long)]
        from: String,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
    /// Bare reqwest bulk trigger send of an external_user_id CSV, 50 users per request
    /// (key from BRAZE_API_KEY).
    RawSend {
        #[arg(long)]
        url: String,
        #[arg(long)]
        from: String,
        #[arg(long, default_value = "bench-campaign")]
        campaign: String,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
    /// Fixed load of delete requests; throughput and latency percentiles.
    Load {
        #[arg(long)]
        url: String,
        #[arg(long, default_value = "bench-key")]
        key: String,
        #[arg(long, default_value_t = 100_000)]
        requests: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
    /// SDK versus hand-written reqwest, sequential deletes against an in-process fake.
    Overhead {
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        #[arg(long, default_value_t = 5)]
        pairs: usize,
        /// Run one side alone, e.g. under a profiler.
        #[arg(long, value_enum, default_value_t = overhead::Side::Both)]
        only: overhead::Side,
    },
    /// Deletes from a CSV and, at the same time, audience creates, through one SDK client
    /// (key from BRAZE_API_KEY).
    Mixed {
        #[arg(long)]
        url: String,
        #[arg(long)]
        deletes_from: String,
        #[arg(long, default_value_t = 0)]
        creates: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value_t = 250)]
        broadcast_rate_limit: u64,
        #[arg(long, default_value_t = 60)]
        broadcast_window_secs: u64,
    },
    /// An in-process fake preloaded with schedules; stops when stdin closes.
    ServeMock {
        #[arg(long, default_value_t = 250_000)]
        rate_limit: u64,
        #[arg(long, default_value_t = 3600)]
        window_secs: u64,
        #[arg(long, default_value_t = 250)]
        broadcast_rate_limit: u64,
        #[arg(long, default_value_t = 60)]
        broadcast_window_secs: u64,
        #[arg(long, default_value_t = 0)]
        preload: usize,
        #[arg(long, default_value = "bench-campaign")]
        campaign: String,
        #[arg(long)]
        csv: String,
        #[arg(long)]
        fault: Vec<String>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn main() -> std::io::Result<()> {
    let cli = Cli::parse();
    // The static responder runs on one thread, like a one-worker nginx; the overhead
    // pairs send sequentially from one task, so neither side pays for hand-offs between
    // worker threads. The rest drive concurrent load.
    let runtime = match cli.command {
        Command::StaticServer { .. } | Command::Overhead { .. } => {
            tokio::runtime::Builder::new_current_thread()
        }
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::StaticServer { port } => static_server::serve(port).await,
            Command::RawBulk {
                url,
                from,
                concurrency,
            } => {
                let key = std::env::var("BRAZE_API_KEY").unwrap_or_default();
                raw_bulk::run(&url, &key, &from, concurrency).await
            }
            Command::RawSend {
                url,
                from,
                campaign,
                concurrency,
            } => {
                let key = std::env::var("BRAZE_API_KEY").unwrap_or_default();
                raw_send::run(&url, &key, &from, &campaign, concurrency).await
            }
            Command::Load {
                url,
                key,
                requests,
                concurrency,
            } => load::run(&url, &key, requests, concurrency).await,
            Command::Overhead {
                requests,
                pairs,
                only,
            } => overhead::run(requests, pairs, only).await,
            Command::Mixed {
                url,
                deletes_from,
                creates,
                concurrency,
                broadcast_rate_limit,
                broadcast_window_secs,
            } => {
                mixed::run(mixed::Options {
                    url,
                    key: std::env::var("BRAZE_API_KEY").unwrap_or_default(),
                    deletes_from,
                    creates,
                    concurrency,
                    broadcast_limit: broadcast_rate_limit,
                    broadcast_window: Duration::from_secs(broadcast_window_secs),
                })
                .await
            }
            Command::ServeMock {
                rate_limit,
                window_secs,
                broadcast_rate_limit,
                broadcast_window_secs,
                preload,
                campaign,
                csv,
                fault,
                seed,
            } => {
                serve_mock::run(serve_mock::Options {
                    rate_limit,
                    window: Duration::from_secs(window_secs),
                    broadcast_rate_limit,
                    broadcast_window: Duration::from_secs(broadcast_window_secs),
                    preload,
                    campaign,
                    csv,
                    faults: fault,
                    seed,
                })
                .await
            }
        }
    })
}
