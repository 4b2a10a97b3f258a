//! Ordered messages: each order's steps go to one queue (selected by order id), and an
//! orderly consumer, which locks its queues at the broker, sees every order's steps in
//! sequence.
//!
//! ```text
//! cargo run -p cometmq-client --example ordered
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cometmq_client::consumer::{ConsumeFromWhere, OrderlyResult, PushConsumer};
use cometmq_client::producer::{Producer, SelectByHash};
use cometmq_client::Message;

const ORDERS: i64 = 10;
const STEPS: [&str; 3] = ["created", "paid", "shipped"];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let namesrv = std::env::var("NAMESRV_ADDR").unwrap_or_else(|_| "127.0.0.1:9876".into());
    let producer = Producer::builder("ordered-producer")
        .namesrv_addr(namesrv.clone())
        .build()?;
    producer.start()?;
    let run = format!("{}", std::process::id());
    for step in STEPS {
        for order in 0..ORDERS {
            let msg = Message::builder("OrderedTopic")
                .tags(run.clone())
                .keys([format!("order-{order}")])
                .body(format!("order-{order} {step}"))
                .build();
            producer
                .send_with_selector(msg, &SelectByHash, &order)
                .await?;
        }
    }
    println!("sent {} messages", ORDERS * STEPS.len() as i64);

    let steps: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
    let seen = steps.clone();
    let consumer = PushConsumer::builder("ordered-consumer")
        .namesrv_addr(namesrv)
        .subscribe("OrderedTopic", run)
        .consume_from(ConsumeFromWhere::FirstOffset)
        .listener_orderly(move |msgs| {
            let mut s = seen.lock().unwrap_or_else(|e| e.into_inner());
            for m in msgs {
                let text = String::from_utf8_lossy(&m.body).into_owned();
                println!("queue {} offset {}: {text}", m.queue_id, m.queue_offset);
                if let Some((order, step)) = text.split_once(' ') {
                    s.entry(order.to_owned()).or_default().push(step.to_owned());
                }
            }
            OrderlyResult::Success
        })
        .build()?;
    consumer.start().await?;
    for _ in 0..300 {
        let done = steps
            .lock()
            .map(|s| s.values().map(Vec::len).sum::<usize>())
            .unwrap_or(0);
        if done >= (ORDERS as usize) * STEPS.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s = steps.lock().map(|s| s.clone()).unwrap_or_default();
    let in_order = s.values().all(|v| v.iter().map(String::as_str).eq(STEPS));
    println!("{} orders, every one in order: {in_order}", s.len());
    consumer.shutdown().await;
    producer.shutdown().await;
    Ok(())
}
