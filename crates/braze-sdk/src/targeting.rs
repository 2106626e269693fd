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
        let mut wire = self.to_wire_but_recipients(extra.clone())?;
        wire.recipients = self.recipients.iter().map(|r| r.wire.clone()).collect();
        Ok(wire)
    }

    /// [`to_wire`](Self::to_wire) with the recipients checked but left here, for a body
    /// that takes them once it is built ([`take_wire_recipients`](Self::take_wire_recipients)):
    /// a send of 50 recipients moves them rather than cloning them, once per request.
    pub(crate) fn to_wire_but_recipients(
        &self,
        extra: Map<String, Value>,
    ) -> Result<WireTargeting, Error> {
        self.check_recipients()?;
        let (audience, extra) = audience::split(self.audience.as_ref(), extra)?;
        Ok(WireTargeting {
            recipients: Vec::new(),
            audience,
            broadcast: self.broadcast,
            extra,
        })
    }

    /// The recipients in wire form, moved out; [`give_back`](Self::give_back) puts them
    /// back.
    pub(crate) fn take_wire_recipients(&mut self) -> Vec<types::Recipient> {
        std::mem::take(&mut self.recipients)
            .into_iter()
            .map(|r| r.wire)
            .collect()
    }

    /// Puts back recipients taken by [`take_wire_recipients`](Self::take_wire_recipients)
    /// (they had passed [`check_recipients`](Self::check_recipients): no setter problem).
    pub(crate) fn give_back(&mut self, recipients: Vec<types::Recipient>) {
        self.recipients = recipients.into_iter().map(Recipient::from).collect();
    }

    /// A recipient's setter input that cannot be sent, or an extra field of a recipient
    /// that its own setter sets.
    fn check_recipients(&self) -> Result<(), Error> {
        for (index, recipient) in self.recipients.iter().enumerate() {
            if let Some((name, reason)) = &recipient.problem {
                return Err(Error::invalid(
                    format!("recipients[{index}].{name}"),
                    reason.clone(),
                ));
            }
            // Nothing to check without extras (and no prefix to format per recipient).
            if !recipient.wire.extra.is_empty() {
                validate::extra(
                    Some(&braze_api::operations::shapes::RECIPIENT),
                    &format!("recipients[{index}]"),
                    &recipient.wire.extra,
                )?;
            }
        }
        Ok(())
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

/// The users of a message with its content, shared by `/messages/schedule/create`
/// ([`CreateMessageSchedule`](crate::CreateMessageSchedule)) and `/messages/send`
/// ([`SendMessages`](crate::SendMessages)): users listed by external id or alias, a
/// segment, a connected audience or the whole of one, and the campaign, send id and
/// subscription state the message is tracked and filtered by. Its setters are
/// [`message_targeting_setters!`].
#[derive(Debug, Clone, Default)]
pub(crate) struct MessageTargeting {
    pub(crate) external_user_ids: Vec<String>,
    pub(crate) user_aliases: Vec<(String, String)>,
    pub(crate) segment_id: Option<String>,
    pub(crate) audience: Option<Audience>,
    pub(crate) broadcast: Option<bool>,
    pub(crate) campaign_id: Option<crate::CampaignId>,
    pub(crate) send_id: Option<String>,
    pub(crate) recipient_subscription_state: Option<types::RecipientSubscriptionState>,
}

/// [`MessageTargeting`] in wire form.
pub(crate) struct WireMessageTargeting {
    pub(crate) external_user_ids: Vec<String>,
    pub(crate) user_aliases: Vec<types::UserAlias>,
    pub(crate) segment_id: Option<String>,
    pub(crate) audience: Option<types::ConnectedAudience>,
    pub(crate) broadcast: Option<bool>,
    pub(crate) campaign_id: Option<crate::CampaignId>,
    pub(crate) send_id: Option<String>,
    pub(crate) recipient_subscription_state: Option<types::RecipientSubscriptionState>,
    /// The builder's extra fields, with an [unchecked](Audience::unchecked) audience added.
    pub(crate) extra: Map<String, Value>,
}

impl MessageTargeting {
    /// In wire form, beside the builder's `extra` fields: the campaign id checked not to
    /// be blank, the audience against its grammar (Braze's rules are checked on the whole
    /// body, [`crate::validate::rules`]).
    pub(crate) fn to_wire(
        &self,
        extra: &Map<String, Value>,
    ) -> Result<WireMessageTargeting, Error> {
        if let Some(campaign_id) = &self.campaign_id {
            validate::id(campaign_id.check())?;
        }
        let (audience, extra) = audience::split(self.audience.as_ref(), extra.clone())?;
        let user_aliases = self
            .user_aliases
            .iter()
            .map(|(name, label)| {
                types::UserAlias::builder()
                    .alias_name(name.clone())
                    .alias_label(label.clone())
                    .try_into()
                    .map_err(Error::conversion)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(WireMessageTargeting {
            external_user_ids: self.external_user_ids.clone(),
            user_aliases,
            segment_id: self.segment_id.clone(),
            audience,
            broadcast: self.broadcast,
            campaign_id: self.campaign_id.clone(),
            send_id: self.send_id.clone(),
            recipient_subscription_state: self.recipient_subscription_state,
            extra,
        })
    }
}

/// The setters of a campaign or Canvas trigger builder (a create or a send) that has a
/// `targeting: Targeting` and an `extra` map: recipients, audience and broadcast, each
/// optional one with its `set_` twin, and `extra`.
macro_rules! trigger_targeting_setters {
    () => {
        /// Adds a recipient.
        pub fn recipient(mut self, recipient: $crate::Recipient) -> Self {
            self.targeting.recipients.push(recipient);
            self
        }

        /// Adds recipients (at most [`rules::MAX_USERS`](crate::rules::MAX_USERS) in all).
        pub fn recipients(
            mut self,
            recipients: impl IntoIterator<Item = $crate::Recipient>,
        ) -> Self {
            if self.targeting.recipients.is_empty() {
                // Collected: a `Vec` given whole is taken as it is, not copied.
                self.targeting.recipients = recipients.into_iter().collect();
            } else {
                self.targeting.recipients.extend(recipients);
            }
            self
        }

        /// Sends to the users in a connected audience: built with
        /// [`braze_sdk::audience`](crate::audience), or JSON in Braze's grammar (a
        /// [`serde_json::Value`]), checked before sending either way.
        pub fn audience(self, audience: impl Into<$crate::Audience>) -> Self {
            self.set_audience(Some(audience.into()))
        }

        /// Sets or clears the audience.
        pub fn set_audience(mut self, audience: Option<$crate::Audience>) -> Self {
            self.targeting.audience = audience;
            self
        }

        /// Sends to the whole segment set in the dashboard; required when there are no
        /// recipients or audience, and not allowed with recipients. Braze warns that this
        /// can reach a larger audience than expected.
        pub fn broadcast(self, broadcast: bool) -> Self {
            self.set_broadcast(Some(broadcast))
        }

        /// Sets or clears `broadcast` (left out, Braze reads it as false).
        pub fn set_broadcast(mut self, broadcast: Option<bool>) -> Self {
            self.targeting.broadcast = broadcast;
            self
        }

        /// Adds a body field the spec does not know yet.
        pub fn extra(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
            self.extra.insert(key.into(), value);
            self
        }
    };
}
pub(crate) use trigger_targeting_setters;

/// The setters of a builder that has a `targeting: MessageTargeting` field: users,
/// segment, audience, broadcast, campaign, send id and subscription state, each optional
/// one with its `set_` twin. `$what` names the request in the docs ("message", "send").
macro_rules! message_targeting_setters {
    ($what:literal) => {
        /// Adds a user by external id (at most [`rules::MAX_USERS`](crate::rules::MAX_USERS)
        /// users in all).
        pub fn external_user_id(mut self, id: impl Into<String>) -> Self {
            self.targeting.external_user_ids.push(id.into());
            self
        }

        /// Adds users by external id (at most [`rules::MAX_USERS`](crate::rules::MAX_USERS)
        /// users in all).
        pub fn external_user_ids(
            mut self,
            ids: impl IntoIterator<Item = impl Into<String>>,
        ) -> Self {
            self.targeting
                .external_user_ids
                .extend(ids.into_iter().map(Into::into));
            self
        }

        /// Adds a user by alias.
        pub fn user_alias(
            mut self,
            alias_name: impl Into<String>,
            alias_label: impl Into<String>,
        ) -> Self {
            self.targeting
                .user_aliases
                .push((alias_name.into(), alias_label.into()));
            self
        }

        /// Sends to this segment (with [`broadcast(true)`](Self::broadcast)), or, with users,
        /// to those users in it.
        pub fn segment_id(self, segment_id: impl Into<String>) -> Self {
            self.set_segment_id(Some(segment_id.into()))
        }

        /// Sets or clears the `segment_id`.
        pub fn set_segment_id(mut self, segment_id: Option<String>) -> Self {
            self.targeting.segment_id = segment_id;
            self
        }

        /// Sends to the users in a connected audience: built with
        /// [`braze_sdk::audience`](crate::audience), or JSON in Braze's grammar (a
        /// [`serde_json::Value`]), checked before sending either way.
        pub fn audience(self, audience: impl Into<$crate::Audience>) -> Self {
            self.set_audience(Some(audience.into()))
        }

        /// Sets or clears the audience.
        pub fn set_audience(mut self, audience: Option<$crate::Audience>) -> Self {
            self.targeting.audience = audience;
            self
        }

        /// Sends to the whole segment or audience given: required when no users are listed,
        /// and not allowed with users.
        pub fn broadcast(self, broadcast: bool) -> Self {
            self.set_broadcast(Some(broadcast))
        }

        /// Sets or clears `broadcast` (left out, Braze reads it as false).
        pub fn set_broadcast(mut self, broadcast: Option<bool>) -> Self {
            self.targeting.broadcast = broadcast;
            self
        }

        #[doc = concat!("An API campaign to track the ", $what, " under: every message then needs its")]
        /// `message_variation_id`.
        pub fn campaign_id(self, campaign_id: impl Into<$crate::CampaignId>) -> Self {
            self.set_campaign_id(Some(campaign_id.into()))
        }

        /// Sets or clears the `campaign_id`.
        pub fn set_campaign_id(mut self, campaign_id: Option<$crate::CampaignId>) -> Self {
            self.targeting.campaign_id = campaign_id;
            self
        }

        /// A send identifier for tracking (not an idempotency key): ASCII, at most
        /// [`rules::MAX_SEND_ID_CHARS`](crate::rules::MAX_SEND_ID_CHARS) characters, created
        /// beforehand with [`Client::create_send_id`](crate::Client::create_send_id).
        pub fn send_id(self, send_id: impl Into<String>) -> Self {
            self.set_send_id(Some(send_id.into()))
        }

        /// Sets or clears the `send_id`.
        pub fn set_send_id(mut self, send_id: Option<String>) -> Self {
            self.targeting.send_id = send_id;
            self
        }

        #[doc = concat!("Which users of the target receive the ", $what, " (Braze's default: subscribed).")]
        pub fn recipient_subscription_state(
            self,
            state: braze_api::types::RecipientSubscriptionState,
        ) -> Self {
            self.set_recipient_subscription_state(Some(state))
        }

        /// Sets or clears `recipient_subscription_state`.
        pub fn set_recipient_subscription_state(
            mut self,
            state: Option<braze_api::types::RecipientSubscriptionState>,
        ) -> Self {
            self.targeting.recipient_subscription_state = state;
            self
        }
    };
}
pub(crate) use message_targeting_setters;
