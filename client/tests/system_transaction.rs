//! Whole-system test of the transactional producer against the real broker (delay-and-
//! transactions issue): committed transactions are delivered, rolled-back ones never, and
//! unknown ones as the checker decides when the broker checks back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;

use std::sync::{Arc, Mutex};

use cluster::{record, wait_until, Seen, System};
use cometmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use cometmq_client::producer::{LocalTransactionState, TransactionProducer};
use cometmq_client::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_commit_roll_back_and_check_back() {
    let sys = System::start_with(|cfg| {
        cfg.transaction_time_out = 1000;
        cfg.transaction_check_interval = 300;
    })
    .await;
    let checked: Arc<Mutex<Vec<String>>> = Arc::default();
    let c = checked.clone();
    let producer = TransactionProducer::builder("SysTxPG")
        .producer(|p| p.client_config(sys.client_config("tx1")))
        .checker(move |msg| {
            let key = msg.keys().unwrap_or_default().to_owned();
            c.lock().unwrap().push(key.clone());
            if key == "check-commit" {
                LocalTransactionState::CommitMessage
            } else {
                LocalTransactionState::RollbackMessage
            }
        })
        .build()
        .unwrap();
    producer.start().unwrap();
    let topic = "TxSysTopic";
    producer
        .producer()
        .send(Message::new(topic, "plain"))
        .await
        .unwrap();

    let mut ids = std::collections::HashMap::new();
    for (key, local) in [
        ("commit", LocalTransactionState::CommitMessage),
        ("rollback", LocalTransactionState::RollbackMessage),
        ("check-commit", LocalTransactionState::Unknown),
        ("check-rollback", LocalTransactionState::Unknown),
    ] {
        let msg = Message::builder(topic).key(key).body(key).build();
        let r = producer
            .send_in_transaction(msg, |_, _| async move { local })
            .await
            .unwrap();
        assert_eq!(r.local_state, local);
        ids.insert(key, r.send_result.msg_id);
    }

    let seen: Seen = Arc::default();
    let s = seen.clone();
    let consumer = PushConsumer::builder("SysTxCG")
        .client_config(sys.client_config("txc"))
        .subscribe(topic, "*")
        .consume_from(ConsumeFromWhere::FirstOffset)
        .listener(move |msgs| {
            record(&s, msgs);
            ConsumeResult::Success
        })
        .build()
        .unwrap();
    consumer.start().await.unwrap();

    let done = wait_until(|| {
        let s = seen.lock().unwrap();
        let c = checked.lock().unwrap();
        let ok = s.contains_key(&ids["commit"])
            && s.contains_key(&ids["check-commit"])
            && c.iter().any(|k| k == "check-rollback");
        async move { ok }
    })
    .await;
    assert!(done, "checked: {:?}", checked.lock().unwrap());
    let s = seen.lock().unwrap().clone();
    assert!(
        !s.contains_key(&ids["rollback"]),
        "a rolled-back message was delivered"
    );
    assert!(
        !s.contains_key(&ids["check-rollback"]),
        "a message rolled back by the checker was delivered"
    );
    assert_eq!(s.len(), 3, "plain, commit, check-commit");
    consumer.shutdown().await;
    producer.shutdown().await;
    sys.stop().await;
}
