//! The `braze-conformance` program (what `cargo xtask conformance` runs) against a fake
//! standing for the workspace: it refuses to start without the test ids, its dry run
//! sends nothing, a run after a kill deletes what the killed run left, Ctrl-C cleans up,
//! and the key is in no output.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use braze_conformance::{Ledger, TestIds, fake_config};
use braze_mock::{Fault, FaultRule, MockServer, Permissions};

const KEY: &str = "distinctive-conformance-secret-7c31f9";
const DELETE: &str = "/campaigns/trigger/schedule/delete";

fn ids() -> TestIds {
    TestIds {
        campaign_id: "test-campaign".into(),
        canvas_id: "test-canvas".into(),
        user: "test-user".into(),
    }
}

async fn workspace() -> MockServer {
    MockServer::start(fake_config(&ids()).key(KEY, Permissions::all()))
        .await
        .expect("fake workspace")
}

fn command(endpoint: &str, dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_braze-conformance"));
    command
        // The rest of the environment is kept: under `faketime` (CI's run with the clock
        // ten years ahead) the program must see the same clock as the fake it talks to.
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env("BRAZE_REST_ENDPOINT", endpoint)
        .env("BRAZE_API_KEY", KEY)
        .env("BRAZE_CONFORMANCE_CAMPAIGN_ID", "test-campaign")
        .env("BRAZE_CONFORMANCE_CANVAS_ID", "test-canvas")
        .env("BRAZE_CONFORMANCE_USER", "test-user")
        .arg("--transcript")
        .arg(dir.join("transcript.jsonl"))
        .arg("--ledger")
        .arg(dir.join("ledger.jsonl"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every file the run wrote and everything it printed, without the key.
fn assert_no_key(dir: &Path, printed: &str) {
    assert!(!printed.contains(KEY), "the key was printed");
    for file in ["transcript.jsonl", "ledger.jsonl"] {
        let written = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(!written.contains(KEY), "the key is in {file}");
    }
}

fn open_entries(dir: &Path, endpoint: &str) -> usize {
    Ledger::open(&dir.join("ledger.jsonl"), endpoint, "reader")
        .and_then(|ledger| ledger.open_entries())
        .map(|open| open.len())
        .unwrap_or(0)
}

/// Waits until the fake has drawn the delay fault: the probe's first delete hangs.
fn wait_for_the_hanging_delete(server: &MockServer, child: &mut Child) {
    let started = Instant::now();
    while server.fault_counts().delay == 0 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before its delete"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no delete reached the fake"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    (dir, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_after_a_kill_deletes_what_the_killed_run_left() {
    let server = workspace().await;
    let (_guard, dir) = scratch();
    server.inject(
        FaultRule::new(Fault::Delay(Duration::from_secs(60)))
            .on_path(DELETE)
            .next(1),
    );
    let mut killed = command(server.url(), &dir).spawn().unwrap();
    wait_for_the_hanging_delete(&server, &mut killed);
    killed.kill().unwrap();
    let killed = killed.wait_with_output().unwrap();
    let left = server.schedules();
    assert_eq!(left.len(), 3, "the killed run left its three schedules");
    assert_eq!(open_entries(&dir, server.url()), 3);
    assert_no_key(&dir, &text(&killed));

    server.clear_faults();
    let next = command(server.url(), &dir).output().unwrap();
    let printed = text(&next);
    assert!(next.status.success(), "{printed}");
    for schedule in &left {
        let id = schedule.reference.schedule_id().as_str();
        assert!(
            printed.contains("cleanup: deleted") && printed.contains(id),
            "{id} not reported deleted: {printed}"
        );
    }
    assert!(server.schedules().is_empty(), "{:?}", server.schedules());
    assert_eq!(open_entries(&dir, server.url()), 0);
    assert!(printed.contains("0 differ"), "{printed}");
    assert!(server.dispatches().is_empty(), "the probe sent a message");
    assert_no_key(&dir, &printed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_the_plan_and_cleans_up() {
    let server = workspace().await;
    let (_guard, dir) = scratch();
    server.inject(
        FaultRule::new(Fault::Delay(Duration::from_secs(2)))
            .on_path(DELETE)
            .next(1),
    );
    let mut child = command(server.url(), &dir).spawn().unwrap();
    wait_for_the_hanging_delete(&server, &mut child);
    let interrupt = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupt.success());
    let output = child.wait_with_output().unwrap();
    let printed = text(&output);
    assert_eq!(output.status.code(), Some(130), "{printed}");
    assert!(printed.contains("interrupted"), "{printed}");
    // What the stop cut short is not reported as a difference.
    assert!(printed.contains("0 differ"), "{printed}");
    assert!(printed.contains("stopped (Ctrl-C)"), "{printed}");
    assert!(server.schedules().is_empty(), "{:?}", server.schedules());
    assert_eq!(open_entries(&dir, server.url()), 0);
    assert_no_key(&dir, &printed);
}

#[test]
fn without_the_test_ids_it_refuses_to_start_and_sends_nothing() {
    let (_guard, dir) = scratch();
    // A port nothing listens on: a request would fail, but none may be made.
    let output = command("http://127.0.0.1:9", &dir)
        .env_remove("BRAZE_CONFORMANCE_CANVAS_ID")
        .output()
        .unwrap();
    let printed = text(&output);
    assert_eq!(output.status.code(), Some(2), "{printed}");
    assert!(printed.contains("--canvas-id"), "{printed}");
    assert!(!dir.join("transcript.jsonl").exists());
    assert_no_key(&dir, &printed);
}

#[test]
fn the_dry_run_prints_the_plan_and_sends_nothing() {
    let (_guard, dir) = scratch();
    let output = command("http://127.0.0.1:9", &dir)
        .arg("--dry-run")
        .output()
        .unwrap();
    let printed = text(&output);
    assert!(output.status.success(), "{printed}");
    for experiment in braze_conformance::probes::plan() {
        assert!(printed.contains(experiment.name), "{printed}");
    }
    assert!(
        printed.contains("skipped: needs --allow-broadcast-probes"),
        "{printed}"
    );
    assert!(printed.contains("Not probed:"), "{printed}");
    assert!(!dir.join("transcript.jsonl").exists());
    assert_no_key(&dir, &printed);
}
