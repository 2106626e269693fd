//! Every behaviour of the fake that Braze's documentation leaves open, in one place, so
//! that each can be changed when Braze's real answer becomes known.
//!
//! Documented Braze behaviour lives with the code that implements it; what is here is a
//! choice, and each item says why it was made. The crate's README lists both.
//!
//! # The order in which a request is checked
//!
//! Braze documents none of it. The fake goes from the outermost layer (a proxy or gateway)
//! to the innermost (the operation), and stops at the first answer:
//!
//! 1. every request is counted against the rate limit, whatever comes next, so that the
//!    figures match the number of requests sent (see [`crate::RateLimitCounters`]);
//! 2. a fault drawn for the request, if it strikes before processing ([`fault_stage`]);
//! 3. unknown path → 404 ([`NOT_FOUND_MESSAGE`]), wrong method → 405;
//! 4. body over the limit → 413;
//! 5. missing or unknown key → 401, key without the permission → 403 (a gateway needs the
//!    key to know the workspace whose limit applies, so authentication comes first);
//! 6. over the rate limit → 429;
//! 7. `Content-Type` of a POST ([`is_json_content_type`]) → 400;
//! 8. body: JSON syntax, types, required fields, then Braze's rules → 400;
//! 9. strict mode: unregistered campaign or Canvas → 400;
//! 10. the operation itself (unknown schedule → [`UNKNOWN_SCHEDULE_STATUS`]);
//! 11. a fault drawn for the request, if it strikes after processing.

use braze_api::ScheduleKind;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use http::StatusCode;

use crate::auth::Permission;
use crate::faults::{FaultKind, FaultStage};

/// Status of a successful create. Braze does not document it for the scheduling
/// endpoints; it answers `201 Created` on its send endpoints (a recorded
/// `POST /canvas/trigger/send`, and its Postman guide), so the fake does the same.
pub const CREATE_STATUS: StatusCode = StatusCode::CREATED;

/// Status of a successful update. Undocumented; nothing is created, so 200.
pub const UPDATE_STATUS: StatusCode = StatusCode::OK;

/// Status of a successful delete. Undocumented; nothing is created, so 200.
pub const DELETE_STATUS: StatusCode = StatusCode::OK;

/// Status when an update or delete names a `schedule_id` that does not exist, was deleted,
/// or belongs to another campaign or Canvas (or to the other kind). Braze documents no
/// answer; 404 says what happened and is what a client must not retry.
pub const UNKNOWN_SCHEDULE_STATUS: StatusCode = StatusCode::NOT_FOUND;

/// Message of [`UNKNOWN_SCHEDULE_STATUS`], naming both ids (the owner's field and id, when
/// the request names one) so that a mismatched pair is easy to spot: `schedule_id S not
/// found for campaign_id C`.
pub fn unknown_schedule_message(schedule_id: &str, owner: Option<(&str, &str)>) -> String {
    match owner {
        Some((field, id)) => format!("schedule_id {schedule_id} not found for {field} {id}"),
        None => format!("schedule_id {schedule_id} not found"),
    }
}

/// Status when an update targets a local-time schedule whose time has passed in some time
/// zone. Braze documents that such updates "are not applied", not what it answers; a 400
/// tells the client the update did not happen.
pub const LOCAL_TIME_UPDATE_REFUSED_STATUS: StatusCode = StatusCode::BAD_REQUEST;

/// Message of [`LOCAL_TIME_UPDATE_REFUSED_STATUS`].
pub fn local_time_update_refused_message(schedule_id: &str) -> String {
    format!(
        "schedule_id {schedule_id} can no longer be updated: it sends in local time and its \
         time has already passed in at least one time zone"
    )
}

/// Whether a send time given with an offset is accepted for a local-time or optimal-time
/// send. Braze says to give none, not that it refuses one; the fake accepts it and uses the
/// time of day as written, ignoring the offset.
pub const ACCEPT_OFFSET_WITH_LOCAL_TIME: bool = true;

/// Whether a UTC send time in the past is accepted. Braze documents a refusal only for
/// local-time sends, so the fake accepts past UTC times.
pub const ACCEPT_PAST_UTC_TIMES: bool = true;

/// Whether `null` is refused for a field the spec declares (`"at_optimal_time": null`).
/// The spec declares none of them nullable and Braze documents nothing about `null`; the
/// generated types would read it as "left out", so the fake refuses it explicitly, as the
/// spec does (found by Schemathesis's negative tests, see RELIABILITY.md).
pub const REFUSE_NULL_FOR_DECLARED_FIELDS: bool = true;

/// 401 message when no key was sent. Braze's text is not documented; this one says how to
/// send the key.
pub fn missing_key_message() -> &'static str {
    "Invalid API key: none was sent. Send it as `Authorization: Bearer YOUR-REST-API-KEY`."
}

/// 401 message for a key that is not one of the server's. Braze's errors page names the
/// usual causes: a wrong key, a key of another instance, or quotes around the key.
pub fn unknown_key_message(quoted: bool) -> &'static str {
    if quoted {
        "Invalid API key: remove the quotes around the key (`Authorization: Bearer KEY`)."
    } else {
        "Invalid API key: check the key, and that this is the REST endpoint of your \
         instance (a key from another instance is refused)."
    }
}

/// 403 message for a key without the operation's permission. Braze documents
/// "403 Access Denied" for it; the fake adds the permission's name.
pub fn missing_permission_message(permission: Permission) -> String {
    format!("Access Denied: the API key lacks permission {permission}")
}

/// Whether a POST's `Content-Type` is JSON. Braze's pages all send
/// `Content-Type: application/json` without saying what happens otherwise; the fake refuses
/// anything else (parameters such as `charset` are allowed), so that a client that forgets
/// the header finds out.
pub fn is_json_content_type(value: Option<&[u8]>) -> bool {
    let Some(value) = value else {
        return false;
    };
    let essence = value.split(|b| *b == b';').next().unwrap_or_default();
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(b"application/json")
}

/// 400 message for a POST that is not `application/json`.
pub fn wrong_content_type_message(found: Option<&str>) -> String {
    match found {
        Some(found) => format!("Content-Type must be application/json, not {found}"),
        None => "Content-Type must be application/json (the header is missing)".to_owned(),
    }
}

/// 404 message for an unknown path: what probes of Braze's REST hosts saw (third-party
/// evidence, not Braze's docs).
pub const NOT_FOUND_MESSAGE: &str = "Invalid URL";

/// 405 message. Braze documents nothing about wrong methods; the fake names the one to use
/// and sends an `Allow` header.
pub fn method_not_allowed_message(method: &str, path: &str, allowed: &str) -> String {
    format!("Method {method} is not allowed on {path}; use {allowed}")
}

/// 413 message. Braze documents 413 (or 400, "depending on the endpoint") over 4 MB; the
/// fake answers 413.
pub fn payload_too_large_message(limit: usize) -> String {
    format!("Request Entity Too Large: the body is over {limit} bytes")
}

/// How many bytes of an oversized body are still read, and thrown away, before the 413 is
/// sent: a client still sending when the server closes would see a broken connection
/// instead of the 413. Past this, the connection is closed after the 413.
pub const MAX_DRAINED_BYTES: usize = 64 * 1024 * 1024;

/// 429 body message: the name Braze's errors page gives the status.
pub const RATE_LIMITED_MESSAGE: &str = "Rate Limited";

/// Message of an injected JSON error ([`crate::Fault::Status`]): Braze's name for the status
/// where it has one (429 "Rate Limited"), else the HTTP reason phrase.
pub fn injected_error_message(status: StatusCode) -> String {
    match status {
        StatusCode::TOO_MANY_REQUESTS => RATE_LIMITED_MESSAGE.to_owned(),
        _ => status
            .canonical_reason()
            .unwrap_or("Injected error")
            .to_owned(),
    }
}

/// Whether an injected 429 reports `x-ratelimit-remaining: 0`, as a real 429 does, so
/// that a client that paces on the headers behaves as it would against Braze.
pub const INJECTED_429_REPORTS_NO_REMAINING: bool = true;

/// The page of an injected HTML error: what nginx in front of an upstream sends. Such a
/// page carries the rate-limit headers too, as every response of the fake does.
pub fn html_error_page(status: StatusCode) -> String {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1>\
         </center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
}

/// When each kind of fault strikes. Before processing: the request never reaches the
/// operation and the state does not change (what a client sees when a proxy fails or the
/// connection breaks on the way in). After processing: the operation is applied and its
/// answer is lost or corrupted on the way out.
///
/// Status, HTML, delay, close and reset may be moved after processing (they then hit an
/// applied operation: "it happened but the client never heard"). Truncated and malformed
/// need an answer to corrupt, so they always strike after processing.
pub fn fault_stage(kind: FaultKind) -> FaultStage {
    match kind {
        FaultKind::Status
        | FaultKind::Html
        | FaultKind::Delay
        | FaultKind::Close
        | FaultKind::Reset => FaultStage::BeforeProcessing,
        FaultKind::Truncated | FaultKind::Malformed => FaultStage::AfterProcessing,
    }
}

/// What follows a [`crate::Fault::Delay`]: `true` drops the connection unanswered (a
/// client whose timeout is shorter never hears back, and nothing was processed); `false`
/// would process the request late instead.
pub const DELAYED_REQUESTS_ARE_DROPPED: bool = true;

/// Whether a stored schedule is listed by `GET /messages/scheduled_broadcasts`. Braze lists
/// sends "between now and `end_time`", and its docs do not say whether API-created
/// schedules appear. The fake never sends anything, so it lists every stored schedule whose
/// send time is at or before `end_time`, past ones included, until it is deleted.
pub fn is_listed(send_at: DateTime<Utc>, end_time: DateTime<Utc>) -> bool {
    send_at <= end_time
}

/// `name` of a listed schedule. Braze lists dashboard names, which API schedules do not
/// have.
pub fn broadcast_name(schedule_id: &str) -> String {
    format!("API schedule {schedule_id}")
}

/// `schedule_type` of a listed schedule. Braze documents `local_time_zones`,
/// `intelligent_delivery`, or the company's time zone; the fake's company is in `UTC`. With
/// both flags set, optimal time wins: it ignores the time of day that local time is about.
pub fn schedule_type(in_local_time: bool, at_optimal_time: bool) -> &'static str {
    if at_optimal_time {
        "intelligent_delivery"
    } else if in_local_time {
        "local_time_zones"
    } else {
        "UTC"
    }
}

/// `next_send_time` of a listed schedule. Braze: ISO 8601, with a time zone "when the
/// delivery is not local or intelligent". So: the time of day as written for local and
/// optimal sends, else the instant in UTC with `Z`.
pub fn next_send_time(
    wall_clock: NaiveDateTime,
    instant: DateTime<Utc>,
    local_or_optimal: bool,
) -> String {
    if local_or_optimal {
        wall_clock.format("%Y-%m-%dT%H:%M:%S%.f").to_string()
    } else {
        instant.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

/// Campaign-side message of strict mode for an unregistered id: Braze's documented
/// "400 Invalid Campaign ID".
pub const INVALID_CAMPAIGN_ID_MESSAGE: &str = "Invalid Campaign ID";

/// Canvas-side message of strict mode. Braze's errors page lists only the campaign one;
/// the fake uses the same words for Canvases.
pub const INVALID_CANVAS_ID_MESSAGE: &str = "Invalid Canvas ID";

/// Strict mode's message for an unregistered campaign or Canvas.
pub fn unknown_owner_message(kind: ScheduleKind) -> &'static str {
    match kind {
        ScheduleKind::Campaign => INVALID_CAMPAIGN_ID_MESSAGE,
        ScheduleKind::Canvas => INVALID_CANVAS_ID_MESSAGE,
    }
}

/// The form of a new `schedule_id` or `dispatch_id`: 32 lowercase hex digits, like the ids
/// Braze shows in its dashboard, unique per server. Braze documents only that they are
/// strings.
pub fn new_id(salt: u64, sequence: u64) -> String {
    // The first half alone is unique per sequence number; the second makes the whole id
    // look random, and differ between servers and between kinds of id.
    let unique = scramble(salt ^ sequence);
    format!(
        "{unique:016x}{:016x}",
        scramble(unique ^ salt.rotate_left(32))
    )
}

/// A bijection on u64 (the splitmix64 finaliser), so that consecutive ids do not look
/// consecutive yet never collide.
fn scramble(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_essence_is_matched() {
        assert!(is_json_content_type(Some(b"application/json")));
        assert!(is_json_content_type(Some(
            b"Application/JSON; charset=utf-8"
        )));
        assert!(!is_json_content_type(Some(b"text/plain")));
        assert!(!is_json_content_type(Some(b"application/jsonx")));
        assert!(!is_json_content_type(None));
    }

    #[test]
    fn ids_are_unique_and_hex() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|n| new_id(7, n)).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(
            ids.iter()
                .all(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        );
    }

    #[test]
    fn html_page_names_the_status() {
        let page = html_error_page(StatusCode::BAD_GATEWAY);
        assert!(page.contains("<title>502 Bad Gateway</title>"));
    }
}
