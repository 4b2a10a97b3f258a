//! `enableControllerInNamesrv=true`: the NameServer runs a controller, which serves the
//! controller codes on its `controllerDLegerPeers` address while the NameServer's own
//! port goes on serving routes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use cometmq_remoting::code::{request as rq, response as rc};
use cometmq_remoting::header::controller::{ApplyBrokerIdRequestHeader, GetMetaDataResponseHeader};
use cometmq_remoting::settings::Settings;
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::namesrv::Namesrv;
use cometmq_testkit::{free_port, wait::eventually};

#[tokio::test]
async fn the_namesrv_hosts_a_one_node_controller_group() {
    let store = tempfile::tempdir().unwrap();
    let peer = format!("127.0.0.1:{}", free_port());
    let ns = Namesrv::start_with(|c| {
        c.enable_controller_in_namesrv = true;
        let mut cc = cometmq_controller::ControllerConfig::default();
        cc.set("controllerDLegerGroup", "g").unwrap();
        cc.set("controllerDLegerPeers", &format!("n0-{peer}"))
            .unwrap();
        cc.set("controllerDLegerSelfId", "n0").unwrap();
        cc.set("controllerStorePath", &store.path().display().to_string())
            .unwrap();
        c.controller = Some(cc);
    })
    .await;
    let client = RemotingClient::new(TransportConfig::default());
    let call = Duration::from_secs(10);
    eventually("the controller leads", || async {
        let r = client
            .invoke(
                &peer,
                RemotingCommand::request(rq::CONTROLLER_GET_METADATA_INFO),
                call,
            )
            .await
            .ok()?;
        let h: GetMetaDataResponseHeader = r.decode_header().ok()?;
        h.is_leader.then_some(())
    })
    .await;
    let apply = RemotingCommand::request_with_header(
        rq::CONTROLLER_APPLY_BROKER_ID,
        &ApplyBrokerIdRequestHeader {
            cluster_name: "C".into(),
            broker_name: "b".into(),
            applied_broker_id: 1,
            register_check_code: "127.0.0.1:10911;u".into(),
        },
    );
    let r = eventually("apply broker id", || async {
        let r = client.invoke(&peer, apply.clone(), call).await.ok()?;
        (r.code != rc::CONTROLLER_NOT_LEADER).then_some(r)
    })
    .await;
    assert_eq!(r.code, rc::SUCCESS, "{:?}", r.remark);
    // The NameServer's port still answers NameServer requests, not the controller's.
    let r = client
        .invoke(
            &ns.addr,
            RemotingCommand::request(rq::GET_BROKER_CLUSTER_INFO),
            call,
        )
        .await
        .unwrap();
    assert_eq!(r.code, rc::SUCCESS);
    ns.stop().await;
}
