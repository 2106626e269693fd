//! Which request gets which fault: the armed rules, the seeded generator they draw from,
//! and the count of faults injected.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{Fault, FaultCounts, FaultKind, FaultRule, Trigger};

struct ArmedRule {
    /// Names it for its removal, from 1 in the order armed.
    id: u64,
    rule: FaultRule,
    /// For [`Trigger::Next`]: how many more requests it fires on.
    left: u64,
}

/// An armed rule as the control API shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ArmedView {
    pub(crate) id: u64,
    pub(crate) rule: FaultRule,
    /// For a `next=N` rule, how many more requests it fires on.
    pub(crate) left: Option<u64>,
}

struct Armed {
    rules: Vec<ArmedRule>,
    rng: fastrand::Rng,
    last_id: u64,
}

/// The fault rules in force.
pub(crate) struct FaultPlan {
    /// Lets a request skip the lock when no rule is armed, the usual case in benchmarks.
    any_rule: AtomicBool,
    armed: Mutex<Armed>,
    counts: [AtomicU64; FaultKind::ALL.len()],
}

impl FaultPlan {
    pub(crate) fn new(seed: u64, rules: impl IntoIterator<Item = FaultRule>) -> Self {
        let plan = Self {
            any_rule: AtomicBool::new(false),
            armed: Mutex::new(Armed {
                rules: Vec::new(),
                rng: fastrand::Rng::with_seed(seed),
                last_id: 0,
            }),
            counts: Default::default(),
        };
        for rule in rules {
            plan.arm(rule);
        }
        plan
    }

    /// Adds a rule after those already armed; its id names it for [`FaultPlan::remove`].
    pub(crate) fn arm(&self, rule: FaultRule) -> u64 {
        let left = match rule.trigger {
            Trigger::Next(n) => n,
            Trigger::Always | Trigger::Probability(_) => 0,
        };
        let mut armed = self.lock();
        armed.last_id += 1;
        let id = armed.last_id;
        armed.rules.push(ArmedRule { id, rule, left });
        self.any_rule.store(true, Ordering::Release);
        id
    }

    /// Removes every rule and says how many there were. The generator goes on where it
    /// was.
    pub(crate) fn disarm(&self) -> usize {
        let mut armed = self.lock();
        let removed = armed.rules.len();
        armed.rules.clear();
        self.any_rule.store(false, Ordering::Release);
        removed
    }

    /// Removes the rule armed under `id`, if it is still armed.
    pub(crate) fn remove(&self, id: u64) -> Option<ArmedView> {
        let mut armed = self.lock();
        let position = armed.rules.iter().position(|rule| rule.id == id)?;
        let removed = view(&armed.rules.remove(position));
        self.any_rule
            .store(!armed.rules.is_empty(), Ordering::Release);
        Some(removed)
    }

    /// The rules armed, in the order they are tried.
    pub(crate) fn armed(&self) -> Vec<ArmedView> {
        self.lock().rules.iter().map(view).collect()
    }

    /// Back to the start: these rules armed (ids from 1), the generator at the start of
    /// `seed`'s sequence, no fault counted.
    pub(crate) fn reset(&self, seed: u64, rules: impl IntoIterator<Item = FaultRule>) {
        {
            let mut armed = self.lock();
            *armed = Armed {
                rules: Vec::new(),
                rng: fastrand::Rng::with_seed(seed),
                last_id: 0,
            };
            self.any_rule.store(false, Ordering::Release);
            for count in &self.counts {
                count.store(0, Ordering::Relaxed);
            }
        }
        for rule in rules {
            self.arm(rule);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Armed> {
        self.armed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Decides the fault of a request for `path`, and counts it.
    pub(crate) fn decide(&self, path: &str) -> Option<Fault> {
        if !self.any_rule.load(Ordering::Acquire) {
            return None;
        }
        let fault = {
            let mut armed = self.lock();
            let Armed { rules, rng, .. } = &mut *armed;
            rules
                .iter_mut()
                .filter(|armed| armed.rule.applies_to(path))
                .find_map(|armed| fires(armed, rng).then(|| pick(&armed.rule.faults, rng)))?
        };
        self.counts[kind_index(fault.kind())].fetch_add(1, Ordering::Relaxed);
        Some(fault)
    }

    pub(crate) fn counts(&self) -> FaultCounts {
        let count = |kind| self.counts[kind_index(kind)].load(Ordering::Relaxed);
        FaultCounts {
            status: count(FaultKind::Status),
            html: count(FaultKind::Html),
            delay: count(FaultKind::Delay),
            close: count(FaultKind::Close),
            reset: count(FaultKind::Reset),
            truncated: count(FaultKind::Truncated),
            malformed: count(FaultKind::Malformed),
            hang: count(FaultKind::Hang),
        }
    }
}

fn view(armed: &ArmedRule) -> ArmedView {
    ArmedView {
        id: armed.id,
        rule: armed.rule.clone(),
        left: matches!(armed.rule.trigger, Trigger::Next(_)).then_some(armed.left),
    }
}

/// Whether the rule fires on this request; a probability rule draws from the generator
/// each time it is reached, so the draws depend only on the sequence of requests.
fn fires(armed: &mut ArmedRule, rng: &mut fastrand::Rng) -> bool {
    match armed.rule.trigger {
        Trigger::Always => true,
        Trigger::Next(_) if armed.left > 0 => {
            armed.left -= 1;
            true
        }
        Trigger::Next(_) => false,
        Trigger::Probability(p) => rng.f64() < p,
    }
}

fn pick(faults: &[Fault], rng: &mut fastrand::Rng) -> Fault {
    match faults {
        [only] => only.clone(),
        many => many[rng.usize(..many.len())].clone(),
    }
}

fn kind_index(kind: FaultKind) -> usize {
    FaultKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(seed: u64, rule: &FaultRule, requests: usize) -> Vec<Option<Fault>> {
        let plan = FaultPlan::new(seed, [rule.clone()]);
        (0..requests).map(|_| plan.decide("/x")).collect()
    }

    #[test]
    fn next_n_fires_n_times_on_its_path_only() {
        let plan = FaultPlan::new(1, [FaultRule::new(Fault::Close).next(2).on_path("/only")]);
        assert_eq!(plan.decide("/other"), None);
        assert_eq!(plan.decide("/only"), Some(Fault::Close));
        assert_eq!(plan.decide("/only"), Some(Fault::Close));
        assert_eq!(plan.decide("/only"), None);
        assert_eq!(plan.counts().close, 2);
    }

    #[test]
    fn the_same_seed_gives_the_same_faults() {
        let rule = FaultRule::mix(0.3, [Fault::Status(503), Fault::Reset, Fault::Malformed]);
        let first = sequence(42, &rule, 500);
        assert_eq!(first, sequence(42, &rule, 500));
        assert_ne!(first, sequence(43, &rule, 500));
        let hits = first.iter().flatten().count();
        assert!((100..=200).contains(&hits), "{hits} of 500 at p=0.3");
        for fault in [Fault::Status(503), Fault::Reset, Fault::Malformed] {
            assert!(first.contains(&Some(fault)));
        }
    }

    #[test]
    fn rules_are_removed_by_id_and_reset_replays_from_the_seed() {
        let rule = FaultRule::mix(0.5, [Fault::Status(503), Fault::Reset]);
        let plan = FaultPlan::new(5, [rule.clone()]);
        let first: Vec<_> = (0..50).map(|_| plan.decide("/x")).collect();
        let id = plan.arm(FaultRule::new(Fault::Close).next(3).on_path("/y"));
        assert_eq!(id, 2);
        let armed = plan.armed();
        assert_eq!(armed.len(), 2);
        assert_eq!((armed[0].id, armed[0].left), (1, None));
        assert_eq!((armed[1].id, armed[1].left), (2, Some(3)));
        plan.remove(1).unwrap();
        assert_eq!(plan.decide("/y"), Some(Fault::Close));
        assert_eq!(plan.decide("/y"), Some(Fault::Close));
        assert_eq!(plan.armed()[0].left, Some(1));
        assert_eq!(plan.remove(1), None);
        assert_eq!(plan.remove(2).map(|view| view.left), Some(Some(1)));
        assert_eq!(plan.decide("/y"), None, "nothing armed");
        plan.reset(5, [rule]);
        assert_eq!(plan.counts().total(), 0);
        assert_eq!(plan.armed()[0].id, 1);
        let again: Vec<_> = (0..50).map(|_| plan.decide("/x")).collect();
        assert_eq!(first, again);
    }

    #[test]
    fn the_first_rule_that_fires_wins_and_disarm_clears() {
        let plan = FaultPlan::new(
            7,
            [
                FaultRule::new(Fault::Status(429)).next(1),
                FaultRule::new(Fault::Status(500)),
            ],
        );
        assert_eq!(plan.decide("/a"), Some(Fault::Status(429)));
        assert_eq!(plan.decide("/a"), Some(Fault::Status(500)));
        plan.disarm();
        assert_eq!(plan.decide("/a"), None);
        assert_eq!(plan.counts().status, 2);
        assert_eq!(plan.counts().total(), 2);
    }
}
