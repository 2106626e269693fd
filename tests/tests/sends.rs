//! The sends under faults, through the SDK against the fake Braze: none is sent twice by a
//! retry, and every failure says honestly whether the send may have happened.
//!
//! * 1,000 sends (campaign and Canvas trigger sends, `/messages/send` to a listed user),
//!   each to a user of its own, under a seeded 20% mix of faults before processing (503,
//!   500, 429, reset, close, a delay) and after it (a hang past the client's timeout, a
//!   truncated or malformed answer): no user twice in the fake's dispatch log, every `Ok`
//!   send in it once with its `dispatch_id`, every failed send that the fake dispatched
//!   reported as one that may have happened, and no send repeated after a request that may
//!   have reached the fake;
//! * the transactional send with an `external_send_id` under the same mix: retried with
//!   its key, and delivered exactly once per key; without the key, not retried;
//! * a 429 and a refused connection are retried for a send.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use braze_mock::{
    Config, Dispatch, Fault, FaultKind, FaultRule, MockServer, Operation, Permissions,
    RecordedRequest, UserId,
};
use braze_sdk::messages::ApplePush;
use braze_sdk::{Client, Delivery, Error, Recipient, RetryPolicy, TransactionalRecipient};
use serde_json::{Value, json};

const KEY: &str = "sends-key-41d9";
/// Short, so that a hang outlasts it quickly; long enough for an answer of the fake on a
/// loaded 2-core machine.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(200);
/// How long the hang holds a processed request's answer, and the delay an unprocessed one:
/// past the client's timeout, so the client gives up first.
const HOLD: Duration = Duration::from_millis(400);
/// Sends in flight at once.
const IN_FLIGHT: usize = 16;
const MAX_ATTEMPTS: u32 = 5;

const CAMPAIGN: &str = "campaign-api-triggered";
const CANVAS: &str = "canvas-api-triggered";
const TRANSACTIONAL: &str = "campaign-transactional";

async fn fake(seed: u64, sends: usize) -> MockServer {
    MockServer::start(
        Config::new()
            .key(KEY, Permissions::all())
            .rate_limit(100_000_000, Duration::from_secs(1))
            .broadcast_rate_limit(100_000_000, Duration::from_secs(1))
            .log_capacity(sends * 10 + 1_000)
            .seed(seed),
    )
    .await
    .expect("the fake starts")
}

fn client_at(url: &str, policy: RetryPolicy) -> Client {
    Client::builder()
        .api_key(KEY)
        .endpoint_str(url)
        .timeout(CLIENT_TIMEOUT)
        .retry_policy(policy)
        .broadcast_limits(braze_sdk::pacing::ClassLimits {
            broadcast: None,
            per_audience: None,
        })
        .build()
        .expect("client")
}

fn retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: MAX_ATTEMPTS,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        budget: Duration::from_secs(20),
        max_rate_limit_wait: Duration::from_secs(2),
    }
}

/// Every kind of fault the sends can meet, before processing (the first six) and after
/// (the last three).
fn every_fault() -> [Fault; 9] {
    [
        Fault::Status(429),
        Fault::Status(500),
        Fault::Status(503),
        Fault::Delay(HOLD),
        Fault::Reset,
        Fault::Close,
        Fault::Hang(HOLD),
        Fault::Truncated,
        Fault::Malformed,
    ]
}

fn user(i: usize) -> String {
    format!("user-{i:04}")
}

/// The user a logged request or a dispatch is for (each send has exactly one).
fn user_of_request(request: &RecordedRequest) -> String {
    let body = request.body.as_ref().and_then(|b| b.json()).expect("JSON");
    let id = body
        .pointer("/recipients/0/external_user_id")
        .or_else(|| body.pointer("/external_user_ids/0"))
        .or_else(|| body.pointer("/recipient/external_user_id"))
        .and_then(Value::as_str)
        .expect("one user per send");
    id.to_owned()
}

fn users_of(dispatch: &Dispatch) -> Vec<String> {
    dispatch
        .users
        .iter()
        .map(|user| match user {
            UserId::External(id) => id.clone(),
            other => panic!("a send here names users by external id, not {other:?}"),
        })
        .collect()
}

/// Sends `i`: a campaign trigger send, a Canvas trigger send or a `/messages/send`, to
/// user `i`. The `dispatch_id` if it ended `Ok`.
async fn send(client: &Client, i: usize) -> Result<Option<String>, Error> {
    let recipient = Recipient::external_user_id(user(i));
    let sent = match i % 3 {
        0 => {
            client
                .trigger_campaign_send(CAMPAIGN)
                .recipient(recipient.trigger_properties(json!({"order": i})))
                .await?
        }
        1 => {
            client
                .trigger_canvas_send(CANVAS)
                .recipient(recipient.context(json!({"order": i})))
                .await?
        }
        _ => {
            client
                .send_messages()
                .external_user_id(user(i))
                .apple_push(ApplePush::new(format!("Order {i} shipped")))
                .await?
        }
    };
    Ok(sent.dispatch_id().map(str::to_owned))
}

/// Runs `count` calls of `call`, `IN_FLIGHT` at a time; their results by index.
async fn run_all<T, F, Fut>(count: usize, call: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let call = Arc::new(call);
    let gate = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let call = Arc::clone(&call);
            let gate = Arc::clone(&gate);
            tokio::spawn(async move {
                let _permit = gate.acquire().await.expect("open");
                call(i).await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(count);
    for task in tasks {
        results.push(task.await.expect("a send task"));
    }
    results
}

/// The fake's requests, by the user they were for, in order.
fn requests_by_user(server: &MockServer) -> BTreeMap<String, Vec<RecordedRequest>> {
    let mut by_user: BTreeMap<String, Vec<RecordedRequest>> = BTreeMap::new();
    for request in server.requests() {
        by_user
            .entry(user_of_request(&request))
            .or_default()
            .push(request);
    }
    by_user
}

/// Whether a request may have reached Braze's processing, as far as the client can tell:
/// everything but a 429 (refused unread). (A request that never connected is not in the
/// log.)
fn may_have_reached(request: &RecordedRequest) -> bool {
    request.status != Some(429)
}

/// The hint of an error that says the send may or may not have happened.
fn says_it_may_have_happened(error: &Error) -> bool {
    let hint = error.hint().unwrap_or_default();
    match error.delivery() {
        Delivery::Uncertain => hint.contains("the send may or may not have happened"),
        Delivery::Accepted => hint.contains("Braze accepted the request"),
        Delivery::NotSent | Delivery::Refused => false,
    }
}

#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    failed_dispatched: usize,
    failed_not_dispatched_may_have: usize,
    failed_not_sent: usize,
}

async fn send_campaign(sends: usize, seed: u64) {
    let started = Instant::now();
    let server = fake(seed, sends).await;
    server.inject(FaultRule::mix(0.20, every_fault()));
    let client = client_at(server.url(), retries());
    let results = run_all(sends, move |i| {
        let client = client.clone();
        async move { send(&client, i).await }
    })
    .await;

    // No user (so no send) twice in the dispatch log.
    let dispatches = server.dispatches();
    let mut dispatched: BTreeMap<String, String> = BTreeMap::new();
    let mut duplicates = Vec::new();
    for dispatch in &dispatches {
        assert!(!dispatch.broadcast, "{dispatch:?}");
        let users = users_of(dispatch);
        assert_eq!(users.len(), 1, "one user per send: {dispatch:?}");
        if let Some(earlier) = dispatched.insert(users[0].clone(), dispatch.dispatch_id.clone()) {
            duplicates.push((users[0].clone(), earlier, dispatch.dispatch_id.clone()));
        }
    }
    assert_eq!(duplicates, [], "sends dispatched twice");

    // A send is sent again only after a 429: never after a request that may have reached
    // the fake.
    let by_user = requests_by_user(&server);
    for (user, requests) in &by_user {
        let (_, earlier) = requests.split_last().expect("at least one");
        assert!(
            earlier.iter().all(|r| !may_have_reached(r)),
            "{user} was sent again after {:?}",
            requests
                .iter()
                .map(|r| (r.status, &r.fault))
                .collect::<Vec<_>>()
        );
    }

    let mut tally = Tally::default();
    let mut deliveries: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_last_fault: BTreeMap<String, usize> = BTreeMap::new();
    for (i, result) in results.iter().enumerate() {
        let user = user(i);
        match result {
            Ok(dispatch_id) => {
                tally.ok += 1;
                assert_eq!(
                    dispatched.get(&user),
                    dispatch_id.as_ref(),
                    "{user}: an Ok send is in the log once, with its dispatch_id"
                );
            }
            Err(error) => {
                *deliveries
                    .entry(delivery_name(error.delivery()))
                    .or_default() += 1;
                let last = by_user.get(&user).and_then(|r| r.last());
                let fault = last
                    .and_then(|r| r.fault.as_ref())
                    .map_or("none".to_owned(), |f| f.kind().to_string());
                *by_last_fault.entry(fault).or_default() += 1;
                if dispatched.contains_key(&user) {
                    tally.failed_dispatched += 1;
                    assert!(
                        says_it_may_have_happened(error),
                        "{user} was dispatched, but its error says {:?}: {error} ({:?})",
                        error.delivery(),
                        error.hint()
                    );
                } else if error.may_have_reached_braze() && error.delivery() != Delivery::Refused {
                    tally.failed_not_dispatched_may_have += 1;
                    assert!(says_it_may_have_happened(error), "{user}: {error}");
                } else {
                    tally.failed_not_sent += 1;
                    // "Not sent" or "refused" must be true.
                    assert!(!dispatched.contains_key(&user));
                }
                // What the fake did with its last request decides what may be said.
                match last.and_then(|r| r.fault.as_ref()) {
                    Some(Fault::Hang(_) | Fault::Truncated | Fault::Malformed) => {
                        assert!(dispatched.contains_key(&user), "{user}");
                    }
                    // A 5xx, or a connection cut or held before processing: the client
                    // cannot know, and says so.
                    Some(Fault::Status(code)) if *code >= 500 => {
                        assert_eq!(error.delivery(), Delivery::Uncertain, "{user}: {error}");
                    }
                    Some(Fault::Delay(_) | Fault::Reset | Fault::Close) => {
                        assert_eq!(error.delivery(), Delivery::Uncertain, "{user}: {error}");
                    }
                    _ => {}
                }
                // The client's count of attempts is the fake's.
                let logged = by_user.get(&user).map_or(0, Vec::len);
                assert_eq!(error.attempts() as usize, logged, "{user}: {error}");
            }
        }
    }
    assert_eq!(
        tally.ok + tally.failed_dispatched,
        dispatched.len(),
        "sends in the log = Ok sends + failed sends that were dispatched"
    );
    assert_eq!(
        dispatched.len() + tally.failed_not_dispatched_may_have + tally.failed_not_sent,
        sends,
        "every send is accounted for: {tally:?}"
    );
    let counts = server.fault_counts();
    for kind in FaultKind::ALL {
        assert!(
            counts.of(kind) > 0 || kind == FaultKind::Html,
            "no {kind}: {counts:?}"
        );
    }
    // The hang struck, and its sends happened without the client hearing.
    assert!(tally.failed_dispatched > 0, "{tally:?}");
    assert!(tally.ok > sends / 2, "{tally:?}");
    let faults: BTreeMap<&str, u64> = FaultKind::ALL
        .iter()
        .map(|kind| (kind.as_str(), counts.of(*kind)))
        .collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({
            "sends": sends,
            "requests_seen_by_the_fake": server.requests().len(),
            "faults_injected": faults,
            "dispatches": dispatches.len(),
            "duplicate_dispatches": duplicates.len(),
            "ok": tally.ok,
            "failed_but_dispatched_reported_may_have_happened": tally.failed_dispatched,
            "failed_not_dispatched_reported_may_have_happened": tally.failed_not_dispatched_may_have,
            "failed_reported_not_sent": tally.failed_not_sent,
            "failures_by_delivery": deliveries,
            "failures_by_last_fault": by_last_fault,
            "elapsed_ms": started.elapsed().as_millis(),
        }))
        .unwrap()
    );
}

fn delivery_name(delivery: Delivery) -> &'static str {
    match delivery {
        Delivery::NotSent => "not_sent",
        Delivery::Refused => "refused",
        Delivery::Uncertain => "uncertain",
        Delivery::Accepted => "accepted",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_sends_under_faults_none_twice() {
    send_campaign(1_000, 2_101).await;
}

/// Transactional send `i` to its own user, with the key `order-i` when `keyed`.
async fn transactional(client: &Client, i: usize, keyed: bool) -> Result<String, Error> {
    let recipient = TransactionalRecipient::external_user_id(format!("buyer-{i:04}"))
        .attributes(json!({"email": format!("buyer-{i}@example.com")}));
    let mut send = client
        .send_transactional_email(TRANSACTIONAL, recipient)
        .trigger_properties(json!({"order": i}));
    if keyed {
        send = send.external_send_id(format!("order-{i:04}"));
    }
    let sent = send.await?;
    Ok(sent.dispatch_id.clone().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyed_transactional_send_is_retried_and_delivered_once() {
    const SENDS: usize = 200;
    let server = fake(2_102, SENDS).await;
    server.inject(FaultRule::mix(0.20, every_fault()));
    let client = client_at(server.url(), retries());
    let results = run_all(SENDS, move |i| {
        let client = client.clone();
        async move { transactional(&client, i, true).await }
    })
    .await;

    let mut delivered: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for dispatch in server.dispatches() {
        assert_eq!(dispatch.operation, Operation::SendTransactionalEmail);
        let key = dispatch.external_send_id.clone().expect("keyed");
        delivered.entry(key).or_default().push(dispatch.dispatch_id);
    }
    let twice: Vec<_> = delivered.iter().filter(|(_, d)| d.len() > 1).collect();
    assert_eq!(
        twice,
        Vec::<(&String, &Vec<String>)>::new(),
        "keys delivered twice"
    );

    // Every request of a send carried its key; some sends were retried after a fault
    // that may have reached the fake.
    let by_user = requests_by_user(&server);
    let mut retried_after_uncertain = 0;
    for (user, requests) in &by_user {
        let i: usize = user.trim_start_matches("buyer-").parse().unwrap();
        for request in requests {
            let body = request.body.as_ref().and_then(|b| b.json()).unwrap();
            assert_eq!(body["external_send_id"], format!("order-{i:04}"), "{user}");
        }
        let (_, earlier) = requests.split_last().unwrap();
        if earlier.iter().any(may_have_reached) {
            retried_after_uncertain += 1;
        }
    }
    assert!(retried_after_uncertain > 0, "the keyed sends were retried");

    let (mut failed, mut accepted) = (0, 0);
    for (i, result) in results.iter().enumerate() {
        let key = format!("order-{i:04}");
        match result {
            Ok(dispatch_id) => {
                assert_eq!(
                    delivered.get(&key).map(Vec::as_slice),
                    Some(std::slice::from_ref(dispatch_id)),
                    "{key}: delivered once, with the dispatch_id answered"
                );
            }
            // A 2xx whose body was lost (truncated, malformed): Braze took it, and the
            // error says so; not repeated, as it has already been accepted.
            Err(error) if error.delivery() == Delivery::Accepted => {
                accepted += 1;
                assert!(says_it_may_have_happened(error), "{key}: {error}");
                assert_eq!(delivered.get(&key).map(Vec::len), Some(1), "{key}");
            }
            Err(error) => {
                // Only when the retries ran out.
                failed += 1;
                assert_eq!(error.attempts(), MAX_ATTEMPTS, "{key}: {error}");
                let hint = error.hint().unwrap_or_default();
                if error.delivery() == Delivery::Uncertain {
                    assert!(hint.contains("same `external_send_id` is safe"), "{hint}");
                }
            }
        }
    }
    assert!(failed <= SENDS / 50, "{failed} keyed sends failed");
    println!(
        "keyed transactional: {SENDS} sends, {} keys delivered, {retried_after_uncertain} \
         retried after a fault that may have reached the fake, {accepted} ended with an \
         unreadable 2xx (accepted), {failed} failed, faults {:?}",
        delivered.len(),
        server.fault_counts()
    );
}

#[tokio::test]
async fn an_unkeyed_transactional_send_is_not_retried_after_it_may_have_happened() {
    const SENDS: usize = 30;
    let server = fake(2_103, SENDS).await;
    server.inject(FaultRule::mix(
        1.0,
        [Fault::Hang(HOLD), Fault::Truncated, Fault::Malformed],
    ));
    let client = client_at(server.url(), retries());
    let results = run_all(SENDS, move |i| {
        let client = client.clone();
        async move { transactional(&client, i, false).await }
    })
    .await;
    assert_eq!(server.requests().len(), SENDS, "one request per send");
    assert_eq!(server.dispatches().len(), SENDS, "each send happened once");
    for result in results {
        let error = result.expect_err("every answer was lost");
        assert_eq!(error.attempts(), 1, "{error}");
        assert!(says_it_may_have_happened(&error), "{error}");
        if error.delivery() == Delivery::Uncertain {
            let hint = error.hint().unwrap_or_default();
            assert!(hint.contains("did not retry it"), "{hint}");
            assert!(
                hint.contains("give the send an `external_send_id`"),
                "{hint}"
            );
        }
    }
    assert!(server.fault_counts().hang > 0);
}

#[tokio::test]
async fn a_hang_is_a_send_that_happened_unheard() {
    let server = fake(2_104, 1).await;
    server.inject(
        FaultRule::new(Fault::Hang(HOLD))
            .next(1)
            .on_path("/messages/send"),
    );
    let client = client_at(server.url(), retries());
    let started = Instant::now();
    let error = send(&client, 2).await.expect_err("the answer never comes");
    assert!(
        started.elapsed() < HOLD,
        "the client gave up at its timeout"
    );
    assert_eq!(error.delivery(), Delivery::Uncertain);
    assert_eq!(error.attempts(), 1);
    let hint = error.hint().expect("a hint");
    assert!(hint.contains("before the answer timed out"), "{hint}");
    assert!(
        hint.contains("the send may or may not have happened"),
        "{hint}"
    );
    let dispatches = server.dispatches();
    assert_eq!(dispatches.len(), 1, "it was sent");
    assert_eq!(users_of(&dispatches[0]), [user(2)]);
    let log = server.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].fault, Some(Fault::Hang(HOLD)));
    assert_eq!(
        log[0].status,
        Some(201),
        "the status of the answer the fake made and withheld"
    );
    assert_eq!(server.fault_counts().hang, 1);
}

#[tokio::test]
async fn a_429_is_retried_for_every_send() {
    let server = fake(2_105, 10).await;
    let client = client_at(server.url(), retries());
    // One send of each kind, each refused once for the rate limit.
    for i in 0..3 {
        server.inject(FaultRule::new(Fault::Status(429)).next(1));
        let dispatch_id = send(&client, i)
            .await
            .expect("sent after the 429")
            .expect("a dispatch_id");
        let dispatches: Vec<_> = server
            .dispatches()
            .into_iter()
            .filter(|d| users_of(d) == [user(i)])
            .collect();
        assert_eq!(dispatches.len(), 1, "{}", user(i));
        assert_eq!(dispatches[0].dispatch_id, dispatch_id);
    }
    let statuses: Vec<_> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            Some(429),
            Some(201),
            Some(429),
            Some(201),
            Some(429),
            Some(201)
        ]
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_for_a_send() {
    // A port nothing listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let client = client_at(&url, retries());
    for i in 0..3 {
        let error = send(&client, i).await.expect_err("nothing listens");
        assert_eq!(error.delivery(), Delivery::NotSent, "{error}");
        assert_eq!(error.attempts(), MAX_ATTEMPTS, "retried: {error}");
        assert!(error.hint().unwrap().contains("nothing was sent"));
    }
    // The same send, when the fake comes up during its retries: sent once.
    let client = client_at(
        &url,
        RetryPolicy {
            initial_backoff: Duration::from_millis(300),
            max_backoff: Duration::from_millis(300),
            ..retries()
        },
    );
    let sending = tokio::spawn(async move {
        let response = client
            .trigger_campaign_send(CAMPAIGN)
            .recipient(Recipient::external_user_id(user(7)))
            .await;
        response.map(|r| r.attempts())
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let server = MockServer::start(Config::new().key(KEY, Permissions::all()).port(port))
        .await
        .expect("the fake starts on the port");
    let attempts = sending.await.unwrap().expect("sent once the fake is up");
    assert!(attempts > 1, "{attempts}");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.dispatches().len(), 1);
}
