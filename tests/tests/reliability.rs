//! Reliability campaigns through the SDK against the fake Braze (RELIABILITY.md):
//!
//! * creates under a seeded 20% fault mix: the fake holds exactly one schedule per create
//!   that succeeded or whose error says Braze accepted it, none for the others: no retry
//!   made a duplicate, and every failure says how far it got (`Error::delivery`);
//! * 64 clients interleaving create, update and delete: no lost update, no schedule in two
//!   states, and the fake's rate-limit counters exact.
//!
//! Small versions run in the suite; `cargo xtask reliability` runs the `#[ignore]`d full
//! ones. Figures are printed, and written as JSON to `$RELIABILITY_FIGURES_DIR` when set.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use braze_mock::{Config, Fault, FaultKind, FaultRule, MockServer, Permissions, RecordedRequest};
use braze_sdk::{Client, Delivery, Error, Recipient, RetryPolicy, Schedule};
use serde_json::{Value, json};

const KEY: &str = "reliability-key-7c1f0e";
const CAMPAIGN_CREATE: &str = "/campaigns/trigger/schedule/create";
const CANVAS_CREATE: &str = "/canvas/trigger/schedule/create";

async fn fake(config: Config) -> MockServer {
    MockServer::start(config.key(KEY, Permissions::all()))
        .await
        .expect("the fake starts")
}

fn client(server: &MockServer, timeout: Duration) -> Client {
    Client::builder()
        .api_key(KEY)
        .endpoint_str(server.url())
        .timeout(timeout)
        .retry_policy(RetryPolicy {
            initial_backoff: Duration::from_millis(50),
            ..RetryPolicy::default()
        })
        // The campaigns here are about state, not the broadcast limits, which the fakes
        // they run on lift (Braze's 10 per minute per audience would make them wait).
        .broadcast_limits(braze_sdk::pacing::ClassLimits {
            broadcast: None,
            per_audience: None,
        })
        .build()
        .expect("client")
}

fn write_figures(name: &str, figures: &Value) {
    let text = serde_json::to_string_pretty(figures).unwrap();
    println!("{text}");
    if let Some(dir) = std::env::var_os("RELIABILITY_FIGURES_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}.json")), text).unwrap();
    }
}

fn delivery_name(delivery: Delivery) -> &'static str {
    match delivery {
        Delivery::NotSent => "not_sent",
        Delivery::Refused => "refused",
        Delivery::Uncertain => "uncertain",
        Delivery::Accepted => "accepted",
    }
}

/// The client's timeout in the create campaign, and the injected delay that outlasts it.
/// Long enough that a create is not timed out by the queue of 100 creates in flight on a
/// loaded 2-core machine (which would be an uncertain create that did make a schedule),
/// only by the injected delay.
const CREATE_TIMEOUT: Duration = Duration::from_secs(2);
const CREATE_DELAY: Duration = Duration::from_secs(3);
/// Creates in flight at once.
const CREATES_IN_FLIGHT: usize = 100;

/// The faults of the create campaign: the bulk-delete mix, on the create endpoints.
fn fault_mix(path: &str) -> FaultRule {
    FaultRule::mix(
        0.20,
        [
            Fault::Status(429),
            Fault::Status(500),
            Fault::Status(502),
            Fault::Status(503),
            Fault::Status(504),
            Fault::Delay(CREATE_DELAY),
            Fault::Reset,
            Fault::Close,
            Fault::Html(502),
            Fault::Truncated,
            Fault::Malformed,
        ],
    )
    .on_path(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_campaign_small() {
    create_campaign(200, 21).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the full campaign (1,000 creates): cargo xtask reliability"]
async fn create_campaign_full() {
    create_campaign(1_000, 22).await;
}

/// What a failed create must report, from what the fake did with its last request (`None`:
/// no request of it reached the fake), by the fault the campaign injected into it: whether
/// it may have reached Braze, and how far it got where the fault decides that. Read from
/// the fake's log, not from the SDK, so that the SDK's `Error::delivery` and
/// `Error::may_have_reached_braze` are checked against what happened.
fn expected_failure(last: Option<&RecordedRequest>) -> (bool, Option<Delivery>) {
    let Some(last) = last else {
        // Never reached the fake: a connection that failed, or a create never attempted.
        return (false, Some(Delivery::NotSent));
    };
    let delivery = match &last.fault {
        // Answered with a 4xx (the mix's 429): refused, nothing was done.
        Some(Fault::Status(status) | Fault::Html(status)) if *status < 500 => Delivery::Refused,
        // A 5xx: the client cannot know whether it was applied.
        Some(Fault::Status(_) | Fault::Html(_)) => Delivery::Uncertain,
        // Sent, then the connection broke or outlasted the client's timeout unanswered.
        Some(Fault::Delay(_) | Fault::Reset | Fault::Close) => Delivery::Uncertain,
        // Applied; the 201 came with a broken body.
        Some(Fault::Truncated | Fault::Malformed) => Delivery::Accepted,
        Some(other) => panic!("the campaign does not inject {other:?}"),
        // No fault, yet the create failed: the client gave up on a slow answer. It reached
        // the fake; how far it got is the client's to say.
        None => return (true, None),
    };
    (true, Some(delivery))
}

/// What one create ended as.
struct Created {
    owner: String,
    result: Result<String, Error>,
}

/// `creates` creates at once (half campaign, half Canvas), each for an owner id of its
/// own so that the fake's state says which create made which schedule.
async fn create_campaign(creates: usize, seed: u64) {
    let started = Instant::now();
    let a_year_from_now = Schedule::utc(chrono::Utc::now() + chrono::Duration::days(365));
    let server = Arc::new(
        fake(
            Config::new()
                .rate_limit(100_000_000, Duration::from_secs(1))
                .broadcast_rate_limit(100_000_000, Duration::from_secs(1))
                .log_capacity(creates * 10 + 1_000)
                .seed(seed),
        )
        .await,
    );
    server.inject(fault_mix(CAMPAIGN_CREATE));
    server.inject(fault_mix(CANVAS_CREATE));
    let client = client(&server, CREATE_TIMEOUT);
    let in_flight = Arc::new(tokio::sync::Semaphore::new(CREATES_IN_FLIGHT));
    let tasks: Vec<_> = (0..creates)
        .map(|i| {
            let client = client.clone();
            let in_flight = Arc::clone(&in_flight);
            let schedule = a_year_from_now;
            tokio::spawn(async move {
                let _permit = in_flight.acquire().await.expect("open");
                let user = Recipient::external_user_id(format!("user-{i}"));
                if i % 2 == 0 {
                    let owner = format!("camp-{i}");
                    let result = client
                        .create_campaign_schedule(owner.as_str(), schedule)
                        .recipient(user)
                        .send_id(format!("send-{i}"))
                        .await
                        .map(|created| created.schedule_id.as_str().to_owned());
                    Created { owner, result }
                } else {
                    let owner = format!("canvas-{i}");
                    let result = client
                        .create_canvas_schedule(owner.as_str(), schedule)
                        .recipient(user)
                        .await
                        .map(|created| created.schedule_id.as_str().to_owned());
                    Created { owner, result }
                }
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("a create task"));
    }

    // Schedules in the fake, by owner id.
    let mut stored: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for schedule in server.schedules() {
        stored
            .entry(schedule.owner_id().map(str::to_owned).unwrap_or_default())
            .or_default()
            .push(schedule.schedule_id().as_str().to_owned());
    }
    // What the fake was sent, by owner id.
    let log = server.requests();
    let mut last_request: BTreeMap<String, &RecordedRequest> = BTreeMap::new();
    let mut sent: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut answers: BTreeMap<String, Vec<Option<u16>>> = BTreeMap::new();
    let mut faults_by_status: BTreeMap<String, u64> = BTreeMap::new();
    for request in &log {
        if let Some(Fault::Status(code)) = &request.fault {
            *faults_by_status
                .entry(format!("status {code}"))
                .or_default() += 1;
        }
        let body = request.body.as_ref().and_then(|b| b.json()).unwrap();
        let owner = body
            .get("campaign_id")
            .or_else(|| body.get("canvas_id"))
            .and_then(Value::as_str)
            .unwrap()
            .to_owned();
        answers
            .entry(owner.clone())
            .or_default()
            .push(request.status);
        last_request.insert(owner.clone(), request);
        let entry = sent.entry(owner).or_default();
        entry.0 += 1;
        entry.1 += u64::from(request.status.is_some_and(|s| (200..300).contains(&s)));
    }

    // A create is repeated only after a 429 (Braze refused it; connection failures never
    // reach the log): never after an answer or a silence that may mean it was applied.
    for (owner, statuses) in &answers {
        let (_, earlier) = statuses.split_last().expect("at least one");
        assert!(
            earlier.iter().all(|status| *status == Some(429)),
            "{owner} was sent again after {statuses:?}"
        );
    }
    let mut succeeded = 0u64;
    let mut retried_and_succeeded = 0u64;
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    let mut failure_kinds: BTreeMap<String, u64> = BTreeMap::new();
    let mut accepted_errors = 0u64;
    let mut uncertain_with_schedule = 0u64;
    for created in &outcomes {
        let made = stored.get(&created.owner).map_or(0, Vec::len);
        assert!(
            made <= 1,
            "{} has {made} schedules: a duplicate",
            created.owner
        );
        let (requests, successes) = sent.get(&created.owner).copied().unwrap_or_default();
        assert!(successes <= 1, "{} got {successes} 2xx", created.owner);
        match &created.result {
            Ok(schedule_id) => {
                succeeded += 1;
                assert_eq!(made, 1, "{} succeeded without a schedule", created.owner);
                assert_eq!(&stored[&created.owner][0], schedule_id);
                if requests > 1 {
                    retried_and_succeeded += 1;
                }
            }
            Err(error) => {
                let delivery = error.delivery();
                *failures
                    .entry(delivery_name(delivery).to_owned())
                    .or_default() += 1;
                let kind = match error {
                    Error::Api(e) => format!("api {}", e.status.as_u16()),
                    Error::Transport(e) => format!("transport {:?}", e.kind).to_lowercase(),
                    Error::Decode(e) => format!("decode {}", e.status.as_u16()),
                    other => format!("{other}"),
                };
                *failure_kinds.entry(kind).or_default() += 1;
                assert!(!error.to_string().is_empty());
                let last = last_request.get(&created.owner).copied();
                let (reached, expected) = expected_failure(last);
                let fault = last.map(|request| &request.fault);
                assert_eq!(
                    error.may_have_reached_braze(),
                    reached,
                    "{}: {error} after {fault:?}",
                    created.owner
                );
                if let Some(expected) = expected {
                    assert_eq!(
                        delivery, expected,
                        "{}: {error} after {fault:?}",
                        created.owner
                    );
                }
                match delivery {
                    // Braze took it: the schedule exists, the answer was unreadable.
                    Delivery::Accepted => {
                        accepted_errors += 1;
                        assert_eq!(made, 1, "{}: {error}", created.owner);
                    }
                    Delivery::NotSent | Delivery::Refused => {
                        assert_eq!(made, 0, "{}: {error}", created.owner);
                    }
                    // May or may not have been applied; the fake's faults that leave no
                    // answer strike before processing.
                    Delivery::Uncertain => {
                        uncertain_with_schedule += made as u64;
                    }
                }
            }
        }
    }
    let schedules = stored.values().map(Vec::len).sum::<usize>() as u64;
    assert_eq!(
        schedules,
        succeeded + accepted_errors + uncertain_with_schedule,
        "schedules = successes + accepted errors"
    );
    assert!(
        succeeded > 0 && accepted_errors > 0,
        "the mix struck both ways"
    );

    let counts = server.fault_counts();
    let mut faults: BTreeMap<String, u64> = FaultKind::ALL
        .iter()
        .map(|kind| (kind.as_str().to_owned(), counts.of(*kind)))
        .collect();
    faults.extend(faults_by_status);
    faults.insert("total".to_owned(), counts.total());
    write_figures(
        &format!("create-{creates}"),
        &json!({
            "campaign": "concurrent creates",
            "creates": creates,
            "in_flight": CREATES_IN_FLIGHT,
            "client_timeout_s": CREATE_TIMEOUT.as_secs(),
            "requests_seen_by_the_fake": log.len(),
            "faults_injected": faults,
            "succeeded": succeeded,
            "succeeded_after_a_retry": retried_and_succeeded,
            "failed_by_delivery": failures,
            "failed_by_kind": failure_kinds,
            "schedules_in_the_fake": schedules,
            "schedules_expected": format!(
                "{succeeded} succeeded + {accepted_errors} accepted (2xx, unreadable body) + \
                 {uncertain_with_schedule} uncertain"
            ),
            "duplicates": 0,
            "elapsed_s": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        }),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_sdk_clients_interleaving() {
    interleaving(64, 6, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the full concurrency campaign: cargo xtask reliability"]
async fn sixty_four_sdk_clients_interleaving_full() {
    interleaving(64, 40, 31).await;
}

/// `clients` clients, each its own `Client` (own connections, own pacer), each doing
/// `rounds` rounds of: create a schedule, update a schedule of the shared pool (its own or
/// another client's), delete one of its own. Then all of them race to delete the same
/// survivors.
async fn interleaving(clients: usize, rounds: usize, seed: u64) {
    const CAMPAIGNS: usize = 4;
    let started = Instant::now();
    // Every schedule is at least a year from now (the fake keeps the system clock), so the
    // list at the end shows them all, whatever the date.
    let year = chrono::Datelike::year(&chrono::Utc::now()) + 2;
    let server = Arc::new(
        fake(
            Config::new()
                .rate_limit(10_000_000, Duration::from_secs(3600))
                // Not about the broadcast limits: every client's creates are broadcasts.
                .broadcast_rate_limit(10_000_000, Duration::from_secs(3600))
                .audience_rate_limit(10_000_000, Duration::from_secs(3600))
                .log_capacity(clients * rounds * 10 + 10_000)
                .seed(seed),
        )
        .await,
    );
    // Schedules any client may update: created up front, one per campaign and client.
    let pool: Vec<(String, String)> = {
        let setup = client(&server, Duration::from_secs(10));
        let mut pool = Vec::new();
        for i in 0..clients {
            let campaign = format!("camp-{}", i % CAMPAIGNS);
            let created = setup
                .create_campaign_schedule(
                    campaign.as_str(),
                    Schedule::parse(&format!("{year}-01-01T00:00:00Z")).unwrap(),
                )
                .broadcast(true)
                .await
                .expect("setup create");
            pool.push((campaign, created.schedule_id.as_str().to_owned()));
        }
        pool
    };
    let pool = Arc::new(pool);
    let sdk_requests = Arc::new(std::sync::atomic::AtomicU64::new(pool.len() as u64));

    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let client = client(&server, Duration::from_secs(10));
            let pool = Arc::clone(&pool);
            let counted = Arc::clone(&sdk_requests);
            tokio::spawn(async move {
                let campaign = format!("camp-{}", c % CAMPAIGNS);
                let mut mine: Vec<String> = Vec::new();
                let mut updates: Vec<(String, String)> = Vec::new(); // (schedule, time) answered 200
                let mut deleted: Vec<String> = Vec::new();
                let count = |attempts: u32| {
                    counted.fetch_add(u64::from(attempts), std::sync::atomic::Ordering::Relaxed)
                };
                for round in 0..rounds {
                    let created = client
                        .create_campaign_schedule(
                            campaign.as_str(),
                            Schedule::parse(&format!("{year}-06-01T00:00:00Z")).unwrap(),
                        )
                        .broadcast(true)
                        .await
                        .expect("create");
                    count(created.attempts());
                    mine.push(created.schedule_id.as_str().to_owned());
                    // Update a pool schedule (shared with other clients), then one of mine.
                    let (pool_campaign, pool_id) = &pool[(c * 7 + round) % pool.len()];
                    for (owner, id) in [
                        (pool_campaign.as_str(), pool_id.as_str()),
                        (campaign.as_str(), mine.last().unwrap().as_str()),
                    ] {
                        let time = format!(
                            "{}-{:02}-{:02}T{:02}:{:02}:00Z",
                            year + 1,
                            round % 12 + 1,
                            c % 28 + 1,
                            round % 24,
                            c % 60
                        );
                        let answer = client
                            .update_campaign_schedule(
                                owner,
                                id,
                                Schedule::parse(time.as_str()).unwrap(),
                            )
                            .await
                            .expect("update");
                        count(answer.attempts());
                        updates.push((id.to_owned(), time));
                    }
                    // Delete every other schedule of mine once it exists.
                    if round % 2 == 1 {
                        let id = mine.remove(0);
                        let answer = client
                            .delete_campaign_schedule(campaign.as_str(), id.as_str())
                            .await
                            .expect("delete");
                        count(answer.attempts());
                        deleted.push(id);
                    }
                }
                (mine, updates, deleted)
            })
        })
        .collect();
    let mut kept = BTreeSet::new();
    let mut updated: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut deleted = BTreeSet::new();
    for task in tasks {
        let (mine, updates, gone) = task.await.expect("a client");
        kept.extend(mine);
        for (id, time) in updates {
            updated.entry(id).or_default().push(time);
        }
        deleted.extend(gone);
    }

    // No schedule in two states: each id once in the state, deleted ones absent.
    let state = server.schedules();
    let ids: Vec<&str> = state.iter().map(|s| s.schedule_id().as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "a schedule is stored twice");
    for id in &deleted {
        assert!(
            !unique.contains(id.as_str()),
            "{id} was deleted and is still there"
        );
    }
    let expected: BTreeSet<String> = kept
        .iter()
        .cloned()
        .chain(pool.iter().map(|(_, id)| id.clone()))
        .collect();
    assert_eq!(
        unique
            .iter()
            .map(|id| (*id).to_owned())
            .collect::<BTreeSet<_>>(),
        expected,
        "the state holds exactly what was created and not deleted"
    );
    // No lost update: each schedule counts exactly the updates answered 200, and holds the
    // time of one of them.
    for schedule in &state {
        let id = schedule.schedule_id().as_str();
        let times = updated.get(id).cloned().unwrap_or_default();
        assert_eq!(
            schedule.updates,
            times.len() as u64,
            "{id}: an update was lost"
        );
        if !times.is_empty() {
            assert!(
                times.iter().any(|t| t == schedule.schedule.time.as_str()),
                "{id}"
            );
        }
    }
    // The list shows each stored schedule once.
    let lister = client(&server, Duration::from_secs(10));
    let listed = lister
        .list_scheduled_broadcasts(
            braze_sdk::rules::end_time(&format!("{}-01-01T00:00:00Z", year + 10)).unwrap(),
        )
        .send()
        .await
        .expect("list");
    sdk_requests.fetch_add(
        u64::from(listed.attempts()),
        std::sync::atomic::Ordering::Relaxed,
    );
    let names: Vec<String> = listed
        .scheduled_broadcasts
        .iter()
        .map(|b| b.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names.len(), state.len());
    assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), names.len());

    // Every client races to delete the same eight survivors: each goes exactly once.
    let targets: Vec<(String, String)> = state
        .iter()
        .take(8)
        .map(|s| {
            (
                s.owner_id().map(str::to_owned).unwrap_or_default(),
                s.schedule_id().as_str().to_owned(),
            )
        })
        .collect();
    let racers: Vec<_> = (0..clients)
        .map(|_| {
            let client = client(&server, Duration::from_secs(10));
            let targets = targets.clone();
            let counted = Arc::clone(&sdk_requests);
            tokio::spawn(async move {
                let mut won = Vec::new();
                for (owner, id) in targets {
                    match client
                        .delete_campaign_schedule(owner.as_str(), id.as_str())
                        .await
                    {
                        Ok(answer) => {
                            counted.fetch_add(
                                u64::from(answer.attempts()),
                                std::sync::atomic::Ordering::Relaxed,
                            );
                            won.push(id);
                        }
                        Err(error) => {
                            counted.fetch_add(
                                u64::from(error.attempts()),
                                std::sync::atomic::Ordering::Relaxed,
                            );
                            assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error}");
                            assert_eq!(error.delivery(), Delivery::Refused);
                        }
                    }
                }
                won
            })
        })
        .collect();
    let mut wins = Vec::new();
    for racer in racers {
        wins.extend(racer.await.expect("a racer"));
    }
    wins.sort();
    let mut target_ids: Vec<String> = targets.into_iter().map(|(_, id)| id).collect();
    target_ids.sort();
    assert_eq!(wins, target_ids, "each schedule is deleted exactly once");

    // The rate-limit counters are exact: every request the SDK made, counted once, in the
    // default pool or (the broadcast creates) the broadcast limit.
    let counters = server.rate_limit_counters();
    let broadcasts = server.broadcast_rate_limit_counters();
    let log = server.requests();
    let sent = sdk_requests.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        counters.total + broadcasts.total,
        sent,
        "the fake counted every request once"
    );
    assert_eq!(log.len() as u64, sent);
    if counters.used == counters.total {
        assert_eq!(counters.remaining, counters.limit - counters.used);
    }
    write_figures(
        &format!("interleaving-{clients}x{rounds}"),
        &json!({
            "campaign": "64 clients interleaving create, update, delete",
            "clients": clients,
            "rounds_per_client": rounds,
            "requests": sent,
            "rate_limit_counted": counters.total,
            "schedules_left": state.len(),
            "updates_applied": updated.values().map(Vec::len).sum::<usize>(),
            "lost_updates": 0,
            "deleted_by_the_race": wins.len(),
            "elapsed_s": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        }),
    );
}

/// A loopback server answering every connection with a 200 whose body never ends (chunked,
/// no length) or announces a huge length; counts the body bytes it managed to write before
/// the client hung up. Serves at most `connections` connections.
async fn endless_body_server(
    declared_length: Option<u64>,
    connections: usize,
) -> (String, Arc<std::sync::atomic::AtomicU64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = Arc::clone(&written);
    tokio::spawn(async move {
        for _ in 0..connections {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut request = vec![0u8; 64 * 1024];
                let _ = socket.read(&mut request).await;
                let head = match declared_length {
                    Some(length) => format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n"
                    ),
                    None => "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_owned(),
                };
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                let framed =
                    [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
                // At most 1 GiB: far past any cap, and the test ends long before.
                for _ in 0..16 * 1024 {
                    let piece: &[u8] = if declared_length.is_some() {
                        &chunk
                    } else {
                        &framed
                    };
                    if socket.write_all(piece).await.is_err() {
                        return;
                    }
                    counter.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    (url, written)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_and_huge_bodies_are_refused_not_read() {
    const CAP: usize = 1024 * 1024;
    for declared in [None, Some(10 * 1024 * 1024 * 1024)] {
        let (url, written) = endless_body_server(declared, 1).await;
        let client = Client::builder()
            .api_key(KEY)
            .endpoint_str(&url)
            .retry_policy(RetryPolicy::none())
            .max_response_bytes(CAP)
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        let started = Instant::now();
        let error = client
            .delete_campaign_schedule("c", "s")
            .await
            .expect_err("a body over the cap");
        assert!(
            error.to_string().contains(&format!("{CAP}-byte limit")),
            "{declared:?}: {error}"
        );
        assert_eq!(error.delivery(), Delivery::Accepted, "the status was 2xx");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "refused promptly"
        );
        // The client stopped reading at the cap (plus what the socket buffers held).
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent = written.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            sent < 64 * CAP as u64,
            "{declared:?}: the server got {sent} bytes out: the client kept reading"
        );
    }
}
