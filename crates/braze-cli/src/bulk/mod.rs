//! Bulk runs from a file: cancellation (`... schedule delete --from FILE`, below) and
//! trigger sends (`... trigger send --from FILE`, [`send`]), which share the input
//! reading, the outcome policy, the Ctrl-C handling, the queue and the progress display.
//!
//! Which endpoint and which id columns a run uses comes from the
//! [`ScheduleKind`](braze_sdk::ScheduleKind) of the command.
//!
//! A reader thread streams the input ([`input`]) into a bounded queue ([`queue`]); N
//! workers share one SDK client (so one rate-limit pacer) and send the deletes
//! ([`run`]); [`outcome`] decides what each answer makes of its row; each finished row is
//! recorded at once ([`recorder`]): its report line ([`report`](crate::report)) and the counts the
//! progress display reads ([`progress`]). Nothing holds more than a bounded number of
//! rows, so memory does not grow with the input. [`resume`] skips rows an earlier report
//! records as deleted, and [`control`] stops the run cleanly on Ctrl-C or a refused key;
//! [`summary`] tells how it ended.

pub mod control;
pub mod input;
pub mod outcome;
pub mod progress;
pub mod queue;
pub mod recorder;
pub mod resume;
pub mod run;
pub mod send;
pub mod summary;
