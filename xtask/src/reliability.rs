//! `cargo xtask reliability [--full] [campaigns] [schemathesis] [fuzz]`: the evidence of
//! RELIABILITY.md, each part bounded in time, on loopback only.
//!
//! * `campaigns`: the fault and concurrency campaigns (`crates/braze-cli/tests/reliability.rs`,
//!   `crates/braze-cli/tests/send_reliability.rs`, `tests/tests/reliability.rs`): the small
//!   versions the suite runs, or with `--full` the `#[ignore]`d full ones (10,000-row bulk
//!   delete, 10,000-recipient bulk send, 1,000 creates, 64 clients). Figures go to
//!   `target/reliability/figures/*.json`.
//! * `schemathesis`: Schemathesis (from PyPI, into `target/reliability/venv-<python version>`) against the
//!   `braze-mock` binary with `openapi/braze.yaml`; at least 1,000 generated cases, zero
//!   failures, zero 5xx. `--full` generates more cases per operation.
//! * `fuzz`: the AFL++ targets of `fuzz/` through afl.rs on stable Rust (`cargo-afl` is
//!   installed into `target/reliability/tools` when missing), each for 60 s (`--full`:
//!   600 s); zero crashes and hangs.
//!
//! Without a part named, all three run.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use serde_json::Value;

/// The Python that runs Schemathesis, and its version: the newest CPython 3.12 or later
/// found (`python3.13` or `python3.12` on the `PATH`, or under pyenv's `versions`), else
/// `python3`. CPython 3.11, which a new machine has, makes about one run in two fail
/// with "SystemError: AST constructor recursion depth mismatch": Hypothesis parses the
/// source of its lambdas (`ast.parse`) deep in the recursion of Schemathesis's coverage
/// phase over the recursive `ConnectedAudience`, and CPython 3.11's AST constructor
/// miscounts its recursion depth there. That is an interpreter bug, not a finding about
/// the fake; 3.12 and later do not have it.
fn python() -> (PathBuf, String) {
    let version_of = |python: &Path| -> Option<String> {
        let output = Command::new(python)
            .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let version = String::from_utf8(output.stdout).ok()?.trim().to_owned();
        (output.status.success() && !version.is_empty()).then_some(version)
    };
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".pyenv")));
    let mut candidates: Vec<PathBuf> = ["python3.13", "python3.12"].map(PathBuf::from).into();
    if let Some(versions) = pyenv.map(|root| root.join("versions"))
        && let Ok(entries) = std::fs::read_dir(versions)
    {
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path().join("bin/python3"))
            .collect();
        found.sort();
        candidates.extend(found.into_iter().rev());
    }
    let newer = candidates.into_iter().find_map(|python| {
        let version = version_of(&python)?;
        let (major, minor) = version.split_once('.')?;
        let recent = (major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?) >= (3, 12);
        recent.then_some((python, version))
    });
    newer.unwrap_or_else(|| {
        let python = PathBuf::from("python3");
        let version = version_of(&python).unwrap_or_else(|| "3".to_owned());
        (python, version)
    })
}

/// The Schemathesis release the figures in RELIABILITY.md were made with.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
/// The afl.rs release of the fuzz targets (`fuzz/Cargo.toml` asks for `afl = "0.18"`).
const CARGO_AFL: &str = "cargo-afl@0.18.2";
/// Cases Schemathesis generates per operation and phase.
const SCHEMATHESIS_EXAMPLES: [u32; 2] = [100, 300];
/// The least number of cases a run must generate.
const SCHEMATHESIS_MIN_CASES: u64 = 1_000;
/// Seconds each fuzz target runs.
const FUZZ_SECONDS: [u64; 2] = [60, 600];
/// The fuzz targets (`fuzz/src/bin`) and their seed directories (`fuzz/seeds`).
const FUZZ_TARGETS: [&str; 2] = ["rows", "resume"];

pub fn run(root: &Path, args: &[&str]) -> Result<(), String> {
    let full = args.contains(&"--full");
    let mut parts: Vec<&str> = args.iter().copied().filter(|a| *a != "--full").collect();
    if let Some(unknown) = parts
        .iter()
        .find(|p| !["campaigns", "schemathesis", "fuzz"].contains(p))
    {
        return Err(format!(
            "unknown part `{unknown}`: campaigns, schemathesis or fuzz"
        ));
    }
    if parts.is_empty() {
        parts = vec!["campaigns", "schemathesis", "fuzz"];
    }
    let out = root.join("target/reliability");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    for part in parts {
        let started = Instant::now();
        println!(
            "\n==> reliability: {part}{}",
            if full { " (full)" } else { "" }
        );
        match part {
            "campaigns" => campaigns(root, &out, full)?,
            "schemathesis" => schemathesis(root, &out, full)?,
            _ => fuzz(root, &out, full)?,
        }
        println!(
            "==> {part}: done in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn status_of(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn campaigns(root: &Path, out: &Path, full: bool) -> Result<(), String> {
    let figures = out.join("figures");
    for (package, test) in [
        ("braze-cli", "reliability"),
        ("braze-cli", "send_reliability"),
        ("braze-tests", "reliability"),
    ] {
        let mut command = Command::new(crate::workspace::cargo());
        command
            .current_dir(root)
            .args(["test", "--locked", "-p", package, "--test", test, "--"])
            .arg("--nocapture")
            .env("RELIABILITY_FIGURES_DIR", &figures);
        if full {
            command.arg("--ignored");
        }
        status_of(&mut command, &format!("the {package} campaigns"))?;
    }
    println!("figures: {}", figures.display());
    Ok(())
}

/// A child process killed when dropped, so that no fake outlives the run.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn schemathesis(root: &Path, out: &Path, full: bool) -> Result<(), String> {
    let (python, version) = python();
    let venv = out.join(format!("venv-{version}"));
    let st = venv.join("bin/st");
    if !st.exists() {
        println!(
            "installing {SCHEMATHESIS} into {} ({})",
            venv.display(),
            python.display()
        );
        status_of(
            Command::new(&python).arg("-m").arg("venv").arg(&venv),
            "python -m venv",
        )?;
        status_of(
            Command::new(venv.join("bin/pip")).args(["install", "--quiet", SCHEMATHESIS]),
            "pip install schemathesis",
        )?;
    }
    status_of(
        Command::new(crate::workspace::cargo())
            .current_dir(root)
            .args([
                "build",
                "--locked",
                "-p",
                "braze-mock",
                "--bin",
                "braze-mock",
            ]),
        "cargo build -p braze-mock",
    )?;
    let key = "schemathesis-key";
    let mut mock = Reaped(
        Command::new(crate::workspace::target_dir(root)?.join("debug/braze-mock"))
            .args(["--port", "0", "--key", key, "--quiet", "--seed", "1"])
            // Thousands of creates on a few campaign ids: Braze's broadcast limits (10 per
            // minute per audience) would answer most of them 429 instead of testing them.
            .args(["--broadcast-rate-limit", "100000000"])
            .args(["--audience-rate-limit", "100000000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start braze-mock: {e}"))?,
    );
    let mut first = String::new();
    BufReader::new(mock.0.stdout.take().expect("piped stdout"))
        .read_line(&mut first)
        .map_err(|e| format!("braze-mock said nothing: {e}"))?;
    let url = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .ok_or_else(|| format!("braze-mock did not say where it listens: {first:?}"))?
        .to_owned();
    let report = out.join("schemathesis.ndjson");
    let _ = std::fs::remove_file(&report);
    let examples = SCHEMATHESIS_EXAMPLES[usize::from(full)];
    let started = Instant::now();
    // `positive_data_acceptance` is left out: the spec's schemas cannot express Braze's
    // cross-field rules (an ISO 8601 `time`, `broadcast` or recipients, one identifier
    // per recipient...), which the fake enforces with a 400 (RELIABILITY.md).
    // Run from target/reliability: Schemathesis keeps a `.schemathesis` cache where it runs.
    let spec = root.join("openapi/braze.yaml");
    let status = Command::new(&st)
        .current_dir(out)
        .arg("run")
        .arg(&spec)
        .args(["--url", &url])
        .args(["-H", &format!("Authorization: Bearer {key}")])
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        .args(["--max-examples", &examples.to_string(), "--seed", "7"])
        .args(["--workers", "2", "--request-timeout", "10"])
        .args(["--report", "ndjson", "--report-ndjson-path"])
        .arg(&report)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", st.display()))?;
    drop(mock);
    let summary = summarise_schemathesis(&report)?;
    println!(
        "schemathesis: {} cases in {:.0} s; checks passed {}, failed {}; responses by \
         status: {}; 5xx: {}",
        summary.cases,
        started.elapsed().as_secs_f64(),
        summary.checks_passed,
        summary.checks_failed,
        summary.statuses,
        summary.server_errors
    );
    if !status.success() || summary.checks_failed > 0 || summary.server_errors > 0 {
        return Err(format!("schemathesis found failures ({status})"));
    }
    if summary.cases < SCHEMATHESIS_MIN_CASES {
        return Err(format!(
            "schemathesis generated {} cases, fewer than {SCHEMATHESIS_MIN_CASES}",
            summary.cases
        ));
    }
    Ok(())
}

struct SchemathesisSummary {
    cases: u64,
    checks_passed: u64,
    checks_failed: u64,
    statuses: String,
    server_errors: u64,
}

/// Reads Schemathesis's NDJSON events: the cases of every finished scenario, their
/// checks, and the status of every response.
fn summarise_schemathesis(report: &Path) -> Result<SchemathesisSummary, String> {
    let text = std::fs::read_to_string(report)
        .map_err(|e| format!("no schemathesis report {}: {e}", report.display()))?;
    let mut cases = 0;
    let (mut passed, mut failed) = (0, 0);
    let mut statuses = std::collections::BTreeMap::<u64, u64>::new();
    for line in text.lines() {
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let Some(recorder) = event.pointer("/ScenarioFinished/recorder") else {
            continue;
        };
        cases += recorder["cases"].as_object().map_or(0, |c| c.len() as u64);
        for checks in recorder["checks"]
            .as_object()
            .into_iter()
            .flat_map(|c| c.values())
        {
            for check in checks.as_array().into_iter().flatten() {
                match check["status"].as_str() {
                    Some("success") => passed += 1,
                    Some("failure") => failed += 1,
                    _ => {}
                }
            }
        }
        for interactions in recorder["interactions"]
            .as_object()
            .into_iter()
            .flat_map(|i| i.values())
        {
            let all: Vec<&Value> = match interactions {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for interaction in all {
                if let Some(code) = interaction
                    .pointer("/response/status_code")
                    .and_then(Value::as_u64)
                {
                    *statuses.entry(code).or_default() += 1;
                }
            }
        }
    }
    Ok(SchemathesisSummary {
        cases,
        checks_passed: passed,
        checks_failed: failed,
        server_errors: statuses.range(500..600).map(|(_, n)| n).sum(),
        statuses: statuses
            .iter()
            .map(|(code, n)| format!("{code}: {n}"))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

fn fuzz(root: &Path, out: &Path, full: bool) -> Result<(), String> {
    let tools = out.join("tools");
    let xdg = out.join("xdg");
    let path = format!(
        "{}:{}",
        tools.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let cargo_afl = |args: &[&str]| {
        let mut command = Command::new(crate::workspace::cargo());
        command
            .arg("afl")
            .args(args)
            .env("PATH", &path)
            .env("XDG_DATA_HOME", &xdg)
            .env("CARGO_TARGET_DIR", out.join("fuzz-target"))
            .current_dir(root.join("fuzz"));
        command
    };
    if !tools.join("bin/cargo-afl").exists() {
        println!("installing {CARGO_AFL} into {}", tools.display());
        status_of(
            Command::new(crate::workspace::cargo())
                .args(["install", "--locked", "--root"])
                .arg(&tools)
                .arg(CARGO_AFL),
            "cargo install cargo-afl",
        )?;
    }
    if !xdg.join("afl.rs").exists() {
        status_of(
            &mut cargo_afl(&["config", "--build"]),
            "cargo afl config --build",
        )?;
    }
    status_of(&mut cargo_afl(&["build", "--release"]), "cargo afl build")?;
    let seconds = FUZZ_SECONDS[usize::from(full)];
    for target in FUZZ_TARGETS {
        let findings = out.join("afl").join(target);
        let _ = std::fs::remove_dir_all(&findings);
        let binary = out.join("fuzz-target/release").join(target);
        let log_path = out.join("afl").join(format!("{target}.log"));
        std::fs::create_dir_all(out.join("afl")).map_err(|e| format!("{e}"))?;
        let log =
            std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
        let started = Instant::now();
        let status = cargo_afl(&["fuzz"])
            .arg("-i")
            .arg(root.join("fuzz/seeds").join(target))
            .arg("-o")
            .arg(&findings)
            .args(["-V", &seconds.to_string()])
            .arg(&binary)
            .env("AFL_NO_UI", "1")
            .env("AFL_SKIP_CPUFREQ", "1")
            .env("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1")
            .stdout(log)
            .status()
            .map_err(|e| format!("cannot run afl-fuzz: {e}"))?;
        let stats =
            std::fs::read_to_string(findings.join("default/fuzzer_stats")).map_err(|e| {
                format!(
                    "{target}: no fuzzer_stats ({status}; see {}): {e}",
                    log_path.display()
                )
            })?;
        let stat = |name: &str| {
            stats
                .lines()
                .find_map(|line| {
                    let (key, value) = line.split_once(':')?;
                    (key.trim() == name).then(|| value.trim().to_owned())
                })
                .unwrap_or_default()
        };
        println!(
            "fuzz {target}: {} s, {} executions ({} /s), corpus {}, edges {}, crashes {}, \
             hangs {}",
            started.elapsed().as_secs(),
            stat("execs_done"),
            stat("execs_per_sec"),
            stat("corpus_count"),
            stat("edges_found"),
            stat("saved_crashes"),
            stat("saved_hangs")
        );
        if stat("saved_crashes") != "0" || stat("saved_hangs") != "0" {
            return Err(format!(
                "fuzz target {target} found crashes or hangs: {}",
                findings.join("default").display()
            ));
        }
    }
    Ok(())
}
