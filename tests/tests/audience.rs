//! Connected audiences: the builder writes Braze's grammar (the docs' example, each filter
//! kind and each comparison family locked by snapshots), every create carries one to the
//! fake exactly, wrong audiences are refused before sending with their path, and the
//! checks and the generated types agree on any JSON.

use braze_api::audience::{MAX_DEPTH, check};
use braze_mock::{Config, MockServer};
use braze_sdk::audience::{
    Audience, SubscriptionStatus, custom_attribute, email_subscription, last_used_app,
    push_subscription,
};
use braze_sdk::messages::ApplePush;
use braze_sdk::{Client, Error, Recipient, RetryPolicy, Schedule, wire};
use braze_tests::{Reply, ScriptedServer};
use proptest::prelude::*;
use serde_json::{Value, json};

const KEY: &str = "audience-test-key";

fn client(url: &str, key: &str) -> Client {
    Client::builder()
        .api_key(key)
        .endpoint_str(url)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client")
}

fn later() -> Schedule {
    Schedule::utc(chrono::Utc::now() + chrono::Duration::days(1))
}

/// The audience of the docs' examples (`/campaigns/trigger/schedule/create`,
/// `/messages/schedule/create`), written with the builder.
fn docs_example() -> Audience {
    Audience::all([
        custom_attribute("eye_color").equals("blue"),
        custom_attribute("favorite_foods").includes_value("pizza"),
        Audience::any([
            custom_attribute("last_purchase_time").less_than_days_ago(2),
            push_subscription().is(SubscriptionStatus::OptedIn),
        ]),
        email_subscription().is_not(SubscriptionStatus::Subscribed),
        last_used_app().after(at("2019-07-22T13:17:55+0000")),
    ])
}

/// An ISO 8601 date-time as an instant.
fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    braze_sdk::api::time::parse_date_time(text)
        .unwrap_or_else(|| panic!("{text}"))
        .instant()
}

/// The docs' example as the builder writes it: the same instant, in UTC with `Z`.
fn docs_example_as_built() -> Value {
    let mut json = docs_example_json();
    json["AND"][4]["last_used_app"]["value"] = json!("2019-07-22T13:17:55Z");
    json
}

/// The same audience as the docs print it.
fn docs_example_json() -> Value {
    json!({
      "AND": [
        {"custom_attribute": {"custom_attribute_name": "eye_color", "comparison": "equals", "value": "blue"}},
        {"custom_attribute": {"custom_attribute_name": "favorite_foods", "comparison": "includes_value", "value": "pizza"}},
        {"OR": [
          {"custom_attribute": {"custom_attribute_name": "last_purchase_time", "comparison": "less_than_x_days_ago", "value": 2}},
          {"push_subscription_status": {"comparison": "is", "value": "opted_in"}}
        ]},
        {"email_subscription_status": {"comparison": "is_not", "value": "subscribed"}},
        {"last_used_app": {"comparison": "after", "value": "2019-07-22T13:17:55+0000"}}
      ]
    })
}

/// One audience of every filter kind and every comparison family.
fn every_filter() -> Vec<(&'static str, Audience)> {
    vec![
        ("string equals", custom_attribute("tier").equals("gold")),
        (
            "string not_equal",
            custom_attribute("tier").not_equal("bronze"),
        ),
        (
            "string matches_regex",
            custom_attribute("email").matches_regex("@example\\.com$"),
        ),
        (
            "string does_not_match_regex",
            custom_attribute("email").does_not_match_regex("^test"),
        ),
        ("number equals", custom_attribute("orders").equals(3)),
        ("number not_equal", custom_attribute("orders").not_equal(0)),
        (
            "number greater_than",
            custom_attribute("orders").greater_than(3),
        ),
        (
            "number greater_than_or_equal_to",
            custom_attribute("score").greater_than_or_equal_to(4.5),
        ),
        ("number less_than", custom_attribute("orders").less_than(10)),
        (
            "number less_than_or_equal_to",
            custom_attribute("orders").less_than_or_equal_to(10),
        ),
        ("boolean equals", custom_attribute("vip").equals(true)),
        (
            "boolean not_equal",
            custom_attribute("vip").not_equal(false),
        ),
        (
            "array includes_value",
            custom_attribute("favorite_foods").includes_value("pizza"),
        ),
        (
            "array does_not_include_value",
            custom_attribute("favorite_foods").does_not_include_value("kale"),
        ),
        (
            "days less_than_x_days_ago",
            custom_attribute("last_purchase").less_than_days_ago(7),
        ),
        (
            "days greater_than_x_days_ago",
            custom_attribute("last_purchase").greater_than_days_ago(30),
        ),
        (
            "days less_than_x_days_in_the_future",
            custom_attribute("renewal").less_than_days_in_the_future(3),
        ),
        (
            "days greater_than_x_days_in_the_future",
            custom_attribute("renewal").greater_than_days_in_the_future(60),
        ),
        (
            "time after",
            custom_attribute("signed_up").after(at("2026-01-01T00:00:00Z")),
        ),
        (
            "time before",
            custom_attribute("signed_up").before(at("2026-06-30T23:59:59+02:00")),
        ),
        ("exists", custom_attribute("phone").exists()),
        ("does_not_exist", custom_attribute("phone").does_not_exist()),
        (
            "push is",
            push_subscription().is(SubscriptionStatus::OptedIn),
        ),
        (
            "push is_not",
            push_subscription().is_not(SubscriptionStatus::Unsubscribed),
        ),
        (
            "email is",
            email_subscription().is(SubscriptionStatus::Subscribed),
        ),
        (
            "email is_not",
            email_subscription().is_not(SubscriptionStatus::Unsubscribed),
        ),
        (
            "last_used_app after",
            last_used_app().after(at("2026-01-01T00:00:00Z")),
        ),
        (
            "last_used_app before",
            last_used_app().before(at("2026-01-01T00:00:00Z")),
        ),
    ]
}

#[test]
fn the_builder_writes_the_docs_example() {
    assert_eq!(docs_example().as_json(), &docs_example_as_built());
    let typed: wire::ConnectedAudience =
        serde_json::from_value(docs_example_json()).expect("the generated types read it");
    assert_eq!(serde_json::to_value(typed).unwrap(), docs_example_json());
}

#[test]
fn every_filter_kind_and_comparison_family() {
    let filters = every_filter();
    for (name, audience) in &filters {
        let problems = check("audience", audience.as_json(), MAX_DEPTH);
        assert!(problems.is_empty(), "{name}: {problems:?}");
        let typed: wire::ConnectedAudience = serde_json::from_value(audience.as_json().clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            &serde_json::to_value(typed).unwrap(),
            audience.as_json(),
            "{name}"
        );
    }
    let listed: serde_json::Map<String, Value> = filters
        .into_iter()
        .map(|(name, audience)| (name.to_owned(), audience.into_json()))
        .collect();
    insta::assert_json_snapshot!("audience_every_filter", listed);
}

#[tokio::test]
async fn the_docs_example_on_the_wire_of_a_campaign_create() {
    let server = ScriptedServer::start([Reply::json(
        201,
        json!({"dispatch_id": "d-1", "schedule_id": "s-1", "message": "success"}),
    )])
    .await;
    client(server.url(), KEY)
        .create_campaign_schedule(
            "campaign_identifier",
            Schedule::parse("2030-05-24T21:30:00Z").unwrap(),
        )
        .audience(docs_example())
        .await
        .expect("create");
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].json()["audience"], docs_example_as_built());
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"braze-sdk/\d+\.\d+\.\d+", "braze-sdk/[version]");
    settings.bind(|| insta::assert_json_snapshot!("audience_docs_example", received[0].wire()));
}

/// Each of the three creates, with the same audience, as the fake received it.
#[tokio::test]
async fn every_create_carries_the_audience_to_the_fake() {
    let server = MockServer::start(Config::new().seed(11))
        .await
        .expect("fake");
    let client = client(server.url(), server.api_key());
    let audience = docs_example();
    client
        .create_campaign_schedule("campaign-1", later())
        .audience(audience.clone())
        .await
        .expect("campaign create");
    client
        .create_canvas_schedule("canvas-1", later())
        .audience(audience.clone())
        .await
        .expect("canvas create");
    client
        .create_message_schedule(later())
        .audience(audience.clone())
        .broadcast(true)
        .apple_push(ApplePush::new("Back in stock"))
        .await
        .expect("message create");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        let body = request
            .body
            .as_ref()
            .and_then(|b| b.json())
            .expect("JSON body");
        assert_eq!(
            body["audience"],
            docs_example_as_built(),
            "{}",
            request.path
        );
        assert_eq!(request.status, Some(201), "{}", request.path);
        assert!(request.silent_failures.is_empty(), "{}", request.path);
    }
    let schedules = server.schedules();
    assert_eq!(schedules.len(), 3);
    assert!(schedules.iter().all(|s| s.targeting.audience));
    assert!(
        schedules
            .iter()
            .all(|s| s.audience.as_ref() == Some(&docs_example_as_built()))
    );
}

/// Wrong audiences, each refused with the path of its problem, before anything is sent.
#[tokio::test]
async fn wrong_audiences_are_refused_before_sending() {
    let server = ScriptedServer::start([]).await;
    let client = client(server.url(), KEY);
    let cases: Vec<(Audience, &str, &str)> = vec![
        (Audience::all([]), "audience.AND", "at least one"),
        (
            Audience::all([
                custom_attribute("tier").equals("gold"),
                Audience::any([Audience::from(json!({"custom_attribute": {
                    "custom_attribute_name": "orders", "comparison": "equals", "value": [1]}}))]),
            ]),
            "audience.AND[1].OR[0].custom_attribute.value",
            "a string, a number or a boolean",
        ),
        (
            Audience::from(json!({"AND": [
                {"custom_attribute": {"custom_attribute_name": "orders", "comparison": "greater_than", "value": "3"}}
            ]})),
            "audience.AND[0].custom_attribute.value",
            "compares with a number",
        ),
        (
            Audience::from(json!({"custom_attribute": {
                "custom_attribute_name": "vip", "comparison": "does_not_equal", "value": true}})),
            "audience.custom_attribute.comparison",
            "`not_equal`",
        ),
        (
            Audience::from(json!({
                "push_subscription_status": {"comparison": "is", "value": "opted_in"},
                "last_used_app": {"comparison": "after", "value": "2026-01-01T00:00:00Z"}})),
            "audience",
            "2 keys",
        ),
        (
            custom_attribute("").exists(),
            "audience.custom_attribute.custom_attribute_name",
            "blank",
        ),
        (
            Audience::from(json!({"custom_attribute": {
                "custom_attribute_name": "signed_up", "comparison": "after", "value": "01/02/2026"}})),
            "audience.custom_attribute.value",
            "ISO 8601",
        ),
        (
            (0..=MAX_DEPTH).fold(custom_attribute("a").exists(), |inner, _| {
                Audience::all([inner])
            }),
            "audience.AND[0]",
            "levels deep",
        ),
    ];
    for (audience, path, says) in cases {
        let creates: Vec<Result<_, Error>> = vec![
            client
                .create_campaign_schedule("c", later())
                .audience(audience.clone())
                .body()
                .map(drop),
            client
                .create_canvas_schedule("c", later())
                .audience(audience.clone())
                .body()
                .map(drop),
            client
                .create_message_schedule(later())
                .audience(audience.clone())
                .apple_push(ApplePush::new("hi"))
                .body()
                .map(drop),
        ];
        for result in creates {
            match result {
                Err(Error::InvalidRequest { field, reason }) => {
                    assert!(
                        field.starts_with(path),
                        "{field} for {}",
                        audience.as_json()
                    );
                    assert!(reason.contains(says), "{reason}");
                }
                other => panic!("{}: {other:?}", audience.as_json()),
            }
        }
        let sent = client
            .create_campaign_schedule("c", later())
            .audience(audience.clone())
            .await;
        assert!(
            matches!(sent, Err(Error::InvalidRequest { .. })),
            "{sent:?}"
        );
    }
    assert!(server.received().is_empty(), "nothing was sent");
}

/// Braze takes a boolean `does_not_equal` with a 2xx and fails the send later; the fake
/// answers the same and records it, where a test can see it.
#[tokio::test]
async fn the_fake_records_what_braze_would_fail_later() {
    let server = MockServer::start(Config::new().seed(12))
        .await
        .expect("fake");
    let client = client(server.url(), server.api_key());
    let wrong = json!({"AND": [
        {"custom_attribute": {"custom_attribute_name": "vip", "comparison": "does_not_equal", "value": true}},
        {"push_subscription_status": {"comparison": "is", "value": "opted_in"}}
    ]});
    // The SDK refuses it; sent unchecked, it reaches the fake as given.
    let created = client
        .create_campaign_schedule("campaign-1", later())
        .audience(Audience::unchecked(wrong.clone()))
        .await
        .expect("Braze answers 201");
    let stored = server
        .schedule(created.schedule_id.as_str())
        .expect("stored");
    assert_eq!(stored.audience.as_ref(), Some(&wrong));
    assert_eq!(stored.silent_failures.len(), 1);
    assert_eq!(
        stored.silent_failures[0].path,
        "audience.AND[0].custom_attribute.comparison"
    );
    let logged = server.requests();
    assert_eq!(logged[0].silent_failures, stored.silent_failures);
    assert_eq!(server.silent_failures().len(), 1);

    // Outside the documented grammar, the fake refuses at once, naming the path.
    let error = client
        .create_campaign_schedule("campaign-1", later())
        .audience(Audience::unchecked(json!({"OR": [{"custom_attribute": {
            "custom_attribute_name": "orders", "comparison": "bigger_than", "value": 3}}]})))
        .await
        .expect_err("400");
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status.as_u16(), 400);
    let message = api.message.as_deref().unwrap_or_default();
    assert!(
        message.contains("audience.OR[0].custom_attribute.comparison"),
        "{message}"
    );
    assert_eq!(server.schedules().len(), 1);
}

fn leaf() -> impl Strategy<Value = Audience> {
    let name = "[a-z_]{1,12}";
    let time = "20[0-9]{2}-0[1-9]-(0[1-9]|1[0-9]|2[0-8])T[01][0-9]:[0-5][0-9]:[0-5][0-9](Z|[+-]0[0-9]:?00)?";
    let status = prop_oneof![
        Just(SubscriptionStatus::OptedIn),
        Just(SubscriptionStatus::Subscribed),
        Just(SubscriptionStatus::Unsubscribed),
    ];
    prop_oneof![
        (name, any::<String>()).prop_map(|(n, v)| custom_attribute(n).equals(v)),
        (name, any::<i64>()).prop_map(|(n, v)| custom_attribute(n).not_equal(v)),
        (name, any::<bool>()).prop_map(|(n, v)| custom_attribute(n).equals(v)),
        (name, any::<String>()).prop_map(|(n, v)| custom_attribute(n).matches_regex(v)),
        (name, -1e9f64..1e9).prop_map(|(n, v)| custom_attribute(n).greater_than(v)),
        (name, any::<u32>()).prop_map(|(n, v)| custom_attribute(n).less_than_or_equal_to(v)),
        (name, any::<String>()).prop_map(|(n, v)| custom_attribute(n).includes_value(v)),
        (name, any::<u32>()).prop_map(|(n, v)| custom_attribute(n).less_than_days_ago(v)),
        (name, any::<u32>())
            .prop_map(|(n, v)| custom_attribute(n).greater_than_days_in_the_future(v)),
        (name, time).prop_map(|(n, t)| custom_attribute(n).before(at(&t))),
        name.prop_map(|n| custom_attribute(n).exists()),
        name.prop_map(|n| custom_attribute(n).does_not_exist()),
        status.clone().prop_map(|s| push_subscription().is(s)),
        status.prop_map(|s| email_subscription().is_not(s)),
        time.prop_map(|t| last_used_app().after(at(&t))),
    ]
}

fn built_audience() -> impl Strategy<Value = Audience> {
    leaf().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Audience::all),
            prop::collection::vec(inner, 1..4).prop_map(Audience::any),
        ]
    })
}

/// Any JSON, biased towards the audience grammar's keys and comparisons so that the
/// checks' deeper branches are reached.
fn any_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("AND".to_owned()),
        Just("OR".to_owned()),
        Just("custom_attribute".to_owned()),
        Just("custom_attribute_name".to_owned()),
        Just("comparison".to_owned()),
        Just("value".to_owned()),
        Just("push_subscription_status".to_owned()),
        Just("last_used_app".to_owned()),
        "[a-z]{1,6}",
    ];
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            Just("equals"),
            Just("does_not_equal"),
            Just("greater_than"),
            Just("less_than_x_days_ago"),
            Just("after"),
            Just("exists"),
            Just("is"),
            Just("opted_in"),
            Just("2026-01-01T00:00:00Z"),
            Just(" "),
        ]
        .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    scalar.prop_recursive(6, 64, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// What the builder makes fits the grammar and comes back unchanged through the
    /// generated types.
    #[test]
    fn built_audiences_round_trip_through_the_generated_types(audience in built_audience()) {
        let json = audience.as_json().clone();
        let problems = check("audience", &json, MAX_DEPTH);
        prop_assert!(problems.is_empty(), "{:?}", problems);
        let typed: wire::ConnectedAudience = serde_json::from_value(json.clone())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::to_value(typed).unwrap(), json);
    }

    /// Any JSON: the checks never panic, and what they accept the generated types read.
    /// Whatever the generated types refuse, the checks refuse too, with a path.
    #[test]
    fn any_json_is_checked_without_panicking(json in any_json()) {
        let problems = check("audience", &json, MAX_DEPTH);
        let typed = serde_json::from_value::<wire::ConnectedAudience>(json.clone());
        if problems.is_empty() {
            prop_assert!(typed.is_ok(), "checked but unreadable: {} ({:?})", json, typed.err());
        }
        if typed.is_err() {
            prop_assert!(!problems.is_empty(), "readable-looking refusal missed: {}", json);
        }
        for problem in &problems {
            prop_assert!(problem.path.starts_with("audience"));
            prop_assert!(!problem.message.is_empty());
        }
        let via_sdk = Audience::from_json(json.clone());
        prop_assert_eq!(via_sdk.is_ok(), problems.is_empty());
    }
}

#[test]
fn recipients_and_audience_rules_still_hold() {
    let client = client("http://127.0.0.1:9", KEY);
    // An audience alone is enough to target; broadcast with recipients is still refused.
    assert!(
        client
            .create_campaign_schedule("c", later())
            .audience(push_subscription().is(SubscriptionStatus::OptedIn))
            .body()
            .is_ok()
    );
    let error = client
        .create_campaign_schedule("c", later())
        .audience(push_subscription().is(SubscriptionStatus::OptedIn))
        .recipient(Recipient::external_user_id("u"))
        .broadcast(true)
        .body()
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
}
