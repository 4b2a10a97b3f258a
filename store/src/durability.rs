//! The durability wait: what an append that asks to wait (the message's
//! `waitStoreMsgOK`, [`PutOptions::wait`](crate::PutOptions::wait)) waits for before it
//! answers. This is the only place a writer waits for the disk or for a slave.
//!
//! - SYNC_FLUSH: the group-commit fsync past the record (FLUSH_DISK_TIMEOUT otherwise).
//! - SYNC_MASTER ([`StoreConfig::sync_master`](crate::StoreConfig::sync_master)): a
//!   slave's acknowledgement past the record, or `inSyncReplicas - 1` slaves' when that
//!   key is set (SLAVE_NOT_AVAILABLE when too few slaves are close enough,
//!   FLUSH_SLAVE_TIMEOUT otherwise).
//!
//! Both are bounded by `syncFlushTimeout` and awaited together; a replica failure wins
//! over a flush failure, as Java's `CommitLog.asyncPutMessage` combines
//! `submitFlushRequest` and `submitReplicaRequest`.
//!
//! Concurrency: the slaves' tracker is attached once the HA server starts
//! ([`crate::ha::HaMaster::start`]) and read under a briefly held lock.

use std::sync::Arc;

use parking_lot::Mutex;

use crate::config::FlushDiskType;
use crate::ha::tracker::{ReplicaWait, Tracker};
use crate::state::StoreState;
use crate::status::PutStatus;

/// The slaves a SYNC_MASTER waits for.
#[derive(Debug, Clone)]
struct Replicas {
    tracker: Arc<Tracker>,
    /// `haSlaveFallbehindMax`: a slave further behind does not count.
    fallbehind_max: u64,
}

/// What the durability wait needs besides the store's config: the HA server's tracker.
#[derive(Debug, Default)]
pub(crate) struct Durability {
    replicas: Mutex<Option<Replicas>>,
}

impl Durability {
    /// Makes waiting appends of a SYNC_MASTER wait on this tracker's acknowledgements
    /// (replacing the tracker of an HA server started before).
    pub(crate) fn attach_replicas(&self, tracker: Arc<Tracker>, fallbehind_max: u64) {
        *self.replicas.lock() = Some(Replicas {
            tracker,
            fallbehind_max,
        });
    }

    fn replicas(&self) -> Option<Replicas> {
        self.replicas.lock().clone()
    }
}

/// Waits until the records ending at `end` are as durable as the store's settings ask
/// (see the module docs); `PutOk` at once when they ask nothing.
pub(crate) async fn wait(shared: &StoreState, end: i64) -> PutStatus {
    let cfg = &shared.config;
    let sync_flush = cfg.flush_disk_type == FlushDiskType::SyncFlush;
    match (sync_flush, cfg.sync_master) {
        (false, false) => PutStatus::PutOk,
        (true, false) => flushed(shared, end).await,
        (false, true) => replicated(shared, end).await,
        (true, true) => {
            let (flush, replica) = tokio::join!(flushed(shared, end), replicated(shared, end));
            if replica == PutStatus::PutOk {
                flush
            } else {
                replica
            }
        }
    }
}

/// The group-commit fsync past `end`, up to `syncFlushTimeout`.
async fn flushed(shared: &StoreState, end: i64) -> PutStatus {
    let mut rx = shared.flush.wait_for(end);
    let limit = shared.config.sync_flush_timeout;
    if limit.is_zero() {
        // No wait at all (a zero timer would still wait for the timer's next tick):
        // flushed already, or a timeout.
        return match rx.try_recv() {
            Ok(()) => PutStatus::PutOk,
            Err(_) => PutStatus::FlushDiskTimeout,
        };
    }
    match tokio::time::timeout(limit, rx).await {
        Ok(Ok(())) => PutStatus::PutOk,
        _ => PutStatus::FlushDiskTimeout,
    }
}

/// Slaves' acknowledgements past `end`, up to `syncFlushTimeout`: one slave's, or
/// `inSyncReplicas - 1` slaves' when the key is set (none for 1 or less).
async fn replicated(shared: &StoreState, end: i64) -> PutStatus {
    let needed = match shared.config.in_sync_replicas {
        None => 1,
        Some(n) if n <= 1 => return PutStatus::PutOk,
        Some(n) => usize::try_from(n - 1).unwrap_or(1),
    };
    let Some(r) = shared.durability.replicas() else {
        return PutStatus::SlaveNotAvailable;
    };
    let limit = shared.config.sync_flush_timeout;
    let master_end = shared.log.max_offset();
    match r
        .tracker
        .wait_for_many(end, master_end, r.fallbehind_max, limit, needed)
        .await
    {
        ReplicaWait::Ok => PutStatus::PutOk,
        ReplicaWait::NoSlave => PutStatus::SlaveNotAvailable,
        ReplicaWait::Timeout => {
            tracing::warn!(end, "do sync transfer other node, wait return, but failed");
            PutStatus::FlushSlaveTimeout
        }
    }
}
