//! Quick start, consumer: prints the messages of `TopicTest` with tag `TagA` (from the
//! first offset, so run the producer example first or meanwhile). Stops after 30 s or on
//! Ctrl-C.
//!
//! ```text
//! cargo run -p cometmq-client --example quickstart_consumer
//! ```

use std::time::Duration;

use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let namesrv = std::env::var("NAMESRV_ADDR").unwrap_or_else(|_| "127.0.0.1:9876".into());
    let consumer = PushConsumer::builder("quickstart-consumer")
        .namesrv_addr(namesrv)
        .subscribe("TopicTest", "TagA")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .listener(|msgs| {
            for m in msgs {
                println!(
                    "{} {} queue {} offset {}: {}",
                    m.msg_id(),
                    m.topic,
                    m.queue_id,
                    m.queue_offset,
                    String::from_utf8_lossy(&m.body)
                );
            }
            ConsumeResult::Success
        })
        .build()?;
    consumer.start().await?;
    println!("consuming; Ctrl-C to stop");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = tokio::time::sleep(Duration::from_secs(30)) => {}
    }
    consumer.shutdown().await;
    Ok(())
}
