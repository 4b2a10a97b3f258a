//! A raw transactional producer, as a RocketMQ client behaves on the wire: it sends half
//! messages, ends them with one-way END_TRANSACTION, and answers CHECK_TRANSACTION_STATE
//! (one-way, broker → producer) with END_TRANSACTION on the same connection.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use cometmq_remoting::body::client::{HeartbeatData, ProducerData};
use cometmq_remoting::body::fastjson;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::header::{
    CheckTransactionStateRequestHeader, EndTransactionRequestHeader,
    QueryConsumerOffsetRequestHeader, SendMessageRequestHeaderV2, SendMessageResponseHeader,
};
use cometmq_remoting::message::{
    create_uniq_key, decode_record, parse_offset_msg_id, sysflag, DecodeOptions, Properties,
    StoredRecord,
};
use cometmq_remoting::transport::{fn_processor, RemotingClient, Router, TransportConfig};
use cometmq_remoting::RemotingCommand;
use cometmq_testkit::request::{offset_of, queue_offset, send_header};

use super::T;

/// `commitOrRollback` values.
pub const UNKNOWN: i32 = 0;
pub const COMMIT: i32 = 8;
pub const ROLLBACK: i32 = 12;

/// How the producer answers a check: `Some(state)` sends END_TRANSACTION, `None` stays
/// silent.
pub type Decide = Arc<dyn Fn(&StoredRecord) -> Option<i32> + Send + Sync>;

/// One CHECK_TRANSACTION_STATE the producer received.
#[derive(Debug, Clone)]
pub struct Check {
    pub header: CheckTransactionStateRequestHeader,
    pub msg: StoredRecord,
}

/// A sent half message.
#[derive(Debug, Clone)]
pub struct Half {
    pub uniq: String,
    pub topic: String,
    pub resp: SendMessageResponseHeader,
    pub commit_log_offset: i64,
}

pub struct Producer {
    pub client: Arc<RemotingClient>,
    pub group: String,
    checks: Arc<Mutex<Vec<Check>>>,
    decide: Arc<Mutex<Decide>>,
}

impl Producer {
    /// A producer of `group` whose check answers come from `decide`.
    pub fn new(
        group: &str,
        decide: impl Fn(&StoredRecord) -> Option<i32> + Send + Sync + 'static,
    ) -> Producer {
        let checks: Arc<Mutex<Vec<Check>>> = Arc::default();
        let decide: Arc<Mutex<Decide>> = Arc::new(Mutex::new(Arc::new(decide)));
        let (c, d, g) = (checks.clone(), decide.clone(), group.to_string());
        let handler = fn_processor(move |conn, req: RemotingCommand| {
            let (checks, decide, group) = (c.clone(), d.clone(), g.clone());
            async move {
                let h: CheckTransactionStateRequestHeader = req.decode_header().unwrap();
                let msg = decode_record(&req.body.to_bytes(), DecodeOptions::VERIFY).unwrap();
                let answer = (decide.lock().unwrap().clone())(&msg);
                checks.lock().unwrap().push(Check {
                    header: h.clone(),
                    msg: msg.clone(),
                });
                if let Some(state) = answer {
                    let end = EndTransactionRequestHeader {
                        producer_group: group,
                        tran_state_table_offset: h.tran_state_table_offset,
                        commit_log_offset: h.commit_log_offset,
                        commit_or_rollback: state,
                        from_transaction_check: Some(true),
                        msg_id: h.msg_id.clone().unwrap_or_default(),
                        transaction_id: h.transaction_id.clone(),
                        topic: h.topic.clone(),
                    };
                    let req = RemotingCommand::request_with_header(request::END_TRANSACTION, &end);
                    let _ = conn.invoke_oneway(req).await;
                }
                None
            }
        });
        let router = Router::new().route(request::CHECK_TRANSACTION_STATE, handler);
        Producer {
            client: Arc::new(RemotingClient::with_handler(
                TransportConfig::default(),
                Arc::new(router),
            )),
            group: group.to_string(),
            checks,
            decide,
        }
    }

    /// Changes how checks are answered.
    pub fn set_decide(
        &self,
        decide: impl Fn(&StoredRecord) -> Option<i32> + Send + Sync + 'static,
    ) {
        *self.decide.lock().unwrap() = Arc::new(decide);
    }

    /// The checks received so far.
    pub fn checks(&self) -> Vec<Check> {
        self.checks.lock().unwrap().clone()
    }

    /// Registers the producer group on this client's connection (HEART_BEAT).
    pub async fn heartbeat(&self, addr: &str) {
        let hb = HeartbeatData {
            client_id: format!("127.0.0.1@{}", self.group),
            producer_data_set: vec![ProducerData {
                group_name: self.group.clone(),
            }],
            ..Default::default()
        };
        let resp = self
            .client
            .invoke(addr, cometmq_testkit::request::heartbeat(&hb), T)
            .await
            .unwrap();
        assert_eq!(resp.code, response::SUCCESS);
    }

    /// Sends a half message (TRAN_MSG, PGROUP, sysFlag PREPARED) born now.
    pub async fn send_half(&self, addr: &str, topic: &str, queue_id: i32, body: &str) -> Half {
        let uniq = create_uniq_key();
        let mut props = Properties::new();
        props.insert("UNIQ_KEY", uniq.clone());
        props.insert("TRAN_MSG", "true");
        props.insert("PGROUP", self.group.clone());
        props.insert("TAGS", "TagT");
        let h = SendMessageRequestHeaderV2 {
            sys_flag: sysflag::TRANSACTION_PREPARED_TYPE,
            born_timestamp: super::now_ms(),
            ..send_header(&self.group, topic, queue_id, &props)
        };
        let req = RemotingCommand::request_with_header(request::SEND_MESSAGE_V2, &h)
            .with_body(Bytes::copy_from_slice(body.as_bytes()));
        let resp = self.client.invoke(addr, req, T).await.unwrap();
        assert_eq!(resp.code, response::SUCCESS, "{:?}", resp.remark);
        let resp: SendMessageResponseHeader = resp.decode_header().unwrap();
        let commit_log_offset = parse_offset_msg_id(&resp.msg_id).unwrap().offset;
        Half {
            uniq,
            topic: topic.into(),
            resp,
            commit_log_offset,
        }
    }

    /// Ends a half message (one-way END_TRANSACTION, as Java sends it).
    pub async fn end(&self, addr: &str, half: &Half, state: i32) {
        let end = EndTransactionRequestHeader {
            producer_group: self.group.clone(),
            tran_state_table_offset: half.resp.queue_offset,
            commit_log_offset: half.commit_log_offset,
            commit_or_rollback: state,
            from_transaction_check: Some(false),
            msg_id: half.uniq.clone(),
            transaction_id: Some(half.uniq.clone()),
            topic: Some(half.topic.clone()),
        };
        let req = RemotingCommand::request_with_header(request::END_TRANSACTION, &end);
        self.client.invoke_oneway(addr, req).await.unwrap();
    }

    /// Ends a half message and waits for the answer (END_TRANSACTION as a request).
    pub async fn end_sync(&self, addr: &str, half: &Half, state: i32) -> RemotingCommand {
        let end = EndTransactionRequestHeader {
            producer_group: self.group.clone(),
            tran_state_table_offset: half.resp.queue_offset,
            commit_log_offset: half.commit_log_offset,
            commit_or_rollback: state,
            from_transaction_check: None,
            msg_id: half.uniq.clone(),
            transaction_id: None,
            topic: None,
        };
        let req = RemotingCommand::request_with_header(request::END_TRANSACTION, &end);
        self.client.invoke(addr, req, T).await.unwrap()
    }

    /// GET_MAX_OFFSET of a queue.
    pub async fn max_offset(&self, addr: &str, topic: &str, queue_id: i32) -> i64 {
        let req = queue_offset(request::GET_MAX_OFFSET, topic, queue_id);
        offset_of(&self.client.invoke(addr, req, T).await.unwrap())
    }

    /// The committed offset of `group` on a queue (QUERY_CONSUMER_OFFSET), if any.
    pub async fn consumer_offset(
        &self,
        addr: &str,
        group: &str,
        topic: &str,
        queue_id: i32,
    ) -> Option<i64> {
        let h = QueryConsumerOffsetRequestHeader {
            consumer_group: group.into(),
            topic: topic.into(),
            queue_id,
            set_zero_if_not_found: Some(false),
        };
        let req = RemotingCommand::request_with_header(request::QUERY_CONSUMER_OFFSET, &h);
        let resp = self.client.invoke(addr, req, T).await.ok()?;
        (resp.code == response::SUCCESS)
            .then(|| resp.ext("offset").and_then(|s| s.parse().ok()))
            .flatten()
    }

    /// Closes the producer's connections (it "dies").
    pub async fn shutdown(&self) {
        self.client.shutdown().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
