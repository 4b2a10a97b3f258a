//! The one clock: milliseconds since the Unix epoch as Java's `System.currentTimeMillis()`
//! gives them (`i64`, the type of every timestamp on the wire and on disk), and the
//! [`Clock`] trait through which time-dependent bookkeeping (retention hours, latency
//! fault isolation) reads it, so tests can move time by hand.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, plus the hour of the day (`deleteWhen`).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, ms since the epoch.
    fn now_ms(&self) -> i64;
    /// Hour of the day (0–23) at `now_ms`. The default uses UTC.
    fn hour_of_day(&self, now_ms: i64) -> u32 {
        (now_ms.rem_euclid(86_400_000) / 3_600_000) as u32
    }
}

/// The system clock (UTC hours).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        now_ms()
    }
}

/// The current system time in ms since the epoch (0 if the clock is before 1970).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A clock that moves only when told to; for tests.
///
/// ```
/// use cometmq_remoting::clock::{Clock, ManualClock};
/// let c = ManualClock::new(1_000);
/// c.advance(500);
/// assert_eq!(c.now_ms(), 1_500);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock showing `start_ms`.
    pub fn new(start_ms: i64) -> Self {
        ManualClock(AtomicI64::new(start_ms))
    }

    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::Relaxed);
    }

    /// Sets the clock to `ms`.
    pub fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::Relaxed);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks() {
        assert!(SystemClock.now_ms() > 1_600_000_000_000);
        let c = ManualClock::new(5);
        c.set(10);
        c.advance(1);
        assert_eq!(c.now_ms(), 11);
        assert_eq!(c.hour_of_day(3 * 3_600_000 + 5), 3);
    }
}
