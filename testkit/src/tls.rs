//! Test certificates for the TLS tests: a CA, a server and a client certificate it signs,
//! and an expired server certificate, written as PEM files in a temp dir.

use std::path::PathBuf;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use tempfile::TempDir;

/// PEM files of a small PKI; deleted with the handle.
pub struct Pki {
    pub dir: TempDir,
    /// The CA certificate (the trust file of both sides).
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// A server certificate signed by the CA whose validity ended in 2021.
    pub expired_cert: PathBuf,
    pub expired_key: PathBuf,
}

/// Makes the certificates (ECDSA P-256; server names `localhost` and 127.0.0.1).
pub fn pki() -> Pki {
    let dir = tempfile::tempdir().expect("a temp dir for certificates");
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "CometMQ test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let leaf = |cn: &str, expired: bool| {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf("server", false);
    let (client_cert, client_key) = leaf("client", false);
    let (expired_cert, expired_key) = leaf("expired", true);
    Pki {
        ca: write("ca.pem", ca.pem()),
        server_cert: write("server.pem", server_cert),
        server_key: write("server.key", server_key),
        client_cert: write("client.pem", client_cert),
        client_key: write("client.key", client_key),
        expired_cert: write("expired.pem", expired_cert),
        expired_key: write("expired.key", expired_key),
        dir,
    }
}
