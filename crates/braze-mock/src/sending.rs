//! The sends, once their body is read and obeys Braze's rules ([`crate::operations`]):
//! the campaign or Canvas they name, the users they reach, the `send_id` and
//! `external_send_id` they carry, the dispatch they log, and their answer. Each runs
//! under the lock of [`Sends`](crate::sends::Sends), so a check and the dispatch it
//! allows are one step.

use std::time::SystemTime;

use braze_api::operations::Operation;
use braze_api::types::{
    NonFatalErrors, Recipient, SendIdCreateResponse, SendResponse, TransactionalRecipient,
    TransactionalSendResponse, UserAlias,
};
use serde_json::{Map, Value};

use crate::body::bad_request;
use crate::choices;
use crate::reply::Reply;
use crate::sends::{CampaignKind, Dispatch, Ids, RecipientRequest, Status, UserId, World};
use crate::shared::Shared;

type Outcome = Result<Reply, Reply>;

/// What a send names and whom it reaches, read from its body.
pub(crate) struct Send {
    pub(crate) operation: Operation,
    pub(crate) campaign_id: Option<String>,
    pub(crate) canvas_id: Option<String>,
    pub(crate) targets: Targets,
    pub(crate) send_id: Option<String>,
}

/// Whom a send reaches.
pub(crate) enum Targets {
    /// Trigger-send recipients (skipped when unknown).
    Recipients(Vec<Recipient>),
    /// `/messages/send`'s listed users (all must exist).
    Listed(Vec<UserId>),
    /// A segment, a broadcast or an audience.
    Broadcast,
}

/// The user a trigger recipient names (the rules leave exactly one identifier).
fn recipient_id(recipient: &Recipient) -> Option<UserId> {
    if let Some(id) = &recipient.external_user_id {
        return Some(UserId::External(id.clone()));
    }
    if let Some(alias) = &recipient.user_alias {
        return Some(alias_id(alias));
    }
    if let Some(email) = &recipient.email {
        return Some(UserId::Email(email.clone()));
    }
    recipient.braze_id.clone().map(UserId::Braze)
}

pub(crate) fn alias_id(alias: &UserAlias) -> UserId {
    UserId::Alias {
        name: alias.alias_name.clone(),
        label: alias.alias_label.clone(),
    }
}

/// The kind a send endpoint needs, and how a wrong one is named.
fn kind_name(kind: CampaignKind) -> &'static str {
    match kind {
        CampaignKind::Api => "an API campaign",
        CampaignKind::ApiTriggered => "an API-triggered campaign",
        CampaignKind::Transactional => "a transactional campaign",
    }
}

/// `/messages/send`, `/campaigns/trigger/send`, `/canvas/trigger/send`.
pub(crate) fn send(shared: &Shared, send: Send, now: SystemTime) -> Outcome {
    shared.sends.with(|world, ids| {
        // The campaign or Canvas: its kind, then whether it sends.
        let mut notice = None;
        if let Some(campaign_id) = &send.campaign_id {
            let wanted = match send.operation {
                Operation::SendMessages => CampaignKind::Api,
                _ => CampaignKind::ApiTriggered,
            };
            if let Some(known) = world.campaign(campaign_id) {
                if let Some(kind) = known.kind
                    && kind != wanted
                {
                    return Err(bad_request(choices::wrong_campaign_kind_message(
                        campaign_id,
                        kind_name(kind),
                        kind_name(wanted),
                    )));
                }
                if choices::INACTIVE_CAMPAIGN_ANSWERS_WITH_A_NOTICE {
                    notice = match known.status {
                        Status::Active => None,
                        Status::Paused => Some(choices::CAMPAIGN_PAUSED_MESSAGE),
                        Status::Archived => Some(choices::CAMPAIGN_ARCHIVED_MESSAGE),
                    };
                } else if known.status != Status::Active {
                    return Err(bad_request(match known.status {
                        Status::Paused => choices::CAMPAIGN_PAUSED_MESSAGE,
                        _ => choices::CAMPAIGN_ARCHIVED_MESSAGE,
                    }));
                }
            }
        }
        if let Some(canvas_id) = &send.canvas_id {
            notice = match world.canvases.get(canvas_id) {
                Some(Status::Paused) => Some(choices::CANVAS_PAUSED_NOTICE),
                Some(Status::Archived) => Some(choices::CANVAS_ARCHIVED_NOTICE),
                _ => None,
            };
        }
        // The send_id: created for this campaign (strict mode).
        if let Some(send_id) = &send.send_id {
            let usable = match &send.campaign_id {
                Some(campaign_id) => world.send_id_usable(campaign_id, send_id),
                None => !choices::send_id_must_be_created(world.closed),
            };
            if !usable {
                return Err(bad_request(choices::uncreated_send_id_message(
                    send_id,
                    send.campaign_id.as_deref(),
                )));
            }
        }
        // `/messages/send`: every listed user must exist, or nothing is sent.
        if let Targets::Listed(users) = &send.targets {
            for (index, user) in users.iter().enumerate() {
                if !world.user_exists(user) {
                    let field = match user {
                        UserId::Alias { .. } => "user_aliases",
                        _ => "external_user_ids",
                    };
                    let position = match user {
                        UserId::Alias { .. } => {
                            index
                                - users
                                    .iter()
                                    .filter(|u| !matches!(u, UserId::Alias { .. }))
                                    .count()
                        }
                        _ => index,
                    };
                    return Err(Reply::error(
                        choices::UNKNOWN_LISTED_USER_STATUS,
                        choices::unknown_listed_user_message(
                            &format!("{field}[{position}]"),
                            &user.to_string(),
                        ),
                    ));
                }
            }
        }
        let dispatch_id = ids.dispatch_id();
        let broadcast = matches!(send.targets, Targets::Broadcast);
        let send_id = choices::answered_send_id(
            send.send_id.clone(),
            broadcast && send.campaign_id.is_some(),
            || ids.send_id(),
        );
        if let Some(notice) = notice {
            // Answered, and nothing sent: no dispatch, no user created or changed.
            return Ok(answer(dispatch_id, Some(notice), Vec::new(), None));
        }
        let (users, errors) = reach(world, ids, send.targets);
        let dispatch = world.dispatch(Dispatch {
            operation: send.operation,
            dispatch_id,
            campaign_id: send.campaign_id,
            canvas_id: send.canvas_id,
            users,
            broadcast,
            send_id: send_id.clone(),
            external_send_id: None,
            at: now,
            sequence: 0,
        });
        Ok(answer(dispatch.dispatch_id, None, errors, send_id))
    })
}

/// The users a send reaches, once each, and the `errors` of the recipients it skips.
fn reach(world: &mut World, ids: &Ids<'_>, targets: Targets) -> (Vec<UserId>, Vec<String>) {
    let mut users: Vec<UserId> = Vec::new();
    let mut seen: Vec<usize> = Vec::new();
    let mut errors = Vec::new();
    let mut add = |id: UserId, index: Option<usize>, users: &mut Vec<UserId>| {
        let again = users.contains(&id)
            || (choices::ONE_MESSAGE_PER_USER && index.is_some_and(|i| seen.contains(&i)));
        if let Some(index) = index {
            seen.push(index);
        }
        if !again {
            users.push(id);
        }
    };
    match targets {
        Targets::Broadcast => {}
        Targets::Listed(listed) => {
            for id in listed {
                let index = world.resolve(
                    &RecipientRequest {
                        id: id.clone(),
                        existing_only: true,
                        attributes: &Map::new(),
                    },
                    ids,
                );
                add(id, index.ok().flatten(), &mut users);
            }
        }
        Targets::Recipients(recipients) => {
            for (position, recipient) in recipients.iter().enumerate() {
                let Some(id) = recipient_id(recipient) else {
                    continue;
                };
                let request = RecipientRequest {
                    id: id.clone(),
                    existing_only: recipient.send_to_existing_only.unwrap_or(true),
                    attributes: &recipient.attributes,
                };
                match world.resolve(&request, ids) {
                    Ok(index) => add(id, index, &mut users),
                    Err(_) => {
                        errors.push(choices::skipped_recipient_error(position, &id.to_string()))
                    }
                }
            }
        }
    }
    (users, errors)
}

fn answer(
    dispatch_id: String,
    notice: Option<&str>,
    errors: Vec<String>,
    send_id: Option<String>,
) -> Reply {
    Reply::json(
        choices::SEND_STATUS,
        &SendResponse {
            dispatch_id: Some(dispatch_id),
            message: Some("success".to_owned()),
            notice: notice.map(str::to_owned),
            errors: (!errors.is_empty())
                .then(|| NonFatalErrors(errors.into_iter().map(Value::String).collect())),
            send_id,
            extra: Map::new(),
        },
    )
}

/// `/sends/id/create`.
pub(crate) fn create_send_id(
    shared: &Shared,
    campaign_id: &str,
    send_id: Option<String>,
    now: SystemTime,
) -> Outcome {
    shared.sends.with(|world, ids| {
        if let Some(kind) = world.campaign(campaign_id).and_then(|known| known.kind)
            && kind == CampaignKind::Transactional
        {
            return Err(bad_request(choices::wrong_campaign_kind_message(
                campaign_id,
                kind_name(kind),
                "API and API-triggered campaigns (a transactional send is keyed by \
                 external_send_id)",
            )));
        }
        let send_id = send_id.unwrap_or_else(|| ids.send_id());
        world
            .create_send_id(campaign_id, &send_id, now)
            .map_err(|()| {
                Reply::error(
                    choices::SEND_ID_QUOTA_STATUS,
                    choices::send_id_quota_message(),
                )
            })?;
        Ok(Reply::json(
            choices::SEND_ID_CREATE_STATUS,
            &SendIdCreateResponse {
                errors: None,
                message: Some("success".to_owned()),
                send_id: Some(send_id),
                extra: Map::new(),
            },
        ))
    })
}

/// `/transactional/v1/campaigns/{campaign_id}/send`, the campaign read from the path.
pub(crate) fn send_transactional(
    shared: &Shared,
    campaign_id: &str,
    recipient: &TransactionalRecipient,
    external_send_id: Option<String>,
    now: SystemTime,
) -> Outcome {
    let refuse = |message: &str| Reply::error(choices::TRANSACTIONAL_REFUSED_STATUS, message);
    shared.sends.with(|world, ids| {
        match world.campaign(campaign_id) {
            Some(known) => {
                if known
                    .kind
                    .is_some_and(|kind| kind != CampaignKind::Transactional)
                {
                    return Err(refuse(choices::NOT_TRANSACTIONAL_MESSAGE));
                }
                match known.status {
                    Status::Active => {}
                    Status::Paused => return Err(refuse(choices::CAMPAIGN_PAUSED_MESSAGE)),
                    Status::Archived => return Err(refuse(choices::CAMPAIGN_ARCHIVED_MESSAGE)),
                }
            }
            None if world.closed => {
                let (status, message) = choices::UNKNOWN_TRANSACTIONAL_CAMPAIGN;
                return Err(Reply::error(status, message));
            }
            None => {}
        }
        let transactional = |dispatch_id: String| {
            Reply::json(
                choices::TRANSACTIONAL_STATUS,
                &TransactionalSendResponse {
                    dispatch_id: Some(dispatch_id),
                    errors: None,
                    message: Some("success".to_owned()),
                    metadata: Map::new(),
                    status: None,
                    extra: Map::new(),
                },
            )
        };
        if let Some(key) = &external_send_id
            && let Some(dispatch_id) = world.recent_external_send(key, now)
        {
            return Ok(transactional(dispatch_id));
        }
        let id = match (&recipient.external_user_id, &recipient.user_alias) {
            (Some(id), _) => UserId::External(id.clone()),
            (None, Some(alias)) => alias_id(alias),
            // The rules refuse a recipient without an identifier.
            (None, None) => return Err(refuse("recipient: no identifier")),
        };
        let request = RecipientRequest {
            id: id.clone(),
            // Braze: an unknown id with attributes creates the user.
            existing_only: false,
            attributes: &recipient.attributes,
        };
        if world.resolve(&request, ids).is_err() {
            return Err(refuse(&choices::unknown_transactional_recipient_message(
                &id.to_string(),
            )));
        }
        let dispatch = world.dispatch(Dispatch {
            operation: Operation::SendTransactionalEmail,
            dispatch_id: ids.dispatch_id(),
            campaign_id: Some(campaign_id.to_owned()),
            canvas_id: None,
            users: vec![id],
            broadcast: false,
            send_id: None,
            external_send_id,
            at: now,
            sequence: 0,
        });
        Ok(transactional(dispatch.dispatch_id))
    })
}
