//! Load check: route queries per second from many concurrent connections, with p50/p99
//! latency, while brokers keep registering (each registration with a changed data version,
//! so the NameServer re-reads every topic under its write lock: the worst case).
//!
//! ```sh
//! cargo bench -p cometmq-namesrv --bench route_load -- [--connections 64] [--inflight 4] \
//!     [--seconds 10] [--topics 200] [--heartbeat-ms 100] [--version 479]
//! ```
//! Client and server share this process (and the machine's cores), so the numbers are a
//! lower bound for the server alone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cometmq_remoting::body::{RegisterBrokerBody, TopicConfig};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::RegisterBrokerRequestHeader;
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::route;

struct Opts {
    connections: usize,
    inflight: usize,
    seconds: u64,
    topics: usize,
    heartbeat_ms: u64,
    version: i32,
}

fn opts() -> Opts {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Opts {
        connections: get("--connections", 64) as usize,
        inflight: get("--inflight", 4) as usize,
        seconds: get("--seconds", 10),
        topics: get("--topics", 200) as usize,
        heartbeat_ms: get("--heartbeat-ms", 100),
        version: get("--version", 479) as i32,
    }
}

fn register_request(
    name: &str,
    id: i64,
    addr: &str,
    topics: usize,
    counter: i64,
) -> RemotingCommand {
    let mut body = RegisterBrokerBody::default();
    let w = &mut body.topic_config_serialize_wrapper;
    w.data_version.counter = counter;
    w.data_version.timestamp = counter;
    for i in 0..topics {
        let t = format!("Topic{i}");
        w.topic_config_table
            .insert(t.clone(), TopicConfig::new(t, 8));
    }
    let header = RegisterBrokerRequestHeader {
        broker_name: name.into(),
        broker_addr: addr.into(),
        cluster_name: "BenchCluster".into(),
        ha_server_addr: addr.into(),
        broker_id: id,
        ..Default::default()
    };
    RemotingCommand::request_with_header(request::REGISTER_BROKER, &header)
        .with_body(body.encode(false).unwrap())
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

fn summary(name: &str, mut micros: Vec<u32>) {
    micros.sort_unstable();
    println!(
        "{name}: n={} p50={:.3} ms p99={:.3} ms p99.9={:.3} ms max={:.3} ms",
        micros.len(),
        percentile(&micros, 0.5),
        percentile(&micros, 0.99),
        percentile(&micros, 0.999),
        percentile(&micros, 1.0),
    );
}

fn main() {
    let o = opts();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(o));
}

async fn run(o: Opts) {
    let server = cometmq_testkit::namesrv::Namesrv::start().await;
    let addr = server.addr.clone();
    let timeout = Duration::from_secs(10);

    // Four broker groups (master + slave) serving every topic.
    let brokers: Vec<(String, i64, String)> = (0..4)
        .flat_map(|g| {
            [
                (format!("broker-{g}"), 0, format!("10.0.{g}.1:10911")),
                (format!("broker-{g}"), 1, format!("10.0.{g}.2:10911")),
            ]
        })
        .collect();
    let broker_client = Arc::new(RemotingClient::new(TransportConfig::default()));
    for (name, id, baddr) in &brokers {
        let resp = broker_client
            .invoke(
                &addr,
                register_request(name, *id, baddr, o.topics, 1),
                timeout,
            )
            .await
            .unwrap();
        assert_eq!(resp.code, response::SUCCESS);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let heartbeat = {
        let (stop, client, addr, brokers) = (
            stop.clone(),
            broker_client.clone(),
            addr.clone(),
            brokers.clone(),
        );
        let (topics, period) = (o.topics, Duration::from_millis(o.heartbeat_ms));
        tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut counter = 1;
            while !stop.load(Ordering::Relaxed) {
                counter += 1;
                for (name, id, baddr) in &brokers {
                    let req = register_request(name, *id, baddr, topics, counter);
                    let t0 = Instant::now();
                    let resp = client.invoke(&addr, req, timeout).await.unwrap();
                    lat.push(t0.elapsed().as_micros() as u32);
                    assert_eq!(resp.code, response::SUCCESS);
                }
                tokio::time::sleep(period).await;
            }
            lat
        })
    };

    let start = Instant::now();
    let mut workers = Vec::new();
    for c in 0..o.connections {
        let client = Arc::new(RemotingClient::new(TransportConfig::default()));
        for k in 0..o.inflight {
            let (client, addr, stop) = (client.clone(), addr.clone(), stop.clone());
            let (topics, version) = (o.topics, o.version);
            workers.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(1 << 16);
                let mut i = c * 7 + k;
                while !stop.load(Ordering::Relaxed) {
                    let mut req = route(&format!("Topic{}", i % topics));
                    req.version = version;
                    let t0 = Instant::now();
                    let resp = client.invoke(&addr, req, timeout).await.unwrap();
                    lat.push(t0.elapsed().as_micros() as u32);
                    assert_eq!(resp.code, response::SUCCESS);
                    i += 1;
                }
                lat
            }));
        }
    }
    tokio::time::sleep(Duration::from_secs(o.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut routes = Vec::new();
    for w in workers {
        routes.extend(w.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    let heartbeats = heartbeat.await.unwrap();

    println!(
        "route_load: {} connections x {} in flight, {} topics x {} broker groups, client version {}, {:.1} s, {} cores",
        o.connections,
        o.inflight,
        o.topics,
        brokers.len() / 2,
        o.version,
        elapsed,
        std::thread::available_parallelism().map_or(1, usize::from),
    );
    println!("route queries/s: {:.0}", routes.len() as f64 / elapsed);
    summary("route latency", routes);
    summary(
        "REGISTER_BROKER latency (changed data version each time)",
        heartbeats,
    );
    server.stop().await;
}
