//! The conformance probe: the same plan of safe requests against a Braze workspace and
//! against the fake (`braze-mock`, started in this process), and, for each choice of the
//! fake's `choices.rs`, whether the two answered alike.
//!
//! Run it as `cargo xtask conformance` (see `docs/conformance.md`). The pieces:
//!
//! * [`probes`]: the plan, its experiments, and why each request is safe;
//! * [`coverage`]: which experiment settles each choice, or why none can safely;
//! * [`ledger`]: the local file of every schedule created on the workspace, so that a run
//!   deletes what a killed one left;
//! * [`transcript`]: every request (the key redacted) with its answer, as JSON Lines;
//! * [`report`]: one line per choice: agrees, differs (both answers), not probed (why).

#![deny(missing_docs)]

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use braze_mock::{CampaignKind, Config, Status, User};
use braze_sdk::Client;

pub mod coverage;
pub mod ledger;
pub mod probes;
pub mod report;
pub mod session;
pub mod transcript;

pub use ledger::Ledger;
pub use report::{Cleanup, Report, Verdict};
pub use session::{Session, Side, TestIds};
pub use transcript::Transcript;

use probes::{Observations, plan, skipped};
use session::Call;

/// The fake the probe compares with: braze-mock in strict mode, knowing the test campaign
/// (API-triggered), the test Canvas and the test user, as the workspace does.
pub fn fake_config(ids: &TestIds) -> Config {
    Config::new()
        .strict(true)
        .campaign_with(
            ids.campaign_id.as_str(),
            CampaignKind::ApiTriggered,
            Status::Active,
        )
        .canvas_with(ids.canvas_id.as_str(), Status::Active)
        .user(User::external(ids.user.as_str()))
}

/// A run's identifier: 12 hex digits from the clock and the process, in the ids that
/// exist nowhere and in the tag of what the run creates.
pub fn new_run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mixed = nanos ^ (u64::from(std::process::id()) << 40);
    format!("{:012x}", mixed & 0xffff_ffff_ffff)
}

/// One run: the two sides, the ledger, the transcript, the stop flag.
pub struct Probe {
    /// The client of the endpoint under test.
    pub braze: Client,
    /// The client of the fake.
    pub fake: Client,
    /// The test ids.
    pub ids: TestIds,
    /// Whether the broadcast probes run (`--allow-broadcast-probes`).
    pub allow_broadcast_probes: bool,
    /// The run's id.
    pub run: String,
    /// Where every request goes.
    pub transcript: Arc<Transcript>,
    /// The ledger of the endpoint under test.
    pub ledger: Arc<Ledger>,
    /// Set by Ctrl-C: no new request is sent, the cleanup still runs.
    pub stop: Arc<AtomicBool>,
}

impl Probe {
    fn session(&self, side: Side) -> Session {
        let (client, ledger) = match side {
            Side::Braze => (self.braze.clone(), Some(self.ledger.clone())),
            Side::Fake => (self.fake.clone(), None),
        };
        Session::new(
            side,
            client,
            self.ids.clone(),
            self.run.clone(),
            self.transcript.clone(),
            ledger,
            self.stop.clone(),
        )
    }

    /// Deletes every schedule the ledger has open for this endpoint: the cleanup pass
    /// that runs first and last. Runs even after a stop (it is what a stop waits for).
    pub async fn cleanup(&self) -> Cleanup {
        let mut cleanup = Cleanup::default();
        let open = match self.ledger.open_entries() {
            Ok(open) => open,
            Err(e) => {
                cleanup.errors.push(format!(
                    "cannot read the ledger {}: {e}",
                    self.ledger.path().display()
                ));
                return cleanup;
            }
        };
        let session = Session::new(
            Side::Braze,
            self.braze.clone(),
            self.ids.clone(),
            self.run.clone(),
            self.transcript.clone(),
            Some(self.ledger.clone()),
            // The cleanup is not stopped by a stop.
            Arc::new(AtomicBool::new(false)),
        );
        session.set_experiment("cleanup");
        for open in open {
            let entry = open.entry;
            if entry.endpoint != self.ledger.endpoint() {
                cleanup.other_endpoint.push(entry);
                continue;
            }
            match entry.schedule_id.clone() {
                None => {
                    if let Err(e) = self.ledger.follow(&entry, "abandoned", None, None) {
                        cleanup.errors.push(format!("cannot write the ledger: {e}"));
                    }
                    cleanup.unanswered.push(entry);
                }
                Some(schedule_id) => {
                    let answer = session
                        .call(Call::post(
                            format!("cleanup: delete {} schedule", entry.kind.name()),
                            entry.kind.delete_operation(),
                            entry.kind.delete_body(&entry.owner_id, &schedule_id),
                        ))
                        .await;
                    if probes::gone(&answer) {
                        if let Err(e) =
                            self.ledger
                                .follow(&entry, "deleted", None, Some(answer.status))
                        {
                            cleanup.errors.push(format!("cannot write the ledger: {e}"));
                        }
                        cleanup.deleted.push((entry, answer.status));
                    } else {
                        let why = format!(
                            "the delete was answered {} {}",
                            answer.status,
                            answer
                                .message()
                                .map(str::to_owned)
                                .unwrap_or_else(|| answer.body.to_string())
                        );
                        cleanup.left.push((entry, why));
                    }
                }
            }
        }
        cleanup
    }

    /// Runs the plan on the fake, then on the endpoint, and compares.
    pub async fn run_plan(&self) -> Report {
        let mut fake = Observations::default();
        let mut braze = Observations::default();
        let fake_session = self.session(Side::Fake);
        let mut braze_session = self.session(Side::Braze);
        // One "now" for both sides, so that the times they are sent are the same.
        braze_session.now = fake_session.now;
        for experiment in plan() {
            if experiment.needs_broadcast_flag && !self.allow_broadcast_probes {
                let why = "needs --allow-broadcast-probes (a broadcast body Braze must refuse)";
                fake.merge(skipped(experiment, why));
                braze.merge(skipped(experiment, why));
                continue;
            }
            let on_fake = experiment.run(&fake_session).await;
            let on_braze = experiment.run(&braze_session).await;
            if self.stop.load(std::sync::atomic::Ordering::SeqCst) {
                // Answers cut short by the stop would read as differences: the experiment
                // it cut, and those after it, count as not run.
                let why = "the run was stopped (Ctrl-C) before this experiment finished";
                for experiment in plan().iter().skip_while(|e| e.name != experiment.name) {
                    fake.merge(skipped(experiment, why));
                    braze.merge(skipped(experiment, why));
                }
                break;
            }
            fake.merge(on_fake);
            braze.merge(on_braze);
        }
        // Over every answer of the run, whatever the experiment.
        for (observations, session) in [(&mut fake, &fake_session), (&mut braze, &braze_session)] {
            observations.fact(
                probes::ORDER_OF_CHECKS,
                "answers without x-ratelimit-limit, -remaining or -reset",
                serde_json::json!(session.answers_without_figures()),
            );
        }
        Report::compare(
            &braze,
            &fake,
            self.stop.load(std::sync::atomic::Ordering::SeqCst),
        )
    }
}
