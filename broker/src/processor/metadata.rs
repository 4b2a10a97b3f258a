//! The master side of a slave's metadata sync (reference §3.10, §10):
//! GET_ALL_TOPIC_CONFIG (21), GET_ALL_CONSUMER_OFFSET (43), GET_ALL_DELAY_OFFSET (45) and
//! GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201). Each answers with the content of the matching
//! config file (`topics.json`, `consumerOffset.json`, `delayOffset.json`,
//! `subscriptionGroup.json`) in fastjson's form.
//!
//! Minimal versions written for replication; the admin processors may supersede them
//! (same codes, same bodies).

use std::path::PathBuf;
use std::sync::Arc;

use cometmq_remoting::body::{fastjson, JsonStyle};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use crate::error::{BrokerError, Reply};
use crate::state::BrokerState;

fn json_body<T: serde::Serialize>(value: &T) -> Reply {
    let body = fastjson::to_vec(value, JsonStyle::Legacy)
        .map_err(|e| BrokerError::System(e.to_string()))?;
    Ok(RemotingCommand::success().with_body(body))
}

/// GET_ALL_TOPIC_CONFIG: the topic table with its data version.
pub async fn all_topic_config(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    json_body(&state.topics.snapshot())
}

/// GET_ALL_CONSUMER_OFFSET: every committed offset.
pub async fn all_consumer_offset(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    json_body(&state.offsets.snapshot())
}

/// GET_ALL_SUBSCRIPTIONGROUP_CONFIG: the group table with its data version.
pub async fn all_subscription_group(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    json_body(&state.groups.snapshot())
}

/// GET_ALL_DELAY_OFFSET: the text of `delayOffset.json`; Java's SYSTEM_ERROR "No delay
/// offset in this broker" when there is none.
pub async fn all_delay_offset(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    let path = PathBuf::from(&state.config().store_path_root_dir).join("config/delayOffset.json");
    let text = tokio::task::spawn_blocking(move || std::fs::read(path).ok())
        .await
        .ok()
        .flatten()
        .filter(|t| !t.iter().all(u8::is_ascii_whitespace));
    match text {
        Some(t) => Ok(RemotingCommand::success().with_body(t)),
        None => Err(BrokerError::System("No delay offset in this broker".into())),
    }
}
