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

use braze_api::ScheduleKind;
use braze_api::audience::AudienceProblem;
use braze_api::ids::ScheduleId;
use braze_api::types::{Messages, Schedule};

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
    /// The id update and delete take.
    pub schedule_id: ScheduleId,
    /// The dispatch id the create answered.
    pub dispatch_id: String,
    /// Whether it sends a campaign, a Canvas or a message with its content.
    pub kind: ScheduleKind,
    /// The campaign or Canvas id that its update and delete must name; `None` for a
    /// message schedule, which update and delete name by `schedule_id` alone.
    pub owner_id: Option<String>,
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

/// Whose schedule a request updates or deletes: the kind of its operation, and the
/// campaign or Canvas it names (`None` for the message operations, which name none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Owner<'a> {
    pub(crate) kind: ScheduleKind,
    pub(crate) id: Option<&'a str>,
}

impl Owner<'_> {
    /// What the message operations name: no owner.
    pub(crate) const MESSAGE: Owner<'static> = Owner {
        kind: ScheduleKind::Message,
        id: None,
    };
}

impl StoredSchedule {
    fn belongs_to(&self, owner: Owner<'_>) -> bool {
        choices::operations_find(owner.kind, self.kind) && self.owner_id.as_deref() == owner.id
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
    pub(crate) kind: ScheduleKind,
    pub(crate) owner_id: Option<String>,
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
            messages: new.messages,
            campaign_id: new.campaign_id,
            audience: new.audience.json,
            silent_failures: new.audience.silent_failures,
            created_at: now,
            updates: 0,
            sequence,
        };
        self.lock()
            .insert(stored.schedule_id.as_str().to_owned(), stored.clone());
        stored
    }

    /// Applies to `schedule_id`, if it belongs to `owner`, the change that `decide` makes
    /// of it: `decide` sees the stored schedule (under the lock, so nothing changes in
    /// between) and either refuses or hands back what to replace.
    pub(crate) fn update<E>(
        &self,
        owner: Owner<'_>,
        schedule_id: &str,
        decide: impl FnOnce(&StoredSchedule) -> Result<Change, E>,
    ) -> Result<(), Refusal<E>> {
        let mut schedules = self.lock();
        let stored = schedules
            .get_mut(schedule_id)
            .filter(|stored| stored.belongs_to(owner))
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

    /// Removes `schedule_id` if it belongs to `owner`.
    pub(crate) fn delete<E>(&self, owner: Owner<'_>, schedule_id: &str) -> Result<(), Refusal<E>> {
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

    /// Whether requests may name `owner`: always outside strict mode, and always when
    /// they name none.
    pub(crate) fn admits(&self, owner: Owner<'_>) -> bool {
        let Some(id) = owner.id else {
            return true;
        };
        !self.strict
            || self
                .known
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&(owner.kind, id.to_owned()))
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
            id: Some(id),
        }
    }

    fn new(owner: Owner<'_>) -> NewSchedule {
        NewSchedule {
            kind: owner.kind,
            owner_id: owner.id.map(str::to_owned),
            schedule: schedule("2030-01-01T00:00:00Z"),
            targeting: Targeting::default(),
            send_id: None,
            messages: None,
            campaign_id: None,
            audience: SeenAudience::default(),
        }
    }

    fn create(store: &Store, owner: Owner<'_>) -> StoredSchedule {
        store.create(new(owner), SystemTime::now())
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
        let stored = create(&store, campaign("c1"));
        let id = stored.schedule_id.as_str();
        let later = schedule("2031-01-01T00:00:00Z");
        assert_eq!(
            store.update(campaign("c2"), id, reschedule(&later)),
            Err(Refusal::NotFound)
        );
        let canvas = Owner {
            kind: ScheduleKind::Canvas,
            id: Some("c1"),
        };
        assert_eq!(store.delete::<String>(canvas, id), Err(Refusal::NotFound));
        store
            .update(campaign("c1"), id, reschedule(&later))
            .unwrap();
        assert_eq!(store.get(id).unwrap().schedule, later);
        assert_eq!(store.get(id).unwrap().updates, 1);
        assert_eq!(
            store.update(campaign("c1"), id, |_| Err::<Change, _>("no".to_owned())),
            Err(Refusal::Refused("no".to_owned()))
        );
        store.delete::<String>(campaign("c1"), id).unwrap();
        assert_eq!(
            store.delete::<String>(campaign("c1"), id),
            Err(Refusal::NotFound)
        );
        assert!(store.snapshot().is_empty());
    }

    #[test]
    fn message_schedules_are_found_by_the_message_operations_alone() {
        let store = Store::new(2);
        let message = create(&store, Owner::MESSAGE);
        let message_id = message.schedule_id.as_str();
        assert_eq!(message.owner_id, None);
        let trigger = create(&store, campaign("c1"));
        let trigger_id = trigger.schedule_id.as_str();
        let later = schedule("2031-01-01T00:00:00Z");

        // The message operations find no campaign schedule, and no campaign operation
        // finds a message schedule, whatever campaign it names.
        assert_eq!(
            store.update(Owner::MESSAGE, trigger_id, reschedule(&later)),
            Err(Refusal::NotFound)
        );
        assert_eq!(
            store.delete::<String>(Owner::MESSAGE, trigger_id),
            Err(Refusal::NotFound)
        );
        assert_eq!(
            store.delete::<String>(campaign(""), message_id),
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
            .update(Owner::MESSAGE, message_id, |_| Ok::<_, String>(change))
            .unwrap();
        let stored = store.get(message_id).unwrap();
        assert_eq!(stored.messages, Some(messages));
        assert_eq!(stored.schedule, message.schedule);
        store.delete::<String>(Owner::MESSAGE, message_id).unwrap();
        assert_eq!(store.snapshot().len(), 1);
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
            id: Some("known"),
        };
        assert!(!registry.admits(canvas));
        registry.register(ScheduleKind::Canvas, "known".to_owned());
        assert!(registry.admits(canvas));
        assert!(Registry::new(false, []).admits(campaign("any")));
        // The message operations name no owner to check.
        assert!(registry.admits(Owner::MESSAGE));
    }
}
