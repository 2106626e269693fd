//! Helpers shared by the integration tests: a server with a client pointed at it.
#![allow(dead_code)] // each test binary uses its own share of the helpers

use std::time::{Duration, SystemTime};

use braze_mock::{Clock, Config, MockServer};
use serde_json::{Value, json};

pub const CREATE_CAMPAIGN: &str = "/campaigns/trigger/schedule/create";
pub const UPDATE_CAMPAIGN: &str = "/campaigns/trigger/schedule/update";
pub const DELETE_CAMPAIGN: &str = "/campaigns/trigger/schedule/delete";
pub const CREATE_CANVAS: &str = "/canvas/trigger/schedule/create";
pub const UPDATE_CANVAS: &str = "/canvas/trigger/schedule/update";
pub const DELETE_CANVAS: &str = "/canvas/trigger/schedule/delete";
pub const CREATE_MESSAGE: &str = "/messages/schedule/create";
pub const UPDATE_MESSAGE: &str = "/messages/schedule/update";
pub const DELETE_MESSAGE: &str = "/messages/schedule/delete";
pub const LIST: &str = "/messages/scheduled_broadcasts";

/// Where the clock of every fake that [`start`] starts stands at first: the fixture dates
/// of these tests are read against it, not against the day the tests run on.
pub const NOW: &str = "2030-01-01T00:00:00Z";

/// A send time well after [`NOW`], so that no rule about past times interferes.
pub const LATER: &str = "2031-05-24T21:30:00Z";

/// [`NOW`] as a time.
pub fn now() -> SystemTime {
    chrono::DateTime::parse_from_rfc3339(NOW)
        .expect("NOW is RFC 3339")
        .into()
}

pub struct Harness {
    pub server: MockServer,
    pub client: reqwest::Client,
}

/// A client for loopback only (no proxy from the environment), with a bound on every
/// request so that a broken server fails the test instead of hanging it.
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("a reqwest client")
}

/// A fake with `config`, its clock set to [`NOW`] (it runs on from there).
pub async fn start(config: Config) -> Harness {
    let config = config.clock(Clock::starting_at(now()));
    let server = MockServer::start(config).await.expect("the server starts");
    Harness {
        server,
        client: client(Duration::from_secs(10)),
    }
}

impl Harness {
    /// What the fake takes for now (its clock, not the system's).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.server.clock().now().into()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    pub async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.post_as(self.server.api_key(), path, body).await
    }

    pub async fn post_as(&self, key: &str, path: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .expect("an answer")
    }

    /// Posts raw bytes with the given Content-Type (none if `None`).
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url(path))
            .bearer_auth(self.server.api_key())
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send().await.expect("an answer")
    }

    pub async fn list(&self, end_time: &str) -> reqwest::Response {
        self.client
            .get(self.url(LIST))
            .query(&[("end_time", end_time)])
            .bearer_auth(self.server.api_key())
            .send()
            .await
            .expect("an answer")
    }

    /// Creates a broadcast schedule of `campaign_id` at `time` and returns its id.
    pub async fn create_campaign(&self, campaign_id: &str, time: &str) -> String {
        let response = self
            .post(CREATE_CAMPAIGN, campaign_create(campaign_id, time))
            .await;
        assert_eq!(response.status(), 201, "create failed");
        let body: Value = response.json().await.expect("a JSON answer");
        body["schedule_id"]
            .as_str()
            .expect("a schedule_id")
            .to_owned()
    }
}

/// A message create to one user with one push, at `time`.
pub fn message_create(time: &str) -> Value {
    json!({
        "external_user_ids": ["user-42"],
        "schedule": {"time": time},
        "messages": {"apple_push": {"alert": "Your table is ready"}},
    })
}

pub fn campaign_create(campaign_id: &str, time: &str) -> Value {
    json!({
        "campaign_id": campaign_id,
        "broadcast": true,
        "schedule": {"time": time},
    })
}

/// The `message` of a Braze-style JSON answer; fails the test if the answer is not one.
pub async fn message(response: reqwest::Response) -> String {
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let body: Value = response.json().await.expect("a JSON answer");
    body["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {body}"))
        .to_owned()
}

/// Status and message of an answer.
pub async fn status_and_message(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, message(response).await)
}
