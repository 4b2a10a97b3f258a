//! Queue locks for orderly consumption (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ, reference §11.4).
//!
//! Per group, each queue is held by one client id until it unlocks or 60 s pass without a
//! renewal (`rocketmq.broker.rebalance.lockMaxLiveTime`). One short-held mutex.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use cometmq_remoting::body::client::MessageQueue;
use parking_lot::Mutex;

/// How long a lock lives without renewal.
pub const LOCK_MAX_LIVE_TIME: Duration = Duration::from_secs(60);

struct Holder {
    client_id: String,
    last_update: Instant,
}

/// The lock table.
pub struct LockTable {
    groups: Mutex<HashMap<String, HashMap<MessageQueue, Holder>>>,
    max_live: Duration,
}

impl Default for LockTable {
    fn default() -> Self {
        Self::new(LOCK_MAX_LIVE_TIME)
    }
}

impl LockTable {
    /// A table whose locks expire after `max_live` without renewal.
    pub fn new(max_live: Duration) -> Self {
        LockTable {
            groups: Mutex::new(HashMap::new()),
            max_live,
        }
    }

    /// Locks what it can of `queues` for `client_id`: free queues, expired ones, and ones it
    /// already holds (renewed). Returns the queues the client now holds.
    pub fn try_lock(
        &self,
        group: &str,
        client_id: &str,
        queues: &BTreeSet<MessageQueue>,
    ) -> BTreeSet<MessageQueue> {
        let now = Instant::now();
        let mut groups = self.groups.lock();
        let table = groups.entry(group.to_string()).or_default();
        let mut locked = BTreeSet::new();
        for mq in queues {
            let free = match table.get(mq) {
                None => true,
                Some(h) => {
                    h.client_id == client_id || now.duration_since(h.last_update) > self.max_live
                }
            };
            if free {
                table.insert(
                    mq.clone(),
                    Holder {
                        client_id: client_id.to_string(),
                        last_update: now,
                    },
                );
                locked.insert(mq.clone());
            }
        }
        locked
    }

    /// Releases the queues `client_id` holds among `queues`.
    pub fn unlock(&self, group: &str, client_id: &str, queues: &BTreeSet<MessageQueue>) {
        let mut groups = self.groups.lock();
        if let Some(table) = groups.get_mut(group) {
            for mq in queues {
                if table.get(mq).is_some_and(|h| h.client_id == client_id) {
                    table.remove(mq);
                }
            }
        }
    }

    /// Whether `client_id` holds a live lock on `mq`.
    pub fn is_locked_by(&self, group: &str, mq: &MessageQueue, client_id: &str) -> bool {
        let groups = self.groups.lock();
        groups
            .get(group)
            .and_then(|t| t.get(mq))
            .is_some_and(|h| h.client_id == client_id && h.last_update.elapsed() <= self.max_live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qs(ids: &[i32]) -> BTreeSet<MessageQueue> {
        ids.iter()
            .map(|i| MessageQueue::new("T", "b", *i))
            .collect()
    }

    #[test]
    fn locks_are_exclusive_renewable_and_expire() {
        let t = LockTable::new(Duration::from_millis(50));
        assert_eq!(t.try_lock("g", "c1", &qs(&[0, 1])), qs(&[0, 1]));
        assert_eq!(t.try_lock("g", "c2", &qs(&[1, 2])), qs(&[2]));
        assert_eq!(t.try_lock("g", "c1", &qs(&[0, 1, 2])), qs(&[0, 1]));
        // Another group is independent.
        assert_eq!(t.try_lock("h", "c2", &qs(&[0])), qs(&[0]));
        // Only the holder unlocks.
        t.unlock("g", "c2", &qs(&[0]));
        assert!(t.is_locked_by("g", &MessageQueue::new("T", "b", 0), "c1"));
        t.unlock("g", "c1", &qs(&[0]));
        assert_eq!(t.try_lock("g", "c2", &qs(&[0])), qs(&[0]));
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(
            t.try_lock("g", "c2", &qs(&[1])),
            qs(&[1]),
            "expired lock is taken over"
        );
    }
}
