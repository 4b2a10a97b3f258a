//! Transactional messages: three half messages whose local transactions commit, roll back
//! and stay unknown; the checker later commits the unknown one. A consumer sees only the
//! committed messages (needs a broker with transactions).
//!
//! ```text
//! cargo run -p cometmq-client --example transactional
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use cometmq_client::producer::{LocalTransactionState, TransactionProducer};
use cometmq_client::Message;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let namesrv = std::env::var("NAMESRV_ADDR").unwrap_or_else(|_| "127.0.0.1:9876".into());
    let run = format!("{}", std::process::id());
    let producer = TransactionProducer::builder("transaction-producer")
        .namesrv_addr(namesrv.clone())
        .checker(|msg| {
            println!("broker checks back {}: commit", msg.msg_id());
            LocalTransactionState::CommitMessage
        })
        .build()?;
    producer.start()?;
    for (i, outcome) in [
        LocalTransactionState::CommitMessage,
        LocalTransactionState::RollbackMessage,
        LocalTransactionState::Unknown,
    ]
    .into_iter()
    .enumerate()
    {
        let msg = Message::builder("TransactionTopic")
            .tags(run.clone())
            .body(format!("transaction {i} ({outcome:?})"))
            .build();
        let r = producer
            .send_in_transaction(msg, |_msg, _sent| async move {
                // The local transaction (a database update…) would run here.
                outcome
            })
            .await?;
        println!(
            "{} half message {} → {:?}",
            r.send_result.status, r.send_result.msg_id, r.local_state
        );
    }

    let consumed = Arc::new(AtomicUsize::new(0));
    let c = consumed.clone();
    let consumer = PushConsumer::builder("transaction-consumer")
        .namesrv_addr(namesrv)
        .subscribe("TransactionTopic", run)
        .consume_from(ConsumeFromWhere::FirstOffset)
        .listener(move |msgs| {
            for m in msgs {
                println!("consumed: {}", String::from_utf8_lossy(&m.body));
            }
            c.fetch_add(msgs.len(), Ordering::SeqCst);
            ConsumeResult::Success
        })
        .build()?;
    consumer.start().await?;
    println!("waiting (at most 2 min) for the check-back of the unknown transaction…");
    for _ in 0..1200 {
        if consumed.load(Ordering::SeqCst) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    consumer.shutdown().await;
    producer.shutdown().await;
    Ok(())
}
