//! The endpoints against a client: lifecycle, validation, auth, strict mode, limits and the
//! request log.

mod common;

use braze_api::types::{ScheduleCreateResponse, ScheduledBroadcastsResponse};
use braze_mock::{
    AuthOutcome, Config, Permission, Permissions, RecordedBody, ScheduleKind, Targeting,
};
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn campaign_schedule_lifecycle() {
    let h = start(Config::new()).await;

    // Create: 201 with fresh ids, readable by the client's generated type.
    let response = h
        .post(
            CREATE_CAMPAIGN,
            json!({
                "campaign_id": "welcome",
                "send_id": "send-1",
                "recipients": [{"external_user_id": "u1"}, {"braze_id": "b2"}],
                "trigger_properties": {"coupon": "X"},
                "schedule": {"time": "2031-05-24T21:30:00", "in_local_time": true},
            }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let created: ScheduleCreateResponse = response.json().await.unwrap();
    assert_eq!(created.message.as_deref(), Some("success"));
    let dispatch_id = created.dispatch_id.clone().expect("a dispatch_id");
    let schedule_id = created.schedule_id.as_str().to_owned();
    assert_ne!(dispatch_id, schedule_id);

    let stored = h.server.schedule(&schedule_id).expect("stored");
    assert_eq!(stored.kind(), ScheduleKind::Campaign);
    assert_eq!(stored.owner_id(), Some("welcome"));
    assert_eq!(stored.dispatch_id, dispatch_id);
    assert_eq!(stored.send_id.as_deref(), Some("send-1"));
    assert_eq!(
        stored.targeting,
        Targeting {
            recipients: 2,
            audience: false,
            broadcast: false,
            ..Targeting::default()
        }
    );
    assert_eq!((stored.messages, stored.campaign_id), (None, None));
    assert_eq!(stored.schedule.in_local_time, Some(true));

    // List: the schedule shows, as the generated type reads it.
    let listed: ScheduledBroadcastsResponse =
        h.list("2032-01-01T00:00:00Z").await.json().await.unwrap();
    assert_eq!(listed.scheduled_broadcasts.len(), 1);
    let item = &listed.scheduled_broadcasts[0];
    assert_eq!(item.id.as_deref(), Some("welcome"));
    assert_eq!(item.type_.as_deref(), Some("Campaign"));
    assert_eq!(item.schedule_type.as_deref(), Some("local_time_zones"));
    assert_eq!(item.next_send_time.as_deref(), Some("2031-05-24T21:30:00"));
    assert_eq!(
        item.name.as_deref(),
        Some(format!("API schedule {schedule_id}").as_str())
    );
    // `tags` is always an array on the wire.
    let raw: Value = h.list("2032-01-01").await.json().await.unwrap();
    assert_eq!(raw["scheduled_broadcasts"][0]["tags"], json!([]));

    // Update replaces the whole schedule object: in_local_time is gone.
    let response = h
        .post(
            UPDATE_CAMPAIGN,
            json!({"campaign_id": "welcome", "schedule_id": schedule_id, "schedule": {"time": "2033-01-01T08:00:00+02:00"}}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(message(response).await, "success");
    let stored = h.server.schedule(&schedule_id).unwrap();
    assert_eq!(stored.schedule.in_local_time, None);
    assert_eq!(stored.schedule.time.as_str(), "2033-01-01T08:00:00+02:00");
    assert_eq!(stored.updates, 1);
    let listed: Value = h.list("2032-01-01").await.json().await.unwrap();
    assert_eq!(listed["scheduled_broadcasts"], json!([]));
    let listed: Value = h.list("2033-01-01T06:00:00Z").await.json().await.unwrap();
    assert_eq!(
        listed["scheduled_broadcasts"][0]["next_send_time"],
        "2033-01-01T06:00:00Z"
    );
    assert_eq!(listed["scheduled_broadcasts"][0]["schedule_type"], "UTC");

    // Delete, then delete again: the chosen 404 naming both ids.
    let delete = json!({"campaign_id": "welcome", "schedule_id": schedule_id});
    let response = h.post(DELETE_CAMPAIGN, delete.clone()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(message(response).await, "success");
    assert!(h.server.schedules().is_empty());
    let (status, text) = status_and_message(h.post(DELETE_CAMPAIGN, delete).await).await;
    assert_eq!(status, 404);
    assert_eq!(
        text,
        format!("schedule_id {schedule_id} not found for campaign_id welcome")
    );
    let update_gone =
        json!({"campaign_id": "welcome", "schedule_id": schedule_id, "schedule": {"time": LATER}});
    assert_eq!(h.post(UPDATE_CAMPAIGN, update_gone).await.status(), 404);
}

#[tokio::test]
async fn canvas_schedules_are_kept_apart_from_campaigns() {
    let h = start(Config::new()).await;
    let response = h
        .post(
            CREATE_CANVAS,
            json!({
                "canvas_id": "onboarding",
                "audience": {"AND": [{"custom_attribute": {"custom_attribute_name": "vip", "comparison": "equals", "value": true}}]},
                "context": {"plan": "pro"},
                "schedule": {"time": "2031-02-03", "at_optimal_time": true},
            }),
        )
        .await;
    // "2031-02-03" is a date, not a date-time: refused, naming the field.
    assert_eq!(response.status(), 400);
    assert!(message(response).await.starts_with("schedule.time must be"));

    let response = h
        .post(
            CREATE_CANVAS,
            json!({
                "canvas_id": "onboarding",
                "audience": {"AND": [{"push_subscription_status": {"comparison": "is", "value": "opted_in"}}]},
                "canvas_entry_properties": {"plan": "pro"},
                "schedule": {"time": "2031-02-03T10:00:00", "at_optimal_time": true},
            }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let schedule_id = body["schedule_id"].as_str().unwrap().to_owned();
    let stored = h.server.schedule(&schedule_id).unwrap();
    assert!(stored.targeting.audience);
    assert_eq!(stored.send_id, None);
    let listed: Value = h.list("2031-02-04").await.json().await.unwrap();
    assert_eq!(listed["scheduled_broadcasts"][0]["type"], "Canvas");
    assert_eq!(
        listed["scheduled_broadcasts"][0]["schedule_type"],
        "intelligent_delivery"
    );

    // The same id through the campaign endpoints, or under another Canvas: not found.
    let as_campaign = json!({"campaign_id": "onboarding", "schedule_id": schedule_id});
    let (status, text) = status_and_message(h.post(DELETE_CAMPAIGN, as_campaign).await).await;
    assert_eq!(status, 404);
    assert!(
        text.contains("not found for campaign_id onboarding"),
        "{text}"
    );
    let other_canvas =
        json!({"canvas_id": "other", "schedule_id": schedule_id, "schedule": {"time": LATER}});
    let (status, text) = status_and_message(h.post(UPDATE_CANVAS, other_canvas).await).await;
    assert_eq!(status, 404);
    assert!(text.contains("not found for canvas_id other"), "{text}");
    assert_eq!(h.server.schedule(&schedule_id).unwrap().updates, 0);

    let update =
        json!({"canvas_id": "onboarding", "schedule_id": schedule_id, "schedule": {"time": LATER}});
    assert_eq!(h.post(UPDATE_CANVAS, update).await.status(), 200);
    let delete = json!({"canvas_id": "onboarding", "schedule_id": schedule_id});
    assert_eq!(h.post(DELETE_CANVAS, delete.clone()).await.status(), 200);
    assert_eq!(h.post(DELETE_CANVAS, delete).await.status(), 404);
}

#[tokio::test]
async fn each_rule_is_a_400_naming_the_field() {
    let h = start(Config::new()).await;
    let schedule = json!({"time": LATER});
    let fifty_one: Vec<Value> = (0..51)
        .map(|i| json!({"external_user_id": format!("u{i}")}))
        .collect();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "broadcast": true, "recipients": [{"external_user_id": "u"}], "schedule": schedule}),
            "broadcast cannot be true together with recipients",
        ),
        (
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "recipients": fifty_one, "schedule": schedule}),
            "The max number of external_ids and aliases per request was exceeded: recipients has 51 entries; Braze takes at most 50",
        ),
        (
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "recipients": [{"trigger_properties": {}}], "schedule": schedule}),
            "recipients[0] needs exactly one of external_user_id, user_alias, braze_id or email (found: none)",
        ),
        (
            CREATE_CANVAS,
            json!({"canvas_id": "v", "recipients": [{"external_user_id": "u"}, {"external_user_id": "u", "email": "e@example.com"}], "schedule": schedule}),
            "recipients[1] needs exactly one of external_user_id, user_alias, braze_id or email (found: external_user_id, email)",
        ),
        (
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "recipients": [{"email": "e@example.com"}], "schedule": schedule}),
            "recipients[0].prioritization is required with email",
        ),
        (
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "broadcast": false, "schedule": schedule}),
            "No Recipients: broadcast must be true to send to the whole segment",
        ),
        (
            CREATE_CANVAS,
            json!({"canvas_id": "v", "schedule": schedule}),
            "No Recipients: broadcast must be true to send to the whole segment",
        ),
        (
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "broadcast": true, "schedule": {"time": "24/05/2031 21:30"}}),
            "schedule.time must be an ISO 8601 date-time",
        ),
        (
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "broadcast": true, "schedule": {"time": "2020-01-01T10:00:00", "in_local_time": true}}),
            "schedule.time \"2020-01-01T10:00:00\" has already passed in every time zone",
        ),
        (
            UPDATE_CAMPAIGN,
            json!({"campaign_id": "c", "schedule_id": "s", "schedule": {"time": "soon"}}),
            "schedule.time must be an ISO 8601 date-time",
        ),
        (
            UPDATE_CANVAS,
            json!({"canvas_id": "v", "schedule_id": "s", "schedule": {"time": "2031-02-30T21:30:00Z"}}),
            "schedule.time \"2031-02-30T21:30:00Z\" names no date",
        ),
        (
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "broadcast": true}),
            "missing field `schedule`",
        ),
        (
            CREATE_CAMPAIGN,
            json!({"broadcast": true, "schedule": schedule}),
            "missing field `campaign_id`",
        ),
        (
            DELETE_CAMPAIGN,
            json!({"campaign_id": "c"}),
            "missing field `schedule_id`",
        ),
        (
            UPDATE_CANVAS,
            json!({"canvas_id": "v", "schedule": schedule}),
            "missing field `schedule_id`",
        ),
        (
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "broadcast": true, "schedule": {}}),
            "schedule: missing field `time`",
        ),
        (
            DELETE_CANVAS,
            json!({"canvas_id": "  ", "schedule_id": "s"}),
            "canvas_id must not be empty or blank",
        ),
        (
            DELETE_CAMPAIGN,
            json!({"campaign_id": "c", "schedule_id": ""}),
            "schedule_id must not be empty or blank",
        ),
        (
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "broadcast": true, "schedule": {"time": LATER, "in_local_time": "yes"}}),
            "schedule.in_local_time: invalid type: string \"yes\", expected a boolean",
        ),
        (
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "broadcast": "true", "schedule": schedule}),
            "broadcast: invalid type: string \"true\", expected a boolean",
        ),
        (
            CREATE_CANVAS,
            json!({"canvas_id": "v", "recipients": [{"user_alias": "name", "external_user_id": "u"}], "schedule": schedule}),
            "recipients[0].user_alias: invalid type: string \"name\"",
        ),
        (
            DELETE_CAMPAIGN,
            json!({"campaign_id": "c", "schedule_id": 42}),
            "schedule_id: invalid type: integer `42`, expected a string",
        ),
        // The spec declares no property nullable (found by Schemathesis, RELIABILITY.md).
        (
            CREATE_CAMPAIGN,
            json!({"campaign_id": "c", "broadcast": true, "schedule": {"time": LATER, "at_optimal_time": null}}),
            "schedule.at_optimal_time: null is not allowed",
        ),
        (
            CREATE_CANVAS,
            json!({"canvas_id": "v", "broadcast": null, "audience": {}, "schedule": schedule}),
            "broadcast: null is not allowed",
        ),
    ];
    for (path, body, expected) in cases {
        let (status, text) = status_and_message(h.post(path, body.clone()).await).await;
        assert_eq!(status, 400, "{path} {body}: {text}");
        assert!(
            text.contains(expected),
            "{path} {body}\n  got: {text}\n  expected: {expected}"
        );
    }
    assert!(
        h.server.schedules().is_empty(),
        "a refused create stored something"
    );
}

#[tokio::test]
async fn broken_bodies_are_400_never_500() {
    let h = start(Config::new()).await;
    let bodies: [&[u8]; 10] = [
        b"",
        b"   ",
        b"{",
        b"[]",
        b"null",
        b"\"campaign_id\"",
        b"{\"campaign_id\": }",
        b"not json at all",
        b"{\"campaign_id\":\"c\",\"schedule_id\":\"s\"} trailing",
        b"{\"campaign_id\":\"\xff\xfe\",\"schedule_id\":\"s\"}",
    ];
    for path in [
        CREATE_CAMPAIGN,
        UPDATE_CAMPAIGN,
        DELETE_CAMPAIGN,
        CREATE_CANVAS,
        UPDATE_CANVAS,
        DELETE_CANVAS,
    ] {
        for body in bodies {
            let response = h
                .post_raw(path, Some("application/json"), body.to_vec())
                .await;
            let (status, text) = status_and_message(response).await;
            assert_eq!(
                status,
                400,
                "{path} {:?}: {text}",
                String::from_utf8_lossy(body)
            );
            assert!(!text.is_empty());
        }
    }
    let (_, text) = status_and_message(
        h.post_raw(DELETE_CAMPAIGN, Some("application/json"), "")
            .await,
    )
    .await;
    assert_eq!(text, "the request body is empty; a JSON object is expected");
    let (_, text) = status_and_message(
        h.post_raw(
            DELETE_CAMPAIGN,
            Some("application/json"),
            "{\"campaign_id\": 1",
        )
        .await,
    )
    .await;
    assert!(
        text.starts_with("campaign_id: invalid type: integer `1`"),
        "{text}"
    );
}

#[tokio::test]
async fn unknown_fields_are_passed_through() {
    let h = start(Config::new()).await;
    let mut body = campaign_create("c", LATER);
    body["a_field_braze_adds_later"] = json!({"nested": [1, 2]});
    body["schedule"]["another_new_flag"] = json!(true);
    assert_eq!(h.post(CREATE_CAMPAIGN, body).await.status(), 201);
}

#[tokio::test]
async fn posts_must_be_json() {
    let h = start(Config::new()).await;
    let body = r#"{"campaign_id":"c","schedule_id":"s"}"#;
    let (status, text) = status_and_message(h.post_raw(DELETE_CAMPAIGN, None, body).await).await;
    assert_eq!(status, 400);
    assert_eq!(
        text,
        "Content-Type must be application/json (the header is missing)"
    );
    let (status, text) =
        status_and_message(h.post_raw(DELETE_CAMPAIGN, Some("text/plain"), body).await).await;
    assert_eq!(status, 400);
    assert!(text.contains("not text/plain"), "{text}");
    let response = h
        .post_raw(
            DELETE_CAMPAIGN,
            Some("application/json; charset=utf-8"),
            body,
        )
        .await;
    assert_eq!(
        response.status(),
        404,
        "a JSON delete of an unknown schedule"
    );
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods() {
    let h = start(Config::new()).await;
    for path in [
        "/",
        "/campaigns/trigger/schedule/remove",
        "/v1/campaigns/trigger/schedule/delete",
        "/campaigns/trigger/schedule/delete/",
    ] {
        let response = h.client.post(h.url(path)).send().await.unwrap();
        let (status, text) = status_and_message(response).await;
        assert_eq!((status, text.as_str()), (404, "Invalid URL"), "{path}");
    }
    let response = h
        .client
        .get(h.url(DELETE_CAMPAIGN))
        .bearer_auth(h.server.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(
        message(response).await,
        "Method GET is not allowed on /campaigns/trigger/schedule/delete; use POST"
    );
    let response = h.post(LIST, json!({"end_time": "2030-01-01"})).await;
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET");
}

#[tokio::test]
async fn keys_and_permissions() {
    let h = start(Config::new().key("full-key", Permissions::all()).key(
        "delete-key",
        Permissions::only([
            Permission::CampaignsTriggerScheduleDelete,
            Permission::MessagesScheduleBroadcasts,
        ]),
    ))
    .await;
    assert_eq!(h.server.api_key(), "full-key");
    let delete = json!({"campaign_id": "c", "schedule_id": "s"});

    let response = h
        .client
        .post(h.url(DELETE_CAMPAIGN))
        .json(&delete)
        .send()
        .await
        .unwrap();
    let (status, text) = status_and_message(response).await;
    assert_eq!(status, 401);
    assert!(text.starts_with("Invalid API key"), "{text}");

    let (status, text) = status_and_message(
        h.post_as("not-a-key", DELETE_CAMPAIGN, delete.clone())
            .await,
    )
    .await;
    assert_eq!(status, 401);
    assert!(text.contains("instance"), "{text}");

    let (status, text) = status_and_message(
        h.post_as("\"full-key\"", DELETE_CAMPAIGN, delete.clone())
            .await,
    )
    .await;
    assert_eq!(status, 401);
    assert!(text.contains("quotes"), "{text}");

    let (status, text) =
        status_and_message(h.post_as("delete-key", UPDATE_CAMPAIGN, json!({})).await).await;
    assert_eq!(status, 403);
    assert_eq!(
        text,
        "Access Denied: the API key lacks permission campaigns.trigger.schedule.update"
    );
    let (status, text) =
        status_and_message(h.post_as("delete-key", DELETE_CANVAS, json!({})).await).await;
    assert_eq!(status, 403);
    assert!(text.ends_with("canvas.trigger.schedule.delete"), "{text}");

    // The permitted call goes through (and finds nothing to delete).
    assert_eq!(
        h.post_as("delete-key", DELETE_CAMPAIGN, delete)
            .await
            .status(),
        404
    );

    // The log knows what happened, but never the key.
    let log = h.server.requests();
    let outcomes: Vec<(AuthOutcome, Option<u16>)> =
        log.iter().map(|entry| (entry.auth, entry.status)).collect();
    assert_eq!(
        outcomes,
        [
            (AuthOutcome::Missing, Some(401)),
            (AuthOutcome::Unknown, Some(401)),
            (AuthOutcome::Unknown, Some(401)),
            (AuthOutcome::Valid, Some(403)),
            (AuthOutcome::Valid, Some(403)),
            (AuthOutcome::Valid, Some(404)),
        ]
    );
    let everything = format!("{log:?}");
    for secret in ["full-key", "delete-key", "not-a-key"] {
        assert!(!everything.contains(secret), "{secret} leaked into the log");
    }
    assert_eq!(log[5].headers["authorization"], "Bearer [redacted]");
}

#[tokio::test]
async fn strict_mode_knows_only_registered_ids() {
    let h = start(Config::new().strict(true).campaign("known-campaign")).await;
    assert_eq!(
        h.post(CREATE_CAMPAIGN, campaign_create("known-campaign", LATER))
            .await
            .status(),
        201
    );
    let (status, text) = status_and_message(
        h.post(CREATE_CAMPAIGN, campaign_create("typo-campaign", LATER))
            .await,
    )
    .await;
    assert_eq!((status, text.as_str()), (400, "Invalid Campaign ID"));
    let delete = json!({"campaign_id": "typo-campaign", "schedule_id": "s"});
    let (status, text) = status_and_message(h.post(DELETE_CAMPAIGN, delete).await).await;
    assert_eq!((status, text.as_str()), (400, "Invalid Campaign ID"));

    let canvas =
        json!({"canvas_id": "later-canvas", "broadcast": true, "schedule": {"time": LATER}});
    let (status, text) = status_and_message(h.post(CREATE_CANVAS, canvas.clone()).await).await;
    assert_eq!((status, text.as_str()), (400, "Invalid Canvas ID"));
    h.server.register_canvas("later-canvas");
    assert_eq!(h.post(CREATE_CANVAS, canvas).await.status(), 201);
    assert_eq!(h.server.schedules().len(), 2);

    // Outside strict mode any id goes.
    let lax = start(Config::new()).await;
    assert_eq!(
        lax.post(CREATE_CAMPAIGN, campaign_create("anything", LATER))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let h = start(Config::new().max_body_bytes(1024)).await;
    let padding = "x".repeat(2000);
    let mut body = campaign_create("c", LATER);
    body["padding"] = json!(padding);
    let (status, text) = status_and_message(h.post(CREATE_CAMPAIGN, body).await).await;
    assert_eq!(status, 413);
    assert!(text.contains("over 1024 bytes"), "{text}");
    assert!(h.server.schedules().is_empty());
    let logged = h.server.requests().pop().unwrap();
    assert!(matches!(
        logged.body,
        Some(RecordedBody::TooLarge { received_bytes }) if received_bytes > 1024
    ));
    // Within the limit, fine.
    assert_eq!(
        h.post(CREATE_CAMPAIGN, campaign_create("c", LATER))
            .await
            .status(),
        201
    );

    // Braze's default: 4 MB.
    let h = start(Config::new()).await;
    let big = vec![b' '; 4 * 1024 * 1024 + 1];
    let response = h
        .post_raw(DELETE_CAMPAIGN, Some("application/json"), big)
        .await;
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn the_list_needs_a_readable_end_time() {
    let h = start(Config::new()).await;
    let response = h
        .client
        .get(h.url(LIST))
        .bearer_auth(h.server.api_key())
        .send()
        .await
        .unwrap();
    let (status, text) = status_and_message(response).await;
    assert_eq!(status, 400);
    assert!(text.starts_with("end_time is required"), "{text}");
    let (status, text) = status_and_message(h.list("next week").await).await;
    assert_eq!(status, 400);
    assert!(text.starts_with("end_time must be an ISO 8601"), "{text}");
    // An offset sent unencoded reads as a space; the message says why.
    let response = h
        .client
        .get(format!(
            "{}?end_time=2031-01-01T00:00:00+02:00",
            h.url(LIST)
        ))
        .bearer_auth(h.server.api_key())
        .send()
        .await
        .unwrap();
    let (status, text) = status_and_message(response).await;
    assert_eq!(status, 400);
    assert!(text.contains("%2B"), "{text}");

    // Listed in send-time order, up to end_time included.
    let late = h.create_campaign("late", "2031-03-01T00:00:00Z").await;
    let early = h.create_campaign("early", "2031-01-01T00:00:00Z").await;
    let beyond = h.create_campaign("beyond", "2031-06-01T00:00:00Z").await;
    let listed: Value = h.list("2031-03-01T00:00:00Z").await.json().await.unwrap();
    let names: Vec<&str> = listed["scheduled_broadcasts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            format!("API schedule {early}"),
            format!("API schedule {late}")
        ]
    );
    assert!(!format!("{listed}").contains(&beyond));
    let encoded: Value = h
        .list("2031-03-01T02:00:00+02:00")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(encoded["scheduled_broadcasts"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_request_log_records_and_is_bounded() {
    let h = start(Config::new().log_capacity(3)).await;
    h.create_campaign("c", LATER).await;
    let entry = h.server.requests().pop().unwrap();
    assert_eq!(entry.method, "POST");
    assert_eq!(entry.path, CREATE_CAMPAIGN);
    assert_eq!(entry.status, Some(201));
    assert_eq!(entry.auth, AuthOutcome::Valid);
    assert_eq!(entry.fault, None);
    assert_eq!(entry.headers["content-type"], "application/json");
    assert_eq!(
        entry.body.as_ref().and_then(RecordedBody::json),
        Some(&campaign_create("c", LATER))
    );

    h.list("2030-01-01").await;
    let entry = h.server.requests().pop().unwrap();
    assert_eq!(entry.query.as_deref(), Some("end_time=2030-01-01"));
    assert_eq!(entry.body, None);

    h.post_raw(DELETE_CAMPAIGN, Some("application/json"), "oops")
        .await;
    h.post_raw(DELETE_CAMPAIGN, Some("application/json"), "oops2")
        .await;
    let log = h.server.requests();
    assert_eq!(log.len(), 3, "the ring keeps the last 3");
    assert_eq!(log[2].body, Some(RecordedBody::Text("oops2".into())));
    assert_eq!(log[0].path, LIST);
    h.server.clear_requests();
    assert!(h.server.requests().is_empty());

    let silent = start(Config::new().log_capacity(0)).await;
    silent.create_campaign("c", LATER).await;
    assert!(silent.server.requests().is_empty());
    assert_eq!(silent.server.schedules().len(), 1);
}

#[tokio::test]
async fn local_time_updates_close_once_the_time_passed_somewhere() {
    let h = start(Config::new()).await;
    // Local time two hours from the fake's now (UTC) has already passed at UTC+14.
    let soon = (h.now() + chrono::TimeDelta::hours(2))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let stored = h.server.add_schedule(
        ScheduleKind::Campaign,
        "c",
        serde_json::from_value(json!({"time": soon, "in_local_time": true})).unwrap(),
    );
    let update = json!({"campaign_id": "c", "schedule_id": stored.schedule_id(), "schedule": {"time": LATER}});
    let (status, text) = status_and_message(h.post(UPDATE_CAMPAIGN, update).await).await;
    assert_eq!(status, 400);
    assert!(text.contains("can no longer be updated"), "{text}");
    assert_eq!(
        h.server
            .schedule(stored.schedule_id().as_str())
            .unwrap()
            .updates,
        0
    );
}
