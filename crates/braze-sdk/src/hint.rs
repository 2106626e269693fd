//! What each error suggests doing: the hints that [`Error::hint`](crate::Error::hint)
//! returns and that errors print.

use std::time::SystemTime;

use braze_api::call::Delivery;
use braze_api::operations::{Operation, OperationSpec};
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
            500..=599 => {
                let failed = "Braze or a proxy in front of it failed";
                match Effect::of(self.spec, self.idempotency_key) {
                    Effect::Unknown => format!("{failed}; try again later"),
                    Effect::Idempotent => {
                        format!("{failed}; repeating this request later is safe")
                    }
                    effect => format!("{failed}; {}", effect.uncertain("before it failed")),
                }
            }
            _ => return None,
        };
        Some(hint)
    }
}

impl TransportError {
    pub(crate) fn hint(&self) -> String {
        transport_hint(
            self.kind,
            self.delivery,
            Effect::of(self.spec, self.idempotency_key),
        )
    }
}

/// The hint of a transport failure of this kind, after the call got this far, for an
/// operation with this effect.
fn transport_hint(kind: TransportKind, delivery: Delivery, effect: Effect) -> String {
    match (kind, effect) {
        (TransportKind::Connect, _) => "could not connect: check the endpoint, the network \
                                        and any proxy settings (HTTPS_PROXY); nothing was sent"
            .to_owned(),
        _ if delivery == Delivery::NotSent => "nothing was sent".to_owned(),
        (_, Effect::Idempotent) => {
            "the request may or may not have been applied; repeating it is safe".to_owned()
        }
        (_, Effect::Unknown | Effect::Create) => "the request may have been applied: check \
                                                   what is scheduled before repeating a create"
            .to_owned(),
        (kind, effect) => {
            let when = match kind {
                TransportKind::Timeout => "before the answer timed out",
                _ => "before the connection broke",
            };
            effect.uncertain(when)
        }
    }
}

/// What a request that may have reached Braze leaves open, by what its operation does
/// (and whether the request set the operation's idempotency key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Not an operation of the spec (a raw request).
    Unknown,
    /// A repeat is harmless (update, delete, list).
    Idempotent,
    /// A create of a schedule: a repeat can schedule twice.
    Create,
    /// A send without an idempotency key: a repeat can send twice.
    Send {
        /// The operation has a key the request did not set (the transactional send).
        key_available: Option<&'static str>,
    },
    /// A send that set its idempotency key: Braze sends once per value.
    KeyedSend(&'static str),
    /// A create of a send identifier.
    SendId,
}

impl Effect {
    fn of(spec: Option<&'static OperationSpec>, key_set: Option<&'static str>) -> Self {
        let Some(spec) = spec else {
            return Self::Unknown;
        };
        if spec.idempotent {
            return Self::Idempotent;
        }
        match spec.operation {
            Operation::SendMessages
            | Operation::TriggerCampaignSend
            | Operation::TriggerCanvasSend
            | Operation::SendTransactionalEmail => match key_set {
                Some(key) => Self::KeyedSend(key),
                None => Self::Send {
                    key_available: spec.idempotency_key,
                },
            },
            Operation::CreateSendId => Self::SendId,
            Operation::CreateCampaignSchedule
            | Operation::CreateCanvasSchedule
            | Operation::CreateMessageSchedule => Self::Create,
            // Exhaustive on purpose: a new operation that is not idempotent must say here
            // what a repeat of it could do.
            Operation::UpdateCampaignSchedule
            | Operation::DeleteCampaignSchedule
            | Operation::UpdateCanvasSchedule
            | Operation::DeleteCanvasSchedule
            | Operation::UpdateMessageSchedule
            | Operation::DeleteMessageSchedule
            | Operation::ListScheduledBroadcasts => Self::Idempotent,
        }
    }

    /// What is open for a request of this effect that may have been taken in; `when`
    /// says when it failed.
    fn uncertain(self, when: &str) -> String {
        match self {
            Self::Unknown => "the request may have been applied".to_owned(),
            Self::Idempotent => "repeating it is safe".to_owned(),
            Self::Create => "the create may have gone through: check what is scheduled \
                             before repeating it"
                .to_owned(),
            Self::Send { key_available } => {
                let mut text = format!(
                    "the send may or may not have happened: Braze may have sent it {when}, \
                     and it has no idempotency key, so the client did not retry it (a repeat \
                     could send twice); check the dispatch (the campaign's or Canvas's \
                     activity, the users' message history) before sending again"
                );
                if let Some(key) = key_available {
                    text.push_str(&format!("; give the send an `{key}` to make repeats safe"));
                }
                text
            }
            Self::KeyedSend(key) => format!(
                "the send may or may not have happened; repeating it with the same `{key}` \
                 is safe: Braze sends once per value within 24 hours"
            ),
            Self::SendId => "the send identifier may or may not have been created (and \
                             counted toward the daily quota): check before creating it again"
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

#[cfg(test)]
mod tests {
    use braze_api::operations::{
        CREATE_CAMPAIGN_SCHEDULE, CREATE_SEND_ID, DELETE_CAMPAIGN_SCHEDULE, SEND_MESSAGES,
        SEND_TRANSACTIONAL_EMAIL, TRIGGER_CANVAS_SEND,
    };
    use http::StatusCode;

    use super::*;

    fn server_error(spec: &'static OperationSpec, key: Option<&'static str>) -> String {
        ApiError {
            operation: spec.id,
            spec: Some(spec),
            status: StatusCode::BAD_GATEWAY,
            message: None,
            errors: Vec::new(),
            body_snippet: None,
            rate_limit: None,
            attempts: 1,
            delivery: Delivery::Uncertain,
            idempotency_key: key,
        }
        .hint(None)
        .unwrap()
    }

    #[test]
    fn a_failed_send_may_or_may_not_have_happened() {
        for spec in [
            &SEND_MESSAGES,
            &TRIGGER_CANVAS_SEND,
            &SEND_TRANSACTIONAL_EMAIL,
        ] {
            let hint = server_error(spec, None);
            assert!(
                hint.contains("the send may or may not have happened"),
                "{hint}"
            );
            assert!(hint.contains("no idempotency key"), "{hint}");
            assert!(hint.contains("did not retry it"), "{hint}");
            assert!(hint.contains("before sending again"), "{hint}");
        }
        // Only the transactional send has a key to offer.
        assert!(!server_error(&SEND_MESSAGES, None).contains("external_send_id"));
        assert!(
            server_error(&SEND_TRANSACTIONAL_EMAIL, None)
                .contains("give the send an `external_send_id` to make repeats safe")
        );
    }

    #[test]
    fn a_keyed_send_is_safe_to_repeat_with_its_key() {
        let hint = server_error(&SEND_TRANSACTIONAL_EMAIL, Some("external_send_id"));
        assert!(hint.contains("may or may not have happened"), "{hint}");
        assert!(
            hint.contains("repeating it with the same `external_send_id` is safe"),
            "{hint}"
        );
        assert!(hint.contains("24 hours"), "{hint}");
    }

    #[test]
    fn creates_and_idempotent_operations_keep_their_hints() {
        assert_eq!(
            server_error(&CREATE_CAMPAIGN_SCHEDULE, None),
            "Braze or a proxy in front of it failed; the create may have gone through: \
             check what is scheduled before repeating it"
        );
        assert_eq!(
            server_error(&DELETE_CAMPAIGN_SCHEDULE, None),
            "Braze or a proxy in front of it failed; repeating this request later is safe"
        );
        assert!(server_error(&CREATE_SEND_ID, None).contains("send identifier may or may not"));
    }

    #[test]
    fn transport_hints_of_sends() {
        let send = Effect::of(Some(&SEND_MESSAGES), None);
        let timeout = transport_hint(TransportKind::Timeout, Delivery::Uncertain, send);
        assert!(
            timeout.contains("the send may or may not have happened"),
            "{timeout}"
        );
        assert!(timeout.contains("before the answer timed out"), "{timeout}");
        let reset = transport_hint(TransportKind::Other, Delivery::Uncertain, send);
        assert!(reset.contains("before the connection broke"), "{reset}");
        assert_eq!(
            transport_hint(TransportKind::Other, Delivery::NotSent, send),
            "nothing was sent"
        );
        assert!(
            transport_hint(TransportKind::Connect, Delivery::NotSent, send)
                .contains("nothing was sent")
        );
        let keyed = Effect::of(Some(&SEND_TRANSACTIONAL_EMAIL), Some("external_send_id"));
        let hint = transport_hint(TransportKind::Timeout, Delivery::Uncertain, keyed);
        assert!(hint.contains("same `external_send_id` is safe"), "{hint}");
        assert_eq!(
            transport_hint(
                TransportKind::Timeout,
                Delivery::Uncertain,
                Effect::of(Some(&CREATE_CAMPAIGN_SCHEDULE), None)
            ),
            "the request may have been applied: check what is scheduled before repeating a \
             create"
        );
    }
}
