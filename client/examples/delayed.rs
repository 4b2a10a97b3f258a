//! Delayed messages: sent with delay level 2 (5 s with the default `messageDelayLevel`),
//! delivered once the delay is over. Prints how long each message waited.
//!
//! ```text
//! cargo run -p cometmq-client --example delayed
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cometmq_client::clock::now_ms;
use cometmq_client::consumer::{ConsumeResult, PushConsumer};
use cometmq_client::producer::Producer;
use cometmq_client::Message;

const N: usize = 5;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let namesrv = std::env::var("NAMESRV_ADDR").unwrap_or_else(|_| "127.0.0.1:9876".into());
    let run = format!("{}", std::process::id());
    let got = Arc::new(AtomicUsize::new(0));
    let g = got.clone();
    // Start consuming first: only messages sent from now on.
    let consumer = PushConsumer::builder("delayed-consumer")
        .namesrv_addr(namesrv.clone())
        .subscribe("DelayTopic", run.clone())
        .listener(move |msgs| {
            for m in msgs {
                let waited = now_ms() - m.born_timestamp;
                println!(
                    "{} delivered after {waited} ms",
                    String::from_utf8_lossy(&m.body)
                );
            }
            g.fetch_add(msgs.len(), Ordering::SeqCst);
            ConsumeResult::Success
        })
        .build()?;
    consumer.start().await?;

    let producer = Producer::builder("delayed-producer")
        .namesrv_addr(namesrv)
        .build()?;
    producer.start()?;
    for i in 0..N {
        let msg = Message::builder("DelayTopic")
            .tags(run.clone())
            .delay_level(2)
            .body(format!("delayed {i}"))
            .build();
        producer.send(msg).await?;
    }
    println!("sent {N} messages with delay level 2");
    for _ in 0..600 {
        if got.load(Ordering::SeqCst) >= N {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    consumer.shutdown().await;
    producer.shutdown().await;
    Ok(())
}
