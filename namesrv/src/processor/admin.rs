//! KV config (PUT/GET/DELETE_KV_CONFIG, GET_KVLIST_BY_NAMESPACE) and the NameServer's own
//! settings (UPDATE/GET_NAMESRV_CONFIG).

use cometmq_remoting::body::KvTable;
use cometmq_remoting::header::{
    DeleteKvConfigRequestHeader, GetKvConfigRequestHeader, GetKvConfigResponseHeader,
    GetKvListByNamespaceRequestHeader, PutKvConfigRequestHeader,
};
use cometmq_remoting::java_properties;
use cometmq_remoting::settings::Settings;
use cometmq_remoting::RemotingCommand;

use super::{json, NamesrvProcessor, Reply};
use crate::error::NamesrvError;
use crate::kv_config::write_atomically;

impl NamesrvProcessor {
    pub(super) async fn put_kv_config(&self, req: &RemotingCommand) -> Reply {
        let h: PutKvConfigRequestHeader = req.decode_header()?;
        self.kv.put(&h.namespace, &h.key, &h.value).await?;
        tracing::info!(namespace = %h.namespace, key = %h.key, value = %h.value, "KV config put");
        Ok(RemotingCommand::success())
    }

    pub(super) fn get_kv_config(&self, req: &RemotingCommand) -> Reply {
        let h: GetKvConfigRequestHeader = req.decode_header()?;
        let value = self
            .kv
            .get(&h.namespace, &h.key)
            .ok_or(NamesrvError::KvNotFound {
                namespace: h.namespace,
                key: h.key,
            })?;
        Ok(RemotingCommand::success()
            .with_header(&GetKvConfigResponseHeader { value: Some(value) }))
    }

    pub(super) async fn delete_kv_config(&self, req: &RemotingCommand) -> Reply {
        let h: DeleteKvConfigRequestHeader = req.decode_header()?;
        self.kv.delete(&h.namespace, &h.key).await?;
        tracing::info!(namespace = %h.namespace, key = %h.key, "KV config deleted");
        Ok(RemotingCommand::success())
    }

    pub(super) fn kv_list(&self, req: &RemotingCommand) -> Reply {
        let h: GetKvListByNamespaceRequestHeader = req.decode_header()?;
        let table = self
            .kv
            .namespace(&h.namespace)
            .ok_or(NamesrvError::KvNamespaceNotFound(h.namespace))?;
        json(&KvTable { table })
    }

    /// The body is properties text. Keys of `configBlackList` are refused, and so is a
    /// change of a key read only at start (`RUNTIME_KEYS` lists the others); the new
    /// settings are persisted to `configStorePath`.
    pub(super) async fn update_config(&self, req: &RemotingCommand) -> Reply {
        let body = req.body.to_bytes();
        if body.is_empty() {
            return Ok(RemotingCommand::success());
        }
        let text = std::str::from_utf8(&body).map_err(|_| NamesrvError::InvalidConfig {
            key: "(body)".into(),
            value: String::from_utf8_lossy(&body).into_owned(),
            expected: "UTF-8 properties text",
        })?;
        let pairs = java_properties::parse(text).map_err(|e| NamesrvError::InvalidConfig {
            key: "(body)".into(),
            value: e.found.clone(),
            expected: "properties text (a \\u escape takes four hex digits)",
        })?;
        let unknown = self.config.update(|c| {
            if !c.blacklisted(&pairs).is_empty() {
                return Err(NamesrvError::Blacklisted);
            }
            let mut next = c.clone();
            let unknown = next.apply(&pairs)?;
            if let Some(key) = c.restart_key(&next) {
                return Err(NamesrvError::NeedsRestart(key));
            }
            *c = next;
            Ok(unknown)
        })?;
        for key in unknown {
            tracing::warn!(%key, "UPDATE_NAMESRV_CONFIG: unknown config key ignored");
        }
        tracing::info!(update = %text.trim(), "NameServer config updated");
        // One writer; the snapshot is taken under it, so the last write is the newest.
        let _writer = self.config_writer.lock().await;
        let (path, snapshot) = self
            .config
            .read(|c| (c.config_store_path.clone(), c.to_properties()));
        let write = tokio::task::spawn_blocking({
            let path = path.clone();
            move || write_atomically(&path, snapshot.as_bytes())
        })
        .await;
        if !matches!(write, Ok(Ok(()))) {
            tracing::warn!(path = %path.display(), "cannot persist the updated config");
        }
        Ok(RemotingCommand::success())
    }

    pub(super) fn get_config(&self) -> RemotingCommand {
        RemotingCommand::success().with_body(self.config.read(|c| c.to_properties()).into_bytes())
    }
}
