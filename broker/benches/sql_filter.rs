//! SQL92 filtering in the pull path: scan throughput of a queue of 200 000 1 KiB records
//! read 32 per call, unfiltered against SQL92 selectors matching half and none of them
//! (the broker evaluates every candidate record's properties; no bloom bits). Run:
//! `cargo bench -p cometmq-broker --bench sql_filter`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Instant;

use bytes::BytesMut;
use cometmq_broker::filter::PullFilter;
use cometmq_filter::Selector;
use cometmq_remoting::body::client::SubscriptionData;
use cometmq_remoting::message::{encode_record, RecordParts};
use cometmq_store::{MessageStore, StoreConfig};

const TOPIC: &str = "SqlBench";
const N: usize = 200_000;

fn record(i: usize) -> BytesMut {
    let host: SocketAddr = "127.0.0.1:10911".parse().unwrap();
    let body = vec![b'x'; 1024];
    let tag = if i.is_multiple_of(2) { "TagA" } else { "TagB" };
    let props = format!(
        "KEYS\u{1}k{i}\u{2}TAGS\u{1}{tag}\u{2}a\u{1}{}\u{2}region\u{1}eu-west\u{2}UNIQ_KEY\u{1}0A00000100000000000000000000{:04}\u{2}",
        i % 100,
        i % 10_000
    );
    let parts = RecordParts::new(TOPIC, &body, props.as_bytes(), host, host);
    let mut buf = BytesMut::new();
    encode_record(&parts, &mut buf).unwrap();
    buf
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut c = StoreConfig::with_root(dir.path());
    c.mapped_file_size_commit_log = 256 * 1024 * 1024;
    // A shared machine's disk may be fuller than the default 90 % warning level.
    c.disk_space_warning_level_ratio_property = "0.99".into();
    let store = MessageStore::open(c).unwrap();
    rt.block_on(async {
        for i in 0..N {
            let r = store.append(record(i)).await;
            assert_eq!(r.status, cometmq_store::PutStatus::PutOk, "append {i}");
        }
    });
    let mut rx = store.subscribe_dispatched();
    let target = store.max_phys_offset();
    rt.block_on(async { rx.wait_for(|v| *v >= target).await.map(|_| ()).unwrap() });

    assert_eq!(store.max_offset(TOPIC, 0), N as i64, "all dispatched");
    let tags = SubscriptionData::for_tags(TOPIC, "*", 0);
    let cases = [
        ("unfiltered (TAG *)", None),
        (
            "SQL92 matching half: a < 50 AND region = 'eu-west'",
            Some("a < 50 AND region = 'eu-west'"),
        ),
        (
            "SQL92 matching half: TAGS IN ('TagA') AND a IS NOT NULL",
            Some("TAGS IN ('TagA') AND a IS NOT NULL"),
        ),
        ("SQL92 matching none: a > 1000", Some("a > 1000")),
    ];
    for (name, sql) in cases {
        let selector = sql.map(|s| Selector::compile(s).unwrap());
        let sub = match sql {
            Some(s) => SubscriptionData::for_sql(TOPIC, s, 0),
            None => tags.clone(),
        };
        let filter = PullFilter {
            sub: &sub,
            sql: selector.as_ref(),
            retry_sql: &[],
        };
        for round in 0..2 {
            let start = Instant::now();
            let (mut matched, mut off) = (0usize, 0);
            let max = store.max_offset(TOPIC, 0);
            while off < max {
                let r = store.get_messages(None, TOPIC, 0, off, 32, &filter);
                matched += r.messages.len();
                off = r.next_begin_offset;
            }
            let el = start.elapsed().as_secs_f64();
            if round == 1 {
                println!(
                    "{name}: scanned {N} records in {el:.3} s = {:.0} records/s, {matched} matched",
                    N as f64 / el
                );
            }
        }
    }
    store.shutdown().unwrap();
}
