//! Transfer limits of a read by queue offset: the in-memory limits near the CommitLog's
//! end, the smaller on-disk limits for messages further behind it than
//! `accessMessageInMemoryMaxRatio` of memory, and the slave suggestion. The memory size
//! is configured small, so nothing depends on the machine's RAM.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_store::{AcceptAll, GetStatus, MessageStore};
use common::*;

/// 100 messages of ~1.1 KiB in queue 0 of topic "L"; memory 100 KiB at 40 %: only the
/// messages within 40 KiB of the log's end count as in memory.
async fn store_with_lag(
    tweak: impl FnOnce(&mut cometmq_store::StoreConfig),
) -> (tempfile::TempDir, MessageStore, usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    c.total_physical_memory = 100 * 1024;
    c.access_message_in_memory_max_ratio = 40;
    tweak(&mut c);
    let store = common::open(c).unwrap();
    let mut size = 0;
    for i in 0..100u8 {
        let r = store.append(record("L", 0, &[i; 1000], "")).await;
        size = r.appended.unwrap().wrote_bytes;
    }
    settle(&store).await;
    (dir, store, size)
}

#[tokio::test]
async fn lagging_reads_take_the_on_disk_limits_and_suggest_the_slave() {
    let (_dir, store, size) = store_with_lag(|_| {}).await;
    // Offset 0 lies ~100 KiB behind the end: in disk, at most 8 messages.
    let r = store.get_messages(None, "L", 0, 0, 32, &AcceptAll);
    assert_eq!(r.status, GetStatus::Found);
    assert_eq!(r.messages.len(), 8);
    assert_eq!(r.next_begin_offset, 8);
    assert!(r.suggest_pulling_from_slave);

    // The last 20 messages lie within 40 KiB of the end: the in-memory limit (32)
    // lets all of them through, and there is no reason to go to a slave.
    assert!(20 * size < 40 * 1024);
    let r = store.get_messages(None, "L", 0, 80, 32, &AcceptAll);
    assert_eq!(r.messages.len(), 20);
    assert!(!r.suggest_pulling_from_slave);

    // The request's own count still applies.
    let r = store.get_messages(None, "L", 0, 0, 3, &AcceptAll);
    assert_eq!(r.messages.len(), 3);
}

#[tokio::test]
async fn on_disk_byte_limit_and_unknown_memory() {
    let (_dir, store, size) = store_with_lag(|c| {
        c.max_transfer_bytes_on_message_in_disk = 2 * 1024 + 1024 / 2;
    })
    .await;
    // Two ~1.1 KiB messages fit in 2.5 KiB, a third does not.
    assert!(2 * size <= 2560 && 3 * size > 2560);
    let r = store.get_messages(None, "L", 0, 0, 32, &AcceptAll);
    assert_eq!(r.messages.len(), 2);
    assert_eq!(r.total_size, 2 * size);
    drop(store);

    // Memory size unknown (0): everything counts as in memory.
    let (_dir, store, _) = store_with_lag(|c| c.total_physical_memory = 0).await;
    let r = store.get_messages(None, "L", 0, 0, 32, &AcceptAll);
    assert_eq!(r.messages.len(), 32);
    assert!(!r.suggest_pulling_from_slave);
}
