//! Which groups consume which topics by POP (Java `MessageRequestModeManager`), kept in
//! `<storePathRootDir>/config/messageRequestMode.json` as Java keeps it. QUERY_ASSIGNMENT
//! reads it; SET_MESSAGE_REQUEST_MODE (mqadmin setConsumeMode) writes it.

use std::sync::Arc;

use cometmq_remoting::body::pop::{
    MessageRequestModeSerializeWrapper, SetMessageRequestModeRequestBody,
};
use parking_lot::RwLock;

use crate::config::BrokerConfig;
use crate::config_file::{self, ConfigFile};

/// The request mode table.
pub struct RequestModes {
    file: Arc<ConfigFile>,
    table: RwLock<MessageRequestModeSerializeWrapper>,
}

impl RequestModes {
    /// Loads `messageRequestMode.json` (empty when absent).
    pub fn load(config: &BrokerConfig) -> std::io::Result<Arc<RequestModes>> {
        let file =
            ConfigFile::in_store(&config.store.store_path_root_dir, "messageRequestMode.json");
        let table = file.load_json()?.unwrap_or_default();
        Ok(Arc::new(RequestModes {
            file,
            table: RwLock::new(table),
        }))
    }

    /// The mode set for `group` on `topic`.
    pub fn get(&self, topic: &str, group: &str) -> Option<SetMessageRequestModeRequestBody> {
        self.table
            .read()
            .message_request_mode_map
            .get(topic)
            .and_then(|g| g.get(group))
            .cloned()
    }

    /// Sets a mode (not saved until [`Self::persist`]).
    pub fn set(&self, body: SetMessageRequestModeRequestBody) {
        self.table
            .write()
            .message_request_mode_map
            .entry(body.topic.clone())
            .or_default()
            .insert(body.consumer_group.clone(), body);
    }

    /// The whole table.
    pub fn snapshot(&self) -> MessageRequestModeSerializeWrapper {
        self.table.read().clone()
    }

    /// Saves the table.
    pub async fn persist(self: &Arc<Self>) -> std::io::Result<()> {
        let me = self.clone();
        self.file
            .save(move || config_file::encode_json(&me.snapshot()))
            .await
    }
}
