//! Recovery after a crash, simulated by copying a running store's directory (the copy
//! keeps the `abort` file, as a killed process would).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::message::record::layout;
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
    let store = common::open(config(dir.path())).unwrap();
    let appended = fill(&store, 300).await;
    copy_dir(dir.path(), crashed.path());
    drop(store);

    let store = common::open(config(crashed.path())).unwrap();
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
    let store = common::open(config(dir.path())).unwrap();
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

    let store = common::open(config(crashed.path())).unwrap();
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
    let store = common::open(config(crashed.path())).unwrap();
    assert!(!store.recovered_from_crash());
    assert_eq!(store.max_offset("C", 1), 10);
}

#[tokio::test]
async fn lost_consume_queues_and_index_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let crashed = tempfile::tempdir().unwrap();
    let store = common::open(config(dir.path())).unwrap();
    let appended = fill(&store, 250).await;
    store.flush().unwrap();
    copy_dir(dir.path(), crashed.path());
    drop(store);
    std::fs::remove_dir_all(crashed.path().join("consumequeue")).unwrap();
    std::fs::remove_dir_all(crashed.path().join("index")).unwrap();
    // The checkpoint says nothing was flushed: recovery starts at the first file.
    std::fs::write(crashed.path().join("checkpoint"), vec![0u8; 4096]).unwrap();

    let store = common::open(config(crashed.path())).unwrap();
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

/// Names of the CommitLog directory's files.
fn log_files(root: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root.join("commitlog"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

/// Polls (bounded) until the store root holds `name`.
async fn wait_for_file(root: &std::path::Path, name: &str) {
    for _ in 0..1000 {
        if root.join(name).exists() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{name} never appeared beside {:?}", log_files(root));
}

#[tokio::test]
async fn prepared_next_file_is_never_read_as_data() {
    const FILE: i64 = 65536;
    let dir = tempfile::tempdir().unwrap();
    let crashed = tempfile::tempdir().unwrap();
    let store = common::open(config(dir.path())).unwrap();
    let appended = fill(&store, 300).await;
    let end = appended.last().unwrap().end_offset();
    let next = (end / FILE + 1) * FILE;
    let files: Vec<String> = (0..next / FILE)
        .map(|i| format!("{:020}", i * FILE))
        .collect();
    assert!(files.len() >= 2);
    // The file after the current one is prepared in the background, under a temporary
    // name beside the CommitLog directory (never in it: Java's broker refuses a CommitLog
    // directory with any other file); the log, its readers and retention do not see it.
    let prepared = format!(".commitlog.{next:020}.tmp");
    wait_for_file(dir.path(), &prepared).await;
    assert_eq!(log_files(dir.path()), files);
    assert_eq!(store.max_phys_offset(), end);
    assert_eq!(store.run_retention().unwrap().commit_log_files_deleted, 0);
    copy_dir(dir.path(), crashed.path());
    store.shutdown().unwrap();
    assert_eq!(
        log_files(dir.path()),
        files,
        "a clean shutdown deletes the unused prepared file"
    );
    drop(store);

    // After a crash the leftover (here cut short, as if the crash hit its creation) is
    // removed, and the log continues into a new file at that offset.
    let leftover = crashed.path().join(&prepared);
    std::fs::write(&leftover, b"half-made").unwrap();
    // A leftover of an older CometMQ, inside the directory, goes too.
    let old_style = crashed
        .path()
        .join("commitlog")
        .join(format!("{next:020}.tmp"));
    std::fs::write(&old_style, b"half-made").unwrap();
    let store = common::open(config(crashed.path())).unwrap();
    assert!(store.recovered_from_crash());
    // The reopened store prepares the same file again: never the 9-byte leftover.
    let len = std::fs::metadata(&leftover).map_or(0, |m| m.len());
    assert_ne!(len, 9, "the leftover was removed");
    assert!(!old_style.exists(), "the old-style leftover was removed");
    assert_eq!(store.max_offset("C", 0) + store.max_offset("C", 1), 300);
    assert_eq!(store.max_phys_offset(), end);
    let mut last = None;
    for i in 0..200 {
        let r = store.append(record("C", 0, &[i as u8; 300], "")).await;
        last = r.appended;
    }
    assert!(
        last.unwrap().phys_offset > next,
        "crossed into the next file"
    );
    settle(&store).await;
    assert_eq!(store.max_offset("C", 0), 150 + 200);
    let r = store.get_messages(None, "C", 0, 340, 32, &AcceptAll);
    assert_eq!(r.status, GetStatus::Found);
}

#[tokio::test]
async fn empty_last_file_after_a_switch_recovers_and_is_kept_by_retention() {
    // A crash right after the writer switched to a new (prepared) file leaves it in
    // place with no record in it.
    const FILE: i64 = 65536;
    let dir = tempfile::tempdir().unwrap();
    let crashed = tempfile::tempdir().unwrap();
    let store = common::open(config(dir.path())).unwrap();
    let appended = fill(&store, 300).await;
    copy_dir(dir.path(), crashed.path());
    drop(store);
    let end = appended.last().unwrap().end_offset();
    let current = end / FILE * FILE;
    let next = current + FILE;
    // Close the current file as the writer does before switching, then add the empty
    // next file under its real name.
    let path = crashed.path().join(format!("commitlog/{current:020}"));
    let mut bytes = std::fs::read(&path).unwrap();
    let pos = (end - current) as usize;
    let mut blank = bytes::BytesMut::new();
    layout::encode_blank(&mut blank, (FILE as usize - pos) as i32);
    bytes[pos..pos + blank.len()].copy_from_slice(&blank);
    std::fs::write(&path, bytes).unwrap();
    let empty = format!("{next:020}");
    std::fs::write(
        crashed.path().join("commitlog").join(&empty),
        vec![0u8; FILE as usize],
    )
    .unwrap();

    let mut c = config(crashed.path());
    c.file_reserved_time = std::time::Duration::ZERO;
    c.delete_when = (0..24).map(|h| h.to_string()).collect::<Vec<_>>().join(";");
    let store = common::open(c).unwrap();
    assert_eq!(
        store.max_phys_offset(),
        next,
        "the log ends at the empty file"
    );
    assert_eq!(store.max_offset("C", 0) + store.max_offset("C", 1), 300);
    // Retention may delete the full, expired files but never the empty last one.
    store.run_retention().unwrap();
    assert!(log_files(crashed.path()).contains(&empty));
    let a = store
        .append(record("C", 0, b"after", ""))
        .await
        .appended
        .unwrap();
    assert_eq!(a.phys_offset, next);
    assert_eq!(a.queue_offset, 150);
}
