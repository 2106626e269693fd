//! Rate limits at scale: several processes of the CLI on one key, and one client spending
//! two limit classes at once (deletes in the default pool, audience creates in the
//! broadcast limit). Both runs start just after a window boundary of the fake, so that
//! wall times compare across runs (a run that starts late in a window gets that window's
//! whole budget for a fraction of its length).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::{
    Bench, PROCESS_DEADLINE, json, median_of, range, step, str_of, verdict, wait_with_deadline,
};

/// The sizes of both rows.
pub(super) struct SharedSizes {
    processes: usize,
    rows_per_process: usize,
    limit: u64,
    window_secs: u64,
    concurrency: usize,
    runs: usize,
    deletes: usize,
    creates: usize,
    broadcast_limit: u64,
}

impl SharedSizes {
    pub(super) const FULL: SharedSizes = SharedSizes {
        processes: 4,
        rows_per_process: 500,
        limit: 250,
        window_secs: 2,
        concurrency: 16,
        runs: 3,
        deletes: 1_500,
        creates: 150,
        broadcast_limit: 25,
    };

    pub(super) const SMOKE: SharedSizes = SharedSizes {
        processes: 2,
        rows_per_process: 10,
        limit: 20,
        window_secs: 1,
        concurrency: 4,
        runs: 1,
        deletes: 30,
        creates: 6,
        broadcast_limit: 5,
    };
}

/// Sleeps until 50 ms after the next multiple of `window_secs` since the epoch.
fn start_of_next_window(window_secs: u64) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let window = Duration::from_secs(window_secs);
    let into = Duration::from_nanos((now.as_nanos() % window.as_nanos()) as u64);
    std::thread::sleep(window - into + Duration::from_millis(50));
}

impl Bench {
    /// Starts the benchmark fake with `rows` preloaded schedules and these limits.
    fn limited_fake(
        &self,
        rows: usize,
        csv: &PathBuf,
        broadcast_limit: u64,
    ) -> Result<(super::Server, String, String), String> {
        let s = &self.sizes.shared;
        let (server, ready) = self.start_server(
            Command::new(self.exe("braze-bench"))
                .args(["serve-mock", "--preload", &rows.to_string()])
                .args(["--rate-limit", &s.limit.to_string()])
                .args(["--window-secs", &s.window_secs.to_string()])
                .args(["--broadcast-rate-limit", &broadcast_limit.to_string()])
                .args(["--broadcast-window-secs", &s.window_secs.to_string()])
                .arg("--csv")
                .arg(csv),
        )?;
        let ready = json(&ready)?;
        Ok((server, str_of(&ready["url"]), str_of(&ready["key"])))
    }

    pub(super) fn shared_key(&mut self) -> Result<(), String> {
        step("3.1 several processes on one key");
        let s = &self.sizes.shared;
        let total = s.processes * s.rows_per_process;
        let minimum_s = (total as f64 / s.limit as f64).ceil() * s.window_secs as f64;
        let mut rows = Vec::new();
        for run in 0..s.runs {
            let csv = self.work.join("shared-rows.csv");
            let (mut server, url, key) = self.limited_fake(total, &csv, 250)?;
            let text = std::fs::read_to_string(&csv).map_err(|e| e.to_string())?;
            let mut lines = text.lines();
            let header = lines.next().unwrap_or_default();
            let all: Vec<&str> = lines.collect();
            let mut parts = Vec::new();
            for (index, chunk) in all.chunks(s.rows_per_process).enumerate() {
                let part = self.work.join(format!("shared-part-{index}.csv"));
                let mut body = format!("{header}\n");
                for line in chunk {
                    body.push_str(line);
                    body.push('\n');
                }
                std::fs::write(&part, body).map_err(|e| e.to_string())?;
                parts.push(part);
            }
            start_of_next_window(s.window_secs);
            let started = Instant::now();
            let mut children: Vec<Child> = Vec::new();
            for (index, part) in parts.iter().enumerate() {
                let report = self.work.join(format!("shared-report-{index}.jsonl"));
                let mut command = self.cli_bulk_reporting(&url, &key, part, s.concurrency, &report);
                children.push(
                    command
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .spawn()
                        .map_err(|e| format!("cannot run braze: {e}"))?,
                );
            }
            let mut ok = true;
            for child in &mut children {
                ok &= wait_with_deadline(child, PROCESS_DEADLINE)?;
            }
            let wall = started.elapsed().as_secs_f64();
            let stats = server.finish()?;
            eprintln!("run {}: {wall:.2} s, {stats}", run + 1);
            rows.push((wall, ok, stats));
        }
        let walls: Vec<f64> = rows.iter().map(|(wall, ..)| *wall).collect();
        let total_429: Vec<u64> = rows
            .iter()
            .map(|(.., st)| st["rate_limited"].as_u64().unwrap_or(u64::MAX))
            .collect();
        let max_429 = rows
            .iter()
            .map(|(.., st)| st["max_429_per_window"].as_u64().unwrap_or(u64::MAX))
            .max()
            .unwrap_or(0);
        let left = rows
            .iter()
            .map(|(.., st)| st["schedules_left"].as_u64().unwrap_or(u64::MAX))
            .max()
            .unwrap_or(0);
        let all_ok = rows.iter().all(|(_, ok, _)| *ok);
        let median = median_of(&walls);
        let ratio = median / minimum_s;
        let met = ratio <= 1.15 && max_429 <= s.processes as u64 && left == 0 && all_ok;
        let mut table = String::from(
            "| run | wall time, s | / theoretical minimum | windows spanned | 429s in total | max 429s per window | schedules left (lost) |\n|---|---|---|---|---|---|---|\n",
        );
        for (index, (wall, _, stats)) in rows.iter().enumerate() {
            let _ = writeln!(
                table,
                "| {} | {wall:.2} | {:.3} | {} | {} | {} | {} |",
                index + 1,
                wall / minimum_s,
                stats["windows_spanned"],
                stats["rate_limited"],
                stats["max_429_per_window"],
                stats["schedules_left"],
            );
        }
        let _ = writeln!(
            self.report,
            "## 3.1 Several processes on one key\n\n{} processes of `braze campaigns schedule \
             delete --from PART.csv --concurrency {}` started together, {} rows each, against \
             one `braze-mock` limited to {} requests per {}-second window, so the theoretical \
             minimum is {:.0} s. Each run starts 50 ms into a window. Targets: at most {} 429s \
             per window in total (one per process), median wall time ≤ 1.15 × the minimum, \
             no row lost: {}\n\nMedian wall time {:.2} s ({}), {:.3} × the minimum; 429s in \
             total per run: {:?}. Each process sees in the answers' `x-ratelimit-remaining` \
             that others spend the window, estimates how many share it, and spends the last \
             stretch of each window one request at a time (`braze_api::rate_limit::Pacer`), \
             so that when the window runs out each has at most one request in flight. The \
             last window is spent in its first tenth of a second, hence wall times under \
             the minimum.\n\n{table}",
            s.processes,
            s.concurrency,
            s.rows_per_process,
            s.limit,
            s.window_secs,
            minimum_s,
            s.processes,
            verdict(met),
            median,
            range(&walls),
            ratio,
            total_429,
        );
        Ok(())
    }

    pub(super) fn two_classes(&mut self) -> Result<(), String> {
        step("3.2 two limit classes through one client");
        let s = &self.sizes.shared;
        let mut with_creates = Vec::new();
        let mut alone = Vec::new();
        // Alternating, so that both kinds of run see the same machine.
        for _ in 0..s.runs {
            for creates in [s.creates, 0] {
                let csv = self.work.join("mixed-rows.csv");
                let (mut server, url, key) =
                    self.limited_fake(s.deletes, &csv, s.broadcast_limit)?;
                start_of_next_window(s.window_secs);
                let run = self.measure(
                    Command::new(self.exe("braze-bench"))
                        .args(["mixed", "--url", &url, "--deletes-from"])
                        .arg(&csv)
                        .args(["--creates", &creates.to_string()])
                        .args(["--concurrency", &s.concurrency.to_string()])
                        .args(["--broadcast-rate-limit", &s.broadcast_limit.to_string()])
                        .args(["--broadcast-window-secs", &s.window_secs.to_string()])
                        .env("BRAZE_API_KEY", &key),
                )?;
                let stats = server.finish()?;
                let result = json(&run.stdout)?;
                eprintln!("creates {creates}: {result} {stats}");
                if creates > 0 {
                    with_creates.push((result, stats));
                } else {
                    alone.push((result, stats));
                }
            }
        }
        let seconds = |runs: &[(Value, Value)], field: &str| -> Vec<f64> {
            runs.iter()
                .map(|(r, _)| r[field].as_f64().unwrap_or(f64::NAN))
                .collect()
        };
        let max_of = |runs: &[(Value, Value)], pick: &dyn Fn(&Value) -> &Value| -> u64 {
            runs.iter()
                .map(|(_, st)| pick(st)["max_429_per_window"].as_u64().unwrap_or(u64::MAX))
                .max()
                .unwrap_or(0)
        };
        let deletes_mixed = seconds(&with_creates, "deletes_s");
        let deletes_alone = seconds(&alone, "deletes_s");
        let creates_s = seconds(&with_creates, "creates_s");
        let slowdown = median_of(&deletes_mixed) / median_of(&deletes_alone);
        let default_429 = max_of(&with_creates, &|st| st);
        let broadcast_429 = max_of(&with_creates, &|st| &st["broadcast"]);
        let failed: u64 = with_creates
            .iter()
            .chain(&alone)
            .map(|(r, _)| {
                r["deletes_failed"].as_u64().unwrap_or(1)
                    + r["creates_failed"].as_u64().unwrap_or(1)
            })
            .sum();
        let met = default_429 <= 1 && broadcast_429 <= 1 && slowdown <= 1.10 && failed == 0;
        let deletes_minimum = (s.deletes as f64 / s.limit as f64).ceil() * s.window_secs as f64;
        let creates_minimum =
            (s.creates as f64 / s.broadcast_limit as f64).ceil() * s.window_secs as f64;
        let _ = writeln!(
            self.report,
            "## 3.2 Two limit classes through one client\n\n`braze-bench mixed`: one SDK client \
             deletes {} schedules (the default pool, limited to {} per {} s) at concurrency {} \
             while it creates {} campaign schedules, each to a connected audience of its own (the \
             broadcast limit, {} per {} s; the client is given the same figure with \
             `ClientBuilder::broadcast_limits`), 4 at a time; against the same deletes without \
             the creates, runs alternating. Targets: each class at most one 429 per window, the \
             deletes not slowed by the creates' small class (median within 10% of the run \
             without them), nothing failed: {}\n\n| | deletes, s (median, min–max) | creates, s | \
             max 429s per window, default pool | max 429s per window, broadcast |\n|---|---|---|---|---|\n\
             | deletes and creates | {:.2} ({}) | {:.2} ({}) | {} | {} |\n| deletes alone | {:.2} ({}) | | {} | |\n\n\
             Deletes with the creates take {:.3} × as long as alone. Theoretical minima: {:.0} s \
             for the deletes, {:.0} s for the creates.\n",
            s.deletes,
            s.limit,
            s.window_secs,
            s.concurrency,
            s.creates,
            s.broadcast_limit,
            s.window_secs,
            verdict(met),
            median_of(&deletes_mixed),
            range(&deletes_mixed),
            median_of(&creates_s),
            range(&creates_s),
            default_429,
            broadcast_429,
            median_of(&deletes_alone),
            range(&deletes_alone),
            max_of(&alone, &|st| st),
            slowdown,
            deletes_minimum,
            creates_minimum,
        );
        Ok(())
    }
}
