//! [`NamesrvProcessor`]: answers every NameServer request code. Handlers return
//! `Result<RemotingCommand, NamesrvError>`; errors become responses in one place
//! ([`NamesrvError::to_response`]).
//!
//! Handlers are grouped by who calls them: `broker` (registration, heartbeats), `route`
//! (routes and listings for clients and tools), `admin` (topic admin, KV config, settings).

use std::sync::Arc;

use cometmq_remoting::body::{fastjson, JsonStyle};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::transport::{Connection, ProcessFuture, RequestProcessor};
use cometmq_remoting::RemotingCommand;
use serde::Serialize;

use crate::channels::BrokerChannels;
use crate::config::SharedConfig;
use crate::error::NamesrvError;
use crate::kv_config::KvConfig;
use crate::route_table::{RouteTable, UnitFilter};

mod admin;
mod broker;
mod route;

/// The NameServer's request handler; cheap to clone.
#[derive(Debug, Clone)]
pub struct NamesrvProcessor {
    routes: Arc<RouteTable>,
    kv: Arc<KvConfig>,
    channels: Arc<BrokerChannels>,
    config: SharedConfig,
    /// The config file's one writer: held across snapshot, write and rename, so
    /// concurrent UPDATE_NAMESRV_CONFIG saves neither share the temp file nor write an
    /// older snapshot over a newer one.
    config_writer: Arc<tokio::sync::Mutex<()>>,
}

/// Shorthand for handler results.
type Reply = Result<RemotingCommand, NamesrvError>;

impl NamesrvProcessor {
    /// Every request code the NameServer answers.
    pub const CODES: &'static [i32] = &[
        request::PUT_KV_CONFIG,
        request::GET_KV_CONFIG,
        request::DELETE_KV_CONFIG,
        request::GET_KVLIST_BY_NAMESPACE,
        request::REGISTER_BROKER,
        request::UNREGISTER_BROKER,
        request::BROKER_HEARTBEAT,
        request::QUERY_DATA_VERSION,
        request::GET_ROUTEINFO_BY_TOPIC,
        request::GET_BROKER_CLUSTER_INFO,
        request::GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
        request::GET_TOPICS_BY_CLUSTER,
        request::GET_SYSTEM_TOPIC_LIST_FROM_NS,
        request::GET_UNIT_TOPIC_LIST,
        request::GET_HAS_UNIT_SUB_TOPIC_LIST,
        request::GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST,
        request::DELETE_TOPIC_IN_NAMESRV,
        request::WIPE_WRITE_PERM_OF_BROKER,
        request::ADD_WRITE_PERM_OF_BROKER,
        request::UPDATE_NAMESRV_CONFIG,
        request::GET_NAMESRV_CONFIG,
        request::REGISTER_TOPIC_IN_NAMESRV,
        request::GET_BROKER_MEMBER_GROUP,
    ];

    /// A processor over shared state.
    pub fn new(
        routes: Arc<RouteTable>,
        kv: Arc<KvConfig>,
        channels: Arc<BrokerChannels>,
        config: SharedConfig,
    ) -> Self {
        NamesrvProcessor {
            routes,
            kv,
            channels,
            config,
            config_writer: Arc::default(),
        }
    }

    async fn handle(&self, conn: &Connection, req: &RemotingCommand) -> Reply {
        match req.code {
            request::REGISTER_BROKER => self.register_broker(conn, req),
            request::UNREGISTER_BROKER => self.unregister_broker(req),
            request::BROKER_HEARTBEAT => self.broker_heartbeat(req),
            request::QUERY_DATA_VERSION => self.query_data_version(req),
            request::GET_ROUTEINFO_BY_TOPIC => self.route_info(req),
            request::GET_BROKER_CLUSTER_INFO => json(&self.routes.cluster_info()),
            request::GET_ALL_TOPIC_LIST_FROM_NAMESERVER => self.all_topics(),
            request::GET_TOPICS_BY_CLUSTER => self.topics_by_cluster(req),
            request::GET_SYSTEM_TOPIC_LIST_FROM_NS => json(&self.routes.system_topics()),
            request::GET_UNIT_TOPIC_LIST => self.unit_topics(UnitFilter::Unit),
            request::GET_HAS_UNIT_SUB_TOPIC_LIST => self.unit_topics(UnitFilter::HasUnitSub),
            request::GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST => {
                self.unit_topics(UnitFilter::HasUnitSubNonUnit)
            }
            request::DELETE_TOPIC_IN_NAMESRV => self.delete_topic(req),
            request::WIPE_WRITE_PERM_OF_BROKER => self.write_perm(req, true),
            request::ADD_WRITE_PERM_OF_BROKER => self.write_perm(req, false),
            request::PUT_KV_CONFIG => self.put_kv_config(req).await,
            request::GET_KV_CONFIG => self.get_kv_config(req),
            request::DELETE_KV_CONFIG => self.delete_kv_config(req).await,
            request::GET_KVLIST_BY_NAMESPACE => self.kv_list(req),
            request::UPDATE_NAMESRV_CONFIG => self.update_config(req).await,
            request::GET_NAMESRV_CONFIG => Ok(self.get_config()),
            request::REGISTER_TOPIC_IN_NAMESRV => self.register_topic(req),
            request::GET_BROKER_MEMBER_GROUP => self.member_group(req),
            code => Ok(RemotingCommand::response(
                response::REQUEST_CODE_NOT_SUPPORTED,
                Some(format!(" request type {code} not supported")),
            )),
        }
    }
}

impl RequestProcessor for NamesrvProcessor {
    fn process<'a>(&'a self, conn: &'a Connection, req: RemotingCommand) -> ProcessFuture<'a> {
        Box::pin(async move {
            Some(match self.handle(conn, &req).await {
                Ok(resp) => resp,
                Err(e) => {
                    let (peer, code) = (conn.peer_addr(), req.code_name());
                    if e.is_expected() {
                        tracing::debug!(%peer, code, error = %e, "request refused");
                    } else {
                        tracing::warn!(%peer, code, error = %e, "request failed");
                    }
                    e.to_response()
                }
            })
        })
    }
}

/// A SUCCESS response whose body is `value` in legacy fastjson form (what Java writes for
/// every body but standard-JSON routes).
fn json<T: Serialize>(value: &T) -> Reply {
    let body = fastjson::to_vec(value, JsonStyle::Legacy).map_err(NamesrvError::Encode)?;
    Ok(RemotingCommand::success().with_body(body))
}
