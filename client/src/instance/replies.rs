//! Requests waiting for their reply (Java `RequestFutureHolder`): a producer's
//! [`request`](crate::producer::Producer::request) registers its correlation id here, and
//! the PUSH_REPLY_MESSAGE_TO_CLIENT handler hands the pushed reply to it.

use parking_lot::Mutex;
use std::collections::HashMap;

use tokio::sync::oneshot;

use crate::message::MessageExt;

/// Waiting requests by correlation id.
#[derive(Debug, Default)]
pub struct Replies {
    waiting: Mutex<HashMap<String, oneshot::Sender<MessageExt>>>,
}

impl Replies {
    /// Waits for the reply to `correlation_id`.
    pub fn register(&self, correlation_id: &str) -> oneshot::Receiver<MessageExt> {
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().insert(correlation_id.to_owned(), tx);
        rx
    }

    /// Gives up waiting for `correlation_id` (the request failed or timed out).
    pub fn cancel(&self, correlation_id: &str) {
        self.waiting.lock().remove(correlation_id);
    }

    /// Hands a reply to its request; false when nobody waits for it (late or unknown).
    pub fn complete(&self, correlation_id: &str, reply: MessageExt) -> bool {
        match self.waiting.lock().remove(correlation_id) {
            Some(tx) => tx.send(reply).is_ok(),
            None => false,
        }
    }

    /// How many requests wait.
    pub fn len(&self) -> usize {
        self.waiting.lock().len()
    }

    /// Whether no request waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
