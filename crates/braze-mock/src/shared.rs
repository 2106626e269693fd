//! What every request handler shares: the fake's world (keys, limits, faults, the stored
//! schedules, the registry, the log, the clock). The server builds it and hands it to the
//! routes; the routes and the operations read it; it knows neither.

use crate::auth::Keyring;
use crate::choices::Choices;
use crate::clock::Clock;
use crate::faults::FaultPlan;
use crate::rate_limit::Limits;
use crate::request_log::RequestLog;
use crate::sends::Sends;
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
}
