//! Bulk trigger sends: `braze campaigns trigger send --campaign-id C --from FILE` and
//! `braze canvas trigger send --canvas-id C --from FILE`.
//!
//! Braze takes at most 50 recipients per request and has no idempotency key, so a script
//! that loops, retries and gets killed halfway loses users or sends some twice. This run
//! sends each row at most once, through crashes:
//!
//! * [`rows`] reads one recipient per row (CSV or JSON Lines, through the readers of the
//!   bulk deletes, [`crate::bulk::input`]); [`duplicates`] refuses a file naming a user
//!   twice before anything is sent;
//! * [`run`] batches rows up to [`braze_sdk::rules::MAX_USERS`], checks each batch with the
//!   rulebook (a bad row is reported invalid with its line, the rest go on), and sends
//!   batches with N workers sharing one client (one rate-limit pacer);
//! * [`report`] writes each batch's rows as `in_flight`, flushed, before the request
//!   leaves, then their outcome ([`outcome`]: `sent`, `refused`, `unknown`, `not_sent`);
//! * [`resume`] reads earlier reports: `sent`, `refused` and `unknown` rows (and rows in
//!   flight when a run was killed) are never sent again, unless `--resend-unknown`;
//! * [`summary`] counts and ends the run. Ctrl-C, the refused key and the streak of
//!   unreachable batches are the deletes' ([`crate::bulk::control`]), and so is the
//!   progress display ([`crate::bulk::progress`]).

pub mod duplicates;
pub mod outcome;
pub mod report;
pub mod resume;
pub mod rows;
pub mod run;
pub mod summary;
pub mod user;
