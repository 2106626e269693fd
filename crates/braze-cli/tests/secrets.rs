//! The key never shows (RELIABILITY.md, "Secrets"): every command path of `braze` (create,
//! update, delete and list for campaigns and Canvas, bulk delete with a report, dry runs,
//! `--mock`, the demo, JSON output, 401, 403 and 5xx errors) runs with distinctive keys and
//! tracing at its most verbose, then stdout, stderr, every report and the wire snapshots
//! are searched for the keys: zero hits.

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use braze_mock::{Fault, FaultRule, Permission};
use common::{
    KEY, Run, add_campaign_schedule, add_canvas_schedule, braze, braze_at, date_in_days, fake, run,
    utc_in_days, words,
};

/// A key the fake refuses (401).
const WRONG_KEY: &str = "wrong-key-never-printed-93c1d7";
/// A key the fake knows, allowed only to delete campaign schedules (403 elsewhere).
const LIMITED_KEY: &str = "limited-key-never-printed-4b0a2e";

/// The keys of the tests that write the snapshots in `snapshots`, read from their sources
/// so that a changed key cannot make the search for it vacuous: a snapshot
/// `<file>__<name>.snap` is written by `tests/tests/<file>.rs`, which must declare its key as
/// `const KEY: &str = "...";`. Returns (source file, key) pairs, one per such file.
fn snapshot_keys(snapshots: &Path) -> Vec<(String, String)> {
    const DECLARATION: &str = "const KEY: &str = \"";
    let mut sources: Vec<String> = std::fs::read_dir(snapshots)
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.split_once("__").map(|(file, _)| format!("{file}.rs"))
        })
        .collect();
    sources.sort();
    sources.dedup();
    sources
        .into_iter()
        .map(|source| {
            let path = snapshots.join("..").join(&source);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{} (writes snapshots): {e}", path.display()));
            let key = text
                .split_once(DECLARATION)
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(key, _)| key.to_owned())
                .filter(|key| !key.is_empty())
                .unwrap_or_else(|| {
                    panic!(
                        "{} writes snapshots but declares no `{DECLARATION}...\";`: \
                         the search for its key in them would have nothing to look for",
                        path.display()
                    )
                });
            (source, key)
        })
        .collect()
}

/// Whether `text` holds something shaped like the embedded fake's generated keys:
/// `mock-` then 32 letters and digits.
fn has_generated_mock_key(text: &str) -> bool {
    text.match_indices("mock-").any(|(at, _)| {
        let rest = &text[at + 5..];
        rest.len() >= 32 && rest.bytes().take(32).all(|b| b.is_ascii_alphanumeric())
    })
}

#[test]
fn no_command_path_prints_a_key() {
    let server = fake(|c| {
        c.key(
            LIMITED_KEY,
            Permission::CampaignsTriggerScheduleDelete.into(),
        )
        .rate_limit(1_000_000, Duration::from_secs(1))
    });
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key.txt");
    std::fs::write(&key_file, format!("  {KEY}\n")).unwrap();
    let mut csv = String::from("campaign_id,schedule_id\n");
    for _ in 0..20 {
        writeln!(csv, "camp-1,{}", add_campaign_schedule(&server, "camp-1")).unwrap();
    }
    csv.push_str("camp-1,no-such-schedule\n,blank\n");
    let input = dir.path().join("rows.csv");
    std::fs::write(&input, &csv).unwrap();
    let input = input.to_str().unwrap().to_owned();
    let report = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();

    let campaign_schedule = add_campaign_schedule(&server, "camp-2");
    let campaign_schedule_2 = add_campaign_schedule(&server, "camp-2");
    let canvas_schedule = add_canvas_schedule(&server, "canvas-1");
    let canvas_schedule_2 = add_canvas_schedule(&server, "canvas-1");
    // Placed from now: the fake (on the system clock) and the SDK agree it is to come.
    let time = &utc_in_days(365);
    let end_time = &date_in_days(400);

    // (key, arguments, the exit code expected)
    let mut cases: Vec<(&'static str, Vec<String>, i32)> = Vec::new();
    let mut add = |key: &'static str, args: &[&str], code: i32| {
        cases.push((key, args.iter().map(|a| (*a).to_owned()).collect(), code));
    };
    for output in ["text", "json"] {
        let o = ["--output", output];
        add(
            KEY,
            &[
                &o[..],
                &[
                    "campaigns",
                    "schedule",
                    "create",
                    "--campaign-id",
                    "camp-2",
                    "--time",
                    time,
                    "--broadcast",
                ],
            ]
            .concat(),
            0,
        );
        add(
            KEY,
            &[
                &o[..],
                &[
                    "canvas",
                    "schedule",
                    "create",
                    "--canvas-id",
                    "canvas-1",
                    "--time",
                    time,
                    "--broadcast",
                    "--context",
                    "{\"a\":1}",
                ],
            ]
            .concat(),
            0,
        );
        add(
            KEY,
            &[&o[..], &["schedules", "list", "--end-time", end_time]].concat(),
            0,
        );
        // 401 and 403.
        add(
            WRONG_KEY,
            &[&o[..], &["schedules", "list", "--end-time", end_time]].concat(),
            1,
        );
        add(
            LIMITED_KEY,
            &[
                &o[..],
                &[
                    "campaigns",
                    "schedule",
                    "create",
                    "--campaign-id",
                    "c",
                    "--time",
                    time,
                    "--broadcast",
                ],
            ]
            .concat(),
            1,
        );
        add(
            LIMITED_KEY,
            &[
                &o[..],
                &words("canvas schedule delete --canvas-id canvas-1 --schedule-id x"),
            ]
            .concat(),
            1,
        );
        // 404 from Braze.
        add(
            KEY,
            &[
                &o[..],
                &words("campaigns schedule delete --campaign-id camp-2 --schedule-id nope"),
            ]
            .concat(),
            1,
        );
        // Dry runs: the preview shows the headers, the key redacted.
        add(
            KEY,
            &[
                &o[..],
                &[
                    "--dry-run",
                    "campaigns",
                    "schedule",
                    "update",
                    "--campaign-id",
                    "c",
                    "--schedule-id",
                    "s",
                    "--time",
                    time,
                ],
            ]
            .concat(),
            0,
        );
        add(
            KEY,
            &[
                &o[..],
                &[
                    "--dry-run",
                    "campaigns",
                    "schedule",
                    "delete",
                    "--from",
                    &input,
                ],
            ]
            .concat(),
            1,
        );
        // Bulk deletes: a report file, and the report on stdout.
        add(
            WRONG_KEY,
            &[
                &o[..],
                &[
                    "campaigns",
                    "schedule",
                    "delete",
                    "--from",
                    &input,
                    "--report",
                    &report(&format!("refused-{output}.jsonl")),
                ],
            ]
            .concat(),
            1,
        );
    }
    add(
        KEY,
        &[
            "campaigns",
            "schedule",
            "update",
            "--campaign-id",
            "camp-2",
            "--schedule-id",
            &campaign_schedule,
            "--time",
            time,
        ],
        0,
    );
    add(
        KEY,
        &[
            "--output",
            "json",
            "campaigns",
            "schedule",
            "update",
            "--campaign-id",
            "camp-2",
            "--schedule-id",
            &campaign_schedule_2,
            "--time",
            time,
        ],
        0,
    );
    add(
        KEY,
        &[
            "canvas",
            "schedule",
            "update",
            "--canvas-id",
            "canvas-1",
            "--schedule-id",
            &canvas_schedule,
            "--time",
            time,
        ],
        0,
    );
    add(
        KEY,
        &[
            "canvas",
            "schedule",
            "delete",
            "--canvas-id",
            "canvas-1",
            "--schedule-id",
            &canvas_schedule_2,
        ],
        0,
    );
    add(
        KEY,
        &[
            "campaigns",
            "schedule",
            "delete",
            "--campaign-id",
            "camp-2",
            "--schedule-id",
            &campaign_schedule,
        ],
        0,
    );
    add(
        KEY,
        &[
            "campaigns",
            "schedule",
            "delete",
            "--from",
            &input,
            "--report",
            &report("bulk.jsonl"),
            "--concurrency",
            "4",
        ],
        1,
    );
    add(
        KEY,
        &[
            "--output",
            "json",
            "campaigns",
            "schedule",
            "delete",
            "--from",
            &input,
            "--report",
            "-",
        ],
        1,
    );
    // A usage error and a bad input.
    add(
        KEY,
        &[
            "campaigns",
            "schedule",
            "create",
            "--campaign-id",
            "c",
            "--time",
            time,
            "--audience",
            "{not json",
        ],
        2,
    );
    add(KEY, &words("--output json schedules list"), 2);

    let mut outputs: Vec<Run> = Vec::new();
    for (i, (key, args, code)) in cases.iter().enumerate() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut command = braze_at(&server, key);
        // Half at -vvv, half through RUST_LOG=trace: the most verbose either way.
        let out = if i % 2 == 0 {
            run(&mut command, &[&["-vvv"], &args[..]].concat())
        } else {
            run(command.env("RUST_LOG", "trace"), &args)
        };
        assert_eq!(out.code, Some(*code), "{args:?}: {out:?}");
        outputs.push(out);
    }
    // 5xx answers (an HTML page and a JSON error), retried, then given up.
    server.inject(FaultRule::new(Fault::Html(502)).next(2));
    server.inject(FaultRule::new(Fault::Status(503)).next(2));
    let out = run(
        &mut braze_at(&server, KEY),
        &words(&format!(
            "-vvv --retries 4 schedules list --end-time {end_time}"
        )),
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    outputs.push(out);
    // The key from a file.
    let out = run(
        braze().env("BRAZE_REST_ENDPOINT", server.url()),
        &[
            "-vvv",
            "--api-key-file",
            key_file.to_str().unwrap(),
            "schedules",
            "list",
            "--end-time",
            end_time,
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    outputs.push(out);
    // The embedded fake and the demo, with the keys they generate.
    for args in [
        &[
            "-vvv",
            "--mock",
            "campaigns",
            "schedule",
            "create",
            "--campaign-id",
            "c",
            "--time",
            time,
            "--broadcast",
        ][..],
        &words(&format!(
            "-vvv --mock --output json schedules list --end-time {end_time}"
        ))[..],
        &words("-vvv --mock --dry-run campaigns schedule delete --campaign-id c --schedule-id s")[..],
        &words("-vvv demo")[..],
        &words("--output json demo")[..],
    ] {
        let out = run(braze().env("RUST_LOG", "trace"), args);
        assert_eq!(out.code, Some(0), "{args:?}: {out:?}");
        outputs.push(out);
    }

    // The search.
    let mut searched = 0usize;
    let mut texts: Vec<(String, String)> = outputs
        .iter()
        .enumerate()
        .map(|(i, out)| (format!("run {i}"), out.all_output()))
        .collect();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            texts.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/tests/snapshots");
    for entry in std::fs::read_dir(&snapshots).unwrap() {
        let path = entry.unwrap().path();
        texts.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }
    let snapshot_keys = snapshot_keys(&snapshots);
    let sources: Vec<&str> = snapshot_keys
        .iter()
        .map(|(source, _)| source.as_str())
        .collect();
    assert!(sources.contains(&"wire.rs"), "{sources:?}");
    let mut keys = vec![KEY, WRONG_KEY, LIMITED_KEY];
    keys.extend(snapshot_keys.iter().map(|(_, key)| key.as_str()));
    for (name, text) in &texts {
        searched += text.len();
        for key in &keys {
            assert!(!text.contains(key), "{name} holds a key:\n{text}");
        }
        assert!(
            !has_generated_mock_key(text),
            "{name} holds a generated key:\n{text}"
        );
    }
    // The search was not vacuous: traces ran, previews showed the redacted header, and
    // reports were written.
    let all: String = texts.iter().map(|(_, t)| t.as_str()).collect();
    assert!(all.contains("TRACE"), "tracing at trace level ran");
    assert!(all.contains("braze.request"));
    assert!(
        all.contains("Bearer [redacted]"),
        "a preview showed the header"
    );
    assert!(texts.iter().filter(|(n, _)| n.ends_with(".jsonl")).count() >= 3);
    assert!(has_generated_mock_key(
        "x mock-0123456789abcdefghijABCDEFGHIJ01 y"
    ));
    println!(
        "searched {} runs, {} reports and snapshot files, {searched} bytes: 0 keys found \
         (with the keys of {sources:?})",
        outputs.len(),
        texts.len() - outputs.len()
    );
}
