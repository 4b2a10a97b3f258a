//! Registry semantics that the wire tests do not reach easily.

use std::time::{Duration, Instant};

use cometmq_remoting::body::{DataVersion, TopicConfig};

use super::*;

fn reg(name: &str, id: i64, addr: &str, topics: &[(&str, i32)], counter: i64) -> Registration {
    Registration {
        cluster: "C".into(),
        broker_addr: addr.into(),
        broker_name: name.into(),
        broker_id: id,
        ha_server_addr: format!("{addr}-ha"),
        timeout: Duration::from_secs(120),
        data_version: DataVersion {
            counter,
            ..Default::default()
        },
        topics: topics
            .iter()
            .map(|(t, q)| ((*t).to_owned(), TopicConfig::new(*t, *q)))
            .collect(),
        conn_id: Some(id as u64 + 100),
        ..Default::default()
    }
}

#[test]
fn topics_are_reread_only_when_the_data_version_changes() {
    let t = RouteTable::new();
    t.register(reg("a", 0, "m:1", &[("T", 4)], 1), false);
    assert_eq!(t.wipe_and_count("a"), 1);
    // Same version, different table: ignored, and the wiped permission sticks.
    t.register(reg("a", 0, "m:1", &[("T", 8)], 1), false);
    let q = t.queue_data("T", "a").expect("queues");
    assert_eq!((q.write_queue_nums, q.perm), (4, 4));
    t.register(reg("a", 0, "m:1", &[("T", 8), ("U", 2)], 2), false);
    let q = t.queue_data("T", "a").expect("queues");
    assert_eq!((q.write_queue_nums, q.perm), (8, 6));
    assert!(t.route("U").is_some());
}

#[test]
fn slaves_contribute_no_topics_and_learn_their_master() {
    let t = RouteTable::new();
    let r = t.register(reg("a", 1, "s:1", &[("T", 4)], 1), false);
    assert_eq!(r, RegisterResult::default());
    assert!(t.route("T").is_none());
    t.register(reg("a", 0, "m:1", &[("T", 4)], 1), false);
    let r = t.register(reg("a", 1, "s:1", &[("T", 4)], 1), false);
    assert_eq!(r.master_addr.as_deref(), Some("m:1"));
    assert_eq!(r.ha_server_addr.as_deref(), Some("m:1-ha"));
}

#[test]
fn same_address_under_a_new_id_replaces_the_old_id() {
    let t = RouteTable::new();
    t.register(reg("a", 0, "m:1", &[("T", 4)], 1), false);
    t.register(reg("a", 1, "s:1", &[], 1), false);
    // The slave is promoted: it registers as id 0 from the same address.
    t.register(reg("a", 0, "s:1", &[("T", 4)], 5), false);
    let addrs = &t.cluster_info().broker_addr_table["a"].broker_addrs;
    assert_eq!(addrs.len(), 1);
    assert_eq!(addrs.get(&0).map(String::as_str), Some("s:1"));
}

#[test]
fn removing_the_last_address_removes_group_cluster_and_topics() {
    let t = RouteTable::new();
    t.register(reg("a", 0, "m:1", &[("T", 4)], 1), false);
    t.register(reg("b", 0, "n:1", &[("T", 4), ("U", 1)], 1), false);
    t.register(reg("a", 1, "s:1", &[], 1), false);
    assert!(t.unregister("C", "m:1", "a"));
    assert_eq!(
        t.route("T").expect("route").queue_datas.len(),
        2,
        "slave keeps a alive"
    );
    assert_eq!(
        t.drop_connection(101),
        vec![BrokerAddr {
            cluster: "C".into(),
            addr: "s:1".into()
        }]
    );
    assert_eq!(t.route("T").expect("route").queue_datas.len(), 1);
    assert!(!t.unregister("C", "m:1", "a"));
    t.unregister("C", "n:1", "b");
    assert!(t.route("T").is_none() && t.route("U").is_none());
    assert!(t.cluster_info().cluster_addr_table.is_empty());
}

#[test]
fn expiry_uses_each_brokers_timeout() {
    let t = RouteTable::new();
    let mut short = reg("a", 0, "m:1", &[("T", 4)], 1);
    short.timeout = Duration::from_millis(10);
    t.register(short, false);
    t.register(reg("b", 0, "n:1", &[("T", 4)], 1), false);
    assert!(t.expire(Instant::now()).is_empty());
    let gone = t.expire(Instant::now() + Duration::from_millis(50));
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].0.addr, "m:1");
    assert_eq!(t.route("T").expect("b remains").broker_datas.len(), 1);
}

#[test]
fn delete_missing_topics_on_registration_when_enabled() {
    let t = RouteTable::new();
    t.register(reg("a", 0, "m:1", &[("T", 4), ("U", 4)], 1), true);
    t.register(reg("a", 0, "m:1", &[("T", 4)], 2), true);
    assert!(t.route("U").is_none());
    assert!(t.route("T").is_some());
}

#[test]
fn delete_topic_by_cluster() {
    let t = RouteTable::new();
    t.register(reg("a", 0, "m:1", &[("T", 4)], 1), false);
    let mut other = reg("b", 0, "n:1", &[("T", 4)], 1);
    other.cluster = "D".into();
    t.register(other, false);
    assert!(t.delete_topic("T", Some("C")));
    assert_eq!(
        t.route("T").expect("D keeps it").queue_datas[0].broker_name,
        "b"
    );
    assert!(!t.delete_topic("T", Some("nope")));
    assert!(t.delete_topic("T", None));
    assert!(t.all_topics().topic_list.is_empty());
}

impl RouteTable {
    fn wipe_and_count(&self, name: &str) -> i32 {
        self.set_write_perm(name, true)
    }
}
