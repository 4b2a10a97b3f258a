//! Replicated-offset tracking on the master: which slaves are connected, what each has
//! acknowledged, and the wait SYNC_MASTER sends use.
//!
//! Concurrency contract:
//! - One `Mutex<HashMap>` of connections, locked briefly by connection tasks (register,
//!   report, deregister) and by status readers; never held across an `.await`.
//! - `acked` is a `watch` of the highest offset any slave has acknowledged (Java's
//!   `push2SlaveMaxOffset`). It only grows. Waiters subscribe and are woken on each
//!   increase; a report that does not raise the maximum wakes nobody.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::{watch, Notify};

/// Outcome of waiting for a slave to hold a record (SYNC_MASTER).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaWait {
    /// A slave acknowledged the offset.
    Ok,
    /// No slave is connected, or the best one lags more than `haSlaveFallbehindMax`
    /// (SLAVE_NOT_AVAILABLE).
    NoSlave,
    /// No acknowledgement within the timeout (FLUSH_SLAVE_TIMEOUT).
    Timeout,
}

/// One connected slave as the master sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaveInfo {
    /// The slave's address (its HA client socket).
    pub addr: SocketAddr,
    /// The slave's last reported CommitLog max offset (`-1` before its first report).
    pub acked_offset: i64,
    /// How far it is behind the master's CommitLog end, in bytes.
    pub behind_bytes: i64,
}

#[derive(Debug)]
struct Conn {
    addr: SocketAddr,
    acked: i64,
}

/// The tracker. StoreState by the HA server's connection tasks and by senders.
#[derive(Debug)]
pub(crate) struct Tracker {
    conns: Mutex<HashMap<u64, Conn>>,
    acked: watch::Sender<i64>,
    /// Signalled on every report: what waits for more than one slave re-counts.
    reported: Notify,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker {
            conns: Mutex::new(HashMap::new()),
            acked: watch::Sender::new(0),
            reported: Notify::new(),
        }
    }
}

impl Tracker {
    /// A new connection, not yet reporting.
    pub(crate) fn connected(&self, id: u64, addr: SocketAddr) {
        self.conns.lock().insert(id, Conn { addr, acked: -1 });
    }

    /// A connection ended.
    pub(crate) fn disconnected(&self, id: u64) {
        self.conns.lock().remove(&id);
    }

    /// A slave reported its max offset.
    pub(crate) fn report(&self, id: u64, offset: i64) {
        if let Some(c) = self.conns.lock().get_mut(&id) {
            c.acked = offset;
        }
        self.acked.send_if_modified(|v| {
            let raise = offset > *v;
            if raise {
                *v = offset;
            }
            raise
        });
        self.reported.notify_waiters();
    }

    /// The highest offset any slave has acknowledged.
    pub(crate) fn max_acked(&self) -> i64 {
        *self.acked.borrow()
    }

    /// Connected slaves that have reported at least once.
    pub(crate) fn slaves(&self, master_end: i64) -> Vec<SlaveInfo> {
        let mut v: Vec<SlaveInfo> = self
            .conns
            .lock()
            .values()
            .map(|c| SlaveInfo {
                addr: c.addr,
                acked_offset: c.acked,
                behind_bytes: if c.acked < 0 {
                    master_end
                } else {
                    (master_end - c.acked).max(0)
                },
            })
            .collect();
        v.sort_by_key(|s| s.addr);
        v
    }

    /// Whether a reporting slave is connected and the best acknowledgement is within
    /// `fallbehind_max` bytes of `master_end` (Java `HAService.isSlaveOK`).
    pub(crate) fn slave_ok(&self, master_end: i64, fallbehind_max: u64) -> bool {
        let any = self.conns.lock().values().any(|c| c.acked >= 0);
        let behind = u64::try_from(master_end - self.max_acked()).unwrap_or(0);
        any && behind < fallbehind_max
    }

    /// Waits until a slave acknowledged `end` (see [`ReplicaWait`]).
    pub(crate) async fn wait(
        &self,
        end: i64,
        master_end: i64,
        fallbehind_max: u64,
        timeout: Duration,
    ) -> ReplicaWait {
        if !self.slave_ok(master_end, fallbehind_max) {
            return ReplicaWait::NoSlave;
        }
        let mut rx = self.acked.subscribe();
        let reached = tokio::time::timeout(timeout, rx.wait_for(|v| *v >= end))
            .await
            .is_ok_and(|r| r.is_ok());
        // (The sender lives as long as the tracker, so the channel cannot close here.)
        if reached {
            ReplicaWait::Ok
        } else {
            ReplicaWait::Timeout
        }
    }

    /// Waits until `needed` slaves acknowledged `end` (RocketMQ 5's `inSyncReplicas` - 1):
    /// [`ReplicaWait::NoSlave`] at once when fewer than `needed` reporting slaves are
    /// within `fallbehind_max` of `master_end`.
    pub(crate) async fn wait_for_many(
        &self,
        end: i64,
        master_end: i64,
        fallbehind_max: u64,
        timeout: Duration,
        needed: usize,
    ) -> ReplicaWait {
        if needed <= 1 {
            return self.wait(end, master_end, fallbehind_max, timeout).await;
        }
        let close = |c: &Conn| {
            c.acked >= 0 && u64::try_from(master_end - c.acked).unwrap_or(0) < fallbehind_max
        };
        if self.conns.lock().values().filter(|c| close(c)).count() < needed {
            return ReplicaWait::NoSlave;
        }
        let count = || {
            self.conns
                .lock()
                .values()
                .filter(|c| c.acked >= end)
                .count()
        };
        let reached = tokio::time::timeout(timeout, async {
            loop {
                let reported = self.reported.notified();
                tokio::pin!(reported);
                reported.as_mut().enable();
                if count() >= needed {
                    return;
                }
                reported.await;
            }
        })
        .await
        .is_ok();
        if reached {
            ReplicaWait::Ok
        } else {
            ReplicaWait::Timeout
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::Arc;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[tokio::test]
    async fn waits_resolve_on_acks_and_report_lag() {
        let t = Arc::new(Tracker::default());
        let ms = Duration::from_millis(50);
        assert_eq!(t.wait(10, 10, 100, ms).await, ReplicaWait::NoSlave);
        t.connected(1, addr(1));
        // Connected but silent: not a usable slave yet.
        assert_eq!(t.wait(10, 10, 100, ms).await, ReplicaWait::NoSlave);
        t.report(1, 5);
        assert_eq!(t.wait(10, 10, 100, ms).await, ReplicaWait::Timeout);
        let waiter = {
            let t = t.clone();
            tokio::spawn(async move { t.wait(10, 10, 100, Duration::from_secs(10)).await })
        };
        tokio::task::yield_now().await;
        t.report(1, 12);
        assert_eq!(waiter.await.unwrap(), ReplicaWait::Ok);
        // Too far behind.
        assert_eq!(t.wait(500, 500, 100, ms).await, ReplicaWait::NoSlave);
        t.connected(2, addr(2));
        t.report(2, 3);
        let s = t.slaves(20);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].acked_offset, s[0].behind_bytes), (12, 8));
        assert_eq!((s[1].acked_offset, s[1].behind_bytes), (3, 17));
        // The maximum never goes down.
        assert_eq!(t.max_acked(), 12);
        t.disconnected(1);
        t.disconnected(2);
        assert_eq!(t.wait(12, 12, 100, ms).await, ReplicaWait::NoSlave);
    }

    #[tokio::test]
    async fn waits_for_many_count_each_slave() {
        let t = Arc::new(Tracker::default());
        let ms = Duration::from_millis(50);
        t.connected(1, addr(1));
        t.report(1, 10);
        assert_eq!(
            t.wait_for_many(10, 10, 100, ms, 2).await,
            ReplicaWait::NoSlave
        );
        t.connected(2, addr(2));
        t.report(2, 5);
        assert_eq!(
            t.wait_for_many(10, 10, 100, ms, 2).await,
            ReplicaWait::Timeout
        );
        let waiter = {
            let t = t.clone();
            tokio::spawn(async move {
                t.wait_for_many(10, 10, 100, Duration::from_secs(10), 2)
                    .await
            })
        };
        tokio::task::yield_now().await;
        t.report(2, 10);
        assert_eq!(waiter.await.unwrap(), ReplicaWait::Ok);
        // One slave is enough when one is needed.
        assert_eq!(t.wait_for_many(10, 10, 100, ms, 1).await, ReplicaWait::Ok);
    }
}
