//! Scheduled messages with their content: `POST /messages/schedule/create`, `update` and
//! `delete`, and the typed channel objects that go in `messages` (one file each under
//! `messages/`).
//!
//! Each channel is a builder whose constructor takes what Braze requires of it, so the
//! common case is one line ([`ApplePush::new`], [`Email::html`], [`Sms::new`], ...), and
//! every other documented field is a setter. What the docs make conditional (an Apple
//! alert unless it is a background push, an email body or a template, a Content Card's
//! expiry...) is checked before anything is sent, on the final wire body: messages read
//! from JSON ([`CreateMessageSchedule::messages`]) are checked the same way.

use braze_api::operations::Shape;
use braze_api::types;
use serde_json::{Map, Value};

use crate::request::impl_request;
use crate::targeting::{MessageTargeting, message_targeting_setters};
use crate::{Client, DeleteSchedule, Error, Schedule, ScheduleId, validate};

/// Setters for optional fields of a channel: each `x` takes the value and sets the field
/// of the generated builder held in `self.inner` (or in the field named before `=>`), and
/// its twin `set_x` takes an `Option` (`None` leaves the field out).
macro_rules! optional_setters {
    ($held:ident => $($(#[$doc:meta])* $name:ident / $set:ident: $ty:ty),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(self, value: impl Into<$ty>) -> Self {
            self.$set(Some(value.into()))
        }

        #[doc = concat!("Sets or clears [`", stringify!($name), "`](Self::", stringify!($name), ").")]
        pub fn $set(mut self, value: Option<$ty>) -> Self {
            self.$held = self.$held.$name(value);
            self
        }
    )*};
    ($($(#[$doc:meta])* $name:ident / $set:ident: $ty:ty),* $(,)?) => {
        optional_setters!(inner => $($(#[$doc])* $name / $set: $ty),*);
    };
}

mod content_card;
mod email;
mod push;
mod sms;
mod webhook;
pub mod whats_app;

pub use content_card::{CardExpiry, ContentCard};
pub use email::Email;
pub use push::{
    AndroidPush, AppleAlert, AppleButton, ApplePush, KindlePush, PushButton, PushButtonAction,
    WebPush,
};
pub use sms::Sms;
pub use webhook::{Webhook, WebhookRequestMethod};
pub use whats_app::WhatsApp;

/// Which users of the target receive the message (`recipient_subscription_state`).
pub use braze_api::types::RecipientSubscriptionState;

/// Reads Braze's `messages` object from JSON (a file, say), with the spec's types: a wrong
/// type or a missing field is an [`Error::InvalidRequest`] naming its JSON path
/// (`messages.apple_push.badge`). The result goes to [`CreateMessageSchedule::messages`],
/// where it is checked like built messages. (Like
/// [`Audience::from_json`](crate::audience::Audience::from_json), it takes the JSON
/// already parsed.)
///
/// ```
/// use serde_json::json;
///
/// let messages = braze_sdk::messages::from_json(json!({"apple_push": {"alert": "Hi"}}))?;
/// assert!(messages.apple_push.is_some());
/// let error = braze_sdk::messages::from_json(json!({"apple_push": {"badge": "one"}})).unwrap_err();
/// assert!(error.to_string().contains("messages.apple_push.badge"), "{error}");
/// # Ok::<(), braze_sdk::Error>(())
/// ```
// `#[inline]`, like the two below: the deserializers it needs (every channel's types,
// through `serde_path_to_error`) are compiled in the crates that call it, not in every
// build of this one.
#[inline]
pub fn from_json(json: Value) -> Result<types::Messages, Error> {
    if !json.is_object() {
        return Err(Error::invalid(
            "messages",
            crate::validate::not_an_object(&json),
        ));
    }
    // WhatsApp's seven shapes are told apart by `message_type`: read the one it names, so
    // that an error says which field of that shape is wrong, not "no shape matched".
    if let Some(whats_app) = json.get("whats_app") {
        whats_app_shape(whats_app)?;
    }
    typed::<types::Messages>(&json, "messages")
}

/// Reads `value` as `T`, an error naming the path under `prefix`.
#[inline]
fn typed<T: serde::de::DeserializeOwned>(value: &Value, prefix: &str) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." {
            prefix.to_owned()
        } else {
            format!("{prefix}.{path}")
        };
        Error::invalid(field, error.into_inner().to_string())
    })
}

/// Checks `whats_app` as the envelope its `message_type` names; the names are those of the
/// generated enums (each envelope's `message_type` has one value).
#[inline]
fn whats_app_shape(value: &Value) -> Result<(), Error> {
    const PATH: &str = "messages.whats_app";
    type Reader = fn(&Value) -> Result<(), Error>;
    let readers: [(String, Reader); 7] = [
        (
            types::WhatsAppTemplateMessageType::TemplateMessage.to_string(),
            |v| typed::<types::WhatsAppTemplate>(v, PATH).map(drop),
        ),
        (
            types::WhatsAppTextMessageType::TextResponseMessage.to_string(),
            |v| typed::<types::WhatsAppText>(v, PATH).map(drop),
        ),
        (
            types::WhatsAppTextImageMessageType::TextImageResponseMessage.to_string(),
            |v| typed::<types::WhatsAppTextImage>(v, PATH).map(drop),
        ),
        (
            types::WhatsAppQuickReplyMessageType::QuickReplyResponseMessage.to_string(),
            |v| typed::<types::WhatsAppQuickReply>(v, PATH).map(drop),
        ),
        (
            types::WhatsAppListMessageType::ListResponseMessage.to_string(),
            |v| typed::<types::WhatsAppList>(v, PATH).map(drop),
        ),
        (
            types::WhatsAppFlowMessageType::FlowResponseMessage.to_string(),
            |v| typed::<types::WhatsAppFlow>(v, PATH).map(drop),
        ),
        (
            types::WhatsAppCarouselMessageType::CarouselResponseMessage.to_string(),
            |v| typed::<types::WhatsAppCarousel>(v, PATH).map(drop),
        ),
    ];
    let kind = value.get("message_type").and_then(Value::as_str);
    match readers.iter().find(|(name, _)| Some(name.as_str()) == kind) {
        Some((_, read)) => read(value),
        None => {
            let names: Vec<&str> = readers.iter().map(|(name, _)| name.as_str()).collect();
            Err(Error::invalid(
                format!("{PATH}.message_type"),
                format!("must be one of {}", names.join(", ")),
            ))
        }
    }
}

/// Braze's `extra` object of a channel (the data handed to the app), and fields of the
/// channel the spec does not declare. Both travel in the generated type's map of
/// undeclared fields: `extra` is not a declared field (see the spec's `ApplePush`).
#[derive(Debug, Clone, Default, PartialEq)]
struct Extras {
    extra: Map<String, Value>,
    fields: Map<String, Value>,
}

impl Extras {
    /// The map of undeclared fields for the wire. A documented field given as an extra is
    /// refused (it has its own setter, and could be sent twice).
    fn into_wire(self, shape: &Shape, path: &str) -> Result<Map<String, Value>, Error> {
        validate::extra(Some(shape), path, &self.fields)?;
        let mut fields = self.fields;
        if !self.extra.is_empty() {
            if fields.contains_key("extra") {
                return Err(Error::invalid(
                    format!("{path}.extra"),
                    "is given both with `.extra(..)` and as a field; use `.extra(..)`",
                ));
            }
            fields.insert("extra".to_owned(), Value::Object(self.extra));
        }
        Ok(fields)
    }
}

/// The messages of a create, update or send: Braze's whole `messages` object read as
/// given ([`CreateMessageSchedule::messages`]), with channels set by the typed builders
/// over it.
#[derive(Debug, Clone, Default)]
pub(crate) struct MessageSet {
    pub(crate) base: Option<types::Messages>,
    pub(crate) apple_push: Option<ApplePush>,
    pub(crate) android_push: Option<AndroidPush>,
    pub(crate) kindle_push: Option<push::KindlePush>,
    pub(crate) web_push: Option<WebPush>,
    pub(crate) email: Option<Email>,
    pub(crate) webhook: Option<Webhook>,
    pub(crate) content_card: Option<ContentCard>,
    pub(crate) sms: Option<Sms>,
    pub(crate) whats_app: Option<WhatsApp>,
}

impl MessageSet {
    fn is_empty(&self) -> bool {
        self.base.is_none()
            && self.apple_push.is_none()
            && self.android_push.is_none()
            && self.kindle_push.is_none()
            && self.web_push.is_none()
            && self.email.is_none()
            && self.webhook.is_none()
            && self.content_card.is_none()
            && self.sms.is_none()
            && self.whats_app.is_none()
    }

    /// The wire `messages`, or `None` when none was given.
    pub(crate) fn to_wire(&self) -> Result<Option<types::Messages>, Error> {
        if self.is_empty() {
            return Ok(None);
        }
        let mut messages = match &self.base {
            Some(base) => base.clone(),
            None => types::Messages::builder()
                .extra(Map::new())
                .try_into()
                .map_err(Error::conversion)?,
        };
        let set = self.clone();
        macro_rules! channel {
            ($field:ident) => {
                if let Some(channel) = set.$field {
                    let path = concat!("messages.", stringify!($field));
                    messages.$field = Some(channel.into_wire(path)?);
                }
            };
        }
        channel!(apple_push);
        channel!(android_push);
        channel!(kindle_push);
        channel!(web_push);
        channel!(email);
        channel!(webhook);
        channel!(content_card);
        channel!(sms);
        channel!(whats_app);
        Ok(Some(messages))
    }
}

/// The channel setters of a builder that has a `messages: MessageSet` field: each `x(v)`
/// with its `set_x(Option<v>)`.
macro_rules! message_setters {
    () => {
        message_setters!(
            /// Braze's whole `messages` object, e.g. read from a JSON file
            /// ([`from_json`](crate::messages::from_json)); channels set with the typed
            /// setters replace its own. Checked like built messages.
            base: messages / set_messages: braze_api::types::Messages,
            /// An iOS push (`apple_push`).
            apple_push: apple_push / set_apple_push: $crate::messages::ApplePush,
            /// An Android push (`android_push`).
            android_push: android_push / set_android_push: $crate::messages::AndroidPush,
            /// A Kindle or FireOS push (`kindle_push`).
            kindle_push: kindle_push / set_kindle_push: $crate::messages::KindlePush,
            /// A web push (`web_push`).
            web_push: web_push / set_web_push: $crate::messages::WebPush,
            /// An email (`email`).
            email: email / set_email: $crate::messages::Email,
            /// A webhook (`webhook`).
            webhook: webhook / set_webhook: $crate::messages::Webhook,
            /// A Content Card (`content_card`).
            content_card: content_card / set_content_card: $crate::messages::ContentCard,
            /// An SMS or MMS (`sms`).
            sms: sms / set_sms: $crate::messages::Sms,
            /// A WhatsApp message (`whats_app`; documented for `/messages/send`, not
            /// verified on the schedule endpoints).
            whats_app: whats_app / set_whats_app: $crate::messages::WhatsApp,
        );
    };
    ($($(#[$doc:meta])* $field:ident: $setter:ident / $set:ident: $ty:ty),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $setter(self, value: impl Into<$ty>) -> Self {
            self.$set(Some(value.into()))
        }

        #[doc = concat!("Sets or clears what [`", stringify!($setter), "`](Self::", stringify!($setter), ") sets.")]
        pub fn $set(mut self, value: Option<$ty>) -> Self {
            self.messages.$field = value;
            self
        }
    )*};
}
pub(crate) use message_setters;

impl Client {
    /// Schedules a message with its content: `POST /messages/schedule/create` (permission
    /// `messages.schedule.create`).
    ///
    /// Target users ([`external_user_id`](CreateMessageSchedule::external_user_id) or
    /// [`user_alias`](CreateMessageSchedule::user_alias), at most
    /// [`rules::MAX_USERS`](crate::rules::MAX_USERS) in all; with a
    /// [`segment_id`](CreateMessageSchedule::segment_id) or an
    /// [`audience`](CreateMessageSchedule::audience), those of them in it), or a whole
    /// segment or audience with [`broadcast(true)`](CreateMessageSchedule::broadcast)
    /// (Braze: `broadcast` "must be set to true if users are not specified"); give at least
    /// one channel. The answer's `schedule_id` is what update and delete take.
    ///
    /// Braze has no idempotency key, so a create is retried only when it cannot have
    /// reached Braze (connection failure) or was refused for the rate limit.
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// use braze_sdk::Schedule;
    /// use braze_sdk::messages::ApplePush;
    ///
    /// let created = client
    ///     .create_message_schedule(Schedule::parse("2030-05-24T21:30:00Z")?)
    ///     .external_user_id("user-42")
    ///     .apple_push(ApplePush::new("Your table is ready"))
    ///     .await?;
    /// println!("scheduled as {}", created.schedule_id);
    /// # Ok(()) }
    /// ```
    pub fn create_message_schedule(&self, schedule: impl Into<Schedule>) -> CreateMessageSchedule {
        CreateMessageSchedule {
            client: self.clone(),
            schedule: schedule.into(),
            targeting: MessageTargeting::default(),
            override_messaging_limits: None,
            messages: MessageSet::default(),
            extra: Map::new(),
        }
    }

    /// Changes a scheduled message: `POST /messages/schedule/update` (permission
    /// `messages.schedule.update`). Give a new [`schedule`](UpdateMessageSchedule::schedule),
    /// new messages, or both. A new schedule replaces the old one whole; new messages are
    /// taken to replace the old ones (Braze does not say whether they merge). To change only
    /// the schedule of any kind of send, [`Client::update_schedule`] does too.
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// use braze_sdk::Schedule;
    /// use braze_sdk::messages::ApplePush;
    ///
    /// client
    ///     .update_message_schedule("schedule_identifier")
    ///     .schedule(Schedule::parse("2030-05-24T22:00:00Z")?)
    ///     .apple_push(ApplePush::new("Your table is ready (a bit later)"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn update_message_schedule(
        &self,
        schedule_id: impl Into<ScheduleId>,
    ) -> UpdateMessageSchedule {
        UpdateMessageSchedule {
            client: self.clone(),
            schedule_id: schedule_id.into(),
            schedule: None,
            messages: MessageSet::default(),
            extra: Map::new(),
        }
    }

    /// Cancels a scheduled message: `POST /messages/schedule/delete` (permission
    /// `messages.schedule.delete`); [`Client::delete_schedule`] of a
    /// [`ScheduleRef::Message`](crate::ScheduleRef::Message).
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// client.delete_message_schedule("schedule_identifier").await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_message_schedule(&self, schedule_id: impl Into<ScheduleId>) -> DeleteSchedule {
        self.delete_schedule(crate::ScheduleRef::message(schedule_id))
    }
}

/// A message schedule create, built by [`Client::create_message_schedule`]. Send it with
/// [`send`](Self::send) or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CreateMessageSchedule {
    client: Client,
    schedule: Schedule,
    targeting: MessageTargeting,
    override_messaging_limits: Option<bool>,
    messages: MessageSet,
    extra: Map<String, Value>,
}

impl CreateMessageSchedule {
    message_targeting_setters!("message");

    /// Ignores frequency capping for campaigns (Braze's default: false).
    pub fn override_messaging_limits(self, yes: bool) -> Self {
        self.set_override_messaging_limits(Some(yes))
    }

    /// Sets or clears `override_messaging_limits`.
    pub fn set_override_messaging_limits(mut self, yes: Option<bool>) -> Self {
        self.override_messaging_limits = yes;
        self
    }

    message_setters!();

    /// Adds a body field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The checked wire body. Every rule is checked here, before anything is sent.
    pub fn body(&self) -> Result<types::MessageScheduleCreateRequest, Error> {
        let targeting = self.targeting.to_wire(&self.extra)?;
        let messages = self.messages.to_wire()?;
        validate::extra(self.spec().request_body, "", &self.extra)?;
        types::MessageScheduleCreateRequest::builder()
            .schedule(self.schedule.to_wire()?)
            .broadcast(targeting.broadcast)
            .external_user_ids(targeting.external_user_ids)
            .user_aliases(targeting.user_aliases)
            .segment_id(targeting.segment_id)
            .audience(targeting.audience)
            .campaign_id(targeting.campaign_id)
            .send_id(targeting.send_id)
            .override_messaging_limits(self.override_messaging_limits)
            .recipient_subscription_state(targeting.recipient_subscription_state)
            .messages(messages)
            .extra(targeting.extra)
            .try_into()
            .map_err(Error::conversion)
            .and_then(validate::rules)
    }
}

impl_request!(CreateMessageSchedule, create_message_schedule);

/// A message schedule update, built by [`Client::update_message_schedule`]. Send it with
/// [`send`](Self::send) or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct UpdateMessageSchedule {
    client: Client,
    schedule_id: ScheduleId,
    schedule: Option<Schedule>,
    messages: MessageSet,
    extra: Map<String, Value>,
}

impl UpdateMessageSchedule {
    /// The new schedule (it replaces the old one whole).
    pub fn schedule(self, schedule: impl Into<Schedule>) -> Self {
        self.set_schedule(Some(schedule.into()))
    }

    /// Sets or clears the new schedule.
    pub fn set_schedule(mut self, schedule: Option<Schedule>) -> Self {
        self.schedule = schedule;
        self
    }

    message_setters!();

    /// Adds a body field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The checked wire body.
    pub fn body(&self) -> Result<types::MessageScheduleUpdateRequest, Error> {
        validate::id(self.schedule_id.check())?;
        let messages = self.messages.to_wire()?;
        validate::extra(self.spec().request_body, "", &self.extra)?;
        types::MessageScheduleUpdateRequest::builder()
            .schedule_id(self.schedule_id.clone())
            .schedule(self.schedule.map(Schedule::to_wire).transpose()?)
            .messages(messages)
            .extra(self.extra.clone())
            .try_into()
            .map_err(Error::conversion)
            .and_then(validate::rules)
    }
}

impl_request!(UpdateMessageSchedule, update_message_schedule);
