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

/// The tests of one binary that run servers on fixed ports run one at a time (each holds
/// this lock): a broker restarted on its port, and the ports beside it (fast channel,
/// HA), must not have been taken by another test meanwhile (a slave would then replicate
/// from the wrong master); and two JVMs at once are heavy on a small machine.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
