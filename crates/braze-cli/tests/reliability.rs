//! The bulk-delete fault campaign (RELIABILITY.md): the real binary against the fake
//! Braze injecting a seeded 20% mix of faults on every delete, interrupted by SIGINT, then
//! resumed and killed with SIGKILL, then resumed to the end. Every row must end with a
//! definite outcome, none deleted twice (at most one 2xx per schedule in the fake's request
//! log), and the fake's state must agree with the reports.
//!
//! The small campaign (1,000 rows) runs in the suite; the full one (10,000 rows) is
//! `#[ignore]`d and run by `cargo xtask reliability` (or `cargo test -p braze-cli --test
//! reliability -- --ignored --nocapture`). Figures are printed, and written as JSON to
//! `$RELIABILITY_FIGURES_DIR/bulk-delete-ROWS.json` when that variable is set.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use braze_mock::{Fault, FaultKind, FaultRule};
use common::{
    KEY, add_campaign_schedule, braze_at, fake, finish, interrupt, report_lines, wait_until,
};
use serde_json::{Value, json};

const DELETE_PATH: &str = "/campaigns/trigger/schedule/delete";

/// The faults of the campaign, drawn evenly when one strikes (20% of deletes).
fn fault_mix() -> FaultRule {
    FaultRule::mix(
        0.20,
        [
            Fault::Status(429),
            Fault::Status(500),
            Fault::Status(502),
            Fault::Status(503),
            Fault::Status(504),
            // Longer than the client's --timeout below: a timeout.
            Fault::Delay(Duration::from_millis(1_500)),
            // The same timeout after the fake deleted: a retry finds the schedule gone.
            Fault::Hang(Duration::from_millis(1_500)),
            Fault::Reset,
            Fault::Close,
            Fault::Html(502),
            Fault::Truncated,
            Fault::Malformed,
        ],
    )
    .on_path(DELETE_PATH)
}

/// What one campaign did, for RELIABILITY.md.
#[derive(Debug)]
struct Figures {
    rows: usize,
    unknown_rows: usize,
    unknown_outcomes: BTreeMap<String, u64>,
    requests: usize,
    faults: BTreeMap<String, u64>,
    runs: Vec<Value>,
    deleted: usize,
    already_gone: usize,
    failed: usize,
    lost: usize,
    deleted_twice: usize,
    disagreements: usize,
    elapsed_s: f64,
}

#[test]
fn bulk_delete_campaign_small() {
    campaign(1_000, 16, 11);
}

#[test]
#[ignore = "the full campaign (10,000 rows, a minute or two): cargo xtask reliability"]
fn bulk_delete_campaign_full() {
    campaign(10_000, 32, 12);
}

/// Runs the campaign: `rows` real schedules (and 1% unknown ones), three runs of the
/// binary (SIGINT, resume + SIGKILL, resume to the end), then every check.
fn campaign(rows: usize, concurrency: usize, seed: u64) {
    let started = Instant::now();
    let server = fake(|c| {
        c.rate_limit(100_000_000, Duration::from_secs(1))
            .log_capacity(rows * 10 + 10_000)
            .seed(seed)
    });
    let unknown_rows = rows / 100;
    let mut csv = String::from("campaign_id,schedule_id\n");
    let mut real: BTreeSet<String> = BTreeSet::new();
    let mut unknown: BTreeSet<String> = BTreeSet::new();
    for i in 0..rows + unknown_rows {
        let campaign = format!("camp-{}", i % 13);
        // Every 101st row names a schedule the fake never had.
        let schedule_id = if i % 101 == 100 && unknown.len() < unknown_rows {
            let id = format!("unknown-{i}");
            unknown.insert(id.clone());
            id
        } else {
            let id = add_campaign_schedule(&server, &campaign);
            real.insert(id.clone());
            id
        };
        writeln!(csv, "{campaign},{schedule_id}").unwrap();
    }
    // Schedules outside the file must survive.
    let bystanders: BTreeSet<String> = (0..5)
        .map(|_| add_campaign_schedule(&server, "camp-keep"))
        .collect();
    let total_rows = real.len() + unknown.len();
    server.inject(fault_mix());

    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rows.csv");
    std::fs::write(&input, &csv).unwrap();
    let reports: Vec<_> = (1..=3)
        .map(|n| dir.path().join(format!("report-{n}.jsonl")))
        .collect();
    let concurrency = concurrency.to_string();
    let args = |report: &Path, resume: &[&Path]| {
        let mut args = vec![
            "--timeout".to_owned(),
            "500ms".to_owned(),
            "--output".to_owned(),
            "json".to_owned(),
            "campaigns".into(),
            "schedule".into(),
            "delete".into(),
            "--from".into(),
            input.to_str().unwrap().to_owned(),
            "--concurrency".into(),
            concurrency.clone(),
            "--report".into(),
            report.to_str().unwrap().to_owned(),
        ];
        for earlier in resume {
            args.push("--resume".into());
            args.push(earlier.to_str().unwrap().to_owned());
        }
        args
    };
    let spawn = |args: Vec<String>| -> Child {
        braze_at(&server, KEY)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("braze starts")
    };
    let left = || server.schedules().len() - bystanders.len();
    let mut runs = Vec::new();

    // Run 1: SIGINT once a quarter of the rows are gone.
    let child = spawn(args(&reports[0], &[]));
    assert!(
        wait_until(Duration::from_secs(60), || left() <= real.len() * 3 / 4),
        "run 1 never got going"
    );
    interrupt(&child);
    let out = finish(child, Duration::from_secs(120));
    assert_eq!(out.code, Some(130), "run 1 ends as interrupted: {out:?}");
    let first = report_lines(&reports[0]);
    assert_eq!(
        first.len(),
        total_rows,
        "an interrupted run reports every row"
    );
    runs.push(summary_of("1: SIGINT", &out.stdout, &first));

    // Run 2: resumed, then SIGKILLed once another quarter of the rows are gone.
    let before = left();
    let mut child = spawn(args(&reports[1], &[&reports[0]]));
    assert!(
        wait_until(Duration::from_secs(60), || left() + real.len() / 4
            <= before),
        "run 2 never got going"
    );
    child.kill().expect("SIGKILL");
    let out = finish(child, Duration::from_secs(30));
    assert_eq!(out.code, None, "killed by a signal: {out:?}");
    let second = partial_report(&reports[1]);
    runs.push(summary_of("2: resume, SIGKILL", "", &second));

    // Run 3: resumed from both reports, to the end.
    let out = finish(
        spawn(args(&reports[2], &[&reports[0], &reports[1]])),
        Duration::from_secs(600),
    );
    assert!(matches!(out.code, Some(0 | 1)), "run 3 finishes: {out:?}");
    let third = report_lines(&reports[2]);
    runs.push(summary_of("3: resume to the end", &out.stdout, &third));

    // Each 2xx the fake gave to a delete, by schedule id.
    let log = server.requests();
    assert!(
        log.len() < rows * 10 + 10_000,
        "the request log kept every request"
    );
    let mut successes: BTreeMap<String, usize> = BTreeMap::new();
    let mut faults_by_status: BTreeMap<String, u64> = BTreeMap::new();
    for request in &log {
        if let Some(Fault::Status(code)) = &request.fault {
            *faults_by_status
                .entry(format!("status {code}"))
                .or_default() += 1;
        }
        if request.status.is_some_and(|s| (200..300).contains(&s)) {
            let body = request.body.as_ref().and_then(|b| b.json()).unwrap();
            let id = body["schedule_id"].as_str().unwrap().to_owned();
            *successes.entry(id).or_default() += 1;
        }
    }
    let deleted_twice = successes.values().filter(|n| **n > 1).count();
    assert_eq!(deleted_twice, 0, "a schedule was deleted twice");
    assert!(
        unknown.iter().all(|id| !successes.contains_key(id)),
        "an unknown schedule got a 2xx"
    );

    // The last run's report has every row; its skipped rows were deleted by the others.
    let mut final_outcome: BTreeMap<String, &Value> = BTreeMap::new();
    for row in &third {
        let id = row["schedule_id"].as_str().unwrap().to_owned();
        assert!(
            final_outcome.insert(id, row).is_none(),
            "a row reported twice: {row}"
        );
    }
    let earlier_deleted: BTreeSet<&str> = first
        .iter()
        .chain(&second)
        .filter(|row| row["outcome"] == "deleted" || row["outcome"] == "gone")
        .map(|row| row["schedule_id"].as_str().unwrap())
        .collect();
    let state: BTreeSet<String> = server
        .schedules()
        .into_iter()
        .map(|s| s.schedule_id().as_str().to_owned())
        .collect();
    let (mut deleted, mut already_gone, mut failed, mut lost, mut disagreements) = (0, 0, 0, 0, 0);
    let mut unknown_outcomes: BTreeMap<String, u64> = BTreeMap::new();
    for id in real.iter().chain(&unknown) {
        let Some(row) = final_outcome.get(id) else {
            lost += 1;
            continue;
        };
        let gone = !state.contains(id);
        let outcome = row["outcome"].as_str().unwrap();
        let message = row["message"].as_str().unwrap();
        match outcome {
            "skipped" => {
                assert_eq!(
                    message, "already deleted or gone (recorded in the --resume report)",
                    "{row}"
                );
                assert!(earlier_deleted.contains(id.as_str()), "{row}");
                deleted += 1;
                disagreements += usize::from(!gone);
            }
            "deleted" => {
                deleted += 1;
                assert_ne!(row["status"], 404, "{row}");
                disagreements += usize::from(!gone);
            }
            // 404 for a row an attempt without a clear answer, or an interrupted run, may
            // have deleted: not there, and not claimed deleted.
            "gone" => {
                already_gone += 1;
                assert_eq!(row["status"], 404, "{row}");
                assert!(message.starts_with("already gone"), "{row}");
                disagreements += usize::from(!gone);
            }
            "failed" => {
                failed += 1;
                assert!(!message.is_empty(), "a failure says why: {row}");
                // A real schedule reported failed is still there, unless the report says
                // an attempt may have deleted it (`delivery: uncertain`: an attempt the fake
                // applied and never answered, a hang, then no clear answer: a 404 whose
                // body could not be read, or more timeouts); an unknown one never was.
                let said_so = row["delivery"] == "uncertain";
                disagreements += usize::from(real.contains(id) && gone && !said_so);
            }
            other => panic!("row ended {other}: {row}"),
        }
        if unknown.contains(id) {
            *unknown_outcomes.entry(outcome.to_owned()).or_default() += 1;
        }
        // A real row is deleted exactly when the fake answered one of its deletes 2xx.
        if real.contains(id) {
            let succeeded = successes.get(id).copied().unwrap_or(0) == 1;
            let doubted = outcome == "failed" && row["delivery"] == "uncertain";
            assert_eq!(
                succeeded,
                outcome != "failed" || (doubted && gone),
                "the report and the request log disagree: {row}; earlier: {:?}",
                first
                    .iter()
                    .chain(&second)
                    .filter(|r| r["schedule_id"] == id.as_str())
                    .collect::<Vec<_>>()
            );
        }
    }
    assert_eq!(lost, 0, "rows without an outcome");
    assert_eq!(
        disagreements, 0,
        "rows whose report and the fake's state disagree"
    );
    assert_eq!(third.len(), total_rows, "one line per row");
    assert!(
        bystanders.iter().all(|id| state.contains(id)),
        "a schedule outside the file was deleted"
    );

    let counts = server.fault_counts();
    let mut faults: BTreeMap<String, u64> = FaultKind::ALL
        .iter()
        .map(|kind| (kind.as_str().to_owned(), counts.of(*kind)))
        .collect();
    faults.extend(faults_by_status);
    faults.insert("total".to_owned(), counts.total());
    assert!(
        FaultKind::ALL.iter().all(|kind| counts.of(*kind) > 0),
        "every kind of fault struck: {counts:?}"
    );

    let figures = Figures {
        rows: real.len(),
        unknown_rows: unknown.len(),
        unknown_outcomes,
        requests: log.len(),
        faults,
        runs,
        deleted,
        already_gone,
        failed,
        lost,
        deleted_twice,
        disagreements,
        elapsed_s: started.elapsed().as_secs_f64(),
    };
    report_figures(&figures);
}

/// A report of a killed run: every line but a last one cut short.
fn partial_report(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("the report");
    let mut lines: Vec<&str> = text.lines().collect();
    if !text.ends_with('\n')
        && let Some(last) = lines.last()
        && serde_json::from_str::<Value>(last).is_err()
    {
        lines.pop();
    }
    lines
        .iter()
        .map(|line| serde_json::from_str(line).expect("each finished line is JSON"))
        .collect()
}

/// One run's outcome counts (from its report) and, when it finished, its summary.
fn summary_of(name: &str, stdout: &str, report: &[Value]) -> Value {
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    for row in report {
        let outcome = row["outcome"].as_str().unwrap().to_owned();
        *outcomes.entry(outcome).or_default() += 1;
    }
    let summary = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|doc| doc.get("rows").is_some());
    json!({
        "run": name,
        "report_lines": report.len(),
        "outcomes": outcomes,
        "retried": summary.as_ref().map(|s| s["retried"].clone()),
        "elapsed_s": summary.as_ref().map(|s| s["elapsed_s"].clone()),
    })
}

fn report_figures(figures: &Figures) {
    let value = json!({
        "campaign": "bulk delete",
        "rows": figures.rows,
        "unknown_rows": figures.unknown_rows,
        "unknown_rows_outcomes": figures.unknown_outcomes,
        "requests_seen_by_the_fake": figures.requests,
        "faults_injected": figures.faults,
        "runs": figures.runs,
        "final": {
            "deleted": figures.deleted,
            "gone": figures.already_gone,
            "failed": figures.failed,
            "lost": figures.lost,
            "deleted_twice": figures.deleted_twice,
            "report_state_disagreements": figures.disagreements,
        },
        "elapsed_s": (figures.elapsed_s * 10.0).round() / 10.0,
    });
    let text = serde_json::to_string_pretty(&value).unwrap();
    println!("{text}");
    if let Some(dir) = std::env::var_os("RELIABILITY_FIGURES_DIR") {
        let path = Path::new(&dir).join(format!("bulk-delete-{}.json", figures.rows));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, text).unwrap();
    }
}
