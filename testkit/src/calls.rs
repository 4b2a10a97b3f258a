//! Raw requests to a [`Cluster`]'s broker through its client, as a RocketMQ 4.x client
//! sends them (built by [`crate::request`]); each waits for the answer and panics when
//! none comes.

use std::time::Duration;

use cometmq_remoting::body::client::{ConsumerData, HeartbeatData, SubscriptionData};
use cometmq_remoting::body::{fastjson, TopicRouteData};
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    ConsumerSendMsgBackRequestHeader, PullMessageRequestHeader, PullMessageResponseHeader,
    SendMessageRequestHeaderV2,
};
use cometmq_remoting::message::StoredRecord;
use cometmq_remoting::RemotingCommand;

use crate::cluster::Cluster;
use crate::request::{messages, props, pull_header, send_header};

/// How long one request may take.
pub const T: Duration = Duration::from_secs(10);

impl Cluster {
    /// Sends a request to the broker.
    pub async fn call(&self, req: RemotingCommand) -> RemotingCommand {
        self.call_within(req, T).await
    }

    /// Sends a request to the broker and waits up to `limit` for the answer.
    pub async fn call_within(&self, req: RemotingCommand, limit: Duration) -> RemotingCommand {
        match self.client.invoke(&self.broker_addr, req, limit).await {
            Ok(resp) => resp,
            Err(e) => panic!("no answer from the broker {}: {e}", self.broker_addr),
        }
    }

    /// Sends one message with SEND_MESSAGE_V2 (producer group `PG`); returns the answer.
    pub async fn send(
        &self,
        topic: &str,
        queue_id: i32,
        tags: Option<&str>,
        keys: Option<&str>,
        body: &[u8],
    ) -> RemotingCommand {
        self.send_with(topic, queue_id, tags, keys, body, |_| {})
            .await
    }

    /// Like [`Self::send`], with a chance to edit the header.
    pub async fn send_with(
        &self,
        topic: &str,
        queue_id: i32,
        tags: Option<&str>,
        keys: Option<&str>,
        body: &[u8],
        edit: impl FnOnce(&mut SendMessageRequestHeaderV2),
    ) -> RemotingCommand {
        let mut h = SendMessageRequestHeaderV2 {
            born_timestamp: 1,
            ..send_header("PG", topic, queue_id, &props(tags, keys))
        };
        edit(&mut h);
        self.call(crate::request::send(&h, body)).await
    }

    /// Sends a consumed message back for retry (CONSUMER_SEND_MSG_BACK).
    pub async fn send_back(&self, back: &ConsumerSendMsgBackRequestHeader) -> RemotingCommand {
        self.call(RemotingCommand::request_with_header(
            request::CONSUMER_SEND_MSG_BACK,
            back,
        ))
        .await
    }

    /// Registers a consumer group subscription by heartbeat on the client's connection.
    pub async fn heartbeat(&self, group: &str, topic: &str, expression: &str) -> RemotingCommand {
        let hb = HeartbeatData {
            client_id: format!("127.0.0.1@{group}"),
            consumer_data_set: vec![ConsumerData {
                group_name: group.into(),
                subscription_data_set: vec![SubscriptionData::for_tags(topic, expression, 1)],
                ..Default::default()
            }],
            ..Default::default()
        };
        self.call(crate::request::heartbeat(&hb)).await
    }

    /// Pulls with an explicit subscription (SUBSCRIPTION flag); `suspend_ms` > 0 allows
    /// long polling.
    pub async fn pull(
        &self,
        group: &str,
        topic: &str,
        queue_id: i32,
        offset: i64,
        expression: &str,
        suspend_ms: i64,
    ) -> RemotingCommand {
        let mut h = pull_header(group, topic, queue_id, offset, expression);
        if suspend_ms > 0 {
            h.sys_flag |= PullMessageRequestHeader::FLAG_SUSPEND;
            h.suspend_timeout_millis = suspend_ms;
        }
        let req = RemotingCommand::request_with_header(request::PULL_MESSAGE, &h);
        let limit = T + Duration::from_millis(suspend_ms.max(0) as u64);
        self.call_within(req, limit).await
    }

    /// Pulls (with long polling) from `from` until the queue's next offset reaches `until`,
    /// collecting the messages that pass `expression`.
    pub async fn pull_until(
        &self,
        group: &str,
        topic: &str,
        queue_id: i32,
        from: i64,
        expression: &str,
        until: i64,
    ) -> Vec<StoredRecord> {
        let mut offset = from;
        let mut out = Vec::new();
        for _ in 0..1000 {
            if offset >= until {
                break;
            }
            let resp = self
                .pull(group, topic, queue_id, offset, expression, 5_000)
                .await;
            let h: PullMessageResponseHeader =
                resp.decode_header().expect("a pull answer's header");
            if resp.code == response::SUCCESS {
                out.extend(messages(&resp));
            }
            offset = h.next_begin_offset.max(offset);
        }
        out
    }

    /// Commits `offset` for consumer `group` on queue `queue_id` of `topic`
    /// (UPDATE_CONSUMER_OFFSET), asserting SUCCESS.
    pub async fn commit_offset(&self, group: &str, topic: &str, queue_id: i32, offset: i64) {
        let req = crate::request::commit_offset(group, topic, queue_id, offset);
        let resp = self.call(req).await;
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
    }

    /// Asks the NameServer for the route of `topic` (GET_ROUTEINFO_BY_TOPIC).
    pub async fn route(&self, topic: &str) -> RemotingCommand {
        match self
            .client
            .invoke(&self.namesrv_addr, crate::request::route(topic), T)
            .await
        {
            Ok(resp) => resp,
            Err(e) => panic!("no answer from the NameServer {}: {e}", self.namesrv_addr),
        }
    }

    /// Asks the NameServer until the route of `topic` exists (the broker registers in the
    /// background), and returns it.
    pub async fn wait_for_route(&self, topic: &str) -> TopicRouteData {
        crate::wait::eventually(&format!("a route for {topic}"), || async {
            let resp = self.route(topic).await;
            (resp.code == response::SUCCESS)
                .then(|| fastjson::from_slice(&resp.body.to_bytes()).expect("a route body"))
        })
        .await
    }

    /// The queue's max offset (GET_MAX_OFFSET), −1 when the answer has none.
    pub async fn max_offset(&self, topic: &str, queue_id: i32) -> i64 {
        crate::wait::max_offset(&self.client, &self.broker_addr, topic, queue_id).await
    }

    /// Waits until the queue's max offset reaches `at_least`, and returns it
    /// ([`crate::wait::wait_max_offset`]).
    pub async fn wait_max_offset(&self, topic: &str, queue_id: i32, at_least: i64) -> i64 {
        crate::wait::wait_max_offset(&self.client, &self.broker_addr, topic, queue_id, at_least)
            .await
    }
}
