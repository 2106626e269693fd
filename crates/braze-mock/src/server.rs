//! The running server: its own multi-thread runtime on a thread of its own, an accept loop
//! on 127.0.0.1, and the handle that tests hold.
//!
//! The server does not borrow the caller's runtime: a `#[tokio::test]` runs on a
//! single-threaded one, and a benchmark must not share threads with its client by
//! accident. Dropping the handle stops the runtime, which drops every connection and the
//! listener before `drop` returns, so the port is free at once.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use axum::Router;
use braze_api::audience::AudienceProblem;
use braze_api::ids::{CampaignId, CanvasId, ScheduleId};
use braze_api::types::{Messages, Schedule};
use braze_api::{ScheduleKind, ScheduleRef};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::audience::SeenAudience;
use crate::auth::{Keyring, Permissions};
use crate::clock::Clock;
use crate::config::Config;
use crate::connection;
use crate::faults::{FaultCounts, FaultPlan, FaultRule};
use crate::rate_limit::{Limits, RateLimitCounters};
use crate::request_log::{RecordedRequest, RequestLog};
use crate::routes;
use crate::sends::{CampaignKind, Dispatch, KnownCampaign, Sends, Status, User};
use crate::shared::{Shared, Start, known_owners, seed_world};
use crate::state::{NewSchedule, Registry, Store, StoredSchedule, Targeting};

/// A running fake Braze server on 127.0.0.1.
///
/// Its methods take `&self`; put it in an `Arc` to share it between tasks. Dropping it (or
/// [`MockServer::shutdown`]) stops the server and frees the port.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use braze_mock::{Config, MockServer};
///
/// let server = MockServer::start(Config::new().seed(7)).await?;
/// let answer = reqwest::Client::builder()
///     .no_proxy()
///     .build()
///     .unwrap()
///     .post(format!("{}/campaigns/trigger/schedule/delete", server.url()))
///     .bearer_auth(server.api_key())
///     .json(&serde_json::json!({"campaign_id": "c", "schedule_id": "nope"}))
///     .send()
///     .await
///     .unwrap();
/// assert_eq!(answer.status(), 404);
/// assert_eq!(server.requests().len(), 1);
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct MockServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    url: String,
    api_key: String,
    seed: u64,
    thread: Option<ServerThread>,
}

struct ServerThread {
    stop: oneshot::Sender<()>,
    stopped: oneshot::Receiver<()>,
    join: JoinHandle<()>,
}

impl MockServer {
    /// Binds 127.0.0.1 (on [`Config::port`], by default a free port) and starts serving.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound or the server's threads cannot be started.
    pub async fn start(config: Config) -> io::Result<MockServer> {
        let seed = config.seed.unwrap_or_else(|| fastrand::u64(..));
        let mut keys = config.keys;
        if keys.is_empty() {
            keys.push((generate_key(), Permissions::all()));
        }
        let api_key = keys[0].0.clone();
        let config = Config { keys, ..config };
        let sends = Sends::new(seed, config.strict);
        sends.with(|world, _| seed_world(world, &config));
        let shared = Arc::new(Shared {
            keyring: Keyring::new(config.keys.iter().cloned()),
            limiter: Limits::new(
                (config.rate_limit, config.window),
                config.broadcast_rate_limit,
                config.audience_rate_limit,
            ),
            faults: FaultPlan::new(seed, config.faults.iter().cloned()),
            store: Store::new(seed),
            sends,
            registry: Registry::new(config.strict, known_owners(&config)),
            log: RequestLog::new(config.log_capacity),
            max_body_bytes: config.max_body_bytes,
            clock: config.clock.clone(),
            start: Start {
                clock_offset_nanos: config.clock.offset_nanos(),
                seed,
                config: config.clone(),
            },
            choices: crate::choices::Choices::new(config.changed_choices.clone()),
        });
        let (port, worker_threads, control) = (config.port, config.worker_threads, config.control);

        let listener = bind(port)?;
        let addr = listener.local_addr()?;
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        // Sockets and timers are all the server uses.
        builder
            .enable_io()
            .enable_time()
            .thread_name("braze-mock-worker");
        if let Some(threads) = worker_threads {
            builder.worker_threads(threads);
        }
        let mut runtime = OwnedRuntime(Some(builder.build()?));
        let listener = runtime.enter(|| TcpListener::from_std(listener))?;
        let router = routes::router(Arc::clone(&shared), control);
        let (stop, stop_requested) = oneshot::channel();
        let (stopped_tx, stopped) = oneshot::channel();
        let join = std::thread::Builder::new()
            .name("braze-mock".to_owned())
            .spawn(move || {
                let Some(runtime) = runtime.0.take() else {
                    return;
                };
                runtime.block_on(async move {
                    tokio::select! {
                        _ = stop_requested => {}
                        () = accept_loop(listener, router) => {}
                    }
                });
                // Shutting the runtime down drops every connection task, and with them
                // their sockets; the listener went with the accept loop.
                runtime.shutdown_timeout(Duration::from_secs(5));
                let _ = stopped_tx.send(());
            })?;

        tracing::debug!(%addr, seed, "braze-mock started");
        Ok(MockServer {
            shared,
            addr,
            url: format!("http://{addr}"),
            api_key,
            seed,
            thread: Some(ServerThread {
                stop,
                stopped,
                join,
            }),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`, to use as the Braze REST endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first configured API key (or the generated one).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The seed of the fault generator and of the ids; give it to [`Config::seed`] to
    /// replay a run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The logged requests, oldest first (at most [`Config::log_capacity`] of them).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.snapshot()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        let _ = self.shared.log.clear();
    }

    /// The stored schedules, in creation order (a snapshot).
    pub fn schedules(&self) -> Vec<StoredSchedule> {
        self.shared.store.snapshot()
    }

    /// One stored schedule.
    pub fn schedule(&self, schedule_id: &str) -> Option<StoredSchedule> {
        self.shared.store.get(schedule_id)
    }

    /// What Braze would fail after answering a create with a 2xx, by schedule: an audience
    /// it is known to accept and then reject
    /// ([`choices::ACCEPT_AUDIENCES_BRAZE_FAILS_LATER`](crate::choices::ACCEPT_AUDIENCES_BRAZE_FAILS_LATER)).
    pub fn silent_failures(&self) -> Vec<(ScheduleId, AudienceProblem)> {
        self.schedules()
            .into_iter()
            .flat_map(|stored| {
                let id = stored.schedule_id().clone();
                stored
                    .silent_failures
                    .into_iter()
                    .map(move |problem| (id.clone(), problem))
            })
            .collect()
    }

    /// Stores a schedule of the campaign or Canvas `owner_id` as if a create had made it
    /// (broadcast targeting, no `send_id`), without checking anything: to test updates and
    /// deletes of a given state.
    ///
    /// A message schedule has no owner: for [`ScheduleKind::Message`], `owner_id` is taken
    /// as its `campaign_id` (none if empty) and it has no messages; see
    /// [`MockServer::add_message_schedule`] to give them.
    pub fn add_schedule(
        &self,
        kind: ScheduleKind,
        owner_id: impl Into<String>,
        schedule: Schedule,
    ) -> StoredSchedule {
        let owner_id = owner_id.into();
        let campaign_id =
            (kind == ScheduleKind::Message && !owner_id.is_empty()).then(|| owner_id.clone());
        self.store(|id| NewSchedule {
            reference: ScheduleRef::of_kind(kind, &owner_id, id),
            schedule,
            targeting: Self::broadcast(),
            send_id: None,
            messages: None,
            campaign_id,
            audience: SeenAudience::default(),
        })
    }

    /// Stores a message schedule with these messages as if `/messages/schedule/create` had
    /// made it (broadcast targeting, no `campaign_id` or `send_id`), without checking
    /// anything: to test updates and deletes of a given state.
    pub fn add_message_schedule(&self, schedule: Schedule, messages: Messages) -> StoredSchedule {
        self.store(|id| NewSchedule {
            reference: ScheduleRef::message(id),
            schedule,
            targeting: Self::broadcast(),
            send_id: None,
            messages: Some(messages),
            campaign_id: None,
            audience: SeenAudience::default(),
        })
    }

    fn broadcast() -> Targeting {
        Targeting {
            broadcast: true,
            ..Targeting::default()
        }
    }

    fn store(&self, make: impl FnOnce(ScheduleId) -> NewSchedule) -> StoredSchedule {
        self.shared.store.create(make, self.shared.clock.now())
    }

    /// Arms a fault rule after those already armed.
    pub fn inject(&self, rule: FaultRule) {
        self.shared.faults.arm(rule);
    }

    /// Disarms every fault rule (the counts and the generator's position stay).
    pub fn clear_faults(&self) {
        self.shared.faults.disarm();
    }

    /// How many faults of each kind were injected.
    pub fn fault_counts(&self) -> FaultCounts {
        self.shared.faults.counts()
    }

    /// The clock the server judges schedules by ([`Config::clock`]): move it with
    /// [`Clock::advance`] or [`Clock::set`] while the server runs.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use braze_mock::{Config, MockServer};
    ///
    /// let server = MockServer::start(Config::new()).await?;
    /// let before = server.clock().now();
    /// server.clock().advance(Duration::from_secs(10 * 365 * 86_400));
    /// assert!(server.clock().now() >= before + Duration::from_secs(10 * 365 * 86_400));
    /// # Ok(())
    /// # }
    /// ```
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// The default pool's figures for the current window (of the system clock, as every
    /// rate limit: see [`Clock`]).
    pub fn rate_limit_counters(&self) -> RateLimitCounters {
        self.shared.limiter.default.counters(SystemTime::now())
    }

    /// The broadcast limit's figures (across audiences) for the current window (of the
    /// system clock).
    pub fn broadcast_rate_limit_counters(&self) -> RateLimitCounters {
        self.shared.limiter.broadcast.counters(SystemTime::now())
    }

    /// Registers a campaign id, for strict mode (an active campaign of no particular
    /// kind for the sends: see [`MockServer::add_campaign`]).
    pub fn register_campaign(&self, id: impl Into<CampaignId>) {
        let id = id.into().into_string();
        self.shared.sends.with(|world, _| {
            world.campaigns.entry(id.clone()).or_insert(KnownCampaign {
                kind: None,
                status: Status::Active,
            });
        });
        self.shared.registry.register(ScheduleKind::Campaign, id);
    }

    /// Adds (or changes) a campaign the sends know: its kind decides which send endpoint
    /// may name it (another is refused with `400 Invalid Campaign ID`, or the
    /// transactional endpoint's error), its status whether it sends (paused or archived:
    /// `201` with a `notice` and nothing sent, see
    /// [`choices::INACTIVE_CAMPAIGN_ANSWERS_WITH_A_NOTICE`](crate::choices::INACTIVE_CAMPAIGN_ANSWERS_WITH_A_NOTICE)).
    /// Registered for strict mode too. A campaign the fake was not told about is, outside
    /// strict mode, an active one of whatever kind the request needs.
    pub fn add_campaign(&self, id: impl Into<CampaignId>, kind: CampaignKind, status: Status) {
        self.shared.add_campaign(
            id.into().into_string(),
            KnownCampaign {
                kind: Some(kind),
                status,
            },
        );
    }

    /// Adds (or changes) a Canvas the sends know, with its status (paused or archived:
    /// a trigger is answered `201` with Braze's `notice` and sends nothing). Registered
    /// for strict mode too.
    pub fn add_canvas(&self, id: impl Into<CanvasId>, status: Status) {
        self.shared.add_canvas(id.into().into_string(), status);
    }

    /// Adds a user the sends know. In strict mode only known users exist: `/messages/send`
    /// to another is refused, a trigger recipient that names another is skipped unless it
    /// creates the user (`send_to_existing_only: false` with `attributes`).
    pub fn add_user(&self, user: User) {
        self.shared.add_user(user);
    }

    /// The users the sends know, seeded and created (with the attributes sends wrote).
    pub fn users(&self) -> Vec<User> {
        self.shared.sends.snapshot(|world| world.users.clone())
    }

    /// The dispatch log, oldest first: one [`Dispatch`] per send the fake took and sent.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use braze_mock::{Config, MockServer, Operation, UserId};
    ///
    /// let server = MockServer::start(Config::new()).await?;
    /// let answer = reqwest::Client::builder()
    ///     .no_proxy()
    ///     .build()
    ///     .unwrap()
    ///     .post(format!("{}/campaigns/trigger/send", server.url()))
    ///     .bearer_auth(server.api_key())
    ///     .json(&serde_json::json!({"campaign_id": "c", "recipients": [{"external_user_id": "u1"}]}))
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(answer.status(), 201);
    /// let dispatches = server.dispatches();
    /// assert_eq!(dispatches.len(), 1);
    /// assert_eq!(dispatches[0].operation, Operation::TriggerCampaignSend);
    /// assert_eq!(dispatches[0].users, [UserId::External("u1".into())]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn dispatches(&self) -> Vec<Dispatch> {
        self.shared.sends.snapshot(|world| world.dispatches.clone())
    }

    /// The `(campaign_id, send_id)` pairs `/sends/id/create` created.
    pub fn send_ids(&self) -> Vec<(String, String)> {
        let mut pairs: Vec<_> = self
            .shared
            .sends
            .snapshot(|world| world.send_ids.iter().cloned().collect());
        pairs.sort();
        pairs
    }

    /// Registers a Canvas id, for strict mode (an active Canvas for the sends).
    pub fn register_canvas(&self, id: impl Into<CanvasId>) {
        let id = id.into().into_string();
        self.shared.sends.with(|world, _| {
            world.canvases.entry(id.clone()).or_insert(Status::Active);
        });
        self.shared.registry.register(ScheduleKind::Canvas, id);
    }

    /// Accepts `key` with these permissions from now on, besides the keys configured; a
    /// key already accepted gets these permissions instead of its own. The key is never
    /// logged or shown.
    pub fn add_key(&self, key: impl Into<String>, permissions: Permissions) {
        self.shared.keyring.add(key.into(), permissions);
    }

    /// Allows `limit` requests per `window` in the default pool from now on (see
    /// [`Config::rate_limit`]), counted afresh: the requests already counted in the
    /// current window no longer count
    /// ([`choices::CHANGED_RATE_LIMITS_COUNT_AFRESH`](crate::choices::CHANGED_RATE_LIMITS_COUNT_AFRESH)).
    pub fn set_rate_limit(&self, limit: u64, window: Duration) {
        self.shared.limiter.default.set(limit, window);
    }

    /// Puts everything back as the server started, without a restart: no schedule,
    /// dispatch, `send_id` or logged request; the configured campaigns, Canvases, users
    /// and keys only; the configured fault rules armed again, the generator at the start
    /// of the seed's sequence and no fault counted; the configured rate limits with
    /// nothing counted; the clock's offset of the start; and the ids of the start handed
    /// out again, so that a test after a reset sees what the first test saw. Meant for
    /// between tests: requests in flight meanwhile may see a mix.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use braze_mock::{CampaignKind, Config, MockServer, Status};
    ///
    /// let server = MockServer::start(Config::new().seed(3)).await?;
    /// server.add_campaign("c", CampaignKind::ApiTriggered, Status::Paused);
    /// server.clock().advance(Duration::from_secs(86_400));
    /// server.reset();
    /// assert!(server.schedules().is_empty());
    /// assert!(server.clock().now() < std::time::SystemTime::now() + Duration::from_secs(60));
    /// # Ok(())
    /// # }
    /// ```
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Whether the control API is served under `/_mock/` ([`Config::control`]).
    pub fn control_enabled(&self) -> bool {
        self.shared.start.config.control
    }

    /// Stops the server and waits until its connections are closed and its port is free.
    pub async fn shutdown(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.stop.send(());
            let _ = thread.stopped.await;
            // The thread has nothing left to do but return.
            let _ = thread.join.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.stop.send(());
            // Blocks for as long as the runtime takes to drop its tasks: a few milliseconds.
            let _ = thread.join.join();
        }
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

/// The server's runtime until its thread takes it over. A runtime cannot be dropped in
/// asynchronous code, which is where `start` runs; if starting fails half-way, this lets
/// the runtime go without waiting for it.
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl OwnedRuntime {
    fn enter<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.0 {
            Some(runtime) => {
                let _context = runtime.enter();
                f()
            }
            None => f(),
        }
    }
}

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// A key like `mock-` and 32 letters and digits. Drawn from the process-wide generator,
/// not the seeded one, so that a replayed seed does not also replay the key.
fn generate_key() -> String {
    let random: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(32)
        .collect();
    format!("mock-{random}")
}

/// A listening socket on 127.0.0.1 with a backlog big enough for a benchmark's burst of
/// connections, and SO_REUSEADDR so that a port can be bound again right after a server
/// on it stopped.
fn bind(port: u16) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)).into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

async fn accept_loop(listener: TcpListener, router: Router) {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                tokio::spawn(connection::serve(stream, router.clone()));
            }
            Err(error) => {
                // Out of descriptors, most likely: wait for connections to close instead
                // of spinning.
                tracing::warn!(%error, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}
