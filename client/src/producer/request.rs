//! [`Producer::request`]: send a message and wait for its reply (Java
//! `DefaultMQProducer.request`, RocketMQ 4.6+).

use std::time::{Duration, Instant};

use cometmq_remoting::message::property;

use super::Producer;
use crate::error::{ClientError, Result};
use crate::message::{Message, MessageExt};

/// A random correlation id in Java's form (`UUID.randomUUID()`).
fn correlation_id() -> String {
    let b: [u8; 16] = rand::random();
    let h = hex(&b);
    format!(
        "{}-{}-4{}-{:x}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        8 | (b[8] & 0x3),
        &h[17..20],
        &h[20..32]
    )
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

impl Producer {
    /// Sends `msg` as a request and waits up to `timeout` for the reply a consumer sends
    /// with [`create_reply_message`](crate::message::create_reply_message). The broker
    /// pushes the reply to this client, so the broker must know it: the first request to
    /// a topic fetches its route and sends a heartbeat first, as Java does.
    pub async fn request(&self, mut msg: Message, timeout: Duration) -> Result<MessageExt> {
        self.check_started()?;
        let begin = Instant::now();
        let id = correlation_id();
        let instance = self.instance().clone();
        msg.properties.insert(property::CORRELATION_ID, id.clone());
        msg.properties
            .insert(property::REPLY_TO_CLIENT, instance.client_id().to_owned());
        msg.properties
            .insert(property::TTL, timeout.as_millis().to_string());
        if instance.cached_route(&msg.topic).is_none() {
            instance.update_topic_route(&msg.topic).await?;
            instance.send_heartbeat_to_all_brokers().await;
        }
        let topic = msg.topic.clone();
        let reply = instance.replies.register(&id);
        let sent = self.send(msg).await;
        if let Err(e) = sent {
            instance.replies.cancel(&id);
            return Err(ClientError::State(format!(
                "send request message to <{topic}> fail: {e}"
            )));
        }
        let left = timeout.saturating_sub(begin.elapsed());
        match tokio::time::timeout(left, reply).await {
            Ok(Ok(m)) => Ok(m),
            _ => {
                instance.replies.cancel(&id);
                Err(ClientError::State(format!(
                    "send request message to <{topic}> OK, but wait reply message timeout, {} ms.",
                    timeout.as_millis()
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn correlation_ids_look_like_uuids() {
        let a = super::correlation_id();
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert_ne!(a, super::correlation_id());
    }
}
