//! Permission bits and the rule that compares a needed permission with an owned one
//! (Java's `org.apache.rocketmq.acl.common.Permission`).

use cometmq_remoting::code::request as code;

/// Nothing is allowed; wins over any other bit.
pub const DENY: u8 = 1;
/// Either PUB or SUB will do.
pub const ANY: u8 = 1 << 1;
/// Send to a topic.
pub const PUB: u8 = 1 << 2;
/// Consume from a topic, or use a group.
pub const SUB: u8 = 1 << 3;

/// True when `owned` grants `needed` (Java's `Permission.checkPermission`).
pub fn check(needed: u8, owned: u8) -> bool {
    if owned & DENY != 0 {
        return false;
    }
    if needed & ANY != 0 {
        return owned & (PUB | SUB) != 0;
    }
    needed & owned != 0
}

/// `PUB`, `SUB`, `PUB|SUB`, `SUB|PUB` or `DENY`; anything else, or nothing, is DENY
/// (Java's `Permission.parsePermFromString`).
pub fn parse(text: Option<&str>) -> u8 {
    match text.map(str::trim) {
        Some("PUB") => PUB,
        Some("SUB") => SUB,
        Some("PUB|SUB") | Some("SUB|PUB") => PUB | SUB,
        _ => DENY,
    }
}

/// The name of `perm` as plain_acl.yml spells it.
pub fn name(perm: u8) -> &'static str {
    if perm & DENY != 0 {
        "DENY"
    } else if perm & (PUB | SUB) == PUB | SUB {
        "PUB|SUB"
    } else if perm & PUB != 0 {
        "PUB"
    } else if perm & SUB != 0 {
        "SUB"
    } else {
        "DENY"
    }
}

/// Request codes only an `admin: true` account may send. Java's `Permission.ADMIN_CODE`
/// has the first five; CometMQ adds the ACL admin codes (50–53), which Java lets any
/// account send (docs/COMPATIBILITY.md).
pub fn needs_admin(request_code: i32) -> bool {
    matches!(
        request_code,
        code::UPDATE_AND_CREATE_TOPIC
            | code::UPDATE_BROKER_CONFIG
            | code::DELETE_TOPIC_IN_BROKER
            | code::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP
            | code::DELETE_SUBSCRIPTIONGROUP
            | code::UPDATE_AND_CREATE_ACL_CONFIG
            | code::DELETE_ACL_CONFIG
            | code::GET_BROKER_CLUSTER_ACL_INFO
            | code::UPDATE_GLOBAL_WHITE_ADDRS_CONFIG
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_wins_and_any_takes_either() {
        assert!(check(PUB, PUB | SUB));
        assert!(!check(PUB, SUB));
        assert!(!check(SUB, DENY | SUB));
        assert!(check(ANY, SUB));
        assert!(!check(ANY, DENY));
    }

    #[test]
    fn unknown_text_is_deny() {
        assert_eq!(parse(Some(" SUB|PUB ")), PUB | SUB);
        assert_eq!(parse(Some("pub")), DENY);
        assert_eq!(parse(None), DENY);
        assert_eq!(name(PUB | SUB), "PUB|SUB");
    }
}
