//! Whom a campaign or Canvas create sends to, shared by the two create builders: the
//! fields, their setters, and the conversion to the wire that checks Braze's rules.

use braze_api::types;
use serde_json::{Map, Value};

use crate::{Error, Recipient, validate};

/// A trigger create's targeting: recipients, a connected audience, or the whole segment.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Targeting {
    pub(crate) recipients: Vec<Recipient>,
    pub(crate) audience: Option<Value>,
    pub(crate) broadcast: Option<bool>,
}

/// The targeting in wire form.
pub(crate) struct WireTargeting {
    pub(crate) recipients: Vec<types::Recipient>,
    pub(crate) audience: Option<types::ConnectedAudience>,
    pub(crate) broadcast: Option<bool>,
}

impl Targeting {
    /// Checked against Braze's rules ([`validate::targeting`]) and ready for the wire.
    pub(crate) fn to_wire(&self) -> Result<WireTargeting, Error> {
        validate::targeting(&self.recipients, self.broadcast, self.audience.is_some())?;
        let audience = self
            .audience
            .as_ref()
            .map(|audience| object("audience", audience))
            .transpose()?
            .map(types::ConnectedAudience::from);
        Ok(WireTargeting {
            recipients: self.recipients.iter().map(|r| r.wire.clone()).collect(),
            audience,
            broadcast: self.broadcast,
        })
    }
}

/// The targeting setters of a create builder that has a `targeting: Targeting` field.
macro_rules! targeting_setters {
    () => {
        /// Adds a recipient.
        pub fn recipient(mut self, recipient: $crate::Recipient) -> Self {
            self.targeting.recipients.push(recipient);
            self
        }

        /// Adds recipients (at most 50 in all).
        pub fn recipients(
            mut self,
            recipients: impl IntoIterator<Item = $crate::Recipient>,
        ) -> Self {
            self.targeting.recipients.extend(recipients);
            self
        }

        /// A connected audience object (a JSON object), passed through as given.
        pub fn audience(mut self, audience: serde_json::Value) -> Self {
            self.targeting.audience = Some(audience);
            self
        }

        /// Sends to the whole segment; required when there are no recipients or
        /// audience, and not allowed with recipients.
        pub fn broadcast(mut self, broadcast: bool) -> Self {
            self.targeting.broadcast = Some(broadcast);
            self
        }
    };
}
pub(crate) use targeting_setters;

/// A JSON object given as a [`Value`], or a clear error naming the field.
pub(crate) fn object(field: &str, value: &Value) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(map) => Ok(map.clone()),
        other => Err(Error::invalid(field, validate::not_an_object(other))),
    }
}

/// An optional personalisation object (`trigger_properties`, `context`), checked to be a
/// JSON object within Braze's size limit, in wire form.
pub(crate) fn wire_properties(
    field: &str,
    value: Option<&Value>,
) -> Result<Option<types::Properties>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    let properties = object(field, value)?;
    validate::properties(field, &properties)?;
    Ok(Some(types::Properties::from(properties)))
}
