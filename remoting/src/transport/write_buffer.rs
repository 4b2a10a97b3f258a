//! Bytes queued for writing: per connection and in total, with their limits.
//!
//! Every outgoing frame is counted from the moment it is queued until it is written or
//! dropped (`Queued` releases its bytes when dropped, whatever the path). The counts
//! drive three limits:
//! - a connection above its high-water mark stops being read, until it drains below its
//!   low-water mark (RocketMQ 5.x's `writeBufferHighWaterMark` / `writeBufferLowWaterMark`
//!   with Netty's auto-read). Requests it sent before wait, and are then served one at a
//!   time: each reserves a high-water mark's worth of bytes until its answer is queued, so a
//!   peer that drains slowly gets a trickle of answers, not all of them at once;
//! - a frame that would take one connection past its hard limit closes that connection
//!   and drops what it has queued;
//! - a frame that would take the total of all connections sharing a [`WriteBudget`] past
//!   its limit closes its connection, unless that connection had nothing queued (a peer
//!   that reads its socket is never the one closed).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{Notify, Semaphore};

use crate::command::RemotingCommand;

/// What a frame's header is counted as: the JSON header of a response is typically
/// 100–300 bytes; the body is counted exactly.
const HEADER_ESTIMATE: usize = 256;

/// Netty's default high-water mark, which RocketMQ uses when its key is 0.
pub const DEFAULT_HIGH_WATER_MARK: usize = 64 * 1024;
/// Netty's default low-water mark, which RocketMQ uses when its key is 0.
pub const DEFAULT_LOW_WATER_MARK: usize = 32 * 1024;

/// The bytes a frame is counted as while queued.
pub(crate) fn frame_cost(cmd: &RemotingCommand) -> usize {
    HEADER_ESTIMATE + cmd.remark.as_ref().map_or(0, String::len) + cmd.body.len()
}

/// The total limit shared by every connection that holds it (a server's, or a broker's
/// two ports'), and what it has seen. Share it by cloning the `Arc` (a cloned
/// [`TransportConfig`](crate::transport::TransportConfig) shares it).
#[derive(Debug)]
pub struct WriteBudget {
    limit: usize,
    total: AtomicUsize,
    peak_total: AtomicUsize,
    peak_connection: AtomicUsize,
    closed_connections: AtomicU64,
}

/// A snapshot of a [`WriteBudget`]'s counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteBufferStats {
    /// Bytes queued now, all connections together.
    pub queued_bytes: usize,
    /// The most ever queued at once, all connections together.
    pub peak_queued_bytes: usize,
    /// The most ever queued at once on one connection.
    pub peak_connection_bytes: usize,
    /// Connections closed for passing the per-connection or the total limit.
    pub closed_connections: u64,
}

impl WriteBudget {
    /// A budget of `limit` bytes in total (0: no total limit).
    pub fn new(limit: usize) -> Arc<WriteBudget> {
        Arc::new(WriteBudget {
            limit: if limit == 0 { usize::MAX } else { limit },
            total: AtomicUsize::new(0),
            peak_total: AtomicUsize::new(0),
            peak_connection: AtomicUsize::new(0),
            closed_connections: AtomicU64::new(0),
        })
    }

    /// The counters now.
    pub fn stats(&self) -> WriteBufferStats {
        WriteBufferStats {
            queued_bytes: self.total.load(Ordering::Acquire),
            peak_queued_bytes: self.peak_total.load(Ordering::Acquire),
            peak_connection_bytes: self.peak_connection.load(Ordering::Acquire),
            closed_connections: self.closed_connections.load(Ordering::Acquire),
        }
    }
}

/// One connection's limits, as the transport config gives them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Marks {
    pub high: usize,
    pub low: usize,
    pub limit: usize,
}

/// Why a frame was refused: the connection must be closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OverLimit {
    /// The connection's own hard limit.
    Connection { queued: usize, limit: usize },
    /// The total limit of the budget.
    Total { total: usize, limit: usize },
}

/// One connection's account: its queued bytes, limits and budget.
#[derive(Debug)]
pub(crate) struct Account {
    queued: AtomicUsize,
    /// Bytes reserved by requests admitted one at a time, until their answer is queued.
    reserved: AtomicUsize,
    /// Requests waiting for their turn.
    waiting: AtomicUsize,
    marks: Marks,
    budget: Arc<WriteBudget>,
    /// Signalled when the queue drains to the low-water mark, or a reservation or a
    /// waiting request goes.
    drained: Notify,
    /// Waiting requests take turns here, in order, so one at a time watches `drained`.
    turn: Semaphore,
}

impl Account {
    pub(crate) fn new(marks: Marks, budget: Arc<WriteBudget>) -> Arc<Account> {
        Arc::new(Account {
            queued: AtomicUsize::new(0),
            reserved: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            marks,
            budget,
            drained: Notify::new(),
            turn: Semaphore::new(1),
        })
    }

    /// Bytes queued on this connection now.
    pub(crate) fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// Counts `cmd` as queued, or refuses it when it would pass a hard limit.
    pub(crate) fn admit(self: &Arc<Self>, cmd: RemotingCommand) -> Result<Queued, OverLimit> {
        let cost = frame_cost(&cmd);
        let before = self.queued.fetch_add(cost, Ordering::AcqRel);
        let total = self.budget.total.fetch_add(cost, Ordering::AcqRel) + cost;
        let queued = before + cost;
        let over = if queued > self.marks.limit {
            Some(OverLimit::Connection {
                queued,
                limit: self.marks.limit,
            })
        } else if total > self.budget.limit && before > 0 {
            Some(OverLimit::Total {
                total,
                limit: self.budget.limit,
            })
        } else {
            None
        };
        if let Some(over) = over {
            self.release(cost);
            return Err(over);
        }
        self.budget.peak_total.fetch_max(total, Ordering::AcqRel);
        self.budget
            .peak_connection
            .fetch_max(queued, Ordering::AcqRel);
        Ok(Queued {
            cmd,
            cost,
            account: self.clone(),
        })
    }

    /// Notes a connection closed for passing a limit.
    pub(crate) fn count_closed(&self) {
        self.budget
            .closed_connections
            .fetch_add(1, Ordering::AcqRel);
    }

    /// Whether a request may be read and served at once: nothing waits for its turn and
    /// the queue (with reservations) is at or below the high-water mark.
    pub(crate) fn open(&self) -> bool {
        self.waiting.load(Ordering::Acquire) == 0
            && self.queued() + self.reserved.load(Ordering::Acquire) <= self.marks.high
    }

    /// Waits until the connection may be read again: at once when [`Self::open`];
    /// otherwise until no request waits its turn and the queue has drained to the
    /// low-water mark.
    pub(crate) async fn writable(&self) {
        if self.open() {
            return;
        }
        loop {
            let drained = self.drained.notified();
            if self.waiting.load(Ordering::Acquire) == 0
                && self.queued() + self.reserved.load(Ordering::Acquire) <= self.marks.low
            {
                return;
            }
            drained.await;
        }
    }

    /// Admits a request read from the peer: at once when [`Self::open`] (no reservation);
    /// otherwise in turn, once the queue leaves room for a high-water mark's worth of
    /// answer, which the returned reservation holds until it is dropped.
    pub(crate) async fn admit_request(self: &Arc<Self>) -> Option<Reservation> {
        if self.open() {
            return None;
        }
        self.waiting.fetch_add(1, Ordering::AcqRel);
        let _waiting = Waiting(self);
        // The semaphore is never closed; a failure would only mean no turn-taking.
        let _turn = self.turn.acquire().await.ok();
        loop {
            let drained = self.drained.notified();
            if self.try_reserve() {
                return Some(Reservation(self.clone()));
            }
            drained.await;
        }
    }

    /// One admitted-in-turn request at a time, and only while the queue is at or below the
    /// high-water mark.
    fn try_reserve(&self) -> bool {
        self.queued() <= self.marks.high
            && self
                .reserved
                .compare_exchange(0, self.marks.high, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    fn release(&self, cost: usize) {
        let left = self.queued.fetch_sub(cost, Ordering::AcqRel) - cost;
        self.budget.total.fetch_sub(cost, Ordering::AcqRel);
        if left <= self.marks.low {
            self.drained.notify_waiters();
        }
    }
}

tokio::task_local! {
    /// The turn of the request a task is serving, if it was admitted in turn.
    static TURN: std::cell::RefCell<Option<Reservation>>;
}

/// Runs `serve` (a request being served) holding `turn`, which [`holding_request`] can
/// give up early; the turn is released when `serve` ends.
pub(crate) async fn with_turn<F: std::future::Future>(
    turn: Option<Reservation>,
    serve: F,
) -> F::Output {
    TURN.scope(std::cell::RefCell::new(turn), serve).await
}

/// Tells the transport that the request being served will now wait for an outside event
/// (a long-polling pull waiting for messages). If the request was admitted in turn on a
/// connection whose answers were backing up, its turn passes on at once, so the peer's
/// other requests do not wait behind a hold of many seconds. Does nothing elsewhere.
pub fn holding_request() {
    let _ = TURN.try_with(|t| t.borrow_mut().take());
}

/// A request's reservation (see [`Account::admit_request`]); dropping it frees the room.
#[derive(Debug)]
pub(crate) struct Reservation(Arc<Account>);

impl Drop for Reservation {
    fn drop(&mut self) {
        let a = &self.0;
        a.reserved.fetch_sub(a.marks.high, Ordering::AcqRel);
        a.drained.notify_waiters();
    }
}

/// Counts a request waiting for its turn while it lives.
struct Waiting<'a>(&'a Account);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.0.waiting.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.drained.notify_waiters();
        }
    }
}

/// A frame counted as queued until it is dropped (written or discarded).
#[derive(Debug)]
pub(crate) struct Queued {
    pub cmd: RemotingCommand,
    cost: usize,
    account: Arc<Account>,
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.account.release(self.cost);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use bytes::Bytes;

    fn frame(body: usize) -> RemotingCommand {
        RemotingCommand::success().with_body(Bytes::from(vec![0u8; body]))
    }

    fn marks() -> Marks {
        Marks {
            high: 4096,
            low: 1024,
            limit: 10_000,
        }
    }

    #[test]
    fn bytes_are_counted_until_the_frame_is_dropped() {
        let budget = WriteBudget::new(0);
        let a = Account::new(marks(), budget.clone());
        let q = a.admit(frame(1000)).unwrap();
        assert_eq!(a.queued(), 1000 + HEADER_ESTIMATE);
        assert_eq!(budget.stats().queued_bytes, 1000 + HEADER_ESTIMATE);
        drop(q);
        assert_eq!(a.queued(), 0);
        assert_eq!(budget.stats().queued_bytes, 0);
        assert_eq!(budget.stats().peak_connection_bytes, 1000 + HEADER_ESTIMATE);
    }

    #[test]
    fn a_frame_past_the_connection_limit_is_refused() {
        let a = Account::new(marks(), WriteBudget::new(0));
        let _q = a.admit(frame(9000)).unwrap();
        assert!(matches!(
            a.admit(frame(1000)),
            Err(OverLimit::Connection { .. })
        ));
        assert_eq!(a.queued(), 9000 + HEADER_ESTIMATE);
    }

    #[test]
    fn past_the_total_only_a_connection_with_a_backlog_is_refused() {
        let budget = WriteBudget::new(5000);
        let (stuck, reader) = (
            Account::new(marks(), budget.clone()),
            Account::new(marks(), budget.clone()),
        );
        let _a = stuck.admit(frame(4000)).unwrap();
        // The reader had nothing queued: taken, though the total passes the limit.
        let b = reader.admit(frame(2000)).unwrap();
        assert!(matches!(
            stuck.admit(frame(100)),
            Err(OverLimit::Total { .. })
        ));
        drop(b);
        assert_eq!(budget.stats().queued_bytes, 4000 + HEADER_ESTIMATE);
    }

    #[tokio::test]
    async fn writable_waits_from_the_high_to_the_low_water_mark() {
        let a = Account::new(marks(), WriteBudget::new(0));
        let big = a.admit(frame(3000)).unwrap();
        a.writable().await; // 3256 <= high
        let more = a.admit(frame(1000)).unwrap(); // 4512 > high
        let waiter = {
            let a = a.clone();
            tokio::spawn(async move { a.writable().await })
        };
        tokio::task::yield_now().await;
        drop(more); // 3256: below high, above low: still waiting
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(big); // 0 <= low
        waiter.await.unwrap();
    }

    #[tokio::test]
    async fn backed_up_requests_are_served_one_at_a_time_as_the_queue_drains() {
        let a = Account::new(marks(), WriteBudget::new(0));
        let backlog = a.admit(frame(5000)).unwrap(); // above high
        let first = {
            let a = a.clone();
            tokio::spawn(async move { a.admit_request().await })
        };
        tokio::task::yield_now().await;
        let second = {
            let a = a.clone();
            tokio::spawn(async move { a.admit_request().await.is_some() })
        };
        tokio::task::yield_now().await;
        assert!(!first.is_finished() && !second.is_finished());
        drop(backlog); // drained: the first gets its turn, the second waits for it
        let turn = first.await.unwrap();
        assert!(turn.is_some());
        tokio::task::yield_now().await;
        assert!(!second.is_finished());
        drop(turn); // the first was served: the second's turn
        assert!(second.await.unwrap());
        assert!(a.open());
    }

    #[tokio::test]
    async fn a_held_request_gives_its_turn_up() {
        let a = Account::new(marks(), WriteBudget::new(0));
        let backlog = a.admit(frame(5000)).unwrap();
        let a2 = a.clone();
        let held = tokio::spawn(async move {
            let turn = a2.admit_request().await;
            assert!(turn.is_some());
            with_turn(turn, async {
                holding_request();
                std::future::pending::<()>().await
            })
            .await
        });
        drop(backlog);
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        // The held request keeps no reservation: the next request is admitted.
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), a.admit_request())
            .await
            .unwrap();
        drop(next);
        held.abort();
    }
}
