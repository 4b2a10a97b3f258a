//! Counters and latency histograms.
//!
//! [`AtomicHistogram`] is what the load tasks record into: one bucket `fetch_add` plus a
//! few counter updates per sample, no lock and no allocation, so any number of tasks can
//! share it. Buckets are log-linear (like HdrHistogram): values below 256 µs are exact,
//! larger ones fall into one of 128 buckets per power of two, so a reported value is at
//! most 1/128 (0.8 %) above the true one. The reporter drains it once a second into a
//! plain [`Histogram`], which answers percentiles.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use parking_lot::Mutex;

/// Values below `EXACT` get a bucket each.
const EXACT_BITS: u32 = 8;
const EXACT: u64 = 1 << EXACT_BITS;
/// Buckets per power of two above `EXACT`.
const PER_OCTAVE: u64 = EXACT / 2;
/// Buckets for the whole `u64` range.
pub const BUCKETS: usize = (EXACT + (64 - EXACT_BITS as u64) * PER_OCTAVE) as usize;

/// The bucket of `v`.
pub fn bucket_of(v: u64) -> usize {
    if v < EXACT {
        return v as usize;
    }
    let exp = 63 - v.leading_zeros(); // ≥ EXACT_BITS
    let shift = exp + 1 - EXACT_BITS; // v >> shift is in [PER_OCTAVE, EXACT)
    let sub = (v >> shift) - PER_OCTAVE;
    (EXACT + u64::from(exp - EXACT_BITS) * PER_OCTAVE + sub) as usize
}

/// The largest value that falls into bucket `i`.
pub fn bucket_high(i: usize) -> u64 {
    let i = i as u64;
    if i < EXACT {
        return i;
    }
    let k = i - EXACT;
    let exp = k / PER_OCTAVE + u64::from(EXACT_BITS);
    let sub = k % PER_OCTAVE + PER_OCTAVE;
    let shift = exp + 1 - u64::from(EXACT_BITS);
    let high = (u128::from(sub) + 1) << shift;
    u64::try_from(high - 1).unwrap_or(u64::MAX)
}

/// A histogram many tasks record into at once (microseconds, or any `u64`).
pub struct AtomicHistogram {
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
    max: AtomicU64,
}

impl Default for AtomicHistogram {
    fn default() -> Self {
        AtomicHistogram {
            counts: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
            max: AtomicU64::new(0),
        }
    }
}

impl AtomicHistogram {
    /// Records one value: O(1), lock-free.
    pub fn record(&self, v: u64) {
        if let Some(c) = self.counts.get(bucket_of(v)) {
            c.fetch_add(1, Relaxed);
        }
        self.sum.fetch_add(v, Relaxed);
        self.max.fetch_max(v, Relaxed);
    }

    /// Records a duration in microseconds.
    pub fn record_duration(&self, d: Duration) {
        self.record(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    }
}

/// A plain histogram: what one interval or the whole run recorded.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    count: u64,
    sum: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; BUCKETS],
            count: 0,
            sum: 0,
            max: 0,
        }
    }
}

impl Histogram {
    /// Empties it, keeping its memory.
    pub fn clear(&mut self) {
        self.counts.iter_mut().for_each(|c| *c = 0);
        self.count = 0;
        self.sum = 0;
        self.max = 0;
    }

    /// Records one value (tests, and single-owner use).
    #[cfg(test)]
    pub fn record(&mut self, v: u64) {
        if let Some(c) = self.counts.get_mut(bucket_of(v)) {
            *c += 1;
        }
        self.count += 1;
        self.sum = self.sum.saturating_add(v);
        self.max = self.max.max(v);
    }

    /// Moves everything `from` holds into this histogram (which is cleared first), leaving
    /// `from` empty. Samples recorded meanwhile land in this drain or the next one.
    pub fn drain(&mut self, from: &AtomicHistogram) {
        self.clear();
        for (mine, theirs) in self.counts.iter_mut().zip(from.counts.iter()) {
            if theirs.load(Relaxed) != 0 {
                *mine = theirs.swap(0, Relaxed);
                self.count += *mine;
            }
        }
        self.sum = from.sum.swap(0, Relaxed);
        self.max = from.max.swap(0, Relaxed);
    }

    /// Adds `other` to this histogram.
    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += *theirs;
        }
        self.count += other.count;
        self.sum = self.sum.saturating_add(other.sum);
        self.max = self.max.max(other.max);
    }

    /// Number of samples.
    #[cfg(test)]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Largest sample (exact).
    #[cfg(test)]
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Mean of the samples (exact), 0 when empty.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// The value at quantile `q` (0..=1): the highest value of the bucket holding the
    /// `ceil(q·count)`-th sample, capped at the exact maximum; 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return bucket_high(i).min(self.max);
            }
        }
        self.max
    }

    /// Summary in milliseconds (values are µs).
    pub fn summary_ms(&self) -> LatencyMs {
        let ms = |us: u64| us as f64 / 1000.0;
        LatencyMs {
            avg: self.mean() / 1000.0,
            p50: ms(self.quantile(0.50)),
            p99: ms(self.quantile(0.99)),
            p999: ms(self.quantile(0.999)),
            max: ms(self.max),
        }
    }
}

/// Latency figures in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LatencyMs {
    pub avg: f64,
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// What one side (producer or consumer) has done so far. Shared by its tasks and the
/// reporter.
#[derive(Default)]
pub struct Side {
    /// Messages sent (acknowledged) or received.
    pub ok: AtomicU64,
    /// Messages whose send failed, or failed pulls.
    pub failed: AtomicU64,
    /// Latency samples (µs) since the reporter last drained them.
    pub latency: AtomicHistogram,
    /// The first error, for the summary.
    first_error: Mutex<Option<String>>,
}

impl Side {
    /// Counts `n` failures and keeps the first error's text; returns whether it was the
    /// first.
    pub fn fail(&self, n: u64, error: &dyn std::fmt::Display) -> bool {
        self.failed.fetch_add(n, Relaxed);
        let mut first = self.first_error.lock();
        if first.is_none() {
            *first = Some(one_line(&error.to_string()));
            true
        } else {
            false
        }
    }

    /// The first error, if any.
    pub fn first_error(&self) -> Option<String> {
        self.first_error.lock().clone()
    }
}

/// `s` with every run of whitespace (newlines included) folded into one space.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_tight() {
        let mut prev = 0;
        for i in 0..BUCKETS {
            let high = bucket_high(i);
            assert_eq!(bucket_of(high), i, "high of bucket {i}");
            if i > 0 {
                assert!(high > prev, "bucket {i}: {high} <= {prev}");
                assert_eq!(bucket_of(prev + 1), i, "low of bucket {i}");
            }
            prev = high;
        }
        assert_eq!(bucket_high(BUCKETS - 1), u64::MAX);
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
        for v in [0, 1, 255, 256, 257, 1000, 123_456, 9_999_999, 1 << 40] {
            let high = bucket_high(bucket_of(v));
            assert!(high >= v);
            assert!((high - v) as f64 <= v as f64 / 128.0, "{v} → {high}");
        }
    }

    #[test]
    fn quantiles_mean_and_max() {
        let mut h = Histogram::default();
        assert_eq!(h.quantile(0.99), 0);
        for v in 1..=1000u64 {
            h.record(v);
        }
        assert_eq!(h.count(), 1000);
        assert_eq!(h.max(), 1000);
        assert!((h.mean() - 500.5).abs() < 1e-9);
        let p50 = h.quantile(0.5);
        assert!((500..=504).contains(&p50), "{p50}");
        let p99 = h.quantile(0.99);
        assert!((990..=998).contains(&p99), "{p99}");
        assert_eq!(h.quantile(1.0), 1000);
        assert_eq!(h.quantile(0.0), 1);
    }

    #[test]
    fn drain_moves_and_merge_adds() {
        let a = AtomicHistogram::default();
        for v in [10, 20, 30_000] {
            a.record(v);
        }
        for _ in 0..3 {
            a.record(5);
        }
        let mut interval = Histogram::default();
        interval.drain(&a);
        assert_eq!(interval.count(), 6);
        assert_eq!(interval.max(), 30_000);
        assert!((interval.mean() - (30_045.0 / 6.0)).abs() < 1e-9);
        let mut total = Histogram::default();
        total.merge(&interval);
        interval.drain(&a);
        assert_eq!(interval.count(), 0);
        a.record(40);
        interval.drain(&a);
        total.merge(&interval);
        assert_eq!(total.count(), 7);
        assert_eq!(total.quantile(0.5), 10);
        let s = total.summary_ms();
        assert!((s.max - 30.0).abs() < 1e-9);
    }

    #[test]
    fn side_keeps_the_first_error_on_one_line() {
        let s = Side::default();
        assert!(s.fail(2, &"broker\n down"));
        assert!(!s.fail(1, &"later"));
        assert_eq!(s.failed.load(Relaxed), 3);
        assert_eq!(s.first_error().as_deref(), Some("broker down"));
    }
}
