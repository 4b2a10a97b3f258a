//! [`ProcessQueue`]: the messages pulled from one queue and not yet consumed (Java
//! `ProcessQueue`).
//!
//! The pull task puts messages in; consume services take them out. The smallest offset still
//! inside is what the consumer may commit: everything below it was consumed, so committing
//! it can never lose a message, whatever order concurrent consumption finishes in.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use cometmq_remoting::body::client::ProcessQueueInfo;
use parking_lot::Mutex;
use tokio::sync::{watch, Notify};

use crate::clock::now_ms;
use crate::message::MessageExt;

/// A lock not renewed for this long is considered lost by the client (30 s, Java
/// `rocketmq.client.rebalance.lockMaxLiveTime`).
pub const LOCK_MAX_LIVE_MS: i64 = 30_000;

/// A queue not pulled for this long is dropped by the rebalance (120 s, Java
/// `rocketmq.client.pull.pullMaxIdleTime`).
pub const PULL_MAX_IDLE_MS: i64 = 120_000;

#[derive(Default)]
struct Cache {
    /// Offset → message, not yet taken by a consumer.
    msgs: BTreeMap<i64, MessageExt>,
    /// Orderly: messages taken by the consumer and not yet committed.
    consuming: BTreeMap<i64, MessageExt>,
    /// Body bytes of `msgs` + `consuming`.
    bytes: usize,
    /// Largest offset ever put.
    max_offset: i64,
}

/// One assigned queue's cached messages and state. Shared by the pull task, the consume
/// service and the rebalance; every method holds the internal lock only for a map
/// operation.
pub struct ProcessQueue {
    cache: Mutex<Cache>,
    dropped: watch::Sender<bool>,
    locked: AtomicBool,
    last_lock_ms: AtomicI64,
    last_pull_ms: AtomicI64,
    last_consume_ms: AtomicI64,
    /// Orderly: signalled when messages arrive.
    arrived: Notify,
}

impl std::fmt::Debug for ProcessQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessQueue")
            .field("count", &self.count())
            .field("dropped", &self.is_dropped())
            .field("locked", &self.is_locked())
            .finish_non_exhaustive()
    }
}

impl Default for ProcessQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl ProcessQueue {
    /// An empty, live, unlocked queue.
    pub fn new() -> Self {
        let now = now_ms();
        ProcessQueue {
            cache: Mutex::new(Cache::default()),
            dropped: watch::channel(false).0,
            locked: AtomicBool::new(false),
            last_lock_ms: AtomicI64::new(0),
            last_pull_ms: AtomicI64::new(now),
            last_consume_ms: AtomicI64::new(now),
            arrived: Notify::new(),
        }
    }

    /// Adds pulled messages (an offset already present is not added twice) and wakes an
    /// orderly consumer; returns how many were added.
    pub fn put_messages(&self, msgs: Vec<MessageExt>) -> usize {
        let mut c = self.cache.lock();
        let mut added = 0;
        for m in msgs {
            let offset = m.queue_offset;
            let len = m.body.len();
            if c.msgs.contains_key(&offset) || c.consuming.contains_key(&offset) {
                continue;
            }
            c.msgs.insert(offset, m);
            c.bytes += len;
            c.max_offset = c.max_offset.max(offset);
            added += 1;
        }
        drop(c);
        self.arrived.notify_one();
        added
    }

    /// Removes consumed messages by offset; returns the offset to commit: the smallest
    /// offset still cached, or one past the largest ever put when none is left. `None` when
    /// the queue was already empty.
    pub fn remove_messages(&self, offsets: &[i64]) -> Option<i64> {
        let mut c = self.cache.lock();
        if c.msgs.is_empty() {
            return None;
        }
        let mut result = c.max_offset + 1;
        for o in offsets {
            if let Some(m) = c.msgs.remove(o) {
                c.bytes = c.bytes.saturating_sub(m.body.len());
            }
        }
        if let Some((first, _)) = c.msgs.first_key_value() {
            result = *first;
        }
        drop(c);
        self.last_consume_ms.store(now_ms(), Ordering::Relaxed);
        Some(result)
    }

    /// Messages cached (waiting or being consumed).
    pub fn count(&self) -> usize {
        let c = self.cache.lock();
        c.msgs.len() + c.consuming.len()
    }

    /// Body bytes cached.
    pub fn bytes(&self) -> usize {
        self.cache.lock().bytes
    }

    /// Distance between the largest and smallest waiting offsets (0 when empty).
    pub fn max_span(&self) -> i64 {
        let c = self.cache.lock();
        match (c.msgs.first_key_value(), c.msgs.last_key_value()) {
            (Some((a, _)), Some((b, _))) => b - a,
            _ => 0,
        }
    }

    /// Orderly: moves up to `n` waiting messages, in offset order, to the consuming set.
    pub fn take_messages(&self, n: usize) -> Vec<MessageExt> {
        let mut c = self.cache.lock();
        let mut out = Vec::with_capacity(n.min(c.msgs.len()));
        while out.len() < n {
            let Some((offset, m)) = c.msgs.pop_first() else {
                break;
            };
            c.consuming.insert(offset, m.clone());
            out.push(m);
        }
        out
    }

    /// Orderly: the taken messages were consumed; returns the offset to commit (one past
    /// the largest taken), or `None` if nothing was taken.
    pub fn commit(&self) -> Option<i64> {
        let mut c = self.cache.lock();
        let next = c.consuming.last_key_value().map(|(o, _)| o + 1);
        let freed: usize = c.consuming.values().map(|m| m.body.len()).sum();
        c.bytes = c.bytes.saturating_sub(freed);
        c.consuming.clear();
        drop(c);
        self.last_consume_ms.store(now_ms(), Ordering::Relaxed);
        next
    }

    /// Orderly: the taken messages must be consumed again; `msgs` (with updated reconsume
    /// counts) go back to the waiting set.
    pub fn make_consume_again(&self, msgs: Vec<MessageExt>) {
        let mut c = self.cache.lock();
        for m in msgs {
            c.consuming.remove(&m.queue_offset);
            c.msgs.insert(m.queue_offset, m);
        }
    }

    /// Orderly: waits until messages arrive (or [`Self::wake`]).
    pub async fn wait_arrival(&self) {
        self.arrived.notified().await;
    }

    /// Wakes a task waiting in [`Self::wait_arrival`].
    pub fn wake(&self) {
        self.arrived.notify_one();
    }

    /// Offsets of the waiting messages (for tests and running info).
    pub fn waiting_offsets(&self) -> Vec<i64> {
        self.cache.lock().msgs.keys().copied().collect()
    }

    /// Forgets every cached message.
    pub fn clear(&self) {
        let mut c = self.cache.lock();
        c.msgs.clear();
        c.consuming.clear();
        c.bytes = 0;
    }

    /// Marks the queue dropped: its pull task and consumers stop, and consumption no longer
    /// moves its offset.
    pub fn set_dropped(&self) {
        self.dropped.send_replace(true);
        self.arrived.notify_one();
    }

    /// Whether the queue was dropped.
    pub fn is_dropped(&self) -> bool {
        *self.dropped.borrow()
    }

    /// Resolves once the queue is dropped.
    pub async fn dropped(&self) {
        let mut rx = self.dropped.subscribe();
        let _ = rx.wait_for(|d| *d).await;
    }

    /// Records a granted (true) or refused (false) broker lock.
    pub fn set_locked(&self, locked: bool) {
        if locked {
            self.last_lock_ms.store(now_ms(), Ordering::Relaxed);
        }
        self.locked.store(locked, Ordering::Relaxed);
    }

    /// Whether the broker lock is held.
    pub fn is_locked(&self) -> bool {
        self.locked.load(Ordering::Relaxed)
    }

    /// Whether the lock was last renewed more than [`LOCK_MAX_LIVE_MS`] ago.
    pub fn is_lock_expired(&self) -> bool {
        now_ms().saturating_sub(self.last_lock_ms.load(Ordering::Relaxed)) > LOCK_MAX_LIVE_MS
    }

    /// Records a pull.
    pub fn touch_pull(&self) {
        self.last_pull_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Whether the queue was not pulled for [`PULL_MAX_IDLE_MS`].
    pub fn is_pull_expired(&self) -> bool {
        now_ms().saturating_sub(self.last_pull_ms.load(Ordering::Relaxed)) > PULL_MAX_IDLE_MS
    }

    /// The queue's state for GET_CONSUMER_RUNNING_INFO.
    pub fn info(&self, commit_offset: i64) -> ProcessQueueInfo {
        let c = self.cache.lock();
        let first = |m: &BTreeMap<i64, MessageExt>| m.first_key_value().map_or(0, |(k, _)| *k);
        let last = |m: &BTreeMap<i64, MessageExt>| m.last_key_value().map_or(0, |(k, _)| *k);
        let ms = |a: &AtomicI64| a.load(Ordering::Relaxed);
        ProcessQueueInfo {
            cached_msg_count: i32::try_from(c.msgs.len()).unwrap_or(i32::MAX),
            cached_msg_max_offset: last(&c.msgs),
            cached_msg_min_offset: first(&c.msgs),
            cached_msg_size_in_mib: i32::try_from(c.bytes / (1024 * 1024)).unwrap_or(i32::MAX),
            commit_offset,
            droped: *self.dropped.borrow(),
            last_consume_timestamp: ms(&self.last_consume_ms),
            last_lock_timestamp: ms(&self.last_lock_ms),
            last_pull_timestamp: ms(&self.last_pull_ms),
            locked: self.is_locked(),
            transaction_msg_count: i32::try_from(c.consuming.len()).unwrap_or(i32::MAX),
            transaction_msg_max_offset: last(&c.consuming),
            transaction_msg_min_offset: first(&c.consuming),
            try_unlock_times: 0,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::net::SocketAddr;

    use bytes::BytesMut;
    use cometmq_remoting::message::{encode_record, RecordParts};

    use super::*;

    /// A message of topic `T` at `offset` with a 10-byte body.
    pub fn msg(offset: i64) -> MessageExt {
        let host: SocketAddr = "127.0.0.1:10911".parse().unwrap_or_else(|_| unreachable!());
        let mut p = RecordParts::new("T", b"0123456789", b"", host, host);
        p.queue_offset = offset;
        p.physical_offset = offset * 100;
        let mut buf = BytesMut::new();
        encode_record(&p, &mut buf).unwrap();
        MessageExt::decode_all(buf.freeze(), "b")
            .unwrap()
            .pop()
            .unwrap()
    }

    #[test]
    fn commit_offset_is_the_lowest_unconsumed() {
        let pq = ProcessQueue::new();
        assert_eq!(pq.remove_messages(&[1]), None);
        assert_eq!(pq.put_messages((0..5).map(msg).collect()), 5);
        assert_eq!(pq.put_messages(vec![msg(2)]), 0, "no duplicate");
        assert_eq!((pq.count(), pq.bytes(), pq.max_span()), (5, 50, 4));
        // 1 and 3 finish first: 0 is still unconsumed.
        assert_eq!(pq.remove_messages(&[1, 3]), Some(0));
        assert_eq!(pq.remove_messages(&[0]), Some(2));
        assert_eq!(pq.remove_messages(&[2, 4]), Some(5));
        assert_eq!((pq.count(), pq.bytes()), (0, 0));
        let info = pq.info(5);
        assert_eq!((info.cached_msg_count, info.commit_offset), (0, 5));
    }

    #[test]
    fn orderly_take_commit_and_retry() {
        let pq = ProcessQueue::new();
        pq.put_messages((10..15).map(msg).collect());
        let a = pq.take_messages(2);
        assert_eq!(
            a.iter().map(|m| m.queue_offset).collect::<Vec<_>>(),
            [10, 11]
        );
        assert_eq!(pq.count(), 5);
        assert_eq!(pq.commit(), Some(12));
        assert_eq!(pq.count(), 3);
        let b = pq.take_messages(10);
        assert_eq!(b.len(), 3);
        pq.make_consume_again(b);
        assert_eq!(pq.waiting_offsets(), [12, 13, 14]);
        assert_eq!(pq.commit(), None);
        let c = pq.take_messages(10);
        assert_eq!(c.len(), 3);
        assert_eq!(pq.commit(), Some(15));
        assert!(pq.take_messages(1).is_empty());
    }

    #[tokio::test]
    async fn drop_and_lock_state() {
        let pq = std::sync::Arc::new(ProcessQueue::new());
        assert!(!pq.is_locked() && pq.is_lock_expired());
        pq.set_locked(true);
        assert!(pq.is_locked() && !pq.is_lock_expired());
        assert!(!pq.is_pull_expired());
        let waiter = {
            let pq = pq.clone();
            tokio::spawn(async move { pq.dropped().await })
        };
        pq.set_dropped();
        waiter.await.unwrap();
        assert!(pq.is_dropped());
        pq.put_messages(vec![msg(1)]);
        pq.clear();
        assert_eq!(pq.count(), 0);
    }
}
