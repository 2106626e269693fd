//! What every request handler shares: the fake's world (keys, limits, faults, the stored
//! schedules, the registry, the log, the clock), and what it started as, to go back to. The
//! server builds it and hands it to the routes; the routes, the operations and the control
//! API read it; it knows none of them.

use braze_api::ScheduleKind;

use crate::auth::Keyring;
use crate::choices::Choices;
use crate::clock::Clock;
use crate::config::Config;
use crate::faults::FaultPlan;
use crate::rate_limit::Limits;
use crate::request_log::RequestLog;
use crate::sends::{KnownCampaign, Sends, Status, User, World};
use crate::state::{Registry, Store};

/// Everything the request handlers share.
pub(crate) struct Shared {
    pub(crate) keyring: Keyring,
    pub(crate) limiter: Limits,
    pub(crate) faults: FaultPlan,
    pub(crate) store: Store,
    pub(crate) registry: Registry,
    /// What the sends act on and leave: campaigns and Canvases with kind and status,
    /// users, send ids, the `external_send_id` cache, the dispatch log.
    pub(crate) sends: Sends,
    pub(crate) log: RequestLog,
    pub(crate) max_body_bytes: usize,
    /// "Now" for schedules; rate limits read the system clock.
    pub(crate) clock: Clock,
    /// The choices a test changed on this server ([`crate::Config::changed_choice`]).
    pub(crate) choices: Choices,
    /// What the server started as, for [`Shared::reset`].
    pub(crate) start: Start,
}

/// What a server started as: its configuration (with the generated key, if one was),
/// its seed and its clock's offset.
pub(crate) struct Start {
    pub(crate) config: Config,
    pub(crate) seed: u64,
    pub(crate) clock_offset_nanos: i64,
}

impl Shared {
    /// Everything back to the start: the seeded campaigns, Canvases, users and keys, no
    /// schedule, dispatch, `send_id` or logged request, the configured fault rules armed
    /// again with the generator at the start of the seed's sequence and no fault counted,
    /// the configured rate limits with nothing counted, the clock's offset of the start,
    /// and the ids of the start handed out again.
    pub(crate) fn reset(&self) {
        let Start {
            config,
            seed,
            clock_offset_nanos,
        } = &self.start;
        self.keyring.replace(config.keys.iter().cloned());
        self.limiter.reset(
            (config.rate_limit, config.window),
            config.broadcast_rate_limit,
            config.audience_rate_limit,
        );
        self.faults.reset(*seed, config.faults.iter().cloned());
        self.store.clear();
        self.registry.reset(known_owners(config));
        self.sends.reset(|world| seed_world(world, config));
        self.log.clear();
        self.clock.set_offset_nanos(*clock_offset_nanos);
    }
}

impl Shared {
    /// Adds (or changes) a campaign the sends know, and registers it for strict mode.
    pub(crate) fn add_campaign(&self, id: String, known: KnownCampaign) {
        self.sends.with(|world, _| {
            world.campaigns.insert(id.clone(), known);
        });
        self.registry.register(ScheduleKind::Campaign, id);
    }

    /// Adds (or changes) a Canvas the sends know, and registers it for strict mode.
    pub(crate) fn add_canvas(&self, id: String, status: Status) {
        self.sends.with(|world, _| {
            world.canvases.insert(id.clone(), status);
        });
        self.registry.register(ScheduleKind::Canvas, id);
    }

    /// Adds a user the sends know.
    pub(crate) fn add_user(&self, user: User) {
        self.sends.with(|world, _| world.users.push(user));
    }
}

/// The campaigns and Canvases that strict mode admits at the start.
pub(crate) fn known_owners(config: &Config) -> impl Iterator<Item = (ScheduleKind, String)> {
    let campaigns = config
        .campaigns
        .iter()
        .map(|id| (ScheduleKind::Campaign, id.as_str().to_owned()));
    let canvases = config
        .canvases
        .iter()
        .map(|id| (ScheduleKind::Canvas, id.as_str().to_owned()));
    campaigns.chain(canvases)
}

/// The campaigns, Canvases and users the sends know at the start.
pub(crate) fn seed_world(world: &mut World, config: &Config) {
    let plain = KnownCampaign {
        kind: None,
        status: Status::Active,
    };
    for id in &config.campaigns {
        world.campaigns.insert(id.as_str().to_owned(), plain);
    }
    for (id, kind, status) in &config.send_campaigns {
        world.campaigns.insert(
            id.as_str().to_owned(),
            KnownCampaign {
                kind: Some(*kind),
                status: *status,
            },
        );
    }
    for (id, status) in &config.send_canvases {
        world.canvases.insert(id.as_str().to_owned(), *status);
    }
    world.users.extend(config.users.iter().cloned());
}
