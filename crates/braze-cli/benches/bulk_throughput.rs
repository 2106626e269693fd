//! Bulk-delete throughput against a static responder on loopback, compared with a bare
//! reqwest loop sending the same requests at the same concurrency.
//!
//! `cargo bench -p braze-cli --bench bulk_throughput` (release build). Knobs:
//! `BENCH_ROWS` (default 100000) and `BENCH_CONCURRENCY` (default 64). It prints rows/s
//! for both and their ratio; the goal is a ratio of at least 0.8.
//!
//! The responder answers every request `200 {"message":"success"}` without looking at it
//! beyond its length, so the figures measure the client side. It runs in a process of its
//! own (this program, re-run with `BENCH_ROLE=responder`), so that neither client shares
//! a runtime with it.

use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 21\r\n\r\n{\"message\":\"success\"}";

fn main() {
    // `cargo test --all-targets` runs benchmarks without `--bench`: nothing to time then.
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let responder = std::env::var("BENCH_ROLE").as_deref() == Ok("responder");
    if !benchmarking && !responder {
        println!("bulk_throughput: run it with `cargo bench -p braze-cli --bench bulk_throughput`");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    if responder {
        // Serves until the parent closes our stdin.
        let url = runtime.block_on(start_responder());
        println!("{url}");
        let _ = std::io::stdout().flush();
        let _ = std::io::Read::read(&mut std::io::stdin(), &mut [0u8; 1]);
        return;
    }
    let rows: u64 = env_number("BENCH_ROWS", 100_000);
    let concurrency: u64 = env_number("BENCH_CONCURRENCY", 64);
    let mut responder = std::process::Command::new(std::env::current_exe().expect("this program"))
        .env("BENCH_ROLE", "responder")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the responder starts");
    let url = {
        let mut line = String::new();
        let stdout = responder.stdout.as_mut().expect("its stdout");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .expect("its URL");
        line.trim().to_owned()
    };

    let bare = runtime.block_on(bare_reqwest(&url, rows, concurrency));
    println!(
        "bare reqwest loop: {rows} requests in {:.2}s: {:.0} requests/s",
        bare.as_secs_f64(),
        rows as f64 / bare.as_secs_f64()
    );

    let sdk = runtime.block_on(sdk_loop(&url, rows, concurrency));
    println!(
        "braze-sdk loop: {rows} requests in {:.2}s: {:.0} requests/s",
        sdk.as_secs_f64(),
        rows as f64 / sdk.as_secs_f64()
    );

    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("rows.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&input).expect("input"));
    writeln!(file, "campaign_id,schedule_id").expect("write");
    for row in 0..rows {
        writeln!(file, "campaign-{},schedule-{row:08}", row % 100).expect("write");
    }
    file.flush().expect("flush");
    drop(file);
    let report = dir.path().join("report.jsonl");
    let started = Instant::now();
    let extra: Vec<String> = std::env::var("BENCH_BRAZE_ARGS")
        .map(|args| args.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_braze"))
        .args([
            "campaigns",
            "schedule",
            "delete",
            "--quiet",
            "--concurrency",
        ])
        .arg(concurrency.to_string())
        .arg("--from")
        .arg(&input)
        .arg("--report")
        .arg(&report)
        .args(&extra)
        .env("BRAZE_API_KEY", "bench-key")
        .env("BRAZE_REST_ENDPOINT", &url)
        .status()
        .expect("braze runs");
    let cli = started.elapsed();
    assert!(status.success(), "braze exited with {status}");
    println!(
        "braze bulk delete: {rows} rows in {:.2}s: {:.0} rows/s",
        cli.as_secs_f64(),
        rows as f64 / cli.as_secs_f64()
    );
    println!(
        "ratio braze / bare reqwest: {:.2}",
        bare.as_secs_f64() / cli.as_secs_f64()
    );
    drop(responder.stdin.take());
    let _ = responder.wait();
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `concurrency` tasks sending `rows` deletes in all, as a program without the SDK would.
async fn bare_reqwest(url: &str, rows: u64, concurrency: u64) -> Duration {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    let next = Arc::new(AtomicU64::new(0));
    let url = format!("{url}/campaigns/trigger/schedule/delete");
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, next, url) = (client.clone(), Arc::clone(&next), url.clone());
            tokio::spawn(async move {
                loop {
                    let row = next.fetch_add(1, Ordering::Relaxed);
                    if row >= rows {
                        return;
                    }
                    let answer = client
                        .post(&url)
                        .bearer_auth("bench-key")
                        .json(&serde_json::json!({
                            "campaign_id": format!("campaign-{}", row % 100),
                            "schedule_id": format!("schedule-{row:08}"),
                        }))
                        .send()
                        .await
                        .expect("an answer");
                    let body: serde_json::Value = answer.json().await.expect("a JSON body");
                    assert_eq!(body["message"], "success");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task");
    }
    started.elapsed()
}

/// The same loop through the SDK, without the CLI around it: what the SDK itself costs.
async fn sdk_loop(url: &str, rows: u64, concurrency: u64) -> Duration {
    let client = braze_sdk::Client::new(
        "bench-key",
        braze_sdk::Endpoint::from_str(url).expect("url"),
    )
    .expect("a client");
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, next) = (client.clone(), Arc::clone(&next));
            tokio::spawn(async move {
                loop {
                    let row = next.fetch_add(1, Ordering::Relaxed);
                    if row >= rows {
                        return;
                    }
                    let answer = client
                        .delete_campaign_schedule(
                            format!("campaign-{}", row % 100),
                            format!("schedule-{row:08}"),
                        )
                        .await
                        .expect("an answer");
                    assert_eq!(answer.message(), Some("success"));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task");
    }
    started.elapsed()
}

/// A keep-alive HTTP/1.1 server answering every request with [`RESPONSE`].
async fn start_responder() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream));
        }
    });
    url
}

async fn serve(mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        // Read one request: the headers, then Content-Length bytes of body.
        let request_end = loop {
            if let Some(end) = request_end(&buffer) {
                break end;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        buffer.drain(..request_end);
        if stream.write_all(RESPONSE).await.is_err() {
            return;
        }
    }
}

/// Where the first complete request in `buffer` ends, if it is complete.
fn request_end(buffer: &[u8]) -> Option<usize> {
    let headers_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let headers = std::str::from_utf8(&buffer[..headers_end]).ok()?;
    let length = headers
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    (buffer.len() >= headers_end + length).then_some(headers_end + length)
}
