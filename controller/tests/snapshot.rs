//! Snapshots and log compaction: a controller that was down while the others dropped
//! their logs catches up from a snapshot, and all three restart from snapshot + log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::code::response as rc;
use cometmq_remoting::header::controller::GetNextBrokerIdHeader;
use cometmq_testkit::wait::eventually;
use common::{apply_id, next_broker_id, Group};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lagging_controller_catches_up_from_a_snapshot() {
    let mut g = Group::start().await;
    let leader = g.leader().await;
    assert_eq!(g.call(leader, apply_id(1)).await.code, rc::SUCCESS);
    let lagging = (leader + 1) % 3;
    g.nodes[lagging].stop().await;
    for id in 2..=5 {
        let r = g.call(leader, apply_id(id)).await;
        assert_eq!(r.code, rc::SUCCESS, "{:?}", r.remark);
    }
    for (i, n) in g.nodes.iter().enumerate() {
        if let Some(c) = &n.running {
            let upto = c.compact().await.unwrap();
            assert!(upto > 0, "controller {i} compacted nothing");
        }
    }
    g.nodes[lagging].start().await;
    let c = g.nodes[lagging].running.clone().unwrap();
    eventually("the lagging controller has every id", || async {
        let next = c.state.read().groups.get("broker-a").map(|g| g.next_id);
        (next == Some(6)).then_some(())
    })
    .await;
    // It got there by installing the leader's snapshot (its missing entries are gone).
    let snap = std::path::Path::new(&g.nodes[lagging].config.controller_store_path)
        .join("raft-snapshot.json");
    assert!(snap.exists(), "{} missing", snap.display());

    g.stop_all().await;
    for n in &mut g.nodes {
        n.start().await;
    }
    let leader = g.leader().await;
    let h: GetNextBrokerIdHeader = g
        .call(leader, next_broker_id())
        .await
        .decode_header()
        .unwrap();
    assert_eq!(h.next_broker_id, Some(6));
    g.stop_all().await;
}
