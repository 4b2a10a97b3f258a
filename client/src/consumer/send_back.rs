//! Sending a failed message back for redelivery (reference §8): CONSUMER_SEND_MSG_BACK to
//! the broker the message came from, or, if that fails, a plain send of a copy to the
//! group's retry topic (Java `DefaultMQPushConsumerImpl.sendMessageBack`).

use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::ConsumerSendMsgBackRequestHeader;
use cometmq_remoting::message::property;
use cometmq_remoting::RemotingCommand;

use super::broker_ops::master_addr;
use super::settings::retry_topic;
use crate::error::{ClientError, Result};
use crate::instance::ClientInstance;
use crate::message::{Message, MessageExt, MessageQueue};
use crate::producer::Producer;

/// Asks the broker to store `msg` in `group`'s retry topic (or its DLQ): CONSUMER_SEND_MSG_BACK
/// with `delay_level` (0: the broker picks 3 + reconsume times).
pub(crate) async fn send_back_to_broker(
    instance: &ClientInstance,
    group: &str,
    msg: &MessageExt,
    delay_level: i32,
    max_reconsume_times: i32,
) -> Result<()> {
    let mq = MessageQueue::new(msg.topic.clone(), &*msg.broker_name, msg.queue_id);
    let addr = match master_addr(instance, &mq).await {
        Ok(a) => a,
        Err(_) => msg.store_host.to_string(),
    };
    let header = ConsumerSendMsgBackRequestHeader {
        offset: msg.commit_log_offset,
        group: group.to_owned(),
        delay_level,
        origin_msg_id: Some(msg.msg_id().into_owned()),
        origin_topic: Some(msg.topic.clone()),
        unit_mode: Some(false),
        max_reconsume_times: Some(max_reconsume_times),
    };
    let code = request::CONSUMER_SEND_MSG_BACK;
    let req = RemotingCommand::request_with_header(code, &header);
    let resp = instance
        .remoting()
        .invoke(&addr, req, instance.config().request_timeout)
        .await
        .map_err(|e| ClientError::remoting(code, &addr, e))?;
    if resp.code != response::SUCCESS {
        return Err(ClientError::response(code, &addr, &resp));
    }
    Ok(())
}

/// The copy of `msg` a client sends to `group`'s retry topic itself: same body, flag and
/// properties, plus `RETRY_TOPIC`, `RECONSUME_TIME`, `MAX_RECONSUME_TIMES`,
/// `ORIGIN_MESSAGE_ID`, and delay level 3 + reconsume times.
pub(crate) fn retry_copy(group: &str, msg: &MessageExt, max_reconsume_times: i32) -> Message {
    let mut m = Message::new(retry_topic(group), msg.body.clone());
    m.flag = msg.flag;
    m.properties = msg.properties.clone();
    if m.properties.get(property::ORIGIN_MESSAGE_ID).is_none() {
        m.properties
            .insert(property::ORIGIN_MESSAGE_ID, msg.msg_id().into_owned());
    }
    m.properties
        .insert(property::RETRY_TOPIC, msg.topic.clone());
    m.properties.insert(
        property::RECONSUME_TIME,
        (msg.reconsume_times + 1).to_string(),
    );
    m.properties.insert(
        property::MAX_RECONSUME_TIMES,
        max_reconsume_times.to_string(),
    );
    m.properties.remove(property::TRAN_MSG);
    m.properties
        .insert(property::DELAY, (3 + msg.reconsume_times).to_string());
    m
}

/// Sends `msg` back: to the broker first, with `delay_level` (0: the broker picks 3 +
/// reconsume times), else as a copy through `producer`.
pub(crate) async fn send_back(
    instance: &ClientInstance,
    producer: &Producer,
    group: &str,
    msg: &MessageExt,
    delay_level: i32,
    max_reconsume_times: i32,
) -> Result<()> {
    match send_back_to_broker(instance, group, msg, delay_level, max_reconsume_times).await {
        Ok(()) => Ok(()),
        Err(e) => {
            tracing::warn!(%group, msg_id = %msg.msg_id(), error = %e, "send-back failed, sending to the retry topic");
            producer
                .send(retry_copy(group, msg, max_reconsume_times))
                .await
                .map(|_| ())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consumer::process_queue::tests::msg;

    #[test]
    fn retry_copies_carry_the_retry_properties() {
        let mut m = msg(3);
        m.record_mut().reconsume_times = 2;
        m.record_mut().properties.insert(property::TAGS, "A");
        m.record_mut().properties.insert(property::TRAN_MSG, "true");
        let c = retry_copy("G", &m, 16);
        assert_eq!(c.topic, "%RETRY%G");
        assert_eq!(c.body, m.body);
        assert_eq!(c.property(property::RETRY_TOPIC), Some("T"));
        assert_eq!(c.property(property::RECONSUME_TIME), Some("3"));
        assert_eq!(c.property(property::MAX_RECONSUME_TIMES), Some("16"));
        assert_eq!(c.property(property::DELAY), Some("5"));
        assert_eq!(c.property(property::TAGS), Some("A"));
        assert_eq!(c.property(property::TRAN_MSG), None);
        assert_eq!(
            c.property(property::ORIGIN_MESSAGE_ID),
            Some(m.offset_msg_id().as_str())
        );
    }
}
