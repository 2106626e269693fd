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
//! moved into the [`ResponseValue`] rather than cloned, and the future is two boxes (the
//! hooks' attempts, 936 bytes, then the reading of the answer, 688, by
//! `-Zprint-type-sizes`) rather than one of about 1.8 kB, past the largest size glibc's
//! allocator keeps in its per-thread cache (1,032 bytes).

use std::future::Future;
use std::pin::Pin;

use http::{HeaderMap, StatusCode};
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
        // The response is only moved in this block, never borrowed: a borrowed local
        // keeps its room in the future across the reading of the body, beside it.
        let (status, headers, response) =
            match expected(attempts.await.map_err(Error::CommunicationError)?) {
                Ok(parts) => parts,
                Err(unexpected) => return Err(Error::UnexpectedResponse(unexpected)),
            };
        let full = response.bytes().await.map_err(Error::ResponseBodyError)?;
        if status.is_success() {
            let inner = serde_json::from_slice(&full)
                .map_err(|e| Error::InvalidResponsePayload(full, e))?;
            Ok(ResponseValue::new(inner, status, headers))
        } else {
            let inner: ApiError = serde_json::from_slice(&full)
                .map_err(|e| Error::InvalidResponsePayload(full, e))?;
            Err(Error::ErrorResponse(ResponseValue::new(
                inner, status, headers,
            )))
        }
    })
}

/// An answer whose body progenitor reads (2xx into the answer, 4xx and 5xx into
/// [`ApiError`]) as its status, its headers (moved out: reading the body does not need
/// them) and the response with the body still to read; any other answer as it is.
// The error is the response itself, moved once per call.
#[allow(clippy::result_large_err)]
fn expected(
    mut response: reqwest::Response,
) -> Result<(StatusCode, HeaderMap, reqwest::Response), reqwest::Response> {
    let status = response.status();
    match status.as_u16() {
        200..=299 | 400..=599 => {
            let headers = std::mem::take(response.headers_mut());
            Ok((status, headers, response))
        }
        _ => Err(response),
    }
}
