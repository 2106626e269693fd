//! The ISO 8601 times Braze takes: `schedule.time` (with an offset, or a naive local time
//! for local and optimal-time sends) and the `end_time` of the scheduled-broadcasts list.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// A parsed `schedule.time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SendTime {
    /// The time of day as written, without its offset: what a local-time send uses in
    /// each user's time zone.
    pub(crate) wall_clock: NaiveDateTime,
    /// The instant, reading a naive time as UTC (Braze: "time to send the message in UTC").
    pub(crate) instant: DateTime<Utc>,
    /// Whether the text had an offset or `Z`.
    pub(crate) has_offset: bool,
}

/// Reads an RFC 3339 date-time (`2017-05-24T21:30:00Z`, `...+02:00`) or a naive one
/// (`2015-02-20T13:14:47`, optionally with fractional seconds, or `2015-02-20T13:14`).
pub(crate) fn parse_send_time(text: &str) -> Option<SendTime> {
    if let Ok(with_offset) = DateTime::<FixedOffset>::parse_from_rfc3339(text) {
        return Some(SendTime {
            wall_clock: with_offset.naive_local(),
            instant: with_offset.with_timezone(&Utc),
            has_offset: true,
        });
    }
    let naive = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())?;
    Some(SendTime {
        wall_clock: naive,
        instant: naive.and_utc(),
        has_offset: false,
    })
}

/// Reads `end_time`: a date (midnight UTC) or a date-time as [`parse_send_time`] reads it.
pub(crate) fn parse_end_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc());
    }
    parse_send_time(text).map(|time| time.instant)
}

/// The furthest time zones from UTC: UTC-12:00 (Baker Island) and UTC+14:00 (Line Islands).
const WESTMOST_OFFSET: TimeDelta = TimeDelta::hours(12);
const EASTMOST_OFFSET: TimeDelta = TimeDelta::hours(14);

/// Whether a local time of day has passed in every time zone: it has once it has passed at
/// UTC-12, the last zone to reach it.
pub(crate) fn passed_in_every_time_zone(wall_clock: NaiveDateTime, now: DateTime<Utc>) -> bool {
    wall_clock + WESTMOST_OFFSET < now.naive_utc()
}

/// Whether the whole date of a local time has passed in every time zone: it has once the
/// midnight that ends it has passed at UTC-12. What an optimal-time send needs, which
/// goes out at any time of its date. The last date chrono knows never ends.
pub(crate) fn day_passed_in_every_time_zone(wall_clock: NaiveDateTime, now: DateTime<Utc>) -> bool {
    wall_clock
        .date()
        .succ_opt()
        .and_then(|next| next.and_hms_opt(0, 0, 0))
        .is_some_and(|end_of_day| passed_in_every_time_zone(end_of_day, now))
}

/// Whether a local time of day has passed in at least one time zone: it has once it has
/// passed at UTC+14, the first zone to reach it.
pub(crate) fn passed_in_some_time_zone(wall_clock: NaiveDateTime, now: DateTime<Utc>) -> bool {
    wall_clock - EASTMOST_OFFSET < now.naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn reads_offsets_and_naive_times() {
        let zulu = parse_send_time("2017-05-24T21:30:00Z").unwrap();
        assert!(zulu.has_offset);
        assert_eq!(zulu.instant, utc("2017-05-24T21:30:00Z"));
        let offset = parse_send_time("2017-05-24T21:30:00+02:00").unwrap();
        assert_eq!(offset.instant, utc("2017-05-24T19:30:00Z"));
        assert_eq!(offset.wall_clock.to_string(), "2017-05-24 21:30:00");
        let naive = parse_send_time("2015-02-20T13:14:47.250").unwrap();
        assert!(!naive.has_offset);
        assert_eq!(naive.instant, utc("2015-02-20T13:14:47.250Z"));
        for bad in [
            "",
            "tomorrow",
            "2017-05-24",
            "2017-13-01T00:00:00Z",
            "21:30:00",
        ] {
            assert_eq!(parse_send_time(bad), None, "{bad}");
        }
        // Seconds may be left out, as the SDK allows.
        let minutes = parse_send_time("2017-05-24T21:30").unwrap();
        assert_eq!(minutes.instant, utc("2017-05-24T21:30:00Z"));
    }

    #[test]
    fn end_time_takes_dates_too() {
        assert_eq!(
            parse_end_time("2018-09-01"),
            Some(utc("2018-09-01T00:00:00Z"))
        );
        assert_eq!(
            parse_end_time("2018-09-01T00:00:00-04:00"),
            Some(utc("2018-09-01T04:00:00Z"))
        );
        assert_eq!(parse_end_time("2018-09-01T00:00:00 04:00"), None);
    }

    #[test]
    fn local_times_pass_zone_by_zone() {
        let now = utc("2030-01-02T00:00:00Z");
        let wall = |text| parse_send_time(text).unwrap().wall_clock;
        // 11:59 at UTC-12 was 23:59 UTC: passed everywhere; 12:01 there is still to come.
        assert!(passed_in_every_time_zone(wall("2030-01-01T11:59:00"), now));
        assert!(!passed_in_every_time_zone(wall("2030-01-01T12:01:00"), now));
        assert!(passed_in_some_time_zone(wall("2030-01-02T13:59:00"), now));
        assert!(!passed_in_some_time_zone(wall("2030-01-02T14:01:00"), now));
    }

    #[test]
    fn a_date_ends_at_utc_minus_12_last() {
        // 2030-01-01 ends at UTC-12 at 2030-01-02T12:00Z, whatever the time of day given.
        for time_of_day in ["00:00:00", "11:59:00", "23:59:59"] {
            let day = parse_send_time(&format!("2030-01-01T{time_of_day}"))
                .unwrap()
                .wall_clock;
            let passed_at = |now| day_passed_in_every_time_zone(day, utc(now));
            assert!(!passed_at("2030-01-02T11:59:00Z"), "{time_of_day}");
            assert!(!passed_at("2030-01-02T12:00:00Z"), "{time_of_day}");
            assert!(passed_at("2030-01-02T12:00:01Z"), "{time_of_day}");
        }
        // The last date chrono knows has no end to pass, and nothing panics on the way.
        let now = utc("2030-01-01T00:00:00Z");
        assert!(!day_passed_in_every_time_zone(NaiveDateTime::MAX, now));
    }
}
