//! Deleting a topic's ConsumeQueues: a re-created topic starts at offset 0 and never
//! sees the old messages, also after a restart (clean or not) that dispatches the old
//! records again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_store::{AcceptAll, GetStatus, MessageStore};
use common::*;

async fn send(store: &MessageStore, topic: &str, queue_id: i32, body: &[u8]) -> i64 {
    let r = store.append(record(topic, queue_id, body, "")).await;
    r.appended.unwrap().queue_offset
}

fn bodies(store: &MessageStore, topic: &str, queue_id: i32) -> Vec<Vec<u8>> {
    let r = store.get_messages(None, topic, queue_id, 0, 32, &AcceptAll);
    r.messages.iter().map(|m| decode(m).body.to_vec()).collect()
}

#[tokio::test]
async fn deleted_topic_starts_again_at_zero() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::open(config(dir.path())).unwrap();
    for i in 0..5 {
        assert_eq!(send(&store, "D", i % 2, b"old").await, i64::from(i / 2));
    }
    send(&store, "Other", 0, b"keep").await;
    settle(&store).await;
    assert!(dir.path().join("consumequeue/D/0").exists());

    // Deleted while records of it may still be undispatched.
    send(&store, "D", 0, b"old-last").await;
    assert_eq!(store.delete_topic("D").unwrap(), 2);
    assert!(!dir.path().join("consumequeue/D/0").exists());
    assert!(!dir.path().join("consumequeue/D/1").exists());
    assert_eq!(store.max_offset("D", 0), 0);
    let r = store.get_messages(None, "D", 0, 0, 32, &AcceptAll);
    assert_eq!(r.status, GetStatus::NoMatchedLogicQueue);
    assert!(!store.queues().contains(&("D".to_owned(), 0)));

    // Re-created: offsets from 0, only the new messages.
    assert_eq!(send(&store, "D", 0, b"new0").await, 0);
    assert_eq!(send(&store, "D", 0, b"new1").await, 1);
    settle(&store).await;
    assert_eq!(bodies(&store, "D", 0), [b"new0".to_vec(), b"new1".to_vec()]);
    assert_eq!(store.max_offset("D", 1), 0);
    assert_eq!(bodies(&store, "Other", 0), [b"keep".to_vec()]);
    drop(store);

    // A clean restart.
    let store = common::open(config(dir.path())).unwrap();
    assert_eq!(bodies(&store, "D", 0), [b"new0".to_vec(), b"new1".to_vec()]);
    assert_eq!(send(&store, "D", 0, b"new2").await, 2);
    assert_eq!(send(&store, "D", 1, b"new-q1").await, 0);
    settle(&store).await;
    assert_eq!(bodies(&store, "D", 1), [b"new-q1".to_vec()]);
}

#[tokio::test]
async fn deleted_topic_stays_deleted_when_its_records_are_dispatched_again() {
    // The deleted topic's records are the last in the log: a restart resumes dispatch
    // at the end of the remaining queues (before them), and a crash re-dispatches the
    // whole last file.
    let dir = tempfile::tempdir().unwrap();
    let crashed = tempfile::tempdir().unwrap();
    let store = common::open(config(dir.path())).unwrap();
    send(&store, "Other", 0, b"keep").await;
    for _ in 0..3 {
        send(&store, "D", 0, b"old").await;
    }
    settle(&store).await;
    store.delete_topic("D").unwrap();
    copy_dir(dir.path(), crashed.path());
    drop(store);

    for root in [dir.path(), crashed.path()] {
        let store = common::open(config(root)).unwrap();
        settle(&store).await;
        assert_eq!(store.max_offset("D", 0), 0, "{}", root.display());
        assert_eq!(send(&store, "D", 0, b"new").await, 0);
        settle(&store).await;
        assert_eq!(bodies(&store, "D", 0), [b"new".to_vec()]);
        assert_eq!(bodies(&store, "Other", 0), [b"keep".to_vec()]);
    }
}

#[tokio::test]
async fn tombstone_goes_once_retention_passes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    c.file_reserved_time = std::time::Duration::ZERO;
    c.delete_when = (0..24).map(|h| h.to_string()).collect::<Vec<_>>().join(";");
    let store = common::open(c).unwrap();
    send(&store, "D", 0, b"old").await;
    settle(&store).await;
    store.delete_topic("D").unwrap();
    assert!(dir.path().join("consumequeue/D/deleted").exists());
    // Fill past a few 64 KiB files so the first one (holding "D") expires.
    for _ in 0..300 {
        send(&store, "Other", 0, &[7; 1000]).await;
    }
    settle(&store).await;
    let report = store.run_retention().unwrap();
    assert!(report.commit_log_files_deleted > 0);
    assert!(!dir.path().join("consumequeue/D").exists());
    assert_eq!(store.delete_topic("Unknown").unwrap(), 0);
}
