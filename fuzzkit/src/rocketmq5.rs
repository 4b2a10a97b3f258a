//! RocketMQ 5 inputs: POP receipts (`extraInfo`) and bodies, the controller's bodies, the
//! ACL file, message-trace bodies and the timer checkpoint.

use cometmq_broker::acl::address::AddressPattern;
use cometmq_broker::acl::rules::Rules;
use cometmq_broker::pop::records::{AckRecord, CheckPoint};
use cometmq_remoting::body::controller::{BrokerReplicasInfo, SyncStateSet};
use cometmq_remoting::body::pop::{
    BatchAckMessageRequestBody, QueryAssignmentRequestBody, SetMessageRequestModeRequestBody,
};
use cometmq_remoting::header::extra_info::Receipt;
use cometmq_store::timer::checkpoint::TimerCheckpoint;

/// A POP receipt (ACK_MESSAGE's and CHANGE_INVISIBLETIME's `extraInfo`): one that parses
/// is written back in Java's order and parses to the same receipt.
pub fn pop_receipt(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(r) = Receipt::parse(&text) else {
        return;
    };
    let again = format!(
        "{} {} {} {} {} {} {} 0",
        r.ck_offset, r.pop_time, r.invisible_time, r.revive_qid, r.retry, r.broker_name, r.queue_id
    );
    assert_eq!(
        Receipt::parse(&again).ok(),
        Some(r),
        "a receipt changed when written back: {again}"
    );
}

/// POP's JSON bodies (batch ack, assignment, request mode) and its revive-topic records.
pub fn pop_bodies(data: &[u8]) {
    crate::body::json::<BatchAckMessageRequestBody>(data);
    crate::body::json::<QueryAssignmentRequestBody>(data);
    crate::body::json::<SetMessageRequestModeRequestBody>(data);
    let _ = serde_json::from_slice::<CheckPoint>(data);
    let _ = serde_json::from_slice::<AckRecord>(data);
}

/// The controller's JSON bodies.
pub fn controller_bodies(data: &[u8]) {
    crate::body::json::<SyncStateSet>(data);
    crate::body::json::<BrokerReplicasInfo>(data);
}

/// `plain_acl.yml` text, and each line as an address pattern.
pub fn acl_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = Rules::parse(&text);
    for line in text.lines() {
        let _ = AddressPattern::parse(line);
    }
}

/// A message-trace body as Java's clients write it (read by mqadmin and the console).
pub fn trace_body(data: &[u8]) {
    let _ = cometmq_client::trace::record::decode(&String::from_utf8_lossy(data));
}

/// `config/timercheck`: any bytes decode (missing longs are 0), and a decoded checkpoint
/// encodes to bytes that decode the same.
pub fn timer_checkpoint(data: &[u8]) {
    let cp = TimerCheckpoint::decode(data);
    assert_eq!(TimerCheckpoint::decode(&cp.encode()), cp);
}
