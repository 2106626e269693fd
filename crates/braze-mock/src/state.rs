//! The fake's memory: the scheduled sends, and in strict mode the campaigns and Canvases
//! that exist.
//!
//! All schedules sit in one map under one mutex, and every operation on a schedule takes
//! the lock once: a schedule is in exactly one state at any time, and concurrent updates
//! and deletes are applied one after another, none lost.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::SystemTime;

use braze_api::ScheduleKind;
use braze_api::ids::ScheduleId;
use braze_api::types::Schedule;

use crate::choices;

/// Whom a schedule targets, in summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Targeting {
    /// How many recipients were listed.
    pub recipients: usize,
    /// Whether a connected audience was given.
    pub audience: bool,
    /// Whether it sends to the whole segment (`broadcast: true`).
    pub broadcast: bool,
}

/// One scheduled send, as the fake holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSchedule {
    /// The id update and delete take.
    pub schedule_id: ScheduleId,
    /// The dispatch id the create answered.
    pub dispatch_id: String,
    /// Whether it sends a campaign or a Canvas.
    pub kind: ScheduleKind,
    /// The campaign or Canvas id that its update and delete must name.
    pub owner_id: String,
    /// When it sends: the create's schedule, or the last update's (which replaces it whole).
    pub schedule: Schedule,
    /// Whom it targets.
    pub targeting: Targeting,
    /// The create's `send_id`, if any (campaigns only).
    pub send_id: Option<String>,
    /// When it was created.
    pub created_at: SystemTime,
    /// How many updates were applied to it.
    pub updates: u64,
    /// Creation order, from 1: schedules are listed in this order.
    pub sequence: u64,
}

/// The campaign or Canvas a request names, for the schedule it updates or deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Owner<'a> {
    pub(crate) kind: ScheduleKind,
    pub(crate) id: &'a str,
}

impl StoredSchedule {
    fn belongs_to(&self, owner: Owner<'_>) -> bool {
        self.kind == owner.kind && self.owner_id == owner.id
    }
}

/// Why an update or delete was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No such schedule for that campaign or Canvas.
    NotFound,
    /// The update was refused by the caller's check on the stored schedule.
    Refused(String),
}

/// The stored schedules.
pub(crate) struct Store {
    schedules: Mutex<HashMap<String, StoredSchedule>>,
    created: AtomicU64,
    schedule_salt: u64,
    dispatch_salt: u64,
}

/// What a new schedule is made of.
pub(crate) struct NewSchedule {
    pub(crate) kind: ScheduleKind,
    pub(crate) owner_id: String,
    pub(crate) schedule: Schedule,
    pub(crate) targeting: Targeting,
    pub(crate) send_id: Option<String>,
}

impl Store {
    pub(crate) fn new(seed: u64) -> Self {
        // Derived from the seed, so that a replayed run hands out the same ids.
        let mut rng = fastrand::Rng::with_seed(seed ^ 0x5ced_1d5e_ed00_0000);
        Self {
            schedules: Mutex::new(HashMap::new()),
            created: AtomicU64::new(0),
            schedule_salt: rng.u64(..),
            dispatch_salt: rng.u64(..),
        }
    }

    /// Stores a new schedule under fresh ids.
    pub(crate) fn create(&self, new: NewSchedule, now: SystemTime) -> StoredSchedule {
        let sequence = self.created.fetch_add(1, Ordering::Relaxed) + 1;
        let stored = StoredSchedule {
            schedule_id: ScheduleId::new(choices::new_id(self.schedule_salt, sequence)),
            dispatch_id: choices::new_id(self.dispatch_salt, sequence),
            kind: new.kind,
            owner_id: new.owner_id,
            schedule: new.schedule,
            targeting: new.targeting,
            send_id: new.send_id,
            created_at: now,
            updates: 0,
            sequence,
        };
        self.lock()
            .insert(stored.schedule_id.as_str().to_owned(), stored.clone());
        stored
    }

    /// Replaces the schedule of `schedule_id` if it belongs to `owner` and `check` lets it.
    pub(crate) fn update(
        &self,
        owner: Owner<'_>,
        schedule_id: &str,
        schedule: Schedule,
        check: impl FnOnce(&StoredSchedule) -> Result<(), String>,
    ) -> Result<(), Refusal> {
        let mut schedules = self.lock();
        let stored = schedules
            .get_mut(schedule_id)
            .filter(|stored| stored.belongs_to(owner))
            .ok_or(Refusal::NotFound)?;
        check(stored).map_err(Refusal::Refused)?;
        stored.schedule = schedule;
        stored.updates += 1;
        Ok(())
    }

    /// Removes `schedule_id` if it belongs to `owner`.
    pub(crate) fn delete(&self, owner: Owner<'_>, schedule_id: &str) -> Result<(), Refusal> {
        let mut schedules = self.lock();
        match schedules.get(schedule_id) {
            Some(stored) if stored.belongs_to(owner) => {
                schedules.remove(schedule_id);
                Ok(())
            }
            _ => Err(Refusal::NotFound),
        }
    }

    /// Every stored schedule, in creation order.
    pub(crate) fn snapshot(&self) -> Vec<StoredSchedule> {
        let mut all: Vec<StoredSchedule> = self.lock().values().cloned().collect();
        all.sort_by_key(|stored| stored.sequence);
        all
    }

    pub(crate) fn get(&self, schedule_id: &str) -> Option<StoredSchedule> {
        self.lock().get(schedule_id).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredSchedule>> {
        self.schedules.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The campaigns and Canvases that exist, for strict mode.
pub(crate) struct Registry {
    strict: bool,
    known: RwLock<HashSet<(ScheduleKind, String)>>,
}

impl Registry {
    pub(crate) fn new(
        strict: bool,
        known: impl IntoIterator<Item = (ScheduleKind, String)>,
    ) -> Self {
        Self {
            strict,
            known: RwLock::new(known.into_iter().collect()),
        }
    }

    pub(crate) fn register(&self, kind: ScheduleKind, id: String) {
        self.known
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert((kind, id));
    }

    /// Whether requests may name `owner`: always outside strict mode.
    pub(crate) fn admits(&self, owner: Owner<'_>) -> bool {
        !self.strict
            || self
                .known
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&(owner.kind, owner.id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(time: &str) -> Schedule {
        Schedule {
            at_optimal_time: None,
            in_local_time: None,
            time: time.parse().unwrap(),
        }
    }

    fn campaign(id: &str) -> Owner<'_> {
        Owner {
            kind: ScheduleKind::Campaign,
            id,
        }
    }

    fn create(store: &Store, owner: Owner<'_>) -> StoredSchedule {
        store.create(
            NewSchedule {
                kind: owner.kind,
                owner_id: owner.id.to_owned(),
                schedule: schedule("2030-01-01T00:00:00Z"),
                targeting: Targeting::default(),
                send_id: None,
            },
            SystemTime::now(),
        )
    }

    #[test]
    fn updates_and_deletes_need_the_owner() {
        let store = Store::new(1);
        let stored = create(&store, campaign("c1"));
        let id = stored.schedule_id.as_str();
        let later = schedule("2031-01-01T00:00:00Z");
        assert_eq!(
            store.update(campaign("c2"), id, later.clone(), |_| Ok(())),
            Err(Refusal::NotFound)
        );
        let canvas = Owner {
            kind: ScheduleKind::Canvas,
            id: "c1",
        };
        assert_eq!(store.delete(canvas, id), Err(Refusal::NotFound));
        store
            .update(campaign("c1"), id, later.clone(), |_| Ok(()))
            .unwrap();
        assert_eq!(store.get(id).unwrap().schedule, later);
        assert_eq!(store.get(id).unwrap().updates, 1);
        assert_eq!(
            store.update(campaign("c1"), id, later, |_| Err("no".into())),
            Err(Refusal::Refused("no".into()))
        );
        store.delete(campaign("c1"), id).unwrap();
        assert_eq!(store.delete(campaign("c1"), id), Err(Refusal::NotFound));
        assert!(store.snapshot().is_empty());
    }

    #[test]
    fn ids_are_fresh_and_replayable() {
        let (a, b) = (Store::new(9), Store::new(9));
        let first = create(&a, campaign("c"));
        let second = create(&a, campaign("c"));
        assert_ne!(first.schedule_id, second.schedule_id);
        assert_ne!(first.schedule_id.as_str(), first.dispatch_id);
        assert_eq!(create(&b, campaign("c")).schedule_id, first.schedule_id);
        assert_eq!(
            a.snapshot().iter().map(|s| s.sequence).collect::<Vec<_>>(),
            [1, 2]
        );
    }

    #[test]
    fn strict_registry_admits_registered_ids_only() {
        let registry = Registry::new(true, [(ScheduleKind::Campaign, "known".to_owned())]);
        assert!(registry.admits(campaign("known")));
        assert!(!registry.admits(campaign("other")));
        let canvas = Owner {
            kind: ScheduleKind::Canvas,
            id: "known",
        };
        assert!(!registry.admits(canvas));
        registry.register(ScheduleKind::Canvas, "known".to_owned());
        assert!(registry.admits(canvas));
        assert!(Registry::new(false, []).admits(campaign("any")));
    }
}
