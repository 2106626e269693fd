//! The schedule object that create and update requests carry.

use braze_api::types;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

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

    /// The wire type, if the time has the shape of the spec's `ScheduleTime` (what it
    /// means, and whether Braze takes it, is checked with the rest of the body:
    /// [`braze_api::rules`]).
    pub(crate) fn to_wire(&self) -> Result<types::Schedule, crate::Error> {
        let time: braze_api::ScheduleTime = self.time.parse().map_err(|_| {
            crate::Error::invalid(
                "schedule.time",
                format!(
                    "{:?} is not an ISO 8601 date-time such as \"2030-05-24T21:30:00Z\" (or, for \
                     local and optimal-time sends, \"2030-05-24T21:30:00\")",
                    self.time
                ),
            )
        })?;
        Ok(types::Schedule {
            time,
            in_local_time: self.in_local_time,
            at_optimal_time: self.at_optimal_time,
        })
    }
}

impl From<DateTime<Utc>> for Schedule {
    fn from(time: DateTime<Utc>) -> Self {
        Self::utc(time)
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
