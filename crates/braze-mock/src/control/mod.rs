//! The control API: the fake's state, seeds, faults, rate limits, clock and reset over
//! plain HTTP under `/_mock/`, so that tests in any language can drive the `braze-mock`
//! binary the way Rust tests drive [`MockServer`](crate::MockServer).
//!
//! It is served only when asked ([`Config::control`](crate::Config::control), the binary's
//! `--control`); otherwise `/_mock/...` is an unknown path like any other. Its calls stand
//! outside the fake Braze: they are not counted against the rate limits, never faulted and
//! not logged, so a control call changes what a Braze path answers only through the state
//! it sets. Every answer is JSON: `200` with the call's answer, or `400`, `404` or `405`
//! with `{"error": "..."}`. `openapi/braze-mock-control.yaml` describes every call and
//! answer ([`CALLS`] lists them).
//!
//! The calls act on the same state as the [`MockServer`](crate::MockServer) methods, with
//! the same types: a fault spec is read by [`FaultRule`]'s parser (the `--fault` syntax),
//! a campaign becomes what [`MockServer::add_campaign`](crate::MockServer::add_campaign)
//! stores, a reset is [`MockServer::reset`](crate::MockServer::reset).

mod wire;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::Permissions;
use crate::faults::FaultRule;
use crate::sends::{KnownCampaign, User};
use crate::shared::Shared;
use wire::*;

/// The prefix of every control call. Braze has no path under it.
pub const PREFIX: &str = "/_mock";

/// Bodies of control calls are small; a larger one is refused.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// One call of the control API: its method, its path (`{id}` stands for a value) and what
/// it is for.
#[derive(Debug)]
pub struct ControlCall {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: &'static str,
    /// The path, e.g. `/_mock/faults/{id}`.
    pub path: &'static str,
    /// What it is for, in a line.
    pub summary: &'static str,
    run: fn(&Shared, Call<'_>) -> Answer,
}

/// Every call of the control API, as `openapi/braze-mock-control.yaml` describes them.
pub const CALLS: &[ControlCall] = &[
    ControlCall {
        method: "GET",
        path: "/_mock/schedules",
        summary: "The scheduled sends (campaign, Canvas and message schedules) with their schedule, messages and targeting, in creation order.",
        run: schedules,
    },
    ControlCall {
        method: "GET",
        path: "/_mock/schedules/{schedule_id}",
        summary: "One scheduled send, or 404.",
        run: schedule,
    },
    ControlCall {
        method: "GET",
        path: "/_mock/dispatches",
        summary: "The dispatch log of the send family: which send went to which users, when, in order.",
        run: dispatches,
    },
    ControlCall {
        method: "GET",
        path: "/_mock/send_ids",
        summary: "The (campaign_id, send_id) pairs that /sends/id/create created.",
        run: send_ids,
    },
    ControlCall {
        method: "GET",
        path: "/_mock/requests",
        summary: "The request log: method, path, query, headers (authorization redacted), body, status, the key's outcome and permissions (never the key), the fault injected.",
        run: requests,
    },
    ControlCall {
        method: "DELETE",
        path: "/_mock/requests",
        summary: "Empties the request log.",
        run: clear_requests,
    },
    ControlCall {
        method: "GET",
        path: "/_mock/campaigns",
        summary: "The campaigns the fake knows, with kind and status.",
        run: campaigns,
    },
    ControlCall {
        method: "POST",
        path: "/_mock/campaigns",
        summary: "Adds or changes a campaign (kind, status); registered for strict mode too.",
        run: add_campaign,
    },
    ControlCall {
        method: "GET",
        path: "/_mock/canvases",
        summary: "The Canvases the fake knows, with status.",
        run: canvases,
    },
    ControlCall {
        method: "POST",
        path: "/_mock/canvases",
        summary: "Adds or changes a Canvas (status); registered for strict mode too.",
        run: add_canvas,
    },
    ControlCall {
        method: "GET",
        path: "/_mock/users",
        summary: "The users the fake knows, seeded and created by sends.",
        run: users,
    },
    ControlCall {
        method: "POST",
        path: "/_mock/users",
        summary: "Adds a user (external id, aliases, email, braze_id, attributes).",
        run: add_user,
    },
    ControlCall {
        method: "POST",
        path: "/_mock/keys",
        summary: "Accepts an API key with these permissions (all when left out); a known key gets them instead of its own.",
        run: add_key,
    },
    ControlCall {
        method: "GET",
        path: "/_mock/faults",
        summary: "The fault rules armed, with ids, and the faults injected so far by kind.",
        run: faults,
    },
    ControlCall {
        method: "POST",
        path: "/_mock/faults",
        summary: "Arms a fault rule given in --fault syntax, after those armed.",
        run: add_fault,
    },
    ControlCall {
        method: "DELETE",
        path: "/_mock/faults",
        summary: "Disarms every fault rule.",
        run: clear_faults,
    },
    ControlCall {
        method: "DELETE",
        path: "/_mock/faults/{id}",
        summary: "Disarms one fault rule, or 404.",
        run: remove_fault,
    },
    ControlCall {
        method: "GET",
        path: "/_mock/rate_limits",
        summary: "The rate limits and their figures in the current window.",
        run: rate_limits,
    },
    ControlCall {
        method: "PUT",
        path: "/_mock/rate_limits",
        summary: "Changes the limits given (default, broadcast, audience); each is counted afresh.",
        run: set_rate_limits,
    },
    ControlCall {
        method: "GET",
        path: "/_mock/clock",
        summary: "What the fake takes for now.",
        run: clock,
    },
    ControlCall {
        method: "PUT",
        path: "/_mock/clock",
        summary: "Sets the fake's clock to an instant; it runs on from there.",
        run: set_clock,
    },
    ControlCall {
        method: "POST",
        path: "/_mock/clock/advance",
        summary: "Moves the fake's clock forward by a number of seconds.",
        run: advance_clock,
    },
    ControlCall {
        method: "POST",
        path: "/_mock/reset",
        summary: "Everything back to how the server started (state, logs, keys, faults, rate limits, clock, ids).",
        run: reset,
    },
];

/// What a call has to go on: the value of its path's `{...}` segment, if it has one, and
/// its body.
struct Call<'a> {
    parameter: Option<&'a str>,
    body: &'a [u8],
}

/// An answer: `Ok` is a `200` with this JSON, `Err` a refusal.
type Answer = Result<Vec<u8>, Refusal>;

struct Refusal {
    status: StatusCode,
    message: String,
    allow: Option<String>,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            allow: None,
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
}

fn ok(value: &impl Serialize) -> Answer {
    serde_json::to_vec(value).map_err(|error| {
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot write the answer: {error}"),
        )
    })
}

/// Reads a call's JSON body, naming the field at fault.
fn input<T: DeserializeOwned>(call: &Call<'_>) -> Result<T, Refusal> {
    let mut reader = serde_json::Deserializer::from_slice(call.body);
    let value: T = serde_path_to_error::deserialize(&mut reader).map_err(|error| {
        let path = error.path().to_string();
        let error = error.into_inner();
        if path == "." {
            Refusal::bad_request(format!("the body: {error}"))
        } else {
            Refusal::bad_request(format!("{path}: {error}"))
        }
    })?;
    reader
        .end()
        .map_err(|error| Refusal::bad_request(format!("the body: {error}")))?;
    Ok(value)
}

/// Serves one control call; every request under [`PREFIX`] comes here when the control API
/// is on.
pub(crate) async fn handle(shared: Arc<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let answer = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => route(&shared, &parts.method, parts.uri.path(), &body),
        Err(_) => Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a control call's body is at most {MAX_BODY_BYTES} bytes"),
        )),
    };
    respond(answer)
}

/// Finds the call of `method` and `path` and runs it.
fn route(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Answer {
    let mut allowed = Vec::new();
    for call in CALLS {
        let Some(parameter) = matches(call.path, path) else {
            continue;
        };
        if call.method == method.as_str() {
            return (call.run)(shared, Call { parameter, body });
        }
        allowed.push(call.method);
    }
    if allowed.is_empty() {
        return Err(Refusal::not_found(format!(
            "no control call {method} {path}; the calls are listed in braze-mock's README and \
             openapi/braze-mock-control.yaml"
        )));
    }
    let allow = allowed.join(", ");
    Err(Refusal {
        allow: Some(allow.clone()),
        ..Refusal::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{path} takes {allow}, not {method}"),
        )
    })
}

/// `Some(parameter)` when `path` is an instance of `template`, with the value of its
/// `{...}` segment (templates have at most one).
fn matches<'a>(template: &str, path: &'a str) -> Option<Option<&'a str>> {
    let (mut expected, mut given) = (template.split('/'), path.split('/'));
    let mut parameter = None;
    loop {
        match (expected.next(), given.next()) {
            (None, None) => return Some(parameter),
            (Some(segment), Some(value)) if segment.starts_with('{') && !value.is_empty() => {
                parameter = Some(value);
            }
            (Some(segment), Some(value)) if segment == value => {}
            _ => return None,
        }
    }
}

fn respond(answer: Answer) -> Response {
    let (status, body, allow) = match answer {
        Ok(body) => (StatusCode::OK, body, None),
        Err(refusal) => {
            let body = serde_json::to_vec(&ErrorAnswer {
                error: refusal.message,
            })
            .unwrap_or_else(|_| br#"{"error":"cannot write the error"}"#.to_vec());
            (refusal.status, body, refusal.allow)
        }
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(allow) = allow.and_then(|allow| HeaderValue::from_str(&allow).ok()) {
        headers.insert(ALLOW, allow);
    }
    response
}

// ---- the calls ----------------------------------------------------------------------

fn schedules(shared: &Shared, _: Call<'_>) -> Answer {
    ok(&ScheduleList {
        schedules: shared
            .store
            .snapshot()
            .into_iter()
            .map(ScheduleAnswer::from)
            .collect(),
    })
}

fn schedule(shared: &Shared, call: Call<'_>) -> Answer {
    let id = call.parameter.unwrap_or_default();
    match shared.store.get(id) {
        Some(stored) => ok(&ScheduleAnswer::from(stored)),
        None => Err(Refusal::not_found(format!("no schedule {id}"))),
    }
}

fn dispatches(shared: &Shared, _: Call<'_>) -> Answer {
    let dispatches = shared.sends.snapshot(|world| world.dispatches.clone());
    ok(&DispatchList {
        dispatches: dispatches.into_iter().map(DispatchAnswer::from).collect(),
    })
}

fn send_ids(shared: &Shared, _: Call<'_>) -> Answer {
    let mut pairs: Vec<(String, String)> = shared
        .sends
        .snapshot(|world| world.send_ids.iter().cloned().collect());
    pairs.sort();
    ok(&SendIdList {
        send_ids: pairs
            .into_iter()
            .map(|(campaign_id, send_id)| SendIdAnswer {
                campaign_id,
                send_id,
            })
            .collect(),
    })
}

fn requests(shared: &Shared, _: Call<'_>) -> Answer {
    ok(&RequestList {
        requests: shared
            .log
            .snapshot()
            .into_iter()
            .map(RequestAnswer::from)
            .collect(),
    })
}

fn clear_requests(shared: &Shared, _: Call<'_>) -> Answer {
    ok(&Removed {
        removed: shared.log.clear(),
    })
}

fn campaigns(shared: &Shared, _: Call<'_>) -> Answer {
    let mut campaigns: Vec<CampaignAnswer> = shared.sends.snapshot(|world| {
        world
            .campaigns
            .iter()
            .map(|(id, known)| CampaignAnswer {
                id: id.clone(),
                kind: known.kind.map(KindName::from),
                status: known.status.into(),
            })
            .collect()
    });
    campaigns.sort_by(|a, b| a.id.cmp(&b.id));
    ok(&CampaignList { campaigns })
}

/// A campaign or Canvas id of a seed: not blank, as the spec's ids.
fn id_of(id: &str, what: &str) -> Result<String, Refusal> {
    if id.trim().is_empty() {
        return Err(Refusal::bad_request(format!(
            "id: a {what} id is not blank"
        )));
    }
    Ok(id.to_owned())
}

fn add_campaign(shared: &Shared, call: Call<'_>) -> Answer {
    let seed: CampaignAnswer = input(&call)?;
    let id = id_of(&seed.id, "campaign")?;
    shared.add_campaign(
        id,
        KnownCampaign {
            kind: seed.kind.map(Into::into),
            status: seed.status.into(),
        },
    );
    ok(&seed)
}

fn canvases(shared: &Shared, _: Call<'_>) -> Answer {
    let mut canvases: Vec<CanvasAnswer> = shared.sends.snapshot(|world| {
        world
            .canvases
            .iter()
            .map(|(id, status)| CanvasAnswer {
                id: id.clone(),
                status: (*status).into(),
            })
            .collect()
    });
    canvases.sort_by(|a, b| a.id.cmp(&b.id));
    ok(&CanvasList { canvases })
}

fn add_canvas(shared: &Shared, call: Call<'_>) -> Answer {
    let seed: CanvasAnswer = input(&call)?;
    let id = id_of(&seed.id, "Canvas")?;
    shared.add_canvas(id, seed.status.into());
    ok(&seed)
}

fn users(shared: &Shared, _: Call<'_>) -> Answer {
    let users = shared.sends.snapshot(|world| world.users.clone());
    ok(&UserList {
        users: users.into_iter().map(UserAnswer::from).collect(),
    })
}

fn add_user(shared: &Shared, call: Call<'_>) -> Answer {
    let seed: UserAnswer = input(&call)?;
    if seed.external_id.is_none()
        && seed.aliases.is_empty()
        && seed.email.is_none()
        && seed.braze_id.is_none()
    {
        return Err(Refusal::bad_request(
            "a user needs at least one of external_id, aliases, email and braze_id",
        ));
    }
    shared.add_user(User::from(seed.clone()));
    ok(&seed)
}

fn add_key(shared: &Shared, call: Call<'_>) -> Answer {
    let seed: KeySeed = input(&call)?;
    if seed.key.trim().is_empty() {
        return Err(Refusal::bad_request("key: the key is empty"));
    }
    let permissions = match &seed.permissions {
        None => Permissions::all(),
        Some(names) => names
            .iter()
            .map(|name| name.parse())
            .collect::<Result<Permissions, _>>()
            .map_err(|error| Refusal::bad_request(format!("permissions: {error}")))?,
    };
    shared.keyring.add(seed.key, permissions);
    ok(&KeyAnswer::from(permissions))
}

fn fault_list(shared: &Shared) -> FaultList {
    FaultList {
        rules: shared
            .faults
            .armed()
            .into_iter()
            .map(FaultRuleAnswer::from)
            .collect(),
        counts: shared.faults.counts().into(),
    }
}

fn faults(shared: &Shared, _: Call<'_>) -> Answer {
    ok(&fault_list(shared))
}

fn add_fault(shared: &Shared, call: Call<'_>) -> Answer {
    let seed: FaultSeed = input(&call)?;
    let rule: FaultRule = seed
        .spec
        .parse()
        .map_err(|error| Refusal::bad_request(format!("spec: {error}")))?;
    let id = shared.faults.arm(rule);
    let armed = shared
        .faults
        .armed()
        .into_iter()
        .find(|armed| armed.id == id);
    match armed {
        Some(armed) => ok(&FaultRuleAnswer::from(armed)),
        // Removed by another call in between.
        None => Err(Refusal::not_found(format!(
            "fault rule {id} is gone already"
        ))),
    }
}

fn clear_faults(shared: &Shared, _: Call<'_>) -> Answer {
    ok(&Removed {
        removed: shared.faults.disarm(),
    })
}

fn remove_fault(shared: &Shared, call: Call<'_>) -> Answer {
    let given = call.parameter.unwrap_or_default();
    let id: u64 = given
        .parse()
        .map_err(|_| Refusal::bad_request(format!("{given:?} is not a fault rule id")))?;
    match shared.faults.remove(id) {
        Some(removed) => ok(&FaultRuleAnswer::from(removed)),
        None => Err(Refusal::not_found(format!("no fault rule {id} is armed"))),
    }
}

fn rate_limit_answer(shared: &Shared) -> RateLimitsAnswer {
    let now = SystemTime::now();
    let (limit, window) = shared.limiter.audience_limit();
    RateLimitsAnswer {
        default: shared.limiter.default.counters(now).into(),
        broadcast: shared.limiter.broadcast.counters(now).into(),
        audience: LimitFigures {
            limit,
            window_seconds: window.as_secs(),
        },
    }
}

fn rate_limits(shared: &Shared, _: Call<'_>) -> Answer {
    ok(&rate_limit_answer(shared))
}

fn set_rate_limits(shared: &Shared, call: Call<'_>) -> Answer {
    let change: RateLimitsChange = input(&call)?;
    for (name, figures) in [
        ("default", change.default),
        ("broadcast", change.broadcast),
        ("audience", change.audience),
    ] {
        if figures.is_some_and(|figures| figures.window_seconds == 0) {
            return Err(Refusal::bad_request(format!(
                "{name}.window_seconds: a window is at least 1 second"
            )));
        }
    }
    if let Some(figures) = change.default {
        shared.limiter.default.set(figures.limit, figures.window());
    }
    if let Some(figures) = change.broadcast {
        shared
            .limiter
            .broadcast
            .set(figures.limit, figures.window());
    }
    if let Some(figures) = change.audience {
        shared
            .limiter
            .set_audience_limit(figures.limit, figures.window());
    }
    ok(&rate_limit_answer(shared))
}

fn clock_answer(shared: &Shared) -> ClockAnswer {
    ClockAnswer {
        now: instant(shared.clock.now()),
        offset_seconds: shared.clock.offset_nanos() / 1_000_000_000,
    }
}

fn clock(shared: &Shared, _: Call<'_>) -> Answer {
    ok(&clock_answer(shared))
}

fn set_clock(shared: &Shared, call: Call<'_>) -> Answer {
    let set: ClockSet = input(&call)?;
    // Read as Braze's other times are, as the binary's --now is.
    let now = braze_api::time::parse_date_time(&set.now).ok_or_else(|| {
        Refusal::bad_request(format!(
            "now: {:?} is not an ISO 8601 time such as 2030-01-01T00:00:00Z",
            set.now
        ))
    })?;
    shared.clock.set(SystemTime::from(now.instant()));
    ok(&clock_answer(shared))
}

fn advance_clock(shared: &Shared, call: Call<'_>) -> Answer {
    let advance: ClockAdvance = input(&call)?;
    shared.clock.advance(Duration::from_secs(advance.seconds));
    ok(&clock_answer(shared))
}

fn reset(shared: &Shared, _: Call<'_>) -> Answer {
    shared.reset();
    ok(&Done { ok: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_their_paths_only() {
        assert_eq!(matches("/_mock/faults", "/_mock/faults"), Some(None));
        assert_eq!(
            matches("/_mock/faults/{id}", "/_mock/faults/3"),
            Some(Some("3"))
        );
        assert_eq!(matches("/_mock/faults/{id}", "/_mock/faults/"), None);
        assert_eq!(matches("/_mock/faults/{id}", "/_mock/faults"), None);
        assert_eq!(matches("/_mock/faults", "/_mock/faults/3"), None);
        assert_eq!(matches("/_mock/clock/advance", "/_mock/clock"), None);
    }

    #[test]
    fn every_call_is_under_the_prefix_and_named_once() {
        let mut seen = std::collections::HashSet::new();
        for call in CALLS {
            assert!(call.path.starts_with(PREFIX), "{}", call.path);
            assert!(
                ["GET", "POST", "PUT", "DELETE"].contains(&call.method),
                "{}",
                call.method
            );
            assert!(
                seen.insert((call.method, call.path)),
                "{} {}",
                call.method,
                call.path
            );
        }
    }
}
