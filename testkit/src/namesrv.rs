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

/// Starts a NameServer with [`config`] in a fresh temp dir; keep the dir as long as the
/// server runs. For callers that report errors instead of panicking (examples).
pub async fn try_start() -> Result<(NameServer, TempDir), Box<dyn std::error::Error + Send + Sync>>
{
    let dir = tempfile::tempdir()?;
    let server = NameServer::start(config(dir.path())).await?;
    Ok((server, dir))
}

/// Like [`try_start`], panicking when the server cannot start.
pub async fn start() -> (NameServer, TempDir) {
    try_start().await.expect("start the test NameServer")
}
