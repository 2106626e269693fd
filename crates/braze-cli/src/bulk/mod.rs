//! Bulk cancellation: `... schedule delete --from FILE`.
//!
//! A reader thread streams the input ([`input`]) into a bounded queue ([`queue`]); N
//! workers share one SDK client (so one rate-limit pacer) and send the deletes; each
//! finished row is recorded at once ([`recorder`]): its report line ([`report`]) and the
//! counts the progress display reads ([`progress`]). Nothing holds more than a bounded number of rows, so
//! memory does not grow with the input. [`resume`] skips rows an earlier report records
//! as deleted, and [`control`] stops the run cleanly on Ctrl-C or a refused key.

pub mod control;
pub mod input;
pub mod progress;
pub mod queue;
pub mod recorder;
pub mod report;
pub mod resume;
pub mod run;

/// Whose schedules a run deletes: it decides the id column and the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `campaign_id` rows, `POST /campaigns/trigger/schedule/delete`.
    Campaign,
    /// `canvas_id` rows, `POST /canvas/trigger/schedule/delete`.
    Canvas,
}

impl Kind {
    /// The id column (CSV) or key (JSON Lines, reports).
    pub fn owner_field(self) -> &'static str {
        match self {
            Self::Campaign => "campaign_id",
            Self::Canvas => "canvas_id",
        }
    }

    /// The word for it in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Campaign => "campaign",
            Self::Canvas => "Canvas",
        }
    }

    /// The other kind.
    pub fn other(self) -> Self {
        match self {
            Self::Campaign => Self::Canvas,
            Self::Canvas => Self::Campaign,
        }
    }
}
