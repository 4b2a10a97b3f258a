//! Crash test: a child process appends with SYNC_FLUSH and prints every acknowledged
//! message; the parent kills it with SIGKILL at a random point, reopens the store, and
//! checks that every acknowledged message is intact and that the ConsumeQueues and the
//! IndexFile agree with the CommitLog. The child is this test binary re-invoked with
//! `CRASH_CHILD_DIR` set (the `crash_child` test is a no-op otherwise).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use cometmq_store::{AcceptAll, FlushDiskType, MessageStore, PutStatus, StoreConfig};
use common::*;
use rand::Rng;

const TOPIC: &str = "Crash";
const QUEUES: i32 = 4;
const WRITERS: u64 = 8;

fn crash_config(root: &Path) -> StoreConfig {
    let mut c = config(root);
    c.flush_disk_type = FlushDiskType::SyncFlush;
    c.mapped_file_size_commit_log = 32 * 1024;
    c.mapped_file_size_consume_queue = 64 * 20;
    c.max_hash_slot_num = 128;
    c.max_index_num = 1024;
    c
}

/// The body of message `seq`: its length and bytes are a function of `seq`.
fn body(seq: u64) -> Vec<u8> {
    let len = 20 + (seq * 7919 % 700) as usize;
    (0..len).map(|i| (seq as usize * 31 + i) as u8).collect()
}

fn queue_of(seq: u64) -> i32 {
    (seq % QUEUES as u64) as i32
}

#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os("CRASH_CHILD_DIR") else {
        return;
    };
    let first: u64 = std::env::var("CRASH_CHILD_SEQ").unwrap().parse().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let store = Arc::new(common::open(crash_config(Path::new(&dir))).unwrap());
        println!("READY");
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for n in 0..100_000u64 {
                    let seq = first + n * WRITERS + w;
                    let p = props(&[
                        ("KEYS", &format!("key-{seq} any")),
                        ("UNIQ_KEY", &format!("UQ{seq}")),
                        ("TAGS", "t"),
                    ]);
                    let r = store
                        .append(record(TOPIC, queue_of(seq), &body(seq), &p))
                        .await;
                    if r.status == PutStatus::PutOk {
                        let a = r.appended.unwrap();
                        println!("ACK {seq} {} {}", a.phys_offset, a.queue_offset);
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
}

#[derive(Debug, Clone, Copy)]
struct Ack {
    seq: u64,
    phys: i64,
    queue_offset: i64,
}

fn run_child(dir: &Path, first_seq: u64, kill_after: usize) -> Vec<Ack> {
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env("CRASH_CHILD_DIR", dir)
        .env("CRASH_CHILD_SEQ", first_seq.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acks = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let mut it = line.split(' ');
        if it.next() != Some("ACK") {
            continue;
        }
        let mut num = || it.next().unwrap().parse::<i64>().unwrap();
        let (seq, phys, queue_offset) = (num() as u64, num(), num());
        acks.push(Ack {
            seq,
            phys,
            queue_offset,
        });
        if acks.len() >= kill_after {
            child.kill().unwrap(); // SIGKILL
            break;
        }
    }
    child.wait().unwrap();
    acks
}

async fn verify(store: &MessageStore, acked: &HashMap<u64, Ack>) {
    settle(store).await;
    // Every acknowledged message is present and intact where it was acknowledged.
    for (seq, ack) in acked {
        let rec = store
            .get_message_at(ack.phys)
            .unwrap_or_else(|| panic!("seq {seq} lost"));
        let m = decode(&rec);
        assert_eq!(&m.body[..], &body(*seq)[..], "seq {seq}");
        assert_eq!(
            (m.queue_id, m.queue_offset),
            (queue_of(*seq), ack.queue_offset)
        );
        assert_eq!(m.commit_log_offset, ack.phys);
        // The index finds it by UNIQ_KEY and by key.
        let by_key = store.query_by_key(TOPIC, &format!("key-{seq}"), 4, 0, i64::MAX);
        assert_eq!(by_key.messages.len(), 1, "key-{seq}");
        assert_eq!(decode(&by_key.messages[0]).commit_log_offset, ack.phys);
        assert_eq!(
            store
                .query_by_key(TOPIC, &format!("UQ{seq}"), 4, 0, i64::MAX)
                .messages
                .len(),
            1
        );
    }
    // Each ConsumeQueue is gap-free and agrees with the CommitLog.
    let mut by_queue: HashMap<(i32, i64), i64> = HashMap::new();
    for ack in acked.values() {
        by_queue.insert((queue_of(ack.seq), ack.queue_offset), ack.phys);
    }
    let mut total = 0;
    for q in 0..QUEUES {
        let (min, max) = (store.min_offset(TOPIC, q), store.max_offset(TOPIC, q));
        assert_eq!(min, 0);
        let mut off = min;
        while off < max {
            let r = store.get_messages(None, TOPIC, q, off, 32, &AcceptAll);
            assert!(
                !r.messages.is_empty(),
                "queue {q} offset {off}: {:?}",
                r.status
            );
            for (rec, qo) in r.messages.iter().zip(&r.queue_offsets) {
                assert_eq!(*qo, off, "queue {q} has no gaps");
                let m = decode(rec);
                assert_eq!(
                    (m.topic.as_str(), m.queue_id, m.queue_offset),
                    (TOPIC, q, off)
                );
                if let Some(p) = by_queue.get(&(q, off)) {
                    assert_eq!(m.commit_log_offset, *p);
                }
                off += 1;
            }
        }
        total += max;
    }
    assert!(total as usize >= acked.len());
}

#[test]
fn sigkill_during_sync_flush_appends_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rng = rand::thread_rng();
    let mut acked: HashMap<u64, Ack> = HashMap::new();
    let rounds = 20;
    for round in 0..rounds {
        let kill_after = rng.gen_range(1..400);
        for a in run_child(dir.path(), round * 10_000_000, kill_after) {
            assert!(acked.insert(a.seq, a).is_none());
        }
        // After odd rounds the next child opens the crashed store itself (abnormal
        // recovery in the child); after even rounds, and at the end, the parent
        // recovers, verifies, and shuts down cleanly (normal recovery in the child).
        if round % 2 == 0 || round == rounds - 1 {
            rt.block_on(async {
                let store = common::open(crash_config(dir.path())).unwrap();
                assert!(
                    store.recovered_from_crash(),
                    "round {round}: the child was killed"
                );
                verify(&store, &acked).await;
                store.shutdown().unwrap();
            });
        }
    }
    assert!(acked.len() >= rounds as usize);
}
