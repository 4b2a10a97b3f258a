//! Loopback round trips through the real server and client: requests/s and latency
//! percentiles with 1 KiB bodies, for 1 and 32 concurrent callers on one connection.
//!
//! Run: `cargo bench -p cometmq-remoting --bench transport`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use cometmq_remoting::code::request;
use cometmq_remoting::transport::{
    fn_processor, RemotingClient, RemotingServer, Router, TransportConfig,
};
use cometmq_remoting::RemotingCommand;

const RUN: Duration = Duration::from_secs(3);

async fn run(addr: &str, client: &Arc<RemotingClient>, callers: usize) {
    let body = Bytes::from(vec![b'z'; 1024]);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..callers {
        let client = client.clone();
        let addr = addr.to_string();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while start.elapsed() < RUN {
                let t = Instant::now();
                let req =
                    RemotingCommand::request(request::SEND_MESSAGE_V2).with_body(body.clone());
                client
                    .invoke(&addr, req, Duration::from_secs(5))
                    .await
                    .unwrap();
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "{callers:>3} callers: {:>9.0} req/s   p50 {:>7.1} µs   p99 {:>7.1} µs   max {:>8.1} µs",
        all.len() as f64 / secs,
        pct(0.50).as_secs_f64() * 1e6,
        pct(0.99).as_secs_f64() * 1e6,
        all.last().unwrap().as_secs_f64() * 1e6,
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let router = Router::new().route(
            request::SEND_MESSAGE_V2,
            fn_processor(|_c, _r| async move { Some(RemotingCommand::success()) }),
        );
        let srv = RemotingServer::bind("127.0.0.1:0", TransportConfig::default(), Arc::new(router))
            .await
            .unwrap();
        let addr = srv.local_addr().to_string();
        let client = Arc::new(RemotingClient::new(TransportConfig::default()));
        println!("loopback request/response, 1 KiB request body, server and client in one process");
        for callers in [1, 32, 128] {
            run(&addr, &client, callers).await;
        }
        client.shutdown().await;
        srv.shutdown().await;
    });
}
