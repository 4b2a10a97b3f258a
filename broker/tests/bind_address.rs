//! Every listener of a broker honours its bind address (issue 14 F5): with
//! `brokerIP1=127.0.0.1` the client port, the fast port and the HA port accept on
//! 127.0.0.1 only. 127.0.0.2 is loopback too, so a listener on all interfaces would
//! accept there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::{IpAddr, SocketAddr};

use common::Cluster;
use tokio::net::TcpStream;

async fn accepts(ip: [u8; 4], port: u16) -> bool {
    TcpStream::connect(SocketAddr::new(IpAddr::from(ip), port))
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ha_port_binds_broker_ip1_like_the_client_ports() {
    let ha_port = cometmq_testkit::free_port();
    let c = Cluster::start(|b| b.ha_listen_port = ha_port).await;
    let port = c.broker.as_ref().unwrap().local_addr().port();
    for p in [port, port - 2, ha_port] {
        assert!(accepts([127, 0, 0, 1], p).await, "port {p} on 127.0.0.1");
        assert!(!accepts([127, 0, 0, 2], p).await, "port {p} on 127.0.0.2");
    }
    c.stop().await;
}
