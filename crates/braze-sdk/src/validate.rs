//! The checks made before anything is sent. Each failure names the field, as it appears
//! in the JSON body, and says what Braze expects.

use braze_api::operations::{Shape, shapes};
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};

use crate::{Error, Recipient};

/// Braze's cap on recipients per create request.
pub const MAX_RECIPIENTS: usize = 50;
/// Braze's cap on a properties object (`trigger_properties`, `context`), in bytes of JSON.
pub const MAX_PROPERTIES_BYTES: usize = 50 * 1024;

/// An identifier must not be empty or blank.
pub(crate) fn id(check: Result<(), braze_api::ids::InvalidId>) -> Result<(), Error> {
    check.map_err(|e| Error::invalid(e.field, "must not be empty or blank"))
}

/// An ISO 8601 date-time: with a designator (`Z`, `+02:00`), or without one. Local and
/// optimal-time sends must have none (Braze: "do not include a time-zone designator").
pub(crate) fn schedule_time(field: &str, time: &str, local: bool) -> Result<(), Error> {
    let time = time.trim();
    if time.is_empty() {
        return Err(Error::invalid(field, "is required (an ISO 8601 date-time)"));
    }
    if DateTime::parse_from_rfc3339(time).is_ok() {
        if local {
            return Err(Error::invalid(
                field,
                format!(
                    "{time:?} has a time-zone designator; local-time and optimal-time sends \
                     take a time without one, e.g. \"2030-02-20T13:14:47\""
                ),
            ));
        }
        return Ok(());
    }
    if parse_naive(time).is_some() {
        return Ok(());
    }
    Err(Error::invalid(
        field,
        format!(
            "{time:?} is not an ISO 8601 date-time such as \"2030-05-24T21:30:00Z\" (or, for \
             local sends, \"2030-05-24T21:30:00\")"
        ),
    ))
}

fn parse_naive(time: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(time, format).ok())
}

/// The `end_time` of a scheduled-broadcasts listing: an ISO 8601 date or date-time.
pub(crate) fn end_time(time: &str) -> Result<(), Error> {
    let trimmed = time.trim();
    let valid = DateTime::parse_from_rfc3339(trimmed).is_ok()
        || parse_naive(trimmed).is_some()
        || NaiveDate::parse_from_str(trimmed, "%Y-%m-%d").is_ok();
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            "end_time",
            format!(
                "{time:?} is not an ISO 8601 date or date-time such as \
                 \"2030-09-01T00:00:00-04:00\""
            ),
        ))
    }
}

/// Who a create targets: at most 50 recipients, each with exactly one identifier;
/// `broadcast: true` excludes recipients; without recipients or an audience,
/// `broadcast` must be true (it sends to the whole segment).
pub(crate) fn targeting(
    recipients: &[Recipient],
    broadcast: Option<bool>,
    has_audience: bool,
) -> Result<(), Error> {
    if broadcast == Some(true) && !recipients.is_empty() {
        return Err(Error::invalid(
            "broadcast",
            "cannot be true together with recipients: broadcast sends to the whole segment",
        ));
    }
    if recipients.is_empty() && !has_audience && broadcast != Some(true) {
        return Err(Error::invalid(
            "broadcast",
            "must be true to send to the whole segment; otherwise give recipients or an \
             audience",
        ));
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(Error::invalid(
            "recipients",
            format!(
                "has {} entries; Braze takes at most {MAX_RECIPIENTS} per request (split them, \
                 or use an audience)",
                recipients.len()
            ),
        ));
    }
    for (i, recipient) in recipients.iter().enumerate() {
        self::recipient(&format!("recipients[{i}]"), recipient)?;
    }
    Ok(())
}

fn recipient(field: &str, recipient: &Recipient) -> Result<(), Error> {
    if let Some((name, reason)) = &recipient.problem {
        return Err(Error::invalid(format!("{field}.{name}"), reason.clone()));
    }
    let r = &recipient.wire;
    let identifiers = [
        ("external_user_id", r.external_user_id.as_deref()),
        ("braze_id", r.braze_id.as_deref()),
        ("email", r.email.as_deref()),
    ];
    for (name, value) in identifiers {
        if value.is_some_and(|v| v.trim().is_empty()) {
            return Err(Error::invalid(
                format!("{field}.{name}"),
                "must not be empty or blank",
            ));
        }
    }
    if let Some(alias) = &r.user_alias {
        for (name, value) in [
            ("alias_name", &alias.alias_name),
            ("alias_label", &alias.alias_label),
        ] {
            if value.trim().is_empty() {
                return Err(Error::invalid(
                    format!("{field}.user_alias.{name}"),
                    "must not be empty or blank",
                ));
            }
        }
    }
    let present: Vec<&str> = identifiers
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(name, _)| *name)
        .chain(r.user_alias.as_ref().map(|_| "user_alias"))
        .collect();
    if present.len() != 1 {
        return Err(Error::invalid(
            field,
            format!(
                "needs exactly one of external_user_id, user_alias, braze_id, email; has {}",
                if present.is_empty() {
                    "none".to_owned()
                } else {
                    present.join(", ")
                }
            ),
        ));
    }
    if r.email.is_some() && r.prioritization.is_empty() {
        return Err(Error::invalid(
            format!("{field}.prioritization"),
            "is required with email, e.g. [\"identified\", \"most_recently_updated\"]",
        ));
    }
    if r.user_alias.is_some() && r.send_to_existing_only.is_some() {
        return Err(Error::invalid(
            format!("{field}.send_to_existing_only"),
            "cannot be used with user_alias",
        ));
    }
    if r.send_to_existing_only == Some(false) && r.attributes.is_empty() {
        return Err(Error::invalid(
            format!("{field}.attributes"),
            "are required when send_to_existing_only is false (the user is created with them)",
        ));
    }
    for (name, properties) in [
        ("trigger_properties", &r.trigger_properties),
        ("context", &r.context),
        ("canvas_entry_properties", &r.canvas_entry_properties),
    ] {
        if let Some(properties) = properties {
            self::properties(&format!("{field}.{name}"), properties)?;
        }
    }
    extra(Some(&shapes::RECIPIENT), field, &r.extra)
}

/// A properties object must stay under Braze's 50 KB.
pub(crate) fn properties(field: &str, properties: &Map<String, Value>) -> Result<(), Error> {
    let size = serde_json::to_vec(properties).map_or(usize::MAX, |json| json.len());
    if size > MAX_PROPERTIES_BYTES {
        return Err(Error::invalid(
            field,
            format!("is {size} bytes of JSON; Braze takes at most {MAX_PROPERTIES_BYTES}"),
        ));
    }
    Ok(())
}

/// Why a value is refused where a JSON object belongs.
pub(crate) fn not_an_object(value: &Value) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("must be a JSON object, not {kind}")
}

/// Extra fields are for what the spec does not know yet: a documented field (one the
/// spec declares on the object, `shape`) must be set through its own setter, or it could
/// be sent twice.
pub(crate) fn extra(
    shape: Option<&Shape>,
    prefix: &str,
    extra: &Map<String, Value>,
) -> Result<(), Error> {
    let Some(shape) = shape else {
        return Ok(());
    };
    match extra.keys().find(|key| shape.declares(key)) {
        None => Ok(()),
        Some(key) => Err(Error::invalid(
            if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            },
            "is a documented field: set it with its own builder method, not as an extra",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use braze_api::types;
    use serde_json::json;

    fn field_of(error: Error) -> String {
        match error {
            Error::InvalidRequest { field, .. } => field,
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    }

    #[test]
    fn schedule_times() {
        for ok in [
            "2030-05-24T21:30:00Z",
            "2030-05-24T21:30:00+02:00",
            "2030-05-24T21:30:00.5Z",
        ] {
            schedule_time("schedule.time", ok, false).unwrap();
        }
        for ok in ["2030-05-24T21:30:00", "2030-05-24T21:30"] {
            schedule_time("schedule.time", ok, false).unwrap();
            schedule_time("schedule.time", ok, true).unwrap();
        }
        for bad in [
            "",
            "  ",
            "tomorrow",
            "2030-13-01T00:00:00Z",
            "2030-05-24",
            "1700000000",
        ] {
            assert_eq!(
                field_of(schedule_time("schedule.time", bad, false).unwrap_err()),
                "schedule.time"
            );
        }
        let err = schedule_time("schedule.time", "2030-05-24T21:30:00Z", true).unwrap_err();
        assert!(err.to_string().contains("designator"), "{err}");
    }

    /// Whatever the SDK lets through also fits the spec's pattern for `schedule.time`, so
    /// that the generated type never refuses a time the checks accepted.
    #[test]
    fn accepted_schedule_times_fit_the_spec_pattern() {
        let mut accepted = 0;
        for separator in ["T", "t", " "] {
            for clock in [
                "21:30",
                "21:30:00",
                "21:30:00.5",
                "23:59:60",
                "21:30:00.123456789",
            ] {
                for zone in ["", "Z", "z", "+02:00", "-04:30", "+0200", "UTC"] {
                    let time = format!("2030-05-24{separator}{clock}{zone}");
                    for local in [false, true] {
                        if schedule_time("schedule.time", &time, local).is_ok() {
                            accepted += 1;
                            assert!(
                                time.parse::<braze_api::ScheduleTime>().is_ok(),
                                "{time:?} passed the checks but not the spec's pattern"
                            );
                        }
                    }
                }
            }
        }
        assert!(accepted >= 20, "only {accepted} accepted");
    }

    #[test]
    fn end_times() {
        for ok in [
            "2030-09-01",
            "2030-09-01T00:00:00-04:00",
            "2030-09-01T00:00:00",
        ] {
            end_time(ok).unwrap();
        }
        for bad in ["", "next week", "2030-09-31"] {
            assert_eq!(field_of(end_time(bad).unwrap_err()), "end_time");
        }
    }

    #[test]
    fn targeting_rules() {
        let one = vec![Recipient::external_user_id("u1")];
        targeting(&one, None, false).unwrap();
        targeting(&[], Some(true), false).unwrap();
        targeting(&[], None, true).unwrap();
        assert_eq!(
            field_of(targeting(&one, Some(true), false).unwrap_err()),
            "broadcast"
        );
        assert_eq!(
            field_of(targeting(&[], None, false).unwrap_err()),
            "broadcast"
        );
        assert_eq!(
            field_of(targeting(&[], Some(false), false).unwrap_err()),
            "broadcast"
        );
        let fifty: Vec<_> = (0..50)
            .map(|i| Recipient::external_user_id(format!("u{i}")))
            .collect();
        targeting(&fifty, None, false).unwrap();
        let fifty_one: Vec<_> = (0..51)
            .map(|i| Recipient::external_user_id(format!("u{i}")))
            .collect();
        let err = targeting(&fifty_one, None, false).unwrap_err();
        assert!(err.to_string().contains("51"), "{err}");
        assert_eq!(field_of(err), "recipients");
    }

    #[test]
    fn recipients_need_exactly_one_identifier() {
        let two: types::Recipient =
            serde_json::from_value(json!({"external_user_id": "u", "braze_id": "b"})).unwrap();
        let none: types::Recipient =
            serde_json::from_value(json!({"trigger_properties": {}})).unwrap();
        let list = vec![Recipient::braze_id("ok"), two.into()];
        let err = targeting(&list, None, false).unwrap_err();
        assert!(
            err.to_string().contains("external_user_id, braze_id"),
            "{err}"
        );
        assert_eq!(field_of(err), "recipients[1]");
        assert_eq!(
            field_of(targeting(&[none.into()], None, false).unwrap_err()),
            "recipients[0]"
        );
        let blank = Recipient::external_user_id(" ");
        assert_eq!(
            field_of(targeting(&[blank], None, false).unwrap_err()),
            "recipients[0].external_user_id"
        );
    }

    #[test]
    fn recipient_rules_from_the_recipient_object_doc() {
        let no_priority = Recipient::email("a@example.com", Vec::<String>::new());
        assert_eq!(
            field_of(targeting(&[no_priority], None, false).unwrap_err()),
            "recipients[0].prioritization"
        );
        let alias = Recipient::user_alias("n", "l").send_to_existing_only(true);
        assert_eq!(
            field_of(targeting(&[alias], None, false).unwrap_err()),
            "recipients[0].send_to_existing_only"
        );
        let create = Recipient::external_user_id("u").send_to_existing_only(false);
        assert_eq!(
            field_of(targeting(std::slice::from_ref(&create), None, false).unwrap_err()),
            "recipients[0].attributes"
        );
        targeting(
            &[create.attributes(json!({"first_name": "Ada"}))],
            None,
            false,
        )
        .unwrap();
        let not_object = Recipient::external_user_id("u").trigger_properties(json!([1, 2]));
        let err = targeting(&[not_object], None, false).unwrap_err();
        assert!(err.to_string().contains("not an array"), "{err}");
        assert_eq!(field_of(err), "recipients[0].trigger_properties");
        let colliding = Recipient::external_user_id("u").extra("braze_id", json!("b"));
        assert_eq!(
            field_of(targeting(&[colliding], None, false).unwrap_err()),
            "recipients[0].braze_id"
        );
        let unknown = Recipient::external_user_id("u").extra("new_field", json!(1));
        targeting(&[unknown], None, false).unwrap();
    }

    #[test]
    fn properties_are_capped_at_50_kb() {
        let small = json!({"k": "v"}).as_object().unwrap().clone();
        properties("trigger_properties", &small).unwrap();
        let big = json!({"k": "x".repeat(MAX_PROPERTIES_BYTES)})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(
            field_of(properties("trigger_properties", &big).unwrap_err()),
            "trigger_properties"
        );
    }
}
