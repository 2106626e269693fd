//! The report: one line per choice, and what the cleanup did.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::coverage::{Coverage, coverage, declared_choices};
use crate::ledger::Entry;
use crate::probes::{Observations, Outcome};

/// What the run found about one choice.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Both sides showed the same facts.
    Agrees(BTreeMap<String, Value>),
    /// The facts that differ: name, Braze's value, the fake's.
    Differs(Vec<(String, Value, Value)>),
    /// Probed, but a side could not settle it (why, per side).
    NotSettled(String),
    /// No safe request settles it (why).
    NotProbed(String),
}

impl Verdict {
    /// `agrees`, `differs`, `not settled` or `not probed`.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Agrees(_) => "agrees",
            Verdict::Differs(_) => "differs",
            Verdict::NotSettled(_) => "not settled",
            Verdict::NotProbed(_) => "not probed",
        }
    }
}

/// One line per choice of `choices.rs`, in its order.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Each choice and its verdict.
    pub lines: Vec<(&'static str, Verdict)>,
    /// Whether the run was stopped (Ctrl-C) before the end.
    pub interrupted: bool,
}

impl Report {
    /// Compares the two sides' observations, choice by choice.
    pub fn compare(braze: &Observations, fake: &Observations, interrupted: bool) -> Self {
        let lines = declared_choices()
            .into_iter()
            .map(|choice| {
                let verdict = match coverage(choice) {
                    Coverage::Missing => Verdict::NotProbed(
                        "no probe and no reason name this choice: add one to \
                         crates/braze-conformance (probes.rs or coverage.rs)"
                            .into(),
                    ),
                    Coverage::NotProbed(why) => Verdict::NotProbed(why.into()),
                    Coverage::Probed(_) => {
                        verdict(braze.0.get(choice), fake.0.get(choice), interrupted)
                    }
                };
                (choice, verdict)
            })
            .collect();
        Self { lines, interrupted }
    }

    /// The choices whose facts differ.
    pub fn differing(&self) -> Vec<&'static str> {
        self.with(|v| matches!(v, Verdict::Differs(_)))
    }

    /// The choices both sides agree on.
    pub fn agreeing(&self) -> Vec<&'static str> {
        self.with(|v| matches!(v, Verdict::Agrees(_)))
    }

    /// The choices probed but not settled.
    pub fn unsettled(&self) -> Vec<&'static str> {
        self.with(|v| matches!(v, Verdict::NotSettled(_)))
    }

    fn with(&self, keep: impl Fn(&Verdict) -> bool) -> Vec<&'static str> {
        self.lines
            .iter()
            .filter(|(_, v)| keep(v))
            .map(|(c, _)| *c)
            .collect()
    }
}

fn verdict(braze: Option<&Outcome>, fake: Option<&Outcome>, interrupted: bool) -> Verdict {
    let why = |side: &str, outcome: Option<&Outcome>| match outcome {
        None if interrupted => Some(format!("{side}: the run was stopped first")),
        None => Some(format!("{side}: nothing observed")),
        Some(Outcome::Unsettled(why)) => Some(format!("{side}: {why}")),
        Some(Outcome::Observed(_)) => None,
    };
    match (braze, fake) {
        // Not run on either side, for one reason (a flag not given, a stop).
        (Some(Outcome::Unsettled(b)), Some(Outcome::Unsettled(f))) if b == f => {
            Verdict::NotProbed(b.clone())
        }
        (Some(Outcome::Observed(b)), Some(Outcome::Observed(f))) => {
            if b == f {
                return Verdict::Agrees(b.clone());
            }
            let names: BTreeSet<&String> = b.keys().chain(f.keys()).collect();
            let differs = names
                .into_iter()
                .filter_map(|name| {
                    let (bv, fv) = (
                        b.get(name).cloned().unwrap_or(Value::Null),
                        f.get(name).cloned().unwrap_or(Value::Null),
                    );
                    (bv != fv).then(|| (name.clone(), bv, fv))
                })
                .collect();
            Verdict::Differs(differs)
        }
        _ => Verdict::NotSettled(
            [why("Braze", braze), why("fake", fake)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

/// One line per choice: `agrees`, `differs` with Braze's facts beside the fake's, `not
/// settled` or `not probed` with why; then the counts.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.lines.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
        for (choice, verdict) in &self.lines {
            write!(f, "{:<11}  {choice:<width$}  ", verdict.word())?;
            match verdict {
                Verdict::Agrees(facts) => {
                    let facts: Vec<String> = facts
                        .iter()
                        .map(|(name, value)| format!("{name}: {value}"))
                        .collect();
                    writeln!(f, "{}", facts.join("; "))?;
                }
                Verdict::Differs(facts) => {
                    let pad = " ".repeat(11 + 2 + width + 2);
                    for (n, (name, braze, fake)) in facts.iter().enumerate() {
                        if n > 0 {
                            write!(f, "{pad}")?;
                        }
                        writeln!(f, "{name}: Braze {braze} | fake {fake}")?;
                    }
                }
                Verdict::NotSettled(why) | Verdict::NotProbed(why) => writeln!(f, "{why}")?,
            }
        }
        let count = |word: &str| self.lines.iter().filter(|(_, v)| v.word() == word).count();
        writeln!(
            f,
            "\n{} choices: {} agree, {} differ, {} not settled, {} not probed{}",
            self.lines.len(),
            count("agrees"),
            count("differs"),
            count("not settled"),
            count("not probed"),
            if self.interrupted {
                " (interrupted: the run was stopped before the end)"
            } else {
                ""
            }
        )
    }
}

/// What a cleanup pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// Deleted (or answered gone), with the delete's status.
    pub deleted: Vec<(Entry, u16)>,
    /// Still on the workspace: the delete failed (why). A later run tries again.
    pub left: Vec<(Entry, String)>,
    /// Creates that were never answered: their `schedule_id` is unknown, so they cannot
    /// be deleted by the probe; a person should look for them.
    pub unanswered: Vec<Entry>,
    /// Open entries of another endpoint: run against it to clean them.
    pub other_endpoint: Vec<Entry>,
    /// Ledger errors.
    pub errors: Vec<String>,
}

impl Cleanup {
    /// Whether anything needs a person's attention.
    pub fn needs_attention(&self) -> bool {
        !(self.left.is_empty() && self.unanswered.is_empty() && self.errors.is_empty())
    }
}

impl fmt::Display for Cleanup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let describe = |e: &Entry| {
            let owner = if e.owner_id.is_empty() {
                String::new()
            } else {
                format!(" of {}", e.owner_id)
            };
            format!(
                "{} schedule{owner} at {} (run {}, create {})",
                e.kind.name(),
                e.time,
                e.run,
                e.seq
            )
        };
        for (entry, status) in &self.deleted {
            writeln!(
                f,
                "cleanup: deleted {} {} ({status})",
                describe(entry),
                entry.schedule_id.as_deref().unwrap_or("")
            )?;
        }
        for (entry, why) in &self.left {
            writeln!(
                f,
                "cleanup: LEFT ON THE WORKSPACE: {} {}: {why}; the next run tries again, or \
                 delete it in the dashboard",
                describe(entry),
                entry.schedule_id.as_deref().unwrap_or("")
            )?;
        }
        for entry in &self.unanswered {
            writeln!(
                f,
                "cleanup: CHECK THE WORKSPACE: a create was never answered (killed, or its \
                 answer lost), so its schedule_id is unknown: {}; if it exists, delete it in \
                 the dashboard (it is tagged braze_conformance_run={})",
                describe(entry),
                entry.run
            )?;
        }
        for entry in &self.other_endpoint {
            writeln!(
                f,
                "cleanup: open in the ledger for another endpoint ({}): {}; run against it \
                 to clean it",
                entry.endpoint,
                describe(entry)
            )?;
        }
        for error in &self.errors {
            writeln!(f, "cleanup: error: {error}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn observed(facts: &[(&str, Value)]) -> Outcome {
        Outcome::Observed(
            facts
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn verdicts() {
        let a = observed(&[("x", json!(1)), ("y", json!(2))]);
        let b = observed(&[("x", json!(1)), ("y", json!(3))]);
        assert!(matches!(
            verdict(Some(&a), Some(&a), false),
            Verdict::Agrees(_)
        ));
        assert_eq!(
            verdict(Some(&a), Some(&b), false),
            Verdict::Differs(vec![("y".into(), json!(2), json!(3))])
        );
        let skipped = Outcome::Unsettled("needs a flag".into());
        assert_eq!(
            verdict(Some(&skipped), Some(&skipped), false),
            Verdict::NotProbed("needs a flag".into())
        );
        let refused = Outcome::Unsettled("the create was refused".into());
        assert_eq!(
            verdict(Some(&refused), Some(&a), false),
            Verdict::NotSettled("Braze: the create was refused".into())
        );
        assert_eq!(
            verdict(None, Some(&a), true),
            Verdict::NotSettled("Braze: the run was stopped first".into())
        );
    }
}
