//! Throws thousands of random, truncated, mutated and oversized byte sequences at a running
//! server over TCP, while a well-behaved client on its own connection keeps being served
//! correctly. No task may panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::transport::{
    fn_processor, RemotingClient, RemotingServer, Router, TransportConfig,
};
use cometmq_remoting::RemotingCommand;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CONNECTIONS: usize = 3000;
const PARALLEL: usize = 32;

fn frame(header: &[u8], body: &[u8], type_byte: u8) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&((4 + header.len() + body.len()) as i32).to_be_bytes());
    f.extend_from_slice(&(((type_byte as u32) << 24) | header.len() as u32).to_be_bytes());
    f.extend_from_slice(header);
    f.extend_from_slice(body);
    f
}

fn valid_json_frame(rng: &mut StdRng) -> Vec<u8> {
    let code = [34, 11, 10, 310, 9999, -5][rng.gen_range(0..6)];
    let header = format!(
        r#"{{"code":{code},"extFields":{{"topic":"T","queueId":{}}},"flag":0,"language":"JAVA","opaque":{},"version":479}}"#,
        rng.gen_range(0..8),
        rng.gen::<i32>()
    );
    let body: Vec<u8> = (0..rng.gen_range(0..64)).map(|_| rng.gen()).collect();
    frame(header.as_bytes(), &body, 0)
}

fn binary_frame(rng: &mut StdRng) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&34i16.to_be_bytes());
    h.push(rng.gen_range(0..20));
    h.extend_from_slice(&479i16.to_be_bytes());
    h.extend_from_slice(&rng.gen::<i32>().to_be_bytes());
    h.extend_from_slice(&0i32.to_be_bytes());
    h.extend_from_slice(&rng.gen_range(-2i32..40).to_be_bytes()); // remark length, often wrong
    h.extend_from_slice(&rng.gen_range(-2i32..40).to_be_bytes()); // ext length, often wrong
    let tail: Vec<u8> = (0..rng.gen_range(0..40)).map(|_| rng.gen()).collect();
    h.extend_from_slice(&tail);
    frame(&h, b"", 1)
}

/// One hostile byte sequence.
fn garbage(rng: &mut StdRng) -> Vec<u8> {
    match rng.gen_range(0..9) {
        // Pure noise.
        0 => (0..rng.gen_range(0..4096)).map(|_| rng.gen()).collect(),
        // A valid frame cut short.
        1 => {
            let mut f = valid_json_frame(rng);
            f.truncate(rng.gen_range(0..f.len()));
            f
        }
        // A valid frame with bit flips.
        2 => {
            let mut f = valid_json_frame(rng);
            for _ in 0..rng.gen_range(1..6) {
                let i = rng.gen_range(0..f.len());
                f[i] ^= 1 << rng.gen_range(0..8);
            }
            f
        }
        // Oversized: a length far past the 16 MiB limit, then some bytes.
        3 => {
            let mut f = rng
                .gen_range(16 * 1024 * 1024 + 1..=i32::MAX)
                .to_be_bytes()
                .to_vec();
            f.extend((0..rng.gen_range(0..512)).map(|_| rng.gen::<u8>()));
            f
        }
        // Negative or tiny lengths.
        4 => {
            let mut f = rng.gen_range(i32::MIN..4).to_be_bytes().to_vec();
            f.extend_from_slice(&[0, 0, 0, 0, 1, 2, 3]);
            f
        }
        // Header length larger than the frame.
        5 => {
            let mut f = 20i32.to_be_bytes().to_vec();
            f.extend_from_slice(&1000i32.to_be_bytes());
            f.extend_from_slice(&[b'{'; 16]);
            f
        }
        // Unknown serialize type or invalid JSON.
        6 => {
            let junk: Vec<u8> = (0..rng.gen_range(0..100)).map(|_| rng.gen()).collect();
            frame(&junk, b"x", rng.gen_range(0..=255))
        }
        // Binary headers with lying lengths.
        7 => binary_frame(rng),
        // Several valid frames followed by noise.
        _ => {
            let mut f = Vec::new();
            for _ in 0..rng.gen_range(1..5) {
                f.extend(valid_json_frame(rng));
            }
            f.extend((0..rng.gen_range(0..64)).map(|_| rng.gen::<u8>()));
            f
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bytes_do_not_disturb_a_good_client() {
    let panics = Arc::new(AtomicUsize::new(0));
    let p2 = panics.clone();
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        p2.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));

    let router = Router::new().route(
        request::HEART_BEAT,
        fn_processor(|_c, req: RemotingCommand| async move {
            Some(RemotingCommand::success().with_body(req.body.to_bytes()))
        }),
    );
    let srv = RemotingServer::bind("127.0.0.1:0", TransportConfig::default(), Arc::new(router))
        .await
        .unwrap();
    let addr = srv.local_addr();

    // The well-behaved client: a steady stream of echo requests on its own connection.
    let done = Arc::new(AtomicBool::new(false));
    let good = {
        let done = done.clone();
        let addr = addr.to_string();
        tokio::spawn(async move {
            let client = RemotingClient::new(TransportConfig::default());
            let (mut ok, mut n) = (0usize, 0u64);
            while !done.load(Ordering::SeqCst) {
                n += 1;
                let body = Bytes::from(format!("hello {n}"));
                let req = RemotingCommand::request(request::HEART_BEAT).with_body(body.clone());
                let resp = client
                    .invoke(&addr, req, Duration::from_secs(10))
                    .await
                    .unwrap();
                assert_eq!(resp.code, response::SUCCESS);
                assert_eq!(resp.body.to_bytes(), body);
                ok += 1;
            }
            client.shutdown().await;
            ok
        })
    };

    let sem = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut tasks = Vec::with_capacity(CONNECTIONS);
    for seed in 0..CONNECTIONS as u64 {
        let permit = sem.clone().acquire_owned().await.unwrap();
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed);
            let bytes = garbage(&mut rng);
            let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
            // The server may close mid-write on a bad frame: that is fine.
            let _ = sock.write_all(&bytes).await;
            let _ = sock.shutdown().await;
            // The server must end the connection by itself (answering first if the bytes
            // held valid requests).
            let mut sink = vec![0u8; 4096];
            let ended = tokio::time::timeout(Duration::from_secs(20), async {
                loop {
                    match sock.read(&mut sink).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
            })
            .await;
            drop(permit);
            assert!(
                ended.is_ok(),
                "server left a hostile connection open (seed {seed})"
            );
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let served = good.await.unwrap();
    assert!(served > 0);
    assert_eq!(panics.load(Ordering::SeqCst), 0, "a task panicked");
    // And the server is still fine afterwards.
    let client = RemotingClient::new(TransportConfig::default());
    let resp = client
        .invoke(
            &addr.to_string(),
            RemotingCommand::request(request::HEART_BEAT),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(resp.code, response::SUCCESS);
    client.shutdown().await;
    srv.shutdown().await;
}
