//! What is scheduled: `GET /messages/scheduled_broadcasts`.

use braze_api::operations::OperationSpec;
use braze_api::types;
use chrono::{DateTime, Utc};

use crate::client::Outgoing;
use crate::request::{impl_request_from_inherent, spec_of};
use crate::{Client, Error, RequestPreview, Response};

impl Client {
    /// Lists the campaigns and entry Canvases scheduled between now and `end_time`:
    /// `GET /messages/scheduled_broadcasts` (permission `messages.schedule_broadcasts`).
    /// (From text, [`braze_sdk::rules::end_time`](crate::rules::end_time) reads an ISO 8601
    /// date or date-time as Braze does, a date as its midnight UTC.)
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// let in_a_week = chrono::Utc::now() + chrono::Duration::days(7);
    /// let scheduled = client.list_scheduled_broadcasts(in_a_week).await?;
    /// for broadcast in &scheduled.scheduled_broadcasts {
    ///     println!("{:?} {:?} at {:?}", broadcast.type_, broadcast.name, broadcast.next_send_time);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_scheduled_broadcasts(&self, end_time: DateTime<Utc>) -> ListScheduledBroadcasts {
        ListScheduledBroadcasts {
            client: self.clone(),
            end_time,
        }
    }
}

/// A scheduled-broadcasts listing, built by [`Client::list_scheduled_broadcasts`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct ListScheduledBroadcasts {
    client: Client,
    end_time: DateTime<Utc>,
}

impl ListScheduledBroadcasts {
    /// `end_time` as sent: ISO 8601 in UTC, to the second.
    fn end_time(&self) -> Result<types::ListScheduledBroadcastsEndTime, Error> {
        self.end_time
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
            .parse()
            .map_err(|e: types::error::ConversionError| Error::invalid("end_time", e.to_string()))
    }

    fn spec(&self) -> &'static OperationSpec {
        spec_of::<braze_api::builder::ListScheduledBroadcasts<'static>>()
    }

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        let end_time = self.end_time()?;
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("end_time", &end_time)
            .finish();
        Ok(RequestPreview::new(
            &self.client,
            self.spec(),
            &format!("?{query}"),
            None,
        ))
    }

    /// Checks and sends the request.
    pub async fn send(self) -> Result<Response<types::ScheduledBroadcastsResponse>, Error> {
        let end_time = self.end_time()?;
        let client = self.client;
        client
            .call(Outgoing::of(
                client.api.list_scheduled_broadcasts().end_time(end_time),
            ))
            .await
    }
}

impl_request_from_inherent!(ListScheduledBroadcasts => types::ScheduledBroadcastsResponse);
