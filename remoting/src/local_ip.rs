//! This host's outward IP address, as RocketMQ uses it for client ids, `UNIQ_KEY`s and a
//! broker's default `brokerIP1`.

use std::net::{IpAddr, Ipv4Addr, UdpSocket};

/// The address of the interface the default route would use, or `None` on a host with
/// only loopback. A UDP `connect` only selects a route: no packet is sent. The target is
/// TEST-NET-1 (192.0.2.1, RFC 5737), which is never used by real hosts.
pub fn local_ip() -> Option<IpAddr> {
    let sock = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    sock.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = sock.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}

/// [`local_ip`], or 127.0.0.1 when there is none.
pub fn local_ip_or_loopback() -> IpAddr {
    local_ip().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}
