//! What each operation puts on the wire, locked by insta snapshots: method, path and
//! query, every header (the key redacted), and the JSON body.

use braze_sdk::api::operations::Operation;
use braze_sdk::{Client, Recipient, Request, RequestPreview, RetryPolicy, Schedule};
use braze_tests::{Received, Reply, ScriptedServer};
use serde_json::json;

const KEY: &str = "wire-test-key-7f3a";

fn client(server: &ScriptedServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .endpoint_str(server.url())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client")
}

/// The only request the server received, after checking that it carried the key exactly
/// (the snapshot redacts it).
fn only_request(server: &ScriptedServer) -> Received {
    let mut received = server.received();
    assert_eq!(received.len(), 1, "exactly one request: {received:?}");
    let request = received.remove(0);
    assert_eq!(
        request.headers.get("authorization").map(String::as_str),
        Some(format!("Bearer {KEY}").as_str())
    );
    request
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        &regex_escape(concat!("braze-sdk/", env!("CARGO_PKG_VERSION"))),
        "braze-sdk/[version]",
    );
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = ".+*?()|[]{}^$\\".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

#[tokio::test]
async fn seed_delete_sends_the_documented_body() {
    let server = ScriptedServer::start([Reply::success()]).await;
    client(&server)
        .delete_campaign_schedule("campaign_identifier", "schedule_identifier")
        .await
        .expect("delete");
    let request = only_request(&server);
    // Byte for byte in meaning: the curl example's body, and nothing else.
    assert_eq!(
        request.json(),
        json!({"campaign_id": "campaign_identifier", "schedule_id": "schedule_identifier"})
    );
    assert_eq!(
        request.body.as_ref(),
        br#"{"campaign_id":"campaign_identifier","schedule_id":"schedule_identifier"}"#
    );
    settings().bind(|| insta::assert_json_snapshot!("delete_campaign_schedule", request.wire()));
}

#[tokio::test]
async fn create_campaign_schedule_wire() {
    let server = ScriptedServer::start([Reply::json(
        201,
        json!({"dispatch_id": "d-1", "schedule_id": "s-1", "message": "success"}),
    )])
    .await;
    let created = client(&server)
        .create_campaign_schedule("campaign_identifier", Schedule::at("2030-05-24T21:30:00Z"))
        .send_id("send_identifier")
        .recipient(
            Recipient::external_user_id("user-1").trigger_properties(json!({"coupon": "SPRING"})),
        )
        .recipient(Recipient::user_alias("alias-name", "alias-label"))
        .recipient(Recipient::email("ada@example.com", ["identified"]))
        .trigger_properties(json!({"campaign_wide": true}))
        .await
        .expect("create");
    assert_eq!(created.schedule_id.as_str(), "s-1");
    settings().bind(|| {
        insta::assert_json_snapshot!("create_campaign_schedule", only_request(&server).wire())
    });
}

#[tokio::test]
async fn update_campaign_schedule_wire() {
    let server = ScriptedServer::start([Reply::success()]).await;
    client(&server)
        .update_campaign_schedule(
            "campaign_identifier",
            "schedule_identifier",
            Schedule::at("2030-05-24T21:30:00").in_local_time(true),
        )
        .await
        .expect("update");
    settings().bind(|| {
        insta::assert_json_snapshot!("update_campaign_schedule", only_request(&server).wire())
    });
}

#[tokio::test]
async fn create_canvas_schedule_wire() {
    let server = ScriptedServer::start([Reply::json(
        201,
        json!({"dispatch_id": "d-2", "schedule_id": "s-2", "message": "success"}),
    )])
    .await;
    client(&server)
        .create_canvas_schedule(
            "canvas_identifier",
            Schedule::optimal(chrono::NaiveDate::from_ymd_opt(2030, 5, 24).unwrap()),
        )
        .broadcast(true)
        .context(json!({"plan": "gold"}))
        .await
        .expect("create");
    settings().bind(|| {
        insta::assert_json_snapshot!("create_canvas_schedule", only_request(&server).wire())
    });
}

#[tokio::test]
async fn update_canvas_schedule_wire() {
    let server = ScriptedServer::start([Reply::success()]).await;
    client(&server)
        .update_canvas_schedule(
            "canvas_identifier",
            "schedule_identifier",
            Schedule::at("2030-05-24T21:30:00Z"),
        )
        .await
        .expect("update");
    settings().bind(|| {
        insta::assert_json_snapshot!("update_canvas_schedule", only_request(&server).wire())
    });
}

#[tokio::test]
async fn delete_canvas_schedule_wire() {
    let server = ScriptedServer::start([Reply::success()]).await;
    client(&server)
        .delete_canvas_schedule("canvas_identifier", "schedule_identifier")
        .await
        .expect("delete");
    settings().bind(|| {
        insta::assert_json_snapshot!("delete_canvas_schedule", only_request(&server).wire())
    });
}

#[tokio::test]
async fn list_scheduled_broadcasts_wire_encodes_the_offset() {
    let server = ScriptedServer::start([Reply::json(
        200,
        json!({"scheduled_broadcasts": [{
            "name": "Spring sale", "id": "c-1", "type": "Campaign", "tags": ["promo"],
            "next_send_time": "2030-05-24 21:30:00", "schedule_type": "local_time_zones"
        }]}),
    )])
    .await;
    let listed = client(&server)
        .list_scheduled_broadcasts("2030-09-01T00:00:00+02:00")
        .await
        .expect("list");
    assert_eq!(listed.scheduled_broadcasts.len(), 1);
    let request = only_request(&server);
    // A '+' left unencoded would be read as a space.
    assert_eq!(
        request.query.as_deref(),
        Some("end_time=2030-09-01T00%3A00%3A00%2B02%3A00")
    );
    settings().bind(|| insta::assert_json_snapshot!("list_scheduled_broadcasts", request.wire()));
}

#[tokio::test]
async fn extra_fields_travel_in_the_body() {
    let server = ScriptedServer::start([Reply::success()]).await;
    client(&server)
        .delete_campaign_schedule("campaign_identifier", "schedule_identifier")
        .extra("reason", json!("operator request"))
        .await
        .expect("delete");
    assert_eq!(
        only_request(&server).json(),
        json!({
            "campaign_id": "campaign_identifier",
            "schedule_id": "schedule_identifier",
            "reason": "operator request"
        })
    );
}

/// One request of `operation`, as a user would build it. The match is exhaustive on
/// purpose: a new operation in the spec stops the build here until the SDK can make it.
fn request_of(client: &Client, operation: Operation) -> Box<dyn ErasedRequest<'_> + '_> {
    let schedule = || Schedule::at("2030-05-24T21:30:00Z");
    match operation {
        Operation::CreateCampaignSchedule => Box::new(
            client
                .create_campaign_schedule("campaign_identifier", schedule())
                .recipient(Recipient::external_user_id("user-1")),
        ),
        Operation::UpdateCampaignSchedule => Box::new(client.update_campaign_schedule(
            "campaign_identifier",
            "schedule_identifier",
            schedule(),
        )),
        Operation::DeleteCampaignSchedule => {
            Box::new(client.delete_campaign_schedule("campaign_identifier", "schedule_identifier"))
        }
        Operation::CreateCanvasSchedule => Box::new(
            client
                .create_canvas_schedule("canvas_identifier", schedule())
                .broadcast(true),
        ),
        Operation::UpdateCanvasSchedule => Box::new(client.update_canvas_schedule(
            "canvas_identifier",
            "schedule_identifier",
            schedule(),
        )),
        Operation::DeleteCanvasSchedule => {
            Box::new(client.delete_canvas_schedule("canvas_identifier", "schedule_identifier"))
        }
        Operation::ListScheduledBroadcasts => {
            Box::new(client.list_scheduled_broadcasts("2030-09-01T00:00:00+02:00"))
        }
    }
}

/// A request of any operation: its preview, then sending it.
trait ErasedRequest<'a> {
    fn preview(&self) -> RequestPreview;
    fn send(self: Box<Self>) -> BoxFuture<'a>;
}

type BoxFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>;

impl<'a, R> ErasedRequest<'a> for R
where
    R: Request + Send + 'a,
{
    fn preview(&self) -> RequestPreview {
        Request::preview(self).expect("a valid request")
    }

    fn send(self: Box<Self>) -> BoxFuture<'a> {
        Box::pin(async move {
            assert!(Request::send(*self).await.is_ok(), "sent");
        })
    }
}

#[tokio::test]
async fn previews_match_what_goes_on_the_wire() {
    // One answer that every operation's response type reads.
    let answer = || {
        Reply::json(
            200,
            json!({"message": "success", "schedule_id": "s-1", "dispatch_id": "d-1",
                   "scheduled_broadcasts": []}),
        )
    };
    let server = ScriptedServer::start(Operation::ALL.map(|_| answer())).await;
    let client = client(&server);
    for operation in Operation::ALL {
        let request = request_of(&client, operation);
        let preview = request.preview();
        request.send().await;
        let received = server.received();
        let request = received.last().expect("a request");
        let spec = operation.spec();
        assert_eq!(preview.operation, spec.id);
        assert_eq!(
            (preview.method, request.path.as_str()),
            (spec.method.as_str(), spec.path)
        );
        assert_eq!(preview.method, request.method, "{}", spec.id);
        let path_and_query = match &request.query {
            Some(query) => format!("{}{}?{query}", server.url(), request.path),
            None => format!("{}{}", server.url(), request.path),
        };
        assert_eq!(preview.url, path_and_query, "{}", spec.id);
        assert_eq!(
            preview.body.clone().unwrap_or(serde_json::Value::Null),
            request.json(),
            "{}",
            spec.id
        );
        let previewed: Vec<&str> = preview.headers.iter().map(|(name, _)| *name).collect();
        for (name, value) in &preview.headers {
            let sent = request
                .headers
                .get(*name)
                .unwrap_or_else(|| panic!("{}: {name} not sent", spec.id));
            if *name == "authorization" {
                assert_eq!(value, "Bearer [redacted]");
            } else {
                assert_eq!(value, sent, "{}: {name}", spec.id);
            }
        }
        // Nothing the client sets is missing from the preview (the server and the
        // transport add their own: host, content-length...).
        for name in ["accept", "authorization", "content-type", "user-agent"] {
            assert_eq!(
                previewed.contains(&name),
                request.headers.contains_key(name),
                "{}: {name}",
                spec.id
            );
        }
    }
    assert_eq!(server.received().len(), Operation::ALL.len());
}

#[test]
fn request_schemas() {
    use braze_sdk::types;
    macro_rules! schema {
        ($name:literal, $type:ty) => {
            insta::assert_json_snapshot!(concat!("schema_", $name), schemars::schema_for!($type));
        };
    }
    schema!(
        "create_campaign_schedule",
        types::CampaignScheduleCreateRequest
    );
    schema!(
        "update_campaign_schedule",
        types::CampaignScheduleUpdateRequest
    );
    schema!(
        "delete_campaign_schedule",
        types::CampaignScheduleDeleteRequest
    );
    schema!("create_canvas_schedule", types::CanvasScheduleCreateRequest);
    schema!("update_canvas_schedule", types::CanvasScheduleUpdateRequest);
    schema!("delete_canvas_schedule", types::CanvasScheduleDeleteRequest);
}
