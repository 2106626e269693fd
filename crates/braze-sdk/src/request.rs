//! What every request builder shares: extra fields, JSON-object fields, a create's
//! targeting, the preview that a dry run prints, and awaiting a builder directly.

use braze_api::types;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{Client, Error, Recipient, validate};

/// A request as it would go on the wire, with the key redacted: what a dry run shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestPreview {
    /// The operation, e.g. `delete_campaign_schedule`.
    pub operation: &'static str,
    /// `POST` or `GET`.
    pub method: &'static str,
    /// The full URL, query included.
    pub url: String,
    /// The headers this client sends, the key redacted.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body, if any.
    pub body: Option<Value>,
}

impl RequestPreview {
    pub(crate) fn new(
        client: &Client,
        operation: &'static str,
        method: &'static str,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Self {
        let mut headers = vec![("accept", "application/json".to_owned())];
        if body.is_some() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        headers.push(("authorization", "Bearer [redacted]".to_owned()));
        headers.push(("user-agent", client.user_agent().to_owned()));
        Self {
            operation,
            method,
            url: format!("{}{path_and_query}", client.endpoint().base_url()),
            headers,
            body,
        }
    }
}

/// A JSON object given as a [`Value`], or a clear error naming the field.
pub(crate) fn object(field: &str, value: &Value) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(map) => Ok(map.clone()),
        other => Err(Error::invalid(field, crate::validate::not_an_object(other))),
    }
}

/// An optional personalisation object (`trigger_properties`, `context`): checked to be
/// a JSON object within Braze's size limit, ready for the wire.
pub(crate) fn properties(
    field: &str,
    value: Option<&Value>,
) -> Result<Option<types::Properties>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    let properties = object(field, value)?;
    validate::properties(field, &properties)?;
    Ok(Some(types::Properties::from(properties)))
}

/// A create's targeting, checked against Braze's rules and ready for the wire: the
/// recipients and the connected-audience object.
pub(crate) fn targeting(
    recipients: &[Recipient],
    audience: Option<&Value>,
    broadcast: Option<bool>,
) -> Result<(Vec<types::Recipient>, Option<types::ConnectedAudience>), Error> {
    validate::targeting(recipients, broadcast, audience.is_some())?;
    let audience = audience
        .map(|a| object("audience", a))
        .transpose()?
        .map(types::ConnectedAudience::from);
    Ok((
        recipients.iter().map(|r| r.wire.clone()).collect(),
        audience,
    ))
}

/// Serializes a wire body for a preview.
pub(crate) fn to_json(body: &impl Serialize) -> Result<Value, Error> {
    serde_json::to_value(body).map_err(|e| Error::invalid("body", e.to_string()))
}

/// Lets a request builder be awaited directly (`client.delete_...(..).await`), which
/// sends it.
macro_rules! send_on_await {
    ($builder:ident, $output:ty) => {
        impl<'a> std::future::IntoFuture for $builder<'a> {
            type Output = Result<$crate::Response<$output>, $crate::Error>;
            type IntoFuture =
                std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send + 'a>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}
pub(crate) use send_on_await;
