//! The probe without Braze: a fake stands for the endpoint under test.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use braze_conformance::coverage::{Coverage, coverage, declared_choices};
use braze_conformance::probes::plan;
use braze_conformance::{Ledger, Probe, Report, TestIds, Transcript, fake_config, new_run_id};
use braze_mock::MockServer;
use braze_mock::choices::ChangedChoice;
use braze_sdk::Client;
use http::StatusCode;
use serde_json::Value;

fn ids() -> TestIds {
    TestIds {
        campaign_id: "test-campaign".into(),
        canvas_id: "test-canvas".into(),
        user: "test-user".into(),
    }
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(server.api_key())
        .endpoint_str(server.url())
        .build()
        .expect("client")
}

fn probe(endpoint: &MockServer, fake: &MockServer, dir: &Path) -> Probe {
    let run = new_run_id();
    Probe {
        braze: client(endpoint),
        fake: client(fake),
        ids: ids(),
        allow_broadcast_probes: true,
        run: run.clone(),
        transcript: Arc::new(
            Transcript::create(
                &dir.join("transcript.jsonl"),
                vec![endpoint.api_key().into(), fake.api_key().into()],
            )
            .unwrap(),
        ),
        ledger: Arc::new(Ledger::open(&dir.join("ledger.jsonl"), endpoint.url(), &run).unwrap()),
        stop: Arc::new(AtomicBool::new(false)),
    }
}

/// The report of a run whose endpoint is a fake with `changed` choices.
async fn report_against(changed: &[ChangedChoice]) -> (Report, MockServer) {
    let dir = tempfile::tempdir().unwrap();
    let (report, endpoint, _) = run_against(changed, dir.path()).await;
    (report, endpoint)
}

/// The report, the endpoint, and the fake's key, of a run writing into `dir`.
async fn run_against(changed: &[ChangedChoice], dir: &Path) -> (Report, MockServer, String) {
    let mut config = fake_config(&ids());
    for choice in changed {
        config = config.changed_choice(*choice);
    }
    let endpoint = MockServer::start(config).await.unwrap();
    let fake = MockServer::start(fake_config(&ids())).await.unwrap();
    let probe = probe(&endpoint, &fake, dir);
    let report = probe.run_plan().await;
    (report, endpoint, fake.api_key().to_owned())
}

fn probed_choices() -> Vec<&'static str> {
    declared_choices()
        .into_iter()
        .filter(|c| matches!(coverage(c), Coverage::Probed(_)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_the_fake_every_probed_choice_agrees_and_nothing_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let (report, endpoint, fake_key) = run_against(&[], dir.path()).await;
    assert!(report.differing().is_empty(), "{report}");
    assert!(report.unsettled().is_empty(), "{report}");
    assert_eq!(report.agreeing(), probed_choices(), "{report}");
    assert!(!report.interrupted);
    // Every line is a verdict with its reason; the counts close the report.
    let text = report.to_string();
    assert!(text.contains("0 differ"), "{text}");
    assert!(
        endpoint.schedules().is_empty(),
        "{:?}",
        endpoint.schedules()
    );
    assert!(endpoint.dispatches().is_empty(), "the probe sent something");

    // The transcript: one line per request of either side, each with the request (the
    // key redacted), the status, the headers and the body of the answer.
    let transcript = std::fs::read_to_string(dir.path().join("transcript.jsonl")).unwrap();
    assert!(!transcript.contains(endpoint.api_key()) && !transcript.contains(&fake_key));
    let lines: Vec<Value> = transcript
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let sides = |side: &str| lines.iter().filter(|l| l["side"] == side).count();
    assert!(sides("braze") > 40, "{} lines", lines.len());
    println!("requests per side: {}", sides("braze"));
    assert_eq!(
        sides("braze"),
        sides("fake"),
        "both sides run the same plan"
    );
    assert_eq!(
        endpoint.requests().len(),
        sides("braze"),
        "a line for every request the endpoint received"
    );
    for line in &lines {
        assert!(line["request"]["method"].is_string(), "{line}");
        assert!(line["request"]["path"].is_string(), "{line}");
        assert!(line["status"].as_u64().is_some_and(|s| s >= 200), "{line}");
        assert!(line["headers"]["x-ratelimit-limit"].is_string(), "{line}");
        assert!(line.get("body").is_some(), "{line}");
        let authorization = &line["request"]["headers"]["authorization"];
        assert!(
            authorization == "Bearer [redacted]"
                || authorization
                    .as_str()
                    .is_some_and(|a| a.contains("braze-conformance"))
                || authorization.is_null(),
            "{line}"
        );
    }
    let created = lines
        .iter()
        .find(|l| l["side"] == "braze" && l["label"] == "create campaign schedule")
        .expect("the campaign create");
    assert_eq!(
        created["request"]["body"]["recipients"][0]["external_user_id"],
        "test-user"
    );
    assert!(created["body"]["schedule_id"].is_string(), "{created}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fake_with_the_unknown_schedule_status_changed_is_named_alone() {
    let changed = ChangedChoice::UnknownScheduleStatus(StatusCode::BAD_REQUEST);
    let (report, _endpoint) = report_against(&[changed]).await;
    assert_eq!(report.differing(), vec![changed.name()], "{report}");
    let text = report.to_string();
    let line = text
        .lines()
        .find(|l| l.starts_with("differs"))
        .expect("a differs line");
    assert!(line.contains("Braze 400 | fake 404"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fake_with_the_create_status_changed_is_named_alone() {
    let changed = ChangedChoice::CreateStatus(StatusCode::OK);
    let (report, endpoint) = report_against(&[changed]).await;
    assert_eq!(report.differing(), vec![changed.name()], "{report}");
    assert!(endpoint.schedules().is_empty());
}

#[test]
fn every_choice_names_its_probe_or_why_it_has_none() {
    let declared = declared_choices();
    assert!(declared.len() > 60, "choices.rs was not read: {declared:?}");
    let missing: Vec<_> = declared
        .iter()
        .filter(|c| coverage(c) == Coverage::Missing)
        .collect();
    assert!(
        missing.is_empty(),
        "choices without a probe or a reason (add one to crates/braze-conformance): {missing:?}"
    );
    for experiment in plan() {
        for choice in experiment.settles {
            assert!(
                declared.contains(choice),
                "{} settles {choice}, which choices.rs does not declare",
                experiment.name
            );
        }
    }
    for (choice, _) in braze_conformance::coverage::NOT_PROBED {
        assert!(declared.contains(choice), "{choice} is not in choices.rs");
        assert!(
            matches!(coverage(choice), Coverage::NotProbed(_)),
            "{choice} is both probed and not"
        );
    }
}

/// The cleanup deletes what the ledger has open for its endpoint, reports a create that
/// was never answered (once: it is closed as abandoned), leaves another endpoint's
/// entries alone, and keeps a schedule whose delete keeps failing for the next run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cleanup_acts_on_its_endpoint_and_reports_what_it_cannot_delete() {
    use braze_conformance::ledger::Kind;
    use braze_mock::{Fault, FaultRule};
    use braze_sdk::RetryPolicy;

    let endpoint = MockServer::start(fake_config(&ids())).await.unwrap();
    let fake = MockServer::start(fake_config(&ids())).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    let time = (chrono::Utc::now() + chrono::TimeDelta::days(40))
        .format("%Y-%m-%dT%H:%M:00Z")
        .to_string();
    let time = time.as_str();
    // A killed run: one schedule created, one create never answered, one schedule of
    // another endpoint.
    let stored = endpoint.add_schedule(
        braze_mock::ScheduleKind::Campaign,
        "test-campaign",
        serde_json::from_value(serde_json::json!({"time": time})).unwrap(),
    );
    let killed = Ledger::open(&path, endpoint.url(), "killed-run").unwrap();
    let n = killed
        .creating(Kind::Campaign, "test-campaign", time)
        .unwrap();
    let entry = killed.entry(n, Kind::Campaign, "test-campaign", time);
    let id = stored.reference.schedule_id().as_str().to_owned();
    killed
        .follow(&entry, "created", Some(&id), Some(201))
        .unwrap();
    killed.creating(Kind::Canvas, "test-canvas", time).unwrap();
    let elsewhere = Ledger::open(&path, "https://rest.iad-01.braze.com", "other").unwrap();
    elsewhere.creating(Kind::Message, "", time).unwrap();
    let n = elsewhere.creating(Kind::Message, "", time).unwrap();
    let entry = elsewhere.entry(n, Kind::Message, "", time);
    elsewhere
        .follow(&entry, "created", Some("s-elsewhere"), Some(201))
        .unwrap();

    let mut probe = probe(&endpoint, &fake, dir.path());
    // The first delete fails, every attempt: the schedule stays for the next run.
    probe.braze = Client::builder()
        .api_key(endpoint.api_key())
        .endpoint_str(endpoint.url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    endpoint.inject(
        FaultRule::new(Fault::Status(503))
            .on_path("/campaigns/trigger/schedule/delete")
            .next(1),
    );
    let first = probe.cleanup().await;
    assert!(first.deleted.is_empty(), "{first}");
    assert_eq!(first.left.len(), 1, "{first}");
    assert_eq!(first.unanswered.len(), 1, "{first}");
    assert_eq!(first.unanswered[0].kind, Kind::Canvas);
    assert_eq!(first.other_endpoint.len(), 2, "{first}");
    assert!(first.needs_attention());
    let text = first.to_string();
    assert!(text.contains("LEFT ON THE WORKSPACE"), "{text}");
    assert!(text.contains("CHECK THE WORKSPACE"), "{text}");
    assert_eq!(endpoint.schedules().len(), 1);

    let second = probe.cleanup().await;
    assert_eq!(second.deleted.len(), 1, "{second}");
    assert_eq!(
        second.deleted[0].0.schedule_id.as_deref(),
        Some(id.as_str())
    );
    assert!(
        second.left.is_empty() && second.unanswered.is_empty(),
        "{second}"
    );
    assert!(!second.needs_attention());
    assert!(endpoint.schedules().is_empty());
    assert_eq!(
        second.other_endpoint.len(),
        2,
        "another endpoint's entries stay"
    );
}
