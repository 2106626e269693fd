//! The recipients object: one user a campaign or Canvas create sends to.

use braze_api::types;
use serde_json::{Map, Value};

/// One user to send to, identified by exactly one of external id, user alias, Braze id
/// or email; each constructor sets one.
///
/// ```
/// use braze_sdk::Recipient;
/// use serde_json::json;
///
/// let user = Recipient::external_user_id("user-42")
///     .trigger_properties(json!({"coupon": "SPRING"}));
/// let by_email = Recipient::email("ada@example.com", ["identified", "most_recently_updated"]);
/// # let _ = (user, by_email);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub(crate) wire: types::Recipient,
    /// A setter's input that cannot be sent (a non-object where an object belongs),
    /// reported with its field when the request is checked.
    pub(crate) problem: Option<(&'static str, String)>,
}

impl Recipient {
    fn with(set: impl FnOnce(&mut types::Recipient)) -> Self {
        let mut recipient = types::Recipient {
            attributes: Map::new(),
            braze_id: None,
            canvas_entry_properties: None,
            context: None,
            email: None,
            external_user_id: None,
            prioritization: Vec::new(),
            send_to_existing_only: None,
            trigger_properties: None,
            user_alias: None,
            extra: Map::new(),
        };
        set(&mut recipient);
        Self {
            wire: recipient,
            problem: None,
        }
    }

    /// A user by external id.
    pub fn external_user_id(id: impl Into<String>) -> Self {
        Self::with(|r| r.external_user_id = Some(id.into()))
    }

    /// A user by alias (name and label).
    pub fn user_alias(alias_name: impl Into<String>, alias_label: impl Into<String>) -> Self {
        Self::with(|r| {
            r.user_alias = Some(types::UserAlias {
                alias_name: alias_name.into(),
                alias_label: alias_label.into(),
            })
        })
    }

    /// A user by Braze id.
    pub fn braze_id(id: impl Into<String>) -> Self {
        Self::with(|r| r.braze_id = Some(id.into()))
    }

    /// A user by email, with the prioritization Braze needs to choose between several
    /// users with that address (e.g. `["identified", "most_recently_updated"]`).
    pub fn email(
        address: impl Into<String>,
        prioritization: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self::with(|r| {
            r.email = Some(address.into());
            r.prioritization = prioritization.into_iter().map(Into::into).collect();
        })
    }

    /// Campaign trigger properties for this user (a JSON object); they win over the
    /// request's on key conflicts.
    pub fn trigger_properties(mut self, properties: Value) -> Self {
        self.wire.trigger_properties = self
            .object("trigger_properties", properties)
            .map(Into::into);
        self
    }

    /// Canvas context for this user (a JSON object).
    pub fn context(mut self, context: Value) -> Self {
        self.wire.context = self.object("context", context).map(Into::into);
        self
    }

    /// Whether to send only to users that already exist (Braze's default: true). With
    /// `false`, give [`attributes`](Self::attributes): the user is created first. Not
    /// allowed with user aliases.
    pub fn send_to_existing_only(mut self, yes: bool) -> Self {
        self.wire.send_to_existing_only = Some(yes);
        self
    }

    /// Attributes to set on the user before the send (a JSON object).
    pub fn attributes(mut self, attributes: Value) -> Self {
        self.wire.attributes = self.object("attributes", attributes).unwrap_or_default();
        self
    }

    /// Adds a field the spec does not know yet.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.wire.extra.insert(key.into(), value);
        self
    }

    fn object(&mut self, field: &'static str, value: Value) -> Option<Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.problem = Some((field, crate::validate::not_an_object(&other)));
                None
            }
        }
    }
}

/// Recipients read from JSON (for instance a file) are checked like built ones when sent.
impl From<types::Recipient> for Recipient {
    fn from(recipient: types::Recipient) -> Self {
        Self {
            wire: recipient,
            problem: None,
        }
    }
}
