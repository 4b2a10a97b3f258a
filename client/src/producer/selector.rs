//! Queue selectors: the producer asks one which queue a message goes to (Java
//! `MessageQueueSelector`), typically to keep messages with the same key in one queue, in
//! order.

use std::collections::HashSet;

use rand::Rng;

use crate::consumer::allocate::split_machine_room;
use crate::java_string::JavaHashCode;
use crate::message::{Message, MessageQueue};

/// Picks the queue for a message from the topic's writable queues, given the caller's
/// argument `arg` (an order id, a user id…). `None` makes the send fail.
///
/// Built-ins: [`SelectByHash`], [`SelectByRandom`], [`SelectByMachineRoom`]. Any closure
/// `Fn(&[MessageQueue], &Message, &A) -> Option<MessageQueue>` is a selector too.
///
/// ```
/// use cometmq_client::producer::{MessageQueueSelector, SelectByHash};
/// use cometmq_client::{Message, MessageQueue};
/// let mqs: Vec<_> = (0..4).map(|i| MessageQueue::new("T", "broker-a", i)).collect();
/// let msg = Message::new("T", "x");
/// // Same queue as Java's SelectMessageQueueByHash for the same order id.
/// let q = SelectByHash.select(&mqs, &msg, &10_000_001i64).unwrap();
/// assert_eq!(q.queue_id, 10_000_001 % 4);
/// // A closure: always the last queue.
/// let last = |mqs: &[MessageQueue], _: &Message, _: &()| mqs.last().cloned();
/// assert_eq!(last.select(&mqs, &msg, &()).unwrap().queue_id, 3);
/// ```
pub trait MessageQueueSelector<A: ?Sized>: Send + Sync {
    /// The queue for `msg`, chosen among `mqs` using `arg`.
    fn select(&self, mqs: &[MessageQueue], msg: &Message, arg: &A) -> Option<MessageQueue>;
}

impl<A, F> MessageQueueSelector<A> for F
where
    A: ?Sized,
    F: Fn(&[MessageQueue], &Message, &A) -> Option<MessageQueue> + Send + Sync,
{
    fn select(&self, mqs: &[MessageQueue], msg: &Message, arg: &A) -> Option<MessageQueue> {
        self(mqs, msg, arg)
    }
}

/// Java `SelectMessageQueueByHash`: queue `abs(arg.hashCode() % n)`, with Java's
/// `hashCode` (see [`JavaHashCode`]), so Rust and Java producers agree.
#[derive(Debug, Clone, Copy, Default)]
pub struct SelectByHash;

/// The index Java's `SelectMessageQueueByHash` picks among `n` queues: `abs(hash % n)`.
pub fn java_hash_index(hash: i32, n: usize) -> Option<usize> {
    let n = i32::try_from(n).ok().filter(|n| *n > 0)?;
    usize::try_from((hash % n).abs()).ok()
}

impl<A: JavaHashCode + ?Sized> MessageQueueSelector<A> for SelectByHash {
    fn select(&self, mqs: &[MessageQueue], _msg: &Message, arg: &A) -> Option<MessageQueue> {
        let i = java_hash_index(arg.java_hash_code(), mqs.len())?;
        mqs.get(i).cloned()
    }
}

/// Java `SelectMessageQueueByRandom`: a uniformly random queue (the argument is ignored).
#[derive(Debug, Clone, Copy, Default)]
pub struct SelectByRandom;

impl<A: ?Sized> MessageQueueSelector<A> for SelectByRandom {
    fn select(&self, mqs: &[MessageQueue], _msg: &Message, _arg: &A) -> Option<MessageQueue> {
        if mqs.is_empty() {
            return None;
        }
        mqs.get(rand::thread_rng().gen_range(0..mqs.len())).cloned()
    }
}

/// A random queue among those of brokers named `room@name` with `room` in
/// [`consume_idcs`](Self::consume_idcs); `None` when there is none.
///
/// Java's `SelectMessageQueueByMachineRoom` holds the same room set but is unimplemented
/// (always returns null, failing the send); this one does what its name says, with the
/// room naming used by [`ByMachineRoom`](crate::consumer::allocate::ByMachineRoom).
#[derive(Debug, Clone, Default)]
pub struct SelectByMachineRoom {
    /// The machine rooms to send to.
    pub consume_idcs: HashSet<String>,
}

impl SelectByMachineRoom {
    /// Sends to brokers in these rooms.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(rooms: I) -> Self {
        SelectByMachineRoom {
            consume_idcs: rooms.into_iter().map(Into::into).collect(),
        }
    }
}

impl<A: ?Sized> MessageQueueSelector<A> for SelectByMachineRoom {
    fn select(&self, mqs: &[MessageQueue], msg: &Message, arg: &A) -> Option<MessageQueue> {
        let in_rooms: Vec<MessageQueue> = mqs
            .iter()
            .filter(|q| {
                split_machine_room(&q.broker_name).is_some_and(|r| self.consume_idcs.contains(r))
            })
            .cloned()
            .collect();
        SelectByRandom.select(&in_rooms, msg, arg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mqs(broker: &str, n: i32) -> Vec<MessageQueue> {
        (0..n).map(|i| MessageQueue::new("T", broker, i)).collect()
    }

    #[test]
    fn hash_matches_java() {
        let m = Message::new("T", "x");
        let q = mqs("b", 3);
        // "hello".hashCode() = 99162322; 99162322 % 3 = 1.
        assert_eq!(SelectByHash.select(&q, &m, "hello").unwrap().queue_id, 1);
        // Negative remainders are made positive: -7 % 3 = -1 → 1.
        assert_eq!(SelectByHash.select(&q, &m, &-7i32).unwrap().queue_id, 1);
        assert_eq!(SelectByHash.select(&q, &m, &i32::MIN).unwrap().queue_id, 2);
        // "polygenelubricants".hashCode() = Integer.MIN_VALUE; MIN % 4 = 0.
        assert_eq!(
            SelectByHash
                .select(&mqs("b", 4), &m, "polygenelubricants")
                .unwrap()
                .queue_id,
            0
        );
        assert_eq!(SelectByHash.select(&[], &m, &1i32), None);
        assert_eq!(java_hash_index(5, 0), None);
    }

    #[test]
    fn random_stays_in_range() {
        let m = Message::new("T", "x");
        let q = mqs("b", 5);
        let mut seen = HashSet::new();
        for _ in 0..500 {
            let pick = SelectByRandom.select(&q, &m, &()).unwrap();
            seen.insert(pick.queue_id);
        }
        assert_eq!(seen.len(), 5);
        assert_eq!(SelectByRandom.select(&[], &m, &()), None);
    }

    #[test]
    fn machine_room_keeps_its_rooms() {
        let m = Message::new("T", "x");
        let mut q = mqs("hz@a", 2);
        q.extend(mqs("sh@b", 2));
        q.extend(mqs("plain", 2));
        let s = SelectByMachineRoom::new(["sh"]);
        for _ in 0..50 {
            assert_eq!(s.select(&q, &m, &()).unwrap().broker_name, "sh@b");
        }
        assert_eq!(SelectByMachineRoom::new(["xx"]).select(&q, &m, &()), None);
    }

    #[test]
    fn closures_and_trait_objects() {
        let m = Message::new("T", "x");
        let q = mqs("b", 3);
        let by_len = |mqs: &[MessageQueue], _: &Message, arg: &str| mqs.get(arg.len()).cloned();
        let boxed: Box<dyn MessageQueueSelector<str>> = Box::new(by_len);
        assert_eq!(boxed.select(&q, &m, "ab").unwrap().queue_id, 2);
        let hashed: &dyn MessageQueueSelector<String> = &SelectByHash;
        assert!(hashed.select(&q, &m, &"k".to_owned()).is_some());
    }
}
