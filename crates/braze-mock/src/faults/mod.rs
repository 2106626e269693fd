//! Faults on demand: what can go wrong between a client and Braze, injected so that a
//! client's retries, timeouts and error reports can be tested.
//!
//! A [`FaultRule`] says which fault to inject ([`Fault`]), when ([`Trigger`]: every request,
//! the next N, or each with probability p drawn from the server's seeded generator) and
//! optionally on which path. Rules are tried in the order they were added; the first that
//! fires decides the request's fault. With the same seed, the same rules and the same
//! requests sent one after another, the same requests get the same faults.
//!
//! Some faults strike before the request is processed and leave the state untouched
//! ([`FaultStage::BeforeProcessing`]); others let the operation happen and corrupt its
//! answer ([`FaultStage::AfterProcessing`]). [`crate::choices::fault_stage`] says which.

use std::time::Duration;

mod effects;
mod plan;
mod spec;

pub use crate::fault_kind::{FaultKind, FaultStage};
pub(crate) use effects::{Corruption, FaultEffect, malform, truncate};
pub(crate) use plan::{ArmedView, FaultPlan};
pub use spec::FaultSpecError;

/// One thing that can go wrong with a request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this HTTP status and a Braze-style JSON body `{"message": "..."}`, e.g.
    /// 429, 500, 502, 503 or 504. Codes outside 200..=599 are sent as 500.
    Status(u16),
    /// Answer with this status and an HTML error page (`Content-Type: text/html`), as a
    /// proxy in front of Braze does (an nginx-like "502 Bad Gateway" page).
    Html(u16),
    /// Hold the request this long, then drop the connection without an answer: a server
    /// slower than the client's timeout.
    Delay(Duration),
    /// Close the connection without an answer.
    Close,
    /// Reset the connection (TCP RST) without an answer.
    Reset,
    /// Process the request, then send the answer's headers with its full `Content-Length`
    /// but only half of its body, and close the connection.
    Truncated,
    /// Process the request, then send a complete answer whose JSON body is cut short, so
    /// that it does not parse.
    Malformed,
    /// Process the request, then hold its answer this long and drop the connection without
    /// sending it: a client whose timeout is shorter gives up on a request that was
    /// applied (a send that happened, though the client never heard).
    Hang(Duration),
}

impl Fault {
    /// The kind of fault, without its parameters.
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::Status(_) => FaultKind::Status,
            Fault::Html(_) => FaultKind::Html,
            Fault::Delay(_) => FaultKind::Delay,
            Fault::Close => FaultKind::Close,
            Fault::Reset => FaultKind::Reset,
            Fault::Truncated => FaultKind::Truncated,
            Fault::Malformed => FaultKind::Malformed,
            Fault::Hang(_) => FaultKind::Hang,
        }
    }

    /// Whether the fault strikes before or after the request is processed.
    pub fn stage(&self) -> FaultStage {
        crate::choices::fault_stage(self.kind())
    }
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// On every request it applies to.
    Always,
    /// On the next this many requests it applies to, then never.
    Next(u64),
    /// On each request it applies to with this probability (0 to 1), drawn from the
    /// server's seeded generator.
    Probability(f64),
}

/// A fault, when to inject it, and where.
///
/// ```
/// use std::time::Duration;
/// use braze_mock::{Fault, FaultRule};
///
/// // The next two deletes get a 503.
/// let outage = FaultRule::new(Fault::Status(503))
///     .next(2)
///     .on_path("/campaigns/trigger/schedule/delete");
/// // 5% of all requests fail, spread evenly over three ways of failing.
/// let flaky = FaultRule::mix(0.05, [Fault::Html(502), Fault::Reset, Fault::Delay(Duration::from_secs(3))]);
/// // The next send is processed, then its answer is held for 2 s and dropped.
/// let lost = FaultRule::new(Fault::Hang(Duration::from_secs(2))).next(1).on_path("/messages/send");
/// // The same rules in the binary's `--fault` syntax.
/// assert_eq!(outage.to_string(), "503:next=2@/campaigns/trigger/schedule/delete");
/// assert_eq!("html502+reset+delay=3s:p=0.05".parse::<FaultRule>().unwrap(), flaky);
/// assert_eq!(lost.to_string(), "hang=2s:next=1@/messages/send");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    faults: Vec<Fault>,
    trigger: Trigger,
    path: Option<String>,
}

impl FaultRule {
    /// Injects `fault` on every request; narrow it with [`Self::next`],
    /// [`Self::probability`] and [`Self::on_path`].
    pub fn new(fault: Fault) -> Self {
        Self {
            faults: vec![fault],
            trigger: Trigger::Always,
            path: None,
        }
    }

    /// A seeded mix: each request fails with probability `total_probability`, the failure
    /// drawn evenly from `faults`.
    ///
    /// # Panics
    ///
    /// If `faults` is empty or the probability is not within 0..=1.
    pub fn mix(total_probability: f64, faults: impl IntoIterator<Item = Fault>) -> Self {
        let faults: Vec<Fault> = faults.into_iter().collect();
        assert!(!faults.is_empty(), "a fault mix needs at least one fault");
        Self {
            faults,
            trigger: Trigger::Always,
            path: None,
        }
        .probability(total_probability)
    }

    /// Fires on the next `n` requests only.
    pub fn next(mut self, n: u64) -> Self {
        self.trigger = Trigger::Next(n);
        self
    }

    /// Fires on each request with probability `p`.
    ///
    /// # Panics
    ///
    /// If `p` is not within 0..=1.
    pub fn probability(mut self, p: f64) -> Self {
        assert!(
            (0.0..=1.0).contains(&p),
            "a fault probability is within 0..=1, not {p}"
        );
        self.trigger = Trigger::Probability(p);
        self
    }

    /// Applies to requests for this path only (e.g. `/campaigns/trigger/schedule/delete`).
    pub fn on_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// The faults it picks from (one, unless it is a mix).
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// When it fires.
    pub fn trigger(&self) -> Trigger {
        self.trigger
    }

    /// The path it is restricted to, if any.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    fn applies_to(&self, path: &str) -> bool {
        self.path.as_deref().is_none_or(|only| only == path)
    }
}

/// How many faults of each kind were injected since the server started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// [`Fault::Status`] answers.
    pub status: u64,
    /// [`Fault::Html`] answers.
    pub html: u64,
    /// [`Fault::Delay`]ed requests.
    pub delay: u64,
    /// [`Fault::Close`]d connections.
    pub close: u64,
    /// [`Fault::Reset`] connections.
    pub reset: u64,
    /// [`Fault::Truncated`] answers.
    pub truncated: u64,
    /// [`Fault::Malformed`] answers.
    pub malformed: u64,
    /// [`Fault::Hang`]s: requests processed, then dropped unanswered.
    pub hang: u64,
}

impl FaultCounts {
    /// How many of this kind.
    pub fn of(&self, kind: FaultKind) -> u64 {
        match kind {
            FaultKind::Status => self.status,
            FaultKind::Html => self.html,
            FaultKind::Delay => self.delay,
            FaultKind::Close => self.close,
            FaultKind::Reset => self.reset,
            FaultKind::Truncated => self.truncated,
            FaultKind::Malformed => self.malformed,
            FaultKind::Hang => self.hang,
        }
    }

    /// How many faults in all.
    pub fn total(&self) -> u64 {
        FaultKind::ALL.iter().map(|kind| self.of(*kind)).sum()
    }
}
