//! The experiments of the plan, in its order, and the bodies they send.

use braze_sdk::rules::Rule;
use serde_json::{Value, json};

use super::calls::{Created, id_form, time_form};
use super::{MIN_DAYS_AHEAD, NOT_FOUND, Observations};
use crate::ledger::Kind;
use crate::session::{Answer, Auth, Call, Session};

fn trigger_create(s: &Session, kind: Kind, owner_id: &str, time: &str) -> Value {
    let recipients = json!([{"external_user_id": s.ids.user}]);
    match kind {
        Kind::Campaign => json!({
            "campaign_id": owner_id,
            "recipients": recipients,
            "trigger_properties": s.tag(),
            "schedule": {"time": time},
        }),
        Kind::Canvas => json!({
            "canvas_id": owner_id,
            "recipients": recipients,
            "context": s.tag(),
            "schedule": {"time": time},
        }),
        Kind::Message => json!({
            "external_user_ids": [s.ids.user],
            "schedule": {"time": time},
            "messages": {"webhook": webhook(s)},
        }),
    }
}

/// A webhook to a host that cannot exist (`.invalid`, RFC 2606), tagged with the run.
fn webhook(s: &Session) -> Value {
    json!({
        "url": "https://example.invalid/braze-conformance",
        "request_method": "POST",
        "body": format!("braze_conformance_run={}", s.run),
    })
}

fn owner_of(s: &Session, kind: Kind) -> &str {
    match kind {
        Kind::Campaign => &s.ids.campaign_id,
        Kind::Canvas => &s.ids.canvas_id,
        Kind::Message => "",
    }
}

fn update_body(kind: Kind, owner_id: &str, schedule_id: &str, schedule: Value) -> Value {
    match kind {
        Kind::Campaign => {
            json!({"campaign_id": owner_id, "schedule_id": schedule_id, "schedule": schedule})
        }
        Kind::Canvas => {
            json!({"canvas_id": owner_id, "schedule_id": schedule_id, "schedule": schedule})
        }
        Kind::Message => json!({"schedule_id": schedule_id, "schedule": schedule}),
    }
}

fn update_operation(kind: Kind) -> &'static str {
    match kind {
        Kind::Campaign => "update_campaign_schedule",
        Kind::Canvas => "update_canvas_schedule",
        Kind::Message => "update_message_schedule",
    }
}

const KINDS: [Kind; 3] = [Kind::Campaign, Kind::Canvas, Kind::Message];

fn listing(s: &Session, days: i64) -> Call {
    Call::get(
        format!("list scheduled broadcasts up to {days} days ahead"),
        "list_scheduled_broadcasts",
        format!("/messages/scheduled_broadcasts?end_time={}", s.utc_in(days)),
    )
}

/// How many times a listing is asked again when a schedule created just before is not in
/// it, and how long apart.
const LISTING_RETRIES: usize = 3;
const LISTING_PAUSE: std::time::Duration = std::time::Duration::from_secs(2);

/// The listing's entry for a created schedule: a campaign or Canvas schedule is listed
/// under its owner's id (documented); a message schedule has no owner, so under its own
/// `schedule_id`, or with it in its name.
fn find(listed: &Answer, made: &Created) -> Option<Value> {
    listed
        .body
        .get("scheduled_broadcasts")
        .and_then(Value::as_array)?
        .iter()
        .find(|entry| {
            let id = entry.get("id").and_then(Value::as_str).unwrap_or("");
            let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
            match made.kind {
                Kind::Message => id == made.schedule_id || name.contains(&made.schedule_id),
                _ => id == made.owner_id,
            }
        })
        .cloned()
}

pub(super) async fn lifecycle(s: &Session) -> Observations {
    let mut o = Observations::default();
    let time = s.utc_in(MIN_DAYS_AHEAD);
    let mut created: Vec<Created> = Vec::new();
    for kind in KINDS {
        let owner = owner_of(s, kind);
        let (answer, made) = s
            .create(
                kind,
                &format!("create {} schedule", kind.name()),
                owner,
                &time,
                trigger_create(s, kind, owner, &time),
            )
            .await;
        o.fact("CREATE_STATUS", kind.name(), json!(answer.status));
        match made {
            Some(made) => {
                o.fact(
                    "new_id",
                    format!("{} schedule_id", kind.name()),
                    json!(id_form(&made.schedule_id)),
                );
                o.fact(
                    "new_id",
                    format!("{} dispatch_id", kind.name()),
                    json!(made.dispatch_id.as_deref().map(id_form)),
                );
                created.push(made);
            }
            None => o.unsettled(
                "new_id",
                format!(
                    "the {} create was refused ({} {})",
                    kind.name(),
                    answer.status,
                    answer.message().unwrap_or("")
                ),
            ),
        }
    }

    // The listing, while the schedules exist.
    // Braze is eventually consistent (its docs: typically 10-100 ms, up to minutes), so a
    // schedule missing from the listing is looked for again, a few seconds apart, before
    // it counts as not listed.
    let mut listed = s.call(listing(s, MIN_DAYS_AHEAD + 5)).await;
    for _ in 0..LISTING_RETRIES {
        if !listed.ok() || created.iter().all(|made| find(&listed, made).is_some()) {
            break;
        }
        tokio::time::sleep(LISTING_PAUSE).await;
        listed = s.call(listing(s, MIN_DAYS_AHEAD + 5)).await;
    }
    let find = |made: &Created| find(&listed, made);
    if !listed.ok() {
        o.unsettled(
            "is_listed",
            format!("the listing was refused ({})", listed.status),
        );
    }
    let mut any_listed = false;
    for made in &created {
        let entry = find(made);
        o.fact(
            "is_listed",
            format!("{} schedule 35 days ahead", made.kind.name()),
            json!(entry.is_some()),
        );
        let Some(entry) = entry else { continue };
        any_listed = true;
        let ids = [
            (made.schedule_id.as_str(), "{schedule_id}"),
            (time.as_str(), "{time}"),
        ];
        let text = |field: &str| {
            entry
                .get(field)
                .and_then(Value::as_str)
                .map(|v| s.normal(v, &ids))
        };
        let kind = made.kind.name();
        o.fact("broadcast_name", kind, json!(text("name")));
        o.fact("broadcast_id", kind, json!(text("id")));
        o.fact("broadcast_type", kind, json!(text("type")));
        o.fact("schedule_type", kind, json!(text("schedule_type")));
        o.fact(
            "next_send_time",
            kind,
            json!(
                entry
                    .get("next_send_time")
                    .and_then(Value::as_str)
                    .map(time_form)
            ),
        );
    }
    if !any_listed {
        for choice in [
            "broadcast_name",
            "broadcast_id",
            "broadcast_type",
            "schedule_type",
            "next_send_time",
        ] {
            o.unsettled(
                choice,
                "no API schedule was listed on this side (see is_listed)",
            );
        }
    }

    let later = s.utc_in(MIN_DAYS_AHEAD + 1);
    for made in &created {
        let answer = s
            .call(Call::post(
                format!("update {} schedule", made.kind.name()),
                update_operation(made.kind),
                update_body(
                    made.kind,
                    &made.owner_id,
                    &made.schedule_id,
                    json!({"time": later}),
                ),
            ))
            .await;
        o.fact("UPDATE_STATUS", made.kind.name(), json!(answer.status));
    }
    for made in &created {
        let answer = s
            .delete_created(&format!("delete {} schedule", made.kind.name()), made)
            .await;
        o.fact("DELETE_STATUS", made.kind.name(), json!(answer.status));
    }
    for kind in KINDS {
        if !created.iter().any(|made| made.kind == kind) {
            for choice in ["UPDATE_STATUS", "DELETE_STATUS"] {
                o.unsettled(choice, format!("the {} create was refused", kind.name()));
            }
        }
    }
    let after = s.call(listing(s, MIN_DAYS_AHEAD + 5)).await;
    let still: Vec<&str> = created
        .iter()
        .filter(|made| {
            after
                .body
                .get("scheduled_broadcasts")
                .and_then(Value::as_array)
                .is_some_and(|entries| {
                    entries.iter().any(|entry| {
                        let id = entry.get("id").and_then(Value::as_str).unwrap_or("");
                        let name = entry.get("name").and_then(Value::as_str).unwrap_or("");
                        id == made.schedule_id || name.contains(&made.schedule_id)
                    })
                })
        })
        .map(|made| made.kind.name())
        .collect();
    o.fact(
        "is_listed",
        "schedules still listed after their delete",
        json!(still),
    );
    for made in &created {
        let answer = s
            .delete_created(
                &format!("delete the deleted {} schedule again", made.kind.name()),
                made,
            )
            .await;
        o.fact(
            "UNKNOWN_SCHEDULE_STATUS",
            format!("delete of a deleted {} schedule", made.kind.name()),
            json!(answer.status),
        );
    }
    o
}

pub(super) async fn unknown_schedules(s: &Session) -> Observations {
    let mut o = Observations::default();
    let unknown = s.unknown("schedule");
    let time = s.utc_in(MIN_DAYS_AHEAD);
    for kind in KINDS {
        let owner = owner_of(s, kind);
        let update = s
            .call(Call::post(
                format!("update unknown {} schedule", kind.name()),
                update_operation(kind),
                update_body(kind, owner, &unknown, json!({"time": time})),
            ))
            .await;
        let delete = s
            .call(Call::post(
                format!("delete unknown {} schedule", kind.name()),
                kind.delete_operation(),
                kind.delete_body(owner, &unknown),
            ))
            .await;
        for (verb, answer) in [("update", &update), ("delete", &delete)] {
            let fact = format!("{verb} of an unknown {} schedule", kind.name());
            o.fact(
                "UNKNOWN_SCHEDULE_STATUS",
                fact.clone(),
                json!(answer.status),
            );
            o.fact(
                "unknown_schedule_message",
                fact,
                json!(answer.message().map(|m| s.normal(m, &[]))),
            );
        }
    }
    // A past UTC time: refused for the time, or answered like a future one? On an id
    // that exists nowhere, so that nothing can be sent whatever the answer.
    let past = s.utc_in(-1);
    let mut answers = Vec::new();
    for (which, time) in [("past", &past), ("future", &time)] {
        let answer = s
            .call(Call::post(
                format!("update unknown campaign schedule to a {which} UTC time"),
                "update_campaign_schedule",
                update_body(
                    Kind::Campaign,
                    &s.ids.campaign_id,
                    &unknown,
                    json!({"time": time}),
                ),
            ))
            .await;
        answers.push(s.status_and_message(&answer, &[]));
    }
    o.fact(
        "is_listed",
        "a past UTC time is answered like a future one",
        json!(answers[0] == answers[1]),
    );
    o
}

pub(super) async fn unknown_owners(s: &Session) -> Observations {
    let mut o = Observations::default();
    let time = s.utc_in(MIN_DAYS_AHEAD);
    let campaign = s.unknown("campaign");
    let canvas = s.unknown("canvas");
    let mut made = Vec::new();
    let (answer, created) = s
        .create(
            Kind::Campaign,
            "create schedule of an unknown campaign",
            &campaign,
            &time,
            trigger_create(s, Kind::Campaign, &campaign, &time),
        )
        .await;
    made.extend(created);
    let value = s.status_and_message(&answer, &[]);
    o.fact(
        "INVALID_CAMPAIGN_ID_MESSAGE",
        "campaign create",
        value.clone(),
    );
    o.fact("unknown_owner_message", "campaign create", value);
    let (answer, created) = s
        .create(
            Kind::Canvas,
            "create schedule of an unknown Canvas",
            &canvas,
            &time,
            trigger_create(s, Kind::Canvas, &canvas, &time),
        )
        .await;
    made.extend(created);
    let value = s.status_and_message(&answer, &[]);
    o.fact("INVALID_CANVAS_ID_MESSAGE", "canvas create", value.clone());
    o.fact("unknown_owner_message", "canvas create", value);
    let mut body = trigger_create(s, Kind::Message, "", &time);
    body["campaign_id"] = json!(campaign);
    body["messages"]["webhook"]["message_variation_id"] = json!(s.unknown("variation"));
    let (answer, created) = s
        .create(
            Kind::Message,
            "create message schedule naming an unknown campaign",
            "",
            &time,
            body,
        )
        .await;
    made.extend(created);
    o.fact(
        "unknown_owner_message",
        "message create",
        s.status_and_message(&answer, &[]),
    );
    let answer = s
        .call(Call::post(
            "delete a schedule of an unknown campaign",
            "delete_campaign_schedule",
            Kind::Campaign.delete_body(&campaign, &s.unknown("schedule")),
        ))
        .await;
    o.fact(
        "unknown_owner_message",
        "campaign delete",
        s.status_and_message(&answer, &[]),
    );
    for created in &made {
        s.delete_created("delete what an unknown owner's create made", created)
            .await;
    }
    o
}

pub(super) async fn cross_kind(s: &Session) -> Observations {
    let mut o = Observations::default();
    let time = s.utc_in(MIN_DAYS_AHEAD);
    let (answer, created) = s
        .create(
            Kind::Campaign,
            "create campaign schedule",
            &s.ids.campaign_id,
            &time,
            trigger_create(s, Kind::Campaign, &s.ids.campaign_id, &time),
        )
        .await;
    let Some(created) = created else {
        o.unsettled(
            "operations_find",
            format!("the campaign create was refused ({})", answer.status),
        );
        return o;
    };
    let other = s
        .call(Call::post(
            "delete the campaign schedule through /messages/schedule/delete",
            "delete_message_schedule",
            Kind::Message.delete_body("", &created.schedule_id),
        ))
        .await;
    let own = s
        .delete_created(
            "delete the campaign schedule through its own endpoint",
            &created,
        )
        .await;
    o.fact(
        "operations_find",
        "the message delete took a campaign schedule",
        json!(other.ok()),
    );
    o.fact(
        "operations_find",
        "its own delete found it afterwards",
        json!(own.ok()),
    );
    o
}

pub(super) async fn null_fields(s: &Session) -> Observations {
    let mut o = Observations::default();
    let time = s.utc_in(MIN_DAYS_AHEAD);
    let mut body = trigger_create(s, Kind::Campaign, &s.ids.campaign_id, &time);
    body["schedule"]["at_optimal_time"] = Value::Null;
    let (answer, created) = s
        .create(
            Kind::Campaign,
            "create campaign schedule with at_optimal_time null",
            &s.ids.campaign_id,
            &time,
            body,
        )
        .await;
    o.fact(
        "REFUSE_NULL_FOR_DECLARED_FIELDS",
        "\"at_optimal_time\": null is refused",
        json!(!answer.ok()),
    );
    if let Some(created) = created {
        s.delete_created("delete the schedule the null create made", &created)
            .await;
    }
    o
}

/// One body that breaks one documented rule, and where it goes.
pub(crate) struct RuleCase {
    /// What it is (the fact's name).
    pub label: &'static str,
    /// The rule of `braze_api::rules` it breaks (a test checks that the rulebook finds
    /// exactly it first).
    pub rule: Rule,
    /// The operation.
    pub operation: &'static str,
    /// For a create: the kind and owner, to go through the ledger.
    pub create: Option<Kind>,
    /// The body.
    pub body: Value,
}

/// The rule cases of one run.
pub(crate) fn rule_cases(s: &Session) -> Vec<RuleCase> {
    let time = s.utc_in(MIN_DAYS_AHEAD);
    let next_year = s
        .now
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap_or(2030)
        + 2;
    let no_such_date = format!("{next_year}-02-30T12:00:00Z");
    let user = &s.ids.user;
    let nobody = s.unknown("user");
    let unknown_schedule = s.unknown("schedule");
    let campaign = &s.ids.campaign_id;
    let recipients_51: Vec<Value> = (0..51).map(|_| json!({"external_user_id": user})).collect();
    let nobody_51: Vec<Value> = (0..51)
        .map(|n| json!({"external_user_id": format!("{nobody}-{n}")}))
        .collect();
    vec![
        RuleCase {
            label: "campaign create: a date that does not exist",
            rule: Rule::NotADate,
            operation: "create_campaign_schedule",
            create: Some(Kind::Campaign),
            body: trigger_create(s, Kind::Campaign, campaign, &no_such_date),
        },
        RuleCase {
            label: "campaign create: a recipient with two identifiers",
            rule: Rule::OneIdentifier,
            operation: "create_campaign_schedule",
            create: Some(Kind::Campaign),
            body: json!({
                "campaign_id": campaign,
                "recipients": [{
                    "external_user_id": user,
                    "user_alias": {"alias_name": user, "alias_label": "braze-conformance"},
                }],
                "trigger_properties": s.tag(),
                "schedule": {"time": time},
            }),
        },
        RuleCase {
            label: "canvas create: 51 recipients",
            rule: Rule::TooManyUsers,
            operation: "create_canvas_schedule",
            create: Some(Kind::Canvas),
            body: json!({
                "canvas_id": s.ids.canvas_id,
                "recipients": recipients_51,
                "context": s.tag(),
                "schedule": {"time": time},
            }),
        },
        RuleCase {
            label: "message create: no message",
            rule: Rule::NoMessage,
            operation: "create_message_schedule",
            create: Some(Kind::Message),
            body: json!({"external_user_ids": [user], "schedule": {"time": time}}),
        },
        RuleCase {
            label: "campaign update: a local time passed everywhere",
            rule: Rule::LocalTimePassed,
            operation: "update_campaign_schedule",
            create: None,
            body: update_body(
                Kind::Campaign,
                campaign,
                &unknown_schedule,
                json!({"time": s.wall_clock_in(-3), "in_local_time": true}),
            ),
        },
        RuleCase {
            label: "canvas update: a designator on a local time",
            rule: Rule::DesignatorWithLocalTime,
            operation: "update_canvas_schedule",
            create: None,
            body: update_body(
                Kind::Canvas,
                &s.ids.canvas_id,
                &unknown_schedule,
                json!({"time": time, "in_local_time": true}),
            ),
        },
        RuleCase {
            label: "message update: nothing to update",
            rule: Rule::NothingToUpdate,
            operation: "update_message_schedule",
            create: None,
            body: json!({"schedule_id": unknown_schedule}),
        },
        RuleCase {
            label: "messages send: no message, to nobody",
            rule: Rule::NoMessage,
            operation: "send_messages",
            create: None,
            body: json!({"external_user_ids": [nobody]}),
        },
        RuleCase {
            label: "campaign send: two identifiers, unknown campaign and users",
            rule: Rule::OneIdentifier,
            operation: "trigger_campaign_send",
            create: None,
            body: json!({
                "campaign_id": s.unknown("campaign"),
                "recipients": [{"external_user_id": nobody, "braze_id": s.unknown("braze-id")}],
            }),
        },
        RuleCase {
            label: "canvas send: 51 recipients, unknown Canvas and users",
            rule: Rule::TooManyUsers,
            operation: "trigger_canvas_send",
            create: None,
            body: json!({"canvas_id": s.unknown("canvas"), "recipients": nobody_51}),
        },
    ]
}

pub(super) async fn rule_refusals(s: &Session) -> Observations {
    let mut o = Observations::default();
    for case in rule_cases(s) {
        let answer = match case.create {
            Some(kind) => {
                let owner = case
                    .body
                    .get("campaign_id")
                    .or_else(|| case.body.get("canvas_id"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let time = case.body["schedule"]["time"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                let (answer, created) = s.create(kind, case.label, &owner, &time, case.body).await;
                if let Some(created) = created {
                    s.delete_created("delete what a refused create made", &created)
                        .await;
                }
                answer
            }
            None => {
                s.call(Call::post(case.label, case.operation, case.body))
                    .await
            }
        };
        o.fact(
            "problem_message",
            format!("{} [{:?}]", case.label, case.rule),
            s.status_and_message(&answer, &[]),
        );
    }
    o
}

pub(super) async fn transactional(s: &Session) -> Observations {
    let mut o = Observations::default();
    let body = json!({"recipient": {"external_user_id": s.unknown("user")}});
    let mut call = Call::post(
        "transactional send to a blank campaign id",
        "send_transactional_email",
        body.clone(),
    );
    call.path = "/transactional/v1/campaigns/%20/send".into();
    let blank = s.call(call).await;
    o.fact(
        "TRANSACTIONAL_REFUSED_STATUS",
        "blank campaign id",
        json!(blank.status),
    );
    o.fact(
        "TRANSACTIONAL_CAMPAIGN_ID_MESSAGE",
        "blank campaign id",
        json!(blank.message().map(|m| s.normal(m, &[]))),
    );
    let mut call = Call::post(
        "transactional send to an unknown campaign",
        "send_transactional_email",
        body,
    );
    call.path = format!("/transactional/v1/campaigns/{}/send", s.unknown("campaign"));
    let unknown = s.call(call).await;
    o.fact(
        "UNKNOWN_TRANSACTIONAL_CAMPAIGN",
        "unknown campaign",
        s.status_and_message(&unknown, &[]),
    );
    o
}

pub(super) async fn gateway(s: &Session) -> Observations {
    let mut o = Observations::default();
    let list = || listing(s, 1);

    let mut call = list();
    call.label = "listing without a key".into();
    call.auth = Auth::None;
    let answer = s.call(call).await;
    o.fact(
        "missing_key_message",
        "no key",
        s.status_and_message(&answer, &[]),
    );
    for (fact, header) in [
        ("made-up key", "Bearer braze-conformance-not-a-key"),
        (
            "quoted made-up key",
            "Bearer \"braze-conformance-not-a-key\"",
        ),
    ] {
        let mut call = list();
        call.label = format!("listing with a {fact}");
        call.auth = Auth::Header(header);
        let answer = s.call(call).await;
        o.fact(
            "unknown_key_message",
            fact,
            s.status_and_message(&answer, &[]),
        );
    }

    let answer = s
        .call(Call::get(
            "an unknown path",
            "raw",
            "/braze-conformance/no-such-path",
        ))
        .await;
    o.fact(
        NOT_FOUND,
        "unknown path",
        s.status_and_message(&answer, &[]),
    );

    let answer = s
        .call(Call::get(
            "GET on a delete endpoint",
            "raw",
            "/campaigns/trigger/schedule/delete",
        ))
        .await;
    o.fact(
        "method_not_allowed_message",
        "GET /campaigns/trigger/schedule/delete",
        json!({
            "status": answer.status,
            "message": answer.message(),
            "allow": answer.header("allow"),
        }),
    );

    let delete = || {
        Call::post(
            "delete an unknown campaign schedule",
            "delete_campaign_schedule",
            Kind::Campaign.delete_body(&s.ids.campaign_id, &s.unknown("schedule")),
        )
    };
    let as_json = s.call(delete()).await;
    let comparable = |answer: &Answer| s.status_and_message(answer, &[]);
    for (fact, content_type) in [
        ("text/plain", Some("text/plain")),
        (
            "application/json; charset=utf-8",
            Some("application/json; charset=utf-8"),
        ),
        ("no Content-Type", None),
    ] {
        let mut call = delete();
        call.label = format!("delete an unknown campaign schedule as {fact}");
        call.content_type = content_type;
        let answer = s.call(call).await;
        o.fact(
            "is_json_content_type",
            format!("{fact} is read like application/json"),
            json!(comparable(&answer) == comparable(&as_json)),
        );
        if content_type != Some("application/json; charset=utf-8") {
            o.fact(
                "wrong_content_type_message",
                fact,
                json!(answer.message().map(|m| s.normal(m, &[]))),
            );
        }
    }

    let mut call = delete();
    call.label = "delete with a body over 4 MB".into();
    call.padding = 4 * 1024 * 1024 + 1024;
    let answer = s.call(call).await;
    o.fact(
        "payload_too_large_message",
        "body over 4 MB",
        s.status_and_message(&answer, &[]),
    );

    o
}

pub(super) async fn broadcast_figures(s: &Session) -> Observations {
    let mut o = Observations::default();
    let next_year = s
        .now
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap_or(2030)
        + 2;
    let time = format!("{next_year}-02-30T12:00:00Z");
    let (answer, created) = s
        .create(
            Kind::Campaign,
            "broadcast campaign create with a date that does not exist",
            &s.ids.campaign_id,
            &time,
            json!({
                "campaign_id": s.ids.campaign_id,
                "broadcast": true,
                "trigger_properties": s.tag(),
                "schedule": {"time": time},
            }),
        )
        .await;
    if let Some(created) = created {
        s.delete_created("delete what the broadcast create made", &created)
            .await;
    }
    o.fact(
        "BROADCAST_FIGURES_ARE_THE_TIGHTER_LIMIT",
        "x-ratelimit-limit of a refused broadcast create",
        json!(answer.header("x-ratelimit-limit")),
    );
    o
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use braze_sdk::rules::Check;
    use braze_sdk::wire as types;

    use super::*;
    use crate::session::{Side, TestIds};
    use crate::transcript::Transcript;

    fn session() -> Session {
        let client = braze_sdk::Client::builder()
            .api_key("k")
            .endpoint_str("http://127.0.0.1:9")
            .build()
            .expect("client");
        Session::new(
            Side::Fake,
            client,
            TestIds {
                campaign_id: "c-1".into(),
                canvas_id: "v-1".into(),
                user: "u-1".into(),
            },
            "0123456789ab".into(),
            Arc::new(Transcript::discard()),
            None,
            Arc::new(AtomicBool::new(false)),
        )
    }

    fn first_rule<T: Check + serde::de::DeserializeOwned>(
        body: &Value,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<Rule> {
        let request: T = serde_json::from_value(body.clone()).expect("the body parses");
        request.problems(now).first().map(|p| p.rule)
    }

    #[test]
    fn each_rule_case_breaks_its_rule_first_by_the_rulebook() {
        let s = session();
        for case in rule_cases(&s) {
            let found = match case.operation {
                "create_campaign_schedule" => {
                    first_rule::<types::CampaignScheduleCreateRequest>(&case.body, s.now)
                }
                "create_canvas_schedule" => {
                    first_rule::<types::CanvasScheduleCreateRequest>(&case.body, s.now)
                }
                "create_message_schedule" => {
                    first_rule::<types::MessageScheduleCreateRequest>(&case.body, s.now)
                }
                "update_campaign_schedule" => {
                    first_rule::<types::CampaignScheduleUpdateRequest>(&case.body, s.now)
                }
                "update_canvas_schedule" => {
                    first_rule::<types::CanvasScheduleUpdateRequest>(&case.body, s.now)
                }
                "update_message_schedule" => {
                    first_rule::<types::MessageScheduleUpdateRequest>(&case.body, s.now)
                }
                "send_messages" => first_rule::<types::MessagesSendRequest>(&case.body, s.now),
                "trigger_campaign_send" => {
                    first_rule::<types::CampaignTriggerSendRequest>(&case.body, s.now)
                }
                "trigger_canvas_send" => {
                    first_rule::<types::CanvasTriggerSendRequest>(&case.body, s.now)
                }
                other => panic!("no parser for {other}"),
            };
            assert_eq!(found, Some(case.rule), "{}", case.label);
        }
    }

    #[test]
    fn sends_name_only_ids_that_exist_nowhere() {
        let s = session();
        for case in rule_cases(&s) {
            if !case.operation.contains("send") {
                continue;
            }
            let text = case.body.to_string();
            for real in ["c-1", "v-1", "u-1"] {
                assert!(
                    !text.contains(&format!("\"{real}\"")),
                    "{}: {text}",
                    case.label
                );
            }
        }
    }

    #[test]
    fn created_schedules_are_for_the_test_user_only_and_far_ahead() {
        let s = session();
        for kind in KINDS {
            let body = trigger_create(&s, kind, owner_of(&s, kind), &s.utc_in(MIN_DAYS_AHEAD));
            let text = body.to_string();
            assert!(text.contains("\"u-1\""), "{text}");
            assert!(body.get("broadcast").is_none() && body.get("audience").is_none());
            assert!(body.get("segment_id").is_none(), "{text}");
        }
    }
}
