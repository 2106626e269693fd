//! The create of a campaign send or a Canvas entry: one builder, [`CreateTriggerSchedule`],
//! for both, since the two bodies differ only in their owner and personalisation fields.
//! [`TriggerOwner`] names the owner at the type level, so a Canvas create has no
//! `trigger_properties` setter and a campaign create no `context` one.
//!
//! How a call flows: `client.create_campaign_schedule(c, schedule)` (in `campaigns.rs`)
//! builds a `CreateTriggerSchedule<Campaign>`; awaiting it runs its `send`, which builds
//! the checked generated body (`O::body`) and hands the generated builder it is bound to
//! (`O::generated`, whose `Bound` impl carries the operation's spec) to `Client::call`,
//! where the hooks of `braze-api` (pacing, retries, tracing) run around each attempt and
//! the outcome becomes a [`Response`] or an [`Error`].

use std::fmt;

use braze_api::operations::{Bound, OperationSpec};
use braze_api::types::ScheduleCreateResponse;
use serde_json::{Map, Value};

use crate::client::Outgoing;
use crate::request::impl_request_from_inherent;
use crate::targeting::{Targeting, trigger_targeting_setters, wire_properties};
use crate::{CampaignId, CanvasId, Client, Error, RequestPreview, Response, Schedule, validate};

/// What a trigger schedule belongs to, at the type level: an API-triggered campaign
/// ([`Campaign`]) or Canvas ([`Canvas`]). Sealed; it only picks the generated body and
/// call for the owner.
pub trait TriggerOwner: private::Sealed + Clone + fmt::Debug + Send + Sync + 'static {
    /// The owner's identifier.
    type Id: Clone + fmt::Debug + Send + Sync;
    #[doc(hidden)]
    type Body: serde::Serialize + Send + 'static;
    #[doc(hidden)]
    type Generated<'a>: Bound<'a, Answer = ScheduleCreateResponse>;
    #[doc(hidden)]
    fn body(request: &CreateTriggerSchedule<Self>) -> Result<Self::Body, Error>;
    #[doc(hidden)]
    fn generated(api: &braze_api::Client, body: Self::Body) -> Self::Generated<'_>;
}

/// Schedules of API-triggered campaigns.
#[derive(Debug, Clone, Copy)]
pub enum Campaign {}

/// Schedules of API-triggered Canvases.
#[derive(Debug, Clone, Copy)]
pub enum Canvas {}

mod private {
    pub trait Sealed {}
    impl Sealed for super::Campaign {}
    impl Sealed for super::Canvas {}
}

/// A create of a campaign send ([`Client::create_campaign_schedule`]) or of a Canvas entry
/// ([`Client::create_canvas_schedule`]). Send it with [`send`](Self::send) or by awaiting
/// it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CreateTriggerSchedule<O: TriggerOwner> {
    client: Client,
    owner_id: O::Id,
    schedule: Schedule,
    targeting: Targeting,
    /// `trigger_properties` of a campaign, `context` of a Canvas.
    properties: Option<Value>,
    /// A Canvas's legacy `canvas_entry_properties`.
    legacy_entry_properties: Option<Value>,
    /// A campaign's `send_id`.
    send_id: Option<String>,
    extra: Map<String, Value>,
}

/// A campaign schedule create.
pub type CreateCampaignSchedule = CreateTriggerSchedule<Campaign>;
/// A Canvas schedule create.
pub type CreateCanvasSchedule = CreateTriggerSchedule<Canvas>;

impl<O: TriggerOwner> CreateTriggerSchedule<O> {
    pub(crate) fn new(client: &Client, owner_id: O::Id, schedule: Schedule) -> Self {
        Self {
            client: client.clone(),
            owner_id,
            schedule,
            targeting: Targeting::default(),
            properties: None,
            legacy_entry_properties: None,
            send_id: None,
            extra: Map::new(),
        }
    }

    trigger_targeting_setters!();

    /// The checked wire body. Every rule is checked here, before anything is sent.
    pub fn body(&self) -> Result<O::Body, Error> {
        O::body(self)
    }

    /// The operation it calls, from the generated builder `O`'s call is bound to.
    fn spec(&self) -> &'static OperationSpec {
        <O::Generated<'static> as Bound<'static>>::SPEC
    }

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        RequestPreview::of_body(&self.client, self.spec(), &self.body()?)
    }

    /// Checks and sends the request.
    pub async fn send(self) -> Result<Response<ScheduleCreateResponse>, Error> {
        let body = self.body()?;
        let client = self.client;
        client
            .call(Outgoing::of(O::generated(&client.api, body)))
            .await
    }
}

impl CreateTriggerSchedule<Campaign> {
    /// A send identifier, for tracking (not an idempotency key).
    pub fn send_id(self, send_id: impl Into<String>) -> Self {
        self.set_send_id(Some(send_id.into()))
    }

    /// Sets or clears the `send_id`.
    pub fn set_send_id(mut self, send_id: Option<String>) -> Self {
        self.send_id = send_id;
        self
    }

    /// Personalisation for every user of the send (a JSON object, at most
    /// [`rules::MAX_PROPERTIES_BYTES`](crate::rules::MAX_PROPERTIES_BYTES)).
    pub fn trigger_properties(self, properties: Value) -> Self {
        self.set_trigger_properties(Some(properties))
    }

    /// Sets or clears the `trigger_properties`.
    pub fn set_trigger_properties(mut self, properties: Option<Value>) -> Self {
        self.properties = properties;
        self
    }
}

impl CreateTriggerSchedule<Canvas> {
    /// Context for every user entering the Canvas (a JSON object, at most
    /// [`rules::MAX_PROPERTIES_BYTES`](crate::rules::MAX_PROPERTIES_BYTES)).
    pub fn context(self, context: Value) -> Self {
        self.set_context(Some(context))
    }

    /// Sets or clears the `context`.
    pub fn set_context(mut self, context: Option<Value>) -> Self {
        self.properties = context;
        self
    }

    /// The legacy name of [`context`](Self::context), still accepted by Braze.
    #[deprecated(note = "Braze renamed canvas_entry_properties to context; use `context`")]
    pub fn canvas_entry_properties(mut self, properties: Value) -> Self {
        self.legacy_entry_properties = Some(properties);
        self
    }
}

impl TriggerOwner for Campaign {
    type Id = CampaignId;
    type Body = braze_api::types::CampaignScheduleCreateRequest;
    type Generated<'a> = braze_api::builder::CreateCampaignSchedule<'a>;

    fn body(request: &CreateTriggerSchedule<Self>) -> Result<Self::Body, Error> {
        validate::id(request.owner_id.check())?;
        let targeting = request.targeting.to_wire(&request.extra)?;
        let properties = wire_properties("trigger_properties", request.properties.as_ref())?;
        validate::extra(request.spec().request_body, "", &request.extra)?;
        Self::Body::builder()
            .campaign_id(request.owner_id.clone())
            .schedule(request.schedule.to_wire()?)
            .send_id(request.send_id.clone())
            .recipients(targeting.recipients)
            .audience(targeting.audience)
            .broadcast(targeting.broadcast)
            .trigger_properties(properties)
            .extra(targeting.extra)
            .try_into()
            .map_err(Error::conversion)
            .and_then(validate::rules)
    }

    fn generated(api: &braze_api::Client, body: Self::Body) -> Self::Generated<'_> {
        braze_api::builder::CreateCampaignSchedule::new_with_body(api, body)
    }
}

impl TriggerOwner for Canvas {
    type Id = CanvasId;
    type Body = braze_api::types::CanvasScheduleCreateRequest;
    type Generated<'a> = braze_api::builder::CreateCanvasSchedule<'a>;

    fn body(request: &CreateTriggerSchedule<Self>) -> Result<Self::Body, Error> {
        validate::id(request.owner_id.check())?;
        let targeting = request.targeting.to_wire(&request.extra)?;
        let context = wire_properties("context", request.properties.as_ref())?;
        let legacy = wire_properties(
            "canvas_entry_properties",
            request.legacy_entry_properties.as_ref(),
        )?;
        validate::extra(request.spec().request_body, "", &request.extra)?;
        Self::Body::builder()
            .canvas_id(request.owner_id.clone())
            .schedule(request.schedule.to_wire()?)
            .recipients(targeting.recipients)
            .audience(targeting.audience)
            .broadcast(targeting.broadcast)
            .context(context)
            .canvas_entry_properties(legacy)
            .extra(targeting.extra)
            .try_into()
            .map_err(Error::conversion)
            .and_then(validate::rules)
    }

    fn generated(api: &braze_api::Client, body: Self::Body) -> Self::Generated<'_> {
        braze_api::builder::CreateCanvasSchedule::new_with_body(api, body)
    }
}

impl_request_from_inherent!(generic O: TriggerOwner; CreateTriggerSchedule<O> => ScheduleCreateResponse);
