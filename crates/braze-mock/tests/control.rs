//! The control API under `/_mock/`: off unless asked, outside the fake Braze when on (not
//! counted, faulted or logged), and what each call reads and changes.

mod common;

use braze_mock::{Config, Fault, FaultRule, Permission, Permissions};
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const SECRET: &str = "sk-control-test-4f1c9a77";

impl Harness {
    /// A control call; its status and JSON answer.
    async fn control(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("an answer");
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"].clone();
        assert_eq!(content_type, "application/json", "{path}");
        (status, response.json().await.expect("a JSON answer"))
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.control(Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    async fn call(&self, method: Method, path: &str, body: Value) -> Value {
        let (status, answer) = self.control(method, path, Some(body)).await;
        assert_eq!(status, 200, "{path}: {answer}");
        answer
    }

    async fn trigger(&self, key: &str, campaign_id: &str, user: &str) -> reqwest::Response {
        self.post_as(
            key,
            "/campaigns/trigger/send",
            json!({"campaign_id": campaign_id, "recipients": [{"external_user_id": user}]}),
        )
        .await
    }
}

async fn with_control(config: Config) -> Harness {
    start(config.control(true).seed(11)).await
}

#[tokio::test]
async fn without_control_the_control_paths_are_braze_404s() {
    let h = start(Config::new().seed(1)).await;
    assert!(!h.server.control_enabled());
    let unknown = h.client.get(h.url("/no/such/path")).send().await.unwrap();
    let expected = (unknown.status().as_u16(), unknown.text().await.unwrap());
    assert_eq!(expected.0, 404);
    let cases = [
        (Method::GET, "/_mock/schedules"),
        (Method::GET, "/_mock/requests"),
        (Method::POST, "/_mock/reset"),
        (Method::POST, "/_mock/faults"),
        (Method::GET, "/_mock"),
        (Method::GET, "/_mock/"),
    ];
    for (method, path) in cases.clone() {
        let response = h
            .client
            .request(method.clone(), h.url(path))
            .bearer_auth(h.server.api_key())
            .json(&json!({"spec": "503"}))
            .send()
            .await
            .unwrap();
        // Braze's 404, with the rate-limit headers every Braze answer carries.
        assert!(response.headers().contains_key("x-ratelimit-remaining"));
        let answer = (response.status().as_u16(), response.text().await.unwrap());
        assert_eq!(answer, expected, "{method} {path}");
    }
    // Counted and logged like any request, and nothing was armed or reset.
    assert_eq!(h.server.requests().len(), 1 + cases.len());
    assert_eq!(h.server.rate_limit_counters().used, 1 + cases.len() as u64);
    assert_eq!(h.server.fault_counts().total(), 0);
}

#[tokio::test]
async fn control_calls_are_not_counted_faulted_or_logged() {
    let h = with_control(Config::new().key(SECRET, Permissions::all())).await;
    assert!(h.server.control_enabled());
    // A rule on every path: were control calls faulted, this one would be.
    let rule = h
        .call(Method::POST, "/_mock/faults", json!({"spec": "503:next=1"}))
        .await;
    assert_eq!(rule, json!({"id": 1, "spec": "503:next=1", "left": 1}));
    for path in [
        "/_mock/faults",
        "/_mock/requests",
        "/_mock/rate_limits",
        "/_mock/clock",
    ] {
        h.get(path).await;
    }
    let first = h.trigger(SECRET, "c", "u1").await;
    assert_eq!(first.status(), 503, "the Braze path takes the fault");
    assert_eq!(first.headers()["x-ratelimit-remaining"], "249999");
    h.get("/_mock/schedules").await;
    let second = h.trigger(SECRET, "c", "u1").await;
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["x-ratelimit-remaining"], "249998");

    let log = h.get("/_mock/requests").await;
    let paths: Vec<&str> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["/campaigns/trigger/send", "/campaigns/trigger/send"]
    );
    assert_eq!(log["requests"][0]["status"], 503);
    assert_eq!(log["requests"][0]["fault"], "503");
    assert_eq!(log["requests"][1]["status"], 201);
    let faults = h.get("/_mock/faults").await;
    assert_eq!(faults["rules"][0]["left"], 0);
    assert_eq!(faults["counts"]["status"], 1);
    assert_eq!(faults["counts"]["total"], 1);
    let limits = h.get("/_mock/rate_limits").await;
    assert_eq!(limits["default"]["used"], 2);
}

#[tokio::test]
async fn the_request_log_shows_permissions_and_never_a_key() {
    let h = with_control(Config::new()).await;
    let added = h
        .call(
            Method::POST,
            "/_mock/keys",
            json!({"key": SECRET, "permissions": ["campaigns.trigger.send"]}),
        )
        .await;
    assert_eq!(added, json!({"permissions": ["campaigns.trigger.send"]}));
    assert_eq!(h.trigger(SECRET, "c", "u1").await.status(), 201);
    let forbidden = h
        .post_as(
            SECRET,
            "/messages/send",
            json!({"external_user_ids": ["u1"], "messages": {}}),
        )
        .await;
    assert_eq!(forbidden.status(), 403);
    let quoted = format!("\"{SECRET}\"");
    assert_eq!(h.trigger(&quoted, "c", "u1").await.status(), 401);
    assert_eq!(
        h.trigger(&format!("{SECRET}x"), "c", "u1").await.status(),
        401
    );
    let no_key = h
        .client
        .post(h.url("/campaigns/trigger/send"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 401);

    let response = h.client.get(h.url("/_mock/requests")).send().await.unwrap();
    let text = response.text().await.unwrap();
    assert!(!text.contains(SECRET), "a key in the log: {text}");
    assert!(
        !text.contains("sk-control"),
        "part of a key in the log: {text}"
    );
    let log: Value = serde_json::from_str(&text).unwrap();
    let entries = log["requests"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    let outcomes: Vec<(&str, &Value, &Value, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["auth"].as_str().unwrap(),
                &e["key_permissions"],
                &e["permission"],
                e["status"].as_u64().unwrap(),
            )
        })
        .collect();
    let send = json!(["campaigns.trigger.send"]);
    assert_eq!(
        outcomes,
        [
            ("valid", &send, &json!("campaigns.trigger.send"), 201),
            ("valid", &send, &json!("messages.send"), 403),
            (
                "unknown",
                &Value::Null,
                &json!("campaigns.trigger.send"),
                401
            ),
            (
                "unknown",
                &Value::Null,
                &json!("campaigns.trigger.send"),
                401
            ),
            (
                "missing",
                &Value::Null,
                &json!("campaigns.trigger.send"),
                401
            ),
        ]
    );
    assert_eq!(entries[0]["headers"]["authorization"], "Bearer [redacted]");
    assert_eq!(
        entries[0]["body"],
        json!({"campaign_id": "c", "recipients": [{"external_user_id": "u1"}]})
    );

    let cleared = h.control(Method::DELETE, "/_mock/requests", None).await;
    assert_eq!(cleared, (200, json!({"removed": 5})));
    assert_eq!(h.get("/_mock/requests").await, json!({"requests": []}));
}

#[tokio::test]
async fn seeds_change_what_braze_paths_answer_in_strict_mode() {
    let h = with_control(Config::new().strict(true)).await;
    let key = h.server.api_key().to_owned();
    let refused = h.trigger(&key, "welcome", "u1").await;
    assert_eq!(status_and_message(refused).await.0, 400);

    let campaign = h
        .call(
            Method::POST,
            "/_mock/campaigns",
            json!({"id": "welcome", "kind": "api_triggered"}),
        )
        .await;
    assert_eq!(
        campaign,
        json!({"id": "welcome", "kind": "api_triggered", "status": "active"})
    );
    let user = json!({
        "external_id": "u1",
        "aliases": [{"alias_name": "shop-1", "alias_label": "crm"}],
        "email": "u1@example.com",
        "braze_id": null,
        "attributes": {"tier": "gold"},
    });
    assert_eq!(
        h.call(Method::POST, "/_mock/users", user.clone()).await,
        user
    );
    assert_eq!(h.get("/_mock/users").await, json!({"users": [user]}));

    let sent = h.trigger(&key, "welcome", "u1").await;
    assert_eq!(sent.status(), 201);
    let dispatches = h.get("/_mock/dispatches").await;
    let dispatch = &dispatches["dispatches"][0];
    assert_eq!(dispatch["operation"], "trigger_campaign_send");
    assert_eq!(dispatch["campaign_id"], "welcome");
    assert_eq!(dispatch["users"], json!([{"external_user_id": "u1"}]));
    assert!(
        dispatch["at"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-01T00:00:")
    );

    // A paused campaign answers with a notice and sends nothing.
    h.call(
        Method::POST,
        "/_mock/campaigns",
        json!({"id": "welcome", "kind": "api_triggered", "status": "paused"}),
    )
    .await;
    let paused: Value = h.trigger(&key, "welcome", "u1").await.json().await.unwrap();
    assert!(paused.get("notice").is_some(), "{paused}");
    assert_eq!(
        h.get("/_mock/dispatches").await["dispatches"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        h.get("/_mock/campaigns").await,
        json!({"campaigns": [{"id": "welcome", "kind": "api_triggered", "status": "paused"}]})
    );

    // A Canvas seeded for strict mode takes a schedule.
    h.call(Method::POST, "/_mock/canvases", json!({"id": "onboarding"}))
        .await;
    let created = h
        .post(
            CREATE_CANVAS,
            json!({"canvas_id": "onboarding", "broadcast": true, "schedule": {"time": LATER}}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let schedules = h.get("/_mock/schedules").await;
    let schedule = &schedules["schedules"][0];
    assert_eq!(schedule["kind"], "canvas");
    assert_eq!(schedule["canvas_id"], "onboarding");
    assert_eq!(schedule["schedule"], json!({"time": LATER}));
    let id = schedule["schedule_id"].as_str().unwrap();
    assert_eq!(&h.get(&format!("/_mock/schedules/{id}")).await, schedule);
}

#[tokio::test]
async fn faults_are_armed_and_disarmed_per_test() {
    let h =
        with_control(Config::new().fault(FaultRule::new(Fault::Status(500)).on_path("/x"))).await;
    let bad = h
        .control(
            Method::POST,
            "/_mock/faults",
            Some(json!({"spec": "bogus"})),
        )
        .await;
    assert_eq!(bad.0, 400);
    assert!(
        bad.1["error"]
            .as_str()
            .unwrap()
            .contains("invalid fault `bogus`"),
        "{}",
        bad.1
    );

    let rule = h
        .call(
            Method::POST,
            "/_mock/faults",
            json!({"spec": "503@/campaigns/trigger/send"}),
        )
        .await;
    assert_eq!(rule["id"], 2);
    let key = h.server.api_key().to_owned();
    for _ in 0..2 {
        assert_eq!(h.trigger(&key, "c", "u1").await.status(), 503);
    }
    let removed = h.control(Method::DELETE, "/_mock/faults/2", None).await;
    assert_eq!(
        removed,
        (
            200,
            json!({"id": 2, "spec": "503@/campaigns/trigger/send", "left": null})
        )
    );
    assert_eq!(h.trigger(&key, "c", "u1").await.status(), 201);
    assert_eq!(
        h.control(Method::DELETE, "/_mock/faults/2", None).await.0,
        404
    );
    assert_eq!(
        h.control(Method::DELETE, "/_mock/faults/two", None).await.0,
        400
    );
    assert_eq!(
        h.control(Method::DELETE, "/_mock/faults", None).await,
        (200, json!({"removed": 1}))
    );
    assert_eq!(h.server.fault_counts().status, 2);
}

#[tokio::test]
async fn rate_limits_and_the_clock_change_per_test_and_reset_restores_the_start() {
    let h = with_control(Config::new()).await;
    let key = h.server.api_key().to_owned();
    let first_id = h.create_campaign("c", LATER).await;
    let first_dispatch = h
        .trigger(&key, "c", "u1")
        .await
        .json::<Value>()
        .await
        .unwrap();

    let limits = h
        .call(
            Method::PUT,
            "/_mock/rate_limits",
            json!({"default": {"limit": 2, "window_seconds": 3600}}),
        )
        .await;
    assert_eq!(limits["default"]["limit"], 2);
    assert_eq!(limits["default"]["used"], 0, "counted afresh");
    assert_eq!(h.trigger(&key, "c", "u1").await.status(), 201);
    let second = h.trigger(&key, "c", "u1").await;
    assert_eq!(second.headers()["x-ratelimit-limit"], "2");
    assert_eq!(second.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(h.trigger(&key, "c", "u1").await.status(), 429);
    let zero = h
        .control(
            Method::PUT,
            "/_mock/rate_limits",
            Some(json!({"audience": {"limit": 1, "window_seconds": 0}})),
        )
        .await;
    assert_eq!(zero.0, 400);

    // The clock: set, then moved on; the list follows it.
    let set = h
        .call(
            Method::PUT,
            "/_mock/clock",
            json!({"now": "2031-05-24T00:00:00Z"}),
        )
        .await;
    assert!(
        set["now"]
            .as_str()
            .unwrap()
            .starts_with("2031-05-24T00:00:0"),
        "{set}"
    );
    let moved = h
        .call(
            Method::POST,
            "/_mock/clock/advance",
            json!({"seconds": 86_400}),
        )
        .await;
    assert!(
        moved["now"]
            .as_str()
            .unwrap()
            .starts_with("2031-05-25T00:00:0"),
        "{moved}"
    );
    assert!(h.server.clock().now() > now() + std::time::Duration::from_secs(500 * 86_400));

    // Seeds and keys that the reset must forget.
    h.call(Method::POST, "/_mock/keys", json!({"key": SECRET}))
        .await;
    h.call(
        Method::POST,
        "/_mock/users",
        json!({"email": "a@example.com"}),
    )
    .await;
    h.call(Method::POST, "/_mock/faults", json!({"spec": "reset"}))
        .await;

    assert_eq!(
        h.call(Method::POST, "/_mock/reset", json!({})).await,
        json!({"ok": true})
    );
    assert_eq!(h.get("/_mock/schedules").await, json!({"schedules": []}));
    assert_eq!(h.get("/_mock/dispatches").await, json!({"dispatches": []}));
    assert_eq!(h.get("/_mock/requests").await, json!({"requests": []}));
    assert_eq!(h.get("/_mock/users").await, json!({"users": []}));
    assert_eq!(h.get("/_mock/faults").await["rules"], json!([]));
    assert_eq!(h.get("/_mock/faults").await["counts"]["total"], 0);
    let limits = h.get("/_mock/rate_limits").await;
    assert_eq!(limits["default"]["limit"], 250_000);
    assert_eq!(limits["default"]["total"], 0);
    assert_eq!(
        h.trigger(SECRET, "c", "u1").await.status(),
        401,
        "the added key is gone"
    );
    // The clock is back near its start, and the ids replay.
    let clock = h.get("/_mock/clock").await;
    assert!(
        clock["now"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-01T00:0"),
        "{clock}"
    );
    assert_eq!(h.create_campaign("c", LATER).await, first_id);
    let again = h
        .trigger(&key, "c", "u1")
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(again["dispatch_id"], first_dispatch["dispatch_id"]);
}

#[tokio::test]
async fn control_calls_refuse_what_they_cannot_read() {
    let h = with_control(Config::new()).await;
    let cases = [
        (
            Method::POST,
            "/_mock/campaigns",
            json!({"id": "c", "knd": "api"}),
            400,
            "unknown field `knd`",
        ),
        (
            Method::POST,
            "/_mock/campaigns",
            json!({"id": " "}),
            400,
            "not blank",
        ),
        (
            Method::POST,
            "/_mock/campaigns",
            json!({"id": "c", "kind": "email"}),
            400,
            "kind",
        ),
        (
            Method::POST,
            "/_mock/users",
            json!({"attributes": {}}),
            400,
            "at least one",
        ),
        (
            Method::POST,
            "/_mock/keys",
            json!({"key": "k", "permissions": ["nope"]}),
            400,
            "nope",
        ),
        (
            Method::PUT,
            "/_mock/clock",
            json!({"now": "tomorrow"}),
            400,
            "ISO 8601",
        ),
        (
            Method::GET,
            "/_mock/schedules/none",
            json!(null),
            404,
            "no schedule none",
        ),
        (
            Method::GET,
            "/_mock/nothing",
            json!(null),
            404,
            "no control call",
        ),
        (
            Method::PATCH,
            "/_mock/faults",
            json!(null),
            405,
            "GET, POST, DELETE",
        ),
    ];
    for (method, path, body, status, words) in cases {
        let (got, answer) = h.control(method.clone(), path, Some(body)).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(words), "{method} {path}: {error}");
    }
    // The key of a refused call is not echoed either.
    let (_, answer) = h
        .control(
            Method::POST,
            "/_mock/keys",
            Some(json!({"key": SECRET, "permissions": ["x"]})),
        )
        .await;
    assert!(!answer.to_string().contains(SECRET));
    // A library test sees the same state.
    h.server.add_key("lib-key", Permission::MessagesSend.into());
    assert_eq!(h.get("/_mock/campaigns").await, json!({"campaigns": []}));
}
