//! Update and delete are the same request for campaigns and Canvases, on two endpoints:
//! [`Owner`] says which, and the builders are written once.

use std::fmt;
use std::future::Future;

use braze_api::ResponseValue;
use braze_api::ids::InvalidId;
use braze_api::types::{self, ApiError, MessageResponse};
use serde_json::{Map, Value};

use crate::request::{RequestPreview, to_json};
use crate::{CampaignId, CanvasId, Client, Error, Response, Schedule, ScheduleId, validate};

/// What the generated client answers.
type Generated<T> = Result<ResponseValue<T>, braze_api::Error<ApiError>>;

/// One operation's `operationId` and path.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The `operationId`, e.g. `delete_campaign_schedule`.
    pub operation: &'static str,
    /// The path, e.g. `/campaigns/trigger/schedule/delete`.
    pub path: &'static str,
}

/// What a schedule belongs to: a campaign or a Canvas. Sealed: [`Campaign`] and
/// [`Canvas`] are the two.
pub trait Owner: private::Sealed + Clone + fmt::Debug + Send + Sync + 'static {
    /// Its identifier.
    type Id: Clone + fmt::Debug + Send + Sync + for<'s> From<&'s str>;
    /// What it is called in messages: `campaign` or `Canvas`.
    const NOUN: &'static str;
    /// The update body.
    type UpdateBody: serde::Serialize + schemars::JsonSchema + Send;
    /// The delete body.
    type DeleteBody: serde::Serialize + schemars::JsonSchema + Send;
    /// The update operation.
    const UPDATE: Route;
    /// The delete operation.
    const DELETE: Route;

    #[doc(hidden)]
    fn check(id: &Self::Id) -> Result<(), InvalidId>;
    #[doc(hidden)]
    fn update_body(
        id: Self::Id,
        schedule_id: ScheduleId,
        schedule: types::Schedule,
        extra: Map<String, Value>,
    ) -> Self::UpdateBody;
    #[doc(hidden)]
    fn delete_body(
        id: Self::Id,
        schedule_id: ScheduleId,
        extra: Map<String, Value>,
    ) -> Self::DeleteBody;
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

/// Implements [`Owner`] from what differs between the two owners: the type, its id and
/// the id's field name, the noun, the path prefix and the generated operations and bodies.
macro_rules! impl_owner {
    (
        $owner:ident, $id:ident, $id_field:ident, $noun:literal, $prefix:literal,
        update: $update:ident($update_body:ident),
        delete: $delete:ident($delete_body:ident) $(,)?
    ) => {
        impl Owner for $owner {
            type Id = $id;
            const NOUN: &'static str = $noun;
            type UpdateBody = types::$update_body;
            type DeleteBody = types::$delete_body;
            const UPDATE: Route = Route {
                operation: stringify!($update),
                path: concat!($prefix, "/update"),
            };
            const DELETE: Route = Route {
                operation: stringify!($delete),
                path: concat!($prefix, "/delete"),
            };

            fn check(id: &$id) -> Result<(), InvalidId> {
                id.check()
            }

            fn update_body(
                $id_field: $id,
                schedule_id: ScheduleId,
                schedule: types::Schedule,
                extra: Map<String, Value>,
            ) -> Self::UpdateBody {
                types::$update_body {
                    $id_field,
                    schedule_id,
                    schedule,
                    extra,
                }
            }

            fn delete_body(
                $id_field: $id,
                schedule_id: ScheduleId,
                extra: Map<String, Value>,
            ) -> Self::DeleteBody {
                types::$delete_body {
                    $id_field,
                    schedule_id,
                    extra,
                }
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
    Campaign, CampaignId, campaign_id, "campaign", "/campaigns/trigger/schedule",
    update: update_campaign_schedule(CampaignScheduleUpdateRequest),
    delete: delete_campaign_schedule(CampaignScheduleDeleteRequest),
);

impl_owner!(
    Canvas, CanvasId, canvas_id, "Canvas", "/canvas/trigger/schedule",
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
        UpdateSchedule::new(self, owner_id.into(), schedule_id.into(), schedule.into())
    }

    /// Cancels a scheduled campaign send or Canvas entry, by owner type:
    /// `client.delete_schedule::<Campaign>(..)` is [`Client::delete_campaign_schedule`].
    pub fn delete_schedule<O: Owner>(
        &self,
        owner_id: impl Into<O::Id>,
        schedule_id: impl Into<ScheduleId>,
    ) -> DeleteSchedule<'_, O> {
        DeleteSchedule::new(self, owner_id.into(), schedule_id.into())
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
    pub(crate) fn new(
        client: &'a Client,
        owner_id: O::Id,
        schedule_id: ScheduleId,
        schedule: Schedule,
    ) -> Self {
        Self {
            client,
            owner_id,
            schedule_id,
            schedule,
            extra: Map::new(),
        }
    }

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
        validate::extra::<O::UpdateBody>("", &self.extra)?;
        let schedule = self.schedule.to_wire()?;
        Ok(O::update_body(
            self.owner_id,
            self.schedule_id,
            schedule,
            self.extra,
        ))
    }

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        let body = to_json(&self.body()?)?;
        Ok(RequestPreview::new(
            self.client,
            O::UPDATE.operation,
            "POST",
            O::UPDATE.path,
            Some(body),
        ))
    }

    /// Checks and sends the request.
    pub async fn send(self) -> Result<Response<MessageResponse>, Error> {
        let client = self.client;
        let body = self.into_body()?;
        client
            .call(O::UPDATE.operation, || O::send_update(&client.api, body))
            .await
    }
}

impl<'a, O: Owner> std::future::IntoFuture for UpdateSchedule<'a, O> {
    type Output = Result<Response<MessageResponse>, Error>;
    type IntoFuture =
        std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

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
    pub(crate) fn new(client: &'a Client, owner_id: O::Id, schedule_id: ScheduleId) -> Self {
        Self {
            client,
            owner_id,
            schedule_id,
            extra: Map::new(),
        }
    }

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
        validate::extra::<O::DeleteBody>("", &self.extra)?;
        Ok(O::delete_body(self.owner_id, self.schedule_id, self.extra))
    }

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        let body = to_json(&self.body()?)?;
        Ok(RequestPreview::new(
            self.client,
            O::DELETE.operation,
            "POST",
            O::DELETE.path,
            Some(body),
        ))
    }

    /// Checks and sends the request.
    pub async fn send(self) -> Result<Response<MessageResponse>, Error> {
        let client = self.client;
        let body = self.into_body()?;
        client
            .call(O::DELETE.operation, || O::send_delete(&client.api, body))
            .await
    }
}

impl<'a, O: Owner> std::future::IntoFuture for DeleteSchedule<'a, O> {
    type Output = Result<Response<MessageResponse>, Error>;
    type IntoFuture =
        std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The routes the macro builds agree with the spec's operation table.
    #[test]
    fn routes_match_the_spec() {
        for route in [
            Campaign::UPDATE,
            Campaign::DELETE,
            Canvas::UPDATE,
            Canvas::DELETE,
        ] {
            let spec = braze_api::operations::find(route.operation)
                .unwrap_or_else(|| panic!("{} is not in the spec", route.operation));
            assert_eq!(route.path, spec.path, "{}", route.operation);
        }
        assert_eq!(Campaign::DELETE.path, "/campaigns/trigger/schedule/delete");
        assert_eq!(Canvas::UPDATE.operation, "update_canvas_schedule");
    }
}
