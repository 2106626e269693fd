//! The operations themselves, once a request has passed every outer check: read the body
//! with the spec's generated types, apply Braze's rules, change the state, answer.

use std::time::SystemTime;

use braze_api::ScheduleKind;
use braze_api::operations::{Operation, OperationSpec};
use braze_api::types::{
    CampaignScheduleCreateRequest, CampaignScheduleDeleteRequest, CampaignScheduleUpdateRequest,
    CanvasScheduleCreateRequest, CanvasScheduleDeleteRequest, CanvasScheduleUpdateRequest,
    MessageScheduleCreateRequest, MessageScheduleDeleteRequest, MessageScheduleUpdateRequest,
    Recipient, Schedule, ScheduleCreateResponse, ScheduledBroadcast, ScheduledBroadcastsResponse,
};
use chrono::{DateTime, Utc};
use http::StatusCode;
use serde::de::DeserializeOwned;

use crate::audience::{SeenAudience, parse_create};
use crate::choices;
use crate::messages::{self, check_messages, check_variations};
use crate::reply::Reply;
use crate::server::Shared;
use crate::state::{Change, NewSchedule, Owner, Refusal, StoredSchedule};
use crate::time::{SendTime, parse_end_time, parse_send_time, passed_in_some_time_zone};
use crate::validation::{
    check_message_targeting, check_schedule, check_targeting, refuse_declared_nulls,
};

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
        Operation::CreateCampaignSchedule => parse_create(
            body,
            |body| parse::<CampaignScheduleCreateRequest>(operation, body),
            |request| request.audience.as_ref(),
        )
        .and_then(|(request, audience)| {
            created(Creation {
                kind: ScheduleKind::Campaign,
                owner_id: request.campaign_id.into_string(),
                recipients: &request.recipients,
                audience,
                broadcast: request.broadcast,
                schedule: request.schedule,
                send_id: request.send_id,
            })
        }),
        Operation::CreateCanvasSchedule => parse_create(
            body,
            |body| parse::<CanvasScheduleCreateRequest>(operation, body),
            |request| request.audience.as_ref(),
        )
        .and_then(|(request, audience)| {
            created(Creation {
                kind: ScheduleKind::Canvas,
                owner_id: request.canvas_id.into_string(),
                recipients: &request.recipients,
                audience,
                broadcast: request.broadcast,
                schedule: request.schedule,
                send_id: None,
            })
        }),
        Operation::UpdateCampaignSchedule => {
            parse::<CampaignScheduleUpdateRequest>(operation, body).and_then(|request| {
                let owner = Owner {
                    kind: ScheduleKind::Campaign,
                    id: Some(request.campaign_id.as_str()),
                };
                update(
                    shared,
                    owner,
                    request.schedule_id.as_str(),
                    Change {
                        schedule: Some(request.schedule),
                        messages: None,
                    },
                    now,
                )
            })
        }
        Operation::UpdateCanvasSchedule => parse::<CanvasScheduleUpdateRequest>(operation, body)
            .and_then(|request| {
                let owner = Owner {
                    kind: ScheduleKind::Canvas,
                    id: Some(request.canvas_id.as_str()),
                };
                update(
                    shared,
                    owner,
                    request.schedule_id.as_str(),
                    Change {
                        schedule: Some(request.schedule),
                        messages: None,
                    },
                    now,
                )
            }),
        Operation::DeleteCampaignSchedule => {
            parse::<CampaignScheduleDeleteRequest>(operation, body).and_then(|request| {
                let owner = Owner {
                    kind: ScheduleKind::Campaign,
                    id: Some(request.campaign_id.as_str()),
                };
                delete(shared, owner, request.schedule_id.as_str())
            })
        }
        Operation::DeleteCanvasSchedule => parse::<CanvasScheduleDeleteRequest>(operation, body)
            .and_then(|request| {
                let owner = Owner {
                    kind: ScheduleKind::Canvas,
                    id: Some(request.canvas_id.as_str()),
                };
                delete(shared, owner, request.schedule_id.as_str())
            }),
        Operation::CreateMessageSchedule => parse_create(
            body,
            |body| parse::<MessageScheduleCreateRequest>(operation, body),
            |request| request.audience.as_ref(),
        )
        .and_then(|(request, audience)| {
            create_message(shared, request, audience, received_at, now)
        }),
        Operation::UpdateMessageSchedule => parse::<MessageScheduleUpdateRequest>(operation, body)
            .and_then(|request| {
                if request.schedule.is_none() && request.messages.is_none() {
                    return Err(bad_request(
                        "schedule or messages is required (or both): an update must change \
                         something",
                    ));
                }
                update(
                    shared,
                    Owner::MESSAGE,
                    request.schedule_id.as_str(),
                    Change {
                        schedule: request.schedule,
                        messages: request.messages,
                    },
                    now,
                )
            }),
        Operation::DeleteMessageSchedule => parse::<MessageScheduleDeleteRequest>(operation, body)
            .and_then(|request| delete(shared, Owner::MESSAGE, request.schedule_id.as_str())),
        Operation::ListScheduledBroadcasts => list(shared, query, now),
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
        .map_err(|error| bad_request(describe(&error, body)))?;
    deserializer
        .end()
        .map_err(|error| bad_request(error.to_string()))?;
    Ok(value)
}

/// serde's message, prefixed by the field's path (`schedule.in_local_time: invalid type:
/// ...`) unless the message names it already; a `schedule.time` that does not fit the
/// spec's pattern (or is empty) gets the same message as one that fits it but is no date;
/// a value that fits none of the shapes of a choice (`messages.whats_app`) gets the error
/// of the shape it meant ([`messages::explain_choice`]).
fn describe(error: &serde_path_to_error::Error<serde_json::Error>, body: &[u8]) -> String {
    let path = error.path().to_string();
    let message = error.inner().to_string();
    if path.ends_with("schedule.time")
        && (message.contains("doesn't match pattern") || message.contains("shorter than"))
    {
        return crate::validation::not_a_schedule_time(None);
    }
    if message.contains("did not match any variant of untagged enum")
        && let Some(better) = messages::explain_choice(body, &path)
    {
        return better;
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
    audience: SeenAudience,
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
    let targeting = check_targeting(
        creation.recipients,
        creation.audience.json.is_some(),
        creation.broadcast,
    )
    .map_err(bad_request)?;
    check_schedule(&creation.schedule, now).map_err(bad_request)?;
    admit(
        shared,
        Owner {
            kind: creation.kind,
            id: Some(&creation.owner_id),
        },
    )?;
    let stored = shared.store.create(
        NewSchedule {
            kind: creation.kind,
            owner_id: Some(creation.owner_id),
            schedule: creation.schedule,
            targeting,
            send_id: creation.send_id,
            messages: None,
            campaign_id: None,
            audience: creation.audience,
        },
        received_at,
    );
    Ok(created(stored))
}

/// The answer to every create (§2, §4, §7), with [`choices::CREATE_STATUS`]; what Braze
/// would fail later goes with it to the request log.
fn created(stored: StoredSchedule) -> Reply {
    let mut reply = Reply::json(
        choices::CREATE_STATUS,
        &ScheduleCreateResponse {
            dispatch_id: Some(stored.dispatch_id),
            schedule_id: stored.schedule_id,
            message: Some("success".to_owned()),
            errors: None,
        },
    );
    reply.silent_failures = stored.silent_failures;
    reply
}

/// `POST /messages/schedule/create`: whom it targets, when, what it sends; then, in
/// strict mode, its `campaign_id`.
fn create_message(
    shared: &Shared,
    request: MessageScheduleCreateRequest,
    audience: SeenAudience,
    received_at: SystemTime,
    now: DateTime<Utc>,
) -> Outcome {
    let targeting =
        check_message_targeting(&request, audience.json.is_some()).map_err(bad_request)?;
    check_schedule(&request.schedule, now).map_err(bad_request)?;
    let Some(messages) = request.messages else {
        return Err(bad_request(messages::no_message(None)));
    };
    check_messages(&messages, now).map_err(bad_request)?;
    let campaign_id = request.campaign_id.map(|id| id.into_string());
    if let Some(campaign_id) = &campaign_id {
        check_variations(&messages, "campaign_id is given").map_err(bad_request)?;
        admit(
            shared,
            Owner {
                kind: ScheduleKind::Campaign,
                id: Some(campaign_id),
            },
        )?;
    }
    let stored = shared.store.create(
        NewSchedule {
            kind: ScheduleKind::Message,
            owner_id: None,
            schedule: request.schedule,
            targeting,
            send_id: request.send_id,
            messages: Some(messages),
            campaign_id,
            audience,
        },
        received_at,
    );
    Ok(created(stored))
}

/// Every update: the new schedule and messages are checked, then, on the stored schedule
/// under the store's lock, the rules that depend on it.
fn update(
    shared: &Shared,
    owner: Owner<'_>,
    schedule_id: &str,
    change: Change,
    now: DateTime<Utc>,
) -> Outcome {
    if let Some(schedule) = &change.schedule {
        check_schedule(schedule, now).map_err(bad_request)?;
    }
    if let Some(messages) = &change.messages {
        check_messages(messages, now).map_err(bad_request)?;
    }
    admit(shared, owner)?;
    let decide = |stored: &StoredSchedule| -> Result<Change, Reply> {
        if let (Some(messages), Some(campaign_id)) = (&change.messages, &stored.campaign_id)
            && choices::UPDATED_MESSAGES_NEED_THE_CAMPAIGN_VARIATIONS
        {
            let because = format!("the schedule was created with campaign_id {campaign_id}");
            check_variations(messages, &because).map_err(bad_request)?;
        }
        // Braze: an update is not applied once the original local time has passed in any
        // time zone (for message schedules: `choices::LOCAL_TIME_RULE_COVERS_MESSAGE_UPDATES`).
        let rule_applies =
            stored.kind != ScheduleKind::Message || choices::LOCAL_TIME_RULE_COVERS_MESSAGE_UPDATES;
        let local = stored.schedule.in_local_time.unwrap_or(false);
        if let Some(time) = parse_send_time(stored.schedule.time.as_str())
            && rule_applies
            && local
            && passed_in_some_time_zone(time.wall_clock, now)
        {
            return Err(Reply::error(
                choices::LOCAL_TIME_UPDATE_REFUSED_STATUS,
                choices::local_time_update_refused_message(schedule_id),
            ));
        }
        Ok(Change {
            schedule: change.schedule,
            messages: change
                .messages
                .map(|update| messages::updated(stored.messages.as_ref(), update)),
        })
    };
    shared
        .store
        .update(owner, schedule_id, decide)
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

fn refused(refusal: Refusal<Reply>, owner: Owner<'_>, schedule_id: &str) -> Reply {
    match refusal {
        Refusal::NotFound => Reply::error(
            choices::UNKNOWN_SCHEDULE_STATUS,
            choices::unknown_schedule_message(schedule_id, owner.kind.owner_field().zip(owner.id)),
        ),
        Refusal::Refused(reply) => reply,
    }
}

/// `GET /messages/scheduled_broadcasts?end_time=...`, for a request received at `now`:
/// what is still to be sent, up to `end_time` ([`choices::is_listed`]).
fn list(shared: &Shared, query: Option<&str>, now: DateTime<Utc>) -> Outcome {
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
            let listed = choices::is_listed(
                time.wall_clock,
                time.instant,
                stored.schedule.in_local_time.unwrap_or(false),
                stored.schedule.at_optimal_time.unwrap_or(false),
                end,
                now,
            );
            listed.then_some((time, stored))
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
        id: Some(choices::broadcast_id(&stored)),
        name: Some(choices::broadcast_name(stored.schedule_id.as_str())),
        next_send_time: Some(choices::next_send_time(
            time.wall_clock,
            time.instant,
            in_local_time || at_optimal_time,
        )),
        schedule_type: Some(choices::schedule_type(in_local_time, at_optimal_time).to_owned()),
        tags: Vec::new(),
        type_: Some(choices::broadcast_type(stored.kind).to_owned()),
    }
}
