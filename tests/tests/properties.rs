//! Property tests: whatever the input, the SDK answers `Ok` or a clear error, and never
//! panics. Checks on requests, and decoding of any answer (status, headers, bytes).

use std::time::Duration;

use braze_sdk::{Client, Error, Instance, Recipient, RetryPolicy, Schedule};
use braze_tests::{Reply, ScriptedServer};
use chrono::Timelike;
use proptest::prelude::*;
use serde_json::json;

/// Built once: building a client loads the system's root certificates.
fn offline_client() -> &'static Client {
    static CLIENT: std::sync::LazyLock<Client> =
        std::sync::LazyLock::new(|| Client::new("property-key", Instance::Us01).expect("client"));
    &CLIENT
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("   ".to_owned()),
        "[a-z0-9-]{1,12}",
        any::<String>(),
    ]
}

fn any_time() -> impl Strategy<Value = String> {
    let ahead = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%dT%H:%M:%S");
    prop_oneof![
        Just(format!("{ahead}Z")),
        Just(ahead.to_string()),
        "20[0-9]{2}-[01][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-6][0-9](:[0-6][0-9](\\.[0-9]{1,3})?)?(Z|z|[+-]0[0-9]:?00)?",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn delete_bodies_are_checked(campaign in any_text(), schedule in any_text()) {
        let client = offline_client();
        match client.delete_campaign_schedule(campaign.as_str(), schedule.as_str()).body() {
            Ok(body) => {
                prop_assert!(!campaign.trim().is_empty() && !schedule.trim().is_empty());
                let json = serde_json::to_value(&body).expect("serializable");
                prop_assert_eq!(json, json!({"campaign_id": campaign, "schedule_id": schedule}));
            }
            Err(Error::InvalidRequest { field, .. }) => {
                prop_assert!(field == "campaign_id" || field == "schedule_id");
                prop_assert!(campaign.trim().is_empty() || schedule.trim().is_empty());
            }
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    #[test]
    fn create_bodies_are_checked(
        time in any_time(),
        local in any::<bool>(),
        broadcast in proptest::option::of(any::<bool>()),
        ids in proptest::collection::vec(any_text(), 0..60),
    ) {
        let client = offline_client();
        // The text is read as a local time or as an instant, then the request is built.
        let body = if local {
            Schedule::parse_local(time.as_str())
        } else {
            Schedule::parse(time.as_str())
        }
        .and_then(|schedule| {
            let request = client
                .create_campaign_schedule("campaign", schedule)
                .recipients(ids.iter().map(|id| Recipient::external_user_id(id.as_str())))
                .set_broadcast(broadcast);
            request.body()
        });
        // What the checks must decide, rule by rule (Braze's targeting rules and the
        // schedule object's time): the whole request is valid exactly when each is.
        let time_ok = time_is_valid(&time, local);
        let ids_ok = ids.iter().all(|id| !id.trim().is_empty());
        let targeting_ok = if ids.is_empty() {
            broadcast == Some(true)
        } else {
            broadcast != Some(true) && ids.len() <= 50 && ids_ok
        };
        match body {
            Ok(body) => {
                prop_assert!(time_ok && targeting_ok, "accepted: {time:?} local={local} {broadcast:?} {ids:?}");
                prop_assert_eq!(body.recipients.len(), ids.len());
                prop_assert_eq!(body.broadcast, broadcast);
                // The time sent means the time given: the same instant, or the same time
                // of day for a local send.
                let sent = braze_sdk::api::time::SendTime::parse(body.schedule.time.as_str())
                    .expect("the SDK sends the spec's grammar");
                let given = braze_sdk::api::time::SendTime::parse(time.trim()).expect("accepted");
                if local {
                    prop_assert_eq!(sent.wall_clock, given.wall_clock.with_nanosecond(0).unwrap());
                } else {
                    prop_assert_eq!(sent.instant(), given.instant().with_nanosecond(0).unwrap());
                }
            }
            Err(Error::InvalidRequest { field, reason }) => {
                prop_assert!(!time_ok || !targeting_ok, "refused a valid request: {field} {reason}");
                prop_assert!(!reason.is_empty());
                // The field named is one whose rule the request breaks.
                let blames = match field.as_str() {
                    "schedule.time" => !time_ok,
                    "broadcast" => broadcast == Some(true) && !ids.is_empty()
                        || ids.is_empty() && broadcast != Some(true),
                    "recipients" => ids.len() > 50,
                    other => other.strip_prefix("recipients[")
                        .and_then(|rest| rest.strip_suffix("].external_user_id"))
                        .and_then(|index| index.parse::<usize>().ok())
                        .is_some_and(|index| ids[index].trim().is_empty()),
                };
                prop_assert!(blames, "{field}: {reason} ({time:?} local={local} {broadcast:?} {ids:?})");
            }
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}

/// The schedule object's rules for `time`, from other sources than the SDK's reader: the
/// spec's pattern (run by `regress`, the regex engine of the generated check), a date that
/// the calendar has (chrono), no designator for a local-time send, and a local time not yet
/// passed at UTC-12, the last time zone to reach it.
fn time_is_valid(time: &str, local: bool) -> bool {
    static PATTERN: std::sync::LazyLock<regress::Regex> = std::sync::LazyLock::new(|| {
        regress::Regex::new(braze_sdk::api::SCHEDULE_TIME_PATTERN).expect("the spec's pattern")
    });
    let time = time.trim();
    if time.is_empty() || PATTERN.find(time).is_none() {
        return false;
    }
    // The pattern's shape: `YYYY-MM-DD`, a separator, `hh:mm`, then optional seconds,
    // fraction and zone.
    if chrono::NaiveDate::parse_from_str(&time[..10], "%Y-%m-%d").is_err() {
        return false;
    }
    let zone_at = time[16..].find(['Z', 'z', '+', '-']).map(|i| i + 16);
    if !local {
        return true;
    }
    if zone_at.is_some() {
        return false;
    }
    let wall_clock = format!("{}T{}", &time[..10], &time[11..]);
    let wall_clock = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(&wall_clock, format).ok())
        .expect("a time of the pattern's shape on a real date");
    wall_clock + chrono::Duration::hours(12) >= chrono::Utc::now().naive_utc()
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![Just("12".to_owned()), "[0-9]{1,25}", "[ -~]{0,20}"]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_answer_decodes_or_errs_cleanly(
        status in 200u16..600,
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300),
            Just(br#"{"message":"success"}"#.to_vec()),
            Just(br#"{"message":"x","errors":[1,{"a":null},"s"]}"#.to_vec()),
            Just(br#"{"errors":"not a list"}"#.to_vec()),
            Just(br#"{"schedule_id":"s-9","dispatch_id":"d"}"#.to_vec()),
            Just(br#"{"schedule_id":"  "}"#.to_vec()),
            Just(br#"{"scheduled_broadcasts":[{"name":"n","tags":null}]}"#.to_vec()),
            Just(br#"{"scheduled_broadcasts":{}}"#.to_vec()),
        ],
        limit in header_value(),
        reset in header_value(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let reply = Reply::raw(status, "application/json", body.clone())
                .header("x-ratelimit-limit", &limit)
                .header("x-ratelimit-reset", &reset);
            // The same answer to a delete, a create and a list: each decodes its own type.
            let server = ScriptedServer::start([reply.clone(), reply.clone(), reply]).await;
            let client = Client::builder()
                .api_key("property-key")
                .endpoint_str(server.url())
                .retry_policy(RetryPolicy::none())
                .timeout(Duration::from_secs(5))
                .build()
                .expect("client");
            let check_error = |error: Error| {
                let text = error.to_string();
                assert!(!text.is_empty());
                assert!(!text.contains("property-key"));
                if let Some(got) = error.status() {
                    assert_eq!(got.as_u16(), status);
                }
                // A 2xx with an unreadable body is accepted, never "not sent".
                if (200..300).contains(&status) {
                    assert_eq!(error.delivery(), braze_sdk::Delivery::Accepted, "{error}");
                }
            };
            match client.delete_campaign_schedule("c-1", "s-1").await {
                Ok(answer) => {
                    assert!((200..300).contains(&status));
                    assert_eq!(answer.status().as_u16(), status);
                }
                Err(error) => check_error(error),
            }
            match client
                .create_campaign_schedule("c-1", Schedule::parse("2030-05-24T21:30:00Z").unwrap())
                .broadcast(true)
                .await
            {
                Ok(created) => {
                    assert!((200..300).contains(&status));
                    assert!(!created.schedule_id.as_str().trim().is_empty());
                }
                Err(error) => check_error(error),
            }
            match client.list_scheduled_broadcasts(braze_sdk::rules::end_time("2030-01-01").unwrap()).send().await {
                Ok(_) => assert!((200..300).contains(&status)),
                Err(error) => check_error(error),
            }
        });
    }
}
