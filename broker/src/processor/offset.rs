//! Offsets: QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15), GET_MAX_OFFSET (30),
//! GET_MIN_OFFSET (31), GET_EARLIEST_MSG_STORETIME (32), SEARCH_OFFSET_BY_TIMESTAMP (29)
//! (reference §3.6). Stored consumer offsets are the next offset to consume.

use std::sync::Arc;

use cometmq_remoting::header::{
    GetEarliestMsgStoretimeRequestHeader, GetEarliestMsgStoretimeResponseHeader,
    GetMaxOffsetRequestHeader, GetMaxOffsetResponseHeader, GetMinOffsetRequestHeader,
    GetMinOffsetResponseHeader, QueryConsumerOffsetRequestHeader,
    QueryConsumerOffsetResponseHeader, SearchOffsetRequestHeader, SearchOffsetResponseHeader,
    UpdateConsumerOffsetRequestHeader,
};
use cometmq_remoting::message::record::layout::PHYSICAL_OFFSET_POS;
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;
use cometmq_store::AcceptAll;

use crate::error::{BrokerError, Reply};
use crate::state::BrokerState;

/// QUERY_CONSUMER_OFFSET: the committed offset; with none, 0 when the queue still starts
/// at 0 with its first message in memory (so a new group reads a young queue from the
/// start, as Java's broker answers), else QUERY_NOT_FOUND.
pub async fn query_consumer_offset(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: QueryConsumerOffsetRequestHeader = req.decode_header()?;
    if let Some(offset) = state.offsets.query(&h.consumer_group, &h.topic, h.queue_id) {
        return Ok(
            RemotingCommand::success().with_header(&QueryConsumerOffsetResponseHeader { offset })
        );
    }
    let not_found = || {
        BrokerError::QueryNotFound(
            "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first".into(),
        )
    };
    if h.set_zero_if_not_found == Some(false) {
        return Err(not_found());
    }
    let min = state.store.min_offset(&h.topic, h.queue_id);
    if min <= 0 && first_message_in_memory(&state, &h.topic, h.queue_id) {
        return Ok(RemotingCommand::success()
            .with_header(&QueryConsumerOffsetResponseHeader { offset: 0 }));
    }
    Err(not_found())
}

fn first_message_in_memory(state: &BrokerState, topic: &str, queue_id: i32) -> bool {
    let r = state
        .store
        .get_messages(None, topic, queue_id, 0, 1, &AcceptAll);
    let Some(first) = r.messages.first() else {
        // An empty queue: the consumer starts at 0 either way.
        return true;
    };
    let phys = first
        .get(PHYSICAL_OFFSET_POS..PHYSICAL_OFFSET_POS + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, i64::from_be_bytes);
    let behind = state.store.max_phys_offset().saturating_sub(phys);
    // The store's rule for "in memory" (the same one its reads use for transfer limits).
    state
        .store
        .config()
        .in_memory_span()
        .is_none_or(|span| behind <= span)
}

/// UPDATE_CONSUMER_OFFSET (usually one-way).
pub async fn update_consumer_offset(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: UpdateConsumerOffsetRequestHeader = req.decode_header()?;
    state
        .offsets
        .commit(&h.consumer_group, &h.topic, h.queue_id, h.commit_offset);
    Ok(RemotingCommand::success())
}

/// GET_MAX_OFFSET: the next offset to be written (the message count).
pub async fn max_offset(state: Arc<BrokerState>, _conn: Connection, req: RemotingCommand) -> Reply {
    let h: GetMaxOffsetRequestHeader = req.decode_header()?;
    let offset = state.store.max_offset(&h.topic, h.queue_id);
    Ok(RemotingCommand::success().with_header(&GetMaxOffsetResponseHeader { offset }))
}

/// GET_MIN_OFFSET.
pub async fn min_offset(state: Arc<BrokerState>, _conn: Connection, req: RemotingCommand) -> Reply {
    let h: GetMinOffsetRequestHeader = req.decode_header()?;
    let offset = state.store.min_offset(&h.topic, h.queue_id);
    Ok(RemotingCommand::success().with_header(&GetMinOffsetResponseHeader { offset }))
}

/// GET_EARLIEST_MSG_STORETIME: store time of the queue's first message (0 if empty).
pub async fn earliest_time(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: GetEarliestMsgStoretimeRequestHeader = req.decode_header()?;
    let timestamp = state
        .store
        .earliest_time_in_queue(&h.topic, h.queue_id)
        .unwrap_or(0);
    Ok(
        RemotingCommand::success()
            .with_header(&GetEarliestMsgStoretimeResponseHeader { timestamp }),
    )
}

/// SEARCH_OFFSET_BY_TIMESTAMP: the first offset stored at or after the time.
pub async fn search_by_time(
    state: Arc<BrokerState>,
    _conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let h: SearchOffsetRequestHeader = req.decode_header()?;
    let offset = state
        .store
        .offset_by_time(&h.topic, h.queue_id, h.timestamp);
    Ok(RemotingCommand::success().with_header(&SearchOffsetResponseHeader { offset }))
}
