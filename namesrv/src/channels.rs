//! [`BrokerChannels`]: the connections brokers registered on. When one closes, the brokers
//! that registered on it are dropped at once; when a broker expires, its connection is closed.

use std::collections::HashMap;
use std::sync::Arc;

use cometmq_remoting::transport::Connection;
use parking_lot::Mutex;

use crate::route_table::RouteTable;

/// Connection id → connection, for every connection a broker registered on.
#[derive(Debug, Default)]
pub struct BrokerChannels {
    conns: Mutex<HashMap<u64, Connection>>,
}

impl BrokerChannels {
    /// Watches `conn` (once per connection): when it closes, its brokers leave `routes`.
    pub fn watch(self: &Arc<Self>, conn: &Connection, routes: &Arc<RouteTable>) {
        let id = conn.id();
        {
            let mut conns = self.conns.lock();
            if conns.contains_key(&id) {
                return;
            }
            conns.insert(id, conn.clone());
        }
        let (channels, routes, conn) = (self.clone(), routes.clone(), conn.clone());
        tokio::spawn(async move {
            conn.closed().await;
            channels.conns.lock().remove(&id);
            routes.drop_connection(id);
        });
    }

    /// Closes connection `id`, if it is still open.
    pub fn close(&self, id: u64) {
        if let Some(conn) = self.conns.lock().get(&id) {
            tracing::info!(peer = %conn.peer_addr(), "closing the connection of an expired broker");
            conn.close();
        }
    }
}
