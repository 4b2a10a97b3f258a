//! [`ConsistentHash`]: queues routed on a hash ring of consumers (Java
//! `AllocateMessageQueueConsistentHash` and `ConsistentHashRouter`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use super::{current_index, AllocateStrategy};
use crate::message::MessageQueue;

/// A hash function for ring positions (Java `HashFunction`).
pub type HashFn = Arc<dyn Fn(&str) -> u64 + Send + Sync>;

/// Java's default ring hash (`MD5Hash`): the MD5 of the UTF-8 bytes, first 4 digest bytes as
/// a big-endian unsigned 32-bit value.
///
/// ```
/// use cometmq_client::consumer::allocate::md5_hash;
/// assert_eq!(md5_hash("10.0.0.1@1-0"), 2998294157);
/// ```
pub fn md5_hash(key: &str) -> u64 {
    let digest = md5::compute(key.as_bytes());
    let [a, b, c, d, ..] = digest.0;
    u64::from(u32::from_be_bytes([a, b, c, d]))
}

/// A ring of physical nodes, each placed at `virtual_nodes` positions
/// `hash(node + "-" + i)`. A key belongs to the first position at or after `hash(key)`,
/// wrapping to the smallest.
///
/// ```
/// use cometmq_client::consumer::allocate::{md5_hash, ConsistentHashRing};
/// let nodes = ["10.0.0.1@1".to_owned(), "10.0.0.2@1".to_owned()];
/// let ring = ConsistentHashRing::new(&nodes, 10, &md5_hash);
/// assert_eq!(ring.route("MessageQueue [topic=T, brokerName=broker-a, queueId=0]"), Some("10.0.0.1@1"));
/// ```
pub struct ConsistentHashRing<'a> {
    ring: BTreeMap<u64, &'a str>,
    hash: &'a (dyn Fn(&str) -> u64 + Send + Sync),
}

impl<'a> ConsistentHashRing<'a> {
    /// Places every node of `nodes` on the ring `virtual_nodes` times. A node listed twice
    /// gets further positions numbered on from its first ones, as in Java; when two positions
    /// collide the later node wins, as with Java's `TreeMap.put`.
    pub fn new(
        nodes: &'a [String],
        virtual_nodes: usize,
        hash: &'a (dyn Fn(&str) -> u64 + Send + Sync),
    ) -> Self {
        let mut ring = BTreeMap::new();
        let mut existing: HashMap<&str, usize> = HashMap::new();
        for node in nodes {
            let first = existing.entry(node.as_str()).or_insert(0);
            for i in *first..*first + virtual_nodes {
                ring.insert(hash(&format!("{node}-{i}")), node.as_str());
            }
            *first += virtual_nodes;
        }
        ConsistentHashRing { ring, hash }
    }

    /// The node owning `key`; `None` only for an empty ring.
    pub fn route(&self, key: &str) -> Option<&'a str> {
        let h = (self.hash)(key);
        self.ring
            .range(h..)
            .next()
            .or_else(|| self.ring.iter().next())
            .map(|(_, node)| *node)
    }
}

/// Java `AllocateMessageQueueConsistentHash` (name `CONSISTENT_HASH`): each queue goes to
/// the consumer owning `queue.to_string()` on a ring of consumers with `virtual_nodes`
/// positions each (10 by default), hashed with [`md5_hash`] unless another function is
/// given. Adding or removing a consumer moves few queues.
///
/// ```
/// use cometmq_client::consumer::allocate::{AllocateStrategy, ConsistentHash};
/// use cometmq_client::MessageQueue;
/// let mqs: Vec<_> = (0..4).map(|i| MessageQueue::new("T", "broker-a", i)).collect();
/// let cids: Vec<String> = ["10.0.0.1@1", "10.0.0.2@1"].map(String::from).into();
/// let mine = ConsistentHash::default().allocate("g", "10.0.0.1@1", &mqs, &cids);
/// assert_eq!(mine.iter().map(|q| q.queue_id).collect::<Vec<_>>(), [0, 2]);
/// ```
#[derive(Clone)]
pub struct ConsistentHash {
    virtual_nodes: usize,
    hash: HashFn,
}

impl ConsistentHash {
    /// Java's default number of positions per consumer.
    pub const DEFAULT_VIRTUAL_NODES: usize = 10;

    /// `virtual_nodes` positions per consumer, MD5 ring hash.
    pub fn new(virtual_nodes: usize) -> Self {
        ConsistentHash {
            virtual_nodes,
            hash: Arc::new(md5_hash),
        }
    }

    /// Uses `hash` for ring positions instead of [`md5_hash`]. Every consumer of the group
    /// must use the same function.
    pub fn with_hash(mut self, hash: HashFn) -> Self {
        self.hash = hash;
        self
    }
}

impl Default for ConsistentHash {
    fn default() -> Self {
        Self::new(Self::DEFAULT_VIRTUAL_NODES)
    }
}

impl fmt::Debug for ConsistentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsistentHash")
            .field("virtual_nodes", &self.virtual_nodes)
            .finish_non_exhaustive()
    }
}

impl AllocateStrategy for ConsistentHash {
    fn name(&self) -> String {
        "CONSISTENT_HASH".to_owned()
    }

    fn allocate(
        &self,
        _consumer_group: &str,
        current_cid: &str,
        mq_all: &[MessageQueue],
        cid_all: &[String],
    ) -> Vec<MessageQueue> {
        if current_index(current_cid, mq_all, cid_all).is_none() {
            return Vec::new();
        }
        let ring = ConsistentHashRing::new(cid_all, self.virtual_nodes, &*self.hash);
        mq_all
            .iter()
            .filter(|mq| ring.route(&mq.to_string()) == Some(current_cid))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{assert_partition, cids, ids, queues};
    use super::*;

    #[test]
    fn reference_hashes() {
        assert_eq!(md5_hash("10.0.0.1@1-0"), 2_998_294_157);
        let digest = md5::compute(b"10.0.0.1@1-0");
        assert_eq!(&format!("{digest:x}")[..8], "b2b6568d");
        let keys: Vec<u64> = queues("broker-a", 4)
            .iter()
            .map(|q| md5_hash(&q.to_string()))
            .collect();
        assert_eq!(
            keys,
            [1_630_488_180, 2_335_566_527, 5_127_707, 3_682_045_333]
        );
    }

    #[test]
    fn reference_example() {
        let mqs = queues("broker-a", 4);
        let c = cids(&["10.0.0.1@1", "10.0.0.2@1"]);
        let s = ConsistentHash::default();
        assert_eq!(ids(&s.allocate("g", "10.0.0.1@1", &mqs, &c)), [0, 2]);
        assert_eq!(ids(&s.allocate("g", "10.0.0.2@1", &mqs, &c)), [1, 3]);
        assert!(s.allocate("g", "10.0.0.3@1", &mqs, &c).is_empty());
    }

    #[test]
    fn ring_wraps_and_handles_duplicates() {
        let nodes = cids(&["a", "b"]);
        let h = |s: &str| -> u64 {
            match s {
                "a-0" => 100,
                "b-0" => 200,
                "k150" => 150,
                "k200" => 200,
                _ => 1000,
            }
        };
        let ring = ConsistentHashRing::new(&nodes, 1, &h);
        assert_eq!(ring.route("k150"), Some("b")); // first position >= 150
        assert_eq!(ring.route("k200"), Some("b")); // equal counts as at-or-after
        assert_eq!(ring.route("k999"), Some("a")); // past the end: wraps to the smallest
        let empty: Vec<String> = Vec::new();
        assert_eq!(
            ConsistentHashRing::new(&empty, 10, &md5_hash).route("k"),
            None
        );
        // A node listed twice gets positions a-0 and a-1.
        let dup = cids(&["a", "a"]);
        let ring = ConsistentHashRing::new(&dup, 1, &md5_hash);
        assert_eq!(ring.ring.len(), 2);
    }

    #[test]
    fn custom_hash_and_partition() {
        let s = ConsistentHash::new(3).with_hash(Arc::new(|k: &str| k.len() as u64));
        assert_eq!(format!("{s:?}"), "ConsistentHash { virtual_nodes: 3, .. }");
        for k in 1..6 {
            let c: Vec<String> = (0..k).map(|i| format!("10.0.0.{i}@1")).collect();
            assert_partition(&ConsistentHash::default(), &queues("b", 16), &c);
        }
    }
}
