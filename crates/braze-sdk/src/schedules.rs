//! The update and the delete of any scheduled send, named by a [`ScheduleRef`]: a
//! campaign's, a Canvas's or a message's. One builder each, whose body and call follow the
//! reference's kind.

use braze_api::builder;
use braze_api::operations::OperationSpec;
use braze_api::types::{self, MessageResponse};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::client::Outgoing;
use crate::request::{impl_request_from_inherent, spec_of};
use crate::{Client, Error, RequestPreview, Response, Schedule, ScheduleRef, validate};

impl Client {
    /// Replaces the schedule of any scheduled send: `POST /campaigns/trigger/schedule/update`,
    /// `/canvas/trigger/schedule/update` or `/messages/schedule/update`, by the
    /// reference's kind (permission `campaigns.trigger.schedule.update`,
    /// `canvas.trigger.schedule.update` or `messages.schedule.update`).
    ///
    /// The new schedule replaces the old one completely: an update that gives a UTC time
    /// makes a local-time send a UTC send. Braze does not apply an update once a
    /// local-time send's time has passed in some time zone. Late updates are best-effort.
    /// To change a message's content, see [`Client::update_message_schedule`].
    pub fn update_schedule(
        &self,
        schedule: impl Into<ScheduleRef>,
        when: impl Into<Schedule>,
    ) -> UpdateSchedule {
        UpdateSchedule {
            client: self.clone(),
            schedule: schedule.into(),
            when: when.into(),
            extra: Map::new(),
        }
    }

    /// Cancels any scheduled send: `POST /campaigns/trigger/schedule/delete`,
    /// `/canvas/trigger/schedule/delete` or `/messages/schedule/delete`, by the reference's
    /// kind (permission `campaigns.trigger.schedule.delete`,
    /// `canvas.trigger.schedule.delete` or `messages.schedule.delete`).
    ///
    /// Braze applies deletions made shortly before or during the send time on a
    /// best-effort basis: a late deletion may reach all, some or none of the users.
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// use braze_sdk::ScheduleRef;
    ///
    /// for schedule in [
    ///     ScheduleRef::campaign("campaign_identifier", "schedule_identifier"),
    ///     ScheduleRef::message("another_schedule_identifier"),
    /// ] {
    ///     client.delete_schedule(schedule).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn delete_schedule(&self, schedule: impl Into<ScheduleRef>) -> DeleteSchedule {
        DeleteSchedule {
            client: self.clone(),
            schedule: schedule.into(),
            extra: Map::new(),
        }
    }
}

/// The body of an update, by the kind of schedule it updates.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum UpdateBody {
    /// `/campaigns/trigger/schedule/update`.
    Campaign(types::CampaignScheduleUpdateRequest),
    /// `/canvas/trigger/schedule/update`.
    Canvas(types::CanvasScheduleUpdateRequest),
    /// `/messages/schedule/update` (boxed: its type has room for the messages).
    Message(Box<types::MessageScheduleUpdateRequest>),
}

/// The body of a delete, by the kind of schedule it cancels.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum DeleteBody {
    /// `/campaigns/trigger/schedule/delete`.
    Campaign(types::CampaignScheduleDeleteRequest),
    /// `/canvas/trigger/schedule/delete`.
    Canvas(types::CanvasScheduleDeleteRequest),
    /// `/messages/schedule/delete`.
    Message(types::MessageScheduleDeleteRequest),
}

/// A schedule update, built by [`Client::update_schedule`] (or the campaign, Canvas and
/// message shortcuts). Send it with [`send`](Self::send) or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct UpdateSchedule {
    client: Client,
    schedule: ScheduleRef,
    when: Schedule,
    extra: Map<String, Value>,
}

impl UpdateSchedule {
    /// Adds a body field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// Which schedule it updates.
    pub fn schedule(&self) -> &ScheduleRef {
        &self.schedule
    }

    /// The checked wire body.
    pub fn body(&self) -> Result<UpdateBody, Error> {
        validate::id(self.schedule.check())?;
        validate::extra(self.spec().request_body, "", &self.extra)?;
        let (schedule, extra) = (self.when.to_wire()?, self.extra.clone());
        Ok(match self.schedule.clone() {
            ScheduleRef::Campaign {
                campaign_id,
                schedule_id,
            } => UpdateBody::Campaign(
                types::CampaignScheduleUpdateRequest::builder()
                    .campaign_id(campaign_id)
                    .schedule_id(schedule_id)
                    .schedule(schedule)
                    .extra(extra)
                    .try_into()
                    .map_err(Error::conversion)
                    .and_then(validate::rules)?,
            ),
            ScheduleRef::Canvas {
                canvas_id,
                schedule_id,
            } => UpdateBody::Canvas(
                types::CanvasScheduleUpdateRequest::builder()
                    .canvas_id(canvas_id)
                    .schedule_id(schedule_id)
                    .schedule(schedule)
                    .extra(extra)
                    .try_into()
                    .map_err(Error::conversion)
                    .and_then(validate::rules)?,
            ),
            ScheduleRef::Message { schedule_id } => UpdateBody::Message(Box::new(
                types::MessageScheduleUpdateRequest::builder()
                    .schedule_id(schedule_id)
                    .schedule(Some(schedule))
                    .extra(extra)
                    .try_into()
                    .map_err(Error::conversion)
                    .and_then(validate::rules)?,
            )),
        })
    }

    /// The operation it calls, from the generated builder its kind's call is bound to.
    fn spec(&self) -> &'static OperationSpec {
        match self.schedule {
            ScheduleRef::Campaign { .. } => {
                spec_of::<braze_api::builder::UpdateCampaignSchedule<'static>>()
            }
            ScheduleRef::Canvas { .. } => {
                spec_of::<braze_api::builder::UpdateCanvasSchedule<'static>>()
            }
            ScheduleRef::Message { .. } => {
                spec_of::<braze_api::builder::UpdateMessageSchedule<'static>>()
            }
        }
    }

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        RequestPreview::of_body(&self.client, self.spec(), &self.body()?)
    }

    /// Checks and sends the request.
    pub async fn send(self) -> Result<Response<MessageResponse>, Error> {
        let body = self.body()?;
        let (client, api) = (&self.client, &self.client.api);
        match body {
            UpdateBody::Campaign(body) => {
                client
                    .call(Outgoing::of(
                        builder::UpdateCampaignSchedule::new_with_body(api, body),
                    ))
                    .await
            }
            UpdateBody::Canvas(body) => {
                client
                    .call(Outgoing::of(builder::UpdateCanvasSchedule::new_with_body(
                        api, body,
                    )))
                    .await
            }
            UpdateBody::Message(body) => {
                client
                    .call(Outgoing::of(builder::UpdateMessageSchedule::new_with_body(
                        api, *body,
                    )))
                    .await
            }
        }
    }
}

/// A schedule delete, built by [`Client::delete_schedule`] (or the campaign, Canvas and
/// message shortcuts, [`Client::delete_campaign_schedule`] being the seed endpoint's). Send
/// it with [`send`](Self::send) or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct DeleteSchedule {
    client: Client,
    schedule: ScheduleRef,
    extra: Map<String, Value>,
}

impl DeleteSchedule {
    /// Adds a body field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// Which schedule it cancels.
    pub fn schedule(&self) -> &ScheduleRef {
        &self.schedule
    }

    /// The checked wire body.
    pub fn body(&self) -> Result<DeleteBody, Error> {
        self.check()?;
        Ok(Self::wire(self.schedule.clone(), self.extra.clone()))
    }

    /// The id and `extra` checks of [`body`](Self::body).
    fn check(&self) -> Result<(), Error> {
        validate::id(self.schedule.check())?;
        validate::extra(self.spec().request_body, "", &self.extra)
    }

    /// The wire body of checked parts. Written as struct literals rather than through the
    /// generated builders, whose defaults allocate an error text per field: a delete has
    /// nothing else to check, and this runs on every one of a bulk cancel's rows.
    fn wire(schedule: ScheduleRef, extra: Map<String, Value>) -> DeleteBody {
        match schedule {
            ScheduleRef::Campaign {
                campaign_id,
                schedule_id,
            } => DeleteBody::Campaign(types::CampaignScheduleDeleteRequest {
                campaign_id,
                schedule_id,
                extra,
            }),
            ScheduleRef::Canvas {
                canvas_id,
                schedule_id,
            } => DeleteBody::Canvas(types::CanvasScheduleDeleteRequest {
                canvas_id,
                schedule_id,
                extra,
            }),
            ScheduleRef::Message { schedule_id } => {
                DeleteBody::Message(types::MessageScheduleDeleteRequest { schedule_id, extra })
            }
        }
    }

    /// The operation it calls, from the generated builder its kind's call is bound to.
    fn spec(&self) -> &'static OperationSpec {
        match self.schedule {
            ScheduleRef::Campaign { .. } => {
                spec_of::<braze_api::builder::DeleteCampaignSchedule<'static>>()
            }
            ScheduleRef::Canvas { .. } => {
                spec_of::<braze_api::builder::DeleteCanvasSchedule<'static>>()
            }
            ScheduleRef::Message { .. } => {
                spec_of::<braze_api::builder::DeleteMessageSchedule<'static>>()
            }
        }
    }

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        RequestPreview::of_body(&self.client, self.spec(), &self.body()?)
    }

    /// Checks and sends the request.
    pub async fn send(self) -> Result<Response<MessageResponse>, Error> {
        self.check()?;
        let Self {
            client,
            schedule,
            extra,
        } = self;
        let (client, api) = (&client, &client.api);
        match Self::wire(schedule, extra) {
            DeleteBody::Campaign(body) => {
                client
                    .call(Outgoing::of(
                        builder::DeleteCampaignSchedule::new_with_body(api, body),
                    ))
                    .await
            }
            DeleteBody::Canvas(body) => {
                client
                    .call(Outgoing::of(builder::DeleteCanvasSchedule::new_with_body(
                        api, body,
                    )))
                    .await
            }
            DeleteBody::Message(body) => {
                client
                    .call(Outgoing::of(builder::DeleteMessageSchedule::new_with_body(
                        api, body,
                    )))
                    .await
            }
        }
    }
}

impl_request_from_inherent!(UpdateSchedule => MessageResponse);
impl_request_from_inherent!(DeleteSchedule => MessageResponse);
