//! [`ProducerBuilder`]: a producer's settings (Java `DefaultMQProducer` fields).

use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::message::compression::{COMPRESS_OVER_BYTES, DEFAULT_LEVEL};
use cometmq_remoting::message::CompressionType;

use crate::error::{ClientError, Result};
use crate::instance::{ClientConfig, ClientInstance};
use crate::message::{validate_topic, DEFAULT_MAX_MESSAGE_SIZE};
use crate::producer::{LatencyTable, Producer};

/// The template topic for auto-created topics (`TBW102`).
pub const DEFAULT_TOPIC: &str = "TBW102";

/// The group of the producer consumers share to send failed messages to retry topics (Java
/// `MixAll.CLIENT_INNER_PRODUCER_GROUP`).
pub const CLIENT_INNER_PRODUCER_GROUP: &str = "CLIENT_INNER_PRODUCER";

/// Send settings of a producer, with Java's defaults.
#[derive(Debug, Clone)]
pub struct ProducerSettings {
    /// The producer group.
    pub group: String,
    /// Timeout of one send, retries included (`sendMsgTimeout`, 3 s).
    pub send_timeout: Duration,
    /// Extra attempts after a failed send (`retryTimesWhenSendFailed`, 2).
    pub retry_times_when_send_failed: u32,
    /// Also retry when the broker stored the message but a flush or replication timed out
    /// (`retryAnotherBrokerWhenNotStoreOK`, false).
    pub retry_another_broker_when_not_store_ok: bool,
    /// Bodies of at least this many bytes are compressed (`compressMsgBodyOverHowmuch`,
    /// 4096).
    pub compress_over: usize,
    /// Compression level (`compressLevel`, 5): zlib's 0–9 or zstd's; LZ4 ignores it.
    pub compress_level: u32,
    /// Compression algorithm (`compressType`, zlib as in Java 5.x); LZ4 and ZSTD need a
    /// 5.x consumer (or ours) to read them.
    pub compress_type: CompressionType,
    /// Largest body sent (`maxMessageSize`, 4 MiB).
    pub max_message_size: usize,
    /// Template topic for topics that do not exist yet (`createTopicKey`, `TBW102`).
    pub default_topic: String,
    /// Queues of an auto-created topic (`defaultTopicQueueNums`, 4).
    pub default_topic_queue_nums: i32,
    /// Steer away from slow or failing brokers (`sendLatencyFaultEnable`, false).
    pub latency_fault_enable: bool,
    /// Latency → isolation table used when `latency_fault_enable` (5.x values).
    pub latency_table: LatencyTable,
    /// Write a Pub trace record of every send (`enableMsgTrace`, false).
    pub enable_msg_trace: bool,
    /// The topic trace records go to (`customizedTraceTopic`, `RMQ_SYS_TRACE_TOPIC`).
    pub trace_topic: String,
}

impl ProducerSettings {
    /// Java's defaults for `group`.
    pub fn new(group: impl Into<String>) -> Self {
        ProducerSettings {
            group: group.into(),
            send_timeout: Duration::from_secs(3),
            retry_times_when_send_failed: 2,
            retry_another_broker_when_not_store_ok: false,
            compress_over: COMPRESS_OVER_BYTES,
            compress_level: DEFAULT_LEVEL,
            compress_type: CompressionType::Zlib,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            default_topic: DEFAULT_TOPIC.to_owned(),
            default_topic_queue_nums: 4,
            latency_fault_enable: false,
            latency_table: LatencyTable::v5(),
            enable_msg_trace: false,
            trace_topic: crate::trace::TRACE_TOPIC.to_owned(),
        }
    }
}

/// Builds a [`Producer`]; see [`Producer::builder`].
#[derive(Debug, Clone)]
pub struct ProducerBuilder {
    settings: ProducerSettings,
    config: ClientConfig,
    instance: Option<Arc<ClientInstance>>,
}

impl ProducerBuilder {
    pub(crate) fn new(group: impl Into<String>) -> Self {
        ProducerBuilder {
            settings: ProducerSettings::new(group),
            config: ClientConfig::default(),
            instance: None,
        }
    }

    /// NameServer addresses, `"host:port;host:port"`.
    pub fn namesrv_addr(mut self, addr: impl Into<String>) -> Self {
        self.config.namesrv_addr = addr.into();
        self
    }

    /// The whole client configuration (replaces an earlier [`Self::namesrv_addr`]).
    pub fn client_config(mut self, config: ClientConfig) -> Self {
        self.config = config;
        self
    }

    /// Shares an existing client instance (its configuration wins).
    pub fn instance(mut self, instance: Arc<ClientInstance>) -> Self {
        self.instance = Some(instance);
        self
    }

    /// Timeout of one send, retries included.
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.settings.send_timeout = timeout;
        self
    }

    /// Extra attempts after a failed send.
    pub fn retry_times_when_send_failed(mut self, n: u32) -> Self {
        self.settings.retry_times_when_send_failed = n;
        self
    }

    /// Also retry on another broker when a flush or replication timed out.
    pub fn retry_another_broker_when_not_store_ok(mut self, on: bool) -> Self {
        self.settings.retry_another_broker_when_not_store_ok = on;
        self
    }

    /// Compress bodies of at least `bytes` bytes.
    pub fn compress_over(mut self, bytes: usize) -> Self {
        self.settings.compress_over = bytes;
        self
    }

    /// Compress with `ty` (Java 5.x `setCompressType`).
    pub fn compress_type(mut self, ty: CompressionType) -> Self {
        self.settings.compress_type = ty;
        self
    }

    /// Largest body sent.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.settings.max_message_size = bytes;
        self
    }

    /// Queues of an auto-created topic.
    pub fn default_topic_queue_nums(mut self, n: i32) -> Self {
        self.settings.default_topic_queue_nums = n;
        self
    }

    /// Steer away from slow or failing brokers (latency fault tolerance).
    pub fn latency_fault_enable(mut self, on: bool) -> Self {
        self.settings.latency_fault_enable = on;
        self
    }

    /// Writes trace records of the sends (`enableMsgTrace`) to `RMQ_SYS_TRACE_TOPIC`.
    pub fn enable_msg_trace(mut self, on: bool) -> Self {
        self.settings.enable_msg_trace = on;
        self
    }

    /// Any other setting.
    pub fn settings(mut self, f: impl FnOnce(&mut ProducerSettings)) -> Self {
        f(&mut self.settings);
        self
    }

    /// The producer (not started).
    pub fn build(self) -> Result<Producer> {
        if self.settings.group.trim().is_empty() {
            return Err(ClientError::invalid("producer group", "the group is blank"));
        }
        validate_topic(&self.settings.group).map_err(|_| {
            ClientError::invalid("producer group", "illegal characters in the group")
        })?;
        let instance = self
            .instance
            .unwrap_or_else(|| ClientInstance::new(self.config));
        Ok(Producer::create(self.settings, instance))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let s = ProducerSettings::new("PG");
        assert_eq!(s.retry_times_when_send_failed, 2);
        assert_eq!(s.compress_over, 4096);
        assert_eq!(s.default_topic, "TBW102");
        assert_eq!(s.default_topic_queue_nums, 4);
        assert!(!s.latency_fault_enable);
        assert!(Producer::builder(" ").build().is_err());
        assert!(Producer::builder("bad group").build().is_err());
    }
}
