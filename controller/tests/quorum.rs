//! A leader cut off from both followers accepts no write: it answers (no hang) and
//! nothing it was asked is applied.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::code::response as rc;
use common::{apply_id, Group};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_leader_without_quorum_refuses_writes() {
    let mut g = Group::start().await;
    let leader = g.leader().await;
    for i in 0..3 {
        if i != leader {
            g.nodes[i].stop().await;
        }
    }
    let r = g.call(leader, apply_id(1)).await;
    assert_ne!(r.code, rc::SUCCESS, "{:?}", r.remark);
    let c = g.nodes[leader].running.clone().unwrap();
    assert!(c.state.read().groups.is_empty());
    println!("answer without quorum: {} {:?}", r.code, r.remark);
    g.stop_all().await;
}
