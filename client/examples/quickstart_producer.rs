//! Quick start, producer: sends ten messages to `TopicTest`.
//!
//! ```text
//! cargo run --release --bin mqbroker -- --standalone        # NameServer on 127.0.0.1:9876
//! cargo run -p cometmq-client --example quickstart_producer
//! ```
//! Set `NAMESRV_ADDR` to use another NameServer.

use cometmq_client::producer::Producer;
use cometmq_client::Message;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let namesrv = std::env::var("NAMESRV_ADDR").unwrap_or_else(|_| "127.0.0.1:9876".into());
    let producer = Producer::builder("quickstart-producer")
        .namesrv_addr(namesrv)
        .build()?;
    producer.start()?;
    for i in 0..10 {
        let msg = Message::builder("TopicTest")
            .tags("TagA")
            .keys([format!("key-{i}")])
            .body(format!("Hello CometMQ {i}"))
            .build();
        let r = producer.send(msg).await?;
        println!(
            "{} {} → {} offset {}",
            r.status, r.msg_id, r.message_queue, r.queue_offset
        );
    }
    producer.shutdown().await;
    Ok(())
}
