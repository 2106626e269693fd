//! The fake's clock: what "now" is when the fake judges schedules.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The fake's "now" for everything about schedules: the system clock plus an offset that
/// can be changed while the server runs.
///
/// It decides what the list still shows (a schedule whose time has passed counts as sent),
/// which local times are already past, the latest Content Card expiry, and it stamps
/// [`StoredSchedule::created_at`](crate::StoredSchedule::created_at) and
/// [`RecordedRequest::received_at`](crate::RecordedRequest::received_at). A test that sets
/// the clock (or derives its fixture times from [`Clock::now`]) means the same thing
/// whatever day it runs on.
///
/// **Rate limits stay on the system clock.** Their windows, the `x-ratelimit-reset`
/// header and [`MockServer::rate_limit_counters`](crate::MockServer::rate_limit_counters)
/// follow [`SystemTime::now`], not this clock: a client paces itself against its own
/// clock, and a reset announced in the fake's moved time would make it wait for years
/// (or not at all). So with a moved clock, compare `received_at` with the clock, and
/// `x-ratelimit-reset` with the system clock.
///
/// The clock keeps running at the system clock's pace; only its offset is set. Clones
/// share the offset: hand one to [`Config::clock`](crate::Config::clock) and keep another
/// (or use [`MockServer::clock`](crate::MockServer::clock)) to move it while the server
/// runs. Reading it costs one atomic load besides the system clock. The offset is held in
/// nanoseconds and saturates at about 292 years either way.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use braze_mock::Clock;
///
/// let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000); // 2030-01-01
/// let clock = Clock::starting_at(start);
/// let shared = clock.clone();
/// shared.advance(Duration::from_secs(86_400));
/// let now = clock.now();
/// assert!(now >= start + Duration::from_secs(86_400));
/// assert!(now < start + Duration::from_secs(86_400 + 60));
/// ```
#[derive(Clone, Default)]
pub struct Clock {
    /// Nanoseconds added to the system clock.
    offset_nanos: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock as it is (an offset of zero): the default.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `now` at once and runs on from there.
    pub fn starting_at(now: SystemTime) -> Clock {
        let clock = Clock::system();
        clock.set(now);
        clock
    }

    /// What the fake takes for now.
    pub fn now(&self) -> SystemTime {
        self.reading(SystemTime::now())
    }

    /// Moves the clock forward by `by` (saturating).
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_nanos()).unwrap_or(i64::MAX);
        // The closure always returns `Some`, so the update cannot fail.
        let _ = self
            .offset_nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |offset| {
                Some(offset.saturating_add(by))
            });
    }

    /// Sets the clock so that it reads `now` at once, and runs on from there; earlier
    /// than it reads, too.
    pub fn set(&self, now: SystemTime) {
        let system = SystemTime::now();
        let offset = match now.duration_since(system) {
            Ok(ahead) => i64::try_from(ahead.as_nanos()).unwrap_or(i64::MAX),
            Err(behind) => i64::try_from(behind.duration().as_nanos())
                .map(|nanos| -nanos)
                .unwrap_or(i64::MIN),
        };
        self.offset_nanos.store(offset, Ordering::Release);
    }

    /// Nanoseconds added to the system clock (negative: behind it).
    pub(crate) fn offset_nanos(&self) -> i64 {
        self.offset_nanos.load(Ordering::Acquire)
    }

    /// Puts the offset back to a value [`Clock::offset_nanos`] read: the clock then reads
    /// what it read then, plus the time passed since.
    pub(crate) fn set_offset_nanos(&self, nanos: i64) {
        self.offset_nanos.store(nanos, Ordering::Release);
    }

    /// What the clock read when the system clock read `system`: the one reading of the
    /// system clock per request serves both the rate limiter and this clock.
    pub(crate) fn reading(&self, system: SystemTime) -> SystemTime {
        let nanos = self.offset_nanos();
        let magnitude = Duration::from_nanos(nanos.unsigned_abs());
        if nanos >= 0 {
            system.checked_add(magnitude)
        } else {
            system.checked_sub(magnitude)
        }
        // Unreachable for offsets within ±292 years of a real system clock.
        .unwrap_or(system)
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let now = self.now();
        let since_epoch = match now.duration_since(UNIX_EPOCH) {
            Ok(since) => format!("{}s after the epoch", since.as_secs()),
            Err(before) => format!("{}s before the epoch", before.duration().as_secs()),
        };
        f.debug_struct("Clock")
            .field("now", &since_epoch)
            .field("offset_secs", &(self.offset_nanos() / 1_000_000_000))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    /// `a` and `b` within a second of each other.
    fn close(a: SystemTime, b: SystemTime) -> bool {
        let gap = a.duration_since(b).unwrap_or_else(|e| e.duration());
        gap < Duration::from_secs(1)
    }

    #[test]
    fn the_system_clock_by_default() {
        let clock = Clock::system();
        assert_eq!(clock.offset_nanos(), 0);
        assert!(close(clock.now(), SystemTime::now()));
    }

    #[test]
    fn set_reads_that_instant_in_the_past_or_the_future() {
        let clock = Clock::system();
        let ahead = SystemTime::now() + 3650 * DAY;
        clock.set(ahead);
        assert!(close(clock.now(), ahead));
        assert!(clock.offset_nanos() > (3649 * DAY).as_nanos() as i64);
        let behind = UNIX_EPOCH + 1000 * DAY;
        clock.set(behind);
        assert!(close(clock.now(), behind));
        assert!(clock.offset_nanos() < 0);
    }

    #[test]
    fn clones_share_the_offset_and_advance_adds_to_it() {
        let clock = Clock::starting_at(UNIX_EPOCH + 20_000 * DAY);
        let other = clock.clone();
        other.advance(2 * DAY);
        assert!(close(clock.now(), UNIX_EPOCH + 20_002 * DAY));
        // Saturates rather than wrapping round into the past.
        other.advance(Duration::MAX);
        other.advance(Duration::MAX);
        assert_eq!(clock.offset_nanos(), i64::MAX);
    }

    #[test]
    fn the_reading_applies_the_offset_to_a_given_system_time() {
        let clock = Clock::system();
        clock.advance(DAY);
        let system = UNIX_EPOCH + 20_000 * DAY;
        assert_eq!(clock.reading(system), system + DAY);
    }
}
