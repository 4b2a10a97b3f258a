//! Store benchmark: append throughput of 1 KiB records under ASYNC_FLUSH and under
//! SYNC_FLUSH with 1, 8 and 64 concurrent writers (group commit), read throughput, and
//! memory (RSS). Run: `cargo bench -p cometmq-store --bench append`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use cometmq_remoting::message::{encode_record, RecordParts};
use cometmq_store::{AcceptAll, FlushDiskType, MessageStore, PutStatus, StoreConfig};

const BODY: usize = 1024;

fn template(queue_id: i32) -> BytesMut {
    let host: SocketAddr = "127.0.0.1:10911".parse().unwrap();
    let body = vec![b'x'; BODY];
    let props =
        "KEYS\u{1}bench-key\u{2}TAGS\u{1}TagA\u{2}UNIQ_KEY\u{1}0A0000010000000000000000000000\u{2}";
    let mut parts = RecordParts::new("BenchmarkTest", &body, props.as_bytes(), host, host);
    parts.queue_id = queue_id;
    let mut buf = BytesMut::new();
    encode_record(&parts, &mut buf).unwrap();
    buf
}

fn cfg(root: &Path, flush: FlushDiskType) -> StoreConfig {
    let mut c = StoreConfig::with_root(root);
    c.mapped_file_size_commit_log = 256 * 1024 * 1024;
    c.flush_disk_type = flush;
    c.max_hash_slot_num = 500_000;
    c.max_index_num = 2_000_000;
    c
}

fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}

/// ASYNC_FLUSH appends through several 64 MiB CommitLog files (so file switches are
/// measured), then reads everything back. One append before the clock starts opens the
/// first file.
/// This thread's CPU time (ns, from `/proc/thread-self/schedstat`) and minor page
/// faults (`/proc/thread-self/stat`): on a shared machine, messages per CPU second and
/// faults per message say more than wall time.
fn thread_cpu_and_faults() -> (u64, u64) {
    let cpu = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let faults = std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1;
            after.split_whitespace().nth(7)?.parse().ok()
        })
        .unwrap_or(0);
    (cpu, faults)
}

fn bench_async(rt: &tokio::runtime::Runtime, warm: bool, reads: bool) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = cfg(dir.path(), FlushDiskType::AsyncFlush);
    c.mapped_file_size_commit_log = 64 * 1024 * 1024;
    c.warm_mapped_file_enable = warm;
    let store = MessageStore::open(c).unwrap();
    let t = template(0);
    rt.block_on(store.append(t.clone()));
    let n = 200_000;
    // Pre-build the records so the loop measures the store, not the producer.
    let records: Vec<BytesMut> = (0..n).map(|_| t.clone()).collect();
    let (cpu0, faults0) = thread_cpu_and_faults();
    let start = Instant::now();
    rt.block_on(async {
        for r in records {
            let res = store.append(r).await;
            debug_assert_eq!(res.status, PutStatus::PutOk);
        }
    });
    let el = start.elapsed().as_secs_f64();
    let (cpu1, faults1) = thread_cpu_and_faults();
    let cpu = (cpu1 - cpu0) as f64 / 1e9;
    let bytes = (n * t.len()) as f64;
    println!(
        "ASYNC_FLUSH 1 writer (warmMappedFileEnable={warm}): {n} x {} B in {el:.3} s = {:.0} msg/s, {:.0} MiB/s; \
         writer CPU {cpu:.3} s = {:.0} msg per CPU s, {} minor faults",
        t.len(),
        n as f64 / el,
        bytes / el / 1048576.0,
        n as f64 / cpu,
        faults1 - faults0
    );
    if !reads {
        return;
    }

    // Reads: every message of the queue, 32 per call, zero-copy views.
    let mut rx = store.subscribe_dispatched();
    let target = store.max_phys_offset();
    rt.block_on(async { rx.wait_for(|v| *v >= target).await.map(|_| ()).unwrap() });
    for _ in 0..2 {
        let start = Instant::now();
        let (mut msgs, mut bytes) = (0usize, 0usize);
        let (mut off, max) = (0, store.max_offset("BenchmarkTest", 0));
        while off < max {
            let r = store.get_messages(None, "BenchmarkTest", 0, off, 32, &AcceptAll);
            msgs += r.messages.len();
            bytes += r.total_size;
            off = r.next_begin_offset;
        }
        let el = start.elapsed().as_secs_f64();
        println!(
            "read (get_messages, 32/call): {msgs} msgs in {el:.3} s = {:.0} msg/s, {:.0} MiB/s",
            msgs as f64 / el,
            bytes as f64 / el / 1048576.0
        );
    }
    println!("memory after ASYNC run: {}", rss());
    store.shutdown().unwrap();
}

fn bench_sync(rt: &tokio::runtime::Runtime, writers: usize, secs: u64) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MessageStore::open(cfg(dir.path(), FlushDiskType::SyncFlush)).unwrap());
    let count = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    rt.block_on(async {
        let mut tasks = Vec::new();
        for w in 0..writers {
            let (store, count, stop) = (store.clone(), count.clone(), stop.clone());
            let t = template((w % 8) as i32);
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let r = store.append(t.clone()).await;
                    assert_eq!(r.status, PutStatus::PutOk);
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        tokio::time::sleep(Duration::from_secs(secs)).await;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.unwrap();
        }
    });
    let el = start.elapsed().as_secs_f64();
    let n = count.load(Ordering::Relaxed);
    let rate = n as f64 / el;
    println!("SYNC_FLUSH {writers:>2} writers: {n} msgs in {el:.2} s = {rate:.0} msg/s");
    store.shutdown().unwrap();
    rate
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("record size: {} B (1 KiB body)", template(0).len());
    bench_async(&rt, false, false);
    bench_async(&rt, true, true);
    let one = bench_sync(&rt, 1, 3);
    bench_sync(&rt, 8, 3);
    let many = bench_sync(&rt, 64, 3);
    println!("group commit: 64 writers / 1 writer = {:.1}x", many / one);
    println!("memory at end: {}", rss());
}
