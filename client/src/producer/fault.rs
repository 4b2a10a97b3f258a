//! Latency fault tolerance (reference §11.3, Java `MQFaultStrategy` and
//! `LatencyFaultToleranceImpl`): after each send the producer records the broker's latency;
//! slow or failing brokers are isolated for a while, and queue selection steers away from
//! them.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::clock::{Clock, SystemClock};
use crate::message::MessageQueue;
use crate::producer::TopicPublishInfo;

/// Maps a send latency to an isolation time: the first `latency_max[i] <= latency`, scanning
/// from the top, isolates the broker for `not_available_ms[i]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyTable {
    /// Latency thresholds, ms, ascending.
    pub latency_max: Vec<u64>,
    /// Isolation time for each threshold, ms.
    pub not_available_ms: Vec<u64>,
    /// The latency a failure counts as (an isolating failure).
    pub failure_latency_ms: u64,
}

impl LatencyTable {
    /// RocketMQ 5.x: `[50,100,550,1800,3000,5000,15000]` → `[0,0,2000,5000,6000,10000,30000]`,
    /// failures count as 10 s.
    pub fn v5() -> Self {
        LatencyTable {
            latency_max: vec![50, 100, 550, 1800, 3000, 5000, 15000],
            not_available_ms: vec![0, 0, 2000, 5000, 6000, 10000, 30000],
            failure_latency_ms: 10_000,
        }
    }

    /// RocketMQ 4.9: `[50,100,550,1000,2000,3000,15000]` →
    /// `[0,0,30000,60000,120000,180000,600000]`, failures count as 30 s.
    pub fn v4_9() -> Self {
        LatencyTable {
            latency_max: vec![50, 100, 550, 1000, 2000, 3000, 15000],
            not_available_ms: vec![0, 0, 30000, 60000, 120000, 180000, 600000],
            failure_latency_ms: 30_000,
        }
    }

    /// How long a broker answering in `latency_ms` is isolated.
    pub fn isolation_ms(&self, latency_ms: u64) -> u64 {
        self.latency_max
            .iter()
            .zip(&self.not_available_ms)
            .rev()
            .find(|(max, _)| latency_ms >= **max)
            .map_or(0, |(_, d)| *d)
    }
}

impl Default for LatencyTable {
    fn default() -> Self {
        Self::v5()
    }
}

/// What is known about one broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultItem {
    /// The latest send latency, ms.
    pub latency_ms: u64,
    /// The broker is isolated until this time (ms since the epoch).
    pub available_at_ms: i64,
    /// Whether the last send reached the broker at all.
    pub reachable: bool,
}

/// Per-broker latency bookkeeping and the producer's default queue selection.
///
/// When disabled (Java's default, `sendLatencyFaultEnable=false`) nothing is recorded and
/// selection is round-robin, avoiding the broker that just failed. When enabled, selection
/// prefers queues of brokers that are available (not isolated), then reachable, then any.
///
/// ```
/// use std::sync::Arc;
/// use cometmq_client::clock::ManualClock;
/// use cometmq_client::producer::{LatencyFaultTolerance, LatencyTable};
/// let clock = Arc::new(ManualClock::new(0));
/// let f = LatencyFaultTolerance::new(true, LatencyTable::v5()).with_clock(clock.clone());
/// f.update("broker-a", 600, false, true); // 600 ms ≥ 550 → isolated 2 s
/// assert!(!f.is_available("broker-a"));
/// clock.advance(2_000);
/// assert!(f.is_available("broker-a"));
/// ```
pub struct LatencyFaultTolerance {
    enabled: bool,
    table: LatencyTable,
    clock: Arc<dyn Clock>,
    items: Mutex<HashMap<String, FaultItem>>,
}

impl std::fmt::Debug for LatencyFaultTolerance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LatencyFaultTolerance")
            .field("enabled", &self.enabled)
            .field("table", &self.table)
            .field("items", &*self.items.lock())
            .finish()
    }
}

impl LatencyFaultTolerance {
    /// Bookkeeping with `table`, recording only if `enabled`.
    pub fn new(enabled: bool, table: LatencyTable) -> Self {
        LatencyFaultTolerance {
            enabled,
            table,
            clock: Arc::new(SystemClock),
            items: Mutex::new(HashMap::new()),
        }
    }

    /// Uses `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whether latencies are recorded and used for selection.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Records a send to `broker_name` that took `latency_ms`. `isolation` means it failed
    /// in a way that should isolate the broker (counted as the table's failure latency);
    /// `reachable` whether the broker answered at all. Does nothing when disabled.
    pub fn update(&self, broker_name: &str, latency_ms: u64, isolation: bool, reachable: bool) {
        if !self.enabled {
            return;
        }
        let effective = if isolation {
            self.table.failure_latency_ms
        } else {
            latency_ms
        };
        let duration = i64::try_from(self.table.isolation_ms(effective)).unwrap_or(i64::MAX);
        let now = self.clock.now_ms();
        let mut items = self.items.lock();
        let item = items.entry(broker_name.to_owned()).or_insert(FaultItem {
            latency_ms,
            available_at_ms: 0,
            reachable,
        });
        item.latency_ms = latency_ms;
        item.reachable = reachable;
        if duration > 0 && now.saturating_add(duration) > item.available_at_ms {
            item.available_at_ms = now.saturating_add(duration);
            tracing::info!(broker_name, duration, "broker isolated");
        }
        if !reachable {
            tracing::info!(broker_name, "broker unreachable");
        }
    }

    /// Whether `broker_name` is not isolated (unknown brokers are available).
    pub fn is_available(&self, broker_name: &str) -> bool {
        let now = self.clock.now_ms();
        !matches!(self.items.lock().get(broker_name), Some(i) if now < i.available_at_ms)
    }

    /// Whether the last send reached `broker_name` (unknown brokers are reachable).
    pub fn is_reachable(&self, broker_name: &str) -> bool {
        !matches!(self.items.lock().get(broker_name), Some(i) if !i.reachable)
    }

    /// What is recorded about `broker_name`.
    pub fn item(&self, broker_name: &str) -> Option<FaultItem> {
        self.items.lock().get(broker_name).copied()
    }

    /// Forgets `broker_name` (e.g. it left the route).
    pub fn remove(&self, broker_name: &str) {
        self.items.lock().remove(broker_name);
    }

    /// Picks the queue for the next send attempt (Java `selectOneMessageQueue`).
    ///
    /// `last_broker` is the broker of the previous failed attempt, avoided if possible;
    /// `reset_cursor` moves the round-robin cursor randomly first (done on retries).
    pub fn select(
        &self,
        info: &TopicPublishInfo,
        last_broker: Option<&str>,
        reset_cursor: bool,
    ) -> Option<MessageQueue> {
        let not_last = |q: &MessageQueue| last_broker != Some(q.broker_name.as_str());
        if self.enabled {
            if reset_cursor {
                info.reset_cursor();
            }
            if let Some(q) = info.select_where(|q| not_last(q) && self.is_available(&q.broker_name))
            {
                return Some(q);
            }
            if let Some(q) = info.select_where(|q| not_last(q) && self.is_reachable(&q.broker_name))
            {
                return Some(q);
            }
            return info.select_any();
        }
        info.select_where(not_last).or_else(|| info.select_any())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn setup(enabled: bool) -> (Arc<ManualClock>, LatencyFaultTolerance) {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let f = LatencyFaultTolerance::new(enabled, LatencyTable::v5()).with_clock(clock.clone());
        (clock, f)
    }

    fn info() -> TopicPublishInfo {
        let qs = ["a", "b", "c"]
            .iter()
            .flat_map(|b| (0..2).map(move |i| MessageQueue::new("T", *b, i)))
            .collect();
        TopicPublishInfo::new(qs, false)
    }

    #[test]
    fn v5_table() {
        let t = LatencyTable::v5();
        let cases = [
            (0, 0),
            (49, 0),
            (100, 0),
            (549, 0),
            (550, 2000),
            (1800, 5000),
            (2999, 5000),
            (3000, 6000),
            (5000, 10000),
            (10_000, 10000),
            (15_000, 30000),
            (u64::MAX, 30000),
        ];
        for (latency, iso) in cases {
            assert_eq!(t.isolation_ms(latency), iso, "latency {latency}");
        }
        assert_eq!(t.isolation_ms(t.failure_latency_ms), 10_000);
    }

    #[test]
    fn v4_9_table() {
        let t = LatencyTable::v4_9();
        assert_eq!(t.isolation_ms(550), 30_000);
        assert_eq!(t.isolation_ms(1000), 60_000);
        assert_eq!(t.isolation_ms(t.failure_latency_ms), 600_000);
    }

    #[test]
    fn isolation_expires_and_only_extends() {
        let (clock, f) = setup(true);
        f.update("a", 3000, false, true); // 6 s
        assert!(!f.is_available("a"));
        assert!(f.is_reachable("a"));
        assert_eq!(f.item("a").unwrap().available_at_ms, 1_006_000);
        // A fast send does not cut the isolation short.
        f.update("a", 10, false, true);
        assert_eq!(f.item("a").unwrap().available_at_ms, 1_006_000);
        assert_eq!(f.item("a").unwrap().latency_ms, 10);
        clock.advance(5_999);
        assert!(!f.is_available("a"));
        clock.advance(1);
        assert!(f.is_available("a"));
        // A failure isolates for the failure latency's time and marks unreachable.
        f.update("a", 5, true, false);
        assert!(!f.is_available("a"));
        assert!(!f.is_reachable("a"));
        assert_eq!(
            f.item("a").unwrap().available_at_ms,
            clock.now_ms() + 10_000
        );
        f.remove("a");
        assert!(f.is_available("a") && f.is_reachable("a"));
        assert!(f.is_available("unknown") && f.is_reachable("unknown"));
    }

    #[test]
    fn disabled_records_nothing() {
        let (_, f) = setup(false);
        f.update("a", 60_000, true, false);
        assert!(f.is_available("a"));
        assert_eq!(f.item("a"), None);
        assert!(!f.is_enabled());
    }

    #[test]
    fn selection_avoids_last_broker_when_disabled() {
        let (_, f) = setup(false);
        let p = info();
        for _ in 0..20 {
            assert_ne!(f.select(&p, Some("b"), false).unwrap().broker_name, "b");
        }
        // Only one broker: it is used anyway.
        let single = TopicPublishInfo::new(vec![MessageQueue::new("T", "a", 0)], false);
        assert_eq!(f.select(&single, Some("a"), true).unwrap().broker_name, "a");
        assert_eq!(f.select(&TopicPublishInfo::default(), None, false), None);
    }

    #[test]
    fn selection_prefers_available_then_reachable_then_any() {
        let (clock, f) = setup(true);
        let p = info();
        f.update("a", 0, true, false); // isolated, unreachable
        f.update("b", 600, false, true); // isolated, reachable
        for _ in 0..20 {
            assert_eq!(f.select(&p, None, false).unwrap().broker_name, "c");
        }
        // c just failed: b is isolated but reachable, a is neither.
        for _ in 0..20 {
            assert_eq!(f.select(&p, Some("c"), true).unwrap().broker_name, "b");
        }
        // Everything isolated and unreachable: still a queue.
        f.update("b", 0, true, false);
        f.update("c", 0, true, false);
        assert!(f.select(&p, Some("c"), false).is_some());
        // Isolation over: available again.
        clock.advance(10_000);
        let picks: std::collections::HashSet<String> = (0..30)
            .filter_map(|_| f.select(&p, None, false))
            .map(|q| q.broker_name)
            .collect();
        assert_eq!(picks.len(), 3);
        assert!(format!("{f:?}").contains("LatencyFaultTolerance"));
    }
}
