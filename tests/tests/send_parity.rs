//! The generated `Bound::send` (the SDK's path: the request from the generated
//! `Bound::request`, the answer read by braze-api's `sending.rs`) and progenitor's own
//! `send` of the same builder put the same request on the wire and give the same outcome,
//! for every way an answer is read: 2xx, a 4xx or 5xx with Braze's error, a body that is
//! not JSON, a status outside them.

use std::fmt::Debug;

use braze_api::operations::Bound;
use braze_api::retry::RetryPolicy;
use braze_api::types::ApiError;
use braze_api::{Client, Error, HookState, ResponseValue};
use braze_tests::{Reply, ScriptedServer};
use serde_json::{Value, json};

const KEY: &str = "parity-test-key";

fn client(server: &ScriptedServer) -> Client {
    let state = HookState::new()
        .with_api_key(KEY)
        .expect("key")
        .with_retry(RetryPolicy::none());
    Client::new_with_client(server.url(), reqwest::Client::new(), state)
}

/// What a caller can see of an outcome, less the `date` header.
fn outcome<T: Debug>(result: Result<ResponseValue<T>, Error<ApiError>>) -> String {
    let shown = |kind: &str, status: reqwest::StatusCode, headers: &reqwest::header::HeaderMap| {
        let headers: Vec<_> = headers.iter().filter(|(name, _)| *name != "date").collect();
        format!("{kind} {status} {headers:?}")
    };
    match result {
        Ok(value) => {
            let head = shown("ok", value.status(), value.headers());
            format!("{head} {:?}", value.into_inner())
        }
        Err(Error::ErrorResponse(value)) => {
            let head = shown("error response", value.status(), value.headers());
            format!("{head} {:?}", value.into_inner())
        }
        Err(Error::UnexpectedResponse(response)) => {
            shown("unexpected", response.status(), response.headers())
        }
        Err(other) => format!("other: {other}"),
    }
}

/// The one request `server` received, as a snapshot records it.
fn wire(server: &ScriptedServer, outcome: &str) -> Value {
    let received = server.received();
    assert_eq!(received.len(), 1, "{outcome}");
    received[0].wire()
}

fn replies() -> Vec<Reply> {
    vec![
        Reply::success().rate_limit(100, 99, 4_000_000_000),
        Reply::json(
            404,
            json!({"message": "Schedule not found", "errors": ["x"]}),
        ),
        Reply::json(503, json!({"message": "busy"})),
        Reply::raw(502, "text/html", "<html>Bad gateway</html>"),
        Reply::raw(200, "application/json", "{not json"),
        Reply::json(302, json!({"message": "moved"})),
    ]
}

#[tokio::test]
async fn both_sends_agree_on_the_wire_and_the_outcome() {
    let mut kinds = Vec::new();
    for reply in replies() {
        let (lean, progenitor) = (
            ScriptedServer::start([reply.clone()]).await,
            ScriptedServer::start([reply.clone()]).await,
        );
        let body = || {
            braze_api::types::CampaignScheduleDeleteRequest::builder()
                .campaign_id("campaign 1")
                .schedule_id("schedule/1")
                .extra(serde_json::Map::new())
        };
        let (a, b) = (client(&lean), client(&progenitor));
        let ours = outcome(Bound::send(a.delete_campaign_schedule().body(body())).await);
        let theirs = outcome(b.delete_campaign_schedule().body(body()).send().await);
        assert_eq!(ours, theirs);
        kinds.push(ours.split(' ').next().unwrap_or_default().to_owned());
        assert_eq!(wire(&lean, &ours), wire(&progenitor, &theirs));

        let (lean, progenitor) = (
            ScriptedServer::start([reply.clone()]).await,
            ScriptedServer::start([reply.clone()]).await,
        );
        let (a, b) = (client(&lean), client(&progenitor));
        let time = "2030-09-01T00:00:00Z";
        let ours = outcome(Bound::send(a.list_scheduled_broadcasts().end_time(time)).await);
        let theirs = outcome(b.list_scheduled_broadcasts().end_time(time).send().await);
        assert_eq!(ours, theirs);
        assert_eq!(wire(&lean, &ours), wire(&progenitor, &theirs));

        let (lean, progenitor) = (
            ScriptedServer::start([reply.clone()]).await,
            ScriptedServer::start([reply]).await,
        );
        let (a, b) = (client(&lean), client(&progenitor));
        let body: braze_api::types::TransactionalSendRequest = serde_json::from_value(
            json!({"external_send_id": "b3JkZXI=", "recipient": {"external_user_id": "u"}}),
        )
        .expect("body");
        let campaign = "c 1/é?";
        let ours = outcome(
            Bound::send(
                a.send_transactional_email()
                    .campaign_id(campaign)
                    .body(body.clone()),
            )
            .await,
        );
        let theirs = outcome(
            b.send_transactional_email()
                .campaign_id(campaign)
                .body(body)
                .send()
                .await,
        );
        assert_eq!(ours, theirs);
        assert_eq!(wire(&lean, &ours), wire(&progenitor, &theirs));
    }
    // Every way of reading an answer was met.
    assert_eq!(
        kinds,
        ["ok", "error", "error", "other:", "other:", "unexpected"],
        "{kinds:?}"
    );
}

#[tokio::test]
async fn both_sends_refuse_an_invalid_builder_alike() {
    let server = ScriptedServer::start([]).await;
    let client = client(&server);
    let ours = outcome(Bound::send(client.delete_campaign_schedule()).await);
    let theirs = outcome(client.delete_campaign_schedule().send().await);
    assert!(ours.starts_with("other: Invalid Request"), "{ours}");
    assert_eq!(ours, theirs);
    let ours = outcome(Bound::send(client.send_transactional_email()).await);
    let theirs = outcome(client.send_transactional_email().send().await);
    assert_eq!(ours, theirs);
    assert!(server.received().is_empty());
}
