//! The one reader of the times Braze's API takes, for the client, the fake and the command:
//! a schedule's `time` (the spec's `ScheduleTime` grammar), and the other ISO 8601 fields
//! (`content_card.expire_at`, the audience's `after` / `before`, the listing's `end_time`)
//! as Braze's own examples write them.
//!
//! A time is read in two steps: its *shape* (digits and separators where the grammar puts
//! them, each number within its bounds), then its *meaning* (a date that exists: not
//! February 30). [`ScheduleTime`](crate::ScheduleTime) checks the shape only, as the
//! spec's pattern does; [`SendTime::parse`] and [`parse_date_time`] check both.
//!
//! What a schedule's time means depends on its flags ([`When`]): an instant in UTC, a time
//! of day in each user's time zone (`in_local_time`), or a date at each user's optimal time
//! (`at_optimal_time`). The time-zone arithmetic of local sends is here too: when a local
//! time has passed somewhere, and everywhere.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};

/// A date-time as written: the date and time of day, and the offset when the text has one
/// (`Z` is an offset of zero). Read with [`SendTime::parse`] (a schedule's `time`) or
/// [`parse_date_time`] (Braze's other ISO 8601 fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendTime {
    /// The date and time of day as written, without the offset: what a local-time send
    /// uses in each user's time zone.
    pub wall_clock: NaiveDateTime,
    /// The offset written after the time (`Z`, `+02:00`), if any.
    pub offset: Option<FixedOffset>,
}

impl SendTime {
    /// Reads a schedule's `time` in the spec's grammar ([`crate::SCHEDULE_TIME_PATTERN`]:
    /// a date, `T`, `t` or a space, hours and minutes, optional seconds (`60` for a leap
    /// second) and fraction, optional `Z` or `±hh:mm`), on a date that exists. `None`
    /// otherwise.
    ///
    /// ```
    /// use braze_api::time::SendTime;
    ///
    /// let time = SendTime::parse("2030-05-24T21:30:00+02:00").unwrap();
    /// assert_eq!(time.instant().to_rfc3339(), "2030-05-24T19:30:00+00:00");
    /// assert!(SendTime::parse("2030-05-24 21:30").unwrap().offset.is_none());
    /// assert!(SendTime::parse("2030-02-30T12:00:00Z").is_none()); // no such date
    /// assert!(SendTime::parse("2030-05-24T21:30:00+0200").is_none()); // not the spec's shape
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        Written::read(text, &SCHEDULE_TIME)?.meaning()
    }

    /// The instant: the wall clock at its offset, or read as UTC when there is none
    /// (Braze: "time to send the message in UTC").
    pub fn instant(&self) -> DateTime<Utc> {
        let utc = match self.offset {
            Some(offset) => self.wall_clock - TimeDelta::seconds(offset.local_minus_utc().into()),
            None => self.wall_clock,
        };
        utc.and_utc()
    }
}

/// Reads an ISO 8601 date-time as Braze's examples write them: a date, `T`, a time to the
/// minute or second (with an optional fraction), and an optional designator (`Z`,
/// `+02:00`, `+0200`, `+02`); the docs' own example is `2019-07-22T13:17:55+0000`. A time
/// without a designator is read as UTC. `None` if it is not one, or names no real date.
///
/// ```
/// use braze_api::time::parse_date_time;
///
/// let expiry = parse_date_time("2030-05-31T00:00:00+0000").unwrap();
/// assert_eq!(expiry.instant().to_rfc3339(), "2030-05-31T00:00:00+00:00");
/// assert!(parse_date_time("2030-05-31").is_none());
/// ```
pub fn parse_date_time(text: &str) -> Option<SendTime> {
    Written::read(text, &BRAZE_ISO_8601)?.meaning()
}

/// Reads the `end_time` of the scheduled-broadcasts listing: a date (midnight UTC) or a
/// date-time as [`parse_date_time`] reads it.
///
/// ```
/// use braze_api::time::parse_end_time;
///
/// assert_eq!(parse_end_time("2030-09-01").unwrap().to_rfc3339(), "2030-09-01T00:00:00+00:00");
/// assert_eq!(
///     parse_end_time("2030-09-01T00:00:00-04:00").unwrap().to_rfc3339(),
///     "2030-09-01T04:00:00+00:00"
/// );
/// assert!(parse_end_time("next week").is_none());
/// ```
pub fn parse_end_time(text: &str) -> Option<DateTime<Utc>> {
    let mut cursor = Cursor(text.as_bytes());
    if let Some(date) = cursor.date()
        && cursor.0.is_empty()
    {
        return date
            .meaning()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc());
    }
    parse_date_time(text).map(|time| time.instant())
}

/// Whether `text` has the shape of the spec's `ScheduleTime` (its pattern, anchored at both
/// ends), whether or not the date exists.
pub(crate) fn fits_the_schedule_time_pattern(text: &str) -> bool {
    Written::read(text, &SCHEDULE_TIME).is_some()
}

/// What a schedule's time means, by its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// At an instant (neither flag).
    Utc(DateTime<Utc>),
    /// At this time of day in each user's time zone (`in_local_time`).
    Local(NaiveDateTime),
    /// On this date, at each user's optimal time (`at_optimal_time`). With both flags,
    /// optimal time wins: Braze sends "on the given date" at the user's optimal time,
    /// whatever the time of day given, which is what local time is about.
    Optimal(NaiveDate),
}

impl When {
    /// The meaning of `time` with a schedule's two flags.
    pub fn of(time: SendTime, in_local_time: bool, at_optimal_time: bool) -> Self {
        if at_optimal_time {
            Self::Optimal(time.wall_clock.date())
        } else if in_local_time {
            Self::Local(time.wall_clock)
        } else {
            Self::Utc(time.instant())
        }
    }

    /// Whether the send is behind every user at `now`: a UTC send once its instant is
    /// before `now` (one due at `now` exactly is still to come); a local-time send once its
    /// time of day has passed in every time zone (at UTC-12, the last zone to reach it);
    /// an optimal-time send once its whole date has passed in every time zone.
    pub fn passed_everywhere(&self, now: DateTime<Utc>) -> bool {
        match *self {
            Self::Utc(instant) => instant < now,
            Self::Local(wall_clock) => passed_in_every_time_zone(wall_clock, now),
            Self::Optimal(date) => date
                .succ_opt()
                .and_then(|next| next.and_hms_opt(0, 0, 0))
                .is_some_and(|end_of_day| passed_in_every_time_zone(end_of_day, now)),
        }
    }
}

/// The furthest time zones from UTC: UTC-12:00 (Baker Island) and UTC+14:00 (Line Islands).
const WESTMOST_OFFSET: TimeDelta = TimeDelta::hours(12);
const EASTMOST_OFFSET: TimeDelta = TimeDelta::hours(14);

/// Whether a local time of day has passed in every time zone at `now`: it has once it has
/// passed at UTC-12, the last zone to reach it.
pub fn passed_in_every_time_zone(wall_clock: NaiveDateTime, now: DateTime<Utc>) -> bool {
    wall_clock + WESTMOST_OFFSET < now.naive_utc()
}

/// Whether a local time of day has passed in at least one time zone at `now`: it has once it
/// has passed at UTC+14, the first zone to reach it.
pub fn passed_in_some_time_zone(wall_clock: NaiveDateTime, now: DateTime<Utc>) -> bool {
    wall_clock - EASTMOST_OFFSET < now.naive_utc()
}

/// The shapes a grammar allows where the two grammars differ.
struct Grammar {
    /// What may stand between the date and the time.
    separators: &'static [u8],
    /// Offsets written `+0200` and `+02` besides `+02:00`.
    compact_offsets: bool,
}

/// The spec's `ScheduleTime` pattern.
const SCHEDULE_TIME: Grammar = Grammar {
    separators: b"Tt ",
    compact_offsets: false,
};

/// ISO 8601 as Braze's examples write it.
const BRAZE_ISO_8601: Grammar = Grammar {
    separators: b"Tt",
    compact_offsets: true,
};

/// A date as written, its numbers within their bounds.
struct WrittenDate {
    year: u32,
    month: u32,
    day: u32,
}

impl WrittenDate {
    fn meaning(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(i32::try_from(self.year).ok()?, self.month, self.day)
    }
}

/// A date-time as written, its numbers within their bounds.
struct Written {
    date: WrittenDate,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    /// Seconds east of UTC.
    offset: Option<i32>,
}

impl Written {
    /// Reads `text` whole in `grammar`, left to right: every optional part starts with a
    /// character that nothing after it can start with (`:` seconds, `.` fraction, `Z`/`z`
    /// or a sign for the zone), so no backtracking is ever needed.
    fn read(text: &str, grammar: &Grammar) -> Option<Self> {
        let mut rest = Cursor(text.as_bytes());
        let date = rest.date()?;
        rest.one_of(grammar.separators)?;
        let (hour, minute) = rest.clock()?;
        let (mut second, mut nanos) = (0, 0);
        if rest.next_is(b":") {
            rest.one_of(b":")?;
            second = rest.number(2, 0, 60)?;
            if rest.next_is(b".") {
                rest.one_of(b".")?;
                nanos = rest.fraction()?;
            }
        }
        let offset = if rest.next_is(b"Zz") {
            rest.one_of(b"Zz")?;
            Some(0)
        } else if rest.next_is(b"+-") {
            let sign = if rest.one_of(b"+-")? == b'-' { -1 } else { 1 };
            let (hours, minutes) = if grammar.compact_offsets {
                rest.compact_offset()?
            } else {
                rest.clock()?
            };
            Some(sign * i32::try_from(hours * 3_600 + minutes * 60).ok()?)
        } else {
            None
        };
        rest.0.is_empty().then_some(Self {
            date,
            hour,
            minute,
            second,
            nanos,
            offset,
        })
    }

    /// The date-time, if the date exists. A leap second (`:60`) is chrono's: the 59th
    /// second, a second long.
    fn meaning(&self) -> Option<SendTime> {
        let date = self.date.meaning()?;
        let (second, nanos) = if self.second == 60 {
            (59, 1_000_000_000 + self.nanos)
        } else {
            (self.second, self.nanos)
        };
        let time = NaiveTime::from_hms_nano_opt(self.hour, self.minute, second, nanos)?;
        let offset = match self.offset {
            Some(seconds) => Some(FixedOffset::east_opt(seconds)?),
            None => None,
        };
        Some(SendTime {
            wall_clock: date.and_time(time),
            offset,
        })
    }
}

/// What is left to read of the text.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    /// `[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])`
    fn date(&mut self) -> Option<WrittenDate> {
        let year = self.number(4, 0, 9999)?;
        self.one_of(b"-")?;
        let month = self.number(2, 1, 12)?;
        self.one_of(b"-")?;
        let day = self.number(2, 1, 31)?;
        Some(WrittenDate { year, month, day })
    }

    /// `([01][0-9]|2[0-3]):[0-5][0-9]`
    fn clock(&mut self) -> Option<(u32, u32)> {
        let hours = self.number(2, 0, 23)?;
        self.one_of(b":")?;
        let minutes = self.number(2, 0, 59)?;
        Some((hours, minutes))
    }

    /// An offset's hours and minutes: `hh:mm`, `hhmm` or `hh`.
    fn compact_offset(&mut self) -> Option<(u32, u32)> {
        let hours = self.number(2, 0, 23)?;
        if self.next_is(b":") {
            self.one_of(b":")?;
        } else if self.0.is_empty() {
            return Some((hours, 0));
        }
        Some((hours, self.number(2, 0, 59)?))
    }

    /// `[0-9]+` after the decimal point, as nanoseconds (digits past the ninth dropped).
    fn fraction(&mut self) -> Option<u32> {
        let digits = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let (fraction, rest) = self.0.split_at(digits);
        self.0 = rest;
        let nanos = fraction
            .iter()
            .chain(std::iter::repeat(&b'0'))
            .take(9)
            .fold(0, |n, d| n * 10 + u32::from(d - b'0'));
        Some(nanos)
    }

    /// Exactly `digits` ASCII digits whose value is within `min..=max`.
    fn number(&mut self, digits: usize, min: u32, max: u32) -> Option<u32> {
        let (head, tail) = self.0.split_at_checked(digits)?;
        if !head.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = head.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'));
        self.0 = tail;
        (min..=max).contains(&value).then_some(value)
    }

    fn one_of(&mut self, allowed: &[u8]) -> Option<u8> {
        let (first, tail) = self.0.split_first()?;
        if !allowed.contains(first) {
            return None;
        }
        self.0 = tail;
        Some(*first)
    }

    fn next_is(&self, any_of: &[u8]) -> bool {
        self.0.first().is_some_and(|b| any_of.contains(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn schedule_times_read_offsets_and_naive_times() {
        let zulu = SendTime::parse("2017-05-24T21:30:00Z").unwrap();
        assert_eq!(zulu.offset, FixedOffset::east_opt(0));
        assert_eq!(zulu.instant(), utc("2017-05-24T21:30:00Z"));
        let offset = SendTime::parse("2017-05-24T21:30:00+02:00").unwrap();
        assert_eq!(offset.instant(), utc("2017-05-24T19:30:00Z"));
        assert_eq!(offset.wall_clock.to_string(), "2017-05-24 21:30:00");
        let west = SendTime::parse("2017-05-24T21:30-04:30").unwrap();
        assert_eq!(west.instant(), utc("2017-05-25T02:00:00Z"));
        let naive = SendTime::parse("2015-02-20T13:14:47.250").unwrap();
        assert_eq!(naive.offset, None);
        assert_eq!(naive.instant(), utc("2015-02-20T13:14:47.250Z"));
        // The spec's other shapes: a space or `t`, lower-case `z`, no seconds.
        for text in [
            "2030-05-24 21:30",
            "2030-05-24t21:30:00z",
            "2030-05-24T21:30",
        ] {
            let time = SendTime::parse(text).unwrap();
            assert_eq!(time.wall_clock.to_string(), "2030-05-24 21:30:00", "{text}");
        }
        let precise = SendTime::parse("2030-01-01T00:00:00.1234567891Z").unwrap();
        assert_eq!(
            precise.wall_clock.and_utc().timestamp_subsec_nanos(),
            123_456_789
        );
        // A leap second is the 59th second, a second long.
        let leap = SendTime::parse("2016-12-31T23:59:60Z").unwrap();
        assert!(leap.instant() > utc("2016-12-31T23:59:59Z"));
        assert!(leap.instant() < utc("2017-01-01T00:00:00Z"));
    }

    #[test]
    fn schedule_times_refuse_other_shapes_and_dates_that_do_not_exist() {
        for bad in [
            "",
            "tomorrow",
            "2017-05-24",
            "2017-13-01T00:00:00Z",
            "2030-02-30T12:00:00Z",
            "2029-02-29T12:00:00Z",
            "2030-05-24T21:30:00+0200",
            "2030-05-24T21:30:00+02",
            "2030-05-24T21:30:00.",
            "2030-05-24T21:30.5",
            " 2030-05-24T21:30",
            "21:30:00",
        ] {
            assert_eq!(SendTime::parse(bad), None, "{bad}");
        }
        assert!(SendTime::parse("2028-02-29T12:00:00Z").is_some());
        // The shape alone is what the spec's pattern checks.
        assert!(fits_the_schedule_time_pattern("2030-02-30T12:00:00Z"));
        assert!(!fits_the_schedule_time_pattern("2030-05-24T21:30:00+0200"));
    }

    #[test]
    fn braze_date_times_take_compact_offsets_but_no_space() {
        for (text, expected) in [
            ("2019-07-22T13:17:55+0000", "2019-07-22T13:17:55Z"),
            ("2019-07-22T13:17:55+02", "2019-07-22T11:17:55Z"),
            ("2019-07-22T13:17:55-04:30", "2019-07-22T17:47:55Z"),
            ("2019-07-22T13:17", "2019-07-22T13:17:00Z"),
            ("2019-07-22t13:17:55z", "2019-07-22T13:17:55Z"),
        ] {
            assert_eq!(
                parse_date_time(text).unwrap().instant(),
                utc(expected),
                "{text}"
            );
        }
        for bad in [
            "2019-07-22 13:17:55",
            "2019-07-22T13:17:55+2",
            "2019-07-22T13:17:55+000",
            "2019-02-29T00:00:00Z",
            "2019-07-22",
        ] {
            assert_eq!(parse_date_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn end_times_take_dates_too() {
        assert_eq!(
            parse_end_time("2018-09-01"),
            Some(utc("2018-09-01T00:00:00Z"))
        );
        assert_eq!(
            parse_end_time("2018-09-01T00:00:00-04:00"),
            Some(utc("2018-09-01T04:00:00Z"))
        );
        for bad in ["2018-09-31", "2018-09-01T00:00:00 04:00", "", "2018-09-01 "] {
            assert_eq!(parse_end_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn what_a_time_means_by_its_flags() {
        let time = SendTime::parse("2030-01-01T08:00:00").unwrap();
        assert_eq!(
            When::of(time, false, false),
            When::Utc(utc("2030-01-01T08:00:00Z"))
        );
        assert_eq!(When::of(time, true, false), When::Local(time.wall_clock));
        let date = time.wall_clock.date();
        assert_eq!(When::of(time, false, true), When::Optimal(date));
        assert_eq!(When::of(time, true, true), When::Optimal(date));
    }

    #[test]
    fn local_times_pass_zone_by_zone() {
        let now = utc("2030-01-02T00:00:00Z");
        let wall = |text| SendTime::parse(text).unwrap().wall_clock;
        // 11:59 at UTC-12 was 23:59 UTC: passed everywhere; 12:01 there is still to come.
        assert!(passed_in_every_time_zone(wall("2030-01-01T11:59:00"), now));
        assert!(!passed_in_every_time_zone(wall("2030-01-01T12:01:00"), now));
        assert!(passed_in_some_time_zone(wall("2030-01-02T13:59:00"), now));
        assert!(!passed_in_some_time_zone(wall("2030-01-02T14:01:00"), now));
        assert!(When::Local(wall("2030-01-01T11:59:00")).passed_everywhere(now));
        assert!(!When::Utc(now).passed_everywhere(now));
        assert!(When::Utc(now - TimeDelta::seconds(1)).passed_everywhere(now));
    }

    #[test]
    fn an_optimal_date_ends_at_utc_minus_12_last() {
        // 2030-01-01 ends at UTC-12 at 2030-01-02T12:00Z.
        let day = When::Optimal(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap());
        assert!(!day.passed_everywhere(utc("2030-01-02T11:59:00Z")));
        assert!(!day.passed_everywhere(utc("2030-01-02T12:00:00Z")));
        assert!(day.passed_everywhere(utc("2030-01-02T12:00:01Z")));
        // The last date chrono knows has no end to pass, and nothing panics on the way.
        assert!(!When::Optimal(NaiveDate::MAX).passed_everywhere(utc("2030-01-01T00:00:00Z")));
    }
}
