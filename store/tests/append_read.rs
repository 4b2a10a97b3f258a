//! Appends and reads through the public API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use bytes::BytesMut;
use cometmq_remoting::message::record::layout;
use cometmq_remoting::message::{sysflag, tags_code};
use cometmq_store::{AcceptAll, FlushDiskType, GetStatus, MessageStore, PutOptions, PutStatus};
use common::*;

#[tokio::test]
async fn append_stamps_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(1_700_000_000_000);
    let store =
        MessageStore::open_with(config(dir.path()), clock.clone(), FakeDisk::new(0.1)).unwrap();
    let mut expected = Vec::new();
    for i in 0..10 {
        let q = i % 2;
        let p = props(&[
            ("TAGS", if i % 3 == 0 { "A" } else { "B" }),
            ("KEYS", &format!("k{i}")),
        ]);
        let r = store
            .append(record("T", q, format!("body-{i}").as_bytes(), &p))
            .await;
        assert_eq!(r.status, PutStatus::PutOk);
        let a = r.appended.unwrap();
        assert_eq!(a.queue_offset, i64::from(i / 2));
        assert_eq!(a.msg_count, 1);
        expected.push(a);
    }
    assert_eq!(expected[1].phys_offset, expected[0].end_offset());
    settle(&store).await;
    assert_eq!(store.max_offset("T", 0), 5);
    assert_eq!(store.min_offset("T", 1), 0);

    let got = store.get_messages(Some("g"), "T", 1, 0, 32, &AcceptAll);
    assert_eq!(got.status, GetStatus::Found);
    assert_eq!(got.messages.len(), 5);
    assert_eq!(got.next_begin_offset, 5);
    assert_eq!((got.min_offset, got.max_offset), (0, 5));
    assert_eq!(
        got.total_size,
        got.messages.iter().map(|m| m.len()).sum::<usize>()
    );
    for (k, m) in got.messages.iter().enumerate() {
        let msg = decode(m);
        let i = 2 * k + 1;
        assert_eq!(&msg.body[..], format!("body-{i}").as_bytes());
        assert_eq!(msg.queue_offset, k as i64);
        assert_eq!(msg.commit_log_offset, expected[i].phys_offset);
        assert_eq!(msg.store_timestamp, 1_700_000_000_000);
        assert_eq!(msg.store_host, "10.0.0.9:10911".parse().unwrap());
        assert_eq!(got.queue_offsets[k], k as i64);
    }
    let at = store.get_message_at(expected[4].phys_offset).unwrap();
    assert_eq!(&decode(&at).body[..], b"body-4");
    assert!(store.get_message_at(store.max_phys_offset()).is_none());

    // Tag filter on the ConsumeQueue tags code.
    let a = tags_code(Some("A"));
    let got = store.get_messages(None, "T", 0, 0, 32, &move |c: i64| c == a);
    assert_eq!(got.status, GetStatus::Found);
    let bodies: Vec<_> = got.messages.iter().map(|m| decode(m).body).collect();
    assert_eq!(bodies, vec!["body-0".as_bytes(), b"body-6"]);
    let got = store.get_messages(None, "T", 0, 4, 32, &move |c: i64| c == a);
    assert_eq!(got.status, GetStatus::NoMatchedMessage);
    assert_eq!(got.next_begin_offset, 5);
    assert_eq!(store.earliest_time(), Some(1_700_000_000_000));
    store.shutdown().unwrap();
    assert!(!dir.path().join("abort").exists());
}

#[tokio::test]
async fn read_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::open(config(dir.path())).unwrap();
    let r = store.get_messages(None, "Nope", 0, 0, 32, &AcceptAll);
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetStatus::NoMatchedLogicQueue, 0)
    );
    let _rx = store.subscribe_growth("Empty", 0);
    let r = store.get_messages(None, "Empty", 0, 3, 32, &AcceptAll);
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetStatus::NoMessageInQueue, 0)
    );
    for _ in 0..3 {
        store.append(record("T", 0, b"x", "")).await;
    }
    settle(&store).await;
    let r = store.get_messages(None, "T", 0, 3, 32, &AcceptAll);
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetStatus::OffsetOverflowOne, 3)
    );
    let r = store.get_messages(None, "T", 0, 9, 32, &AcceptAll);
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetStatus::OffsetOverflowBadly, 0),
        "min == 0"
    );
    let r = store.get_messages(None, "T", 0, 1, 1, &AcceptAll);
    assert_eq!(
        (r.status, r.next_begin_offset, r.messages.len()),
        (GetStatus::Found, 2, 1)
    );
    assert_eq!(GetStatus::OffsetTooSmall.java_name(), "OFFSET_TOO_SMALL");
}

#[tokio::test]
async fn transfer_limits() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.max_transfer_bytes_on_message_in_memory = 3200;
    let store = common::open(cfg).unwrap();
    for _ in 0..40 {
        store.append(record("T", 0, b"s", "")).await;
    }
    for _ in 0..5 {
        store.append(record("T", 1, &[7u8; 1000], "")).await;
    }
    settle(&store).await;
    let r = store.get_messages(None, "T", 0, 0, 100, &AcceptAll);
    assert_eq!(
        (r.messages.len(), r.next_begin_offset),
        (32, 32),
        "count limit"
    );
    let r = store.get_messages(None, "T", 1, 0, 100, &AcceptAll);
    assert_eq!(r.messages.len(), 2, "byte limit");
    assert!(r.total_size <= 3200);
    let r = store.get_messages(None, "T", 0, 32, 100, &AcceptAll);
    assert_eq!((r.messages.len(), r.next_begin_offset), (8, 40));
}

#[tokio::test]
async fn batch_gets_consecutive_offsets_in_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::open(config(dir.path())).unwrap();
    store.append(record("B", 2, b"first", "")).await;
    let mut batch = BytesMut::new();
    for i in 0..5 {
        batch.extend_from_slice(&record("B", 2, format!("m{i}").as_bytes(), ""));
    }
    let r = store.append_batch(batch).await;
    assert_eq!(r.status, PutStatus::PutOk);
    let a = r.appended.unwrap();
    assert_eq!((a.queue_offset, a.msg_count), (1, 5));
    settle(&store).await;
    let got = store.get_messages(None, "B", 2, 1, 32, &AcceptAll);
    let mut phys = a.phys_offset;
    for (i, m) in got.messages.iter().enumerate() {
        let msg = decode(m);
        assert_eq!(msg.queue_offset, 1 + i as i64);
        assert_eq!(msg.commit_log_offset, phys);
        phys += m.len() as i64;
    }
    assert_eq!(phys, a.end_offset());

    // A batch mixing queues, or a single append holding two records, is illegal.
    let mut mixed = record("B", 2, b"a", "");
    mixed.extend_from_slice(&record("B", 3, b"b", ""));
    assert_eq!(
        store.append_batch(mixed.clone()).await.status,
        PutStatus::MessageIllegal
    );
    assert_eq!(store.append(mixed).await.status, PutStatus::MessageIllegal);
}

#[tokio::test]
async fn illegal_messages_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.max_message_size = 1000;
    let store = common::open(cfg).unwrap();
    let before = store.max_phys_offset();
    let bad = [
        BytesMut::from(&b"garbage garbage garbage"[..]),
        BytesMut::new(),
        record("T", 0, &[0u8; 1001], ""),
        record("../etc", 0, b"x", ""),
        record("T", -1, b"x", ""),
    ];
    for b in bad {
        assert_eq!(store.append(b).await.status, PutStatus::MessageIllegal);
    }
    let mut truncated = record("T", 0, b"hello", "");
    truncated.truncate(truncated.len() - 1);
    assert_eq!(
        store.append(truncated).await.status,
        PutStatus::MessageIllegal
    );
    assert_eq!(store.max_phys_offset(), before);
}

#[tokio::test]
async fn blank_filler_closes_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.mapped_file_size_commit_log = 4096;
    let store = common::open(cfg).unwrap();
    let mut ends = Vec::new();
    for i in 0..12u8 {
        let a = store
            .append(record("T", 0, &[i; 900], ""))
            .await
            .appended
            .unwrap();
        assert_eq!(
            a.phys_offset / 4096,
            (a.end_offset() - 1) / 4096,
            "never spans files"
        );
        ends.push(a);
    }
    settle(&store).await;
    let first_in_second = ends.iter().find(|a| a.phys_offset >= 4096).unwrap();
    assert_eq!(first_in_second.phys_offset, 4096);
    let last_in_first = ends.iter().rev().find(|a| a.phys_offset < 4096).unwrap();
    let file0 = std::fs::read(dir.path().join("commitlog/00000000000000000000")).unwrap();
    let blank_at = last_in_first.end_offset() as usize;
    let h = layout::peek_header(&file0[blank_at..]).unwrap();
    assert!(layout::is_blank(&file0[blank_at..]));
    assert_eq!(h.total_size as usize, 4096 - blank_at);
    let got = store.get_messages(None, "T", 0, 0, 32, &AcceptAll);
    assert_eq!(got.messages.len(), 12);
    for (i, m) in got.messages.iter().enumerate() {
        assert_eq!(decode(m).body[0], i as u8);
    }
    // A record that can never fit a file is illegal.
    assert_eq!(
        store.append(record("T", 0, &[0; 4090], "")).await.status,
        PutStatus::MessageIllegal
    );
}

#[tokio::test]
async fn transactions_prepared_and_rollback_are_not_dispatched() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::open(config(dir.path())).unwrap();
    let p = props(&[("UNIQ_KEY", "U-PREP")]);
    let prep = store
        .append(record_with_flag(
            "T",
            0,
            b"half",
            &p,
            sysflag::TRANSACTION_PREPARED_TYPE,
        ))
        .await;
    assert_eq!(prep.appended.unwrap().queue_offset, 0);
    let p = props(&[("UNIQ_KEY", "U-RB")]);
    store
        .append(record_with_flag(
            "T",
            0,
            b"rb",
            &p,
            sysflag::TRANSACTION_ROLLBACK_TYPE,
        ))
        .await;
    let c = store
        .append(record_with_flag(
            "T",
            0,
            b"commit",
            "",
            sysflag::TRANSACTION_COMMIT_TYPE,
        ))
        .await;
    assert_eq!(c.appended.unwrap().queue_offset, 0);
    store.append(record("T", 0, b"plain", "")).await;
    settle(&store).await;
    assert_eq!(store.max_offset("T", 0), 2);
    let bodies: Vec<_> = store
        .get_messages(None, "T", 0, 0, 32, &AcceptAll)
        .messages
        .iter()
        .map(|m| decode(m).body)
        .collect();
    assert_eq!(bodies, vec!["commit".as_bytes(), b"plain"]);
    assert_eq!(
        store
            .query_by_key("T", "U-PREP", 10, 0, i64::MAX)
            .messages
            .len(),
        1
    );
    assert!(store
        .query_by_key("T", "U-RB", 10, 0, i64::MAX)
        .messages
        .is_empty());
}

#[tokio::test]
async fn query_by_key_and_offset_by_time() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(1_000_000);
    let store =
        MessageStore::open_with(config(dir.path()), clock.clone(), FakeDisk::new(0.1)).unwrap();
    for i in 0..20i64 {
        clock.set(1_000_000 + i * 1000);
        let keys = format!("order-{} shared", i % 4);
        let p = props(&[("KEYS", &keys), ("UNIQ_KEY", &format!("U{i}"))]);
        store
            .append(record("Q", 0, format!("{i}").as_bytes(), &p))
            .await;
    }
    settle(&store).await;
    let r = store.query_by_key("Q", "order-1", 32, 0, i64::MAX);
    let bodies: Vec<String> = r
        .messages
        .iter()
        .map(|m| String::from_utf8(decode(m).body.to_vec()).unwrap())
        .collect();
    assert_eq!(bodies, vec!["17", "13", "9", "5", "1"], "newest first");
    assert_eq!(
        store
            .query_by_key("Q", "shared", 3, 0, i64::MAX)
            .messages
            .len(),
        3
    );
    assert_eq!(
        store
            .query_by_key("Q", "U7", 32, 0, i64::MAX)
            .messages
            .len(),
        1
    );
    assert!(store
        .query_by_key("Other", "U7", 32, 0, i64::MAX)
        .messages
        .is_empty());
    let r = store.query_by_key("Q", "order-1", 32, 1_008_000, 1_014_000);
    assert_eq!(r.messages.len(), 2, "9 and 13");
    assert_eq!(r.index_last_update_timestamp, 1_019_000);

    assert_eq!(store.offset_by_time("Q", 0, 0), 0);
    assert_eq!(store.offset_by_time("Q", 0, 1_005_000), 5);
    assert_eq!(store.offset_by_time("Q", 0, 1_005_500), 6);
    assert_eq!(store.offset_by_time("Q", 0, 9_999_999), 20);
    assert_eq!(store.offset_by_time("None", 0, 0), 0);
    assert_eq!(store.earliest_time_in_queue("Q", 0), Some(1_000_000));
    assert_eq!(store.store_time_at("Q", 0, 3), Some(1_003_000));
}

#[tokio::test]
async fn growth_is_announced() {
    let dir = tempfile::tempdir().unwrap();
    let store = common::open(config(dir.path())).unwrap();
    let mut rx = store.subscribe_growth("G", 1);
    assert_eq!(*rx.borrow_and_update(), 0);
    let waiter = tokio::spawn(async move { rx.wait_for(|&m| m >= 2).await.map(|v| *v).unwrap() });
    store.append(record("G", 1, b"a", "")).await;
    store.append(record("G", 1, b"b", "")).await;
    let max = tokio::time::timeout(Duration::from_secs(30), waiter)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(max, 2);
    assert_eq!(
        store
            .get_messages(None, "G", 1, 0, 32, &AcceptAll)
            .messages
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_flush_group_commit() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.flush_disk_type = FlushDiskType::SyncFlush;
    let store = std::sync::Arc::new(common::open(cfg).unwrap());
    let mut tasks = Vec::new();
    for t in 0..16 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut ends = Vec::new();
            for i in 0..10 {
                let r = s
                    .append(record("S", t % 4, format!("{t}-{i}").as_bytes(), ""))
                    .await;
                assert_eq!(r.status, PutStatus::PutOk);
                let end = r.appended.unwrap().end_offset();
                assert!(
                    s.flushed_phys_offset() >= end,
                    "acknowledged only once flushed"
                );
                ends.push(end);
            }
            ends
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    settle(&store).await;
    assert_eq!((0..4).map(|q| store.max_offset("S", q)).sum::<i64>(), 160);
    // WAIT=false does not wait for the flush.
    let opts = PutOptions {
        batch: false,
        wait: false,
    };
    assert_eq!(
        store.put(record("S", 0, b"nowait", ""), opts).await.status,
        PutStatus::PutOk
    );
}

#[tokio::test]
async fn reopen_continues_offsets_and_lock_excludes() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = common::open(config(dir.path())).unwrap();
        assert!(matches!(
            common::open(config(dir.path())),
            Err(cometmq_store::StoreError::Locked(_))
        ));
        for _ in 0..7 {
            store.append(record("R", 0, b"x", "")).await;
        }
        store.shutdown().unwrap();
        assert_eq!(
            store.append(record("R", 0, b"late", "")).await.status,
            PutStatus::ServiceNotAvailable
        );
    }
    let store = common::open(config(dir.path())).unwrap();
    assert!(!store.recovered_from_crash());
    assert_eq!(store.max_offset("R", 0), 7);
    let a = store
        .append(record("R", 0, b"y", ""))
        .await
        .appended
        .unwrap();
    assert_eq!(a.queue_offset, 7);
    assert_eq!(store.queues(), vec![("R".to_owned(), 0)]);
}

#[tokio::test]
async fn replication_raw_append_rebuilds_queues() {
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let mut cfg = config(a_dir.path());
    cfg.mapped_file_size_commit_log = 8192;
    let master = common::open(cfg.clone()).unwrap();
    cfg.store_path_root_dir = b_dir.path().to_path_buf();
    let slave = common::open(cfg).unwrap();
    for i in 0..30 {
        let p = props(&[("KEYS", &format!("k{i}"))]);
        master.append(record("H", i % 3, &[i as u8; 500], &p)).await;
    }
    settle(&master).await;
    let mut off = 0;
    while let Some(chunk) = master.read_raw(off, 3000) {
        off = slave.append_raw(off, &chunk).unwrap();
    }
    assert_eq!(off, master.max_phys_offset());
    assert!(slave.append_raw(off + 1, b"x").is_err());
    settle(&slave).await;
    for q in 0..3 {
        assert_eq!(slave.max_offset("H", q), 10);
        let m = slave.get_messages(None, "H", q, 0, 32, &AcceptAll);
        let n = master.get_messages(None, "H", q, 0, 32, &AcceptAll);
        assert_eq!(m.messages.len(), 10);
        assert!(m.messages == n.messages, "byte-identical records");
    }
    assert_eq!(
        slave
            .query_by_key("H", "k29", 4, 0, i64::MAX)
            .messages
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_flush_timeout_answers_flush_disk_timeout_but_keeps_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.flush_disk_type = FlushDiskType::SyncFlush;
    // A zero timeout: an append whose bytes are not yet on disk when it first looks answers
    // FLUSH_DISK_TIMEOUT. Many appends in flight at once make sure some of them find the
    // flush thread still behind, however fast the disk is.
    cfg.sync_flush_timeout = Duration::ZERO;
    let store = std::sync::Arc::new(common::open(cfg).unwrap());
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..400u32 {
        let store = store.clone();
        tasks.spawn(async move { store.append(record("F", 0, &i.to_be_bytes(), "")).await });
    }
    let mut statuses = Vec::new();
    while let Some(r) = tasks.join_next().await {
        let r = r.unwrap();
        assert!(r.status.is_stored());
        statuses.push(r.status);
    }
    assert!(statuses.contains(&PutStatus::FlushDiskTimeout));
    assert_eq!(
        PutStatus::FlushDiskTimeout.java_name(),
        "FLUSH_DISK_TIMEOUT"
    );
    settle(&store).await;
    assert_eq!(
        store.max_offset("F", 0),
        400,
        "timed-out appends are stored"
    );
}
