//! [`MachineRoomNearby`]: consume from brokers in your own machine room, and share the
//! queues of rooms without consumers (Java `AllocateMachineRoomNearby`).

use std::collections::BTreeMap;

use super::AllocateStrategy;
use crate::message::MessageQueue;

/// Tells which machine room a broker and a consumer are in (Java `MachineRoomResolver`).
///
/// Implemented for a pair of closures `(broker_room, consumer_room)`.
pub trait MachineRoomResolver: Send + Sync {
    /// The room of the broker holding `mq`.
    fn broker_deploy_in(&self, mq: &MessageQueue) -> Option<String>;
    /// The room of consumer `client_id`.
    fn consumer_deploy_in(&self, client_id: &str) -> Option<String>;
}

impl<B, C> MachineRoomResolver for (B, C)
where
    B: Fn(&MessageQueue) -> Option<String> + Send + Sync,
    C: Fn(&str) -> Option<String> + Send + Sync,
{
    fn broker_deploy_in(&self, mq: &MessageQueue) -> Option<String> {
        (self.0)(mq)
    }

    fn consumer_deploy_in(&self, client_id: &str) -> Option<String> {
        (self.1)(client_id)
    }
}

/// Groups queues and consumers by machine room. This consumer gets `inner`'s share of its
/// own room's queues among its own room's consumers, plus, for every room that has queues
/// but no consumer, `inner`'s share of that room's queues among all consumers.
///
/// Java throws when a queue or consumer has no room; here an unresolved room (or an empty
/// name) counts as the room named `""`, so allocation stays total and identical on every
/// consumer.
///
/// ```
/// use cometmq_client::consumer::allocate::{AllocateStrategy, Averagely, MachineRoomNearby};
/// use cometmq_client::MessageQueue;
/// // Broker names and client ids start with their room: "A-broker", "A-client"…
/// let room = |s: &str| s.split('-').next().map(str::to_owned);
/// let s = MachineRoomNearby::new(
///     Averagely,
///     (move |q: &MessageQueue| room(&q.broker_name), move |c: &str| room(c)),
/// );
/// let mqs: Vec<_> = ["A-b", "B-b", "C-b"].iter()
///     .flat_map(|b| (0..2).map(move |i| MessageQueue::new("T", *b, i)))
///     .collect();
/// let cids: Vec<String> = ["A-client", "B-client"].map(String::from).into();
/// let mine = s.allocate("g", "A-client", &mqs, &cids);
/// let names: Vec<_> = mine.iter().map(|q| format!("{}/{}", q.broker_name, q.queue_id)).collect();
/// assert_eq!(names, ["A-b/0", "A-b/1", "C-b/0"]);
/// ```
#[derive(Debug, Clone)]
pub struct MachineRoomNearby<S, R> {
    inner: S,
    resolver: R,
}

impl<S: AllocateStrategy, R: MachineRoomResolver> MachineRoomNearby<S, R> {
    /// Wraps `inner`, with rooms told by `resolver`.
    pub fn new(inner: S, resolver: R) -> Self {
        MachineRoomNearby { inner, resolver }
    }
}

impl<S: AllocateStrategy, R: MachineRoomResolver> AllocateStrategy for MachineRoomNearby<S, R> {
    fn name(&self) -> String {
        format!("MACHINE_ROOM_NEARBY-{}", self.inner.name())
    }

    fn allocate(
        &self,
        consumer_group: &str,
        current_cid: &str,
        mq_all: &[MessageQueue],
        cid_all: &[String],
    ) -> Vec<MessageQueue> {
        if super::current_index(current_cid, mq_all, cid_all).is_none() {
            return Vec::new();
        }
        // Java uses TreeMaps; room names are ASCII in practice, where the orders agree.
        let mut room_queues: BTreeMap<String, Vec<MessageQueue>> = BTreeMap::new();
        for mq in mq_all {
            let room = self.resolver.broker_deploy_in(mq).unwrap_or_default();
            room_queues.entry(room).or_default().push(mq.clone());
        }
        let mut room_consumers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for cid in cid_all {
            let room = self.resolver.consumer_deploy_in(cid).unwrap_or_default();
            room_consumers.entry(room).or_default().push(cid.clone());
        }
        let my_room = self
            .resolver
            .consumer_deploy_in(current_cid)
            .unwrap_or_default();
        let mut result = Vec::new();
        if let Some(queues) = room_queues.remove(&my_room) {
            let mates = room_consumers
                .get(&my_room)
                .map(Vec::as_slice)
                .unwrap_or_default();
            result.extend(
                self.inner
                    .allocate(consumer_group, current_cid, &queues, mates),
            );
        }
        for (room, queues) in &room_queues {
            if !room_consumers.contains_key(room) {
                result.extend(
                    self.inner
                        .allocate(consumer_group, current_cid, queues, cid_all),
                );
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{assert_partition, cids};
    use super::super::{Averagely, AveragelyByCircle};
    use super::*;

    fn room_of(s: &str) -> Option<String> {
        s.split('-')
            .next()
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
    }

    type Fns = (
        fn(&MessageQueue) -> Option<String>,
        fn(&str) -> Option<String>,
    );

    fn resolver() -> Fns {
        (|q| room_of(&q.broker_name), room_of)
    }

    fn rooms_queues(rooms: &[&str], per: i32) -> Vec<MessageQueue> {
        rooms
            .iter()
            .flat_map(|r| (0..per).map(move |i| MessageQueue::new("T", format!("{r}-broker"), i)))
            .collect()
    }

    #[test]
    fn reference_example() {
        // Rooms A{a0,a1}/{cA}, B{b0,b1}/{cB}, C{c0,c1}/no consumer.
        let mqs = rooms_queues(&["A", "B", "C"], 2);
        let c = cids(&["A-c", "B-c"]);
        let s = MachineRoomNearby::new(Averagely, resolver());
        let show = |cid| -> Vec<String> {
            s.allocate("g", cid, &mqs, &c)
                .iter()
                .map(|q| format!("{}{}", &q.broker_name[..1], q.queue_id))
                .collect()
        };
        assert_eq!(show("A-c"), ["A0", "A1", "C0"]);
        assert_eq!(show("B-c"), ["B0", "B1", "C1"]);
        assert_eq!(s.name(), "MACHINE_ROOM_NEARBY-AVG");
    }

    #[test]
    fn always_a_partition() {
        let s = MachineRoomNearby::new(AveragelyByCircle, resolver());
        let mqs = rooms_queues(&["A", "B", "C", "D"], 3);
        for c in [
            cids(&["A-1", "A-2", "B-1"]),
            cids(&["D-1"]),
            cids(&["A-1", "B-1", "C-1", "D-1", "E-1"]),
            cids(&["-x", "A-1"]),
        ] {
            assert_partition(&s, &mqs, &c);
        }
        assert!(s.allocate("g", "Z-1", &mqs, &cids(&["A-1"])).is_empty());
    }
}
