//! A message as the pages show it: ids, queue, times, hosts, properties, and the body as
//! hex (the page decodes it to text, pretty JSON or a hex dump).

use cometmq_client::admin::time::human;
use cometmq_client::MessageExt;
use serde_json::{json, Map, Value};

/// Body bytes sent to the page at most; the rest is cut and `bodyTruncated` set.
pub const MAX_BODY_SHOWN: usize = 256 * 1024;

/// The JSON of one message.
pub fn message(m: &MessageExt) -> Value {
    let props: Map<String, Value> = m
        .properties
        .iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
        .collect();
    let shown = &m.body[..m.body.len().min(MAX_BODY_SHOWN)];
    json!({
        "msgId": m.msg_id(),
        "offsetMsgId": m.offset_msg_id(),
        "topic": m.topic,
        "brokerName": &*m.broker_name,
        "queueId": m.queue_id,
        "queueOffset": m.queue_offset,
        "tags": m.tags(),
        "keys": m.keys(),
        "bornTimestamp": m.born_timestamp,
        "bornTime": human(m.born_timestamp),
        "storeTimestamp": m.store_timestamp,
        "storeTime": human(m.store_timestamp),
        "bornHost": m.born_host.to_string(),
        "storeHost": m.store_host.to_string(),
        "reconsumeTimes": m.reconsume_times,
        "bodySize": m.body.len(),
        "bodyHex": hex::encode(shown),
        "bodyTruncated": shown.len() < m.body.len(),
        "properties": props,
    })
}
