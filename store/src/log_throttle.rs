//! Rate limiting for warnings that repeat while a condition lasts (a full disk fails
//! every append, every dispatch pass, every config save): the first occurrence is
//! logged, then at most one per interval, each saying how many were suppressed since
//! the last one. One [`Throttle`] per call site, usually a `static`, which
//! [`throttled!`](crate::throttled) declares:
//!
//! ```
//! let e = "No space left on device";
//! // At most one line per 10 s from this call site, with a `suppressed` count.
//! cometmq_store::throttled!(warn, error = %e, "creating a CommitLog file failed");
//! ```

use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Logs through a `tracing` level macro (`warn`, `error`, …) at most once per
/// [`DEFAULT_INTERVAL`] from this call site, adding a `suppressed` field with the
/// number of events left out since the last line.
#[macro_export]
macro_rules! throttled {
    ($level:ident, $($arg:tt)+) => {{
        static THROTTLE: $crate::log_throttle::Throttle =
            $crate::log_throttle::Throttle::new($crate::log_throttle::DEFAULT_INTERVAL);
        if let Some(suppressed) = THROTTLE.admit() {
            ::tracing::$level!(suppressed, $($arg)+);
        }
    }};
}

/// The interval the store's repeated warnings use.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);

/// Admits one event per interval and counts the rest.
#[derive(Debug)]
pub struct Throttle {
    interval: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    last: Option<Instant>,
    suppressed: u64,
}

impl Throttle {
    /// A throttle admitting one event per `interval`.
    pub const fn new(interval: Duration) -> Self {
        Throttle {
            interval,
            state: Mutex::new(State {
                last: None,
                suppressed: 0,
            }),
        }
    }

    /// `Some(n)` when this event should be logged, `n` being the events suppressed since
    /// the last one logged; `None` (and the event is counted) otherwise.
    pub fn admit(&self) -> Option<u64> {
        self.admit_at(Instant::now())
    }

    fn admit_at(&self, now: Instant) -> Option<u64> {
        let mut s = self.state.lock();
        let due = s
            .last
            .is_none_or(|last| now.saturating_duration_since(last) >= self.interval);
        if due {
            s.last = Some(now);
            Some(std::mem::take(&mut s.suppressed))
        } else {
            s.suppressed += 1;
            None
        }
    }

    /// Forgets the last event: the next one is logged at once (the condition ended, so
    /// its return is news).
    pub fn reset(&self) {
        let mut s = self.state.lock();
        s.last = None;
        s.suppressed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_interval_with_the_count_of_the_rest() {
        let t = Throttle::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(t.admit_at(t0), Some(0));
        for i in 1..=5 {
            assert_eq!(t.admit_at(t0 + Duration::from_secs(i)), None);
        }
        assert_eq!(t.admit_at(t0 + Duration::from_secs(10)), Some(5));
        assert_eq!(t.admit_at(t0 + Duration::from_secs(11)), None);
        t.reset();
        assert_eq!(t.admit_at(t0 + Duration::from_secs(12)), Some(0));
    }
}
