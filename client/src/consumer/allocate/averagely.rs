//! [`Averagely`]: contiguous, nearly equal blocks (Java `AllocateMessageQueueAveragely`,
//! the default strategy).

use super::{current_index, AllocateStrategy};
use crate::message::MessageQueue;

/// Splits the queues into `|cid_all|` contiguous blocks whose sizes differ by at most one;
/// the first `n % k` consumers get the larger blocks. With more consumers than queues, the
/// extra consumers get nothing.
///
/// With `n` queues, `k` consumers and this consumer at index `i`, `mod = n % k`:
/// `avg = 1` if `n <= k`, else `n/k + 1` if `mod > 0 && i < mod`, else `n/k`;
/// `start = i*avg` if `mod > 0 && i < mod`, else `i*avg + mod`; the share is
/// `min(avg, n - start)` queues from `start`.
///
/// ```
/// use cometmq_client::consumer::allocate::allocate_averagely;
/// use cometmq_client::MessageQueue;
/// let mqs: Vec<_> = (0..8).map(|i| MessageQueue::new("T", "b", i)).collect();
/// let cids: Vec<String> = ["c0", "c1", "c2"].map(String::from).into();
/// let ids = |c| allocate_averagely(c, &mqs, &cids).iter().map(|q| q.queue_id).collect::<Vec<_>>();
/// assert_eq!(ids("c0"), [0, 1, 2]);
/// assert_eq!(ids("c1"), [3, 4, 5]);
/// assert_eq!(ids("c2"), [6, 7]);
/// ```
pub fn allocate_averagely(
    current_cid: &str,
    mq_all: &[MessageQueue],
    cid_all: &[String],
) -> Vec<MessageQueue> {
    let Some(index) = current_index(current_cid, mq_all, cid_all) else {
        return Vec::new();
    };
    let n = mq_all.len();
    let k = cid_all.len();
    let rem = n % k;
    let bigger = rem > 0 && index < rem;
    let avg = if n <= k {
        1
    } else if bigger {
        n / k + 1
    } else {
        n / k
    };
    let start = if bigger {
        index * avg
    } else {
        index * avg + rem
    };
    let range = avg.min(n.saturating_sub(start));
    (0..range)
        .filter_map(|i| mq_all.get((start + i) % n).cloned())
        .collect()
}

/// The default strategy (Java `AllocateMessageQueueAveragely`, name `AVG`); see
/// [`allocate_averagely`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Averagely;

impl AllocateStrategy for Averagely {
    fn name(&self) -> String {
        "AVG".to_owned()
    }

    fn allocate(
        &self,
        _consumer_group: &str,
        current_cid: &str,
        mq_all: &[MessageQueue],
        cid_all: &[String],
    ) -> Vec<MessageQueue> {
        allocate_averagely(current_cid, mq_all, cid_all)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{assert_partition, cids, ids, queues};
    use super::*;

    #[test]
    fn reference_example_eight_queues_three_consumers() {
        let mqs = queues("b", 8);
        let c = cids(&["c0", "c1", "c2"]);
        assert_eq!(ids(&allocate_averagely("c0", &mqs, &c)), [0, 1, 2]);
        assert_eq!(ids(&allocate_averagely("c1", &mqs, &c)), [3, 4, 5]);
        assert_eq!(ids(&allocate_averagely("c2", &mqs, &c)), [6, 7]);
    }

    #[test]
    fn reference_example_more_consumers_than_queues() {
        let mqs = queues("b", 3);
        let c = cids(&["c0", "c1", "c2", "c3", "c4"]);
        assert_eq!(ids(&allocate_averagely("c0", &mqs, &c)), [0]);
        assert_eq!(ids(&allocate_averagely("c2", &mqs, &c)), [2]);
        assert!(allocate_averagely("c3", &mqs, &c).is_empty());
        assert!(allocate_averagely("c4", &mqs, &c).is_empty());
    }

    #[test]
    fn unknown_or_empty_inputs_get_nothing() {
        let mqs = queues("b", 4);
        let c = cids(&["c0", "c1"]);
        assert!(allocate_averagely("cX", &mqs, &c).is_empty());
        assert!(allocate_averagely("", &mqs, &c).is_empty());
        assert!(allocate_averagely("c0", &[], &c).is_empty());
        assert!(allocate_averagely("c0", &mqs, &[]).is_empty());
    }

    #[test]
    fn always_a_partition() {
        for n in 1..20 {
            for k in 1..12 {
                let mqs = queues("b", n);
                let c: Vec<String> = (0..k).map(|i| format!("c{i:02}")).collect();
                assert_partition(&Averagely, &mqs, &c);
            }
        }
    }
}
