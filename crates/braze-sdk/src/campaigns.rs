//! Scheduled sends of API-triggered campaigns: create, update, delete.

use crate::trigger_schedules::{CreateCampaignSchedule, CreateTriggerSchedule};
use crate::{
    CampaignId, Client, DeleteSchedule, Schedule, ScheduleId, ScheduleRef, UpdateSchedule,
};

impl Client {
    /// Schedules a send of an API-triggered campaign: `POST
    /// /campaigns/trigger/schedule/create` (permission `campaigns.trigger.schedule.create`).
    ///
    /// Target [`recipients`](CreateCampaignSchedule::recipients) (at most
    /// [`rules::MAX_USERS`](crate::rules::MAX_USERS)), an
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
    ///     .create_campaign_schedule("campaign_identifier", Schedule::parse("2030-05-24T21:30:00Z")?)
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
    ) -> CreateCampaignSchedule {
        CreateTriggerSchedule::new(self, campaign_id.into(), schedule.into())
    }

    /// Replaces the schedule of a scheduled campaign send: `POST
    /// /campaigns/trigger/schedule/update` (permission `campaigns.trigger.schedule.update`);
    /// [`Client::update_schedule`] of a [`ScheduleRef::Campaign`].
    ///
    /// The new schedule replaces the old one completely: an update that gives only a time
    /// makes a local-time send a UTC send. Late updates are best-effort.
    pub fn update_campaign_schedule(
        &self,
        campaign_id: impl Into<CampaignId>,
        schedule_id: impl Into<ScheduleId>,
        schedule: impl Into<Schedule>,
    ) -> UpdateSchedule {
        self.update_schedule(ScheduleRef::campaign(campaign_id, schedule_id), schedule)
    }

    /// Cancels a scheduled campaign send: `POST /campaigns/trigger/schedule/delete`
    /// (permission `campaigns.trigger.schedule.delete`); [`Client::delete_schedule`] of a
    /// [`ScheduleRef::Campaign`].
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
    ) -> DeleteSchedule {
        self.delete_schedule(ScheduleRef::campaign(campaign_id, schedule_id))
    }
}
