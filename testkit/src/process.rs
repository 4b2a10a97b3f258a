//! A server as a child process (Apache RocketMQ's, or a CometMQ binary), killed when its
//! handle is dropped: started and waited for until it listens, stopped with SIGTERM,
//! paused with signals, or killed with SIGKILL.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Sends `cmd`'s stdout and stderr to the end of `log`, and closes its stdin.
pub fn log_to(cmd: &mut Command, log: &Path) {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    cmd.stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out);
}

/// One server child process (Java or CometMQ), killed when dropped.
pub struct Server {
    child: Option<Child>,
    pub log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Server {
    /// Spawns `cmd` (stdin closed, stdout and stderr appended to `log`) and waits until
    /// it listens on `port`; panics with its log if it exits first or never listens.
    pub async fn spawn(mut cmd: Command, log: PathBuf, port: u16, what: &str) -> Server {
        log_to(&mut cmd, &log);
        let child = cmd.spawn().unwrap();
        let mut server = Server {
            child: Some(child),
            log,
        };
        let addr = format!("127.0.0.1:{port}");
        for _ in 0..1200 {
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                return server;
            }
            if let Some(status) = server
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "{what} exited ({status}) before listening:\n{}",
                    server.home_log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{what} did not listen on {addr}:\n{}",
            server.home_log_tail()
        );
    }

    /// The stdout log and, for the Java broker, its server log under `user.home`.
    fn home_log_tail(&self) -> String {
        let server_log = self
            .log
            .parent()
            .map(|h| h.join("logs/rocketmqlogs/server.log"))
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default();
        let start = server_log.len().saturating_sub(6000);
        format!(
            "{}\n--- server.log ---\n{}",
            self.log_tail(),
            server_log.get(start..).unwrap_or_default()
        )
    }

    /// SIGTERM, then waits for the process to exit: both brokers flush and persist their
    /// state on SIGTERM.
    pub async fn stop(mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            tokio::task::spawn_blocking(move || c.wait())
                .await
                .unwrap()
                .unwrap();
        }
    }

    /// Sends `sig` (`STOP`, `CONT`, …) to the process.
    pub fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill")
                .arg(format!("-{sig}"))
                .arg(c.id().to_string())
                .status();
        }
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill9(mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = text.len().saturating_sub(4000);
        text.get(start..).unwrap_or_default().to_string()
    }
}
