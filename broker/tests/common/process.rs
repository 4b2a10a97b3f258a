//! CometMQ's `mqbroker` binary as a child process (`cometmq_testkit::process`), for the
//! kill -9 and side-by-side tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

pub use cometmq_testkit::process::Server;

/// The command `mqbroker -c conf`, ready to spawn.
pub fn mqbroker(conf: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mqbroker"));
    cmd.arg("-c").arg(conf);
    cmd
}

/// Starts `mqbroker -c conf`, logging to `log`, and waits until it listens on `port`.
pub async fn start(conf: &Path, log: &Path, port: u16) -> Server {
    Server::spawn(mqbroker(conf), log.to_path_buf(), port, "mqbroker").await
}
