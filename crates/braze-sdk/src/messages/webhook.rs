//! The webhook channel: `messages.webhook`.

use braze_api::operations::shapes;
use braze_api::types::{self, builder};
use serde_json::{Map, Value};

use super::Extras;
use crate::Error;

/// The method of a webhook (`POST`, `PUT`, `DELETE`, `GET`).
pub use braze_api::types::WebhookRequestMethod;

/// A webhook (`messages.webhook`): from its method and URL in one line.
///
/// ```
/// use braze_sdk::messages::{Webhook, WebhookRequestMethod};
/// use serde_json::json;
///
/// let hook = Webhook::new(WebhookRequestMethod::Post, "https://example.com/hooks/table")
///     .header("Content-Type", "application/json")
///     .json_body(json!({"table": 12}));
/// # let _ = hook;
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Webhook {
    inner: builder::Webhook,
    headers: std::collections::BTreeMap<String, String>,
    body: Option<Value>,
    fields: Map<String, Value>,
}

impl Webhook {
    /// A webhook calling `url` with `method`.
    pub fn new(method: WebhookRequestMethod, url: impl Into<String>) -> Self {
        Self {
            inner: types::Webhook::builder()
                .request_method(method)
                .url(url.into()),
            headers: Default::default(),
            body: None,
            fields: Map::new(),
        }
    }

    optional_setters! {
        /// The campaign variation this message is (required with a `campaign_id`).
        message_variation_id / set_message_variation_id: String,
    }

    /// Adds a request header (set `Content-Type`: Braze infers it from the body otherwise).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// A body as text, sent as given.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(Value::String(body.into()));
        self
    }

    /// A body as a JSON object, which Braze serialises. Anything but an object is refused
    /// when the request is checked (Braze takes text or an object only).
    pub fn json_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Adds a field of Braze's webhook object that this crate does not know yet.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.fields.insert(name.into(), value);
        self
    }

    pub(crate) fn into_wire(self, path: &str) -> Result<types::Webhook, Error> {
        let body = match self.body {
            None => None,
            Some(Value::String(text)) => Some(types::WebhookBody::Text(text.into())),
            Some(Value::Object(object)) => Some(types::WebhookBody::Object(object.into())),
            Some(other) => {
                return Err(Error::invalid(
                    format!("{path}.body"),
                    crate::validate::not_an_object(&other),
                ));
            }
        };
        let fields = Extras {
            extra: Map::new(),
            fields: self.fields,
        }
        .into_wire(&shapes::WEBHOOK, path)?;
        self.inner
            .request_headers(self.headers)
            .body(body)
            .extra(fields)
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::invalid(path, e.to_string()))
    }
}
