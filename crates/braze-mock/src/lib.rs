//! A stateful fake of Braze's REST API for scheduled messages: the endpoints of
//! `openapi/braze.yaml`, served over real HTTP on 127.0.0.1.
//!
//! Use it in-process from tests ([`MockServer::start`]) or as the `braze-mock` binary. It
//! reads request bodies with the same generated types as the client (`braze_api::types`),
//! so the two cannot disagree about the spec, and on top applies Braze's documented rules:
//!
//! * **Endpoints:** create, update and delete of campaign schedules
//!   (`/campaigns/trigger/schedule/*`), Canvas schedules (`/canvas/trigger/schedule/*`) and
//!   message schedules with their content (`/messages/schedule/*`), and
//!   `GET /messages/scheduled_broadcasts`. Creates hand out fresh `schedule_id`s, updates
//!   replace the whole schedule (and a message schedule's whole `messages`), deletes remove
//!   it, the list shows what is stored and still to be sent (a schedule whose time has
//!   passed counts as sent).
//! * **Sends:** `/messages/send`, `/campaigns/trigger/send`, `/canvas/trigger/send`,
//!   `/sends/id/create` and `/transactional/v1/campaigns/{campaign_id}/send`, against
//!   campaigns with a [`CampaignKind`] and a [`Status`], Canvases with a status, and
//!   [`User`]s (an open world outside strict mode), with the daily `send_id` quota and the
//!   24-hour `external_send_id` cache; each send taken is a [`Dispatch`] in
//!   [`MockServer::dispatches`].
//! * **Validation:** required fields, types, blank ids, and Braze's documented rules, those
//!   of `braze_api::rules` that the client checks too (at most 50 recipients or users,
//!   exactly one identifier per recipient, `broadcast` rules, ISO 8601 times, local times
//!   already past everywhere, and the rules of each channel object of `messages`: Apple and
//!   Android push payloads, Content Card expiry, WhatsApp lists and carousels...): each a
//!   400 whose `message` names the field by its JSON path and starts with Braze's own words
//!   where its docs give them (`No message to send`, `Message Variant Unspecified`...).
//!   Connected audiences outside Braze's grammar are refused with their path; the one that
//!   Braze takes with a 2xx and fails later (a boolean `does_not_equal`) is accepted and
//!   recorded in `silent_failures`. Never a 500 for bad input.
//! * **Auth:** `Authorization: Bearer <key>` against configured keys with per-endpoint
//!   [`Permission`]s: 401 and 403 as Braze answers them. Keys never reach the log.
//! * **Rate limits:** `x-ratelimit-limit/-remaining/-reset` on every response, fixed
//!   windows aligned like Braze's clock-hour windows, 429 over the limit.
//! * **Faults on demand** ([`Fault`], [`FaultRule`]): error statuses, HTML error pages,
//!   delays, closed and reset connections, truncated and malformed bodies, on the next N
//!   requests or at random from a seeded generator.
//! * **Request log** ([`RecordedRequest`]) and state snapshots ([`StoredSchedule`], with
//!   the [`Messages`] of a message schedule) for assertions.
//! * **A clock the test controls** ([`Clock`], [`Config::clock`], [`MockServer::clock`]):
//!   "now" for everything about schedules is the system clock plus an offset that can be
//!   set and moved while the server runs, so that fixture times need not depend on the day
//!   the tests run. Rate-limit windows stay on the system clock.
//!
//! Where Braze's documentation is silent, the fake makes a choice; all of them are in
//! [`choices`], and the crate's README lists every behaviour with its source.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use braze_mock::{Config, Fault, FaultRule, MockServer};
//!
//! let server = MockServer::start(Config::new().seed(1)).await?;
//! server.inject(FaultRule::new(Fault::Status(503)).next(1));
//! let client = reqwest::Client::builder().no_proxy().build().unwrap();
//! let list = |end_time: &'static str| {
//!     client
//!         .get(format!("{}/messages/scheduled_broadcasts", server.url()))
//!         .query(&[("end_time", end_time)])
//!         .bearer_auth(server.api_key())
//!         .send()
//! };
//! assert_eq!(list("2030-01-01").await.unwrap().status(), 503);
//! let answer = list("2030-01-01").await.unwrap();
//! assert_eq!(answer.status(), 200);
//! assert_eq!(answer.headers()["x-ratelimit-remaining"], "249998");
//! assert_eq!(server.fault_counts().status, 1);
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod audience;
mod auth;
mod body;
pub mod choices;
mod clock;
mod config;
mod connection;
pub mod control;
mod fault_kind;
mod faults;
mod operations;
mod rate_limit;
mod reply;
mod request_log;
mod routes;
mod sending;
mod sends;
mod server;
mod shared;
mod state;

pub use auth::{AuthOutcome, Permission, Permissions, UnknownPermission};
/// The identifiers, kinds of schedule, schedule object and messaging object of the spec, as
/// the client uses them, and the operations (a [`Dispatch`] names its own).
pub use braze_api::{
    ScheduleKind,
    audience::AudienceProblem,
    ids::{CampaignId, CanvasId, ScheduleId},
    operations::Operation,
    types::{Messages, Schedule},
};
pub use clock::Clock;
pub use config::{
    Config, DEFAULT_AUDIENCE_RATE_LIMIT, DEFAULT_BROADCAST_RATE_LIMIT, DEFAULT_BROADCAST_WINDOW,
    DEFAULT_LOG_CAPACITY, DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE_LIMIT, DEFAULT_RATE_LIMIT_WINDOW,
};
pub use faults::{Fault, FaultCounts, FaultKind, FaultRule, FaultSpecError, FaultStage, Trigger};
pub use rate_limit::RateLimitCounters;
pub use request_log::{RecordedBody, RecordedRequest};
pub use sends::{CampaignKind, Dispatch, Status, User, UserId};
pub use server::MockServer;
pub use state::{StoredSchedule, Targeting};

/// The README's examples, compiled as doc tests so that they follow the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
