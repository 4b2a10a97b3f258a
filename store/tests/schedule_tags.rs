//! ConsumeQueue tags codes of delayed messages: for `SCHEDULE_TOPIC_XXXX` entries the
//! dispatcher writes the delivery time (store time + the level's delay), also when
//! ConsumeQueues are rebuilt from the CommitLog.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::message::tags_code;
use cometmq_store::config::SCHEDULE_TOPIC;
use cometmq_store::{MessageStore, PutStatus};
use common::*;

const NOW: i64 = 1_700_000_000_000;

fn schedule_config(root: &std::path::Path) -> cometmq_store::StoreConfig {
    let mut c = config(root);
    c.delay_levels_ms = vec![1000, 2000, 3000];
    c
}

/// (topic, queue, properties) → expected tags code.
fn cases() -> Vec<(&'static str, i32, String, i64)> {
    vec![
        (
            SCHEDULE_TOPIC,
            0,
            props(&[("DELAY", "1"), ("TAGS", "A")]),
            NOW + 1000,
        ),
        (SCHEDULE_TOPIC, 1, props(&[("DELAY", "2")]), NOW + 2000),
        (SCHEDULE_TOPIC, 2, props(&[("DELAY", "3")]), NOW + 3000),
        // Beyond the table: clamped to the last level.
        (SCHEDULE_TOPIC, 2, props(&[("DELAY", "9")]), NOW + 3000),
        // No usable level: the ordinary tag hash.
        (
            SCHEDULE_TOPIC,
            0,
            props(&[("DELAY", "0"), ("TAGS", "A")]),
            tags_code(Some("A")),
        ),
        (SCHEDULE_TOPIC, 0, props(&[("DELAY", "x")]), 0),
        // Other topics ignore DELAY.
        ("T", 0, props(&[("DELAY", "2"), ("TAGS", "TagA")]), 2598919),
    ]
}

async fn check(store: &MessageStore, appended: &[(String, i32, i64)]) {
    for ((topic, queue, offset), (_, _, _, want)) in appended.iter().zip(cases()) {
        let e = store.cq_entry(topic, *queue, *offset).unwrap();
        assert_eq!(e.tags_code, want, "{topic}/{queue}@{offset}");
    }
}

#[tokio::test]
async fn schedule_entries_carry_the_delivery_time() {
    let dir = tempfile::tempdir().unwrap();
    let crashed = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(NOW);
    let store = MessageStore::open_with(
        schedule_config(dir.path()),
        clock.clone(),
        FakeDisk::new(0.1),
    )
    .unwrap();
    let mut appended = Vec::new();
    for (topic, queue, p, _) in cases() {
        let r = store.append(record(topic, queue, b"x", &p)).await;
        assert_eq!(r.status, PutStatus::PutOk);
        let a = r.appended.unwrap();
        assert_eq!(a.store_timestamp, NOW);
        appended.push((topic.to_string(), queue, a.queue_offset));
    }
    settle(&store).await;
    check(&store, &appended).await;
    assert!(store.cq_entry(SCHEDULE_TOPIC, 0, 99).is_none());

    // Rebuilt from the CommitLog, the entries are the same.
    store.flush().unwrap();
    copy_dir(dir.path(), crashed.path());
    drop(store);
    std::fs::remove_dir_all(crashed.path().join("consumequeue")).unwrap();
    std::fs::write(crashed.path().join("checkpoint"), vec![0u8; 4096]).unwrap();
    let clock = ManualClock::new(NOW + 60_000);
    let store = MessageStore::open_with(schedule_config(crashed.path()), clock, FakeDisk::new(0.1))
        .unwrap();
    check(&store, &appended).await;
}

#[test]
fn deliver_timestamp_rules() {
    let mut c = cometmq_store::StoreConfig::default();
    assert_eq!(c.delay_levels_ms.len(), 18);
    assert_eq!(c.deliver_timestamp(18, 0), Some(7_200_000));
    assert_eq!(c.deliver_timestamp(0, 5), None);
    assert_eq!(c.deliver_timestamp(-1, 5), None);
    c.delay_levels_ms.clear();
    // An empty table (not a broker config): Java's unknown-level rule, +1 s.
    assert_eq!(c.deliver_timestamp(3, 5), Some(1005));
}
