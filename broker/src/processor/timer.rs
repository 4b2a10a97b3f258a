//! GET_TIMER_CHECK_POINT (60) and GET_TIMER_METRICS (61): the timer store's progress and
//! its pending timers per topic, as Java's `AdminBrokerProcessor` answers them.

use std::sync::Arc;

use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use crate::error::Reply;
use crate::state::BrokerState;

/// GET_TIMER_CHECK_POINT: Java `TimerCheckpoint.encode` (56 bytes: last read time, log
/// flush position, enqueued queue offset, master queue offset, data version), with the
/// live progress.
pub async fn checkpoint(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    Ok(RemotingCommand::success().with_body(state.timer.checkpoint_body()))
}

/// GET_TIMER_METRICS: `{"dataVersion":…,"timingCount":{"<topic>":{"count":n,…}}}`.
pub async fn metrics(state: Arc<BrokerState>, _conn: Connection, _req: RemotingCommand) -> Reply {
    Ok(RemotingCommand::success().with_body(state.timer.metrics.encode().into_bytes()))
}
