//! ACL 1.0 admin headers (request codes 50–53), as Java 4.9's mqadmin sends them.

use crate::command_header;

command_header! {
    /// UPDATE_AND_CREATE_ACL_CONFIG (50) request: one account, created or changed.
    pub struct CreateAccessConfigRequestHeader {
        /// The account.
        req access_key: String = "accessKey",
        /// Its secret (unchanged when absent).
        opt secret_key: String = "secretKey",
        /// Its white address (unchanged when absent).
        opt white_remote_address: String = "whiteRemoteAddress",
        /// Admin account (Java always sends it).
        opt admin: bool = "admin",
        /// Permission on unlisted topics (unchanged when absent).
        opt default_topic_perm: String = "defaultTopicPerm",
        /// Permission on unlisted groups (unchanged when absent).
        opt default_group_perm: String = "defaultGroupPerm",
        /// `topic=PERM` entries, comma-separated (unchanged when absent).
        opt topic_perms: String = "topicPerms",
        /// `group=PERM` entries, comma-separated (unchanged when absent).
        opt group_perms: String = "groupPerms",
    }
}

command_header! {
    /// DELETE_ACL_CONFIG (51) request.
    pub struct DeleteAccessConfigRequestHeader {
        /// The account to delete.
        req access_key: String = "accessKey",
    }
}

command_header! {
    /// UPDATE_GLOBAL_WHITE_ADDRS_CONFIG (53) request.
    pub struct UpdateGlobalWhiteAddrsConfigRequestHeader {
        /// The new list, comma-separated (empty clears it).
        opt global_white_addrs: String = "globalWhiteAddrs",
        /// 4.9.x: which ACL file; CometMQ has one.
        opt acl_file_full_path: String = "aclFileFullPath",
    }
}

command_header! {
    /// GET_BROKER_CLUSTER_ACL_INFO (52) response.
    pub struct GetBrokerAclConfigResponseHeader {
        /// The ACL file's DataVersion (JSON).
        opt version: String = "version",
        /// Each ACL file's DataVersion, `{"path": version}` (JSON).
        opt all_acl_file_version: String = "allAclFileVersion",
        /// The broker's name.
        opt broker_name: String = "brokerName",
        /// The broker's address.
        opt broker_addr: String = "brokerAddr",
        /// The broker's cluster.
        opt cluster_name: String = "clusterName",
    }
}
