//! Bulk trigger sends (`... trigger send --from FILE`) through the real binary against an
//! in-process fake Braze, judged by the fake's dispatch log: batches of 50, bad rows with
//! their lines, --strict, duplicates, dry runs, JSON output, resume and
//! --resend-unknown, and a kill followed by a resume that sends no user twice.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use braze_mock::{Fault, FaultRule, MockServer, UserId};
use common::{KEY, braze_at, fake, finish, report_lines, run, wait_until};
use serde_json::Value;

const SEND_PATH: &str = braze_sdk::api::operations::TRIGGER_CAMPAIGN_SEND.path;

/// `n` rows of `external_user_id` from `user-0`, with a per-row property.
fn users_csv(n: usize) -> String {
    let mut csv = String::from("external_user_id,trigger_properties\n");
    for i in 0..n {
        writeln!(csv, "user-{i},\"{{\"\"seat\"\": {i}}}\"").unwrap();
    }
    csv
}

/// A temporary directory with `input.csv` holding `csv`.
fn input(csv: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.csv");
    std::fs::write(&path, csv).unwrap();
    (dir, path)
}

/// `braze campaigns trigger send --campaign-id camp-1 --from INPUT`, then `extra`.
fn send_args(input: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "campaigns",
        "trigger",
        "send",
        "--campaign-id",
        "camp-1",
        "--from",
        input.to_str().unwrap(),
    ]
    .map(str::to_owned)
    .into();
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    args
}

fn send(server: &MockServer, input: &Path, extra: &[&str]) -> common::Run {
    let args = send_args(input, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&mut braze_at(server, KEY), &args)
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

/// The last line of each input line in a report: its outcome.
fn outcomes(lines: &[Value]) -> BTreeMap<u64, Value> {
    lines
        .iter()
        .map(|line| (line["line"].as_u64().unwrap(), line.clone()))
        .collect()
}

fn user_of(line: &Value) -> String {
    line["user"]["external_user_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn rows_go_out_fifty_per_request_each_user_once() {
    let server = fake(|c| c);
    let (dir, path) = input(&users_csv(120));
    let report = dir.path().join("report.jsonl");
    let out = send(
        &server,
        &path,
        &["--report", report.to_str().unwrap(), "--concurrency", "2"],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let dispatches = server.dispatches();
    let mut sizes: Vec<usize> = dispatches.iter().map(|d| d.users.len()).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [20, 50, 50], "three requests of at most 50");
    let users = dispatched(&server);
    assert_eq!(users.len(), 120);
    assert!(users.values().all(|n| *n == 1), "{users:?}");
    // The per-row property went with its row.
    let body = server
        .requests()
        .into_iter()
        .find(|r| r.path == SEND_PATH)
        .and_then(|r| r.body.as_ref()?.json().cloned())
        .unwrap();
    let first = &body["recipients"][0];
    let seat = first["external_user_id"].as_str().unwrap()["user-".len()..]
        .parse::<u64>()
        .unwrap();
    assert_eq!(first["trigger_properties"]["seat"], seat);
    // Each row: in flight, then sent with its batch's dispatch.
    let lines = report_lines(&report);
    assert_eq!(lines.len(), 240, "two lines per sent row");
    let ids: BTreeSet<&str> = dispatches.iter().map(|d| d.dispatch_id.as_str()).collect();
    for (line, last) in outcomes(&lines) {
        assert_eq!(last["outcome"], "sent", "line {line}: {last}");
        assert!(
            ids.contains(last["dispatch_id"].as_str().unwrap()),
            "{last}"
        );
    }
    let first_mark = lines
        .iter()
        .position(|l| l["outcome"] == "in_flight")
        .unwrap();
    let first_sent = lines.iter().position(|l| l["outcome"] == "sent").unwrap();
    assert!(first_mark < first_sent, "marks are written before answers");
    assert!(!out.all_output().contains(KEY));
}

#[test]
fn a_bad_row_is_reported_with_its_line_and_the_others_go_on() {
    let server = fake(|c| c);
    let csv = "external_user_id,email,trigger_properties\n\
        user-1,,\n\
        ,ada@example.com,\n\
        user-3,,{not json\n\
        user-4,b@example.com,\n\
        user-5,,\n";
    let (dir, path) = input(csv);
    let report = dir.path().join("report.jsonl");
    let out = send(&server, &path, &["--report", report.to_str().unwrap()]);
    assert_eq!(
        out.code,
        Some(1),
        "invalid rows make the exit code 1: {out:?}"
    );
    let last = outcomes(&report_lines(&report));
    assert_eq!(last.len(), 5, "one outcome per row");
    for line in [3, 4, 5] {
        assert_eq!(
            last[&line]["outcome"], "invalid",
            "line {line}: {}",
            last[&line]
        );
    }
    // The rulebook's words: an email needs its prioritization; one identifier per user.
    assert!(
        last[&3]["message"]
            .as_str()
            .unwrap()
            .contains("prioritization")
    );
    assert!(
        last[&4]["message"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    assert!(
        last[&5]["message"]
            .as_str()
            .unwrap()
            .contains("exactly one")
    );
    assert_eq!(last[&2]["outcome"], "sent");
    assert_eq!(last[&6]["outcome"], "sent");
    let users = dispatched(&server);
    assert_eq!(users.keys().collect::<Vec<_>>(), ["user-1", "user-5"]);
}

#[test]
fn strict_sends_nothing_when_a_row_is_bad() {
    let server = fake(|c| c);
    let mut csv = users_csv(60);
    csv.push_str(",\"{}\"\n");
    let (_dir, path) = input(&csv);
    let out = send(&server, &path, &["--strict"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("line 62"), "{}", out.stderr);
    assert!(out.stderr.contains("nothing was sent"), "{}", out.stderr);
    assert!(server.dispatches().is_empty());
}

#[test]
fn duplicates_are_refused_with_their_lines_unless_allowed() {
    let server = fake(|c| c);
    let csv = "external_user_id\nuser-1\nuser-2\nuser-1\nuser-3\n";
    let (_dir, path) = input(csv);
    let out = send(&server, &path, &[]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains("external_user_id user-1: lines 2, 4"),
        "{}",
        out.stderr
    );
    assert!(server.dispatches().is_empty(), "nothing is sent");

    let out = send(
        &server,
        &path,
        &["--allow-duplicates", "--concurrency", "1"],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let users = dispatched(&server);
    assert_eq!(
        users["user-1"], 1,
        "one batch names user-1 twice: {users:?}"
    );
    let named: usize = server.dispatches().iter().map(|d| d.users.len()).sum();
    assert_eq!(named, 3, "the fake sends to each user of a request once");
}

#[test]
fn a_dry_run_prints_the_first_batch_and_counts_the_batches() {
    let server = fake(|c| c);
    let (_dir, path) = input(&users_csv(230));
    let out = send(&server, &path, &["--dry-run"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains(SEND_PATH), "{}", out.stdout);
    assert!(out.stdout.contains("\"user-49\""), "{}", out.stdout);
    assert!(!out.stdout.contains("\"user-50\""), "only the first batch");
    assert!(
        out.stderr.contains("5 batches of at most 50"),
        "{}",
        out.stderr
    );
    assert!(server.dispatches().is_empty());
    assert!(server.requests().is_empty(), "a dry run sends nothing");
}

#[test]
fn json_output_is_one_summary_object() {
    let server = fake(|c| c);
    let (_dir, path) = input(&users_csv(75));
    let args = send_args(&path, &[]);
    let mut all = vec!["--output", "json", "--quiet"];
    all.extend(args.iter().map(String::as_str));
    let out = run(&mut braze_at(&server, KEY), &all);
    assert_eq!(out.code, Some(0), "{out:?}");
    let summary: Value = serde_json::from_str(&out.stdout).expect("one JSON object");
    assert_eq!(summary["rows"], 75);
    assert_eq!(summary["sent"], 75);
    assert_eq!(summary["batches"], 2);
    assert_eq!(summary["dispatches"], 2);
    assert_eq!(summary["unknown"], 0);
    assert_eq!(summary["exit_code"], 0);
    assert!(out.stderr.is_empty(), "--quiet: {}", out.stderr);
}

#[test]
fn resume_skips_sent_and_unknown_rows_and_resend_unknown_sends_the_unknown() {
    let server = fake(|c| c);
    // The first batch is processed and its answer never comes (a timeout after the fake
    // dispatched): unknown. The other two are sent.
    server.inject(
        FaultRule::new(Fault::Hang(Duration::from_millis(1_500)))
            .next(1)
            .on_path(SEND_PATH),
    );
    let (dir, path) = input(&users_csv(150));
    let first = dir.path().join("first.jsonl");
    let out = send(
        &server,
        &path,
        &[
            "--report",
            first.to_str().unwrap(),
            "--concurrency",
            "1",
            "--timeout",
            "500ms",
        ],
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    server.inject(
        FaultRule::new(Fault::Status(500))
            .next(1)
            .on_path(SEND_PATH),
    );
    // Run 1 left batch 1 unknown (the fake did dispatch it).
    let last = outcomes(&report_lines(&first));
    let unknown: BTreeSet<String> = last
        .values()
        .filter(|l| l["outcome"] == "unknown")
        .map(user_of)
        .collect();
    assert_eq!(unknown.len(), 50, "{last:?}");
    assert!(out.stderr.contains("50 rows unknown"), "{}", out.stderr);
    assert_eq!(
        dispatched(&server).len(),
        150,
        "the hung batch was dispatched"
    );

    // Resumed: nothing is sent again; the summary names the unknown rows.
    let requests = server.requests().len();
    let second = dir.path().join("second.jsonl");
    let out = send(
        &server,
        &path,
        &[
            "--report",
            second.to_str().unwrap(),
            "--resume",
            first.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, Some(1), "unknown rows need a look: {out:?}");
    assert_eq!(server.requests().len(), requests, "no request at all");
    assert!(
        out.stderr.contains("line 2: external_user_id user-0"),
        "{}",
        out.stderr
    );
    let last = outcomes(&report_lines(&second));
    assert_eq!(
        last.values()
            .filter(|l| l["skip_reason"] == "already_sent")
            .count(),
        100
    );
    assert_eq!(
        last.values()
            .filter(|l| l["skip_reason"] == "unknown")
            .count(),
        50
    );
    assert!(dispatched(&server).values().all(|n| *n == 1));

    // --resend-unknown: the explicit choice of at least once. The first attempt gets a
    // 500 (before processing: unknown again), so the unknown rows are still unknown; a
    // second resend sends them.
    let third = dir.path().join("third.jsonl");
    let out = send(
        &server,
        &path,
        &[
            "--report",
            third.to_str().unwrap(),
            "--resume",
            second.to_str().unwrap(),
            "--resend-unknown",
        ],
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    let fourth = dir.path().join("fourth.jsonl");
    let out = send(
        &server,
        &path,
        &[
            "--report",
            fourth.to_str().unwrap(),
            "--resume",
            third.to_str().unwrap(),
            "--resend-unknown",
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let users = dispatched(&server);
    for user in &unknown {
        assert_eq!(users[user], 2, "{user}: the hung dispatch and the resend");
    }
    assert_eq!(users.values().filter(|n| **n == 1).count(), 100);
}

#[test]
fn a_killed_run_is_resumed_without_sending_any_user_twice() {
    // Slow enough to kill mid-run: 4 requests per second, paced by the SDK.
    let server = fake(|c| c.rate_limit(4, Duration::from_secs(1)));
    let rows = 1_000;
    let (dir, path) = input(&users_csv(rows));
    let first = dir.path().join("first.jsonl");
    let args = send_args(
        &path,
        &["--report", first.to_str().unwrap(), "--concurrency", "4"],
    );
    let child = braze_at(&server, KEY)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        wait_until(Duration::from_secs(30), || server.dispatches().len() >= 6),
        "the run got going"
    );
    let mut child = child;
    child.kill().unwrap();
    let killed = finish(child, Duration::from_secs(10));
    assert_eq!(killed.code, None, "killed by SIGKILL");
    let marked = report_lines(&first)
        .iter()
        .filter(|l| l["outcome"] == "in_flight")
        .count();
    assert!(marked >= 6 * 50, "{marked} rows marked in flight");

    let second = dir.path().join("second.jsonl");
    let out = send(
        &server,
        &path,
        &[
            "--report",
            second.to_str().unwrap(),
            "--resume",
            first.to_str().unwrap(),
        ],
    );
    assert!(matches!(out.code, Some(0 | 1)), "{out:?}");
    let users = dispatched(&server);
    let twice: Vec<_> = users.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    // No user lost: each is dispatched, or named unknown by the resumed run.
    let last = outcomes(&report_lines(&second));
    assert_eq!(last.len(), rows);
    for (line, row) in &last {
        let user = user_of(row);
        let sent = users.contains_key(&user);
        let unknown = row["skip_reason"] == "unknown";
        assert!(sent || unknown, "line {line} lost: {row}");
        if !sent {
            assert!(unknown, "{row}");
        }
    }
}
