//! How the answer to a generated operation is read, for
//! [`Bound::send`](crate::operations::Bound::send): as progenitor's generated `send` reads
//! it, with the same errors and the same [`ResponseValue`], at a smaller cost per request.
//!
//! `Bound::send` builds the request with the builder's generated
//! [`request`](crate::operations::Bound::request) and sends it through the same hooks as
//! progenitor's `exec` (credentials, pacing, retries, the body cap, tracing, the call
//! record); here its answer is read by status as progenitor reads it: 2xx into the
//! operation's answer, 4xx and 5xx into [`Error::ErrorResponse`] with Braze's
//! [`ApiError`], anything else [`Error::UnexpectedResponse`]. `cargo xtask generate`
//! refuses an operation whose responses the spec declares otherwise.
//!
//! What it saves against progenitor's `send`, every request: the answer's headers are
//! moved into the [`ResponseValue`] rather than cloned, and the future is two small boxes
//! (the hooks' attempts, then the reading of the answer) rather than one of about 1.8 kB,
//! past the largest size glibc's allocator keeps in its per-thread cache (1,032 bytes).

use std::future::Future;
use std::pin::Pin;

use serde::de::DeserializeOwned;

use crate::types::ApiError;
use crate::{Error, ResponseValue};

/// The future of a generated request's answer.
pub type Sending<'a, T> =
    Pin<Box<dyn Future<Output = Result<ResponseValue<T>, Error<ApiError>>> + Send + 'a>>;

/// Awaits `attempts`, the hooks' attempts at one request, and reads the answer.
pub(crate) fn answer<'a, T>(
    attempts: impl Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a,
) -> Sending<'a, T>
where
    T: DeserializeOwned + Send + 'a,
{
    // Boxed on its own: the attempts' future (under 1 kB) and the reading's each fit the
    // allocator's cache, where the two together in one future would not.
    let attempts = Box::pin(attempts);
    Box::pin(async move {
        let response = attempts.await.map_err(Error::CommunicationError)?;
        match response.status().as_u16() {
            200..=299 => read(response).await,
            400..=599 => Err(Error::ErrorResponse(read(response).await?)),
            _ => Err(Error::UnexpectedResponse(response)),
        }
    })
}

/// The answer's JSON body as a `T`, with its status and headers, as progenitor's
/// `ResponseValue::from_response` reads it, but with the headers moved out of the
/// response instead of cloned (reading the body does not need them).
async fn read<T: DeserializeOwned, E>(
    mut response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let full = response.bytes().await.map_err(Error::ResponseBodyError)?;
    let inner =
        serde_json::from_slice(&full).map_err(|e| Error::InvalidResponsePayload(full, e))?;
    Ok(ResponseValue::new(inner, status, headers))
}
