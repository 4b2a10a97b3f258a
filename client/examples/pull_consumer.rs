//! Pull consumer: polls `TopicTest` from the first offset and commits after each batch;
//! then seeks one queue back to its start.
//!
//! ```text
//! cargo run -p cometmq-client --example pull_consumer
//! ```

use std::time::Duration;

use cometmq_client::consumer::{ConsumeFromWhere, PullConsumer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let namesrv = std::env::var("NAMESRV_ADDR").unwrap_or_else(|_| "127.0.0.1:9876".into());
    let consumer = PullConsumer::builder("pull-consumer-example")
        .namesrv_addr(namesrv)
        .auto_commit(false)
        .settings(|s| s.consume_from_where = ConsumeFromWhere::FirstOffset)
        .build()?;
    consumer.subscribe("TopicTest", "*")?;
    consumer.start().await?;
    let mut total = 0;
    for _ in 0..5 {
        let msgs = consumer.poll(Duration::from_secs(2)).await;
        total += msgs.len();
        for m in &msgs {
            println!(
                "queue {} offset {}: {}",
                m.queue_id,
                m.queue_offset,
                String::from_utf8_lossy(&m.body)
            );
        }
        consumer.commit().await?;
    }
    println!("polled {total} messages");
    if let Some(q) = consumer.assigned_queues().first() {
        consumer.seek(q, 0).await?;
        let again = consumer.poll(Duration::from_secs(2)).await;
        println!("after seeking {q} to 0: {} messages", again.len());
    }
    consumer.shutdown().await;
    Ok(())
}
