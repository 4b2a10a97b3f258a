//! [`Rates`]: throughput figures for the admin reads, from counters sampled by the
//! background task ([`super::run`]).
//!
//! - Every second: the broker's put and get totals (BROKER_PUT_NUMS, BROKER_GET_NUMS), kept
//!   for ten minutes, giving the `putTps` / `getTransferredTps` windows of 10 s, 60 s and
//!   600 s.
//! - Day boundaries (UTC) for `msgPutTotalTodayMorning` and friends.
//!
//! Concurrency: one `Mutex`, held only to push or read samples.

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Counter samples kept: ten minutes at one a second, plus one.
const COUNTER_SAMPLES: usize = 601;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Copy)]
struct CounterSample {
    at: Instant,
    put: u64,
    get: u64,
}

/// Message totals at day boundaries, as GET_BROKER_RUNTIME_INFO reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DailyTotals {
    /// Total at the start of yesterday (UTC).
    pub yesterday_morning: u64,
    /// Total at the start of today (UTC).
    pub today_morning: u64,
}

#[derive(Debug, Default)]
struct Inner {
    counters: VecDeque<CounterSample>,
    day: i64,
    put_days: DailyTotals,
    get_days: DailyTotals,
}

/// Sampled rates. Empty (all zero) until the sampler has run a while.
#[derive(Debug, Default)]
pub struct Rates {
    inner: Mutex<Inner>,
}

/// Per-second rate between two points.
fn rate(newer: i64, older: i64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 {
        return 0.0;
    }
    (newer - older).max(0) as f64 / secs
}

impl Rates {
    /// Records the counters now (`put`, `get` totals since start) at wall time `now_ms`.
    pub fn sample_counters(&self, at: Instant, now_ms: i64, put: u64, get: u64) {
        let mut s = self.inner.lock();
        let day = now_ms.div_euclid(DAY_MS);
        if s.day == 0 {
            s.day = day;
        } else if day != s.day {
            s.put_days = DailyTotals {
                yesterday_morning: s.put_days.today_morning,
                today_morning: put,
            };
            s.get_days = DailyTotals {
                yesterday_morning: s.get_days.today_morning,
                today_morning: get,
            };
            s.day = day;
        }
        s.counters.push_back(CounterSample { at, put, get });
        while s.counters.len() > COUNTER_SAMPLES {
            s.counters.pop_front();
        }
    }

    /// (put, get) messages per second over the last `window` (or as much as was sampled).
    pub fn counter_tps(&self, window: Duration) -> (f64, f64) {
        let s = self.inner.lock();
        let Some(last) = s.counters.back().copied() else {
            return (0.0, 0.0);
        };
        let first = s
            .counters
            .iter()
            .find(|c| last.at.duration_since(c.at) <= window)
            .copied()
            .unwrap_or(last);
        let elapsed = last.at.duration_since(first.at);
        (
            rate(last.put as i64, first.put as i64, elapsed),
            rate(last.get as i64, first.get as i64, elapsed),
        )
    }

    /// Java's "t10 t60 t600" strings for puts and gets.
    pub fn tps_strings(&self) -> (String, String) {
        let windows = [10, 60, 600].map(|s| self.counter_tps(Duration::from_secs(s)));
        let join = |f: fn(&(f64, f64)) -> f64| {
            windows
                .iter()
                .map(|w| java_double(f(w)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        (join(|w| w.0), join(|w| w.1))
    }

    /// Put and get totals at the last day boundaries.
    pub fn daily(&self) -> (DailyTotals, DailyTotals) {
        let s = self.inner.lock();
        (s.put_days, s.get_days)
    }
}

/// Java's `Double.toString` for the values we print: at least one decimal.
pub fn java_double(x: f64) -> String {
    if !x.is_finite() {
        return "0.0".to_string();
    }
    let rounded = (x * 100.0).round() / 100.0;
    let s = format!("{rounded}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_days() {
        let r = Rates::default();
        assert_eq!(r.counter_tps(Duration::from_secs(10)), (0.0, 0.0));
        let t0 = Instant::now();
        let day = 20_000 * DAY_MS;
        for i in 0..=20u64 {
            r.sample_counters(t0 + Duration::from_secs(i), day + 1000, i * 5, i * 2);
        }
        let (put, get) = r.counter_tps(Duration::from_secs(10));
        assert_eq!((put, get), (5.0, 2.0));
        let (puts, gets) = r.tps_strings();
        assert_eq!(puts, "5.0 5.0 5.0");
        assert_eq!(gets, "2.0 2.0 2.0");
        r.sample_counters(t0 + Duration::from_secs(21), day + DAY_MS, 200, 50);
        let (p, g) = r.daily();
        assert_eq!(p.today_morning, 200);
        assert_eq!(g.today_morning, 50);
        assert_eq!(p.yesterday_morning, 0);
    }

    #[test]
    fn java_doubles() {
        assert_eq!(java_double(1.0 / 3.0), "0.33");
        assert_eq!(java_double(f64::NAN), "0.0");
    }
}
