//! Broadcasting: three consumers of one group each receive every message (offsets in local
//! files under `~/.rocketmq_offsets`).
//!
//! ```text
//! cargo run -p cometmq-client --example broadcast
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, MessageModel, PushConsumer};
use cometmq_client::instance::ClientConfig;
use cometmq_client::producer::Producer;
use cometmq_client::Message;

const N: usize = 20;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let namesrv = std::env::var("NAMESRV_ADDR").unwrap_or_else(|_| "127.0.0.1:9876".into());
    let run = format!("{}", std::process::id());
    let producer = Producer::builder("broadcast-producer")
        .namesrv_addr(namesrv.clone())
        .build()?;
    producer.start()?;
    for i in 0..N {
        let msg = Message::builder("BroadcastTopic")
            .tags(run.clone())
            .body(format!("news {i}"))
            .build();
        producer.send(msg).await?;
    }

    let mut consumers = Vec::new();
    let mut counts = Vec::new();
    for i in 0..3 {
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        let consumer = PushConsumer::builder("broadcast-consumer")
            .client_config(ClientConfig {
                instance_name: format!("broadcast-{run}-{i}"),
                ..ClientConfig::new(namesrv.clone())
            })
            .subscribe("BroadcastTopic", run.clone())
            .message_model(MessageModel::Broadcasting)
            .consume_from(ConsumeFromWhere::FirstOffset)
            .listener(move |msgs| {
                c.fetch_add(msgs.len(), Ordering::SeqCst);
                ConsumeResult::Success
            })
            .build()?;
        consumer.start().await?;
        consumers.push(consumer);
        counts.push(count);
    }
    for _ in 0..300 {
        if counts.iter().all(|c| c.load(Ordering::SeqCst) >= N) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (i, c) in counts.iter().enumerate() {
        println!("consumer {i} received {} of {N}", c.load(Ordering::SeqCst));
    }
    for c in &consumers {
        c.shutdown().await;
    }
    producer.shutdown().await;
    Ok(())
}
