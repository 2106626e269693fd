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
    /// The body field that makes a request of a non-idempotent operation safe to repeat
    /// when it is set (`x-braze-idempotency-key`): the transactional send's
    /// `external_send_id`, which Braze keeps for 24 hours.
    pub idempotency_key: Option<&'static str>,
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

    /// The path with its parameters (`{campaign_id}`) filled in, in order, each
    /// percent-encoded as the generated client encodes it; `None` when `values` does not
    /// have one value per parameter.
    ///
    /// ```
    /// use braze_api::operations::{DELETE_CAMPAIGN_SCHEDULE, SEND_TRANSACTIONAL_EMAIL};
    ///
    /// assert_eq!(
    ///     SEND_TRANSACTIONAL_EMAIL.path_with(&["c 1"]).as_deref(),
    ///     Some("/transactional/v1/campaigns/c%201/send")
    /// );
    /// assert_eq!(SEND_TRANSACTIONAL_EMAIL.path_values("/transactional/v1/campaigns/c%201/send"), Some(vec!["c 1".to_owned()]));
    /// assert_eq!(DELETE_CAMPAIGN_SCHEDULE.path_with(&[]).as_deref(), Some(DELETE_CAMPAIGN_SCHEDULE.path));
    /// ```
    pub fn path_with(&self, values: &[&str]) -> Option<String> {
        let mut values = values.iter();
        let mut path = String::with_capacity(self.path.len());
        for (index, segment) in self.path.split('/').enumerate() {
            if index > 0 {
                path.push('/');
            }
            if is_parameter(segment) {
                path.push_str(&progenitor_client::encode_path(values.next()?));
            } else {
                path.push_str(segment);
            }
        }
        values.next().is_none().then_some(path)
    }

    /// The values of the path's parameters in a request's `path`, percent-decoded, in
    /// order; `None` when the path is not one of this operation's.
    pub fn path_values(&self, path: &str) -> Option<Vec<String>> {
        let (mut template, mut given) = (self.path.split('/'), path.split('/'));
        let mut values = Vec::new();
        loop {
            match (template.next(), given.next()) {
                (None, None) => return Some(values),
                (Some(expected), Some(segment)) if is_parameter(expected) => {
                    let value = percent_encoding::percent_decode_str(segment)
                        .decode_utf8()
                        .ok()?;
                    values.push(value.into_owned());
                }
                (Some(expected), Some(segment)) if expected == segment => {}
                _ => return None,
            }
        }
    }

    /// Whether a request of this operation with this JSON body is harmless to repeat: the
    /// operation's [`idempotency`](Self::idempotency), or idempotent when the body sets the
    /// operation's idempotency key to a non-empty string.
    pub fn idempotency_for(&self, body: Option<&[u8]>) -> Idempotency {
        let keyed = self.idempotency_key.is_some_and(|key| {
            body.and_then(|body| serde_json::from_slice::<serde_json::Value>(body).ok())
                .is_some_and(|body| {
                    body.get(key)
                        .and_then(|v| v.as_str())
                        .is_some_and(|v| !v.is_empty())
                })
        });
        if keyed {
            Idempotency::Idempotent
        } else {
            self.idempotency()
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
    /// `/sends/id/create`: at most 100 send identifiers per day per workspace, each
    /// `send_id` and `campaign_id` pair counting once.
    SendIdsDaily,
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
    type Answer: serde::de::DeserializeOwned + Send + 'a;
    /// The client the builder was made from.
    fn client(&self) -> &'a crate::Client;
    /// The request the builder sends: the same method, URL, headers and body bytes as the
    /// generated builder's own `send` (less progenitor's `api-version` header, which the
    /// hooks drop anyway), or the generated `Error::InvalidRequest` for a parameter or a
    /// body the builder could not convert.
    // The error is progenitor's, the one the generated `send` returns; it is made at most
    // once per call.
    #[allow(clippy::result_large_err)]
    fn request(self) -> Result<reqwest::Request, crate::Error<crate::types::ApiError>>;
    /// Sends the request through the hooks and reads the answer, as the generated
    /// builder's own `send` does (same errors, same [`crate::ResponseValue`]), at a
    /// smaller cost per request: the answer's headers are moved rather than cloned, and
    /// the future is two boxes small enough for the allocator's per-thread cache rather
    /// than one of about 1.8 kB.
    fn send(self) -> Sending<'a, Self::Answer> {
        send_bound(self, None)
    }
    /// [`send`](Self::send), telling the hooks a fact about the body that the caller knows
    /// from building it, so that they need not read the body to learn it: a request that
    /// lists users draws from the default pool ([`BodyFact::ListsUsers`]), which the hooks
    /// would otherwise learn by reading it
    /// ([`LimitClass::of`](crate::rate_limit::LimitClass::of)), 50 recipients of a bulk
    /// send on every request.
    ///
    /// ```
    /// use braze_api::operations::{BodyFact, Bound};
    /// use braze_api::types;
    ///
    /// # async fn run(client: braze_api::Client) -> Result<(), braze_api::Error<types::ApiError>> {
    /// let user: types::Recipient =
    ///     serde_json::from_value(serde_json::json!({"external_user_id": "user-1"})).unwrap();
    /// let body = types::CampaignTriggerSendRequest::builder()
    ///     .campaign_id("campaign-id")
    ///     .recipients(vec![user])
    ///     .extra(serde_json::Map::new());
    /// let sent = client
    ///     .trigger_campaign_send()
    ///     .body(body)
    ///     .send_knowing(BodyFact::ListsUsers)
    ///     .await?;
    /// println!("{:?}", sent.dispatch_id);
    /// # Ok(()) }
    /// ```
    fn send_knowing(self, fact: BodyFact) -> Sending<'a, Self::Answer> {
        send_bound(self, Some(fact))
    }
}

/// A fact about a request's body, known to the code that built it and told to the hooks
/// ([`Bound::send_knowing`]), which then need not read the body to learn it. What follows
/// from a fact is decided where the hooks would decide it from the body (the rate-limit
/// class: [`LimitClass::of_told`](crate::rate_limit::LimitClass::of_told)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyFact {
    /// It lists users: a non-empty `recipients`, `external_user_ids` or `user_aliases`.
    ListsUsers,
}

/// [`Bound::send`] and [`Bound::send_knowing`]: the hooks' attempts, as
/// `ClientHooks::exec` runs them, told `fact` if the caller gave one. `pre` and `post` are
/// not called, as braze-api keeps their default (nothing): one that does something must
/// be called here too.
fn send_bound<'a, G: Bound<'a>>(generated: G, fact: Option<BodyFact>) -> Sending<'a, G::Answer> {
    let client = generated.client();
    match generated.request() {
        Ok(request) => {
            let spec = G::SPEC;
            let body = request.body().and_then(reqwest::Body::as_bytes);
            let idempotency = spec.idempotency_for(body);
            crate::sending::answer(client.attempts(request, spec.id, Some(spec), idempotency, fact))
        }
        Err(error) => Box::pin(std::future::ready(Err(error))),
    }
}

pub use crate::sending::Sending;

/// A path segment that is a parameter: `{campaign_id}`.
fn is_parameter(segment: &str) -> bool {
    segment.len() > 2 && segment.starts_with('{') && segment.ends_with('}')
}

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
    fn a_body_with_the_idempotency_key_may_be_repeated() {
        let send = &SEND_TRANSACTIONAL_EMAIL;
        assert_eq!(send.idempotency_key, Some("external_send_id"));
        let keyed = br#"{"external_send_id": "b3JkZXI=", "recipient": {"external_user_id": "u"}}"#;
        assert_eq!(send.idempotency_for(Some(keyed)), Idempotency::Idempotent);
        for unkeyed in [
            &br#"{"recipient": {"external_user_id": "u"}}"#[..],
            br#"{"external_send_id": "", "recipient": {}}"#,
            br#"{"external_send_id": null}"#,
            br#"{"external_send_id": 12}"#,
            b"not json",
        ] {
            assert_eq!(
                send.idempotency_for(Some(unkeyed)),
                Idempotency::NotIdempotent,
                "{}",
                String::from_utf8_lossy(unkeyed)
            );
        }
        assert_eq!(send.idempotency_for(None), Idempotency::NotIdempotent);
        // No other operation has a key: a field of that name changes nothing.
        for operation in OPERATIONS.iter().filter(|op| op.id != send.id) {
            assert_eq!(operation.idempotency_key, None, "{}", operation.id);
            assert_eq!(
                operation.idempotency_for(Some(keyed)),
                operation.idempotency(),
                "{}",
                operation.id
            );
        }
    }

    #[test]
    fn path_parameters_are_filled_and_read_back() {
        let send = &SEND_TRANSACTIONAL_EMAIL;
        for id in ["c1", "a b/c?d%e", "é"] {
            let path = send.path_with(&[id]).expect("one value");
            assert!(!path[1..].contains("//"), "{path}");
            assert_eq!(send.path_values(&path), Some(vec![id.to_owned()]), "{path}");
        }
        assert_eq!(send.path_with(&[]), None);
        assert_eq!(send.path_with(&["a", "b"]), None);
        assert_eq!(send.path_values("/transactional/v1/campaigns/c1"), None);
        assert_eq!(
            send.path_values("/transactional/v2/campaigns/c1/send"),
            None
        );
        assert_eq!(
            DELETE_CAMPAIGN_SCHEDULE.path_values(DELETE_CAMPAIGN_SCHEDULE.path),
            Some(vec![])
        );
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
