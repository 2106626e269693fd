//! Whom a campaign or Canvas create sends to, shared by the two create builders: the
//! fields, their setters, and the conversion to the wire that checks Braze's rules.

use braze_api::types;
use serde_json::{Map, Value};

use crate::audience::{self, Audience};
use crate::{Error, Recipient, validate};

/// A trigger create's targeting: recipients, a connected audience, or the whole segment.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Targeting {
    pub(crate) recipients: Vec<Recipient>,
    pub(crate) audience: Option<Audience>,
    pub(crate) broadcast: Option<bool>,
}

/// The targeting in wire form.
pub(crate) struct WireTargeting {
    pub(crate) recipients: Vec<types::Recipient>,
    pub(crate) audience: Option<types::ConnectedAudience>,
    pub(crate) broadcast: Option<bool>,
    /// The builder's extra fields, with an [unchecked](Audience::unchecked) audience added.
    pub(crate) extra: Map<String, Value>,
}

impl Targeting {
    /// In wire form, beside the builder's `extra` fields, the audience checked against its
    /// grammar (Braze's targeting rules are checked on the whole body,
    /// [`crate::validate::rules`]).
    pub(crate) fn to_wire(&self, extra: &Map<String, Value>) -> Result<WireTargeting, Error> {
        for (index, recipient) in self.recipients.iter().enumerate() {
            if let Some((name, reason)) = &recipient.problem {
                return Err(Error::invalid(
                    format!("recipients[{index}].{name}"),
                    reason.clone(),
                ));
            }
            validate::extra(
                Some(&braze_api::operations::shapes::RECIPIENT),
                &format!("recipients[{index}]"),
                &recipient.wire.extra,
            )?;
        }
        let (audience, extra) = audience::split(self.audience.as_ref(), extra.clone())?;
        Ok(WireTargeting {
            recipients: self.recipients.iter().map(|r| r.wire.clone()).collect(),
            audience,
            broadcast: self.broadcast,
            extra,
        })
    }
}

/// A JSON object given as a [`Value`], or a clear error naming the field.
pub(crate) fn object(field: &str, value: &Value) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(map) => Ok(map.clone()),
        other => Err(Error::invalid(field, validate::not_an_object(other))),
    }
}

/// An optional personalisation object (`trigger_properties`, `context`), checked to be a
/// JSON object, in wire form (its size is one of Braze's rules, checked on the body).
pub(crate) fn wire_properties(
    field: &str,
    value: Option<&Value>,
) -> Result<Option<types::Properties>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    Ok(Some(types::Properties::from(object(field, value)?)))
}
