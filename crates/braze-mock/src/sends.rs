//! What the send family acts on and leaves behind: the campaigns and Canvases the fake
//! knows (with a kind and a status), its users, the `send_id` registry with its daily
//! quota, the 24-hour `external_send_id` cache, and the dispatch log.
//!
//! Like the [`Registry`](crate::state) of strict mode, the world is open by default: a
//! campaign or Canvas the fake was not told about is an active one of the kind the
//! request needs, every user exists, every `send_id` was created. In strict mode it is
//! closed: only what was seeded (or created by a request) exists.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use braze_api::operations::Operation;
use serde_json::{Map, Value};

use crate::choices;

/// What kind of campaign it is, which decides which send endpoint may name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignKind {
    /// An API campaign: its content is sent inline by `/messages/send` (and the message
    /// schedules), which names it by `campaign_id` for its statistics.
    Api,
    /// An API-triggered campaign: content in the dashboard, sent by
    /// `/campaigns/trigger/send` (and the campaign schedules).
    ApiTriggered,
    /// A transactional email campaign, sent by
    /// `/transactional/v1/campaigns/{campaign_id}/send`.
    Transactional,
}

/// Whether a campaign or Canvas sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Status {
    /// It sends (the default).
    #[default]
    Active,
    /// Paused in the dashboard: a trigger is answered and sends nothing.
    Paused,
    /// Archived: a trigger is answered and sends nothing.
    Archived,
}

/// A user the fake knows, by any of Braze's identifiers.
///
/// ```
/// use braze_mock::User;
///
/// let user = User::external("u1").with_email("u1@example.com").with_alias("shop", "crm");
/// assert_eq!(user.external_id.as_deref(), Some("u1"));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct User {
    /// Its `external_id`, if it has one.
    pub external_id: Option<String>,
    /// Its aliases, as `(alias_name, alias_label)`.
    pub aliases: Vec<(String, String)>,
    /// Its email address, if it has one.
    pub email: Option<String>,
    /// Its `braze_id`, if it has one (users the fake creates get one).
    pub braze_id: Option<String>,
    /// Its attributes: those seeded, then those the sends' `attributes` wrote.
    pub attributes: Map<String, Value>,
}

impl User {
    /// A user with this `external_id`.
    pub fn external(external_id: impl Into<String>) -> User {
        User {
            external_id: Some(external_id.into()),
            ..User::default()
        }
    }

    /// An alias-only user.
    pub fn alias(name: impl Into<String>, label: impl Into<String>) -> User {
        User::default().with_alias(name, label)
    }

    /// Adds an alias.
    pub fn with_alias(mut self, name: impl Into<String>, label: impl Into<String>) -> User {
        self.aliases.push((name.into(), label.into()));
        self
    }

    /// Sets its email address.
    pub fn with_email(mut self, email: impl Into<String>) -> User {
        self.email = Some(email.into());
        self
    }

    /// Sets its `braze_id`.
    pub fn with_braze_id(mut self, braze_id: impl Into<String>) -> User {
        self.braze_id = Some(braze_id.into());
        self
    }

    fn is(&self, id: &UserId) -> bool {
        match id {
            UserId::External(id) => self.external_id.as_ref() == Some(id),
            UserId::Alias { name, label } => {
                self.aliases.iter().any(|(n, l)| n == name && l == label)
            }
            UserId::Email(email) => self.email.as_ref() == Some(email),
            UserId::Braze(id) => self.braze_id.as_ref() == Some(id),
        }
    }
}

/// A user as a request names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserId {
    /// By `external_user_id`.
    External(String),
    /// By `user_alias`.
    Alias {
        /// `alias_name`.
        name: String,
        /// `alias_label`.
        label: String,
    },
    /// By `email`.
    Email(String),
    /// By `braze_id`.
    Braze(String),
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserId::External(id) => write!(f, "external_user_id {id}"),
            UserId::Alias { name, label } => write!(f, "user_alias {name}/{label}"),
            UserId::Email(email) => write!(f, "email {email}"),
            UserId::Braze(id) => write!(f, "braze_id {id}"),
        }
    }
}

/// One dispatch: a send the fake took and sent. A send answered with a `notice` (paused or
/// archived campaign or Canvas), a refused one, and a transactional repeat within 24 hours
/// of its `external_send_id` leave none. A request answered and then faulted (a truncated
/// or malformed answer) leaves exactly one.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispatch {
    /// Which send it was.
    pub operation: Operation,
    /// The `dispatch_id` it was answered with.
    pub dispatch_id: String,
    /// The campaign sent, if any (the transactional one from the path).
    pub campaign_id: Option<String>,
    /// The Canvas sent, if any.
    pub canvas_id: Option<String>,
    /// The users it went to, by the identifier the request named them with, once each, in
    /// the request's order (recipients skipped as unknown are not here). Empty for a
    /// broadcast, a segment or an audience.
    pub users: Vec<UserId>,
    /// Whether it went to a segment or an audience instead of listed users.
    pub broadcast: bool,
    /// Its `send_id` (given, or generated for a broadcast).
    pub send_id: Option<String>,
    /// Its `external_send_id` (transactional).
    pub external_send_id: Option<String>,
    /// When it was taken, by the fake's [`Clock`](crate::Clock).
    pub at: SystemTime,
    /// Order of dispatch, from 1.
    pub sequence: u64,
}

/// A campaign as the fake knows it: its kind, when told, and its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KnownCampaign {
    pub(crate) kind: Option<CampaignKind>,
    pub(crate) status: Status,
}

/// Everything the sends share, behind one lock (so that a check and the dispatch it
/// allows cannot be split by another request).
pub(crate) struct Sends {
    inner: Mutex<World>,
    sequence: AtomicU64,
    dispatch_salt: u64,
    send_id_salt: u64,
    braze_id_salt: u64,
}

/// The state the lock guards.
pub(crate) struct World {
    /// Closed world: strict mode.
    pub(crate) closed: bool,
    pub(crate) campaigns: HashMap<String, KnownCampaign>,
    pub(crate) canvases: HashMap<String, Status>,
    pub(crate) users: Vec<User>,
    /// `(campaign_id, send_id)` pairs created.
    pub(crate) send_ids: HashSet<(String, String)>,
    /// The fake-clock day (days since the epoch, UTC) and how many pairs it created.
    send_ids_today: (u64, u32),
    /// `external_send_id` → when it was first sent and its `dispatch_id`.
    external_sends: HashMap<String, (SystemTime, String)>,
    pub(crate) dispatches: Vec<Dispatch>,
}

impl Sends {
    pub(crate) fn new(seed: u64, closed: bool) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed ^ 0x5e4d_d15b_a7c4_0000);
        Self {
            inner: Mutex::new(World::new(closed)),
            sequence: AtomicU64::new(0),
            dispatch_salt: rng.u64(..),
            send_id_salt: rng.u64(..),
            braze_id_salt: rng.u64(..),
        }
    }

    /// Runs `f` under the lock.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut World, &Ids<'_>) -> T) -> T {
        let mut world = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut world, &Ids { sends: self })
    }

    pub(crate) fn snapshot<T>(&self, f: impl FnOnce(&World) -> T) -> T {
        f(&self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Back to an empty world (then seeded by `f`), with the ids of the start handed out
    /// again (the seed's sequence replays).
    pub(crate) fn reset(&self, f: impl FnOnce(&mut World)) {
        let mut world = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *world = World::new(world.closed);
        self.sequence.store(0, Ordering::Relaxed);
        f(&mut world);
    }
}

/// Fresh ids ([`choices::new_id`]): 32 lowercase hex digits, replayable by seed.
pub(crate) struct Ids<'a> {
    sends: &'a Sends,
}

impl Ids<'_> {
    fn next(&self, salt: u64) -> String {
        let sequence = self.sends.sequence.fetch_add(1, Ordering::Relaxed) + 1;
        choices::new_id(salt, sequence)
    }

    pub(crate) fn dispatch_id(&self) -> String {
        self.next(self.sends.dispatch_salt)
    }

    pub(crate) fn send_id(&self) -> String {
        self.next(self.sends.send_id_salt)
    }

    fn braze_id(&self) -> String {
        // Braze's ids are 24 hex digits.
        self.next(self.sends.braze_id_salt)[..24].to_owned()
    }
}

/// Why a recipient was not sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Skip {
    /// No such user, and it could not be created.
    Unknown,
}

/// What `resolve` makes of a recipient.
pub(crate) struct RecipientRequest<'a> {
    pub(crate) id: UserId,
    /// `send_to_existing_only` (Braze's default: `true`).
    pub(crate) existing_only: bool,
    pub(crate) attributes: &'a Map<String, Value>,
}

impl World {
    fn new(closed: bool) -> Self {
        World {
            closed,
            campaigns: HashMap::new(),
            canvases: HashMap::new(),
            users: Vec::new(),
            send_ids: HashSet::new(),
            send_ids_today: (0, 0),
            external_sends: HashMap::new(),
            dispatches: Vec::new(),
        }
    }

    /// The campaign `id`, as known or (open world) as an active one of unknown kind.
    pub(crate) fn campaign(&self, id: &str) -> Option<KnownCampaign> {
        self.campaigns.get(id).copied()
    }

    fn find(&self, id: &UserId) -> Option<usize> {
        self.users.iter().position(|user| user.is(id))
    }

    /// Whether a listed user exists ([`choices::OPEN_WORLD_USERS_EXIST`] outside strict
    /// mode).
    pub(crate) fn user_exists(&self, id: &UserId) -> bool {
        self.find(id).is_some() || (!self.closed && choices::OPEN_WORLD_USERS_EXIST)
    }

    /// The user a recipient names, after applying its `attributes` (which create it when
    /// `send_to_existing_only` is `false`): `Ok(Some(index))` for a known user,
    /// `Ok(None)` for one the open world takes on trust, `Err` when it is skipped.
    pub(crate) fn resolve(
        &mut self,
        recipient: &RecipientRequest<'_>,
        ids: &Ids<'_>,
    ) -> Result<Option<usize>, Skip> {
        if let Some(index) = self.find(&recipient.id) {
            let user = &mut self.users[index];
            for (name, value) in recipient.attributes {
                user.attributes.insert(name.clone(), value.clone());
            }
            return Ok(Some(index));
        }
        let creatable = matches!(recipient.id, UserId::External(_) | UserId::Email(_));
        if !recipient.existing_only && !recipient.attributes.is_empty() && creatable {
            let mut user = User {
                braze_id: Some(ids.braze_id()),
                attributes: recipient.attributes.clone(),
                ..User::default()
            };
            match &recipient.id {
                UserId::External(id) => user.external_id = Some(id.clone()),
                UserId::Email(email) => user.email = Some(email.clone()),
                _ => {}
            }
            self.users.push(user);
            return Ok(Some(self.users.len() - 1));
        }
        if self.user_exists(&recipient.id) {
            Ok(None)
        } else {
            Err(Skip::Unknown)
        }
    }

    /// Whether `send_id` may be used with `campaign_id`: created for it, or anything in
    /// the open world ([`choices::send_id_must_be_created`]).
    pub(crate) fn send_id_usable(&self, campaign_id: &str, send_id: &str) -> bool {
        !choices::send_id_must_be_created(self.closed)
            || self
                .send_ids
                .contains(&(campaign_id.to_owned(), send_id.to_owned()))
    }

    /// Creates the pair under the daily quota of the fake clock's UTC day: `Ok(true)`
    /// created, `Ok(false)` existed already (not counted,
    /// [`choices::RECREATED_SEND_ID_COUNTS`]), `Err(())` over the quota.
    pub(crate) fn create_send_id(
        &mut self,
        campaign_id: &str,
        send_id: &str,
        now: SystemTime,
    ) -> Result<bool, ()> {
        let pair = (campaign_id.to_owned(), send_id.to_owned());
        let exists = self.send_ids.contains(&pair);
        if exists && !choices::RECREATED_SEND_ID_COUNTS {
            return Ok(false);
        }
        let day = now
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs()
            / 86_400;
        if self.send_ids_today.0 != day {
            self.send_ids_today = (day, 0);
        }
        if self.send_ids_today.1 >= choices::SEND_IDS_PER_DAY {
            return Err(());
        }
        self.send_ids_today.1 += 1;
        self.send_ids.insert(pair);
        Ok(!exists)
    }

    /// The `dispatch_id` of an earlier send with this `external_send_id`, if it is less
    /// than [`choices::EXTERNAL_SEND_ID_TTL`] old at `now`.
    pub(crate) fn recent_external_send(&self, key: &str, now: SystemTime) -> Option<String> {
        let (at, dispatch_id) = self.external_sends.get(key)?;
        let age = now.duration_since(*at).unwrap_or(Duration::ZERO);
        (age < choices::EXTERNAL_SEND_ID_TTL).then(|| dispatch_id.clone())
    }

    /// Logs a dispatch (and remembers its `external_send_id`).
    pub(crate) fn dispatch(&mut self, mut dispatch: Dispatch) -> Dispatch {
        dispatch.sequence = self.dispatches.len() as u64 + 1;
        if let Some(key) = &dispatch.external_send_id {
            self.external_sends
                .insert(key.clone(), (dispatch.at, dispatch.dispatch_id.clone()));
        }
        self.dispatches.push(dispatch.clone());
        dispatch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn the_send_id_quota_is_per_day_of_the_clock_and_per_pair() {
        let sends = Sends::new(1, true);
        sends.with(|world, _| {
            let day = 1_893_456_000; // 2030-01-01T00:00:00Z
            for n in 0..choices::SEND_IDS_PER_DAY {
                assert_eq!(
                    world.create_send_id("c", &format!("s{n}"), at(day)),
                    Ok(true)
                );
            }
            // A pair created already is not counted again.
            assert_eq!(world.create_send_id("c", "s0", at(day + 10)), Ok(false));
            assert_eq!(world.create_send_id("c", "new", at(day + 86_399)), Err(()));
            assert!(!world.send_id_usable("c", "new"));
            assert!(world.send_id_usable("c", "s1"));
            assert!(!world.send_id_usable("other", "s1"));
            // The next UTC day starts a new count.
            assert_eq!(world.create_send_id("c", "new", at(day + 86_400)), Ok(true));
        });
    }

    #[test]
    fn recipients_are_created_only_with_attributes_and_not_as_aliases() {
        let sends = Sends::new(2, true);
        let attributes: Map<String, Value> =
            serde_json::from_value(serde_json::json!({"first_name": "Alex"})).unwrap();
        let none = Map::new();
        sends.with(|world, ids| {
            let request = |id: UserId, existing_only, attributes| RecipientRequest {
                id,
                existing_only,
                attributes,
            };
            let new = UserId::External("u1".into());
            assert_eq!(
                world.resolve(&request(new.clone(), false, &none), ids),
                Err(Skip::Unknown)
            );
            assert_eq!(
                world.resolve(&request(new.clone(), true, &attributes), ids),
                Err(Skip::Unknown)
            );
            assert_eq!(
                world.resolve(&request(new.clone(), false, &attributes), ids),
                Ok(Some(0))
            );
            assert_eq!(world.users[0].attributes["first_name"], "Alex");
            assert_eq!(world.users[0].braze_id.as_ref().map(String::len), Some(24));
            let alias = UserId::Alias {
                name: "n".into(),
                label: "l".into(),
            };
            assert_eq!(
                world.resolve(&request(alias, false, &attributes), ids),
                Err(Skip::Unknown)
            );
            world.closed = false;
            let unknown = UserId::External("u2".into());
            assert_eq!(world.resolve(&request(unknown, true, &none), ids), Ok(None));
        });
    }

    #[test]
    fn external_send_ids_are_remembered_for_a_day() {
        let sends = Sends::new(3, false);
        sends.with(|world, ids| {
            let dispatch_id = ids.dispatch_id();
            world.dispatch(Dispatch {
                operation: Operation::SendTransactionalEmail,
                dispatch_id: dispatch_id.clone(),
                campaign_id: Some("t".into()),
                canvas_id: None,
                users: vec![],
                broadcast: false,
                send_id: None,
                external_send_id: Some("k".into()),
                at: at(1_000),
                sequence: 0,
            });
            let ttl = choices::EXTERNAL_SEND_ID_TTL.as_secs();
            assert_eq!(
                world.recent_external_send("k", at(1_000 + ttl - 1)),
                Some(dispatch_id)
            );
            assert_eq!(world.recent_external_send("k", at(1_000 + ttl)), None);
            assert_eq!(world.recent_external_send("other", at(1_000)), None);
            assert_eq!(world.dispatches[0].sequence, 1);
        });
    }
}
