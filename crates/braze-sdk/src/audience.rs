//! Connected audiences: whom a create sends to, by custom attribute, subscription state
//! and last app use, combined with [`Audience::all`] (`AND`) and [`Audience::any`] (`OR`).
//!
//! ```
//! use braze_sdk::audience::{Audience, SubscriptionStatus, custom_attribute, push_subscription};
//!
//! let audience = Audience::all([
//!     custom_attribute("tier").equals("gold"),
//!     custom_attribute("orders").greater_than(3),
//!     Audience::any([
//!         custom_attribute("last_purchase").less_than_days_ago(7),
//!         push_subscription().is(SubscriptionStatus::OptedIn),
//!     ]),
//! ]);
//! assert_eq!(
//!     audience.as_json()["AND"][1],
//!     serde_json::json!({"custom_attribute": {
//!         "custom_attribute_name": "orders", "comparison": "greater_than", "value": 3}})
//! );
//! ```
//!
//! Each comparison takes a value of its type only: a number for `greater_than`, days for
//! `less_than_days_ago`, an ISO 8601 date-time for `after`, none for `exists`. What the
//! types cannot say is checked when the request is built, before anything is sent, with
//! the path of the problem in the tree (`audience.AND[2].OR[0]`): an empty
//! [`all`](Audience::all) or [`any`](Audience::any), a blank attribute name, a date-time
//! that is not ISO 8601, nesting deeper than [`MAX_DEPTH`]. Braze itself accepts a wrong
//! audience with a 2xx and fails the send later, visible only in its Message Activity Log.
//!
//! JSON written by hand or read from a file goes through the same checks
//! ([`Audience::from_json`], or any [`serde_json::Value`] given to `.audience(..)`). For a
//! filter or comparison Braze adds before this crate knows it,
//! [`Audience::unchecked`] sends the JSON as given.

use braze_api::audience::{self, AudienceProblem};
use braze_api::types;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};
use serde_json::{Map, Number, Value};

use crate::Error;

pub use braze_api::audience::MAX_DEPTH;
/// A push or email subscription state: `opted_in`, `subscribed` or `unsubscribed`.
pub use braze_api::types::SubscriptionStatus;

/// A connected audience: one filter, or [`all`](Audience::all) / [`any`](Audience::any) of
/// audiences. Made by the functions of this module, or from JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Audience {
    json: Value,
    checked: bool,
}

impl Audience {
    /// Users in every one of `audiences` (Braze's `AND`).
    pub fn all(audiences: impl IntoIterator<Item = Audience>) -> Self {
        Self::operator("AND", audiences)
    }

    /// Users in at least one of `audiences` (Braze's `OR`).
    pub fn any(audiences: impl IntoIterator<Item = Audience>) -> Self {
        Self::operator("OR", audiences)
    }

    fn operator(key: &str, audiences: impl IntoIterator<Item = Audience>) -> Self {
        let mut checked = true;
        let items = audiences
            .into_iter()
            .map(|audience| {
                checked &= audience.checked;
                audience.json
            })
            .collect();
        Self {
            json: node(key, Value::Array(items)),
            checked,
        }
    }

    /// An audience written as JSON in Braze's grammar, checked now: the error names the
    /// path of the first problem (`audience.AND[1].custom_attribute.comparison`).
    pub fn from_json(json: Value) -> Result<Self, Error> {
        let audience = Self::from(json);
        audience.to_wire()?;
        Ok(audience)
    }

    /// An audience sent exactly as given, without the checks: for a filter or comparison
    /// Braze has added since this crate was written. It must still be a JSON object.
    pub fn unchecked(json: Value) -> Self {
        Self {
            json,
            checked: false,
        }
    }

    /// The audience as Braze's JSON.
    pub fn as_json(&self) -> &Value {
        &self.json
    }

    /// The audience as Braze's JSON.
    pub fn into_json(self) -> Value {
        self.json
    }

    /// Checked ([`braze_api::audience::check`]) and in wire form: the generated type, or,
    /// for an [unchecked](Audience::unchecked) audience, the JSON object as given.
    pub(crate) fn to_wire(&self) -> Result<WireAudience, Error> {
        if !self.checked {
            return match &self.json {
                Value::Object(map) => Ok(WireAudience::Unchecked(map.clone())),
                other => Err(Error::invalid(
                    "audience",
                    crate::validate::not_an_object(other),
                )),
            };
        }
        audience::parse("audience", &self.json)
            .map(WireAudience::Typed)
            .map_err(refusal)
    }
}

/// JSON in Braze's grammar, checked when the request is built (as
/// [`Audience::from_json`] checks it at once).
impl From<Value> for Audience {
    fn from(json: Value) -> Self {
        Self {
            json,
            checked: true,
        }
    }
}

/// Serializes as Braze's JSON.
impl Serialize for Audience {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

/// An audience ready for the body: in the generated type, or (unchecked) as an extra field.
pub(crate) enum WireAudience {
    Typed(types::ConnectedAudience),
    Unchecked(Map<String, Value>),
}

/// The body's typed `audience`, and the extra fields with an unchecked audience added.
pub(crate) fn split(
    audience: Option<&Audience>,
    mut extra: Map<String, Value>,
) -> Result<(Option<types::ConnectedAudience>, Map<String, Value>), Error> {
    match audience.map(Audience::to_wire).transpose()? {
        None => Ok((None, extra)),
        Some(WireAudience::Typed(typed)) => Ok((Some(typed), extra)),
        Some(WireAudience::Unchecked(json)) => {
            extra.insert("audience".to_owned(), Value::Object(json));
            Ok((None, extra))
        }
    }
}

/// The first problem as the error, with how many more there are.
fn refusal(problems: Vec<AudienceProblem>) -> Error {
    let more = problems.len().saturating_sub(1);
    let first = problems.into_iter().next();
    let (path, mut message) = first.map_or_else(
        || {
            (
                "audience".to_owned(),
                "is not a connected audience".to_owned(),
            )
        },
        |problem| (problem.path, problem.message),
    );
    if more > 0 {
        let s = if more == 1 { "" } else { "s" };
        message.push_str(&format!(" (and {more} more problem{s} in the audience)"));
    }
    Error::invalid(path, message)
}

fn node(key: &str, inner: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_owned(), inner);
    Value::Object(map)
}

/// A filter on a custom attribute, by its name; finish it with a comparison.
pub fn custom_attribute(name: impl Into<String>) -> CustomAttribute {
    CustomAttribute { name: name.into() }
}

/// A filter on the push subscription state; finish it with [`is`](SubscriptionFilter::is)
/// or [`is_not`](SubscriptionFilter::is_not).
pub fn push_subscription() -> SubscriptionFilter {
    SubscriptionFilter {
        key: "push_subscription_status",
    }
}

/// A filter on the email subscription state; finish it with
/// [`is`](SubscriptionFilter::is) or [`is_not`](SubscriptionFilter::is_not).
pub fn email_subscription() -> SubscriptionFilter {
    SubscriptionFilter {
        key: "email_subscription_status",
    }
}

/// A filter on when the user last used the app; finish it with
/// [`after`](LastUsedApp::after) or [`before`](LastUsedApp::before).
pub fn last_used_app() -> LastUsedApp {
    LastUsedApp
}

/// A custom attribute to compare, from [`custom_attribute`]. The comparisons allowed
/// depend on the attribute's type in Braze; each method takes a value of the type its
/// comparison compares with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomAttribute {
    name: String,
}

impl CustomAttribute {
    fn compare(self, comparison: &str, value: Option<Value>) -> Audience {
        let mut filter = Map::new();
        filter.insert("custom_attribute_name".to_owned(), Value::String(self.name));
        filter.insert(
            "comparison".to_owned(),
            Value::String(comparison.to_owned()),
        );
        if let Some(value) = value {
            filter.insert("value".to_owned(), value);
        }
        Audience::from(node("custom_attribute", Value::Object(filter)))
    }

    /// Equal to a string, number or boolean (string, numeric and boolean attributes).
    pub fn equals(self, value: impl Into<AttributeValue>) -> Audience {
        self.compare("equals", Some(value.into().0))
    }

    /// Not equal to a string, number or boolean (string, numeric and boolean attributes;
    /// Braze's `not_equal`, also for booleans, whatever older docs say).
    pub fn not_equal(self, value: impl Into<AttributeValue>) -> Audience {
        self.compare("not_equal", Some(value.into().0))
    }

    /// Matches a regular expression (string attributes).
    pub fn matches_regex(self, regex: impl Into<String>) -> Audience {
        self.compare("matches_regex", Some(Value::String(regex.into())))
    }

    /// Does not match a regular expression (string attributes).
    pub fn does_not_match_regex(self, regex: impl Into<String>) -> Audience {
        self.compare("does_not_match_regex", Some(Value::String(regex.into())))
    }

    /// Greater than a number (numeric attributes).
    pub fn greater_than(self, number: impl Into<AttributeNumber>) -> Audience {
        self.compare("greater_than", Some(number.into().0))
    }

    /// Greater than or equal to a number (numeric attributes).
    pub fn greater_than_or_equal_to(self, number: impl Into<AttributeNumber>) -> Audience {
        self.compare("greater_than_or_equal_to", Some(number.into().0))
    }

    /// Less than a number (numeric attributes).
    pub fn less_than(self, number: impl Into<AttributeNumber>) -> Audience {
        self.compare("less_than", Some(number.into().0))
    }

    /// Less than or equal to a number (numeric attributes).
    pub fn less_than_or_equal_to(self, number: impl Into<AttributeNumber>) -> Audience {
        self.compare("less_than_or_equal_to", Some(number.into().0))
    }

    /// Holds this element (array attributes).
    pub fn includes_value(self, element: impl Into<String>) -> Audience {
        self.compare("includes_value", Some(Value::String(element.into())))
    }

    /// Does not hold this element (array attributes).
    pub fn does_not_include_value(self, element: impl Into<String>) -> Audience {
        self.compare(
            "does_not_include_value",
            Some(Value::String(element.into())),
        )
    }

    /// Less than `days` days ago (time attributes; `less_than_x_days_ago`).
    pub fn less_than_days_ago(self, days: u32) -> Audience {
        self.compare("less_than_x_days_ago", Some(Value::from(days)))
    }

    /// More than `days` days ago (time attributes; `greater_than_x_days_ago`).
    pub fn greater_than_days_ago(self, days: u32) -> Audience {
        self.compare("greater_than_x_days_ago", Some(Value::from(days)))
    }

    /// Less than `days` days from now (time attributes;
    /// `less_than_x_days_in_the_future`).
    pub fn less_than_days_in_the_future(self, days: u32) -> Audience {
        self.compare("less_than_x_days_in_the_future", Some(Value::from(days)))
    }

    /// More than `days` days from now (time attributes;
    /// `greater_than_x_days_in_the_future`).
    pub fn greater_than_days_in_the_future(self, days: u32) -> Audience {
        self.compare("greater_than_x_days_in_the_future", Some(Value::from(days)))
    }

    /// After an instant (time attributes; sent as ISO 8601 in UTC).
    pub fn after(self, instant: DateTime<Utc>) -> Audience {
        self.compare("after", Some(Value::String(iso8601(instant))))
    }

    /// Before an instant (time attributes; sent as ISO 8601 in UTC).
    pub fn before(self, instant: DateTime<Utc>) -> Audience {
        self.compare("before", Some(Value::String(iso8601(instant))))
    }

    /// Has a value (any attribute type).
    pub fn exists(self) -> Audience {
        self.compare("exists", None)
    }

    /// Has no value (any attribute type).
    pub fn does_not_exist(self) -> Audience {
        self.compare("does_not_exist", None)
    }
}

/// A value [`equals`](CustomAttribute::equals) and
/// [`not_equal`](CustomAttribute::not_equal) compare with: a string, a number or a
/// boolean.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeValue(Value);

impl From<&str> for AttributeValue {
    fn from(value: &str) -> Self {
        Self(Value::String(value.to_owned()))
    }
}

impl From<String> for AttributeValue {
    fn from(value: String) -> Self {
        Self(Value::String(value))
    }
}

impl From<bool> for AttributeValue {
    fn from(value: bool) -> Self {
        Self(Value::Bool(value))
    }
}

impl<N: Into<AttributeNumber>> From<N> for AttributeValue {
    fn from(number: N) -> Self {
        Self(number.into().0)
    }
}

/// A number a numeric comparison takes: any integer, or a float. A float that is not
/// finite (NaN, infinity) has no JSON form and is refused when the request is built.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeNumber(Value);

macro_rules! integer_numbers {
    ($($integer:ty),*) => {$(
        impl From<$integer> for AttributeNumber {
            fn from(number: $integer) -> Self {
                Self(Value::Number(Number::from(number)))
            }
        }
    )*};
}
integer_numbers!(i8, i16, i32, i64, u8, u16, u32, u64);

impl From<f64> for AttributeNumber {
    fn from(number: f64) -> Self {
        Self(Number::from_f64(number).map_or(Value::Null, Value::Number))
    }
}

impl From<f32> for AttributeNumber {
    fn from(number: f32) -> Self {
        Self::from(f64::from(number))
    }
}

/// A push or email subscription filter, from [`push_subscription`] or
/// [`email_subscription`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionFilter {
    key: &'static str,
}

impl SubscriptionFilter {
    fn compare(self, comparison: &str, status: SubscriptionStatus) -> Audience {
        let mut filter = Map::new();
        filter.insert(
            "comparison".to_owned(),
            Value::String(comparison.to_owned()),
        );
        filter.insert("value".to_owned(), Value::String(status.to_string()));
        Audience::from(node(self.key, Value::Object(filter)))
    }

    /// Users in this subscription state.
    pub fn is(self, status: SubscriptionStatus) -> Audience {
        self.compare("is", status)
    }

    /// Users not in this subscription state.
    pub fn is_not(self, status: SubscriptionStatus) -> Audience {
        self.compare("is_not", status)
    }
}

/// A filter on the last use of the app, from [`last_used_app`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastUsedApp;

impl LastUsedApp {
    fn compare(self, comparison: &str, date_time: String) -> Audience {
        let mut filter = Map::new();
        filter.insert(
            "comparison".to_owned(),
            Value::String(comparison.to_owned()),
        );
        filter.insert("value".to_owned(), Value::String(date_time));
        Audience::from(node("last_used_app", Value::Object(filter)))
    }

    /// Used the app after an instant (sent as ISO 8601 in UTC).
    pub fn after(self, instant: DateTime<Utc>) -> Audience {
        self.compare("after", iso8601(instant))
    }

    /// Last used the app before an instant (sent as ISO 8601 in UTC).
    pub fn before(self, instant: DateTime<Utc>) -> Audience {
        self.compare("before", iso8601(instant))
    }
}

/// An instant as Braze's audience filters take it: `2026-01-01T00:00:00Z`.
fn iso8601(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(audience: Audience) -> (String, String) {
        match audience.to_wire() {
            Err(Error::InvalidRequest { field, reason }) => (field, reason),
            Err(other) => panic!("another error: {other}"),
            Ok(_) => panic!("accepted: {}", audience.as_json()),
        }
    }

    #[test]
    fn builders_write_braze_grammar() {
        assert_eq!(
            custom_attribute("orders").greater_than(3).into_json(),
            json!({"custom_attribute": {
                "custom_attribute_name": "orders", "comparison": "greater_than", "value": 3}})
        );
        assert_eq!(
            custom_attribute("score").less_than(2.5).into_json()["custom_attribute"]["value"],
            json!(2.5)
        );
        assert_eq!(
            custom_attribute("vip").equals(true).into_json()["custom_attribute"]["value"],
            json!(true)
        );
        assert_eq!(
            custom_attribute("email").exists().into_json(),
            json!({"custom_attribute": {"custom_attribute_name": "email", "comparison": "exists"}})
        );
        assert_eq!(
            email_subscription()
                .is_not(SubscriptionStatus::Unsubscribed)
                .into_json(),
            json!({"email_subscription_status": {"comparison": "is_not", "value": "unsubscribed"}})
        );
        assert_eq!(
            last_used_app()
                .before(chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, 1, 0, 0, 0).unwrap())
                .into_json(),
            json!({"last_used_app": {"comparison": "before", "value": "2026-01-01T00:00:00Z"}})
        );
    }

    #[test]
    fn checks_name_the_path() {
        let audience = Audience::all([
            custom_attribute("tier").equals("gold"),
            Audience::any([custom_attribute(" ").exists()]),
        ]);
        let (field, reason) = refused(audience);
        assert_eq!(
            field,
            "audience.AND[1].OR[0].custom_attribute.custom_attribute_name"
        );
        assert!(reason.contains("blank"), "{reason}");
        let (field, _) = refused(Audience::all([]));
        assert_eq!(field, "audience.AND");
        let (field, reason) = refused(Audience::from(
            json!({"last_used_app": {"comparison": "after", "value": "last tuesday"}}),
        ));
        assert_eq!(field, "audience.last_used_app.value");
        assert!(reason.contains("ISO 8601"), "{reason}");
        let (field, _) = refused(custom_attribute("x").greater_than(f64::NAN));
        assert_eq!(field, "audience.custom_attribute.value");
    }

    #[test]
    fn json_is_checked_and_unchecked_is_not() {
        let wrong = json!({"custom_attribute": {
            "custom_attribute_name": "vip", "comparison": "does_not_equal", "value": false}});
        let error = Audience::from_json(wrong.clone()).unwrap_err();
        assert!(error.to_string().contains("not_equal"), "{error}");
        let (field, _) = refused(Audience::from(wrong.clone()));
        assert_eq!(field, "audience.custom_attribute.comparison");
        let Ok(WireAudience::Unchecked(map)) = Audience::unchecked(wrong.clone()).to_wire() else {
            panic!("unchecked is sent as given");
        };
        assert_eq!(Value::Object(map), wrong);
        assert!(Audience::unchecked(json!([1])).to_wire().is_err());
        // An unchecked part makes the whole tree unchecked.
        let mixed = Audience::all([Audience::unchecked(json!({"new_filter": {}}))]);
        assert!(matches!(mixed.to_wire(), Ok(WireAudience::Unchecked(_))));
    }

    #[test]
    fn several_problems_are_counted() {
        let (_, reason) = refused(Audience::any([
            custom_attribute("").exists(),
            Audience::all([]),
            Audience::from(json!({"last_used_app": {"comparison": "after", "value": "soon"}})),
        ]));
        assert!(
            reason.ends_with("(and 2 more problems in the audience)"),
            "{reason}"
        );
    }
}
