//! The ACL admin requests (Java 4.9's AdminBrokerProcessor): UPDATE_AND_CREATE_ACL_CONFIG
//! (50), DELETE_ACL_CONFIG (51), GET_BROKER_CLUSTER_ACL_INFO (52) and
//! UPDATE_GLOBAL_WHITE_ADDRS_CONFIG (53). Each change is checked by compiling the edited
//! file, then written back to it with its `dataVersion` bumped, and is in force at once.

use std::collections::BTreeMap;
use std::sync::Arc;

use cometmq_remoting::body::{fastjson, DataVersion};
use cometmq_remoting::code::response;
use cometmq_remoting::header::{
    CreateAccessConfigRequestHeader, DeleteAccessConfigRequestHeader,
    GetBrokerAclConfigResponseHeader, UpdateGlobalWhiteAddrsConfigRequestHeader,
};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use super::rules::{AccountEntry, AclFile, FileVersion, Rules};
use super::Acl;
use crate::error::{BrokerError, Reply};
use crate::state::{now_ms, BrokerState};

/// The remark when the broker runs without ACL.
const NOT_ENABLED: &str = "ACL is not enabled on this broker (aclEnable=false)";

fn failed(code: i32, remark: String) -> RemotingCommand {
    RemotingCommand::response(code, Some(remark))
}

/// Java's `UtilAll.split(s, ",")`: trimmed, empty items dropped.
fn split(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Compiles `file` with its version bumped, writes it and puts it in force.
fn commit(acl: &Acl, mut file: AclFile) -> Result<(), String> {
    let old = file.data_version.first().cloned().unwrap_or_default();
    file.data_version = vec![FileVersion {
        counter: old.counter + 1,
        timestamp: now_ms(),
    }];
    let rules = Rules::compile(file)?;
    acl.replace(rules).map_err(|e| e.to_string())
}

/// UPDATE_AND_CREATE_ACL_CONFIG (50): creates the account, or changes the fields the
/// request carries (Java's `createAclAccessConfigMap`).
pub async fn update_account(state: Arc<BrokerState>, _: Connection, req: RemotingCommand) -> Reply {
    let code = response::UPDATE_AND_CREATE_ACL_CONFIG_FAILED;
    let Some(acl) = &state.acl else {
        return Ok(failed(code, NOT_ENABLED.into()));
    };
    let h: CreateAccessConfigRequestHeader = req.decode_header()?;
    let _edit = acl.edit.lock().await;
    let mut file = acl.rules().file.clone();
    let i = match file
        .accounts
        .iter()
        .position(|a| a.access_key == h.access_key)
    {
        Some(i) => i,
        None => {
            file.accounts.push(AccountEntry {
                access_key: h.access_key.clone(),
                ..AccountEntry::default()
            });
            file.accounts.len() - 1
        }
    };
    // `i` indexes `accounts`: the account found, or the one just pushed.
    let account = &mut file.accounts[i];
    if let Some(s) = h.secret_key.filter(|s| !s.is_empty()) {
        account.secret_key = s;
    }
    if let Some(w) = h.white_remote_address {
        account.white_remote_address = w;
    }
    account.admin = h.admin.unwrap_or(false);
    if let Some(p) = h.default_topic_perm.filter(|p| !p.is_empty()) {
        account.default_topic_perm = Some(p);
    }
    if let Some(p) = h.default_group_perm.filter(|p| !p.is_empty()) {
        account.default_group_perm = Some(p);
    }
    if let Some(p) = h.topic_perms {
        account.topic_perms = split(&p);
    }
    if let Some(p) = h.group_perms {
        account.group_perms = split(&p);
    }
    Ok(match commit(acl, file) {
        Ok(()) => {
            tracing::info!(access_key = %h.access_key, "ACL account created or updated");
            RemotingCommand::success()
        }
        Err(why) => failed(code, why),
    })
}

/// DELETE_ACL_CONFIG (51).
pub async fn delete_account(state: Arc<BrokerState>, _: Connection, req: RemotingCommand) -> Reply {
    let code = response::DELETE_ACL_CONFIG_FAILED;
    let Some(acl) = &state.acl else {
        return Ok(failed(code, NOT_ENABLED.into()));
    };
    let h: DeleteAccessConfigRequestHeader = req.decode_header()?;
    let _edit = acl.edit.lock().await;
    let mut file = acl.rules().file.clone();
    let before = file.accounts.len();
    file.accounts.retain(|a| a.access_key != h.access_key);
    if file.accounts.len() == before {
        return Ok(failed(
            code,
            format!(
                "The accesskey[{}] corresponding to accessConfig has been deleted failed.",
                h.access_key
            ),
        ));
    }
    Ok(match commit(acl, file) {
        Ok(()) => {
            tracing::info!(access_key = %h.access_key, "ACL account deleted");
            RemotingCommand::success()
        }
        Err(why) => failed(code, why),
    })
}

/// UPDATE_GLOBAL_WHITE_ADDRS_CONFIG (53): replaces the global white list.
pub async fn update_global_white(
    state: Arc<BrokerState>,
    _: Connection,
    req: RemotingCommand,
) -> Reply {
    let code = response::UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED;
    let Some(acl) = &state.acl else {
        return Ok(failed(code, NOT_ENABLED.into()));
    };
    let h: UpdateGlobalWhiteAddrsConfigRequestHeader = req.decode_header()?;
    if let Some(path) = h.acl_file_full_path.as_deref().filter(|p| !p.is_empty()) {
        if std::path::Path::new(path) != acl.path() {
            return Ok(failed(
                code,
                format!(
                    "this broker has one ACL file, {}; {path} is not it",
                    acl.path().display()
                ),
            ));
        }
    }
    let _edit = acl.edit.lock().await;
    let mut file = acl.rules().file.clone();
    file.global_white_remote_addresses = split(h.global_white_addrs.as_deref().unwrap_or(""));
    Ok(match commit(acl, file) {
        Ok(()) => RemotingCommand::success(),
        Err(why) => failed(code, why),
    })
}

/// GET_BROKER_CLUSTER_ACL_INFO (52): the file's version, and the broker's names.
pub async fn acl_info(state: Arc<BrokerState>, _: Connection, _req: RemotingCommand) -> Reply {
    let Some(acl) = &state.acl else {
        return Err(BrokerError::System(NOT_ENABLED.into()));
    };
    let v = acl
        .rules()
        .file
        .data_version
        .first()
        .cloned()
        .unwrap_or_default();
    let version = DataVersion {
        counter: v.counter,
        state_version: 0,
        timestamp: v.timestamp,
    };
    let mut all = BTreeMap::new();
    all.insert(acl.path().display().to_string(), version);
    let cfg = state.config();
    let header = GetBrokerAclConfigResponseHeader {
        version: Some(json(&version)),
        all_acl_file_version: Some(json(&all)),
        broker_name: Some(cfg.broker_name.clone()),
        broker_addr: Some(state.broker_addr.clone()),
        cluster_name: Some(cfg.broker_cluster_name.clone()),
    };
    Ok(RemotingCommand::success().with_header(&header))
}

/// `v` in Java's (fastjson) JSON.
fn json<T: serde::Serialize>(v: &T) -> String {
    fastjson::to_string(v, fastjson::JsonStyle::Legacy).unwrap_or_default()
}
