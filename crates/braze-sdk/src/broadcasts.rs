//! What is scheduled: `GET /messages/scheduled_broadcasts`.

use braze_api::operations::LIST_SCHEDULED_BROADCASTS;
use braze_api::types;

use crate::request::impl_request;
use crate::{Client, Error, Request, RequestPreview, Response};

impl Client {
    /// Lists the campaigns and entry Canvases scheduled between now and `end_time` (an
    /// ISO 8601 date or date-time, which Braze reads as midnight UTC of that date):
    /// `GET /messages/scheduled_broadcasts` (permission `messages.schedule_broadcasts`).
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// let scheduled = client.list_scheduled_broadcasts("2030-09-01T00:00:00-04:00").await?;
    /// for broadcast in &scheduled.scheduled_broadcasts {
    ///     println!("{:?} {:?} at {:?}", broadcast.type_, broadcast.name, broadcast.next_send_time);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_scheduled_broadcasts(
        &self,
        end_time: impl Into<String>,
    ) -> ListScheduledBroadcasts<'_> {
        ListScheduledBroadcasts {
            client: self,
            end_time: end_time.into(),
        }
    }
}

/// A scheduled-broadcasts listing, built by [`Client::list_scheduled_broadcasts`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct ListScheduledBroadcasts<'a> {
    client: &'a Client,
    end_time: String,
}

impl<'a> ListScheduledBroadcasts<'a> {
    fn end_time(&self) -> Result<types::ListScheduledBroadcastsEndTime, Error> {
        let end_time = self.end_time.trim();
        braze_api::rules::end_time(end_time)?;
        end_time
            .parse()
            .map_err(|e: types::error::ConversionError| Error::invalid("end_time", e.to_string()))
    }

    /// The request as it would be sent, key redacted (for a dry run).
    pub fn preview(&self) -> Result<RequestPreview, Error> {
        let end_time = self.end_time()?;
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("end_time", &end_time)
            .finish();
        Ok(RequestPreview::new(
            self.client,
            self.spec(),
            &format!("?{query}"),
            None,
        ))
    }

    /// Checks and sends the request.
    pub async fn send(self) -> Result<Response<types::ScheduledBroadcastsResponse>, Error> {
        let end_time = self.end_time()?;
        let api = &self.client.api;
        self.client
            .call(self.spec(), || {
                api.list_scheduled_broadcasts().end_time(end_time).send()
            })
            .await
    }
}

impl_request!(
    ListScheduledBroadcasts => types::ScheduledBroadcastsResponse,
    &LIST_SCHEDULED_BROADCASTS
);
