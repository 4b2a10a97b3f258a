//! The tokio transport end to end over 127.0.0.1: dispatch, one-way, unknown codes,
//! server-initiated requests, many requests in flight, timeouts, idle close, shutdown.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cometmq_remoting::code::{request, response};
use cometmq_remoting::transport::{
    fn_processor, Connection, RemotingClient, RemotingServer, Router, TransportConfig,
};
use cometmq_remoting::{RemotingCommand, RemotingError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

const T: Duration = Duration::from_secs(10);

/// A router answering HEART_BEAT with the request's body echoed and `remark = "pong"`.
fn echo_router() -> Router {
    Router::new().route(
        request::HEART_BEAT,
        fn_processor(|_conn, req: RemotingCommand| async move {
            Some(
                RemotingCommand::success()
                    .with_remark("pong")
                    .with_body(req.body.to_bytes()),
            )
        }),
    )
}

async fn server(router: Router, config: TransportConfig) -> RemotingServer {
    RemotingServer::bind("127.0.0.1:0", config, Arc::new(router))
        .await
        .unwrap()
}

#[tokio::test]
async fn request_response_and_unknown_code() {
    let srv = server(echo_router(), TransportConfig::default()).await;
    let addr = srv.local_addr().to_string();
    let client = RemotingClient::new(TransportConfig::default());

    let req = RemotingCommand::request(request::HEART_BEAT).with_body(Bytes::from_static(b"ping"));
    let opaque = req.opaque;
    let resp = client.invoke(&addr, req, T).await.unwrap();
    assert!(resp.is_response());
    assert_eq!(resp.opaque, opaque);
    assert_eq!(resp.code, response::SUCCESS);
    assert_eq!(resp.remark.as_deref(), Some("pong"));
    assert_eq!(resp.body.to_bytes(), Bytes::from_static(b"ping"));

    let resp = client
        .invoke(&addr, RemotingCommand::request(4242), T)
        .await
        .unwrap();
    assert_eq!(resp.code, response::REQUEST_CODE_NOT_SUPPORTED);
    assert_eq!(
        resp.remark.as_deref(),
        Some(" request type 4242 not supported")
    );

    client.shutdown().await;
    srv.shutdown().await;
}

#[tokio::test]
async fn oneway_requests_get_no_answer() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let router = Router::new().route(
        request::UPDATE_CONSUMER_OFFSET,
        fn_processor(move |_c, req: RemotingCommand| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(req.opaque);
                Some(RemotingCommand::success())
            }
        }),
    );
    let srv = server(router, TransportConfig::default()).await;
    // A raw socket, so we can see that nothing at all comes back.
    let mut sock = tokio::net::TcpStream::connect(srv.local_addr())
        .await
        .unwrap();
    let header =
        br#"{"code":15,"flag":2,"language":"JAVA","opaque":77,"version":479,"extFields":{}}"#;
    let mut frame = Vec::new();
    frame.extend_from_slice(&(4 + header.len() as i32).to_be_bytes());
    frame.extend_from_slice(&(header.len() as i32).to_be_bytes());
    frame.extend_from_slice(header);
    sock.write_all(&frame).await.unwrap();
    assert_eq!(tokio::time::timeout(T, rx.recv()).await.unwrap(), Some(77));
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_millis(300), sock.read(&mut buf)).await;
    assert!(read.is_err(), "a one-way request must not be answered");
    srv.shutdown().await;
}

#[tokio::test]
async fn server_sends_requests_to_its_client() {
    // The server keeps the client's connection and, on demand, asks the client something.
    let (conn_tx, mut conn_rx) = mpsc::unbounded_channel::<Connection>();
    let router = Router::new().route(
        request::HEART_BEAT,
        fn_processor(move |conn, _req| {
            let conn_tx = conn_tx.clone();
            async move {
                let _ = conn_tx.send(conn);
                Some(RemotingCommand::success())
            }
        }),
    );
    let srv = server(router, TransportConfig::default()).await;
    let notified = Arc::new(AtomicUsize::new(0));
    let n2 = notified.clone();
    let client_handler = Router::new()
        .route(
            request::CHECK_TRANSACTION_STATE,
            fn_processor(|_c, req: RemotingCommand| async move {
                Some(
                    RemotingCommand::success()
                        .with_remark(format!("checked {}", req.ext("msgId").unwrap_or(""))),
                )
            }),
        )
        .route(
            request::NOTIFY_CONSUMER_IDS_CHANGED,
            fn_processor(move |_c, _req| {
                let n2 = n2.clone();
                async move {
                    n2.fetch_add(1, Ordering::SeqCst);
                    None
                }
            }),
        );
    let client = RemotingClient::with_handler(TransportConfig::default(), Arc::new(client_handler));
    let addr = srv.local_addr().to_string();
    client
        .invoke(&addr, RemotingCommand::request(request::HEART_BEAT), T)
        .await
        .unwrap();
    let conn = conn_rx.recv().await.unwrap();

    let mut check = RemotingCommand::request(request::CHECK_TRANSACTION_STATE);
    check.ext_fields.insert("msgId".into(), "ABC".into());
    let answer = conn.invoke(check, T).await.unwrap();
    assert_eq!(answer.code, response::SUCCESS);
    assert_eq!(answer.remark.as_deref(), Some("checked ABC"));

    conn.invoke_oneway(RemotingCommand::request(
        request::NOTIFY_CONSUMER_IDS_CHANGED,
    ))
    .await
    .unwrap();
    // The one-way notification is processed; prove it by a later round trip on the same path.
    let answer = conn
        .invoke(
            RemotingCommand::request(request::CHECK_TRANSACTION_STATE),
            T,
        )
        .await
        .unwrap();
    assert_eq!(answer.code, response::SUCCESS);
    for _ in 0..100 {
        if notified.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(notified.load(Ordering::SeqCst), 1);

    // A code the client does not handle is refused by the client's router.
    let answer = conn
        .invoke(
            RemotingCommand::request(request::GET_CONSUMER_RUNNING_INFO),
            T,
        )
        .await
        .unwrap();
    assert_eq!(answer.code, response::REQUEST_CODE_NOT_SUPPORTED);
    client.shutdown().await;
    srv.shutdown().await;
}

#[tokio::test]
async fn many_requests_in_flight_on_one_connection_match_by_opaque() {
    // Each answer is delayed by an amount that reverses the order of arrival.
    let router = Router::new().route(
        request::HEART_BEAT,
        fn_processor(|_c, req: RemotingCommand| async move {
            let n: u64 = req.ext("n").and_then(|s| s.parse().ok()).unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(200 - n)).await;
            Some(RemotingCommand::success().with_remark(n.to_string()))
        }),
    );
    let srv = server(router, TransportConfig::default()).await;
    let addr = srv.local_addr().to_string();
    let client = Arc::new(RemotingClient::new(TransportConfig::default()));
    let mut tasks = Vec::new();
    for n in 0..200u64 {
        let mut req = RemotingCommand::request(request::HEART_BEAT);
        req.ext_fields.insert("n".into(), n.to_string());
        tasks.push((n, client.invoke_async(&addr, req, T)));
    }
    for (n, task) in tasks {
        let resp = task.await.unwrap().unwrap();
        assert_eq!(resp.remark, Some(n.to_string()));
    }
    assert_eq!(
        srv.connections().len(),
        1,
        "all requests shared one connection"
    );
    client.shutdown().await;
    srv.shutdown().await;
}

#[tokio::test]
async fn timeouts_and_unreachable_addresses() {
    let router = Router::new().route(
        request::HEART_BEAT,
        fn_processor(|_c, _r| async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Some(RemotingCommand::success())
        }),
    );
    let quick_stop = TransportConfig {
        shutdown_grace: Duration::from_millis(50),
        ..TransportConfig::default()
    };
    let srv = server(router, quick_stop).await;
    let client = RemotingClient::new(TransportConfig::default());
    let err = client
        .invoke(
            &srv.local_addr().to_string(),
            RemotingCommand::request(request::HEART_BEAT),
            Duration::from_millis(100),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, RemotingError::Timeout { millis: 100, .. }),
        "{err}"
    );

    // A port nobody listens on: bind then drop a listener to find one.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = client
        .invoke(
            &free.to_string(),
            RemotingCommand::request(request::HEART_BEAT),
            T,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, RemotingError::Connect { .. }), "{err}");
    client.shutdown().await;
    srv.shutdown().await;
}

#[tokio::test]
async fn idle_connections_close_and_the_client_reconnects() {
    let config = TransportConfig {
        idle_timeout: Duration::from_millis(200),
        ..TransportConfig::default()
    };
    let srv = server(echo_router(), config.clone()).await;
    let addr = srv.local_addr().to_string();
    let client = RemotingClient::new(TransportConfig::default());
    let first = client.connection(&addr).await.unwrap();
    client
        .invoke(&addr, RemotingCommand::request(request::HEART_BEAT), T)
        .await
        .unwrap();
    tokio::time::timeout(T, first.closed())
        .await
        .expect("server closes the idle connection");
    // The next call opens a new connection by itself.
    let resp = client
        .invoke(&addr, RemotingCommand::request(request::HEART_BEAT), T)
        .await
        .unwrap();
    assert_eq!(resp.code, response::SUCCESS);
    assert_ne!(client.connection(&addr).await.unwrap().id(), first.id());
    client.shutdown().await;
    srv.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_answers_in_flight_requests() {
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    let router = Router::new().route(
        request::HEART_BEAT,
        fn_processor(move |_c, _r| {
            let started_tx = started_tx.clone();
            async move {
                let _ = started_tx.send(());
                tokio::time::sleep(Duration::from_millis(300)).await;
                Some(RemotingCommand::success().with_remark("finished"))
            }
        }),
    );
    let srv = Arc::new(server(router, TransportConfig::default()).await);
    let addr = srv.local_addr().to_string();
    let client = Arc::new(RemotingClient::new(TransportConfig::default()));
    let pending = client.invoke_async(&addr, RemotingCommand::request(request::HEART_BEAT), T);
    // Shut down while the server is processing the request.
    started_rx.recv().await.unwrap();
    srv.shutdown().await;
    let resp = pending.await.unwrap().unwrap();
    assert_eq!(resp.remark.as_deref(), Some("finished"));
    // New connections are refused after shutdown.
    let err = tokio::net::TcpStream::connect(&addr).await;
    assert!(err.is_err());
    client.shutdown().await;
}

#[tokio::test]
async fn a_peer_that_never_reads_gets_bounded_buffers() {
    // The server answers each request with a 64 KiB body; the raw client sends thousands of
    // requests and never reads. The server must stop reading rather than buffer 1000s of
    // responses, while another client is still served.
    let big = Bytes::from(vec![7u8; 64 * 1024]);
    let router = echo_router().route(
        request::PULL_MESSAGE,
        fn_processor(move |_c, _r| {
            let big = big.clone();
            async move { Some(RemotingCommand::success().with_body(big)) }
        }),
    );
    let config = TransportConfig {
        write_queue_frames: 8,
        max_inflight_requests: 8,
        ..TransportConfig::default()
    };
    let srv = server(router, config).await;
    let mut hog = tokio::net::TcpStream::connect(srv.local_addr())
        .await
        .unwrap();
    let header = br#"{"code":11,"flag":0,"opaque":1,"extFields":{}}"#;
    let mut frame = Vec::new();
    frame.extend_from_slice(&(4 + header.len() as i32).to_be_bytes());
    frame.extend_from_slice(&(header.len() as i32).to_be_bytes());
    frame.extend_from_slice(header);
    let batch: Vec<u8> = frame.repeat(1000);
    // 1000 batches are ~50 MB of requests, whose answers would be ~64 GB: far more than
    // socket buffers hold. Writes must stall once the server's bounded queues are full.
    let mut batches = 0usize;
    while batches < 1000 {
        match tokio::time::timeout(Duration::from_millis(500), hog.write_all(&batch)).await {
            Ok(Ok(())) => batches += 1,
            _ => break,
        }
    }
    assert!(
        batches < 1000,
        "the server kept reading from a peer that never reads"
    );
    let client = RemotingClient::new(TransportConfig::default());
    let resp = client
        .invoke(
            &srv.local_addr().to_string(),
            RemotingCommand::request(request::HEART_BEAT),
            T,
        )
        .await
        .unwrap();
    assert_eq!(resp.code, response::SUCCESS);
    drop(hog);
    client.shutdown().await;
    srv.shutdown().await;
}

#[tokio::test]
async fn a_bad_custom_header_gets_an_error_naming_the_field() {
    use cometmq_remoting::header::PullMessageRequestHeader;
    let router = Router::new().route(
        request::PULL_MESSAGE,
        fn_processor(|_c, req: RemotingCommand| async move {
            Some(match req.decode_header::<PullMessageRequestHeader>() {
                Ok(h) => RemotingCommand::success().with_remark(h.topic),
                Err(e) => RemotingCommand::header_error(&e),
            })
        }),
    );
    let srv = server(router, TransportConfig::default()).await;
    let addr = srv.local_addr().to_string();
    let client = RemotingClient::new(TransportConfig::default());
    let fields = [
        ("consumerGroup", "g"),
        ("topic", "T"),
        ("queueId", "0"),
        ("queueOffset", "0"),
        ("maxMsgNums", "32"),
        ("sysFlag", "2"),
        ("commitOffset", "0"),
        ("suspendTimeoutMillis", "15000"),
        ("subVersion", "0"),
    ];
    let pull = |skip: &str, bad: Option<(&str, &str)>| {
        let mut req = RemotingCommand::request(request::PULL_MESSAGE);
        for (k, v) in fields.iter().filter(|(k, _)| *k != skip) {
            req.ext_fields.insert(k.to_string(), v.to_string());
        }
        if let Some((k, v)) = bad {
            req.ext_fields.insert(k.to_string(), v.to_string());
        }
        req
    };
    let ok = client.invoke(&addr, pull("", None), T).await.unwrap();
    assert_eq!(
        (ok.code, ok.remark.as_deref()),
        (response::SUCCESS, Some("T"))
    );

    let missing = client
        .invoke(&addr, pull("queueOffset", None), T)
        .await
        .unwrap();
    assert_eq!(missing.code, response::SYSTEM_ERROR);
    assert_eq!(
        missing.remark.as_deref(),
        Some("the custom field <queueOffset> is null")
    );

    let invalid = client
        .invoke(&addr, pull("", Some(("maxMsgNums", "many"))), T)
        .await
        .unwrap();
    assert_eq!(invalid.code, response::SYSTEM_ERROR);
    assert!(invalid.remark.unwrap_or_default().contains("<maxMsgNums>"));
    client.shutdown().await;
    srv.shutdown().await;
}
