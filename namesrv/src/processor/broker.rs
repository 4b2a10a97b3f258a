//! Requests from brokers: REGISTER_BROKER, UNREGISTER_BROKER, BROKER_HEARTBEAT,
//! QUERY_DATA_VERSION.

use std::time::Duration;

use cometmq_remoting::body::{fastjson, DataVersion, KvTable, RegisterBrokerBody};
use cometmq_remoting::header::{
    QueryDataVersionRequestHeader, QueryDataVersionResponseHeader, RegisterBrokerRequestHeader,
    RegisterBrokerResponseHeader, UnregisterBrokerRequestHeader,
};
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;

use super::{NamesrvProcessor, Reply};
use crate::error::NamesrvError;
use crate::kv_config::ORDER_TOPIC_CONFIG;
use crate::route_table::Registration;

cometmq_remoting::command_header! {
    /// BROKER_HEARTBEAT (904, 5.x) request; CometMQ only needs the broker's identity.
    pub struct BrokerHeartbeatRequestHeader {
        /// Cluster name.
        req cluster_name: String = "clusterName",
        /// Broker address.
        req broker_addr: String = "brokerAddr",
        /// Broker name.
        req broker_name: String = "brokerName",
    }
}

/// Java's `UtilAll.crc32`: CRC32 with the sign bit cleared.
fn crc32(bytes: &[u8]) -> i32 {
    (crc32fast::hash(bytes) & 0x7FFF_FFFF) as i32
}

impl NamesrvProcessor {
    pub(super) fn register_broker(&self, conn: &Connection, req: &RemotingCommand) -> Reply {
        let h: RegisterBrokerRequestHeader = req.decode_header()?;
        let bytes = req.body.to_bytes();
        if let Some(expected) = h.body_crc32.filter(|c| *c != 0) {
            if crc32(&bytes) != expected {
                return Err(NamesrvError::CrcMismatch);
            }
        }
        let body = if bytes.is_empty() {
            RegisterBrokerBody::default()
        } else {
            RegisterBrokerBody::decode(&bytes, h.compressed.unwrap_or(false), req.version).map_err(
                |source| NamesrvError::Body {
                    what: "RegisterBrokerBody",
                    source,
                },
            )?
        };
        let (default_timeout, delete_missing, return_order_conf) = self.config.read(|c| {
            (
                c.broker_expired(),
                c.delete_topic_with_broker_registration,
                c.return_order_topic_config_to_broker,
            )
        });
        let wrapper = body.topic_config_serialize_wrapper;
        let result = self.routes.register(
            Registration {
                cluster: h.cluster_name,
                broker_addr: h.broker_addr,
                broker_name: h.broker_name,
                broker_id: h.broker_id,
                ha_server_addr: h.ha_server_addr,
                zone_name: h.zone_name,
                enable_acting_master: h.enable_acting_master.unwrap_or(false),
                timeout: h
                    .heartbeat_timeout_millis
                    .and_then(|ms| u64::try_from(ms).ok())
                    .filter(|ms| *ms > 0)
                    .map_or(default_timeout, Duration::from_millis),
                data_version: wrapper.data_version,
                topics: wrapper.topic_config_table,
                filter_servers: body.filter_server_list,
                conn_id: Some(conn.id()),
            },
            delete_missing,
        );
        self.channels.watch(conn, &self.routes);
        let mut resp = RemotingCommand::success().with_header(&RegisterBrokerResponseHeader {
            ha_server_addr: result.ha_server_addr,
            master_addr: result.master_addr,
        });
        if return_order_conf {
            if let Some(table) = self.kv.namespace(ORDER_TOPIC_CONFIG) {
                let body = fastjson::to_vec(&KvTable { table }, fastjson::JsonStyle::Legacy)
                    .map_err(NamesrvError::Encode)?;
                resp = resp.with_body(body);
            }
        }
        Ok(resp)
    }

    pub(super) fn unregister_broker(&self, req: &RemotingCommand) -> Reply {
        let h: UnregisterBrokerRequestHeader = req.decode_header()?;
        self.routes
            .unregister(&h.cluster_name, &h.broker_addr, &h.broker_name);
        Ok(RemotingCommand::success())
    }

    pub(super) fn broker_heartbeat(&self, req: &RemotingCommand) -> Reply {
        let h: BrokerHeartbeatRequestHeader = req.decode_header()?;
        if !self.routes.touch(&h.cluster_name, &h.broker_addr) {
            tracing::debug!(broker = %h.broker_name, addr = %h.broker_addr, "heartbeat from an unregistered broker");
        }
        Ok(RemotingCommand::success())
    }

    pub(super) fn query_data_version(&self, req: &RemotingCommand) -> Reply {
        let h: QueryDataVersionRequestHeader = req.decode_header()?;
        let version: DataVersion =
            fastjson::from_slice(&req.body.to_bytes()).map_err(|source| NamesrvError::Body {
                what: "DataVersion",
                source,
            })?;
        let (changed, ours) =
            self.routes
                .query_data_version(&h.cluster_name, &h.broker_addr, &version);
        let mut resp =
            RemotingCommand::success().with_header(&QueryDataVersionResponseHeader { changed });
        if let Some(ours) = ours {
            let body = fastjson::to_vec(&ours, fastjson::JsonStyle::Legacy)
                .map_err(NamesrvError::Encode)?;
            resp = resp.with_body(body);
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc_is_javas() {
        // java.util.zip.CRC32 of "123456789" is 0xCBF43926; the sign bit is cleared.
        assert_eq!(super::crc32(b"123456789"), 0x4BF4_3926);
    }
}
