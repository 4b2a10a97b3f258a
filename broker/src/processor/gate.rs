//! Admission for request kinds with a cap on requests in progress (sends): past the cap
//! the broker answers SYSTEM_BUSY at once instead of queueing without bound (RocketMQ's
//! "[OVERLOAD]" answer).
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
/// are already being processed.
pub(super) fn add_gated<F, Fut>(
    router: Router,
    state: &Arc<BrokerState>,
    codes: &[i32],
    limit: fn(&BrokerConfig) -> usize,
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
        async move {
            let cap = limit(&state.config());
            let Some(_slot) = inflight.enter(cap) else {
                return Err(BrokerError::SystemBusy(format!(
                    "[OVERLOAD]system busy, start flow control for a while (more than {cap} requests in progress)"
                )));
            };
            handler(state, conn, req).await
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
}
