//! Per-topic consumption statistics for GET_CONSUMER_RUNNING_INFO (Java
//! `ConsumerStatsManager`, simplified: rates are averaged since the previous report).

use std::collections::{BTreeMap, HashMap};

use cometmq_remoting::body::client::ConsumeStatus;
use parking_lot::Mutex;

use crate::clock::now_ms;

#[derive(Debug, Default, Clone)]
struct Counters {
    pulled: u64,
    pull_rt_ms: u64,
    pulls: u64,
    ok: u64,
    failed: u64,
    consume_rt_ms: u64,
    consumes: u64,
    failed_total: u64,
}

/// Counters per topic, reset at each report.
#[derive(Debug)]
pub(crate) struct Stats {
    inner: Mutex<(i64, HashMap<String, Counters>)>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            inner: Mutex::new((now_ms(), HashMap::new())),
        }
    }
}

impl Stats {
    /// Updates `topic`'s counters; allocates only for a topic not seen before.
    fn with(&self, topic: &str, f: impl FnOnce(&mut Counters)) {
        let mut g = self.inner.lock();
        match g.1.get_mut(topic) {
            Some(c) => f(c),
            None => f(g.1.entry(topic.to_owned()).or_default()),
        }
    }

    /// A pull of `topic` returned `n` messages after `rt_ms`.
    pub fn pulled(&self, topic: &str, n: usize, rt_ms: u64) {
        self.with(topic, |c| {
            c.pulled += n as u64;
            c.pull_rt_ms += rt_ms;
            c.pulls += 1;
        });
    }

    /// A listener call on `topic` consumed `ok` and failed `failed` messages in `rt_ms`.
    pub fn consumed(&self, topic: &str, ok: usize, failed: usize, rt_ms: u64) {
        self.consumed_calls(topic, ok, failed, rt_ms, 1);
    }

    /// `calls` listener calls on `topic` consumed `ok` and failed `failed` messages in
    /// `rt_ms` together.
    pub fn consumed_calls(&self, topic: &str, ok: usize, failed: usize, rt_ms: u64, calls: u64) {
        self.with(topic, |c| {
            c.ok += ok as u64;
            c.failed += failed as u64;
            c.failed_total += failed as u64;
            c.consume_rt_ms += rt_ms;
            c.consumes += calls;
        });
    }

    /// The rates since the previous report, per topic; starts a new period.
    pub fn report(&self) -> BTreeMap<String, ConsumeStatus> {
        let mut g = self.inner.lock();
        let now = now_ms();
        let secs = (now.saturating_sub(g.0) as f64 / 1000.0).max(0.001);
        g.0 = now;
        let mean = |total: u64, n: u64| if n == 0 { 0.0 } else { total as f64 / n as f64 };
        let out =
            g.1.iter()
                .map(|(t, c)| {
                    let s = ConsumeStatus {
                        consume_failed_msgs: i64::try_from(c.failed_total).unwrap_or(i64::MAX),
                        consume_failed_tps: c.failed as f64 / secs,
                        consume_ok_tps: c.ok as f64 / secs,
                        consume_rt: mean(c.consume_rt_ms, c.consumes),
                        pull_rt: mean(c.pull_rt_ms, c.pulls),
                        pull_tps: c.pulled as f64 / secs,
                    };
                    (t.clone(), s)
                })
                .collect();
        for c in g.1.values_mut() {
            *c = Counters {
                failed_total: c.failed_total,
                ..Counters::default()
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_and_resets() {
        let s = Stats::default();
        s.pulled("T", 32, 4);
        s.consumed("T", 3, 1, 10);
        s.consumed("T", 1, 0, 20);
        let r = s.report();
        let t = &r["T"];
        assert_eq!(t.consume_failed_msgs, 1);
        assert_eq!(t.consume_rt, 15.0);
        assert_eq!(t.pull_rt, 4.0);
        assert!(t.consume_ok_tps > 0.0);
        let r = s.report();
        assert_eq!(r["T"].consume_ok_tps, 0.0);
        assert_eq!(r["T"].consume_failed_msgs, 1);
    }
}
