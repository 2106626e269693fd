//! What each error suggests doing: the hints that [`Error::hint`](crate::Error::hint)
//! returns and that errors print.

use std::time::SystemTime;

use braze_api::call::Delivery;
use braze_api::rate_limit::{utc_text, wait_text};

use crate::error::{ApiError, DecodeError, TransportError, TransportKind};

impl ApiError {
    /// The hint for this status. With `now`, a 429's hint also says how long until the
    /// window resets ("in 3min"); without it, the hint does not depend on the clock.
    pub(crate) fn hint(&self, now: Option<SystemTime>) -> Option<String> {
        let hint = match self.status.as_u16() {
            401 => "check the API key (sent as is, without quotes) and that the endpoint is \
                    your workspace's instance: a key is unknown on the other instances"
                .to_owned(),
            403 => match self.permission() {
                Some(permission) => format!(
                    "the API key may lack permission `{permission}` (a key's permissions cannot \
                     be edited: create a key that has it), or the plan does not include \
                     this endpoint"
                ),
                None => "the API key may lack the permission this endpoint needs".to_owned(),
            },
            // Braze's "Invalid URL" (or a bare 404 from something in front of it) means a
            // wrong path or host; any other message speaks for itself.
            404 if self.message.as_deref().is_none_or(|m| m == "Invalid URL") => {
                "Braze answers 404 for an unknown URL: check the endpoint (instance or base \
                 URL)"
                    .to_owned()
            }
            413 => "the request body is over Braze's 4 MB limit".to_owned(),
            429 => match self.rate_limit.filter(|r| r.reset.is_some()) {
                Some(figures) => {
                    let per_window = figures
                        .limit
                        .map(|l| format!(" of {l} requests per window"))
                        .unwrap_or_default();
                    let reset = figures.reset.map(utc_text).unwrap_or_default();
                    let wait = now
                        .and_then(|now| figures.reset_in(now))
                        .map(|wait| format!(" ({})", wait_text(wait)))
                        .unwrap_or_default();
                    format!("over the rate limit{per_window}; the window resets at {reset}{wait}")
                }
                None => "over the rate limit; wait before sending more".to_owned(),
            },
            300..=399 => "redirects are not followed (they could carry the key elsewhere): \
                          check the endpoint URL"
                .to_owned(),
            500..=599 => match self.spec {
                Some(spec) if spec.idempotent => {
                    "Braze or a proxy in front of it failed; repeating this request later is safe"
                        .to_owned()
                }
                Some(_) => "Braze or a proxy in front of it failed; the create may have gone \
                            through: check what is scheduled before repeating it"
                    .to_owned(),
                None => "Braze or a proxy in front of it failed; try again later".to_owned(),
            },
            _ => return None,
        };
        Some(hint)
    }
}

impl TransportError {
    pub(crate) fn hint(&self) -> String {
        match self.kind {
            TransportKind::Connect => "could not connect: check the endpoint, the network and \
                                       any proxy settings (HTTPS_PROXY); nothing was sent"
                .to_owned(),
            _ if self.delivery == Delivery::NotSent => "nothing was sent".to_owned(),
            _ if self.spec.is_some_and(|spec| spec.idempotent) => {
                "the request may or may not have been applied; repeating it is safe".to_owned()
            }
            _ => "the request may have been applied: check what is scheduled before \
                  repeating a create"
                .to_owned(),
        }
    }
}

impl DecodeError {
    pub(crate) fn hint(&self) -> Option<String> {
        (self.delivery == Delivery::Accepted).then(|| {
            "Braze accepted the request (2xx), so it has most likely taken effect".to_owned()
        })
    }
}
