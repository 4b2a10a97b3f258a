//! Queue allocation strategies (reference §11.2): which of a topic's queues this consumer
//! takes, given every queue and every consumer of the group.
//!
//! Every consumer of a group runs the same strategy on the same inputs, sorted the same way
//! (queues by [`MessageQueue`]'s Java order, client ids as Java sorts strings), and takes its
//! own share; the shares must not overlap and together cover every queue. So a strategy must
//! be a pure function of its inputs.
//!
//! The six Java strategies are here, each as a pure function and a type implementing
//! [`AllocateStrategy`]:
//!
//! | type | function | Java name |
//! |---|---|---|
//! | [`Averagely`] (the default) | [`allocate_averagely`] | `AVG` |
//! | [`AveragelyByCircle`] | [`allocate_averagely_by_circle`] | `AVG_BY_CIRCLE` |
//! | [`ByConfig`] | — (a fixed list) | `CONFIG` |
//! | [`ByMachineRoom`] | [`allocate_by_machine_room`] | `MACHINE_ROOM` |
//! | [`MachineRoomNearby`] | — (wraps another strategy) | `MACHINE_ROOM_NEARBY-<inner>` |
//! | [`ConsistentHash`] | [`ConsistentHashRing`] | `CONSISTENT_HASH` |
//!
//! Users can plug in their own: implement [`AllocateStrategy`], or pass a closure.
//!
//! ```
//! use cometmq_client::consumer::allocate::{AllocateStrategy, Averagely};
//! use cometmq_client::MessageQueue;
//! let mqs: Vec<_> = (0..8).map(|i| MessageQueue::new("T", "broker-a", i)).collect();
//! let cids: Vec<String> = ["c0", "c1", "c2"].map(String::from).into();
//! let mine = Averagely.allocate("group", "c2", &mqs, &cids);
//! assert_eq!(mine, mqs[6..].to_vec());
//!
//! // A custom strategy: the first client takes everything.
//! let first_takes_all = |_: &str, cid: &str, mqs: &[MessageQueue], cids: &[String]| {
//!     if cids.first().map(String::as_str) == Some(cid) { mqs.to_vec() } else { Vec::new() }
//! };
//! assert_eq!(first_takes_all.allocate("group", "c0", &mqs, &cids).len(), 8);
//! ```

use std::sync::Arc;

use crate::message::MessageQueue;

mod averagely;
mod by_config;
mod circle;
mod consistent_hash;
mod machine_room;
mod nearby;

pub use averagely::{allocate_averagely, Averagely};
pub use by_config::ByConfig;
pub use circle::{allocate_averagely_by_circle, AveragelyByCircle};
pub use consistent_hash::{md5_hash, ConsistentHash, ConsistentHashRing, HashFn};
pub use machine_room::{allocate_by_machine_room, split_machine_room, ByMachineRoom};
pub use nearby::{MachineRoomNearby, MachineRoomResolver};

/// Decides which queues a consumer takes (Java `AllocateMessageQueueStrategy`).
///
/// `mq_all` and `cid_all` arrive sorted (Java order) and identical on every consumer of the
/// group. Implementations must be deterministic. A consumer whose id is not in `cid_all`
/// gets nothing (it is not yet known to the broker).
///
/// Implemented by the built-in strategies, by `Box`/`Arc` of a strategy, and by closures
/// `Fn(group, current_cid, mq_all, cid_all) -> Vec<MessageQueue>` (named `CUSTOM`).
pub trait AllocateStrategy: Send + Sync {
    /// The strategy's name, as Java reports it (`AVG`, `CONSISTENT_HASH`, …).
    fn name(&self) -> String;

    /// The queues `current_cid` takes, in `mq_all` order unless the strategy says otherwise.
    fn allocate(
        &self,
        consumer_group: &str,
        current_cid: &str,
        mq_all: &[MessageQueue],
        cid_all: &[String],
    ) -> Vec<MessageQueue>;
}

impl<F> AllocateStrategy for F
where
    F: Fn(&str, &str, &[MessageQueue], &[String]) -> Vec<MessageQueue> + Send + Sync,
{
    fn name(&self) -> String {
        "CUSTOM".to_owned()
    }

    fn allocate(
        &self,
        consumer_group: &str,
        current_cid: &str,
        mq_all: &[MessageQueue],
        cid_all: &[String],
    ) -> Vec<MessageQueue> {
        self(consumer_group, current_cid, mq_all, cid_all)
    }
}

impl AllocateStrategy for Box<dyn AllocateStrategy> {
    fn name(&self) -> String {
        (**self).name()
    }

    fn allocate(
        &self,
        consumer_group: &str,
        current_cid: &str,
        mq_all: &[MessageQueue],
        cid_all: &[String],
    ) -> Vec<MessageQueue> {
        (**self).allocate(consumer_group, current_cid, mq_all, cid_all)
    }
}

impl AllocateStrategy for Arc<dyn AllocateStrategy> {
    fn name(&self) -> String {
        (**self).name()
    }

    fn allocate(
        &self,
        consumer_group: &str,
        current_cid: &str,
        mq_all: &[MessageQueue],
        cid_all: &[String],
    ) -> Vec<MessageQueue> {
        (**self).allocate(consumer_group, current_cid, mq_all, cid_all)
    }
}

/// Java's `AbstractAllocateMessageQueueStrategy.check`: the index of `current_cid` in
/// `cid_all`, or `None` (allocate nothing) when the id is blank, either list is empty, or the
/// id is not in the list.
pub(crate) fn current_index(
    current_cid: &str,
    mq_all: &[MessageQueue],
    cid_all: &[String],
) -> Option<usize> {
    if current_cid.is_empty() || mq_all.is_empty() {
        return None;
    }
    let index = cid_all.iter().position(|c| c == current_cid);
    if index.is_none() {
        tracing::info!(
            current_cid,
            ?cid_all,
            "consumer id not in the group's list, allocating nothing"
        );
    }
    index
}

#[cfg(test)]
pub(crate) mod test_util {
    use crate::message::MessageQueue;

    /// Queues `q0..q{n-1}` of topic `T` on `broker`.
    pub fn queues(broker: &str, n: i32) -> Vec<MessageQueue> {
        (0..n).map(|i| MessageQueue::new("T", broker, i)).collect()
    }

    /// Client ids from string literals.
    pub fn cids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The queue ids of `mqs`.
    pub fn ids(mqs: &[MessageQueue]) -> Vec<i32> {
        mqs.iter().map(|q| q.queue_id).collect()
    }

    /// Checks that the shares of all `cids` partition `mqs` exactly.
    pub fn assert_partition(
        strategy: &dyn super::AllocateStrategy,
        mqs: &[MessageQueue],
        cids: &[String],
    ) {
        let mut all: Vec<MessageQueue> = cids
            .iter()
            .flat_map(|c| strategy.allocate("g", c, mqs, cids))
            .collect();
        all.sort();
        let mut want = mqs.to_vec();
        want.sort();
        assert_eq!(all, want, "{} with {} cids", strategy.name(), cids.len());
    }
}
