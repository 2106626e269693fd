//! The operations themselves, once a request has passed every outer check: read the body
//! with the spec's generated types, apply Braze's rules, change the state, answer.

use std::time::SystemTime;

use braze_api::ScheduleKind;
use braze_api::operations::{Operation, OperationSpec};
use braze_api::types::{
    CampaignScheduleCreateRequest, CampaignScheduleDeleteRequest, CampaignScheduleUpdateRequest,
    CanvasScheduleCreateRequest, CanvasScheduleDeleteRequest, CanvasScheduleUpdateRequest,
    ConnectedAudience, Recipient, Schedule, ScheduleCreateResponse, ScheduledBroadcast,
    ScheduledBroadcastsResponse,
};
use chrono::{DateTime, Utc};
use http::StatusCode;
use serde::de::DeserializeOwned;

use crate::choices;
use crate::reply::Reply;
use crate::server::Shared;
use crate::state::{NewSchedule, Owner, Refusal, StoredSchedule};
use crate::time::{SendTime, parse_end_time, parse_send_time, passed_in_some_time_zone};
use crate::validation::{check_schedule, check_targeting, refuse_declared_nulls};

/// An answer either way: `Err` holds the refusal.
type Outcome = Result<Reply, Reply>;

pub(crate) fn run(
    shared: &Shared,
    operation: &'static OperationSpec,
    body: &[u8],
    query: Option<&str>,
    received_at: SystemTime,
) -> Reply {
    let now = DateTime::<Utc>::from(received_at);
    let created = |creation: Creation<'_>| create(shared, creation, received_at, now);
    let outcome = match operation.operation {
        Operation::CreateCampaignSchedule => {
            parse::<CampaignScheduleCreateRequest>(operation, body).and_then(|request| {
                created(Creation {
                    kind: ScheduleKind::Campaign,
                    owner_id: request.campaign_id.into_string(),
                    recipients: &request.recipients,
                    audience: request.audience.as_ref(),
                    broadcast: request.broadcast,
                    schedule: request.schedule,
                    send_id: request.send_id,
                })
            })
        }
        Operation::CreateCanvasSchedule => parse::<CanvasScheduleCreateRequest>(operation, body)
            .and_then(|request| {
                created(Creation {
                    kind: ScheduleKind::Canvas,
                    owner_id: request.canvas_id.into_string(),
                    recipients: &request.recipients,
                    audience: request.audience.as_ref(),
                    broadcast: request.broadcast,
                    schedule: request.schedule,
                    send_id: None,
                })
            }),
        Operation::UpdateCampaignSchedule => {
            parse::<CampaignScheduleUpdateRequest>(operation, body).and_then(|request| {
                let owner = Owner {
                    kind: ScheduleKind::Campaign,
                    id: request.campaign_id.as_str(),
                };
                update(
                    shared,
                    owner,
                    request.schedule_id.as_str(),
                    request.schedule,
                    now,
                )
            })
        }
        Operation::UpdateCanvasSchedule => parse::<CanvasScheduleUpdateRequest>(operation, body)
            .and_then(|request| {
                let owner = Owner {
                    kind: ScheduleKind::Canvas,
                    id: request.canvas_id.as_str(),
                };
                update(
                    shared,
                    owner,
                    request.schedule_id.as_str(),
                    request.schedule,
                    now,
                )
            }),
        Operation::DeleteCampaignSchedule => {
            parse::<CampaignScheduleDeleteRequest>(operation, body).and_then(|request| {
                let owner = Owner {
                    kind: ScheduleKind::Campaign,
                    id: request.campaign_id.as_str(),
                };
                delete(shared, owner, request.schedule_id.as_str())
            })
        }
        Operation::DeleteCanvasSchedule => parse::<CanvasScheduleDeleteRequest>(operation, body)
            .and_then(|request| {
                let owner = Owner {
                    kind: ScheduleKind::Canvas,
                    id: request.canvas_id.as_str(),
                };
                delete(shared, owner, request.schedule_id.as_str())
            }),
        Operation::ListScheduledBroadcasts => list(shared, query),
    };
    outcome.unwrap_or_else(|refusal| refusal)
}

fn bad_request(message: impl Into<String>) -> Reply {
    Reply::error(StatusCode::BAD_REQUEST, message)
}

/// Reads a body with the spec's generated type: bad JSON, a wrong type, a missing field,
/// a blank id or a `null` the spec does not allow is a 400 naming the problem and where
/// it is.
fn parse<T: DeserializeOwned>(operation: &OperationSpec, body: &[u8]) -> Result<T, Reply> {
    if body.trim_ascii().is_empty() {
        return Err(bad_request(
            "the request body is empty; a JSON object is expected",
        ));
    }
    if let Some(shape) = operation.request_body {
        refuse_declared_nulls(body, shape).map_err(bad_request)?;
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| bad_request(describe(&error)))?;
    deserializer
        .end()
        .map_err(|error| bad_request(error.to_string()))?;
    Ok(value)
}

/// serde's message, prefixed by the field's path (`schedule.in_local_time: invalid type:
/// ...`) unless the message names it already; a `schedule.time` that does not fit the
/// spec's pattern gets the same message as one that fits it but is no date.
fn describe(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let path = error.path().to_string();
    let message = error.inner().to_string();
    if path.ends_with("schedule.time") && message.contains("doesn't match pattern") {
        return crate::validation::not_a_schedule_time(None);
    }
    if path == "." || path == "?" || message.contains(&path) {
        message
    } else {
        format!("{path}: {message}")
    }
}

/// In strict mode, only registered campaigns and Canvases exist.
fn admit(shared: &Shared, owner: Owner<'_>) -> Result<(), Reply> {
    if shared.registry.admits(owner) {
        return Ok(());
    }
    Err(bad_request(choices::unknown_owner_message(owner.kind)))
}

struct Creation<'a> {
    kind: ScheduleKind,
    owner_id: String,
    recipients: &'a [Recipient],
    audience: Option<&'a ConnectedAudience>,
    broadcast: Option<bool>,
    schedule: Schedule,
    send_id: Option<String>,
}

fn create(
    shared: &Shared,
    creation: Creation<'_>,
    received_at: SystemTime,
    now: DateTime<Utc>,
) -> Outcome {
    let targeting = check_targeting(creation.recipients, creation.audience, creation.broadcast)
        .map_err(bad_request)?;
    check_schedule(&creation.schedule, now).map_err(bad_request)?;
    admit(
        shared,
        Owner {
            kind: creation.kind,
            id: &creation.owner_id,
        },
    )?;
    let stored = shared.store.create(
        NewSchedule {
            kind: creation.kind,
            owner_id: creation.owner_id,
            schedule: creation.schedule,
            targeting,
            send_id: creation.send_id,
        },
        received_at,
    );
    Ok(Reply::json(
        choices::CREATE_STATUS,
        &ScheduleCreateResponse {
            dispatch_id: Some(stored.dispatch_id),
            schedule_id: stored.schedule_id,
            message: Some("success".to_owned()),
            errors: None,
        },
    ))
}

fn update(
    shared: &Shared,
    owner: Owner<'_>,
    schedule_id: &str,
    schedule: Schedule,
    now: DateTime<Utc>,
) -> Outcome {
    check_schedule(&schedule, now).map_err(bad_request)?;
    admit(shared, owner)?;
    // Braze: an update is not applied once the original local time has passed in any
    // time zone.
    let still_open = |stored: &StoredSchedule| {
        let local = stored.schedule.in_local_time.unwrap_or(false);
        match parse_send_time(stored.schedule.time.as_str()) {
            Some(time) if local && passed_in_some_time_zone(time.wall_clock, now) => {
                Err(choices::local_time_update_refused_message(schedule_id))
            }
            _ => Ok(()),
        }
    };
    shared
        .store
        .update(owner, schedule_id, schedule, still_open)
        .map_err(|refusal| refused(refusal, owner, schedule_id))?;
    Ok(Reply::success(choices::UPDATE_STATUS))
}

fn delete(shared: &Shared, owner: Owner<'_>, schedule_id: &str) -> Outcome {
    admit(shared, owner)?;
    shared
        .store
        .delete(owner, schedule_id)
        .map_err(|refusal| refused(refusal, owner, schedule_id))?;
    Ok(Reply::success(choices::DELETE_STATUS))
}

fn refused(refusal: Refusal, owner: Owner<'_>, schedule_id: &str) -> Reply {
    match refusal {
        Refusal::NotFound => Reply::error(
            choices::UNKNOWN_SCHEDULE_STATUS,
            choices::unknown_schedule_message(
                schedule_id,
                owner.kind.owner_field().map(|field| (field, owner.id)),
            ),
        ),
        Refusal::Refused(message) => {
            Reply::error(choices::LOCAL_TIME_UPDATE_REFUSED_STATUS, message)
        }
    }
}

/// `GET /messages/scheduled_broadcasts?end_time=...`.
fn list(shared: &Shared, query: Option<&str>) -> Outcome {
    let end_time = query.and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "end_time")
            .map(|(_, value)| value.into_owned())
    });
    let Some(end_time) = end_time else {
        return Err(bad_request(
            "end_time is required: an ISO 8601 date or date-time such as \
             2018-09-01T00:00:00-04:00",
        ));
    };
    let Some(end) = parse_end_time(&end_time) else {
        let hint = if end_time.contains(' ') {
            " (a + in a query string must be sent as %2B)"
        } else {
            ""
        };
        return Err(bad_request(format!(
            "end_time must be an ISO 8601 date or date-time such as 2018-09-01T00:00:00-04:00, \
             not {end_time:?}{hint}"
        )));
    };

    let mut listed: Vec<(SendTime, StoredSchedule)> = shared
        .store
        .snapshot()
        .into_iter()
        .filter_map(|stored| {
            // Schedules added with `MockServer::add_schedule` may have any time; one that
            // cannot be read cannot be placed in time either.
            let time = parse_send_time(stored.schedule.time.as_str())?;
            choices::is_listed(time.instant, end).then_some((time, stored))
        })
        .collect();
    listed.sort_by_key(|(time, stored)| (time.instant, stored.sequence));

    let response = ScheduledBroadcastsResponse {
        scheduled_broadcasts: listed
            .into_iter()
            .map(|(time, stored)| broadcast(time, stored))
            .collect(),
    };
    let mut body = serde_json::to_value(&response).unwrap_or_default();
    // Braze shows `tags` as an array always; the generated type leaves an empty one out.
    if let Some(items) = body
        .get_mut("scheduled_broadcasts")
        .and_then(|items| items.as_array_mut())
    {
        for item in items.iter_mut().filter_map(|item| item.as_object_mut()) {
            item.entry("tags").or_insert_with(|| serde_json::json!([]));
        }
    }
    Ok(Reply::json(StatusCode::OK, &body))
}

fn broadcast(time: SendTime, stored: StoredSchedule) -> ScheduledBroadcast {
    let in_local_time = stored.schedule.in_local_time.unwrap_or(false);
    let at_optimal_time = stored.schedule.at_optimal_time.unwrap_or(false);
    ScheduledBroadcast {
        id: Some(stored.owner_id.clone()),
        name: Some(choices::broadcast_name(stored.schedule_id.as_str())),
        next_send_time: Some(choices::next_send_time(
            time.wall_clock,
            time.instant,
            in_local_time || at_optimal_time,
        )),
        schedule_type: Some(choices::schedule_type(in_local_time, at_optimal_time).to_owned()),
        tags: Vec::new(),
        type_: Some(stored.kind.broadcast_type().to_owned()),
    }
}
