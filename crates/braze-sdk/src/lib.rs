//! A safe, ergonomic client for Braze's messaging REST endpoints: schedule, reschedule and
//! cancel API-triggered campaign sends, Canvas entries and messages with their content,
//! list what is scheduled; and send the same now (messages, campaign and Canvas triggers,
//! transactional email), with send identifiers.
//!
//! ```no_run
//! use braze_sdk::{Client, Instance, Recipient, Schedule};
//!
//! # async fn run() -> Result<(), braze_sdk::Error> {
//! // Or Client::from_env(), from BRAZE_API_KEY and BRAZE_REST_ENDPOINT.
//! let client = Client::new("YOUR-REST-API-KEY", Instance::Us01)?;
//!
//! let created = client
//!     .create_campaign_schedule("campaign_identifier", Schedule::parse("2030-05-24T21:30:00Z")?)
//!     .recipient(Recipient::external_user_id("user-42"))
//!     .await?;
//!
//! // Cancel it (best-effort close to the send time, as Braze documents).
//! let answer = client
//!     .delete_campaign_schedule("campaign_identifier", created.schedule_id.clone())
//!     .await?;
//! println!("{} (rate limit: {:?})", answer.status(), answer.rate_limit());
//! # Ok(()) }
//! ```
//!
//! A push to one user, with its content ([`messages`] has a typed builder for every
//! channel):
//!
//! ```no_run
//! # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
//! use braze_sdk::Schedule;
//! use braze_sdk::messages::ApplePush;
//!
//! let scheduled = client
//!     .create_message_schedule(Schedule::parse("2030-05-24T21:30:00Z")?)
//!     .external_user_id("user-42")
//!     .apple_push(ApplePush::new("Your table is ready"))
//!     .await?;
//! client.delete_message_schedule(scheduled.schedule_id.clone()).await?;
//! # Ok(()) }
//! ```
//!
//! A campaign send to a connected audience ([`audience`] builds one; each comparison takes
//! a value of its type, and the tree is checked with the path of any mistake):
//!
//! ```no_run
//! # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
//! use braze_sdk::Schedule;
//! use braze_sdk::audience::{Audience, SubscriptionStatus, custom_attribute, push_subscription};
//!
//! let audience = Audience::all([
//!     custom_attribute("tier").equals("gold"),
//!     custom_attribute("last_purchase").less_than_days_ago(7),
//!     push_subscription().is(SubscriptionStatus::OptedIn),
//! ]);
//! client
//!     .create_campaign_schedule("campaign_identifier", Schedule::parse("2030-05-24T21:30:00Z")?)
//!     .audience(audience)
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! A campaign sent now, to listed users (a send is never repeated once it may have
//! reached Braze; a paused campaign's `notice` is not swallowed):
//!
//! ```no_run
//! # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
//! use braze_sdk::Recipient;
//! use serde_json::json;
//!
//! let sent = client
//!     .trigger_campaign_send("campaign_identifier")
//!     .recipient(Recipient::external_user_id("user-42"))
//!     .trigger_properties(json!({"order": "12345"}))
//!     .await?;
//! match sent.notice() {
//!     Some(notice) => eprintln!("nothing sent: {notice}"),
//!     None => println!("dispatch {}", sent.dispatch_id().unwrap_or("-")),
//! }
//! # Ok(()) }
//! ```
//!
//! What it adds over raw HTTP:
//!
//! * **One method per operation**, with typed ids ([`CampaignId`], [`CanvasId`],
//!   [`ScheduleId`], all made from `&str`) and builders that end in `.send()` or can be
//!   awaited directly.
//! * **Checks before sending**, each naming the field: blank ids, and every documented
//!   rule of Braze on the body, from [`rules`] (written once in `braze-api`, where the fake
//!   server reads them too, so that the two never disagree): schedule times that name no
//!   date or, for local sends, have passed everywhere, `broadcast` with recipients, more
//!   than 50 users, a recipient without exactly one identifier, properties over 50 KB; and
//!   for messages, Braze's rules of every channel (an Apple alert unless it is a background
//!   push, payload sizes, an email body or template, a Content Card's expiry, a variation
//!   for each message of a campaign...), on built messages and on messages read from JSON
//!   alike. Connected audiences: empty `AND` / `OR`, a node with two keys, a comparison
//!   given a value of another type, `does_not_equal` (which Braze accepts and then fails),
//!   a blank attribute name, a date-time that is not ISO 8601, nesting past
//!   [`audience::MAX_DEPTH`]; each named by its path in the tree.
//! * **One error type**, [`Error`], with Braze's `message` and `errors`, the status, the
//!   rate-limit figures, whether the request may have reached Braze, and a hint
//!   (401: key or instance; 403: the permission the operation needs; 429: when the window
//!   resets). Non-JSON answers (an HTML 502 from a proxy) become errors with a snippet.
//! * **Retries that cannot schedule or send twice** ([`RetryPolicy`]): update, delete and
//!   list are retried on transport errors, 408, 429, 500, 502, 503 and 504; creates and
//!   sends only when they cannot have reached Braze, or on 429 (a failure after that says
//!   the send may or may not have happened); the transactional send with an
//!   `external_send_id`, which Braze deduplicates for 24 hours, like an update.
//!   Exponential backoff with jitter, inside a time budget.
//! * **Rate-limit pacing**: when Braze reports the window spent, the next request waits
//!   for its reset instead of spending a 429, across every clone of the client.
//! * **The key is a secret**: never in `Debug`, errors or logs; sent only over HTTPS
//!   (plain HTTP only to loopback, for the fake server); redirects are not followed.
//! * **Escape hatches**: [`extra`](DeleteSchedule::extra) fields on any body,
//!   [`Client::raw`] for any path, your own `reqwest::Client`
//!   ([`ClientBuilder::http_client`]), and the generated client ([`Client::generated`]).
//!
//! Tracing: each attempt is a `braze.request` span (operation, attempt, status,
//! duration). The key is never recorded.

#![deny(missing_docs)]

mod api_key;
pub mod audience;
mod broadcasts;
mod campaigns;
mod canvas;
mod client;
mod error;
mod hint;
mod instance;
pub mod messages;
mod preview;
mod raw;
mod recipient;
mod request;
mod response;
mod schedule;
mod schedules;
mod sends;
mod targeting;
mod trigger_schedules;
mod validate;

pub use audience::Audience;
pub use broadcasts::ListScheduledBroadcasts;
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ENV_API_KEY, ENV_REST_ENDPOINT,
};
pub use error::{ApiError, DecodeError, Error, TransportError, TransportKind};
pub use instance::{Endpoint, Instance};
pub use messages::{CreateMessageSchedule, UpdateMessageSchedule};
pub use preview::RequestPreview;
pub use raw::RawRequest;
pub use recipient::Recipient;
pub use request::Request;
pub use response::{BrazeMessage, Response};
pub use schedule::Schedule;
pub use schedules::{DeleteBody, DeleteSchedule, UpdateBody, UpdateSchedule};
pub use sends::{
    Attachment, CheckedTriggerSend, CreateSendId, RefusedTriggerSend, SendMessages,
    SendTransactionalEmail, TransactionalRecipient, TriggerCampaignSend, TriggerCanvasSend,
    TriggerSend, TriggerSendOwner,
};
pub use trigger_schedules::{
    Campaign, Canvas, CreateCampaignSchedule, CreateCanvasSchedule, CreateTriggerSchedule,
    TriggerOwner,
};

/// The low-level generated client this crate wraps, with its hooks, ids and operation
/// table (see [`Client::generated`]).
pub use braze_api as api;
pub use braze_api::call::Delivery;
pub use braze_api::ids::{CampaignId, CanvasId, InvalidId, ScheduleId};
pub use braze_api::operations::{OperationSpec, Permission};
pub use braze_api::rate_limit::RateLimit;
pub use braze_api::retry::RetryPolicy;
/// Braze's documented rules on request bodies, and their limits ([`rules::MAX_USERS`],
/// [`rules::MAX_PROPERTIES_BYTES`] ...), as the SDK checks them before sending.
pub use braze_api::rules;
pub use braze_api::{ScheduleKind, ScheduleRef};

/// Rate-limit pacing: the pacer that clients of one workspace can share
/// ([`Pacer`](pacing::Pacer), [`ClientBuilder::shared_pacer`]), the limits it holds
/// broadcast creates to ([`ClassLimits`](pacing::ClassLimits),
/// [`ClientBuilder::broadcast_limits`]), and the classes it keeps a budget for.
pub mod pacing {
    pub use braze_api::rate_limit::{Ceiling, ClassLimits, LimitClass, Pacer};
}

/// The wire types generated from the spec: Braze's request and answer bodies exactly as
/// they travel (`wire::Messages`, `wire::ScheduleCreateResponse`...). The builders of this
/// crate make the requests; the answers arrive in these types. Where a name is also an
/// ergonomic type at the root (`Schedule`, `Recipient`, `ApiError`), the root one is what
/// the builders take, and this one is what goes on the wire.
pub use braze_api::types as wire;

/// The README's examples, compiled as doc tests so that they follow the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
