//! Three `mqcontroller` processes: SIGKILL the leader, a new one takes over with the
//! state, and the killed one rejoins from its files. Prints how long the group had no
//! leader (a figure for the report, not an assertion).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;
use std::time::Instant;

use cometmq_remoting::code::{request as rq, response as rc};
use cometmq_remoting::header::controller::GetMetaDataResponseHeader;
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::process::Server;
use cometmq_testkit::{free_port, wait::eventually};
use common::{apply_id, replica_info, CALL};

struct Proc {
    conf: std::path::PathBuf,
    log: std::path::PathBuf,
    port: u16,
    server: Option<Server>,
}

impl Proc {
    async fn start(&mut self, name: &str) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mqcontroller"));
        cmd.arg("-c").arg(&self.conf);
        self.server = Some(Server::spawn(cmd, self.log.clone(), self.port, name).await);
    }
}

async fn leader(client: &RemotingClient, procs: &[Proc]) -> usize {
    eventually("a leader", || async {
        for (i, p) in procs.iter().enumerate() {
            if p.server.is_none() {
                continue;
            }
            let addr = format!("127.0.0.1:{}", p.port);
            let Ok(r) = client
                .invoke(
                    &addr,
                    RemotingCommand::request(rq::CONTROLLER_GET_METADATA_INFO),
                    CALL,
                )
                .await
            else {
                continue;
            };
            let h: GetMetaDataResponseHeader = r.decode_header().unwrap();
            if h.is_leader {
                let r = client
                    .invoke(&addr, replica_info("none"), CALL)
                    .await
                    .ok()?;
                if r.code != rc::CONTROLLER_NOT_LEADER {
                    return Some(i);
                }
            }
        }
        None
    })
    .await
}

/// Sends `req` to the leader; a leader that has just lost its place answers NOT_LEADER,
/// and the write goes to the next one, as Java's brokers retry.
async fn write(
    client: &RemotingClient,
    procs: &[Proc],
    req: RemotingCommand,
) -> (usize, RemotingCommand) {
    eventually("a write accepted by a leader", || async {
        let i = leader(client, procs).await;
        let addr = format!("127.0.0.1:{}", procs[i].port);
        let r = client.invoke(&addr, req.clone(), CALL).await.ok()?;
        (r.code != rc::CONTROLLER_NOT_LEADER).then_some((i, r))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_the_leader_process() {
    let dir = tempfile::tempdir().unwrap();
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let peers: Vec<String> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| format!("n{i}-127.0.0.1:{p}"))
        .collect();
    let mut procs = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let conf = dir.path().join(format!("controller-n{i}.conf"));
        std::fs::write(
            &conf,
            format!(
                "controllerDLegerGroup=group1\ncontrollerDLegerPeers={}\ncontrollerDLegerSelfId=n{i}\n\
                 controllerStorePath={}\nconfigStorePath={}\n",
                peers.join(";"),
                dir.path().join(format!("store-n{i}")).display(),
                dir.path().join(format!("n{i}.properties")).display(),
            ),
        )
        .unwrap();
        let mut p = Proc {
            conf,
            log: dir.path().join(format!("n{i}.log")),
            port: *port,
            server: None,
        };
        p.start(&format!("mqcontroller n{i}")).await;
        procs.push(p);
    }
    let client = RemotingClient::new(TransportConfig::default());
    let (first, r) = write(&client, &procs, apply_id(1)).await;
    let addr = |i: usize| format!("127.0.0.1:{}", ports[i]);
    assert_eq!(r.code, rc::SUCCESS, "{:?}", r.remark);

    let killed_at = Instant::now();
    procs[first].server.take().unwrap().kill9();
    let second = leader(&client, &procs).await;
    let failover = killed_at.elapsed();
    assert_ne!(second, first);
    let (_, r) = write(&client, &procs, apply_id(2)).await;
    assert_eq!(r.code, rc::SUCCESS, "{:?}", r.remark);
    println!("controller leader failover after SIGKILL: {failover:?}");

    // The killed controller rejoins from its files and catches up.
    procs[first].start("mqcontroller restarted").await;
    client.close_connections(&addr(first));
    eventually("the restarted controller follows", || async {
        let r = client
            .invoke(
                &addr(first),
                RemotingCommand::request(rq::CONTROLLER_GET_METADATA_INFO),
                CALL,
            )
            .await
            .ok()?;
        let h: GetMetaDataResponseHeader = r.decode_header().ok()?;
        h.controller_leader_id.is_some().then_some(())
    })
    .await;
    // Nothing acknowledged was lost: both ids are taken.
    let leader_now = leader(&client, &procs).await;
    let r = client
        .invoke(&addr(leader_now), common::next_broker_id(), CALL)
        .await
        .unwrap();
    let h: cometmq_remoting::header::controller::GetNextBrokerIdHeader = r.decode_header().unwrap();
    assert_eq!(h.next_broker_id, Some(3));
    for p in &mut procs {
        if let Some(s) = p.server.take() {
            s.stop().await;
        }
    }
}
