//! Subscription groups: updateSubGroup, deleteSubGroup.

use std::collections::BTreeMap;

use cometmq_remoting::body::{
    fastjson, JsonStyle, SubscriptionGroupConfig, SubscriptionGroupWrapper,
};
use cometmq_remoting::code::request;
use cometmq_remoting::header::DeleteSubscriptionGroupRequestHeader;
use cometmq_remoting::RemotingCommand;

use super::{decode, Admin, BrokerTarget, DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX};
use crate::error::{ClientError, Result};

impl Admin {
    /// Creates or updates a subscription group on the brokers of `target`
    /// (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP); returns the addresses updated.
    pub async fn create_subscription_group(
        &self,
        target: &BrokerTarget,
        config: &SubscriptionGroupConfig,
    ) -> Result<Vec<String>> {
        if config.group_name.trim().is_empty() {
            return Err(ClientError::invalid("group", "the group name is empty"));
        }
        let code = request::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP;
        let body = fastjson::to_vec(config, JsonStyle::Legacy)
            .map_err(|e| ClientError::invalid("group", e.to_string()))?;
        let addrs = self.target_addrs(target).await?;
        for addr in &addrs {
            let req = RemotingCommand::request(code).with_body(body.clone());
            self.call(addr, req).await?;
        }
        Ok(addrs)
    }

    /// Sets how `group` consumes `topic` on the brokers of `target`
    /// (SET_MESSAGE_REQUEST_MODE, mqadmin setConsumeMode): PULL, or POP with
    /// `pop_share_queue_num`. Returns the addresses.
    pub async fn set_message_request_mode(
        &self,
        target: &BrokerTarget,
        mode: &cometmq_remoting::body::pop::SetMessageRequestModeRequestBody,
    ) -> Result<Vec<String>> {
        let code = request::SET_MESSAGE_REQUEST_MODE;
        let body = fastjson::to_vec(mode, JsonStyle::Legacy)
            .map_err(|e| ClientError::invalid("mode", e.to_string()))?;
        let addrs = self.target_addrs(target).await?;
        for addr in &addrs {
            let req = RemotingCommand::request(code).with_body(body.clone());
            self.call(addr, req).await?;
        }
        Ok(addrs)
    }

    /// Deletes a subscription group from the brokers of `target` (DELETE_SUBSCRIPTIONGROUP),
    /// with its offsets if `clean_offset`. For a whole cluster the group's retry and
    /// dead-letter topics are deleted too, as Java's tool does. Returns the addresses.
    pub async fn delete_subscription_group(
        &self,
        target: &BrokerTarget,
        group: &str,
        clean_offset: bool,
    ) -> Result<Vec<String>> {
        let header = DeleteSubscriptionGroupRequestHeader {
            group_name: group.to_owned(),
            clean_offset: Some(clean_offset),
        };
        let addrs = self.target_addrs(target).await?;
        for addr in &addrs {
            let req =
                RemotingCommand::request_with_header(request::DELETE_SUBSCRIPTIONGROUP, &header);
            self.call(addr, req).await?;
        }
        if let BrokerTarget::Cluster(cluster) = target {
            for prefix in [RETRY_GROUP_TOPIC_PREFIX, DLQ_GROUP_TOPIC_PREFIX] {
                let topic = format!("{prefix}{group}");
                if let Err(e) = self.delete_topic(&topic, cluster).await {
                    tracing::warn!(%topic, error = %e, "cannot delete the group's topic");
                }
            }
        }
        Ok(addrs)
    }

    /// Every subscription group of the brokers of `target`
    /// (GET_ALL_SUBSCRIPTIONGROUP_CONFIG), merged by name.
    pub async fn subscription_groups(
        &self,
        target: &BrokerTarget,
    ) -> Result<BTreeMap<String, SubscriptionGroupConfig>> {
        let code = request::GET_ALL_SUBSCRIPTIONGROUP_CONFIG;
        let mut out = BTreeMap::new();
        for addr in self.target_addrs(target).await? {
            let resp = self.call(&addr, RemotingCommand::request(code)).await?;
            let wrapper: SubscriptionGroupWrapper = decode(code, &addr, &resp)?;
            out.extend(wrapper.subscription_group_table);
        }
        Ok(out)
    }
}
