//! Helpers shared by the store's integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use cometmq_remoting::message::{
    decode_record, encode_record, DecodeOptions, RecordParts, StoredRecord,
};
use cometmq_store::{Clock, DiskUsage, MessageStore, StoreConfig};

/// A small-file configuration rooted at `root`.
pub fn config(root: &Path) -> StoreConfig {
    let mut c = StoreConfig::with_root(root);
    c.mapped_file_size_commit_log = 64 * 1024;
    c.mapped_file_size_consume_queue = 100 * 20;
    c.max_hash_slot_num = 64;
    c.max_index_num = 256;
    c.flush_interval_commit_log = Duration::from_millis(20);
    c.flush_interval_consume_queue = Duration::from_millis(50);
    c.store_host = Some("10.0.0.9:10911".parse().unwrap());
    c
}

/// Properties string from pairs.
pub fn props(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}\u{1}{v}\u{2}"))
        .collect()
}

/// An encoded record.
pub fn record(topic: &str, queue_id: i32, body: &[u8], properties: &str) -> BytesMut {
    record_with_flag(topic, queue_id, body, properties, 0)
}

/// An encoded record with a sysFlag.
pub fn record_with_flag(
    topic: &str,
    queue_id: i32,
    body: &[u8],
    properties: &str,
    sys_flag: i32,
) -> BytesMut {
    let host: SocketAddr = "10.0.0.1:5555".parse().unwrap();
    let store: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let mut parts = RecordParts::new(topic, body, properties.as_bytes(), host, store);
    parts.queue_id = queue_id;
    parts.sys_flag = sys_flag;
    parts.born_timestamp = 1;
    let mut buf = BytesMut::new();
    encode_record(&parts, &mut buf).unwrap();
    buf
}

/// Decodes and CRC-checks a stored record.
pub fn decode(b: &Bytes) -> StoredRecord {
    decode_record(b, DecodeOptions::VERIFY).unwrap()
}

/// Waits until everything appended so far is dispatched.
pub async fn settle(store: &MessageStore) {
    let target = store.max_phys_offset();
    let mut rx = store.subscribe_dispatched();
    tokio::time::timeout(Duration::from_secs(30), rx.wait_for(|v| *v >= target))
        .await
        .expect("dispatch timed out")
        .unwrap();
}

/// A clock the test moves by hand.
#[derive(Debug)]
pub struct ManualClock(pub AtomicI64);

impl ManualClock {
    pub fn new(ms: i64) -> Arc<Self> {
        Arc::new(ManualClock(AtomicI64::new(ms)))
    }
    pub fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A disk whose usage the test sets.
#[derive(Debug)]
pub struct FakeDisk(AtomicU64);

impl FakeDisk {
    pub fn new(ratio: f64) -> Arc<Self> {
        Arc::new(FakeDisk(AtomicU64::new(ratio.to_bits())))
    }
    pub fn set(&self, ratio: f64) {
        self.0.store(ratio.to_bits(), Ordering::SeqCst);
    }
}

impl DiskUsage for FakeDisk {
    fn used_ratio(&self, _: &Path) -> Option<f64> {
        Some(f64::from_bits(self.0.load(Ordering::SeqCst)))
    }
}

/// Opens a store with the system clock and a disk 10 % full: the tests do not depend on how
/// full the machine's real disk is (above 85 % the retention pass would delete their files).
pub fn open(config: StoreConfig) -> cometmq_store::Result<MessageStore> {
    MessageStore::open_with(
        config,
        Arc::new(cometmq_store::SystemClock),
        FakeDisk::new(0.1),
    )
}

/// Copies a store directory (as a crash would leave it: `abort` present).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else if e.file_name() != "lock" {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}
