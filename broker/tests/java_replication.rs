//! Mixed replication with Apache RocketMQ's broker (issue 16), over the classic HA
//! protocol: a Java SYNC_MASTER with a CometMQ SLAVE, and a CometMQ SYNC_MASTER with a
//! Java SLAVE. In both:
//! - every acknowledged send is on the slave: the CommitLogs are byte-identical;
//! - the master acknowledges only once the slave has the bytes (a stopped slave times the
//!   send out with FLUSH_SLAVE_TIMEOUT);
//! - the slave follows the master's metadata (topics, consumer offsets);
//! - after kill -9 of the master, a consumer reads everything from the slave.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use cometmq_remoting::code::response;
use cometmq_remoting::header::SendMessageResponseHeader;
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_testkit::request::create_group;
use common::ha::{commit_log, read_queue, send, send_until_replicated, wait_topic_synced};
use common::java::{self, Server};
use common::txn;
use common::{eventually, T};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    Java,
    Comet,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java_sync_master_with_a_cometmq_slave() {
    mixed(Side::Java, Side::Comet).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cometmq_sync_master_with_a_java_slave() {
    mixed(Side::Comet, Side::Java).await;
}

const TOPIC: &str = "MixedT";
const MESSAGES: usize = 600;

async fn start(side: Side, dir: &Path, port: u16) -> Server {
    let conf = dir.join("broker.conf");
    let home = dir.join("home");
    match side {
        Side::Java => Server::java_broker(&conf, &home, port).await,
        Side::Comet => java::mqbroker(&conf, &home, port).await,
    }
}

async fn mixed(master_side: Side, slave_side: Side) {
    if !java::available() {
        return;
    }
    let _serial = java::SERIAL.lock().await;
    let ns = cometmq_testkit::namesrv::Namesrv::start().await;
    let namesrv = ns.addr.clone();
    let mdir = tempfile::tempdir().unwrap();
    let sdir = tempfile::tempdir().unwrap();
    let (mport, sport) = (java::broker_port(), java::broker_port());
    let (maddr, saddr) = (format!("127.0.0.1:{mport}"), format!("127.0.0.1:{sport}"));
    for (dir, port, id, role) in [
        (mdir.path(), mport, "0", "SYNC_MASTER"),
        (sdir.path(), sport, "1", "SLAVE"),
    ] {
        let mut extra = vec![
            ("brokerId", id),
            ("brokerRole", role),
            ("slaveSynchronizeInterval", "1000"),
            ("syncFlushTimeout", "3000"),
            // A 5.x slave refuses pulls (SYSTEM_BUSY) unless told to serve them.
            ("slaveReadEnable", "true"),
        ];
        if role == "SYNC_MASTER" && master_side == Side::Java {
            // A 5.x SYNC_MASTER waits for a slave only when more than one replica (itself
            // included) must have a message; 4.x ignores the key.
            extra.push(("inSyncReplicas", "2"));
        }
        let props = java::conf(dir, "mix-a", &namesrv, port, &extra);
        java::write_conf(&dir.join("broker.conf"), &props);
    }
    let c = RemotingClient::new(TransportConfig::default());
    let master = start(master_side, mdir.path(), mport).await;
    let slave = start(slave_side, sdir.path(), sport).await;
    let tails =
        |m: &Server, s: &Server| format!("master:\n{}\nslave:\n{}", m.log_tail(), s.log_tail());

    // A SYNC_MASTER answers only once the slave has caught up and reports.
    send_until_replicated(&c, &maddr, TOPIC).await;
    // Refused warm-up sends are stored too: this test's messages start at the queue
    // offset of its first send.
    let mut base = None;
    let mut bodies = Vec::new();
    for i in 0..MESSAGES {
        let mut body = format!("mixed replication {i} ").into_bytes();
        body.resize(2000, b'x');
        let resp = send(&c, &maddr, TOPIC, 0, &body).await.unwrap();
        assert_eq!(
            resp.code,
            response::SUCCESS,
            "{:?}\n{}",
            resp.remark,
            tails(&master, &slave)
        );
        let h: SendMessageResponseHeader = resp.decode_header().unwrap();
        base.get_or_insert(h.queue_offset);
        bodies.push(body);
    }
    let base = base.unwrap();
    // Metadata: a committed offset, copied by the slave's periodic sync. A 5.x broker
    // refuses offsets of a group it does not know.
    let resp = c.invoke(&maddr, create_group("MixG"), T).await.unwrap();
    assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    let req = cometmq_testkit::request::commit_offset("MixG", TOPIC, 0, 123);
    let resp = c.invoke(&maddr, req, T).await.unwrap();
    assert_eq!(resp.code, response::SUCCESS);
    java::create_topic(&c, &maddr, "MixedMeta", 2).await;
    wait_topic_synced(&c, &saddr, "MixedMeta").await;
    let probe = txn::Producer::new("MixPG", |_| None);
    eventually("the slave's copy of the offset", || async {
        (probe.consumer_offset(&saddr, "MixG", TOPIC, 0).await == Some(123)).then_some(())
    })
    .await;

    // Acknowledged only with the slave: a stopped slave times sends out.
    slave.signal("STOP");
    let mut body = b"sent while the slave is stopped".to_vec();
    body.resize(100, b'.');
    let resp = send(&c, &maddr, TOPIC, 0, &body).await.unwrap();
    slave.signal("CONT");
    assert_eq!(
        resp.code,
        response::FLUSH_SLAVE_TIMEOUT,
        "{:?}\n{}",
        resp.remark,
        tails(&master, &slave)
    );
    bodies.push(body);
    // That message is stored on the master and reaches the slave once it runs again.
    let total = base + bodies.len() as i64;

    // The master dies; everything is on the slave, byte for byte.
    eventually("the slave to catch up", || async {
        let m = common::ha::max_offset(&c, &saddr, TOPIC, 0).await;
        (m >= total).then_some(())
    })
    .await;
    master.kill9();
    let got = read_queue(&c, &saddr, "MixReader", TOPIC, 0, base, total).await;
    let heads: Vec<String> = got
        .iter()
        .map(|m| String::from_utf8_lossy(&m.body[..m.body.len().min(28)]).into_owned())
        .map(|h| h.trim_end_matches('x').to_string())
        .collect();
    assert_eq!(
        got.len(),
        bodies.len(),
        "base {base} total {total}: first {:?} last {:?} offsets {:?}",
        &heads[..3.min(heads.len())],
        &heads[heads.len().saturating_sub(3)..],
        got.iter()
            .map(|m| m.queue_offset)
            .take(3)
            .collect::<Vec<_>>()
    );
    for (m, b) in got.iter().zip(&bodies) {
        assert_eq!(m.body.as_ref(), b.as_slice());
    }
    slave.stop().await;
    let (mlog, slog) = (
        commit_log(&mdir.path().join("store")),
        commit_log(&sdir.path().join("store")),
    );
    for (name, data) in &mlog {
        let data = trim_zeros(data);
        if data.is_empty() {
            continue;
        }
        let theirs = slog.get(name).map(|d| trim_zeros(d)).unwrap_or_default();
        assert!(
            theirs == data,
            "CommitLog file {name} differs: master {} bytes, slave {} bytes (slave files {:?})",
            data.len(),
            theirs.len(),
            slog.iter()
                .map(|(n, d)| (n, trim_zeros(d).len()))
                .collect::<Vec<_>>()
        );
    }
    probe.shutdown().await;
    c.shutdown().await;
    ns.stop().await;
}

fn trim_zeros(data: &[u8]) -> &[u8] {
    let end = data.iter().rposition(|b| *b != 0).map_or(0, |p| p + 1);
    &data[..end]
}
