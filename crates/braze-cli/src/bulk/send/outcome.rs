//! What a batch's answer makes of its rows, in the words of a send: the bulk deletes'
//! policy ([`crate::bulk::outcome::decide`]) read for a request that Braze does not
//! deduplicate. "May have reached Braze" is the same call in both: a timeout, a connection
//! broken after the request was written, a 5xx, an unreadable error, a request abandoned
//! in flight or a process killed are `unknown`, never sent again unless asked.

use std::borrow::Cow;

use braze_sdk::wire::SendResponse;
use braze_sdk::{Delivery, RateLimit, Response};
use serde::{Deserialize, Serialize};

use crate::bulk::control::StopReason;
use crate::bulk::outcome::{self, Answer, Reach};
use crate::report::Outcome as DeleteOutcome;

/// What happened to a row: its `outcome` in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendOutcome {
    /// Its batch is about to be sent: written (and flushed) before the request goes out.
    /// A report whose last word on a row is this was killed while the row was in flight.
    InFlight,
    /// Braze took its batch (2xx), with the `dispatch_id` it gave.
    Sent,
    /// Braze answered its batch with an error that says it did not act (a 4xx), or took it
    /// and sent nothing (a `notice`).
    Refused,
    /// Its batch may have reached Braze, and no answer says whether it was sent.
    Unknown,
    /// Its batch provably did not reach Braze (no connection, or Braze refused the key or
    /// the rate): a later `--resume` run sends it.
    NotSent,
    /// The row cannot be sent: malformed, or refused by the rulebook.
    Invalid,
    /// Not sent by this run: see its `skip_reason`.
    Skipped,
}

impl SendOutcome {
    /// The name in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InFlight => "in_flight",
            Self::Sent => "sent",
            Self::Refused => "refused",
            Self::Unknown => "unknown",
            Self::NotSent => "not_sent",
            Self::Invalid => "invalid",
            Self::Skipped => "skipped",
        }
    }
}

/// What one answer made of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchVerdict {
    /// The outcome of each of its rows.
    pub outcome: SendOutcome,
    /// The report message.
    pub message: Cow<'static, str>,
    /// The HTTP status of the last answer, if any.
    pub status: Option<u16>,
    /// The dispatch, for a sent batch whose answer was read.
    pub dispatch_id: Option<String>,
    /// Attempts made.
    pub attempts: u32,
    /// How far the request got.
    pub delivery: Option<Delivery>,
    /// 429s the SDK waited out before this answer.
    pub rate_limited: u32,
    /// The rate-limit figures of the last answer.
    pub rate_limit: Option<RateLimit>,
    /// What to tell the run about the connection, if anything.
    pub reach: Option<Reach>,
    /// Stop taking batches, for this reason.
    pub stop: Option<StopReason>,
}

/// The message of rows abandoned in flight (a second Ctrl-C).
pub const ABANDONED: &str = "interrupted while in flight; Braze may or may not have sent it";

/// The verdict on a batch whose first row is on `line`, from the SDK's answer.
pub fn judge(line: u64, answer: &Result<Response<SendResponse>, braze_sdk::Error>) -> BatchVerdict {
    let row = outcome::Row {
        line,
        earlier_may_have_sent: false,
    };
    let text;
    let (summary, status, attempts, rate_limited, rate_limit, dispatch_id, notice) = match answer {
        Ok(response) => (
            Answer::success(response),
            Some(response.status().as_u16()),
            response.attempts(),
            response.rate_limited(),
            response.rate_limit(),
            response.dispatch_id().map(str::to_owned),
            response.notice(),
        ),
        Err(error) => {
            text = error.to_string();
            (
                Answer::error(error, &text),
                error.status().map(|s| s.as_u16()),
                error.attempts(),
                0,
                error.rate_limit(),
                None,
                None,
            )
        }
    };
    let verdict = outcome::decide(row, &summary);
    let (outcome, message): (SendOutcome, Cow<'static, str>) = match verdict.outcome {
        DeleteOutcome::Deleted => match notice {
            Some(notice) => (
                SendOutcome::Refused,
                format!("Braze took the batch and sent nothing: {notice}").into(),
            ),
            None if summary.error_text.is_empty() => (SendOutcome::Sent, verdict.message),
            None => (
                SendOutcome::Sent,
                format!(
                    "Braze answered 2xx; its body could not be read: {}",
                    summary.error_text
                )
                .into(),
            ),
        },
        DeleteOutcome::Invalid => (SendOutcome::Invalid, verdict.message),
        DeleteOutcome::Failed | DeleteOutcome::Gone | DeleteOutcome::Skipped => {
            (failed(&summary), verdict.message)
        }
    };
    BatchVerdict {
        outcome,
        message,
        status,
        dispatch_id,
        attempts,
        delivery: verdict.delivery,
        rate_limited,
        rate_limit,
        reach: verdict.reach,
        stop: verdict.stop,
    }
}

/// A failed batch: `unknown` unless its answer proves Braze did not act.
fn failed(answer: &Answer<'_>) -> SendOutcome {
    match (answer.delivery, answer.status) {
        (Delivery::NotSent, _) => SendOutcome::NotSent,
        // Braze refused the key, its permission or the rate: nothing was looked at, and
        // a later run (with the right key, in a new window) should send these rows.
        (Delivery::Refused, Some(401 | 403 | 429)) => SendOutcome::NotSent,
        (Delivery::Refused, _) => SendOutcome::Refused,
        (Delivery::Uncertain | Delivery::Accepted, _) => SendOutcome::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::outcome::Reply;
    use braze_sdk::TransportKind;

    fn answer(reply: Reply, status: Option<u16>, delivery: Delivery) -> Answer<'static> {
        Answer {
            reply,
            status,
            delivery,
            braze_message: Some("m"),
            error_text: "error",
        }
    }

    #[test]
    fn what_may_have_reached_braze_is_unknown_and_what_did_not_is_not() {
        use Delivery::{NotSent, Refused, Uncertain};
        use SendOutcome as O;
        let cases = [
            (
                answer(Reply::Transport(TransportKind::Timeout), None, Uncertain),
                O::Unknown,
            ),
            (
                answer(Reply::Transport(TransportKind::Other), None, Uncertain),
                O::Unknown,
            ),
            (answer(Reply::Api, Some(500), Uncertain), O::Unknown),
            (answer(Reply::Api, Some(503), Uncertain), O::Unknown),
            (answer(Reply::Decode, Some(502), Uncertain), O::Unknown),
            (answer(Reply::Other, None, Uncertain), O::Unknown),
            (answer(Reply::Api, Some(400), Uncertain), O::Unknown),
            (
                answer(Reply::Transport(TransportKind::Connect), None, NotSent),
                O::NotSent,
            ),
            (answer(Reply::Api, Some(429), Refused), O::NotSent),
            (answer(Reply::Api, Some(401), Refused), O::NotSent),
            (answer(Reply::Api, Some(403), Refused), O::NotSent),
            (answer(Reply::Api, Some(400), Refused), O::Refused),
            (answer(Reply::Api, Some(404), Refused), O::Refused),
        ];
        for (answer, expected) in cases {
            assert_eq!(failed(&answer), expected, "{answer:?}");
        }
    }

    #[test]
    fn names_are_the_serialized_ones() {
        for outcome in [
            SendOutcome::InFlight,
            SendOutcome::Sent,
            SendOutcome::Refused,
            SendOutcome::Unknown,
            SendOutcome::NotSent,
            SendOutcome::Invalid,
            SendOutcome::Skipped,
        ] {
            assert_eq!(
                serde_json::to_string(&outcome).unwrap(),
                format!("\"{}\"", outcome.as_str())
            );
        }
    }
}
