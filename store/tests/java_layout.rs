//! Opens a store directory built by hand in Apache RocketMQ's layout (reference §5–§6):
//! CommitLog files of records written with the codec and BLANK fillers, ConsumeQueue
//! files of 20-byte entries, a 4 KiB checkpoint, and an IndexFile, all written here
//! from the documented formats, as a Java broker would have left them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::path::Path;

use bytes::BytesMut;
use cometmq_remoting::message::record::layout::encode_blank;
use cometmq_remoting::message::{encode_record, java_string_hash, tags_code, RecordParts};
use cometmq_store::{AcceptAll, GetStatus, StoreConfig};
use common::*;

const LOG_FILE: usize = 4096;
const CQ_FILE: usize = 100 * 20;
const SLOTS: usize = 64;
const ENTRIES: usize = 256;
const T0: i64 = 1_600_000_000_000;
const N: usize = 14;

fn java_config(root: &Path) -> StoreConfig {
    let mut c = config(root);
    c.mapped_file_size_commit_log = LOG_FILE;
    c.mapped_file_size_consume_queue = CQ_FILE;
    c.max_hash_slot_num = SLOTS;
    c.max_index_num = ENTRIES;
    c
}

struct Built {
    /// (phys, size) of message i.
    placed: Vec<(i64, usize)>,
    log_end: i64,
}

fn write_padded(path: &Path, mut bytes: Vec<u8>, size: usize) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    bytes.resize(size, 0);
    std::fs::write(path, bytes).unwrap();
}

/// Writes the store. `lagging` drops the last two ConsumeQueue entries of queue 1;
/// `crashed` leaves an `abort` file; `index` writes an IndexFile.
fn build(root: &Path, lagging: bool, crashed: bool, index: bool) -> Built {
    let born: SocketAddr = "192.168.0.7:40000".parse().unwrap();
    let store_host: SocketAddr = "192.168.0.1:10911".parse().unwrap();
    let mut files: Vec<Vec<u8>> = vec![Vec::new()];
    let mut cq: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut qoff = [0i64; 2];
    let mut placed = Vec::new();
    for i in 0..N {
        let q = i % 2;
        let body = vec![b'a' + i as u8; 500 + i * 10];
        let tag = if i % 3 == 0 { "TagA" } else { "TagB" };
        let p = props(&[
            ("KEYS", &format!("Key{i}")),
            ("TAGS", tag),
            ("UNIQ_KEY", &format!("UNIQ{i}")),
        ]);
        let mut parts = RecordParts::new("TopicTest", &body, p.as_bytes(), born, store_host);
        parts.queue_id = q as i32;
        parts.queue_offset = qoff[q];
        parts.born_timestamp = T0 + i as i64 * 1000 - 5;
        parts.store_timestamp = T0 + i as i64 * 1000;
        let len = parts.encoded_len();
        if files.last().unwrap().len() + len + 8 > LOG_FILE {
            let last = files.last_mut().unwrap();
            let mut blank = BytesMut::new();
            encode_blank(&mut blank, (LOG_FILE - last.len()) as i32);
            last.extend_from_slice(&blank);
            files.push(Vec::new());
        }
        let phys = ((files.len() - 1) * LOG_FILE + files.last().unwrap().len()) as i64;
        parts.physical_offset = phys;
        let mut rec = BytesMut::new();
        encode_record(&parts, &mut rec).unwrap();
        files.last_mut().unwrap().extend_from_slice(&rec);
        cq[q].extend_from_slice(&phys.to_be_bytes());
        cq[q].extend_from_slice(&(len as i32).to_be_bytes());
        cq[q].extend_from_slice(&tags_code(Some(tag)).to_be_bytes());
        qoff[q] += 1;
        placed.push((phys, len));
    }
    let log_end = ((files.len() - 1) * LOG_FILE + files.last().unwrap().len()) as i64;
    for (k, f) in files.into_iter().enumerate() {
        write_padded(
            &root.join(format!("commitlog/{:020}", k * LOG_FILE)),
            f,
            LOG_FILE,
        );
    }
    if lagging {
        let n = cq[1].len();
        cq[1].truncate(n - 40);
    }
    for (q, entries) in cq.into_iter().enumerate() {
        write_padded(
            &root.join(format!("consumequeue/TopicTest/{q}/{:020}", 0)),
            entries,
            CQ_FILE,
        );
    }
    // checkpoint: physicMsgTimestamp, logicsMsgTimestamp, indexMsgTimestamp (§6.3).
    let last_ts = T0 + (N as i64 - 1) * 1000;
    let mut page = Vec::new();
    for v in [last_ts, if lagging { T0 } else { last_ts }, last_ts, 0, 0] {
        page.extend_from_slice(&v.to_be_bytes());
    }
    write_padded(&root.join("checkpoint"), page, 4096);
    if index {
        write_index(root, &placed);
    }
    if crashed {
        std::fs::write(root.join("abort"), b"").unwrap();
    }
    Built { placed, log_end }
}

/// An IndexFile with `TopicTest#Key{i}` and `TopicTest#UNIQ{i}` for every message (§6.4).
fn write_index(root: &Path, placed: &[(i64, usize)]) {
    let entries_at = 40 + SLOTS * 4;
    let mut f = vec![0u8; entries_at + ENTRIES * 20];
    let mut count: i32 = 1;
    let mut slots_used: i32 = 0;
    for (i, &(phys, _)) in placed.iter().enumerate() {
        for key in [format!("TopicTest#Key{i}"), format!("TopicTest#UNIQ{i}")] {
            let h = java_string_hash(&key).wrapping_abs().max(0);
            let slot = 40 + (h as usize % SLOTS) * 4;
            let prev = i32::from_be_bytes(f[slot..slot + 4].try_into().unwrap());
            if prev == 0 {
                slots_used += 1;
            }
            let e = entries_at + count as usize * 20;
            f[e..e + 4].copy_from_slice(&h.to_be_bytes());
            f[e + 4..e + 12].copy_from_slice(&phys.to_be_bytes());
            f[e + 12..e + 16].copy_from_slice(&(i as i32).to_be_bytes()); // seconds since T0
            f[e + 16..e + 20].copy_from_slice(&prev.to_be_bytes());
            f[slot..slot + 4].copy_from_slice(&count.to_be_bytes());
            count += 1;
        }
    }
    let last = placed.last().unwrap().0;
    let header = [T0, T0 + (N as i64 - 1) * 1000, placed[0].0, last];
    for (k, v) in header.iter().enumerate() {
        f[k * 8..k * 8 + 8].copy_from_slice(&v.to_be_bytes());
    }
    f[32..36].copy_from_slice(&slots_used.to_be_bytes());
    f[36..40].copy_from_slice(&count.to_be_bytes());
    write_padded(
        &root.join("index/20200913122640000"),
        f,
        entries_at + ENTRIES * 20,
    );
}

#[tokio::test]
async fn opens_a_cleanly_stopped_java_store() {
    let dir = tempfile::tempdir().unwrap();
    let built = build(dir.path(), false, false, true);
    let store = common::open(java_config(dir.path())).unwrap();
    assert!(!store.recovered_from_crash());
    assert_eq!(store.max_phys_offset(), built.log_end);
    assert_eq!(
        (
            store.max_offset("TopicTest", 0),
            store.max_offset("TopicTest", 1)
        ),
        (7, 7)
    );
    let r = store.get_messages(None, "TopicTest", 1, 0, 32, &AcceptAll);
    assert_eq!(r.status, GetStatus::Found);
    for (k, m) in r.messages.iter().enumerate() {
        let msg = decode(m);
        let i = 2 * k + 1;
        assert_eq!(msg.commit_log_offset, built.placed[i].0);
        assert_eq!(msg.keys(), Some(format!("Key{i}").as_str()));
        assert_eq!(msg.store_host, "192.168.0.1:10911".parse().unwrap());
    }
    let tag_a = tags_code(Some("TagA"));
    let r = store.get_messages(None, "TopicTest", 0, 0, 32, &move |c: i64| c == tag_a);
    assert_eq!(r.messages.len(), 3, "messages 0, 6, 12");
    // Found through the hand-written IndexFile (nothing was re-indexed).
    let q = store.query_by_key("TopicTest", "Key5", 8, 0, i64::MAX);
    assert_eq!(q.messages.len(), 1);
    assert_eq!(decode(&q.messages[0]).commit_log_offset, built.placed[5].0);
    assert_eq!(q.index_last_update_phy_offset, built.placed[N - 1].0);
    assert_eq!(
        store
            .query_by_key("TopicTest", "UNIQ8", 8, T0, T0 + 20_000)
            .messages
            .len(),
        1
    );
    assert_eq!(store.offset_by_time("TopicTest", 0, T0 + 4000), 2);
    assert_eq!(store.earliest_time(), Some(T0));

    // Appends continue the Java queue offsets and the log.
    let a = store
        .append(record("TopicTest", 0, b"rust", ""))
        .await
        .appended
        .unwrap();
    assert_eq!(a.queue_offset, 7);
    assert!(a.phys_offset >= built.log_end);
    store.shutdown().unwrap();
    drop(store);
    let store = common::open(java_config(dir.path())).unwrap();
    assert_eq!(store.max_offset("TopicTest", 0), 8);
}

#[tokio::test]
async fn rebuilds_a_crashed_java_store_with_lagging_queues() {
    let dir = tempfile::tempdir().unwrap();
    let built = build(dir.path(), true, true, false);
    let store = common::open(java_config(dir.path())).unwrap();
    assert!(store.recovered_from_crash());
    assert_eq!(store.max_phys_offset(), built.log_end);
    assert_eq!(
        store.max_offset("TopicTest", 1),
        7,
        "missing entries re-dispatched"
    );
    let r = store.get_messages(None, "TopicTest", 1, 5, 32, &AcceptAll);
    assert_eq!(decode(&r.messages[1]).commit_log_offset, built.placed[13].0);
    assert_eq!(
        store
            .query_by_key("TopicTest", "Key13", 8, 0, i64::MAX)
            .messages
            .len(),
        1
    );
    let q0 = std::fs::read(
        dir.path()
            .join("consumequeue/TopicTest/1/00000000000000000000"),
    )
    .unwrap();
    assert_eq!(
        &q0[6 * 20..6 * 20 + 8],
        &built.placed[13].0.to_be_bytes(),
        "written in Java layout"
    );
}
