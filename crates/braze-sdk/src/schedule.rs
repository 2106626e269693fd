//! The schedule and recipient objects that create and update requests carry.

use braze_api::types;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

/// When to send. Build one with [`Schedule::utc`], [`Schedule::local`],
/// [`Schedule::optimal`] or, from text, [`Schedule::at`].
///
/// An update replaces the whole schedule: fields left out fall back to their defaults.
///
/// ```
/// use braze_sdk::Schedule;
/// use chrono::{NaiveDate, TimeZone, Utc};
///
/// let utc = Schedule::utc(Utc.with_ymd_and_hms(2030, 5, 24, 21, 30, 0).unwrap());
/// assert_eq!(utc.time(), "2030-05-24T21:30:00Z");
///
/// let local = Schedule::local(
///     NaiveDate::from_ymd_opt(2030, 2, 20).unwrap().and_hms_opt(13, 14, 47).unwrap(),
/// );
/// assert_eq!(local.time(), "2030-02-20T13:14:47");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    time: String,
    in_local_time: Option<bool>,
    at_optimal_time: Option<bool>,
}

impl Schedule {
    /// At an instant, sent as UTC (`2030-05-24T21:30:00Z`).
    pub fn utc(time: DateTime<Utc>) -> Self {
        Self::at(time.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    }

    /// At this time of day in each user's time zone (`in_local_time`). Braze refuses it
    /// when the time has already passed in every time zone.
    pub fn local(time: NaiveDateTime) -> Self {
        Self::at(time.format("%Y-%m-%dT%H:%M:%S").to_string()).in_local_time(true)
    }

    /// On this date, at each user's optimal time (`at_optimal_time`).
    pub fn optimal(date: NaiveDate) -> Self {
        Self::at(format!("{}T00:00:00", date.format("%Y-%m-%d"))).at_optimal_time(true)
    }

    /// At an ISO 8601 time given as text: with a designator (`2030-05-24T21:30:00Z`,
    /// `...+02:00`) or, for local and optimal-time sends, without one. Checked when the
    /// request is sent. Surrounding whitespace is dropped.
    pub fn at(time: impl Into<String>) -> Self {
        let time = time.into();
        let time = if time.trim().len() == time.len() {
            time
        } else {
            time.trim().to_owned()
        };
        Self {
            time,
            in_local_time: None,
            at_optimal_time: None,
        }
    }

    /// Sets `in_local_time`.
    pub fn in_local_time(mut self, yes: bool) -> Self {
        self.in_local_time = Some(yes);
        self
    }

    /// Sets `at_optimal_time`.
    pub fn at_optimal_time(mut self, yes: bool) -> Self {
        self.at_optimal_time = Some(yes);
        self
    }

    /// The time, as it will be sent.
    pub fn time(&self) -> &str {
        &self.time
    }

    /// Checks the time and builds the wire type.
    pub(crate) fn to_wire(&self) -> Result<types::Schedule, crate::Error> {
        crate::validate::schedule_time(
            "schedule.time",
            &self.time,
            self.in_local_time == Some(true) || self.at_optimal_time == Some(true),
        )?;
        types::Schedule::builder()
            .time(self.time.as_str())
            .in_local_time(self.in_local_time)
            .at_optimal_time(self.at_optimal_time)
            .try_into()
            .map_err(|e: types::error::ConversionError| {
                crate::Error::invalid("schedule", e.to_string())
            })
    }
}

impl From<DateTime<Utc>> for Schedule {
    fn from(time: DateTime<Utc>) -> Self {
        Self::utc(time)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_times_are_sent_trimmed() {
        let schedule = Schedule::at(" 2030-05-24T21:30:00Z\n");
        assert_eq!(schedule.time(), "2030-05-24T21:30:00Z");
        let wire = schedule.to_wire().unwrap();
        assert_eq!(wire.time.as_str(), "2030-05-24T21:30:00Z");
        // Already trimmed text is kept as given.
        assert_eq!(
            Schedule::at("2030-05-24T21:30")
                .to_wire()
                .unwrap()
                .time
                .as_str(),
            "2030-05-24T21:30"
        );
    }

    #[test]
    fn a_time_the_checks_refuse_never_reaches_the_generated_type() {
        let err = Schedule::at("24/05/2030").to_wire().unwrap_err();
        assert!(err.to_string().contains("schedule.time"), "{err}");
    }
}
