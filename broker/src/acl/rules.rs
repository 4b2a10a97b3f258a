//! plain_acl.yml: the file as written ([`AclFile`], kept for the admin requests that edit
//! it) and the rules compiled from it ([`Rules`], read on every request).

use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::address::AddressPattern;
use super::permission;

/// The file, key for key (Java's `PlainAccessConfig` list and friends).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AclFile {
    /// Addresses that need no signature at all.
    #[serde(default, deserialize_with = "scalars")]
    pub global_white_remote_addresses: Vec<String>,
    /// The accounts.
    #[serde(default, deserialize_with = "nullable")]
    pub accounts: Vec<AccountEntry>,
    /// `[{counter, timestamp}]`, bumped by every change made through the admin requests.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub data_version: Vec<FileVersion>,
}

/// One `dataVersion` entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FileVersion {
    /// Changes so far.
    #[serde(default)]
    pub counter: i64,
    /// Time of the last change, ms since the epoch.
    #[serde(default)]
    pub timestamp: i64,
}

/// One account as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AccountEntry {
    /// The account's name.
    #[serde(default, deserialize_with = "scalar")]
    pub access_key: String,
    /// Its secret.
    #[serde(default, deserialize_with = "scalar")]
    pub secret_key: String,
    /// Addresses from which this account needs no signature.
    #[serde(
        default,
        deserialize_with = "scalar",
        skip_serializing_if = "String::is_empty"
    )]
    pub white_remote_address: String,
    /// May send the admin codes, and has every permission when it lists none.
    #[serde(default, deserialize_with = "nullable")]
    pub admin: bool,
    /// The permission on topics it does not list (DENY when absent).
    #[serde(
        default,
        deserialize_with = "opt_scalar",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_topic_perm: Option<String>,
    /// The permission on groups it does not list (DENY when absent).
    #[serde(
        default,
        deserialize_with = "opt_scalar",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_group_perm: Option<String>,
    /// `topic=PERM` entries.
    #[serde(
        default,
        deserialize_with = "scalars",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub topic_perms: Vec<String>,
    /// `group=PERM` entries.
    #[serde(
        default,
        deserialize_with = "scalars",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub group_perms: Vec<String>,
}

/// A YAML scalar of any kind as text (`secretKey: 12345678` is a number to YAML).
fn scalar_text(v: serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::Null => None,
        serde_yaml::Value::String(s) => Some(s),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(scalar_text(serde_yaml::Value::deserialize(d)?).unwrap_or_default())
}

fn opt_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(scalar_text(serde_yaml::Value::deserialize(d)?))
}

fn scalars<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v: Option<Vec<serde_yaml::Value>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default()
        .into_iter()
        .filter_map(scalar_text)
        .collect())
}

fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or_default())
}

/// The prefix of a group's retry topic: group permissions are kept under it, as Java
/// keeps them, so one map holds topics and groups.
pub const RETRY_PREFIX: &str = "%RETRY%";

/// An account, compiled.
#[derive(Debug, Clone)]
pub struct Account {
    /// Its secret.
    pub secret_key: String,
    /// Where it needs no signature.
    pub white: AddressPattern,
    /// May send the admin codes.
    pub admin: bool,
    /// Permission on unlisted topics.
    pub default_topic_perm: u8,
    /// Permission on unlisted groups.
    pub default_group_perm: u8,
    /// Listed topics, and groups as `%RETRY%<group>`.
    pub perms: HashMap<String, u8>,
}

/// The rules in force.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Addresses that need no signature.
    pub global_white: Vec<AddressPattern>,
    /// Accounts by access key.
    pub accounts: HashMap<String, Account>,
    /// The file they were compiled from.
    pub file: AclFile,
}

impl AccountEntry {
    /// Java's `checkPlainAccessConfig`: both keys longer than 6 characters.
    pub fn check_keys(&self) -> Result<(), String> {
        if self.access_key.chars().count() <= 6 || self.secret_key.chars().count() <= 6 {
            return Err(format!(
                "The accessKey={} and secretKey cannot be null and length should longer than 6",
                self.access_key
            ));
        }
        Ok(())
    }

    fn compile(&self) -> Result<Account, String> {
        self.check_keys()?;
        let mut perms = HashMap::new();
        for (entries, is_topic) in [(&self.topic_perms, true), (&self.group_perms, false)] {
            for entry in entries {
                let (name, perm) = entry
                    .split_once('=')
                    .filter(|(n, p)| !n.trim().is_empty() && !p.contains('='))
                    .ok_or_else(|| {
                        format!(
                            "Parse resource permission failed for {}:{entry}",
                            if is_topic { "topic" } else { "group" }
                        )
                    })?;
                let key = if is_topic {
                    name.trim().to_string()
                } else {
                    format!("{RETRY_PREFIX}{}", name.trim())
                };
                perms.insert(key, permission::parse(Some(perm)));
            }
        }
        Ok(Account {
            secret_key: self.secret_key.clone(),
            white: AddressPattern::parse(&self.white_remote_address)?,
            admin: self.admin,
            default_topic_perm: permission::parse(self.default_topic_perm.as_deref()),
            default_group_perm: permission::parse(self.default_group_perm.as_deref()),
            perms,
        })
    }
}

impl Rules {
    /// Compiles `file`; an error names what is wrong.
    pub fn compile(file: AclFile) -> Result<Rules, String> {
        let global_white = file
            .global_white_remote_addresses
            .iter()
            .map(|a| AddressPattern::parse(a))
            .collect::<Result<Vec<_>, _>>()?;
        let mut accounts = HashMap::new();
        for entry in &file.accounts {
            let account = entry.compile()?;
            if accounts.insert(entry.access_key.clone(), account).is_some() {
                return Err(format!("accessKey {} is listed twice", entry.access_key));
            }
        }
        Ok(Rules {
            global_white,
            accounts,
            file,
        })
    }

    /// Reads and compiles plain_acl.yml text. An empty file has no accounts (Java's).
    pub fn parse(text: &str) -> Result<Rules, String> {
        let file: AclFile = if text.trim().is_empty() {
            AclFile::default()
        } else {
            serde_yaml::from_str::<Option<AclFile>>(text)
                .map_err(|e| e.to_string())?
                .unwrap_or_default()
        };
        Rules::compile(file)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_javas_sample_file() {
        let rules = Rules::parse(
            "globalWhiteRemoteAddresses:\n  - 10.10.103.*\n  - 192.168.0.*\n\
             accounts:\n  - accessKey: RocketMQ\n    secretKey: 12345678\n    whiteRemoteAddress:\n    \
             admin: false\n    defaultTopicPerm: DENY\n    defaultGroupPerm: SUB\n    topicPerms:\n      \
             - topicA=DENY\n      - topicB=PUB|SUB\n      - topicC=SUB\n    groupPerms:\n      \
             - groupA=DENY\n      - groupB=PUB|SUB\n      - groupC=SUB\n\
             \x20 - accessKey: rocketmq2\n    secretKey: 12345678\n    whiteRemoteAddress: 192.168.1.*\n    admin: true\n",
        )
        .unwrap();
        assert_eq!(rules.global_white.len(), 2);
        let a = &rules.accounts["RocketMQ"];
        assert_eq!(a.secret_key, "12345678");
        assert_eq!(a.white, AddressPattern::Nothing);
        assert_eq!(a.default_group_perm, permission::SUB);
        assert_eq!(a.perms["topicB"], permission::PUB | permission::SUB);
        assert_eq!(a.perms["%RETRY%groupA"], permission::DENY);
        assert!(rules.accounts["rocketmq2"].admin);
        assert_eq!(
            rules.accounts["rocketmq2"].default_topic_perm,
            permission::DENY
        );
    }

    #[test]
    fn broken_files_say_why() {
        assert!(Rules::parse("accounts: [").is_err());
        let short = Rules::parse("accounts:\n  - accessKey: ab\n    secretKey: 12345678\n");
        assert!(short.unwrap_err().contains("longer than 6"));
        let bad_perm = Rules::parse(
            "accounts:\n  - accessKey: abcdefg\n    secretKey: 12345678\n    topicPerms: [x]\n",
        );
        assert!(bad_perm.unwrap_err().contains("topic:x"));
        assert!(Rules::parse("").unwrap().accounts.is_empty());
    }
}
