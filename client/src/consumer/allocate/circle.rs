//! [`AveragelyByCircle`]: queues dealt round-robin (Java
//! `AllocateMessageQueueAveragelyByCircle`).

use super::{current_index, AllocateStrategy};
use crate::message::MessageQueue;

/// Deals the queues like cards: consumer `i` of `k` takes the queues whose index `j`
/// satisfies `j % k == i`.
///
/// ```
/// use cometmq_client::consumer::allocate::allocate_averagely_by_circle;
/// use cometmq_client::MessageQueue;
/// let mqs: Vec<_> = (0..8).map(|i| MessageQueue::new("T", "b", i)).collect();
/// let cids: Vec<String> = ["c0", "c1", "c2"].map(String::from).into();
/// let ids = |c| allocate_averagely_by_circle(c, &mqs, &cids)
///     .iter().map(|q| q.queue_id).collect::<Vec<_>>();
/// assert_eq!(ids("c0"), [0, 3, 6]);
/// assert_eq!(ids("c1"), [1, 4, 7]);
/// assert_eq!(ids("c2"), [2, 5]);
/// ```
pub fn allocate_averagely_by_circle(
    current_cid: &str,
    mq_all: &[MessageQueue],
    cid_all: &[String],
) -> Vec<MessageQueue> {
    let Some(index) = current_index(current_cid, mq_all, cid_all) else {
        return Vec::new();
    };
    mq_all
        .iter()
        .skip(index)
        .step_by(cid_all.len())
        .cloned()
        .collect()
}

/// Java `AllocateMessageQueueAveragelyByCircle` (name `AVG_BY_CIRCLE`); see
/// [`allocate_averagely_by_circle`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AveragelyByCircle;

impl AllocateStrategy for AveragelyByCircle {
    fn name(&self) -> String {
        "AVG_BY_CIRCLE".to_owned()
    }

    fn allocate(
        &self,
        _consumer_group: &str,
        current_cid: &str,
        mq_all: &[MessageQueue],
        cid_all: &[String],
    ) -> Vec<MessageQueue> {
        allocate_averagely_by_circle(current_cid, mq_all, cid_all)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{assert_partition, cids, ids, queues};
    use super::*;

    #[test]
    fn reference_example() {
        let mqs = queues("b", 8);
        let c = cids(&["c0", "c1", "c2"]);
        assert_eq!(
            ids(&allocate_averagely_by_circle("c0", &mqs, &c)),
            [0, 3, 6]
        );
        assert_eq!(
            ids(&allocate_averagely_by_circle("c1", &mqs, &c)),
            [1, 4, 7]
        );
        assert_eq!(ids(&allocate_averagely_by_circle("c2", &mqs, &c)), [2, 5]);
    }

    #[test]
    fn edge_cases() {
        let mqs = queues("b", 2);
        let c = cids(&["c0", "c1", "c2"]);
        assert!(allocate_averagely_by_circle("c2", &mqs, &c).is_empty());
        assert!(allocate_averagely_by_circle("zz", &mqs, &c).is_empty());
        for n in 1..15 {
            for k in 1..10 {
                let c: Vec<String> = (0..k).map(|i| format!("c{i}")).collect();
                assert_partition(&AveragelyByCircle, &queues("b", n), &c);
            }
        }
    }
}
