//! Requests waiting for their reply (Java `RequestFutureHolder`): a producer's
//! [`request`](crate::producer::Producer::request) registers its correlation id here, and
//! the PUSH_REPLY_MESSAGE_TO_CLIENT handler hands the pushed reply to it.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::oneshot;

use crate::message::MessageExt;

/// Waiting requests by correlation id.
#[derive(Debug, Default)]
pub struct Replies {
    waiting: Mutex<HashMap<String, oneshot::Sender<MessageExt>>>,
}

impl Replies {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<MessageExt>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for the reply to `correlation_id`.
    pub fn register(&self, correlation_id: &str) -> oneshot::Receiver<MessageExt> {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(correlation_id.to_owned(), tx);
        rx
    }

    /// Gives up waiting for `correlation_id` (the request failed or timed out).
    pub fn cancel(&self, correlation_id: &str) {
        self.lock().remove(correlation_id);
    }

    /// Hands a reply to its request; false when nobody waits for it (late or unknown).
    pub fn complete(&self, correlation_id: &str, reply: MessageExt) -> bool {
        match self.lock().remove(correlation_id) {
            Some(tx) => tx.send(reply).is_ok(),
            None => false,
        }
    }

    /// How many requests wait.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no request waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
