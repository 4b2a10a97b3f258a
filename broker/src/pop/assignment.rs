//! QUERY_ASSIGNMENT's queue allocation (Java `QueryAssignmentProcessor.doLoadBalance` and
//! `allocate4Pop`): which queues of a topic a client of a group should consume, and how.

use cometmq_remoting::body::client::MessageQueue;

/// The strategies a client may name (Java's `AllocateMessageQueueAveragely` and
/// `AllocateMessageQueueAveragelyByCircle`).
pub fn allocate(
    strategy: &str,
    client: &str,
    mqs: &[MessageQueue],
    cids: &[String],
) -> Option<Vec<MessageQueue>> {
    let index = cids.iter().position(|c| c == client)?;
    if mqs.is_empty() {
        return Some(Vec::new());
    }
    match strategy {
        "AVG" => {
            let (n, c) = (mqs.len(), cids.len());
            let rem = n % c;
            let avg = if n <= c {
                1
            } else if rem > 0 && index < rem {
                n / c + 1
            } else {
                n / c
            };
            let start = if rem > 0 && index < rem {
                index * avg
            } else {
                index * avg + rem
            };
            let range = avg.min(n.saturating_sub(start));
            Some((0..range).map(|i| mqs[(start + i) % n].clone()).collect())
        }
        "AVG_BY_CIRCLE" => Some(
            (index..mqs.len())
                .step_by(cids.len())
                .map(|i| mqs[i].clone())
                .collect(),
        ),
        _ => None,
    }
}

/// POP's allocation (`allocate4Pop`): with `share` ≤ 0 or at least the number of other
/// consumers, every consumer pops every broker (one queue id -1 per broker); else each
/// also pops the queues of the `share` consumers after it.
pub fn allocate_for_pop(
    strategy: &str,
    client: &str,
    mqs: &[MessageQueue],
    cids: &[String],
    share: i32,
) -> Option<Vec<MessageQueue>> {
    let share_all = share <= 0 || usize::try_from(share).unwrap_or(0) + 1 >= cids.len();
    if share_all {
        let mut brokers: Vec<MessageQueue> = mqs
            .iter()
            .map(|q| MessageQueue::new(q.topic.clone(), q.broker_name.clone(), -1))
            .collect();
        brokers.dedup();
        return Some(brokers);
    }
    let index = cids.iter().position(|c| c == client)?;
    if cids.len() > mqs.len() {
        return Some(
            mqs.get(index % mqs.len().max(1))
                .cloned()
                .into_iter()
                .collect(),
        );
    }
    let mut out = allocate(strategy, client, mqs, cids)?;
    let mut i = index;
    for _ in 0..share {
        i = (i + 1) % cids.len();
        out.extend(allocate(strategy, &cids[i], mqs, cids)?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mqs(n: i32) -> Vec<MessageQueue> {
        (0..n).map(|q| MessageQueue::new("T", "b", q)).collect()
    }

    #[test]
    fn averages_as_java() {
        let cids: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let ids = |v: Vec<MessageQueue>| v.iter().map(|q| q.queue_id).collect::<Vec<_>>();
        assert_eq!(
            ids(allocate("AVG", "a", &mqs(8), &cids).unwrap()),
            vec![0, 1, 2]
        );
        assert_eq!(
            ids(allocate("AVG", "c", &mqs(8), &cids).unwrap()),
            vec![6, 7]
        );
        assert_eq!(
            ids(allocate("AVG_BY_CIRCLE", "b", &mqs(8), &cids).unwrap()),
            vec![1, 4, 7]
        );
        assert!(allocate("NOPE", "a", &mqs(8), &cids).is_none());
        let pop = allocate_for_pop("AVG", "a", &mqs(8), &cids, -1).unwrap();
        assert_eq!(ids(pop), vec![-1]);
        let shared = allocate_for_pop("AVG", "a", &mqs(8), &cids, 1).unwrap();
        assert_eq!(ids(shared), vec![0, 1, 2, 3, 4, 5]);
    }
}
