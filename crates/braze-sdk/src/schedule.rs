//! The schedule object that create and update requests carry.

use braze_api::ScheduleTime;
use braze_api::time::{SendTime, When};
use braze_api::types;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::Error;

/// When to send: at an instant ([`Schedule::utc`]), at a time of day in each user's time
/// zone ([`Schedule::local`]), or on a date at each user's optimal time
/// ([`Schedule::optimal`]). Text is read only on purpose, with [`Schedule::parse`],
/// [`Schedule::parse_local`] or [`Schedule::parse_optimal`], which refuse what Braze would.
///
/// An update replaces the whole schedule: a send made local or optimal stays so only if the
/// update's schedule is.
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
///
/// assert_eq!(Schedule::parse("2030-05-24T23:30:00+02:00")?, utc);
/// assert!(Schedule::parse_local("2030-02-20T13:14:47Z").is_err()); // a designator
/// # Ok::<(), braze_sdk::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule(When);

impl Schedule {
    /// At an instant, sent as UTC (`2030-05-24T21:30:00Z`).
    pub fn utc(time: DateTime<Utc>) -> Self {
        Self(When::Utc(time))
    }

    /// At this time of day in each user's time zone (`in_local_time`). Braze refuses it
    /// once the time has passed in every time zone.
    pub fn local(time: NaiveDateTime) -> Self {
        Self(When::Local(time))
    }

    /// On this date, at each user's optimal time (`at_optimal_time`).
    pub fn optimal(date: NaiveDate) -> Self {
        Self(When::Optimal(date))
    }

    /// An ISO 8601 date-time in the spec's grammar (`2030-05-24T21:30:00Z`,
    /// `2030-05-24 21:30+02:00`...), as an instant; a time without a designator is read as
    /// UTC, as Braze reads it. Surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<Self, Error> {
        Ok(Self::utc(read(text)?.instant()))
    }

    /// A time of day for a local-time send, written without a designator
    /// (`2030-05-24T21:30:00`): Braze's "do not include a time zone designator".
    pub fn parse_local(text: &str) -> Result<Self, Error> {
        let time = read(text)?;
        if time.offset.is_some() {
            return Err(designator(text, "local"));
        }
        Ok(Self::local(time.wall_clock))
    }

    /// The date of an optimal-time send: a date (`2030-05-24`), or a date-time without a
    /// designator whose time of day Braze ignores.
    pub fn parse_optimal(text: &str) -> Result<Self, Error> {
        let trimmed = text.trim();
        let time = match SendTime::parse(&format!("{trimmed}T00:00")) {
            Some(midnight) if trimmed.len() == "2030-05-24".len() => midnight,
            _ => read(text)?,
        };
        if time.offset.is_some() {
            return Err(designator(text, "optimal"));
        }
        Ok(Self::optimal(time.wall_clock.date()))
    }

    /// What it means.
    pub fn when(&self) -> When {
        self.0
    }

    /// The time as it is sent: `2030-05-24T21:30:00Z`, or the time of day without a
    /// designator for a local or optimal-time send.
    pub fn time(&self) -> String {
        match self.0 {
            When::Utc(instant) => instant.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            When::Local(wall_clock) => wall_clock.format("%Y-%m-%dT%H:%M:%S").to_string(),
            When::Optimal(date) => format!("{}T00:00:00", date.format("%Y-%m-%d")),
        }
    }

    /// The wire type (the spec's `ScheduleTime` takes years 0000 to 9999 only).
    pub(crate) fn to_wire(self) -> Result<types::Schedule, Error> {
        let time: ScheduleTime = self.time().parse().map_err(|_| {
            Error::invalid(
                "schedule.time",
                format!("{} is outside the years 0000 to 9999", self.time()),
            )
        })?;
        Ok(types::Schedule {
            time,
            in_local_time: matches!(self.0, When::Local(_)).then_some(true),
            at_optimal_time: matches!(self.0, When::Optimal(_)).then_some(true),
        })
    }
}

impl From<DateTime<Utc>> for Schedule {
    fn from(time: DateTime<Utc>) -> Self {
        Self::utc(time)
    }
}

impl From<When> for Schedule {
    fn from(when: When) -> Self {
        Self(when)
    }
}

/// A schedule time in the spec's grammar, on a real date.
fn read(text: &str) -> Result<SendTime, Error> {
    SendTime::parse(text.trim()).ok_or_else(|| {
        Error::invalid(
            "schedule.time",
            format!(
                "{text:?} is not an ISO 8601 date-time such as \"2030-05-24T21:30:00Z\" (or, for \
                 local and optimal-time sends, \"2030-05-24T21:30:00\")"
            ),
        )
    })
}

fn designator(text: &str, which: &str) -> Error {
    Error::invalid(
        "schedule.time",
        format!(
            "{text:?} has a time-zone designator; a {which}-time send takes a time without one, \
             e.g. \"2030-02-20T13:14:47\""
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_read_in_the_specs_grammar() {
        let utc = |text: &str| Schedule::parse(text).unwrap().time();
        assert_eq!(utc(" 2030-05-24T21:30:00Z\n"), "2030-05-24T21:30:00Z");
        assert_eq!(utc("2030-05-24 23:30+02:00"), "2030-05-24T21:30:00Z");
        assert_eq!(utc("2030-05-24T21:30"), "2030-05-24T21:30:00Z");
        for bad in [
            "24/05/2030",
            "2030-02-30T10:00:00Z",
            "2030-05-24T21:30:00+0200",
            "",
        ] {
            let error = Schedule::parse(bad).unwrap_err();
            assert!(
                error.to_string().contains("schedule.time"),
                "{bad}: {error}"
            );
        }
        let local = Schedule::parse_local("2030-05-24T21:30").unwrap();
        assert_eq!(local.time(), "2030-05-24T21:30:00");
        assert!(Schedule::parse_local("2030-05-24T21:30Z").is_err());
        assert_eq!(
            Schedule::parse_optimal("2030-05-24").unwrap().time(),
            "2030-05-24T00:00:00"
        );
        assert_eq!(
            Schedule::parse_optimal("2030-05-24T18:00").unwrap(),
            Schedule::parse_optimal("2030-05-24").unwrap()
        );
        assert!(Schedule::parse_optimal("2030-05-24T18:00+01:00").is_err());
        assert!(Schedule::parse_optimal("2030-02-30").is_err());
    }

    #[test]
    fn the_wire_carries_the_flags_of_its_kind() {
        let local = Schedule::parse_local("2030-05-24T21:30")
            .unwrap()
            .to_wire()
            .unwrap();
        assert_eq!(
            (local.in_local_time, local.at_optimal_time),
            (Some(true), None)
        );
        let optimal = Schedule::parse_optimal("2030-05-24")
            .unwrap()
            .to_wire()
            .unwrap();
        assert_eq!(
            (optimal.in_local_time, optimal.at_optimal_time),
            (None, Some(true))
        );
        let far = NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap();
        assert!(Schedule::optimal(far).to_wire().is_err());
    }
}
