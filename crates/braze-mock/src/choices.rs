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

use braze_api::operations::Permission;
use braze_api::rules::Problem;
use braze_api::time::When;
use braze_api::{ScheduleKind, ScheduleRef};
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use http::StatusCode;

use crate::fault_kind::{FaultKind, FaultStage};

/// Status of a successful create. Braze does not document it for the scheduling
/// endpoints; it answers `201 Created` on its send endpoints (a recorded
/// `POST /canvas/trigger/send`, and its Postman guide), so the fake does the same.
pub const CREATE_STATUS: StatusCode = StatusCode::CREATED;

/// Status of a successful update. Undocumented; nothing is created, so 200.
pub const UPDATE_STATUS: StatusCode = StatusCode::OK;

/// Status of a successful delete. Undocumented; nothing is created, so 200.
pub const DELETE_STATUS: StatusCode = StatusCode::OK;

/// Status when an update or delete names a `schedule_id` that does not exist, was deleted,
/// or belongs to another campaign or Canvas (or to another kind, see [`operations_find`]).
/// Braze documents no answer; 404 says what happened and is what a client must not retry.
pub const UNKNOWN_SCHEDULE_STATUS: StatusCode = StatusCode::NOT_FOUND;

/// Whether the update and delete of kind `requested` find a stored schedule of kind
/// `stored`: only the kind's own. Braze documents nothing about a `schedule_id` sent to
/// another family's endpoints. Its three families are separate endpoints with separate
/// permissions, and a message schedule is named by `schedule_id` alone: were kinds mixed, a
/// campaign's `schedule_id` pasted into `/messages/schedule/delete` would cancel a send the
/// caller's key and command were never meant to touch. So a message schedule is found by
/// the message operations alone, and they find no campaign or Canvas schedule.
pub fn operations_find(requested: ScheduleKind, stored: ScheduleKind) -> bool {
    requested == stored
}

/// Message of [`UNKNOWN_SCHEDULE_STATUS`], naming both ids (the owner's field and id, when
/// the request names one) so that a mismatched pair is easy to spot: `schedule_id S not
/// found for campaign_id C`; a message schedule has no owner: `schedule_id S not found`.
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

/// Whether the local-time rule of the trigger updates (not applied once the original local
/// time has passed in any time zone) holds for `/messages/schedule/update` too, whether it
/// changes the schedule, the messages or both. Braze states the rule on the trigger update
/// pages only; the message page says nothing either way. The reason is the same for every
/// kind (some users have already been sent the message), so the fake applies it alike.
pub const LOCAL_TIME_RULE_COVERS_MESSAGE_UPDATES: bool = true;

/// Whether `null` is refused for a field the spec declares (`"at_optimal_time": null`).
/// The spec declares none of them nullable and Braze documents nothing about `null`; the
/// generated types would read it as "left out", so the fake refuses it explicitly, as the
/// spec does (found by Schemathesis's negative tests, see RELIABILITY.md).
pub const REFUSE_NULL_FOR_DECLARED_FIELDS: bool = true;

/// The message of the 400 for a body that breaks one of Braze's rules
/// ([`braze_api::rules`]): Braze's documented first words for the rule where its errors
/// page gives them ([`Rule::braze_error`](braze_api::rules::Rule::braze_error): `No message
/// to send`, `Message Variant Unspecified` ...), then the field's path and what is wrong:
/// `Apple Push Length Exceeded: messages.apple_push is 1913 bytes ...`. Braze documents
/// its messages' first words only; the rest is the fake's, written so that a person sees
/// what to fix.
pub fn problem_message(problem: &Problem) -> String {
    match problem.rule.braze_error() {
        Some(words) => format!("{words}: {problem}"),
        None => problem.to_string(),
    }
}

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

/// How the fake applies Braze's rate-limit classes (braze-api.md §13). Documented: most
/// endpoints share 250,000 requests per hour; the campaign and Canvas creates that
/// broadcast or target a connected audience are limited to 250 per minute across
/// audiences and 10 per minute per unique audience ("whichever is hit first"), and count
/// against the hourly pool only when they target individual recipients. Not documented,
/// and chosen:
///
/// * which class a request is in is read from its body the way the SDK reads it
///   ([`braze_api::rate_limit::LimitClass::of`]): a create that lists `recipients` is in
///   the default pool even with an audience; one with `broadcast: true` or an `audience`
///   is a broadcast request; a unique audience is the operation, the campaign or Canvas
///   id and the `audience` object;
/// * `/messages/schedule/create` is in the default pool whatever it targets, as Braze's
///   list of the pool's endpoints says;
/// * which headers answer a broadcast request: the figures of the broadcast limit it is
///   counted against with the fewer requests left, the one across audiences or its
///   audience's (so a client sees the limit it is about to hit); it is refused (429) when
///   either is over (`true`; `false` answers the figures across audiences always). A
///   broadcast request does not count against the hourly pool.
pub const BROADCAST_FIGURES_ARE_THE_TIGHTER_LIMIT: bool = true;

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

/// Whether figures changed through the control API (`PUT /_mock/rate_limits`) start
/// counting afresh: the requests already counted in the current window are forgotten, so
/// that a test that sets a limit of 2 sees its third request refused, whatever ran before.
/// Braze's limits do not change while a workspace runs; this is the fake's own.
pub const CHANGED_RATE_LIMITS_COUNT_AFRESH: bool = true;

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
/// need an answer to corrupt, and hang an answer to withhold, so they always strike after
/// processing. Hang is the timeout after the fact: the operation (a send) happened, and
/// the client times out without an answer, the case that makes a retried send a double
/// send (send-family.md §7.3).
pub fn fault_stage(kind: FaultKind) -> FaultStage {
    match kind {
        FaultKind::Status
        | FaultKind::Html
        | FaultKind::Delay
        | FaultKind::Close
        | FaultKind::Reset => FaultStage::BeforeProcessing,
        FaultKind::Truncated | FaultKind::Malformed | FaultKind::Hang => {
            FaultStage::AfterProcessing
        }
    }
}

/// What follows a [`crate::Fault::Delay`]: `true` drops the connection unanswered (a
/// client whose timeout is shorter never hears back, and nothing was processed); `false`
/// would process the request late instead.
pub const DELAYED_REQUESTS_ARE_DROPPED: bool = true;

/// Whether a stored schedule is listed by `GET /messages/scheduled_broadcasts` for a
/// request received at `now`. Braze lists what is scheduled "between now and `end_time`"
/// (documented): so a schedule not yet sent whose send time (`instant`, the time of day of
/// a local or optimal-time send read as UTC) is at or before `end_time`. Braze's docs do
/// not say whether API-created schedules appear; the fake has no others, so it lists them.
///
/// The fake sends nothing, and Braze documents neither a refusal of a past UTC time (the
/// rules accept one, [`braze_api::rules::Rule::LocalTimePassed`]) nor what it does with
/// one. The choice: a schedule whose time has come counts as sent, as it is no longer
/// "between now and `end_time`" (whether Braze sends a late one at once or never, it is
/// not still to come): once it is behind every user ([`When::passed_everywhere`]). A UTC
/// send is, once its time is before `now`; a local-time send, once its time of day has
/// passed in every time zone (until then some users are still to get it); an
/// optimal-time send, once its whole date has passed in every time zone (Braze sends it
/// "on the given date" at each user's optimal time, so a user at UTC-12 may get it until
/// that date ends there).
///
/// Only the list is affected: the schedule stays stored until deleted, and the updates
/// and deletes find it as before.
pub fn is_listed(
    when: When,
    instant: DateTime<Utc>,
    end_time: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    instant <= end_time && !when.passed_everywhere(now)
}

/// `name` of a listed schedule. Braze lists dashboard names, which API schedules do not
/// have.
pub fn broadcast_name(schedule_id: &str) -> String {
    format!("API schedule {schedule_id}")
}

/// `id` of a listed schedule. Braze: "the Canvas or campaign identifier", so the owner id
/// of a campaign or Canvas schedule (documented). A message schedule has no owner: it is
/// listed under the `campaign_id` it was created with (the API campaign its analytics go
/// to, Braze's nearest "campaign identifier"), else under its own `schedule_id`, the one id
/// it has, which keeps it apart from every other listed message.
pub fn broadcast_id(schedule: &ScheduleRef, campaign_id: Option<&str>) -> String {
    match (schedule.owner_id(), campaign_id) {
        (Some(owner), _) => owner.to_owned(),
        (None, Some(campaign)) => campaign.to_owned(),
        (None, None) => schedule.schedule_id().as_str().to_owned(),
    }
}

/// `type` of a listed schedule. Braze documents `Campaign` and `Canvas` (their casing is
/// not verified). A message schedule is listed as `Campaign`: Braze's list knows no third
/// value, a client written against the documented two must not meet one only the fake
/// sends, and a message scheduled through the API is, in Braze's model, a send of an API
/// campaign (with `campaign_id`, that one's).
pub fn broadcast_type(kind: ScheduleKind) -> &'static str {
    match kind {
        ScheduleKind::Campaign | ScheduleKind::Message => "Campaign",
        ScheduleKind::Canvas => "Canvas",
    }
}

/// `schedule_type` of a listed schedule. Braze documents `local_time_zones`,
/// `intelligent_delivery`, or the company's time zone; the fake's company is in `UTC`. With
/// both flags set, optimal time wins ([`When::of`]).
pub fn schedule_type(when: &When) -> &'static str {
    match when {
        When::Optimal(_) => "intelligent_delivery",
        When::Local(_) => "local_time_zones",
        When::Utc(_) => "UTC",
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

/// Strict mode's message for an unregistered campaign or Canvas. A message schedule has no
/// owner; the one id of its create that strict mode checks is its `campaign_id`, checked
/// as a campaign's. The registered campaigns ([`crate::Config::campaign`]) stand for
/// Braze's API-triggered campaigns and its API campaigns alike: one list is what tests
/// need, and a test that wants the difference registers only the one it uses.
pub fn unknown_owner_message(kind: ScheduleKind) -> &'static str {
    match kind {
        ScheduleKind::Campaign | ScheduleKind::Message => INVALID_CAMPAIGN_ID_MESSAGE,
        ScheduleKind::Canvas => INVALID_CANVAS_ID_MESSAGE,
    }
}

/// Whether the messages of an update must carry `message_variation_id` when the schedule
/// was created with a `campaign_id`. Braze documents the rule for a request that names a
/// campaign; an update names none, but its messages are sent under the create's campaign,
/// whose analytics need the variations as much.
pub const UPDATED_MESSAGES_NEED_THE_CAMPAIGN_VARIATIONS: bool = true;

/// Whether the `messages` of an update replace the stored ones whole (`true`) or are
/// merged channel by channel (`false`). Braze does not say. By analogy with the schedule,
/// which "replaces the old one completely", the fake replaces them: a channel left out of
/// the update is no longer sent.
pub const UPDATED_MESSAGES_REPLACE_THE_STORED_ONES: bool = true;

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

/// How the fake answers a create's connected `audience`. Braze checks audiences only after
/// answering: a wrong one is taken with a 2xx and the send fails later, visible only in its
/// Message Activity Log. One case is documented (braze-inc/braze-docs#10064): a boolean
/// attribute compared with `does_not_equal` (an old revision of the docs lists it; the
/// server knows only `not_equal`). What Braze answers to other wrong audiences is not
/// documented. The choice:
///
/// * the documented case is answered as Braze does, with a 2xx (`true`; `false` refuses it
///   with a 400 like the others), and recorded: the stored
///   schedule's and the request log's `silent_failures` say why the send would fail, and
///   [`MockServer::silent_failures`](crate::MockServer::silent_failures) lists them, so a
///   test sees what Braze would not show;
/// * every other audience outside the documented grammar (an unknown filter or comparison,
///   a value of the wrong type, an empty `AND` / `OR`, a node with two keys, a blank
///   attribute name, a date-time that is not ISO 8601) is refused at once with a 400
///   naming its path (`audience.AND[1].OR[0]...`): stricter than Braze is likely to be,
///   so that a test sees the mistake instead of a send that silently reaches nobody. The
///   rules are those of [`braze_api::audience`], which the SDK and the command apply
///   before sending, so a client that passes the fake sends audiences Braze documents.
pub const ACCEPT_AUDIENCES_BRAZE_FAILS_LATER: bool = true;

/// The deepest nesting of `AND` / `OR` the fake takes: no bound of its own, as Braze
/// documents none (clients refuse past [`braze_api::audience::MAX_DEPTH`]; the JSON reader
/// stops at 128 levels of nesting anyway).
pub const AUDIENCE_MAX_DEPTH: usize = usize::MAX;

/// Status of a send Braze took (`/messages/send`, the campaign and Canvas trigger sends):
/// `201 Created`, as documented for the Canvas send and observed for the other two.
pub const SEND_STATUS: StatusCode = StatusCode::CREATED;

/// Status of a successful `/sends/id/create`. Braze documents the body only; the fake
/// answers 201 as its other creates do ([`CREATE_STATUS`]): a send identifier is created.
pub const SEND_ID_CREATE_STATUS: StatusCode = StatusCode::CREATED;

/// Status of a transactional send Braze took. Undocumented; 201 like the three other sends
/// (a dispatch is made), so that a client treats the family alike.
pub const TRANSACTIONAL_STATUS: StatusCode = StatusCode::CREATED;

/// Braze's notice for a trigger of a paused Canvas (documented, verbatim).
pub const CANVAS_PAUSED_NOTICE: &str =
    "The Canvas is paused. Resume the Canvas to ensure trigger requests will take effect.";

/// Braze's notice for a trigger of an archived Canvas (documented, verbatim).
pub const CANVAS_ARCHIVED_NOTICE: &str =
    "The Canvas is archived. Unarchive the Canvas to ensure trigger requests will take effect.";

/// Braze's words for a paused campaign: those of its transactional endpoint (verbatim).
pub const CAMPAIGN_PAUSED_MESSAGE: &str =
    "The campaign is paused. Resume the campaign in order for trigger requests to take effect.";

/// Braze's words for an archived campaign: those of its transactional endpoint (verbatim).
pub const CAMPAIGN_ARCHIVED_MESSAGE: &str = "The campaign is archived. Unarchive the campaign \
     in order for trigger requests to take effect.";

/// How a send to a paused or archived campaign is answered by `/campaigns/trigger/send`
/// and `/messages/send` (with a `campaign_id`): `true` answers like Braze's documented
/// Canvas case, 201 "success" with a `notice` (the campaign words above) and a
/// `dispatch_id`, and sends nothing; `false` would refuse it with a 400 as the
/// transactional endpoint does. Braze documents neither; the trigger sends share the
/// Canvas's shape, and a 2xx that sends nothing is the case clients must learn to read.
pub const INACTIVE_CAMPAIGN_ANSWERS_WITH_A_NOTICE: bool = true;

/// Status of the transactional endpoint's documented errors (a campaign that is not
/// transactional, paused, archived, a blank `campaign_id`, an unknown recipient): Braze
/// lists the strings without a status; the request is wrong as sent, so 400.
pub const TRANSACTIONAL_REFUSED_STATUS: StatusCode = StatusCode::BAD_REQUEST;

/// Braze's transactional error for a campaign of another kind (verbatim).
pub const NOT_TRANSACTIONAL_MESSAGE: &str = "The campaign is not a transactional campaign. \
     Only transactional campaigns may use this endpoint";

/// Braze's transactional error for a blank campaign id in the path (verbatim).
pub const TRANSACTIONAL_CAMPAIGN_ID_MESSAGE: &str =
    "campaign_id must be a string of the campaign api identifier";

/// Status and Braze's words (verbatim) for a transactional send to a campaign that does
/// not exist (strict mode only: in the open world every campaign exists). The status is
/// the fake's: the path names a resource that is not there, so 404.
pub const UNKNOWN_TRANSACTIONAL_CAMPAIGN: (StatusCode, &str) =
    (StatusCode::NOT_FOUND, "Campaign does not exist");

/// The 400 for a campaign of the wrong kind on `/campaigns/trigger/send` (an API or
/// transactional campaign) or `/messages/send` (an API-triggered or transactional one),
/// when the fake knows its kind. Braze documents `Invalid Campaign ID` ("No messaging API
/// campaign was found") without the case; the fake starts with those words and says why.
pub fn wrong_campaign_kind_message(campaign_id: &str, found: &str, wanted: &str) -> String {
    format!(
        "{INVALID_CAMPAIGN_ID_MESSAGE}: campaign {campaign_id} is {found}; this endpoint sends \
         {wanted}"
    )
}

/// Whether the users a request names exist outside strict mode. Braze sends only to users
/// that exist; a fake with nothing seeded must still take sends, as it takes creates for
/// campaigns it was not told about, so outside strict mode every user exists (`true`).
/// Strict mode closes the world: only seeded users, and those a send created.
pub const OPEN_WORLD_USERS_EXIST: bool = true;

/// `/messages/send` to listed users of whom one does not exist (strict mode): the whole
/// request is refused with this status and nothing is sent. Braze: "the recipient must
/// already exist in Braze for the request to succeed"; refusing all of it means nothing
/// was sent, so the caller may create the users and send again without a double send.
pub const UNKNOWN_LISTED_USER_STATUS: StatusCode = StatusCode::BAD_REQUEST;

/// Message of [`UNKNOWN_LISTED_USER_STATUS`].
pub fn unknown_listed_user_message(field: &str, user: &str) -> String {
    format!(
        "No Recipients: {field} names {user}, who does not exist; /messages/send sends to \
         existing users only (create them with /users/track first), nothing was sent"
    )
}

/// A trigger-send recipient that does not exist and cannot be created (strict mode;
/// `send_to_existing_only` left `true`, no `attributes`, or an alias or `braze_id`, which
/// cannot create a user): skipped, the others sent, the answer 201 with one entry per
/// skipped recipient in `errors` ([`skipped_recipient_error`]). Braze documents that it
/// does not send to them, not what it answers; its non-fatal issues come back as 2xx
/// with `errors`, and refusing the whole request would have a caller retry it and send
/// the others twice.
pub fn skipped_recipient_error(index: usize, user: &str) -> String {
    format!(
        "recipients[{index}]: no user with {user}; not sent (send_to_existing_only needs an \
         existing user; send it false with attributes to create one)"
    )
}

/// The transactional recipient that does not exist and cannot be created (strict mode):
/// refused with [`TRANSACTIONAL_REFUSED_STATUS`], as it is the request's only recipient.
pub fn unknown_transactional_recipient_message(user: &str) -> String {
    format!("recipient: no user with {user}; give attributes to create the user")
}

/// How many `(campaign_id, send_id)` pairs `/sends/id/create` creates per day: Braze's
/// documented 100 per workspace. The day is the UTC day of the fake's clock (Braze does
/// not say when its day starts).
pub const SEND_IDS_PER_DAY: u32 = 100;

/// Whether creating a pair that exists already counts against [`SEND_IDS_PER_DAY`]. Braze
/// counts "each send_id and campaign_id combination that you create"; a pair that exists
/// is not created again, so no (`false`), and it is answered with success: a retried
/// create is harmless.
pub const RECREATED_SEND_ID_COUNTS: bool = false;

/// Status of a `/sends/id/create` over [`SEND_IDS_PER_DAY`]. Braze documents the limit,
/// not the answer; 429, the status of every other limit, with a message saying it is the
/// day's quota (waiting minutes will not help).
pub const SEND_ID_QUOTA_STATUS: StatusCode = StatusCode::TOO_MANY_REQUESTS;

/// Message of [`SEND_ID_QUOTA_STATUS`].
pub fn send_id_quota_message() -> String {
    format!(
        "{RATE_LIMITED_MESSAGE}: {SEND_IDS_PER_DAY} send identifiers were created today \
         (UTC) in this workspace, the daily limit of /sends/id/create"
    )
}

/// Whether a `send_id` must have been created for the send's campaign by
/// `/sends/id/create` before a send uses it. Braze: "you will have to first create one";
/// it does not say what a send with another answers. In strict mode (`closed`) the fake
/// refuses it with a 400 ([`uncreated_send_id_message`]), a pair made for another
/// campaign and a `send_id` on `/messages/send` without `campaign_id` included; outside
/// strict mode it takes any, as it takes unknown campaigns.
pub fn send_id_must_be_created(closed: bool) -> bool {
    closed
}

/// Message of the 400 for a `send_id` not created for the campaign.
pub fn uncreated_send_id_message(send_id: &str, campaign_id: Option<&str>) -> String {
    match campaign_id {
        Some(campaign_id) => format!(
            "send_id {send_id} was not created for campaign_id {campaign_id}: create it with \
             /sends/id/create first"
        ),
        None => format!("send_id {send_id} needs the campaign_id it was created for"),
    }
}

/// The `send_id` a send answers with: the one given, echoed; otherwise, for a broadcast
/// (segment or audience) of a campaign, a generated one, as Braze documents ("API and API
/// triggered campaigns that are sent as a broadcast will automatically generate a send
/// identifier"); otherwise none. Whether Braze echoes a given one is undocumented; the
/// echo lets a client see which `send_id` its analytics are under.
pub fn answered_send_id(
    given: Option<String>,
    campaign_broadcast: bool,
    generate: impl FnOnce() -> String,
) -> Option<String> {
    given.or_else(|| campaign_broadcast.then(generate))
}

/// How long a transactional `external_send_id` is remembered: Braze's documented 24
/// hours, on the fake's clock. Within it a repeat sends nothing and is answered like the
/// first send ([`TRANSACTIONAL_STATUS`], the first send's `dispatch_id`): Braze documents
/// that it sends nothing, not what it answers; the same answer makes a retry after a lost
/// answer look like the success it was. The key is the workspace's, whatever campaign the
/// repeat names ("another request").
pub const EXTERNAL_SEND_ID_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Whether a repeated trigger (same body, no key) is a new dispatch with a new
/// `dispatch_id`: yes, as Braze documents no idempotency on these sends (§7.3).
pub const REPEATED_TRIGGERS_DISPATCH_AGAIN: bool = true;

/// A recipient named twice in one request, or a known user named by two identifiers
/// (`external_user_id` and `email`), gets one message (Braze documents the first case; the
/// fake extends it to the second, as it is one user): the dispatch lists the user once, by
/// the first identifier.
pub const ONE_MESSAGE_PER_USER: bool = true;

/// An `email` recipient is the first known user with that address. Braze resolves ties
/// with `prioritization` and retries; the fake does not model ties.
pub const EMAIL_MATCHES_THE_FIRST_USER: bool = true;

/// A choice changed on one server ([`crate::Config::changed_choice`]), so that a test can
/// start a fake that differs from the default in exactly one choice: the conformance
/// probe's tests (`crates/braze-conformance`) check that its report names that choice and
/// no other. Nothing else should use it; the fake's behaviour is the items above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChangedChoice {
    /// [`CREATE_STATUS`] replaced by this status.
    CreateStatus(StatusCode),
    /// [`UNKNOWN_SCHEDULE_STATUS`] replaced by this status.
    UnknownScheduleStatus(StatusCode),
}

impl ChangedChoice {
    /// The name of the item of this module it changes (`UNKNOWN_SCHEDULE_STATUS`).
    pub fn name(self) -> &'static str {
        match self {
            Self::CreateStatus(_) => "CREATE_STATUS",
            Self::UnknownScheduleStatus(_) => "UNKNOWN_SCHEDULE_STATUS",
        }
    }
}

/// The choices of one server that a test may change ([`ChangedChoice`]): the constants
/// above unless changed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Choices {
    changed: Vec<ChangedChoice>,
}

impl Choices {
    pub(crate) fn new(changed: Vec<ChangedChoice>) -> Self {
        Self { changed }
    }

    /// [`CREATE_STATUS`], or the status a test put in its place.
    pub(crate) fn create_status(&self) -> StatusCode {
        self.changed
            .iter()
            .rev()
            .find_map(|c| match c {
                ChangedChoice::CreateStatus(status) => Some(*status),
                _ => None,
            })
            .unwrap_or(CREATE_STATUS)
    }

    /// [`UNKNOWN_SCHEDULE_STATUS`], or the status a test put in its place.
    pub(crate) fn unknown_schedule_status(&self) -> StatusCode {
        self.changed
            .iter()
            .rev()
            .find_map(|c| match c {
                ChangedChoice::UnknownScheduleStatus(status) => Some(*status),
                _ => None,
            })
            .unwrap_or(UNKNOWN_SCHEDULE_STATUS)
    }
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
    fn a_changed_choice_replaces_only_its_own_constant() {
        let changed = Choices::new(vec![ChangedChoice::UnknownScheduleStatus(
            StatusCode::BAD_REQUEST,
        )]);
        assert_eq!(changed.unknown_schedule_status(), StatusCode::BAD_REQUEST);
        assert_eq!(changed.create_status(), CREATE_STATUS);
        let default = Choices::default();
        assert_eq!(default.unknown_schedule_status(), UNKNOWN_SCHEDULE_STATUS);
    }

    #[test]
    fn html_page_names_the_status() {
        let page = html_error_page(StatusCode::BAD_GATEWAY);
        assert!(page.contains("<title>502 Bad Gateway</title>"));
    }
}
