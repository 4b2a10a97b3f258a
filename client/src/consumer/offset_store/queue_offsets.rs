//! [`QueueOffsets`]: the in-memory offsets both stores keep.

use std::collections::HashMap;

use parking_lot::Mutex;

use crate::message::MessageQueue;

#[derive(Debug, Clone, Copy)]
struct Entry {
    offset: i64,
    frozen: bool,
}

/// Queue → offset, with Java's `ControllableOffset` rules (increase-only updates, freezing).
/// The lock is held only for single map operations.
#[derive(Debug, Default)]
pub(crate) struct QueueOffsets {
    inner: Mutex<HashMap<MessageQueue, Entry>>,
}

impl QueueOffsets {
    pub fn update(&self, mq: &MessageQueue, offset: i64, increase_only: bool) {
        let mut t = self.inner.lock();
        match t.get_mut(mq) {
            Some(e) if e.frozen => {}
            Some(e) if increase_only => e.offset = e.offset.max(offset),
            Some(e) => e.offset = offset,
            None => {
                t.insert(
                    mq.clone(),
                    Entry {
                        offset,
                        frozen: false,
                    },
                );
            }
        }
    }

    pub fn update_and_freeze(&self, mq: &MessageQueue, offset: i64) {
        self.inner.lock().insert(
            mq.clone(),
            Entry {
                offset,
                frozen: true,
            },
        );
    }

    pub fn get(&self, mq: &MessageQueue) -> Option<i64> {
        self.inner.lock().get(mq).map(|e| e.offset)
    }

    pub fn remove(&self, mq: &MessageQueue) {
        self.inner.lock().remove(mq);
    }

    /// The offsets of the queues in `mqs`, after dropping every other queue.
    pub fn retain_only(&self, mqs: &[MessageQueue]) -> Vec<(MessageQueue, i64)> {
        let mut t = self.inner.lock();
        t.retain(|mq, _| mqs.contains(mq));
        t.iter().map(|(mq, e)| (mq.clone(), e.offset)).collect()
    }

    pub fn queues(&self) -> Vec<MessageQueue> {
        self.inner.lock().keys().cloned().collect()
    }

    pub fn of_topic(&self, topic: &str) -> HashMap<MessageQueue, i64> {
        self.inner
            .lock()
            .iter()
            .filter(|(mq, _)| mq.topic == topic)
            .map(|(mq, e)| (mq.clone(), e.offset))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controllable_offsets() {
        let t = QueueOffsets::default();
        let q = MessageQueue::new("T", "b", 0);
        t.update(&q, 10, true);
        t.update(&q, 5, true);
        assert_eq!(t.get(&q), Some(10));
        t.update(&q, 5, false);
        assert_eq!(t.get(&q), Some(5));
        t.update_and_freeze(&q, 2);
        t.update(&q, 50, false);
        assert_eq!(t.get(&q), Some(2));
        t.remove(&q);
        t.update(&q, 7, true);
        assert_eq!(t.get(&q), Some(7));
        let other = MessageQueue::new("U", "b", 0);
        t.update(&other, 1, false);
        assert_eq!(t.of_topic("T").len(), 1);
        assert_eq!(
            t.retain_only(std::slice::from_ref(&other)),
            [(other.clone(), 1)]
        );
        assert_eq!(t.get(&q), None);
    }
}
