//! `braze-conformance` (run it as `cargo xtask conformance`): the plan of safe probes
//! against `BRAZE_REST_ENDPOINT` with `BRAZE_API_KEY`, and against the fake, with one line
//! per choice of braze-mock's `choices.rs`. See `docs/conformance.md`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use braze_conformance::coverage::{Coverage, coverage, declared_choices};
use braze_conformance::probes::{MIN_DAYS_AHEAD, plan};
use braze_conformance::{Ledger, Probe, TestIds, Transcript, fake_config, new_run_id};
use braze_mock::MockServer;
use braze_sdk::api::ClientInfo;
use braze_sdk::{Client, ClientBuilder};
use clap::Parser;

/// Where the fake and Braze differ: the same safe requests to both, one line per choice of
/// braze-mock's choices.rs. Never sends a message; every schedule it creates is for the
/// test campaign or Canvas, to the test user, at least 30 days ahead, and deleted at once.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask conformance")]
struct Args {
    /// The API identifier of an API-triggered test campaign.
    #[arg(long, env = "BRAZE_CONFORMANCE_CAMPAIGN_ID")]
    campaign_id: Option<String>,
    /// The API identifier of an API-triggered test Canvas.
    #[arg(long, env = "BRAZE_CONFORMANCE_CANVAS_ID")]
    canvas_id: Option<String>,
    /// The external_user_id of the one test user schedules may target.
    #[arg(long, env = "BRAZE_CONFORMANCE_USER")]
    user: Option<String>,
    /// Also probe the broadcast rate-limit figures, with a broadcast body Braze must
    /// refuse (a date that does not exist).
    #[arg(long)]
    allow_broadcast_probes: bool,
    /// Print the plan and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Where the transcript goes (JSON Lines, the key redacted).
    #[arg(long, default_value = "target/conformance/transcript.jsonl")]
    transcript: PathBuf,
    /// The ledger of created schedules, read by the cleanup of every run.
    #[arg(long, default_value = "target/conformance/ledger.jsonl")]
    ledger: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.dry_run {
        print_plan(&args);
        return ExitCode::SUCCESS;
    }
    match run(args).await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn ids(args: &Args) -> Result<TestIds, String> {
    let given = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    match (
        given(&args.campaign_id),
        given(&args.canvas_id),
        given(&args.user),
    ) {
        (Some(campaign_id), Some(canvas_id), Some(user)) => Ok(TestIds {
            campaign_id,
            canvas_id,
            user,
        }),
        _ => Err(
            "the probe needs a test campaign, a test Canvas and a test user, and \
             will not start without them: --campaign-id (BRAZE_CONFORMANCE_CAMPAIGN_ID, an \
             API-triggered campaign), --canvas-id (BRAZE_CONFORMANCE_CANVAS_ID, an \
             API-triggered Canvas), --user (BRAZE_CONFORMANCE_USER, an external_user_id); \
             see docs/conformance.md"
                .into(),
        ),
    }
}

async fn run(args: Args) -> Result<ExitCode, String> {
    let ids = ids(&args)?;
    let key = std::env::var("BRAZE_API_KEY").unwrap_or_default();
    let braze = ClientBuilder::from_env()
        .and_then(|builder| builder.user_agent("braze-conformance").build())
        .map_err(|e| format!("{e}"))?;
    let endpoint = braze.generated().baseurl().to_owned();
    let server = MockServer::start(fake_config(&ids))
        .await
        .map_err(|e| format!("cannot start the fake: {e}"))?;
    let fake = Client::builder()
        .api_key(server.api_key())
        .endpoint_str(server.url())
        .build()
        .map_err(|e| format!("{e}"))?;
    let run = new_run_id();
    let transcript = Transcript::create(
        &args.transcript,
        vec![key.trim().to_owned(), server.api_key().to_owned()],
    )
    .map_err(|e| format!("{}: {e}", args.transcript.display()))?;
    let ledger = Ledger::open(&args.ledger, &endpoint, &run)
        .map_err(|e| format!("{}: {e}", args.ledger.display()))?;
    let stop = Arc::new(AtomicBool::new(false));
    let probe = Probe {
        braze,
        fake,
        ids,
        allow_broadcast_probes: args.allow_broadcast_probes,
        run: run.clone(),
        transcript: Arc::new(transcript),
        ledger: Arc::new(ledger),
        stop: stop.clone(),
    };
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nstopping: no new request; cleaning up (Ctrl-C again to quit at once)");
            stop.store(true, Ordering::SeqCst);
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("quit without the cleanup: the next run deletes what is left");
                std::process::exit(130);
            }
        }
    });

    println!(
        "conformance run {run}: {endpoint} against the fake (braze-mock {}, in process)",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "transcript: {}; ledger: {}",
        args.transcript.display(),
        args.ledger.display()
    );
    let first = probe.cleanup().await;
    print!("{first}");
    let report = probe.run_plan().await;
    let last = probe.cleanup().await;
    println!();
    print!("{report}");
    print!("{last}");
    if first.needs_attention() || last.needs_attention() {
        return Ok(ExitCode::FAILURE);
    }
    if report.interrupted {
        return Ok(ExitCode::from(130));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_plan(args: &Args) {
    let show = |value: &Option<String>, name: &str| value.clone().unwrap_or(format!("<{name}>"));
    println!(
        "The plan (nothing is sent). Test campaign {}, Canvas {}, user {}.\n",
        show(&args.campaign_id, "campaign id"),
        show(&args.canvas_id, "canvas id"),
        show(&args.user, "user")
    );
    println!(
        "First and last: a cleanup pass deletes every schedule the ledger ({}) has open for \
         the endpoint.\nEvery experiment runs on the fake, then on the endpoint. Nothing it \
         creates is less than {MIN_DAYS_AHEAD} days ahead or for anyone but the test user.\n",
        args.ledger.display()
    );
    for experiment in plan() {
        let flag = if experiment.needs_broadcast_flag {
            if args.allow_broadcast_probes {
                " (--allow-broadcast-probes: on)"
            } else {
                " (skipped: needs --allow-broadcast-probes)"
            }
        } else {
            ""
        };
        println!("{}{flag}", experiment.name);
        println!("  sends:      {}", experiment.sends);
        println!("  may create: {}", experiment.may_create);
        println!("  settles:    {}", experiment.settles.join(", "));
    }
    println!("\nNot probed:");
    for choice in declared_choices() {
        match coverage(choice) {
            Coverage::Probed(_) => {}
            Coverage::NotProbed(why) => println!("  {choice}: {why}"),
            Coverage::Missing => println!("  {choice}: NO PROBE AND NO REASON (add one)"),
        }
    }
}
