//! The ledger: a local file of every schedule the probe creates on the endpoint under
//! test, written **before** each create and again when it is answered and when it is
//! deleted, so that a later run finds and deletes what a killed one left.
//!
//! Braze's listing may not show API schedules at all (that is itself one of the choices
//! the probe settles), and a campaign schedule can only be deleted by its `schedule_id`,
//! so the probe cannot rely on finding its schedules on the workspace: it keeps their ids
//! here. One JSON object per line, appended and synced; a line is one event of one create
//! (`run` and `seq` name the create):
//!
//! * `creating`: about to send the create (kind, owner id, time, endpoint);
//! * `created`: answered 2xx with this `schedule_id`;
//! * `refused`: answered with an error, nothing was created;
//! * `deleted`: deleted (or answered that it no longer exists);
//! * `abandoned`: the create was never answered (the run was killed, or the answer was
//!   lost) so its `schedule_id` is unknown; reported for a person to check.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// The kind of a schedule the probe creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `/campaigns/trigger/schedule/*`.
    Campaign,
    /// `/canvas/trigger/schedule/*`.
    Canvas,
    /// `/messages/schedule/*`.
    Message,
}

impl Kind {
    /// The operation that deletes a schedule of this kind.
    pub fn delete_operation(self) -> &'static str {
        match self {
            Kind::Campaign => "delete_campaign_schedule",
            Kind::Canvas => "delete_canvas_schedule",
            Kind::Message => "delete_message_schedule",
        }
    }

    /// The body that deletes `schedule_id` of `owner_id`.
    pub fn delete_body(self, owner_id: &str, schedule_id: &str) -> serde_json::Value {
        match self {
            Kind::Campaign => {
                serde_json::json!({"campaign_id": owner_id, "schedule_id": schedule_id})
            }
            Kind::Canvas => serde_json::json!({"canvas_id": owner_id, "schedule_id": schedule_id}),
            Kind::Message => serde_json::json!({"schedule_id": schedule_id}),
        }
    }

    /// `campaign`, `canvas` or `message`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Campaign => "campaign",
            Kind::Canvas => "canvas",
            Kind::Message => "message",
        }
    }
}

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// `creating`, `created`, `refused`, `deleted` or `abandoned`.
    pub event: String,
    /// The run that made the create.
    pub run: String,
    /// The create's number within its run.
    pub seq: u64,
    /// The REST endpoint the create was sent to.
    pub endpoint: String,
    /// The kind of schedule.
    pub kind: Kind,
    /// The campaign or Canvas id (for a message schedule, empty).
    pub owner_id: String,
    /// The schedule's `time` as sent.
    pub time: String,
    /// The `schedule_id`, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<String>,
    /// The status of the answer that closed or advanced the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// A create that is not closed: what a cleanup pass must delete or report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    /// The create's last event (`creating` or `created`), with its ids.
    pub entry: Entry,
}

/// The ledger file.
pub struct Ledger {
    path: PathBuf,
    endpoint: String,
    run: String,
    state: Mutex<u64>,
}

impl Ledger {
    /// The ledger at `path` (created when missing) for creates of run `run` on
    /// `endpoint`.
    pub fn open(path: &Path, endpoint: &str, run: &str) -> std::io::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            path: path.to_owned(),
            endpoint: endpoint.to_owned(),
            run: run.to_owned(),
            state: Mutex::new(0),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Notes a create about to be sent; its number is for the events that follow.
    pub fn creating(&self, kind: Kind, owner_id: &str, time: &str) -> std::io::Result<u64> {
        let seq = {
            let mut next = self.state.lock().expect("ledger lock");
            *next += 1;
            *next
        };
        self.append(&Entry {
            event: "creating".into(),
            run: self.run.clone(),
            seq,
            endpoint: self.endpoint.clone(),
            kind,
            owner_id: owner_id.into(),
            time: time.into(),
            schedule_id: None,
            status: None,
        })?;
        Ok(seq)
    }

    /// Appends the event that follows `entry`'s (same run and number).
    pub fn follow(
        &self,
        entry: &Entry,
        event: &str,
        schedule_id: Option<&str>,
        status: Option<u16>,
    ) -> std::io::Result<()> {
        self.append(&Entry {
            event: event.into(),
            schedule_id: schedule_id.map(str::to_owned).or(entry.schedule_id.clone()),
            status,
            ..entry.clone()
        })
    }

    /// The `creating` entry of this run's create `seq`, to follow it.
    pub fn entry(&self, seq: u64, kind: Kind, owner_id: &str, time: &str) -> Entry {
        Entry {
            event: "creating".into(),
            run: self.run.clone(),
            seq,
            endpoint: self.endpoint.clone(),
            kind,
            owner_id: owner_id.into(),
            time: time.into(),
            schedule_id: None,
            status: None,
        }
    }

    fn append(&self, entry: &Entry) -> std::io::Result<()> {
        // Under the lock: lines of concurrent events never interleave.
        let _guard = self.state.lock().expect("ledger lock");
        let mut file = OpenOptions::new().append(true).open(&self.path)?;
        let line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        writeln!(file, "{line}")?;
        file.sync_data()
    }

    /// Every create not closed yet, of this endpoint and of others (a cleanup acts on the
    /// first and reports the second), in the order they were made.
    pub fn open_entries(&self) -> std::io::Result<Vec<Open>> {
        let file = File::open(&self.path)?;
        let mut last: BTreeMap<(String, u64), (usize, Entry)> = BTreeMap::new();
        for (number, line) in BufReader::new(file).lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            // A line cut short by a kill is skipped: its create's earlier line stands.
            let Ok(entry) = serde_json::from_str::<Entry>(&line) else {
                continue;
            };
            let key = (entry.run.clone(), entry.seq);
            let order = last.get(&key).map_or(number, |(first, _)| *first);
            last.insert(key, (order, entry));
        }
        let mut open: Vec<(usize, Entry)> = last
            .into_values()
            .filter(|(_, entry)| matches!(entry.event.as_str(), "creating" | "created"))
            .collect();
        open.sort_by_key(|(order, _)| *order);
        Ok(open.into_iter().map(|(_, entry)| Open { entry }).collect())
    }

    /// The endpoint this ledger's creates go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_is_open_until_closed_and_a_torn_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.jsonl");
        let ledger = Ledger::open(&path, "http://127.0.0.1:1", "run1").unwrap();
        let a = ledger
            .creating(Kind::Campaign, "c", "2030-01-01T00:00:00Z")
            .unwrap();
        let b = ledger
            .creating(Kind::Message, "", "2030-01-01T00:00:00Z")
            .unwrap();
        let c = ledger
            .creating(Kind::Canvas, "v", "2030-01-01T00:00:00Z")
            .unwrap();
        let entry_a = ledger.entry(a, Kind::Campaign, "c", "2030-01-01T00:00:00Z");
        ledger
            .follow(&entry_a, "created", Some("s-a"), Some(201))
            .unwrap();
        let entry_b = ledger.entry(b, Kind::Message, "", "2030-01-01T00:00:00Z");
        ledger
            .follow(&entry_b, "created", Some("s-b"), Some(201))
            .unwrap();
        ledger.follow(&entry_b, "deleted", None, Some(200)).unwrap();
        let entry_c = ledger.entry(c, Kind::Canvas, "v", "2030-01-01T00:00:00Z");
        ledger.follow(&entry_c, "refused", None, Some(400)).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"event\":\"deleted\",\"run\":\"run1\",\"se")
            .unwrap();
        let open = ledger.open_entries().unwrap();
        assert_eq!(open.len(), 1, "{open:?}");
        assert_eq!(open[0].entry.event, "created");
        assert_eq!(open[0].entry.schedule_id.as_deref(), Some("s-a"));
    }
}
