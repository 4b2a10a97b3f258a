//! mqadmin's controller commands against an in-process one-node controller group:
//! getControllerMetaData, getSyncStateSet, getControllerConfig, updateControllerConfig,
//! electMaster (Java's `-bn`), cleanBrokerMetadata, and their errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cometmq_controller::{Controller, ControllerConfig};
use cometmq_remoting::code::{request as rq, response as rc};
use cometmq_remoting::header::controller::{
    ApplyBrokerIdRequestHeader, BrokerHeartbeatRequestHeader,
};
use cometmq_remoting::settings::Settings;
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::{free_port, wait::eventually};
use common::mqadmin;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_commands() {
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let mut config = ControllerConfig::default();
    for (k, v) in [
        ("controllerDLegerGroup", "g1".to_owned()),
        ("controllerDLegerPeers", format!("n0-{addr}")),
        ("controllerDLegerSelfId", "n0".to_owned()),
        (
            "controllerStorePath",
            dir.path().join("store").display().to_string(),
        ),
        (
            "configStorePath",
            dir.path()
                .join("controller.properties")
                .display()
                .to_string(),
        ),
    ] {
        config.set(k, &v).unwrap();
    }
    let controller = Controller::start(config).await.unwrap();
    let client = RemotingClient::new(TransportConfig::default());
    let call = Duration::from_secs(10);
    for id in [1i64, 2] {
        let apply = RemotingCommand::request_with_header(
            rq::CONTROLLER_APPLY_BROKER_ID,
            &ApplyBrokerIdRequestHeader {
                cluster_name: "C".into(),
                broker_name: "broker-a".into(),
                applied_broker_id: id,
                register_check_code: format!("127.0.0.1:{};u{id}", 10900 + id),
            },
        );
        eventually("apply broker id", || async {
            let r = client.invoke(&addr, apply.clone(), call).await.ok()?;
            (r.code == rc::SUCCESS).then_some(())
        })
        .await;
        let hb = RemotingCommand::request_with_header(
            rq::BROKER_HEARTBEAT,
            &BrokerHeartbeatRequestHeader {
                cluster_name: "C".into(),
                broker_addr: format!("127.0.0.1:{}", 10900 + id),
                broker_name: "broker-a".into(),
                broker_id: Some(id),
                heartbeat_timeout_mills: Some(600_000),
                ..Default::default()
            },
        );
        assert_eq!(
            client.invoke(&addr, hb, call).await.unwrap().code,
            rc::SUCCESS
        );
    }

    let run = mqadmin(&["getControllerMetaData", "-a", &addr]).await;
    run.ok();
    assert!(
        run.stdout.contains("#ControllerGroup\tg1"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("#ControllerLeaderId\tn0"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("#Peer:\tn0:{addr}")),
        "{}",
        run.stdout
    );

    let run = mqadmin(&[
        "electMaster",
        "-a",
        &addr,
        "-c",
        "C",
        "-bn",
        "broker-a",
        "-b",
        "2",
    ])
    .await;
    run.ok();
    assert!(
        run.stdout.contains("#BrokerMasterAddr\t127.0.0.1:10902"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("#MasterEpoch\t1"), "{}", run.stdout);
    assert!(
        run.stdout.contains("\t#Broker\t1\t127.0.0.1:10901"),
        "{}",
        run.stdout
    );

    let run = mqadmin(&["getSyncStateSet", "-a", &addr, "-b", "broker-a"]).await;
    run.ok();
    assert!(run.stdout.contains("#MasterBrokerId\t2"), "{}", run.stdout);
    assert!(
        run.stdout.contains("InSyncReplica:\tReplicaIdentity{brokerName='broker-a', brokerId=2, brokerAddress='127.0.0.1:10902', alive=true}"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("NotInSyncReplica:\tReplicaIdentity{brokerName='broker-a', brokerId=1"),
        "{}",
        run.stdout
    );

    // Electing an id that is not a member fails with the controller's answer.
    let run = mqadmin(&[
        "electMaster",
        "-a",
        &addr,
        "-c",
        "C",
        "-bn",
        "broker-a",
        "-b",
        "9",
    ])
    .await;
    let err = run.fails(1, &["2012"]);
    assert!(err.contains("Failed to elect a new master"), "{err}");

    let run = mqadmin(&[
        "updateControllerConfig",
        "-a",
        &addr,
        "-k",
        "enableElectUncleanMaster",
        "-v",
        "true",
    ])
    .await;
    run.ok();
    let run = mqadmin(&["getControllerConfig", "-a", &addr]).await;
    run.ok();
    assert!(
        run.stdout
            .contains(&format!("============{addr}============")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("enableElectUncleanMaster") && l.ends_with("=  true")),
        "{}",
        run.stdout
    );
    let run = mqadmin(&[
        "updateControllerConfig",
        "-a",
        &addr,
        "-k",
        "configStorePath",
        "-v",
        "/x",
    ])
    .await;
    run.fails(1, &["black list"]);
    let run = mqadmin(&[
        "updateControllerConfig",
        "-a",
        &addr,
        "-k",
        "scanNotActiveBrokerInterval",
        "-v",
        "soon",
    ])
    .await;
    run.fails(1, &["scanNotActiveBrokerInterval"]);

    // A group with a master is alive: it cannot be cleaned without -l.
    let run = mqadmin(&[
        "cleanBrokerMetadata",
        "-a",
        &addr,
        "-bn",
        "broker-a",
        "-c",
        "C",
    ])
    .await;
    run.fails(1, &["still alive"]);
    let run = mqadmin(&[
        "cleanBrokerMetadata",
        "-a",
        &addr,
        "-bn",
        "broker-a",
        "-c",
        "C",
        "-l",
    ])
    .await;
    run.ok();
    let run = mqadmin(&["getSyncStateSet", "-a", &addr, "-b", "broker-a", "--json"]).await;
    run.ok();
    assert!(!run.stdout.contains("broker-a"), "{}", run.stdout);
    controller.shutdown().await;
}
