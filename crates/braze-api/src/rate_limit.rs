//! Braze's rate-limit figures, and the pacer that keeps a client inside them.
//!
//! Braze sends `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` (UTC
//! epoch seconds) on every response. Header names are matched case-insensitively (the
//! `http` crate stores them lowercased). Limits reset on fixed windows (Braze: on the
//! clock hour), so when `remaining` reaches zero the next request can only succeed after
//! `reset`.
//!
//! A file per job: the answers' figures and what a 429 asks (`figures.rs`), which limit a
//! request draws from and Braze's documented numbers (`class.rs`), the [`Pacer`]
//! (`pacer.rs`), and the times shown to people (`time_text.rs`).

mod class;
mod figures;
mod pacer;
mod time_text;

#[cfg(test)]
pub(crate) use class::BODIES_READ;
pub use class::{AUDIENCE_LIMIT, BROADCAST_LIMIT, Ceiling, ClassLimits, LimitClass};
pub(crate) use figures::RESET_MARGIN;
pub use figures::{RateLimit, retry_after};
pub use pacer::Pacer;
pub use time_text::{utc_text, wait_text};
