//! Timer messages at scale, broker in-process (no network: messages are written through
//! the broker's append pipeline, as a send is): memory with 10 M pending timers, then
//! delivery lateness (store time of the delivered copy − `TIMER_DELIVER_MS`) while
//! 10 K timers a second fire.
//!
//! Run: `cargo bench -p cometmq-broker --bench timer` (env `TIMER_BENCH_PENDING`,
//! default 10000000; `TIMER_BENCH_RATE`, default 10000 a second for 10 s;
//! `TIMER_BENCH_PRECISION_MS`, default 1000). Needs ~3 GB of disk in the temp dir.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use cometmq_broker::append::{self, Redirect};
use cometmq_broker::broker::Broker;
use cometmq_broker::config::BrokerConfig;
use cometmq_broker::state::BrokerState;
use cometmq_remoting::clock::now_ms;
use cometmq_remoting::message::{decode_record, DecodeOptions, Properties, RecordParts};

fn env(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Writes `n` timer messages to `topic`, the i-th due at `due(i)`, from 8 writers.
async fn put_timers(
    state: &Arc<BrokerState>,
    topic: &str,
    n: i64,
    due: Arc<dyn Fn(i64) -> i64 + Send + Sync>,
) {
    let writers = 8;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (state, topic, due) = (state.clone(), topic.to_string(), due.clone());
        tasks.push(tokio::spawn(async move {
            let born: std::net::SocketAddr = "127.0.0.1:1".parse().unwrap();
            let mut i = w;
            while i < n {
                let mut props = Properties::new();
                props.insert("TIMER_DELIVER_MS", due(i).to_string());
                props.insert("WAIT", "false");
                let parts = RecordParts {
                    queue_id: (i % 4) as i32,
                    ..RecordParts::new(&topic, b"0123456789abcdef", b"", born, state.store_host)
                };
                let r = append::write(
                    &state,
                    parts,
                    &mut props,
                    Redirect::Send { reconsume_times: 0 },
                    false,
                )
                .await
                .unwrap();
                assert!(r.status.is_stored(), "{:?}", r.status);
                i += writers;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// The timer topic offset enqueued up to (GET_TIMER_CHECK_POINT's third long).
fn enqueued(state: &BrokerState) -> i64 {
    let b = state.timer.checkpoint_body();
    i64::from_be_bytes(b[16..24].try_into().unwrap())
}

fn status_kb(field: &str) -> i64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1)
}

fn dir_mb(path: &std::path::Path) -> f64 {
    let mut total = 0u64;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            total += e.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    total as f64 / 1e6
}

#[tokio::main]
async fn main() {
    let pending = env("TIMER_BENCH_PENDING", 10_000_000);
    let rate = env("TIMER_BENCH_RATE", 10_000);
    let precision = env("TIMER_BENCH_PRECISION_MS", 1000);
    let store = tempfile::tempdir().unwrap();
    let broker = Broker::start(BrokerConfig {
        broker_ip1: "127.0.0.1".into(),
        listen_port: 0,
        timer_precision_ms: precision as u64,
        store: cometmq_broker::config::StoreConfig {
            store_path_root_dir: store.path().to_path_buf(),
            ..Default::default()
        },
        ..BrokerConfig::default()
    })
    .await
    .unwrap();
    let state = broker.state.clone();
    println!(
        "timer bench: {pending} pending timers, then {rate}/s firing for 10 s, timerPrecisionMs={precision}"
    );
    println!(
        "  before: VmRSS {} kB, RssAnon {} kB",
        status_kb("VmRSS:"),
        status_kb("RssAnon:")
    );

    // 1. Pending timers, due in one to two hours.
    let base = now_ms() + 3_600_000;
    let start = Instant::now();
    put_timers(
        &state,
        "Pending",
        pending,
        Arc::new(move |i| base + (i % 3600) * 1000),
    )
    .await;
    let put_secs = start.elapsed().as_secs_f64();
    while enqueued(&state) < pending {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let all_secs = start.elapsed().as_secs_f64();
    println!(
        "  {pending} timers written in {put_secs:.1} s ({:.0}/s), all in the wheel after {all_secs:.1} s ({:.0}/s)",
        pending as f64 / put_secs,
        pending as f64 / all_secs
    );
    println!(
        "  with {} pending: VmRSS {} kB, RssAnon {} kB (heap), RssFile {} kB (mapped files: CommitLog, timer log, wheel)",
        state.timer.pending(),
        status_kb("VmRSS:"),
        status_kb("RssAnon:"),
        status_kb("RssFile:")
    );
    println!(
        "  on disk: timerlog {:.0} MB, timerwheel {:.0} MB, commitlog {:.0} MB",
        dir_mb(&store.path().join("timerlog")),
        std::fs::metadata(store.path().join("timerwheel"))
            .map(|m| m.len())
            .unwrap_or(0) as f64
            / 1e6,
        dir_mb(&store.path().join("commitlog"))
    );

    // 2. Lateness: `rate` timers a second for 10 s, starting 5 s from now.
    let fire = rate * 10;
    let first = now_ms() + 5_000;
    put_timers(
        &state,
        "Fired",
        fire,
        Arc::new(move |i| first + i * 1000 / rate),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let got: i64 = (0..4).map(|q| state.store.max_offset("Fired", q)).sum();
        if got >= fire || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut late = Vec::with_capacity(fire as usize);
    for q in 0..4 {
        for offset in 0..state.store.max_offset("Fired", q) {
            let Some(e) = state.store.cq_entry("Fired", q, offset) else {
                continue;
            };
            let Some(rec) = state.store.get_message_at(e.phys_offset) else {
                continue;
            };
            let m = decode_record(&rec, DecodeOptions::DEFAULT).unwrap();
            let due: i64 = m.property("TIMER_DELIVER_MS").unwrap().parse().unwrap();
            late.push(m.store_timestamp - due);
        }
    }
    late.sort_unstable();
    let pct = |p: f64| late[((late.len() as f64 * p) as usize).min(late.len() - 1)];
    println!(
        "  fired {} of {fire}: lateness min {} ms, p50 {} ms, p99 {} ms, max {} ms (never early: min >= 0)",
        late.len(),
        late[0],
        pct(0.5),
        pct(0.99),
        late[late.len() - 1]
    );
    broker.shutdown().await;
}
