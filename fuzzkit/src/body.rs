//! JSON bodies in fastjson's form (reference §4), read by [`fastjson::from_slice`] (serde,
//! then the lenient repair of bare keys), and the compressed REGISTER_BROKER body.

use std::io::Write;

use cometmq_broker::schedule::DelayOffsetSerializeWrapper;
use cometmq_remoting::body::client::{
    ConsumeMessageDirectlyResult, ConsumerListBody, ConsumerRunningInfo, GetConsumerStatusBody,
    GroupList, HeartbeatData, LockBatchRequestBody, LockBatchResponseBody, ResetOffsetBody,
};
use cometmq_remoting::body::{
    fastjson, ClusterInfo, ConsumeStats, ConsumerConnection, ConsumerOffsetWrapper, DataVersion,
    JsonStyle, KvTable, ProducerConnection, QueryConsumeTimeSpanBody, RegisterBrokerBody,
    SubscriptionGroupConfig, SubscriptionGroupWrapper, TopicConfigSerializeWrapper, TopicList,
    TopicRouteData, TopicStatsTable,
};
use cometmq_remoting::code::version;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Reads `data` as a `T`; a value that reads is written in both styles, and each writing
/// reads back to a value that writes the same text.
pub(crate) fn json<T: DeserializeOwned + Serialize>(data: &[u8]) {
    let Ok(value) = fastjson::from_slice::<T>(data) else {
        return;
    };
    for style in [JsonStyle::Legacy, JsonStyle::Standard] {
        round_trip(&value, style);
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(value: &T, style: JsonStyle) {
    let text = match fastjson::to_vec(value, style) {
        Ok(t) => t,
        Err(e) => panic!("a body that reads cannot be written ({style:?}): {e}"),
    };
    let back = match fastjson::from_slice::<T>(&text) {
        Ok(b) => b,
        Err(e) => panic!(
            "our own {style:?} body does not read back ({e}): {}",
            String::from_utf8_lossy(&text)
        ),
    };
    match fastjson::to_vec(&back, style) {
        Ok(again) => assert!(
            again == text,
            "a {style:?} body changed on a round trip: {} became {}",
            String::from_utf8_lossy(&text),
            String::from_utf8_lossy(&again)
        ),
        Err(e) => panic!("a body read back cannot be written ({style:?}): {e}"),
    }
}

macro_rules! json_targets {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(data: &[u8]) {
                json::<$ty>(data);
            }
        )*
    };
}

json_targets! {
    /// GET_ROUTEINFO_BY_TOPIC's answer (legacy and standard forms).
    topic_route_data: TopicRouteData;
    /// GET_BROKER_CLUSTER_INFO's answer.
    cluster_info: ClusterInfo;
    /// `topics.json`, GET_ALL_TOPIC_CONFIG (a slave's metadata sync).
    topic_config_wrapper: TopicConfigSerializeWrapper;
    /// UPDATE_AND_CREATE_SUBSCRIPTIONGROUP's body.
    subscription_group_config: SubscriptionGroupConfig;
    /// `subscriptionGroup.json`, GET_ALL_SUBSCRIPTIONGROUP_CONFIG.
    subscription_group_wrapper: SubscriptionGroupWrapper;
    /// `consumerOffset.json`, GET_ALL_CONSUMER_OFFSET.
    consumer_offsets: ConsumerOffsetWrapper;
    /// `delayOffset.json`, GET_ALL_DELAY_OFFSET.
    delay_offsets: DelayOffsetSerializeWrapper;
    /// QUERY_DATA_VERSION's body (NameServer).
    data_version: DataVersion;
    /// HEART_BEAT's body (broker).
    heartbeat: HeartbeatData;
    /// LOCK_BATCH_MQ and UNLOCK_BATCH_MQ bodies (broker).
    lock_batch_request: LockBatchRequestBody;
    /// LOCK_BATCH_MQ's answer (client).
    lock_batch_response: LockBatchResponseBody;
    /// GET_CONSUMER_RUNNING_INFO's answer.
    consumer_running_info: ConsumerRunningInfo;
    /// CONSUME_MESSAGE_DIRECTLY's answer.
    consume_message_directly_result: ConsumeMessageDirectlyResult;
    /// RESET_CONSUMER_CLIENT_OFFSET and INVOKE_BROKER_TO_RESET_OFFSET bodies.
    reset_offset: ResetOffsetBody;
    /// GET_CONSUMER_STATUS_FROM_CLIENT's answer.
    get_consumer_status: GetConsumerStatusBody;
    /// QUERY_CONSUME_TIME_SPAN's answer.
    query_consume_time_span: QueryConsumeTimeSpanBody;
    /// GET_CONSUME_STATS's answer.
    consume_stats: ConsumeStats;
    /// GET_TOPIC_STATS_INFO's answer.
    topic_stats_table: TopicStatsTable;
    /// KV config tables (GET_KVLIST_BY_NAMESPACE).
    kv_table: KvTable;
}

/// GET_CONSUMER_CONNECTION_LIST and GET_PRODUCER_CONNECTION_LIST answers.
pub fn connections(data: &[u8]) {
    json::<ConsumerConnection>(data);
    json::<ProducerConnection>(data);
}

/// The list bodies: topic lists, group lists, consumer id lists.
pub fn lists(data: &[u8]) {
    json::<TopicList>(data);
    json::<GroupList>(data);
    json::<ConsumerListBody>(data);
}

/// The broker version a REGISTER_BROKER input claims: its first byte picks one of the
/// versions that change the body's layout.
fn split_version(data: &[u8]) -> (i32, &[u8]) {
    match data.split_first() {
        Some((v, rest)) => {
            let v = [version::V3_0_11 - 1, version::V4_9_4, version::V5_0_0][usize::from(*v) % 3];
            (v, rest)
        }
        None => (version::V4_9_4, data),
    }
}

/// REGISTER_BROKER's JSON body (a bare topic wrapper before V3_0_11).
pub fn register_broker(data: &[u8]) {
    let (v, body) = split_version(data);
    if let Ok(b) = RegisterBrokerBody::decode(body, false, v) {
        round_trip(&b, JsonStyle::Legacy);
        let compressed = b.encode(true);
        assert!(compressed.is_ok(), "cannot compress a body that reads");
    }
}

/// REGISTER_BROKER's zlib-compressed body: the input as the compressed stream, and the
/// input as the inflated layout (compressed here first, so the fuzzer works on the layout).
pub fn register_broker_compressed(data: &[u8]) {
    let (v, body) = split_version(data);
    let _ = RegisterBrokerBody::decode(body, true, v);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    if z.write_all(body).is_err() {
        return;
    }
    let Ok(deflated) = z.finish() else {
        return;
    };
    if let Ok(b) = RegisterBrokerBody::decode(&deflated, true, v) {
        match b.encode(true) {
            Ok(again) => match RegisterBrokerBody::decode(&again, true, v) {
                Ok(back) => assert_eq!(
                    back.topic_config_serialize_wrapper.topic_config_table,
                    b.topic_config_serialize_wrapper.topic_config_table,
                    "compressed topics changed on a round trip"
                ),
                Err(e) => panic!("our own compressed body does not read back: {e}"),
            },
            Err(e) => panic!("cannot compress a body that reads: {e}"),
        }
    }
}
