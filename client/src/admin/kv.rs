//! The NameServer's KV store and configuration: updateKvConfig, deleteKvConfig,
//! getNamesrvConfig, updateNamesrvConfig.

use std::collections::BTreeMap;

use cometmq_remoting::body::KvTable;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    DeleteKvConfigRequestHeader, GetKvConfigRequestHeader, GetKvConfigResponseHeader,
    GetKvListByNamespaceRequestHeader, PutKvConfigRequestHeader,
};
use cometmq_remoting::java_properties;
use cometmq_remoting::RemotingCommand;

use super::{check, decode, Admin};
use crate::error::{ClientError, Result};

impl Admin {
    /// `updateKvConfig`: sets `namespace`/`key` to `value` on every NameServer (PUT_KV_CONFIG).
    pub async fn put_kv_config(&self, namespace: &str, key: &str, value: &str) -> Result<()> {
        if namespace.is_empty() || key.is_empty() {
            return Err(ClientError::invalid(
                "kv",
                "namespace and key must not be empty",
            ));
        }
        let header = PutKvConfigRequestHeader {
            namespace: namespace.to_owned(),
            key: key.to_owned(),
            value: value.to_owned(),
        };
        let req = RemotingCommand::request_with_header(request::PUT_KV_CONFIG, &header);
        self.each_namesrv(req).await.map(drop)
    }

    /// `deleteKvConfig`: removes `namespace`/`key` from every NameServer (DELETE_KV_CONFIG).
    pub async fn delete_kv_config(&self, namespace: &str, key: &str) -> Result<()> {
        let header = DeleteKvConfigRequestHeader {
            namespace: namespace.to_owned(),
            key: key.to_owned(),
        };
        let req = RemotingCommand::request_with_header(request::DELETE_KV_CONFIG, &header);
        self.each_namesrv(req).await.map(drop)
    }

    /// The value of `namespace`/`key`, if set (GET_KV_CONFIG).
    pub async fn get_kv_config(&self, namespace: &str, key: &str) -> Result<Option<String>> {
        let header = GetKvConfigRequestHeader {
            namespace: namespace.to_owned(),
            key: key.to_owned(),
        };
        let code = request::GET_KV_CONFIG;
        let (addr, resp) = self
            .namesrv_raw(RemotingCommand::request_with_header(code, &header))
            .await?;
        if resp.code == response::QUERY_NOT_FOUND {
            return Ok(None);
        }
        let resp = check(code, &addr, resp)?;
        let h: GetKvConfigResponseHeader = resp
            .decode_header()
            .map_err(|e| ClientError::bad_header(code, &addr, e))?;
        Ok(h.value)
    }

    /// Every key of `namespace` (GET_KVLIST_BY_NAMESPACE); empty if the namespace is unknown.
    pub async fn kv_list(&self, namespace: &str) -> Result<BTreeMap<String, String>> {
        let header = GetKvListByNamespaceRequestHeader {
            namespace: namespace.to_owned(),
        };
        let code = request::GET_KVLIST_BY_NAMESPACE;
        let (addr, resp) = self
            .namesrv_raw(RemotingCommand::request_with_header(code, &header))
            .await?;
        if resp.code == response::QUERY_NOT_FOUND {
            return Ok(BTreeMap::new());
        }
        let resp = check(code, &addr, resp)?;
        let table: KvTable = decode(code, &addr, &resp)?;
        Ok(table.table)
    }

    /// `getNamesrvConfig`: each NameServer's configuration (GET_NAMESRV_CONFIG).
    pub async fn namesrv_config(&self) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
        let code = request::GET_NAMESRV_CONFIG;
        let mut out = BTreeMap::new();
        for (addr, resp) in self.each_namesrv(RemotingCommand::request(code)).await? {
            let body = resp.body.to_bytes();
            let text = std::str::from_utf8(&body)
                .map_err(|_| ClientError::bad_body(code, &addr, "config is not UTF-8"))?;
            let pairs = java_properties::parse(text)
                .map_err(|e| ClientError::bad_body(code, &addr, format!("config: {e}")))?;
            out.insert(addr, pairs.into_iter().collect());
        }
        Ok(out)
    }

    /// `updateNamesrvConfig`: sets `key=value` on every NameServer (UPDATE_NAMESRV_CONFIG).
    pub async fn update_namesrv_config(&self, key: &str, value: &str) -> Result<()> {
        if key.trim().is_empty() {
            return Err(ClientError::invalid("key", "the config key is empty"));
        }
        let body = java_properties::render([(key, value)]);
        let req =
            RemotingCommand::request(request::UPDATE_NAMESRV_CONFIG).with_body(body.into_bytes());
        self.each_namesrv(req).await.map(drop)
    }
}
