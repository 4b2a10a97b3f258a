//! Batch: sends 100 messages in one request (SEND_BATCH_MESSAGE), then consumes them with
//! listener calls of up to 10 messages.
//!
//! ```text
//! cargo run -p cometmq-client --example batch
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use cometmq_client::producer::Producer;
use cometmq_client::Message;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let namesrv = std::env::var("NAMESRV_ADDR").unwrap_or_else(|_| "127.0.0.1:9876".into());
    let producer = Producer::builder("batch-producer")
        .namesrv_addr(namesrv.clone())
        .build()?;
    producer.start()?;
    let run = format!("{}", std::process::id());
    let batch: Vec<Message> = (0..100)
        .map(|i| {
            Message::builder("BatchTopic")
                .tags(run.clone())
                .body(format!("batch message {i}"))
                .build()
        })
        .collect();
    let r = producer.send_batch(batch).await?;
    println!(
        "batch stored in {} from offset {}",
        r.message_queue, r.queue_offset
    );

    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let consumer = PushConsumer::builder("batch-consumer")
        .namesrv_addr(namesrv)
        .subscribe("BatchTopic", run)
        .consume_from(ConsumeFromWhere::FirstOffset)
        .consume_batch_size(10)
        .listener(move |msgs| {
            let n = c.fetch_add(msgs.len(), Ordering::SeqCst) + msgs.len();
            println!("listener got {} messages ({n} so far)", msgs.len());
            ConsumeResult::Success
        })
        .build()?;
    consumer.start().await?;
    for _ in 0..300 {
        if count.load(Ordering::SeqCst) >= 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("consumed {}", count.load(Ordering::SeqCst));
    consumer.shutdown().await;
    producer.shutdown().await;
    Ok(())
}
