//! Routes and listings: GET_ROUTEINFO_BY_TOPIC, the topic lists, and the topic admin calls
//! (DELETE_TOPIC_IN_NAMESRV, WIPE/ADD_WRITE_PERM_OF_BROKER).

use cometmq_remoting::body::{
    fastjson, GetBrokerMemberGroupResponseBody, JsonStyle, TopicRouteData,
};
use cometmq_remoting::code::version;
use cometmq_remoting::header::{
    AddWritePermOfBrokerRequestHeader, AddWritePermOfBrokerResponseHeader,
    DeleteTopicFromNamesrvRequestHeader, GetBrokerMemberGroupRequestHeader,
    GetRouteInfoRequestHeader, GetTopicsByClusterRequestHeader, RegisterTopicRequestHeader,
    WipeWritePermOfBrokerRequestHeader, WipeWritePermOfBrokerResponseHeader,
};
use cometmq_remoting::RemotingCommand;

use super::{json, NamesrvProcessor, Reply};
use crate::error::NamesrvError;
use crate::kv_config::ORDER_TOPIC_CONFIG;
use crate::route_table::UnitFilter;

impl NamesrvProcessor {
    /// Standard JSON for clients ≥ V4_9_4 or asking for it, legacy fastjson otherwise.
    pub(super) fn route_info(&self, req: &RemotingCommand) -> Reply {
        let h: GetRouteInfoRequestHeader = req.decode_header()?;
        let mut route = self
            .routes
            .route(&h.topic)
            .ok_or_else(|| NamesrvError::TopicNotExist(h.topic.clone()))?;
        if self.config.read(|c| c.order_message_enable) {
            route.order_topic_conf = self.kv.get(ORDER_TOPIC_CONFIG, &h.topic);
        }
        let style = if req.version >= version::V4_9_4 || h.accept_standard_json_only == Some(true) {
            JsonStyle::Standard
        } else {
            JsonStyle::Legacy
        };
        let body = fastjson::to_vec(&route, style).map_err(NamesrvError::Encode)?;
        Ok(RemotingCommand::success().with_body(body))
    }

    /// GET_BROKER_MEMBER_GROUP (5.x brokers ask it about their own group).
    pub(super) fn member_group(&self, req: &RemotingCommand) -> Reply {
        let h: GetBrokerMemberGroupRequestHeader = req.decode_header()?;
        json(&GetBrokerMemberGroupResponseBody {
            broker_member_group: self.routes.member_group(&h.cluster_name, &h.broker_name),
        })
    }

    /// REGISTER_TOPIC_IN_NAMESRV: registers the body's queue data for the topic. SUCCESS
    /// even when nothing is registered (no body, or an unknown broker group), as in Java.
    pub(super) fn register_topic(&self, req: &RemotingCommand) -> Reply {
        let h: RegisterTopicRequestHeader = req.decode_header()?;
        let bytes = req.body.to_bytes();
        if !bytes.is_empty() {
            let route: TopicRouteData =
                fastjson::from_slice(&bytes).map_err(|source| NamesrvError::Body {
                    what: "TopicRouteData",
                    source,
                })?;
            if !self.routes.register_topic(&h.topic, &route.queue_datas) {
                tracing::warn!(topic = %h.topic, "register topic: no queues, or a broker group that is not registered");
            }
        }
        Ok(RemotingCommand::success())
    }

    pub(super) fn all_topics(&self) -> Reply {
        if !self.config.read(|c| c.enable_all_topic_list) {
            return Err(NamesrvError::Disabled);
        }
        json(&self.routes.all_topics())
    }

    pub(super) fn topics_by_cluster(&self, req: &RemotingCommand) -> Reply {
        let h: GetTopicsByClusterRequestHeader = req.decode_header()?;
        self.topic_lists_enabled()?;
        json(&self.routes.topics_of_cluster(&h.cluster))
    }

    pub(super) fn unit_topics(&self, filter: UnitFilter) -> Reply {
        self.topic_lists_enabled()?;
        json(&self.routes.unit_topics(filter))
    }

    fn topic_lists_enabled(&self) -> Result<(), NamesrvError> {
        if self.config.read(|c| c.enable_topic_list) {
            Ok(())
        } else {
            Err(NamesrvError::Disabled)
        }
    }

    pub(super) fn delete_topic(&self, req: &RemotingCommand) -> Reply {
        let h: DeleteTopicFromNamesrvRequestHeader = req.decode_header()?;
        let cluster = h.cluster_name.as_deref().filter(|c| !c.trim().is_empty());
        let removed = self.routes.delete_topic(&h.topic, cluster);
        tracing::info!(topic = %h.topic, ?cluster, removed, "topic deleted");
        Ok(RemotingCommand::success())
    }

    pub(super) fn write_perm(&self, req: &RemotingCommand, wipe: bool) -> Reply {
        let resp = RemotingCommand::success();
        if wipe {
            let h: WipeWritePermOfBrokerRequestHeader = req.decode_header()?;
            let count = self.routes.set_write_perm(&h.broker_name, true);
            Ok(resp.with_header(&WipeWritePermOfBrokerResponseHeader {
                wipe_topic_count: count,
            }))
        } else {
            let h: AddWritePermOfBrokerRequestHeader = req.decode_header()?;
            let count = self.routes.set_write_perm(&h.broker_name, false);
            Ok(resp.with_header(&AddWritePermOfBrokerResponseHeader {
                add_topic_count: count,
            }))
        }
    }
}
