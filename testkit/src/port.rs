//! Free TCP ports for brokers run as child processes (their config files need a port
//! before they start).

use std::net::TcpListener;

/// A free TCP port on 127.0.0.1 above 1026, whose next port is free too as far as we can
/// tell: a broker also listens on its fast port (port − 2) and may be given port + 1 for
/// HA by the tests.
pub fn free_port() -> u16 {
    loop {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        if port > 1026 && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}
