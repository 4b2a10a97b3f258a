//! The transactional producer against an in-process fixture playing NameServer and broker
//! (the broker side of transactions is another issue): the half message's flags, the
//! END_TRANSACTION fields after the local transaction, and the answer to a broker's
//! CHECK_TRANSACTION_STATE.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use cometmq_client::instance::ClientConfig;
use cometmq_client::producer::{LocalTransactionState, TransactionProducer};
use cometmq_client::Message;
use cometmq_remoting::code::request;
use cometmq_remoting::header::{
    CheckTransactionStateRequestHeader, EndTransactionRequestHeader, SendMessageRequestHeader,
    SendMessageResponseHeader,
};
use cometmq_remoting::message::{
    create_offset_msg_id, encode_record, property, sysflag, Properties, RecordParts,
};
use cometmq_remoting::transport::{
    fn_processor, Connection, RemotingServer, Router, TransportConfig,
};
use cometmq_remoting::RemotingCommand;

#[derive(Default)]
struct Seen {
    sends: Vec<SendMessageRequestHeader>,
    ends: Vec<EndTransactionRequestHeader>,
    conn: Option<Connection>,
}

type Shared = Arc<Mutex<Seen>>;

/// NameServer and broker `broker-a` in one server; half messages get CommitLog offsets
/// 1000, 1001… and queue offsets 0, 1….
async fn fixture(seen: Shared) -> (RemotingServer, SocketAddr) {
    let addr_cell: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
    let cell = addr_cell.clone();
    let route = fn_processor(move |_, _req: RemotingCommand| {
        let addr = cell.lock().unwrap().unwrap();
        async move {
            let body = format!(
                r#"{{"brokerDatas":[{{"brokerAddrs":{{"0":"{addr}"}},"brokerName":"broker-a","cluster":"C"}}],"queueDatas":[{{"brokerName":"broker-a","perm":6,"readQueueNums":1,"writeQueueNums":1}}]}}"#
            );
            Some(RemotingCommand::success().with_body(body.into_bytes()))
        }
    });
    let (s1, s2, s3, cell2) = (seen.clone(), seen.clone(), seen.clone(), addr_cell.clone());
    let heartbeat = fn_processor(move |conn: Connection, _| {
        s1.lock().unwrap().conn = Some(conn);
        async { Some(RemotingCommand::success()) }
    });
    let send = fn_processor(move |conn: Connection, req: RemotingCommand| {
        let header = SendMessageRequestHeader::read_for_code(req.code, &req.ext_fields).unwrap();
        let addr = cell2.lock().unwrap().unwrap();
        let mut s = s2.lock().unwrap();
        s.conn = Some(conn);
        let n = s.sends.len() as i64;
        let uniq = Properties::parse_str(header.properties.as_deref().unwrap_or(""))
            .get(property::UNIQ_KEY)
            .map(str::to_owned);
        s.sends.push(header);
        let resp = SendMessageResponseHeader {
            msg_id: create_offset_msg_id(addr, 1000 + n),
            queue_id: 0,
            queue_offset: n,
            transaction_id: uniq,
            batch_uniq_id: None,
            recall_handle: None,
            msg_region: None,
            trace_on: None,
        };
        async move { Some(RemotingCommand::success().with_header(&resp)) }
    });
    let end = fn_processor(move |_, req: RemotingCommand| {
        s3.lock().unwrap().ends.push(req.decode_header().unwrap());
        async { None }
    });
    let ok = fn_processor(|_, _| async { Some(RemotingCommand::success()) });
    let router = Router::new()
        .route(request::GET_ROUTEINFO_BY_TOPIC, route)
        .route(request::HEART_BEAT, heartbeat)
        .route(request::UNREGISTER_CLIENT, ok)
        .route(request::SEND_MESSAGE_V2, send)
        .route(request::END_TRANSACTION, end);
    let server = RemotingServer::bind("127.0.0.1:0", TransportConfig::default(), Arc::new(router))
        .await
        .unwrap();
    let addr = server.local_addr();
    *addr_cell.lock().unwrap() = Some(addr);
    (server, addr)
}

async fn wait_ends(seen: &Shared, n: usize) -> Vec<EndTransactionRequestHeader> {
    for _ in 0..200 {
        let ends = seen.lock().unwrap().ends.clone();
        if ends.len() >= n {
            return ends;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("only {} END_TRANSACTION", seen.lock().unwrap().ends.len());
}

#[tokio::test]
async fn local_transactions_and_check_back() {
    let seen: Shared = Arc::default();
    let (server, addr) = fixture(seen.clone()).await;
    let producer = TransactionProducer::builder("TxGroup")
        .producer(|p| {
            p.client_config(ClientConfig {
                client_ip: "127.0.0.1".into(),
                instance_name: "tx".into(),
                ..ClientConfig::new(addr.to_string())
            })
        })
        .checker(|msg| {
            if msg.keys() == Some("commit-me") {
                LocalTransactionState::CommitMessage
            } else {
                LocalTransactionState::RollbackMessage
            }
        })
        .build()
        .unwrap();
    producer.start().unwrap();

    let outcomes = [
        LocalTransactionState::CommitMessage,
        LocalTransactionState::RollbackMessage,
        LocalTransactionState::Unknown,
    ];
    let mut results = Vec::new();
    for (i, state) in outcomes.into_iter().enumerate() {
        let msg = Message::builder("TxTopic")
            .body(format!("tx{i}"))
            .delay_level(3)
            .build();
        let r = producer
            .send_in_transaction(msg, |m, sent| async move {
                assert_eq!(m.transaction_id.as_deref(), Some(sent.msg_id.as_str()));
                assert_eq!(m.property("TRAN_MSG"), Some("true"));
                state
            })
            .await
            .unwrap();
        assert_eq!(r.local_state, state);
        results.push(r);
    }
    let ends = wait_ends(&seen, 3).await;
    let sends = seen.lock().unwrap().sends.clone();
    for (i, (end, r)) in ends.iter().zip(&results).enumerate() {
        let send = &sends[i];
        assert_eq!(
            send.sys_flag & sysflag::TRANSACTION_PREPARED_TYPE,
            sysflag::TRANSACTION_PREPARED_TYPE
        );
        let props = Properties::parse_str(send.properties.as_deref().unwrap());
        assert_eq!(props.get(property::TRAN_MSG), Some("true"));
        assert_eq!(props.get(property::PGROUP), Some("TxGroup"));
        assert_eq!(
            props.get(property::DELAY),
            None,
            "no delay for half messages"
        );
        assert_eq!(end.producer_group, "TxGroup");
        assert_eq!(end.tran_state_table_offset, i as i64);
        assert_eq!(end.commit_log_offset, 1000 + i as i64);
        assert_eq!(end.msg_id, r.send_result.msg_id);
        assert_eq!(
            end.transaction_id.as_deref(),
            Some(r.send_result.msg_id.as_str())
        );
        assert_eq!(end.from_transaction_check, Some(false));
        assert_eq!(end.topic.as_deref(), Some("TxTopic"));
    }
    let codes: Vec<i32> = ends.iter().map(|e| e.commit_or_rollback).collect();
    assert_eq!(codes, [8, 12, 0]);

    // The broker checks back the unknown one, with its body in stored-record form.
    let unknown = &results[2].send_result;
    let mut props = Properties::new();
    props.insert(property::UNIQ_KEY, unknown.msg_id.clone());
    props.insert(property::TRAN_MSG, "true");
    props.insert(property::PGROUP, "TxGroup");
    props.insert(property::KEYS, "commit-me");
    let props = props.encode();
    let mut record = BytesMut::new();
    encode_record(
        &RecordParts::new("TxTopic", b"tx2", props.as_bytes(), addr, addr),
        &mut record,
    )
    .unwrap();
    let check = CheckTransactionStateRequestHeader {
        topic: Some("TxTopic".into()),
        tran_state_table_offset: 2,
        commit_log_offset: 1002,
        msg_id: Some(unknown.msg_id.clone()),
        transaction_id: Some(unknown.msg_id.clone()),
        offset_msg_id: Some(unknown.offset_msg_id.clone()),
        broker_name: Some("broker-a".into()),
    };
    // Over the producer's connection, as a broker reaches a producer group's channel.
    let conn = seen.lock().unwrap().conn.clone().expect("no connection");
    conn.invoke_oneway(
        RemotingCommand::request_with_header(request::CHECK_TRANSACTION_STATE, &check)
            .with_body(record.freeze()),
    )
    .await
    .unwrap();
    let ends = wait_ends(&seen, 4).await;
    let answer = &ends[3];
    assert_eq!(answer.from_transaction_check, Some(true));
    assert_eq!(answer.commit_or_rollback, 8, "the checker committed it");
    assert_eq!(answer.tran_state_table_offset, 2);
    assert_eq!(answer.commit_log_offset, 1002);
    assert_eq!(answer.msg_id, unknown.msg_id);
    assert_eq!(
        answer.transaction_id.as_deref(),
        Some(unknown.msg_id.as_str())
    );

    producer.shutdown().await;
    server.shutdown().await;
}
