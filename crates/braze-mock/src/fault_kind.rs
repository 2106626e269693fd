//! The kinds of fault and when they strike: plain names, below both the faults that use
//! them and the choices that say when each strikes ([`crate::choices::fault_stage`]).

use std::fmt;

/// The kinds of [`Fault`](crate::Fault), for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FaultKind {
    /// [`crate::Fault::Status`]
    Status,
    /// [`crate::Fault::Html`]
    Html,
    /// [`crate::Fault::Delay`]
    Delay,
    /// [`crate::Fault::Close`]
    Close,
    /// [`crate::Fault::Reset`]
    Reset,
    /// [`crate::Fault::Truncated`]
    Truncated,
    /// [`crate::Fault::Malformed`]
    Malformed,
    /// [`crate::Fault::Hang`]
    Hang,
}

impl FaultKind {
    /// Every kind.
    pub const ALL: [FaultKind; 8] = [
        FaultKind::Status,
        FaultKind::Html,
        FaultKind::Delay,
        FaultKind::Close,
        FaultKind::Reset,
        FaultKind::Truncated,
        FaultKind::Malformed,
        FaultKind::Hang,
    ];

    /// A lowercase name, e.g. `reset`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FaultKind::Status => "status",
            FaultKind::Html => "html",
            FaultKind::Delay => "delay",
            FaultKind::Close => "close",
            FaultKind::Reset => "reset",
            FaultKind::Truncated => "truncated",
            FaultKind::Malformed => "malformed",
            FaultKind::Hang => "hang",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a fault strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultStage {
    /// Instead of processing the request: the state does not change.
    BeforeProcessing,
    /// After the request was processed: the state changed, the answer is corrupted.
    AfterProcessing,
}
