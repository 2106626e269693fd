//! Scheduled entries of API-triggered Canvases: create, update, delete.

use braze_api::types::{self, CanvasScheduleCreateRequest as CreateBody};
use serde_json::{Map, Value};

use crate::owner::{Canvas, DeleteCanvasSchedule, UpdateCanvasSchedule};
use crate::request::{RequestPreview, properties, send_on_await, targeting, to_json};
use crate::{CanvasId, Client, Error, Recipient, Response, Schedule, ScheduleId, validate};

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
            recipients: Vec::new(),
            audience: None,
            broadcast: None,
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
    recipients: Vec<Recipient>,
    audience: Option<Value>,
    broadcast: Option<bool>,
    context: Option<Value>,
    legacy_entry_properties: Option<Value>,
    extra: Map<String, Value>,
}

impl<'a> CreateCanvasSchedule<'a> {
    /// Adds a recipient.
    pub fn recipient(mut self, recipient: Recipient) -> Self {
        self.recipients.push(recipient);
        self
    }

    /// Adds recipients (at most 50 in all).
    pub fn recipients(mut self, recipients: impl IntoIterator<Item = Recipient>) -> Self {
        self.recipients.extend(recipients);
        self
    }

    /// A connected audience object (a JSON object), passed through as given.
    pub fn audience(mut self, audience: Value) -> Self {
        self.audience = Some(audience);
        self
    }

    /// Sends to the whole Canvas segment; required when there are no recipients or
    /// audience, and not allowed with recipients.
    pub fn broadcast(mut self, broadcast: bool) -> Self {
        self.broadcast = Some(broadcast);
        self
    }

    /// Context for every user entering the Canvas (a JSON object, at most 50 KB).
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
        let (recipients, audience) =
            targeting(&self.recipients, self.audience.as_ref(), self.broadcast)?;
        let context = properties("context", self.context.as_ref())?;
        let legacy = properties(
            "canvas_entry_properties",
            self.legacy_entry_properties.as_ref(),
        )?;
        validate::extra::<CreateBody>("", &self.extra)?;
        CreateBody::builder()
            .canvas_id(self.canvas_id.clone())
            .schedule(self.schedule.to_wire()?)
            .recipients(recipients)
            .audience(audience)
            .broadcast(self.broadcast)
            .context(context)
            .canvas_entry_properties(legacy)
            .extra(self.extra.clone())
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::invalid("body", e.to_string()))
    }

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        let body = to_json(&self.body()?)?;
        Ok(RequestPreview::new(
            self.client,
            "create_canvas_schedule",
            "POST",
            "/canvas/trigger/schedule/create",
            Some(body),
        ))
    }

    /// Checks and sends the request.
    pub async fn send(self) -> Result<Response<types::ScheduleCreateResponse>, Error> {
        let body = self.body()?;
        let api = &self.client.api;
        self.client
            .call("create_canvas_schedule", || {
                api.create_canvas_schedule().body(body).send()
            })
            .await
    }
}

send_on_await!(CreateCanvasSchedule, types::ScheduleCreateResponse);
