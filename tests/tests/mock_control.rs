//! `openapi/braze-mock-control.yaml` describes the fake's control API as it is: every call
//! of the document is made against a `braze-mock` whose state has something of every kind
//! in it, and every answer is checked against its schema, strictly (no required field
//! missing, no field the schema does not declare, types, enums, formats). Every property of
//! every answer schema must turn up in some answer, every request example must be taken,
//! and the document's calls must be the server's (`braze_mock::control::CALLS`): a field
//! added to or dropped from either side fails here.

use std::collections::{BTreeMap, BTreeSet};

use std::time::{Duration, SystemTime};

use braze_mock::{CampaignKind, Clock, Config, Fault, FaultRule, MockServer, Status, User};
use reqwest::Method;
use serde_json::{Value, json};

const LATER: &str = "2031-05-24T21:30:00Z";

fn spec() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/braze-mock-control.yaml"
    );
    let text = std::fs::read_to_string(path).expect("read the control spec");
    yaml_serde::from_str(&text).expect("the control spec is YAML")
}

/// A strict checker of JSON values against the OpenAPI 3.0 schemas this document uses.
struct Checker<'a> {
    spec: &'a Value,
    /// Each object schema met (by its JSON pointer) and its declared properties.
    declared: BTreeMap<String, BTreeSet<String>>,
    /// The properties seen in some answer, by object schema.
    seen: BTreeMap<String, BTreeSet<String>>,
    problems: Vec<String>,
}

impl<'a> Checker<'a> {
    fn new(spec: &'a Value) -> Self {
        Self {
            spec,
            declared: BTreeMap::new(),
            seen: BTreeMap::new(),
            problems: Vec::new(),
        }
    }

    fn resolve(&self, reference: &str) -> &'a Value {
        let pointer = reference.strip_prefix('#').expect("a local $ref");
        self.spec
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{reference} resolves"))
    }

    fn check(&mut self, schema: &'a Value, at: &str, value: &Value, pointer: &str) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let target = self.resolve(reference);
            return self.check(target, reference, value, pointer);
        }
        if value.is_null() {
            if schema["nullable"] != json!(true)
                && !schema.as_object().is_some_and(|o| o.is_empty())
            {
                self.problems
                    .push(format!("{pointer}: null, but {at} is not nullable"));
            }
            return;
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.check(part, at, value, pointer);
            }
        }
        if let Some(choices) = schema.get("enum").and_then(Value::as_array)
            && !choices.contains(value)
        {
            self.problems
                .push(format!("{pointer}: {value} is none of {at}'s {choices:?}"));
        }
        let Some(kind) = schema.get("type").and_then(Value::as_str) else {
            return;
        };
        let fits = match kind {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            other => panic!("{at}: type {other} is not handled"),
        };
        if !fits {
            self.problems
                .push(format!("{pointer}: {value} is not of type {kind} ({at})"));
            return;
        }
        if let Some(minimum) = schema.get("minimum").and_then(Value::as_i64)
            && value.as_i64().is_some_and(|n| n < minimum)
        {
            self.problems
                .push(format!("{pointer}: {value} is under {minimum} ({at})"));
        }
        if schema["format"] == "date-time"
            && chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap_or_default()).is_err()
        {
            self.problems
                .push(format!("{pointer}: {value} is not an RFC 3339 date-time"));
        }
        if let Some(items) = value.as_array() {
            for (i, item) in items.iter().enumerate() {
                self.check(
                    &schema["items"],
                    &format!("{at}/items"),
                    item,
                    &format!("{pointer}/{i}"),
                );
            }
        }
        if let Some(object) = value.as_object() {
            self.check_object(schema, at, object, pointer);
        }
    }

    fn check_object(
        &mut self,
        schema: &'a Value,
        at: &str,
        object: &serde_json::Map<String, Value>,
        pointer: &str,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(properties) = properties {
            self.declared
                .entry(at.to_owned())
                .or_default()
                .extend(properties.keys().cloned());
        }
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().expect("a required name");
            if !object.contains_key(name) {
                self.problems.push(format!(
                    "{pointer}: the required `{name}` of {at} is missing"
                ));
            }
        }
        for (bound, fits) in [
            (
                "minProperties",
                object.len() as u64 >= schema["minProperties"].as_u64().unwrap_or(0),
            ),
            (
                "maxProperties",
                object.len() as u64 <= schema["maxProperties"].as_u64().unwrap_or(u64::MAX),
            ),
        ] {
            if !fits {
                self.problems.push(format!(
                    "{pointer}: {} properties break {at}'s {bound}",
                    object.len()
                ));
            }
        }
        let additional = &schema["additionalProperties"];
        for (name, value) in object {
            let below = format!("{pointer}/{name}");
            match properties.and_then(|properties| properties.get(name)) {
                Some(property) => {
                    self.seen
                        .entry(at.to_owned())
                        .or_default()
                        .insert(name.clone());
                    self.check(property, &format!("{at}/properties/{name}"), value, &below);
                }
                None if additional == &json!(false) => self
                    .problems
                    .push(format!("{pointer}: `{name}` is not a property of {at}")),
                None if additional.is_object() => {
                    self.check(
                        additional,
                        &format!("{at}/additionalProperties"),
                        value,
                        &below,
                    );
                }
                // `true` or left out: anything goes (free-form objects such as `messages`).
                None => {}
            }
        }
    }
}

/// The fake, its state holding one of everything the answers can show.
async fn populated() -> (MockServer, reqwest::Client) {
    let server = MockServer::start(
        Config::new()
            .control(true)
            .seed(24)
            // 2030-01-01T00:00:00Z, whatever day it is: LATER is still to come.
            .clock(Clock::starting_at(
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000),
            ))
            .max_body_bytes(4096)
            .fault(
                FaultRule::new(Fault::Status(502))
                    .next(1)
                    .on_path("/canvas/trigger/send"),
            ),
    )
    .await
    .expect("the fake starts");
    server.add_campaign("c1", CampaignKind::ApiTriggered, Status::Active);
    server.register_campaign("c2");
    server.add_canvas("k1", Status::Active);
    server.add_user(
        User::external("u1")
            .with_alias("shop-1", "crm")
            .with_email("u1@example.com")
            .with_braze_id("5f0a1b2c3d4e5f6a7b8c9d0f"),
    );
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = server.url().to_owned();
    let key = server.api_key().to_owned();
    let post = |path: &str, body: Value| {
        client
            .post(format!("{url}{path}"))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };
    let requests = [
        (
            "/campaigns/trigger/schedule/create",
            json!({
                "campaign_id": "c1",
                "send_id": "s1",
                "audience": {"custom_attribute": {
                    "custom_attribute_name": "vip", "comparison": "does_not_equal", "value": true
                }},
                "schedule": {"time": "2031-05-24T21:30:00", "in_local_time": true, "at_optimal_time": false},
            }),
            201,
        ),
        (
            "/messages/schedule/create",
            json!({
                "campaign_id": "c2",
                "external_user_ids": ["u1"],
                "user_aliases": [{"alias_name": "shop-1", "alias_label": "crm"}],
                "schedule": {"time": LATER},
                "messages": {"apple_push": {"alert": "Your table is ready", "message_variation_id": "v1"}},
            }),
            201,
        ),
        (
            "/canvas/trigger/schedule/create",
            json!({"canvas_id": "k1", "broadcast": true, "schedule": {"time": LATER}}),
            201,
        ),
        (
            "/messages/send",
            json!({
                "external_user_ids": ["u1"],
                // Not u1's alias: a user is named once in a dispatch.
                "user_aliases": [{"alias_name": "shop-2", "alias_label": "crm"}],
                "messages": {"apple_push": {"alert": "Now"}},
            }),
            201,
        ),
        (
            "/campaigns/trigger/send",
            json!({"campaign_id": "c1", "recipients": [
                {"braze_id": "5f0a1b2c3d4e5f6a7b8c9d0e"},
                {"email": "u2@example.com", "prioritization": ["most_recently_updated"]},
            ]}),
            201,
        ),
        (
            "/transactional/v1/campaigns/t1/send",
            json!({"external_send_id": "order-1", "recipient": {"external_user_id": "u1"}}),
            201,
        ),
        (
            "/sends/id/create",
            json!({"campaign_id": "c1", "send_id": "s1"}),
            201,
        ),
        (
            "/canvas/trigger/send",
            json!({"canvas_id": "k1", "recipients": [{"external_user_id": "u1"}]}),
            502,
        ),
        (
            "/canvas/trigger/send",
            json!({"canvas_id": "k1", "broadcast": true}),
            201,
        ),
    ];
    for (path, body, status) in requests {
        let answer = post(path, body).await.expect("an answer");
        let got = answer.status().as_u16();
        assert_eq!(got, status, "{path}: {}", answer.text().await.unwrap());
    }
    // A body that is not JSON, one over the limit, a query, a key the fake does not know.
    let text = client
        .post(format!("{url}/messages/send"))
        .bearer_auth(&key)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 400);
    let large = client
        .post(format!("{url}/messages/send"))
        .bearer_auth(&key)
        .json(&json!({"padding": "x".repeat(5000)}))
        .send()
        .await
        .unwrap();
    assert_eq!(large.status(), 413);
    let list = client
        .get(format!(
            "{url}/messages/scheduled_broadcasts?end_time=2032-01-01"
        ))
        .bearer_auth("not-a-key")
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 401);
    (server, client)
}

/// The calls of the document, `(method, path, request example)`, in its order.
fn calls(spec: &Value) -> Vec<(String, String, Option<Value>)> {
    let mut calls = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let example = operation
                .pointer("/requestBody/content/application~1json/example")
                .cloned();
            calls.push((method.to_uppercase(), path.clone(), example));
        }
    }
    calls
}

#[test]
fn the_documented_calls_are_the_served_calls() {
    let spec = spec();
    let documented: BTreeSet<(String, String)> = calls(&spec)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let served: BTreeSet<(String, String)> = braze_mock::control::CALLS
        .iter()
        .map(|call| {
            // The document names path parameters as the server does.
            (call.method.to_owned(), call.path.to_owned())
        })
        .collect();
    assert_eq!(documented, served);
}

#[test]
fn every_request_example_has_every_property_of_its_schema() {
    let spec = spec();
    let checker = Checker::new(&spec);
    for (method, path, example) in calls(&spec) {
        let Some(example) = example else { continue };
        let schema = spec["paths"][&path][method.to_lowercase()]
            .pointer("/requestBody/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
            .map(|reference| checker.resolve(reference))
            .expect("a request schema");
        let declared: BTreeSet<&String> =
            schema["properties"].as_object().unwrap().keys().collect();
        let given: BTreeSet<&String> = example.as_object().unwrap().keys().collect();
        assert_eq!(
            given, declared,
            "{method} {path}: the example leaves out a property"
        );
    }
}

#[tokio::test]
async fn every_answer_fits_the_control_spec() {
    let spec = spec();
    let (server, client) = populated().await;
    let schedule_id = server.schedules()[0].schedule_id().as_str().to_owned();

    // Reads first, then seeds and changes, then removals, the reset last.
    let mut calls = calls(&spec);
    let rank = |method: &str, path: &str| match (method, path) {
        (_, "/_mock/reset") => 4,
        ("GET", _) => 0,
        ("DELETE", "/_mock/faults/{id}") => 2,
        ("DELETE", _) => 3,
        _ => 1,
    };
    calls.sort_by_key(|(method, path, _)| rank(method, path));

    let mut checker = Checker::new(&spec);
    let mut answered = Vec::new();
    let call = async |method: &str, path: &str, body: Option<Value>, template: &str| {
        let mut request = client.request(
            method.parse::<Method>().unwrap(),
            format!("{}{path}", server.url()),
        );
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("an answer");
        let status = response.status().as_u16().to_string();
        let body: Value = response.json().await.expect("a JSON answer");
        (template.to_owned(), method.to_owned(), status, body)
    };
    for (method, template, example) in &calls {
        let path = template
            .replace("{schedule_id}", &schedule_id)
            // The rule the server armed from its configuration.
            .replace("{id}", "1");
        answered.push(call(method, &path, example.clone(), template).await);
    }
    // The refusals the document declares.
    answered.push(
        call(
            "GET",
            "/_mock/schedules/none",
            None,
            "/_mock/schedules/{schedule_id}",
        )
        .await,
    );
    answered.push(call("DELETE", "/_mock/faults/one", None, "/_mock/faults/{id}").await);
    answered.push(call("DELETE", "/_mock/faults/99", None, "/_mock/faults/{id}").await);
    answered.push(
        call(
            "POST",
            "/_mock/faults",
            Some(json!({"spec": "??"})),
            "/_mock/faults",
        )
        .await,
    );

    for (template, method, status, body) in &answered {
        let operation = &spec["paths"][template][method.to_lowercase()];
        let response = operation["responses"].get(status).unwrap_or_else(|| {
            panic!("{method} {template} answered {status}, which it does not declare: {body}")
        });
        let response = match response.get("$ref").and_then(Value::as_str) {
            Some(reference) => checker.resolve(reference),
            None => response,
        };
        let schema = &response["content"]["application/json"]["schema"];
        checker.check(schema, &format!("{method} {template} {status}"), body, "");
    }
    assert!(
        answered
            .iter()
            .filter(|(_, _, status, _)| status == "200")
            .count()
            == calls.len(),
        "every documented call answered 200 with its example: {answered:#?}"
    );
    assert_eq!(
        checker.problems,
        Vec::<String>::new(),
        "answers that break the spec"
    );

    // Both ways: each property of each answer schema turned up in some answer.
    let mut never_seen = Vec::new();
    for (schema, properties) in &checker.declared {
        let seen = checker.seen.get(schema).cloned().unwrap_or_default();
        for property in properties.difference(&seen) {
            never_seen.push(format!("{schema}: {property}"));
        }
    }
    assert_eq!(never_seen, Vec::<String>::new(), "declared, never answered");
    // And every answer schema of the document was met.
    let met: BTreeSet<&str> = checker.declared.keys().map(String::as_str).collect();
    for name in [
        "ScheduleList",
        "StoredSchedule",
        "ScheduleObject",
        "Targeting",
        "DispatchList",
        "Dispatch",
        "UserRef",
        "Alias",
        "SendIdList",
        "RequestList",
        "RecordedRequest",
        "CampaignList",
        "Campaign",
        "CanvasList",
        "Canvas",
        "UserList",
        "User",
        "KeyAnswer",
        "FaultList",
        "FaultRule",
        "FaultCounts",
        "RateLimits",
        "RateLimitCounters",
        "LimitFigures",
        "Clock",
        "Removed",
        "Done",
        "Error",
    ] {
        assert!(
            met.contains(format!("#/components/schemas/{name}").as_str()),
            "{name} never answered"
        );
    }
}
