//! Scheduled entries of API-triggered Canvases: create, update, delete.

use crate::trigger_schedules::{CreateCanvasSchedule, CreateTriggerSchedule};
use crate::{CanvasId, Client, DeleteSchedule, Schedule, ScheduleId, ScheduleRef, UpdateSchedule};

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
    ///     .create_canvas_schedule("canvas_identifier", Schedule::parse("2030-05-24T21:30:00Z")?)
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
    ) -> CreateCanvasSchedule {
        CreateTriggerSchedule::new(self, canvas_id.into(), schedule.into())
    }

    /// Replaces the schedule of a scheduled Canvas entry: `POST
    /// /canvas/trigger/schedule/update` (permission `canvas.trigger.schedule.update`);
    /// [`Client::update_schedule`] of a [`ScheduleRef::Canvas`].
    ///
    /// The new schedule replaces the old one completely: an update that gives only a time
    /// makes a local-time send a UTC send. Late updates are best-effort.
    pub fn update_canvas_schedule(
        &self,
        canvas_id: impl Into<CanvasId>,
        schedule_id: impl Into<ScheduleId>,
        schedule: impl Into<Schedule>,
    ) -> UpdateSchedule {
        self.update_schedule(ScheduleRef::canvas(canvas_id, schedule_id), schedule)
    }

    /// Cancels a scheduled Canvas entry: `POST /canvas/trigger/schedule/delete`
    /// (permission `canvas.trigger.schedule.delete`); [`Client::delete_schedule`] of a
    /// [`ScheduleRef::Canvas`].
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
    ) -> DeleteSchedule {
        self.delete_schedule(ScheduleRef::canvas(canvas_id, schedule_id))
    }
}
