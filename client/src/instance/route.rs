//! What a client derives from a topic's route (reference §4.2): the queues it may send to,
//! the queues it may consume from, and broker addresses.

use std::collections::BTreeMap;

use cometmq_remoting::body::{perm, BrokerData, TopicRouteData, MASTER_ID};

use crate::java_string::java_cmp;
use crate::message::MessageQueue;
use crate::producer::TopicPublishInfo;

/// The queues a producer may send `topic`'s messages to (Java
/// `topicRouteData2TopicPublishInfo`).
///
/// With `orderTopicConf` (`broker-a:4;broker-b:4`), exactly those queues, and the topic is
/// ordered. Otherwise, for each queue data sorted by broker name, writable and whose broker
/// has a live master: queues `0..writeQueueNums`.
///
/// ```
/// use cometmq_client::instance::publish_info;
/// use cometmq_remoting::body::{BrokerData, QueueData, TopicRouteData};
/// let route = TopicRouteData {
///     broker_datas: vec![BrokerData {
///         broker_name: "broker-a".into(),
///         broker_addrs: [(0, "10.0.0.1:10911".into())].into(),
///         ..Default::default()
///     }],
///     queue_datas: vec![QueueData {
///         broker_name: "broker-a".into(), perm: 6, read_queue_nums: 4, write_queue_nums: 2,
///         ..Default::default()
///     }],
///     ..Default::default()
/// };
/// let info = publish_info("T", &route);
/// assert_eq!(info.queues.len(), 2);
/// ```
pub fn publish_info(topic: &str, route: &TopicRouteData) -> TopicPublishInfo {
    if let Some(conf) = route.order_topic_conf.as_deref().filter(|c| !c.is_empty()) {
        let queues = conf
            .split(';')
            .filter_map(|item| {
                let (broker, nums) = item.split_once(':')?;
                Some((broker.trim(), nums.trim().parse::<i32>().ok()?))
            })
            .flat_map(|(broker, nums)| (0..nums).map(move |i| MessageQueue::new(topic, broker, i)))
            .collect();
        return TopicPublishInfo::new(queues, true);
    }
    let mut qds: Vec<_> = route.queue_datas.iter().collect();
    qds.sort_by(|a, b| java_cmp(&a.broker_name, &b.broker_name));
    let queues = qds
        .into_iter()
        .filter(|qd| perm::is_writeable(qd.perm))
        .filter(|qd| {
            broker_data(route, &qd.broker_name)
                .is_some_and(|bd| bd.broker_addrs.contains_key(&MASTER_ID))
        })
        .flat_map(|qd| {
            (0..qd.write_queue_nums).map(|i| MessageQueue::new(topic, qd.broker_name.clone(), i))
        })
        .collect();
    TopicPublishInfo::new(queues, false)
}

/// The queues a consumer may pull `topic` from (Java `topicRouteData2TopicSubscribeInfo`):
/// for each readable queue data, queues `0..readQueueNums`; sorted in Java order.
pub fn subscribe_queues(topic: &str, route: &TopicRouteData) -> Vec<MessageQueue> {
    let mut queues: Vec<MessageQueue> = route
        .queue_datas
        .iter()
        .filter(|qd| perm::is_readable(qd.perm))
        .flat_map(|qd| {
            (0..qd.read_queue_nums).map(|i| MessageQueue::new(topic, qd.broker_name.clone(), i))
        })
        .collect();
    queues.sort();
    queues.dedup();
    queues
}

/// The broker data of `broker_name` in `route`.
pub fn broker_data<'a>(route: &'a TopicRouteData, broker_name: &str) -> Option<&'a BrokerData> {
    route
        .broker_datas
        .iter()
        .find(|b| b.broker_name == broker_name)
}

/// Caps every queue data's queue counts at `max` (what Java does to the `TBW102` route when a
/// producer sends to a topic that does not exist yet: `min(defaultTopicQueueNums, n)`).
pub fn cap_queue_nums(route: &mut TopicRouteData, max: i32) {
    for qd in &mut route.queue_datas {
        qd.read_queue_nums = qd.read_queue_nums.min(max);
        qd.write_queue_nums = qd.write_queue_nums.min(max);
    }
}

/// broker name → (broker id → address), merged from routes.
pub type BrokerAddrTable = BTreeMap<String, BTreeMap<i64, String>>;

/// Adds `route`'s broker addresses to `table` (replacing each broker's entry).
pub fn merge_broker_addrs(table: &mut BrokerAddrTable, route: &TopicRouteData) {
    for bd in &route.broker_datas {
        table.insert(bd.broker_name.clone(), bd.broker_addrs.clone());
    }
}

#[cfg(test)]
mod tests {
    use cometmq_remoting::body::QueueData;

    use super::*;

    fn qd(name: &str, perm: i32, r: i32, w: i32) -> QueueData {
        QueueData {
            broker_name: name.into(),
            perm,
            read_queue_nums: r,
            write_queue_nums: w,
            topic_sys_flag: 0,
        }
    }

    fn bd(name: &str, ids: &[i64]) -> BrokerData {
        BrokerData {
            broker_name: name.into(),
            broker_addrs: ids.iter().map(|i| (*i, format!("{name}:{i}"))).collect(),
            ..Default::default()
        }
    }

    fn route() -> TopicRouteData {
        TopicRouteData {
            broker_datas: vec![
                bd("b", &[0, 1]),
                bd("a", &[0]),
                bd("c", &[1]),
                bd("d", &[0]),
            ],
            queue_datas: vec![
                qd("b", 6, 2, 2),
                qd("a", 6, 3, 1),
                qd("c", 6, 1, 1), // no master: not writable
                qd("d", 4, 1, 1), // read-only
                qd("e", 6, 1, 1), // no broker data
            ],
            ..Default::default()
        }
    }

    #[test]
    fn publish_queues_sorted_by_broker_with_masters_only() {
        let info = publish_info("T", &route());
        let got: Vec<_> = info
            .queues
            .iter()
            .map(|q| format!("{}{}", q.broker_name, q.queue_id))
            .collect();
        assert_eq!(got, ["a0", "b0", "b1"]);
        assert!(!info.order_topic);
    }

    #[test]
    fn order_topic_conf_wins() {
        let mut r = route();
        r.order_topic_conf = Some("b:2;a:1;bad;x:y".into());
        let info = publish_info("T", &r);
        let got: Vec<_> = info
            .queues
            .iter()
            .map(|q| format!("{}{}", q.broker_name, q.queue_id))
            .collect();
        assert_eq!(got, ["b0", "b1", "a0"]);
        assert!(info.order_topic);
    }

    #[test]
    fn subscribe_queues_are_readable_ones() {
        let got: Vec<_> = subscribe_queues("T", &route())
            .iter()
            .map(|q| format!("{}{}", q.broker_name, q.queue_id))
            .collect();
        assert_eq!(got, ["a0", "a1", "a2", "b0", "b1", "c0", "d0", "e0"]);
    }

    #[test]
    fn caps_and_addresses() {
        let mut r = route();
        cap_queue_nums(&mut r, 2);
        assert_eq!(r.queue_datas[1].read_queue_nums, 2);
        let mut t = BrokerAddrTable::new();
        merge_broker_addrs(&mut t, &r);
        assert_eq!(t["b"][&1], "b:1");
        assert_eq!(
            broker_data(&r, "a").map(|b| b.broker_name.as_str()),
            Some("a")
        );
    }
}
