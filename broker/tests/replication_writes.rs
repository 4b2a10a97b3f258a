//! The broker's own writes under SYNC_MASTER, process level: the committed message of an
//! END_TRANSACTION and the delay service's re-put of a due message.
//!
//! Java stores both with `waitStoreMsgOK = false` (`EndTransactionProcessor
//! .endMessageTransaction`, `ScheduleMessageService.messageTimeup`), so neither waits for
//! the slave, and `sendFinalMessage` answers SUCCESS even for FLUSH_SLAVE_TIMEOUT or
//! SLAVE_NOT_AVAILABLE. What waits for the slave is the producer's own send of the half
//! (or delayed) message. With a stalled (SIGSTOPped) slave, then: the half message send
//! waits and times out, but the commit and the delivery go through on the master, and
//! reach the slave once it resumes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::code::response;
use cometmq_testkit::wait::wait_max_offset;
use common::ha::*;
use common::txn;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_slave_holds_up_neither_end_transaction_nor_delay_delivery() {
    let _serial = SERIAL.lock().await;
    let ns = Namesrv::start().await;
    let root = tempfile::tempdir().unwrap();
    let fast = [("syncFlushTimeout", "800")];
    let (mut master, mut slave) =
        start_pair(root.path(), &ns.addr, "broker-w", "SYNC_MASTER", &fast, &[]).await;
    let c = client();
    send_until_replicated(&c, &master.addr(), "Warm").await;

    // Acknowledged while the slave is up: a half message and a level-1 (1 s) delayed one.
    let producer = txn::Producer::new("WritesPG", |_| None);
    producer.heartbeat(&master.addr()).await;
    let half = producer
        .send_half(&master.addr(), "TxTopic", 0, "decided later")
        .await;
    let mut delayed = send_request("Later", 0, b"due in a second");
    let props = delayed
        .ext_fields
        .get("i")
        .map(str::to_owned)
        .unwrap_or_default();
    delayed
        .ext_fields
        .insert("i".into(), format!("{props}DELAY\u{1}1\u{2}"));
    let r = call(&c, &master.addr(), delayed).await.unwrap();
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);

    slave.signal("STOP");
    // A producer's send waits for the slave and reports the timeout...
    let r = send(&c, &master.addr(), "Warm", 0, b"waits").await.unwrap();
    assert_eq!(r.code, response::FLUSH_SLAVE_TIMEOUT, "{:?}", r.remark);
    // ...the broker's own writes do not wait: the commit succeeds, as in Java.
    let r = producer.end_sync(&master.addr(), &half, txn::COMMIT).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let got = read_queue(&c, &master.addr(), "G", "TxTopic", 0, 0, 1).await;
    assert_eq!(got.len(), 1, "the committed message on the master");
    assert_eq!(got[0].body.as_ref(), b"decided later");
    // The delayed message is delivered on the master while the slave is still stopped.
    assert_eq!(wait_max_offset(&c, &master.addr(), "Later", 0, 1).await, 1);
    let got = read_queue(&c, &master.addr(), "G", "Later", 0, 0, 1).await;
    assert_eq!(got[0].body.as_ref(), b"due in a second");

    // Once the slave resumes it holds both, byte for byte.
    slave.signal("CONT");
    for topic in ["TxTopic", "Later"] {
        assert_eq!(wait_max_offset(&c, &slave.addr(), topic, 0, 1).await, 1);
        let on_master = read_queue(&c, &master.addr(), "G", topic, 0, 0, 1).await;
        let on_slave = read_queue(&c, &slave.addr(), "G", topic, 0, 0, 1).await;
        assert_eq!(on_slave.len(), 1, "{topic} on the slave");
        assert_eq!(on_slave[0].body, on_master[0].body);
        assert_eq!(
            on_slave[0].commit_log_offset,
            on_master[0].commit_log_offset
        );
        assert_eq!(on_slave[0].msg_id(), on_master[0].msg_id());
    }
    producer.shutdown().await;
    master.kill9();
    slave.kill9();
    ns.stop().await;
}
