//! An in-process NameServer on 127.0.0.1 with an ephemeral port and its files in a temp dir.

use std::path::Path;

use cometmq_namesrv::{NameServer, NamesrvConfig};
use tempfile::TempDir;

/// The config tests start from: 127.0.0.1, port 0, the KV and config files under `dir`
/// (named as RocketMQ names them).
pub fn config(dir: &Path) -> NamesrvConfig {
    NamesrvConfig {
        listen_port: 0,
        bind_address: "127.0.0.1".into(),
        kv_config_path: dir.join("kvConfig.json"),
        config_store_path: dir.join("namesrv.properties"),
        ..NamesrvConfig::default()
    }
}

/// A running NameServer and the temp dir with its files (kept as long as the handle).
pub struct Namesrv {
    /// `None` once stopped.
    pub server: Option<NameServer>,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    pub dir: TempDir,
}

impl Namesrv {
    /// Starts a NameServer with [`config`] in a fresh temp dir.
    pub async fn start() -> Namesrv {
        Self::start_with(|_| {}).await
    }

    /// Like [`Self::start`], with `tweak` applied to the config first.
    pub async fn start_with(tweak: impl FnOnce(&mut NamesrvConfig)) -> Namesrv {
        let dir = tempfile::tempdir().expect("a temp dir for the NameServer");
        let server = Self::launch(dir.path(), tweak).await;
        Namesrv {
            addr: server.local_addr().to_string(),
            server: Some(server),
            dir,
        }
    }

    /// Like [`Self::start`], returning the error instead of panicking (for examples).
    pub async fn try_start() -> Result<Namesrv, Box<dyn std::error::Error + Send + Sync>> {
        let dir = tempfile::tempdir()?;
        let server = NameServer::start(config(dir.path())).await?;
        Ok(Namesrv {
            addr: server.local_addr().to_string(),
            server: Some(server),
            dir,
        })
    }

    /// Stops the server and starts a new one on the same files (`tweak` applied to the
    /// config); it listens on a new port.
    pub async fn restart_with(&mut self, tweak: impl FnOnce(&mut NamesrvConfig)) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        let server = Self::launch(self.dir.path(), tweak).await;
        self.addr = server.local_addr().to_string();
        self.server = Some(server);
    }

    /// Shuts the server down; the files stay until the handle is dropped.
    pub async fn stop(mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }

    async fn launch(dir: &Path, tweak: impl FnOnce(&mut NamesrvConfig)) -> NameServer {
        let mut c = config(dir);
        tweak(&mut c);
        NameServer::start(c)
            .await
            .expect("start the test NameServer")
    }
}
