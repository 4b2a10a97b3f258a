//! Waiting for something a server does in the background (dispatch, replication, a
//! rebalance, a file saved). Every wait has the same generous [`DEADLINE`]: it only ends a
//! test that is stuck, it is never a timing assertion.

use std::future::Future;
use std::time::Duration;

use cometmq_remoting::code::request::GET_MAX_OFFSET;
use cometmq_remoting::transport::RemotingClient;

use crate::request::{offset_of, queue_offset};

/// How long any wait may take before the test is taken to be stuck.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// How long one request of a wait may take.
const CALL: Duration = Duration::from_secs(10);

const POLL: Duration = Duration::from_millis(50);

/// Polls `check` every 50 ms until it yields a value, and returns that value; panics
/// naming `what` when [`DEADLINE`] passes first.
pub async fn eventually<T, F, Fut>(what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    match poll(check).await {
        Some(v) => v,
        None => panic!("timed out after {DEADLINE:?} waiting for {what}"),
    }
}

/// Polls `check` every 50 ms until it holds; returns `false` when [`DEADLINE`] passes
/// first, for callers that assert with a message of their own.
pub async fn wait_until<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    poll(|| {
        let held = check();
        async move { held.await.then_some(()) }
    })
    .await
    .is_some()
}

async fn poll<T, F, Fut>(mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let end = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(v) = check().await {
            return Some(v);
        }
        if tokio::time::Instant::now() >= end {
            return None;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The max offset (GET_MAX_OFFSET) of queue `queue_id` of `topic` at the broker `addr`,
/// or −1 when the broker does not answer or the answer has none.
pub async fn max_offset(client: &RemotingClient, addr: &str, topic: &str, queue_id: i32) -> i64 {
    let req = queue_offset(GET_MAX_OFFSET, topic, queue_id);
    client
        .invoke(addr, req, CALL)
        .await
        .map_or(-1, |resp| offset_of(&resp))
}

/// Waits until the max offset of queue `queue_id` of `topic` at `addr` reaches
/// `at_least` (appends become visible once the dispatcher has indexed them), and returns
/// it: callers that expect an exact count assert on it.
pub async fn wait_max_offset(
    client: &RemotingClient,
    addr: &str,
    topic: &str,
    queue_id: i32,
    at_least: i64,
) -> i64 {
    eventually(
        &format!("{topic}/{queue_id} at {addr} to reach offset {at_least}"),
        || async move {
            let seen = max_offset(client, addr, topic, queue_id).await;
            (seen >= at_least).then_some(seen)
        },
    )
    .await
}
