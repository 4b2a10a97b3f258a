//! [`StatsItem`]: one counter pair (value, times) with the minute, hour and day windows of
//! Java's `StatsItem` (RocketMQ 4.9.8, `org.apache.rocketmq.common.stats`).
//!
//! The hot path only adds to two atomics ([`StatsItem::add`]). The sampler
//! ([`crate::stats::run`]) takes a snapshot every 10 s into the minute window (7 kept: one
//! minute), every 10 min into the hour window (7 kept) and every hour into the day window
//! (25 kept). The first sample of a window is preceded by a zero sample one period earlier,
//! as in Java, so a new item shows its whole count at its first sample.

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

/// One of the three windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Sampled every 10 s, 7 kept.
    Minute,
    /// Sampled every 10 min, 7 kept.
    Hour,
    /// Sampled every hour, 25 kept.
    Day,
}

impl Window {
    /// Sampling period in ms.
    pub const fn period_ms(self) -> i64 {
        match self {
            Window::Minute => 10_000,
            Window::Hour => 600_000,
            Window::Day => 3_600_000,
        }
    }

    const fn keep(self) -> usize {
        match self {
            Window::Minute | Window::Hour => 7,
            Window::Day => 25,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Copy)]
struct CallSnapshot {
    at_ms: i64,
    times: u64,
    value: u64,
}

/// What a window says (Java's `StatsSnapshot`): the value added across it, per second,
/// and per call.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StatsSnapshot {
    /// Value added between the window's first and last sample.
    pub sum: u64,
    /// `sum` per second.
    pub tps: f64,
    /// `sum` per call (`times`); 0 when there was no call.
    pub avgpt: f64,
    /// Calls between the first and last sample.
    pub times: u64,
}

/// A counter with sampled windows.
#[derive(Debug, Default)]
pub struct StatsItem {
    value: AtomicU64,
    times: AtomicU64,
    windows: Mutex<[VecDeque<CallSnapshot>; 3]>,
}

impl StatsItem {
    /// Adds `value` over `times` calls (the hot path: two relaxed atomic adds).
    pub fn add(&self, value: u64, times: u64) {
        self.value.fetch_add(value, Ordering::Relaxed);
        if times != 0 {
            self.times.fetch_add(times, Ordering::Relaxed);
        }
    }

    /// The value added since start.
    pub fn value(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }

    /// The calls counted since start.
    pub fn times(&self) -> u64 {
        self.times.load(Ordering::Relaxed)
    }

    /// Takes a sample into `window` at wall time `now_ms`.
    pub fn sample(&self, window: Window, now_ms: i64) {
        let snap = CallSnapshot {
            at_ms: now_ms,
            times: self.times(),
            value: self.value(),
        };
        let mut w = self.windows.lock();
        let list = &mut w[window.index()];
        if list.is_empty() {
            list.push_back(CallSnapshot {
                at_ms: now_ms - window.period_ms(),
                times: 0,
                value: 0,
            });
        }
        list.push_back(snap);
        while list.len() > window.keep() {
            list.pop_front();
        }
    }

    /// What `window` says now (all zero before its first sample).
    pub fn snapshot(&self, window: Window) -> StatsSnapshot {
        let w = self.windows.lock();
        let list = &w[window.index()];
        let (Some(first), Some(last)) = (list.front(), list.back()) else {
            return StatsSnapshot::default();
        };
        let sum = last.value.saturating_sub(first.value);
        let times = last.times.saturating_sub(first.times);
        let elapsed_ms = last.at_ms - first.at_ms;
        StatsSnapshot {
            sum,
            tps: if elapsed_ms > 0 {
                sum as f64 * 1000.0 / elapsed_ms as f64
            } else {
                0.0
            },
            avgpt: if times > 0 {
                sum as f64 / times as f64
            } else {
                0.0
            },
            times,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_like_java() {
        let item = StatsItem::default();
        assert_eq!(item.snapshot(Window::Minute), StatsSnapshot::default());
        item.add(30, 3);
        item.sample(Window::Minute, 100_000);
        // The zero sample one period earlier makes the first count visible at once.
        let s = item.snapshot(Window::Minute);
        assert_eq!((s.sum, s.times), (30, 3));
        assert_eq!(s.tps, 3.0);
        assert_eq!(s.avgpt, 10.0);
        // Seven samples are kept: after eight more, the first 30 has left the window.
        for i in 1..=8 {
            item.add(10, 1);
            item.sample(Window::Minute, 100_000 + i * 10_000);
        }
        let s = item.snapshot(Window::Minute);
        assert_eq!(s.sum, 60);
        assert_eq!(s.tps, 1.0);
        // The other windows are independent.
        assert_eq!(item.snapshot(Window::Hour).sum, 0);
        item.sample(Window::Day, 0);
        assert_eq!(item.snapshot(Window::Day).sum, 110);
    }
}
