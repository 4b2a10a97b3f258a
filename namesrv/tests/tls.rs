//! TLS on the NameServer port: each `tls.server.mode` with our client, plaintext and TLS
//! clients side by side, Python's `ssl` module as an outside client, an expired
//! certificate and a missing client certificate refused with clear log lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use cometmq_remoting::code::response;
use cometmq_remoting::settings::Settings;
use cometmq_remoting::tls::{ClientAuth, ClientTls, TlsServerMode, TlsSettings};
use cometmq_remoting::transport::{RemotingClient, TransportConfig};
use cometmq_remoting::RemotingError;
use cometmq_testkit::namesrv::Namesrv;
use cometmq_testkit::tls::{pki, Pki};
use cometmq_testkit::{logs, request};

const LIMIT: Duration = Duration::from_secs(5);

/// A server with its own certificate (not the test mode's) and `mode`.
fn server_tls(pki: &Pki, mode: TlsServerMode) -> TlsSettings {
    TlsSettings {
        server_mode: mode,
        test_mode_enable: false,
        server_cert_path: Some(pki.server_cert.clone()),
        server_key_path: Some(pki.server_key.clone()),
        config_file: pki.dir.path().join("no-tls.properties"),
        ..TlsSettings::default()
    }
}

/// A client that checks the server's chain against the test CA.
fn checking_client(pki: &Pki, with_cert: bool) -> RemotingClient {
    let mut s = TlsSettings {
        enable: true,
        test_mode_enable: false,
        client_auth_server: true,
        client_trust_cert_path: Some(pki.ca.clone()),
        config_file: pki.dir.path().join("no-tls.properties"),
        ..TlsSettings::default()
    };
    if with_cert {
        s.client_cert_path = Some(pki.client_cert.clone());
        s.client_key_path = Some(pki.client_key.clone());
    }
    let tls = ClientTls::from_settings(&s).unwrap();
    assert!(tls.is_some());
    RemotingClient::new(TransportConfig {
        tls_client: tls,
        ..TransportConfig::default()
    })
}

fn plain_client() -> RemotingClient {
    RemotingClient::new(TransportConfig::default())
}

/// Asks for an unknown topic's route: TOPIC_NOT_EXIST is a served answer.
async fn ask(client: &RemotingClient, addr: &str) -> Result<i32, RemotingError> {
    let resp = client
        .invoke(addr, request::route("NoSuchTopic"), LIMIT)
        .await?;
    Ok(resp.code)
}

#[tokio::test]
async fn enforcing_serves_our_tls_client_and_closes_plaintext_ones() {
    let pki = pki();
    let (_guard, logs) = logs::capture();
    let ns = Namesrv::start_with(|c| c.tls = server_tls(&pki, TlsServerMode::Enforcing)).await;

    let tls = checking_client(&pki, false);
    assert_eq!(
        ask(&tls, &ns.addr).await.unwrap(),
        response::TOPIC_NOT_EXIST
    );

    let plain = plain_client();
    let err = ask(&plain, &ns.addr).await.unwrap_err();
    assert!(
        matches!(err, RemotingError::ConnectionClosed(_)),
        "plaintext under enforcing: {err}"
    );
    let text = logs.text();
    assert!(
        text.contains("insecure connection while this server is running in SSL enforcing mode"),
        "{text}"
    );
    // The TLS client is still served.
    assert_eq!(
        ask(&tls, &ns.addr).await.unwrap(),
        response::TOPIC_NOT_EXIST
    );
    ns.stop().await;
}

#[tokio::test]
async fn permissive_by_default_serves_tls_and_plaintext_clients_at_once() {
    // Java's defaults: permissive, test mode (a self-signed certificate, any server
    // trusted by the client).
    let dir = tempfile::tempdir().unwrap();
    let ns = Namesrv::start_with(|c| {
        c.tls.config_file = dir.path().join("absent.properties");
    })
    .await;
    assert_eq!(
        TlsSettings::default().server_mode,
        TlsServerMode::Permissive
    );
    let tls = RemotingClient::new(TransportConfig {
        tls_client: Some(ClientTls::trusting_any().unwrap()),
        ..TransportConfig::default()
    });
    let plain = plain_client();
    let (a, b) = tokio::join!(ask(&tls, &ns.addr), ask(&plain, &ns.addr));
    assert_eq!(a.unwrap(), response::TOPIC_NOT_EXIST);
    assert_eq!(b.unwrap(), response::TOPIC_NOT_EXIST);
    // Many requests on each connection, interleaved.
    for _ in 0..20 {
        let (a, b) = tokio::join!(ask(&tls, &ns.addr), ask(&plain, &ns.addr));
        assert_eq!((a.unwrap(), b.unwrap()), (17, 17));
    }
    ns.stop().await;
}

#[tokio::test]
async fn disabled_serves_plaintext_only() {
    let pki = pki();
    let ns = Namesrv::start_with(|c| c.tls = server_tls(&pki, TlsServerMode::Disabled)).await;
    assert_eq!(ask(&plain_client(), &ns.addr).await.unwrap(), 17);
    let err = ask(&checking_client(&pki, false), &ns.addr)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("TLS handshake failed"), "{err}");
    ns.stop().await;
}

#[tokio::test]
async fn an_expired_server_certificate_is_refused_with_a_clear_log_line() {
    let pki = pki();
    let (_guard, logs) = logs::capture();
    let ns = Namesrv::start_with(|c| {
        c.tls = TlsSettings {
            server_cert_path: Some(pki.expired_cert.clone()),
            server_key_path: Some(pki.expired_key.clone()),
            ..server_tls(&pki, TlsServerMode::Enforcing)
        }
    })
    .await;
    let err = ask(&checking_client(&pki, false), &ns.addr)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("TLS handshake failed") && msg.contains("certificate expired"),
        "{msg}"
    );
    let text = logs.text();
    assert!(
        text.contains("TLS handshake with server failed") && text.contains("certificate expired"),
        "{text}"
    );
    // A client that trusts any server (Java's default) still connects.
    let any = RemotingClient::new(TransportConfig {
        tls_client: Some(ClientTls::trusting_any().unwrap()),
        ..TransportConfig::default()
    });
    assert_eq!(ask(&any, &ns.addr).await.unwrap(), 17);
    ns.stop().await;
}

#[tokio::test]
async fn a_required_client_certificate_that_is_missing_fails_the_handshake() {
    let pki = pki();
    let (_guard, logs) = logs::capture();
    let ns = Namesrv::start_with(|c| {
        c.tls = TlsSettings {
            server_need_client_auth: ClientAuth::Require,
            server_auth_client: true,
            server_trust_cert_path: Some(pki.ca.clone()),
            ..server_tls(&pki, TlsServerMode::Enforcing)
        }
    })
    .await;
    // Without a certificate: refused (under TLS 1.3 the client learns it on its first
    // request).
    let err = ask(&checking_client(&pki, false), &ns.addr)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RemotingError::ConnectionClosed(_) | RemotingError::Connect { .. }
        ),
        "{err}"
    );
    let text = logs.text();
    assert!(
        text.contains("closing connection: TLS handshake failed"),
        "{text}"
    );
    // With one signed by the trusted CA: served.
    assert_eq!(
        ask(&checking_client(&pki, true), &ns.addr).await.unwrap(),
        17
    );
    ns.stop().await;
}

#[tokio::test]
async fn settings_that_cannot_work_stop_the_start_naming_the_key() {
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    let mut config = cometmq_testkit::namesrv::config(dir.path());
    config.tls = TlsSettings {
        server_cert_path: None,
        ..server_tls(&pki, TlsServerMode::Enforcing)
    };
    let err = cometmq_namesrv::NameServer::start(config.clone())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("tls.server.certPath"), "{err}");

    let e = cometmq_namesrv::NamesrvConfig::default()
        .apply(&[("tls.server.keyPassword".into(), "secret".into())])
        .unwrap_err()
        .to_string();
    assert!(e.contains("tls.server.keyPassword"), "{e}");
    let e = config
        .tls
        .set("tls.server.mode", "sometimes")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tls.server.mode") && e.contains("enforcing"),
        "{e}"
    );
}

#[tokio::test]
async fn pythons_ssl_module_gets_an_answer() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("SKIPPED: python3 is not installed");
        return;
    }
    let pki = pki();
    let ns = Namesrv::start_with(|c| {
        c.tls = TlsSettings {
            server_need_client_auth: ClientAuth::Optional,
            server_auth_client: true,
            server_trust_cert_path: Some(pki.ca.clone()),
            ..server_tls(&pki, TlsServerMode::Enforcing)
        }
    })
    .await;
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/interop/tls_route.py");
    let run = |with_cert: bool| {
        let mut cmd = tokio::process::Command::new("python3");
        cmd.arg(&script)
            .arg(&ns.addr)
            .arg("NoSuchTopic")
            .arg(&pki.ca);
        if with_cert {
            cmd.arg(&pki.client_cert).arg(&pki.client_key);
        }
        cmd.output()
    };
    for with_cert in [false, true] {
        let out = tokio::time::timeout(Duration::from_secs(30), run(with_cert))
            .await
            .unwrap()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(v["code"], 17, "{v}");
        assert_eq!(v["opaque"], 7, "{v}");
        assert!(v["tls"].as_str().unwrap().starts_with("TLS"), "{v}");
    }
    ns.stop().await;
}
