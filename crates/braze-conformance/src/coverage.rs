//! Which probe settles each choice of braze-mock's `choices.rs`, or why none can safely.
//!
//! The list of choices is read from `choices.rs` itself (every `pub const` and `pub fn`
//! at the top level of the module), so a choice added there without a probe or a reason
//! here is reported as such by every run, and fails this crate's tests.

use crate::probes::{ORDER_OF_CHECKS, plan};

/// The source of braze-mock's choices, as compiled into this probe.
const CHOICES_RS: &str = include_str!("../../braze-mock/src/choices.rs");

/// The choices `choices.rs` declares, in its order: the name of every top-level `pub
/// const` and `pub fn`, and [`ORDER_OF_CHECKS`] for its module documentation.
pub fn declared_choices() -> Vec<&'static str> {
    let mut names = vec![ORDER_OF_CHECKS];
    for line in CHOICES_RS.lines() {
        // Top level only: items of an `impl` or of the tests are indented.
        let rest = line
            .strip_prefix("pub const ")
            .or_else(|| line.strip_prefix("pub fn "));
        if let Some(rest) = rest {
            let name: &str = rest
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("");
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    names
}

/// How a choice is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Settled by these experiments of the plan.
    Probed(&'static str),
    /// Not probed, and why.
    NotProbed(&'static str),
    /// Neither: a choice without a probe or a reason (a test fails on it).
    Missing,
}

/// How `choice` is covered: the first experiment that settles it, else its reason.
pub fn coverage(choice: &str) -> Coverage {
    if let Some(experiment) = plan().iter().find(|e| e.settles.contains(&choice)) {
        return Coverage::Probed(experiment.name);
    }
    NOT_PROBED
        .iter()
        .find(|(name, _)| *name == choice)
        .map_or(Coverage::Missing, |(_, why)| Coverage::NotProbed(why))
}

const SENDS: &str = "only a send Braze takes shows it, and the probe never sends";
const FAULTS: &str = "the fake's fault injection: nothing a request can make Braze do";
const LOCAL_PASSED: &str = "needs a local-time schedule whose time has passed in some time \
     zone, i.e. one due within a day, which could be sent; the probe creates nothing less \
     than 30 days ahead";
const INACTIVE: &str = "needs a paused or archived campaign or Canvas and a send Braze \
     could take";
const SEND_IDS: &str = "needs /sends/id/create, which makes a send identifier that cannot \
     be deleted and counts against the workspace's 100 a day";

/// The choices no safe request settles, and why.
pub const NOT_PROBED: &[(&str, &str)] = &[
    ("LOCAL_TIME_UPDATE_REFUSED_STATUS", LOCAL_PASSED),
    ("local_time_update_refused_message", LOCAL_PASSED),
    ("LOCAL_TIME_RULE_COVERS_MESSAGE_UPDATES", LOCAL_PASSED),
    (
        "missing_permission_message",
        "needs a second key without a permission; the probe is given one key",
    ),
    (
        "MAX_DRAINED_BYTES",
        "needs a body over 64 MB sent to the workspace",
    ),
    (
        "RATE_LIMITED_MESSAGE",
        "needs a 429, i.e. exhausting the workspace's limit (its real traffic would be \
         refused too)",
    ),
    ("injected_error_message", FAULTS),
    ("INJECTED_429_REPORTS_NO_REMAINING", FAULTS),
    ("html_error_page", FAULTS),
    ("fault_stage", FAULTS),
    ("DELAYED_REQUESTS_ARE_DROPPED", FAULTS),
    (
        "CHANGED_RATE_LIMITS_COUNT_AFRESH",
        "the fake's control API (PUT /_mock/rate_limits): Braze's limits do not change \
         while a workspace runs",
    ),
    (
        "UPDATED_MESSAGES_NEED_THE_CAMPAIGN_VARIATIONS",
        "needs an API campaign and its message variation ids; the probe is given an \
         API-triggered campaign only",
    ),
    (
        "UPDATED_MESSAGES_REPLACE_THE_STORED_ONES",
        "Braze shows no schedule's messages through the API",
    ),
    (
        "ACCEPT_AUDIENCES_BRAZE_FAILS_LATER",
        "Braze takes such an audience with a 2xx: the request would schedule an audience \
         send, and audiences are never probed",
    ),
    (
        "AUDIENCE_MAX_DEPTH",
        "a deep audience Braze took would schedule an audience send; audiences are never \
         probed",
    ),
    ("SEND_STATUS", SENDS),
    ("SEND_ID_CREATE_STATUS", SEND_IDS),
    ("TRANSACTIONAL_STATUS", SENDS),
    ("CANVAS_PAUSED_NOTICE", INACTIVE),
    ("CANVAS_ARCHIVED_NOTICE", INACTIVE),
    ("CAMPAIGN_PAUSED_MESSAGE", INACTIVE),
    ("CAMPAIGN_ARCHIVED_MESSAGE", INACTIVE),
    ("INACTIVE_CAMPAIGN_ANSWERS_WITH_A_NOTICE", INACTIVE),
    (
        "NOT_TRANSACTIONAL_MESSAGE",
        "needs a transactional send naming the test campaign: were the id given a \
         transactional campaign's by mistake, it would send an email",
    ),
    (
        "wrong_campaign_kind_message",
        "needs a send naming the test campaign, which sends if Braze does not check the \
         kind",
    ),
    (
        "OPEN_WORLD_USERS_EXIST",
        "describes the fake outside strict mode; Braze has no open world (the probe's fake \
         is strict)",
    ),
    (
        "UNKNOWN_LISTED_USER_STATUS",
        "needs /messages/send with a message, which would send to any user that exists",
    ),
    (
        "unknown_listed_user_message",
        "needs /messages/send with a message, which would send to any user that exists",
    ),
    ("skipped_recipient_error", SENDS),
    ("unknown_transactional_recipient_message", SENDS),
    ("SEND_IDS_PER_DAY", SEND_IDS),
    ("RECREATED_SEND_ID_COUNTS", SEND_IDS),
    ("SEND_ID_QUOTA_STATUS", SEND_IDS),
    ("send_id_quota_message", SEND_IDS),
    (
        "send_id_must_be_created",
        "only a send Braze takes or refuses for its send_id shows it, and such a send \
         names a real campaign",
    ),
    (
        "uncreated_send_id_message",
        "only a send Braze takes or refuses for its send_id shows it, and such a send \
         names a real campaign",
    ),
    ("answered_send_id", SENDS),
    ("EXTERNAL_SEND_ID_TTL", SENDS),
    ("REPEATED_TRIGGERS_DISPATCH_AGAIN", SENDS),
    ("ONE_MESSAGE_PER_USER", SENDS),
    ("EMAIL_MATCHES_THE_FIRST_USER", SENDS),
];
