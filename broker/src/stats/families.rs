//! [`BrokerStats`]: the statistics families of Java's `BrokerStatsManager` (RocketMQ
//! 4.9.8), the one owner of the broker's message counters. VIEW_BROKER_STATS_DATA
//! (`mqadmin statsAll`), GET_BROKER_RUNTIME_INFO's totals and the Prometheus counters
//! ([`crate::metrics`]) all read these.
//!
//! | family | key | value, times |
//! | --- | --- | --- |
//! | TOPIC_PUT_NUMS | topic | messages stored by sends, 1 per request |
//! | TOPIC_PUT_SIZE | topic | bytes stored by sends, 1 per request |
//! | GROUP_GET_NUMS | topic@group | messages pulled, 1 per pull that found some |
//! | GROUP_GET_SIZE | topic@group | bytes pulled, 1 per pull that found some |
//! | SNDBCK_PUT_NUMS | topic@group | messages sent back for retry, 1 each |
//! | BROKER_PUT_NUMS | cluster name | messages stored (all writers) |
//! | BROKER_GET_NUMS | cluster name | messages pulled |
//!
//! Cost: a send or pull does one lookup in a sharded map (a read lock on one of 16
//! shards, no allocation once the key exists) and a few relaxed atomic adds per request,
//! never per message of a batch.

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;

use super::item::{StatsItem, StatsSnapshot, Window};

/// Java's family names.
pub const TOPIC_PUT_NUMS: &str = "TOPIC_PUT_NUMS";
/// See [`TOPIC_PUT_NUMS`].
pub const TOPIC_PUT_SIZE: &str = "TOPIC_PUT_SIZE";
/// See [`TOPIC_PUT_NUMS`].
pub const GROUP_GET_NUMS: &str = "GROUP_GET_NUMS";
/// See [`TOPIC_PUT_NUMS`].
pub const GROUP_GET_SIZE: &str = "GROUP_GET_SIZE";
/// See [`TOPIC_PUT_NUMS`].
pub const SNDBCK_PUT_NUMS: &str = "SNDBCK_PUT_NUMS";
/// See [`TOPIC_PUT_NUMS`].
pub const BROKER_PUT_NUMS: &str = "BROKER_PUT_NUMS";
/// See [`TOPIC_PUT_NUMS`].
pub const BROKER_GET_NUMS: &str = "BROKER_GET_NUMS";

/// Upper bounds (bytes) of the message size histogram: RocketMQ 5's buckets for
/// `rocketmq_message_size` (1 KiB, 4 KiB, 512 KiB, 1 MiB, 2 MiB, 4 MiB), then +Inf.
pub const SIZE_BUCKETS: [u64; 6] = [
    1024,
    4 * 1024,
    512 * 1024,
    1024 * 1024,
    2 * 1024 * 1024,
    4 * 1024 * 1024,
];

const SHARDS: usize = 16;

/// A string-keyed map split into shards, each behind its own `RwLock`: lookups of
/// existing keys take one shard's read lock and allocate nothing.
#[derive(Debug)]
pub struct Sharded<V> {
    shards: [RwLock<HashMap<Box<str>, Arc<V>>>; SHARDS],
}

impl<V> Default for Sharded<V> {
    fn default() -> Self {
        Sharded {
            shards: std::array::from_fn(|_| RwLock::new(HashMap::new())),
        }
    }
}

impl<V: Default> Sharded<V> {
    fn shard(&self, key: &str) -> &RwLock<HashMap<Box<str>, Arc<V>>> {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        &self.shards[(h.finish() as usize) % SHARDS]
    }

    /// Runs `f` on `key`'s entry, creating it first if needed.
    pub fn with<R>(&self, key: &str, f: impl FnOnce(&V) -> R) -> R {
        let shard = self.shard(key);
        {
            let map = shard.read();
            if let Some(v) = map.get(key) {
                return f(v);
            }
        }
        let v = {
            let mut map = shard.write();
            map.entry(key.into()).or_default().clone()
        };
        f(&v)
    }

    /// `key`'s entry, if it exists.
    pub fn get(&self, key: &str) -> Option<Arc<V>> {
        let map = self.shard(key).read();
        map.get(key).cloned()
    }

    /// Every entry (for the sampler and the scrape).
    pub fn entries(&self) -> Vec<(String, Arc<V>)> {
        let mut out = Vec::new();
        for shard in &self.shards {
            let map = shard.read();
            out.extend(map.iter().map(|(k, v)| (k.to_string(), v.clone())));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// What sends stored into one topic.
#[derive(Debug, Default)]
pub struct TopicStats {
    /// TOPIC_PUT_NUMS.
    pub put_nums: StatsItem,
    /// TOPIC_PUT_SIZE.
    pub put_size: StatsItem,
    /// Messages per [`SIZE_BUCKETS`] bucket (the last is +Inf); a batch counts each of
    /// its messages at the batch's average size.
    pub size_buckets: [AtomicU64; SIZE_BUCKETS.len() + 1],
}

/// What one group did with one topic (key `topic@group`).
#[derive(Debug, Default)]
pub struct GroupStats {
    /// GROUP_GET_NUMS.
    pub get_nums: StatsItem,
    /// GROUP_GET_SIZE.
    pub get_size: StatsItem,
    /// SNDBCK_PUT_NUMS.
    pub sndbck_put_nums: StatsItem,
    /// Messages moved to the group's dead-letter topic.
    pub dlq_nums: AtomicU64,
}

/// The families (see the module doc).
#[derive(Debug, Default)]
pub struct BrokerStats {
    /// Per topic.
    pub topics: Sharded<TopicStats>,
    /// Per `topic@group`.
    pub groups: Sharded<GroupStats>,
    /// BROKER_PUT_NUMS: every message stored (sends, retries, delay and transaction
    /// deliveries).
    pub broker_put: StatsItem,
    /// BROKER_GET_NUMS: every message pulled.
    pub broker_get: StatsItem,
    /// How held pulls ended (CometMQ's own; Java keeps no such count).
    pub held_pulls: super::held_pulls::HeldPulls,
}

thread_local! {
    /// The `topic@group` key, built without allocating once it has grown.
    static KEY: RefCell<String> = const { RefCell::new(String::new()) };
}

fn with_group_key<R>(topic: &str, group: &str, f: impl FnOnce(&str) -> R) -> R {
    KEY.with(|k| {
        let mut k = k.borrow_mut();
        k.clear();
        k.push_str(topic);
        k.push('@');
        k.push_str(group);
        f(&k)
    })
}

/// The bucket of an average message size.
fn size_bucket(avg: u64) -> usize {
    SIZE_BUCKETS
        .iter()
        .position(|b| avg <= *b)
        .unwrap_or(SIZE_BUCKETS.len())
}

impl BrokerStats {
    /// A send stored `msgs` messages of `bytes` bytes together into `topic`.
    pub fn on_send(&self, topic: &str, msgs: usize, bytes: usize) {
        let (msgs, bytes) = (msgs as u64, bytes as u64);
        self.topics.with(topic, |t| {
            t.put_nums.add(msgs, 1);
            t.put_size.add(bytes, 1);
            let bucket = size_bucket(bytes / msgs.max(1));
            t.size_buckets[bucket].fetch_add(msgs, Ordering::Relaxed);
        });
    }

    /// Counts stored messages (BROKER_PUT_NUMS; every writer).
    pub fn on_stored(&self, msgs: usize) {
        self.broker_put.add(msgs as u64, 0);
    }

    /// A pull by `group` returned `msgs` messages of `bytes` bytes from `topic`.
    pub fn on_pull(&self, topic: &str, group: &str, msgs: usize, bytes: usize) {
        with_group_key(topic, group, |key| {
            self.groups.with(key, |g| {
                g.get_nums.add(msgs as u64, 1);
                g.get_size.add(bytes as u64, 1);
            })
        });
        self.broker_get.add(msgs as u64, 0);
    }

    /// `group` sent a message of `topic` back: to retry, or to its DLQ when `to_dlq`.
    pub fn on_send_back(&self, topic: &str, group: &str, to_dlq: bool) {
        with_group_key(topic, group, |key| {
            self.groups.with(key, |g| {
                g.sndbck_put_nums.add(1, 1);
                if to_dlq {
                    g.dlq_nums.fetch_add(1, Ordering::Relaxed);
                }
            })
        });
    }

    /// Messages per second stored into `topic` over the last minute (Java's
    /// `tpsTopicPutNums`: GET_TOPIC_STATS_INFO's `topicPutTps`).
    pub fn topic_put_tps(&self, topic: &str) -> f64 {
        self.topics
            .get(topic)
            .map_or(0.0, |t| t.put_nums.snapshot(Window::Minute).tps)
    }

    /// Messages per second `group` pulled from `topic` over the last minute (Java's
    /// `tpsGroupGetNums`: the `consumeTps` of GET_CONSUME_STATS).
    pub fn group_get_tps(&self, topic: &str, group: &str) -> f64 {
        with_group_key(topic, group, |key| self.groups.get(key))
            .map_or(0.0, |g| g.get_nums.snapshot(Window::Minute).tps)
    }

    /// Samples every item into `window`.
    pub fn sample(&self, window: Window, now_ms: i64) {
        self.broker_put.sample(window, now_ms);
        self.broker_get.sample(window, now_ms);
        for (_, t) in self.topics.entries() {
            t.put_nums.sample(window, now_ms);
            t.put_size.sample(window, now_ms);
        }
        for (_, g) in self.groups.entries() {
            g.get_nums.sample(window, now_ms);
            g.get_size.sample(window, now_ms);
            g.sndbck_put_nums.sample(window, now_ms);
        }
    }

    /// The minute, hour and day windows of family `name`'s item `key` (Java's
    /// `BrokerStatsManager.getStatsItem`); `None` when there is no such item.
    /// `cluster` is the key of the BROKER_* families.
    pub fn view(&self, name: &str, key: &str, cluster: &str) -> Option<[StatsSnapshot; 3]> {
        let windows = |item: &StatsItem| {
            [Window::Minute, Window::Hour, Window::Day].map(|w| item.snapshot(w))
        };
        match name {
            TOPIC_PUT_NUMS => self.topics.get(key).map(|t| windows(&t.put_nums)),
            TOPIC_PUT_SIZE => self.topics.get(key).map(|t| windows(&t.put_size)),
            GROUP_GET_NUMS => self.groups.get(key).map(|g| windows(&g.get_nums)),
            GROUP_GET_SIZE => self.groups.get(key).map(|g| windows(&g.get_size)),
            SNDBCK_PUT_NUMS => self.groups.get(key).map(|g| windows(&g.sndbck_put_nums)),
            BROKER_PUT_NUMS if key == cluster => Some(windows(&self.broker_put)),
            BROKER_GET_NUMS if key == cluster => Some(windows(&self.broker_get)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_view() {
        let s = BrokerStats::default();
        s.on_send("T", 4, 4000);
        s.on_send("T", 1, 10_000);
        s.on_stored(5);
        s.on_pull("T", "G", 3, 300);
        s.on_send_back("T", "G", false);
        s.on_send_back("T", "G", true);
        assert!(s.view(TOPIC_PUT_NUMS, "T", "C").is_some());
        assert!(s.view(TOPIC_PUT_NUMS, "U", "C").is_none());
        assert!(s.view(BROKER_PUT_NUMS, "other", "C").is_none());
        s.sample(Window::Minute, 1_000_000);
        let [m, h, _] = s.view(TOPIC_PUT_NUMS, "T", "C").unwrap_or_default();
        assert_eq!((m.sum, m.times, h.sum), (5, 2, 0));
        let [m, _, _] = s.view(TOPIC_PUT_SIZE, "T", "C").unwrap_or_default();
        assert_eq!(m.sum, 14_000);
        let [m, _, _] = s.view(GROUP_GET_NUMS, "T@G", "C").unwrap_or_default();
        assert_eq!(m.sum, 3);
        let [m, _, _] = s.view(SNDBCK_PUT_NUMS, "T@G", "C").unwrap_or_default();
        assert_eq!(m.sum, 2);
        let [m, _, _] = s.view(BROKER_GET_NUMS, "C", "C").unwrap_or_default();
        assert_eq!(m.sum, 3);
        let t = s.topics.get("T").unwrap_or_default();
        let buckets: Vec<u64> = t
            .size_buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        assert_eq!(buckets, [4, 0, 1, 0, 0, 0, 0]);
        assert_eq!(
            s.groups
                .get("T@G")
                .map(|g| g.dlq_nums.load(Ordering::Relaxed)),
            Some(1)
        );
    }
}
