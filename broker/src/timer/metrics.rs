//! Pending timers per real topic (Java `TimerMetrics`): +1 when a timer is enqueued,
//! −1 when it is delivered. Saved as `config/timermetrics` with each checkpoint and
//! returned by GET_TIMER_METRICS, both as Java's `TimerMetricsSerializeWrapper`
//! ([`cometmq_remoting::body::TimerMetricsSerializeWrapper`]).

use std::sync::Arc;

pub use cometmq_remoting::body::{TimerMetric as Metric, TimerMetricsSerializeWrapper};
use cometmq_remoting::clock::now_ms;
use parking_lot::Mutex;

use crate::config_file::ConfigFile;

/// The counts, behind one lock held for map work only.
#[derive(Debug)]
pub struct TimerMetrics {
    table: Mutex<TimerMetricsSerializeWrapper>,
    file: Arc<ConfigFile>,
}

impl TimerMetrics {
    /// Loads `<root>/config/timermetrics`; empty when absent or unreadable.
    pub fn load(root: &std::path::Path) -> TimerMetrics {
        let file = ConfigFile::in_store(root, "timermetrics");
        let table = file.load_json().ok().flatten().unwrap_or_default();
        TimerMetrics {
            table: Mutex::new(table),
            file,
        }
    }

    /// Adds `delta` to `topic`'s count.
    pub fn add(&self, topic: &str, delta: i64) {
        let mut t = self.table.lock();
        let now = now_ms();
        match t.timing_count.get_mut(topic) {
            Some(m) => {
                m.count += delta;
                m.time_stamp = now;
            }
            None => {
                t.timing_count.insert(
                    topic.to_string(),
                    Metric {
                        count: delta,
                        time_stamp: now,
                    },
                );
            }
        }
    }

    /// A snapshot.
    pub fn snapshot(&self) -> TimerMetricsSerializeWrapper {
        self.table.lock().clone()
    }

    /// The JSON text (fastjson's standard form).
    pub fn encode(&self) -> String {
        use cometmq_remoting::body::{fastjson, JsonStyle};
        fastjson::to_string(&self.snapshot(), JsonStyle::Standard)
            .unwrap_or_else(|_| r#"{"timingCount":{}}"#.to_string())
    }

    /// Writes `config/timermetrics` (blocking).
    pub fn save(&self) -> std::io::Result<()> {
        self.table.lock().data_version.bump(now_ms());
        self.file.save_blocking(|| Ok(self.encode().into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_persists() {
        let dir = tempfile::tempdir().unwrap();
        let m = TimerMetrics::load(dir.path());
        m.add("A", 1);
        m.add("A", 1);
        m.add("B", 1);
        m.add("A", -1);
        m.save().unwrap();
        let again = TimerMetrics::load(dir.path());
        let snap = again.snapshot();
        assert_eq!(snap.timing_count["A"].count, 1);
        assert_eq!(snap.timing_count["B"].count, 1);
        assert!(
            m.encode().contains(r#""timingCount":{"A":{"count":1"#),
            "{}",
            m.encode()
        );
    }
}
