//! Places for requests of one kind being worked on at once: what Java's send and pull
//! thread pools bound (`sendMessageThreadPoolNums`, `pullMessageThreadPoolNums`). A
//! request waits for a place at most `waitTimeMillsInSendQueue` (sends) or
//! `waitTimeMillsInPullQueue` (pulls), then is answered SYSTEM_BUSY
//! `[TIMEOUT_CLEAN_QUEUE]` as Java's `BrokerFastFailure` answers a request that waited too
//! long in its pool's queue (`brokerFastFailureEnable=false`: it waits as long as needed).
//!
//! A request leaves its place when it stops working and starts waiting on something else
//! ([`leave`]): a send once its records go to the store (the flush and slave waits hold no
//! place, as no Java pool thread waits for them since 4.9), a pull when it is held for
//! new messages. Taking a free place is one atomic operation; no lock.

use std::cell::RefCell;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::BrokerConfig;
use crate::error::BrokerError;
use crate::state::BrokerState;

tokio::task_local! {
    static PLACE: RefCell<Option<OwnedSemaphorePermit>>;
}

/// Gives up the place of the request being served, if it has one (see the module doc).
pub(crate) fn leave() {
    let _ = PLACE.try_with(|p| p.borrow_mut().take());
}

/// The places of one request kind.
#[derive(Debug)]
pub(super) struct Places {
    free: Arc<Semaphore>,
    /// Requests waiting for a place (Java's queue size, reported in the busy answer).
    waiting: AtomicUsize,
}

impl Places {
    /// `n` places (at least one).
    pub fn new(n: usize) -> Arc<Places> {
        Arc::new(Places {
            free: Arc::new(Semaphore::new(n.clamp(1, Semaphore::MAX_PERMITS))),
            waiting: AtomicUsize::new(0),
        })
    }

    /// Runs `work` in a place, waiting for one up to `max_wait` (`None`: as long as it
    /// takes).
    pub async fn run<F: Future>(
        &self,
        max_wait: Option<Duration>,
        work: F,
    ) -> Result<F::Output, BrokerError> {
        let permit = match self.free.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => self.wait(max_wait).await?,
        };
        Ok(PLACE.scope(RefCell::new(Some(permit)), work).await)
    }

    async fn wait(&self, max_wait: Option<Duration>) -> Result<OwnedSemaphorePermit, BrokerError> {
        let since = Instant::now();
        self.waiting.fetch_add(1, Ordering::AcqRel);
        let acquire = self.free.clone().acquire_owned();
        let got = match max_wait {
            None => Some(acquire.await),
            Some(limit) => tokio::time::timeout(limit, acquire).await.ok(),
        };
        let queued = self.waiting.fetch_sub(1, Ordering::AcqRel);
        match got {
            Some(Ok(p)) => Ok(p),
            // Closed never happens (the semaphore is never closed); answer busy anyway.
            Some(Err(_)) | None => Err(BrokerError::SystemBusy(format!(
                "[TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: {}ms, size of queue: {}",
                since.elapsed().as_millis(),
                queued
            ))),
        }
    }
}

/// A kind's places and its wait bound: Java's send or pull pool.
#[derive(Debug, Clone)]
pub(super) struct Pool {
    places: Arc<Places>,
    max_wait_ms: fn(&BrokerConfig) -> u64,
}

impl Pool {
    /// `sendMessageThreadPoolNums` places, `waitTimeMillsInSendQueue` (read at start, as
    /// Java sizes its pools at start).
    pub fn sends(state: &BrokerState) -> Pool {
        Pool {
            places: Places::new(state.config().send_message_thread_pool_nums),
            max_wait_ms: |c| c.wait_time_mills_in_send_queue,
        }
    }

    /// `pullMessageThreadPoolNums` places, `waitTimeMillsInPullQueue`.
    pub fn pulls(state: &BrokerState) -> Pool {
        Pool {
            places: Places::new(state.config().pull_message_thread_pool_nums),
            max_wait_ms: |c| c.wait_time_mills_in_pull_queue,
        }
    }

    /// Runs `work` in a place (see [`Places::run`]); the wait bound is read now, so
    /// UPDATE_BROKER_CONFIG changes it at run time.
    pub async fn run<F: Future>(
        &self,
        config: &BrokerConfig,
        work: F,
    ) -> Result<F::Output, BrokerError> {
        let max_wait = config
            .broker_fast_failure_enable
            .then(|| Duration::from_millis((self.max_wait_ms)(config)));
        self.places.run(max_wait, work).await
    }
}
