//! `braze-mock`: the fake Braze server as a program, for trying a client by hand or
//! benchmarking it.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use braze_mock::{
    CampaignId, CanvasId, Clock, Config, DEFAULT_AUDIENCE_RATE_LIMIT, DEFAULT_BROADCAST_RATE_LIMIT,
    DEFAULT_LOG_CAPACITY, DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE_LIMIT, FaultRule, MockServer,
    Permissions,
};
use chrono::{DateTime, SecondsFormat, Utc};
use clap::Parser;

const AFTER_HELP: &str = "\
Fault specs (--fault), KIND[+KIND...][:TRIGGER][@PATH]:
  KIND     503            answer that status (any of 200-599) with a JSON {\"message\"}
           html502        answer an nginx-like HTML error page (html alone: 502)
           delay=3s       hold the request (250ms, 1.5s, 2m...), then drop it unanswered
           close          close the connection without an answer
           reset          reset the connection (TCP RST)
           truncated      process, then send half the body under the full Content-Length
           malformed      process, then send a complete answer that is not valid JSON
           hang=3s        process, then hold the answer that long and drop it unanswered
  TRIGGER  next=N         the next N requests          (default: every request)
           p=0.05         each request with that probability, from the seeded generator
  PATH     @/campaigns/trigger/schedule/delete   only requests for that path
  Joining kinds with + makes a mix: `503+reset+delay=3s:p=0.1` fails 10% of requests,
  each failure drawn evenly from the three.

Examples:
  braze-mock --port 8080 --key dev-key
  braze-mock --key ro:messages.schedule_broadcasts --key rw --strict --campaign welcome
  braze-mock --seed 7 --fault 'html502:p=0.05' --fault 'reset:next=1@/canvas/trigger/schedule/delete'
  braze-mock --now 2030-01-01T00:00:00Z   (schedules judged as if it were then)
  braze-mock --port 4010 --key test-key --control   (for another language's tests)

Control API (--control; JSON answers; not counted, faulted or logged):
  GET    /_mock/schedules, /_mock/schedules/{id}, /_mock/dispatches, /_mock/send_ids
  GET    /_mock/requests            DELETE /_mock/requests
  GET    /_mock/campaigns, /_mock/canvases, /_mock/users
  POST   /_mock/campaigns {\"id\",\"kind\",\"status\"}, /_mock/canvases {\"id\",\"status\"}
  POST   /_mock/users {\"external_id\",\"aliases\",\"email\",...}, /_mock/keys {\"key\",\"permissions\"}
  GET    /_mock/faults              POST /_mock/faults {\"spec\":\"503:next=1@/messages/send\"}
  DELETE /_mock/faults, /_mock/faults/{id}
  GET    /_mock/rate_limits         PUT /_mock/rate_limits {\"default\":{\"limit\":5,\"window_seconds\":60}}
  GET    /_mock/clock               PUT /_mock/clock {\"now\"}    POST /_mock/clock/advance {\"seconds\"}
  POST   /_mock/reset               (everything back to how the server started)";

/// A stateful fake Braze REST server for the scheduled-message endpoints, on 127.0.0.1.
///
/// Serves the create/update/delete endpoints of campaign, Canvas and message schedules and
/// GET /messages/scheduled_broadcasts, with Braze's validation, API-key permissions and
/// rate-limit headers, and faults on demand. Runs until Ctrl-C.
#[derive(Debug, Parser)]
#[command(name = "braze-mock", version, after_help = AFTER_HELP)]
struct Args {
    /// Port on 127.0.0.1 (0 takes a free one; the URL is printed either way).
    #[arg(long, default_value_t = 0)]
    port: u16,

    /// An accepted API key, alone (all permissions) or with a comma-separated list of
    /// permissions, e.g. `ci-key:campaigns.trigger.schedule.delete`. Repeatable. Without
    /// any, a random key is generated and printed.
    #[arg(long = "key", value_name = "KEY[:PERMISSION,...]", value_parser = parse_key)]
    keys: Vec<KeySpec>,

    /// Requests allowed per window (Braze's default: 250000 per hour).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RATE_LIMIT)]
    rate_limit: u64,

    /// Window length in seconds; windows are aligned on multiples of it since the Unix
    /// epoch (3600: they reset on the clock hour, like Braze's).
    #[arg(long, value_name = "SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    window: u64,

    /// Broadcast requests (campaign and Canvas creates with broadcast: true or an
    /// audience) allowed per --broadcast-window, across audiences (Braze: 250 per minute).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BROADCAST_RATE_LIMIT)]
    broadcast_rate_limit: u64,

    /// Broadcast requests allowed per --broadcast-window for one unique audience
    /// (Braze: 10 per minute).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_AUDIENCE_RATE_LIMIT)]
    audience_rate_limit: u64,

    /// Window length in seconds of both broadcast limits (Braze: 60).
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    broadcast_window: u64,

    /// Accept only the campaign and Canvas ids given with --campaign and --canvas (a
    /// message create's campaign_id too); others get 400 "Invalid Campaign ID" / "Invalid
    /// Canvas ID".
    #[arg(long)]
    strict: bool,

    /// A campaign id that exists, for --strict. Repeatable.
    #[arg(long = "campaign", value_name = "ID", value_parser = str::parse::<CampaignId>)]
    campaigns: Vec<CampaignId>,

    /// A Canvas id that exists, for --strict. Repeatable.
    #[arg(long = "canvas", value_name = "ID", value_parser = str::parse::<CanvasId>)]
    canvases: Vec<CanvasId>,

    /// Seed of the fault generator and of the ids handed out, to replay a run (default:
    /// random, printed at start).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// Inject faults (syntax below). Repeatable; the first rule that fires wins.
    #[arg(long = "fault", value_name = "SPEC", value_parser = str::parse::<FaultRule>)]
    faults: Vec<FaultRule>,

    /// Largest request body accepted; larger ones get 413 (Braze: 4 MB).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,

    /// Start the fake's clock at this instant (ISO 8601, e.g. 2030-01-01T00:00:00Z); it
    /// runs on from there. It is "now" for schedules: what the list still shows, which
    /// local times are past, Content Card expiry. Rate-limit windows and reset headers stay
    /// on the system clock. Default: the system clock.
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    now: Option<DateTime<Utc>>,

    /// Serve the control API under /_mock/ for tests in any language: read the
    /// schedules, the dispatch log and the request log; seed campaigns, Canvases, users and
    /// keys; arm and disarm faults; change rate limits; move the clock; reset. Its calls
    /// are not counted, faulted or logged. Without it, /_mock/... is Braze's 404. Also keeps
    /// a log of the last 10000 requests (GET /_mock/requests).
    #[arg(long)]
    control: bool,

    /// Threads serving requests (default: one per CPU).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..1025))]
    threads: Option<u64>,

    /// Print only the `listening on` line.
    #[arg(short, long)]
    quiet: bool,

    /// Print a line per request and fault on stderr (slows the server down).
    #[arg(short, long, conflicts_with = "quiet")]
    verbose: bool,
}

#[derive(Debug, Clone)]
struct KeySpec {
    key: String,
    permissions: Permissions,
}

fn parse_key(spec: &str) -> Result<KeySpec, String> {
    let (key, permissions) = match spec.split_once(':') {
        None => (spec, Permissions::all()),
        Some((_, "")) => {
            return Err(
                "no permissions after `:` (leave out the `:` to give the key all of them)"
                    .to_owned(),
            );
        }
        Some((key, list)) => (key, list.parse().map_err(|e| format!("{e}"))?),
    };
    if key.trim().is_empty() {
        return Err("the key is empty".to_owned());
    }
    Ok(KeySpec {
        key: key.to_owned(),
        permissions,
    })
}

/// An ISO 8601 date-time, read as Braze's other times are ([`braze_api::time`]).
fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    braze_api::time::parse_date_time(text)
        .map(|time| time.instant())
        .ok_or_else(|| format!("{text:?}: give an ISO 8601 time such as 2030-01-01T00:00:00Z"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.quiet {
        let filter = if args.verbose {
            "braze_mock=debug"
        } else {
            "braze_mock=warn"
        };
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
    }

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("braze-mock: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let mut config = Config::new()
        .port(args.port)
        .rate_limit(args.rate_limit, Duration::from_secs(args.window))
        .broadcast_rate_limit(
            args.broadcast_rate_limit,
            Duration::from_secs(args.broadcast_window),
        )
        .audience_rate_limit(
            args.audience_rate_limit,
            Duration::from_secs(args.broadcast_window),
        )
        .strict(args.strict)
        .max_body_bytes(args.max_body_bytes)
        .control(args.control)
        // Without the control API nobody can read the log of the binary (--verbose prints
        // requests instead), so none is kept.
        .log_capacity(if args.control {
            DEFAULT_LOG_CAPACITY
        } else {
            0
        });
    for key in &args.keys {
        config = config.key(key.key.clone(), key.permissions);
    }
    for id in args.campaigns.iter().cloned() {
        config = config.campaign(id);
    }
    for id in args.canvases.iter().cloned() {
        config = config.canvas(id);
    }
    if let Some(seed) = args.seed {
        config = config.seed(seed);
    }
    if let Some(threads) = args.threads {
        config = config.worker_threads(usize::try_from(threads).unwrap_or(1));
    }
    for rule in args.faults.iter().cloned() {
        config = config.fault(rule);
    }
    if let Some(now) = args.now {
        config = config.clock(Clock::starting_at(SystemTime::from(now)));
    }

    let server = match MockServer::start(config).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!(
                "braze-mock: cannot listen on 127.0.0.1:{}: {error}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    print_banner(&args, &server);

    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("braze-mock: cannot wait for Ctrl-C: {error}");
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}

fn print_banner(args: &Args, server: &MockServer) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "braze-mock listening on {}", server.url());
    if !args.quiet {
        if args.keys.is_empty() {
            let _ = writeln!(out, "key: {} (all permissions)", server.api_key());
        }
        for key in &args.keys {
            let _ = writeln!(out, "key: {} ({})", key.key, describe(key.permissions));
        }
        let _ = writeln!(
            out,
            "rate limit: {} per {} s (broadcast: {} per {} s, {} per audience); seed: {} \
             (replay with --seed {})",
            args.rate_limit,
            args.window,
            args.broadcast_rate_limit,
            args.broadcast_window,
            args.audience_rate_limit,
            server.seed(),
            server.seed()
        );
        if args.strict {
            let _ = writeln!(
                out,
                "strict: {} campaign(s), {} Canvas(es) registered",
                args.campaigns.len(),
                args.canvases.len()
            );
        }
        for rule in &args.faults {
            let _ = writeln!(out, "fault: {rule}");
        }
        if args.now.is_some() {
            let now = DateTime::<Utc>::from(server.clock().now());
            let _ = writeln!(
                out,
                "clock: now {} (for schedules; rate limits keep the system clock)",
                now.to_rfc3339_opts(SecondsFormat::Secs, true)
            );
        }
        if args.control {
            let _ = writeln!(
                out,
                "control: {}{}/ (schedules, dispatches, requests, campaigns, canvases, users, \
                 keys, faults, rate_limits, clock, reset)",
                server.url(),
                braze_mock::control::PREFIX
            );
        }
        let _ = writeln!(out, "Ctrl-C to stop");
    }
    let _ = out.flush();
}

fn describe(permissions: Permissions) -> String {
    if permissions == Permissions::all() {
        "all permissions".to_owned()
    } else {
        permissions.to_string()
    }
}
