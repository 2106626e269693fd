//! The escape hatch: any path and JSON body, with the same credentials, pacing, retries
//! and error type as the typed operations.

use braze_api::call;
use braze_api::retry::Idempotency;
use braze_api::{ClientInfo, ResponseValue};
use http::Method;
use serde_json::Value;

use crate::{Client, Error, Response};

impl Client {
    /// A request the typed operations do not cover yet, e.g. an endpoint outside the spec:
    /// `path` is appended to the endpoint's base URL.
    ///
    /// It is **not** retried after it may have reached Braze unless marked
    /// [`idempotent`](RawRequest::idempotent).
    ///
    /// ```no_run
    /// # async fn run(client: braze_sdk::Client) -> Result<(), braze_sdk::Error> {
    /// use serde_json::json;
    ///
    /// let answer = client
    ///     .raw(http::Method::POST, "/messages/schedule/delete")
    ///     .json(json!({"schedule_id": "schedule_identifier"}))
    ///     .idempotent(true)
    ///     .await?;
    /// println!("{}", answer.body());
    /// # Ok(()) }
    /// ```
    pub fn raw(&self, method: Method, path: impl Into<String>) -> RawRequest {
        RawRequest {
            client: self.clone(),
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            idempotency: Idempotency::NotIdempotent,
            operation: "raw",
        }
    }
}

/// A raw request, built by [`Client::raw`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct RawRequest {
    client: Client,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    idempotency: Idempotency,
    operation: &'static str,
}

impl RawRequest {
    /// The JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Adds a query parameter (percent-encoded on the wire).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Marks the request as safe to repeat after it may have reached Braze, so that
    /// timeouts and 5xx answers are retried too.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotency = if yes {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        };
        self
    }

    /// The name used in tracing spans and errors (default `raw`).
    pub fn operation_name(mut self, name: &'static str) -> Self {
        self.operation = name;
        self
    }

    /// Sends the request. A 2xx answer's body is parsed as JSON (`null` when empty).
    pub async fn send(self) -> Result<Response<Value>, Error> {
        if !self.path.starts_with('/') {
            return Err(Error::invalid("path", "must start with '/'"));
        }
        let api = &self.client.api;
        let url = format!("{}{}", api.baseurl(), self.path);
        let mut builder = api
            .client()
            .request(self.method, url)
            .header(http::header::ACCEPT, "application/json");
        if !self.query.is_empty() {
            builder = builder.query(&self.query);
        }
        if let Some(body) = &self.body {
            builder = builder.json(body);
        }
        let request = builder
            .build()
            .map_err(|e| Error::invalid("path", format!("cannot build the request: {e}")))?;
        let operation = self.operation;
        let idempotency = self.idempotency;
        let (result, record) = call::recorded(async {
            let response = api.send_raw(request, operation, idempotency).await?;
            if response.status().is_success() {
                let status = response.status();
                let headers = response.headers().clone();
                let bytes = response
                    .bytes()
                    .await
                    .map_err(braze_api::Error::ResponseBodyError)?;
                let body = if bytes.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_slice(&bytes)
                        .map_err(|e| braze_api::Error::InvalidResponsePayload(bytes, e))?
                };
                Ok(ResponseValue::new(body, status, headers))
            } else {
                Err(braze_api::Error::ErrorResponse(
                    ResponseValue::from_response(response).await?,
                ))
            }
        })
        .await;
        match result {
            Ok(answer) => Ok(Response::new(answer, &record)),
            Err(error) => Err(Error::from_parts(operation, None, error, record)),
        }
    }
}

impl std::future::IntoFuture for RawRequest {
    type Output = Result<Response<Value>, Error>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
