//! Property tests for the typed headers: write_to → read_from round trips, V1 ↔ V2 send
//! conversions, lenient integer forms, and "no panic on any input".

use cometmq_remoting::code::request;
use cometmq_remoting::header::{
    CommandHeader, HeaderValue, PullMessageRequestHeader, PullMessageResponseHeader,
    RegisterBrokerRequestHeader, SendMessageRequestHeader, SendMessageRequestHeaderV2,
};
use cometmq_remoting::ExtFields;
use proptest::collection::hash_map;
use proptest::option;
use proptest::prelude::*;

fn send_v1() -> impl Strategy<Value = SendMessageRequestHeader> {
    (
        (
            any::<String>(),
            any::<String>(),
            any::<String>(),
            any::<i32>(),
            any::<i32>(),
            any::<i32>(),
            any::<i64>(),
            any::<i32>(),
        ),
        (
            option::of(any::<String>()),
            option::of(any::<i32>()),
            option::of(any::<bool>()),
            option::of(any::<bool>()),
            option::of(any::<i32>()),
            option::of(any::<String>()),
        ),
    )
        .prop_map(
            |((pg, topic, dt, dtqn, qid, sys, born, flag), (p, rt, um, b, mrt, bn))| {
                SendMessageRequestHeader {
                    producer_group: pg,
                    topic,
                    default_topic: dt,
                    default_topic_queue_nums: dtqn,
                    queue_id: qid,
                    sys_flag: sys,
                    born_timestamp: born,
                    flag,
                    properties: p,
                    reconsume_times: rt,
                    unit_mode: um,
                    batch: b,
                    max_reconsume_times: mrt,
                    broker_name: bn,
                }
            },
        )
}

fn pull_request() -> impl Strategy<Value = PullMessageRequestHeader> {
    (
        (
            any::<String>(),
            any::<String>(),
            any::<i32>(),
            any::<i64>(),
            any::<i32>(),
            any::<i32>(),
        ),
        (
            any::<i64>(),
            any::<i64>(),
            option::of(any::<String>()),
            any::<i64>(),
            option::of(any::<String>()),
            option::of(any::<i32>()),
        ),
    )
        .prop_map(
            |((cg, topic, qid, qo, mmn, sys), (co, stm, sub, sv, et, mmb))| {
                PullMessageRequestHeader {
                    consumer_group: cg,
                    topic,
                    queue_id: qid,
                    queue_offset: qo,
                    max_msg_nums: mmn,
                    sys_flag: sys,
                    commit_offset: co,
                    suspend_timeout_millis: stm,
                    subscription: sub,
                    sub_version: sv,
                    expression_type: et,
                    max_msg_bytes: mmb,
                }
            },
        )
}

fn pull_response() -> impl Strategy<Value = PullMessageResponseHeader> {
    (
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
        any::<i64>(),
        option::of(any::<i64>()),
        option::of(any::<i32>()),
        option::of(any::<i32>()),
        option::of(any::<i32>()),
    )
        .prop_map(
            |(s, n, min, max, od, tsf, gsf, ft)| PullMessageResponseHeader {
                suggest_which_broker_id: s,
                next_begin_offset: n,
                min_offset: min,
                max_offset: max,
                offset_delta: od,
                topic_sys_flag: tsf,
                group_sys_flag: gsf,
                forbidden_type: ft,
            },
        )
}

fn register_broker() -> impl Strategy<Value = RegisterBrokerRequestHeader> {
    (
        (
            any::<String>(),
            any::<String>(),
            any::<String>(),
            any::<String>(),
            any::<i64>(),
        ),
        (
            option::of(any::<i64>()),
            option::of(any::<bool>()),
            option::of(any::<bool>()),
            option::of(any::<i32>()),
            option::of(any::<String>()),
        ),
    )
        .prop_map(|((bn, ba, cn, ha, id), (hb, am, c, crc, zone))| {
            RegisterBrokerRequestHeader {
                broker_name: bn,
                broker_addr: ba,
                cluster_name: cn,
                ha_server_addr: ha,
                broker_id: id,
                heartbeat_timeout_millis: hb,
                enable_acting_master: am,
                compressed: c,
                body_crc32: crc,
                zone_name: zone,
            }
        })
}

/// V1 key ↔ V2 key, in reference §3.2 order.
const V1_TO_V2: &[(&str, &str)] = &[
    ("producerGroup", "a"),
    ("topic", "b"),
    ("defaultTopic", "c"),
    ("defaultTopicQueueNums", "d"),
    ("queueId", "e"),
    ("sysFlag", "f"),
    ("bornTimestamp", "g"),
    ("flag", "h"),
    ("properties", "i"),
    ("reconsumeTimes", "j"),
    ("unitMode", "k"),
    ("maxReconsumeTimes", "l"),
    ("batch", "m"),
    ("bname", "n"),
];

/// Every key the fuzzed headers know, plus a stray one.
fn any_key() -> impl Strategy<Value = String> {
    let mut keys: Vec<&'static str> = Vec::new();
    for fields in [
        SendMessageRequestHeader::FIELDS,
        SendMessageRequestHeaderV2::FIELDS,
        PullMessageRequestHeader::FIELDS,
        PullMessageResponseHeader::FIELDS,
        RegisterBrokerRequestHeader::FIELDS,
    ] {
        keys.extend(fields.iter().map(|f| f.key));
    }
    keys.push("ns");
    proptest::sample::select(keys).prop_map(str::to_owned)
}

/// Values that look like what clients send, plus arbitrary junk.
fn any_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| format!(" {n}.0 ")),
        any::<bool>().prop_map(|b| b.to_string().to_uppercase()),
        Just(String::new()),
        "[ +\\-0-9.eE]{0,24}",
        any::<String>(),
    ]
}

fn fuzz_one<H: CommandHeader + PartialEq + std::fmt::Debug>(fields: &ExtFields) {
    if let Ok(h) = H::read_from(fields) {
        // Whatever decodes re-encodes canonically and decodes to the same value.
        assert_eq!(H::read_from(&h.to_ext_fields()).as_ref(), Ok(&h));
    }
}

/// Named `header` so `cargo test -p cometmq-remoting header` selects these.
mod header {
    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn send_v1_round_trip(h in send_v1()) {
            let fields = h.to_ext_fields();
            prop_assert_eq!(SendMessageRequestHeader::read_from(&fields), Ok(h.clone()));
            prop_assert_eq!(
                SendMessageRequestHeader::read_for_code(request::SEND_MESSAGE, &fields),
                Ok(h)
            );
        }

        #[test]
        fn send_v2_round_trip_and_conversion(h in send_v1()) {
            let v2 = SendMessageRequestHeaderV2::from(h.clone());
            let v2_fields = v2.to_ext_fields();
            prop_assert_eq!(SendMessageRequestHeaderV2::read_from(&v2_fields), Ok(v2.clone()));
            prop_assert_eq!(SendMessageRequestHeader::from(v2), h.clone());
            for code in [
                request::SEND_MESSAGE_V2,
                request::SEND_BATCH_MESSAGE,
                request::SEND_REPLY_MESSAGE_V2,
            ] {
                prop_assert_eq!(
                    SendMessageRequestHeader::read_for_code(code, &v2_fields),
                    Ok(h.clone())
                );
            }
            // Same values under the mapped keys, nothing else.
            let v1_fields = h.to_ext_fields();
            prop_assert_eq!(v1_fields.len(), v2_fields.len());
            for (long, short) in V1_TO_V2 {
                prop_assert_eq!(v1_fields.get(long), v2_fields.get(short));
            }
        }

        #[test]
        fn pull_round_trip(req in pull_request(), resp in pull_response()) {
            prop_assert_eq!(
                PullMessageRequestHeader::read_from(&req.to_ext_fields()),
                Ok(req)
            );
            prop_assert_eq!(
                PullMessageResponseHeader::read_from(&resp.to_ext_fields()),
                Ok(resp)
            );
        }

        #[test]
        fn register_broker_round_trip(h in register_broker()) {
            prop_assert_eq!(RegisterBrokerRequestHeader::read_from(&h.to_ext_fields()), Ok(h));
        }

        #[test]
        fn lenient_integer_forms(n in any::<i64>(), m in any::<i32>()) {
            prop_assert_eq!(i64::parse("k", &format!("  {n}\t")), Ok(n));
            prop_assert_eq!(i64::parse("k", &format!("{n}.0")), Ok(n));
            prop_assert_eq!(i32::parse("k", &format!("{m}.000")), Ok(m));
            if m >= 0 {
                prop_assert_eq!(i32::parse("k", &format!("+{m}")), Ok(m));
            }
            prop_assert_eq!(i32::parse("k", &m.render()), Ok(m));
            prop_assert_eq!(i64::parse("k", &n.render()), Ok(n));
        }

        #[test]
        fn no_panic_on_any_input(fields in hash_map(any_key(), any_value(), 0..40)) {
            let fields: ExtFields = fields.into_iter().collect();
            fuzz_one::<SendMessageRequestHeader>(&fields);
            fuzz_one::<SendMessageRequestHeaderV2>(&fields);
            fuzz_one::<PullMessageRequestHeader>(&fields);
            fuzz_one::<PullMessageResponseHeader>(&fields);
            fuzz_one::<RegisterBrokerRequestHeader>(&fields);
            for code in [request::SEND_MESSAGE, request::SEND_MESSAGE_V2, 0, -1, i32::MAX] {
                let _ = SendMessageRequestHeader::read_for_code(code, &fields);
            }
        }

        #[test]
        fn mutated_valid_headers_never_panic(
            h in send_v1(),
            p in pull_request(),
            r in register_broker(),
            idx in any::<prop::sample::Index>(),
            value in any_value(),
        ) {
            for mut fields in [
                h.to_ext_fields(),
                SendMessageRequestHeaderV2::from(h.clone()).to_ext_fields(),
                p.to_ext_fields(),
                r.to_ext_fields(),
            ] {
                let mut keys: Vec<String> = fields.iter().map(|(k, _)| k.to_owned()).collect();
                keys.sort();
                let key = idx.get(&keys).clone();
                fields.insert(key, value.clone());
                fuzz_one::<SendMessageRequestHeader>(&fields);
                fuzz_one::<SendMessageRequestHeaderV2>(&fields);
                fuzz_one::<PullMessageRequestHeader>(&fields);
                fuzz_one::<RegisterBrokerRequestHeader>(&fields);
            }
        }
    }
}
