//! `--resume REPORT` for a bulk send: which users earlier runs sent, were refused, or may
//! have sent, so that none is sent twice.
//!
//! A row's state is the last word its report has on it: `sent`, `refused`, `unknown`, or
//! `in_flight` with nothing after it (its run was killed while the batch was out: it may
//! have been sent, so it counts as unknown). A resumed run writes skipped rows with the
//! state they had (`already_sent`, `already_refused`, `unknown`), so that the latest
//! report carries every earlier one. Across several reports the strongest state wins
//! (sent, then refused, then unknown): a row an earlier run left unknown and a
//! `--resend-unknown` run sent is sent.
//!
//! Kept: one hash per user ([`User::key`]) and a byte of state, not the reports.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::bulk::send::outcome::SendOutcome;
use crate::bulk::send::user::User;
use crate::error::CliError;

/// What earlier runs did with a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Earlier {
    /// It may have been sent: no answer said (or its run was killed with it in flight).
    Unknown,
    /// Braze refused it.
    Refused,
    /// Braze took it.
    Sent,
}

/// The users of the `--resume` reports, by key.
#[derive(Debug, Default)]
pub struct EarlierRuns {
    states: HashMap<u64, Earlier>,
}

/// The fields of a report line that resuming reads.
#[derive(Deserialize)]
struct PastLine {
    #[serde(default)]
    user: Option<User>,
    #[serde(default)]
    outcome: Option<SendOutcome>,
    #[serde(default)]
    skip_reason: Option<String>,
}

impl EarlierRuns {
    /// Reads every report given to `--resume`. A line that cannot be read is an input
    /// error naming the file and line, except an unfinished last line (cut by a kill while
    /// it was written), which is skipped: its batch had not been sent yet, or its rows'
    /// `in_flight` marks are already in the file.
    pub fn load(paths: &[PathBuf]) -> Result<Self, CliError> {
        let mut runs = Self::default();
        for path in paths {
            let file = File::open(path).map_err(|e| {
                CliError::Input(format!(
                    "cannot open the --resume report {}: {e}",
                    path.display()
                ))
            })?;
            runs.read(BufReader::with_capacity(64 * 1024, file), path)?;
        }
        Ok(runs)
    }

    /// Reads one report from `reader` (`name` is how messages refer to it).
    pub fn read(&mut self, mut reader: impl BufRead, name: &Path) -> Result<(), CliError> {
        let mut this_report: HashMap<u64, Earlier> = HashMap::new();
        let mut buffer = Vec::with_capacity(512);
        let mut number = 0u64;
        loop {
            buffer.clear();
            let read = reader
                .read_until(b'\n', &mut buffer)
                .map_err(|e| CliError::Input(format!("cannot read {}: {e}", name.display())))?;
            if read == 0 {
                break;
            }
            number += 1;
            let complete = buffer.last() == Some(&b'\n');
            let text = buffer.trim_ascii();
            if text.is_empty() {
                continue;
            }
            let past: PastLine = match serde_json::from_slice(text) {
                Ok(past) => past,
                Err(_) if !complete => break,
                Err(e) => {
                    return Err(CliError::Input(format!(
                        "{} line {number} is not a line of a bulk send report: {e}",
                        name.display()
                    )));
                }
            };
            let (Some(user), Some(outcome)) = (past.user, past.outcome) else {
                continue;
            };
            let state = match (outcome, past.skip_reason.as_deref()) {
                (SendOutcome::Sent, _) | (SendOutcome::Skipped, Some("already_sent")) => {
                    Earlier::Sent
                }
                (SendOutcome::Refused, _) | (SendOutcome::Skipped, Some("already_refused")) => {
                    Earlier::Refused
                }
                (SendOutcome::Unknown | SendOutcome::InFlight, _)
                | (SendOutcome::Skipped, Some("unknown")) => Earlier::Unknown,
                _ => continue,
            };
            let entry = this_report.entry(user.key()).or_insert(state);
            // A row's answer comes after its in-flight mark: it is the last word, unless
            // the row appears twice (--allow-duplicates), where the strongest counts.
            *entry = (*entry).max(state);
        }
        for (key, state) in this_report {
            let entry = self.states.entry(key).or_insert(state);
            *entry = (*entry).max(state);
        }
        Ok(())
    }

    /// What earlier runs did with `user`, if anything that keeps it from being sent.
    pub fn state(&self, user: &User) -> Option<Earlier> {
        if self.states.is_empty() {
            return None;
        }
        self.states.get(&user.key()).copied()
    }

    /// How many users are recorded in each state: sent, refused, unknown.
    pub fn counts(&self) -> (u64, u64, u64) {
        let mut counts = (0, 0, 0);
        for state in self.states.values() {
            match state {
                Earlier::Sent => counts.0 += 1,
                Earlier::Refused => counts.1 += 1,
                Earlier::Unknown => counts.2 += 1,
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> User {
        User {
            external_user_id: Some(id.into()),
            ..User::default()
        }
    }

    fn load(reports: &[&str]) -> Result<EarlierRuns, CliError> {
        let mut runs = EarlierRuns::default();
        for report in reports {
            runs.read(report.as_bytes(), Path::new("r.jsonl"))?;
        }
        Ok(runs)
    }

    #[test]
    fn the_last_word_on_a_row_is_its_state() {
        let report = "\
{\"line\":2,\"user\":{\"external_user_id\":\"a\"},\"outcome\":\"in_flight\"}
{\"line\":3,\"user\":{\"external_user_id\":\"b\"},\"outcome\":\"in_flight\"}
{\"line\":4,\"user\":{\"external_user_id\":\"c\"},\"outcome\":\"in_flight\"}
{\"line\":5,\"user\":{\"external_user_id\":\"d\"},\"outcome\":\"in_flight\"}
{\"line\":2,\"user\":{\"external_user_id\":\"a\"},\"outcome\":\"sent\"}
{\"line\":3,\"user\":{\"external_user_id\":\"b\"},\"outcome\":\"refused\"}
{\"line\":4,\"user\":{\"external_user_id\":\"c\"},\"outcome\":\"unknown\"}
{\"line\":6,\"user\":{\"external_user_id\":\"e\"},\"outcome\":\"not_sent\"}
{\"line\":7,\"user\":{\"external_user_id\":\"f\"},\"outcome\":\"skipped\",\"skip_reason\":\"interrupted\"}
{\"line\":8,\"user\":null,\"outcome\":\"invalid\"}
{\"line\":9,\"user\":{\"external_user_id\":\"g\"},\"outcome\":\"in_fl";
        let runs = load(&[report]).unwrap();
        assert_eq!(runs.state(&user("a")), Some(Earlier::Sent));
        assert_eq!(runs.state(&user("b")), Some(Earlier::Refused));
        assert_eq!(runs.state(&user("c")), Some(Earlier::Unknown));
        // In flight when the run was killed: it may have been sent.
        assert_eq!(runs.state(&user("d")), Some(Earlier::Unknown));
        assert_eq!(runs.state(&user("e")), None);
        assert_eq!(runs.state(&user("f")), None);
        // The cut last line is skipped: its batch had not gone out.
        assert_eq!(runs.state(&user("g")), None);
        assert_eq!(runs.counts(), (1, 1, 2));
    }

    #[test]
    fn reports_chain_and_the_strongest_state_wins() {
        let first = "{\"line\":2,\"user\":{\"external_user_id\":\"a\"},\"outcome\":\"unknown\"}\n\
            {\"line\":3,\"user\":{\"external_user_id\":\"b\"},\"outcome\":\"sent\"}\n";
        let second = "{\"line\":2,\"user\":{\"external_user_id\":\"a\"},\"outcome\":\"sent\"}\n\
            {\"line\":3,\"user\":{\"external_user_id\":\"b\"},\"outcome\":\"skipped\",\"skip_reason\":\"already_sent\"}\n\
            {\"line\":4,\"user\":{\"external_user_id\":\"c\"},\"outcome\":\"skipped\",\"skip_reason\":\"unknown\"}\n";
        let runs = load(&[first, second]).unwrap();
        assert_eq!(runs.state(&user("a")), Some(Earlier::Sent));
        assert_eq!(runs.state(&user("b")), Some(Earlier::Sent));
        assert_eq!(runs.state(&user("c")), Some(Earlier::Unknown));
    }

    #[test]
    fn a_damaged_line_before_the_last_is_an_input_error() {
        let error = load(&["{not json\n{\"line\":1}\n"]).unwrap_err();
        assert!(error.to_string().contains("line 1"), "{error}");
    }
}
