//! A broker as a child process (`mqbroker -c conf`), for kill -9 tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::eventually;

/// The command `mqbroker -c conf` with stdin closed and stdout and stderr appended to
/// `log`, ready to spawn.
pub fn mqbroker(conf: &Path, log: &Path) -> Command {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mqbroker"));
    cmd.arg("-c")
        .arg(conf)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out);
    cmd
}

/// A broker child process, killed when dropped.
pub struct BrokerProcess(Child);

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl BrokerProcess {
    /// Starts `mqbroker -c conf`, logging to `log`, and waits until it accepts connections.
    pub async fn start(conf: &Path, log: &Path, addr: &str) -> BrokerProcess {
        let child = mqbroker(conf, log).spawn().unwrap();
        let process = BrokerProcess(child);
        eventually(
            Duration::from_secs(40),
            "the broker process to listen",
            || async { tokio::net::TcpStream::connect(addr).await.ok().map(|_| ()) },
        )
        .await;
        process
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill9(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}
