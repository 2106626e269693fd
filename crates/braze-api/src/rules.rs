//! Braze's documented rules on a request body that the spec's types cannot express, each
//! written once, for the client, the fake and the command.
//!
//! The generated types say what a field *is* (a string, a list of recipients, one of seven
//! WhatsApp shapes). These rules say what Braze asks beyond that: at most 50 users, an
//! Apple push within 1,912 bytes, a `message_variation_id` on every message when the
//! request names a campaign, a local time that has not passed everywhere... [`Check`]
//! walks a request body in its generated type and reports every [`Problem`] with its JSON
//! path, the [`Rule`] it breaks and a sentence a person can act on.
//!
//! * The SDK checks each body before sending and turns the first problem into its
//!   `InvalidRequest` error.
//! * The fake checks each body it receives and answers the first problem with a 400 in
//!   Braze's documented words ([`Rule::braze_error`]).
//! * What Braze leaves open about its *answers* (a status, which mistakes it takes with a
//!   2xx and fails later) stays the fake's own choice.
//!
//! Where Braze's pages are silent or contradict each other, the rule makes one choice and
//! its documentation says which page it follows, so that the client and the fake can never
//! disagree. The connected audience has rules of its own, in [`crate::audience`]; the times
//! are read by [`crate::time`].
//!
//! ```
//! use braze_api::rules::{Check, Rule};
//! use braze_api::types::MessageScheduleCreateRequest;
//!
//! let body: MessageScheduleCreateRequest = serde_json::from_value(serde_json::json!({
//!     "external_user_ids": ["user-1"],
//!     "campaign_id": "campaign-1",
//!     "schedule": {"time": "2030-05-24T21:30:00Z"},
//!     "messages": {"apple_push": {"alert": "Hello"}},
//! }))?;
//! let now = chrono::Utc::now();
//! let problems = body.problems(now);
//! assert_eq!(problems[0].path, "messages.apple_push.message_variation_id");
//! assert_eq!(problems[0].rule, Rule::VariantUnspecified);
//! assert_eq!(problems[0].rule.braze_error(), Some("Message Variant Unspecified"));
//! # Ok::<(), serde_json::Error>(())
//! ```

use chrono::{DateTime, TimeDelta, Utc};

use crate::types;

mod messages;
mod schedule;
mod targeting;

pub use messages::{android_push_payload_bytes, apple_push_payload_bytes, channels};

/// Braze's cap on the users one request names: `recipients`, or `external_user_ids` and
/// `user_aliases` together (`parameters.md`: "max 50"; its error "The max number of
/// external_ids and aliases per request was exceeded" counts aliases too).
pub const MAX_USERS: usize = 50;

/// Braze's cap on a `send_id`, in characters; it must also be ASCII (`identifier_types.md`).
pub const MAX_SEND_ID_CHARS: usize = 64;

/// The characters a transactional `external_send_id` may use besides ASCII letters and
/// digits (its page's pattern `/^[a-zA-Z0-9-_+\/=]+$/`: Base64, standard or URL-safe).
pub const EXTERNAL_SEND_ID_CHARACTERS: &str = "-_+/=";

/// Braze's cap on a properties object (`trigger_properties`, `context`,
/// `canvas_entry_properties`), in bytes of compact JSON ("50 KB", taken as 50 × 1,024).
pub const MAX_PROPERTIES_BYTES: usize = 50 * 1024;

/// Braze's cap on an Apple push payload, in bytes ("Apple Push Length Exceeded"; what is
/// counted: [`apple_push_payload_bytes`]).
pub const MAX_APPLE_PUSH_BYTES: usize = 1_912;

/// Braze's cap on an Android push payload, in bytes ("Android Push Length Exceeded"; what
/// is counted: [`android_push_payload_bytes`]).
pub const MAX_ANDROID_PUSH_BYTES: usize = 4_000;

/// The longest an Android push may wait for delivery, in seconds (`android_object.md`:
/// "max 2,419,200", FCM's 28 days).
pub const MAX_ANDROID_TIME_TO_LIVE_SECS: i64 = 2_419_200;

/// The furthest ahead a Content Card may expire (`content_cards_object.md`: "max expiry 30
/// days"), by `time_to_live` or `expire_at` alike, counted from the request: the only
/// moment both sides know.
pub const MAX_CONTENT_CARD_LIFETIME: TimeDelta = TimeDelta::days(30);

/// Apple's `apns_priority` (`apple_object.md`: 10 immediate, 5 power-aware, 1 minimal).
pub const APNS_PRIORITIES: std::ops::RangeInclusive<u64> = 1..=10;

/// Apple's `relevance_score` (`apple_object.md`: 0.0–1.0).
pub const RELEVANCE_SCORES: std::ops::RangeInclusive<f64> = 0.0..=1.0;

/// The keys Apple and Braze reserve in an Apple push's `extra` (`apple_object.md`: "Keys
/// `ab` or `aps` are rejected").
pub const RESERVED_APPLE_EXTRA_KEYS: [&str; 2] = ["ab", "aps"];

/// How many cards a WhatsApp carousel has, in a carousel response or a carousel template
/// (`whats_app_object.md`: "2–10").
pub const WHATS_APP_CAROUSEL_CARDS: std::ops::RangeInclusive<usize> = 2..=10;

/// Braze's cap on the buttons of a WhatsApp carousel card (`whats_app_object.md`: "≤ 2").
pub const MAX_WHATS_APP_CARD_BUTTONS: usize = 2;

/// Braze's cap on the rows of a WhatsApp list, across its sections (`whats_app_object.md`:
/// "≤ 10 rows across all sections").
pub const MAX_WHATS_APP_LIST_ROWS: usize = 10;

/// Braze's cap on a template's `header_variables` and `button_variables`
/// (`whats_app_object.md`: "0 or 1 entry"; "only one").
pub const MAX_WHATS_APP_TEMPLATE_VARIABLES: usize = 1;

/// One thing wrong with a request body, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The JSON path of the field at fault, from the top of the body:
    /// `recipients[3].email`, `messages.apple_push.alert`, `schedule.time`.
    pub path: String,
    /// The rule it breaks.
    pub rule: Rule,
    /// What is wrong and how to fix it, written to follow the path: `is required unless
    /// content-available is true (a background push)`.
    pub detail: String,
}

impl Problem {
    fn new(path: impl Into<String>, rule: Rule, detail: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            rule,
            detail: detail.into(),
        }
    }
}

/// `path detail`: `messages.apple_push.alert is required unless ...`.
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.path, self.detail)
    }
}

/// Which of Braze's rules a [`Problem`] breaks. Each says where Braze documents it, and
/// which choice was made where its pages are silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A text that names something (a user id, an alias, a segment, an `app_id`, a
    /// sender, an attachment) is empty or blank. Braze documents these fields as
    /// required strings; an empty one names nothing.
    Blank,
    /// More than [`MAX_USERS`] users in one request.
    TooManyUsers,
    /// `broadcast: true` together with listed users (`parameters.md`: "including
    /// 'broadcast: true' and providing a recipient list will return an error").
    BroadcastWithUsers,
    /// The request targets nobody (the errors page's "No Recipients"). A trigger create
    /// needs `recipients`, an `audience` or `broadcast: true`; a message create needs at
    /// least one of `segment_id`, `external_user_ids` / `user_aliases` and `audience`
    /// (its page: "You will need to include at least one of ...").
    NoRecipients,
    /// A message create that lists no users without `broadcast: true`: its page says
    /// `broadcast` "must be set to true if users are not specified", so a `segment_id` or
    /// an `audience` alone is refused.
    BroadcastRequired,
    /// A recipient names no user or more than one (`recipient_object.md`: "Requests must
    /// specify only one").
    OneIdentifier,
    /// A recipient by `email` without `prioritization` (`recipient_object.md`).
    PrioritizationRequired,
    /// `send_to_existing_only` on a recipient by `user_alias` (`recipient_object.md`:
    /// "cannot be used with user aliases").
    AliasCannotCreateUsers,
    /// `send_to_existing_only: false` without `attributes` to create the user with
    /// (`recipient_object.md`).
    AttributesRequired,
    /// A properties object over [`MAX_PROPERTIES_BYTES`].
    PropertiesTooLarge,
    /// A `send_id` that is not ASCII or is longer than [`MAX_SEND_ID_CHARS`].
    SendId,
    /// A transactional `external_send_id` with a character outside
    /// [`EXTERNAL_SEND_ID_CHARACTERS`] (its page: "Base64 compatible", the pattern
    /// `/^[a-zA-Z0-9-_+\/=]+$/`).
    ExternalSendId,
    /// A schedule `time` whose date does not exist (February 30): the spec's pattern
    /// checks only the shape.
    NotADate,
    /// A local or optimal-time send whose `time` has a time-zone designator. Braze's
    /// schedule object says "do not include a time zone designator"; it does not say what
    /// it does with one, and the choice is to refuse it rather than guess which clock was
    /// meant.
    DesignatorWithLocalTime,
    /// A local-time send whose time has passed in every time zone (the schedule object:
    /// "an error is returned"). A UTC time in the past is not refused: Braze documents no
    /// such error (what becomes of it is the fake's choice).
    LocalTimePassed,
    /// An update that changes nothing: `/messages/schedule/update` needs `schedule` or
    /// `messages` or both.
    NothingToUpdate,
    /// No message to send: `messages` is missing or has none of the channels Braze
    /// documents (the errors page's "No message to send"). Keys the spec does not declare
    /// (a typo, a legacy channel) are passed through but are no message.
    NoMessage,
    /// A campaign is named but a message lacks its `message_variation_id` (the errors
    /// page's "Message Variant Unspecified").
    VariantUnspecified,
    /// A push's `extra` is not a JSON object (the errors page's "Invalid Extra Push
    /// Payload", documented for Apple and Android; the Kindle and web pushes document
    /// `extra` as an object too and get the same words).
    InvalidExtraPushPayload,
    /// An Apple push's `extra` uses a key Braze reserves ([`RESERVED_APPLE_EXTRA_KEYS`]).
    /// Braze says they "are rejected", not with which words: those of its error about
    /// `extra`.
    ReservedExtraKey,
    /// An Apple push over [`MAX_APPLE_PUSH_BYTES`].
    ApplePushTooLong,
    /// An Android push over [`MAX_ANDROID_PUSH_BYTES`].
    AndroidPushTooLong,
    /// A field that Braze requires in this case is missing: an alert unless the push is
    /// silent, an email body unless a template supplies it, an image for an image card,
    /// the `uri` of a button that opens one, link shortening for user click tracking ...
    Required,
    /// Fields that exclude each other are both given: `alert` or `title` on a silent
    /// Android push, `time_to_live` and `expire_at`, `header_text` and `header_image_uri`,
    /// a file type without its file ...
    Excluded,
    /// A number, a duration or a date outside its documented bounds.
    OutOfRange,
    /// A list with fewer or more items than Braze takes (carousel cards, list rows and
    /// sections, buttons, template variables).
    Count,
    /// The cards of a WhatsApp carousel differ where they must match (media type, number
    /// of buttons).
    Mismatch,
    /// A button action the message does not allow: `DEEP_LINK` on a web push (its page
    /// lists `OPEN_APP`, `URI`, `CLOSE`), anything but `URI` or `DEEP_LINK` under an
    /// app-defined Apple category.
    ButtonAction,
    /// An email `from` or `reply_to` that is no address. The email object documents the
    /// forms `"Display Name <email@address.com>"` and `"email@address.com"` (and
    /// `"NO_REPLY_TO"` for `reply_to`) without saying what Braze does with another; the
    /// choice is to refuse it, as a sender without an address cannot send.
    NotAnAddress,
    /// A date-time field that is not ISO 8601 as Braze writes it ([`crate::time`]).
    NotADateTime,
    /// A field Braze documents as a JSON object is something else.
    NotAnObject,
    /// A field the endpoint does not take, which Braze's page names as such: `segment_id`
    /// on the campaign and Canvas trigger sends ("not supported": the segment is the
    /// dashboard's), `messages` on the campaign trigger send ("Not accepted": the content
    /// is the campaign's).
    Unsupported,
}

impl Rule {
    /// The first words of Braze's documented error for this rule (its errors page, "Fatal
    /// errors"), when it documents one: what a 400 for it starts with.
    pub fn braze_error(self) -> Option<&'static str> {
        Some(match self {
            Self::TooManyUsers => {
                "The max number of external_ids and aliases per request was exceeded"
            }
            Self::NoRecipients => "No Recipients",
            Self::NoMessage => "No message to send",
            Self::VariantUnspecified => "Message Variant Unspecified",
            Self::InvalidExtraPushPayload | Self::ReservedExtraKey => "Invalid Extra Push Payload",
            Self::ApplePushTooLong => "Apple Push Length Exceeded",
            Self::AndroidPushTooLong => "Android Push Length Exceeded",
            _ => return None,
        })
    }
}

/// A request body that Braze's rules apply to.
pub trait Check {
    /// Every problem of the body for a request made at `now`, in the order of its fields;
    /// empty when Braze's documented rules hold.
    fn problems(&self, now: DateTime<Utc>) -> Vec<Problem>;
}

impl Check for types::CampaignScheduleCreateRequest {
    fn problems(&self, now: DateTime<Utc>) -> Vec<Problem> {
        let mut found = Vec::new();
        if let Some(send_id) = &self.send_id {
            targeting::send_id(&mut found, send_id);
        }
        targeting::trigger(
            &mut found,
            &self.recipients,
            has_audience(self.audience.as_ref(), &self.extra),
            self.broadcast,
        );
        targeting::properties(
            &mut found,
            "trigger_properties",
            self.trigger_properties.as_ref(),
        );
        schedule::check(&mut found, "schedule", &self.schedule, now);
        found
    }
}

impl Check for types::CanvasScheduleCreateRequest {
    fn problems(&self, now: DateTime<Utc>) -> Vec<Problem> {
        let mut found = Vec::new();
        targeting::trigger(
            &mut found,
            &self.recipients,
            has_audience(self.audience.as_ref(), &self.extra),
            self.broadcast,
        );
        targeting::properties(&mut found, "context", self.context.as_ref());
        targeting::properties(
            &mut found,
            "canvas_entry_properties",
            self.canvas_entry_properties.as_ref(),
        );
        schedule::check(&mut found, "schedule", &self.schedule, now);
        found
    }
}

impl Check for types::MessageScheduleCreateRequest {
    fn problems(&self, now: DateTime<Utc>) -> Vec<Problem> {
        let mut found = Vec::new();
        if let Some(send_id) = &self.send_id {
            targeting::send_id(&mut found, send_id);
        }
        targeting::users(
            &mut found,
            &targeting::Users {
                external_user_ids: &self.external_user_ids,
                user_aliases: &self.user_aliases,
                segment_id: self.segment_id.as_deref(),
                audience: has_audience(self.audience.as_ref(), &self.extra),
                broadcast: self.broadcast,
            },
        );
        schedule::check(&mut found, "schedule", &self.schedule, now);
        match &self.messages {
            None => found.push(messages::no_message(None)),
            Some(messages) => {
                messages::check(&mut found, messages, now);
                if self.campaign_id.is_some() {
                    messages::variations(&mut found, messages, "campaign_id is given");
                }
            }
        }
        found
    }
}

impl Check for types::MessagesSendRequest {
    fn problems(&self, now: DateTime<Utc>) -> Vec<Problem> {
        let mut found = Vec::new();
        if let Some(send_id) = &self.send_id {
            targeting::send_id(&mut found, send_id);
        }
        targeting::users(
            &mut found,
            &targeting::Users {
                external_user_ids: &self.external_user_ids,
                user_aliases: &self.user_aliases,
                segment_id: self.segment_id.as_deref(),
                audience: has_audience(self.audience.as_ref(), &self.extra),
                broadcast: self.broadcast,
            },
        );
        match &self.messages {
            None => found.push(messages::no_message(None)),
            Some(messages) => {
                messages::check(&mut found, messages, now);
                if self.campaign_id.is_some() {
                    messages::variations(&mut found, messages, "campaign_id is given");
                }
            }
        }
        found
    }
}

impl Check for types::CampaignTriggerSendRequest {
    fn problems(&self, _now: DateTime<Utc>) -> Vec<Problem> {
        let mut found = Vec::new();
        if let Some(send_id) = &self.send_id {
            targeting::send_id(&mut found, send_id);
        }
        targeting::properties(
            &mut found,
            "trigger_properties",
            self.trigger_properties.as_ref(),
        );
        targeting::trigger(
            &mut found,
            &self.recipients,
            has_audience(self.audience.as_ref(), &self.extra),
            self.broadcast,
        );
        targeting::attachments(&mut found, &self.attachments, self.broadcast == Some(true));
        targeting::unsupported(
            &mut found,
            &self.extra,
            &[
                (
                    "segment_id",
                    "is not supported by a trigger send: set the segment on the campaign in \
                     the dashboard and send with broadcast: true, or give an audience",
                ),
                (
                    "messages",
                    "is not accepted by a trigger send: the content is the campaign's (send \
                     content with /messages/send)",
                ),
            ],
        );
        found
    }
}

impl Check for types::CanvasTriggerSendRequest {
    fn problems(&self, _now: DateTime<Utc>) -> Vec<Problem> {
        let mut found = Vec::new();
        targeting::properties(&mut found, "context", self.context.as_ref());
        targeting::properties(
            &mut found,
            "canvas_entry_properties",
            self.canvas_entry_properties.as_ref(),
        );
        targeting::trigger(
            &mut found,
            &self.recipients,
            has_audience(self.audience.as_ref(), &self.extra),
            self.broadcast,
        );
        targeting::unsupported(
            &mut found,
            &self.extra,
            &[(
                "segment_id",
                "is not supported by a trigger send: set the segment on the Canvas in the \
                 dashboard and send with broadcast: true, or give an audience",
            )],
        );
        found
    }
}

impl Check for types::SendIdCreateRequest {
    fn problems(&self, _now: DateTime<Utc>) -> Vec<Problem> {
        let mut found = Vec::new();
        if let Some(send_id) = &self.send_id {
            targeting::send_id(&mut found, send_id);
        }
        found
    }
}

impl Check for types::TransactionalSendRequest {
    fn problems(&self, _now: DateTime<Utc>) -> Vec<Problem> {
        let mut found = Vec::new();
        if let Some(key) = &self.external_send_id {
            targeting::external_send_id(&mut found, key);
        }
        targeting::properties(
            &mut found,
            "trigger_properties",
            self.trigger_properties.as_ref(),
        );
        targeting::transactional_recipient(&mut found, &self.recipient);
        found
    }
}

impl Check for types::CampaignScheduleUpdateRequest {
    fn problems(&self, now: DateTime<Utc>) -> Vec<Problem> {
        let mut found = Vec::new();
        schedule::check(&mut found, "schedule", &self.schedule, now);
        found
    }
}

impl Check for types::CanvasScheduleUpdateRequest {
    fn problems(&self, now: DateTime<Utc>) -> Vec<Problem> {
        let mut found = Vec::new();
        schedule::check(&mut found, "schedule", &self.schedule, now);
        found
    }
}

/// An update names no campaign: whether its messages need variations depends on the
/// schedule it updates, which only the server knows ([`variations`]).
impl Check for types::MessageScheduleUpdateRequest {
    fn problems(&self, now: DateTime<Utc>) -> Vec<Problem> {
        let mut found = Vec::new();
        if self.schedule.is_none() && self.messages.is_none() {
            found.push(Problem::new(
                "schedule",
                Rule::NothingToUpdate,
                "or messages is required (or both): an update must change something",
            ));
        }
        if let Some(schedule) = &self.schedule {
            schedule::check(&mut found, "schedule", schedule, now);
        }
        if let Some(messages) = &self.messages {
            messages::check(&mut found, messages, now);
        }
        found
    }
}

/// Every message of `messages` carries its `message_variation_id`: Braze's rule when the
/// request names a campaign ([`Rule::VariantUnspecified`]). `because` ends the sentence:
/// `campaign_id is given`, or why an update's messages need them.
pub fn variations(messages: &types::Messages, because: &str) -> Vec<Problem> {
    let mut found = Vec::new();
    messages::variations(&mut found, messages, because);
    found
}

/// The `end_time` of the scheduled-broadcasts listing, an ISO 8601 date or date-time
/// ([`crate::time::parse_end_time`]), as an instant; or the problem with it.
pub fn end_time(text: &str) -> Result<DateTime<Utc>, Problem> {
    crate::time::parse_end_time(text).ok_or_else(|| {
        // A `+` of an offset arrives as a space when the query string was not encoded.
        let hint = if text.contains(' ') {
            " (a + in a query string must be sent as %2B)"
        } else {
            ""
        };
        Problem::new(
            "end_time",
            Rule::NotADateTime,
            format!(
                "must be an ISO 8601 date or date-time such as 2018-09-01T00:00:00-04:00, not \
                 {text:?}{hint}"
            ),
        )
    })
}

/// Whether a create carries an audience: typed, or kept as JSON among the fields the spec
/// does not declare (the SDK's unchecked audience; a fake that could not type it).
fn has_audience(
    typed: Option<&types::ConnectedAudience>,
    extra: &serde_json::Map<String, serde_json::Value>,
) -> bool {
    typed.is_some() || extra.contains_key("audience")
}

/// `null`, `a boolean`, `a number`, `a string`, `an array`, `an object`: what a JSON value
/// is, for a sentence.
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether a text names nothing.
fn blank(text: &str) -> bool {
    text.trim().is_empty()
}
