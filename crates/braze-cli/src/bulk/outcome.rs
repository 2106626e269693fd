//! The outcome policy of a bulk run: what a row became, given the SDK's answer, and
//! what the run must do about it. Written for the deletes; the bulk sends read the same
//! verdict in their own words ([`crate::bulk::send::outcome`]), so that "may have reached
//! Braze" means the same in both.
//!
//! [`decide`] is pure: it reads a summary of the answer ([`Answer`]) and returns a
//! [`Verdict`]; the worker applies it (builds the row's result, tells the run's
//! [`Control`](crate::bulk::control::Control)). So every case is tested here, one row of
//! a table each, and not only end to end.

use std::borrow::Cow;

use braze_sdk::{BrazeMessage, Delivery, Response, TransportKind};

use crate::bulk::control::StopReason;
use crate::report::{ALREADY_GONE_AFTER_RETRY, ALREADY_GONE_RESUMED, INVALID_URL_MESSAGE, Outcome};

/// What is known of a row before its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// Its line in the input (a refused key names it).
    pub line: u64,
    /// Whether a run resumed from may have sent it without recording it (see
    /// [`AlreadyDeleted::may_have_sent`](crate::bulk::resume::AlreadyDeleted::may_have_sent)).
    pub earlier_may_have_sent: bool,
}

/// How the SDK's call ended: a success, or the kind of its [`braze_sdk::Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// A 2xx whose body was read.
    Success,
    /// `Error::InvalidRequest` or `Error::Config`: refused by the SDK, nothing sent.
    Unsent,
    /// `Error::Api`: Braze, or a server in front of it, answered with an error status.
    Api,
    /// `Error::Decode`: an answer whose body could not be read.
    Decode,
    /// `Error::Transport`: no answer, for this reason.
    Transport(TransportKind),
    /// An error kind this version does not know (`braze_sdk::Error` is non-exhaustive).
    Other,
}

/// The SDK's answer for a row, summed up: all that the policy reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer<'a> {
    /// How the call ended.
    pub reply: Reply,
    /// The HTTP status of the last answer, if there was one.
    pub status: Option<u16>,
    /// How far the call got.
    pub delivery: Delivery,
    /// Braze's `message`, if it sent one.
    pub braze_message: Option<&'a str>,
    /// The SDK's error in full (its `Display`, hint included); empty for a success.
    pub error_text: &'a str,
}

impl<'a> Answer<'a> {
    /// A 2xx answer whose body was read (a delete's, or a send's).
    pub fn success<T: BrazeMessage>(response: &'a Response<T>) -> Self {
        Self {
            reply: Reply::Success,
            status: Some(response.status().as_u16()),
            delivery: Delivery::Accepted,
            braze_message: response.message(),
            error_text: "",
        }
    }

    /// A failed call; `error_text` is `error.to_string()`.
    pub fn error(error: &'a braze_sdk::Error, error_text: &'a str) -> Self {
        let reply = match error {
            braze_sdk::Error::InvalidRequest { .. } | braze_sdk::Error::Config(_) => Reply::Unsent,
            braze_sdk::Error::Api(_) => Reply::Api,
            braze_sdk::Error::Decode(_) => Reply::Decode,
            braze_sdk::Error::Transport(transport) => Reply::Transport(transport.kind),
            _ => Reply::Other,
        };
        Self {
            reply,
            status: error.status().map(|status| status.as_u16()),
            delivery: error.delivery(),
            braze_message: error.braze_message(),
            error_text,
        }
    }
}

/// What an answer says of the connection to Braze: it feeds the streak of unreachable
/// rows that stops a run (see [`Control::note_unreachable`](crate::bulk::control::Control::note_unreachable)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Something answered (any status): the streak ends.
    Answered,
    /// The connection could not be made, after the SDK's retries.
    Unreachable,
}

/// What a row became, and what the run must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The row's outcome.
    pub outcome: Outcome,
    /// Its report message.
    pub message: Cow<'static, str>,
    /// The delivery to report: none for a row the SDK refused to send.
    pub delivery: Option<Delivery>,
    /// The SDK's error in full, for the summary's first failure (failed rows only).
    pub error_text: Option<String>,
    /// What to tell the run about the connection, if anything.
    pub reach: Option<Reach>,
    /// Stop taking rows, for this reason.
    pub stop: Option<StopReason>,
}

/// The message a failed 4xx gets when an earlier attempt of the same request got no clear
/// answer: the refusal does not prove the delete was not applied.
const AFTER_DOUBT: &str =
    " (an earlier attempt got no clear answer: it may have deleted the schedule)";

/// The message a failed row gets in a `--resume` run when the interrupted run may have
/// sent it without recording it: the failure does not prove the schedule is still there.
const AFTER_INTERRUPTION: &str = " (the interrupted run may have deleted it: the \
     --resume reports do not show it was left alone)";

/// Decides what a row became from the SDK's answer.
///
/// * A 2xx is `deleted`; so is a 2xx whose body could not be read (Braze took it).
/// * What the SDK refused to send is `invalid`.
/// * A 404 from Braze (its JSON `message`, not "Invalid URL") says the schedule is not
///   there. The row is `gone` when this run or an earlier one may have deleted it: an
///   earlier attempt of this request got no clear answer (a timeout, a 5xx), or a
///   `--resume` report does not rule out that the interrupted run deleted it (the row was
///   in flight when that run was killed). Then the report and Braze agree that it is not
///   there, without claiming a deletion the tool cannot prove (the id may also be wrong).
/// * Anything else is `failed`; a 401 or 403 also stops the run (every later row would be
///   refused alike). A failed row that the interrupted run of a `--resume` may have sent
///   is reported with delivery `uncertain` (it may be deleted already, whatever this run
///   was answered: a 404 whose body could not be read, a 5xx), so that a later resume
///   still reads its 404 as `gone`.
pub fn decide(row: Row, answer: &Answer<'_>) -> Verdict {
    let reach = match answer.reply {
        Reply::Success | Reply::Api | Reply::Decode => Some(Reach::Answered),
        Reply::Transport(TransportKind::Connect) => Some(Reach::Unreachable),
        _ => None,
    };
    let verdict = |outcome, message: Cow<'static, str>| Verdict {
        outcome,
        message,
        delivery: Some(answer.delivery),
        error_text: None,
        reach,
        stop: None,
    };
    match answer.reply {
        Reply::Success => Verdict {
            delivery: Some(Delivery::Accepted),
            ..verdict(Outcome::Deleted, braze_message(answer.braze_message))
        },
        Reply::Unsent => Verdict {
            delivery: None,
            ..verdict(Outcome::Invalid, answer.error_text.to_owned().into())
        },
        _ if answer.delivery == Delivery::Accepted => verdict(
            Outcome::Deleted,
            format!("counted as deleted: {}", answer.error_text).into(),
        ),
        _ => match already_gone(row, answer) {
            Some(message) => verdict(Outcome::Gone, message.into()),
            None => Verdict {
                error_text: Some(answer.error_text.to_owned()),
                stop: match answer.status {
                    Some(status @ (401 | 403)) => Some(StopReason::KeyRefused {
                        status,
                        line: row.line,
                    }),
                    _ => None,
                },
                delivery: Some(if row.earlier_may_have_sent {
                    Delivery::Uncertain
                } else {
                    answer.delivery
                }),
                ..verdict(Outcome::Failed, failure_message(row, answer).into())
            },
        },
    }
}

/// The message of a `gone` row, if the answer makes it one (see [`decide`]).
fn already_gone(row: Row, answer: &Answer<'_>) -> Option<String> {
    let message = not_found(answer)?;
    let why = if answer.delivery == Delivery::Uncertain {
        ALREADY_GONE_AFTER_RETRY
    } else if row.earlier_may_have_sent {
        ALREADY_GONE_RESUMED
    } else {
        return None;
    };
    Some(format!("{why} ({message})"))
}

/// Braze's message of a 404 that says a schedule is not there: a JSON answer from Braze,
/// not its "Invalid URL" (a wrong endpoint) nor a proxy's page.
fn not_found<'a>(answer: &Answer<'a>) -> Option<&'a str> {
    if answer.status? != 404 {
        return None;
    }
    answer
        .braze_message
        .filter(|message| *message != INVALID_URL_MESSAGE)
}

/// A failed row's message: Braze's own, or else the SDK's error, and why the row may be
/// deleted anyway.
fn failure_message(row: Row, answer: &Answer<'_>) -> String {
    let mut message = answer.braze_message.unwrap_or(answer.error_text).to_owned();
    let refused_after_doubt = answer.delivery == Delivery::Uncertain
        && answer.status.is_some_and(|s| (400..500).contains(&s));
    if refused_after_doubt {
        message.push_str(AFTER_DOUBT);
    } else if row.earlier_may_have_sent && answer.delivery != Delivery::Uncertain {
        message.push_str(AFTER_INTERRUPTION);
    }
    message
}

/// Braze's `message`, without an allocation for the usual `success`.
fn braze_message(message: Option<&str>) -> Cow<'static, str> {
    match message {
        Some("success") => Cow::Borrowed("success"),
        Some(other) => Cow::Owned(other.to_owned()),
        None => Cow::Borrowed(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: u64 = 42;
    const ERROR: &str = "the SDK's error, with its hint";
    const NOT_FOUND: &str = "Schedule not found";

    /// The answer of each case: the call ended so, with this status, delivery and
    /// Braze message.
    fn answer(
        reply: Reply,
        status: Option<u16>,
        delivery: Delivery,
        braze_message: Option<&'static str>,
    ) -> Answer<'static> {
        Answer {
            reply,
            status,
            delivery,
            braze_message,
            error_text: if reply == Reply::Success { "" } else { ERROR },
        }
    }

    /// One case of the table: what the row and the answer were, and what must follow.
    struct Case {
        name: &'static str,
        earlier_may_have_sent: bool,
        answer: Answer<'static>,
        outcome: Outcome,
        message: String,
        delivery: Option<Delivery>,
        reach: Option<Reach>,
        stop: Option<StopReason>,
    }

    fn gone(why: &str) -> String {
        format!("{why} ({NOT_FOUND})")
    }

    fn doubted(message: &str) -> String {
        format!("{message}{AFTER_DOUBT}")
    }

    fn interrupted(message: &str) -> String {
        format!("{message}{AFTER_INTERRUPTION}")
    }

    fn key_refused(status: u16) -> Option<StopReason> {
        Some(StopReason::KeyRefused { status, line: LINE })
    }

    #[rustfmt::skip]
    fn cases() -> Vec<Case> {
        use Delivery::{Accepted, NotSent, Refused, Uncertain};
        use Outcome::{Deleted, Failed, Gone, Invalid};
        use Reach::{Answered, Unreachable};
        use Reply::{Api, Decode, Other, Success, Transport, Unsent};
        use TransportKind::{Connect, Timeout};
        let case = |name, earlier, answer, outcome, message: &str, reach, stop| Case {
            name,
            earlier_may_have_sent: earlier,
            answer,
            outcome,
            message: message.to_owned(),
            delivery: Some(answer.delivery),
            reach,
            stop,
        };
        let braze = |status, delivery, message| answer(Api, Some(status), delivery, Some(message));
        vec![
            case("2xx", false, answer(Success, Some(201), Accepted, Some("success")),
                Deleted, "success", Some(Answered), None),
            case("2xx with another message", true,
                answer(Success, Some(200), Accepted, Some("queued")),
                Deleted, "queued", Some(Answered), None),
            case("2xx without a message", false, answer(Success, Some(200), Accepted, None),
                Deleted, "", Some(Answered), None),
            case("2xx whose body could not be read", false,
                answer(Decode, Some(200), Accepted, None),
                Deleted, &format!("counted as deleted: {ERROR}"), Some(Answered), None),
            case("404, nothing sent before", false, braze(404, Refused, NOT_FOUND),
                Failed, NOT_FOUND, Some(Answered), None),
            case("404 in a resumed run that may have sent it", true,
                braze(404, Refused, NOT_FOUND),
                Gone, &gone(ALREADY_GONE_RESUMED), Some(Answered), None),
            case("404 after an attempt without a clear answer", false,
                braze(404, Uncertain, NOT_FOUND),
                Gone, &gone(ALREADY_GONE_AFTER_RETRY), Some(Answered), None),
            case("404 after doubt, in a resumed run too", true, braze(404, Uncertain, NOT_FOUND),
                Gone, &gone(ALREADY_GONE_AFTER_RETRY), Some(Answered), None),
            case("404 Invalid URL (a wrong endpoint), resumed", true,
                braze(404, Uncertain, INVALID_URL_MESSAGE),
                Failed, &doubted(INVALID_URL_MESSAGE), Some(Answered), None),
            // Not Braze's "not found": the interrupted run may have deleted it all the
            // same, so the row stays in doubt for a later resume.
            Case {
                delivery: Some(Uncertain),
                ..case("404 page of a proxy, or an unreadable 404, resumed", true,
                    answer(Api, Some(404), Refused, None),
                    Failed, &interrupted(ERROR), Some(Answered), None)
            },
            case("404 page of a proxy", false, answer(Api, Some(404), Refused, None),
                Failed, ERROR, Some(Answered), None),
            case("401", false, braze(401, Refused, "Invalid API key"),
                Failed, "Invalid API key", Some(Answered), key_refused(401)),
            Case {
                delivery: Some(Uncertain),
                ..case("403, resumed", true, braze(403, Refused, "no permission"),
                    Failed, &interrupted("no permission"), Some(Answered), key_refused(403))
            },
            case("403", false, braze(403, Refused, "no permission"),
                Failed, "no permission", Some(Answered), key_refused(403)),
            case("401 without a JSON body", false, answer(Decode, Some(401), Refused, None),
                Failed, ERROR, Some(Answered), key_refused(401)),
            case("429 after the SDK's retries", false, braze(429, Refused, "rate limited"),
                Failed, "rate limited", Some(Answered), None),
            case("429 after an attempt without a clear answer", false,
                braze(429, Uncertain, "rate limited"),
                Failed, &doubted("rate limited"), Some(Answered), None),
            case("400", false, braze(400, Refused, "bad schedule_id"),
                Failed, "bad schedule_id", Some(Answered), None),
            case("400 after an attempt without a clear answer", false,
                braze(400, Uncertain, "bad schedule_id"),
                Failed, &doubted("bad schedule_id"), Some(Answered), None),
            case("503 with a Braze message", false, braze(503, Uncertain, "unavailable"),
                Failed, "unavailable", Some(Answered), None),
            case("502 page of a proxy", true, answer(Api, Some(502), Uncertain, None),
                Failed, ERROR, Some(Answered), None),
            case("5xx whose body could not be read", false,
                answer(Decode, Some(500), Uncertain, None),
                Failed, ERROR, Some(Answered), None),
            case("cannot connect", false, answer(Transport(Connect), None, NotSent, None),
                Failed, ERROR, Some(Unreachable), None),
            case("cannot connect, after an attempt that timed out", false,
                answer(Transport(Connect), None, Uncertain, None),
                Failed, ERROR, Some(Unreachable), None),
            case("timeout, not sent", false, answer(Transport(Timeout), None, NotSent, None),
                Failed, ERROR, None, None),
            case("timeout after a 4xx attempt", false,
                answer(Transport(Timeout), None, Refused, None),
                Failed, ERROR, None, None),
            case("timeout, may have been applied", true,
                answer(Transport(Timeout), None, Uncertain, None),
                Failed, ERROR, None, None),
            case("timeout after an attempt answered 2xx", false,
                answer(Transport(Timeout), None, Accepted, None),
                Deleted, &format!("counted as deleted: {ERROR}"), None, None),
            case("connection broken, may have been applied", false,
                answer(Transport(TransportKind::Other), None, Uncertain, None),
                Failed, ERROR, None, None),
            case("an error kind this version does not know", false,
                answer(Other, None, Uncertain, None),
                Failed, ERROR, None, None),
            Case {
                delivery: None,
                ..case("refused by the SDK's checks", true, answer(Unsent, None, NotSent, None),
                    Invalid, ERROR, None, None)
            },
        ]
    }

    #[test]
    fn each_answer_gives_its_outcome_and_stop_signal() {
        let cases = cases();
        assert!(cases.len() >= 25, "the table lost cases");
        for case in cases {
            let row = Row {
                line: LINE,
                earlier_may_have_sent: case.earlier_may_have_sent,
            };
            let verdict = decide(row, &case.answer);
            let name = case.name;
            assert_eq!(verdict.outcome, case.outcome, "{name}: outcome");
            assert_eq!(verdict.message, case.message, "{name}: message");
            assert_eq!(verdict.delivery, case.delivery, "{name}: delivery");
            assert_eq!(verdict.reach, case.reach, "{name}: reach");
            assert_eq!(verdict.stop, case.stop, "{name}: stop");
            let failed = case.outcome == Outcome::Failed;
            assert_eq!(
                verdict.error_text.as_deref(),
                failed.then_some(ERROR),
                "{name}: the full error is kept for failed rows only"
            );
        }
    }

    #[test]
    fn success_keeps_braze_s_usual_message_without_allocating() {
        let verdict = decide(
            Row {
                line: 1,
                earlier_may_have_sent: false,
            },
            &answer(
                Reply::Success,
                Some(201),
                Delivery::Accepted,
                Some("success"),
            ),
        );
        assert!(matches!(verdict.message, Cow::Borrowed("success")));
    }
}
