//! Certificates and keys read from PEM files, and the test mode's self-signed pair.

use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::RootCertStore;

use super::TlsSetupError;

/// The certificate chain in `path` (the file of `key`).
pub(super) fn certs(
    key: &'static str,
    path: Option<&Path>,
) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let path = required(key, path)?;
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| bad(key, path, e))?;
    if certs.is_empty() {
        return Err(bad(key, path, "no CERTIFICATE block"));
    }
    Ok(certs)
}

/// The private key in `path` (PKCS#8, PKCS#1 or SEC1, unencrypted).
pub(super) fn private_key(
    key: &'static str,
    path: Option<&Path>,
) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    let path = required(key, path)?;
    PrivateKeyDer::from_pem_file(path).map_err(|e| bad(key, path, e))
}

/// The CA certificates in `path`, as trust anchors.
pub(super) fn roots(
    key: &'static str,
    path: Option<&Path>,
) -> Result<RootCertStore, TlsSetupError> {
    let mut store = RootCertStore::empty();
    for cert in certs(key, path)? {
        let path = path.unwrap_or(Path::new(""));
        store.add(cert).map_err(|e| bad(key, path, e))?;
    }
    Ok(store)
}

/// A self-signed certificate for `localhost` and 127.0.0.1 with its key, as Netty's
/// `SelfSignedCertificate` makes for Java's test mode.
pub(super) fn self_signed(
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsSetupError> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let made = rcgen::generate_simple_self_signed(names).map_err(|e| TlsSetupError {
        key: "tls.test.mode.enable",
        reason: format!("cannot make a self-signed certificate: {e}"),
    })?;
    let key = PrivateKeyDer::Pkcs8(made.key_pair.serialize_der().into());
    Ok((vec![made.cert.der().clone()], key))
}

fn required<'a>(key: &'static str, path: Option<&'a Path>) -> Result<&'a Path, TlsSetupError> {
    path.ok_or_else(|| TlsSetupError {
        key,
        reason: "not set, and needed with tls.test.mode.enable=false".into(),
    })
}

fn bad(key: &'static str, path: &Path, e: impl std::fmt::Display) -> TlsSetupError {
    TlsSetupError {
        key,
        reason: format!("cannot use {}: {e}", path.display()),
    }
}
