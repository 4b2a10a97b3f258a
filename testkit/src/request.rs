//! Raw remoting requests the tests send to a broker or NameServer without a client: the
//! headers are filled as a RocketMQ 4.x client fills them, and callers change what their
//! case needs with struct update syntax (`Header { field, ..send_header(..) }`).

use bytes::Bytes;
use cometmq_remoting::body::client::HeartbeatData;
use cometmq_remoting::body::{fastjson, SubscriptionGroupConfig};
use cometmq_remoting::code::request;
use cometmq_remoting::header::{
    CreateTopicRequestHeader, GetRouteInfoRequestHeader, PullMessageRequestHeader,
    SendMessageRequestHeaderV2, TopicFilterType, UpdateConsumerOffsetRequestHeader,
};
use cometmq_remoting::message::{create_uniq_key, decode_records, Properties, StoredRecord};
use cometmq_remoting::RemotingCommand;

/// UPDATE_AND_CREATE_TOPIC for `topic` with `queues` read and write queues, read-write,
/// from the TBW102 template, as mqadmin's updateTopic sends it.
pub fn create_topic(topic: &str, queues: i32) -> RemotingCommand {
    RemotingCommand::request_with_header(
        request::UPDATE_AND_CREATE_TOPIC,
        &CreateTopicRequestHeader {
            topic: topic.into(),
            default_topic: "TBW102".into(),
            read_queue_nums: queues,
            write_queue_nums: queues,
            perm: 6,
            topic_filter_type: TopicFilterType::SingleTag,
            topic_sys_flag: Some(0),
            order: false,
            attributes: None,
            force: None,
        },
    )
}

/// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP for `group` with Java's defaults, as mqadmin's
/// updateSubGroup sends it. A 5.x broker refuses offsets of a group it does not know.
pub fn create_group(group: &str) -> RemotingCommand {
    let g = SubscriptionGroupConfig::new(group);
    let body = fastjson::to_vec(&g, fastjson::JsonStyle::Legacy).unwrap_or_default();
    RemotingCommand::request(request::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP).with_body(body)
}

/// GET_ROUTEINFO_BY_TOPIC for `topic`, without `acceptStandardJsonOnly`.
pub fn route(topic: &str) -> RemotingCommand {
    RemotingCommand::request_with_header(
        request::GET_ROUTEINFO_BY_TOPIC,
        &GetRouteInfoRequestHeader {
            topic: topic.into(),
            accept_standard_json_only: None,
        },
    )
}

/// A queue offset query (`code` is GET_MAX_OFFSET, GET_MIN_OFFSET, …) for one queue.
pub fn queue_offset(code: i32, topic: &str, queue_id: i32) -> RemotingCommand {
    let mut req = RemotingCommand::request(code);
    req.ext_fields.insert("topic".into(), topic.into());
    req.ext_fields
        .insert("queueId".into(), queue_id.to_string());
    req
}

/// The `offset` field of a [`queue_offset`] answer, or −1 when it has none.
pub fn offset_of(resp: &RemotingCommand) -> i64 {
    resp.ext("offset")
        .and_then(|s| s.parse().ok())
        .unwrap_or(-1)
}

/// A SEND_MESSAGE_V2 header for one queue with `props` encoded, auto-creating the topic
/// from TBW102 with 4 queues; every other field is its default.
pub fn send_header(
    group: &str,
    topic: &str,
    queue_id: i32,
    props: &Properties,
) -> SendMessageRequestHeaderV2 {
    SendMessageRequestHeaderV2 {
        producer_group: group.into(),
        topic: topic.into(),
        default_topic: "TBW102".into(),
        default_topic_queue_nums: 4,
        queue_id,
        properties: Some(props.encode()),
        ..Default::default()
    }
}

/// A PULL_MESSAGE header of a consumer passing its TAG subscription `expression`: up to
/// 32 messages from `offset`, no long polling, no offset commit.
pub fn pull_header(
    group: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
    expression: &str,
) -> PullMessageRequestHeader {
    PullMessageRequestHeader {
        consumer_group: group.into(),
        topic: topic.into(),
        queue_id,
        queue_offset: offset,
        max_msg_nums: 32,
        sys_flag: PullMessageRequestHeader::FLAG_SUBSCRIPTION,
        commit_offset: 0,
        suspend_timeout_millis: 0,
        subscription: Some(expression.into()),
        sub_version: 0,
        expression_type: Some("TAG".into()),
        max_msg_bytes: None,
    }
}

/// HEART_BEAT with `hb` in the legacy (fastjson) JSON a 4.x client sends.
pub fn heartbeat(hb: &HeartbeatData) -> RemotingCommand {
    let body = fastjson::to_vec(hb, fastjson::JsonStyle::Legacy).expect("heartbeat JSON");
    RemotingCommand::request(request::HEART_BEAT).with_body(body)
}

/// UPDATE_CONSUMER_OFFSET: commits `offset` for consumer `group` on queue `queue_id` of
/// `topic`.
pub fn commit_offset(group: &str, topic: &str, queue_id: i32, offset: i64) -> RemotingCommand {
    RemotingCommand::request_with_header(
        request::UPDATE_CONSUMER_OFFSET,
        &UpdateConsumerOffsetRequestHeader {
            consumer_group: group.into(),
            topic: topic.into(),
            queue_id,
            commit_offset: offset,
        },
    )
}

/// Message properties with a fresh `UNIQ_KEY` (as every client sets it) and, when given,
/// `TAGS` and `KEYS`.
pub fn props(tags: Option<&str>, keys: Option<&str>) -> Properties {
    let mut props = Properties::new();
    if let Some(t) = tags {
        props.insert("TAGS", t);
    }
    if let Some(k) = keys {
        props.insert("KEYS", k);
    }
    props.insert("UNIQ_KEY", create_uniq_key());
    props
}

/// SEND_MESSAGE_V2 with `header` and `body`.
pub fn send(header: &SendMessageRequestHeaderV2, body: &[u8]) -> RemotingCommand {
    RemotingCommand::request_with_header(request::SEND_MESSAGE_V2, header)
        .with_body(Bytes::copy_from_slice(body))
}

/// The messages of a pull or query answer's body; panics on a record that does not
/// decode.
pub fn messages(resp: &RemotingCommand) -> Vec<StoredRecord> {
    decode_records(resp.body.to_bytes())
        .map(|m| m.expect("a decodable record"))
        .collect()
}
