//! The operations themselves, once a request has passed every outer check: read the body
//! with the spec's generated types, apply Braze's rules, change the state, answer.

use std::time::SystemTime;

use braze_api::ids::ScheduleId;
use braze_api::operations::{Operation, OperationSpec};
use braze_api::rules::{self, Check};
use braze_api::time::{SendTime, When, passed_in_some_time_zone};
use braze_api::types::{
    CampaignScheduleCreateRequest, CampaignScheduleDeleteRequest, CampaignScheduleUpdateRequest,
    CampaignTriggerSendRequest, CanvasScheduleCreateRequest, CanvasScheduleDeleteRequest,
    CanvasScheduleUpdateRequest, CanvasTriggerSendRequest, MessageScheduleCreateRequest,
    MessageScheduleDeleteRequest, MessageScheduleUpdateRequest, Messages, MessagesSendRequest,
    ScheduleCreateResponse, ScheduledBroadcast, ScheduledBroadcastsResponse, SendIdCreateRequest,
    TransactionalSendRequest,
};
use braze_api::{ScheduleKind, ScheduleRef};
use chrono::{DateTime, Utc};
use http::StatusCode;

use crate::audience::{SeenAudience, parse_create};
use crate::body::{bad_request, parse};
use crate::choices;
use crate::reply::Reply;
use crate::sending::{self, Send, Targets, alias_id};
use crate::sends::UserId;
use crate::shared::Shared;
use crate::state::{Change, NewSchedule, Refusal, StoredSchedule, Targeting};

/// An answer either way: `Err` holds the refusal.
type Outcome = Result<Reply, Reply>;

pub(crate) fn run(
    shared: &Shared,
    operation: &'static OperationSpec,
    body: &[u8],
    path: &str,
    query: Option<&str>,
    received_at: SystemTime,
) -> Reply {
    let now = DateTime::<Utc>::from(received_at);
    let outcome = match operation.operation {
        Operation::CreateCampaignSchedule => parse_create(
            body,
            |body| parse::<CampaignScheduleCreateRequest>(operation, body),
            |request| request.audience.as_ref(),
        )
        .and_then(|(mut request, audience)| {
            keep_audience(&mut request.extra, request.audience.is_some(), &audience);
            obey(&request, now)?;
            admit(shared, ScheduleKind::Campaign, request.campaign_id.as_str())?;
            let targeting = Targeting {
                recipients: request.recipients.len(),
                ..targeting(request.broadcast, &audience)
            };
            let campaign_id = request.campaign_id;
            Ok(create(
                shared,
                |id| NewSchedule {
                    reference: ScheduleRef::Campaign {
                        campaign_id,
                        schedule_id: id,
                    },
                    schedule: request.schedule,
                    targeting,
                    send_id: request.send_id,
                    messages: None,
                    campaign_id: None,
                    audience,
                },
                received_at,
            ))
        }),
        Operation::CreateCanvasSchedule => parse_create(
            body,
            |body| parse::<CanvasScheduleCreateRequest>(operation, body),
            |request| request.audience.as_ref(),
        )
        .and_then(|(mut request, audience)| {
            keep_audience(&mut request.extra, request.audience.is_some(), &audience);
            obey(&request, now)?;
            admit(shared, ScheduleKind::Canvas, request.canvas_id.as_str())?;
            let targeting = Targeting {
                recipients: request.recipients.len(),
                ..targeting(request.broadcast, &audience)
            };
            let canvas_id = request.canvas_id;
            Ok(create(
                shared,
                |id| NewSchedule {
                    reference: ScheduleRef::Canvas {
                        canvas_id,
                        schedule_id: id,
                    },
                    schedule: request.schedule,
                    targeting,
                    send_id: None,
                    messages: None,
                    campaign_id: None,
                    audience,
                },
                received_at,
            ))
        }),
        Operation::CreateMessageSchedule => parse_create(
            body,
            |body| parse::<MessageScheduleCreateRequest>(operation, body),
            |request| request.audience.as_ref(),
        )
        .and_then(|(mut request, audience)| {
            keep_audience(&mut request.extra, request.audience.is_some(), &audience);
            obey(&request, now)?;
            // Strict mode checks the campaign a message is tracked under.
            if let Some(campaign_id) = &request.campaign_id {
                admit(shared, ScheduleKind::Campaign, campaign_id.as_str())?;
            }
            let targeting = Targeting {
                external_user_ids: request.external_user_ids.len(),
                user_aliases: request.user_aliases.len(),
                segment_id: request.segment_id,
                ..targeting(request.broadcast, &audience)
            };
            Ok(create(
                shared,
                |id| NewSchedule {
                    reference: ScheduleRef::message(id),
                    schedule: request.schedule,
                    targeting,
                    send_id: request.send_id,
                    messages: request.messages,
                    campaign_id: request.campaign_id.map(|id| id.into_string()),
                    audience,
                },
                received_at,
            ))
        }),
        Operation::UpdateCampaignSchedule => {
            parse::<CampaignScheduleUpdateRequest>(operation, body).and_then(|request| {
                obey(&request, now)?;
                let schedule = ScheduleRef::Campaign {
                    campaign_id: request.campaign_id,
                    schedule_id: request.schedule_id,
                };
                let change = Change {
                    schedule: Some(request.schedule),
                    messages: None,
                };
                update(shared, &schedule, change, now)
            })
        }
        Operation::UpdateCanvasSchedule => parse::<CanvasScheduleUpdateRequest>(operation, body)
            .and_then(|request| {
                obey(&request, now)?;
                let schedule = ScheduleRef::Canvas {
                    canvas_id: request.canvas_id,
                    schedule_id: request.schedule_id,
                };
                let change = Change {
                    schedule: Some(request.schedule),
                    messages: None,
                };
                update(shared, &schedule, change, now)
            }),
        Operation::UpdateMessageSchedule => parse::<MessageScheduleUpdateRequest>(operation, body)
            .and_then(|request| {
                obey(&request, now)?;
                let schedule = ScheduleRef::message(request.schedule_id);
                let change = Change {
                    schedule: request.schedule,
                    messages: request.messages,
                };
                update(shared, &schedule, change, now)
            }),
        Operation::DeleteCampaignSchedule => {
            parse::<CampaignScheduleDeleteRequest>(operation, body).and_then(|request| {
                delete(
                    shared,
                    &ScheduleRef::Campaign {
                        campaign_id: request.campaign_id,
                        schedule_id: request.schedule_id,
                    },
                )
            })
        }
        Operation::DeleteCanvasSchedule => parse::<CanvasScheduleDeleteRequest>(operation, body)
            .and_then(|request| {
                delete(
                    shared,
                    &ScheduleRef::Canvas {
                        canvas_id: request.canvas_id,
                        schedule_id: request.schedule_id,
                    },
                )
            }),
        Operation::DeleteMessageSchedule => parse::<MessageScheduleDeleteRequest>(operation, body)
            .and_then(|request| delete(shared, &ScheduleRef::message(request.schedule_id))),
        Operation::ListScheduledBroadcasts => list(shared, query, now),
        Operation::SendMessages => parse_create(
            body,
            |body| parse::<MessagesSendRequest>(operation, body),
            |request| request.audience.as_ref(),
        )
        .and_then(|(mut request, audience)| {
            keep_audience(&mut request.extra, request.audience.is_some(), &audience);
            obey(&request, now)?;
            if let Some(campaign_id) = &request.campaign_id {
                admit(shared, ScheduleKind::Campaign, campaign_id.as_str())?;
            }
            let listed: Vec<UserId> = request
                .external_user_ids
                .iter()
                .cloned()
                .map(UserId::External)
                .chain(request.user_aliases.iter().map(alias_id))
                .collect();
            let targets = if listed.is_empty() {
                Targets::Broadcast
            } else {
                Targets::Listed(listed)
            };
            let send = Send {
                operation: operation.operation,
                campaign_id: request.campaign_id.map(|id| id.into_string()),
                canvas_id: None,
                targets,
                send_id: request.send_id,
            };
            sending::send(shared, send, received_at)
        }),
        Operation::TriggerCampaignSend => parse_create(
            body,
            |body| parse::<CampaignTriggerSendRequest>(operation, body),
            |request| request.audience.as_ref(),
        )
        .and_then(|(mut request, audience)| {
            keep_audience(&mut request.extra, request.audience.is_some(), &audience);
            obey(&request, now)?;
            admit(shared, ScheduleKind::Campaign, request.campaign_id.as_str())?;
            let send = Send {
                operation: operation.operation,
                campaign_id: Some(request.campaign_id.into_string()),
                canvas_id: None,
                targets: recipients(request.recipients),
                send_id: request.send_id,
            };
            sending::send(shared, send, received_at)
        }),
        Operation::TriggerCanvasSend => parse_create(
            body,
            |body| parse::<CanvasTriggerSendRequest>(operation, body),
            |request| request.audience.as_ref(),
        )
        .and_then(|(mut request, audience)| {
            keep_audience(&mut request.extra, request.audience.is_some(), &audience);
            obey(&request, now)?;
            admit(shared, ScheduleKind::Canvas, request.canvas_id.as_str())?;
            let send = Send {
                operation: operation.operation,
                campaign_id: None,
                canvas_id: Some(request.canvas_id.into_string()),
                targets: recipients(request.recipients),
                send_id: None,
            };
            sending::send(shared, send, received_at)
        }),
        Operation::CreateSendId => {
            parse::<SendIdCreateRequest>(operation, body).and_then(|request| {
                obey(&request, now)?;
                admit(shared, ScheduleKind::Campaign, request.campaign_id.as_str())?;
                sending::create_send_id(
                    shared,
                    request.campaign_id.as_str(),
                    request.send_id,
                    received_at,
                )
            })
        }
        Operation::SendTransactionalEmail => {
            parse::<TransactionalSendRequest>(operation, body).and_then(|request| {
                obey(&request, now)?;
                // The router matched the path, so it has its one parameter; a blank one
                // (or one that is not UTF-8 once decoded) is Braze's documented refusal.
                let campaign_id = operation
                    .path_values(path)
                    .and_then(|values| values.into_iter().next())
                    .filter(|id| !id.trim().is_empty())
                    .ok_or_else(|| {
                        Reply::error(
                            choices::TRANSACTIONAL_REFUSED_STATUS,
                            choices::TRANSACTIONAL_CAMPAIGN_ID_MESSAGE,
                        )
                    })?;
                sending::send_transactional(
                    shared,
                    &campaign_id,
                    &request.recipient,
                    request.external_send_id,
                    received_at,
                )
            })
        }
    };
    outcome.unwrap_or_else(|refusal| refusal)
}

/// Braze's documented rules on the body ([`braze_api::rules`]): the first problem is the
/// 400, in Braze's words ([`choices::problem_message`]).
fn obey(body: &impl Check, now: DateTime<Utc>) -> Result<(), Reply> {
    match body.problems(now).into_iter().next() {
        None => Ok(()),
        Some(problem) => Err(bad_request(choices::problem_message(&problem))),
    }
}

/// An audience the generated types could not read (one Braze takes and fails later, see
/// [`crate::audience`]) is kept among the body's undeclared fields, where the rules see
/// it as the audience it is.
fn keep_audience(
    extra: &mut serde_json::Map<String, serde_json::Value>,
    typed: bool,
    audience: &SeenAudience,
) {
    if let (false, Some(json)) = (typed, &audience.json) {
        extra.insert("audience".to_owned(), json.clone());
    }
}

/// What every create's targeting shares: its audience and `broadcast`.
fn targeting(broadcast: Option<bool>, audience: &SeenAudience) -> Targeting {
    Targeting {
        audience: audience.json.is_some(),
        broadcast: broadcast == Some(true),
        ..Targeting::default()
    }
}

/// A trigger send's targets: its recipients, or (none listed) its segment or audience.
fn recipients(recipients: Vec<braze_api::types::Recipient>) -> Targets {
    if recipients.is_empty() {
        Targets::Broadcast
    } else {
        Targets::Recipients(recipients)
    }
}

/// In strict mode, only registered campaigns and Canvases exist.
fn admit(shared: &Shared, kind: ScheduleKind, owner_id: &str) -> Result<(), Reply> {
    if shared.registry.admits(kind, owner_id) {
        return Ok(());
    }
    Err(bad_request(choices::unknown_owner_message(kind)))
}

/// Stores a create whose body obeys the rules and answers it (§2, §4, §7) with
/// [`choices::CREATE_STATUS`]; what Braze would fail later goes with the answer to the
/// request log.
fn create(
    shared: &Shared,
    make: impl FnOnce(ScheduleId) -> NewSchedule,
    received_at: SystemTime,
) -> Reply {
    let stored = shared.store.create(make, received_at);
    let mut reply = Reply::json(
        shared.choices.create_status(),
        &ScheduleCreateResponse {
            dispatch_id: Some(stored.dispatch_id),
            schedule_id: stored.reference.schedule_id().clone(),
            message: Some("success".to_owned()),
            errors: None,
        },
    );
    reply.silent_failures = stored.silent_failures;
    reply
}

/// Every update, once its body obeys the rules: on the stored schedule, under the store's
/// lock, the rules that depend on it.
fn update(shared: &Shared, schedule: &ScheduleRef, change: Change, now: DateTime<Utc>) -> Outcome {
    if let Some(owner) = schedule.owner_id() {
        admit(shared, schedule.kind(), owner)?;
    }
    let schedule_id = schedule.schedule_id().as_str();
    let decide = |stored: &StoredSchedule| -> Result<Change, Reply> {
        if let (Some(messages), Some(campaign_id)) = (&change.messages, &stored.campaign_id)
            && choices::UPDATED_MESSAGES_NEED_THE_CAMPAIGN_VARIATIONS
        {
            let because = format!("the schedule was created with campaign_id {campaign_id}");
            if let Some(problem) = rules::variations(messages, &because).first() {
                return Err(bad_request(choices::problem_message(problem)));
            }
        }
        // Braze: an update is not applied once the original local time has passed in any
        // time zone (for message schedules: `choices::LOCAL_TIME_RULE_COVERS_MESSAGE_UPDATES`).
        let rule_applies = stored.kind() != ScheduleKind::Message
            || choices::LOCAL_TIME_RULE_COVERS_MESSAGE_UPDATES;
        let local = stored.schedule.in_local_time.unwrap_or(false);
        if let Some(time) = stored.schedule.time.send_time()
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
                .map(|update| updated(stored.messages.as_ref(), update)),
        })
    };
    shared
        .store
        .update(schedule, decide)
        .map_err(|refusal| refused(shared, refusal, schedule))?;
    Ok(Reply::success(choices::UPDATE_STATUS))
}

/// The messages an update leaves stored: its own, or merged into the stored ones channel
/// by channel ([`choices::UPDATED_MESSAGES_REPLACE_THE_STORED_ONES`]).
fn updated(stored: Option<&Messages>, update: Messages) -> Messages {
    let stored = match stored {
        Some(stored) if !choices::UPDATED_MESSAGES_REPLACE_THE_STORED_ONES => stored.clone(),
        _ => return update,
    };
    let mut extra = stored.extra;
    extra.extend(update.extra);
    Messages {
        apple_push: update.apple_push.or(stored.apple_push),
        android_push: update.android_push.or(stored.android_push),
        kindle_push: update.kindle_push.or(stored.kindle_push),
        web_push: update.web_push.or(stored.web_push),
        email: update.email.or(stored.email),
        webhook: update.webhook.or(stored.webhook),
        content_card: update.content_card.or(stored.content_card),
        sms: update.sms.or(stored.sms),
        whats_app: update.whats_app.or(stored.whats_app),
        extra,
    }
}

fn delete(shared: &Shared, schedule: &ScheduleRef) -> Outcome {
    if let Some(owner) = schedule.owner_id() {
        admit(shared, schedule.kind(), owner)?;
    }
    shared
        .store
        .delete(schedule)
        .map_err(|refusal| refused(shared, refusal, schedule))?;
    Ok(Reply::success(choices::DELETE_STATUS))
}

fn refused(shared: &Shared, refusal: Refusal<Reply>, schedule: &ScheduleRef) -> Reply {
    match refusal {
        Refusal::NotFound => Reply::error(
            shared.choices.unknown_schedule_status(),
            choices::unknown_schedule_message(
                schedule.schedule_id().as_str(),
                schedule.kind().owner_field().zip(schedule.owner_id()),
            ),
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
    let end = rules::end_time(&end_time)
        .map_err(|problem| bad_request(choices::problem_message(&problem)))?;

    let mut listed: Vec<(SendTime, When, StoredSchedule)> = shared
        .store
        .snapshot()
        .into_iter()
        .filter_map(|stored| {
            // Schedules added with `MockServer::add_schedule` may have any time; one that
            // cannot be read cannot be placed in time either.
            let time = stored.schedule.time.send_time()?;
            let when = When::of(
                time,
                stored.schedule.in_local_time == Some(true),
                stored.schedule.at_optimal_time == Some(true),
            );
            choices::is_listed(when, time.instant(), end, now).then_some((time, when, stored))
        })
        .collect();
    listed.sort_by_key(|(time, _, stored)| (time.instant(), stored.sequence));

    let response = ScheduledBroadcastsResponse {
        scheduled_broadcasts: listed.into_iter().map(broadcast).collect(),
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

fn broadcast((time, when, stored): (SendTime, When, StoredSchedule)) -> ScheduledBroadcast {
    let local_or_optimal = !matches!(when, When::Utc(_));
    ScheduledBroadcast {
        id: Some(choices::broadcast_id(
            &stored.reference,
            stored.campaign_id.as_deref(),
        )),
        name: Some(choices::broadcast_name(stored.schedule_id().as_str())),
        next_send_time: Some(choices::next_send_time(
            time.wall_clock,
            time.instant(),
            local_or_optimal,
        )),
        schedule_type: Some(choices::schedule_type(&when).to_owned()),
        tags: Vec::new(),
        type_: Some(choices::broadcast_type(stored.kind()).to_owned()),
    }
}
