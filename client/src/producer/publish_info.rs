//! [`TopicPublishInfo`]: the queues a producer may send a topic's messages to, with the
//! round-robin cursor used to pick one.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::message::MessageQueue;

/// A topic's writable queues, in route order, and a shared round-robin cursor
/// (Java `TopicPublishInfo`; Java keeps one cursor per thread, here all tasks share one).
#[derive(Debug, Default)]
pub struct TopicPublishInfo {
    /// The writable queues.
    pub queues: Vec<MessageQueue>,
    /// Whether the topic is ordered (`orderTopicConf` present in the route).
    pub order_topic: bool,
    cursor: AtomicU32,
}

impl TopicPublishInfo {
    /// Publish info over `queues`, starting the cursor at a random position so producers
    /// started together do not all hit the same queue first.
    pub fn new(queues: Vec<MessageQueue>, order_topic: bool) -> Self {
        TopicPublishInfo {
            queues,
            order_topic,
            cursor: AtomicU32::new(rand::random::<u32>()),
        }
    }

    /// Whether there is any queue to send to.
    pub fn is_ok(&self) -> bool {
        !self.queues.is_empty()
    }

    /// Moves the cursor to a random position (Java `resetIndex`, done before a retry).
    pub fn reset_cursor(&self) {
        self.cursor.store(rand::random::<u32>(), Ordering::Relaxed);
    }

    /// The next queue round-robin.
    pub fn select_any(&self) -> Option<MessageQueue> {
        let n = self.queues.len();
        if n == 0 {
            return None;
        }
        self.queues.get(self.next_index(n)).cloned()
    }

    /// The first queue passing `accept`, trying each queue at most once from the cursor on.
    pub fn select_where(&self, accept: impl Fn(&MessageQueue) -> bool) -> Option<MessageQueue> {
        let n = self.queues.len();
        (0..n)
            .filter_map(|_| self.queues.get(self.next_index(n)))
            .find(|q| accept(q))
            .cloned()
    }

    /// Java's `ThreadLocalIndex.incrementAndGet() & 0x7FFFFFFF` then `% n`.
    fn next_index(&self, n: usize) -> usize {
        let v = self.cursor.fetch_add(1, Ordering::Relaxed).wrapping_add(1) & 0x7FFF_FFFF;
        v as usize % n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(n: i32) -> TopicPublishInfo {
        let qs = (0..n)
            .map(|i| MessageQueue::new("T", format!("b{}", i % 2), i))
            .collect();
        TopicPublishInfo::new(qs, false)
    }

    #[test]
    fn round_robin_covers_all_queues() {
        let p = info(4);
        let mut ids: Vec<i32> = (0..4)
            .filter_map(|_| p.select_any())
            .map(|q| q.queue_id)
            .collect();
        let first = ids[0];
        assert_eq!(ids[1], (first + 1) % 4);
        ids.sort();
        assert_eq!(ids, [0, 1, 2, 3]);
        p.reset_cursor();
        assert!(p.is_ok());
        assert!(!TopicPublishInfo::default().is_ok());
        assert_eq!(TopicPublishInfo::default().select_any(), None);
    }

    #[test]
    fn filtered_selection_tries_each_queue_once() {
        let p = info(4);
        for _ in 0..10 {
            let q = p.select_where(|q| q.broker_name == "b1").unwrap();
            assert_eq!(q.broker_name, "b1");
        }
        assert_eq!(p.select_where(|_| false), None);
    }

    #[test]
    fn cursor_wraps_like_java() {
        let p = info(3);
        p.cursor.store(u32::MAX, Ordering::Relaxed);
        // MAX + 1 wraps to 0.
        assert_eq!(p.select_any().unwrap().queue_id, 0);
        p.cursor.store(0x7FFF_FFFF, Ordering::Relaxed);
        // 0x80000000 & 0x7FFFFFFF = 0.
        assert_eq!(p.select_any().unwrap().queue_id, 0);
    }
}
