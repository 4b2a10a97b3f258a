//! The console's HTTP endpoint under bad input — malformed requests, a 100 KB query string,
//! oversized heads and bodies, bad JSON, a client that never finishes its request — answers
//! each with a clear status, and both the console and the broker go on serving.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use cometmq_console::{Console, ConsoleConfig};
use cometmq_remoting::code::response;
use cometmq_testkit::cluster::Cluster;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `raw` on a new connection and reads the whole answer (the server closes it, or
/// answers and the request said `Connection: close`).
async fn exchange(addr: std::net::SocketAddr, raw: &[u8]) -> String {
    let mut s = TcpStream::connect(addr)
        .await
        .expect("connect to the console");
    // The server may answer and close before it has read all of a huge request.
    let _ = s.write_all(raw).await;
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn status(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {answer:?}"))
}

async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    exchange(addr, req.as_bytes()).await
}

#[tokio::test]
async fn bad_http_is_refused_and_everything_goes_on_serving() {
    let cluster = Cluster::start(|_| {}).await;
    let console = Console::start(ConsoleConfig {
        namesrv_addr: cluster.namesrv_addr.clone(),
        port: 0,
        header_timeout: Duration::from_secs(1),
        ..ConsoleConfig::default()
    })
    .await
    .expect("console starts");
    let addr = console.local_addr();

    // A client that opens a request and never finishes it: held while others are served,
    // and disconnected once the header timeout passes.
    let mut slow = TcpStream::connect(addr).await.expect("connect");
    slow.write_all(b"GET /api/cluster HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");

    assert_eq!(
        status(&exchange(addr, b"NOT HTTP AT ALL\r\n\r\n").await),
        400
    );
    assert_eq!(
        status(&exchange(addr, b"\x00\x01\x02garbage\r\n\r\n").await),
        400
    );
    let long_query = format!("/api/topics?q={}", "a".repeat(100 * 1024));
    assert_eq!(status(&get(addr, &long_query).await), 414);
    let huge_header = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(200 * 1024)
    );
    assert_eq!(status(&exchange(addr, huge_header.as_bytes()).await), 431);
    assert_eq!(status(&get(addr, "/api/messages?topic=%zz").await), 400);
    assert_eq!(status(&get(addr, "/api/messages").await), 400);
    assert_eq!(status(&get(addr, "/no/such/page").await), 404);
    assert_eq!(status(&get(addr, "/api/no-such-call").await), 404);
    let bad_json = "POST /api/topic HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
                    Content-Length: 9\r\n\r\n{not json";
    assert_eq!(status(&exchange(addr, bad_json.as_bytes()).await), 400);
    let big_body = format!(
        "POST /api/topic HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        2 * 1024 * 1024
    );
    let mut raw = big_body.into_bytes();
    raw.extend(std::iter::repeat_n(b' ', 2 * 1024 * 1024));
    assert_eq!(status(&exchange(addr, &raw).await), 413);

    // The page escapes by policy: no inline script may run.
    let page = get(addr, "/").await;
    assert_eq!(status(&page), 200);
    assert!(page.contains("content-security-policy: default-src 'self'; script-src 'self'"));

    // The slow client is cut off…
    let mut buf = [0u8; 512];
    let n = slow.read(&mut buf).await.unwrap_or(0);
    let cut = String::from_utf8_lossy(&buf[..n]);
    assert!(n == 0 || status(&cut) == 408, "slow client got {cut:?}");

    // …and the console and the broker go on serving.
    let answer = get(addr, "/api/cluster").await;
    assert_eq!(status(&answer), 200, "{answer}");
    assert!(answer.contains(&cluster.broker_addr), "{answer}");
    let sent = cluster
        .send("AfterBadHttp", 0, None, Some("k"), b"still serving")
        .await;
    assert_eq!(sent.code, response::SUCCESS);

    console.shutdown().await;
    cluster.stop().await;
}
