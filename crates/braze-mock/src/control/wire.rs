//! What the control API reads and answers, as serde types: the shapes that
//! `openapi/braze-mock-control.yaml` describes (a test in `tests/` checks every answer
//! against it, so the two cannot drift apart). Answers are views of the fake's own state
//! types, made here and nowhere else; what a call reads refuses fields it does not know, so
//! that a typo shows instead of being ignored.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use braze_api::ScheduleKind;
use braze_api::operations::{OPERATIONS, Permission};
use braze_api::types::{Messages, Schedule};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::{AuthOutcome, Permissions};
use crate::faults::{ArmedView, FaultCounts};
use crate::rate_limit::RateLimitCounters;
use crate::request_log::{RecordedBody, RecordedRequest};
use crate::sends::{CampaignKind, Dispatch, Status, User, UserId};
use crate::state::{StoredSchedule, Targeting};

/// An instant as RFC 3339 in UTC with milliseconds, e.g. `2030-01-01T00:00:00.000Z`.
pub(crate) fn instant(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A refused control call: `{"error": "..."}`.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorAnswer {
    pub(crate) error: String,
}

/// `{"ok": true}`: done, nothing else to say.
#[derive(Debug, Serialize)]
pub(crate) struct Done {
    pub(crate) ok: bool,
}

/// How many entries a call removed.
#[derive(Debug, Serialize)]
pub(crate) struct Removed {
    pub(crate) removed: usize,
}

// ---- scheduled sends ----------------------------------------------------------------

/// `GET /_mock/schedules`.
#[derive(Debug, Serialize)]
pub(crate) struct ScheduleList {
    pub(crate) schedules: Vec<ScheduleAnswer>,
}

/// One stored schedule ([`StoredSchedule`]).
#[derive(Debug, Serialize)]
pub(crate) struct ScheduleAnswer {
    schedule_id: String,
    kind: &'static str,
    campaign_id: Option<String>,
    canvas_id: Option<String>,
    dispatch_id: String,
    schedule: Schedule,
    messages: Option<Messages>,
    targeting: TargetingAnswer,
    send_id: Option<String>,
    audience: Option<Value>,
    silent_failures: Vec<String>,
    created_at: String,
    updates: u64,
    sequence: u64,
}

#[derive(Debug, Serialize)]
struct TargetingAnswer {
    recipients: usize,
    external_user_ids: usize,
    user_aliases: usize,
    segment_id: Option<String>,
    audience: bool,
    broadcast: bool,
}

impl From<StoredSchedule> for ScheduleAnswer {
    fn from(stored: StoredSchedule) -> Self {
        let kind = stored.kind();
        let owner = stored.owner_id().map(str::to_owned);
        let (kind, campaign_id, canvas_id) = match kind {
            ScheduleKind::Campaign => ("campaign", owner, None),
            ScheduleKind::Canvas => ("canvas", None, owner),
            ScheduleKind::Message => ("message", stored.campaign_id.clone(), None),
        };
        let Targeting {
            recipients,
            external_user_ids,
            user_aliases,
            segment_id,
            audience,
            broadcast,
        } = stored.targeting.clone();
        ScheduleAnswer {
            schedule_id: stored.schedule_id().as_str().to_owned(),
            kind,
            campaign_id,
            canvas_id,
            dispatch_id: stored.dispatch_id,
            schedule: stored.schedule,
            messages: stored.messages,
            targeting: TargetingAnswer {
                recipients,
                external_user_ids,
                user_aliases,
                segment_id,
                audience,
                broadcast,
            },
            send_id: stored.send_id,
            audience: stored.audience,
            silent_failures: stored
                .silent_failures
                .iter()
                .map(ToString::to_string)
                .collect(),
            created_at: instant(stored.created_at),
            updates: stored.updates,
            sequence: stored.sequence,
        }
    }
}

// ---- the dispatch log and send ids --------------------------------------------------

/// `GET /_mock/dispatches`.
#[derive(Debug, Serialize)]
pub(crate) struct DispatchList {
    pub(crate) dispatches: Vec<DispatchAnswer>,
}

/// One dispatch ([`Dispatch`]).
#[derive(Debug, Serialize)]
pub(crate) struct DispatchAnswer {
    sequence: u64,
    operation: &'static str,
    dispatch_id: String,
    campaign_id: Option<String>,
    canvas_id: Option<String>,
    users: Vec<UserRef>,
    broadcast: bool,
    send_id: Option<String>,
    external_send_id: Option<String>,
    at: String,
}

/// A user as a request names it, in Braze's recipient shape: `{"external_user_id": "u1"}`,
/// `{"user_alias": {"alias_name": ..., "alias_label": ...}}`, `{"email": ...}` or
/// `{"braze_id": ...}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
enum UserRef {
    ExternalUserId(String),
    UserAlias(Alias),
    Email(String),
    BrazeId(String),
}

impl From<UserId> for UserRef {
    fn from(id: UserId) -> Self {
        match id {
            UserId::External(id) => UserRef::ExternalUserId(id),
            UserId::Alias { name, label } => UserRef::UserAlias(Alias {
                alias_name: name,
                alias_label: label,
            }),
            UserId::Email(email) => UserRef::Email(email),
            UserId::Braze(id) => UserRef::BrazeId(id),
        }
    }
}

impl From<Dispatch> for DispatchAnswer {
    fn from(dispatch: Dispatch) -> Self {
        DispatchAnswer {
            sequence: dispatch.sequence,
            operation: dispatch.operation.spec().id,
            dispatch_id: dispatch.dispatch_id,
            campaign_id: dispatch.campaign_id,
            canvas_id: dispatch.canvas_id,
            users: dispatch.users.into_iter().map(UserRef::from).collect(),
            broadcast: dispatch.broadcast,
            send_id: dispatch.send_id,
            external_send_id: dispatch.external_send_id,
            at: instant(dispatch.at),
        }
    }
}

/// `GET /_mock/send_ids`: the pairs `/sends/id/create` created.
#[derive(Debug, Serialize)]
pub(crate) struct SendIdList {
    pub(crate) send_ids: Vec<SendIdAnswer>,
}

/// One `(campaign_id, send_id)` pair.
#[derive(Debug, Serialize)]
pub(crate) struct SendIdAnswer {
    pub(crate) campaign_id: String,
    pub(crate) send_id: String,
}

// ---- the request log ----------------------------------------------------------------

/// `GET /_mock/requests`.
#[derive(Debug, Serialize)]
pub(crate) struct RequestList {
    pub(crate) requests: Vec<RequestAnswer>,
}

/// One logged request ([`RecordedRequest`]): never the key, only what it amounted to and
/// its permissions.
#[derive(Debug, Serialize)]
pub(crate) struct RequestAnswer {
    received_at: String,
    method: String,
    path: String,
    query: Option<String>,
    headers: BTreeMap<String, String>,
    body: Option<Value>,
    body_text: Option<String>,
    body_too_large_bytes: Option<usize>,
    status: Option<u16>,
    auth: &'static str,
    key_permissions: Option<Vec<&'static str>>,
    permission: Option<&'static str>,
    fault: Option<String>,
    silent_failures: Vec<String>,
}

impl From<RecordedRequest> for RequestAnswer {
    fn from(request: RecordedRequest) -> Self {
        let (body, body_text, body_too_large_bytes) = match request.body {
            None => (None, None, None),
            Some(RecordedBody::Json(value)) => (Some(value), None, None),
            Some(RecordedBody::Text(text)) => (None, Some(text), None),
            Some(RecordedBody::TooLarge { received_bytes }) => (None, None, Some(received_bytes)),
        };
        // What the path's endpoint needs, whatever the method.
        let permission = OPERATIONS
            .iter()
            .find(|spec| spec.path_values(&request.path).is_some())
            .map(|spec| spec.permission.as_str());
        RequestAnswer {
            received_at: instant(request.received_at),
            method: request.method,
            path: request.path,
            query: request.query,
            // Already redacted by the log: `authorization` is `Bearer [redacted]`.
            headers: request.headers,
            body,
            body_text,
            body_too_large_bytes,
            status: request.status,
            auth: match request.auth {
                AuthOutcome::Missing => "missing",
                AuthOutcome::Unknown => "unknown",
                AuthOutcome::Valid => "valid",
            },
            key_permissions: request.key_permissions.map(permission_names),
            permission,
            fault: request.fault.map(|fault| fault.to_string()),
            silent_failures: request
                .silent_failures
                .iter()
                .map(ToString::to_string)
                .collect(),
        }
    }
}

fn permission_names(permissions: Permissions) -> Vec<&'static str> {
    permissions.iter().map(Permission::as_str).collect()
}

// ---- campaigns, Canvases, users, keys -----------------------------------------------

/// `GET /_mock/campaigns`.
#[derive(Debug, Serialize)]
pub(crate) struct CampaignList {
    pub(crate) campaigns: Vec<CampaignAnswer>,
}

/// A campaign the fake knows, and what `POST /_mock/campaigns` reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CampaignAnswer {
    pub(crate) id: String,
    /// Which send endpoint may name it; none: any (a campaign registered for strict mode
    /// only).
    #[serde(default)]
    pub(crate) kind: Option<KindName>,
    #[serde(default)]
    pub(crate) status: StatusName,
}

/// [`CampaignKind`] on the wire.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum KindName {
    Api,
    ApiTriggered,
    Transactional,
}

impl From<KindName> for CampaignKind {
    fn from(kind: KindName) -> Self {
        match kind {
            KindName::Api => CampaignKind::Api,
            KindName::ApiTriggered => CampaignKind::ApiTriggered,
            KindName::Transactional => CampaignKind::Transactional,
        }
    }
}

impl From<CampaignKind> for KindName {
    fn from(kind: CampaignKind) -> Self {
        match kind {
            CampaignKind::Api => KindName::Api,
            CampaignKind::ApiTriggered => KindName::ApiTriggered,
            CampaignKind::Transactional => KindName::Transactional,
        }
    }
}

/// [`Status`] on the wire.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StatusName {
    #[default]
    Active,
    Paused,
    Archived,
}

impl From<StatusName> for Status {
    fn from(status: StatusName) -> Self {
        match status {
            StatusName::Active => Status::Active,
            StatusName::Paused => Status::Paused,
            StatusName::Archived => Status::Archived,
        }
    }
}

impl From<Status> for StatusName {
    fn from(status: Status) -> Self {
        match status {
            Status::Active => StatusName::Active,
            Status::Paused => StatusName::Paused,
            Status::Archived => StatusName::Archived,
        }
    }
}

/// `GET /_mock/canvases`.
#[derive(Debug, Serialize)]
pub(crate) struct CanvasList {
    pub(crate) canvases: Vec<CanvasAnswer>,
}

/// A Canvas the fake knows, and what `POST /_mock/canvases` reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CanvasAnswer {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) status: StatusName,
}

/// `GET /_mock/users`.
#[derive(Debug, Serialize)]
pub(crate) struct UserList {
    pub(crate) users: Vec<UserAnswer>,
}

/// A user the fake knows ([`User`]), and what `POST /_mock/users` reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserAnswer {
    #[serde(default)]
    pub(crate) external_id: Option<String>,
    #[serde(default)]
    pub(crate) aliases: Vec<Alias>,
    #[serde(default)]
    pub(crate) email: Option<String>,
    #[serde(default)]
    pub(crate) braze_id: Option<String>,
    #[serde(default)]
    pub(crate) attributes: Map<String, Value>,
}

/// A user alias, in Braze's words.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Alias {
    pub(crate) alias_name: String,
    pub(crate) alias_label: String,
}

impl From<User> for UserAnswer {
    fn from(user: User) -> Self {
        UserAnswer {
            external_id: user.external_id,
            aliases: user
                .aliases
                .into_iter()
                .map(|(alias_name, alias_label)| Alias {
                    alias_name,
                    alias_label,
                })
                .collect(),
            email: user.email,
            braze_id: user.braze_id,
            attributes: user.attributes,
        }
    }
}

impl From<UserAnswer> for User {
    fn from(user: UserAnswer) -> Self {
        User {
            external_id: user.external_id,
            aliases: user
                .aliases
                .into_iter()
                .map(|alias| (alias.alias_name, alias.alias_label))
                .collect(),
            email: user.email,
            braze_id: user.braze_id,
            attributes: user.attributes,
        }
    }
}

/// What `POST /_mock/keys` reads: a key and its permissions (all of them when left out).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeySeed {
    pub(crate) key: String,
    #[serde(default)]
    pub(crate) permissions: Option<Vec<String>>,
}

/// What `POST /_mock/keys` answers: the key's permissions, never the key.
#[derive(Debug, Serialize)]
pub(crate) struct KeyAnswer {
    permissions: Vec<&'static str>,
}

impl From<Permissions> for KeyAnswer {
    fn from(permissions: Permissions) -> Self {
        KeyAnswer {
            permissions: permission_names(permissions),
        }
    }
}

// ---- faults -------------------------------------------------------------------------

/// `GET /_mock/faults`: the rules armed, in the order they are tried, and the faults
/// injected so far.
#[derive(Debug, Serialize)]
pub(crate) struct FaultList {
    pub(crate) rules: Vec<FaultRuleAnswer>,
    pub(crate) counts: FaultCountsAnswer,
}

/// An armed rule.
#[derive(Debug, Serialize)]
pub(crate) struct FaultRuleAnswer {
    id: u64,
    spec: String,
    left: Option<u64>,
}

impl From<ArmedView> for FaultRuleAnswer {
    fn from(armed: ArmedView) -> Self {
        FaultRuleAnswer {
            id: armed.id,
            spec: armed.rule.to_string(),
            left: armed.left,
        }
    }
}

/// [`FaultCounts`] on the wire.
#[derive(Debug, Serialize)]
pub(crate) struct FaultCountsAnswer {
    status: u64,
    html: u64,
    delay: u64,
    close: u64,
    reset: u64,
    truncated: u64,
    malformed: u64,
    hang: u64,
    total: u64,
}

impl From<FaultCounts> for FaultCountsAnswer {
    fn from(counts: FaultCounts) -> Self {
        FaultCountsAnswer {
            status: counts.status,
            html: counts.html,
            delay: counts.delay,
            close: counts.close,
            reset: counts.reset,
            truncated: counts.truncated,
            malformed: counts.malformed,
            hang: counts.hang,
            total: counts.total(),
        }
    }
}

/// What `POST /_mock/faults` reads: a rule in `--fault` syntax.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultSeed {
    pub(crate) spec: String,
}

// ---- rate limits --------------------------------------------------------------------

/// `GET /_mock/rate_limits`.
#[derive(Debug, Serialize)]
pub(crate) struct RateLimitsAnswer {
    pub(crate) default: CountersAnswer,
    pub(crate) broadcast: CountersAnswer,
    pub(crate) audience: LimitFigures,
}

/// A limit's figures in its current window (of the system clock).
#[derive(Debug, Serialize)]
pub(crate) struct CountersAnswer {
    limit: u64,
    window_seconds: u64,
    used: u64,
    remaining: u64,
    reset: u64,
    total: u64,
}

impl From<RateLimitCounters> for CountersAnswer {
    fn from(counters: RateLimitCounters) -> Self {
        CountersAnswer {
            limit: counters.limit,
            window_seconds: counters.window.as_secs(),
            used: counters.used,
            remaining: counters.remaining,
            reset: counters.reset,
            total: counters.total,
        }
    }
}

/// A limit and its window, as `PUT /_mock/rate_limits` reads them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitFigures {
    pub(crate) limit: u64,
    pub(crate) window_seconds: u64,
}

impl LimitFigures {
    pub(crate) fn window(self) -> Duration {
        Duration::from_secs(self.window_seconds)
    }
}

/// What `PUT /_mock/rate_limits` reads: the classes to change, each whole.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RateLimitsChange {
    #[serde(default)]
    pub(crate) default: Option<LimitFigures>,
    #[serde(default)]
    pub(crate) broadcast: Option<LimitFigures>,
    #[serde(default)]
    pub(crate) audience: Option<LimitFigures>,
}

// ---- the clock ----------------------------------------------------------------------

/// `GET /_mock/clock`: what the fake takes for now, and how far that is from the system
/// clock.
#[derive(Debug, Serialize)]
pub(crate) struct ClockAnswer {
    pub(crate) now: String,
    pub(crate) offset_seconds: i64,
}

/// What `PUT /_mock/clock` reads.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClockSet {
    pub(crate) now: String,
}

/// What `POST /_mock/clock/advance` reads.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClockAdvance {
    pub(crate) seconds: u64,
}
