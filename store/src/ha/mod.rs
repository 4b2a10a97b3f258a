//! Classic master/slave replication, RocketMQ's HA stream (reference §10).
//!
//! A slave's CommitLog is a byte-for-byte copy of its master's: the slave connects to the
//! master's HA port, reports its CommitLog max offset, and the master streams raw
//! CommitLog bytes from there; the slave appends them verbatim
//! ([`MessageStore::append_raw`](crate::MessageStore::append_raw)) and its own dispatcher builds its ConsumeQueues and
//! IndexFile. SYNC_MASTER appends wait for a slave's acknowledgement in the store's
//! durability wait (`crate::durability`), on the tracker [`HaMaster::start`] attaches.
//!
//! - [`protocol`]: the wire format (12-byte frame header, 8-byte reports).
//! - `tracker`: connected slaves, acknowledged offsets, the wait-for-slave primitive.
//! - [`HaMaster`] (`master`): the listener, one task per slave connection.
//! - [`HaSlave`] (`slave`): one task that connects, applies and reports, reconnecting
//!   after failures and following master address changes.
//!
//! Everything runs on the caller's tokio runtime; disk work on the slave (appending,
//! which may create files) runs on blocking threads, and so does pre-faulting old
//! CommitLog pages the master sends to a slave catching up from far behind.

mod master;
pub mod protocol;
mod slave;
pub(crate) mod tracker;

#[cfg(test)]
mod tests;

use std::time::Duration;

use tokio::sync::watch;

pub use master::HaMaster;
pub use slave::{HaSlave, HaSlaveStatus};
pub use tracker::{ReplicaWait, SlaveInfo};

/// HA settings, with RocketMQ's key names and defaults.
#[derive(Debug, Clone)]
pub struct HaConfig {
    /// `haTransferBatchSize` (32 KiB): most CommitLog bytes per frame.
    pub transfer_batch_size: usize,
    /// `haSendHeartbeatInterval` (5 s): a slave reports at least this often; an idle
    /// master sends an empty frame this often.
    pub heartbeat_interval: Duration,
    /// `haHousekeepingInterval` (20 s): a connection silent this long is closed (both
    /// sides).
    pub housekeeping_interval: Duration,
    /// `haSlaveFallbehindMax` (256 MiB): SYNC_MASTER treats a slave further behind than
    /// this as unavailable.
    pub slave_fallbehind_max: u64,
    /// How long a slave waits before reconnecting after a failure (1 s; Java waits 5 s).
    pub reconnect_interval: Duration,
}

impl Default for HaConfig {
    fn default() -> Self {
        HaConfig {
            transfer_batch_size: 32 * 1024,
            heartbeat_interval: Duration::from_secs(5),
            housekeeping_interval: Duration::from_secs(20),
            slave_fallbehind_max: 256 * 1024 * 1024,
            reconnect_interval: Duration::from_secs(1),
        }
    }
}

/// A stop flag tasks can await.
#[derive(Debug, Clone)]
pub(crate) struct StopSignal(watch::Receiver<bool>);

impl StopSignal {
    /// A flag and its trigger.
    pub(crate) fn new() -> (watch::Sender<bool>, StopSignal) {
        let (tx, rx) = watch::channel(false);
        (tx, StopSignal(rx))
    }

    /// Resolves once stopped (or once the trigger is gone).
    pub(crate) async fn stopped(&mut self) {
        let _ = self.0.wait_for(|s| *s).await;
    }
}
