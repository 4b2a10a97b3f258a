//! The remoting frame and its headers (reference §1, §3).

use bytes::{Bytes, BytesMut};
use cometmq_remoting::body::client::SubscriptionData;
use cometmq_remoting::header::{self, CommandHeader};
use cometmq_remoting::protocol::{binary_header, decode_frame, json_header, FrameCodec};
use cometmq_remoting::{RemotingCommand, SerializeType};

/// A byte stream as a connection reads it: frames cut by [`FrameCodec`] (with a small
/// frame limit, so that length words over it are exercised) until a frame is incomplete or
/// bad (the connection closes there); and the same bytes as one [`decode_frame`].
pub fn frame(data: &[u8]) {
    let mut codec = FrameCodec::new(64 * 1024);
    let mut buf = BytesMut::from(data);
    while let Ok(Some(cmd)) = tokio_util::codec::Decoder::decode(&mut codec, &mut buf) {
        let _ = cmd.body.len();
    }
    let _ = decode_frame(Bytes::copy_from_slice(data));
}

/// The fast JSON header scanner alone. Whatever it accepts, the serde path must read the
/// same, and the header must survive being written and read back.
pub fn json_header_fast(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(cmd) = json_header::decode_fast(text) else {
        return;
    };
    match json_header::decode_serde(text) {
        Ok(slow) => assert_eq!(cmd, slow, "the fast and serde paths disagree on {text:?}"),
        Err(e) => panic!("the fast path accepts what serde refuses ({e}): {text:?}"),
    }
    json_round_trip(&cmd);
}

/// The serde (lenient) JSON header path alone; an accepted header reads back the same
/// once written.
pub fn json_header_serde(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cmd) = json_header::decode_serde(text) {
        json_round_trip(&cmd);
    }
    // The public entry point (fast path first) must agree with the fallback.
    let _ = json_header::decode(data);
}

fn json_round_trip(cmd: &RemotingCommand) {
    let mut buf = BytesMut::new();
    json_header::encode(cmd, &mut buf);
    match json_header::decode(&buf) {
        Ok(back) => assert_eq!(&back, cmd, "JSON header changed on a round trip"),
        Err(e) => panic!("our own JSON header does not read back ({e}): {buf:?}"),
    }
}

/// The ROCKETMQ binary header; an accepted header reads back the same once written.
pub fn binary_header(data: &[u8]) {
    let Ok(cmd) = binary_header::decode(data) else {
        return;
    };
    let mut buf = BytesMut::new();
    if binary_header::encode(&cmd, &mut buf).is_ok() {
        match binary_header::decode(&buf) {
            Ok(mut back) => {
                back.serialize_type = cmd.serialize_type;
                assert_eq!(back, cmd, "binary header changed on a round trip");
            }
            Err(e) => panic!("our own binary header does not read back ({e})"),
        }
    }
}

macro_rules! read_all {
    ($cmd:expr; $($ty:ident),* $(,)?) => {
        $( let _ = $cmd.decode_header::<header::$ty>(); )*
    };
}

/// The typed custom headers read from a JSON header's `extFields` (every header a server
/// decodes); a header that reads writes back to fields that read the same.
pub fn custom_headers(data: &[u8]) {
    let Ok(mut cmd) = json_header::decode(data) else {
        return;
    };
    cmd.serialize_type = SerializeType::Json;
    read_all!(cmd;
        CreateTopicRequestHeader, DeleteTopicRequestHeader, GetTopicStatsInfoRequestHeader,
        GetConsumeStatsRequestHeader, GetConsumerConnectionListRequestHeader,
        GetProducerConnectionListRequestHeader, DeleteSubscriptionGroupRequestHeader,
        QueryTopicConsumeByWhoRequestHeader, CloneGroupOffsetRequestHeader,
        QueryConsumeTimeSpanRequestHeader, ViewBrokerStatsDataRequestHeader,
        GetBrokerConfigResponseHeader, GetTopicConfigRequestHeader,
        QueryCorrectionOffsetRequestHeader, QueryTopicsByConsumerRequestHeader,
        UnregisterClientRequestHeader, NotifyConsumerIdsChangedRequestHeader,
        GetConsumerRunningInfoRequestHeader, ConsumeMessageDirectlyResultRequestHeader,
        ResetOffsetRequestHeader, GetConsumerStatusRequestHeader, RegisterBrokerRequestHeader,
        RegisterBrokerResponseHeader, UnregisterBrokerRequestHeader,
        BrokerHeartbeatRequestHeader, GetRouteInfoRequestHeader, PutKvConfigRequestHeader,
        GetKvConfigRequestHeader, GetKvConfigResponseHeader, DeleteKvConfigRequestHeader,
        GetKvListByNamespaceRequestHeader, DeleteTopicFromNamesrvRequestHeader,
        WipeWritePermOfBrokerRequestHeader, WipeWritePermOfBrokerResponseHeader,
        AddWritePermOfBrokerRequestHeader, AddWritePermOfBrokerResponseHeader,
        QueryDataVersionRequestHeader, QueryDataVersionResponseHeader,
        GetTopicsByClusterRequestHeader, QueryConsumerOffsetRequestHeader,
        QueryConsumerOffsetResponseHeader, UpdateConsumerOffsetRequestHeader,
        GetMaxOffsetRequestHeader, GetMaxOffsetResponseHeader, GetMinOffsetRequestHeader,
        GetMinOffsetResponseHeader, SearchOffsetRequestHeader, SearchOffsetResponseHeader,
        GetEarliestMsgStoretimeRequestHeader, GetEarliestMsgStoretimeResponseHeader,
        GetConsumerListByGroupRequestHeader, PullMessageRequestHeader,
        PullMessageResponseHeader, QueryMessageRequestHeader, QueryMessageResponseHeader,
        ViewMessageRequestHeader, SendMessageResponseHeader, EndTransactionRequestHeader,
        CheckTransactionStateRequestHeader, ConsumerSendMsgBackRequestHeader,
    );
    // A pull's own tag expression (sysFlag bit 2) becomes a subscription.
    if let Ok(h) = cmd.decode_header::<header::PullMessageRequestHeader>() {
        if let Some(expr) = &h.subscription {
            let s = SubscriptionData::for_tags(&h.topic, expr, 0);
            assert!(s.tags_set.len() <= expr.len(), "more tags than characters");
        }
    }
    // The send headers, the busiest, also write back.
    if let Ok(h) = cmd.decode_header::<header::SendMessageRequestHeader>() {
        let back = header::SendMessageRequestHeader::read_from(&h.to_ext_fields());
        assert!(back.is_ok(), "a send header does not read back: {back:?}");
    }
    if let Ok(h) = cmd.decode_header::<header::SendMessageRequestHeaderV2>() {
        let back = header::SendMessageRequestHeaderV2::read_from(&h.to_ext_fields());
        assert!(
            back.is_ok(),
            "a send header v2 does not read back: {back:?}"
        );
    }
}
