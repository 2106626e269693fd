//! The SMS and MMS channel: `messages.sms`.

use braze_api::operations::shapes;
use braze_api::types::{self, builder};
use serde_json::{Map, Value};

use super::Extras;
use crate::Error;

/// An SMS or MMS (`messages.sms`): from its app, subscription group and body in one line.
///
/// ```
/// let sms = braze_sdk::messages::Sms::new("app_identifier", "subscription_group_identifier", "Your table is ready")
///     .link_shortening(true);
/// # let _ = sms;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Sms {
    inner: builder::Sms,
    media_items: Vec<Value>,
    fields: Map<String, Value>,
}

impl Sms {
    /// A message with this body, from `app_id` (any app of the workspace) to the users of
    /// `subscription_group_id`.
    pub fn new(
        app_id: impl Into<String>,
        subscription_group_id: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self {
            inner: types::Sms::builder()
                .app_id(app_id.into())
                .subscription_group_id(subscription_group_id.into())
                .body(body.into()),
            media_items: Vec::new(),
            fields: Map::new(),
        }
    }

    optional_setters! {
        /// The campaign variation this message is (required with a `campaign_id`).
        message_variation_id / set_message_variation_id: String,
    }

    /// Shortens links, with campaign-level click tracking.
    pub fn link_shortening(self, yes: bool) -> Self {
        self.set_link_shortening(Some(yes))
    }

    /// Sets or clears [`link_shortening`](Self::link_shortening).
    pub fn set_link_shortening(mut self, yes: Option<bool>) -> Self {
        self.inner = self.inner.link_shortening_enabled(yes);
        self
    }

    /// Tracks clicks per user (needs [`link_shortening`](Self::link_shortening)).
    pub fn user_click_tracking(self, yes: bool) -> Self {
        self.set_user_click_tracking(Some(yes))
    }

    /// Sets or clears [`user_click_tracking`](Self::user_click_tracking).
    pub fn set_user_click_tracking(mut self, yes: Option<bool>) -> Self {
        self.inner = self.inner.user_click_tracking_enabled(yes);
        self
    }

    /// Adds an MMS media item: Braze says to "pass an image URL" and documents no element
    /// type, so the value is sent as given (the dashboard allows one image).
    pub fn media_item(mut self, item: Value) -> Self {
        self.media_items.push(item);
        self
    }

    /// Adds a field of Braze's SMS object that this crate does not know yet.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.fields.insert(name.into(), value);
        self
    }

    pub(crate) fn into_wire(self, path: &str) -> Result<types::Sms, Error> {
        let fields = Extras {
            extra: Map::new(),
            fields: self.fields,
        }
        .into_wire(&shapes::SMS, path)?;
        self.inner
            .media_items(self.media_items)
            .extra(fields)
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::invalid(path, e.to_string()))
    }
}
