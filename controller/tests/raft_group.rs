//! Three controllers in this process, on ephemeral ports with temp dirs: a leader is
//! elected, followers refuse writes as Java's do, state survives the leader's death and a
//! restart of all three from disk, two of three down means no writes, and bad input gets a
//! clear error while the controller goes on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cometmq_remoting::code::{request as rq, response as rc};
use cometmq_remoting::header::controller::{
    AlterSyncStateSetResponseHeader, ElectMasterRequestHeader, GetMetaDataResponseHeader,
    GetNextBrokerIdHeader, MasterInfoResponseHeader,
};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::wait::eventually;
use common::{alter, apply_id, broker_a, heartbeat, replica_info, Group};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_controllers_elect_replicate_fail_over_and_recover() {
    let mut g = Group::start().await;
    let leader = g.leader().await;
    let follower = (leader + 1) % 3;

    // A follower refuses writes and leader-only reads as Java's controller does.
    let r = g.call(follower, apply_id(1)).await;
    assert_eq!(r.code, rc::CONTROLLER_NOT_LEADER);
    assert_eq!(
        r.remark.as_deref(),
        Some("The controller is not in leader state")
    );
    let meta: GetMetaDataResponseHeader = eventually("the follower knows the leader", || async {
        let r = g
            .call(
                follower,
                RemotingCommand::request(rq::CONTROLLER_GET_METADATA_INFO),
            )
            .await;
        let h: GetMetaDataResponseHeader = r.decode_header().unwrap();
        h.controller_leader_id.is_some().then_some(h)
    })
    .await;
    assert!(!meta.is_leader);
    assert_eq!(meta.controller_leader_id, Some(format!("n{leader}")));
    assert_eq!(meta.group.as_deref(), Some("group1"));

    // Two brokers get ids 1 and 2; 1 becomes master; the SyncStateSet grows to {1, 2}.
    for id in [1, 2] {
        let r = g.call(leader, apply_id(id)).await;
        assert_eq!(r.code, rc::SUCCESS, "{:?}", r.remark);
        for i in 0..3 {
            assert_eq!(g.call(i, heartbeat(id)).await.code, rc::SUCCESS);
        }
    }
    let r = g.call(leader, apply_id(2)).await; // the same broker again: its own id
    assert_eq!(r.code, rc::SUCCESS);
    let mut other = apply_id(2);
    other
        .ext_fields
        .insert("registerCheckCode".into(), "10.0.0.9:1;other".into());
    assert_eq!(
        g.call(leader, other).await.code,
        rc::CONTROLLER_BROKER_ID_INVALID
    );
    let elect = RemotingCommand::request_with_header(
        rq::CONTROLLER_ELECT_MASTER,
        &ElectMasterRequestHeader {
            cluster_name: Some("C".into()),
            broker_name: "broker-a".into(),
            broker_id: Some(1),
            designate_elect: Some(false),
        },
    );
    let r = g.call(leader, elect.clone()).await;
    assert_eq!(r.code, rc::SUCCESS, "{:?}", r.remark);
    let h: MasterInfoResponseHeader = r.decode_header().unwrap();
    assert_eq!((h.master_broker_id, h.master_epoch), (Some(1), Some(1)));
    assert_eq!(h.master_address.as_deref(), Some("127.0.0.1:10901"));
    let r = g.call(leader, elect).await;
    assert_eq!(r.code, rc::CONTROLLER_MASTER_STILL_EXIST);
    let r = g.call(leader, alter(1, &[1, 2], 1)).await;
    assert_eq!(r.code, rc::SUCCESS, "{:?}", r.remark);
    let h: AlterSyncStateSetResponseHeader = r.decode_header().unwrap();
    assert_eq!(h.new_sync_state_set_epoch, 2);

    // Bad input: a clear error each, and the controller goes on.
    assert_eq!(
        g.call(leader, alter(0, &[1], 2)).await.code,
        rc::CONTROLLER_FENCED_MASTER_EPOCH
    );
    assert_eq!(
        g.call(leader, alter(1, &[1], 1)).await.code,
        rc::CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH
    );
    assert_eq!(
        g.call(leader, alter(1, &[1, 7], 2)).await.code,
        rc::CONTROLLER_INVALID_REPLICAS
    );
    assert_eq!(
        g.call(leader, replica_info("nobody")).await.code,
        rc::CONTROLLER_BROKER_METADATA_NOT_EXIST
    );
    let garbage = alter(1, &[1], 2).with_body(b"{not json".to_vec());
    let r = g.call(leader, garbage).await;
    assert_eq!(r.code, rc::CONTROLLER_INVALID_REQUEST);
    assert!(r.remark.unwrap().contains("SyncStateSet"));
    let r = g
        .call(
            leader,
            RemotingCommand::request(rq::CONTROLLER_APPLY_BROKER_ID),
        )
        .await;
    assert_ne!(r.code, rc::SUCCESS);
    assert!(r.remark.unwrap().contains("clusterName"));
    // Garbage on the Raft RPC codes of the same port: refused, the group goes on.
    let bad_rpc = RemotingCommand::request(cometmq_controller::raft::network::RAFT_VOTE)
        .with_body(b"\x00\x01garbage".to_vec());
    assert_eq!(
        g.call(leader, bad_rpc).await.code,
        rc::CONTROLLER_INVALID_REQUEST
    );
    assert_eq!(broker_a(&g, leader).await.0, Some(1));

    // The leader dies: another takes over with the state.
    g.nodes[leader].stop().await;
    let second = g.leader().await;
    assert_ne!(second, leader);
    let (master, epoch, set) = broker_a(&g, second).await;
    assert_eq!((master, epoch), (Some(1), Some(1)));
    assert_eq!(set.sync_state_set, [1, 2].into());
    assert_eq!(set.sync_state_set_epoch, 2);

    // Two of three down: the last one cannot be leader, and refuses writes.
    g.nodes[second].stop().await;
    let last = (0..3).find(|i| *i != leader && *i != second).unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await; // election timeouts pass
    let r = g.call(last, apply_id(3)).await;
    assert_eq!(r.code, rc::CONTROLLER_NOT_LEADER);

    // All three down, then up again: the state comes back from disk.
    g.stop_all().await;
    for n in &mut g.nodes {
        n.start().await;
    }
    let leader = g.leader().await;
    let (master, epoch, set) = broker_a(&g, leader).await;
    assert_eq!((master, epoch), (Some(1), Some(1)));
    assert_eq!(set.sync_state_set, [1, 2].into());
    let next = RemotingCommand::request_with_header(
        rq::CONTROLLER_GET_NEXT_BROKER_ID,
        &GetNextBrokerIdHeader {
            cluster_name: "C".into(),
            broker_name: "broker-a".into(),
            next_broker_id: None,
        },
    );
    let h: GetNextBrokerIdHeader = g.call(leader, next).await.decode_header().unwrap();
    assert_eq!(h.next_broker_id, Some(3));
    g.stop_all().await;
}
