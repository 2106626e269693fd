//! The server as a whole: state under concurrency, shutdown, and the binary.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use braze_mock::{Config, MockServer};
use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_interleaving_leave_an_exact_state() {
    const CLIENTS: usize = 64;
    const SCHEDULES: usize = 3;
    const UPDATES: usize = 4;
    // Not about the broadcast limits: 192 broadcast creates on 4 campaigns in a second
    // would be far over Braze's 10 per minute per audience.
    let unlimited = (u64::MAX, Duration::from_secs(60));
    let h = Arc::new(
        start(
            Config::new()
                .broadcast_rate_limit(unlimited.0, unlimited.1)
                .audience_rate_limit(unlimited.0, unlimited.1),
        )
        .await,
    );

    // Each client creates its schedules, updates them in turn, deletes the first.
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let h = Arc::clone(&h);
            tokio::spawn(async move {
                let campaign = format!("campaign-{}", client % 4);
                let mut ids = Vec::new();
                for _ in 0..SCHEDULES {
                    ids.push(h.create_campaign(&campaign, LATER).await);
                }
                for round in 0..UPDATES {
                    for (n, id) in ids.iter().enumerate() {
                        let time = format!("2032-{:02}-{:02}T{:02}:00:00Z", n + 1, client % 28 + 1, round);
                        let response = h
                            .post(UPDATE_CAMPAIGN, json!({"campaign_id": campaign, "schedule_id": id, "schedule": {"time": time}}))
                            .await;
                        assert_eq!(response.status(), 200);
                    }
                }
                let response = h
                    .post(DELETE_CAMPAIGN, json!({"campaign_id": campaign, "schedule_id": ids[0]}))
                    .await;
                assert_eq!(response.status(), 200);
                (client, campaign, ids)
            })
        })
        .collect();
    let mut expected = HashMap::new();
    let mut deleted = Vec::new();
    for client in clients {
        let (client, campaign, ids) = client.await.unwrap();
        deleted.push((campaign.clone(), ids[0].clone()));
        for (n, id) in ids.iter().enumerate().skip(1) {
            let time = format!(
                "2032-{:02}-{:02}T{:02}:00:00Z",
                n + 1,
                client % 28 + 1,
                UPDATES - 1
            );
            expected.insert(id.clone(), (campaign.clone(), time));
        }
    }

    let stored = h.server.schedules();
    assert_eq!(stored.len(), CLIENTS * (SCHEDULES - 1));
    for schedule in &stored {
        let (campaign, time) = expected
            .get(schedule.schedule_id().as_str())
            .unwrap_or_else(|| panic!("unexpected {}", schedule.schedule_id()));
        assert_eq!(schedule.owner_id(), Some(campaign.as_str()));
        assert_eq!(schedule.schedule.time.as_str(), time, "an update was lost");
        assert_eq!(schedule.updates, UPDATES as u64);
    }

    // Everyone races to delete the same survivors: each goes exactly once.
    let targets: Vec<(String, String)> = stored
        .iter()
        .take(8)
        .map(|s| {
            let campaign = s
                .owner_id()
                .map(str::to_owned)
                .expect("campaign schedules have an owner");
            (campaign, s.schedule_id().as_str().to_owned())
        })
        .collect();
    let racers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let h = Arc::clone(&h);
            let targets = targets.clone();
            tokio::spawn(async move {
                let mut won = Vec::new();
                for (campaign, id) in targets {
                    let response = h
                        .post(
                            DELETE_CAMPAIGN,
                            json!({"campaign_id": campaign, "schedule_id": id}),
                        )
                        .await;
                    match response.status().as_u16() {
                        200 => won.push(id),
                        404 => {}
                        other => panic!("unexpected {other}"),
                    }
                }
                won
            })
        })
        .collect();
    let mut wins: Vec<String> = Vec::new();
    for racer in racers {
        wins.extend(racer.await.unwrap());
    }
    wins.sort();
    let mut target_ids: Vec<String> = targets.into_iter().map(|(_, id)| id).collect();
    target_ids.sort();
    assert_eq!(wins, target_ids, "each schedule is deleted exactly once");
    assert_eq!(h.server.schedules().len(), CLIENTS * (SCHEDULES - 1) - 8);

    // The deleted ones stay gone.
    for (campaign, id) in deleted.iter().take(5) {
        let response = h
            .post(
                DELETE_CAMPAIGN,
                json!({"campaign_id": campaign, "schedule_id": id}),
            )
            .await;
        assert_eq!(response.status(), 404);
    }
}

#[tokio::test]
async fn dropping_the_server_frees_its_port() {
    let server = MockServer::start(Config::new()).await.unwrap();
    let addr = server.addr();
    assert_eq!(server.url(), format!("http://{addr}"));
    // Hold a keep-alive connection open while the server goes away.
    let client = client(Duration::from_secs(5));
    let response = client
        .get(format!("{}/anything", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    drop(server);

    TcpListener::bind(addr).expect("the port is free once the server is dropped");
    let after = client.get(format!("http://{addr}/anything")).send().await;
    assert!(after.is_err(), "nothing answers any more");
}

#[tokio::test]
async fn shutdown_frees_the_port_and_a_fixed_port_is_used() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = MockServer::start(Config::new().port(port)).await.unwrap();
    assert_eq!(server.addr().port(), port);
    assert!(server.api_key().starts_with("mock-"));
    assert_eq!(server.api_key().len(), "mock-".len() + 32);
    // A second server cannot take the same port.
    assert!(MockServer::start(Config::new().port(port)).await.is_err());
    server.shutdown().await;
    TcpListener::bind(("127.0.0.1", port)).expect("the port is free after shutdown");
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_braze-mock"))
}

/// Runs the binary to its end, killing it if it is still running after 20 s (a bad option
/// it accepted would otherwise start a server and never return).
fn run_bounded(args: &[&str]) -> std::process::Output {
    let mut child = binary()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..400 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    panic!(
        "braze-mock {args:?} was still running after 20 s: {}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn the_binary_explains_itself_and_refuses_bad_specs() {
    let help = run_bounded(&["--help"]);
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for expected in [
        "--fault <SPEC>",
        "--key <KEY[:PERMISSION,...]>",
        "html502",
        "next=N",
        "--strict",
        "--now <TIME>",
    ] {
        assert!(text.contains(expected), "--help lacks {expected}:\n{text}");
    }

    for (args, expected) in [
        (
            vec!["--fault", "teapot"],
            "invalid fault `teapot`: unknown fault kind",
        ),
        (vec!["--fault", "503:p=7"], "p=7 is not a probability"),
        (
            vec!["--key", "k:campaigns.trigger.schedule.delet"],
            "unknown permission",
        ),
        (vec!["--key", "k:"], "no permissions after"),
        (vec!["--window", "0"], "--window"),
        (vec!["--campaign", " "], "campaign_id must not be empty"),
        (vec!["--now", "2030-01-01"], "give an ISO 8601 time"),
    ] {
        let output = run_bounded(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn the_binary_serves_until_interrupted() {
    let mut child = binary()
        .args([
            "--key",
            "cli-key:campaigns.trigger.schedule.delete",
            "--fault",
            "503:next=1",
            "--seed",
            "11",
            "--key",
            "all-key",
            // Long before today, whenever the test runs: only a clock that starts then
            // still lists a schedule at noon that day.
            "--now",
            "2000-01-01T00:00:00Z",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = lines
        .recv_timeout(Duration::from_secs(20))
        .expect("the binary prints its URL");
    let url = first
        .strip_prefix("braze-mock listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first}"))
        .to_owned();
    let mut banner = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(5)) {
        let last = line == "Ctrl-C to stop";
        banner.push(line);
        if last || banner.len() > 20 {
            break;
        }
    }
    assert!(
        banner.contains(&"key: cli-key (campaigns.trigger.schedule.delete)".to_owned()),
        "{banner:?}"
    );
    assert!(
        banner.contains(&"fault: 503:next=1".to_owned()),
        "{banner:?}"
    );
    assert!(
        banner
            .iter()
            .any(|line| line.starts_with("clock: now 2000-01-01T00:00:0")),
        "{banner:?}"
    );

    let client = client(Duration::from_secs(5));
    let delete = |key: &'static str| {
        client
            .post(format!("{url}/campaigns/trigger/schedule/delete"))
            .bearer_auth(key)
            .json(&json!({"campaign_id": "c", "schedule_id": "s"}))
            .send()
    };
    assert_eq!(delete("cli-key").await.unwrap().status(), 503);
    assert_eq!(delete("cli-key").await.unwrap().status(), 404);
    assert_eq!(delete("other").await.unwrap().status(), 401);

    // --now: the fake judges schedules as if it were the first day of 2000.
    let created = client
        .post(format!("{url}/campaigns/trigger/schedule/create"))
        .bearer_auth("all-key")
        .json(&json!({"campaign_id": "c", "broadcast": true, "schedule": {"time": "2000-01-01T12:00:00Z"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let listed: serde_json::Value = client
        .get(format!("{url}/messages/scheduled_broadcasts"))
        .query(&[("end_time", "2000-01-02")])
        .bearer_auth("all-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["scheduled_broadcasts"][0]["next_send_time"], "2000-01-01T12:00:00Z",
        "{listed}"
    );

    // Ctrl-C stops it cleanly.
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    for _ in 0..200 {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    panic!("the binary did not stop within 10 s of Ctrl-C");
}
