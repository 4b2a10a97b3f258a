//! Response codes (reference §2.2).
//!
//! 209–211 mean different things in 4.x (ACL failures) and 5.x (POLLING_FULL, POLLING_TIMEOUT,
//! BROKER_NOT_EXIST); the table names the 5.x meaning and `ACL_*` aliases give the 4.x one.

super::code_table! {
    SUCCESS = 0,
    SYSTEM_ERROR = 1,
    SYSTEM_BUSY = 2,
    REQUEST_CODE_NOT_SUPPORTED = 3,
    TRANSACTION_FAILED = 4,
    /// Stored, but the flush did not finish in `syncFlushTimeout`.
    FLUSH_DISK_TIMEOUT = 10,
    /// Stored on the master, but no slave is available (SYNC_MASTER).
    SLAVE_NOT_AVAILABLE = 11,
    /// Stored on the master, but the slave did not confirm in time (SYNC_MASTER).
    FLUSH_SLAVE_TIMEOUT = 12,
    MESSAGE_ILLEGAL = 13,
    SERVICE_NOT_AVAILABLE = 14,
    VERSION_NOT_SUPPORTED = 15,
    NO_PERMISSION = 16,
    TOPIC_NOT_EXIST = 17,
    TOPIC_EXIST_ALREADY = 18,
    PULL_NOT_FOUND = 19,
    PULL_RETRY_IMMEDIATELY = 20,
    PULL_OFFSET_MOVED = 21,
    QUERY_NOT_FOUND = 22,
    SUBSCRIPTION_PARSE_FAILED = 23,
    SUBSCRIPTION_NOT_EXIST = 24,
    SUBSCRIPTION_NOT_LATEST = 25,
    SUBSCRIPTION_GROUP_NOT_EXIST = 26,
    FILTER_DATA_NOT_EXIST = 27,
    FILTER_DATA_NOT_LATEST = 28,
    INVALID_PARAMETER = 29,
    TRANSACTION_SHOULD_COMMIT = 200,
    TRANSACTION_SHOULD_ROLLBACK = 201,
    TRANSACTION_STATE_UNKNOW = 202,
    TRANSACTION_STATE_GROUP_WRONG = 203,
    NO_BUYER_ID = 204,
    NOT_IN_CURRENT_UNIT = 205,
    CONSUMER_NOT_ONLINE = 206,
    CONSUME_MSG_TIMEOUT = 207,
    NO_MESSAGE = 208,
    POLLING_FULL = 209,
    POLLING_TIMEOUT = 210,
    BROKER_NOT_EXIST = 211,
    BROKER_DISPATCH_NOT_COMPLETE = 212,
    BROADCAST_CONSUMPTION = 213,
    FLOW_CONTROL = 215,
    NOT_LEADER_FOR_QUEUE = 501,
    ILLEGAL_OPERATION = 604,
    GO_AWAY = 1500,
    /// Client-side pseudo codes: never sent on the wire.
    RPC_UNKNOWN = -1000,
    ADDR_IS_NULL = -1002,
    SEND_TO_CHANNEL_FAILED = -1004,
    TIME_OUT = -1006,
}

/// 4.x meaning of 209.
pub const UPDATE_AND_CREATE_ACL_CONFIG_FAILED: i32 = 209;
/// 4.x meaning of 210.
pub const DELETE_ACL_CONFIG_FAILED: i32 = 210;
/// 4.x meaning of 211.
pub const UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED: i32 = 211;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            name(REQUEST_CODE_NOT_SUPPORTED),
            Some("REQUEST_CODE_NOT_SUPPORTED")
        );
        assert_eq!(name(FLUSH_SLAVE_TIMEOUT), Some("FLUSH_SLAVE_TIMEOUT"));
        assert_eq!(name(12345), None);
    }
}
