//! The fake's memory: the scheduled sends (campaign and Canvas schedules, and message
//! schedules with their content), and in strict mode the campaigns and Canvases that exist.
//!
//! All schedules sit in one map under one mutex, and every operation on a schedule takes
//! the lock once: a schedule is in exactly one state at any time, and concurrent updates
//! and deletes are applied one after another, none lost.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::SystemTime;

use braze_api::audience::AudienceProblem;
use braze_api::ids::ScheduleId;
use braze_api::types::{Messages, Schedule};
use braze_api::{ScheduleKind, ScheduleRef};

use crate::audience::SeenAudience;
use crate::choices;

/// Whom a schedule targets, in summary. Campaign and Canvas creates list `recipients`;
/// message creates list `external_user_ids` and `user_aliases` and may name a segment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targeting {
    /// How many recipients were listed (campaign and Canvas creates).
    pub recipients: usize,
    /// How many `external_user_ids` were listed (message creates).
    pub external_user_ids: usize,
    /// How many `user_aliases` were listed (message creates).
    pub user_aliases: usize,
    /// The `segment_id`, if one was given (message creates).
    pub segment_id: Option<String>,
    /// Whether a connected audience was given.
    pub audience: bool,
    /// Whether it sends to the whole segment (`broadcast: true`).
    pub broadcast: bool,
}

/// One scheduled send, as the fake holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSchedule {
    /// Which schedule it is, named as its update and delete name it: a campaign's or a
    /// Canvas's by the owner's id and the `schedule_id`, a message's by its `schedule_id`
    /// alone (see [`StoredSchedule::schedule_id`], [`StoredSchedule::kind`]).
    pub reference: ScheduleRef,
    /// The dispatch id the create answered.
    pub dispatch_id: String,
    /// When it sends: the create's schedule, or the last update's (which replaces it whole).
    pub schedule: Schedule,
    /// Whom it targets.
    pub targeting: Targeting,
    /// The create's `send_id`, if any (campaign and message schedules).
    pub send_id: Option<String>,
    /// What a message schedule sends, as it came over the wire: the create's `messages`,
    /// or the last update's (which replaces them whole, see
    /// [`choices::UPDATED_MESSAGES_REPLACE_THE_STORED_ONES`]). `None` for campaign and
    /// Canvas schedules, and for a message schedule added without content.
    pub messages: Option<Messages>,
    /// The `campaign_id` a message schedule was created under, if any (its analytics
    /// campaign: not an owner, update and delete do not name it).
    pub campaign_id: Option<String>,
    /// The connected audience the create carried, as it came over the wire.
    pub audience: Option<serde_json::Value>,
    /// Why Braze would fail this send after answering the create with a 2xx: an audience
    /// it is known to accept and then reject (a boolean compared with `does_not_equal`,
    /// [`choices::ACCEPT_AUDIENCES_BRAZE_FAILS_LATER`]). Empty for almost every schedule.
    pub silent_failures: Vec<AudienceProblem>,
    /// When it was created, by the server's [`Clock`](crate::Clock).
    pub created_at: SystemTime,
    /// How many updates were applied to it.
    pub updates: u64,
    /// Creation order, from 1: schedules are listed in this order.
    pub sequence: u64,
}

impl StoredSchedule {
    /// The id update and delete take.
    pub fn schedule_id(&self) -> &ScheduleId {
        self.reference.schedule_id()
    }

    /// Whether it sends a campaign, a Canvas or a message with its content.
    pub fn kind(&self) -> ScheduleKind {
        self.reference.kind()
    }

    /// The campaign or Canvas id that its update and delete must name; `None` for a
    /// message schedule.
    pub fn owner_id(&self) -> Option<&str> {
        self.reference.owner_id()
    }

    /// Whether a request naming `requested` finds it: the same schedule, of the same
    /// owner, by an operation of a kind that finds its kind
    /// ([`choices::operations_find`]).
    fn is(&self, requested: &ScheduleRef) -> bool {
        choices::operations_find(requested.kind(), self.kind())
            && self.owner_id() == requested.owner_id()
            && self.schedule_id() == requested.schedule_id()
    }
}

/// Why an update or delete was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal<E> {
    /// No such schedule for that owner (or of that kind).
    NotFound,
    /// The update was refused by the caller's check on the stored schedule.
    Refused(E),
}

/// What an update replaces: the schedule, the messages, or both (a campaign or Canvas
/// update always carries a schedule and never messages).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    pub(crate) schedule: Option<Schedule>,
    pub(crate) messages: Option<Messages>,
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
    /// Which schedule it is, with the id the store gave it.
    pub(crate) reference: ScheduleRef,
    pub(crate) schedule: Schedule,
    pub(crate) targeting: Targeting,
    pub(crate) send_id: Option<String>,
    pub(crate) messages: Option<Messages>,
    pub(crate) campaign_id: Option<String>,
    pub(crate) audience: SeenAudience,
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

    /// Stores a new schedule under fresh ids: `make` makes it of its `schedule_id`.
    pub(crate) fn create(
        &self,
        make: impl FnOnce(ScheduleId) -> NewSchedule,
        now: SystemTime,
    ) -> StoredSchedule {
        let sequence = self.created.fetch_add(1, Ordering::Relaxed) + 1;
        let new = make(ScheduleId::new(choices::new_id(
            self.schedule_salt,
            sequence,
        )));
        let stored = StoredSchedule {
            reference: new.reference,
            dispatch_id: choices::new_id(self.dispatch_salt, sequence),
            schedule: new.schedule,
            targeting: new.targeting,
            send_id: new.send_id,
            messages: new.messages,
            campaign_id: new.campaign_id,
            audience: new.audience.json,
            silent_failures: new.audience.silent_failures,
            created_at: now,
            updates: 0,
            sequence,
        };
        self.lock()
            .insert(stored.schedule_id().as_str().to_owned(), stored.clone());
        stored
    }

    /// Applies to the schedule `requested` names, if there is one, the change that
    /// `decide` makes of it: `decide` sees the stored schedule (under the lock, so nothing
    /// changes in between) and either refuses or hands back what to replace.
    pub(crate) fn update<E>(
        &self,
        requested: &ScheduleRef,
        decide: impl FnOnce(&StoredSchedule) -> Result<Change, E>,
    ) -> Result<(), Refusal<E>> {
        let mut schedules = self.lock();
        let stored = schedules
            .get_mut(requested.schedule_id().as_str())
            .filter(|stored| stored.is(requested))
            .ok_or(Refusal::NotFound)?;
        let change = decide(stored).map_err(Refusal::Refused)?;
        if let Some(schedule) = change.schedule {
            stored.schedule = schedule;
        }
        if let Some(messages) = change.messages {
            stored.messages = Some(messages);
        }
        stored.updates += 1;
        Ok(())
    }

    /// Removes the schedule `requested` names, if there is one.
    pub(crate) fn delete<E>(&self, requested: &ScheduleRef) -> Result<(), Refusal<E>> {
        let mut schedules = self.lock();
        let schedule_id = requested.schedule_id().as_str();
        match schedules.get(schedule_id) {
            Some(stored) if stored.is(requested) => {
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

    /// Forgets every schedule, and hands out the ids of the start again (the seed's
    /// sequence replays).
    pub(crate) fn clear(&self) {
        let mut schedules = self.lock();
        schedules.clear();
        self.created.store(0, Ordering::Relaxed);
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

    /// Knows exactly these campaigns and Canvases from now on.
    pub(crate) fn reset(&self, known: impl IntoIterator<Item = (ScheduleKind, String)>) {
        *self.known.write().unwrap_or_else(|e| e.into_inner()) = known.into_iter().collect();
    }

    /// Whether requests may name the `kind`'s owner `id` (a message's `campaign_id` counts
    /// as a campaign's): always outside strict mode.
    pub(crate) fn admits(&self, kind: ScheduleKind, id: &str) -> bool {
        !self.strict
            || self
                .known
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&(kind, id.to_owned()))
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

    fn new(reference: ScheduleRef) -> NewSchedule {
        NewSchedule {
            reference,
            schedule: schedule("2030-01-01T00:00:00Z"),
            targeting: Targeting::default(),
            send_id: None,
            messages: None,
            campaign_id: None,
            audience: SeenAudience::default(),
        }
    }

    fn create_campaign(store: &Store, campaign_id: &str) -> StoredSchedule {
        store.create(
            |id| new(ScheduleRef::campaign(campaign_id, id)),
            SystemTime::now(),
        )
    }

    fn create_message(store: &Store) -> StoredSchedule {
        store.create(|id| new(ScheduleRef::message(id)), SystemTime::now())
    }

    fn reschedule(to: &Schedule) -> impl FnOnce(&StoredSchedule) -> Result<Change, String> {
        let change = Change {
            schedule: Some(to.clone()),
            messages: None,
        };
        move |_| Ok(change)
    }

    #[test]
    fn updates_and_deletes_need_the_owner() {
        let store = Store::new(1);
        let stored = create_campaign(&store, "c1");
        let id = stored.schedule_id().clone();
        let later = schedule("2031-01-01T00:00:00Z");
        assert_eq!(
            store.update(&ScheduleRef::campaign("c2", id.clone()), reschedule(&later)),
            Err(Refusal::NotFound)
        );
        let canvas = ScheduleRef::canvas("c1", id.clone());
        assert_eq!(store.delete::<String>(&canvas), Err(Refusal::NotFound));
        let own = ScheduleRef::campaign("c1", id.clone());
        store.update(&own, reschedule(&later)).unwrap();
        assert_eq!(store.get(id.as_str()).unwrap().schedule, later);
        assert_eq!(store.get(id.as_str()).unwrap().updates, 1);
        assert_eq!(
            store.update(&own, |_| Err::<Change, _>("no".to_owned())),
            Err(Refusal::Refused("no".to_owned()))
        );
        store.delete::<String>(&own).unwrap();
        assert_eq!(store.delete::<String>(&own), Err(Refusal::NotFound));
        assert!(store.snapshot().is_empty());
    }

    #[test]
    fn message_schedules_are_found_by_the_message_operations_alone() {
        let store = Store::new(2);
        let message = create_message(&store);
        assert_eq!(message.owner_id(), None);
        let message_ref = message.reference.clone();
        let trigger = create_campaign(&store, "c1");
        let later = schedule("2031-01-01T00:00:00Z");

        // The message operations find no campaign schedule, and no campaign operation
        // finds a message schedule, whatever campaign it names.
        let trigger_as_message = ScheduleRef::message(trigger.schedule_id().clone());
        assert_eq!(
            store.update(&trigger_as_message, reschedule(&later)),
            Err(Refusal::NotFound)
        );
        assert_eq!(
            store.delete::<String>(&trigger_as_message),
            Err(Refusal::NotFound)
        );
        let message_as_campaign = ScheduleRef::campaign("", message.schedule_id().clone());
        assert_eq!(
            store.delete::<String>(&message_as_campaign),
            Err(Refusal::NotFound)
        );

        // An update replaces what it carries and keeps the rest.
        let messages: Messages = serde_json::from_value(
            serde_json::json!({"sms": {"subscription_group_id": "g", "body": "b", "app_id": "a"}}),
        )
        .unwrap();
        let change = Change {
            schedule: None,
            messages: Some(messages.clone()),
        };
        store
            .update(&message_ref, |_| Ok::<_, String>(change))
            .unwrap();
        let stored = store.get(message.schedule_id().as_str()).unwrap();
        assert_eq!(stored.messages, Some(messages));
        assert_eq!(stored.schedule, message.schedule);
        store.delete::<String>(&message_ref).unwrap();
        assert_eq!(store.snapshot().len(), 1);
    }

    #[test]
    fn ids_are_fresh_and_replayable() {
        let (a, b) = (Store::new(9), Store::new(9));
        let first = create_campaign(&a, "c");
        let second = create_campaign(&a, "c");
        assert_ne!(first.schedule_id(), second.schedule_id());
        assert_ne!(first.schedule_id().as_str(), first.dispatch_id);
        assert_eq!(
            a.snapshot().iter().map(|s| s.sequence).collect::<Vec<_>>(),
            [1, 2]
        );
        assert_eq!(create_campaign(&b, "c").schedule_id(), first.schedule_id());
        a.clear();
        assert!(a.snapshot().is_empty());
        assert_eq!(create_campaign(&a, "c").schedule_id(), first.schedule_id());
    }

    #[test]
    fn strict_registry_admits_registered_ids_only() {
        let registry = Registry::new(true, [(ScheduleKind::Campaign, "known".to_owned())]);
        assert!(registry.admits(ScheduleKind::Campaign, "known"));
        assert!(!registry.admits(ScheduleKind::Campaign, "other"));
        assert!(!registry.admits(ScheduleKind::Canvas, "known"));
        registry.register(ScheduleKind::Canvas, "known".to_owned());
        assert!(registry.admits(ScheduleKind::Canvas, "known"));
        registry.reset([(ScheduleKind::Canvas, "other".to_owned())]);
        assert!(!registry.admits(ScheduleKind::Campaign, "known"));
        assert!(registry.admits(ScheduleKind::Canvas, "other"));
        assert!(Registry::new(false, []).admits(ScheduleKind::Campaign, "any"));
    }
}
