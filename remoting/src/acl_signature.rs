//! RocketMQ ACL 1.0 request signatures: the one place both sides compute them. A client
//! signs each request with its secret key (Java's `AclClientRPCHook`); a broker with
//! `aclEnable=true` computes the same signature from the request it received and the
//! account's secret key, and compares.
//!
//! The signed content is Java's `AclUtils.combineRequestContent`: the extFields values in
//! the order of their keys (a `TreeMap`), less `Signature` itself and `_UNIQUE_KEY_QUERY`
//! (which the 4.9.x broker leaves out), then the body. The signature is HMAC-SHA1 of that
//! content keyed by the secret key (UTF-8), in standard base64 (Java's `AclSigner`).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::command::{ExtFields, RemotingCommand};

/// The extField naming the account (`SessionCredentials.ACCESS_KEY`).
pub const ACCESS_KEY: &str = "AccessKey";
/// The extField carrying the signature (`SessionCredentials.SIGNATURE`).
pub const SIGNATURE: &str = "Signature";
/// The optional extField carrying a security token (`SessionCredentials.SECURITY_TOKEN`).
pub const SECURITY_TOKEN: &str = "SecurityToken";
/// A query flag the 4.9.x broker leaves out of the signed content (`MixAll.UNIQUE_MSG_QUERY_FLAG`).
const UNIQUE_MSG_QUERY_FLAG: &str = "_UNIQUE_KEY_QUERY";

type HmacSha1 = Hmac<Sha1>;

/// An account's keys, as a client holds them (Java's `SessionCredentials`).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The account's name (`accessKey` in plain_acl.yml).
    pub access_key: String,
    /// The account's secret (`secretKey`); never sent.
    pub secret_key: String,
    /// Sent and signed when present; the broker does not check it (Java neither).
    pub security_token: Option<String>,
}

/// The secret stays out of logs.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Adds `AccessKey`, `SecurityToken` (if any) and `Signature` to `request`, as Java's
    /// `AclClientRPCHook.doBeforeRequest` does.
    pub fn sign(&self, request: &mut RemotingCommand) {
        request.ext_fields.set(ACCESS_KEY, &self.access_key);
        if let Some(token) = &self.security_token {
            request.ext_fields.set(SECURITY_TOKEN, token);
        }
        let signature = signature(&request.ext_fields, request.body.chunks(), &self.secret_key);
        request.ext_fields.set(SIGNATURE, &signature);
    }
}

/// The MAC of a request's signed content, keyed by `secret_key`.
/// `None` never happens: HMAC takes keys of any length.
fn mac(fields: &ExtFields, body: &[bytes::Bytes], secret_key: &str) -> Option<HmacSha1> {
    let mut signed: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| *k != SIGNATURE && *k != UNIQUE_MSG_QUERY_FLAG)
        .collect();
    // Java's TreeMap<String, …> orders keys by UTF-16 code units: the byte order for
    // ASCII keys (all of RocketMQ's), compared as UTF-16 otherwise.
    signed.sort_unstable_by(|a, b| {
        if a.0.is_ascii() && b.0.is_ascii() {
            a.0.cmp(b.0)
        } else {
            a.0.encode_utf16().cmp(b.0.encode_utf16())
        }
    });
    let mut mac = HmacSha1::new_from_slice(secret_key.as_bytes()).ok()?;
    for (_, v) in signed {
        mac.update(v.as_bytes());
    }
    for chunk in body {
        mac.update(chunk);
    }
    Some(mac)
}

/// The base64 signature of a request's `fields` and `body` under `secret_key`.
pub fn signature(fields: &ExtFields, body: &[bytes::Bytes], secret_key: &str) -> String {
    mac(fields, body, secret_key).map_or_else(String::new, |m| {
        base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
    })
}

/// True when `request`'s `Signature` extField is the signature of its content under
/// `secret_key` (compared in constant time).
pub fn verify(request: &RemotingCommand, secret_key: &str) -> bool {
    let Some(given) = request.ext_fields.get(SIGNATURE) else {
        return false;
    };
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(given) else {
        return false;
    };
    mac(&request.ext_fields, request.body.chunks(), secret_key)
        .is_some_and(|m| m.verify_slice(&given).is_ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The content is the fields' values in key order, less `Signature`, then the body.
    #[test]
    fn signature_is_hmac_sha1_over_sorted_values_then_body() {
        let mut fields = ExtFields::new();
        fields.set("b", "2");
        fields.set("a", "1");
        fields.set(SIGNATURE, "ignored");
        let body = [bytes::Bytes::from_static(b"xyz")];
        let expected = {
            let mut m = HmacSha1::new_from_slice(b"secret").unwrap();
            m.update(b"12xyz");
            base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
        };
        assert_eq!(signature(&fields, &body, "secret"), expected);
    }

    /// RFC 2202 test case 2 ("what do ya want for nothing?" keyed by "Jefe"), base64.
    #[test]
    fn known_hmac_sha1_vector() {
        let mut fields = ExtFields::new();
        fields.set("k", "what do ya want ");
        let body = [bytes::Bytes::from_static(b"for nothing?")];
        assert_eq!(
            signature(&fields, &body, "Jefe"),
            base64::engine::general_purpose::STANDARD
                .encode(hex::decode("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79").unwrap())
        );
    }

    /// U+FF5E sorts after U+1F600 in UTF-16 (a surrogate, 0xD83D, is below 0xFF5E), as in
    /// Java, though not in UTF-8.
    #[test]
    fn non_ascii_keys_sort_as_javas_strings() {
        let mut fields = ExtFields::new();
        fields.set("\u{ff5e}", "b");
        fields.set("\u{1f600}", "a");
        let mut m = HmacSha1::new_from_slice(b"k").unwrap();
        m.update(b"ab");
        let expected = base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes());
        assert_eq!(signature(&fields, &[], "k"), expected);
    }

    #[test]
    fn a_signed_request_verifies_and_a_changed_one_does_not() {
        let creds = Credentials {
            access_key: "RocketMQ".into(),
            secret_key: "12345678".into(),
            security_token: Some("tok".into()),
        };
        let mut req = RemotingCommand::request(10).with_body(b"hello".to_vec());
        req.ext_fields.set("topic", "T");
        creds.sign(&mut req);
        assert_eq!(req.ext_fields.get(ACCESS_KEY), Some("RocketMQ"));
        assert_eq!(req.ext_fields.get(SECURITY_TOKEN), Some("tok"));
        assert!(verify(&req, "12345678"));
        assert!(!verify(&req, "wrong-secret"));
        req.ext_fields.set("topic", "U");
        assert!(!verify(&req, "12345678"));
        req.ext_fields.set(SIGNATURE, "%%% not base64");
        assert!(!verify(&req, "12345678"));
    }
}
