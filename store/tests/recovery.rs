//! Recovery after a crash, simulated by copying a running store's directory (the copy
//! keeps the `abort` file, as a killed process would).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_store::{AcceptAll, GetStatus, MessageStore};
use common::*;

async fn fill(store: &MessageStore, n: usize) -> Vec<cometmq_store::Appended> {
    let mut v = Vec::new();
    for i in 0..n {
        let p = props(&[("KEYS", &format!("k{i}")), ("TAGS", "t")]);
        let r = store
            .append(record("C", (i % 2) as i32, &vec![i as u8; 300 + i], &p))
            .await;
        v.push(r.appended.unwrap());
    }
    settle(store).await;
    v
}

#[tokio::test]
async fn crash_copy_recovers_everything() {
    let dir = tempfile::tempdir().unwrap();
    let crashed = tempfile::tempdir().unwrap();
    let store = MessageStore::open(config(dir.path())).unwrap();
    let appended = fill(&store, 300).await;
    copy_dir(dir.path(), crashed.path());
    drop(store);

    let store = MessageStore::open(config(crashed.path())).unwrap();
    assert!(store.recovered_from_crash());
    assert_eq!(store.max_offset("C", 0) + store.max_offset("C", 1), 300);
    for (i, a) in appended.iter().enumerate() {
        let m = decode(&store.get_message_at(a.phys_offset).unwrap());
        assert_eq!(m.body.len(), 300 + i);
        assert_eq!(
            store
                .query_by_key("C", &format!("k{i}"), 5, 0, i64::MAX)
                .messages
                .len(),
            1
        );
    }
    let a = store
        .append(record("C", 0, b"next", ""))
        .await
        .appended
        .unwrap();
    assert_eq!(a.queue_offset, 150);
    assert_eq!(a.phys_offset, appended.last().unwrap().end_offset());
}

#[tokio::test]
async fn torn_tail_is_truncated_with_its_queue_entries() {
    let dir = tempfile::tempdir().unwrap();
    let crashed = tempfile::tempdir().unwrap();
    let store = MessageStore::open(config(dir.path())).unwrap();
    let appended = fill(&store, 20).await;
    copy_dir(dir.path(), crashed.path());
    drop(store);

    // Tear the last record: flip a body byte (CRC mismatch).
    let last = appended.last().unwrap();
    let file_size = config(dir.path()).mapped_file_size_commit_log as i64;
    let base = last.phys_offset - last.phys_offset % file_size;
    let path = crashed.path().join(format!("commitlog/{base:020}"));
    let mut bytes = std::fs::read(&path).unwrap();
    let pos = (last.end_offset() - base - 20) as usize;
    bytes[pos] ^= 0xFF;
    // Garbage past the end must not resurrect anything either.
    let end = (last.end_offset() - base) as usize;
    bytes[end + 100..end + 200].fill(0xAB);
    std::fs::write(&path, bytes).unwrap();

    let store = MessageStore::open(config(crashed.path())).unwrap();
    assert!(store.recovered_from_crash());
    assert_eq!(
        store.max_phys_offset(),
        last.phys_offset,
        "log ends before the torn record"
    );
    assert_eq!(
        store.max_offset("C", 1),
        9,
        "its ConsumeQueue entry is gone"
    );
    assert!(store.get_message_at(last.phys_offset).is_none());
    assert!(store
        .query_by_key("C", "k19", 5, 0, i64::MAX)
        .messages
        .is_empty());
    let r = store.get_messages(None, "C", 1, 9, 32, &AcceptAll);
    assert_eq!(r.status, GetStatus::OffsetOverflowOne);
    let a = store
        .append(record("C", 1, b"again", ""))
        .await
        .appended
        .unwrap();
    assert_eq!((a.queue_offset, a.phys_offset), (9, last.phys_offset));
    settle(&store).await;
    let m = store.get_messages(None, "C", 1, 9, 32, &AcceptAll);
    assert_eq!(&decode(&m.messages[0]).body[..], b"again");
    store.shutdown().unwrap();
    drop(store);

    // Clean reopen: the zeroed tail stays dead.
    let store = MessageStore::open(config(crashed.path())).unwrap();
    assert!(!store.recovered_from_crash());
    assert_eq!(store.max_offset("C", 1), 10);
}

#[tokio::test]
async fn lost_consume_queues_and_index_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let crashed = tempfile::tempdir().unwrap();
    let store = MessageStore::open(config(dir.path())).unwrap();
    let appended = fill(&store, 250).await;
    store.flush().unwrap();
    copy_dir(dir.path(), crashed.path());
    drop(store);
    std::fs::remove_dir_all(crashed.path().join("consumequeue")).unwrap();
    std::fs::remove_dir_all(crashed.path().join("index")).unwrap();
    // The checkpoint says nothing was flushed: recovery starts at the first file.
    std::fs::write(crashed.path().join("checkpoint"), vec![0u8; 4096]).unwrap();

    let store = MessageStore::open(config(crashed.path())).unwrap();
    assert_eq!(store.max_offset("C", 0), 125);
    let r = store.get_messages(None, "C", 0, 0, 32, &AcceptAll);
    assert_eq!(
        decode(&r.messages[1]).commit_log_offset,
        appended[2].phys_offset
    );
    assert_eq!(
        store
            .query_by_key("C", "k77", 5, 0, i64::MAX)
            .messages
            .len(),
        1
    );
}
