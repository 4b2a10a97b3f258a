//! What a request touches: the topics and groups each request code needs, and with which
//! permission (Java 4.9.8's `PlainAccessValidator.parse`). Groups are named by their retry
//! topic (`%RETRY%<group>`), as the rules keep them.

use cometmq_remoting::body::client::HeartbeatData;
use cometmq_remoting::body::fastjson;
use cometmq_remoting::code::request as code;
use cometmq_remoting::RemotingCommand;

use super::permission::{PUB, SUB};
use super::rules::RETRY_PREFIX;

fn retry(group: Option<&str>) -> Option<String> {
    group.map(|g| format!("{RETRY_PREFIX}{g}"))
}

/// The resources `req` needs; an error (a heartbeat body that does not parse) refuses
/// the request, as Java's parse does.
pub fn needed(req: &RemotingCommand) -> Result<Vec<(String, u8)>, String> {
    let f = |k: &str| req.ext_fields.get(k);
    let mut out: Vec<(Option<String>, u8)> = Vec::new();
    match req.code {
        code::SEND_MESSAGE => out.push(send(f("topic"), f("group"))),
        // SEND_BATCH_MESSAGE carries the V2 header; Java checks no resource for it
        // (docs/COMPATIBILITY.md).
        code::SEND_MESSAGE_V2 | code::SEND_BATCH_MESSAGE => out.push(send(f("b"), f("a"))),
        code::CONSUMER_SEND_MSG_BACK => out.push((retry(f("group")), SUB)),
        // LITE_PULL_MESSAGE is a pull (Java 4.9 has no such code).
        code::PULL_MESSAGE | code::LITE_PULL_MESSAGE => {
            out.push((f("topic").map(str::to_owned), SUB));
            out.push((retry(f("consumerGroup")), SUB));
        }
        // POP (RocketMQ 5): the topic (unless it is the group's pop retry topic) and the
        // group, both SUB.
        code::POP_MESSAGE
        | code::PEEK_MESSAGE
        | code::ACK_MESSAGE
        | code::CHANGE_MESSAGE_INVISIBLETIME
        | code::NOTIFICATION
        | code::POLLING_INFO => {
            if let Some(t) = f("topic").filter(|t| !t.starts_with(RETRY_PREFIX)) {
                out.push((Some(t.to_owned()), SUB));
            }
            out.push((retry(f("consumerGroup")), SUB));
        }
        code::QUERY_MESSAGE => out.push((f("topic").map(str::to_owned), SUB)),
        code::HEART_BEAT => {
            let data: HeartbeatData =
                fastjson::from_slice(&req.body.to_bytes()).map_err(|e| e.to_string())?;
            for c in &data.consumer_data_set {
                out.push((retry(Some(&c.group_name)), SUB));
                for s in &c.subscription_data_set {
                    out.push((Some(s.topic.clone()), SUB));
                }
            }
        }
        code::UNREGISTER_CLIENT | code::GET_CONSUMER_LIST_BY_GROUP => {
            out.push((retry(f("consumerGroup")), SUB));
        }
        code::UPDATE_CONSUMER_OFFSET => {
            out.push((retry(f("consumerGroup")), SUB));
            out.push((f("topic").map(str::to_owned), SUB));
        }
        _ => {}
    }
    Ok(out
        .into_iter()
        .filter_map(|(r, p)| r.map(|r| (r, p)))
        .collect())
}

/// A send to a retry topic needs SUB on the group; any other send PUB on the topic.
fn send(topic: Option<&str>, group: Option<&str>) -> (Option<String>, u8) {
    match topic {
        Some(t) if t.starts_with(RETRY_PREFIX) => (retry(group), SUB),
        t => (t.map(str::to_owned), PUB),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(code: i32, fields: &[(&str, &str)]) -> RemotingCommand {
        let mut r = RemotingCommand::request(code);
        for (k, v) in fields {
            r.ext_fields.set(k, v);
        }
        r
    }

    #[test]
    fn pops_need_the_topic_and_the_group() {
        let pop = req(code::POP_MESSAGE, &[("topic", "T"), ("consumerGroup", "G")]);
        assert_eq!(
            needed(&pop).ok(),
            Some(vec![("T".to_string(), SUB), ("%RETRY%G".to_string(), SUB)])
        );
        // An ack of a message popped from the group's pop retry topic: the group only.
        let ack = req(
            code::ACK_MESSAGE,
            &[("topic", "%RETRY%G_T"), ("consumerGroup", "G")],
        );
        assert_eq!(needed(&ack).ok(), Some(vec![("%RETRY%G".to_string(), SUB)]));
    }
}
