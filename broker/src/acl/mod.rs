//! RocketMQ ACL 1.0 (`aclEnable=true`): every request on the broker's client ports is
//! checked against plain_acl.yml before any processor runs — its address against the
//! white lists, its signature against the account's secret, the resources it touches
//! against the account's permissions — as Java's `PlainPermissionManager.validate` does.
//!
//! The check runs in [`gate`], which wraps the broker's router only when ACL is on: with
//! `aclEnable=false` the request path has no ACL code at all. The file is re-read when it
//! changes ([`watch`]); a broken file keeps the last good rules and logs why.

pub mod address;
pub mod admin;
pub mod permission;
pub mod resources;
pub mod rules;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::acl_signature::{self, ACCESS_KEY};
use cometmq_remoting::code::response;
use cometmq_remoting::transport::{Connection, ProcessFuture, RequestProcessor};
use cometmq_remoting::RemotingCommand;
use parking_lot::{Mutex, RwLock};
use tokio_util::sync::CancellationToken;

use rules::{Rules, RETRY_PREFIX};

/// Why the ACL file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AclError {
    /// Neither `aclFilePath` nor `ROCKETMQ_HOME` is set.
    #[error(
        "aclEnable=true needs the ACL file: set aclFilePath, or ROCKETMQ_HOME \
         (for $ROCKETMQ_HOME/conf/plain_acl.yml)"
    )]
    NoFile,
    /// The file cannot be read or written.
    #[error("ACL file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file does not parse, or a rule in it is wrong.
    #[error("ACL file {path}: {why}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
}

/// How often the file is looked at for changes (Java's FileWatchService: 500 ms).
const WATCH_INTERVAL: Duration = Duration::from_millis(500);

/// The trace topic: a signed send to it needs no topic permission (Java's exception).
const TRACE_TOPIC: &str = "RMQ_SYS_TRACE_TOPIC";

/// The rules in force and the file they come from.
#[derive(Debug)]
pub struct Acl {
    path: PathBuf,
    rules: RwLock<Arc<Rules>>,
    /// The text last read, to tell a change (Java compares the file's hash).
    last_text: Mutex<Vec<u8>>,
    /// Held by the admin requests from reading the file to writing it back.
    pub edit: tokio::sync::Mutex<()>,
}

impl Acl {
    /// Reads `path`. A missing or broken file stops the broker with an error naming it.
    pub fn open(path: &Path) -> Result<Arc<Acl>, AclError> {
        let text = std::fs::read(path).map_err(|source| AclError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let rules = compile(path, &text)?;
        tracing::info!(file = %path.display(), accounts = rules.accounts.len(), "ACL enabled");
        Ok(Arc::new(Acl {
            path: path.to_path_buf(),
            rules: RwLock::new(Arc::new(rules)),
            last_text: Mutex::new(text),
            edit: tokio::sync::Mutex::new(()),
        }))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rules in force (a cheap snapshot).
    pub fn rules(&self) -> Arc<Rules> {
        self.rules.read().clone()
    }

    /// Re-reads the file if its text changed. A file that no longer parses keeps the
    /// rules in force, and the error is logged (once per change).
    pub fn reload(&self) {
        let text = match std::fs::read(&self.path) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(file = %self.path.display(), error = %e, "cannot read the ACL file; the rules in force stay");
                return;
            }
        };
        let mut last = self.last_text.lock();
        if *last == text {
            return;
        }
        match compile(&self.path, &text) {
            Ok(rules) => {
                tracing::info!(file = %self.path.display(), accounts = rules.accounts.len(), "ACL file reloaded");
                *self.rules.write() = Arc::new(rules);
            }
            Err(e) => {
                tracing::error!(error = %e, "the ACL file changed but is broken; the last good rules stay in force");
            }
        }
        *last = text;
    }

    /// Puts `rules` in force and writes their file (the admin requests' path).
    pub fn replace(&self, rules: Rules) -> Result<(), AclError> {
        let text = serde_yaml::to_string(&rules.file).map_err(|e| AclError::Invalid {
            path: self.path.clone(),
            why: e.to_string(),
        })?;
        let tmp = self.path.with_extension("yml.tmp");
        std::fs::write(&tmp, text.as_bytes())
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|source| AclError::Io {
                path: self.path.clone(),
                source,
            })?;
        *self.last_text.lock() = text.into_bytes();
        *self.rules.write() = Arc::new(rules);
        Ok(())
    }

    /// Whether `req` from `peer` may pass; the error is the refusal's text, as Java's
    /// AclException words it.
    pub fn check(&self, peer: IpAddr, req: &RemotingCommand) -> Result<(), String> {
        let needed = resources::needed(req)?;
        let rules = self.rules();
        if rules.global_white.iter().any(|p| p.matches(peer)) {
            return Ok(());
        }
        let Some(access_key) = req.ext_fields.get(ACCESS_KEY) else {
            return Err("No accessKey is configured".into());
        };
        let Some(account) = rules.accounts.get(access_key) else {
            return Err(format!("No acl config for {access_key}"));
        };
        if account.white.matches(peer) {
            return Ok(());
        }
        if !acl_signature::verify(req, &account.secret_key) {
            return Err(format!("Check signature failed for accessKey={access_key}"));
        }
        if needed
            .iter()
            .any(|(r, p)| r == TRACE_TOPIC && *p == permission::PUB)
        {
            return Ok(());
        }
        if permission::needs_admin(req.code) && !account.admin {
            return Err(format!(
                "Need admin permission for request code={}, but accessKey={access_key} is not",
                req.code
            ));
        }
        if account.admin && account.perms.is_empty() {
            return Ok(());
        }
        for (resource, perm) in &needed {
            let group = resource.strip_prefix(RETRY_PREFIX);
            let owned = account.perms.get(resource).copied().unwrap_or(match group {
                Some(_) => account.default_group_perm,
                None => account.default_topic_perm,
            });
            if !permission::check(*perm, owned) {
                let what = match group {
                    Some(g) => format!("group:{g}"),
                    None => format!("topic:{resource}"),
                };
                return Err(format!("No default permission for {what}"));
            }
        }
        Ok(())
    }
}

fn compile(path: &Path, text: &[u8]) -> Result<Rules, AclError> {
    let invalid = |why: String| AclError::Invalid {
        path: path.to_path_buf(),
        why,
    };
    let text = std::str::from_utf8(text).map_err(|e| invalid(e.to_string()))?;
    Rules::parse(text).map_err(invalid)
}

/// The answer to a refused request: Java's broker answers an AclException thrown by its
/// RPC hook with SYSTEM_ERROR and the exception's text.
pub fn refusal(why: &str) -> RemotingCommand {
    RemotingCommand::response(
        response::SYSTEM_ERROR,
        Some(format!(
            "org.apache.rocketmq.acl.common.AclException: {why}"
        )),
    )
}

/// Wraps the broker's request processor so every request is checked first.
pub fn gate(acl: Arc<Acl>, inner: Arc<dyn RequestProcessor>) -> Arc<dyn RequestProcessor> {
    Arc::new(AclGate { acl, inner })
}

struct AclGate {
    acl: Arc<Acl>,
    inner: Arc<dyn RequestProcessor>,
}

impl RequestProcessor for AclGate {
    fn process<'a>(&'a self, conn: &'a Connection, request: RemotingCommand) -> ProcessFuture<'a> {
        match self.acl.check(conn.peer_addr().ip(), &request) {
            Ok(()) => self.inner.process(conn, request),
            Err(why) => {
                tracing::warn!(peer = %conn.peer_addr(), code = request.code, %why, "request refused by ACL");
                Box::pin(std::future::ready(Some(refusal(&why))))
            }
        }
    }
}

/// Re-reads the file when it changes, until `stop`.
pub async fn watch(acl: Arc<Acl>, stop: CancellationToken) {
    let mut tick = tokio::time::interval(WATCH_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let acl = acl.clone();
        // File reads off the runtime's worker threads.
        let _ = tokio::task::spawn_blocking(move || acl.reload()).await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const GOOD: &str = "accounts:\n  - accessKey: account1\n    secretKey: secret12\n";

    #[test]
    fn a_broken_file_keeps_the_last_good_rules() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain_acl.yml");
        std::fs::write(&file, GOOD).unwrap();
        let acl = Acl::open(&file).unwrap();
        std::fs::write(&file, "accounts: [ {accessKey: x").unwrap();
        acl.reload();
        assert!(acl.rules().accounts.contains_key("account1"));
        std::fs::remove_file(&file).unwrap();
        acl.reload();
        assert!(acl.rules().accounts.contains_key("account1"));
        std::fs::write(&file, GOOD.replace("account1", "account2")).unwrap();
        acl.reload();
        assert!(acl.rules().accounts.contains_key("account2"));
    }
}
