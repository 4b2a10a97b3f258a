//! [`BrokerState`]: everything the request processors share, each part with one owner.
//!
//! - The store owns messages and indexes.
//! - The topic, group and offset tables own their maps (short-held locks, saved to JSON).
//! - The client registry owns connected producers and consumers; the lock table owns
//!   orderly-consumption locks.
//! - The settings are an immutable snapshot swapped whole by UPDATE_BROKER_CONFIG, which
//!   writes them back to `config_file`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use cometmq_remoting::body::DataVersion;
use cometmq_store::MessageStore;
use parking_lot::{Mutex, RwLock};
use tokio::sync::Notify;

use crate::clients::ClientRegistry;
use crate::config::BrokerConfig;
use crate::consumer_offsets::ConsumerOffsetTable;
use crate::groups::GroupTable;
use crate::locks::LockTable;
use crate::topics::TopicTable;

/// Shared broker state. Processors hold it in an `Arc`.
pub struct BrokerState {
    config: RwLock<Arc<BrokerConfig>>,
    config_version: Mutex<DataVersion>,
    /// Where UPDATE_BROKER_CONFIG writes the settings back (`brokerConfigPath`).
    pub config_file: Arc<crate::config_file::ConfigFile>,
    /// Held by UPDATE_BROKER_CONFIG from reading the settings to writing them back, so
    /// two updates do not lose one another.
    pub config_update: tokio::sync::Mutex<()>,
    /// The message store.
    pub store: Arc<MessageStore>,
    /// Topic configs.
    pub topics: Arc<TopicTable>,
    /// Consumer group configs.
    pub groups: Arc<GroupTable>,
    /// Committed consumer offsets.
    pub offsets: Arc<ConsumerOffsetTable>,
    /// Connected producers and consumers.
    pub clients: ClientRegistry,
    /// Orderly-consumption queue locks.
    pub locks: LockTable,
    /// Delay levels and their delivery progress.
    pub schedule: crate::schedule::ScheduleService,
    /// Recently committed transactions (no second commit of one transaction).
    pub recent_commits: crate::transaction::recent::RecentCommits,
    /// `brokerIP1:listenPort`, the address clients and NameServers know this broker by.
    pub broker_addr: String,
    /// The same as a socket address, stamped into every stored record.
    pub store_host: SocketAddr,
    /// Message counters: the one owner ([`crate::stats::BrokerStats`]).
    pub stats: crate::stats::BrokerStats,
    /// Put and get rates sampled from the counters ([`crate::stats::run`]).
    pub rates: crate::stats::Rates,
    /// When the broker started.
    pub started: Instant,
    /// Wall-clock start, ms since the epoch.
    pub boot_timestamp: i64,
    /// Signalled when the topic table changes, so the registrar re-registers at once.
    pub topics_changed: Notify,
    /// Master/slave replication (HA service, master address).
    pub ha: crate::replication::Replication,
    /// Compiled SQL92 subscriptions (`enablePropertyFilter`).
    pub sql_filters: crate::filter::SqlFilters,
    /// POP consumption: per-queue pop locks and the revive queue round robin.
    pub pop: crate::pop::PopState,
    /// Which groups consume which topics by POP (`messageRequestMode.json`).
    pub request_modes: Arc<crate::pop::request_modes::RequestModes>,
}

/// The one clock's `now_ms`, re-exported for `stats.rs` and the tests that name it here.
pub use cometmq_remoting::clock::now_ms;

impl BrokerState {
    /// Opens the store and loads the config tables under `config.storePathRootDir`.
    pub fn open(
        config: BrokerConfig,
        store_host: SocketAddr,
    ) -> Result<Arc<BrokerState>, crate::BrokerStartError> {
        let schedule = crate::schedule::ScheduleService::load(&config)?;
        let store = Arc::new(MessageStore::open(config.store_config(store_host)?)?);
        let topics = TopicTable::load(&config)?;
        let groups = GroupTable::load(&config)?;
        let offsets = ConsumerOffsetTable::load(&config)?;
        let request_modes = crate::pop::request_modes::RequestModes::load(&config)?;
        store.set_consumer_progress(offsets.clone());
        Ok(Arc::new(BrokerState {
            broker_addr: store_host.to_string(),
            store_host,
            store,
            topics,
            groups,
            offsets,
            clients: ClientRegistry::default(),
            locks: LockTable::default(),
            schedule,
            recent_commits: Default::default(),
            stats: Default::default(),
            rates: crate::stats::Rates::default(),
            started: Instant::now(),
            boot_timestamp: now_ms(),
            topics_changed: Notify::new(),
            ha: crate::replication::Replication::default(),
            sql_filters: Default::default(),
            pop: Default::default(),
            request_modes,
            config_file: crate::config_file::ConfigFile::new(
                config.config_file_path(),
                "broker.properties",
            ),
            config_update: tokio::sync::Mutex::new(()),
            config: RwLock::new(Arc::new(config)),
            config_version: Mutex::new(DataVersion::new(now_ms())),
        }))
    }

    /// The current settings (a cheap snapshot).
    pub fn config(&self) -> Arc<BrokerConfig> {
        self.config.read().clone()
    }

    /// Replaces the settings (UPDATE_BROKER_CONFIG) and bumps their version.
    pub fn set_config(&self, config: BrokerConfig) {
        *self.config.write() = Arc::new(config);
        self.config_version.lock().bump(now_ms());
    }

    /// The settings' version (GET_BROKER_CONFIG's `version` header).
    pub fn config_version(&self) -> DataVersion {
        *self.config_version.lock()
    }

    /// Counts stored messages.
    pub fn count_put(&self, n: usize) {
        self.stats.on_stored(n);
    }

    /// Store time of the message just before queue offset `offset` (0 when there is none):
    /// "last updated" in topic stats and "last consumed" in consume stats.
    pub fn store_time_before(&self, topic: &str, queue_id: i32, offset: i64) -> i64 {
        if offset <= 0 {
            return 0;
        }
        self.store
            .store_time_at(topic, queue_id, offset - 1)
            .unwrap_or(0)
    }

    /// Runs a store read on a blocking thread: mapped pages that are not in memory wait
    /// for the disk, which must not stall the event loop.
    pub async fn read_store<T, F>(&self, f: F) -> Result<T, crate::error::BrokerError>
    where
        T: Send + 'static,
        F: FnOnce(&MessageStore) -> T + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| crate::error::BrokerError::System(format!("store read failed: {e}")))
    }

    /// Persists the topic table and asks the registrar to re-register.
    pub async fn topics_updated(&self) {
        self.topics.persist().await;
        self.topics_changed.notify_one();
    }
}
