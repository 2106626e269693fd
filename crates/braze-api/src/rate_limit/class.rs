//! Which of Braze's rate limits a request draws from, and the documented numbers of the
//! broadcast limit.

use std::time::Duration;

use serde_json::Value;

use crate::operations::{OperationSpec, RateLimitRule};

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
    /// `x-braze-rate-limit` ([`RateLimitRule`]) and, for a create, whom it targets. A
    /// create that lists `recipients` is in the default pool (Braze: "requests that target
    /// individual recipients count against the 250,000/hour pool"), even with an audience.
    pub fn of(operation: &OperationSpec, body: Option<&[u8]>) -> Self {
        if operation.rate_limit == RateLimitRule::Default {
            return Self::Default;
        }
        let Some(Ok(Value::Object(body))) = body.map(serde_json::from_slice::<Value>) else {
            return Self::Default;
        };
        let listed = body
            .get("recipients")
            .and_then(Value::as_array)
            .is_some_and(|recipients| !recipients.is_empty());
        let audience = body.get("audience").filter(|audience| !audience.is_null());
        let broadcast = body.get("broadcast") == Some(&Value::Bool(true));
        if listed || (!broadcast && audience.is_none()) {
            return Self::Default;
        }
        let owner = body.get("campaign_id").or_else(|| body.get("canvas_id"));
        Self::Broadcast {
            audience: serde_json::to_string(&(operation.id, owner, audience)).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
