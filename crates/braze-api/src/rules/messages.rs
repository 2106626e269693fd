//! The messaging object (`messages` of `/messages/schedule/create` and `/update`): which
//! channels it must carry, and each channel's own rules (Braze's messaging object pages,
//! one per channel).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use crate::operations::shapes;
use crate::time::parse_date_time;
use crate::types::{
    AndroidPush, ApplePush, ApplePushAlert, ContentCard, ContentCardType, Email, Messages,
    PushButtonAction, Sms, WebPush, WhatsApp, WhatsAppCarouselMessage,
    WhatsAppCarouselMessageCarouselButtonType, WhatsAppTemplateMessage,
};

use super::{
    APNS_PRIORITIES, MAX_ANDROID_PUSH_BYTES, MAX_ANDROID_TIME_TO_LIVE_SECS, MAX_APPLE_PUSH_BYTES,
    MAX_CONTENT_CARD_LIFETIME, MAX_WHATS_APP_CARD_BUTTONS, MAX_WHATS_APP_LIST_ROWS,
    MAX_WHATS_APP_TEMPLATE_VARIABLES, Problem, RELEVANCE_SCORES, RESERVED_APPLE_EXTRA_KEYS, Rule,
    WHATS_APP_CAROUSEL_CARDS, blank, json_kind,
};

/// The channels of a `messages` object that are set, in the spec's order, each with its
/// `message_variation_id`.
pub fn channels(messages: &Messages) -> Vec<(&'static str, Option<&str>)> {
    fn variation(id: &Option<String>) -> Option<&str> {
        id.as_deref()
    }
    [
        (
            "apple_push",
            messages
                .apple_push
                .as_ref()
                .map(|m| variation(&m.message_variation_id)),
        ),
        (
            "android_push",
            messages
                .android_push
                .as_ref()
                .map(|m| variation(&m.message_variation_id)),
        ),
        (
            "kindle_push",
            messages
                .kindle_push
                .as_ref()
                .map(|m| variation(&m.message_variation_id)),
        ),
        (
            "web_push",
            messages
                .web_push
                .as_ref()
                .map(|m| variation(&m.message_variation_id)),
        ),
        (
            "email",
            messages
                .email
                .as_ref()
                .map(|m| variation(&m.message_variation_id)),
        ),
        (
            "webhook",
            messages
                .webhook
                .as_ref()
                .map(|m| variation(&m.message_variation_id)),
        ),
        (
            "content_card",
            messages
                .content_card
                .as_ref()
                .map(|m| variation(&m.message_variation_id)),
        ),
        (
            "sms",
            messages
                .sms
                .as_ref()
                .map(|m| variation(&m.message_variation_id)),
        ),
        (
            "whats_app",
            messages.whats_app.as_ref().map(whats_app_variation),
        ),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.map(|variation| (name, variation)))
    .collect()
}

fn whats_app_variation(message: &WhatsApp) -> Option<&str> {
    match message {
        WhatsApp::Template(e) => e.message_variation_id.as_deref(),
        WhatsApp::Text(e) => e.message_variation_id.as_deref(),
        WhatsApp::TextImage(e) => e.message_variation_id.as_deref(),
        WhatsApp::QuickReply(e) => e.message_variation_id.as_deref(),
        WhatsApp::List(e) => e.message_variation_id.as_deref(),
        WhatsApp::Flow(e) => e.message_variation_id.as_deref(),
        WhatsApp::Carousel(e) => e.message_variation_id.as_deref(),
    }
}

/// The channels the spec declares, for a sentence: `apple_push, android_push, ... or
/// whats_app`.
fn declared_channels() -> String {
    let names: Vec<&str> = shapes::MESSAGES.fields.iter().map(|f| f.name).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// [`Rule::NoMessage`], for a create without `messages` (`None`) or a `messages` object
/// without a channel.
pub(super) fn no_message(messages: Option<&Messages>) -> Problem {
    let declared = declared_channels();
    let detail = match messages {
        None => format!("is required, with at least one of {declared}"),
        Some(messages) if !messages.extra.is_empty() => {
            let keys: Vec<&str> = messages.extra.keys().map(String::as_str).collect();
            format!(
                "must have at least one of {declared}; it has only keys the spec does not \
                 declare ({})",
                keys.join(", ")
            )
        }
        Some(_) => format!("must have at least one of {declared}"),
    };
    Problem::new("messages", Rule::NoMessage, detail)
}

/// At least one channel, then each channel's rules, in the spec's order of channels.
pub(super) fn check(found: &mut Vec<Problem>, messages: &Messages, now: DateTime<Utc>) {
    if channels(messages).is_empty() {
        found.push(no_message(Some(messages)));
        return;
    }
    if let Some(push) = &messages.apple_push {
        apple_push(found, push);
    }
    if let Some(push) = &messages.android_push {
        android_push(found, push);
    }
    if let Some(push) = &messages.kindle_push {
        push_extra(found, "messages.kindle_push", &push.extra);
    }
    if let Some(push) = &messages.web_push {
        web_push(found, push);
    }
    if let Some(email) = &messages.email {
        self::email(found, email);
    }
    if let Some(card) = &messages.content_card {
        content_card(found, card, now);
    }
    if let Some(sms) = &messages.sms {
        self::sms(found, sms);
    }
    if let Some(message) = &messages.whats_app {
        whats_app(found, message);
    }
}

/// With a campaign, every message names its variation ([`Rule::VariantUnspecified`]).
pub(super) fn variations(found: &mut Vec<Problem>, messages: &Messages, because: &str) {
    for (channel, variation) in channels(messages) {
        if variation.is_none_or(blank) {
            found.push(Problem::new(
                format!("messages.{channel}.message_variation_id"),
                Rule::VariantUnspecified,
                format!(
                    "is required when {because}: every message names the campaign's \
                     variation it is"
                ),
            ));
        }
    }
}

/// Braze's `extra` of a channel, among the fields the spec does not declare (the generated
/// types keep those in a map of that name): a JSON object.
fn extra<'a>(
    found: &mut Vec<Problem>,
    path: &str,
    fields: &'a Map<String, Value>,
    rule: Rule,
) -> Option<&'a Map<String, Value>> {
    match fields.get("extra")? {
        Value::Object(extra) => Some(extra),
        other => {
            found.push(Problem::new(
                format!("{path}.extra"),
                rule,
                format!("must be a JSON object, not {}", json_kind(other)),
            ));
            None
        }
    }
}

fn push_extra<'a>(
    found: &mut Vec<Problem>,
    path: &str,
    fields: &'a Map<String, Value>,
) -> Option<&'a Map<String, Value>> {
    extra(found, path, fields, Rule::InvalidExtraPushPayload)
}

/// A button whose action opens a link carries the link. Braze's button objects mark `uri`
/// optional; a `URI` or `DEEP_LINK` button without one opens nothing, so it is refused.
fn button_uri(
    found: &mut Vec<Problem>,
    path: &str,
    action: Option<PushButtonAction>,
    uri: Option<&String>,
) {
    let links = matches!(
        action,
        Some(PushButtonAction::Uri | PushButtonAction::DeepLink)
    );
    if links && uri.is_none_or(|uri| blank(uri)) {
        found.push(Problem::new(
            format!("{path}.uri"),
            Rule::Required,
            "is required when the action is URI or DEEP_LINK",
        ));
    }
}

/// `apple_push` (`apple_object.md`).
fn apple_push(found: &mut Vec<Problem>, push: &ApplePush) {
    const PATH: &str = "messages.apple_push";
    if push.content_available != Some(true) {
        match &push.alert {
            None => found.push(Problem::new(
                format!("{PATH}.alert"),
                Rule::Required,
                "is required unless content-available is true (a background push)",
            )),
            Some(ApplePushAlert::Object(alert)) if alert.body.is_none() => {
                found.push(Problem::new(
                    format!("{PATH}.alert.body"),
                    Rule::Required,
                    "is required unless content-available is true (a background push)",
                ));
            }
            Some(_) => {}
        }
    }
    // Braze documents `asset_file_type` as required with `asset_url`, not that it is
    // refused alone; a file type without the file describes nothing, and refusing it
    // catches an `asset_url` lost on the way.
    match (&push.asset_url, &push.asset_file_type) {
        (Some(_), None) => found.push(Problem::new(
            format!("{PATH}.asset_file_type"),
            Rule::Required,
            "is required with asset_url",
        )),
        (None, Some(_)) => found.push(Problem::new(
            format!("{PATH}.asset_file_type"),
            Rule::Excluded,
            "is only allowed with asset_url",
        )),
        _ => {}
    }
    if let Some(priority) = push.apns_priority
        && !APNS_PRIORITIES.contains(&priority.get())
    {
        found.push(Problem::new(
            format!("{PATH}.apns_priority"),
            Rule::OutOfRange,
            format!(
                "is {priority}; Apple takes {} to {}",
                APNS_PRIORITIES.start(),
                APNS_PRIORITIES.end()
            ),
        ));
    }
    if let Some(score) = push.relevance_score
        && !RELEVANCE_SCORES.contains(&score)
    {
        found.push(Problem::new(
            format!("{PATH}.relevance_score"),
            Rule::OutOfRange,
            format!(
                "is {score}; Apple takes {} to {}",
                RELEVANCE_SCORES.start(),
                RELEVANCE_SCORES.end()
            ),
        ));
    }
    if let Some(extra) = push_extra(found, PATH, &push.extra) {
        for key in RESERVED_APPLE_EXTRA_KEYS
            .into_iter()
            .filter(|key| extra.contains_key(*key))
        {
            found.push(Problem::new(
                format!("{PATH}.extra.{key}"),
                Rule::ReservedExtraKey,
                format!(
                    "is a key Braze and Apple reserve ({}): use another",
                    RESERVED_APPLE_EXTRA_KEYS.join(", ")
                ),
            ));
        }
    }
    // A category of the app's own (not one of Braze's `ab_cat_` ones) takes buttons that
    // open a link, and their link (`apple_object.md`, "app-defined categories").
    let app_category = push
        .category
        .as_deref()
        .is_some_and(|category| !category.starts_with("ab_cat_"));
    for (index, button) in push.buttons.iter().enumerate() {
        let at = format!("{PATH}.buttons[{index}]");
        let links = matches!(
            button.action,
            Some(PushButtonAction::Uri | PushButtonAction::DeepLink)
        );
        if app_category && !links {
            found.push(Problem::new(
                format!("{at}.action"),
                Rule::ButtonAction,
                "must be URI or DEEP_LINK with a category of the app's own (not one of Braze's \
                 ab_cat_ categories)",
            ));
        }
        button_uri(found, &at, button.action, button.uri.as_ref());
    }
    let bytes = apple_push_payload_bytes(push);
    if bytes > MAX_APPLE_PUSH_BYTES {
        found.push(Problem::new(
            PATH,
            Rule::ApplePushTooLong,
            format!("is {bytes} bytes as compact JSON; Braze takes at most {MAX_APPLE_PUSH_BYTES}"),
        ));
    }
}

/// What counts toward Braze's 1,912 bytes of an Apple push. Braze: "alert + extra +
/// optional params", without saying how they are measured: the bytes of the whole
/// `apple_push` object as compact JSON (every field, undeclared ones and Braze's `extra`
/// included), so that a client counts the same way by serialising what it sends.
pub fn apple_push_payload_bytes(push: &ApplePush) -> usize {
    serde_json::to_vec(push).map_or(usize::MAX, |json| json.len())
}

/// What counts toward Braze's 4,000 bytes of an Android push. Braze: "alert + extra": the
/// UTF-8 bytes of the `alert` text plus those of Braze's `extra` object as compact JSON.
pub fn android_push_payload_bytes(push: &AndroidPush) -> usize {
    let alert = push.alert.as_deref().map_or(0, str::len);
    let extra = push.extra.get("extra").map_or(0, |extra| {
        serde_json::to_vec(extra).map_or(usize::MAX, |json| json.len())
    });
    alert.saturating_add(extra)
}

/// `android_push` (`android_object.md`). Its `priority` out of −2…2 is not refused: Braze
/// documents that it reads such a value as 0.
fn android_push(found: &mut Vec<Problem>, push: &AndroidPush) {
    const PATH: &str = "messages.android_push";
    let silent = push.send_to_sync == Some(true);
    for (field, given) in [
        ("alert", push.alert.is_some()),
        ("title", push.title.is_some()),
    ] {
        if silent && given {
            found.push(Problem::new(
                format!("{PATH}.{field}"),
                Rule::Excluded,
                "must be left out when send_to_sync is true (a silent push has no alert or \
                 title; Braze refuses it)",
            ));
        } else if !silent && !given {
            found.push(Problem::new(
                format!("{PATH}.{field}"),
                Rule::Required,
                "is required unless send_to_sync is true (a silent push)",
            ));
        }
    }
    if let Some(seconds) = push.time_to_live
        && !(0..=MAX_ANDROID_TIME_TO_LIVE_SECS).contains(&seconds)
    {
        found.push(Problem::new(
            format!("{PATH}.time_to_live"),
            Rule::OutOfRange,
            format!(
                "is {seconds}; Braze takes 0 to {MAX_ANDROID_TIME_TO_LIVE_SECS} seconds (28 days)"
            ),
        ));
    }
    push_extra(found, PATH, &push.extra);
    for (index, button) in push.buttons.iter().enumerate() {
        button_uri(
            found,
            &format!("{PATH}.buttons[{index}]"),
            button.action,
            button.uri.as_ref(),
        );
    }
    let bytes = android_push_payload_bytes(push);
    if bytes > MAX_ANDROID_PUSH_BYTES {
        found.push(Problem::new(
            PATH,
            Rule::AndroidPushTooLong,
            format!(
                "has {bytes} bytes of alert and extra; Braze takes at most \
                 {MAX_ANDROID_PUSH_BYTES}"
            ),
        ));
    }
}

/// `web_push` (`web_objects.md`): its buttons know no `DEEP_LINK`.
fn web_push(found: &mut Vec<Problem>, push: &WebPush) {
    const PATH: &str = "messages.web_push";
    push_extra(found, PATH, &push.extra);
    for (index, button) in push.buttons.iter().enumerate() {
        let at = format!("{PATH}.buttons[{index}]");
        if button.action == Some(PushButtonAction::DeepLink) {
            found.push(Problem::new(
                format!("{at}.action"),
                Rule::ButtonAction,
                "cannot be DEEP_LINK on a web push (OPEN_APP, URI or CLOSE)",
            ));
        }
        button_uri(found, &at, button.action, button.uri.as_ref());
    }
}

/// `email` (`email_object.md`): a body or a template that supplies it; a sender with an
/// address.
fn email(found: &mut Vec<Problem>, email: &Email) {
    const PATH: &str = "messages.email";
    if email.body.is_none() && email.email_template_id.is_none() {
        found.push(Problem::new(
            format!("{PATH}.body"),
            Rule::Required,
            "is required unless email_template_id names a template",
        ));
    }
    if blank(&email.app_id) {
        found.push(Problem::new(
            format!("{PATH}.app_id"),
            Rule::Blank,
            "must not be empty or blank",
        ));
    }
    if !sender(&email.from) {
        found.push(Problem::new(
            format!("{PATH}.from"),
            Rule::NotAnAddress,
            format!(
                "{:?} has no email address; write \"Display Name <sender@example.com>\" or \
                 \"sender@example.com\"",
                email.from
            ),
        ));
    }
    if let Some(reply_to) = &email.reply_to
        && reply_to != "NO_REPLY_TO"
        && !is_address(reply_to)
    {
        found.push(Problem::new(
            format!("{PATH}.reply_to"),
            Rule::NotAnAddress,
            format!("{reply_to:?} is not an email address (or \"NO_REPLY_TO\", for no reply-to)"),
        ));
    }
    for (index, attachment) in email.attachments.iter().enumerate() {
        for (field, value) in [
            ("file_name", &attachment.file_name),
            ("url", &attachment.url),
        ] {
            if blank(value) {
                found.push(Problem::new(
                    format!("{PATH}.attachments[{index}].{field}"),
                    Rule::Blank,
                    "must not be empty or blank",
                ));
            }
        }
    }
}

/// A sender as the email object writes it: `Display Name <address>`, or the address alone.
fn sender(from: &str) -> bool {
    let from = from.trim();
    match from
        .strip_suffix('>')
        .and_then(|rest| rest.rsplit_once('<'))
    {
        Some((_, address)) => is_address(address),
        None => is_address(from),
    }
}

/// An address: something, one `@`, a domain with a dot inside it, no spaces or brackets.
/// Deliberately loose (what a mail server makes of it is its business); it catches a name
/// given where the address belongs.
fn is_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let clean = |part: &str| {
        !part.is_empty()
            && !part
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '@' | ','))
    };
    clean(local)
        && clean(domain)
        && domain
            .split_once('.')
            .is_some_and(|(name, top)| !name.is_empty() && !top.is_empty() && !top.ends_with('.'))
}

/// `content_card` (`content_cards_object.md`).
fn content_card(found: &mut Vec<Problem>, card: &ContentCard, now: DateTime<Utc>) {
    const PATH: &str = "messages.content_card";
    let kind = card.type_;
    if matches!(
        kind,
        ContentCardType::CaptionedImage | ContentCardType::Banner
    ) && card.image_url.is_none()
    {
        found.push(Problem::new(
            format!("{PATH}.image_url"),
            Rule::Required,
            format!("is required for a {kind} card"),
        ));
    }
    if kind != ContentCardType::Banner {
        for (field, value) in [("title", &card.title), ("description", &card.description)] {
            if value.is_none() {
                found.push(Problem::new(
                    format!("{PATH}.{field}"),
                    Rule::Required,
                    format!("is required for a {kind} card"),
                ));
            }
        }
    }
    let max_secs = MAX_CONTENT_CARD_LIFETIME.num_seconds().unsigned_abs();
    match (card.time_to_live, &card.expire_at) {
        (None, None) => found.push(Problem::new(
            format!("{PATH}.time_to_live"),
            Rule::Required,
            "or expire_at is required (one of the two)",
        )),
        (Some(_), Some(_)) => found.push(Problem::new(
            format!("{PATH}.expire_at"),
            Rule::Excluded,
            "cannot be given with time_to_live: give one of the two",
        )),
        (Some(seconds), None) if seconds > max_secs => found.push(Problem::new(
            format!("{PATH}.time_to_live"),
            Rule::OutOfRange,
            format!("is {seconds} seconds; a card expires at most 30 days ({max_secs} s) away"),
        )),
        _ => {}
    }
    // Braze: "only with `expire_at`; default false". The default changes nothing, so only
    // `true` without `expire_at` is refused.
    if card.expire_in_local_time == Some(true) && card.expire_at.is_none() {
        found.push(Problem::new(
            format!("{PATH}.expire_in_local_time"),
            Rule::Excluded,
            "is only allowed with expire_at",
        ));
    }
    if let Some(text) = &card.expire_at {
        match parse_date_time(text) {
            None => found.push(Problem::new(
                format!("{PATH}.expire_at"),
                Rule::NotADateTime,
                format!("{text:?} is not an ISO 8601 date-time such as 2030-05-31T00:00:00Z"),
            )),
            Some(time) if time.instant() > now + MAX_CONTENT_CARD_LIFETIME => {
                let latest = now + MAX_CONTENT_CARD_LIFETIME;
                found.push(Problem::new(
                    format!("{PATH}.expire_at"),
                    Rule::OutOfRange,
                    format!(
                        "{text:?} is more than 30 days away (at most {}; for a card scheduled \
                         further ahead, use time_to_live)",
                        latest.to_rfc3339_opts(SecondsFormat::Secs, true)
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    extra(found, PATH, &card.extra, Rule::NotAnObject);
}

/// `sms` (`sms_object.md`): user-level click tracking needs link shortening.
fn sms(found: &mut Vec<Problem>, sms: &Sms) {
    if sms.user_click_tracking_enabled == Some(true) && sms.link_shortening_enabled != Some(true) {
        found.push(Problem::new(
            "messages.sms.user_click_tracking_enabled",
            Rule::Required,
            "needs link_shortening_enabled: true",
        ));
    }
}

/// `whats_app` (`whats_app_object.md`): what each message type's type leaves to a check.
fn whats_app(found: &mut Vec<Problem>, message: &WhatsApp) {
    const PATH: &str = "messages.whats_app.message";
    match message {
        WhatsApp::Template(envelope) => template(found, PATH, &envelope.message),
        WhatsApp::QuickReply(envelope) => {
            let message = &envelope.message;
            if message.header_image_uri.is_some() && message.header_text.is_some() {
                found.push(Problem::new(
                    format!("{PATH}.header_image_uri"),
                    Rule::Excluded,
                    "cannot be given with header_text: give one of the two",
                ));
            }
            // "buttons (required)": a quick reply without a button offers no reply.
            if message.buttons.is_empty() {
                found.push(Problem::new(
                    format!("{PATH}.buttons"),
                    Rule::Count,
                    "needs at least one button",
                ));
            }
        }
        WhatsApp::List(envelope) => {
            let list = &envelope.message.list;
            if list.list_sections.is_empty() {
                found.push(Problem::new(
                    format!("{PATH}.list.list_sections"),
                    Rule::Count,
                    "needs at least one section",
                ));
            }
            let rows: usize = list.list_sections.iter().map(|s| s.list_rows.len()).sum();
            if rows > MAX_WHATS_APP_LIST_ROWS {
                found.push(Problem::new(
                    format!("{PATH}.list.list_sections"),
                    Rule::Count,
                    format!(
                        "have {rows} rows in all; Braze takes at most {MAX_WHATS_APP_LIST_ROWS}"
                    ),
                ));
            }
        }
        WhatsApp::Carousel(envelope) => carousel(found, PATH, &envelope.message),
        WhatsApp::Text(_) | WhatsApp::TextImage(_) | WhatsApp::Flow(_) => {}
    }
}

fn card_count(found: &mut Vec<Problem>, path: &str, count: usize) -> bool {
    if WHATS_APP_CAROUSEL_CARDS.contains(&count) {
        return true;
    }
    found.push(Problem::new(
        path,
        Rule::Count,
        format!(
            "has {count} cards; Braze takes {} to {}",
            WHATS_APP_CAROUSEL_CARDS.start(),
            WHATS_APP_CAROUSEL_CARDS.end()
        ),
    ));
    false
}

/// A template: at most one header and one button variable; a carousel template's cards, if
/// any, 2 to 10 of one media type.
fn template(found: &mut Vec<Problem>, path: &str, message: &WhatsAppTemplateMessage) {
    for (field, variables) in [
        ("header_variables", &message.header_variables),
        ("button_variables", &message.button_variables),
    ] {
        if let Some(variables) = variables
            && variables.len() > MAX_WHATS_APP_TEMPLATE_VARIABLES
        {
            found.push(Problem::new(
                format!("{path}.{field}"),
                Rule::Count,
                format!(
                    "has {} variables; Braze takes at most {MAX_WHATS_APP_TEMPLATE_VARIABLES}",
                    variables.len()
                ),
            ));
        }
    }
    let cards = &message.carousel_cards;
    let Some(first) = cards.first() else {
        return;
    };
    card_count(found, &format!("{path}.carousel_cards"), cards.len());
    for (index, card) in cards.iter().enumerate() {
        if card.header_media_type != first.header_media_type {
            found.push(Problem::new(
                format!("{path}.carousel_cards[{index}].header_media_type"),
                Rule::Mismatch,
                format!(
                    "must be {}, like the first card's (every card has the same media type)",
                    first.header_media_type
                ),
            ));
        }
    }
}

/// A carousel response: 2 to 10 cards of one media type, the buttons its button type
/// needs, at most 2 and as many on every card.
fn carousel(found: &mut Vec<Problem>, path: &str, message: &WhatsAppCarouselMessage) {
    let cards = &message.cards;
    card_count(found, &format!("{path}.cards"), cards.len());
    let Some(first) = cards.first() else {
        return;
    };
    for (index, card) in cards.iter().enumerate() {
        let at = format!("{path}.cards[{index}]");
        if card.media_type != first.media_type {
            found.push(Problem::new(
                format!("{at}.media_type"),
                Rule::Mismatch,
                format!(
                    "must be {}, like the first card's (every card has the same media type)",
                    first.media_type
                ),
            ));
        }
        let buttons = card.buttons.len();
        if buttons > MAX_WHATS_APP_CARD_BUTTONS {
            found.push(Problem::new(
                format!("{at}.buttons"),
                Rule::Count,
                format!("has {buttons} buttons; Braze takes at most {MAX_WHATS_APP_CARD_BUTTONS}"),
            ));
        }
        match message.carousel_button_type {
            WhatsAppCarouselMessageCarouselButtonType::QuickReply if buttons == 0 => {
                found.push(Problem::new(
                    format!("{at}.buttons"),
                    Rule::Required,
                    "are required when carousel_button_type is quick_reply",
                ));
            }
            WhatsAppCarouselMessageCarouselButtonType::Url if card.cta_url_button.is_none() => {
                found.push(Problem::new(
                    format!("{at}.cta_url_button"),
                    Rule::Required,
                    "is required when carousel_button_type is url",
                ));
            }
            _ => {}
        }
        if buttons != first.buttons.len() {
            found.push(Problem::new(
                format!("{at}.buttons"),
                Rule::Mismatch,
                format!(
                    "has {buttons} buttons and the first card {} (every card has as many)",
                    first.buttons.len()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2030-06-01T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn problems(value: Value) -> Vec<(String, Rule)> {
        let messages: Messages =
            serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{value}: {e}"));
        let mut found = Vec::new();
        check(&mut found, &messages, now());
        found.into_iter().map(|p| (p.path, p.rule)).collect()
    }

    fn first(value: Value) -> (String, Rule) {
        problems(value.clone())
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no problem in {value}"))
    }

    #[test]
    fn the_channel_names_are_the_spec_ones() {
        let all: Messages = serde_json::from_value(json!({
            "apple_push": {"alert": "a"},
            "android_push": {"alert": "a", "title": "t"},
            "kindle_push": {"alert": "a", "title": "t"},
            "web_push": {"alert": "a", "title": "t"},
            "email": {"app_id": "a", "from": "a@example.com", "body": "b"},
            "webhook": {"url": "https://example.com", "request_method": "POST"},
            "content_card": {"type": "CLASSIC", "title": "t", "description": "d", "time_to_live": 60},
            "sms": {"app_id": "a", "body": "b", "subscription_group_id": "g"},
            "whats_app": {"app_id": "a", "subscription_group_id": "g", "message_type": "text_response_message", "message": {"body": "b"}},
        }))
        .unwrap();
        let names: Vec<&str> = channels(&all).into_iter().map(|(name, _)| name).collect();
        let declared: Vec<&str> = shapes::MESSAGES.fields.iter().map(|f| f.name).collect();
        assert_eq!(names, declared);
        let mut found = Vec::new();
        check(&mut found, &all, now());
        assert_eq!(found, []);
    }

    #[test]
    fn a_message_needs_a_documented_channel() {
        assert_eq!(first(json!({})), ("messages".to_owned(), Rule::NoMessage));
        let typo = problems(json!({"apple_psh": {"alert": "a"}}));
        assert_eq!(typo, [("messages".to_owned(), Rule::NoMessage)]);
    }

    #[test]
    fn every_channel_rule() {
        let email = |fields: Value| {
            let mut email = json!({"app_id": "a", "from": "Shop <shop@example.com>", "body": "b"});
            email
                .as_object_mut()
                .unwrap()
                .extend(fields.as_object().unwrap().clone());
            json!({"email": email})
        };
        let card = |fields: Value| {
            let mut card = json!({"type": "CLASSIC", "title": "t", "description": "d"});
            card.as_object_mut()
                .unwrap()
                .extend(fields.as_object().unwrap().clone());
            json!({"content_card": card})
        };
        let whats_app = |message_type: &str, message: Value| json!({"whats_app": {"app_id": "a", "subscription_group_id": "g", "message_type": message_type, "message": message}});
        let carousel_card = |media: &str, buttons: Value| json!({"media_uri": "u", "media_type": media, "buttons": buttons});
        for (body, path, rule) in [
            (
                json!({"apple_push": {"badge": 1}}),
                "messages.apple_push.alert",
                Rule::Required,
            ),
            (
                json!({"apple_push": {"alert": {"title": "t"}}}),
                "messages.apple_push.alert.body",
                Rule::Required,
            ),
            (
                json!({"apple_push": {"alert": "a", "asset_url": "u"}}),
                "messages.apple_push.asset_file_type",
                Rule::Required,
            ),
            (
                json!({"apple_push": {"alert": "a", "asset_file_type": "png"}}),
                "messages.apple_push.asset_file_type",
                Rule::Excluded,
            ),
            (
                json!({"apple_push": {"alert": "a", "apns_priority": 11}}),
                "messages.apple_push.apns_priority",
                Rule::OutOfRange,
            ),
            (
                json!({"apple_push": {"alert": "a", "relevance_score": 1.5}}),
                "messages.apple_push.relevance_score",
                Rule::OutOfRange,
            ),
            (
                json!({"apple_push": {"alert": "a", "extra": [1]}}),
                "messages.apple_push.extra",
                Rule::InvalidExtraPushPayload,
            ),
            (
                json!({"apple_push": {"alert": "a", "extra": {"ab": 1}}}),
                "messages.apple_push.extra.ab",
                Rule::ReservedExtraKey,
            ),
            (
                json!({"apple_push": {"alert": "a", "category": "mine", "buttons": [{"action_id": "x"}]}}),
                "messages.apple_push.buttons[0].action",
                Rule::ButtonAction,
            ),
            (
                json!({"apple_push": {"alert": "a", "category": "mine", "buttons": [{"action_id": "x", "action": "URI"}]}}),
                "messages.apple_push.buttons[0].uri",
                Rule::Required,
            ),
            (
                json!({"apple_push": {"alert": "x".repeat(MAX_APPLE_PUSH_BYTES)}}),
                "messages.apple_push",
                Rule::ApplePushTooLong,
            ),
            (
                json!({"android_push": {"alert": "a"}}),
                "messages.android_push.title",
                Rule::Required,
            ),
            (
                json!({"android_push": {"alert": "a", "send_to_sync": true}}),
                "messages.android_push.alert",
                Rule::Excluded,
            ),
            (
                json!({"android_push": {"alert": "a", "title": "t", "time_to_live": MAX_ANDROID_TIME_TO_LIVE_SECS + 1}}),
                "messages.android_push.time_to_live",
                Rule::OutOfRange,
            ),
            (
                json!({"android_push": {"alert": "a", "title": "t", "extra": "x"}}),
                "messages.android_push.extra",
                Rule::InvalidExtraPushPayload,
            ),
            (
                json!({"android_push": {"alert": "a", "title": "t", "buttons": [{"text": "t", "action": "DEEP_LINK"}]}}),
                "messages.android_push.buttons[0].uri",
                Rule::Required,
            ),
            (
                json!({"android_push": {"alert": "x".repeat(MAX_ANDROID_PUSH_BYTES + 1), "title": "t"}}),
                "messages.android_push",
                Rule::AndroidPushTooLong,
            ),
            (
                json!({"kindle_push": {"alert": "a", "title": "t", "extra": 1}}),
                "messages.kindle_push.extra",
                Rule::InvalidExtraPushPayload,
            ),
            (
                json!({"web_push": {"alert": "a", "title": "t", "buttons": [{"text": "t", "action": "DEEP_LINK", "uri": "app://x"}]}}),
                "messages.web_push.buttons[0].action",
                Rule::ButtonAction,
            ),
            (
                json!({"email": {"app_id": "a", "from": "a@example.com"}}),
                "messages.email.body",
                Rule::Required,
            ),
            (
                email(json!({"app_id": " "})),
                "messages.email.app_id",
                Rule::Blank,
            ),
            (
                email(json!({"from": "Shop"})),
                "messages.email.from",
                Rule::NotAnAddress,
            ),
            (
                email(json!({"from": "Shop <shop>"})),
                "messages.email.from",
                Rule::NotAnAddress,
            ),
            (
                email(json!({"reply_to": "nobody"})),
                "messages.email.reply_to",
                Rule::NotAnAddress,
            ),
            (
                email(json!({"attachments": [{"file_name": "", "url": "u"}]})),
                "messages.email.attachments[0].file_name",
                Rule::Blank,
            ),
            (
                card(json!({})),
                "messages.content_card.time_to_live",
                Rule::Required,
            ),
            (
                card(json!({"time_to_live": 60, "expire_at": "2030-06-02T00:00:00Z"})),
                "messages.content_card.expire_at",
                Rule::Excluded,
            ),
            (
                card(json!({"time_to_live": 31 * 86_400})),
                "messages.content_card.time_to_live",
                Rule::OutOfRange,
            ),
            (
                card(json!({"expire_at": "2030-07-02T00:00:00Z"})),
                "messages.content_card.expire_at",
                Rule::OutOfRange,
            ),
            (
                card(json!({"expire_at": "soon"})),
                "messages.content_card.expire_at",
                Rule::NotADateTime,
            ),
            (
                card(json!({"time_to_live": 60, "expire_in_local_time": true})),
                "messages.content_card.expire_in_local_time",
                Rule::Excluded,
            ),
            (
                card(json!({"time_to_live": 60, "extra": []})),
                "messages.content_card.extra",
                Rule::NotAnObject,
            ),
            (
                json!({"content_card": {"type": "BANNER", "time_to_live": 60}}),
                "messages.content_card.image_url",
                Rule::Required,
            ),
            (
                json!({"content_card": {"type": "CAPTIONED_IMAGE", "image_url": "u", "description": "d", "time_to_live": 60}}),
                "messages.content_card.title",
                Rule::Required,
            ),
            (
                json!({"sms": {"app_id": "a", "body": "b", "subscription_group_id": "g", "user_click_tracking_enabled": true}}),
                "messages.sms.user_click_tracking_enabled",
                Rule::Required,
            ),
            (
                whats_app(
                    "template_message",
                    json!({"template_name": "t", "template_language_code": "en", "header_variables": {"0": "a", "1": "b"}}),
                ),
                "messages.whats_app.message.header_variables",
                Rule::Count,
            ),
            (
                whats_app(
                    "template_message",
                    json!({"template_name": "t", "template_language_code": "en", "button_variables": {"0": "a", "1": "b"}}),
                ),
                "messages.whats_app.message.button_variables",
                Rule::Count,
            ),
            (
                whats_app(
                    "template_message",
                    json!({"template_name": "t", "template_language_code": "en", "carousel_cards": [{"header_media_uri": "u", "header_media_type": "image"}]}),
                ),
                "messages.whats_app.message.carousel_cards",
                Rule::Count,
            ),
            (
                whats_app(
                    "template_message",
                    json!({"template_name": "t", "template_language_code": "en", "carousel_cards": [{"header_media_uri": "u", "header_media_type": "image"}, {"header_media_uri": "u", "header_media_type": "video"}]}),
                ),
                "messages.whats_app.message.carousel_cards[1].header_media_type",
                Rule::Mismatch,
            ),
            (
                whats_app(
                    "quick_reply_response_message",
                    json!({"body": "b", "buttons": []}),
                ),
                "messages.whats_app.message.buttons",
                Rule::Count,
            ),
            (
                whats_app(
                    "quick_reply_response_message",
                    json!({"body": "b", "buttons": [{"text": "t"}], "header_text": "h", "header_image_uri": "u"}),
                ),
                "messages.whats_app.message.header_image_uri",
                Rule::Excluded,
            ),
            (
                whats_app(
                    "list_response_message",
                    json!({"body": "b", "list": {"list_button_text": "t", "list_sections": []}}),
                ),
                "messages.whats_app.message.list.list_sections",
                Rule::Count,
            ),
            (
                whats_app(
                    "list_response_message",
                    json!({"body": "b", "list": {"list_button_text": "t", "list_sections": [{"section_title": "s", "list_rows": (0..11).map(|i| json!({"row_title": format!("r{i}")})).collect::<Vec<_>>()}]}}),
                ),
                "messages.whats_app.message.list.list_sections",
                Rule::Count,
            ),
            (
                whats_app(
                    "carousel_response_message",
                    json!({"body": "b", "carousel_button_type": "quick_reply", "cards": [carousel_card("image", json!(["a"]))]}),
                ),
                "messages.whats_app.message.cards",
                Rule::Count,
            ),
            (
                whats_app(
                    "carousel_response_message",
                    json!({"body": "b", "carousel_button_type": "quick_reply", "cards": [carousel_card("image", json!(["a"])), carousel_card("video", json!(["a"]))]}),
                ),
                "messages.whats_app.message.cards[1].media_type",
                Rule::Mismatch,
            ),
            (
                whats_app(
                    "carousel_response_message",
                    json!({"body": "b", "carousel_button_type": "quick_reply", "cards": [carousel_card("image", json!(["a", "b", "c"])), carousel_card("image", json!(["a", "b", "c"]))]}),
                ),
                "messages.whats_app.message.cards[0].buttons",
                Rule::Count,
            ),
            (
                whats_app(
                    "carousel_response_message",
                    json!({"body": "b", "carousel_button_type": "quick_reply", "cards": [carousel_card("image", json!([])), carousel_card("image", json!([]))]}),
                ),
                "messages.whats_app.message.cards[0].buttons",
                Rule::Required,
            ),
            (
                whats_app(
                    "carousel_response_message",
                    json!({"body": "b", "carousel_button_type": "url", "cards": [carousel_card("image", json!([])), carousel_card("image", json!([]))]}),
                ),
                "messages.whats_app.message.cards[0].cta_url_button",
                Rule::Required,
            ),
            (
                whats_app(
                    "carousel_response_message",
                    json!({"body": "b", "carousel_button_type": "quick_reply", "cards": [carousel_card("image", json!(["a"])), carousel_card("image", json!(["a", "b"]))]}),
                ),
                "messages.whats_app.message.cards[1].buttons",
                Rule::Mismatch,
            ),
        ] {
            assert_eq!(first(body.clone()), (path.to_owned(), rule), "{body}");
        }
    }

    #[test]
    fn documented_edges_are_accepted() {
        for fine in [
            // A background push needs no alert; Braze's categories take any action.
            json!({"apple_push": {"content-available": true}}),
            json!({"apple_push": {"alert": "a", "category": "ab_cat_yes_no", "buttons": [{"action_id": "ab_pb_yes"}]}}),
            json!({"apple_push": {"alert": "a", "category": "mine", "buttons": [{"action_id": "x", "action": "DEEP_LINK", "uri": "app://x"}]}}),
            // Braze reads an Android or Kindle priority out of range as 0.
            json!({"android_push": {"alert": "a", "title": "t", "priority": 7}}),
            json!({"kindle_push": {"alert": "a", "title": "t", "priority": -9}}),
            json!({"android_push": {"send_to_sync": true}}),
            json!({"email": {"app_id": "a", "from": "sender@example.com", "email_template_id": "t", "reply_to": "NO_REPLY_TO"}}),
            json!({"email": {"app_id": "a", "from": "A \"B\" <a.b+c@mail.example.co.uk>", "body": "b", "reply_to": "r@example.com"}}),
            json!({"content_card": {"type": "BANNER", "image_url": "u", "time_to_live": 30 * 86_400}}),
            json!({"content_card": {"type": "CLASSIC", "title": "t", "description": "d", "expire_at": "2030-07-01T12:00:00+0000", "expire_in_local_time": false}}),
            json!({"sms": {"app_id": "a", "body": "b", "subscription_group_id": "g", "user_click_tracking_enabled": true, "link_shortening_enabled": true}}),
        ] {
            assert_eq!(problems(fine.clone()), [], "{fine}");
        }
    }

    #[test]
    fn sizes_are_counted_as_documented() {
        let at_limit = |extra_len: usize| {
            let push: ApplePush =
                serde_json::from_value(json!({"alert": "x".repeat(extra_len)})).unwrap();
            apple_push_payload_bytes(&push)
        };
        // `{"alert":"…"}` is 12 bytes around the text.
        assert_eq!(at_limit(100), 112);
        let android: AndroidPush = serde_json::from_value(
            json!({"alert": "é", "title": "a long title", "extra": {"k": 1}}),
        )
        .unwrap();
        assert_eq!(android_push_payload_bytes(&android), 2 + r#"{"k":1}"#.len());
    }
}
