//! [`TlsSettings`]: Java's `TlsSystemConfig` keys with Java's defaults.

use std::path::{Path, PathBuf};

use super::{ClientTls, ServerTls, TlsSetupError};
use crate::settings::{KeyRules, Refused};

crate::setting_enum! {
    /// `tls.server.mode`: how a listener treats TLS (Java's `TlsMode`).
    pub enum TlsServerMode {
        /// Plaintext only.
        Disabled = "disabled",
        /// TLS and plaintext on the same port, told apart by the first byte.
        Permissive = "permissive",
        /// TLS only: a plaintext connection is closed.
        Enforcing = "enforcing",
    }
}

crate::setting_enum! {
    /// `tls.server.need.client.auth`: whether a listener asks for a client certificate.
    pub enum ClientAuth {
        /// Not asked.
        None = "none",
        /// Asked; a client without one is served.
        Optional = "optional",
        /// Required: a client without one fails its handshake.
        Require = "require",
    }
}

crate::settings! {
    /// The `tls.*` keys. Field docs name the key; defaults are Java's.
    pub struct TlsSettings {
        /// `tls.server.mode`: disabled, permissive (Java's default) or enforcing.
        server_mode: TlsServerMode = "tls.server.mode", TlsServerMode::Permissive;
        /// `tls.enable`: the process's own client connections use TLS.
        enable: bool = "tls.enable", false;
        /// `tls.test.mode.enable`: serve a self-signed certificate made at start, ask no
        /// client certificate, trust any server (Java's default: true).
        test_mode_enable: bool = "tls.test.mode.enable", true;
        /// `tls.server.need.client.auth`: none, optional or require.
        server_need_client_auth: ClientAuth = "tls.server.need.client.auth", ClientAuth::None;
        /// `tls.server.keyPath`: the server's private key (PEM).
        server_key_path: Option<PathBuf> = "tls.server.keyPath", None;
        /// `tls.server.keyPassword`: refused unless empty (encrypted keys are not read).
        server_key_password: String = "tls.server.keyPassword", String::new();
        /// `tls.server.certPath`: the server's certificate chain (PEM).
        server_cert_path: Option<PathBuf> = "tls.server.certPath", None;
        /// `tls.server.authClient`: check client certificates against
        /// `tls.server.trustCertPath`; when false any client certificate is accepted.
        server_auth_client: bool = "tls.server.authClient", false;
        /// `tls.server.trustCertPath`: CA certificates that sign client certificates (PEM).
        server_trust_cert_path: Option<PathBuf> = "tls.server.trustCertPath", None;
        /// `tls.client.keyPath`: the client's private key (PEM), sent when asked.
        client_key_path: Option<PathBuf> = "tls.client.keyPath", None;
        /// `tls.client.keyPassword`: refused unless empty.
        client_key_password: String = "tls.client.keyPassword", String::new();
        /// `tls.client.certPath`: the client's certificate chain (PEM).
        client_cert_path: Option<PathBuf> = "tls.client.certPath", None;
        /// `tls.client.authServer`: check the server's certificate against
        /// `tls.client.trustCertPath`; when false any server is trusted.
        client_auth_server: bool = "tls.client.authServer", false;
        /// `tls.client.trustCertPath`: CA certificates that sign server certificates (PEM).
        client_trust_cert_path: Option<PathBuf> = "tls.client.trustCertPath", None;
        /// `tls.config.file`: a properties file whose `tls.*` keys (all but
        /// `tls.server.mode` and `tls.enable`) override these, read when TLS is set up.
        config_file: PathBuf = "tls.config.file", PathBuf::from("/etc/rocketmq/tls.properties");
    }
}

/// The `tls.*` keys refused at any value but empty: rustls reads no encrypted key.
pub const TLS_REFUSED: [Refused; 2] = [
    Refused {
        key: "tls.server.keyPassword",
        allowed: "",
        feature: "encrypted private keys are not read: decrypt the key to PKCS#8 PEM \
                  (openssl pkcs8 -topk8 -nocrypt) and leave the password empty",
    },
    Refused {
        key: "tls.client.keyPassword",
        allowed: "",
        feature: "encrypted private keys are not read: decrypt the key to PKCS#8 PEM \
                  (openssl pkcs8 -topk8 -nocrypt) and leave the password empty",
    },
];

/// How `tls.config.file` is read.
pub const TLS_RULES: KeyRules = KeyRules {
    aliases: &[],
    ignored: &[],
    refused: &TLS_REFUSED,
};

impl TlsSettings {
    /// These settings overlaid with `tls.config.file` when it is a readable file (Java skips
    /// a missing one too). The file cannot change `tls.server.mode` or `tls.enable`, as in
    /// Java. A malformed file or a bad value is an error naming the file and the key.
    pub fn with_config_file(&self) -> Result<TlsSettings, TlsSetupError> {
        let path: &Path = &self.config_file;
        if !path.is_file() {
            tracing::debug!(path = %path.display(), "tls.config.file does not exist; skipped");
            return Ok(self.clone());
        }
        let mut merged = self.clone();
        let unknown = TLS_RULES
            .load_file(&mut merged, path)
            .map_err(|e| TlsSetupError {
                key: "tls.config.file",
                reason: e.to_string(),
            })?;
        for key in unknown {
            tracing::warn!(path = %path.display(), %key, "unknown key in tls.config.file");
        }
        merged.server_mode = self.server_mode;
        merged.enable = self.enable;
        tracing::info!(
            path = %path.display(),
            test_mode = merged.test_mode_enable,
            "read tls.config.file"
        );
        Ok(merged)
    }

    /// A process's TLS: its listeners' (`tls.server.mode`) and its own connections'
    /// (`tls.enable`), after `tls.config.file`, which is read only when either is on.
    /// Every error names the key at fault.
    pub fn build(&self) -> Result<(Option<ServerTls>, Option<ClientTls>), TlsSetupError> {
        if self.server_mode == TlsServerMode::Disabled && !self.enable {
            return Ok((None, None));
        }
        let settings = self.with_config_file()?;
        let server = ServerTls::from_settings(&settings)?;
        let client = ClientTls::from_settings(&settings)?;
        tracing::info!(
            mode = %settings.server_mode,
            client = settings.enable,
            test_mode = settings.test_mode_enable,
            "TLS set up"
        );
        Ok((server, client))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::settings::Settings;

    #[test]
    fn defaults_are_javas_and_the_file_overrides() {
        let s = TlsSettings::default();
        assert_eq!(s.server_mode, TlsServerMode::Permissive);
        assert!(!s.enable && s.test_mode_enable && !s.server_auth_client);
        assert_eq!(s.server_need_client_auth, ClientAuth::None);
        let dir = std::env::temp_dir().join(format!("tls-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tls.properties");
        std::fs::write(
            &file,
            "tls.test.mode.enable=false\ntls.server.mode=disabled\ntls.server.need.client.auth=REQUIRE\n",
        )
        .unwrap();
        let mut s = TlsSettings::default();
        assert!(s.set("tls.config.file", file.to_str().unwrap()).unwrap());
        let merged = s.with_config_file().unwrap();
        assert!(!merged.test_mode_enable);
        assert_eq!(merged.server_need_client_auth, ClientAuth::Require);
        assert_eq!(
            merged.server_mode,
            TlsServerMode::Permissive,
            "not from the file"
        );
        std::fs::write(&file, "tls.server.keyPassword=secret\n").unwrap();
        let e = s.with_config_file().unwrap_err().to_string();
        assert!(e.contains("tls.server.keyPassword"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
