//! Scheduled entries of API-triggered Canvases: create, update, delete.

use braze_api::operations::CREATE_CANVAS_SCHEDULE;
use braze_api::types::{self, CanvasScheduleCreateRequest as CreateBody};
use serde_json::{Map, Value};

use crate::request::impl_request;
use crate::targeting::{Targeting, targeting_setters, wire_properties};
use crate::trigger_schedules::{Canvas, DeleteCanvasSchedule, UpdateCanvasSchedule};
use crate::{
    CanvasId, Client, Error, Request, RequestPreview, Response, Schedule, ScheduleId, validate,
};

impl Client {
    /// Schedules users to enter an API-triggered Canvas: `POST
    /// /canvas/trigger/schedule/create` (permission `canvas.trigger.schedule.create`).
    ///
    /// Same targeting rules as [`Client::create_campaign_schedule`]; Canvas entries are
    /// recorded at the scheduled time. Retried only when it cannot have reached Braze.
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// use braze_sdk::{Recipient, Schedule};
    /// use serde_json::json;
    ///
    /// let created = client
    ///     .create_canvas_schedule("canvas_identifier", Schedule::at("2030-05-24T21:30:00Z"))
    ///     .recipient(Recipient::external_user_id("user-42"))
    ///     .context(json!({"plan": "gold"}))
    ///     .await?;
    /// println!("scheduled as {}", created.schedule_id);
    /// # Ok(()) }
    /// ```
    pub fn create_canvas_schedule(
        &self,
        canvas_id: impl Into<CanvasId>,
        schedule: impl Into<Schedule>,
    ) -> CreateCanvasSchedule<'_> {
        CreateCanvasSchedule {
            client: self,
            canvas_id: canvas_id.into(),
            schedule: schedule.into(),
            targeting: Targeting::default(),
            context: None,
            legacy_entry_properties: None,
            extra: Map::new(),
        }
    }

    /// Replaces the schedule of a scheduled Canvas entry: `POST
    /// /canvas/trigger/schedule/update` (permission `canvas.trigger.schedule.update`).
    ///
    /// The new schedule replaces the old one completely: an update that gives only a time
    /// makes a local-time send a UTC send. Late updates are best-effort.
    pub fn update_canvas_schedule(
        &self,
        canvas_id: impl Into<CanvasId>,
        schedule_id: impl Into<ScheduleId>,
        schedule: impl Into<Schedule>,
    ) -> UpdateCanvasSchedule<'_> {
        self.update_schedule::<Canvas>(canvas_id, schedule_id, schedule)
    }

    /// Cancels a scheduled Canvas entry: `POST /canvas/trigger/schedule/delete`
    /// (permission `canvas.trigger.schedule.delete`).
    ///
    /// Braze applies deletions made shortly before or during the send time on a
    /// best-effort basis: a late deletion may reach all, some or none of the users.
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// client
    ///     .delete_canvas_schedule("canvas_identifier", "schedule_identifier")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_canvas_schedule(
        &self,
        canvas_id: impl Into<CanvasId>,
        schedule_id: impl Into<ScheduleId>,
    ) -> DeleteCanvasSchedule<'_> {
        self.delete_schedule::<Canvas>(canvas_id, schedule_id)
    }
}

/// A Canvas schedule create, built by [`Client::create_canvas_schedule`]. Send it
/// with [`send`](Self::send) or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CreateCanvasSchedule<'a> {
    client: &'a Client,
    canvas_id: CanvasId,
    schedule: Schedule,
    targeting: Targeting,
    context: Option<Value>,
    legacy_entry_properties: Option<Value>,
    extra: Map<String, Value>,
}

impl<'a> CreateCanvasSchedule<'a> {
    targeting_setters!();

    /// Context for every user entering the Canvas (a JSON object, at most
    /// [`rules::MAX_PROPERTIES_BYTES`](crate::rules::MAX_PROPERTIES_BYTES)).
    pub fn context(mut self, context: Value) -> Self {
        self.context = Some(context);
        self
    }

    /// The legacy name of [`context`](Self::context), still accepted by Braze.
    #[deprecated(note = "Braze renamed canvas_entry_properties to context; use `context`")]
    pub fn canvas_entry_properties(mut self, properties: Value) -> Self {
        self.legacy_entry_properties = Some(properties);
        self
    }

    /// Adds a body field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The checked wire body. Every rule is checked here, before anything is sent.
    pub fn body(&self) -> Result<CreateBody, Error> {
        validate::id(self.canvas_id.check())?;
        let targeting = self.targeting.to_wire(&self.extra)?;
        let context = wire_properties("context", self.context.as_ref())?;
        let legacy = wire_properties(
            "canvas_entry_properties",
            self.legacy_entry_properties.as_ref(),
        )?;
        validate::extra(self.spec().request_body, "", &self.extra)?;
        CreateBody::builder()
            .canvas_id(self.canvas_id.clone())
            .schedule(self.schedule.to_wire()?)
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

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        RequestPreview::of_body(self.client, self.spec(), &self.body()?)
    }

    /// Checks and sends the request.
    pub async fn send(self) -> Result<Response<types::ScheduleCreateResponse>, Error> {
        let body = self.body()?;
        let api = &self.client.api;
        self.client
            .call(self.spec(), || {
                api.create_canvas_schedule().body(body).send()
            })
            .await
    }
}

impl_request!(
    CreateCanvasSchedule => types::ScheduleCreateResponse,
    &CREATE_CANVAS_SCHEDULE
);
