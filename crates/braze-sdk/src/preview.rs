//! What a dry run shows: the request as it would go on the wire, key redacted.

use braze_api::operations::OperationSpec;
use serde::Serialize;
use serde_json::Value;

use crate::{Client, Error};

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
    /// The preview of `spec` with this query string (`?...`, or empty) and body. The
    /// headers are those the generated client and the hooks set; a test compares previews
    /// with what goes on the wire for every operation.
    pub(crate) fn new(
        client: &Client,
        spec: &'static OperationSpec,
        query: &str,
        body: Option<Value>,
    ) -> Self {
        Self::at(client, spec, spec.path, query, body)
    }

    /// The preview of `spec` at `path` (its path with the parameters filled in,
    /// [`OperationSpec::path_with`]).
    fn at(
        client: &Client,
        spec: &'static OperationSpec,
        path: &str,
        query: &str,
        body: Option<Value>,
    ) -> Self {
        let mut headers = vec![("accept", "application/json".to_owned())];
        if body.is_some() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        headers.push(("authorization", "Bearer [redacted]".to_owned()));
        headers.push(("user-agent", client.user_agent().to_owned()));
        Self {
            operation: spec.id,
            method: spec.method.as_str(),
            url: format!("{}{path}{query}", client.endpoint().base_url()),
            headers,
            body,
        }
    }

    /// The preview of a JSON body for `spec`.
    pub(crate) fn of_body(
        client: &Client,
        spec: &'static OperationSpec,
        body: &impl Serialize,
    ) -> Result<Self, Error> {
        let body = serde_json::to_value(body).map_err(|e| Error::invalid("body", e.to_string()))?;
        Ok(Self::new(client, spec, "", Some(body)))
    }

    /// The preview of a JSON body for `spec`, whose path has parameters: `path_values`
    /// fill them in, in order (percent-encoded as the generated client does).
    pub(crate) fn of_body_with_path(
        client: &Client,
        spec: &'static OperationSpec,
        path_values: &[&str],
        body: &impl Serialize,
    ) -> Result<Self, Error> {
        let path = spec.path_with(path_values).ok_or_else(|| {
            Error::invalid(
                "path",
                format!("{} needs {} path value(s)", spec.path, path_values.len()),
            )
        })?;
        let body = serde_json::to_value(body).map_err(|e| Error::invalid("body", e.to_string()))?;
        Ok(Self::at(client, spec, &path, "", Some(body)))
    }
}
