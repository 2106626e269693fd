//! `--resume REPORT`: which rows an earlier run already deleted, so they are skipped, and
//! which an interrupted run may have sent without recording it, so that a 404 for such a
//! row can be read as "the interrupted run deleted it" (see
//! [`AlreadyDeleted::may_have_sent`]).
//!
//! Only what is needed is kept: sorted `Vec<u64>`s of 64-bit hashes of
//! `owner_id \0 schedule_id`, 8 bytes per row, not the report. A false match needs a
//! 64-bit collision (odds around 1 in 10^7 for a million rows against a million); the
//! hash is computed in this process only, so its stability across Rust versions does not
//! matter.

use std::borrow::Cow;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use braze_sdk::{Delivery, ScheduleKind, ScheduleRef};
use serde::Deserialize;

use crate::error::CliError;
use crate::report::{Outcome, SKIPPED_ALREADY_DELETED, SkipReason};

/// The key a row is known by: a hash of its ids (the owner's, when its kind has one).
pub fn row_key(owner_id: Option<&str>, schedule_id: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    owner_id.unwrap_or_default().as_bytes().hash(&mut hasher);
    0u8.hash(&mut hasher);
    schedule_id.as_bytes().hash(&mut hasher);
    hasher.finish()
}

/// [`row_key`] of a schedule.
fn key_of(schedule: &ScheduleRef) -> u64 {
    row_key(schedule.owner_id(), schedule.schedule_id().as_str())
}

/// The most rows one run has in flight (`--concurrency` is at most 256): a killed run can
/// have sent, without recording them, only rows before its last attempted row and at most
/// this many after it.
pub const MAX_IN_FLIGHT_ROWS: u64 = 256;

/// The rows earlier runs deleted, and what each report says about the rest.
#[derive(Debug, Default)]
pub struct AlreadyDeleted {
    keys: Vec<u64>,
    /// Rows a report records as failed with doubt (delivery `uncertain` or unknown).
    maybe_applied: Vec<u64>,
    /// Each report: the rows it has a line for, and how far its run got.
    reports: Vec<ReportRows>,
}

#[derive(Debug, Default)]
struct ReportRows {
    /// Keys of every row with ids the report has a line for (sorted).
    mentioned: Vec<u64>,
    /// The input line of the last row its run sent and recorded (deleted or failed).
    last_attempted_line: u64,
}

/// What the reader of a resumed run counts, per `--resume` report: the rows past the
/// report's last attempted row that it has no line for (see
/// [`AlreadyDeleted::may_have_sent`]).
#[derive(Debug)]
pub struct Horizons(Vec<u64>);

/// The fields of a report line that resuming reads; the rest is ignored.
#[derive(Deserialize)]
struct PastRow<'a> {
    #[serde(default)]
    outcome: Option<Outcome>,
    /// Absent from reports written before it existed: their `message` says instead.
    #[serde(default)]
    skip_reason: Option<SkipReason>,
    #[serde(borrow, default)]
    campaign_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    canvas_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    schedule_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
    #[serde(default)]
    delivery: Option<Delivery>,
    #[serde(default)]
    line: Option<u64>,
    /// Present on the summary object (`--report - --output json` puts it last).
    #[serde(default)]
    rows: Option<serde::de::IgnoredAny>,
}

impl<'a> PastRow<'a> {
    /// The owner fields the line has, by name.
    fn owners(&self) -> [(&'static str, Option<Cow<'a, str>>); 2] {
        [
            (braze_sdk::CampaignId::FIELD, self.campaign_id.clone()),
            (braze_sdk::CanvasId::FIELD, self.canvas_id.clone()),
        ]
    }
}

impl AlreadyDeleted {
    /// Reads every report given to `--resume`. A line that cannot be read is an input
    /// error naming the file and line, except an unfinished last line (an object cut off
    /// without its newline: the earlier run was killed while writing it), which is skipped
    /// with a warning.
    pub fn load(paths: &[PathBuf], kind: ScheduleKind) -> Result<Self, CliError> {
        let mut found = Found::default();
        for path in paths {
            let file = File::open(path).map_err(|e| {
                CliError::Input(format!(
                    "cannot open the --resume report {}: {e}",
                    path.display()
                ))
            })?;
            let reader = BufReader::with_capacity(64 * 1024, file);
            load_one(reader, path, kind, &mut found)?;
            found.end_report();
        }
        Ok(found.finish())
    }

    /// Reads one report from `reader` (`name` is how messages refer to it).
    pub fn from_reader(
        reader: impl BufRead,
        name: &Path,
        kind: ScheduleKind,
    ) -> Result<Self, CliError> {
        let mut found = Found::default();
        load_one(reader, name, kind, &mut found)?;
        found.end_report();
        Ok(found.finish())
    }

    /// Whether an earlier run deleted this row.
    pub fn contains(&self, schedule: &ScheduleRef) -> bool {
        !self.is_empty() && self.keys.binary_search(&key_of(schedule)).is_ok()
    }

    /// How many distinct rows are known deleted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no row is known deleted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The counters [`Self::may_have_sent`] keeps, one per report.
    pub fn horizons(&self) -> Horizons {
        Horizons(vec![0; self.reports.len()])
    }

    /// Whether the run that wrote a `--resume` report may have sent this row (at input
    /// `line`) and had it applied without recording it. Called by the reader for every row
    /// with ids, in input order (it counts rows in `horizons`).
    ///
    /// Yes when a report records it as failed with doubt (e.g. abandoned on a second
    /// Ctrl-C), or when a report has no line for it (its run was killed) and the row lies
    /// before that report's last attempted row, or among the first
    /// [`MAX_IN_FLIGHT_ROWS`] rows after it that the report has no line for: rows a killed
    /// run took but did not finish come right after those it finished, in input order.
    /// No without `--resume`, and for rows every report has a line for. The input must be
    /// the one the reports were made from, for their line numbers to mean the same rows.
    pub fn may_have_sent(
        &self,
        line: u64,
        schedule: &ScheduleRef,
        horizons: &mut Horizons,
    ) -> bool {
        if self.reports.is_empty() {
            return false;
        }
        let key = key_of(schedule);
        let mut may = self.maybe_applied.binary_search(&key).is_ok();
        for (report, past) in self.reports.iter().zip(&mut horizons.0) {
            if report.mentioned.binary_search(&key).is_ok() {
                continue;
            }
            if line <= report.last_attempted_line {
                may = true;
            } else {
                *past += 1;
                may |= *past <= MAX_IN_FLIGHT_ROWS;
            }
        }
        may
    }
}

/// Keys gathered from the reports, before they are sorted.
#[derive(Default)]
struct Found {
    deleted: Vec<u64>,
    maybe_applied: Vec<u64>,
    /// The report being read.
    current: ReportRows,
    reports: Vec<ReportRows>,
}

fn tidy(mut keys: Vec<u64>) -> Vec<u64> {
    keys.sort_unstable();
    keys.dedup();
    keys.shrink_to_fit();
    keys
}

impl Found {
    fn end_report(&mut self) {
        let mut report = std::mem::take(&mut self.current);
        report.mentioned = tidy(report.mentioned);
        self.reports.push(report);
    }

    fn finish(self) -> AlreadyDeleted {
        AlreadyDeleted {
            keys: tidy(self.deleted),
            maybe_applied: tidy(self.maybe_applied),
            reports: self.reports,
        }
    }
}

fn load_one(
    mut reader: impl BufRead,
    path: &Path,
    kind: ScheduleKind,
    found: &mut Found,
) -> Result<(), CliError> {
    let mut buffer = Vec::with_capacity(256);
    let mut line = 0u64;
    loop {
        buffer.clear();
        let read = reader.read_until(b'\n', &mut buffer).map_err(|e| {
            CliError::Input(format!(
                "cannot read the --resume report {}: {e}",
                path.display()
            ))
        })?;
        if read == 0 {
            return Ok(());
        }
        line += 1;
        let finished = buffer.last() == Some(&b'\n');
        let text = buffer.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let invalid = |why: String| {
            CliError::Input(format!(
                "the --resume report {} line {line}: {why}",
                path.display()
            ))
        };
        let row: PastRow<'_> = match serde_json::from_slice(text) {
            Ok(row) => row,
            // Only what a report line cut short looks like: an object without its end.
            Err(_) if !finished && text.starts_with(b"{") => {
                eprintln!(
                    "warning: the --resume report {} ends in an unfinished line {line} (the \
                     run that wrote it was killed); ignoring it",
                    path.display()
                );
                return Ok(());
            }
            Err(e) => return Err(invalid(format!("not a report line: {e}"))),
        };
        let Some(outcome) = row.outcome else {
            if row.rows.is_some() {
                continue; // the run's summary
            }
            return Err(invalid("not a report line: it has no `outcome`".to_owned()));
        };
        let done = match outcome {
            Outcome::Deleted | Outcome::Gone => true,
            Outcome::Skipped => match row.skip_reason {
                Some(reason) => reason == SkipReason::AlreadyDeleted,
                // A report from before `skip_reason`: its message said so.
                None => row.message.as_deref() == Some(SKIPPED_ALREADY_DELETED),
            },
            Outcome::Failed | Outcome::Invalid => false,
        };
        let (owners, wanted) = (row.owners(), kind.owner_field());
        // A line naming an owner another kind has, in a run whose kind has none: the
        // report of another kind of run, whose rows cannot be matched by schedule alone.
        let foreign = owners
            .iter()
            .find(|(name, id)| Some(*name) != wanted && id.is_some())
            .and_then(|(name, _)| ScheduleKind::of_owner_field(name));
        if let (None, Some(other)) = (wanted, foreign) {
            return Err(invalid(format!(
                "a row with `{}`: it is the report of a {} run, not of a {} run",
                other.owner_field().unwrap_or_default(),
                other.noun(),
                kind.noun()
            )));
        }
        let owner = wanted.and_then(|field| {
            owners
                .iter()
                .find(|(name, _)| *name == field)
                .and_then(|(_, id)| id.clone())
        });
        let schedule_present = row.schedule_id.is_some();
        let (Some(schedule), true) = (row.schedule_id, owner.is_some() || wanted.is_none()) else {
            if !done {
                continue; // an invalid row without ids: nothing to remember
            }
            let hint = match foreign {
                Some(other) => format!(" (is it the report of a {} run?)", other.noun()),
                None if schedule_present => {
                    format!(
                        " (is it the report of a {} run?)",
                        ScheduleKind::Message.noun()
                    )
                }
                None => String::new(),
            };
            return Err(invalid(format!(
                "a {} row without {}`schedule_id`{hint}",
                outcome.as_str(),
                wanted
                    .map(|field| format!("`{field}` and "))
                    .unwrap_or_default(),
            )));
        };
        let key = row_key(owner.as_deref(), &schedule);
        found.current.mentioned.push(key);
        let failed = outcome == Outcome::Failed;
        if matches!(outcome, Outcome::Failed | Outcome::Deleted | Outcome::Gone) {
            let attempted = row.line.unwrap_or(0);
            let last = &mut found.current.last_attempted_line;
            *last = (*last).max(attempted);
        }
        if done {
            found.deleted.push(key);
        } else if failed && !matches!(row.delivery, Some(Delivery::NotSent | Delivery::Refused)) {
            found.maybe_applied.push(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::SKIPPED_INTERRUPTED;

    fn load(content: &str, kind: ScheduleKind) -> Result<AlreadyDeleted, CliError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.jsonl");
        std::fs::write(&path, content).unwrap();
        AlreadyDeleted::load(&[path], kind)
    }

    #[test]
    fn deleted_and_resumed_rows_count_others_do_not() {
        let report = format!(
            "{{\"line\":2,\"campaign_id\":\"c\",\"schedule_id\":\"s1\",\"outcome\":\"deleted\"}}\n\
             {{\"line\":3,\"campaign_id\":\"c\",\"schedule_id\":\"s2\",\"outcome\":\"failed\"}}\n\
             {{\"line\":4,\"campaign_id\":\"c\",\"schedule_id\":\"s3\",\"outcome\":\"skipped\",\"message\":\"{SKIPPED_ALREADY_DELETED}\"}}\n\
             {{\"line\":5,\"campaign_id\":\"c\",\"schedule_id\":\"s4\",\"outcome\":\"skipped\",\"message\":\"not attempted: interrupted\"}}\n\
             {{\"line\":6,\"campaign_id\":null,\"schedule_id\":null,\"outcome\":\"invalid\"}}\n\
             \n\
             {{\"rows\":5,\"deleted\":1}}\n"
        );
        let done = load(&report, ScheduleKind::Campaign).unwrap();
        assert_eq!(done.len(), 2);
        assert!(done.contains(&ScheduleRef::campaign("c", "s1")));
        assert!(done.contains(&ScheduleRef::campaign("c", "s3")));
        assert!(!done.contains(&ScheduleRef::campaign("c", "s2")));
        assert!(!done.contains(&ScheduleRef::campaign("c", "s4")));
        assert!(
            !done.contains(&ScheduleRef::campaign("cs", "1")),
            "the separator keeps ids apart"
        );
    }

    /// Resuming reads the machine field, whatever the message says; reports written
    /// before the field existed are read by their message, as they always were.
    #[test]
    fn the_skip_reason_decides_not_the_message() {
        let report = format!(
            "{{\"line\":2,\"campaign_id\":\"c\",\"schedule_id\":\"reworded\",\"outcome\":\"skipped\",\"skip_reason\":\"already_deleted\",\"message\":\"gone already, says an earlier report\"}}\n\
             {{\"line\":3,\"campaign_id\":\"c\",\"schedule_id\":\"stopped\",\"outcome\":\"skipped\",\"skip_reason\":\"interrupted\",\"message\":\"{SKIPPED_ALREADY_DELETED}\"}}\n\
             {{\"line\":4,\"campaign_id\":\"c\",\"schedule_id\":\"legacy\",\"outcome\":\"skipped\",\"message\":\"{SKIPPED_ALREADY_DELETED}\"}}\n"
        );
        let done = load(&report, ScheduleKind::Campaign).unwrap();
        assert!(done.contains(&ScheduleRef::campaign("c", "reworded")));
        assert!(!done.contains(&ScheduleRef::campaign("c", "stopped")));
        assert!(done.contains(&ScheduleRef::campaign("c", "legacy")));
        let unknown = load(
            "{\"campaign_id\":\"c\",\"schedule_id\":\"s\",\"outcome\":\"skipped\",\"skip_reason\":\"bored\"}\n",
            ScheduleKind::Campaign,
        )
        .unwrap_err();
        assert!(unknown.to_string().contains("line 1"), "{unknown}");
    }

    /// Every kind's owner field is one a report line is read for.
    #[test]
    fn every_owner_field_is_read() {
        let row = PastRow {
            outcome: None,
            skip_reason: None,
            campaign_id: None,
            canvas_id: None,
            schedule_id: None,
            message: None,
            delivery: None,
            line: None,
            rows: None,
        };
        let read: Vec<&str> = row.owners().iter().map(|(name, _)| *name).collect();
        for kind in ScheduleKind::ALL {
            if let Some(field) = kind.owner_field() {
                assert!(read.contains(&field), "{field}");
            }
        }
    }

    #[test]
    fn rows_an_earlier_run_may_have_sent() {
        // A run killed after it recorded rows 2-7 and 9 (its last attempted row is line 9).
        let report = format!(
            "{{\"line\":2,\"campaign_id\":\"c\",\"schedule_id\":\"deleted\",\"outcome\":\"deleted\",\"delivery\":\"accepted\"}}\n\
             {{\"line\":3,\"campaign_id\":\"c\",\"schedule_id\":\"refused\",\"outcome\":\"failed\",\"delivery\":\"refused\"}}\n\
             {{\"line\":4,\"campaign_id\":\"c\",\"schedule_id\":\"unsent\",\"outcome\":\"failed\",\"delivery\":\"not_sent\"}}\n\
             {{\"line\":5,\"campaign_id\":\"c\",\"schedule_id\":\"abandoned\",\"outcome\":\"failed\",\"delivery\":\"uncertain\"}}\n\
             {{\"line\":6,\"campaign_id\":\"c\",\"schedule_id\":\"skipped\",\"outcome\":\"skipped\",\"message\":\"{SKIPPED_INTERRUPTED}\"}}\n\
             {{\"line\":7,\"campaign_id\":\"c\",\"schedule_id\":\"invalid\",\"outcome\":\"invalid\"}}\n\
             {{\"line\":9,\"campaign_id\":\"c\",\"schedule_id\":\"last\",\"outcome\":\"deleted\"}}\n\
             {{\"line\":11,\"campaign_id\":null,\"schedule_id\":null,\"outcome\":\"invalid\"}}\n\
             {{\"line\":12,\"campaign_id\":\"c\",\"schedule_id\":\"cut\",\"outcome\":\"del"
        );
        let earlier = load(&report, ScheduleKind::Campaign).unwrap();
        let mut horizons = earlier.horizons();
        for (line, schedule, may) in [
            (3, "refused", false),
            (4, "unsent", false),
            (5, "abandoned", true),
            (6, "skipped", false),
            (7, "invalid", false),
            (8, "in-flight-before-the-last", true),
            (10, "in-flight-after-the-last", true),
            (12, "cut", true),
        ] {
            assert_eq!(
                earlier.may_have_sent(line, &ScheduleRef::campaign("c", schedule), &mut horizons),
                may,
                "{schedule}"
            );
        }
        // Past the most rows a run can have in flight after its last attempted row, the
        // rows were never taken.
        let sent: Vec<bool> = (0..MAX_IN_FLIGHT_ROWS + 5)
            .map(|n| {
                earlier.may_have_sent(
                    100 + n,
                    &ScheduleRef::campaign("c", format!("later-{n}")),
                    &mut horizons,
                )
            })
            .collect();
        let taken = MAX_IN_FLIGHT_ROWS as usize - 2; // lines 10 and 12 counted already
        assert!(sent[..taken].iter().all(|may| *may));
        assert!(sent[taken..].iter().all(|may| !*may));

        // A second report (a resumed run, killed at once) that lacks a row the first left
        // alone: that run may have sent it.
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (dir.path().join("1.jsonl"), dir.path().join("2.jsonl"));
        std::fs::write(&first, &report).unwrap();
        std::fs::write(
            &second,
            "{\"line\":3,\"campaign_id\":\"c\",\"schedule_id\":\"refused\",\"outcome\":\"failed\",\"delivery\":\"refused\"}\n",
        )
        .unwrap();
        let both = AlreadyDeleted::load(&[first, second], ScheduleKind::Campaign).unwrap();
        let mut horizons = both.horizons();
        assert!(!both.may_have_sent(3, &ScheduleRef::campaign("c", "refused"), &mut horizons));
        assert!(both.may_have_sent(4, &ScheduleRef::campaign("c", "unsent"), &mut horizons));
        // Without --resume, no row can have been sent by an earlier run.
        let none = AlreadyDeleted::load(&[], ScheduleKind::Campaign).unwrap();
        assert!(!none.may_have_sent(
            2,
            &ScheduleRef::campaign("c", "never-mentioned"),
            &mut none.horizons()
        ));
    }

    #[test]
    fn a_bad_line_is_an_error_with_its_number() {
        let error = load(
            "{\"outcome\":\"deleted\",\"campaign_id\":\"c\",\"schedule_id\":\"s\"}\nnope\n{}\n",
            ScheduleKind::Campaign,
        )
        .unwrap_err();
        assert!(error.to_string().contains("line 2"), "{error}");
        assert_eq!(error.exit_code(), 2);
        let error = load("{\"x\":1}\n", ScheduleKind::Campaign).unwrap_err();
        assert!(error.to_string().contains("line 1"), "{error}");
    }

    #[test]
    fn an_unfinished_last_line_is_ignored() {
        let done = load(
            "{\"outcome\":\"deleted\",\"campaign_id\":\"c\",\"schedule_id\":\"s\"}\n{\"outcome\":\"del",
            ScheduleKind::Campaign,
        )
        .unwrap();
        assert_eq!(done.len(), 1);
        // Anything else without a newline is still an error.
        let error = load(
            "{\"outcome\":\"deleted\",\"campaign_id\":\"c\",\"schedule_id\":\"s\"}\nnot json",
            ScheduleKind::Campaign,
        )
        .unwrap_err();
        assert!(error.to_string().contains("line 2"), "{error}");
    }

    #[test]
    fn message_reports_are_keyed_by_schedule_alone_and_kept_apart() {
        let report = "{\"line\":2,\"schedule_id\":\"m1\",\"outcome\":\"deleted\"}\n";
        let done = load(report, ScheduleKind::Message).unwrap();
        assert!(done.contains(&ScheduleRef::message("m1")));
        assert!(!done.contains(&ScheduleRef::message("m2")));
        let error = load(report, ScheduleKind::Campaign).unwrap_err();
        assert!(error.to_string().contains("message run"), "{error}");
        let campaign =
            "{\"line\":2,\"campaign_id\":\"c\",\"schedule_id\":\"s\",\"outcome\":\"deleted\"}\n";
        let error = load(campaign, ScheduleKind::Message).unwrap_err();
        assert!(error.to_string().contains("campaign run"), "{error}");
    }

    #[test]
    fn a_report_of_the_other_kind_is_refused() {
        let error = load(
            "{\"outcome\":\"deleted\",\"campaign_id\":\"c\",\"schedule_id\":\"s\"}\n",
            ScheduleKind::Canvas,
        )
        .unwrap_err();
        assert!(error.to_string().contains("campaign run"), "{error}");
    }

    mod properties {
        use super::*;
        use crate::report::{Outcome, RowResult, encode};
        use braze_sdk::Delivery;
        use proptest::prelude::*;

        fn read(bytes: &[u8], kind: ScheduleKind) -> Result<AlreadyDeleted, CliError> {
            AlreadyDeleted::from_reader(bytes, Path::new("report.jsonl"), kind)
        }

        fn outcome() -> impl Strategy<Value = (Outcome, Option<Delivery>, &'static str)> {
            prop_oneof![
                Just((Outcome::Deleted, Some(Delivery::Accepted), "success")),
                Just((Outcome::Failed, Some(Delivery::Refused), "not found")),
                Just((Outcome::Failed, Some(Delivery::NotSent), "no connection")),
                Just((Outcome::Failed, Some(Delivery::Uncertain), "503")),
                Just((Outcome::Invalid, None, "campaign_id is blank")),
                Just((Outcome::Skipped, None, SKIPPED_INTERRUPTED)),
                Just((Outcome::Skipped, None, SKIPPED_ALREADY_DELETED)),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            #[test]
            fn any_bytes_load_or_name_the_bad_line(
                bytes in proptest::collection::vec(any::<u8>(), 0..400),
            ) {
                match read(&bytes, ScheduleKind::Campaign) {
                    Ok(_) => {}
                    Err(error) => {
                        let text = error.to_string();
                        prop_assert!(text.contains(" line "), "{}", text);
                        prop_assert_eq!(error.exit_code(), 2);
                    }
                }
            }

            #[test]
            fn report_lines_with_damage_load_or_name_the_bad_line(
                pieces in proptest::collection::vec(prop_oneof![
                    Just("{\"outcome\":\"deleted\",\"campaign_id\":\"c\",\"schedule_id\":\"s\"}\n".to_owned()),
                    Just("{\"outcome\":\"failed\",\"delivery\":\"uncertain\",\"campaign_id\":\"c\",\"schedule_id\":\"t\"}\n".to_owned()),
                    Just("{\"rows\":3}\n".to_owned()),
                    Just("{\"outcome\":".to_owned()),
                    Just("\n".to_owned()),
                    Just("{\"outcome\":\"deleted\"}\n".to_owned()),
                    Just("{\"outcome\":5}\n".to_owned()),
                    any::<String>(),
                ], 0..12),
            ) {
                let bytes = pieces.concat().into_bytes();
                if let Err(error) = read(&bytes, ScheduleKind::Campaign) {
                    prop_assert!(error.to_string().contains(" line "), "{}", error);
                }
            }

            #[test]
            fn reports_the_cli_writes_read_back(
                rows in proptest::collection::vec((any_id(), any_id(), outcome()), 0..40),
                cut in any::<bool>(),
            ) {
                let mut report = Vec::new();
                let mut line = Vec::new();
                for (n, (owner, schedule, (outcome, delivery, message))) in rows.iter().enumerate() {
                    let mut row = RowResult::skipped(
                        n as u64 + 2,
                        Some(owner.clone()),
                        Some(schedule.clone()),
                        SkipReason::Interrupted,
                        *message,
                    );
                    row.skip_reason = skip_reason(*outcome, message);
                    row.outcome = *outcome;
                    row.delivery = *delivery;
                    encode(ScheduleKind::Campaign, &row, &mut line);
                    report.extend_from_slice(&line);
                }
                // A run killed while writing leaves its last line unfinished.
                let mut kept = rows.len();
                if cut && !rows.is_empty() {
                    report.truncate(report.len() - line.len() / 2 - 1);
                    kept -= 1;
                }
                let earlier = read(&report, ScheduleKind::Campaign).unwrap();
                let mut horizons = earlier.horizons();
                for (owner, schedule, (outcome, delivery, message)) in &rows[..kept] {
                    let deleted = rows[..kept].iter().any(|(o, s, (out, _, msg))| {
                        o == owner && s == schedule
                            && (*out == Outcome::Deleted || *msg == SKIPPED_ALREADY_DELETED)
                    });
                    prop_assert_eq!(earlier.contains(&ScheduleRef::campaign(owner, schedule)), deleted);
                    let doubtful = *outcome == Outcome::Failed
                        && *delivery == Some(Delivery::Uncertain);
                    if doubtful {
                        prop_assert!(earlier.may_have_sent(1, &ScheduleRef::campaign(owner, schedule), &mut horizons));
                    }
                    let _ = message;
                }
            }
        }

        /// The skip reason the CLI writes with a skipped row's message.
        fn skip_reason(outcome: Outcome, message: &str) -> Option<SkipReason> {
            match (outcome, message == SKIPPED_ALREADY_DELETED) {
                (Outcome::Skipped, true) => Some(SkipReason::AlreadyDeleted),
                (Outcome::Skipped, false) => Some(SkipReason::Interrupted),
                _ => None,
            }
        }

        fn any_id() -> impl Strategy<Value = String> {
            prop_oneof!["[a-z0-9]{1,6}", Just(String::new()), any::<String>()]
        }
    }
}
