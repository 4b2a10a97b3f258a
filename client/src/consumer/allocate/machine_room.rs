//! [`ByMachineRoom`]: only queues of brokers in chosen machine rooms (Java
//! `AllocateMessageQueueByMachineRoom`).

use std::collections::HashSet;

use super::{current_index, AllocateStrategy};
use crate::message::MessageQueue;

/// The machine room of a broker named `room@name`, as Java splits it: `None` unless the
/// name splits on `@` into exactly two parts (Java's `split` drops trailing empty parts, so
/// `hz@broker-a@` still counts).
///
/// ```
/// use cometmq_client::consumer::allocate::split_machine_room;
/// assert_eq!(split_machine_room("hz@broker-a"), Some("hz"));
/// assert_eq!(split_machine_room("broker-a"), None);
/// assert_eq!(split_machine_room("a@b@c"), None);
/// ```
pub fn split_machine_room(broker_name: &str) -> Option<&str> {
    let trimmed = broker_name.trim_end_matches('@');
    let mut parts = trimmed.split('@');
    let room = parts.next()?;
    match (parts.next(), parts.next()) {
        (Some(_), None) => Some(room),
        _ => None,
    }
}

/// Keeps the queues whose broker is named `room@name` with `room` in `consume_idcs`, then
/// gives consumer `i` of `k` the block `kept[i*m .. i*m + m)` with `m = |kept| / k`, plus
/// `kept[i + m*k]` if `|kept| % k > i`.
///
/// ```
/// use cometmq_client::consumer::allocate::allocate_by_machine_room;
/// use cometmq_client::MessageQueue;
/// let mut mqs: Vec<_> = (0..4).map(|i| MessageQueue::new("T", "hz@broker-a", i)).collect();
/// mqs.push(MessageQueue::new("T", "sh@broker-b", 0));
/// let cids: Vec<String> = ["c0", "c1", "c2"].map(String::from).into();
/// let rooms = ["hz".to_owned()].into();
/// let ids = |c| allocate_by_machine_room(&rooms, c, &mqs, &cids)
///     .iter().map(|q| q.queue_id).collect::<Vec<_>>();
/// assert_eq!(ids("c0"), [0, 3]);
/// assert_eq!(ids("c1"), [1]);
/// assert_eq!(ids("c2"), [2]);
/// ```
pub fn allocate_by_machine_room(
    consume_idcs: &HashSet<String>,
    current_cid: &str,
    mq_all: &[MessageQueue],
    cid_all: &[String],
) -> Vec<MessageQueue> {
    let Some(index) = current_index(current_cid, mq_all, cid_all) else {
        return Vec::new();
    };
    let kept: Vec<&MessageQueue> = mq_all
        .iter()
        .filter(|q| split_machine_room(&q.broker_name).is_some_and(|r| consume_idcs.contains(r)))
        .collect();
    let k = cid_all.len();
    let block = kept.len() / k;
    let rem = kept.len() % k;
    let start = block * index;
    let mut result: Vec<MessageQueue> = kept
        .iter()
        .skip(start)
        .take(block)
        .map(|q| (*q).clone())
        .collect();
    if rem > index {
        if let Some(q) = kept.get(index + block * k) {
            result.push((*q).clone());
        }
    }
    result
}

/// Java `AllocateMessageQueueByMachineRoom` (name `MACHINE_ROOM`); see
/// [`allocate_by_machine_room`].
#[derive(Debug, Clone, Default)]
pub struct ByMachineRoom {
    /// The machine rooms whose brokers this group consumes from (`consumeridcs`).
    pub consume_idcs: HashSet<String>,
}

impl ByMachineRoom {
    /// Consumes from brokers in these rooms.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(rooms: I) -> Self {
        ByMachineRoom {
            consume_idcs: rooms.into_iter().map(Into::into).collect(),
        }
    }
}

impl AllocateStrategy for ByMachineRoom {
    fn name(&self) -> String {
        "MACHINE_ROOM".to_owned()
    }

    fn allocate(
        &self,
        _consumer_group: &str,
        current_cid: &str,
        mq_all: &[MessageQueue],
        cid_all: &[String],
    ) -> Vec<MessageQueue> {
        allocate_by_machine_room(&self.consume_idcs, current_cid, mq_all, cid_all)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{assert_partition, cids, ids, queues};
    use super::*;

    #[test]
    fn reference_example() {
        let mqs = queues("hz@broker-a", 4);
        let c = cids(&["c0", "c1", "c2"]);
        let s = ByMachineRoom::new(["hz"]);
        assert_eq!(ids(&s.allocate("g", "c0", &mqs, &c)), [0, 3]);
        assert_eq!(ids(&s.allocate("g", "c1", &mqs, &c)), [1]);
        assert_eq!(ids(&s.allocate("g", "c2", &mqs, &c)), [2]);
    }

    #[test]
    fn filters_rooms_and_names() {
        let mut mqs = queues("hz@a", 2);
        mqs.extend(queues("sh@b", 2));
        mqs.extend(queues("plain", 2));
        mqs.extend(queues("x@y@z", 2));
        let c = cids(&["c0"]);
        let s = ByMachineRoom::new(["hz", "x"]);
        let got = s.allocate("g", "c0", &mqs, &c);
        assert_eq!(got, queues("hz@a", 2));
        assert!(s.allocate("g", "other", &mqs, &c).is_empty());
        assert_eq!(split_machine_room("@b"), Some(""));
        assert_eq!(split_machine_room("hz@b@"), Some("hz"));
        assert_eq!(split_machine_room(""), None);
    }

    #[test]
    fn partitions_kept_queues() {
        let s = ByMachineRoom::new(["hz"]);
        for n in 1..12 {
            for k in 1..8 {
                let c: Vec<String> = (0..k).map(|i| format!("c{i}")).collect();
                assert_partition(&s, &queues("hz@a", n), &c);
            }
        }
    }
}
