//! [`Message`]: what a producer sends, and its [`MessageBuilder`].

use bytes::Bytes;
use cometmq_remoting::message::{property, Properties};

/// A message to send (Java `Message`): topic, body, user flag and properties.
///
/// Tags, keys, delay level and the other well-known attributes live in
/// [`properties`](Message::properties), as on the wire; the builder and the accessors below
/// read and write them under RocketMQ's names.
///
/// ```
/// use cometmq_client::Message;
/// let msg = Message::builder("TopicTest")
///     .tags("TagA")
///     .keys(["order-1", "user-7"])
///     .body("hello")
///     .delay_level(3)
///     .property("region", "eu")
///     .build();
/// assert_eq!(msg.tags(), Some("TagA"));
/// assert_eq!(msg.keys().collect::<Vec<_>>(), ["order-1", "user-7"]);
/// assert_eq!(msg.delay_level(), 3);
/// assert_eq!(msg.property("region"), Some("eu"));
/// assert_eq!(&msg.body[..], b"hello");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Target topic.
    pub topic: String,
    /// Payload. The producer compresses single bodies of 4 KiB and more.
    pub body: Bytes,
    /// User flag, stored and delivered verbatim.
    pub flag: i32,
    /// Properties: tags, keys, delay level, user properties… (`name\x01value\x02` on the wire).
    pub properties: Properties,
    /// Transaction id of a transactional message (set by the transactional producer).
    pub transaction_id: Option<String>,
}

impl Message {
    /// A message with `topic` and `body`, and `WAIT=true` like every Java message.
    pub fn new(topic: impl Into<String>, body: impl Into<Bytes>) -> Self {
        let mut properties = Properties::with_capacity(4);
        properties.insert(property::WAIT, "true");
        Message {
            topic: topic.into(),
            body: body.into(),
            flag: 0,
            properties,
            transaction_id: None,
        }
    }

    /// A builder for a message to `topic` (empty body until [`MessageBuilder::body`]).
    pub fn builder(topic: impl Into<String>) -> MessageBuilder {
        MessageBuilder {
            msg: Message::new(topic, Bytes::new()),
        }
    }

    /// The value of property `name`.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name)
    }

    /// The tag (`TAGS`), used by consumers to filter.
    pub fn tags(&self) -> Option<&str> {
        self.property(property::TAGS)
    }

    /// The business keys (`KEYS`, space-separated), indexed for query by key.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.property(property::KEYS)
            .unwrap_or("")
            .split(property::KEY_SEPARATOR)
            .filter(|k| !k.is_empty())
    }

    /// The delay level (`DELAY`, 1..=18 with the default broker levels); 0 when not delayed.
    pub fn delay_level(&self) -> i32 {
        self.property(property::DELAY)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// Whether the broker should wait for flush/replication before answering (`WAIT`,
    /// true when absent).
    pub fn wait_store_msg_ok(&self) -> bool {
        self.property(property::WAIT) != Some("false")
    }

    /// The client-assigned unique id (`UNIQ_KEY`), once the producer has set it.
    pub fn uniq_key(&self) -> Option<&str> {
        self.property(property::UNIQ_KEY)
    }
}

/// Builds a [`Message`]; see [`Message::builder`].
#[derive(Debug, Clone)]
pub struct MessageBuilder {
    msg: Message,
}

impl MessageBuilder {
    /// Sets the payload.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.msg.body = body.into();
        self
    }

    /// Sets the tag consumers filter on (`TAGS`).
    pub fn tags(mut self, tags: impl Into<String>) -> Self {
        self.msg.properties.insert(property::TAGS, tags.into());
        self
    }

    /// Sets one business key (`KEYS`).
    pub fn key(self, key: impl Into<String>) -> Self {
        self.keys([key.into()])
    }

    /// Sets several business keys (`KEYS`, joined with spaces).
    pub fn keys<I, K>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: AsRef<str>,
    {
        let joined = keys
            .into_iter()
            .map(|k| k.as_ref().to_owned())
            .collect::<Vec<_>>()
            .join(property::KEY_SEPARATOR);
        if !joined.is_empty() {
            self.msg.properties.insert(property::KEYS, joined);
        }
        self
    }

    /// Sets the user flag.
    pub fn flag(mut self, flag: i32) -> Self {
        self.msg.flag = flag;
        self
    }

    /// Delays delivery by the broker's delay level `level` (1 = 1s, 2 = 5s, 3 = 10s, … with
    /// the default `messageDelayLevel`); 0 removes the delay.
    pub fn delay_level(mut self, level: i32) -> Self {
        if level > 0 {
            self.msg
                .properties
                .insert(property::DELAY, level.to_string());
        } else {
            self.msg.properties.remove(property::DELAY);
        }
        self
    }

    /// A timer message (RocketMQ 5): delivered at `epoch_ms`, ms since the epoch, to the
    /// broker's `timerPrecisionMs` and never before (Java `setDeliverTimeMs`,
    /// `TIMER_DELIVER_MS`). A time already past delivers at once; one more than the
    /// broker's `timerMaxDelaySec` ahead is refused.
    pub fn deliver_at(mut self, epoch_ms: i64) -> Self {
        self.clear_timer();
        self.msg
            .properties
            .insert(property::TIMER_DELIVER_MS, epoch_ms.to_string());
        self
    }

    /// A timer message delivered `delay` after the broker receives it (Java
    /// `setDelayTimeMs`, `TIMER_DELAY_MS`).
    pub fn deliver_after(mut self, delay: std::time::Duration) -> Self {
        self.clear_timer();
        let ms = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        self.msg
            .properties
            .insert(property::TIMER_DELAY_MS, ms.to_string());
        self
    }

    /// Removes any timer property: the last of `deliver_at` / `deliver_after` wins.
    fn clear_timer(&mut self) {
        for p in [
            property::TIMER_DELIVER_MS,
            property::TIMER_DELAY_MS,
            property::TIMER_DELAY_SEC,
        ] {
            self.msg.properties.remove(p);
        }
    }

    /// Whether the broker waits for flush/replication before answering (default true).
    pub fn wait_store_msg_ok(mut self, wait: bool) -> Self {
        self.msg
            .properties
            .insert(property::WAIT, if wait { "true" } else { "false" });
        self
    }

    /// Sets a user property. Names used by RocketMQ itself (see
    /// [`property`](cometmq_remoting::message::property)) are not refused, but change
    /// behaviour: set them only on purpose. Names and values must not contain `\x01`/`\x02`
    /// (checked at send).
    pub fn property(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.msg.properties.insert(name, value);
        self
    }

    /// The message.
    pub fn build(self) -> Message {
        self.msg
    }
}

impl From<MessageBuilder> for Message {
    fn from(b: MessageBuilder) -> Self {
        b.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_sets_wait_like_java() {
        let m = Message::new("T", "x");
        assert_eq!(m.property(property::WAIT), Some("true"));
        assert!(m.wait_store_msg_ok());
        assert_eq!(m.tags(), None);
        assert_eq!(m.keys().count(), 0);
        assert_eq!(m.delay_level(), 0);
    }

    #[test]
    fn timers_write_java_properties() {
        let m = Message::builder("T").deliver_at(1_700_000_000_123).build();
        assert_eq!(
            m.property(property::TIMER_DELIVER_MS),
            Some("1700000000123")
        );
        let m = Message::builder("T")
            .deliver_at(5)
            .deliver_after(std::time::Duration::from_millis(1500))
            .build();
        assert_eq!(m.property(property::TIMER_DELIVER_MS), None);
        assert_eq!(m.property(property::TIMER_DELAY_MS), Some("1500"));
    }

    #[test]
    fn builder_writes_rocketmq_properties() {
        let m = Message::builder("T")
            .tags("A")
            .key("k1")
            .delay_level(2)
            .wait_store_msg_ok(false)
            .flag(9)
            .build();
        assert_eq!(m.property(property::TAGS), Some("A"));
        assert_eq!(m.property(property::KEYS), Some("k1"));
        assert_eq!(m.property(property::DELAY), Some("2"));
        assert_eq!(m.property(property::WAIT), Some("false"));
        assert!(!m.wait_store_msg_ok());
        assert_eq!(m.flag, 9);
        let m: Message = Message::builder("T").delay_level(2).delay_level(0).into();
        assert_eq!(m.property(property::DELAY), None);
        let m = Message::builder("T").keys(Vec::<String>::new()).build();
        assert_eq!(m.property(property::KEYS), None);
    }
}
