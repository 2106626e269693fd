//! Braze's documented rules for a message schedule, checked on the wire body before it is
//! sent (so messages read from JSON are checked like built ones). Each failure names the
//! field by its JSON path, e.g. `messages.apple_push.asset_file_type`.

use braze_api::types::{self, ContentCardType, PushButtonAction};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::Error;

/// Braze's cap on `external_user_ids` per request.
pub(crate) const MAX_EXTERNAL_USER_IDS: usize = 50;
/// Braze's cap on a custom `send_id`, in characters (ASCII only).
pub(crate) const MAX_SEND_ID_CHARS: usize = 64;
/// Braze's cap on an Apple push payload, in bytes of JSON.
pub(crate) const MAX_APPLE_PAYLOAD_BYTES: usize = 1_912;
/// Braze's cap on an Android push's alert and `extra`, in bytes.
pub(crate) const MAX_ANDROID_PAYLOAD_BYTES: usize = 4_000;
/// The longest an Android push may wait for delivery (FCM's 28 days), in seconds.
const MAX_ANDROID_TIME_TO_LIVE: i64 = 2_419_200;
/// The furthest a Content Card may expire: 30 days, in seconds.
const MAX_CARD_LIFETIME_SECS: i64 = 30 * 24 * 3_600;

fn invalid(path: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::invalid(path, reason)
}

/// Whom a message create targets: users (at most 50 external ids), a segment, an audience,
/// or everyone with `broadcast: true`, which excludes users.
pub(crate) fn message_targeting(
    external_user_ids: &[String],
    user_aliases: &[(String, String)],
    segment_id: Option<&str>,
    has_audience: bool,
    broadcast: Option<bool>,
) -> Result<(), Error> {
    let has_users = !external_user_ids.is_empty() || !user_aliases.is_empty();
    if broadcast == Some(true) && has_users {
        return Err(invalid(
            "broadcast",
            "cannot be true together with external_user_ids or user_aliases: broadcast sends \
             to everyone",
        ));
    }
    if !has_users && segment_id.is_none() && !has_audience && broadcast != Some(true) {
        return Err(invalid(
            "broadcast",
            "must be true to send to everyone; otherwise give external_user_ids, \
             user_aliases, a segment_id or an audience",
        ));
    }
    // Braze's message for it ("The max number of external_ids and aliases per request was
    // exceeded") counts the two together.
    let users = external_user_ids.len() + user_aliases.len();
    if users > MAX_EXTERNAL_USER_IDS {
        let field = if external_user_ids.len() > MAX_EXTERNAL_USER_IDS {
            "external_user_ids"
        } else {
            "user_aliases"
        };
        return Err(invalid(
            field,
            format!(
                "make {users} users with the other list; Braze takes at most \
                 {MAX_EXTERNAL_USER_IDS} external ids and aliases per request (use a segment or \
                 an audience for more)"
            ),
        ));
    }
    for (i, id) in external_user_ids.iter().enumerate() {
        if id.trim().is_empty() {
            return Err(invalid(
                format!("external_user_ids[{i}]"),
                "must not be empty or blank",
            ));
        }
    }
    for (i, (name, label)) in user_aliases.iter().enumerate() {
        for (field, value) in [("alias_name", name), ("alias_label", label)] {
            if value.trim().is_empty() {
                return Err(invalid(
                    format!("user_aliases[{i}].{field}"),
                    "must not be empty or blank",
                ));
            }
        }
    }
    if segment_id.is_some_and(|s| s.trim().is_empty()) {
        return Err(invalid("segment_id", "must not be empty or blank"));
    }
    Ok(())
}

/// A custom `send_id`: ASCII, at most 64 characters, not blank.
pub(crate) fn send_id(send_id: &str) -> Result<(), Error> {
    if send_id.trim().is_empty() {
        return Err(invalid("send_id", "must not be empty or blank"));
    }
    if !send_id.is_ascii() {
        return Err(invalid(
            "send_id",
            "must be ASCII (Braze's rule for send ids)",
        ));
    }
    if send_id.len() > MAX_SEND_ID_CHARS {
        return Err(invalid(
            "send_id",
            format!(
                "is {} characters; Braze takes at most {MAX_SEND_ID_CHARS}",
                send_id.len()
            ),
        ));
    }
    Ok(())
}

/// The `messages` object: at least one channel; with a `campaign_id`, a variation on each;
/// each channel's own rules.
pub(crate) fn messages(messages: &types::Messages, campaign: bool) -> Result<(), Error> {
    let variations: [(&str, Option<&Option<String>>); 9] = [
        (
            "apple_push",
            messages
                .apple_push
                .as_ref()
                .map(|m| &m.message_variation_id),
        ),
        (
            "android_push",
            messages
                .android_push
                .as_ref()
                .map(|m| &m.message_variation_id),
        ),
        (
            "kindle_push",
            messages
                .kindle_push
                .as_ref()
                .map(|m| &m.message_variation_id),
        ),
        (
            "web_push",
            messages.web_push.as_ref().map(|m| &m.message_variation_id),
        ),
        (
            "email",
            messages.email.as_ref().map(|m| &m.message_variation_id),
        ),
        (
            "webhook",
            messages.webhook.as_ref().map(|m| &m.message_variation_id),
        ),
        (
            "content_card",
            messages
                .content_card
                .as_ref()
                .map(|m| &m.message_variation_id),
        ),
        (
            "sms",
            messages.sms.as_ref().map(|m| &m.message_variation_id),
        ),
        (
            "whats_app",
            messages.whats_app.as_ref().map(whats_app_variation),
        ),
    ];
    // Keys the spec does not declare pass through, but only a channel Braze documents
    // makes a message (the fake agrees).
    if variations.iter().all(|(_, v)| v.is_none()) {
        return Err(invalid(
            "messages",
            "has no channel: give at least one (apple_push, android_push, email, sms, ...); \
             Braze answers \"No message to send\"",
        ));
    }
    if campaign {
        for (channel, variation) in &variations {
            if let Some(None) = variation {
                return Err(invalid(
                    format!("messages.{channel}.message_variation_id"),
                    "is required with a campaign_id: every message names the campaign's \
                     variation it is (Braze answers \"Message Variant Unspecified\")",
                ));
            }
        }
    }
    if let Some(push) = &messages.apple_push {
        apple_push(push, "messages.apple_push")?;
    }
    if let Some(push) = &messages.android_push {
        android_push(push, "messages.android_push")?;
    }
    if let Some(push) = &messages.kindle_push {
        priority(push.priority, "messages.kindle_push")?;
        push_extra(&push.extra, "messages.kindle_push")?;
    }
    if let Some(push) = &messages.web_push {
        web_push(push, "messages.web_push")?;
    }
    if let Some(email) = &messages.email {
        self::email(email, "messages.email")?;
    }
    if let Some(card) = &messages.content_card {
        content_card(card, "messages.content_card", Utc::now())?;
    }
    if let Some(sms) = &messages.sms
        && sms.user_click_tracking_enabled == Some(true)
        && sms.link_shortening_enabled != Some(true)
    {
        return Err(invalid(
            "messages.sms.user_click_tracking_enabled",
            "needs link_shortening_enabled",
        ));
    }
    if let Some(message) = &messages.whats_app {
        whats_app(message, "messages.whats_app")?;
    }
    Ok(())
}

fn whats_app_variation(message: &types::WhatsApp) -> &Option<String> {
    match message {
        types::WhatsApp::Template(e) => &e.message_variation_id,
        types::WhatsApp::Text(e) => &e.message_variation_id,
        types::WhatsApp::TextImage(e) => &e.message_variation_id,
        types::WhatsApp::QuickReply(e) => &e.message_variation_id,
        types::WhatsApp::List(e) => &e.message_variation_id,
        types::WhatsApp::Flow(e) => &e.message_variation_id,
        types::WhatsApp::Carousel(e) => &e.message_variation_id,
    }
}

/// A push's `extra` (in the map of undeclared fields): an object, without Apple's reserved
/// keys.
fn push_extra<'a>(
    fields: &'a Map<String, Value>,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, Error> {
    match fields.get("extra") {
        None => Ok(None),
        Some(Value::Object(extra)) => Ok(Some(extra)),
        Some(other) => Err(invalid(
            format!("{path}.extra"),
            format!(
                "{} (Braze answers \"Invalid Extra Push Payload\")",
                crate::validate::not_an_object(other)
            ),
        )),
    }
}

fn priority(priority: Option<i64>, path: &str) -> Result<(), Error> {
    match priority {
        Some(p) if !(-2..=2).contains(&p) => Err(invalid(
            format!("{path}.priority"),
            format!("is {p}; Braze takes -2 (min) to 2 (max)"),
        )),
        _ => Ok(()),
    }
}

/// Buttons whose action opens a link carry the link.
fn button_uri(
    action: Option<PushButtonAction>,
    uri: Option<&String>,
    path: &str,
) -> Result<(), Error> {
    let links = matches!(
        action,
        Some(PushButtonAction::Uri | PushButtonAction::DeepLink)
    );
    if links && uri.is_none_or(|u| u.trim().is_empty()) {
        return Err(invalid(
            format!("{path}.uri"),
            "is required when the action is URI or DEEP_LINK",
        ));
    }
    Ok(())
}

fn apple_push(push: &types::ApplePush, path: &str) -> Result<(), Error> {
    let background = push.content_available == Some(true);
    match &push.alert {
        None if !background => {
            return Err(invalid(
                format!("{path}.alert"),
                "is required unless content-available is true (a background push)",
            ));
        }
        Some(types::ApplePushAlert::Object(alert)) if alert.body.is_none() && !background => {
            return Err(invalid(
                format!("{path}.alert.body"),
                "is required unless content-available is true (a background push)",
            ));
        }
        _ => {}
    }
    match (&push.asset_url, &push.asset_file_type) {
        (Some(_), None) => {
            return Err(invalid(
                format!("{path}.asset_file_type"),
                "is required with asset_url",
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                format!("{path}.asset_url"),
                "is required with asset_file_type",
            ));
        }
        _ => {}
    }
    if let Some(extra) = push_extra(&push.extra, path)? {
        for reserved in ["ab", "aps"] {
            if extra.contains_key(reserved) {
                return Err(invalid(
                    format!("{path}.extra.{reserved}"),
                    "is reserved by Braze and Apple: use another key",
                ));
            }
        }
    }
    if let Some(score) = push.relevance_score
        && !(0.0..=1.0).contains(&score)
    {
        return Err(invalid(
            format!("{path}.relevance_score"),
            format!("is {score}; it must be from 0 to 1"),
        ));
    }
    if let Some(priority) = push.apns_priority
        && priority.get() > 10
    {
        return Err(invalid(
            format!("{path}.apns_priority"),
            format!("is {priority}; it must be from 1 to 10"),
        ));
    }
    let app_categories = push
        .category
        .as_deref()
        .is_some_and(|category| !category.starts_with("ab_cat_"));
    for (i, button) in push.buttons.iter().enumerate() {
        let at = format!("{path}.buttons[{i}]");
        if app_categories
            && !matches!(
                button.action,
                Some(PushButtonAction::Uri | PushButtonAction::DeepLink)
            )
        {
            return Err(invalid(
                format!("{at}.action"),
                "must be URI or DEEP_LINK with a category of the app (not one of Braze's \
                 ab_cat_ categories)",
            ));
        }
        button_uri(button.action, button.uri.as_ref(), &at)?;
    }
    let bytes = apple_payload_bytes(push);
    if bytes > MAX_APPLE_PAYLOAD_BYTES {
        return Err(invalid(
            path,
            format!(
                "is {bytes} bytes of JSON; Braze takes at most {MAX_APPLE_PAYLOAD_BYTES} (its \
                 \"Apple Push Length Exceeded\")"
            ),
        ));
    }
    Ok(())
}

/// What counts toward Apple's limit ("alert + extra + optional params"): the whole push
/// object as compact JSON, as the fake counts it too.
pub(crate) fn apple_payload_bytes(push: &types::ApplePush) -> usize {
    serde_json::to_vec(push).map_or(usize::MAX, |json| json.len())
}

/// What counts toward Android's limit, as Braze words it: the alert and `extra` (as JSON).
pub(crate) fn android_payload_bytes(push: &types::AndroidPush) -> usize {
    let alert = push.alert.as_deref().map_or(0, str::len);
    let extra = push.extra.get("extra").map_or(0, |extra| {
        serde_json::to_vec(extra).map_or(usize::MAX, |json| json.len())
    });
    alert.saturating_add(extra)
}

fn android_push(push: &types::AndroidPush, path: &str) -> Result<(), Error> {
    if push.send_to_sync == Some(true) {
        for (field, set) in [
            ("alert", push.alert.is_some()),
            ("title", push.title.is_some()),
        ] {
            if set {
                return Err(invalid(
                    format!("{path}.{field}"),
                    "must not be set on a silent push (send_to_sync): Braze refuses it",
                ));
            }
        }
    } else {
        for (field, set) in [
            ("alert", push.alert.is_some()),
            ("title", push.title.is_some()),
        ] {
            if !set {
                return Err(invalid(
                    format!("{path}.{field}"),
                    "is required (unless the push is silent: send_to_sync)",
                ));
            }
        }
    }
    priority(push.priority, path)?;
    if let Some(ttl) = push.time_to_live
        && !(0..=MAX_ANDROID_TIME_TO_LIVE).contains(&ttl)
    {
        return Err(invalid(
            format!("{path}.time_to_live"),
            format!("is {ttl}; Braze takes 0 to {MAX_ANDROID_TIME_TO_LIVE} seconds (28 days)"),
        ));
    }
    push_extra(&push.extra, path)?;
    for (i, button) in push.buttons.iter().enumerate() {
        button_uri(
            button.action,
            button.uri.as_ref(),
            &format!("{path}.buttons[{i}]"),
        )?;
    }
    let bytes = android_payload_bytes(push);
    if bytes > MAX_ANDROID_PAYLOAD_BYTES {
        return Err(invalid(
            path,
            format!(
                "has {bytes} bytes of alert and extra; Braze takes at most \
                 {MAX_ANDROID_PAYLOAD_BYTES} (its \"Android Push Length Exceeded\")"
            ),
        ));
    }
    Ok(())
}

fn web_push(push: &types::WebPush, path: &str) -> Result<(), Error> {
    push_extra(&push.extra, path)?;
    for (i, button) in push.buttons.iter().enumerate() {
        let at = format!("{path}.buttons[{i}]");
        if button.action == Some(PushButtonAction::DeepLink) {
            return Err(invalid(
                format!("{at}.action"),
                "cannot be DEEP_LINK on a web push (OPEN_APP, URI or CLOSE)",
            ));
        }
        button_uri(button.action, button.uri.as_ref(), &at)?;
    }
    Ok(())
}

fn email(email: &types::Email, path: &str) -> Result<(), Error> {
    if email.body.is_none() && email.email_template_id.is_none() {
        return Err(invalid(
            format!("{path}.body"),
            "is required unless email_template_id names a template",
        ));
    }
    for (field, value) in [("app_id", &email.app_id), ("from", &email.from)] {
        if value.trim().is_empty() {
            return Err(invalid(
                format!("{path}.{field}"),
                "must not be empty or blank",
            ));
        }
    }
    for (i, attachment) in email.attachments.iter().enumerate() {
        for (field, value) in [
            ("file_name", &attachment.file_name),
            ("url", &attachment.url),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(
                    format!("{path}.attachments[{i}].{field}"),
                    "must not be empty or blank",
                ));
            }
        }
    }
    Ok(())
}

/// An ISO 8601 date-time as Braze writes them: RFC 3339, an offset without a colon
/// (`+0000`, as in its own examples), or no designator (read as UTC).
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

pub(crate) fn content_card(
    card: &types::ContentCard,
    path: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    match (&card.time_to_live, &card.expire_at) {
        (None, None) => {
            return Err(invalid(
                format!("{path}.time_to_live"),
                "or expire_at is required (one of the two)",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(invalid(
                format!("{path}.expire_at"),
                "cannot be given with time_to_live: give one of the two",
            ));
        }
        (Some(ttl), None) if *ttl > MAX_CARD_LIFETIME_SECS as u64 => {
            return Err(invalid(
                format!("{path}.time_to_live"),
                format!("is {ttl} seconds; a card expires at most 30 days away"),
            ));
        }
        (None, Some(at)) => match parse_time(at) {
            None => {
                return Err(invalid(
                    format!("{path}.expire_at"),
                    format!("{at:?} is not an ISO 8601 date-time such as 2030-05-31T00:00:00Z"),
                ));
            }
            Some(at) if (at - now).num_seconds() > MAX_CARD_LIFETIME_SECS => {
                return Err(invalid(
                    format!("{path}.expire_at"),
                    "is more than 30 days from now; Braze takes at most 30 days (counted from \
                     the request, as the fake does: use time_to_live for a card scheduled \
                     further ahead)",
                ));
            }
            Some(_) => {}
        },
        _ => {}
    }
    if card.expire_in_local_time == Some(true) && card.expire_at.is_none() {
        return Err(invalid(
            format!("{path}.expire_in_local_time"),
            "only goes with expire_at",
        ));
    }
    let needs_image = matches!(
        card.type_,
        ContentCardType::CaptionedImage | ContentCardType::Banner
    );
    if needs_image && card.image_url.is_none() {
        return Err(invalid(
            format!("{path}.image_url"),
            format!("is required for a {} card", card.type_),
        ));
    }
    if !matches!(card.type_, ContentCardType::Banner) {
        for (field, set) in [
            ("title", card.title.is_some()),
            ("description", card.description.is_some()),
        ] {
            if !set {
                return Err(invalid(
                    format!("{path}.{field}"),
                    format!("is required for a {} card", card.type_),
                ));
            }
        }
    }
    push_extra(&card.extra, path)?;
    Ok(())
}

fn whats_app(message: &types::WhatsApp, path: &str) -> Result<(), Error> {
    let at = |field: &str| format!("{path}.message.{field}");
    match message {
        types::WhatsApp::Template(e) => {
            let m = &e.message;
            for (field, variables) in [
                ("header_variables", &m.header_variables),
                ("button_variables", &m.button_variables),
            ] {
                if variables.as_ref().is_some_and(|v| v.0.len() > 1) {
                    return Err(invalid(at(field), "takes at most one variable"));
                }
            }
            if !m.carousel_cards.is_empty() {
                let count = m.carousel_cards.len();
                if !(2..=10).contains(&count) {
                    return Err(invalid(
                        at("carousel_cards"),
                        format!("has {count} cards; 2 to 10 are needed"),
                    ));
                }
                let first = m.carousel_cards[0].header_media_type;
                if m.carousel_cards
                    .iter()
                    .any(|card| card.header_media_type != first)
                {
                    return Err(invalid(
                        at("carousel_cards"),
                        "must all have the same header_media_type",
                    ));
                }
            }
        }
        types::WhatsApp::QuickReply(e) => {
            if e.message.header_text.is_some() && e.message.header_image_uri.is_some() {
                return Err(invalid(
                    at("header_image_uri"),
                    "cannot be given with header_text",
                ));
            }
            if e.message.buttons.is_empty() {
                return Err(invalid(at("buttons"), "needs at least one button"));
            }
        }
        types::WhatsApp::List(e) => {
            let rows: usize = e
                .message
                .list
                .list_sections
                .iter()
                .map(|s| s.list_rows.len())
                .sum();
            if rows > 10 {
                return Err(invalid(
                    at("list.list_sections"),
                    format!("have {rows} rows; Braze takes at most 10 in all"),
                ));
            }
        }
        types::WhatsApp::Flow(e) => {
            let caption = e.message.flow_button.caption.chars().count();
            if caption > 20 {
                return Err(invalid(
                    at("flow_button.caption"),
                    format!("is {caption} characters; at most 20"),
                ));
            }
        }
        types::WhatsApp::Carousel(e) => {
            let m = &e.message;
            let count = m.cards.len();
            if !(2..=10).contains(&count) {
                return Err(invalid(
                    at("cards"),
                    format!("has {count} cards; 2 to 10 are needed"),
                ));
            }
            let first = &m.cards[0];
            for (i, card) in m.cards.iter().enumerate() {
                let card_at = |field: &str| at(&format!("cards[{i}].{field}"));
                if card.media_type != first.media_type {
                    return Err(invalid(
                        card_at("media_type"),
                        "must be the same on every card",
                    ));
                }
                if card.buttons.len() != first.buttons.len() {
                    return Err(invalid(
                        card_at("buttons"),
                        "must have as many buttons on every card",
                    ));
                }
                if card.buttons.len() > 2 {
                    return Err(invalid(card_at("buttons"), "takes at most 2"));
                }
                if card
                    .body_text
                    .as_ref()
                    .is_some_and(|t| t.chars().count() > 160)
                {
                    return Err(invalid(card_at("body_text"), "is more than 160 characters"));
                }
                match m.carousel_button_type {
                    types::WhatsAppCarouselMessageCarouselButtonType::QuickReply
                        if card.buttons.is_empty() =>
                    {
                        return Err(invalid(
                            card_at("buttons"),
                            "are required in a quick_reply carousel",
                        ));
                    }
                    types::WhatsAppCarouselMessageCarouselButtonType::Url
                        if card.cta_url_button.is_none() =>
                    {
                        return Err(invalid(
                            card_at("cta_url_button"),
                            "is required in a url carousel",
                        ));
                    }
                    _ => {}
                }
            }
        }
        types::WhatsApp::Text(_) | types::WhatsApp::TextImage(_) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_braze_writes_them() {
        let utc = |text: &str| parse_time(text).map(|t| t.to_rfc3339());
        assert_eq!(
            utc("2030-05-24T21:30:00Z").as_deref(),
            Some("2030-05-24T21:30:00+00:00")
        );
        assert_eq!(
            utc("2019-07-22T13:17:55+0000").as_deref(),
            Some("2019-07-22T13:17:55+00:00")
        );
        assert_eq!(
            utc("2030-05-24T23:30:00+02:00").as_deref(),
            Some("2030-05-24T21:30:00+00:00")
        );
        assert_eq!(
            utc("2030-05-24T21:30:00").as_deref(),
            Some("2030-05-24T21:30:00+00:00")
        );
        assert_eq!(utc("next week"), None);
    }

    #[test]
    fn a_cards_expiry_is_at_most_30_days_away() {
        let now = DateTime::parse_from_rfc3339("2030-05-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let card = |expire_at: &str| -> types::ContentCard {
            serde_json::from_value(serde_json::json!({
                "type": "CLASSIC", "title": "t", "description": "d", "expire_at": expire_at
            }))
            .unwrap()
        };
        content_card(&card("2030-05-30T23:59:59Z"), "c", now).unwrap();
        content_card(&card("2030-05-31T00:00:00+0000"), "c", now).unwrap();
        let error = content_card(&card("2030-05-31T00:00:01Z"), "c", now).unwrap_err();
        assert!(error.to_string().contains("30 days"), "{error}");
    }
}
