//! Client benchmark: producer throughput and send latency, consumer throughput on a
//! backlog, and end-to-end latency with producer and consumer running together.
//!
//! ```text
//! cargo run --release -p cometmq-client --example benchmark -- --embedded
//! cargo run --release -p cometmq-client --example benchmark -- --messages 200000 --size 1024
//! ```
//!
//! Options: `--embedded` (start a NameServer and a broker in this process, in a temp dir;
//! otherwise use `NAMESRV_ADDR` or 127.0.0.1:9876), `--messages N` (100000), `--size B`
//! (body bytes, 128), `--senders C` (concurrent senders, 64).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cometmq_client::clock::now_ms;
use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use cometmq_client::instance::ClientConfig;
use cometmq_client::producer::Producer;
use cometmq_client::Message;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Args {
    embedded: bool,
    messages: usize,
    size: usize,
    senders: usize,
}

fn args() -> Result<Args, BoxError> {
    let mut a = Args {
        embedded: false,
        messages: 100_000,
        size: 128,
        senders: 64,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--embedded" => a.embedded = true,
            "--messages" => a.messages = value()?.parse()?,
            "--size" => a.size = value()?.parse()?,
            "--senders" => a.senders = value()?.parse()?,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(a)
}

/// Latency percentiles of `samples` (µs), as a line.
fn percentiles(name: &str, samples: &mut [u64]) -> String {
    samples.sort_unstable();
    let at = |p: f64| {
        let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples.get(i).copied().unwrap_or(0) as f64 / 1000.0
    };
    format!(
        "{name} latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
        at(0.5),
        at(0.9),
        at(0.99),
        at(0.999),
        at(1.0)
    )
}

/// Sends `n` messages to `topic` from `senders` tasks; returns per-send latencies (µs).
async fn produce(
    producer: &Producer,
    topic: &str,
    n: usize,
    size: usize,
    senders: usize,
) -> Result<Vec<u64>, BoxError> {
    let body = bytes::Bytes::from(vec![b'x'; size]);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..senders {
        let (p, next, body, topic) = (
            producer.clone(),
            next.clone(),
            body.clone(),
            topic.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < n {
                let started = Instant::now();
                p.send(Message::new(topic.clone(), body.clone())).await?;
                lat.push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
            }
            Ok::<_, cometmq_client::ClientError>(lat)
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(all)
}

fn consumer(
    namesrv: &str,
    group: &str,
    topic: &str,
    from: ConsumeFromWhere,
    count: Arc<AtomicUsize>,
    e2e: Option<Arc<Mutex<Vec<u64>>>>,
) -> Result<PushConsumer, BoxError> {
    Ok(PushConsumer::builder(group)
        .client_config(ClientConfig {
            instance_name: group.to_owned(),
            ..ClientConfig::new(namesrv)
        })
        .subscribe(topic, "*")
        .consume_from(from)
        .consume_batch_size(32)
        .listener_async(move |msgs| {
            let (count, e2e) = (count.clone(), e2e.clone());
            async move {
                if let Some(e2e) = e2e {
                    let now = now_ms();
                    let mut l = e2e.lock().unwrap_or_else(|e| e.into_inner());
                    for m in &msgs {
                        l.push(u64::try_from((now - m.born_timestamp) * 1000).unwrap_or(0));
                    }
                }
                count.fetch_add(msgs.len(), Ordering::Relaxed);
                ConsumeResult::Success
            }
        })
        .build()?)
}

async fn wait_count(count: &AtomicUsize, n: usize) {
    while count.load(Ordering::Relaxed) < n {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let a = args()?;
    let _embedded;
    let namesrv = if a.embedded {
        let e = embedded::start().await?;
        let addr = e.namesrv_addr.clone();
        _embedded = Some(e);
        addr
    } else {
        _embedded = None;
        std::env::var("NAMESRV_ADDR").unwrap_or_else(|_| "127.0.0.1:9876".into())
    };
    let run = std::process::id();
    let topic = format!("BenchTopic{run}");
    let producer = Producer::builder(format!("bench-producer-{run}"))
        .namesrv_addr(namesrv.clone())
        .default_topic_queue_nums(8)
        .build()?;
    producer.start()?;
    producer
        .send(Message::new(topic.clone(), "warm-up"))
        .await?;
    println!(
        "{} messages of {} bytes, {} concurrent senders, NameServer {namesrv}",
        a.messages, a.size, a.senders
    );

    // 1. Producer only.
    let started = Instant::now();
    let mut lat = produce(&producer, &topic, a.messages, a.size, a.senders).await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "produce: {:.0} msg/s ({:.1} MiB/s)",
        a.messages as f64 / secs,
        (a.messages * a.size) as f64 / secs / 1048576.0
    );
    println!("{}", percentiles("send", &mut lat));

    // 2. Consumer on the backlog.
    let count = Arc::new(AtomicUsize::new(0));
    let c = consumer(
        &namesrv,
        &format!("bench-backlog-{run}"),
        &topic,
        ConsumeFromWhere::FirstOffset,
        count.clone(),
        None,
    )?;
    let started = Instant::now();
    c.start().await?;
    wait_count(&count, a.messages + 1).await;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "consume backlog: {:.0} msg/s",
        (a.messages + 1) as f64 / secs
    );
    c.shutdown().await;

    // 3. Producer and consumer together, on a fresh topic: end-to-end latency (born →
    // listener).
    let live = format!("{topic}Live");
    producer.send(Message::new(live.clone(), "warm-up")).await?;
    let n = a.messages / 2;
    let count = Arc::new(AtomicUsize::new(0));
    let e2e = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let c = consumer(
        &namesrv,
        &format!("bench-live-{run}"),
        &live,
        ConsumeFromWhere::FirstOffset,
        count.clone(),
        Some(e2e.clone()),
    )?;
    c.start().await?;
    wait_count(&count, 1).await;
    let started = Instant::now();
    produce(&producer, &live, n, a.size, a.senders).await?;
    wait_count(&count, n + 1).await;
    let secs = started.elapsed().as_secs_f64();
    println!("produce+consume: {:.0} msg/s", n as f64 / secs);
    let mut e2e = e2e.lock().map(|v| v.clone()).unwrap_or_default();
    if !e2e.is_empty() {
        e2e.remove(0);
    }
    println!("{}", percentiles("end-to-end", &mut e2e));
    c.shutdown().await;
    producer.shutdown().await;
    if let Some(e) = _embedded {
        e.stop().await;
    }
    Ok(())
}

/// A NameServer and a broker in this process.
mod embedded {
    use cometmq_broker::broker::Broker;
    use cometmq_broker::config::BrokerConfig;
    use cometmq_testkit::namesrv::Namesrv;

    use super::BoxError;

    pub struct Embedded {
        namesrv: Namesrv,
        broker: Broker,
        pub namesrv_addr: String,
    }

    pub async fn start() -> Result<Embedded, BoxError> {
        let namesrv = Namesrv::try_start().await?;
        let namesrv_addr = namesrv.addr.clone();
        let broker = Broker::start(BrokerConfig {
            broker_ip1: "127.0.0.1".into(),
            listen_port: 0,
            namesrv_addr: namesrv_addr.clone(),
            store: cometmq_broker::config::StoreConfig {
                store_path_root_dir: namesrv.dir.path().join("store"),
                ..Default::default()
            },
            ..BrokerConfig::default()
        })
        .await?;
        Ok(Embedded {
            namesrv,
            broker,
            namesrv_addr,
        })
    }

    impl Embedded {
        pub async fn stop(self) {
            self.broker.shutdown().await;
            self.namesrv.stop().await;
        }
    }
}
