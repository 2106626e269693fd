//! Times and waits in words, for people: how errors and the CLI show a window's reset.

use std::time::Duration;

/// Epoch seconds as ISO 8601 UTC, `2030-05-24T21:00:00Z`: how errors and the CLI show a
/// window's reset.
pub fn utc_text(epoch_secs: u64) -> String {
    let (days, secs_of_day) = (epoch_secs / 86_400, epoch_secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs_of_day / 3_600,
        secs_of_day / 60 % 60,
        secs_of_day % 60
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

/// The proleptic Gregorian date of a count of days since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shifted so that years start on March 1st (leap days end them), in 400-year eras.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
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
