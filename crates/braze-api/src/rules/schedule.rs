//! The schedule object of the creates and updates (Braze's "schedule object").

use chrono::{DateTime, Utc};

use crate::time::{SendTime, When};
use crate::types::Schedule;

use super::{Problem, Rule};

/// `time` names a real date; a local or optimal-time send gives no designator
/// ([`Rule::DesignatorWithLocalTime`]); a local-time send has not passed in every time zone
/// ([`Rule::LocalTimePassed`]).
pub(super) fn check(found: &mut Vec<Problem>, path: &str, schedule: &Schedule, now: DateTime<Utc>) {
    let text = schedule.time.as_str();
    let Some(time) = SendTime::parse(text) else {
        found.push(Problem::new(
            format!("{path}.time"),
            Rule::NotADate,
            format!("{text:?} names no date (the day does not exist in that month)"),
        ));
        return;
    };
    let in_local_time = schedule.in_local_time == Some(true);
    let at_optimal_time = schedule.at_optimal_time == Some(true);
    if (in_local_time || at_optimal_time) && time.offset.is_some() {
        let which = if at_optimal_time { "optimal" } else { "local" };
        found.push(Problem::new(
            format!("{path}.time"),
            Rule::DesignatorWithLocalTime,
            format!(
                "{text:?} has a time-zone designator; a {which}-time send takes a time without \
                 one, e.g. \"2030-02-20T13:14:47\""
            ),
        ));
        return;
    }
    let when = When::of(time, in_local_time, at_optimal_time);
    if matches!(when, When::Local(_)) && when.passed_everywhere(now) {
        found.push(Problem::new(
            format!("{path}.time"),
            Rule::LocalTimePassed,
            format!("{text:?} has already passed in every time zone (in_local_time is true)"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(schedule: serde_json::Value, now: &str) -> Vec<Rule> {
        let schedule: Schedule = serde_json::from_value(schedule).unwrap();
        let now = DateTime::parse_from_rfc3339(now).unwrap().to_utc();
        let mut found = Vec::new();
        check(&mut found, "schedule", &schedule, now);
        assert!(found.iter().all(|p| p.path == "schedule.time"));
        found.into_iter().map(|p| p.rule).collect()
    }

    #[test]
    fn schedule_rules() {
        let now = "2030-06-01T12:00:00Z";
        assert_eq!(
            problems(json!({"time": "2030-02-30T12:00:00Z"}), now),
            [Rule::NotADate]
        );
        assert_eq!(
            problems(
                json!({"time": "2030-06-05T12:00:00Z", "in_local_time": true}),
                now
            ),
            [Rule::DesignatorWithLocalTime]
        );
        assert_eq!(
            problems(
                json!({"time": "2030-06-05T12:00:00+02:00", "at_optimal_time": true}),
                now
            ),
            [Rule::DesignatorWithLocalTime]
        );
        assert_eq!(
            problems(
                json!({"time": "2030-05-30T12:00:00", "in_local_time": true}),
                now
            ),
            [Rule::LocalTimePassed]
        );
        // Still ahead at UTC-12 (01:00 there is 13:00 UTC).
        assert!(
            problems(
                json!({"time": "2030-06-01T01:00:00", "in_local_time": true}),
                now
            )
            .is_empty()
        );
        // A past UTC time is not refused, nor a past optimal date (Braze documents neither).
        assert!(problems(json!({"time": "2020-01-01T00:00:00Z"}), now).is_empty());
        assert!(
            problems(
                json!({"time": "2020-01-01T00:00:00", "at_optimal_time": true}),
                now
            )
            .is_empty()
        );
        assert!(problems(json!({"time": "2030-06-05 08:00"}), now).is_empty());
    }
}
