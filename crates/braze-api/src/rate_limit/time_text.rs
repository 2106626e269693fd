//! Times and waits in words, for people: how errors and the CLI show a window's reset.

use std::time::Duration;

use chrono::{DateTime, Datelike, Timelike};

/// Epoch seconds as ISO 8601 UTC, `2030-05-24T21:00:00Z`: how errors and the CLI show a
/// window's reset. After the year 262142, where the calendar ends, the seconds as given.
pub fn utc_text(epoch_secs: u64) -> String {
    let Some(at) = i64::try_from(epoch_secs)
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
    else {
        // Past chrono's last date (the end of the year 262142), which no window's reset can
        // mean: the figure as sent rather than a made-up date.
        return format!("{epoch_secs} seconds after 1970-01-01T00:00:00Z");
    };
    // Field by field, not `%Y`, which signs the years after 9999 (`+10000`).
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A wait in words, for people: `now`, `in 42s`, `in 23min`, `in 5h`.
pub fn wait_text(wait: Duration) -> String {
    match wait.as_secs() {
        0 => "now".to_owned(),
        secs @ 1..=119 => format!("in {secs}s"),
        secs @ 120..=7_199 => format!("in {}min", secs / 60),
        secs => format!("in {}h", secs / 3_600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn epoch_times_read_as_utc() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_text(1_592_427_600), "2020-06-17T21:00:00Z");
        assert_eq!(utc_text(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_text(4_107_542_399), "2100-02-28T23:59:59Z");
        // Every day over four centuries (leap years and their exceptions), checked
        // against httpdate's own calendar.
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        for day in (0..146_097u64).step_by(7) {
            let secs = day * 86_400 + 45_296;
            let http = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs));
            let ours = utc_text(secs);
            let (y, rest) = ours.split_once('-').unwrap();
            let (m, rest) = rest.split_once('-').unwrap();
            let d = &rest[..2];
            let month = MONTHS[m.parse::<usize>().unwrap() - 1];
            assert_eq!(
                http,
                format!("{}, {d} {month} {y} 12:34:56 GMT", &http[..3])
            );
            assert_eq!(&ours[10..], "T12:34:56Z");
        }
    }

    #[test]
    fn years_past_9999_read_as_plain_numbers() {
        // As the calendar arithmetic this replaced wrote them (chrono's `%Y` would sign them).
        assert_eq!(utc_text(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(utc_text(253_402_300_800), "10000-01-01T00:00:00Z");
        assert_eq!(utc_text(8_210_266_876_799), "262142-12-31T23:59:59Z");
        // Past chrono's calendar: the seconds as given, never a panic.
        assert_eq!(
            utc_text(u64::MAX),
            "18446744073709551615 seconds after 1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn waits_read_in_words() {
        let s = Duration::from_secs;
        assert_eq!(wait_text(Duration::from_millis(400)), "now");
        assert_eq!(wait_text(s(42)), "in 42s");
        assert_eq!(wait_text(s(119)), "in 119s");
        assert_eq!(wait_text(s(120)), "in 2min");
        assert_eq!(wait_text(s(3_599)), "in 59min");
        assert_eq!(wait_text(s(7_200)), "in 2h");
    }
}
