//! END_TRANSACTION (37): the producer's commit or rollback of a half message, usually
//! one-way (reference §3.7, §9 step 3), and GET_ALL_DELAY_OFFSET (45).

use std::sync::Arc;

use cometmq_remoting::code::response;
use cometmq_remoting::header::EndTransactionRequestHeader;
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use crate::config::BrokerRole;
use crate::error::{BrokerError, Reply};
use crate::state::BrokerState;
use crate::transaction::end;
use cometmq_remoting::clock::now_ms;

/// END_TRANSACTION: COMMIT writes the real message and an op record, ROLLBACK only the
/// op record, NOT (unknown) does nothing and leaves the message to the check service.
pub async fn end_transaction(
    state: Arc<BrokerState>,
    conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let cfg = state.config();
    if cfg.broker_role == BrokerRole::Slave {
        return Ok(RemotingCommand::response(
            response::SLAVE_NOT_AVAILABLE,
            Some("Message store is slave mode, so end transaction is forbidden.".to_string()),
        ));
    }
    let h: EndTransactionRequestHeader = req.decode_header()?;
    let commit = match h.commit_or_rollback {
        EndTransactionRequestHeader::TRANSACTION_COMMIT_TYPE => true,
        EndTransactionRequestHeader::TRANSACTION_ROLLBACK_TYPE => false,
        EndTransactionRequestHeader::TRANSACTION_NOT_TYPE => {
            tracing::debug!(peer = %conn.peer_addr(), msg_id = %h.msg_id, from_check = ?h.from_transaction_check, "transaction state unknown; left to the check service");
            return Ok(RemotingCommand::success());
        }
        other => {
            return Err(BrokerError::InvalidParameter(format!(
                "commitOrRollback {other} is not 0, 8 or 12"
            )))
        }
    };
    let half = end::load_half(&state, &h).await?;
    if end::rejected_by_immunity(&h, &half, cfg.transaction_time_out, now_ms()) {
        let what = if commit { "commit" } else { "rollback" };
        return Ok(RemotingCommand::response(
            response::ILLEGAL_OPERATION,
            Some(format!(
                "Message {what} fail [producer end]. currentTimeMillis - bornTime > checkImmunityTime"
            )),
        ));
    }
    if commit {
        let uniq = half.uniq_key().unwrap_or_default().to_string();
        let window = crate::transaction::recent_commit_window(&cfg);
        if uniq.is_empty() || state.recent_commits.claim(&uniq, window) {
            if let Err(e) = end::commit(&state, &half).await {
                state.recent_commits.release(&uniq);
                return Err(e);
            }
        } else {
            tracing::info!(msg_id = %uniq, offset = half.queue_offset, "transaction already committed; only its op record is written");
        }
    }
    if let Err(e) = end::write_op(&state, &half).await {
        // The decision stands; without its op record the message is checked again.
        tracing::warn!(offset = half.queue_offset, error = %e, "cannot write the transaction op record");
    }
    Ok(RemotingCommand::success())
}

/// GET_ALL_DELAY_OFFSET: the `delayOffset.json` content.
pub async fn all_delay_offset(
    state: Arc<BrokerState>,
    _conn: Connection,
    _req: RemotingCommand,
) -> Reply {
    Ok(RemotingCommand::success().with_body(state.schedule.encode().into_bytes()))
}
