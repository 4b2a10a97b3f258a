//! Admission for request kinds with a cap on requests in progress (sends): past the cap
//! the broker answers SYSTEM_BUSY at once instead of queueing without bound (RocketMQ's
//! "[OVERLOAD]" answer). Within the cap, a request may wait for a place of its kind's
//! [`Pool`] (Java's pool threads).
//!
//! A request holds its place in a drop guard ([`Slot`]), so the place comes back however
//! the handler ends: an answer, an error, a panic (the connection catches it and answers
//! SYSTEM_ERROR) or a dropped future (the peer went away).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use cometmq_remoting::transport::{Connection, Router};
use cometmq_remoting::RemotingCommand;

use super::add;
use super::places::Pool;
use crate::config::BrokerConfig;
use crate::error::{BrokerError, Reply};
use crate::state::BrokerState;

/// How many requests of one kind are in progress.
#[derive(Debug, Default)]
struct Inflight(AtomicUsize);

/// One request's place in an [`Inflight`] count, given back when dropped.
#[derive(Debug)]
struct Slot(Arc<Inflight>);

impl Inflight {
    /// Takes a place if fewer than `cap` are taken.
    fn enter(self: &Arc<Self>, cap: usize) -> Option<Slot> {
        if self.0.fetch_add(1, Ordering::AcqRel) >= cap {
            self.0.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Slot(self.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0 .0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Like [`add`], but refuses with SYSTEM_BUSY when `limit(config)` requests of this kind
/// are already being processed, and works on each in a place of `pool` when given.
pub(super) fn add_gated<F, Fut>(
    router: Router,
    state: &Arc<BrokerState>,
    codes: &[i32],
    limit: fn(&BrokerConfig) -> usize,
    pool: Option<Pool>,
    handler: F,
) -> Router
where
    F: Fn(Arc<BrokerState>, Connection, RemotingCommand) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send + 'static,
{
    let inflight = Arc::new(Inflight::default());
    let handler = Arc::new(handler);
    add(router, state, codes, move |state, conn, req| {
        let inflight = inflight.clone();
        let handler = handler.clone();
        let pool = pool.clone();
        async move {
            let config = state.config();
            let cap = limit(&config);
            let Some(_slot) = inflight.enter(cap) else {
                return Err(BrokerError::SystemBusy(format!(
                    "[OVERLOAD]system busy, start flow control for a while (more than {cap} requests in progress)"
                )));
            };
            match pool {
                None => handler(state, conn, req).await,
                Some(pool) => pool.run(&config, handler(state, conn, req)).await?,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use std::time::Duration;

    use cometmq_remoting::code::{request, response};
    use cometmq_remoting::transport::{RemotingClient, RemotingServer, TransportConfig};

    use super::*;

    #[test]
    fn a_slot_comes_back_when_dropped() {
        let inflight = Arc::new(Inflight::default());
        let slot = inflight.enter(1).unwrap();
        assert!(inflight.enter(1).is_none(), "the cap is one");
        drop(slot);
        assert!(inflight.enter(1).is_some());
    }

    /// A handler that panics must not keep its send slot: with a cap of one, a leaked
    /// slot would make every later send answer SYSTEM_BUSY.
    #[tokio::test]
    async fn a_panicking_handler_gives_its_slot_back() {
        let root = tempfile::tempdir().unwrap();
        let config = BrokerConfig {
            store: crate::config::StoreConfig::with_root(root.path()),
            send_thread_pool_queue_capacity: 1,
            ..BrokerConfig::default()
        };
        let state = BrokerState::open(config, "127.0.0.1:10911".parse().unwrap()).unwrap();
        let router = add_gated(
            Router::new(),
            &state,
            &[request::SEND_MESSAGE],
            |c| c.send_thread_pool_queue_capacity,
            None,
            |_, _, req| async move {
                if req.remark.as_deref() == Some("panic") {
                    panic!("a handler bug");
                }
                Ok(RemotingCommand::success())
            },
        );
        let server =
            RemotingServer::bind("127.0.0.1:0", TransportConfig::default(), Arc::new(router))
                .await
                .unwrap();
        let addr = server.local_addr().to_string();
        let client = RemotingClient::new(TransportConfig::default());
        let send = |remark: Option<&str>| {
            let mut req = RemotingCommand::request(request::SEND_MESSAGE);
            req.remark = remark.map(str::to_owned);
            client.invoke(&addr, req, Duration::from_secs(10))
        };
        for _ in 0..3 {
            let r = send(Some("panic")).await.unwrap();
            assert_eq!(r.code, response::SYSTEM_ERROR, "{:?}", r.remark);
        }
        let r = send(None).await.unwrap();
        assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
        server.shutdown().await;
        state.store.shutdown().unwrap();
    }

    /// `sendMessageThreadPoolNums=1`: a send that finds the place taken waits
    /// `waitTimeMillsInSendQueue`, then gets Java's `[TIMEOUT_CLEAN_QUEUE]` answer; without
    /// `brokerFastFailureEnable` it waits its turn; a send that left its place (its records
    /// went to the store) does not block the next.
    #[tokio::test]
    async fn sends_wait_for_a_place_as_long_as_wait_time_mills_in_send_queue() {
        for fast_failure in [true, false] {
            let root = tempfile::tempdir().unwrap();
            let config = BrokerConfig {
                store: crate::config::StoreConfig::with_root(root.path()),
                send_message_thread_pool_nums: 1,
                wait_time_mills_in_send_queue: 50,
                broker_fast_failure_enable: fast_failure,
                ..BrokerConfig::default()
            };
            let state = BrokerState::open(config, "127.0.0.1:10911".parse().unwrap()).unwrap();
            let release = Arc::new(tokio::sync::Notify::new());
            let started = Arc::new(tokio::sync::Notify::new());
            let (r, s) = (release.clone(), started.clone());
            let router = add_gated(
                Router::new(),
                &state,
                &[request::SEND_MESSAGE],
                |c| c.send_thread_pool_queue_capacity,
                Some(Pool::sends(&state)),
                move |_, _, req| {
                    let (r, s) = (r.clone(), s.clone());
                    async move {
                        match req.remark.as_deref() {
                            Some("hold") => {
                                s.notify_one();
                                r.notified().await;
                            }
                            Some("leave") => {
                                crate::processor::places::leave();
                                s.notify_one();
                                r.notified().await;
                            }
                            _ => {}
                        }
                        Ok(RemotingCommand::success())
                    }
                },
            );
            let server =
                RemotingServer::bind("127.0.0.1:0", TransportConfig::default(), Arc::new(router))
                    .await
                    .unwrap();
            let addr = server.local_addr().to_string();
            let client = Arc::new(RemotingClient::new(TransportConfig::default()));
            let send = |remark: Option<&str>| {
                let mut req = RemotingCommand::request(request::SEND_MESSAGE);
                req.remark = remark.map(str::to_owned);
                client.invoke_async(&addr, req, Duration::from_secs(30))
            };

            let held = send(Some("hold"));
            started.notified().await;
            let second = send(None);
            if fast_failure {
                let r = second.await.unwrap().unwrap();
                assert_eq!(r.code, response::SYSTEM_BUSY, "{:?}", r.remark);
                let remark = r.remark.unwrap();
                assert!(
                    remark.starts_with("[TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: "),
                    "{remark}"
                );
                release.notify_one();
            } else {
                // It waits for the place, and is served once the first one ends.
                release.notify_one();
                let r = second.await.unwrap().unwrap();
                assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
            }
            assert_eq!(held.await.unwrap().unwrap().code, response::SUCCESS);

            // A send that left its place (waiting for its flush) does not hold up the next.
            let waiting = send(Some("leave"));
            started.notified().await;
            let r = send(None).await.unwrap().unwrap();
            assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
            release.notify_one();
            assert_eq!(waiting.await.unwrap().unwrap().code, response::SUCCESS);

            server.shutdown().await;
            state.store.shutdown().unwrap();
        }
    }
}
