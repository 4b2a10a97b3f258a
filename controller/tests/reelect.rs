//! The leader's scan: when a master's heartbeats stop, a live member of the SyncStateSet
//! is elected; when none is alive, the master is dropped and no out-of-sync replica is
//! elected (`enableElectUncleanMaster=false`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::code::{request as rq, response as rc};
use cometmq_remoting::header::controller::ElectMasterRequestHeader;
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::wait::eventually;
use common::{alter, apply_id, broker_a, heartbeat_for, Group, CALL};

/// Heartbeats broker-a's member `id` to every controller until `alive` is cleared.
fn keep_alive(addrs: Vec<String>, id: i64, alive: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = RemotingClient::new(TransportConfig::default());
        while alive.load(Ordering::SeqCst) {
            for a in &addrs {
                let _ = client.invoke(a, heartbeat_for(id, 1_000), CALL).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dead_master_is_replaced_from_the_sync_state_set_only() {
    let mut g = Group::start().await;
    let leader = g.leader().await;
    let addrs: Vec<String> = g.nodes.iter().map(|n| n.addr.clone()).collect();
    let flags: Vec<Arc<AtomicBool>> = (0..4).map(|_| Arc::new(AtomicBool::new(true))).collect();
    let mut beats = Vec::new();
    for id in [1, 2, 3] {
        assert_eq!(g.call(leader, apply_id(id)).await.code, rc::SUCCESS);
        beats.push(keep_alive(addrs.clone(), id, flags[id as usize].clone()));
    }
    let elect = RemotingCommand::request_with_header(
        rq::CONTROLLER_ELECT_MASTER,
        &ElectMasterRequestHeader {
            cluster_name: Some("C".into()),
            broker_name: "broker-a".into(),
            broker_id: Some(1),
            designate_elect: Some(false),
        },
    );
    assert_eq!(g.call(leader, elect).await.code, rc::SUCCESS);
    // Member 2 counts as alive once its heartbeat arrived.
    eventually("SyncStateSet {1, 2}", || async {
        (g.call(leader, alter(1, &[1, 2], 1)).await.code == rc::SUCCESS).then_some(())
    })
    .await;

    // Master 1 goes silent: 2, in the SyncStateSet, takes over; 3 is not a candidate.
    flags[1].store(false, Ordering::SeqCst);
    let (master, epoch, set) = eventually("master 2", || async {
        let s = broker_a(&g, leader).await;
        (s.0 == Some(2)).then_some(s)
    })
    .await;
    assert_eq!((master, epoch), (Some(2), Some(2)));
    assert_eq!(set.sync_state_set, [2].into());

    // Master 2 goes silent too: only 3 is alive and out of sync, so no master.
    flags[2].store(false, Ordering::SeqCst);
    let (master, epoch, _) = eventually("master dropped", || async {
        let s = broker_a(&g, leader).await;
        (s.0.is_none()).then_some(s)
    })
    .await;
    assert_eq!((master, epoch), (None, Some(3)));

    for f in &flags {
        f.store(false, Ordering::SeqCst);
    }
    for b in beats {
        let _ = b.await;
    }
    g.stop_all().await;
}
