//! Whole-system fixtures for the consumer tests: a NameServer and a broker from
//! `cometmq_testkit::system` (CometMQ's in this process, or Apache RocketMQ's with
//! `COMETMQ_SERVERS=java`, so that our client is judged by the reference servers too), and
//! client settings that make tests quick (short route refresh and rebalance periods).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Not every test binary uses every re-export.
#![allow(unused_imports)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cometmq_broker::config::BrokerConfig;
use cometmq_client::consumer::PushConsumer;
use cometmq_client::instance::ClientConfig;
use cometmq_client::producer::Producer;
pub use cometmq_testkit::wait::wait_until;

/// A NameServer and one broker.
pub struct System(cometmq_testkit::system::System);

impl std::ops::Deref for System {
    type Target = cometmq_testkit::system::System;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Logs to the test output when `RUST_LOG` is set.
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

impl System {
    pub async fn start() -> System {
        Self::start_with(|_| {}).await
    }

    /// Starts with `tweak` applied to the broker configuration (16 MiB CommitLog files).
    pub async fn start_with(tweak: impl FnOnce(&mut BrokerConfig)) -> System {
        init_logs();
        System(
            cometmq_testkit::system::System::start(|cfg| {
                cfg.store.mapped_file_size_commit_log = 16 * 1024 * 1024;
                cfg.store.mapped_file_size_consume_queue = 60 * 1000;
                tweak(cfg);
            })
            .await,
        )
    }

    /// Client settings for this system: fast route refresh, and a named instance.
    pub fn client_config(&self, instance: &str) -> ClientConfig {
        ClientConfig {
            client_ip: "127.0.0.1".into(),
            instance_name: instance.into(),
            poll_name_server_interval: Duration::from_millis(500),
            persist_consumer_offset_interval: Duration::from_secs(1),
            offsets_root: self.work_dir.path().join("offsets"),
            ..ClientConfig::new(self.namesrv_addr.clone())
        }
    }

    /// A started producer of `group`.
    pub fn producer(&self, group: &str) -> Producer {
        let p = Producer::builder(group)
            .client_config(self.client_config(group))
            .send_timeout(Duration::from_secs(10))
            .default_topic_queue_nums(8)
            .build()
            .unwrap();
        p.start().unwrap();
        p
    }

    pub async fn stop(self) {
        self.0.stop().await;
    }
}

/// The bound for a whole scenario to settle: testkit's one deadline.
pub use cometmq_testkit::wait::DEADLINE as LIMIT;

/// What a listener saw: message id → deliveries (topic, reconsume times).
pub type Seen = Arc<Mutex<HashMap<String, Vec<(String, i32)>>>>;

pub fn record(seen: &Seen, msgs: &[cometmq_client::MessageExt]) {
    let mut s = seen.lock().unwrap();
    for m in msgs {
        s.entry(m.msg_id().into_owned())
            .or_default()
            .push((m.topic.clone(), m.reconsume_times));
    }
}

/// Waits until the live consumers' assignments partition the `n` queues of `topic`, each
/// taking some.
pub async fn converged(consumers: &[&PushConsumer], topic: &str, n: usize) -> bool {
    wait_until(|| {
        let sets: Vec<Vec<_>> = consumers
            .iter()
            .map(|c| {
                let mut q = c.assigned_queues();
                q.retain(|q| q.topic == topic);
                q
            })
            .collect();
        let all: HashSet<_> = sets.iter().flatten().cloned().collect();
        let total: usize = sets.iter().map(Vec::len).sum();
        let ok = all.len() == n && total == n && sets.iter().all(|s| !s.is_empty());
        async move { ok }
    })
    .await
}
