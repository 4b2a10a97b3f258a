//! Whole-system test of every body compression type (zlib, LZ4, ZSTD): our producer
//! compresses with each, the broker stores the body as sent, and our push consumer reads
//! it back decompressed with the type bits of the sysFlag intact.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cluster::{wait_until, System};
use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use cometmq_client::producer::Producer;
use cometmq_client::Message;
use cometmq_remoting::message::{sysflag, CompressionType};

/// Message id → (sysFlag, body) as the listener saw them.
type Received = Arc<Mutex<HashMap<String, (i32, Vec<u8>)>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_compression_type_round_trips_through_the_broker() {
    let sys = System::start().await;
    let types = [
        CompressionType::Zlib,
        CompressionType::Lz4,
        CompressionType::Zstd,
    ];
    let mut sent = HashMap::new();
    for ty in types {
        let producer = Producer::builder(format!("CompressPG{}", ty.value()))
            .client_config(sys.client_config(&format!("p{}", ty.value())))
            .send_timeout(Duration::from_secs(10))
            .compress_type(ty)
            .build()
            .unwrap();
        producer.start().unwrap();
        let body: Vec<u8> = format!("{ty:?} ").repeat(2000).into_bytes();
        let small = format!("{ty:?} small").into_bytes();
        for b in [body, small] {
            let r = producer
                .send(Message::builder("CompressTopic").body(b.clone()).build())
                .await
                .unwrap();
            sent.insert(r.msg_id, (ty, b));
        }
        producer.shutdown().await;
    }

    let got: Received = Arc::default();
    let g = got.clone();
    let consumer = PushConsumer::builder("CompressG")
        .client_config(sys.client_config("c"))
        .subscribe("CompressTopic", "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .listener(move |msgs| {
            let mut g = g.lock().unwrap();
            for m in msgs {
                g.insert(m.msg_id().into_owned(), (m.sys_flag, m.body.to_vec()));
            }
            ConsumeResult::Success
        })
        .build()
        .unwrap();
    consumer.start().await.unwrap();
    let all = wait_until(|| {
        let n = got.lock().unwrap().len();
        async move { n == 6 }
    })
    .await;
    assert!(all, "received {} of 6", got.lock().unwrap().len());
    let got = got.lock().unwrap().clone();
    for (id, (ty, body)) in &sent {
        let (flag, received) = &got[id];
        assert_eq!(received, body, "{ty:?}: body differs");
        assert!(!sysflag::check(*flag, sysflag::COMPRESSED), "{ty:?}");
        if body.len() >= 4096 {
            assert_eq!(
                sysflag::compression_type_value(*flag),
                ty.value(),
                "{ty:?}: type bits"
            );
        }
    }
    consumer.shutdown().await;
    sys.stop().await;
}
