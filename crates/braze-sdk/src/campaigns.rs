//! Scheduled sends of API-triggered campaigns: create, update, delete.

use braze_api::operations::CREATE_CAMPAIGN_SCHEDULE;
use braze_api::types::{self, CampaignScheduleCreateRequest as CreateBody};
use serde_json::{Map, Value};

use crate::request::impl_request;
use crate::targeting::{Targeting, targeting_setters, wire_properties};
use crate::trigger_schedules::{Campaign, DeleteCampaignSchedule, UpdateCampaignSchedule};
use crate::{
    CampaignId, Client, Error, Request, RequestPreview, Response, Schedule, ScheduleId, validate,
};

impl Client {
    /// Schedules a send of an API-triggered campaign: `POST
    /// /campaigns/trigger/schedule/create` (permission `campaigns.trigger.schedule.create`).
    ///
    /// Target [`recipients`](CreateCampaignSchedule::recipients) (at most [`rules::MAX_USERS`](crate::rules::MAX_USERS)), an
    /// [`audience`](CreateCampaignSchedule::audience), or the whole segment with
    /// [`broadcast(true)`](CreateCampaignSchedule::broadcast). The answer's `schedule_id`
    /// is what update and delete take.
    ///
    /// Braze has no idempotency key, so a create is retried only when it cannot have
    /// reached Braze (connection failure) or was refused for the rate limit.
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// use braze_sdk::{Recipient, Schedule};
    /// use serde_json::json;
    ///
    /// let created = client
    ///     .create_campaign_schedule("campaign_identifier", Schedule::at("2030-05-24T21:30:00Z"))
    ///     .recipient(Recipient::external_user_id("user-42"))
    ///     .trigger_properties(json!({"coupon": "SPRING"}))
    ///     .await?;
    /// println!("scheduled as {}", created.schedule_id);
    /// # Ok(()) }
    /// ```
    pub fn create_campaign_schedule(
        &self,
        campaign_id: impl Into<CampaignId>,
        schedule: impl Into<Schedule>,
    ) -> CreateCampaignSchedule<'_> {
        CreateCampaignSchedule {
            client: self,
            campaign_id: campaign_id.into(),
            schedule: schedule.into(),
            send_id: None,
            targeting: Targeting::default(),
            trigger_properties: None,
            extra: Map::new(),
        }
    }

    /// Replaces the schedule of a scheduled campaign send: `POST
    /// /campaigns/trigger/schedule/update` (permission `campaigns.trigger.schedule.update`).
    ///
    /// The new schedule replaces the old one completely: an update that gives only a time
    /// makes a local-time send a UTC send. Late updates are best-effort.
    pub fn update_campaign_schedule(
        &self,
        campaign_id: impl Into<CampaignId>,
        schedule_id: impl Into<ScheduleId>,
        schedule: impl Into<Schedule>,
    ) -> UpdateCampaignSchedule<'_> {
        self.update_schedule::<Campaign>(campaign_id, schedule_id, schedule)
    }

    /// Cancels a scheduled campaign send: `POST /campaigns/trigger/schedule/delete`
    /// (permission `campaigns.trigger.schedule.delete`).
    ///
    /// Braze applies deletions made shortly before or during the send time on a
    /// best-effort basis: a late deletion may reach all, some or none of the users.
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// let answer = client
    ///     .delete_campaign_schedule("campaign_identifier", "schedule_identifier")
    ///     .await?;
    /// assert!(answer.status().is_success());
    /// # Ok(()) }
    /// ```
    pub fn delete_campaign_schedule(
        &self,
        campaign_id: impl Into<CampaignId>,
        schedule_id: impl Into<ScheduleId>,
    ) -> DeleteCampaignSchedule<'_> {
        self.delete_schedule::<Campaign>(campaign_id, schedule_id)
    }
}

/// A campaign schedule create, built by [`Client::create_campaign_schedule`]. Send it
/// with [`send`](Self::send) or by awaiting it.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CreateCampaignSchedule<'a> {
    client: &'a Client,
    campaign_id: CampaignId,
    schedule: Schedule,
    send_id: Option<String>,
    targeting: Targeting,
    trigger_properties: Option<Value>,
    extra: Map<String, Value>,
}

impl<'a> CreateCampaignSchedule<'a> {
    /// A send identifier, for tracking (not an idempotency key).
    pub fn send_id(mut self, send_id: impl Into<String>) -> Self {
        self.send_id = Some(send_id.into());
        self
    }

    targeting_setters!();

    /// Personalisation for every user of the send (a JSON object, at most
    /// [`rules::MAX_PROPERTIES_BYTES`](crate::rules::MAX_PROPERTIES_BYTES)).
    pub fn trigger_properties(mut self, properties: Value) -> Self {
        self.trigger_properties = Some(properties);
        self
    }

    /// Adds a body field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// The checked wire body. Every rule is checked here, before anything is sent.
    pub fn body(&self) -> Result<CreateBody, Error> {
        validate::id(self.campaign_id.check())?;
        let targeting = self.targeting.to_wire(&self.extra)?;
        let trigger_properties =
            wire_properties("trigger_properties", self.trigger_properties.as_ref())?;
        validate::extra(self.spec().request_body, "", &self.extra)?;
        CreateBody::builder()
            .campaign_id(self.campaign_id.clone())
            .schedule(self.schedule.to_wire()?)
            .send_id(self.send_id.clone())
            .recipients(targeting.recipients)
            .audience(targeting.audience)
            .broadcast(targeting.broadcast)
            .trigger_properties(trigger_properties)
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
                api.create_campaign_schedule().body(body).send()
            })
            .await
    }
}

impl_request!(
    CreateCampaignSchedule => types::ScheduleCreateResponse,
    &CREATE_CAMPAIGN_SCHEDULE
);
