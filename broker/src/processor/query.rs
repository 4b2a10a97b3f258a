//! Message queries: QUERY_MESSAGE (12) by key or unique key, VIEW_MESSAGE_BY_ID (33) by
//! CommitLog offset (reference §3.5, §5.8). Both answer with stored records verbatim.

use std::sync::Arc;

use cometmq_remoting::header::{
    QueryMessageRequestHeader, QueryMessageResponseHeader, ViewMessageRequestHeader,
};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use crate::error::{BrokerError, Reply};
use crate::state::BrokerState;

/// The most records one query returns, whatever `maxNum` says (Java's `maxMsgsNumBatch`).
const MAX_QUERY_NUM: usize = 64;

/// QUERY_MESSAGE: the topic's messages indexed under `key` (a KEYS entry, or the UNIQ_KEY
/// when `_UNIQUE_KEY_QUERY=true`, which asks for up to `defaultQueryMaxNum`) stored within
/// `[beginTimestamp, endTimestamp]`, newest first. The response header says how fresh the
/// index is; nothing found is QUERY_NOT_FOUND with the same header.
pub async fn query_message(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: QueryMessageRequestHeader = req.decode_header()?;
    let wanted = if h.unique_key_query == Some(true) {
        state.config().default_query_max_num
    } else {
        h.max_num
    };
    let max = usize::try_from(wanted).unwrap_or(0).min(MAX_QUERY_NUM);
    if max == 0 {
        return Err(BrokerError::InvalidParameter(format!(
            "maxNum must be positive, got {wanted}"
        )));
    }
    if h.end_timestamp < h.begin_timestamp {
        return Err(BrokerError::InvalidParameter(format!(
            "endTimestamp {} is before beginTimestamp {}",
            h.end_timestamp, h.begin_timestamp
        )));
    }
    let (topic, key, begin, end) = (
        h.topic.clone(),
        h.key.clone(),
        h.begin_timestamp,
        h.end_timestamp,
    );
    let r = state
        .read_store(move |store| store.query_by_key(&topic, &key, max, begin, end))
        .await?;
    let header = QueryMessageResponseHeader {
        index_last_update_timestamp: r.index_last_update_timestamp,
        index_last_update_phyoffset: r.index_last_update_phy_offset,
    };
    if r.messages.is_empty() {
        return Ok(RemotingCommand::response(
            cometmq_remoting::code::response::QUERY_NOT_FOUND,
            Some("can not find message, maybe time range not correct".to_string()),
        )
        .with_header(&header));
    }
    Ok(RemotingCommand::success()
        .with_header(&header)
        .with_body(r.messages))
}

/// VIEW_MESSAGE_BY_ID: the record stored at CommitLog offset `offset` (decoded by the
/// client from the offset message id); none there is SYSTEM_ERROR.
pub async fn view_message_by_id(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: ViewMessageRequestHeader = req.decode_header()?;
    let offset = h.offset;
    let record = if offset >= 0 {
        state
            .read_store(move |store| store.get_message_at(offset))
            .await?
    } else {
        None
    };
    let record = record.ok_or_else(|| {
        BrokerError::System(format!("can not find message by the offset, {}", h.offset))
    })?;
    Ok(RemotingCommand::success().with_body(record))
}
