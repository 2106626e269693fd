//! `--resume REPORT`: which rows an earlier run already deleted, so they are skipped.
//!
//! Only what is needed is kept: a sorted `Vec<u64>` of 64-bit hashes of
//! `owner_id \0 schedule_id` for the deleted rows, 8 bytes per row, not the report. A
//! false match needs a 64-bit collision (odds around 1 in 10^7 for a million rows
//! against a million); the hash is computed in this process only, so its stability
//! across Rust versions does not matter.

use std::borrow::Cow;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::bulk::Kind;
use crate::bulk::report::{Outcome, SKIPPED_ALREADY_DELETED};
use crate::error::CliError;

/// The key a row is known by: a hash of its two ids.
pub fn row_key(owner_id: &str, schedule_id: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    owner_id.as_bytes().hash(&mut hasher);
    0u8.hash(&mut hasher);
    schedule_id.as_bytes().hash(&mut hasher);
    hasher.finish()
}

/// The rows earlier runs deleted.
#[derive(Debug, Default)]
pub struct AlreadyDeleted {
    keys: Vec<u64>,
}

/// The fields of a report line that resuming reads; the rest is ignored.
#[derive(Deserialize)]
struct PastRow<'a> {
    #[serde(borrow, default)]
    outcome: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    campaign_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    canvas_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    schedule_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
    /// Present on the summary object (`--report - --output json` puts it last).
    #[serde(default)]
    rows: Option<serde::de::IgnoredAny>,
}

impl AlreadyDeleted {
    /// Reads every report given to `--resume`. A line that cannot be read is an input
    /// error naming the file and line, except an unfinished last line (an object cut off
    /// without its newline: the earlier run was killed while writing it), which is skipped
    /// with a warning.
    pub fn load(paths: &[PathBuf], kind: Kind) -> Result<Self, CliError> {
        let mut keys = Vec::new();
        for path in paths {
            load_one(path, kind, &mut keys)?;
        }
        keys.sort_unstable();
        keys.dedup();
        keys.shrink_to_fit();
        Ok(Self { keys })
    }

    /// Whether an earlier run deleted this row.
    pub fn contains(&self, owner_id: &str, schedule_id: &str) -> bool {
        !self.keys.is_empty()
            && self
                .keys
                .binary_search(&row_key(owner_id, schedule_id))
                .is_ok()
    }

    /// How many distinct rows are known deleted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }
}

fn load_one(path: &Path, kind: Kind, keys: &mut Vec<u64>) -> Result<(), CliError> {
    let file = File::open(path).map_err(|e| {
        CliError::Input(format!(
            "cannot open the --resume report {}: {e}",
            path.display()
        ))
    })?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
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
        let done = outcome == Outcome::Deleted.as_str()
            || (outcome == Outcome::Skipped.as_str()
                && row.message.as_deref() == Some(SKIPPED_ALREADY_DELETED));
        if !done {
            continue;
        }
        let owner = match kind {
            Kind::Campaign => row.campaign_id,
            Kind::Canvas => row.canvas_id,
        };
        let (Some(owner), Some(schedule)) = (owner, row.schedule_id) else {
            return Err(invalid(format!(
                "a {outcome} row without `{}` and `schedule_id` (is it the report of a {} \
                 run?)",
                kind.owner_field(),
                kind.other().noun()
            )));
        };
        keys.push(row_key(&owner, &schedule));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(content: &str, kind: Kind) -> Result<AlreadyDeleted, CliError> {
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
        let done = load(&report, Kind::Campaign).unwrap();
        assert_eq!(done.len(), 2);
        assert!(done.contains("c", "s1"));
        assert!(done.contains("c", "s3"));
        assert!(!done.contains("c", "s2"));
        assert!(!done.contains("c", "s4"));
        assert!(!done.contains("cs", "1"), "the separator keeps ids apart");
    }

    #[test]
    fn a_bad_line_is_an_error_with_its_number() {
        let error = load(
            "{\"outcome\":\"deleted\",\"campaign_id\":\"c\",\"schedule_id\":\"s\"}\nnope\n{}\n",
            Kind::Campaign,
        )
        .unwrap_err();
        assert!(error.to_string().contains("line 2"), "{error}");
        assert_eq!(error.exit_code(), 2);
        let error = load("{\"x\":1}\n", Kind::Campaign).unwrap_err();
        assert!(error.to_string().contains("line 1"), "{error}");
    }

    #[test]
    fn an_unfinished_last_line_is_ignored() {
        let done = load(
            "{\"outcome\":\"deleted\",\"campaign_id\":\"c\",\"schedule_id\":\"s\"}\n{\"outcome\":\"del",
            Kind::Campaign,
        )
        .unwrap();
        assert_eq!(done.len(), 1);
        // Anything else without a newline is still an error.
        let error = load(
            "{\"outcome\":\"deleted\",\"campaign_id\":\"c\",\"schedule_id\":\"s\"}\nnot json",
            Kind::Campaign,
        )
        .unwrap_err();
        assert!(error.to_string().contains("line 2"), "{error}");
    }

    #[test]
    fn a_report_of_the_other_kind_is_refused() {
        let error = load(
            "{\"outcome\":\"deleted\",\"campaign_id\":\"c\",\"schedule_id\":\"s\"}\n",
            Kind::Canvas,
        )
        .unwrap_err();
        assert!(error.to_string().contains("campaign run"), "{error}");
    }
}
