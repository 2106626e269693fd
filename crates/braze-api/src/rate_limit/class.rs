//! Which of Braze's rate limits a request draws from, and the documented numbers of the
//! broadcast limit.

use std::time::Duration;

use serde_json::Value;

use crate::operations::{BodyFact, OperationSpec, RateLimitRule};

/// A number of requests per window: one of Braze's documented limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ceiling {
    /// Requests allowed per window.
    pub requests: u64,
    /// The window, aligned on the clock (a minute window resets on the minute).
    pub window: Duration,
}

/// Braze's broadcast limit across audiences: 250 requests per minute (braze-api.md §13).
pub const BROADCAST_LIMIT: Ceiling = Ceiling {
    requests: 250,
    window: Duration::from_secs(60),
};

/// Braze's broadcast limit per unique audience: 10 requests per minute (braze-api.md §13).
pub const AUDIENCE_LIMIT: Ceiling = Ceiling {
    requests: 10,
    window: Duration::from_secs(60),
};

/// The documented numbers a [`Pacer`](super::Pacer) falls back on for the broadcast class,
/// where the answers' headers do not tell: Braze does not document which figures answer a
/// broadcast request, and no header could tell one audience's count from another's.
/// Configurable, for tests against small limits and for workspaces whose limits Braze has
/// raised; `None` turns a ceiling off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassLimits {
    /// Broadcast requests across all audiences ([`BROADCAST_LIMIT`]).
    pub broadcast: Option<Ceiling>,
    /// Broadcast requests per unique audience ([`AUDIENCE_LIMIT`]).
    pub per_audience: Option<Ceiling>,
}

impl Default for ClassLimits {
    fn default() -> Self {
        Self {
            broadcast: Some(BROADCAST_LIMIT),
            per_audience: Some(AUDIENCE_LIMIT),
        }
    }
}

/// Which of Braze's rate limits a request draws from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LimitClass {
    /// The pool most endpoints share (250,000 per hour).
    Default,
    /// The broadcast limit: a campaign or Canvas create sent to a segment
    /// (`broadcast: true`) or to a connected `audience`.
    Broadcast {
        /// The unique audience it also counts against: the operation, the campaign or
        /// Canvas id and the `audience` object (none: the whole segment), as canonical JSON.
        audience: String,
    },
}

impl LimitClass {
    /// The class of a request of `operation` with this JSON body: from the spec's
    /// `x-braze-rate-limit` ([`RateLimitRule`]) and, for a create or a send, whom it
    /// targets. A request that lists users (`recipients`, `external_user_ids`,
    /// `user_aliases`) is in the default pool (Braze: "requests that target individual
    /// recipients count against the 250,000/hour pool"), even with an audience; one that
    /// broadcasts or targets a `segment_id` or an `audience` is in the broadcast class.
    ///
    /// `/sends/id/create`'s daily quota ([`RateLimitRule::SendIdsDaily`]) is not paced:
    /// a client cannot wait a day, and Braze's refusal is the answer. Its requests draw
    /// from the default pool.
    ///
    /// A caller that built the body and knows whom it targets need not have it read: see
    /// [`of_told`](Self::of_told).
    pub fn of(operation: &OperationSpec, body: Option<&[u8]>) -> Self {
        if operation.rate_limit != RateLimitRule::BroadcastWhenTargeted {
            return Self::Default;
        }
        let Some(body) = body else {
            return Self::Default;
        };
        #[cfg(test)]
        BODIES_READ.with(|read| read.set(read.get() + 1));
        // Most such requests list their users (a bulk send's batches of 50 among them):
        // told from a glance at the top-level fields, which keeps nothing. A body the
        // glance cannot read (not an object, a field given twice) is read whole below.
        if let Ok(glance) = serde_json::from_slice::<Glance>(body) {
            if glance.listed() {
                return Self::listing_users();
            }
            if !glance.targets_an_audience() {
                return Self::Default;
            }
        }
        Self::read(operation, body)
    }

    /// [`of`](Self::of) a request whose caller told a fact about its body
    /// ([`Bound::send_knowing`](crate::operations::Bound::send_knowing)): a body that lists
    /// users is not read, which spares a bulk send the reading of its 50 recipients on
    /// every request. Without a fact, the body is read.
    pub fn of_told(operation: &OperationSpec, fact: Option<BodyFact>, body: Option<&[u8]>) -> Self {
        match fact {
            Some(BodyFact::ListsUsers) => Self::listing_users(),
            None => Self::of(operation, body),
        }
    }

    /// The class of a request that lists users (a non-empty `recipients`,
    /// `external_user_ids` or `user_aliases`), whatever else it targets and whatever its
    /// operation: the default pool (Braze: "requests that target individual recipients
    /// count against the 250,000/hour pool").
    const fn listing_users() -> Self {
        Self::Default
    }

    /// [`of`](Self::of) from the whole body, as a `Value`: for a broadcast, whose key
    /// needs the owner, the segment and the audience themselves.
    fn read(operation: &OperationSpec, body: &[u8]) -> Self {
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
            return Self::Default;
        };
        let present = |field: &str| body.get(field).is_some_and(|value| !value.is_null());
        let listed = ["recipients", "external_user_ids", "user_aliases"]
            .iter()
            .any(|field| {
                body.get(*field)
                    .and_then(Value::as_array)
                    .is_some_and(|users| !users.is_empty())
            });
        let broadcast = body.get("broadcast") == Some(&Value::Bool(true));
        if listed {
            return Self::listing_users();
        }
        if !(broadcast || present("audience") || present("segment_id")) {
            return Self::Default;
        }
        // The unique audience: the operation, the campaign or Canvas, the segment and the
        // connected audience.
        let owner = body.get("campaign_id").or_else(|| body.get("canvas_id"));
        let segment = body.get("segment_id").filter(|segment| !segment.is_null());
        let audience = body.get("audience").filter(|audience| !audience.is_null());
        let key = match segment {
            None => serde_json::to_string(&(operation.id, owner, audience)),
            Some(segment) => serde_json::to_string(&(operation.id, owner, audience, segment)),
        };
        Self::Broadcast {
            audience: key.unwrap_or_default(),
        }
    }
}

/// What [`LimitClass::of`] needs of a body's top-level fields, read without keeping them
/// (other fields are skipped unread).
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct Glance {
    recipients: Seen,
    external_user_ids: Seen,
    user_aliases: Seen,
    broadcast: Seen,
    audience: Seen,
    segment_id: Seen,
}

impl Glance {
    fn listed(&self) -> bool {
        [
            &self.recipients,
            &self.external_user_ids,
            &self.user_aliases,
        ]
        .iter()
        .any(|field| matches!(field, Seen::NonEmptyList))
    }

    fn targets_an_audience(&self) -> bool {
        matches!(self.broadcast, Seen::True)
            || !matches!(self.audience, Seen::Absent | Seen::Null)
            || !matches!(self.segment_id, Seen::Absent | Seen::Null)
    }
}

/// The kind of one JSON value, as far as the class depends on it.
#[derive(Default)]
enum Seen {
    #[default]
    Absent,
    Null,
    True,
    NonEmptyList,
    Other,
}

impl<'de> serde::Deserialize<'de> for Seen {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SeenVisitor)
    }
}

struct SeenVisitor;

impl<'de> serde::de::Visitor<'de> for SeenVisitor {
    type Value = Seen;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Seen, E> {
        Ok(Seen::Null)
    }

    fn visit_none<E>(self) -> Result<Seen, E> {
        Ok(Seen::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Seen, E> {
        Ok(if value { Seen::True } else { Seen::Other })
    }

    fn visit_i64<E>(self, _: i64) -> Result<Seen, E> {
        Ok(Seen::Other)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Seen, E> {
        Ok(Seen::Other)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Seen, E> {
        Ok(Seen::Other)
    }

    fn visit_str<E>(self, _: &str) -> Result<Seen, E> {
        Ok(Seen::Other)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Seen, A::Error> {
        use serde::de::IgnoredAny;
        let mut seen = Seen::Other;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            seen = Seen::NonEmptyList;
        }
        Ok(seen)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Seen, A::Error> {
        use serde::de::IgnoredAny;
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Seen::Other)
    }
}

#[cfg(test)]
thread_local! {
    /// How many bodies [`LimitClass::of`] has read on this thread: a test's requests are
    /// classed on the test's own thread (a current-thread runtime).
    pub(crate) static BODIES_READ: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glance_classes_every_body_as_the_whole_reading_does() {
        use crate::operations::*;
        let bodies = [
            r#"{"campaign_id": "c", "recipients": [{"external_user_id": "u"}]}"#,
            r#"{"campaign_id": "c", "recipients": [], "broadcast": true}"#,
            r#"{"campaign_id": "c", "recipients": null, "broadcast": true}"#,
            r#"{"campaign_id": "c", "broadcast": false}"#,
            r#"{"campaign_id": "c", "broadcast": "true"}"#,
            r#"{"campaign_id": "c", "segment_id": null}"#,
            r#"{"campaign_id": "c", "segment_id": "s", "external_user_ids": ["u"]}"#,
            r#"{"campaign_id": "c", "segment_id": "s", "external_user_ids": []}"#,
            r#"{"canvas_id": "v", "audience": {"AND": [{"x": 1}]}}"#,
            r#"{"canvas_id": "v", "audience": null, "user_aliases": [{"alias_name": "a"}]}"#,
            r#"{"canvas_id": "v", "audience": {}, "user_aliases": {"alias_name": "a"}}"#,
            r#"{"campaign_id": "c", "broadcast": true, "broadcast": false}"#,
            r#"{"campaign_id": "c", "recipients": [1], "recipients": []}"#,
            r#"{"campaign_id": "c", "messages": {"email": {"body": "[\"x\"]"}}, "broadcast": true}"#,
            r#"[{"broadcast": true}]"#,
            r#"{"broadcast": tru"#,
            "",
        ];
        for operation in OPERATIONS {
            for body in bodies {
                assert_eq!(
                    LimitClass::of(operation, Some(body.as_bytes())),
                    if operation.rate_limit == RateLimitRule::BroadcastWhenTargeted {
                        LimitClass::read(operation, body.as_bytes())
                    } else {
                        LimitClass::Default
                    },
                    "{} {body}",
                    operation.id
                );
            }
        }
    }

    #[test]
    fn creates_that_broadcast_or_target_an_audience_are_in_the_broadcast_class() {
        use crate::operations::*;
        let class = |operation: &OperationSpec, body: &str| {
            LimitClass::of(operation, Some(body.as_bytes()))
        };
        let audience = r#"{"push_subscription_status": {"comparison": "is", "value": "opted_in"}}"#;
        for operation in OPERATIONS {
            let broad = r#"{"campaign_id": "c", "canvas_id": "v", "broadcast": true}"#;
            let expected_broadcast = operation.rate_limit == RateLimitRule::BroadcastWhenTargeted;
            assert_eq!(
                matches!(class(operation, broad), LimitClass::Broadcast { .. }),
                expected_broadcast,
                "{}",
                operation.id
            );
        }
        assert_eq!(
            class(
                &CREATE_CAMPAIGN_SCHEDULE,
                r#"{"campaign_id": "c", "recipients": [{"external_user_id": "u"}]}"#
            ),
            LimitClass::Default
        );
        assert_eq!(
            class(
                &CREATE_CAMPAIGN_SCHEDULE,
                &format!(
                    r#"{{"campaign_id": "c", "recipients": [{{"external_user_id": "u"}}], "audience": {audience}}}"#
                )
            ),
            LimitClass::Default,
            "listed recipients draw from the default pool"
        );
        assert_eq!(
            class(
                &CREATE_CAMPAIGN_SCHEDULE,
                r#"{"campaign_id": "c", "broadcast": false}"#
            ),
            LimitClass::Default
        );
        let a1 = class(
            &CREATE_CAMPAIGN_SCHEDULE,
            &format!(r#"{{"campaign_id": "c", "audience": {audience}}}"#),
        );
        let a2 = class(
            &CREATE_CANVAS_SCHEDULE,
            &format!(r#"{{"canvas_id": "c", "audience": {audience}}}"#),
        );
        let a3 = class(
            &CREATE_CAMPAIGN_SCHEDULE,
            r#"{"campaign_id": "c", "broadcast": true}"#,
        );
        let a4 = class(
            &CREATE_CAMPAIGN_SCHEDULE,
            &format!(r#"{{"audience": {audience}, "campaign_id": "c", "broadcast": false}}"#),
        );
        assert!(matches!(a1, LimitClass::Broadcast { .. }));
        assert_eq!(
            a1, a4,
            "the same campaign and audience are one unique audience"
        );
        assert_ne!(a1, a2);
        assert_ne!(a1, a3);
        // Braze lists /messages/schedule/create in the default pool.
        assert_eq!(
            class(
                &CREATE_MESSAGE_SCHEDULE,
                &format!(r#"{{"broadcast": true, "audience": {audience}}}"#)
            ),
            LimitClass::Default
        );
        assert_eq!(
            LimitClass::of(&CREATE_CAMPAIGN_SCHEDULE, None),
            LimitClass::Default
        );
        assert_eq!(
            LimitClass::of(&CREATE_CAMPAIGN_SCHEDULE, Some(b"not json")),
            LimitClass::Default
        );
    }

    /// The body as the generated request type of `operation` reads and writes it (as the
    /// SDK sends it), and the top-level fields of `body` that the type does not declare.
    fn through_generated(operation: &OperationSpec, body: &Value) -> (Vec<u8>, Vec<String>) {
        use crate::operations::Operation;
        use crate::types;
        use serde::{Serialize, de::DeserializeOwned};
        use serde_json::Map;

        fn via<T: DeserializeOwned + Serialize>(
            body: &Value,
            extra: fn(&T) -> &Map<String, Value>,
        ) -> (Vec<u8>, Vec<String>) {
            let typed: T = serde_json::from_value(body.clone())
                .unwrap_or_else(|e| panic!("{body} is not a valid request: {e}"));
            let undeclared = extra(&typed).keys().cloned().collect();
            (serde_json::to_vec(&typed).unwrap(), undeclared)
        }
        match operation.operation {
            Operation::CreateCampaignSchedule => {
                via::<types::CampaignScheduleCreateRequest>(body, |t| &t.extra)
            }
            Operation::UpdateCampaignSchedule => {
                via::<types::CampaignScheduleUpdateRequest>(body, |t| &t.extra)
            }
            Operation::DeleteCampaignSchedule => {
                via::<types::CampaignScheduleDeleteRequest>(body, |t| &t.extra)
            }
            Operation::CreateCanvasSchedule => {
                via::<types::CanvasScheduleCreateRequest>(body, |t| &t.extra)
            }
            Operation::UpdateCanvasSchedule => {
                via::<types::CanvasScheduleUpdateRequest>(body, |t| &t.extra)
            }
            Operation::DeleteCanvasSchedule => {
                via::<types::CanvasScheduleDeleteRequest>(body, |t| &t.extra)
            }
            Operation::CreateMessageSchedule => {
                via::<types::MessageScheduleCreateRequest>(body, |t| &t.extra)
            }
            Operation::UpdateMessageSchedule => {
                via::<types::MessageScheduleUpdateRequest>(body, |t| &t.extra)
            }
            Operation::DeleteMessageSchedule => {
                via::<types::MessageScheduleDeleteRequest>(body, |t| &t.extra)
            }
            Operation::ListScheduledBroadcasts => panic!("{} takes no body", operation.id),
            Operation::SendMessages => via::<types::MessagesSendRequest>(body, |t| &t.extra),
            Operation::TriggerCampaignSend => {
                via::<types::CampaignTriggerSendRequest>(body, |t| &t.extra)
            }
            Operation::TriggerCanvasSend => {
                via::<types::CanvasTriggerSendRequest>(body, |t| &t.extra)
            }
            Operation::CreateSendId => via::<types::SendIdCreateRequest>(body, |t| &t.extra),
            Operation::SendTransactionalEmail => {
                via::<types::TransactionalSendRequest>(body, |t| &t.extra)
            }
        }
    }

    /// Braze's documented classes (braze-api.md §13, "API limits") on bodies written by hand
    /// from its pages, not from what `LimitClass::of` reads. The client and the fake both
    /// classify with `of`, so a test against the fake would agree with it by construction.
    ///
    /// Each body is also read into the generated request type and written back: a field
    /// that the literal (and `of`) names but the spec calls otherwise would be left over
    /// in the type's `extra`, or be written under another name and change the class.
    #[test]
    fn the_documented_classes_on_hand_written_bodies() {
        use crate::operations::*;
        use serde_json::json;

        #[derive(Debug)]
        enum Expect {
            /// The shared 250,000-per-hour pool.
            Pool,
            /// The broadcast limit; bodies with the same label are one unique audience
            /// (Braze: the campaign or Canvas id, the segment or filters and the `audience`
            /// object), bodies with different labels are not.
            Broadcast(&'static str),
        }
        use Expect::{Broadcast, Pool};

        let opted_in =
            json!({"push_subscription_status": {"comparison": "is", "value": "opted_in"}});
        let blue_eyes = json!({"custom_attribute": {
            "custom_attribute_name": "eye_color", "comparison": "equals", "value": "blue"
        }});
        let at = json!({"time": "2030-06-01T08:00:00Z"});
        let later = json!({"time": "2030-06-02T09:30:00Z", "in_local_time": true});
        let one_user = json!([{"external_user_id": "u1"}]);
        let (campaign, canvas, message) = (
            &CREATE_CAMPAIGN_SCHEDULE,
            &CREATE_CANVAS_SCHEDULE,
            &CREATE_MESSAGE_SCHEDULE,
        );
        #[rustfmt::skip]
        let cases: Vec<(&OperationSpec, Value, Expect)> = vec![
            // A campaign or Canvas create that targets individual recipients draws from the
            // pool, even with an audience.
            (campaign, json!({"campaign_id": "c1", "recipients": one_user, "schedule": at}), Pool),
            (campaign, json!({"campaign_id": "c1", "recipients": one_user, "audience": opted_in, "schedule": at}), Pool),
            (campaign, json!({"campaign_id": "c1", "recipients": one_user, "broadcast": false, "schedule": at}), Pool),
            (canvas, json!({"canvas_id": "v1", "recipients": one_user, "schedule": at}), Pool),
            (canvas, json!({"canvas_id": "v1", "recipients": one_user, "audience": opted_in, "schedule": at}), Pool),
            // Broadly targeted: the whole segment (`broadcast: true`) or a connected audience.
            (campaign, json!({"campaign_id": "c1", "broadcast": true, "schedule": at}), Broadcast("campaign c1, its segment")),
            (campaign, json!({"campaign_id": "c1", "audience": opted_in, "schedule": at}), Broadcast("campaign c1, opted in")),
            (campaign, json!({"campaign_id": "c1", "audience": blue_eyes, "schedule": at}), Broadcast("campaign c1, blue eyes")),
            (campaign, json!({"campaign_id": "c2", "audience": opted_in, "schedule": at}), Broadcast("campaign c2, opted in")),
            (canvas, json!({"canvas_id": "v1", "broadcast": true, "schedule": at}), Broadcast("Canvas v1, its segment")),
            (canvas, json!({"canvas_id": "v1", "audience": opted_in, "schedule": at}), Broadcast("Canvas v1, opted in")),
            // A Canvas is not the campaign that happens to have the same id.
            (canvas, json!({"canvas_id": "c1", "audience": opted_in, "schedule": at}), Broadcast("Canvas c1, opted in")),
            // The time, the properties, the send id and the `broadcast` flag beside an
            // audience are not part of the audience.
            (campaign, json!({
                "campaign_id": "c1", "broadcast": true, "schedule": later,
                "trigger_properties": {"coupon": "X"}, "send_id": "spring"
            }), Broadcast("campaign c1, its segment")),
            (campaign, json!({"schedule": later, "audience": opted_in, "broadcast": true, "campaign_id": "c1"}), Broadcast("campaign c1, opted in")),
            (campaign, json!({"campaign_id": "c1", "audience": opted_in, "broadcast": false, "schedule": at}), Broadcast("campaign c1, opted in")),
            (canvas, json!({
                "canvas_id": "v1", "audience": opted_in, "schedule": later,
                "canvas_entry_properties": {"coupon": "X"}
            }), Broadcast("Canvas v1, opted in")),
            // /messages/schedule/create is in the pool whatever it targets.
            (message, json!({"broadcast": true, "segment_id": "s", "schedule": at}), Pool),
            (message, json!({"broadcast": true, "audience": opted_in, "campaign_id": "c1", "schedule": at}), Pool),
            (message, json!({"external_user_ids": ["u1"], "schedule": at}), Pool),
            // Updates and deletes are in the pool.
            (&UPDATE_CAMPAIGN_SCHEDULE, json!({"campaign_id": "c1", "schedule_id": "s1", "schedule": at}), Pool),
            (&UPDATE_CANVAS_SCHEDULE, json!({"canvas_id": "v1", "schedule_id": "s1", "schedule": at}), Pool),
            (&UPDATE_MESSAGE_SCHEDULE, json!({"schedule_id": "s1", "schedule": at}), Pool),
            (&DELETE_CAMPAIGN_SCHEDULE, json!({"campaign_id": "c1", "schedule_id": "s1"}), Pool),
            (&DELETE_CANVAS_SCHEDULE, json!({"canvas_id": "v1", "schedule_id": "s1"}), Pool),
            (&DELETE_MESSAGE_SCHEDULE, json!({"schedule_id": "s1"}), Pool),
            // The sends: listed users draw from the pool; a broadcast, a segment or a
            // connected audience from the broadcast limit ("segments, filters, or a
            // connected audience"), the segment being part of the unique audience.
            (&SEND_MESSAGES, json!({"external_user_ids": ["u1"], "messages": {}}), Pool),
            (&SEND_MESSAGES, json!({"user_aliases": [{"alias_name": "a", "alias_label": "l"}]}), Pool),
            (&SEND_MESSAGES, json!({"external_user_ids": ["u1"], "segment_id": "s1"}), Pool),
            (&SEND_MESSAGES, json!({"external_user_ids": ["u1"], "audience": opted_in}), Pool),
            (&SEND_MESSAGES, json!({"broadcast": true, "segment_id": "s1", "messages": {}}), Broadcast("messages, segment s1")),
            (&SEND_MESSAGES, json!({"segment_id": "s1", "broadcast": true, "override_frequency_capping": true}), Broadcast("messages, segment s1")),
            (&SEND_MESSAGES, json!({"broadcast": true, "segment_id": "s2"}), Broadcast("messages, segment s2")),
            (&SEND_MESSAGES, json!({"broadcast": true, "segment_id": "s1", "campaign_id": "c1"}), Broadcast("messages of c1, segment s1")),
            (&SEND_MESSAGES, json!({"broadcast": true, "audience": opted_in}), Broadcast("messages, opted in")),
            (&SEND_MESSAGES, json!({"broadcast": true, "segment_id": "s1", "audience": opted_in}), Broadcast("messages, segment s1 and opted in")),
            (&TRIGGER_CAMPAIGN_SEND, json!({"campaign_id": "c1", "recipients": one_user}), Pool),
            (&TRIGGER_CAMPAIGN_SEND, json!({"campaign_id": "c1", "recipients": one_user, "audience": opted_in}), Pool),
            (&TRIGGER_CAMPAIGN_SEND, json!({"campaign_id": "c1", "broadcast": true, "trigger_properties": {"coupon": "X"}}), Broadcast("campaign c1 sent now, its segment")),
            (&TRIGGER_CAMPAIGN_SEND, json!({"campaign_id": "c1", "audience": opted_in}), Broadcast("campaign c1 sent now, opted in")),
            (&TRIGGER_CANVAS_SEND, json!({"canvas_id": "v1", "recipients": one_user}), Pool),
            (&TRIGGER_CANVAS_SEND, json!({"canvas_id": "v1", "broadcast": true, "context": {"coupon": "X"}}), Broadcast("Canvas v1 entered now, its segment")),
            (&TRIGGER_CANVAS_SEND, json!({"canvas_id": "v1", "audience": opted_in}), Broadcast("Canvas v1 entered now, opted in")),
            // The send identifiers' daily quota is not paced: the pool.
            (&CREATE_SEND_ID, json!({"campaign_id": "c1", "send_id": "spring"}), Pool),
            (&SEND_TRANSACTIONAL_EMAIL, json!({"recipient": {"external_user_id": "u1"}, "external_send_id": "b3JkZXI="}), Pool),
        ];

        let mut broadcasts = Vec::new();
        for (operation, body, expect) in &cases {
            let literal = serde_json::to_vec(body).unwrap();
            let class = LimitClass::of(operation, Some(&literal));
            let context = format!("{} {body}: {class:?}, expected {expect:?}", operation.id);
            match (expect, &class) {
                (Pool, LimitClass::Default) => {}
                (Broadcast(label), LimitClass::Broadcast { .. }) => {
                    broadcasts.push((*label, class.clone()));
                }
                _ => panic!("{context}"),
            }
            let (generated, undeclared) = through_generated(operation, body);
            assert!(
                undeclared.is_empty(),
                "{context}: the spec's {} does not declare {undeclared:?}",
                operation.request_body.map_or("body", |shape| shape.schema)
            );
            assert_eq!(
                LimitClass::of(operation, Some(&generated)),
                class,
                "{context}: as the generated type writes it, {}",
                String::from_utf8_lossy(&generated)
            );
        }
        for (label, class) in &broadcasts {
            for (other_label, other) in &broadcasts {
                assert_eq!(
                    label == other_label,
                    class == other,
                    "{label:?} and {other_label:?}: {class:?} / {other:?}"
                );
            }
        }
        // The list has no body, and is in the pool.
        assert_eq!(
            LimitClass::of(&LIST_SCHEDULED_BROADCASTS, None),
            LimitClass::Default
        );
        // Every operation with a body has a case, and every one that the spec puts in the
        // broadcast class when targeted has a broadcast case.
        for operation in OPERATIONS {
            let of_it = || cases.iter().filter(|(op, ..)| op.id == operation.id);
            assert_eq!(
                of_it().next().is_some(),
                operation.request_body.is_some(),
                "a documented body of {}",
                operation.id
            );
            if operation.rate_limit == RateLimitRule::BroadcastWhenTargeted {
                assert!(
                    of_it().any(|(.., expect)| matches!(expect, Broadcast(_))),
                    "a broadcast body of {}",
                    operation.id
                );
            }
        }
    }
}
