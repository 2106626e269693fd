//! Update and delete of campaign sends and Canvas entries: the same request on two
//! endpoints, with a different owner id. [`Owner`] names the kind of schedule at the type
//! level, and the builders are written once.
//!
//! How a call flows: `client.delete_campaign_schedule(c, s)` (in `campaigns.rs`) builds a
//! [`DeleteSchedule<Campaign>`]; awaiting it runs [`DeleteSchedule::send`], which checks
//! the ids, builds the generated body (`O::delete_body`) and hands the generated call
//! (`O::send_delete`) to `Client::call`, where the hooks of `braze-api` (pacing, retries,
//! tracing) run around each attempt and the outcome becomes a [`Response`] or an
//! [`Error`].

use std::fmt;
use std::future::Future;

use braze_api::ids::InvalidId;
use braze_api::types::{self, ApiError, MessageResponse};
use braze_api::{ResponseValue, ScheduleKind};
use serde_json::{Map, Value};

use crate::request::impl_request;
use crate::{
    CampaignId, CanvasId, Client, Error, Request, RequestPreview, Response, Schedule, ScheduleId,
    validate,
};

/// What the generated client answers.
type Generated<T> = Result<ResponseValue<T>, braze_api::Error<ApiError>>;

/// What a schedule belongs to, at the type level: a campaign ([`Campaign`]) or a Canvas
/// ([`Canvas`]). Sealed. Every fact about the kind (its owner field, its noun, its
/// operations) comes from [`Owner::KIND`], the [`ScheduleKind`] the CLI and the fake use
/// too; this trait only picks the generated body types for it.
pub trait Owner: private::Sealed + Clone + fmt::Debug + Send + Sync + 'static {
    /// Which kind of schedule.
    const KIND: ScheduleKind;
    /// Its identifier.
    type Id: Clone + fmt::Debug + Send + Sync + for<'s> From<&'s str>;
    /// The update body.
    type UpdateBody: serde::Serialize + Send;
    /// The delete body.
    type DeleteBody: serde::Serialize + Send;

    #[doc(hidden)]
    fn check(id: &Self::Id) -> Result<(), InvalidId>;
    #[doc(hidden)]
    fn update_body(
        id: Self::Id,
        schedule_id: ScheduleId,
        schedule: types::Schedule,
        extra: Map<String, Value>,
    ) -> Result<Self::UpdateBody, Error>;
    #[doc(hidden)]
    fn delete_body(
        id: Self::Id,
        schedule_id: ScheduleId,
        extra: Map<String, Value>,
    ) -> Result<Self::DeleteBody, Error>;
    #[doc(hidden)]
    fn send_update(
        api: &braze_api::Client,
        body: Self::UpdateBody,
    ) -> impl Future<Output = Generated<MessageResponse>> + Send + '_;
    #[doc(hidden)]
    fn send_delete(
        api: &braze_api::Client,
        body: Self::DeleteBody,
    ) -> impl Future<Output = Generated<MessageResponse>> + Send + '_;
}

/// Schedules of API-triggered campaigns.
#[derive(Debug, Clone, Copy)]
pub enum Campaign {}

/// Schedules of API-triggered Canvases.
#[derive(Debug, Clone, Copy)]
pub enum Canvas {}

/// Implements [`Owner`] from what differs between the two owners at the type level: the
/// marker, its kind, its id type and the id's field, and the generated operations and
/// bodies. Bodies are made with the generated builders, so a new optional field in the
/// spec needs no change here.
macro_rules! impl_owner {
    (
        $owner:ident, $kind:ident, $id:ident, $id_field:ident,
        update: $update:ident($update_body:ident),
        delete: $delete:ident($delete_body:ident) $(,)?
    ) => {
        impl Owner for $owner {
            const KIND: ScheduleKind = ScheduleKind::$kind;
            type Id = $id;
            type UpdateBody = types::$update_body;
            type DeleteBody = types::$delete_body;

            fn check(id: &$id) -> Result<(), InvalidId> {
                id.check()
            }

            fn update_body(
                id: $id,
                schedule_id: ScheduleId,
                schedule: types::Schedule,
                extra: Map<String, Value>,
            ) -> Result<Self::UpdateBody, Error> {
                types::$update_body::builder()
                    .$id_field(id)
                    .schedule_id(schedule_id)
                    .schedule(schedule)
                    .extra(extra)
                    .try_into()
                    .map_err(Error::conversion)
                    .and_then(validate::rules)
            }

            fn delete_body(
                id: $id,
                schedule_id: ScheduleId,
                extra: Map<String, Value>,
            ) -> Result<Self::DeleteBody, Error> {
                types::$delete_body::builder()
                    .$id_field(id)
                    .schedule_id(schedule_id)
                    .extra(extra)
                    .try_into()
                    .map_err(Error::conversion)
            }

            fn send_update(
                api: &braze_api::Client,
                body: Self::UpdateBody,
            ) -> impl Future<Output = Generated<MessageResponse>> + Send + '_ {
                api.$update().body(body).send()
            }

            fn send_delete(
                api: &braze_api::Client,
                body: Self::DeleteBody,
            ) -> impl Future<Output = Generated<MessageResponse>> + Send + '_ {
                api.$delete().body(body).send()
            }
        }
    };
}

impl_owner!(
    Campaign, Campaign, CampaignId, campaign_id,
    update: update_campaign_schedule(CampaignScheduleUpdateRequest),
    delete: delete_campaign_schedule(CampaignScheduleDeleteRequest),
);

impl_owner!(
    Canvas, Canvas, CanvasId, canvas_id,
    update: update_canvas_schedule(CanvasScheduleUpdateRequest),
    delete: delete_canvas_schedule(CanvasScheduleDeleteRequest),
);

impl Client {
    /// Replaces the schedule of a campaign send or Canvas entry, by owner type:
    /// `client.update_schedule::<Campaign>(..)` is [`Client::update_campaign_schedule`].
    pub fn update_schedule<O: Owner>(
        &self,
        owner_id: impl Into<O::Id>,
        schedule_id: impl Into<ScheduleId>,
        schedule: impl Into<Schedule>,
    ) -> UpdateSchedule<'_, O> {
        UpdateSchedule {
            client: self,
            owner_id: owner_id.into(),
            schedule_id: schedule_id.into(),
            schedule: schedule.into(),
            extra: Map::new(),
        }
    }

    /// Cancels a scheduled campaign send or Canvas entry, by owner type:
    /// `client.delete_schedule::<Campaign>(..)` is [`Client::delete_campaign_schedule`].
    pub fn delete_schedule<O: Owner>(
        &self,
        owner_id: impl Into<O::Id>,
        schedule_id: impl Into<ScheduleId>,
    ) -> DeleteSchedule<'_, O> {
        DeleteSchedule {
            client: self,
            owner_id: owner_id.into(),
            schedule_id: schedule_id.into(),
            extra: Map::new(),
        }
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::Campaign {}
    impl Sealed for super::Canvas {}
}

/// A schedule update, built by [`Client::update_campaign_schedule`] or
/// [`Client::update_canvas_schedule`]. Send it with [`send`](Self::send) or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct UpdateSchedule<'a, O: Owner> {
    client: &'a Client,
    owner_id: O::Id,
    schedule_id: ScheduleId,
    schedule: Schedule,
    extra: Map<String, Value>,
}

/// A campaign schedule update.
pub type UpdateCampaignSchedule<'a> = UpdateSchedule<'a, Campaign>;
/// A Canvas schedule update.
pub type UpdateCanvasSchedule<'a> = UpdateSchedule<'a, Canvas>;

impl<'a, O: Owner> UpdateSchedule<'a, O> {
    /// Adds a body field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The checked wire body.
    pub fn body(&self) -> Result<O::UpdateBody, Error> {
        self.clone().into_body()
    }

    fn into_body(self) -> Result<O::UpdateBody, Error> {
        validate::id(O::check(&self.owner_id))?;
        validate::id(self.schedule_id.check())?;
        validate::extra(self.spec().request_body, "", &self.extra)?;
        let schedule = self.schedule.to_wire()?;
        O::update_body(self.owner_id, self.schedule_id, schedule, self.extra)
    }

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        RequestPreview::of_body(self.client, self.spec(), &self.body()?)
    }

    /// Checks and sends the request.
    pub async fn send(self) -> Result<Response<MessageResponse>, Error> {
        let (client, spec) = (self.client, self.spec());
        let body = self.into_body()?;
        client
            .call(spec, || O::send_update(&client.api, body))
            .await
    }
}

impl_request!(UpdateSchedule<O: Owner> => MessageResponse, O::KIND.update());

/// A schedule delete, built by [`Client::delete_campaign_schedule`] (the seed endpoint) or
/// [`Client::delete_canvas_schedule`]. Send it with [`send`](Self::send) or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct DeleteSchedule<'a, O: Owner> {
    client: &'a Client,
    owner_id: O::Id,
    schedule_id: ScheduleId,
    extra: Map<String, Value>,
}

/// A campaign schedule delete (`POST /campaigns/trigger/schedule/delete`).
pub type DeleteCampaignSchedule<'a> = DeleteSchedule<'a, Campaign>;
/// A Canvas schedule delete (`POST /canvas/trigger/schedule/delete`).
pub type DeleteCanvasSchedule<'a> = DeleteSchedule<'a, Canvas>;

impl<'a, O: Owner> DeleteSchedule<'a, O> {
    /// Adds a body field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The checked wire body.
    pub fn body(&self) -> Result<O::DeleteBody, Error> {
        self.clone().into_body()
    }

    fn into_body(self) -> Result<O::DeleteBody, Error> {
        validate::id(O::check(&self.owner_id))?;
        validate::id(self.schedule_id.check())?;
        validate::extra(self.spec().request_body, "", &self.extra)?;
        O::delete_body(self.owner_id, self.schedule_id, self.extra)
    }

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        RequestPreview::of_body(self.client, self.spec(), &self.body()?)
    }

    /// Checks and sends the request.
    pub async fn send(self) -> Result<Response<MessageResponse>, Error> {
        let (client, spec) = (self.client, self.spec());
        let body = self.into_body()?;
        client
            .call(spec, || O::send_delete(&client.api, body))
            .await
    }
}

impl_request!(DeleteSchedule<O: Owner> => MessageResponse, O::KIND.delete());
