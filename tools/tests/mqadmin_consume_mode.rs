//! `mqadmin setConsumeMode`: the mode reaches the broker, is kept in
//! `config/messageRequestMode.json`, and comes back from GET_ALL_MESSAGE_REQUEST_MODE.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cometmq_remoting::body::fastjson;
use cometmq_remoting::body::pop::{MessageRequestMode, MessageRequestModeSerializeWrapper};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::RemotingCommand;
use common::{Cluster, CLUSTER, T};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_consume_mode_is_stored_and_listed() {
    let c = Cluster::start().await;
    let out = c
        .text(&[
            "setConsumeMode",
            "-c",
            CLUSTER,
            "-t",
            "PopTopic",
            "-g",
            "PopGroup",
            "-m",
            "POP",
            "-q",
            "2",
        ])
        .await;
    assert!(
        out.contains(&format!("set consume mode to {} success.", c.0.broker_addr)),
        "{out}"
    );
    assert!(
        out.contains("topic[PopTopic] group[PopGroup] consume mode[POP] popShareQueueNum[2]"),
        "{out}"
    );
    let resp =
        c.0.client
            .invoke(
                &c.0.broker_addr,
                RemotingCommand::request(request::GET_ALL_MESSAGE_REQUEST_MODE),
                T,
            )
            .await
            .unwrap();
    assert_eq!(resp.code, response::SUCCESS);
    let all: MessageRequestModeSerializeWrapper =
        fastjson::from_slice(&resp.body.to_bytes()).unwrap();
    let m = &all.message_request_mode_map["PopTopic"]["PopGroup"];
    assert_eq!(
        (m.mode, m.pop_share_queue_num),
        (MessageRequestMode::Pop, 2)
    );
    let file = c.0.store_dir.path().join("config/messageRequestMode.json");
    let saved: MessageRequestModeSerializeWrapper =
        fastjson::from_slice(&std::fs::read(file).unwrap()).unwrap();
    assert_eq!(saved, all);
    // Retry topics stay PULL, as Java refuses them.
    let refused = c
        .mqadmin(&[
            "setConsumeMode",
            "-b",
            &c.0.broker_addr,
            "-t",
            "%RETRY%PopGroup",
            "-g",
            "PopGroup",
            "-m",
            "POP",
        ])
        .await;
    refused.fails(1, &["retry topic is not allowed to set mode"]);
    let bad = c
        .mqadmin(&[
            "setConsumeMode",
            "-b",
            &c.0.broker_addr,
            "-t",
            "T",
            "-g",
            "G",
            "-m",
            "PUSH",
        ])
        .await;
    bad.fails(1, &["PUSH is not PULL or POP"]);
    c.stop().await;
}
