//! [`ByConfig`]: a fixed, configured list of queues (Java `AllocateMessageQueueByConfig`).

use super::AllocateStrategy;
use crate::message::MessageQueue;

/// Always returns the configured queues, whatever the group looks like. Each consumer of
/// the group must be configured with its own, disjoint list.
///
/// ```
/// use cometmq_client::consumer::allocate::{AllocateStrategy, ByConfig};
/// use cometmq_client::MessageQueue;
/// let mine = vec![MessageQueue::new("T", "broker-a", 1)];
/// let s = ByConfig::new(mine.clone());
/// assert_eq!(s.allocate("g", "anyone", &[], &[]), mine);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ByConfig {
    /// The queues this consumer takes.
    pub queues: Vec<MessageQueue>,
}

impl ByConfig {
    /// A strategy that always takes `queues`.
    pub fn new(queues: Vec<MessageQueue>) -> Self {
        ByConfig { queues }
    }
}

impl AllocateStrategy for ByConfig {
    fn name(&self) -> String {
        "CONFIG".to_owned()
    }

    fn allocate(
        &self,
        _consumer_group: &str,
        _current_cid: &str,
        _mq_all: &[MessageQueue],
        _cid_all: &[String],
    ) -> Vec<MessageQueue> {
        self.queues.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{cids, queues};
    use super::*;

    #[test]
    fn ignores_inputs() {
        let s = ByConfig::new(queues("x", 2));
        assert_eq!(
            s.allocate("g", "c9", &queues("b", 8), &cids(&["c0"])),
            queues("x", 2)
        );
        assert_eq!(s.name(), "CONFIG");
    }
}
