//! What the spec says of each operation beyond what progenitor generates, as data: one
//! named [`OperationSpec`] static per operation (e.g. [`DELETE_CAMPAIGN_SCHEDULE`]), the
//! [`OPERATIONS`] table, the [`Operation`] and [`Permission`] enums, and the declared fields
//! of each request object ([`shapes`]). All of it is generated from `openapi/braze.yaml`
//! (its `x-braze-permission` and `x-braze-idempotent` extensions among others) by
//! `cargo xtask generate`.
//!
//! The SDK, the fake server and the CLI take a `&'static OperationSpec` wherever they need
//! an operation's path, method, permission or idempotency, never a string, so a typo is a
//! compile error. Code that must handle every operation matches on [`Operation`]
//! exhaustively: a new operation in the spec stops the build at each such place.

use std::fmt;
use std::str::FromStr;

pub use crate::generated::spec::*;

/// One operation of the spec.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct OperationSpec {
    /// The operation, for exhaustive matches.
    pub operation: Operation,
    /// The `operationId`, e.g. `delete_campaign_schedule`.
    pub id: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The path, e.g. `/campaigns/trigger/schedule/delete`.
    pub path: &'static str,
    /// The API-key permission Braze requires, e.g. `campaigns.trigger.schedule.delete`.
    pub permission: Permission,
    /// Whether repeating the request after it may have reached Braze is harmless.
    pub idempotent: bool,
    /// Which rate-limit class its requests draw from (`x-braze-rate-limit`); see
    /// [`crate::rate_limit::LimitClass::of`].
    pub rate_limit: RateLimitRule,
    /// The fields of its JSON request body, if it has one.
    pub request_body: Option<&'static Shape>,
}

impl OperationSpec {
    /// Whether a repeat is harmless, as the retry rules take it.
    pub const fn idempotency(&self) -> Idempotency {
        if self.idempotent {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        }
    }
}

/// Whether repeating a request after it may have reached Braze is harmless: an operation's
/// `x-braze-idempotent`, as the retry rules ([`crate::retry`]) take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// A repeat has the same effect as one request (update, delete, list).
    Idempotent,
    /// A repeat can act twice (create): retried only when it cannot have reached Braze.
    NotIdempotent,
}

/// An operation's rate-limit class, as the spec declares it (`x-braze-rate-limit`;
/// Braze "API limits", braze-api.md §13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateLimitRule {
    /// The pool most endpoints share: 250,000 requests per hour.
    Default,
    /// Braze's broadcast limit when the request targets broadly (`broadcast: true`, or a
    /// connected `audience`): 250 requests per minute across audiences, and 10 per minute
    /// per unique audience. A request that lists recipients draws from the default pool.
    BroadcastWhenTargeted,
}

/// A generated request builder tied to what the spec says of its operation: its
/// [`OperationSpec`] and the body of its successful answer. Generated for every builder of
/// [`crate::builder`] by `cargo xtask generate`, beside the builder itself, so that the
/// call and the facts of an operation meet in one place that nobody writes by hand: code
/// that sends through a builder takes the spec from it (`G::SPEC`) and cannot pair it with
/// another operation's.
///
/// ```
/// use braze_api::operations::{Bound, DELETE_CAMPAIGN_SCHEDULE};
///
/// fn spec_of<'a, G: Bound<'a>>(_: &G) -> &'static braze_api::operations::OperationSpec {
///     G::SPEC
/// }
/// let client = braze_api::Client::new_with_client(
///     "http://127.0.0.1:9",
///     reqwest::Client::new(),
///     braze_api::HookState::new(),
/// );
/// assert_eq!(spec_of(&client.delete_campaign_schedule()), &DELETE_CAMPAIGN_SCHEDULE);
/// ```
pub trait Bound<'a>: Sized + Send + 'a {
    /// What the spec says of the operation.
    const SPEC: &'static OperationSpec;
    /// The body of a successful answer.
    type Answer;
    /// Sends the request: the generated builder's own `send`, boxed (the generated future
    /// is a few kilobytes; boxed, the futures around it stay small and cheap to move).
    fn send(self) -> Sending<'a, Self::Answer>;
}

/// The future of a generated request's answer.
pub type Sending<'a, T> = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<crate::ResponseValue<T>, crate::Error<crate::types::ApiError>>,
            > + Send
            + 'a,
    >,
>;

/// Looks an operation up by its `operationId` (progenitor's hooks name operations so).
pub fn find(id: &str) -> Option<&'static OperationSpec> {
    OPERATIONS.iter().copied().find(|op| op.id == id)
}

/// The properties an object schema of the spec declares.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    /// The schema's name in the spec (and of its generated type), e.g. `Schedule`.
    pub schema: &'static str,
    /// Its declared properties, in spec order.
    pub fields: &'static [Field],
}

/// One declared property.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// Its JSON name.
    pub name: &'static str,
    /// What it holds.
    pub value: FieldValue,
}

/// What a declared property holds, as far as walking a body is concerned.
#[derive(Debug, PartialEq, Eq, Hash)]
pub enum FieldValue {
    /// A scalar, a free-form object, a list of scalars, or a choice of shapes.
    Plain,
    /// An object with declared properties of its own.
    Object(&'static Shape),
    /// A list of such objects.
    List(&'static Shape),
}

impl Shape {
    /// Whether the schema declares a property of this name.
    pub fn declares(&self, name: &str) -> bool {
        self.fields.iter().any(|field| field.name == name)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A permission name that no operation of the spec needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPermission {
    /// The name as given.
    pub name: String,
}

impl fmt::Display for UnknownPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown permission `{}`; known: ", self.name)?;
        for (i, permission) in Permission::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(permission.as_str())?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownPermission {}

impl FromStr for Permission {
    type Err = UnknownPermission;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Permission::ALL
            .into_iter()
            .find(|permission| permission.as_str() == name.trim())
            .ok_or_else(|| UnknownPermission {
                name: name.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_operation_is_in_the_table() {
        let delete = &DELETE_CAMPAIGN_SCHEDULE;
        assert_eq!(find("delete_campaign_schedule"), Some(delete));
        assert_eq!(delete.method, http::Method::POST);
        assert_eq!(delete.path, "/campaigns/trigger/schedule/delete");
        assert_eq!(
            delete.permission.as_str(),
            "campaigns.trigger.schedule.delete"
        );
        assert_eq!(delete.idempotency(), Idempotency::Idempotent);
        assert_eq!(
            CREATE_CAMPAIGN_SCHEDULE.idempotency(),
            Idempotency::NotIdempotent
        );
        assert!(find("nope").is_none());
        let body = delete.request_body.expect("a JSON body");
        assert_eq!(body.schema, "CampaignScheduleDeleteRequest");
        assert!(body.declares("campaign_id") && body.declares("schedule_id"));
    }

    #[test]
    fn the_enum_and_the_table_agree() {
        assert_eq!(Operation::ALL.len(), OPERATIONS.len());
        for (operation, spec) in Operation::ALL.into_iter().zip(OPERATIONS) {
            assert_eq!(operation.spec(), spec);
            assert_eq!(spec.operation, operation);
            assert_eq!(find(spec.id), Some(spec));
        }
        // Every permission is some operation's, and names round-trip.
        for permission in Permission::ALL {
            assert!(OPERATIONS.iter().any(|op| op.permission == permission));
            assert_eq!(permission.to_string().parse(), Ok(permission));
        }
        let error = "campaigns.trigger.schedule.delet"
            .parse::<Permission>()
            .unwrap_err();
        assert!(error.to_string().contains("unknown permission"), "{error}");
    }

    #[test]
    fn nested_shapes_are_linked() {
        let create = CREATE_CAMPAIGN_SCHEDULE.request_body.unwrap();
        let value = |shape: &'static Shape, name: &str| {
            &shape
                .fields
                .iter()
                .find(|f| f.name == name)
                .unwrap_or_else(|| panic!("{name}"))
                .value
        };
        assert_eq!(
            value(create, "schedule"),
            &FieldValue::Object(&shapes::SCHEDULE)
        );
        assert_eq!(
            value(create, "recipients"),
            &FieldValue::List(&shapes::RECIPIENT)
        );
        // Free-form objects are not walked.
        assert_eq!(value(create, "trigger_properties"), &FieldValue::Plain);
        assert_eq!(
            value(&shapes::RECIPIENT, "user_alias"),
            &FieldValue::Object(&shapes::USER_ALIAS)
        );
    }
}
