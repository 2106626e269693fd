//! The plan: the experiments, each a short run of safe requests, and the facts each
//! observes about the choices it settles.
//!
//! Safety is in how the requests are built, not in what the answers turn out to be:
//!
//! * nothing is sent that Braze could deliver: no send that names a real campaign, Canvas
//!   or user; the send family is probed only with bodies that break a documented rule
//!   *and* name ids that exist nowhere;
//! * every schedule a request could create is for the test campaign or Canvas, to the one
//!   test user, at least [`MIN_DAYS_AHEAD`] days ahead, tagged with the run, noted in the
//!   ledger before it is sent, and deleted as soon as it is answered;
//! * broadcasts are sent only with `--allow-broadcast-probes`, and then only a body Braze
//!   must refuse (a date that does not exist); audiences and segments never.
//!
//! A fact is one observation on one side (a status, a message with the run's ids replaced
//! by placeholders, whether something was listed): the same facts on both sides mean the
//! fake agrees with the endpoint on that choice.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use crate::session::Session;

mod calls;
mod experiments;

pub(crate) use calls::gone;
use experiments::{
    broadcast_figures, cross_kind, gateway, lifecycle, null_fields, rule_refusals, transactional,
    unknown_owners, unknown_schedules,
};

/// The nearest any created schedule is: at least 30 days ahead (35, so that a slow run or
/// a clock that is a little off stays far from it).
pub const MIN_DAYS_AHEAD: i64 = 35;

// The floor, checked when the probe is built.
const _: () = assert!(MIN_DAYS_AHEAD >= 30);

/// What one side showed about one choice.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The facts observed, by name.
    Observed(BTreeMap<String, Value>),
    /// The choice could not be settled on this side, and why.
    Unsettled(String),
}

/// The outcomes of the choices an experiment settles.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Observations(pub BTreeMap<&'static str, Outcome>);

impl Observations {
    /// Records `fact` about `choice`. A choice already unsettled stays so.
    pub fn fact(&mut self, choice: &'static str, fact: impl Into<String>, value: Value) {
        let outcome = self
            .0
            .entry(choice)
            .or_insert_with(|| Outcome::Observed(BTreeMap::new()));
        if let Outcome::Observed(facts) = outcome {
            facts.insert(fact.into(), value);
        }
    }

    /// Marks `choice` as not settled on this side.
    pub fn unsettled(&mut self, choice: &'static str, why: impl Into<String>) {
        self.0.insert(choice, Outcome::Unsettled(why.into()));
    }

    /// Adds another experiment's observations (facts of one choice are merged).
    pub fn merge(&mut self, other: Observations) {
        for (choice, outcome) in other.0 {
            match (self.0.get_mut(choice), outcome) {
                (Some(Outcome::Observed(mine)), Outcome::Observed(theirs)) => mine.extend(theirs),
                (Some(Outcome::Unsettled(_)), _) => {}
                (_, outcome) => {
                    self.0.insert(choice, outcome);
                }
            }
        }
    }
}

type Run = for<'a> fn(&'a Session) -> Pin<Box<dyn Future<Output = Observations> + Send + 'a>>;

/// One experiment of the plan.
pub struct Experiment {
    /// Its name, in the transcript and the dry run.
    pub name: &'static str,
    /// What it sends, for the dry run.
    pub sends: &'static str,
    /// What it may leave on the workspace if Braze takes a request it should refuse, or
    /// before its delete: always deleted at once, and noted in the ledger first.
    pub may_create: &'static str,
    /// Run only with `--allow-broadcast-probes`.
    pub needs_broadcast_flag: bool,
    /// The choices (names of items of braze-mock's `choices.rs`) it settles.
    pub settles: &'static [&'static str],
    run: Run,
}

impl Experiment {
    /// Runs it on one side.
    pub async fn run(&self, session: &Session) -> Observations {
        session.set_experiment(self.name);
        (self.run)(session).await
    }
}

impl std::fmt::Debug for Experiment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Experiment")
            .field("name", &self.name)
            .field("settles", &self.settles)
            .finish_non_exhaustive()
    }
}

/// The plan, in the order it runs.
pub fn plan() -> &'static [Experiment] {
    PLAN
}

static PLAN: &[Experiment] = &[
    Experiment {
        name: "lifecycle",
        sends: "one campaign, one Canvas and one message schedule to the test user, 35 days \
                ahead (message: a webhook to https://example.invalid); the listing up to 40 \
                days ahead; an update of each to 36 days ahead; a delete of each; the listing \
                again; a second delete of each",
        may_create: "3 schedules, deleted within seconds",
        needs_broadcast_flag: false,
        settles: &[
            "CREATE_STATUS",
            "UPDATE_STATUS",
            "DELETE_STATUS",
            "new_id",
            "is_listed",
            "broadcast_name",
            "broadcast_id",
            "broadcast_type",
            "schedule_type",
            "next_send_time",
            "UNKNOWN_SCHEDULE_STATUS",
        ],
        run: |s| Box::pin(lifecycle(s)),
    },
    Experiment {
        name: "unknown-schedules",
        sends: "an update and a delete of a schedule_id that exists nowhere, for each kind; \
                an update to a past UTC time and one to a future time of such an id",
        may_create: "nothing",
        needs_broadcast_flag: false,
        settles: &[
            "UNKNOWN_SCHEDULE_STATUS",
            "unknown_schedule_message",
            "is_listed",
        ],
        run: |s| Box::pin(unknown_schedules(s)),
    },
    Experiment {
        name: "unknown-owners",
        sends: "creates for a campaign and a Canvas id that exist nowhere (to the test user, \
                35 days ahead), a message create naming such a campaign_id, a delete naming \
                one",
        may_create: "nothing (the ids exist nowhere); were one taken, it is deleted at once",
        needs_broadcast_flag: false,
        settles: &[
            "INVALID_CAMPAIGN_ID_MESSAGE",
            "INVALID_CANVAS_ID_MESSAGE",
            "unknown_owner_message",
        ],
        run: |s| Box::pin(unknown_owners(s)),
    },
    Experiment {
        name: "cross-kind",
        sends: "a campaign schedule to the test user 35 days ahead, a delete of its \
                schedule_id through /messages/schedule/delete, then through its own endpoint",
        may_create: "1 schedule, deleted within seconds",
        needs_broadcast_flag: false,
        settles: &["operations_find"],
        run: |s| Box::pin(cross_kind(s)),
    },
    Experiment {
        name: "null-fields",
        sends: "a campaign schedule create (test user, 35 days ahead) with \
                \"at_optimal_time\": null",
        may_create: "1 schedule if taken, deleted at once",
        needs_broadcast_flag: false,
        settles: &["REFUSE_NULL_FOR_DECLARED_FIELDS"],
        run: |s| Box::pin(null_fields(s)),
    },
    Experiment {
        name: "rule-refusals",
        sends: "bodies that break one documented rule each: creates to the test user (a date \
                that does not exist, two identifiers in a recipient, 51 recipients, no \
                message), updates of ids that exist nowhere (a local time passed everywhere, \
                a designator on a local time, nothing to update), and sends naming only ids \
                that exist nowhere (no message, two identifiers, 51 recipients)",
        may_create: "nothing Braze follows its rules for; were a create taken, it is deleted \
                     at once",
        needs_broadcast_flag: false,
        settles: &["problem_message"],
        run: |s| Box::pin(rule_refusals(s)),
    },
    Experiment {
        name: "transactional-refusals",
        sends: "transactional sends to a blank campaign id and to a campaign id that exists \
                nowhere, for a user that exists nowhere",
        may_create: "nothing",
        needs_broadcast_flag: false,
        settles: &[
            "TRANSACTIONAL_REFUSED_STATUS",
            "TRANSACTIONAL_CAMPAIGN_ID_MESSAGE",
            "UNKNOWN_TRANSACTIONAL_CAMPAIGN",
        ],
        run: |s| Box::pin(transactional(s)),
    },
    Experiment {
        name: "gateway",
        sends: "the listing without a key, with a made-up key and with a quoted made-up key; \
                an unknown path; GET on a delete endpoint; deletes of an id that exists \
                nowhere as text/plain, with a charset, without Content-Type, and over 4 MB",
        may_create: "nothing",
        needs_broadcast_flag: false,
        settles: &[
            "missing_key_message",
            "unknown_key_message",
            NOT_FOUND,
            "method_not_allowed_message",
            "is_json_content_type",
            "wrong_content_type_message",
            "payload_too_large_message",
            ORDER_OF_CHECKS,
        ],
        run: |s| Box::pin(gateway(s)),
    },
    Experiment {
        name: "broadcast-figures",
        sends: "a campaign schedule create with \"broadcast\": true and a date that does not \
                exist (February 30), which Braze must refuse",
        may_create: "nothing Braze follows its rules for; were it taken, it is deleted at once",
        needs_broadcast_flag: true,
        settles: &["BROADCAST_FIGURES_ARE_THE_TIGHTER_LIMIT"],
        run: |s| Box::pin(broadcast_figures(s)),
    },
];

/// `NOT_FOUND_MESSAGE`.
pub(crate) const NOT_FOUND: &str = "NOT_FOUND_MESSAGE";

/// The order in which a request is checked, which `choices.rs` documents in its module
/// documentation rather than in an item; the probe sees one consequence of it: every
/// request is counted first, so every answer carries the rate-limit headers (the run
/// notes each answer without them, whatever the experiment).
pub const ORDER_OF_CHECKS: &str = "(module docs) the order of checks";

/// Where each side's observations go when the experiment was not run (broadcast probes
/// without their flag, or a stopped run).
pub(crate) fn skipped(experiment: &Experiment, why: &str) -> Observations {
    let mut o = Observations::default();
    for choice in experiment.settles {
        o.unsettled(choice, why);
    }
    o
}
