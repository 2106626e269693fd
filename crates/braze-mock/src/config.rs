//! How a fake server is set up.

use std::fmt;
use std::time::Duration;

use braze_api::ids::{CampaignId, CanvasId};

use crate::auth::Permissions;
use crate::choices::ChangedChoice;
use crate::clock::Clock;
use crate::faults::FaultRule;
use crate::sends::{CampaignKind, Status, User};

/// Braze's default rate limit: 250,000 requests per hour (Braze "API limits").
pub const DEFAULT_RATE_LIMIT: u64 = 250_000;
/// The window of [`DEFAULT_RATE_LIMIT`]: one hour, reset on the clock hour.
pub const DEFAULT_RATE_LIMIT_WINDOW: Duration = Duration::from_secs(3600);
/// Braze's broadcast limit across audiences: 250 requests per minute (Braze "API limits").
pub const DEFAULT_BROADCAST_RATE_LIMIT: u64 = 250;
/// Braze's broadcast limit per unique audience: 10 requests per minute.
pub const DEFAULT_AUDIENCE_RATE_LIMIT: u64 = 10;
/// The window of both broadcast limits: one minute, reset on the minute.
pub const DEFAULT_BROADCAST_WINDOW: Duration = Duration::from_secs(60);
/// Braze's body limit: 4 MB (Braze "API limits", payload size).
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// How many requests the log keeps by default.
pub const DEFAULT_LOG_CAPACITY: usize = 10_000;

/// The set-up of a [`crate::MockServer`], built step by step.
///
/// ```
/// use std::time::Duration;
/// use braze_mock::{Config, Fault, FaultRule, Permission, Permissions};
///
/// let config = Config::new()
///     .key("test-key", Permissions::all())
///     .key("delete-only", Permission::CampaignsTriggerScheduleDelete.into())
///     .rate_limit(100, Duration::from_secs(1))
///     .strict(true)
///     .campaign("welcome-campaign")
///     .seed(42)
///     .log_capacity(0)
///     .fault(FaultRule::new(Fault::Status(503)).next(1));
/// # let _ = config;
/// ```
#[derive(Clone)]
pub struct Config {
    pub(crate) keys: Vec<(String, Permissions)>,
    pub(crate) rate_limit: u64,
    pub(crate) window: Duration,
    pub(crate) broadcast_rate_limit: (u64, Duration),
    pub(crate) audience_rate_limit: (u64, Duration),
    pub(crate) strict: bool,
    pub(crate) campaigns: Vec<CampaignId>,
    pub(crate) canvases: Vec<CanvasId>,
    pub(crate) send_campaigns: Vec<(CampaignId, CampaignKind, Status)>,
    pub(crate) send_canvases: Vec<(CanvasId, Status)>,
    pub(crate) users: Vec<User>,
    pub(crate) seed: Option<u64>,
    pub(crate) log_capacity: usize,
    pub(crate) max_body_bytes: usize,
    pub(crate) port: u16,
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) worker_threads: Option<usize>,
    pub(crate) clock: Clock,
    pub(crate) control: bool,
    pub(crate) changed_choices: Vec<ChangedChoice>,
}

impl Config {
    /// The defaults: one random key with every permission, Braze's rate limit
    /// (250,000 per hour) and body limit (4 MB), not strict, a random seed, a log of
    /// 10,000 requests, an ephemeral port, no faults, the system clock.
    pub fn new() -> Self {
        Self {
            keys: Vec::new(),
            rate_limit: DEFAULT_RATE_LIMIT,
            window: DEFAULT_RATE_LIMIT_WINDOW,
            broadcast_rate_limit: (DEFAULT_BROADCAST_RATE_LIMIT, DEFAULT_BROADCAST_WINDOW),
            audience_rate_limit: (DEFAULT_AUDIENCE_RATE_LIMIT, DEFAULT_BROADCAST_WINDOW),
            strict: false,
            campaigns: Vec::new(),
            canvases: Vec::new(),
            send_campaigns: Vec::new(),
            send_canvases: Vec::new(),
            users: Vec::new(),
            seed: None,
            log_capacity: DEFAULT_LOG_CAPACITY,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            port: 0,
            faults: Vec::new(),
            worker_threads: None,
            clock: Clock::system(),
            control: false,
            changed_choices: Vec::new(),
        }
    }

    /// Accepts `key` with these permissions. The first key added is the one
    /// [`crate::MockServer::api_key`] gives. Without any, one random key with every
    /// permission is made. A key given twice has the permissions given last.
    pub fn key(mut self, key: impl Into<String>, permissions: Permissions) -> Self {
        self.keys.push((key.into(), permissions));
        self
    }

    /// Allows `limit` requests per `window` (rounded up to whole seconds, at least one),
    /// windows aligned on multiples of their length since the Unix epoch.
    pub fn rate_limit(mut self, limit: u64, window: Duration) -> Self {
        self.rate_limit = limit;
        self.window = window;
        self
    }

    /// The broadcast limit across audiences: `limit` broadcast requests (campaign and
    /// Canvas creates with `broadcast: true` or an `audience`, without recipients) per
    /// `window` (default Braze's 250 per minute). They do not count against
    /// [`Config::rate_limit`].
    pub fn broadcast_rate_limit(mut self, limit: u64, window: Duration) -> Self {
        self.broadcast_rate_limit = (limit, window);
        self
    }

    /// The broadcast limit per unique audience (campaign or Canvas id and `audience`):
    /// `limit` per `window` (default Braze's 10 per minute).
    pub fn audience_rate_limit(mut self, limit: u64, window: Duration) -> Self {
        self.audience_rate_limit = (limit, window);
        self
    }

    /// In strict mode only registered campaign and Canvas ids are accepted (the
    /// `campaign_id` of a message create included); others get
    /// `400 {"message": "Invalid Campaign ID"}` (or `Invalid Canvas ID`).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Registers a campaign id, for strict mode.
    pub fn campaign(mut self, id: impl Into<CampaignId>) -> Self {
        self.campaigns.push(id.into());
        self
    }

    /// Registers a Canvas id, for strict mode.
    pub fn canvas(mut self, id: impl Into<CanvasId>) -> Self {
        self.canvases.push(id.into());
        self
    }

    /// A campaign the sends know: its kind decides which send endpoint may name it, its
    /// status whether a trigger sends (paused or archived: answered with a `notice`,
    /// nothing sent). Registered for strict mode too. See
    /// [`MockServer::add_campaign`](crate::MockServer::add_campaign).
    pub fn campaign_with(
        mut self,
        id: impl Into<CampaignId>,
        kind: CampaignKind,
        status: Status,
    ) -> Self {
        let id = id.into();
        self.campaigns.push(id.clone());
        self.send_campaigns.push((id, kind, status));
        self
    }

    /// A Canvas the sends know, with its status. Registered for strict mode too.
    pub fn canvas_with(mut self, id: impl Into<CanvasId>, status: Status) -> Self {
        let id = id.into();
        self.canvases.push(id.clone());
        self.send_canvases.push((id, status));
        self
    }

    /// A user the sends know (in strict mode, the only ones that exist besides those a
    /// send creates). See [`MockServer::add_user`](crate::MockServer::add_user).
    pub fn user(mut self, user: User) -> Self {
        self.users.push(user);
        self
    }

    /// Seeds the generator that probability faults draw from (and the ids handed out), so
    /// that a run can be replayed. Without it a random seed is used;
    /// [`crate::MockServer::seed`] tells which.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Keeps the last `capacity` requests in the log; 0 turns the log off.
    pub fn log_capacity(mut self, capacity: usize) -> Self {
        self.log_capacity = capacity;
        self
    }

    /// Answers 413 to bodies over `bytes`.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Listens on this port of 127.0.0.1; 0 (the default) takes a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Arms a fault rule from the start.
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }

    /// How many threads serve requests; by default one per CPU.
    pub fn worker_threads(mut self, threads: usize) -> Self {
        self.worker_threads = Some(threads.max(1));
        self
    }

    /// The clock whose "now" the server judges schedules by (default: the system clock).
    /// Keep a clone to move it while the server runs, or use
    /// [`crate::MockServer::clock`]. Rate limits stay on the system clock (see [`Clock`]).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use braze_mock::{Clock, Config};
    ///
    /// // 2030-01-01T00:00:00Z, whatever day the test runs on.
    /// let clock = Clock::starting_at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000));
    /// let config = Config::new().clock(clock.clone());
    /// # let _ = config;
    /// ```
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Serves the control API under `/_mock/` (off by default): the state to read, seeds,
    /// faults, rate limits, the clock and a reset, over plain HTTP, for tests written in
    /// any language (the crate's README lists the calls; their answers are described by
    /// `openapi/braze-mock-control.yaml`). Its calls are not counted against the rate
    /// limits, not faulted and not logged. Off, `/_mock/...` is an unknown path like any
    /// other (Braze's 404).
    pub fn control(mut self, on: bool) -> Self {
        self.control = on;
        self
    }

    /// Changes one of the fake's [choices](crate::choices) on this server, for a test that
    /// needs a fake differing from the default in that choice alone (the conformance
    /// probe's tests). See [`ChangedChoice`].
    pub fn changed_choice(mut self, choice: ChangedChoice) -> Self {
        self.changed_choices.push(choice);
        self
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Config {
    /// Keys are secrets even in a fake: only their permissions are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<String> = self
            .keys
            .iter()
            .map(|(_, permissions)| format!("[redacted]: {permissions}"))
            .collect();
        f.debug_struct("Config")
            .field("keys", &keys)
            .field("rate_limit", &self.rate_limit)
            .field("window", &self.window)
            .field("broadcast_rate_limit", &self.broadcast_rate_limit)
            .field("audience_rate_limit", &self.audience_rate_limit)
            .field("strict", &self.strict)
            .field("campaigns", &self.campaigns)
            .field("canvases", &self.canvases)
            .field("send_campaigns", &self.send_campaigns)
            .field("send_canvases", &self.send_canvases)
            .field("users", &self.users)
            .field("seed", &self.seed)
            .field("log_capacity", &self.log_capacity)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("port", &self.port)
            .field("faults", &self.faults)
            .field("worker_threads", &self.worker_threads)
            .field("clock", &self.clock)
            .field("control", &self.control)
            .field("changed_choices", &self.changed_choices)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_keys() {
        let config = Config::new().key("very-secret", Permissions::all());
        let shown = format!("{config:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("[redacted]: all"), "{shown}");
    }
}
