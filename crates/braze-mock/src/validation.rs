//! Braze's documented rules that the spec's types cannot express: who a send targets, and
//! when it may be scheduled. Each refusal names the field at fault. (The rules of the
//! messaging object, `messages`, are in [`crate::messages`].)

use braze_api::operations::{FieldValue, Shape};
use braze_api::types::{MessageScheduleCreateRequest, Recipient, Schedule};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::choices;
use crate::messages;
use crate::state::Targeting;
use crate::time::{SendTime, parse_send_time, passed_in_every_time_zone};

/// Braze's limit on recipients per request (Braze "scheduled API-triggered campaigns":
/// "up to 50 specific external_ids"), and on users per message create (§7, messaging
/// objects §3.1: `external_user_ids` "max 50").
pub(crate) const MAX_RECIPIENTS: usize = 50;

/// Braze's limit on a `send_id` (messaging objects §3.1: "ASCII only, ≤ 64 characters").
pub(crate) const MAX_SEND_ID_CHARS: usize = 64;

/// The first words of Braze's documented error for a request that targets nobody (§14).
pub(crate) const NO_RECIPIENTS: &str = "No Recipients";

/// Checks whom a create targets (Braze's `broadcast` rules and the recipients object).
pub(crate) fn check_targeting(
    recipients: &[Recipient],
    has_audience: bool,
    broadcast: Option<bool>,
) -> Result<Targeting, String> {
    let broadcast = broadcast.unwrap_or(false);
    if recipients.len() > MAX_RECIPIENTS {
        // The first sentence is Braze's documented message for this case.
        return Err(format!(
            "The max number of external_ids and aliases per request was exceeded: recipients \
             has {} entries, at most {MAX_RECIPIENTS} are allowed",
            recipients.len()
        ));
    }
    if broadcast && !recipients.is_empty() {
        return Err(
            "recipients cannot be given when broadcast is true (broadcast sends to the whole \
             segment)"
                .to_owned(),
        );
    }
    for (index, recipient) in recipients.iter().enumerate() {
        check_recipient(index, recipient)?;
    }
    if recipients.is_empty() && !has_audience && !broadcast {
        return Err(
            "broadcast must be true to send to the whole segment: give recipients, an \
             audience, or broadcast: true"
                .to_owned(),
        );
    }
    Ok(Targeting {
        recipients: recipients.len(),
        audience: has_audience,
        broadcast,
        ..Targeting::default()
    })
}

/// Checks whom a message create targets (§7, messaging objects §3.1): users by
/// `external_user_ids` and `user_aliases` (at most 50, see
/// [`choices::ALIASES_COUNT_TOWARD_THE_USER_CAP`]), a `segment_id`, an `audience`, or
/// everyone with `broadcast: true`, which cannot come with users; and its `send_id`.
/// `has_audience`: whether the body carried an audience (read on its own, see
/// [`crate::audience`]).
pub(crate) fn check_message_targeting(
    request: &MessageScheduleCreateRequest,
    has_audience: bool,
) -> Result<Targeting, String> {
    if let Some(send_id) = &request.send_id {
        check_send_id(send_id)?;
    }
    let external = request.external_user_ids.len();
    let aliases = request.user_aliases.len();
    let counted = if choices::ALIASES_COUNT_TOWARD_THE_USER_CAP {
        external + aliases
    } else {
        external
    };
    if counted > MAX_RECIPIENTS {
        // The first sentence is Braze's documented message for this case.
        let which = if choices::ALIASES_COUNT_TOWARD_THE_USER_CAP && aliases > 0 {
            format!(
                "external_user_ids ({external}) and user_aliases ({aliases}) name {counted} users"
            )
        } else {
            format!("external_user_ids has {external} entries")
        };
        return Err(format!(
            "The max number of external_ids and aliases per request was exceeded: {which}, at \
             most {MAX_RECIPIENTS} are allowed"
        ));
    }
    let broadcast = request.broadcast.unwrap_or(false);
    let users = external + aliases > 0;
    if broadcast && users {
        return Err(
            "external_user_ids and user_aliases cannot be given when broadcast is true \
             (broadcast sends to everyone targeted, not to listed users)"
                .to_owned(),
        );
    }
    let segment_or_audience = request.segment_id.is_some() || has_audience;
    if !users && !segment_or_audience && !broadcast {
        return Err(format!(
            "{NO_RECIPIENTS}: give segment_id, external_user_ids or user_aliases, audience, or \
             broadcast: true"
        ));
    }
    if !users && !broadcast && !choices::SEGMENT_OR_AUDIENCE_WITHOUT_BROADCAST {
        return Err(
            "broadcast must be true to send to a segment or an audience without listing users"
                .to_owned(),
        );
    }
    Ok(Targeting {
        recipients: 0,
        external_user_ids: external,
        user_aliases: aliases,
        segment_id: request.segment_id.clone(),
        audience: has_audience,
        broadcast,
    })
}

/// A `send_id` is ASCII and at most 64 characters (messaging objects §3.1).
pub(crate) fn check_send_id(send_id: &str) -> Result<(), String> {
    if !send_id.is_ascii() {
        return Err(format!("send_id must be ASCII only, not {send_id:?}"));
    }
    if send_id.len() > MAX_SEND_ID_CHARS {
        return Err(format!(
            "send_id has {} characters, at most {MAX_SEND_ID_CHARS} are allowed",
            send_id.len()
        ));
    }
    Ok(())
}

/// A recipient names exactly one user (Braze "recipients object": "requests must specify
/// only one"); an email needs `prioritization`, and a user created on the fly needs
/// `attributes`.
fn check_recipient(index: usize, recipient: &Recipient) -> Result<(), String> {
    let identifiers: Vec<&str> = [
        ("external_user_id", recipient.external_user_id.is_some()),
        ("user_alias", recipient.user_alias.is_some()),
        ("braze_id", recipient.braze_id.is_some()),
        ("email", recipient.email.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, present)| present.then_some(name))
    .collect();
    if identifiers.len() != 1 {
        let found = if identifiers.is_empty() {
            "none".to_owned()
        } else {
            identifiers.join(", ")
        };
        return Err(format!(
            "recipients[{index}] must have exactly one of external_user_id, user_alias, \
             braze_id or email (found: {found})"
        ));
    }
    if recipient.email.is_some() && recipient.prioritization.is_empty() {
        return Err(format!(
            "recipients[{index}].prioritization is required when email is used"
        ));
    }
    if recipient.send_to_existing_only == Some(false) && recipient.attributes.is_empty() {
        return Err(format!(
            "recipients[{index}].attributes is required when send_to_existing_only is false"
        ));
    }
    Ok(())
}

/// The message for a `schedule.time` that is not an ISO 8601 date-time, with the text
/// when it is known (a text that does not even fit the spec's pattern is refused while
/// the body is read, where serde does not give it back).
pub(crate) fn not_a_schedule_time(text: Option<&str>) -> String {
    let message = "schedule.time must be an ISO 8601 date-time such as 2017-05-24T21:30:00Z (or \
                   2017-05-24T21:30:00 for local-time sends)";
    match text {
        Some(text) => format!("{message}, not {text:?}"),
        None => message.to_owned(),
    }
}

/// Checks a schedule object: an ISO 8601 `time`, not already past everywhere for a
/// local-time send (Braze "schedule object").
pub(crate) fn check_schedule(schedule: &Schedule, now: DateTime<Utc>) -> Result<SendTime, String> {
    let text = schedule.time.as_str();
    let Some(time) = parse_send_time(text) else {
        return Err(not_a_schedule_time(Some(text)));
    };
    let in_local_time = schedule.in_local_time.unwrap_or(false);
    let local_or_optimal = in_local_time || schedule.at_optimal_time.unwrap_or(false);
    if local_or_optimal && time.has_offset && !choices::ACCEPT_OFFSET_WITH_LOCAL_TIME {
        return Err(format!(
            "schedule.time must have no time zone designator for local or optimal-time sends, \
             not {text:?}"
        ));
    }
    if in_local_time && passed_in_every_time_zone(time.wall_clock, now) {
        return Err(format!(
            "schedule.time {text:?} has already passed in every time zone (in_local_time is \
             true)"
        ));
    }
    if !local_or_optimal && !choices::ACCEPT_PAST_UTC_TIMES && time.instant < now {
        return Err(format!("schedule.time {text:?} is in the past"));
    }
    Ok(time)
}

/// Refuses `null` for a property the spec declares ([`choices::REFUSE_NULL_FOR_DECLARED_FIELDS`]),
/// naming its path (`schedule.at_optimal_time`, `recipients[1].email`): the body is walked
/// along the spec's declared fields (`shape`, generated from the spec), into objects and
/// lists of objects that declare fields of their own, and into the object a choice of
/// shapes holds where the fake can tell which shape it is ([`messages::chosen_shape`]: an
/// Apple alert object, a WhatsApp envelope by its `message_type`). Free-form objects
/// (`trigger_properties`, `context`, `attributes`...) and properties the spec does not
/// declare (`additionalProperties: {}`) may hold `null`. Bodies without the bytes `null`,
/// and bodies that are not JSON objects (the typed parse reports those), pass untouched.
pub(crate) fn refuse_declared_nulls(body: &[u8], shape: &Shape) -> Result<(), String> {
    if !choices::REFUSE_NULL_FOR_DECLARED_FIELDS || !body.windows(4).any(|w| w == b"null") {
        return Ok(());
    }
    let Ok(Value::Object(top)) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    match first_declared_null(&top, shape) {
        Some(path) => Err(format!(
            "{path}: null is not allowed (leave the field out instead)"
        )),
        None => Ok(()),
    }
}

/// The path of the first declared property that holds `null`, in declaration order.
fn first_declared_null(object: &Map<String, Value>, shape: &Shape) -> Option<String> {
    for field in shape.fields {
        let (name, value) = (field.name, object.get(field.name));
        match (value, &field.value) {
            (Some(Value::Null), _) => return Some(name.to_owned()),
            (Some(Value::Object(inner)), FieldValue::Object(inner_shape)) => {
                if let Some(path) = first_declared_null(inner, inner_shape) {
                    return Some(format!("{name}.{path}"));
                }
            }
            (Some(Value::Object(inner)), FieldValue::Plain) => {
                if let Some(chosen) = messages::chosen_shape(shape, name, inner)
                    && let Some(path) = first_declared_null(inner, chosen)
                {
                    return Some(format!("{name}.{path}"));
                }
            }
            (Some(Value::Array(items)), FieldValue::List(item_shape)) => {
                for (index, item) in items.iter().enumerate() {
                    if let Value::Object(item) = item
                        && let Some(path) = first_declared_null(item, item_shape)
                    {
                        return Some(format!("{name}[{index}].{path}"));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn recipients(value: serde_json::Value) -> Vec<Recipient> {
        serde_json::from_value(value).unwrap()
    }

    fn schedule(value: serde_json::Value) -> Schedule {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn targeting_rules() {
        let one = recipients(json!([{"external_user_id": "u1"}]));
        assert_eq!(
            check_targeting(&one, false, None).unwrap(),
            Targeting {
                recipients: 1,
                audience: false,
                broadcast: false,
                ..Targeting::default()
            }
        );
        let err = check_targeting(&one, false, Some(true)).unwrap_err();
        assert!(err.contains("broadcast is true"), "{err}");
        let err = check_targeting(&[], false, Some(false)).unwrap_err();
        assert!(err.contains("broadcast must be true"), "{err}");
        assert!(check_targeting(&[], false, Some(true)).unwrap().broadcast);
        assert!(check_targeting(&[], true, None).unwrap().audience);
        let many: Vec<serde_json::Value> = (0..51)
            .map(|i| json!({"external_user_id": format!("u{i}")}))
            .collect();
        let err = check_targeting(&recipients(json!(many)), false, None).unwrap_err();
        assert!(err.contains("recipients has 51 entries"), "{err}");
    }

    fn check_message_targeting_of(
        request: &MessageScheduleCreateRequest,
    ) -> Result<Targeting, String> {
        check_message_targeting(request, request.audience.is_some())
    }

    fn message_create(value: serde_json::Value) -> MessageScheduleCreateRequest {
        let mut value = value;
        value["schedule"] = json!({"time": "2031-01-01T00:00:00Z"});
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn message_targeting_rules() {
        let targeting = check_message_targeting_of(&message_create(
            json!({"external_user_ids": ["u1", "u2"], "segment_id": "s"}),
        ))
        .unwrap();
        assert_eq!(
            targeting,
            Targeting {
                external_user_ids: 2,
                segment_id: Some("s".to_owned()),
                ..Targeting::default()
            }
        );
        for fine in [
            json!({"broadcast": true}),
            json!({"segment_id": "s"}),
            json!({"audience": {"last_used_app": {"comparison": "after", "value": "2026-01-01T00:00:00Z"}}}),
            json!({"user_aliases": [{"alias_name": "n", "alias_label": "l"}]}),
            json!({"broadcast": true, "segment_id": "s", "send_id": "x".repeat(64)}),
        ] {
            assert!(
                check_message_targeting_of(&message_create(fine.clone())).is_ok(),
                "{fine}"
            );
        }
        let ids = |n: usize| (0..n).map(|i| format!("u{i}")).collect::<Vec<_>>();
        let aliases = |n: usize| {
            (0..n)
                .map(|i| json!({"alias_name": format!("n{i}"), "alias_label": "l"}))
                .collect::<Vec<_>>()
        };
        for (body, expected) in [
            (json!({}), "No Recipients: give segment_id"),
            (json!({"broadcast": false}), "No Recipients"),
            (
                json!({"broadcast": true, "external_user_ids": ["u"]}),
                "external_user_ids and user_aliases cannot be given when broadcast is true",
            ),
            (
                json!({"broadcast": true, "user_aliases": aliases(1)}),
                "external_user_ids and user_aliases cannot be given when broadcast is true",
            ),
            (
                json!({"external_user_ids": ids(51)}),
                "The max number of external_ids and aliases per request was exceeded: \
                 external_user_ids has 51 entries, at most 50 are allowed",
            ),
            (
                json!({"external_user_ids": ids(40), "user_aliases": aliases(11)}),
                "The max number of external_ids and aliases per request was exceeded: \
                 external_user_ids (40) and user_aliases (11) name 51 users, at most 50",
            ),
            (
                json!({"broadcast": true, "send_id": "x".repeat(65)}),
                "send_id has 65 characters, at most 64 are allowed",
            ),
            (
                json!({"broadcast": true, "send_id": "envoi-été"}),
                "send_id must be ASCII only, not \"envoi-été\"",
            ),
        ] {
            let err = check_message_targeting_of(&message_create(body.clone())).unwrap_err();
            assert!(err.starts_with(expected), "{body}\n  got: {err}");
        }
        assert!(
            check_message_targeting_of(&message_create(
                json!({"external_user_ids": ids(25), "user_aliases": aliases(25)})
            ))
            .is_ok()
        );
    }

    #[test]
    fn null_is_refused_inside_messages() {
        let fields = braze_api::operations::CREATE_MESSAGE_SCHEDULE
            .request_body
            .unwrap();
        for (body, path) in [
            (json!({"messages": null}), "messages"),
            (
                json!({"messages": {"apple_push": null}}),
                "messages.apple_push",
            ),
            (
                json!({"messages": {"apple_push": {"alert": "a", "badge": null}}}),
                "messages.apple_push.badge",
            ),
            (
                json!({"messages": {"apple_push": {"alert": {"body": "b", "title": null}}}}),
                "messages.apple_push.alert.title",
            ),
            (
                json!({"messages": {"android_push": {"buttons": [{"text": "t", "uri": null}]}}}),
                "messages.android_push.buttons[0].uri",
            ),
            (
                json!({"messages": {"whats_app": {"message_type": "flow_response_message", "message": {"body": "b", "flow_button": {"caption": null}}}}}),
                "messages.whats_app.message.flow_button.caption",
            ),
            (
                json!({"messages": {"whats_app": {"message_type": "text_response_message", "app_id": null}}}),
                "messages.whats_app.app_id",
            ),
            (
                json!({"user_aliases": [{"alias_name": null}]}),
                "user_aliases[0].alias_name",
            ),
        ] {
            let err = refuse_declared_nulls(body.to_string().as_bytes(), fields).unwrap_err();
            assert!(err.starts_with(&format!("{path}: null")), "{err}");
        }
        // Braze's `extra` is not a declared field: its check says what is wrong with it.
        for body in [
            json!({"messages": {"apple_push": {"alert": "a", "extra": null}}}),
            json!({"messages": {"apple_push": {"alert": "a", "extra": {"k": null}}}}),
            json!({"messages": {"webhook": {"body": {"k": null}}}}),
            json!({"messages": {"whats_app": {"message_type": "no_such_type", "app_id": null}}}),
        ] {
            assert!(
                refuse_declared_nulls(body.to_string().as_bytes(), fields).is_ok(),
                "{body}"
            );
        }
    }

    #[test]
    fn recipient_rules() {
        for (value, expected) in [
            (json!([{}]), "recipients[0] must have exactly one of"),
            (
                json!([{"external_user_id": "a"}, {"external_user_id": "b", "braze_id": "c"}]),
                "recipients[1] must have exactly one of external_user_id, user_alias, braze_id or email (found: external_user_id, braze_id)",
            ),
            (
                json!([{"email": "a@example.com"}]),
                "recipients[0].prioritization is required",
            ),
            (
                json!([{"external_user_id": "a", "send_to_existing_only": false}]),
                "recipients[0].attributes is required",
            ),
        ] {
            let err = check_targeting(&recipients(value), false, None).unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
        let fine = json!([
            {"user_alias": {"alias_name": "n", "alias_label": "l"}},
            {"email": "a@example.com", "prioritization": ["most_recently_updated"]},
            {"braze_id": "b", "send_to_existing_only": false, "attributes": {"first_name": "A"}},
        ]);
        assert!(check_targeting(&recipients(fine), false, None).is_ok());
    }

    #[test]
    fn null_is_refused_for_declared_fields_only() {
        let fields = braze_api::operations::CREATE_CAMPAIGN_SCHEDULE
            .request_body
            .unwrap();
        for (body, path) in [
            (json!({"broadcast": null}), "broadcast"),
            (
                json!({"schedule": {"time": "t", "at_optimal_time": null}}),
                "schedule.at_optimal_time",
            ),
            (
                json!({"recipients": [{"braze_id": "b"}, {"email": null}]}),
                "recipients[1].email",
            ),
            (
                json!({"recipients": [{"user_alias": {"alias_name": null}}]}),
                "recipients[0].user_alias.alias_name",
            ),
        ] {
            let err = refuse_declared_nulls(body.to_string().as_bytes(), fields).unwrap_err();
            assert!(err.starts_with(&format!("{path}: null")), "{err}");
        }
        for body in [
            json!({"x-extra": null, "schedule": {"time": "t"}}),
            json!({"recipients": [{"braze_id": "b", "trigger_properties": {"a": null}}]}),
            json!({"recipients": [{"braze_id": "b", "attributes": {"a": null}}]}),
            json!({"trigger_properties": {"a": null}}),
        ] {
            assert!(refuse_declared_nulls(body.to_string().as_bytes(), fields).is_ok());
        }
        assert!(refuse_declared_nulls(b"null", fields).is_ok());
        assert!(refuse_declared_nulls(b"{\"broadcast\": nul", fields).is_ok());
    }

    #[test]
    fn schedule_rules() {
        let now = DateTime::parse_from_rfc3339("2030-06-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        // The shape of a date-time (the spec's pattern), but no such date.
        let err =
            check_schedule(&schedule(json!({"time": "2030-02-30T12:00:00Z"})), now).unwrap_err();
        assert!(
            err.starts_with("schedule.time must be an ISO 8601"),
            "{err}"
        );
        assert!(err.ends_with("not \"2030-02-30T12:00:00Z\""), "{err}");
        // Not even the shape: the generated type refuses it.
        assert!(serde_json::from_value::<Schedule>(json!({"time": "next tuesday"})).is_err());
        let err = check_schedule(
            &schedule(json!({"time": "2030-05-30T12:00:00", "in_local_time": true})),
            now,
        )
        .unwrap_err();
        assert!(err.contains("already passed in every time zone"), "{err}");
        // Still ahead at UTC-12.
        assert!(
            check_schedule(
                &schedule(json!({"time": "2030-06-01T01:00:00", "in_local_time": true})),
                now
            )
            .is_ok()
        );
        // Past UTC times are accepted (see choices::ACCEPT_PAST_UTC_TIMES).
        assert!(check_schedule(&schedule(json!({"time": "2020-01-01T00:00:00Z"})), now).is_ok());
    }
}
