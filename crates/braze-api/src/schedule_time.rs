//! [`ScheduleTime`], the `time` of a schedule: the spec's `ScheduleTime` component,
//! written by hand in place of the generated type (see `xtask/src/generate.rs`).
//!
//! The generated type checked the spec's `pattern` with the `regress` regular-expression
//! crate, the only pattern of the spec that needed it; a regex engine is a large part of
//! every user's build for one fixed shape. [`ScheduleTime`] checks exactly that shape by
//! hand, with the generated type's API and error messages; the workspace's tests compare
//! the two on generated and mutated inputs (`tests/tests/schedule_time.rs`), with
//! `regress` as a dev-dependency only.

use crate::time::SendTime;
use crate::types::error::ConversionError;

/// The spec's pattern for `ScheduleTime`, the shape [`ScheduleTime`] accepts.
pub const SCHEDULE_TIME_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)(\\.[0-9]+)?)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$";

/// ISO 8601 date-time, in UTC unless a designator says otherwise, e.g.
/// `2017-05-24T21:30:00Z`. With `in_local_time` or `at_optimal_time`, give no time-zone
/// designator (`2015-02-20T13:14:47`). Kept as a string because such local times are not
/// RFC 3339 date-times; the shape is checked ([`SCHEDULE_TIME_PATTERN`]: date, `T`, hours and minutes,
/// optional seconds and fraction, optional `Z` or offset), and a date that does not exist
/// (February 30) is refused by the rules ([`ScheduleTime::send_time`], [`crate::rules`]).
///
/// ```
/// use braze_api::ScheduleTime;
///
/// assert!("2030-05-24T21:30:00Z".parse::<ScheduleTime>().is_ok());
/// assert!("2015-02-20T13:14:47".parse::<ScheduleTime>().is_ok());
/// assert!("2030-05-24 21:30".parse::<ScheduleTime>().is_ok());
/// assert!("2030-13-24T21:30:00Z".parse::<ScheduleTime>().is_err());
/// assert!("24/05/2030".parse::<ScheduleTime>().is_err());
/// ```
#[derive(serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
#[serde(transparent)]
pub struct ScheduleTime(String);

impl ScheduleTime {
    /// The time as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The date-time it names, or `None` for a date that does not exist (February 30):
    /// the shape is checked when a `ScheduleTime` is made, the calendar here.
    pub fn send_time(&self) -> Option<SendTime> {
        SendTime::parse(&self.0)
    }
}

impl std::ops::Deref for ScheduleTime {
    type Target = String;
    fn deref(&self) -> &String {
        &self.0
    }
}

impl AsRef<str> for ScheduleTime {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<ScheduleTime> for String {
    fn from(value: ScheduleTime) -> Self {
        value.0
    }
}

impl std::fmt::Display for ScheduleTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ScheduleTime {
    type Err = ConversionError;
    fn from_str(value: &str) -> Result<Self, ConversionError> {
        // The generated type's messages, which the fake recognises.
        if value.is_empty() {
            return Err("shorter than 1 characters".into());
        }
        if !crate::time::fits_the_schedule_time_pattern(value) {
            return Err(format!("doesn't match pattern \"{SCHEDULE_TIME_PATTERN}\"").into());
        }
        Ok(Self(value.to_owned()))
    }
}

impl TryFrom<&str> for ScheduleTime {
    type Error = ConversionError;
    fn try_from(value: &str) -> Result<Self, ConversionError> {
        value.parse()
    }
}

impl TryFrom<&String> for ScheduleTime {
    type Error = ConversionError;
    fn try_from(value: &String) -> Result<Self, ConversionError> {
        value.parse()
    }
}

impl TryFrom<String> for ScheduleTime {
    type Error = ConversionError;
    fn try_from(value: String) -> Result<Self, ConversionError> {
        value.parse()
    }
}

impl<'de> serde::Deserialize<'de> for ScheduleTime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(|e: ConversionError| serde::de::Error::custom(e.to_string()))
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for ScheduleTime {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("ScheduleTime")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "minLength": 1,
            "pattern": SCHEDULE_TIME_PATTERN,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shapes_of_the_spec_are_taken_and_near_misses_refused() {
        for good in [
            "2030-05-24T21:30:00Z",
            "2030-05-24t21:30:00z",
            "2030-05-24 21:30",
            "2015-02-20T13:14:47",
            "2030-12-31T23:59:60",
            "2030-01-01T00:00:00.123456789+02:00",
            "2030-02-30T00:00-23:59",
            "0000-01-01T00:00",
        ] {
            assert!(good.parse::<ScheduleTime>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "2030-05-24",
            "2030-05-24T21",
            "2030-05-24T21:30:",
            "2030-05-24T21:30:00.",
            "2030-05-24T21:30:61",
            "2030-05-24T24:00",
            "2030-05-24T21:60",
            "2030-00-24T21:30",
            "2030-13-24T21:30",
            "2030-05-00T21:30",
            "2030-05-32T21:30",
            "2030-05-24X21:30",
            "2030-05-24T21:30:00+0200",
            "2030-05-24T21:30:00+24:00",
            "2030-05-24T21:30:00 UTC",
            "2030-05-24T21:30:00Zz",
            "20300-05-24T21:30",
            "٢٠٣٠-05-24T21:30",
            " 2030-05-24T21:30",
        ] {
            assert!(bad.parse::<ScheduleTime>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_errors_are_those_of_the_generated_type() {
        let empty = "".parse::<ScheduleTime>().unwrap_err().to_string();
        assert_eq!(empty, "shorter than 1 characters");
        let wrong = "tomorrow".parse::<ScheduleTime>().unwrap_err().to_string();
        assert!(
            wrong.starts_with("doesn't match pattern \"^[0-9]{4}-"),
            "{wrong}"
        );
    }
}
