//! Request codes that RocketMQ's clients and mqadmin can send but CometMQ does not serve
//! (yet): each is answered with REQUEST_CODE_NOT_SUPPORTED, as a Java broker without the
//! feature answers, with a remark naming the feature, and logged once per code.
//!
//! The code stays REQUEST_CODE_NOT_SUPPORTED on purpose: clients treat it as "this broker
//! lacks the feature" (CometMQ's own slave sync does, for GET_ALL_DELAY_OFFSET), where any
//! other code would read as a failure of a feature that exists.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use cometmq_remoting::code::request as code;
use cometmq_remoting::code::response;
use cometmq_remoting::transport::Connection;
use cometmq_remoting::RemotingCommand;
use parking_lot::Mutex;

use crate::error::Reply;
use crate::state::BrokerState;

/// Features other issues build, with the request codes that belong to them.
pub const FEATURES: &[(&str, &[i32])] = &[
    (
        "timer messages",
        &[code::GET_TIMER_CHECK_POINT, code::GET_TIMER_METRICS],
    ),
    (
        "ACL",
        &[
            code::UPDATE_AND_CREATE_ACL_CONFIG,
            code::DELETE_ACL_CONFIG,
            code::GET_BROKER_CLUSTER_ACL_INFO,
            code::UPDATE_GLOBAL_WHITE_ADDRS_CONFIG,
            3001,
            3002,
            3003,
            3004,
            3005,
            3006,
            3007,
            3008,
            3009,
            3010,
        ],
    ),
    ("static topics", &[code::UPDATE_AND_CREATE_STATIC_TOPIC]),
    (
        "controller mode",
        &[
            1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
            1015, 1016, 1017, 1018,
        ],
    ),
    ("cold data flow control", &[2001, 2002, 2003, 2004]),
    ("message recall", &[code::RECALL_MESSAGE]),
    (
        "group forbidden lists",
        &[code::UPDATE_AND_GET_GROUP_FORBIDDEN],
    ),
    (
        "resuming the check of a half message",
        &[code::RESUME_CHECK_HALF_MESSAGE],
    ),
    (
        "consumer status through the broker (INVOKE_BROKER_TO_GET_CONSUMER_STATUS)",
        &[code::INVOKE_BROKER_TO_GET_CONSUMER_STATUS],
    ),
];

/// Codes in RocketMQ's RequestCode that Apache RocketMQ's broker does not serve either
/// (4.9.8 and 5.x answer REQUEST_CODE_NOT_SUPPORTED): answered the same way, with a remark
/// saying so.
pub const NOT_SERVED_BY_JAVA: &[i32] = &[
    code::QUERY_BROKER_OFFSET,
    code::GET_CLIENT_CONFIG,
    code::GET_TOPIC_CONFIG_LIST,
    code::GET_TOPIC_NAME_LIST,
    code::SUSPEND_CONSUMER,
    code::RESUME_CONSUMER,
    code::RESET_CONSUMER_OFFSET_IN_CONSUMER,
    code::RESET_CONSUMER_OFFSET_IN_BROKER,
    code::ADJUST_CONSUMER_THREAD_POOL,
    code::WHO_CONSUME_THE_MESSAGE,
    code::REGISTER_FILTER_SERVER,
    code::REGISTER_MESSAGE_FILTER_CLASS,
    // Declared in 5.x's RequestCode; no 5.x broker processor registers it.
    code::POP_ROLLBACK,
];

/// Every code this module answers.
pub fn codes() -> Vec<i32> {
    FEATURES
        .iter()
        .flat_map(|(_, codes)| codes.iter().copied())
        .chain(NOT_SERVED_BY_JAVA.iter().copied())
        .collect()
}

/// The answer's remark for `code`.
fn remark(code: i32) -> String {
    let name = code::name(code).unwrap_or("request");
    match FEATURES.iter().find(|(_, codes)| codes.contains(&code)) {
        Some((feature, _)) => {
            format!("CometMQ does not support {feature} yet ({name}, request code {code})")
        }
        None => format!(
            "request type {code} ({name}) not supported: Apache RocketMQ's broker does not serve it either"
        ),
    }
}

/// True the first time `code` is seen (so each is logged once).
fn first_time(code: i32) -> bool {
    static SEEN: OnceLock<Mutex<HashSet<i32>>> = OnceLock::new();
    SEEN.get_or_init(Default::default).lock().insert(code)
}

/// Answers a request for a feature CometMQ lacks.
pub async fn not_supported(
    _state: Arc<BrokerState>,
    conn: Connection,
    req: RemotingCommand,
) -> Reply {
    let remark = remark(req.code);
    if first_time(req.code) {
        tracing::warn!(peer = %conn.peer_addr(), code = req.code, "{remark}");
    }
    Ok(RemotingCommand::response(
        response::REQUEST_CODE_NOT_SUPPORTED,
        Some(remark),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remarks_name_the_feature() {
        assert_eq!(
            remark(code::RECALL_MESSAGE),
            "CometMQ does not support message recall yet (RECALL_MESSAGE, request code 370)"
        );
        assert!(remark(1005).contains("controller mode"));
        assert!(remark(code::GET_TOPIC_NAME_LIST).contains("does not serve it either"));
        let all = codes();
        let unique: HashSet<i32> = all.iter().copied().collect();
        assert_eq!(all.len(), unique.len(), "a code listed twice");
    }
}
