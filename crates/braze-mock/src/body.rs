//! Reading a request body with the spec's generated types, and what the fake says when
//! one does not fit them: the path of the field at fault and serde's reason, a better
//! message than "did not match any variant" where the spec offers a choice of shapes (a
//! WhatsApp message by its `message_type`, an Apple alert), and `null` refused for the
//! fields the spec declares ([`choices::REFUSE_NULL_FOR_DECLARED_FIELDS`]). Braze's rules
//! on a body that fits are [`braze_api::rules`].

use braze_api::operations::{FieldValue, OperationSpec, Shape, shapes};
use braze_api::rules::json_kind;
use braze_api::types::{
    ApplePushAlertObject, WhatsAppCarousel, WhatsAppCarouselMessageType, WhatsAppFlow,
    WhatsAppFlowMessageType, WhatsAppList, WhatsAppListMessageType, WhatsAppQuickReply,
    WhatsAppQuickReplyMessageType, WhatsAppTemplate, WhatsAppTemplateMessageType, WhatsAppText,
    WhatsAppTextImage, WhatsAppTextImageMessageType, WhatsAppTextMessageType,
};
use http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::choices;
use crate::reply::Reply;

pub(crate) fn bad_request(message: impl Into<String>) -> Reply {
    Reply::error(StatusCode::BAD_REQUEST, message)
}

/// Reads a body with the spec's generated type: bad JSON, a wrong type, a missing field,
/// a blank id or a `null` the spec does not allow is a 400 naming the problem and where
/// it is.
pub(crate) fn parse<T: DeserializeOwned>(
    operation: &OperationSpec,
    body: &[u8],
) -> Result<T, Reply> {
    if body.trim_ascii().is_empty() {
        return Err(bad_request(
            "the request body is empty; a JSON object is expected",
        ));
    }
    if let Some(shape) = operation.request_body {
        refuse_declared_nulls(body, shape).map_err(bad_request)?;
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| bad_request(describe(&error, body)))?;
    deserializer
        .end()
        .map_err(|error| bad_request(error.to_string()))?;
    Ok(value)
}

/// serde's message, prefixed by the field's path (`schedule.in_local_time: invalid type:
/// ...`) unless the message names it already; a `schedule.time` that does not fit the
/// spec's pattern (or is empty) gets the same message as one that fits it but is no date;
/// a value that fits none of the shapes of a choice (`messages.whats_app`) gets the error
/// of the shape it meant ([`explain_choice`]).
fn describe(error: &serde_path_to_error::Error<serde_json::Error>, body: &[u8]) -> String {
    let path = error.path().to_string();
    let message = error.inner().to_string();
    if path.ends_with("schedule.time")
        && (message.contains("doesn't match pattern") || message.contains("shorter than"))
    {
        return not_a_schedule_time();
    }
    if message.contains("did not match any variant of untagged enum")
        && let Some(better) = explain_choice(body, &path)
    {
        return better;
    }
    if path == "." || path == "?" || message.contains(&path) {
        message
    } else {
        format!("{path}: {message}")
    }
}

/// The message for a `schedule.time` that does not have the spec's shape (or is empty):
/// serde does not give the text back.
fn not_a_schedule_time() -> String {
    "schedule.time must be an ISO 8601 date-time such as 2017-05-24T21:30:00Z (or \
     2017-05-24T21:30:00 for local-time sends)"
        .to_owned()
}

/// Refuses `null` for a property the spec declares ([`choices::REFUSE_NULL_FOR_DECLARED_FIELDS`]),
/// naming its path (`schedule.at_optimal_time`, `recipients[1].email`): the body is walked
/// along the spec's declared fields (`shape`, generated from the spec), into objects and
/// lists of objects that declare fields of their own, and into the object a choice of
/// shapes holds where the fake can tell which shape it is ([`chosen_shape`]: an
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
                if let Some(chosen) = chosen_shape(shape, name, inner)
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

/// One of the seven WhatsApp envelopes: its `message_type`, its declared fields, and a
/// parse that reports the first error of a value read as it.
struct Envelope {
    message_type: String,
    shape: &'static Shape,
    first_error: fn(&Value) -> Option<String>,
}

fn envelopes() -> [Envelope; 7] {
    [
        Envelope {
            message_type: WhatsAppTemplateMessageType::TemplateMessage.to_string(),
            shape: &shapes::WHATS_APP_TEMPLATE,
            first_error: first_error::<WhatsAppTemplate>,
        },
        Envelope {
            message_type: WhatsAppTextMessageType::TextResponseMessage.to_string(),
            shape: &shapes::WHATS_APP_TEXT,
            first_error: first_error::<WhatsAppText>,
        },
        Envelope {
            message_type: WhatsAppTextImageMessageType::TextImageResponseMessage.to_string(),
            shape: &shapes::WHATS_APP_TEXT_IMAGE,
            first_error: first_error::<WhatsAppTextImage>,
        },
        Envelope {
            message_type: WhatsAppQuickReplyMessageType::QuickReplyResponseMessage.to_string(),
            shape: &shapes::WHATS_APP_QUICK_REPLY,
            first_error: first_error::<WhatsAppQuickReply>,
        },
        Envelope {
            message_type: WhatsAppListMessageType::ListResponseMessage.to_string(),
            shape: &shapes::WHATS_APP_LIST,
            first_error: first_error::<WhatsAppList>,
        },
        Envelope {
            message_type: WhatsAppFlowMessageType::FlowResponseMessage.to_string(),
            shape: &shapes::WHATS_APP_FLOW,
            first_error: first_error::<WhatsAppFlow>,
        },
        Envelope {
            message_type: WhatsAppCarouselMessageType::CarouselResponseMessage.to_string(),
            shape: &shapes::WHATS_APP_CAROUSEL,
            first_error: first_error::<WhatsAppCarousel>,
        },
    ]
}

/// The first error of reading `value` as `T`, with its path inside `value`
/// (`message.flow_button.caption: longer than 20 characters`); `None` if it reads.
fn first_error<T: DeserializeOwned>(value: &Value) -> Option<String> {
    let error = serde_path_to_error::deserialize::<_, T>(value).err()?;
    let path = error.path().to_string();
    let inner = error.inner().to_string();
    Some(if path == "." || path == "?" {
        inner
    } else {
        format!("{path}: {inner}")
    })
}

/// `prefix: error`, or `prefix.path: error` when the error names a path.
fn under(prefix: &str, error: &str) -> String {
    let starts_with_path = error
        .split_once(": ")
        .is_some_and(|(path, _)| !path.contains(' '));
    if starts_with_path {
        format!("{prefix}.{error}")
    } else {
        format!("{prefix}: {error}")
    }
}

/// Which shape the `null` check walks into for a property of `parent` that the spec
/// declares as a choice of shapes, when its value is an object: the alert object of an
/// Apple push; the WhatsApp envelope its `message_type` names. `None` elsewhere (and for a
/// `message_type` the fake does not know: the typed parse reports it).
pub(crate) fn chosen_shape(
    parent: &Shape,
    field: &str,
    value: &Map<String, Value>,
) -> Option<&'static Shape> {
    if parent.schema == shapes::APPLE_PUSH.schema && field == "alert" {
        return Some(&shapes::APPLE_PUSH_ALERT_OBJECT);
    }
    if parent.schema == shapes::MESSAGES.schema && field == "whats_app" {
        let message_type = value.get("message_type")?.as_str()?;
        return envelopes()
            .into_iter()
            .find(|envelope| envelope.message_type == message_type)
            .map(|envelope| envelope.shape);
    }
    None
}

/// A better message than serde's "data did not match any variant of untagged enum" for
/// the value at `path` (serde's path of the error) of `body`, where the spec offers a
/// choice of shapes: a `whats_app` is read again as the envelope its `message_type` names,
/// so the error names the real field; an Apple `alert` object is read again as an alert
/// object; a webhook `body` is said to be a string or an object. `None` for other paths.
pub(crate) fn explain_choice(body: &[u8], path: &str) -> Option<String> {
    let root: Value = serde_json::from_slice(body).ok()?;
    match path {
        "messages.whats_app" => Some(explain_whats_app(root.pointer("/messages/whats_app")?)),
        "messages.apple_push.alert" => {
            const PATH: &str = "messages.apple_push.alert";
            let alert = root.pointer("/messages/apple_push/alert")?;
            Some(match alert {
                Value::Object(_) => match first_error::<ApplePushAlertObject>(alert) {
                    Some(error) => under(PATH, &error),
                    None => format!("{PATH} must be a string or an alert object"),
                },
                other => format!(
                    "{PATH} must be a string or an alert object, not {}",
                    json_kind(other)
                ),
            })
        }
        "messages.webhook.body" => {
            let value = root.pointer("/messages/webhook/body")?;
            Some(format!(
                "messages.webhook.body must be a string or a JSON object, not {}",
                json_kind(value)
            ))
        }
        _ => None,
    }
}

fn explain_whats_app(value: &Value) -> String {
    const PATH: &str = "messages.whats_app";
    let Value::Object(object) = value else {
        return format!("{PATH} must be an object, not {}", json_kind(value));
    };
    let known = envelopes();
    let names: Vec<&str> = known.iter().map(|e| e.message_type.as_str()).collect();
    let names = names.join(", ");
    match object.get("message_type") {
        None => format!("{PATH}: missing field `message_type` (one of {names})"),
        Some(Value::String(message_type)) => {
            match known.iter().find(|e| &e.message_type == message_type) {
                Some(envelope) => match (envelope.first_error)(value) {
                    Some(error) => under(PATH, &error),
                    None => format!("{PATH} does not fit the {message_type} shape"),
                },
                None => format!("{PATH}.message_type must be one of {names}, not {message_type:?}"),
            }
        }
        Some(other) => format!(
            "{PATH}.message_type must be one of {names}, not {}",
            json_kind(other)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn whats_app(message_type: &str, message: Value) -> Value {
        json!({"whats_app": {"app_id": "a", "subscription_group_id": "g", "message_type": message_type, "message": message}})
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
    fn choices_of_shapes_get_a_real_message() {
        let explain = |body: Value, path: &str| explain_choice(body.to_string().as_bytes(), path);
        let flow = json!({"messages": whats_app("flow_response_message", json!({"body": "b", "flow_button": {"caption": "x".repeat(21), "flow_id": "f"}}))});
        assert_eq!(
            explain(flow, "messages.whats_app").as_deref(),
            Some("messages.whats_app.message.flow_button.caption: longer than 20 characters")
        );
        let missing = json!({"messages": {"whats_app": {"message_type": "text_response_message", "message": {"body": "b"}}}});
        let text = explain(missing, "messages.whats_app").unwrap();
        assert!(
            text.starts_with("messages.whats_app: missing field `app_id`"),
            "{text}"
        );
        let unknown = json!({"messages": whats_app("voice_message", json!({}))});
        let text = explain(unknown, "messages.whats_app").unwrap();
        assert!(text.starts_with("messages.whats_app.message_type must be one of template_message, text_response_message"), "{text}");
        assert!(text.ends_with("not \"voice_message\""), "{text}");
        let untyped = json!({"messages": {"whats_app": {"app_id": "a"}}});
        assert!(
            explain(untyped, "messages.whats_app")
                .unwrap()
                .starts_with("messages.whats_app: missing field `message_type` (one of ")
        );
        assert_eq!(
            explain(json!({"messages": {"whats_app": []}}), "messages.whats_app").as_deref(),
            Some("messages.whats_app must be an object, not an array")
        );
        assert_eq!(
            explain(
                json!({"messages": {"apple_push": {"alert": 7}}}),
                "messages.apple_push.alert"
            )
            .as_deref(),
            Some("messages.apple_push.alert must be a string or an alert object, not a number")
        );
        let text = explain(
            json!({"messages": {"apple_push": {"alert": {"title": 7}}}}),
            "messages.apple_push.alert",
        )
        .unwrap();
        assert!(
            text.starts_with("messages.apple_push.alert.title: invalid type: integer `7`"),
            "{text}"
        );
        assert_eq!(
            explain(
                json!({"messages": {"webhook": {"body": [1]}}}),
                "messages.webhook.body"
            )
            .as_deref(),
            Some("messages.webhook.body must be a string or a JSON object, not an array")
        );
        assert_eq!(explain(json!({}), "schedule"), None);
        assert_eq!(explain_choice(b"not json", "messages.whats_app"), None);
    }

    #[test]
    fn chosen_shapes_follow_the_value() {
        let object = |value: Value| value.as_object().unwrap().clone();
        assert_eq!(
            chosen_shape(&shapes::APPLE_PUSH, "alert", &object(json!({}))),
            Some(&shapes::APPLE_PUSH_ALERT_OBJECT)
        );
        assert_eq!(
            chosen_shape(
                &shapes::MESSAGES,
                "whats_app",
                &object(json!({"message_type": "list_response_message"}))
            ),
            Some(&shapes::WHATS_APP_LIST)
        );
        assert_eq!(
            chosen_shape(
                &shapes::MESSAGES,
                "whats_app",
                &object(json!({"message_type": 1}))
            ),
            None
        );
        assert_eq!(
            chosen_shape(&shapes::MESSAGES, "whats_app", &object(json!({}))),
            None
        );
        assert_eq!(
            chosen_shape(&shapes::WEBHOOK, "body", &object(json!({}))),
            None
        );
        // Every envelope is a shape of its own, and its message_type is the spec's.
        for envelope in envelopes() {
            assert!(
                envelope.shape.declares("message_type"),
                "{}",
                envelope.shape.schema
            );
            assert!(
                envelope.message_type.ends_with("_message"),
                "{}",
                envelope.message_type
            );
        }
    }
}
