//! Message commands: queryMsgById, queryMsgByKey, queryMsgByUniqueKey, queryMsgByOffset,
//! printMsg, sendMessage, consumeMessage.

use clap::Args;
use cometmq_client::admin::time::parse_timestamp;
use cometmq_client::admin::Admin;
use cometmq_client::admin::ReadSpec;
use cometmq_client::message::{MessageExt, MessageQueue};
use cometmq_client::{ClientError, Result};
use serde_json::json;

use crate::output::{message_detail, message_table, table, MessageView, Report};

/// A timestamp argument: `now`, epoch ms, or `yyyy-MM-dd#HH:mm:ss:SSS` (UTC).
pub fn timestamp(s: &str) -> std::result::Result<i64, String> {
    parse_timestamp(s)
        .ok_or_else(|| format!("{s:?} is not now, epoch ms or yyyy-MM-dd#HH:mm:ss:SSS"))
}

/// Show messages by offset id (or unique key).
#[derive(Args, Debug)]
pub struct QueryMsgById {
    /// Message id(s), comma separated.
    #[arg(short = 'i', long = "msgId")]
    ids: String,
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Body format (accepted for compatibility; bodies print as UTF-8).
    #[arg(short = 'f', long = "bodyFormat")]
    _format: Option<String>,
    /// Cluster (accepted for compatibility).
    #[arg(short = 'c', long = "cluster")]
    _cluster: Option<String>,
}

/// Search messages by KEYS.
#[derive(Args, Debug)]
pub struct QueryMsgByKey {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Key.
    #[arg(short = 'k', long = "msgKey")]
    key: String,
    /// Stored at or after (ms, or yyyy-MM-dd#HH:mm:ss:SSS).
    #[arg(short = 'b', long = "beginTimestamp", value_parser = timestamp)]
    begin: Option<i64>,
    /// Stored before.
    #[arg(short = 'e', long = "endTimestamp", value_parser = timestamp)]
    end: Option<i64>,
    /// At most this many per broker.
    #[arg(short = 'm', long = "maxNum", default_value_t = 64)]
    max_num: i32,
    /// Cluster (accepted for compatibility).
    #[arg(short = 'c', long = "cluster")]
    _cluster: Option<String>,
}

/// Show a message by its UNIQ_KEY (the producer's message id).
#[derive(Args, Debug)]
pub struct QueryMsgByUniqueKey {
    /// The unique key.
    #[arg(short = 'i', long = "msgId")]
    id: String,
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Show every copy (at most 32), not only the first.
    #[arg(short = 'a', long = "showAll")]
    all: bool,
    /// Cluster (accepted for compatibility).
    #[arg(short = 'c', long = "cluster")]
    _cluster: Option<String>,
}

/// Show the message at one queue offset.
#[derive(Args, Debug)]
pub struct QueryMsgByOffset {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Broker name.
    #[arg(short = 'b', long = "brokerName")]
    broker_name: String,
    /// Queue id.
    #[arg(short = 'i', long = "queueId")]
    queue_id: i32,
    /// Queue offset.
    #[arg(short = 'o', long = "offset")]
    offset: i64,
    /// Body format (accepted for compatibility).
    #[arg(short = 'f', long = "bodyFormat")]
    _format: Option<String>,
}

/// Send one message.
#[derive(Args, Debug)]
pub struct SendMessage {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Body (UTF-8).
    #[arg(short = 'p', long = "body")]
    body: String,
    /// Keys (space separated).
    #[arg(short = 'k', long = "key")]
    keys: Option<String>,
    /// Tag.
    #[arg(short = 'c', long = "tags")]
    tags: Option<String>,
    /// Broker name to send to.
    #[arg(short = 'b', long = "broker")]
    broker: Option<String>,
    /// Queue id (with -b).
    #[arg(short = 'i', long = "qid")]
    queue_id: Option<i32>,
    /// Message trace (accepted for compatibility).
    #[arg(short = 'm', long = "msgTraceEnable", num_args = 0..=1, default_missing_value = "true")]
    _trace: Option<bool>,
}

/// Pull and print messages: one queue from an offset, or every queue in a time range.
#[derive(Args, Debug)]
pub struct ConsumeMessage {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Broker name (with -i).
    #[arg(short = 'b', long = "brokerName")]
    broker_name: Option<String>,
    /// Queue id (with -b).
    #[arg(short = 'i', long = "queueId")]
    queue_id: Option<i32>,
    /// Start offset.
    #[arg(short = 'o', long = "offset")]
    offset: Option<i64>,
    /// Consumer group (default TOOLS_CONSUMER).
    #[arg(short = 'g', long = "consumerGroup")]
    group: Option<String>,
    /// From this store time.
    #[arg(short = 's', long = "beginTimestamp", value_parser = timestamp)]
    begin: Option<i64>,
    /// Until this store time.
    #[arg(short = 'e', long = "endTimestamp", value_parser = timestamp)]
    end: Option<i64>,
    /// At most this many messages.
    #[arg(short = 'c', long = "messageNumber", default_value_t = 128)]
    count: usize,
}

/// Print every message of a topic (every queue), optionally in a time range.
#[derive(Args, Debug)]
pub struct PrintMsg {
    /// Topic.
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Charset (accepted for compatibility; bodies print as UTF-8).
    #[arg(short = 'c', long = "charsetName")]
    _charset: Option<String>,
    /// Tag expression.
    #[arg(short = 's', long = "subExpression")]
    expression: Option<String>,
    /// From this store time.
    #[arg(short = 'b', long = "beginTimestamp", value_parser = timestamp)]
    begin: Option<i64>,
    /// Until this store time.
    #[arg(short = 'e', long = "endTimestamp", value_parser = timestamp)]
    end: Option<i64>,
    /// Print bodies (true|false).
    #[arg(short = 'd', long = "printBody", num_args = 0..=1, default_missing_value = "true")]
    print_body: Option<bool>,
    /// Light message queue (accepted for compatibility).
    #[arg(short = 'l', long = "lmqParentTopic")]
    _lmq: Option<String>,
}

fn details(msgs: &[MessageExt]) -> Report {
    let text = msgs
        .iter()
        .map(message_detail)
        .collect::<Vec<_>>()
        .join("\n\n");
    Report::new(text, msgs.iter().map(MessageView::from).collect::<Vec<_>>())
}

impl QueryMsgById {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let mut all = Vec::new();
        for id in self.ids.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            all.extend(admin.query_msg_by_id(&self.topic, id).await?);
        }
        Ok(details(&all))
    }
}

impl QueryMsgByKey {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let msgs = admin
            .query_msg_by_key(
                &self.topic,
                &self.key,
                self.max_num,
                self.begin.unwrap_or(0),
                self.end.unwrap_or(i64::MAX),
            )
            .await?;
        let text = table(
            &["Message ID", "Offset ID", "QID", "Offset"],
            msgs.iter().map(|m| {
                vec![
                    m.msg_id().into_owned(),
                    m.offset_msg_id(),
                    m.queue_id.to_string(),
                    m.queue_offset.to_string(),
                ]
            }),
        );
        Ok(Report::new(
            text,
            msgs.iter().map(MessageView::from).collect::<Vec<_>>(),
        ))
    }
}

impl QueryMsgByUniqueKey {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let mut msgs = admin.query_msg_by_unique_key(&self.topic, &self.id).await?;
        if msgs.is_empty() {
            return Err(ClientError::invalid(
                "unique key",
                format!("no message {} in topic {}", self.id, self.topic),
            ));
        }
        if !self.all {
            msgs.truncate(1);
        }
        Ok(details(&msgs))
    }
}

impl QueryMsgByOffset {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let m = admin
            .query_msg_by_offset(&self.topic, &self.broker_name, self.queue_id, self.offset)
            .await?;
        Ok(details(&[m]))
    }
}

impl SendMessage {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let queue = match (&self.broker, self.queue_id) {
            (Some(b), q) => Some(MessageQueue::new(
                self.topic.clone(),
                b.clone(),
                q.unwrap_or(-1),
            )),
            (None, Some(_)) => {
                return Err(ClientError::invalid(
                    "arguments",
                    "-i queueId needs -b brokerName",
                ))
            }
            (None, None) => None,
        };
        let r = admin
            .send_message(
                &self.topic,
                self.body.as_bytes(),
                self.tags.as_deref(),
                self.keys.as_deref(),
                queue,
            )
            .await?;
        let text = table(
            &["Broker Name", "QID", "Send Result", "MsgId"],
            [vec![
                r.queue.broker_name.clone(),
                r.queue.queue_id.to_string(),
                r.status.clone(),
                r.msg_id.clone(),
            ]],
        );
        Ok(Report::new(text, r))
    }
}

fn queue_report(read: &[cometmq_client::admin::QueueMessages], print_body: bool) -> Report {
    let mut text = Vec::new();
    let mut views = Vec::new();
    for q in read {
        text.push(format!(
            "MessageQueue [topic={}, brokerName={}, queueId={}] offsets {}..{}: {} message(s)",
            q.queue.topic,
            q.queue.broker_name,
            q.queue.queue_id,
            q.from,
            q.to,
            q.messages.len()
        ));
        if !q.messages.is_empty() {
            text.push(message_table(&q.messages, print_body));
        }
        views.extend(q.messages.iter().map(MessageView::from).map(|mut v| {
            if !print_body {
                v.body.clear();
            }
            v
        }));
    }
    Report::new(text.join("\n"), json!(views))
}

impl ConsumeMessage {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let queue = match (&self.broker_name, self.queue_id) {
            (Some(b), Some(q)) => Some(MessageQueue::new(self.topic.clone(), b.clone(), q)),
            (None, None) => None,
            _ => {
                return Err(ClientError::invalid(
                    "arguments",
                    "give both -b brokerName and -i queueId, or neither",
                ))
            }
        };
        let spec = ReadSpec {
            offset: if queue.is_some() { self.offset } else { None },
            queue,
            begin_ms: self.begin,
            end_ms: self.end,
            group: self.group.clone(),
            expression: None,
            limit: Some(self.count),
        };
        let read = admin.read_messages(&self.topic, &spec).await?;
        Ok(queue_report(&read, true))
    }
}

impl PrintMsg {
    pub async fn run(&self, admin: &Admin) -> Result<Report> {
        let spec = ReadSpec {
            begin_ms: self.begin,
            end_ms: self.end,
            expression: self.expression.clone(),
            ..ReadSpec::default()
        };
        let read = admin.read_messages(&self.topic, &spec).await?;
        Ok(queue_report(&read, self.print_body.unwrap_or(true)))
    }
}
