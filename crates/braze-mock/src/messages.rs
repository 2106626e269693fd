//! Braze's rules for the messaging object (the `messages` of `/messages/schedule/create`
//! and `/update`) that the spec's types cannot express: which channel objects a request
//! must carry, and each channel's own rules (messaging objects §1 "Rules that cut across
//! channels", §2). Every refusal names the field by its JSON path from the top of the body
//! (`messages.apple_push.asset_file_type ...`), and starts with Braze's documented words
//! where its errors page names the case (§14).
//!
//! Also here: the better message for a channel value that fits none of the shapes of a
//! choice (the generated untagged enums only say "did not match any variant"), and which
//! shape of a choice the `null` check walks into.

use std::ops::RangeInclusive;

use braze_api::operations::{Shape, shapes};
use braze_api::types::{
    AndroidPush, ApplePush, ApplePushAlert, ApplePushAlertObject, ContentCard, ContentCardType,
    Email, Messages, Sms, WhatsApp, WhatsAppCarousel, WhatsAppCarouselMessage,
    WhatsAppCarouselMessageCarouselButtonType, WhatsAppCarouselMessageType, WhatsAppFlow,
    WhatsAppFlowMessageType, WhatsAppList, WhatsAppListMessageType, WhatsAppQuickReply,
    WhatsAppQuickReplyMessageType, WhatsAppTemplate, WhatsAppTemplateCard,
    WhatsAppTemplateMessageType, WhatsAppText, WhatsAppTextImage, WhatsAppTextImageMessageType,
    WhatsAppTextMessageType,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::choices;
use crate::time::parse_send_time;

/// Braze's limit on an Apple push payload (messaging objects §1: "≤ 1,912 bytes"; what is
/// counted: [`choices::apple_push_payload_bytes`]).
pub(crate) const APPLE_PUSH_MAX_BYTES: usize = 1912;

/// Braze's limit on an Android push payload (messaging objects §1: "≤ 4,000 bytes"; what
/// is counted: [`choices::android_push_payload_bytes`]).
pub(crate) const ANDROID_PUSH_MAX_BYTES: usize = 4000;

/// Braze's bounds on `android_push.time_to_live`, in seconds (messaging objects §2.2: "max
/// 2,419,200"; the spec's `minimum: 0`).
pub(crate) const ANDROID_TIME_TO_LIVE: RangeInclusive<i64> = 0..=2_419_200;

/// Braze's bounds on `apple_push.apns_priority` (messaging objects §2.1: "1–10").
pub(crate) const APNS_PRIORITY: RangeInclusive<u64> = 1..=10;

/// Braze's bounds on `apple_push.relevance_score` (messaging objects §2.1: "0.0–1.0").
pub(crate) const RELEVANCE_SCORE: RangeInclusive<f64> = 0.0..=1.0;

/// The spec's bounds on `android_push.priority` and `kindle_push.priority` (messaging
/// objects §2.2, §2.3: "−2 … 2"; see [`choices::REFUSE_PUSH_PRIORITY_OUTSIDE_THE_SPEC`]).
pub(crate) const PUSH_PRIORITY: RangeInclusive<i64> = -2..=2;

/// Keys an Apple push `extra` may not use (messaging objects §2.1: "Keys `ab` or `aps` are
/// rejected").
pub(crate) const RESERVED_APPLE_EXTRA_KEYS: [&str; 2] = ["ab", "aps"];

/// Braze's limit on the rows of a WhatsApp list, across its sections (messaging objects
/// §2.9: "≤ 10 rows across all sections").
pub(crate) const WHATS_APP_MAX_LIST_ROWS: usize = 10;

/// How many cards a WhatsApp carousel has (messaging objects §2.9: "2–10").
pub(crate) const WHATS_APP_CAROUSEL_CARDS: RangeInclusive<usize> = 2..=10;

/// Braze's limit on the buttons of a WhatsApp carousel card (messaging objects §2.9:
/// "≤ 2").
pub(crate) const WHATS_APP_MAX_CARD_BUTTONS: usize = 2;

/// Braze's documented first words (§14).
const NO_MESSAGE: &str = "No message to send";
const VARIANT_UNSPECIFIED: &str = "Message Variant Unspecified";
const INVALID_EXTRA: &str = "Invalid Extra Push Payload";
const APPLE_TOO_LONG: &str = "Apple Push Length Exceeded";
const ANDROID_TOO_LONG: &str = "Android Push Length Exceeded";

/// The channel objects of a `messages` object, in the spec's order, with their
/// `message_variation_id`.
fn channels(messages: &Messages) -> Vec<(&'static str, Option<&str>)> {
    fn entry<'a>(
        name: &'static str,
        variation: &'a Option<String>,
    ) -> (&'static str, Option<&'a str>) {
        (name, variation.as_deref())
    }
    let mut found = Vec::new();
    if let Some(push) = &messages.apple_push {
        found.push(entry("apple_push", &push.message_variation_id));
    }
    if let Some(push) = &messages.android_push {
        found.push(entry("android_push", &push.message_variation_id));
    }
    if let Some(push) = &messages.kindle_push {
        found.push(entry("kindle_push", &push.message_variation_id));
    }
    if let Some(push) = &messages.web_push {
        found.push(entry("web_push", &push.message_variation_id));
    }
    if let Some(email) = &messages.email {
        found.push(entry("email", &email.message_variation_id));
    }
    if let Some(webhook) = &messages.webhook {
        found.push(entry("webhook", &webhook.message_variation_id));
    }
    if let Some(card) = &messages.content_card {
        found.push(entry("content_card", &card.message_variation_id));
    }
    if let Some(sms) = &messages.sms {
        found.push(entry("sms", &sms.message_variation_id));
    }
    if let Some(whats_app) = &messages.whats_app {
        found.push(entry("whats_app", whats_app_variation(whats_app)));
    }
    found
}

fn whats_app_variation(whats_app: &WhatsApp) -> &Option<String> {
    match whats_app {
        WhatsApp::Template(envelope) => &envelope.message_variation_id,
        WhatsApp::Text(envelope) => &envelope.message_variation_id,
        WhatsApp::TextImage(envelope) => &envelope.message_variation_id,
        WhatsApp::QuickReply(envelope) => &envelope.message_variation_id,
        WhatsApp::List(envelope) => &envelope.message_variation_id,
        WhatsApp::Flow(envelope) => &envelope.message_variation_id,
        WhatsApp::Carousel(envelope) => &envelope.message_variation_id,
    }
}

/// The channels the spec declares, for messages: `apple_push, android_push, ... or
/// whats_app`.
fn declared_channels() -> String {
    let names: Vec<&str> = shapes::MESSAGES.fields.iter().map(|f| f.name).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Braze's "No message to send" (§14), for a create without `messages` (`None`) or a
/// `messages` object without a channel.
pub(crate) fn no_message(messages: Option<&Messages>) -> String {
    let declared = declared_channels();
    match messages {
        None => format!("{NO_MESSAGE}: messages is required, with at least one of {declared}"),
        Some(messages) if !messages.extra.is_empty() => {
            let keys: Vec<&str> = messages.extra.keys().map(String::as_str).collect();
            format!(
                "{NO_MESSAGE}: messages must have at least one of {declared}; it has only keys \
                 the spec does not declare ({})",
                keys.join(", ")
            )
        }
        Some(_) => format!("{NO_MESSAGE}: messages must have at least one of {declared}"),
    }
}

/// Checks a `messages` object: at least one channel (Braze's "No message to send"), then
/// each channel's rules, in the spec's order of channels.
pub(crate) fn check_messages(messages: &Messages, now: DateTime<Utc>) -> Result<(), String> {
    let undeclared_count =
        choices::UNDECLARED_CHANNELS_COUNT_AS_A_MESSAGE && !messages.extra.is_empty();
    if channels(messages).is_empty() && !undeclared_count {
        return Err(no_message(Some(messages)));
    }
    if let Some(push) = &messages.apple_push {
        check_apple_push(push)?;
    }
    if let Some(push) = &messages.android_push {
        check_android_push(push)?;
    }
    if let Some(push) = &messages.kindle_push {
        check_priority("messages.kindle_push", push.priority)?;
        check_other_extra("messages.kindle_push", &push.extra, true)?;
    }
    if let Some(push) = &messages.web_push {
        check_other_extra("messages.web_push", &push.extra, true)?;
    }
    if let Some(email) = &messages.email {
        check_email(email)?;
    }
    if let Some(card) = &messages.content_card {
        check_content_card(card, now)?;
    }
    if let Some(sms) = &messages.sms {
        check_sms(sms)?;
    }
    if let Some(whats_app) = &messages.whats_app {
        check_whats_app(whats_app)?;
    }
    Ok(())
}

/// With a `campaign_id`, every message object carries its `message_variation_id`
/// (messaging objects §1; Braze's "Message Variant Unspecified", §14). `because` says why
/// it is needed: `campaign_id is given`, or the create's campaign for an update.
pub(crate) fn check_variations(messages: &Messages, because: &str) -> Result<(), String> {
    match channels(messages)
        .into_iter()
        .find(|(_, variation)| variation.is_none())
    {
        Some((name, _)) => Err(format!(
            "{VARIANT_UNSPECIFIED}: messages.{name}.message_variation_id is required when \
             {because}"
        )),
        None => Ok(()),
    }
}

/// The messages an update leaves stored: its own, or merged into the stored ones channel
/// by channel ([`choices::UPDATED_MESSAGES_REPLACE_THE_STORED_ONES`]).
pub(crate) fn updated(stored: Option<&Messages>, update: Messages) -> Messages {
    let stored = match stored {
        Some(stored) if !choices::UPDATED_MESSAGES_REPLACE_THE_STORED_ONES => stored.clone(),
        _ => return update,
    };
    let mut extra = stored.extra;
    extra.extend(update.extra);
    Messages {
        apple_push: update.apple_push.or(stored.apple_push),
        android_push: update.android_push.or(stored.android_push),
        kindle_push: update.kindle_push.or(stored.kindle_push),
        web_push: update.web_push.or(stored.web_push),
        email: update.email.or(stored.email),
        webhook: update.webhook.or(stored.webhook),
        content_card: update.content_card.or(stored.content_card),
        sms: update.sms.or(stored.sms),
        whats_app: update.whats_app.or(stored.whats_app),
        extra,
    }
}

/// `null`, `a boolean`, `a number`, `a string`, `an array`, `an object`.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Braze's `extra` of a channel arrives among the fields the spec does not declare (the
/// generated types keep those in a map of that name): it must be a JSON object. `push`
/// puts Braze's "Invalid Extra Push Payload" first.
fn check_extra(path: &str, fields: &Map<String, Value>, push: bool) -> Result<(), String> {
    match fields.get("extra") {
        None | Some(Value::Object(_)) => Ok(()),
        Some(other) => {
            let prefix = if push {
                format!("{INVALID_EXTRA}: ")
            } else {
                String::new()
            };
            Err(format!(
                "{prefix}{path}.extra must be an object, not {}",
                json_kind(other)
            ))
        }
    }
}

/// The `extra` of the channels whose error Braze does not document
/// ([`choices::OTHER_EXTRAS_MUST_BE_OBJECTS`]).
fn check_other_extra(path: &str, fields: &Map<String, Value>, push: bool) -> Result<(), String> {
    if choices::OTHER_EXTRAS_MUST_BE_OBJECTS {
        check_extra(path, fields, push)
    } else {
        Ok(())
    }
}

/// The `priority` of an Android or Kindle push, within the spec's bounds.
fn check_priority(path: &str, priority: Option<i64>) -> Result<(), String> {
    match priority {
        Some(priority)
            if choices::REFUSE_PUSH_PRIORITY_OUTSIDE_THE_SPEC
                && !PUSH_PRIORITY.contains(&priority) =>
        {
            Err(format!(
                "{path}.priority must be from -2 to 2, not {priority}"
            ))
        }
        _ => Ok(()),
    }
}

/// `apple_push` (messaging objects §2.1).
fn check_apple_push(push: &ApplePush) -> Result<(), String> {
    const PATH: &str = "messages.apple_push";
    if push.content_available != Some(true) {
        match &push.alert {
            None => {
                return Err(format!(
                    "{PATH}.alert is required unless content-available is true"
                ));
            }
            Some(ApplePushAlert::Object(alert)) if alert.body.is_none() => {
                return Err(format!(
                    "{PATH}.alert.body is required unless content-available is true"
                ));
            }
            Some(_) => {}
        }
    }
    match (&push.asset_url, &push.asset_file_type) {
        (Some(_), None) => {
            return Err(format!("{PATH}.asset_file_type is required with asset_url"));
        }
        (None, Some(_)) if choices::ASSET_FILE_TYPE_ONLY_WITH_ASSET_URL => {
            return Err(format!(
                "{PATH}.asset_file_type is only allowed with asset_url"
            ));
        }
        _ => {}
    }
    if let Some(priority) = push.apns_priority
        && !APNS_PRIORITY.contains(&priority.get())
    {
        return Err(format!(
            "{PATH}.apns_priority must be from 1 to 10, not {priority}"
        ));
    }
    if let Some(score) = push.relevance_score
        && !RELEVANCE_SCORE.contains(&score)
    {
        return Err(format!(
            "{PATH}.relevance_score must be from 0 to 1, not {score}"
        ));
    }
    check_extra(PATH, &push.extra, true)?;
    if let Some(Value::Object(extra)) = push.extra.get("extra") {
        let found: Vec<&str> = RESERVED_APPLE_EXTRA_KEYS
            .into_iter()
            .filter(|key| extra.contains_key(*key))
            .collect();
        if !found.is_empty() {
            return Err(choices::reserved_extra_keys_message(PATH, &found));
        }
    }
    let bytes = choices::apple_push_payload_bytes(push);
    if bytes > APPLE_PUSH_MAX_BYTES {
        return Err(format!(
            "{APPLE_TOO_LONG}: {PATH} is {bytes} bytes as compact JSON, at most \
             {APPLE_PUSH_MAX_BYTES} are allowed"
        ));
    }
    Ok(())
}

/// `android_push` (messaging objects §2.2).
fn check_android_push(push: &AndroidPush) -> Result<(), String> {
    const PATH: &str = "messages.android_push";
    let silent = push.send_to_sync == Some(true);
    for (field, value) in [("alert", &push.alert), ("title", &push.title)] {
        match (silent, value) {
            (true, Some(_)) => {
                return Err(format!(
                    "{PATH}.{field} must be left out when send_to_sync is true (a silent push \
                     has no alert or title)"
                ));
            }
            (false, None) => {
                return Err(format!(
                    "{PATH}.{field} is required unless send_to_sync is true"
                ));
            }
            _ => {}
        }
    }
    check_priority(PATH, push.priority)?;
    if let Some(seconds) = push.time_to_live
        && !ANDROID_TIME_TO_LIVE.contains(&seconds)
    {
        return Err(format!(
            "{PATH}.time_to_live must be from 0 to {} seconds (28 days), not {seconds}",
            ANDROID_TIME_TO_LIVE.end()
        ));
    }
    check_extra(PATH, &push.extra, true)?;
    let bytes = choices::android_push_payload_bytes(push);
    if bytes > ANDROID_PUSH_MAX_BYTES {
        return Err(format!(
            "{ANDROID_TOO_LONG}: {PATH}.alert and {PATH}.extra are {bytes} bytes, at most \
             {ANDROID_PUSH_MAX_BYTES} are allowed"
        ));
    }
    Ok(())
}

/// `email` (messaging objects §2.5): a body, or a template that supplies it.
fn check_email(email: &Email) -> Result<(), String> {
    if email.body.is_none() && email.email_template_id.is_none() {
        return Err("messages.email.body is required unless email_template_id is given".to_owned());
    }
    Ok(())
}

/// `content_card` (messaging objects §2.7).
fn check_content_card(card: &ContentCard, now: DateTime<Utc>) -> Result<(), String> {
    const PATH: &str = "messages.content_card";
    let kind = card.type_;
    if matches!(
        kind,
        ContentCardType::CaptionedImage | ContentCardType::Banner
    ) && card.image_url.is_none()
    {
        return Err(format!("{PATH}.image_url is required for type {kind}"));
    }
    if matches!(
        kind,
        ContentCardType::Classic | ContentCardType::CaptionedImage
    ) {
        for (field, value) in [("title", &card.title), ("description", &card.description)] {
            if value.is_none() {
                return Err(format!("{PATH}.{field} is required for type {kind}"));
            }
        }
    }
    match (card.time_to_live, &card.expire_at) {
        (None, None) => {
            return Err(format!(
                "{PATH}.time_to_live or {PATH}.expire_at is required (one of them)"
            ));
        }
        (Some(_), Some(_)) => {
            return Err(format!(
                "{PATH}.time_to_live and {PATH}.expire_at exclude each other: give one"
            ));
        }
        _ => {}
    }
    let local_without_date = match card.expire_in_local_time {
        Some(true) => true,
        Some(false) => !choices::ACCEPT_EXPIRE_IN_LOCAL_TIME_FALSE_WITHOUT_EXPIRE_AT,
        None => false,
    };
    if local_without_date && card.expire_at.is_none() {
        return Err(format!(
            "{PATH}.expire_in_local_time is only allowed with expire_at"
        ));
    }
    if let Some(text) = &card.expire_at {
        let Some(time) = parse_send_time(text) else {
            return Err(format!(
                "{PATH}.expire_at must be an ISO 8601 date-time such as 2017-05-24T21:30:00Z, \
                 not {text:?}"
            ));
        };
        let latest = choices::content_card_latest_expiry(now);
        if time.instant > latest {
            return Err(format!(
                "{PATH}.expire_at {text:?} is more than 30 days away (at most {})",
                latest.to_rfc3339_opts(SecondsFormat::Secs, true)
            ));
        }
    }
    check_other_extra(PATH, &card.extra, false)
}

/// `sms` (messaging objects §2.8): user-level click tracking needs link shortening.
fn check_sms(sms: &Sms) -> Result<(), String> {
    if sms.user_click_tracking_enabled == Some(true) && sms.link_shortening_enabled != Some(true) {
        return Err(
            "messages.sms.user_click_tracking_enabled needs link_shortening_enabled: true"
                .to_owned(),
        );
    }
    Ok(())
}

/// `whats_app` (messaging objects §2.9): what the types leave to a check.
fn check_whats_app(whats_app: &WhatsApp) -> Result<(), String> {
    const PATH: &str = "messages.whats_app.message";
    match whats_app {
        WhatsApp::QuickReply(envelope) => {
            let message = &envelope.message;
            if message.header_image_uri.is_some() && message.header_text.is_some() {
                return Err(format!(
                    "{PATH}.header_image_uri and {PATH}.header_text exclude each other: give one"
                ));
            }
            Ok(())
        }
        WhatsApp::List(envelope) => {
            let list = &envelope.message.list;
            if list.list_sections.is_empty() {
                return Err(format!(
                    "{PATH}.list.list_sections must have at least one section"
                ));
            }
            let rows: usize = list.list_sections.iter().map(|s| s.list_rows.len()).sum();
            if rows > WHATS_APP_MAX_LIST_ROWS {
                return Err(format!(
                    "{PATH}.list has {rows} rows across its sections, at most \
                     {WHATS_APP_MAX_LIST_ROWS} are allowed"
                ));
            }
            Ok(())
        }
        WhatsApp::Carousel(envelope) => check_carousel(PATH, &envelope.message),
        WhatsApp::Template(envelope) => check_template_cards(
            &format!("{PATH}.carousel_cards"),
            &envelope.message.carousel_cards,
        ),
        WhatsApp::Text(_) | WhatsApp::TextImage(_) | WhatsApp::Flow(_) => Ok(()),
    }
}

fn card_count(path: &str, count: usize) -> Result<(), String> {
    if WHATS_APP_CAROUSEL_CARDS.contains(&count) {
        return Ok(());
    }
    Err(format!(
        "{path} has {count} cards, {} to {} are required",
        WHATS_APP_CAROUSEL_CARDS.start(),
        WHATS_APP_CAROUSEL_CARDS.end()
    ))
}

/// A carousel response: 2 to 10 cards of one media type, the buttons its button type
/// needs, at most 2 and as many on every card.
fn check_carousel(path: &str, message: &WhatsAppCarouselMessage) -> Result<(), String> {
    let cards = &message.cards;
    card_count(&format!("{path}.cards"), cards.len())?;
    let Some(first) = cards.first() else {
        return Ok(());
    };
    for (index, card) in cards.iter().enumerate() {
        let at = format!("{path}.cards[{index}]");
        if card.media_type != first.media_type {
            return Err(format!(
                "{at}.media_type must be {}, like the first card's (every card has the same \
                 media type)",
                first.media_type
            ));
        }
        let buttons = card.buttons.len();
        if buttons > WHATS_APP_MAX_CARD_BUTTONS {
            return Err(format!(
                "{at}.buttons has {buttons} buttons, at most {WHATS_APP_MAX_CARD_BUTTONS} are \
                 allowed"
            ));
        }
        match message.carousel_button_type {
            WhatsAppCarouselMessageCarouselButtonType::QuickReply if buttons == 0 => {
                return Err(format!(
                    "{at}.buttons is required when carousel_button_type is quick_reply"
                ));
            }
            WhatsAppCarouselMessageCarouselButtonType::Url if card.cta_url_button.is_none() => {
                return Err(format!(
                    "{at}.cta_url_button is required when carousel_button_type is url"
                ));
            }
            _ => {}
        }
        if buttons != first.buttons.len() {
            return Err(format!(
                "{at}.buttons has {buttons} buttons and the first card {} (every card has the \
                 same number)",
                first.buttons.len()
            ));
        }
    }
    Ok(())
}

/// The cards of a carousel template, if it has any: 2 to 10, of one media type.
fn check_template_cards(path: &str, cards: &[WhatsAppTemplateCard]) -> Result<(), String> {
    let Some(first) = cards.first() else {
        return Ok(());
    };
    card_count(path, cards.len())?;
    for (index, card) in cards.iter().enumerate() {
        if card.header_media_type != first.header_media_type {
            return Err(format!(
                "{path}[{index}].header_media_type must be {}, like the first card's (every \
                 card has the same media type)",
                first.header_media_type
            ));
        }
    }
    Ok(())
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

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2030-06-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn messages(value: Value) -> Messages {
        serde_json::from_value(value).unwrap()
    }

    /// The error of `check_messages`, which must start with `expected`.
    #[track_caller]
    fn refused(value: Value, expected: &str) {
        let error = check_messages(&messages(value.clone()), now())
            .expect_err(&format!("{value} was accepted"));
        assert!(
            error.starts_with(expected),
            "{value}\n  got: {error}\n  expected: {expected}"
        );
    }

    #[track_caller]
    fn accepted(value: Value) {
        if let Err(error) = check_messages(&messages(value.clone()), now()) {
            panic!("{value} was refused: {error}");
        }
    }

    #[test]
    fn every_declared_channel_is_seen() {
        let sms = json!({"subscription_group_id": "g", "body": "b", "app_id": "a"});
        let all = messages(json!({
            "apple_push": {"alert": "a"},
            "android_push": {"alert": "a", "title": "t"},
            "kindle_push": {"alert": "a", "title": "t"},
            "web_push": {"alert": "a", "title": "t"},
            "email": {"app_id": "a", "from": "f", "body": "b"},
            "webhook": {"url": "https://example.com", "request_method": "POST"},
            "content_card": {"type": "CLASSIC", "title": "t", "description": "d", "time_to_live": 60},
            "sms": sms,
            "whats_app": {"app_id": "a", "subscription_group_id": "g", "message_type": "text_response_message", "message": {"body": "b"}},
        }));
        let seen: Vec<&str> = channels(&all).into_iter().map(|(name, _)| name).collect();
        let declared: Vec<&str> = shapes::MESSAGES.fields.iter().map(|f| f.name).collect();
        assert_eq!(seen, declared);
        assert!(check_messages(&all, now()).is_ok());
        let err = check_variations(&all, "campaign_id is given").unwrap_err();
        assert_eq!(
            err,
            "Message Variant Unspecified: messages.apple_push.message_variation_id is required \
             when campaign_id is given"
        );
    }

    #[test]
    fn a_message_needs_a_declared_channel() {
        refused(
            json!({}),
            "No message to send: messages must have at least one of apple_push, android_push, \
             kindle_push, web_push, email, webhook, content_card, sms or whats_app",
        );
        refused(json!({"apple_psh": {"alert": "a"}}), "No message to send");
        let err = check_messages(&messages(json!({"kakao": {}})), now()).unwrap_err();
        assert!(err.ends_with("(kakao)"), "{err}");
        assert!(no_message(None).starts_with("No message to send: messages is required"));
    }

    #[test]
    fn variations_are_checked_in_every_channel() {
        let with = messages(json!({
            "apple_push": {"alert": "a", "message_variation_id": "v1"},
            "whats_app": {"app_id": "a", "subscription_group_id": "g", "message_type": "text_response_message", "message": {"body": "b"}},
        }));
        let err = check_variations(&with, "x").unwrap_err();
        assert!(
            err.contains("messages.whats_app.message_variation_id"),
            "{err}"
        );
        let mut all = with.clone();
        if let Some(WhatsApp::Text(envelope)) = &mut all.whats_app {
            envelope.message_variation_id = Some("v2".to_owned());
        }
        assert!(check_variations(&all, "x").is_ok());
    }

    #[test]
    fn apple_push_rules() {
        accepted(json!({"apple_push": {"content-available": true}}));
        accepted(json!({"apple_push": {"alert": {"body": "b", "title": "t"}, "badge": 1}}));
        refused(
            json!({"apple_push": {"badge": 1}}),
            "messages.apple_push.alert is required unless content-available is true",
        );
        refused(
            json!({"apple_push": {"alert": {"title": "t"}}}),
            "messages.apple_push.alert.body is required",
        );
        refused(
            json!({"apple_push": {"alert": "a", "asset_url": "https://x/y.png"}}),
            "messages.apple_push.asset_file_type is required with asset_url",
        );
        accepted(
            json!({"apple_push": {"alert": "a", "asset_url": "https://x/y.png", "asset_file_type": "png"}}),
        );
        refused(
            json!({"apple_push": {"alert": "a", "asset_file_type": "png"}}),
            "messages.apple_push.asset_file_type is only allowed with asset_url",
        );
        refused(
            json!({"apple_push": {"alert": "a", "apns_priority": 11}}),
            "messages.apple_push.apns_priority must be from 1 to 10, not 11",
        );
        refused(
            json!({"apple_push": {"alert": "a", "relevance_score": 1.5}}),
            "messages.apple_push.relevance_score must be from 0 to 1",
        );
        refused(
            json!({"apple_push": {"alert": "a", "extra": "x"}}),
            "Invalid Extra Push Payload: messages.apple_push.extra must be an object, not a string",
        );
        refused(
            json!({"apple_push": {"alert": "a", "extra": null}}),
            "Invalid Extra Push Payload: messages.apple_push.extra must be an object, not null",
        );
        refused(
            json!({"apple_push": {"alert": "a", "extra": {"aps": {}, "ab": 1, "ok": 2}}}),
            "Invalid Extra Push Payload: messages.apple_push.extra must not use the keys ab or aps (found: ab, aps)",
        );
        accepted(json!({"apple_push": {"alert": "a", "extra": {"deep": {"ab": 1}}}}));
    }

    #[test]
    fn apple_push_length_counts_the_whole_object() {
        // `{"alert":"..."}` is 12 bytes around the text.
        accepted(json!({"apple_push": {"alert": "x".repeat(APPLE_PUSH_MAX_BYTES - 12)}}));
        refused(
            json!({"apple_push": {"alert": "x".repeat(APPLE_PUSH_MAX_BYTES - 11)}}),
            "Apple Push Length Exceeded: messages.apple_push is 1913 bytes as compact JSON, at most 1912",
        );
        // Multi-byte text counts by bytes; extra and other fields count too.
        refused(
            json!({"apple_push": {"alert": "é".repeat(1000)}}),
            "Apple Push Length Exceeded",
        );
        refused(
            json!({"apple_push": {"alert": "a", "extra": {"k": "x".repeat(1900)}}}),
            "Apple Push Length Exceeded",
        );
    }

    #[test]
    fn android_push_rules() {
        accepted(json!({"android_push": {"send_to_sync": true, "extra": {"k": 1}}}));
        refused(
            json!({"android_push": {"title": "t"}}),
            "messages.android_push.alert is required unless send_to_sync is true",
        );
        refused(
            json!({"android_push": {"alert": "a"}}),
            "messages.android_push.title is required unless send_to_sync is true",
        );
        refused(
            json!({"android_push": {"send_to_sync": true, "title": "t"}}),
            "messages.android_push.title must be left out when send_to_sync is true",
        );
        refused(
            json!({"android_push": {"alert": "a", "title": "t", "time_to_live": 2_419_201}}),
            "messages.android_push.time_to_live must be from 0 to 2419200 seconds (28 days), not 2419201",
        );
        accepted(json!({"android_push": {"alert": "a", "title": "t", "time_to_live": 2_419_200}}));
        refused(
            json!({"android_push": {"alert": "a", "title": "t", "priority": 3}}),
            "messages.android_push.priority must be from -2 to 2, not 3",
        );
        accepted(json!({"android_push": {"alert": "a", "title": "t", "priority": -2}}));
        refused(
            json!({"kindle_push": {"alert": "a", "title": "t", "priority": -3}}),
            "messages.kindle_push.priority must be from -2 to 2, not -3",
        );
        refused(
            json!({"android_push": {"alert": "a", "title": "t", "extra": [1]}}),
            "Invalid Extra Push Payload: messages.android_push.extra must be an object, not an array",
        );
        // alert + extra: 1,000 + `{"k":"..."}` (8 bytes around the text).
        accepted(
            json!({"android_push": {"alert": "a".repeat(1000), "title": "t", "extra": {"k": "x".repeat(2992)}}}),
        );
        refused(
            json!({"android_push": {"alert": "a".repeat(1000), "title": "t", "extra": {"k": "x".repeat(2993)}}}),
            "Android Push Length Exceeded: messages.android_push.alert and messages.android_push.extra are 4001 bytes, at most 4000",
        );
        // The title does not count.
        accepted(json!({"android_push": {"alert": "a", "title": "t".repeat(5000)}}));
    }

    #[test]
    fn other_channel_rules() {
        refused(
            json!({"kindle_push": {"alert": "a", "title": "t", "extra": 1}}),
            "Invalid Extra Push Payload: messages.kindle_push.extra must be an object",
        );
        refused(
            json!({"web_push": {"alert": "a", "title": "t", "extra": "x"}}),
            "Invalid Extra Push Payload: messages.web_push.extra must be an object",
        );
        refused(
            json!({"email": {"app_id": "a", "from": "f"}}),
            "messages.email.body is required unless email_template_id is given",
        );
        accepted(json!({"email": {"app_id": "a", "from": "f", "email_template_id": "t"}}));
        let sms = json!({"subscription_group_id": "g", "body": "b", "app_id": "a", "user_click_tracking_enabled": true});
        refused(
            json!({"sms": sms}),
            "messages.sms.user_click_tracking_enabled needs link_shortening_enabled: true",
        );
        let mut sms = sms;
        sms["link_shortening_enabled"] = json!(true);
        accepted(json!({"sms": sms}));
    }

    #[test]
    fn content_card_rules() {
        let card = |fields: Value| {
            let mut card = json!({"type": "CLASSIC", "title": "t", "description": "d"});
            for (key, value) in fields.as_object().unwrap() {
                card[key] = value.clone();
            }
            json!({"content_card": card})
        };
        accepted(card(json!({"time_to_live": 3600})));
        refused(
            card(json!({})),
            "messages.content_card.time_to_live or messages.content_card.expire_at is required",
        );
        refused(
            card(json!({"time_to_live": 1, "expire_at": "2030-06-02T00:00:00Z"})),
            "messages.content_card.time_to_live and messages.content_card.expire_at exclude each other",
        );
        refused(
            card(json!({"time_to_live": 1, "expire_in_local_time": true})),
            "messages.content_card.expire_in_local_time is only allowed with expire_at",
        );
        accepted(card(
            json!({"time_to_live": 1, "expire_in_local_time": false}),
        ));
        accepted(card(
            json!({"expire_at": "2030-06-20T00:00:00", "expire_in_local_time": true}),
        ));
        accepted(card(json!({"expire_at": "2030-07-01T12:00:00Z"})));
        refused(
            card(json!({"expire_at": "2030-07-01T12:00:01Z"})),
            "messages.content_card.expire_at \"2030-07-01T12:00:01Z\" is more than 30 days away (at most 2030-07-01T12:00:00Z)",
        );
        refused(
            card(json!({"expire_at": "in a week"})),
            "messages.content_card.expire_at must be an ISO 8601 date-time",
        );
        refused(
            card(json!({"type": "CAPTIONED_IMAGE", "time_to_live": 1})),
            "messages.content_card.image_url is required for type CAPTIONED_IMAGE",
        );
        refused(
            json!({"content_card": {"type": "BANNER", "time_to_live": 1}}),
            "messages.content_card.image_url is required for type BANNER",
        );
        accepted(
            json!({"content_card": {"type": "BANNER", "image_url": "https://x/y.png", "time_to_live": 1}}),
        );
        refused(
            json!({"content_card": {"type": "CLASSIC", "title": "", "time_to_live": 1}}),
            "messages.content_card.description is required for type CLASSIC",
        );
        refused(
            card(json!({"time_to_live": 1, "extra": 3})),
            "messages.content_card.extra must be an object, not a number",
        );
    }

    fn whats_app(message_type: &str, message: Value) -> Value {
        json!({"whats_app": {"app_id": "a", "subscription_group_id": "g", "message_type": message_type, "message": message}})
    }

    #[test]
    fn whats_app_rules() {
        let reply = json!({"body": "b", "buttons": [{"text": "Yes"}], "header_text": "h", "header_image_uri": "https://x/y.png"});
        refused(
            whats_app("quick_reply_response_message", reply),
            "messages.whats_app.message.header_image_uri and messages.whats_app.message.header_text exclude each other",
        );
        let rows = |n: usize| {
            (0..n)
                .map(|i| json!({"row_title": format!("r{i}")}))
                .collect::<Vec<_>>()
        };
        let list = |sections: Value| json!({"body": "b", "list": {"list_button_text": "Pick", "list_sections": sections}});
        accepted(whats_app(
            "list_response_message",
            list(
                json!([{"section_title": "a", "list_rows": rows(4)}, {"section_title": "b", "list_rows": rows(6)}]),
            ),
        ));
        refused(
            whats_app(
                "list_response_message",
                list(
                    json!([{"section_title": "a", "list_rows": rows(4)}, {"section_title": "b", "list_rows": rows(7)}]),
                ),
            ),
            "messages.whats_app.message.list has 11 rows across its sections, at most 10",
        );
        refused(
            whats_app("list_response_message", list(json!([]))),
            "messages.whats_app.message.list.list_sections must have at least one section",
        );

        let card = |media: &str, buttons: Value| json!({"media_uri": "https://x/m", "media_type": media, "buttons": buttons});
        let carousel = |cards: Vec<Value>| json!({"body": "b", "carousel_button_type": "quick_reply", "cards": cards});
        accepted(whats_app(
            "carousel_response_message",
            carousel(vec![
                card("image", json!(["a"])),
                card("image", json!(["b"])),
            ]),
        ));
        refused(
            whats_app(
                "carousel_response_message",
                carousel(vec![card("image", json!(["a"]))]),
            ),
            "messages.whats_app.message.cards has 1 cards, 2 to 10 are required",
        );
        refused(
            whats_app(
                "carousel_response_message",
                carousel(vec![card("image", json!(["a"])); 11]),
            ),
            "messages.whats_app.message.cards has 11 cards",
        );
        refused(
            whats_app(
                "carousel_response_message",
                carousel(vec![
                    card("image", json!(["a"])),
                    card("video", json!(["b"])),
                ]),
            ),
            "messages.whats_app.message.cards[1].media_type must be image, like the first card's",
        );
        refused(
            whats_app(
                "carousel_response_message",
                carousel(vec![
                    card("image", json!(["a"])),
                    card("image", json!(["b", "c"])),
                ]),
            ),
            "messages.whats_app.message.cards[1].buttons has 2 buttons and the first card 1",
        );
        refused(
            whats_app(
                "carousel_response_message",
                carousel(vec![
                    card("image", json!(["a", "b", "c"])),
                    card("image", json!(["b"])),
                ]),
            ),
            "messages.whats_app.message.cards[0].buttons has 3 buttons, at most 2",
        );
        refused(
            whats_app(
                "carousel_response_message",
                carousel(vec![card("image", json!([])), card("image", json!([]))]),
            ),
            "messages.whats_app.message.cards[0].buttons is required when carousel_button_type is quick_reply",
        );
        let url = json!({"body": "b", "carousel_button_type": "url", "cards": [card("image", json!([])), card("image", json!([]))]});
        refused(
            whats_app("carousel_response_message", url),
            "messages.whats_app.message.cards[0].cta_url_button is required when carousel_button_type is url",
        );

        let template_card =
            |media: &str| json!({"header_media_uri": "https://x/m", "header_media_type": media});
        let template = |cards: Vec<Value>| json!({"template_name": "t", "template_language_code": "en", "carousel_cards": cards});
        accepted(whats_app(
            "template_message",
            json!({"template_name": "t", "template_language_code": "en"}),
        ));
        accepted(whats_app(
            "template_message",
            template(vec![template_card("video"), template_card("video")]),
        ));
        refused(
            whats_app("template_message", template(vec![template_card("video")])),
            "messages.whats_app.message.carousel_cards has 1 cards",
        );
        refused(
            whats_app(
                "template_message",
                template(vec![template_card("video"), template_card("image")]),
            ),
            "messages.whats_app.message.carousel_cards[1].header_media_type must be video",
        );
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

    #[test]
    fn updates_replace_or_merge() {
        let stored = messages(
            json!({"apple_push": {"alert": "old"}, "sms": {"subscription_group_id": "g", "body": "b", "app_id": "a"}}),
        );
        let update = messages(json!({"apple_push": {"alert": "new"}}));
        assert_eq!(updated(Some(&stored), update.clone()), update);
        assert_eq!(updated(None, update.clone()), update);
    }
}
