//! ACL 1.0 administration (Java 4.9's `updateAclConfig`, `deleteAclConfig`,
//! `clusterAclConfigVersion`, `updateGlobalWhiteAddr`): each request goes to one broker;
//! mqadmin sends it to every master of a cluster.

use cometmq_remoting::code::request;
use cometmq_remoting::header::{
    DeleteAccessConfigRequestHeader, GetBrokerAclConfigResponseHeader,
    UpdateGlobalWhiteAddrsConfigRequestHeader,
};
use cometmq_remoting::RemotingCommand;

use super::Admin;
use crate::error::Result;

pub use cometmq_remoting::header::CreateAccessConfigRequestHeader as AclAccount;

impl Admin {
    /// Creates the account, or changes the fields `account` carries (UPDATE_AND_CREATE_ACL_CONFIG).
    pub async fn update_acl_account(&self, addr: &str, account: &AclAccount) -> Result<()> {
        let req =
            RemotingCommand::request_with_header(request::UPDATE_AND_CREATE_ACL_CONFIG, account);
        self.call(addr, req).await.map(drop)
    }

    /// Deletes the account (DELETE_ACL_CONFIG).
    pub async fn delete_acl_account(&self, addr: &str, access_key: &str) -> Result<()> {
        let header = DeleteAccessConfigRequestHeader {
            access_key: access_key.to_owned(),
        };
        let req = RemotingCommand::request_with_header(request::DELETE_ACL_CONFIG, &header);
        self.call(addr, req).await.map(drop)
    }

    /// Replaces the global white list (UPDATE_GLOBAL_WHITE_ADDRS_CONFIG); `addrs` is
    /// comma-separated.
    pub async fn update_global_white_addrs(
        &self,
        addr: &str,
        addrs: &str,
        acl_file: Option<&str>,
    ) -> Result<()> {
        let header = UpdateGlobalWhiteAddrsConfigRequestHeader {
            global_white_addrs: Some(addrs.to_owned()),
            acl_file_full_path: acl_file.map(str::to_owned),
        };
        let req = RemotingCommand::request_with_header(
            request::UPDATE_GLOBAL_WHITE_ADDRS_CONFIG,
            &header,
        );
        self.call(addr, req).await.map(drop)
    }

    /// The broker's ACL file version and names (GET_BROKER_CLUSTER_ACL_INFO).
    pub async fn acl_config_version(&self, addr: &str) -> Result<GetBrokerAclConfigResponseHeader> {
        let code = request::GET_BROKER_CLUSTER_ACL_INFO;
        let resp = self.call(addr, RemotingCommand::request(code)).await?;
        resp.decode_header()
            .map_err(|e| crate::ClientError::invalid("GET_BROKER_CLUSTER_ACL_INFO", e.to_string()))
    }
}
