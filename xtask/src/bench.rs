//! `cargo xtask bench [--smoke]`: every benchmark of BENCHMARKS.md, side by side in one
//! run, on loopback only, every run bounded in size and time.
//!
//! Contenders run as separate processes under GNU time (`/usr/bin/time -f %M`) for their
//! peak RSS; throughput is rows (or requests) over wall time measured here. Medians over
//! several runs, with min–max. `--smoke` runs tiny sizes with debug builds and no peers,
//! only to prove that the harness still works (CI runs it); it writes to `target/`
//! instead of BENCHMARKS.md. Section 7 (the bulk send) is written last, after the build
//! cost.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

// Section 6, the build cost; also run alone by `cargo xtask build-cost`.
mod build_cost;

/// The sizes of one run.
struct Sizes {
    overhead_requests: usize,
    overhead_pairs: usize,
    bulk_rows: usize,
    bulk_runs: usize,
    concurrency: usize,
    rate_rows: usize,
    rate_limit: u64,
    shared: sharing::SharedSizes,
    load_requests: usize,
    prism_requests: usize,
    memory_rows: [usize; 2],
    /// Section 7, the bulk send: recipients per run against the static responder, runs,
    /// requests in flight, the two sizes of the memory check, and the rate-limited run
    /// (recipients, limit per window, window in seconds).
    send_rows: usize,
    send_runs: usize,
    send_concurrency: usize,
    send_memory_rows: [usize; 2],
    send_rate_rows: usize,
    send_rate_limit: u64,
    send_window_secs: u64,
    peers: bool,
    criterion: bool,
}

const FULL: Sizes = Sizes {
    overhead_requests: 20_000,
    overhead_pairs: 11,
    bulk_rows: 100_000,
    bulk_runs: 3,
    concurrency: 64,
    rate_rows: 2_000,
    rate_limit: 200,
    shared: sharing::SharedSizes::FULL,
    load_requests: 100_000,
    prism_requests: 20_000,
    memory_rows: [100_000, 1_000_000],
    send_rows: 100_000,
    send_runs: 7,
    send_concurrency: 16,
    send_memory_rows: [100_000, 1_000_000],
    send_rate_rows: 100_000,
    send_rate_limit: 250,
    send_window_secs: 2,
    peers: true,
    criterion: true,
};

const SMOKE: Sizes = Sizes {
    overhead_requests: 200,
    overhead_pairs: 1,
    bulk_rows: 500,
    bulk_runs: 1,
    concurrency: 16,
    rate_rows: 40,
    rate_limit: 20,
    shared: sharing::SharedSizes::SMOKE,
    load_requests: 1_000,
    prism_requests: 0,
    memory_rows: [500, 2_000],
    send_rows: 1_000,
    send_runs: 1,
    send_concurrency: 4,
    send_memory_rows: [500, 2_000],
    send_rate_rows: 1_000,
    send_rate_limit: 10,
    send_window_secs: 2,
    peers: false,
    criterion: false,
};

/// The longest any single benchmark process may run before it is killed.
const PROCESS_DEADLINE: Duration = Duration::from_secs(600);

/// Section 7's CLI contenders: the bulk send with its report, and without.
const CLI_REPORT: &str = "braze (this CLI, --report)";
const CLI_NO_REPORT: &str = "braze (this CLI, no report)";

mod sharing;

struct Bench {
    root: PathBuf,
    bin: PathBuf,
    work: PathBuf,
    sizes: &'static Sizes,
    report: String,
}

/// One process run: wall time, peak RSS and its stdout.
struct Run {
    wall_s: f64,
    peak_rss_kib: Option<u64>,
    stdout: String,
    success: bool,
}

pub fn run(root: &Path, smoke: bool) -> Result<(), String> {
    let sizes = if smoke { &SMOKE } else { &FULL };
    let profile = if smoke { "dev" } else { "release" };
    let bin_dir = if smoke { "debug" } else { "release" };
    step(&format!("building the contenders ({profile} profile)"));
    let status = Command::new(crate::workspace::cargo())
        .current_dir(root)
        .args(["build", "--locked", "--profile", profile])
        .args(["-p", "braze-cli", "-p", "braze-bench", "-p", "braze-mock"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("the build failed".into());
    }
    // The binaries are where cargo put them (a shared target directory, say); the work
    // files stay in this checkout's `target/`.
    let bin = crate::workspace::target_dir(root)?.join(bin_dir);
    let work = root.join("target").join("bench-work");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let mut bench = Bench {
        root: root.to_owned(),
        bin,
        work,
        sizes,
        report: String::new(),
    };
    if sizes.peers {
        bench.install_peers()?;
    }

    bench.header(smoke);
    bench.overhead()?;
    if sizes.criterion {
        bench.criterion()?;
    }
    bench.bulk()?;
    bench.rate_limit()?;
    bench.shared_key()?;
    bench.two_classes()?;
    bench.fake_versus_prism()?;
    bench.memory()?;
    let command = if smoke {
        "cargo xtask bench --smoke"
    } else {
        "cargo xtask bench"
    };
    let section = build_cost::run(&bench.root, &bench.bin, smoke, command)?;
    bench.report.push_str(&section);
    bench.bulk_send()?;

    let target = if smoke {
        bench.root.join("target").join("BENCHMARKS.smoke.md")
    } else {
        bench.root.join("BENCHMARKS.md")
    };
    std::fs::write(&target, &bench.report).map_err(|e| format!("{}: {e}", target.display()))?;
    println!("\n{}", bench.report);
    println!("wrote {}", target.display());
    Ok(())
}

/// `cargo xtask build-cost [--smoke]`: section 6 alone. A full run replaces that section
/// of BENCHMARKS.md and leaves the rest as it is; a smoke run writes
/// `target/build-cost/section.smoke.md`.
pub fn build_cost_alone(root: &Path, smoke: bool) -> Result<(), String> {
    step("building braze-bench (for the fake the two programs run against once)");
    let status = Command::new(crate::workspace::cargo())
        .current_dir(root)
        .args(["build", "--locked", "-p", "braze-bench"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("the build of braze-bench failed".into());
    }
    let bin = crate::workspace::target_dir(root)?.join("debug");
    let command = if smoke {
        "cargo xtask build-cost --smoke"
    } else {
        "cargo xtask build-cost"
    };
    let section = build_cost::run(root, &bin, smoke, command)?;
    println!("\n{section}");
    let (target, text) = if smoke {
        (
            root.join("target")
                .join("build-cost")
                .join("section.smoke.md"),
            section,
        )
    } else {
        let path = root.join("BENCHMARKS.md");
        let old = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        (path, build_cost::splice(&old, &section))
    };
    std::fs::write(&target, text).map_err(|e| format!("{}: {e}", target.display()))?;
    println!("wrote {}", target.display());
    Ok(())
}

fn step(what: &str) {
    eprintln!("\n==> {what}");
}

impl Bench {
    fn exe(&self, name: &str) -> PathBuf {
        self.bin.join(name)
    }

    fn install_peers(&self) -> Result<(), String> {
        step("installing the peers (npm ci in bench/peer)");
        let peer = self.root.join("bench").join("peer");
        let status = Command::new("npm")
            .current_dir(&peer)
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .status()
            .map_err(|e| format!("cannot run npm (Node.js is needed for the peers): {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err("npm ci failed in bench/peer".into())
        }
    }

    fn header(&mut self, smoke: bool) {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|text| {
                text.lines()
                    .find(|l| l.starts_with("MemTotal:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            })
            .map_or("unknown".to_owned(), |kib| {
                format!("{:.1} GiB", kib as f64 / 1_048_576.0)
            });
        let date = Command::new("date")
            .args(["-u", "+%Y-%m-%d %H:%M UTC"])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        let node = Command::new("node")
            .arg("--version")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|| "not found".into());
        let _ = writeln!(
            self.report,
            "# Benchmarks\n\n{}Measured {date} by `cargo xtask bench{}` on a machine with {cores} \
             cores and {memory} of memory (Node.js {node}). Loopback only. Each contender runs \
             as its own process; peak RSS is GNU time's maximum resident set size; throughput \
             is rows (or requests) over the wall time of the process. Medians, with min–max \
             over the runs. The machine is shared, so figures move between runs: compare the \
             contenders of one run, not runs of different days.\n",
            if smoke {
                "**Smoke run: tiny sizes and debug builds, to prove the harness runs. Not a measurement.**\n\n"
            } else {
                ""
            },
            if smoke { " --smoke" } else { "" },
        );
    }

    /// Runs a process to completion under GNU time, with a deadline.
    fn measure(&self, command: &mut Command) -> Result<Run, String> {
        let rss_file = self.work.join("peak-rss.txt");
        let _ = std::fs::remove_file(&rss_file);
        let program = command.get_program().to_owned();
        let args: Vec<_> = command.get_args().map(ToOwned::to_owned).collect();
        let envs: Vec<_> = command
            .get_envs()
            .map(|(k, v)| (k.to_owned(), v.map(ToOwned::to_owned)))
            .collect();
        let gnu_time = Path::new("/usr/bin/time").exists();
        let mut wrapped = if gnu_time {
            let mut c = Command::new("/usr/bin/time");
            c.arg("-f")
                .arg("%M")
                .arg("-o")
                .arg(&rss_file)
                .arg(&program)
                .args(&args);
            c
        } else {
            let mut c = Command::new(&program);
            c.args(&args);
            c
        };
        for (key, value) in envs {
            match value {
                Some(value) => wrapped.env(key, value),
                None => wrapped.env_remove(key),
            };
        }
        if let Some(dir) = command.get_current_dir() {
            wrapped.current_dir(dir);
        }
        let stderr =
            std::fs::File::create(self.work.join("last-stderr.txt")).map_err(|e| e.to_string())?;
        let started = Instant::now();
        let mut child = wrapped
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", program.to_string_lossy()))?;
        let out = child.stdout.take().ok_or("no stdout")?;
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut BufReader::new(out), &mut text);
            text
        });
        let success = wait_with_deadline(&mut child, PROCESS_DEADLINE)?;
        let wall_s = started.elapsed().as_secs_f64();
        let stdout = reader.join().unwrap_or_default();
        let peak_rss_kib = std::fs::read_to_string(&rss_file)
            .ok()
            .and_then(|t| t.lines().last()?.trim().parse().ok());
        Ok(Run {
            wall_s,
            peak_rss_kib,
            stdout,
            success,
        })
    }

    /// Starts a server and returns it with the first line it prints on stdout.
    fn start_server(&self, command: &mut Command) -> Result<(Server, String), String> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = lines
            .next()
            .ok_or("the server printed nothing")?
            .map_err(|e| e.to_string())?;
        Ok((Server { child, lines }, first))
    }

    fn write_rows(&self, name: &str, rows: usize) -> Result<PathBuf, String> {
        let path = self.work.join(name);
        let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
        let mut out = std::io::BufWriter::new(file);
        writeln!(out, "campaign_id,schedule_id").map_err(|e| e.to_string())?;
        for i in 0..rows {
            writeln!(out, "bench-campaign,schedule-{i:08}").map_err(|e| e.to_string())?;
        }
        out.flush().map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// The CLI's bulk cancel of `rows` against `url`.
    fn cli_bulk(&self, url: &str, key: &str, rows: &Path, concurrency: usize) -> Command {
        self.cli_bulk_reporting(
            url,
            key,
            rows,
            concurrency,
            &self.work.join("cli-report.jsonl"),
        )
    }

    /// The CLI's bulk cancel of `rows` against `url`, its report written to `report`.
    fn cli_bulk_reporting(
        &self,
        url: &str,
        key: &str,
        rows: &Path,
        concurrency: usize,
        report: &Path,
    ) -> Command {
        let mut command = Command::new(self.exe("braze"));
        command
            .args(["campaigns", "schedule", "delete", "--from"])
            .arg(rows)
            .args([
                "--concurrency",
                &concurrency.to_string(),
                "--quiet",
                "--report",
            ])
            .arg(report)
            .env("BRAZE_API_KEY", key)
            .env("BRAZE_REST_ENDPOINT", url);
        command
    }

    fn peer_bulk(&self, url: &str, key: &str, rows: &Path, concurrency: usize) -> Command {
        let mut command = Command::new("node");
        command
            .current_dir(self.root.join("bench").join("peer"))
            .arg("bulk.cjs")
            .arg(url)
            .arg(rows)
            .arg(concurrency.to_string())
            .env("BRAZE_API_KEY", key);
        command
    }

    fn raw_bulk(&self, url: &str, key: &str, rows: &Path, concurrency: usize) -> Command {
        let mut command = Command::new(self.exe("braze-bench"));
        command
            .args(["raw-bulk", "--url", url, "--from"])
            .arg(rows)
            .args(["--concurrency", &concurrency.to_string()])
            .env("BRAZE_API_KEY", key);
        command
    }

    fn overhead(&mut self) -> Result<(), String> {
        step("1. SDK overhead");
        let s = self.sizes;
        let run = self.measure(
            Command::new(self.exe("braze-bench"))
                .args(["overhead", "--requests", &s.overhead_requests.to_string()])
                .args(["--pairs", &s.overhead_pairs.to_string()]),
        )?;
        let result = json(&run.stdout)?;
        let ratios = floats(&result["ratios"]);
        let median = result["median_ratio"].as_f64().unwrap_or(f64::NAN);
        let sdk = floats(&result["sdk_s"]);
        let raw = floats(&result["raw_s"]);
        let _ = writeln!(
            self.report,
            "## 1. SDK overhead\n\n{} sequential deletes against `braze-mock` on loopback, through \
             `braze-sdk` and through a minimal hand-written reqwest call with the same client \
             settings, in {} alternating pairs (`braze-bench overhead`).\n\n\
             | | median | min–max |\n|---|---|---|\n\
             | braze-sdk, s | {} | {} |\n| raw reqwest, s | {} | {} |\n\
             | per request, SDK − raw | {:.1} µs | |\n\n\
             **SDK / raw = {:.3}** (median of the pairs' ratios {}; target ≤ 1.05): {}\n\n\
             Both sides run on a single-threaded runtime against a one-thread fake in the same \
             process, so a request is mostly two thread wake-ups and the kernel's loopback; \
             single pairs swing by ±15% on this shared machine, hence the median of many pairs.\n",
            s.overhead_requests,
            s.overhead_pairs,
            fmt3(median_of(&sdk)),
            range(&sdk),
            fmt3(median_of(&raw)),
            range(&raw),
            (median_of(&sdk) - median_of(&raw)) / s.overhead_requests as f64 * 1e6,
            median,
            list(&ratios),
            verdict(median <= 1.05),
        );
        let counted = self.overhead_instructions()?;
        self.report.push_str(&counted);
        Ok(())
    }

    /// The same comparison counted in instructions, which do not depend on the machine's
    /// load: each side alone under `valgrind --tool=callgrind` at two sizes, per request by
    /// the difference so that start-up cancels out. Skipped (and said so) without valgrind.
    fn overhead_instructions(&self) -> Result<String, String> {
        let sizes: [usize; 2] = if self.sizes.criterion {
            [1_000, 3_000]
        } else {
            [20, 60]
        };
        let found = Command::new("valgrind")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !found {
            return Ok(
                "Counted in instructions: not measured (valgrind is not installed).\n".into(),
            );
        }
        step("1a. SDK overhead in instructions (callgrind)");
        let mut per_request = Vec::new();
        for side in ["sdk", "raw"] {
            let mut totals = Vec::new();
            for requests in sizes {
                let out = self.work.join(format!("callgrind-{side}-{requests}.out"));
                let status = Command::new("valgrind")
                    .arg("--tool=callgrind")
                    .arg(format!("--callgrind-out-file={}", out.display()))
                    .arg(self.exe("braze-bench"))
                    .args(["overhead", "--pairs", "1", "--only", side])
                    .args(["--requests", &requests.to_string()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .map_err(|e| format!("cannot run valgrind: {e}"))?;
                if !status.success() {
                    return Err(format!("callgrind on the {side} side failed: {status}"));
                }
                totals.push(callgrind_total(&out)?);
            }
            per_request.push((totals[1] - totals[0]) as f64 / (sizes[1] - sizes[0]) as f64);
        }
        let (sdk, raw) = (per_request[0], per_request[1]);
        Ok(format!(
            "Counted in instructions instead (`valgrind --tool=callgrind` on `braze-bench \
             overhead --only sdk|raw --pairs 1` at {} and at {} requests, per request by the \
             difference so that start-up cancels out; the in-process fake's work is in both): \
             the SDK's whole call (checks, body, hooks, pacing, retry bookkeeping, answer \
             mapping) takes **{:.0} instructions per request against {:.0}**, SDK / raw = \
             **{:.3}**. `callgrind_annotate` on the two files in `target/bench-work/` shows \
             where the difference goes.\n\n",
            sizes[0],
            sizes[1],
            sdk,
            raw,
            sdk / raw,
        ))
    }

    fn criterion(&mut self) -> Result<(), String> {
        step("1b. criterion micro-benchmarks");
        let output = Command::new(crate::workspace::cargo())
            .current_dir(&self.root)
            .args([
                "bench",
                "--locked",
                "-p",
                "braze-sdk",
                "--bench",
                "requests",
                "--",
            ])
            .args(["--warm-up-time", "1", "--measurement-time", "3"])
            .stderr(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&output.stdout);
        let mut rows = String::new();
        let mut name = String::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if let Some((head, times)) = trimmed.split_once("time:") {
                if !head.trim().is_empty() {
                    name = head.trim().to_owned();
                }
                let middle = times
                    .trim()
                    .trim_matches(|c| c == '[' || c == ']')
                    .split_whitespace()
                    .collect::<Vec<_>>();
                if middle.len() >= 4 {
                    let _ = writeln!(rows, "| {name} | {} {} |", middle[2], middle[3]);
                }
            } else if !trimmed.is_empty() && !trimmed.contains(':') && !trimmed.starts_with("Found")
            {
                name = trimmed.to_owned();
            }
        }
        let _ = writeln!(
            self.report,
            "### Micro-benchmarks (criterion)\n\n`cargo bench -p braze-sdk --bench requests`: the \
             SDK's own work per request, without the network.\n\n| benchmark | time |\n|---|---|\n{rows}"
        );
        Ok(())
    }

    fn bulk(&mut self) -> Result<(), String> {
        step("2. bulk cancel versus the peer and the bare loop");
        let s = self.sizes;
        let rows = self.write_rows("bulk.csv", s.bulk_rows)?;
        let (mut server, url) =
            self.start_server(Command::new(self.exe("braze-bench")).arg("static-server"))?;
        let key = "bench-key";
        let mut results: Vec<(&str, Vec<f64>, Vec<u64>)> = vec![
            ("braze (this CLI)", Vec::new(), Vec::new()),
            ("bare reqwest loop", Vec::new(), Vec::new()),
        ];
        if s.peers {
            results.push(("npm braze-api", Vec::new(), Vec::new()));
        }
        for _ in 0..s.bulk_runs {
            for (name, rates, rss) in results.iter_mut() {
                let mut command = match *name {
                    "braze (this CLI)" => self.cli_bulk(&url, key, &rows, s.concurrency),
                    "bare reqwest loop" => self.raw_bulk(&url, key, &rows, s.concurrency),
                    _ => self.peer_bulk(&url, key, &rows, s.concurrency),
                };
                let run = self.measure(&mut command)?;
                if !run.success {
                    return Err(format!("{name} failed against the static responder"));
                }
                rates.push(s.bulk_rows as f64 / run.wall_s);
                rss.extend(run.peak_rss_kib);
            }
        }
        server.stop();

        let cli = median_of(&results[0].1);
        let raw = median_of(&results[1].1);
        let mut table = String::from(
            "| contender | rows/s (median) | min–max | peak RSS (median) |\n|---|---|---|---|\n",
        );
        for (name, rates, rss) in &results {
            let _ = writeln!(
                table,
                "| {name} | {:.0} | {} | {} |",
                median_of(rates),
                range0(rates),
                rss_text(rss)
            );
        }
        let mut verdicts = format!(
            "- CLI / bare loop throughput = **{:.2}** (target ≥ 0.8): {}\n",
            cli / raw,
            verdict(cli / raw >= 0.8)
        );
        if s.peers {
            let peer = median_of(&results[2].1);
            let cli_rss = median_u(&results[0].2);
            let peer_rss = median_u(&results[2].2);
            let _ = writeln!(
                verdicts,
                "- CLI / npm peer throughput = **{:.1}×** (target ≥ 4×): {}\n\
                 - CLI peak RSS / npm peer peak RSS = **{:.2}** (target ≤ 0.20): {}",
                cli / peer,
                verdict(cli / peer >= 4.0),
                cli_rss as f64 / peer_rss as f64,
                verdict((cli_rss as f64) <= peer_rss as f64 / 5.0),
            );
        }

        // Once more against the fake server, preloaded with the rows to cancel.
        let mut fake =
            String::from("| contender | rows/s | peak RSS | schedules left |\n|---|---|---|---|\n");
        let mut contenders = vec!["braze (this CLI)", "bare reqwest loop"];
        if s.peers {
            contenders.push("npm braze-api");
        }
        for name in contenders {
            let csv = self.work.join("fake-rows.csv");
            let (mut server, ready) = self.start_server(
                Command::new(self.exe("braze-bench"))
                    .args(["serve-mock", "--preload", &s.bulk_rows.to_string()])
                    .arg("--csv")
                    .arg(&csv),
            )?;
            let ready = json(&ready)?;
            let (url, key) = (str_of(&ready["url"]), str_of(&ready["key"]));
            let mut command = match name {
                "braze (this CLI)" => self.cli_bulk(&url, &key, &csv, s.concurrency),
                "bare reqwest loop" => self.raw_bulk(&url, &key, &csv, s.concurrency),
                _ => self.peer_bulk(&url, &key, &csv, s.concurrency),
            };
            let run = self.measure(&mut command)?;
            let stats = server.finish()?;
            let _ = writeln!(
                fake,
                "| {name} | {:.0} | {} | {} |",
                s.bulk_rows as f64 / run.wall_s,
                rss_text(&run.peak_rss_kib.into_iter().collect::<Vec<_>>()),
                stats["schedules_left"]
            );
        }

        let _ = writeln!(
            self.report,
            "## 2. Bulk cancel: this CLI, the npm peer, the bare loop\n\n{} rows \
             (`campaign_id,schedule_id` CSV), concurrency {}, against a minimal static responder \
             (`braze-bench static-server`: hyper on one thread, fixed JSON with rate-limit \
             headers), {} run(s) each, contenders interleaved. The CLI is `braze campaigns \
             schedule delete --from rows.csv --concurrency {} --report FILE --quiet` (report \
             written); the peer is `bench/peer/bulk.cjs` (npm `braze-api`, a pool of the same \
             concurrency); the bare loop is `braze-bench raw-bulk` (reqwest, no checks, no \
             retries, no report).\n\n{table}\n{verdicts}\n\
             Against `braze-mock` (in-process in `braze-bench serve-mock`, preloaded with the \
             rows; the server shares the machine's two cores with the client):\n\n{fake}",
            s.bulk_rows, s.concurrency, s.bulk_runs, s.concurrency
        );
        Ok(())
    }

    fn rate_limit(&mut self) -> Result<(), String> {
        step("3. rate-limit utilisation");
        let s = self.sizes;
        let windows = s.rate_rows as f64 / s.rate_limit as f64;
        let mut table = String::from(
            "| contender | wall time, s | / theoretical minimum | windows spanned | 429s (max per window) | schedules left (lost) |\n|---|---|---|---|---|---|\n",
        );
        let mut cli_ok = false;
        let mut contenders = vec!["braze (this CLI)"];
        if s.peers {
            contenders.push("npm braze-api");
        }
        for name in contenders {
            let csv = self.work.join("rate-rows.csv");
            let (mut server, ready) = self.start_server(
                Command::new(self.exe("braze-bench"))
                    .args(["serve-mock", "--preload", &s.rate_rows.to_string()])
                    .args([
                        "--rate-limit",
                        &s.rate_limit.to_string(),
                        "--window-secs",
                        "1",
                    ])
                    .arg("--csv")
                    .arg(&csv),
            )?;
            let ready = json(&ready)?;
            let (url, key) = (str_of(&ready["url"]), str_of(&ready["key"]));
            let mut command = if name.starts_with("braze") {
                self.cli_bulk(&url, &key, &csv, 64)
            } else {
                self.peer_bulk(&url, &key, &csv, 64)
            };
            let run = self.measure(&mut command)?;
            let stats = server.finish()?;
            let ratio = run.wall_s / windows;
            let left = stats["schedules_left"].as_u64().unwrap_or(u64::MAX);
            let max_429 = stats["max_429_per_window"].as_u64().unwrap_or(u64::MAX);
            if name.starts_with("braze") {
                cli_ok = ratio <= 1.10 && max_429 <= 1 && left == 0;
            }
            let _ = writeln!(
                table,
                "| {name} | {:.2} | {:.3} | {} | {} ({}) | {} |",
                run.wall_s, ratio, stats["windows_spanned"], stats["rate_limited"], max_429, left
            );
        }
        let _ = writeln!(
            self.report,
            "## 3. Rate-limit utilisation\n\n`braze-mock` limited to {} requests per 1-second \
             window; bulk cancel of {} rows at concurrency 64, so the theoretical minimum is {} \
             windows ({:.0} s). Targets for the CLI: wall time ≤ 1.10 × the minimum, at most one \
             429 per window, zero rows lost: {}\n\nThe fake's windows are aligned on the clock, \
             like Braze's hourly ones, so the first window is already partly over when a run \
             starts: a client that spends every window to its edge finishes early in the last of \
             them, so its wall time is a little under the minimum; \"windows spanned\" counts \
             the windows from the fake's first request to its last, the one-window-per-200-rows \
             figure that cannot be beaten. The CLI learns each window's figures from one probe \
             request, spends the rest, then waits for the reset. The npm peer has no rate-limit \
             handling: everything over the limit is refused and lost.\n\n{table}",
            s.rate_limit,
            s.rate_rows,
            windows,
            windows,
            verdict(cli_ok),
        );
        Ok(())
    }

    fn fake_versus_prism(&mut self) -> Result<(), String> {
        step("4. the fake server versus Prism");
        let s = self.sizes;
        let key = "bench-key";
        let mut table = String::from(
            "| server | requests | requests/s | p50 ms | p99 ms | statuses |\n|---|---|---|---|---|---|\n",
        );
        let (mut mock, line) = self.start_server(Command::new(self.exe("braze-mock")).args([
            "--quiet",
            "--key",
            key,
            "--rate-limit",
            "100000000",
        ]))?;
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .ok_or_else(|| format!("no URL in {line:?}"))?
            .to_owned();
        let mock_run = self.load(&url, key, s.load_requests)?;
        mock.stop();
        let mock_rps = mock_run["requests_per_s"].as_f64().unwrap_or(0.0);
        let mock_p99 = mock_run["p99_ms"].as_f64().unwrap_or(f64::MAX);
        load_row(&mut table, "braze-mock", &mock_run);

        let mut verdicts = format!(
            "- braze-mock p99 = **{mock_p99:.2} ms** (target ≤ 5 ms): {}\n",
            verdict(mock_p99 <= 5.0)
        );
        if s.prism_requests > 0 {
            let prism = self.root.join("bench/peer/node_modules/.bin/prism");
            let port = free_port()?;
            let mut child = Command::new(&prism)
                .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
                .arg(self.root.join("openapi/braze.yaml"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start Prism: {e}"))?;
            let ready = wait_for_port(port, Duration::from_secs(60));
            let prism_url = format!("http://127.0.0.1:{port}");
            let result = if ready {
                self.load(&prism_url, key, s.prism_requests)
            } else {
                Err("Prism did not start listening within 60 s".into())
            };
            let _ = child.kill();
            let _ = child.wait();
            let prism_run = result?;
            load_row(
                &mut table,
                "Prism 5.16 (`prism mock openapi/braze.yaml`)",
                &prism_run,
            );
            let prism_rps = prism_run["requests_per_s"].as_f64().unwrap_or(f64::MAX);
            let _ = writeln!(
                verdicts,
                "- braze-mock / Prism throughput = **{:.1}×** (target ≥ 20×): {}",
                mock_rps / prism_rps,
                verdict(mock_rps / prism_rps >= 20.0)
            );
        }
        let _ = writeln!(
            self.report,
            "## 4. The fake server versus Prism\n\nThe same load from one generator \
             (`braze-bench load`: delete requests at concurrency 64, latency per request) against \
             the `braze-mock` binary and against Prism serving the same spec. The fake answers \
             404 (unknown schedule) after auth, rate limiting, parsing and validation; Prism \
             answers the spec's example after validating the request.\n\n{table}\n{verdicts}"
        );
        Ok(())
    }

    fn load(&self, url: &str, key: &str, requests: usize) -> Result<Value, String> {
        let run = self.measure(
            Command::new(self.exe("braze-bench"))
                .args(["load", "--url", url, "--key", key])
                .args(["--requests", &requests.to_string(), "--concurrency", "64"]),
        )?;
        json(&run.stdout)
    }

    fn memory(&mut self) -> Result<(), String> {
        step("5. memory at scale");
        let s = self.sizes;
        let (mut server, url) =
            self.start_server(Command::new(self.exe("braze-bench")).arg("static-server"))?;
        let mut peaks = Vec::new();
        let mut table = String::from("| rows | peak RSS | rows/s |\n|---|---|---|\n");
        for rows in s.memory_rows {
            let csv = self.write_rows("memory.csv", rows)?;
            let run = self.measure(&mut self.cli_bulk(&url, "bench-key", &csv, s.concurrency))?;
            let peak = run.peak_rss_kib.unwrap_or(0);
            peaks.push(peak);
            let _ = writeln!(
                table,
                "| {rows} | {} | {:.0} |",
                rss_text(&[peak]),
                rows as f64 / run.wall_s
            );
            let _ = std::fs::remove_file(&csv);
        }
        server.stop();
        let (small, large) = (peaks[0] as f64, peaks[1] as f64);
        let _ = writeln!(
            self.report,
            "## 5. Memory at scale\n\nThe CLI's bulk cancel (report written) of {} and {} rows \
             against the static responder. Targets: ≤ 32 MiB at the larger size ({}), and the \
             two within 10% of each other, i.e. memory does not grow with the input \
             (larger / smaller = **{:.3}**: {}).\n\n{table}",
            s.memory_rows[0],
            s.memory_rows[1],
            verdict(large <= 32.0 * 1024.0),
            large / small,
            verdict(large <= small * 1.10),
        );
        Ok(())
    }
}

impl Bench {
    /// An `external_user_id` CSV of `rows` users.
    fn write_users(&self, name: &str, rows: usize) -> Result<PathBuf, String> {
        let path = self.work.join(name);
        let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
        let mut out = std::io::BufWriter::new(file);
        writeln!(out, "external_user_id").map_err(|e| e.to_string())?;
        for i in 0..rows {
            writeln!(out, "bench-user-{i:08}").map_err(|e| e.to_string())?;
        }
        out.flush().map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// The CLI's bulk send of `users` to `url` (report written, no progress).
    /// The CLI's bulk send, with `--report` to a new file (the last run's report is
    /// removed first, so that no run pays for truncating its predecessor's: 30 MB at
    /// 100,000 rows, about 10 ms on an ext4 disk), or without a report.
    fn cli_send(
        &self,
        url: &str,
        key: &str,
        users: &Path,
        concurrency: usize,
        report: bool,
    ) -> Command {
        let path = self.work.join("cli-send-report.jsonl");
        let _ = std::fs::remove_file(&path);
        let mut command = Command::new(self.exe("braze"));
        command
            .args([
                "campaigns",
                "trigger",
                "send",
                "--campaign-id",
                "bench-campaign",
            ])
            .arg("--from")
            .arg(users)
            .args(["--concurrency", &concurrency.to_string(), "--quiet"])
            .env("BRAZE_API_KEY", key)
            .env("BRAZE_REST_ENDPOINT", url);
        if report {
            command.arg("--report").arg(path);
        }
        command
    }

    fn raw_send(&self, url: &str, key: &str, users: &Path, concurrency: usize) -> Command {
        let mut command = Command::new(self.exe("braze-bench"));
        command
            .args(["raw-send", "--url", url, "--from"])
            .arg(users)
            .args(["--concurrency", &concurrency.to_string()])
            .env("BRAZE_API_KEY", key);
        command
    }

    fn peer_send(&self, url: &str, key: &str, users: &Path, concurrency: usize) -> Command {
        let mut command = Command::new("node");
        command
            .current_dir(self.root.join("bench").join("peer"))
            .arg("send.cjs")
            .arg(url)
            .arg(users)
            .arg(concurrency.to_string())
            .arg("bench-campaign")
            .env("BRAZE_API_KEY", key);
        command
    }

    /// Section 7: the bulk send against the static responder (this CLI, the bare loop, the
    /// npm peer), its memory at two sizes, and against the fake with a rate limit.
    fn bulk_send(&mut self) -> Result<(), String> {
        step("7. bulk send versus the bare loop and the peer; memory; rate limit");
        let s = self.sizes;
        let users = self.write_users("send-users.csv", s.send_rows)?;
        let requests = s.send_rows.div_ceil(50);
        let (mut server, url) =
            self.start_server(Command::new(self.exe("braze-bench")).arg("static-server"))?;
        let key = "bench-key";
        let mut results: Vec<(&str, Vec<f64>, Vec<u64>)> = vec![
            (CLI_REPORT, Vec::new(), Vec::new()),
            (CLI_NO_REPORT, Vec::new(), Vec::new()),
            ("bare reqwest loop", Vec::new(), Vec::new()),
        ];
        if s.peers {
            results.push(("npm braze-api", Vec::new(), Vec::new()));
        }
        for _ in 0..s.send_runs {
            for (name, rates, rss) in results.iter_mut() {
                let mut command = match *name {
                    CLI_REPORT => self.cli_send(&url, key, &users, s.send_concurrency, true),
                    CLI_NO_REPORT => self.cli_send(&url, key, &users, s.send_concurrency, false),
                    "bare reqwest loop" => self.raw_send(&url, key, &users, s.send_concurrency),
                    _ => self.peer_send(&url, key, &users, s.send_concurrency),
                };
                let run = self.measure(&mut command)?;
                if !run.success {
                    return Err(format!(
                        "{name} failed to send against the static responder"
                    ));
                }
                rates.push(s.send_rows as f64 / run.wall_s);
                rss.extend(run.peak_rss_kib);
            }
        }
        let mut table = String::from(
            "| contender | rows/s (median) | min–max | peak RSS (median) |\n|---|---|---|---|\n",
        );
        for (name, rates, rss) in &results {
            let _ = writeln!(
                table,
                "| {name} | {:.0} | {} | {} |",
                median_of(rates),
                range0(rates),
                rss_text(rss)
            );
        }
        let raw = median_of(&results[2].1);
        let mut verdicts = String::new();
        for (name, rates, _) in &results[..2] {
            let cli = median_of(rates);
            let _ = writeln!(
                verdicts,
                "- {name} / bare loop throughput = **{:.2}** (target ≥ 0.8): {}",
                cli / raw,
                verdict(cli / raw >= 0.8)
            );
            if s.peers {
                let peer = median_of(&results[3].1);
                let _ = writeln!(
                    verdicts,
                    "- {name} / npm peer throughput = **{:.1}×** (target ≥ 4×): {}",
                    cli / peer,
                    verdict(cli / peer >= 4.0),
                );
            }
        }

        // Memory: the same command at two sizes.
        let mut memory = String::from("| recipients | peak RSS | rows/s |\n|---|---|---|\n");
        let mut peaks = Vec::new();
        for rows in s.send_memory_rows {
            let csv = self.write_users("send-memory.csv", rows)?;
            let run =
                self.measure(&mut self.cli_send(&url, key, &csv, s.send_concurrency, true))?;
            if !run.success {
                return Err(format!("the CLI failed to send {rows} rows"));
            }
            let peak = run.peak_rss_kib.unwrap_or(0);
            peaks.push(peak);
            let _ = writeln!(
                memory,
                "| {rows} | {} | {:.0} |",
                rss_text(&[peak]),
                rows as f64 / run.wall_s
            );
            let _ = std::fs::remove_file(&csv);
        }
        server.stop();
        let (small, large) = (peaks[0] as f64, peaks[1] as f64);

        // Against the fake with a rate limit: the theoretical minimum is one window per
        // `limit` requests.
        let rate_users = self.write_users("send-rate-users.csv", s.send_rate_rows)?;
        let rate_requests = s.send_rate_rows.div_ceil(50) as u64;
        let windows = rate_requests.div_ceil(s.send_rate_limit);
        let minimum_s = (windows * s.send_window_secs) as f64;
        let (mut fake, ready) = self.start_server(
            Command::new(self.exe("braze-bench"))
                .args(["serve-mock", "--preload", "0"])
                .args(["--rate-limit", &s.send_rate_limit.to_string()])
                .args(["--window-secs", &s.send_window_secs.to_string()])
                .arg("--csv")
                .arg(self.work.join("send-rate-unused.csv")),
        )?;
        let ready = json(&ready)?;
        let (fake_url, fake_key) = (str_of(&ready["url"]), str_of(&ready["key"]));
        let run = self.measure(&mut self.cli_send(
            &fake_url,
            &fake_key,
            &rate_users,
            s.send_concurrency,
            true,
        ))?;
        let stats = fake.finish()?;
        let ratio = run.wall_s / minimum_s;
        let max_429 = stats["max_429_per_window"].as_u64().unwrap_or(u64::MAX);
        let dispatched = stats["users_dispatched"].as_u64().unwrap_or(0);
        let rate_ok = ratio <= 1.10 && max_429 <= 1 && dispatched == s.send_rate_rows as u64;

        let _ = writeln!(
            self.report,
            "## 7. Bulk send: this CLI, the bare loop, the npm peer\n\n{} recipients \
             (`external_user_id` CSV), {requests} requests of at most 50, concurrency {}, \
             against the static responder (`braze-bench static-server`), {} run(s) each, \
             contenders interleaved. The CLI is `braze campaigns trigger send --campaign-id C \
             --from users.csv --concurrency {} --quiet` (duplicate check, rulebook check of \
             each batch), with `--report FILE` (in-flight marks in the file before each \
             request, a line per row after; a new file each run, 30 MB at 100,000 rows) and \
             without (no record of what was sent: an interrupted run cannot be resumed); the \
             bare loop is `braze-bench raw-send` (reqwest, the same batches, no \
             checks, no retries, no report); the peer is `bench/peer/send.cjs` (npm \
             `braze-api`, `campaigns.trigger.send` with the same batches, a pool of the same \
             concurrency).\n\n{table}\n{verdicts}\n\
             Memory: the CLI's bulk send of {} and {} recipients against the static responder. \
             Targets: ≤ 32 MiB at the larger size ({}), and flat: larger / smaller = **{:.3}** \
             (within 10%: {}).\n\n{memory}\n\
             Rate limit: {} recipients ({rate_requests} requests) against `braze-mock` limited \
             to {} requests per {}-second window, so the theoretical minimum is {windows} \
             windows ({minimum_s:.0} s). Targets: wall time ≤ 1.10 × the minimum, at most one \
             429 per window, every user dispatched: {}\n\n\
             | wall time, s | / theoretical minimum | windows spanned | 429s (max per window) | users dispatched |\n\
             |---|---|---|---|---|\n\
             | {:.2} | {:.3} | {} | {} ({}) | {} |\n",
            s.send_rows,
            s.send_concurrency,
            s.send_runs,
            s.send_concurrency,
            s.send_memory_rows[0],
            s.send_memory_rows[1],
            verdict(large <= 32.0 * 1024.0),
            large / small,
            verdict(large <= small * 1.10),
            s.send_rate_rows,
            s.send_rate_limit,
            s.send_window_secs,
            verdict(rate_ok),
            run.wall_s,
            ratio,
            stats["windows_spanned"],
            stats["rate_limited"],
            max_429,
            dispatched,
        );
        Ok(())
    }
}

/// A background server; stopping it closes its stdin, which `serve-mock` takes as the
/// signal to print its account and exit.
struct Server {
    child: Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Server {
    fn finish(&mut self) -> Result<Value, String> {
        drop(self.child.stdin.take());
        let line = self
            .lines
            .next()
            .ok_or("the server printed no account")?
            .map_err(|e| e.to_string())?;
        let _ = wait_with_deadline(&mut self.child, Duration::from_secs(30));
        json(&line)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn wait_with_deadline(child: &mut Child, deadline: Duration) -> Result<bool, String> {
    let started = Instant::now();
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => return Ok(status.success()),
            None if started.elapsed() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "a benchmark process ran over {deadline:?} and was killed"
                ));
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

fn wait_for_port(port: u16, limit: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn load_row(table: &mut String, name: &str, run: &Value) {
    let _ = writeln!(
        table,
        "| {name} | {} | {:.0} | {:.2} | {:.2} | {} |",
        run["requests"],
        run["requests_per_s"].as_f64().unwrap_or(0.0),
        run["p50_ms"].as_f64().unwrap_or(0.0),
        run["p99_ms"].as_f64().unwrap_or(0.0),
        run["statuses"]
    );
}

fn json(text: &str) -> Result<Value, String> {
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or("");
    serde_json::from_str(line).map_err(|e| format!("expected a JSON line, got {text:?}: {e}"))
}

fn str_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The total instruction count of a callgrind output file (its `summary:` line).
fn callgrind_total(file: &Path) -> Result<u64, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    text.lines()
        .find_map(|line| line.strip_prefix("summary:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("{}: no summary line", file.display()))
}

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

fn median_of(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

fn median_u(values: &[u64]) -> u64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or(0)
}

fn range(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{min:.3}–{max:.3}")
}

fn range0(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{min:.0}–{max:.0}")
}

fn list(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.3}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn fmt3(value: f64) -> String {
    format!("{value:.3}")
}

fn rss_text(values: &[u64]) -> String {
    if values.is_empty() {
        return "n/a".into();
    }
    format!("{:.1} MiB", median_u(values) as f64 / 1024.0)
}

fn verdict(met: bool) -> &'static str {
    if met { "**met**" } else { "**missed**" }
}
