//! Bulk deletes (`--from FILE`) through the real binary against an in-process fake
//! Braze: faults and retries, interruption and resume, malformed rows, dry runs.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::process::Stdio;
use std::time::Duration;

use braze_mock::{Fault, FaultRule};
use common::{
    KEY, add_campaign_schedule, add_canvas_schedule, braze, braze_at, bulk_delete, fake, finish,
    interrupt, report_lines, run, spawn_watched, utc_in_days, wait_until, words,
};
use serde_json::Value;

const DELETE_PATH: &str = braze_sdk::api::operations::DELETE_CAMPAIGN_SCHEDULE.path;

/// Report lines by input line number; fails if a line number appears twice.
fn by_line(lines: &[Value]) -> BTreeMap<u64, &Value> {
    let mut map = BTreeMap::new();
    for line in lines {
        let number = line["line"].as_u64().expect("a line number");
        assert!(
            map.insert(number, line).is_none(),
            "line {number} reported twice"
        );
    }
    map
}

#[test]
fn a_thousand_rows_with_injected_faults_are_each_accounted_for() {
    // A 1 s rate-limit window, so that an injected 429 asks for a short wait.
    let server = fake(|c| c.rate_limit(1_000_000, Duration::from_secs(1)));
    let mut csv = String::from("note,schedule_id,campaign_id\n");
    let mut expected_deleted = BTreeMap::new();
    for i in 0..1_000 {
        let campaign = format!("camp-{}", i % 7);
        let schedule_id = add_campaign_schedule(&server, &campaign);
        writeln!(csv, "row {i},{schedule_id},{campaign}").unwrap();
        expected_deleted.insert(i + 2, schedule_id);
    }
    // Schedules that are not in the file must survive the run.
    let untouched: Vec<String> = (0..10)
        .map(|_| add_campaign_schedule(&server, "camp-keep"))
        .collect();
    // Rows Braze refuses (unknown schedules) and rows that are malformed.
    let mut expected_failed = BTreeSet::new();
    for i in 0..20 {
        writeln!(csv, "unknown,no-such-schedule-{i},camp-1").unwrap();
        expected_failed.insert(1_002 + i);
    }
    csv.push_str("short row\n,blank-campaign,\n");
    let expected_invalid = BTreeSet::from([1_022, 1_023]);

    server.inject(
        FaultRule::mix(
            0.05,
            [
                Fault::Status(503),
                Fault::Status(500),
                Fault::Status(502),
                Fault::Status(429),
                Fault::Delay(Duration::from_secs(2)),
            ],
        )
        .on_path(DELETE_PATH),
    );
    let (out, lines) = bulk_delete(&server, &csv, "--timeout 500ms --concurrency 32");
    assert_eq!(
        out.code,
        Some(1),
        "failed and invalid rows make exit 1: {out:?}"
    );
    assert!(
        out.stderr.contains("summary: 1,022 rows in"),
        "{}",
        out.stderr
    );
    // An unknown schedule whose first attempt got no clear answer (a 5xx, a timeout) and
    // whose retry got 404 is `gone`, not deleted: the tool cannot tell it from a delete
    // applied before its answer was lost (see the crate README).
    let already_gone: usize = out
        .stderr
        .lines()
        .find(|line| line.contains(" rows gone: "))
        .and_then(|line| line.split_whitespace().next())
        .map_or(0, |count| count.parse().expect("a count"));
    let gone_part = match already_gone {
        0 => String::new(),
        n => format!("{n} gone, "),
    };
    assert!(
        out.stderr.contains(&format!(
            "1,000 deleted, {gone_part}{} failed, 2 invalid, 0 skipped",
            20 - already_gone
        )),
        "{}",
        out.stderr
    );

    assert_eq!(lines.len(), 1_022, "one line per row");
    let lines = by_line(&lines);
    assert_eq!(
        lines.keys().copied().collect::<BTreeSet<_>>(),
        (2..=1_023).collect::<BTreeSet<_>>(),
        "every row, by its line in the file (header = line 1)"
    );
    for (line, schedule_id) in &expected_deleted {
        let row = lines[line];
        assert_eq!(row["outcome"], "deleted", "{row}");
        assert_eq!(row["schedule_id"], schedule_id.as_str(), "{row}");
        assert_eq!(row["status"], 200, "{row}");
        assert!(
            server.schedule(schedule_id).is_none(),
            "{schedule_id} is still there"
        );
    }
    let retried = lines
        .values()
        .filter(|row| row["attempts"].as_u64() > Some(1))
        .count();
    assert!(
        retried > 10,
        "faults were retried: {retried} rows took several attempts"
    );
    assert!(
        server.fault_counts().total() > 20,
        "{:?}",
        server.fault_counts()
    );
    let mut gone = 0;
    for line in &expected_failed {
        let row = lines[line];
        assert_eq!(row["status"], 404, "{row}");
        let message = row["message"].as_str().unwrap();
        assert!(message.contains("not found"), "{row}");
        if row["outcome"] == "gone" {
            assert!(message.starts_with("already gone"), "{row}");
            assert_eq!(row["delivery"], "uncertain", "{row}");
            gone += 1;
        } else {
            assert_eq!(row["outcome"], "failed", "{row}");
        }
    }
    assert_eq!(gone, already_gone);
    assert_eq!(lines[&1_022]["outcome"], "invalid");
    assert_eq!(
        lines[&1_022]["message"],
        "has 1 field but the header has 3; missing campaign_id column; missing schedule_id column"
    );
    assert_eq!(lines[&1_023]["outcome"], "invalid");
    assert_eq!(lines[&1_023]["message"], "campaign_id is blank");
    assert!(expected_invalid.iter().all(|l| lines.contains_key(l)));
    // The fake agrees: only the schedules outside the file are left.
    let left: BTreeSet<String> = server
        .schedules()
        .into_iter()
        .map(|s| s.schedule_id().as_str().to_owned())
        .collect();
    assert_eq!(left, untouched.into_iter().collect());
}

#[test]
fn an_interrupted_run_is_finished_by_resume_without_deleting_twice() {
    // 100 requests a second: slow enough to interrupt mid-run.
    let server = fake(|c| c.rate_limit(100, Duration::from_secs(1)));
    let mut jsonl = String::new();
    let mut all = BTreeSet::new();
    for i in 0..600 {
        let schedule_id = add_campaign_schedule(&server, "camp-1");
        writeln!(
            jsonl,
            r#"{{"campaign_id":"camp-1","schedule_id":"{schedule_id}"}}"#
        )
        .unwrap();
        all.insert(schedule_id);
        if i % 100 == 0 {
            jsonl.push('\n'); // blank lines are not rows, but they count as lines
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rows.jsonl");
    std::fs::write(&input, &jsonl).unwrap();
    let first_report = dir.path().join("first.jsonl");

    let child = braze_at(&server, KEY)
        .args(words(&format!(
            "campaigns schedule delete --from {} --report {} --concurrency 8",
            input.display(),
            first_report.display()
        )))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = wait_until(Duration::from_secs(30), || {
        std::fs::read_to_string(&first_report).is_ok_and(|text| text.lines().count() >= 50)
    });
    assert!(started, "the run never got going");
    interrupt(&child);
    let out = finish(child, Duration::from_secs(60));
    assert_eq!(out.code, Some(130), "{out:?}");
    assert!(out.stderr.contains("interrupted"), "{}", out.stderr);

    let first = report_lines(&first_report);
    assert_eq!(first.len(), 600, "every row has its line, sent or not");
    by_line(&first);
    let deleted_first: BTreeSet<String> = first
        .iter()
        .filter(|row| row["outcome"] == "deleted")
        .map(|row| row["schedule_id"].as_str().unwrap().to_owned())
        .collect();
    let skipped_first = first
        .iter()
        .filter(|row| row["outcome"] == "skipped")
        .inspect(|row| assert_eq!(row["message"], "not attempted: interrupted"))
        .count();
    assert!(!deleted_first.is_empty());
    assert!(skipped_first > 0, "the run was stopped before the end");
    assert_eq!(deleted_first.len() + skipped_first, 600, "nothing failed");
    for schedule_id in &deleted_first {
        assert!(server.schedule(schedule_id).is_none());
    }

    let second_report = dir.path().join("second.jsonl");
    let server_requests_before = server.requests().len();
    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "campaigns schedule delete --from {} --resume {} --report {} --concurrency 8",
            input.display(),
            first_report.display(),
            second_report.display()
        )),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let second = report_lines(&second_report);
    assert_eq!(second.len(), 600);
    let second_lines = by_line(&second);
    assert_eq!(
        second_lines.keys().collect::<Vec<_>>(),
        by_line(&first).keys().collect::<Vec<_>>(),
        "the same line numbers"
    );
    for row in &second {
        let schedule_id = row["schedule_id"].as_str().unwrap();
        if deleted_first.contains(schedule_id) {
            assert_eq!(row["outcome"], "skipped", "{row}");
            assert_eq!(
                row["message"],
                "already deleted or gone (recorded in the --resume report)"
            );
        } else {
            assert_eq!(row["outcome"], "deleted", "{row}");
        }
    }
    assert!(server.schedules().is_empty(), "everything is deleted");
    // Nothing was deleted twice: each schedule got exactly one 200, none a 404, and the
    // second run sent only the rows the first had not deleted.
    let mut deletes: BTreeMap<String, usize> = BTreeMap::new();
    for (i, request) in server.requests().iter().enumerate() {
        assert_ne!(request.status, Some(404), "a delete of a deleted schedule");
        let body = request
            .body
            .as_ref()
            .and_then(|b| b.json())
            .cloned()
            .unwrap();
        let schedule_id = body["schedule_id"].as_str().unwrap().to_owned();
        if i >= server_requests_before {
            assert!(
                !deleted_first.contains(&schedule_id),
                "{schedule_id} sent again"
            );
        }
        if request.status == Some(200) {
            *deletes.entry(schedule_id).or_default() += 1;
        }
    }
    assert_eq!(deletes.len(), 600);
    assert!(
        deletes.values().all(|count| *count == 1),
        "a schedule was deleted twice"
    );

    // Chaining: resuming from the second report skips every row.
    let third_report = dir.path().join("third.jsonl");
    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "campaigns schedule delete --from {} --resume {} --resume {} --report {}",
            input.display(),
            second_report.display(),
            first_report.display(),
            third_report.display()
        )),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        report_lines(&third_report)
            .iter()
            .all(|row| row["outcome"] == "skipped")
    );
}

#[test]
fn a_second_interrupt_abandons_requests_in_flight() {
    let server = fake(|c| c);
    // Every delete hangs longer than the test waits: only abandoning ends the run.
    server.inject(FaultRule::new(Fault::Delay(Duration::from_secs(120))).on_path(DELETE_PATH));
    let mut csv = String::from("campaign_id,schedule_id\n");
    for _ in 0..20 {
        let schedule_id = add_campaign_schedule(&server, "camp-1");
        writeln!(csv, "camp-1,{schedule_id}").unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rows.csv");
    std::fs::write(&input, &csv).unwrap();
    let report = dir.path().join("report.jsonl");
    // The workers' trace says when a row is in flight (past the check for a stop).
    let watched = spawn_watched(
        braze_at(&server, KEY)
            .env("RUST_LOG", "braze_cli::bulk=trace")
            .args(words(&format!(
                "--timeout 300s campaigns schedule delete --from {} --report {} --concurrency 4",
                input.display(),
                report.display()
            ))),
    );
    // The SDK's pacer sends one request alone to learn the rate-limit window; the other
    // workers' requests wait for its answer inside the SDK. All four are in flight as far
    // as the command can tell.
    const IN_FLIGHT: &str = "row in flight";
    assert!(
        watched.wait_for_stderr(IN_FLIGHT, 4, Duration::from_secs(20)),
        "four rows never went in flight: {}",
        watched.stderr_count(IN_FLIGHT)
    );
    assert!(
        wait_until(Duration::from_secs(20), || !server.requests().is_empty()),
        "requests never went out"
    );
    interrupt(&watched.child);
    // The second interrupt only once the first was taken (two signals close together may
    // arrive as one).
    assert!(
        watched.wait_for_stderr(
            "interrupted: sending no more rows",
            1,
            Duration::from_secs(20)
        ),
        "the first interrupt was not acknowledged"
    );
    interrupt(&watched.child);
    let out = watched.finish(Duration::from_secs(30));
    assert_eq!(out.code, Some(130), "{out:?}");
    assert!(out.stderr.contains("interrupted again"), "{out:?}");
    assert_eq!(
        out.stderr.matches(IN_FLIGHT).count(),
        4,
        "no row went out after the first interrupt: {out:?}"
    );
    let lines = report_lines(&report);
    assert_eq!(lines.len(), 20, "{lines:?}");
    let abandoned: Vec<&Value> = lines
        .iter()
        .filter(|row| row["outcome"] == "failed")
        .collect();
    assert_eq!(abandoned.len(), 4, "the four in flight: {lines:?}");
    for row in abandoned {
        assert_eq!(
            row["message"],
            "interrupted while in flight; it may or may not have been applied"
        );
    }
    assert_eq!(
        lines
            .iter()
            .filter(|row| row["outcome"] == "skipped")
            .count(),
        16
    );
}

#[test]
fn malformed_rows_are_reported_invalid_with_their_lines() {
    let server = fake(|c| c);
    let good = add_canvas_schedule(&server, "canvas-1");
    let dir = tempfile::tempdir().unwrap();

    let mut csv = b"canvas_id,schedule_id\n".to_vec();
    csv.extend_from_slice(format!("canvas-1,{good}\n").as_bytes());
    csv.extend_from_slice(b"canvas-\xff,s2\n"); // invalid UTF-8
    csv.extend_from_slice(b"canvas-3\n"); // a field short
    csv.extend_from_slice(b"canvas-4,  \n"); // blank id
    let csv_path = dir.path().join("rows.csv");
    std::fs::write(&csv_path, &csv).unwrap();
    let report = dir.path().join("csv-report.jsonl");
    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "canvas schedule delete --from {} --report {}",
            csv_path.display(),
            report.display()
        )),
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    let lines = report_lines(&report);
    let lines = by_line(&lines);
    assert_eq!(lines[&2]["outcome"], "deleted");
    assert_eq!(lines[&2]["canvas_id"], "canvas-1");
    assert_eq!(lines[&3]["outcome"], "invalid");
    assert_eq!(lines[&3]["message"], "canvas_id is not valid UTF-8");
    assert_eq!(
        lines[&4]["message"],
        "has 1 field but the header has 2; missing schedule_id column"
    );
    assert_eq!(lines[&5]["message"], "schedule_id is blank");
    assert!(server.schedules().is_empty());

    let jsonl = "{\"canvas_id\":\"canvas-1\",\"schedule_id\":\"gone\"}\n\
                 [\"not\",\"an\",\"object\"]\n\
                 {\"canvas_id\":7,\"schedule_id\":\"s\"}\n\
                 {\"schedule_id\":\"s\"}\n\
                 {broken json\n";
    let jsonl_path = dir.path().join("rows.txt");
    std::fs::write(&jsonl_path, jsonl).unwrap();
    // Without --report, problem rows are listed on stderr; the format is sniffed.
    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "canvas schedule delete --from {}",
            jsonl_path.display()
        )),
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    for expected in [
        "line 1: canvas_id=canvas-1 schedule_id=gone: failed (404)",
        "line 2: canvas_id=? schedule_id=?: invalid: not a JSON object (found an array)",
        "line 3: canvas_id=7 schedule_id=s: invalid: canvas_id must be a string, not a number",
        "line 4: canvas_id=? schedule_id=s: invalid: missing canvas_id",
        "line 5: canvas_id=? schedule_id=?: invalid: not valid JSON",
    ] {
        assert!(
            out.stderr.contains(expected),
            "missing {expected:?} in {}",
            out.stderr
        );
    }
    assert!(out.stderr.contains("1 failed, 4 invalid"), "{}", out.stderr);
}

#[test]
fn a_row_whose_field_count_differs_from_the_header_s_is_invalid_and_not_sent() {
    let server = fake(|c| c);
    let extra = add_campaign_schedule(&server, "camp-1");
    let good = add_campaign_schedule(&server, "camp-1");
    let trailing = add_campaign_schedule(&server, "camp-1");
    let csv = format!(
        "campaign_id,schedule_id\n\
         camp-1,{extra},oops\n\
         camp-1,{good}\n\
         ,,\n\
         camp-1\n\
         camp-1,\"no,such\"\n\
         camp-1,{trailing},\n"
    );
    let (out, lines) = bulk_delete(&server, &csv, "");
    assert_eq!(out.code, Some(1), "invalid rows make exit 1: {out:?}");
    let lines = by_line(&lines);
    // `,,` (line 4) is not a row; every other line is reported once.
    assert_eq!(lines.keys().copied().collect::<Vec<_>>(), [2, 3, 5, 6, 7]);
    let row = lines[&2];
    assert_eq!(row["outcome"], "invalid", "{row}");
    assert_eq!(row["message"], "has 3 fields but the header has 2", "{row}");
    assert_eq!(row["campaign_id"], "camp-1", "{row}");
    assert_eq!(row["schedule_id"], extra.as_str(), "{row}");
    assert_eq!(
        (row["attempts"].as_u64(), &row["status"]),
        (Some(0), &Value::Null)
    );
    assert_eq!(lines[&3]["outcome"], "deleted");
    assert_eq!(lines[&5]["outcome"], "invalid");
    assert_eq!(
        lines[&5]["message"],
        "has 1 field but the header has 2; missing schedule_id column"
    );
    // A quoted comma is inside one field: two fields, sent, and unknown to the fake.
    assert_eq!(lines[&6]["schedule_id"], "no,such");
    assert_eq!(lines[&6]["status"], 404);
    assert_eq!(lines[&7]["outcome"], "invalid");
    assert_eq!(lines[&7]["message"], "has 3 fields but the header has 2");

    // The fake saw the two two-field rows and nothing of the others.
    let sent: Vec<String> = server
        .requests()
        .iter()
        .filter(|request| request.path == DELETE_PATH)
        .filter_map(|request| {
            request.body.as_ref()?.json()?["schedule_id"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(
        sent.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        BTreeSet::from([good.as_str(), "no,such"])
    );
    assert!(server.schedule(&extra).is_some(), "{extra} was deleted");
    assert!(
        server.schedule(&trailing).is_some(),
        "{trailing} was deleted"
    );
    assert!(server.schedule(&good).is_none());
    assert!(
        out.stderr.contains("1 deleted, 1 failed, 3 invalid"),
        "{}",
        out.stderr
    );
}

#[test]
fn stdin_input_and_json_output() {
    let server = fake(|c| c);
    let mut csv = String::from("campaign_id,schedule_id\n");
    for _ in 0..5 {
        let schedule_id = add_campaign_schedule(&server, "camp-1");
        writeln!(csv, "camp-1,{schedule_id}").unwrap();
    }
    let mut child = braze_at(&server, KEY)
        .args(words(
            "--output json campaigns schedule delete --from - --report -",
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(csv.as_bytes()).unwrap();
    }
    let out = finish(child, Duration::from_secs(30));
    assert_eq!(out.code, Some(0), "{out:?}");
    let documents: Vec<Value> = out
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(documents.len(), 6, "five report lines, then the summary");
    assert!(documents[..5].iter().all(|row| row["outcome"] == "deleted"));
    let summary = &documents[5];
    assert_eq!(summary["rows"], 5);
    assert_eq!(summary["deleted"], 5);
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["exit_code"], 0);
    assert!(summary["rows_per_s"].as_f64().is_some());
    assert!(server.schedules().is_empty());
}

#[test]
fn a_bulk_dry_run_checks_rows_and_sends_nothing() {
    let server = fake(|c| c);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rows.csv");
    std::fs::write(&input, "campaign_id,schedule_id\nc1,s1\nc2,\nc3,s3\n").unwrap();
    let report = dir.path().join("report.jsonl");
    let out = run(
        braze().env("BRAZE_REST_ENDPOINT", server.url()),
        &words(&format!(
            "--dry-run campaigns schedule delete --from {} --report {}",
            input.display(),
            report.display()
        )),
    );
    assert_eq!(out.code, Some(1), "an invalid row: {out:?}");
    assert!(
        out.stdout.contains("\"schedule_id\": \"s1\""),
        "the first request: {out:?}"
    );
    let lines = report_lines(&report);
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines
            .iter()
            .filter(|row| row["outcome"] == "skipped")
            .count(),
        2,
        "{lines:?}"
    );
    assert!(server.requests().is_empty(), "a dry run sent a request");
}

#[test]
fn a_refused_key_stops_the_run() {
    let server = fake(|c| c);
    let mut csv = String::from("campaign_id,schedule_id\n");
    for i in 0..200 {
        writeln!(csv, "camp-1,sched-{i}").unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rows.csv");
    std::fs::write(&input, &csv).unwrap();
    let report = dir.path().join("report.jsonl");
    let wrong = "wrong-key-never-printed-5551";
    let out = run(
        &mut braze_at(&server, wrong),
        &words(&format!(
            "-vv campaigns schedule delete --from {} --concurrency 2 --report {}",
            input.display(),
            report.display()
        )),
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr.contains("refused the API key (401)"),
        "{}",
        out.stderr
    );
    let lines = report_lines(&report);
    assert_eq!(lines.len(), 200);
    let failed = lines
        .iter()
        .filter(|row| row["outcome"] == "failed")
        .count();
    assert!(failed <= 4, "only the requests already under way: {failed}");
    assert!(server.requests().len() < 10, "the run went on sending");
    let report_text = std::fs::read_to_string(&report).unwrap();
    assert!(!report_text.contains(wrong) && !out.all_output().contains(wrong));
}

#[test]
fn input_errors_exit_2_before_anything_is_sent() {
    let server = fake(|c| c);
    let dir = tempfile::tempdir().unwrap();
    let no_column = dir.path().join("rows.csv");
    std::fs::write(&no_column, "campaign,schedule_id\nc,s\n").unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "campaign_id,schedule_id\nc,s\n").unwrap();
    let bad_report = dir.path().join("bad-report.jsonl");
    std::fs::write(
        &bad_report,
        "{\"line\":2,\"campaign_id\":\"c\",\"schedule_id\":\"s\",\"outcome\":\"deleted\"}\nnot json\n{}\n",
    )
    .unwrap();

    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "campaigns schedule delete --from {}",
            no_column.display()
        )),
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains("no `campaign_id` column"),
        "{}",
        out.stderr
    );

    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "campaigns schedule delete --from {} --resume {}",
            good.display(),
            bad_report.display()
        )),
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("line 2"), "{}", out.stderr);

    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "campaigns schedule delete --from {} --resume {} --report {}",
            good.display(),
            bad_report.display(),
            bad_report.display()
        )),
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains("also a --resume report"),
        "{}",
        out.stderr
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_2xx_with_an_unreadable_body_counts_as_deleted() {
    let server = fake(|c| c);
    let mut csv = String::from("campaign_id,schedule_id\n");
    for _ in 0..6 {
        let schedule_id = add_campaign_schedule(&server, "camp-1");
        writeln!(csv, "camp-1,{schedule_id}").unwrap();
    }
    // The fake deletes, then answers 200 with a body cut short or not JSON.
    server.inject(FaultRule::new(Fault::Malformed).next(2));
    server.inject(FaultRule::new(Fault::Truncated).next(2));
    let (out, lines) = bulk_delete(&server, &csv, "--concurrency 1");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        lines.iter().all(|row| row["outcome"] == "deleted"),
        "{lines:?}"
    );
    let noted = lines
        .iter()
        .filter(|row| {
            row["message"]
                .as_str()
                .unwrap()
                .starts_with("counted as deleted")
        })
        .count();
    assert_eq!(noted, 4, "{lines:?}");
    assert_eq!(server.fault_counts().total(), 4);
    assert!(server.schedules().is_empty());
}

#[test]
fn a_streak_of_rows_that_cannot_connect_stops_the_run() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut csv = String::from("campaign_id,schedule_id\n");
    for i in 0..300 {
        writeln!(csv, "camp-1,sched-{i}").unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rows.csv");
    std::fs::write(&input, &csv).unwrap();
    let report = dir.path().join("report.jsonl");
    let out = run(
        braze()
            .env("BRAZE_API_KEY", KEY)
            .env("BRAZE_REST_ENDPOINT", format!("http://127.0.0.1:{port}")),
        &words(&format!(
            "--retries 2 campaigns schedule delete --from {} --concurrency 4 --report {}",
            input.display(),
            report.display()
        )),
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr.contains("could not connect to Braze"),
        "{}",
        out.stderr
    );
    let lines = report_lines(&report);
    assert_eq!(lines.len(), 300);
    let failed: Vec<&Value> = lines
        .iter()
        .filter(|row| row["outcome"] == "failed")
        .collect();
    assert!((10..=20).contains(&failed.len()), "{} failed", failed.len());
    assert!(
        failed.iter().all(|row| row["delivery"] == "not_sent"),
        "{failed:?}"
    );
    let skipped = lines
        .iter()
        .filter(|row| row["outcome"] == "skipped")
        .count();
    assert_eq!(skipped, 300 - failed.len());
}

#[test]
fn a_report_that_cannot_be_written_stops_the_run() {
    // /dev/full refuses every write with "no space left on device".
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let server = fake(|c| c);
    let mut csv = String::from("campaign_id,schedule_id\n");
    for _ in 0..50 {
        let schedule_id = add_campaign_schedule(&server, "camp-1");
        writeln!(csv, "camp-1,{schedule_id}").unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rows.csv");
    std::fs::write(&input, &csv).unwrap();
    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "campaigns schedule delete --from {} --report /dev/full --concurrency 1",
            input.display()
        )),
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains("the report could not be written"),
        "{}",
        out.stderr
    );
    assert!(
        server.schedules().len() >= 45,
        "the run went on without a report: {} left",
        server.schedules().len()
    );
}

/// Message schedules are named by `schedule_id` alone: the input has that one column,
/// the report has no owner id, and a resumed run skips what the report deleted.
#[test]
fn message_schedules_are_cancelled_in_bulk_by_schedule_id() {
    let server = fake(|c| c);
    let schedule = || braze_mock::Schedule {
        at_optimal_time: None,
        in_local_time: None,
        time: utc_in_days(365).parse().unwrap(),
    };
    let ids: Vec<String> = (0..5)
        .map(|_| {
            server
                .add_message_schedule(
                    schedule(),
                    serde_json::from_value(serde_json::json!({"apple_push": {"alert": "Hi"}}))
                        .unwrap(),
                )
                .schedule_id()
                .as_str()
                .to_owned()
        })
        .collect();
    let campaign_id = add_campaign_schedule(&server, "camp-1");
    let mut csv = String::from("schedule_id\n");
    for id in &ids {
        writeln!(csv, "{id}").unwrap();
    }
    // A campaign schedule is not a message schedule: 404, and it stays.
    writeln!(csv, "{campaign_id}").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ids.csv");
    std::fs::write(&input, &csv).unwrap();
    let report = dir.path().join("report.jsonl");
    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "messages schedule delete --from {} --report {}",
            input.display(),
            report.display()
        )),
    );
    assert_eq!(out.code, Some(1), "the campaign row fails: {out:?}");
    let lines = report_lines(&report);
    assert_eq!(lines.len(), 6);
    let deleted: Vec<&str> = lines
        .iter()
        .filter(|row| row["outcome"] == "deleted")
        .map(|row| row["schedule_id"].as_str().unwrap())
        .collect();
    assert_eq!(deleted.len(), 5);
    assert!(
        lines.iter().all(|row| row.get("campaign_id").is_none()),
        "{lines:?}"
    );
    assert!(
        server.schedule(&campaign_id).is_some(),
        "the campaign schedule stays"
    );
    assert_eq!(server.schedules().len(), 1);

    // Resumed: the deleted rows are skipped, not sent again.
    server.clear_requests();
    let rest = dir.path().join("rest.jsonl");
    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "messages schedule delete --from {} --resume {} --report {}",
            input.display(),
            report.display(),
            rest.display()
        )),
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    let lines = report_lines(&rest);
    let skipped = lines
        .iter()
        .filter(|row| row["skip_reason"] == "already_deleted")
        .count();
    assert_eq!(skipped, 5, "{lines:?}");
    assert_eq!(
        server.requests().len(),
        1,
        "only the campaign row was sent again"
    );
}

#[test]
fn a_quoted_empty_schedule_id_gets_a_report_line_of_its_own() {
    // Issue 22: in a one-column file a row written `""` was dropped from the run and from
    // the report (98 lines for 100 rows). Every record gets a line; an empty one is
    // invalid, with its line number; a blank line is still no row.
    let server = fake(|c| c);
    let (mut csv, quoted_lines) = one_column_file_with_quoted_empty_ids(&server, "schedule_id", 0);
    csv.push('\n');
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ids.csv");
    std::fs::write(&input, &csv).unwrap();
    let report = dir.path().join("report.jsonl");
    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "messages schedule delete --from {} --report {}",
            input.display(),
            report.display()
        )),
    );
    assert_eq!(out.code, Some(1), "two rows are invalid: {out:?}");
    let lines = report_lines(&report);
    assert_eq!(lines.len(), 100, "one report line per record");
    let rows = by_line(&lines);
    let invalid: Vec<u64> = rows
        .iter()
        .filter(|(_, row)| row["outcome"] == "invalid")
        .map(|(line, _)| *line)
        .collect();
    assert_eq!(invalid, quoted_lines);
    for line in &quoted_lines {
        assert_eq!(
            rows[line]["message"], "schedule_id is blank",
            "{:?}",
            rows[line]
        );
    }
    assert_eq!(server.schedules().len(), 0, "the 98 others are deleted");
}

/// A one-column file of 100 message schedules of `server`, rows 8 and 58 written `""`,
/// with `blank_lines` empty lines before each `""`, after `header`: the file and the
/// lines of its `""` rows.
fn one_column_file_with_quoted_empty_ids(
    server: &braze_mock::MockServer,
    header: &str,
    blank_lines: usize,
) -> (String, Vec<u64>) {
    let schedule = || braze_mock::Schedule {
        at_optimal_time: None,
        in_local_time: None,
        time: utc_in_days(365).parse().unwrap(),
    };
    let mut csv = format!("{header}\n");
    let mut line = 1;
    let mut quoted_lines = Vec::new();
    for n in 0..100u64 {
        line += 1;
        if n % 50 == 7 {
            csv.push_str(&"\n".repeat(blank_lines));
            line += blank_lines as u64;
            csv.push_str("\"\"\n");
            quoted_lines.push(line);
        } else {
            let id = server
                .add_message_schedule(
                    schedule(),
                    serde_json::from_value(serde_json::json!({"apple_push": {"alert": "Hi"}}))
                        .unwrap(),
                )
                .schedule_id()
                .as_str()
                .to_owned();
            writeln!(csv, "{id}").unwrap();
        }
    }
    (csv, quoted_lines)
}

/// The report of a bulk cancel of a file from [`one_column_file_with_quoted_empty_ids`]:
/// a line per record, the `""` ones invalid with their lines, the others deleted.
fn check_quoted_empty_ids_report(
    server: &braze_mock::MockServer,
    out: &common::Run,
    report: &std::path::Path,
    quoted_lines: &[u64],
) {
    assert_eq!(out.code, Some(1), "two rows are invalid: {out:?}");
    let lines = report_lines(report);
    assert_eq!(lines.len(), 100, "one report line per record: {out:?}");
    let rows = by_line(&lines);
    let invalid: Vec<u64> = rows
        .iter()
        .filter(|(_, row)| row["outcome"] == "invalid")
        .map(|(line, _)| *line)
        .collect();
    assert_eq!(invalid, quoted_lines);
    for line in quoted_lines {
        assert_eq!(
            rows[line]["message"], "schedule_id is blank",
            "{:?}",
            rows[line]
        );
    }
    assert_eq!(server.schedules().len(), 0, "the 98 others are deleted");
}

#[test]
fn a_quoted_empty_id_after_more_than_a_read_buffer_of_blank_lines_gets_a_report_line() {
    // Issue 22: a `""` record was told from a blank line by the last two reads only (of
    // 64 KiB from a file): after 128 KiB of blank lines it was taken for one and vanished
    // from the run and the report.
    let server = fake(|c| c);
    let (csv, quoted_lines) =
        one_column_file_with_quoted_empty_ids(&server, "schedule_id", 2 * 64 * 1024 + 1);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ids.csv");
    std::fs::write(&input, &csv).unwrap();
    let report = dir.path().join("report.jsonl");
    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "messages schedule delete --from {} --report {}",
            input.display(),
            report.display()
        )),
    );
    check_quoted_empty_ids_report(&server, &out, &report, &quoted_lines);
}

#[test]
fn quoted_empty_ids_and_a_bom_from_a_slow_pipe_get_report_lines() {
    // The bulk cancel reads stdin as it comes: a BOM before a quoted header, and `""`
    // rows, written a byte at a time, each byte likely a read of its own. The BOM was
    // kept (the header misread) and the `""` rows vanished.
    let server = fake(|c| c);
    let (csv, quoted_lines) =
        one_column_file_with_quoted_empty_ids(&server, "\u{feff}\"schedule_id\"", 0);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.jsonl");
    let mut child = braze_at(&server, KEY)
        .args(words(&format!(
            "messages schedule delete --format csv --from - --report {}",
            report.display()
        )))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        use std::io::Write;
        // Byte by byte through the header and each `""` row; the other rows at once.
        // Once `braze` is likely waiting on stdin, so that the BOM is not read whole.
        std::thread::sleep(Duration::from_millis(500));
        let (header, rows) = csv.split_at(csv.find('\n').unwrap() + 1);
        for (n, byte) in header.as_bytes().iter().enumerate() {
            stdin.write_all(&[*byte])?;
            std::thread::sleep(Duration::from_millis(if n < 4 { 50 } else { 5 }));
        }
        for row in rows.split_inclusive('\n') {
            if row == "\"\"\n" {
                for byte in row.as_bytes() {
                    stdin.write_all(&[*byte])?;
                    std::thread::sleep(Duration::from_millis(20));
                }
            } else {
                stdin.write_all(row.as_bytes())?;
            }
        }
        Ok(())
    });
    let out = finish(child, Duration::from_secs(60));
    let written = writer.join().unwrap();
    assert!(
        written.is_ok(),
        "braze read all of stdin: {written:?}, {out:?}"
    );
    check_quoted_empty_ids_report(&server, &out, &report, &quoted_lines);
}
