//! The bulk-send fault campaign (RELIABILITY.md): the real binary sends a campaign to
//! every user of a file while the fake Braze injects every fault it has on the send
//! endpoint (one of each on the first twelve sends, then a seeded 20% mix; among them the
//! hang: processed, then the connection dropped unanswered), is interrupted by SIGINT,
//! resumed and killed with SIGKILL, then resumed to the end. Judged by the fake's dispatch log: no user sent twice, no user lost (every
//! row sent, refused, invalid, not sent or reported unknown, and the report agrees with
//! the log). Then `--resend-unknown` without faults: every user dispatched at least once.
//!
//! The small campaign (1,000 recipients) runs in the suite; the full one (10,000) is
//! `#[ignore]`d and run by `cargo xtask reliability --full campaigns`. Figures are printed,
//! and written as JSON to `$RELIABILITY_FIGURES_DIR/bulk-send-ROWS.json` when set.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use braze_mock::{Fault, FaultKind, FaultRule, MockServer, UserId};
use common::{KEY, braze_at, fake, finish, interrupt, wait_until};
use serde_json::{Value, json};

const SEND_PATH: &str = braze_sdk::api::operations::TRIGGER_CAMPAIGN_SEND.path;

/// Every fault the fake has.
fn faults() -> [Fault; 12] {
    [
        Fault::Status(429),
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::Status(504),
        // Longer than the client's --timeout below: a timeout, nothing sent.
        Fault::Delay(Duration::from_millis(1_500)),
        // Processed, then the connection dropped unanswered: sent, and the client
        // times out.
        Fault::Hang(Duration::from_millis(1_500)),
        Fault::Reset,
        Fault::Close,
        Fault::Html(502),
        // Processed, then the answer cut short or unreadable.
        Fault::Truncated,
        Fault::Malformed,
    ]
}

/// The fault rules, in the order they are tried: one of each kind on the first twelve
/// sends (so that every kind strikes, even in the small campaign of 20 batches), then a
/// seeded mix on 20% of the sends, drawn evenly from every kind.
fn fault_rules() -> Vec<FaultRule> {
    let mut rules: Vec<FaultRule> = faults()
        .into_iter()
        .map(|fault| FaultRule::new(fault).next(1).on_path(SEND_PATH))
        .collect();
    rules.push(FaultRule::mix(0.20, faults()).on_path(SEND_PATH));
    rules
}

#[test]
fn bulk_send_campaign_small() {
    campaign(1_000, 2, 2, 21);
}

#[test]
#[ignore = "the full campaign (10,000 recipients): cargo xtask reliability --full campaigns"]
fn bulk_send_campaign_full() {
    campaign(10_000, 8, 10, 22);
}

/// How many times the fake dispatched each external user id.
fn dispatched(server: &MockServer) -> BTreeMap<String, usize> {
    let mut users = BTreeMap::new();
    for dispatch in server.dispatches() {
        for user in dispatch.users {
            if let UserId::External(id) = user {
                *users.entry(id).or_insert(0) += 1;
            }
        }
    }
    users
}

/// The lines of a report (a last line cut by a kill left out).
fn lines_of(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("the report");
    text.lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The last word of a report on each input line.
fn last_words(lines: &[Value]) -> BTreeMap<u64, Value> {
    lines
        .iter()
        .map(|line| (line["line"].as_u64().unwrap(), line.clone()))
        .collect()
}

/// A run's figures: its report's last words by outcome (and skip reason).
fn run_figures(name: &str, code: Option<i32>, lines: &[Value]) -> Value {
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    for row in last_words(lines).values() {
        let mut key = row["outcome"].as_str().unwrap().to_owned();
        if let Some(reason) = row["skip_reason"].as_str() {
            key = format!("{key} ({reason})");
        }
        *outcomes.entry(key).or_default() += 1;
    }
    json!({"run": name, "exit": code, "report_lines": lines.len(), "rows": outcomes})
}

/// Runs the campaign: `rows` recipients, `concurrency` requests in flight, the fake
/// taking `per_second` sends a second (paced by the client: slow enough that the signals
/// land mid-run), four runs of the binary, then every check.
fn campaign(rows: usize, concurrency: usize, per_second: u64, seed: u64) {
    let started = Instant::now();
    let server = fake(|c| {
        c.rate_limit(per_second, Duration::from_secs(1))
            .log_capacity(rows + 10_000)
            .seed(seed)
    });
    // One row in 100 is invalid (an email without its prioritization): never sent.
    let mut csv = String::from("external_user_id,email,trigger_properties\n");
    let mut valid: BTreeMap<u64, String> = BTreeMap::new();
    let mut invalid_lines = Vec::new();
    for i in 0..rows {
        let line = i as u64 + 2;
        if i % 100 == 50 {
            writeln!(csv, ",user-{i}@example.com,").unwrap();
            invalid_lines.push(line);
        } else {
            writeln!(csv, "user-{i},,\"{{\"\"n\"\": {i}}}\"").unwrap();
            valid.insert(line, format!("user-{i}"));
        }
    }
    for rule in fault_rules() {
        server.inject(rule);
    }

    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("users.csv");
    std::fs::write(&input, &csv).unwrap();
    let reports: Vec<PathBuf> = (1..=4)
        .map(|n| dir.path().join(format!("report-{n}.jsonl")))
        .collect();
    let concurrency = concurrency.to_string();
    let spawn = |report: &Path, resume: Option<&Path>, extra: &[&str]| -> Child {
        let mut args: Vec<String> = [
            "--timeout",
            "500ms",
            "--output",
            "json",
            "campaigns",
            "trigger",
            "send",
            "--campaign-id",
            "camp-1",
            "--from",
            input.to_str().unwrap(),
            "--concurrency",
            &concurrency,
            "--report",
            report.to_str().unwrap(),
        ]
        .map(str::to_owned)
        .into();
        if let Some(resume) = resume {
            args.push("--resume".into());
            args.push(resume.to_str().unwrap().into());
        }
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        braze_at(&server, KEY)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("braze starts")
    };
    let users_dispatched = || dispatched(&server).len();
    let mut runs = Vec::new();

    // Run 1: SIGINT once a quarter of the users are dispatched.
    let child = spawn(&reports[0], None, &[]);
    assert!(
        wait_until(Duration::from_secs(120), || users_dispatched()
            >= valid.len() / 4),
        "run 1 never got going"
    );
    interrupt(&child);
    let out = finish(child, Duration::from_secs(120));
    assert_eq!(out.code, Some(130), "run 1 ends as interrupted: {out:?}");
    let first = lines_of(&reports[0]);
    assert_eq!(
        last_words(&first).len(),
        rows,
        "an interrupted run reports every row"
    );
    runs.push(run_figures("1: SIGINT", out.code, &first));

    // Run 2: resumed, then SIGKILLed once a quarter of what is left to send (run 1's
    // interrupted rows) is dispatched.
    let left_to_send = last_words(&first)
        .values()
        .filter(|l| l["skip_reason"] == "interrupted" || l["outcome"] == "not_sent")
        .count();
    let before = users_dispatched();
    let mut child = spawn(&reports[1], Some(&reports[0]), &[]);
    assert!(
        wait_until(Duration::from_secs(120), || users_dispatched()
            >= before + left_to_send / 4),
        "run 2 never got going"
    );
    child.kill().expect("SIGKILL");
    let out = finish(child, Duration::from_secs(30));
    assert_eq!(out.code, None, "killed by a signal: {out:?}");
    let second = lines_of(&reports[1]);
    let in_flight_at_kill = {
        let last = last_words(&second);
        last.values()
            .filter(|l| l["outcome"] == "in_flight")
            .count()
    };
    runs.push(run_figures("2: resume, SIGKILL", out.code, &second));

    // Run 3: resumed from run 2's report (which carries run 1's), to the end.
    let out = finish(
        spawn(&reports[2], Some(&reports[1]), &[]),
        Duration::from_secs(900),
    );
    assert!(matches!(out.code, Some(0 | 1)), "run 3 finishes: {out:?}");
    let third = lines_of(&reports[2]);
    runs.push(run_figures("3: resume to the end", out.code, &third));

    // The verdict, from the fake's dispatch log.
    let log = dispatched(&server);
    let sent_twice = log.values().filter(|n| **n > 1).count();
    let last = last_words(&third);
    assert_eq!(last.len(), rows, "run 3 reports every row");
    let mut finals: BTreeMap<&str, u64> = BTreeMap::new();
    let (mut lost, mut disagreements) = (0, 0);
    let (mut unknown_dispatched, mut unknown_not_dispatched) = (0, 0);
    for (line, row) in &last {
        let user = valid.get(line);
        let was_dispatched = user.is_some_and(|u| log.contains_key(u));
        let state = match (
            row["outcome"].as_str().unwrap(),
            row["skip_reason"].as_str(),
        ) {
            ("sent", _) | ("skipped", Some("already_sent")) => "sent",
            ("refused", _) | ("skipped", Some("already_refused")) => "refused",
            ("unknown", _) | ("skipped", Some("unknown")) => "unknown",
            ("not_sent", _) => "not_sent",
            ("invalid", _) => "invalid",
            _ => "lost",
        };
        *finals.entry(state).or_default() += 1;
        match state {
            "sent" => disagreements += usize::from(!was_dispatched),
            "refused" | "not_sent" | "invalid" => disagreements += usize::from(was_dispatched),
            "unknown" if was_dispatched => unknown_dispatched += 1,
            "unknown" => unknown_not_dispatched += 1,
            _ => lost += 1,
        }
        if state == "invalid" {
            assert!(invalid_lines.contains(line), "a valid row invalid: {row}");
        }
    }
    assert_eq!(sent_twice, 0, "users dispatched twice");
    assert_eq!(lost, 0, "rows without an outcome");
    assert_eq!(
        disagreements, 0,
        "rows whose report and the dispatch log disagree"
    );
    assert_eq!(
        finals.get("invalid").copied().unwrap_or(0),
        invalid_lines.len() as u64
    );

    let counts = server.fault_counts();
    let faults: BTreeMap<String, u64> = FaultKind::ALL
        .iter()
        .map(|kind| (kind.as_str().to_owned(), counts.of(*kind)))
        .chain([("total".to_owned(), counts.total())])
        .collect();
    assert!(
        FaultKind::ALL.iter().all(|kind| counts.of(*kind) > 0),
        "every kind of fault struck: {counts:?}"
    );
    let requests = server
        .requests()
        .iter()
        .filter(|r| r.path == SEND_PATH)
        .count();

    // Run 4: --resend-unknown, faults off: at least once for everyone.
    server.clear_faults();
    let out = finish(
        spawn(&reports[3], Some(&reports[2]), &["--resend-unknown"]),
        Duration::from_secs(600),
    );
    let fourth = lines_of(&reports[3]);
    runs.push(run_figures(
        "4: --resend-unknown, no faults",
        out.code,
        &fourth,
    ));
    let after = dispatched(&server);
    let never = valid.values().filter(|u| !after.contains_key(*u)).count();
    let twice_after = after.values().filter(|n| **n > 1).count();
    assert_eq!(never, 0, "users never dispatched after --resend-unknown");
    assert_eq!(
        twice_after, unknown_dispatched,
        "the only users sent twice are the unknown ones the fake had dispatched"
    );

    let figures = json!({
        "campaign": "bulk send",
        "recipients": rows,
        "valid_rows": valid.len(),
        "invalid_rows": invalid_lines.len(),
        "send_requests_seen_by_the_fake": requests,
        "faults_injected": faults,
        "rows_in_flight_at_the_kill": in_flight_at_kill,
        "runs": runs,
        "final_after_run_3": {
            "rows": finals,
            "unknown_the_fake_dispatched": unknown_dispatched,
            "unknown_the_fake_did_not_dispatch": unknown_not_dispatched,
            "users_dispatched_twice": sent_twice,
            "lost": lost,
            "report_log_disagreements": disagreements,
        },
        "after_resend_unknown": {
            "users_never_dispatched": never,
            "users_dispatched_twice": twice_after,
        },
        "elapsed_s": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
    });
    let text = serde_json::to_string_pretty(&figures).unwrap();
    println!("{text}");
    if let Some(dir) = std::env::var_os("RELIABILITY_FIGURES_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        let path = Path::new(&dir).join(format!("bulk-send-{rows}.json"));
        std::fs::write(path, text).unwrap();
    }
}
