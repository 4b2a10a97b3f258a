//! [`TraceContext`]: one trace event and its text form — Java's `TraceDataEncoder`, field
//! for field (4.9.8's order; the decoder also reads 5.x's records).
//!
//! ```
//! use cometmq_client::trace::{decode, TraceBean, TraceContext, TraceType};
//!
//! let pub_ctx = TraceContext {
//!     trace_type: TraceType::Pub,
//!     time_stamp: 1_700_000_000_000,
//!     group_name: "PG".into(),
//!     cost_time: 3,
//!     success: true,
//!     beans: vec![TraceBean { topic: "T".into(), msg_id: "ID1".into(), ..TraceBean::default() }],
//!     ..TraceContext::default()
//! };
//! let mut text = String::new();
//! pub_ctx.encode(&mut text);
//! assert_eq!(decode(&text), vec![pub_ctx]);
//! ```

use std::fmt::Write;

use super::{CONTENT_SPLITOR as C, DEFAULT_REGION, FIELD_SPLITOR as F};

/// What a trace record says happened (Java `TraceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum TraceType {
    /// Sent by a producer.
    #[default]
    Pub,
    /// Handed to a consumer's listener.
    SubBefore,
    /// The listener returned.
    SubAfter,
    /// A transaction was committed or rolled back.
    EndTransaction,
}

impl TraceType {
    /// The name written in the record.
    pub fn name(self) -> &'static str {
        match self {
            TraceType::Pub => "Pub",
            TraceType::SubBefore => "SubBefore",
            TraceType::SubAfter => "SubAfter",
            TraceType::EndTransaction => "EndTransaction",
        }
    }
}

/// One message of a trace event (Java `TraceBean`). Strings Java leaves null are written
/// `null`, as Java's `StringBuilder` does.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceBean {
    /// Topic.
    pub topic: String,
    /// The message id (UNIQ_KEY).
    pub msg_id: String,
    /// The broker-assigned offset message id.
    pub offset_msg_id: String,
    /// Tags.
    pub tags: String,
    /// Keys.
    pub keys: String,
    /// Broker address (`ip:port`).
    pub store_host: String,
    /// Client address, when the record carries it (5.x Pub records).
    pub client_host: String,
    /// When the broker stored it (ms); not part of the text.
    pub store_time: i64,
    /// Reconsume times (SubBefore).
    pub retry_times: i32,
    /// Body size (Pub).
    pub body_length: i32,
    /// Java `MessageType` ordinal: 0 normal, 1 transaction half, 2 transaction commit,
    /// 3 delay.
    pub msg_type: i32,
    /// Transaction id (EndTransaction).
    pub transaction_id: String,
    /// `COMMIT_MESSAGE`, `ROLLBACK_MESSAGE` or `UNKNOW` (EndTransaction).
    pub transaction_state: String,
    /// Whether the end came from a broker's check (EndTransaction).
    pub from_transaction_check: bool,
}

impl Default for TraceBean {
    fn default() -> Self {
        TraceBean {
            topic: String::new(),
            msg_id: String::new(),
            offset_msg_id: String::new(),
            tags: "null".into(),
            keys: "null".into(),
            store_host: String::new(),
            client_host: String::new(),
            store_time: 0,
            retry_times: 0,
            body_length: 0,
            msg_type: 0,
            transaction_id: "null".into(),
            transaction_state: "UNKNOW".into(),
            from_transaction_check: false,
        }
    }
}

/// One trace event (Java `TraceContext`): who, when, how long, and its messages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceContext {
    /// What happened.
    pub trace_type: TraceType,
    /// When, ms.
    pub time_stamp: i64,
    /// Region (`DefaultRegion` unless the broker says otherwise).
    pub region_id: String,
    /// Producer or consumer group.
    pub group_name: String,
    /// How long it took, ms (per message for consume events).
    pub cost_time: i32,
    /// Whether it succeeded.
    pub success: bool,
    /// Pairs SubBefore and SubAfter of one listener call.
    pub request_id: String,
    /// Java `ConsumeReturnType` ordinal of SubAfter: 0 success, 1 time-out, 2 exception,
    /// 3 returned null, 4 failed.
    pub context_code: i32,
    /// The messages.
    pub beans: Vec<TraceBean>,
}

impl Default for TraceContext {
    fn default() -> Self {
        TraceContext {
            trace_type: TraceType::Pub,
            time_stamp: 0,
            region_id: DEFAULT_REGION.into(),
            group_name: String::new(),
            cost_time: 0,
            success: true,
            request_id: String::new(),
            context_code: 0,
            beans: Vec::new(),
        }
    }
}

impl TraceContext {
    /// Appends the records of this event to `out`, as Java 4.9.8's
    /// `TraceDataEncoder.encoderFromContextBean` writes them (one record per message for
    /// consume events).
    pub fn encode(&self, out: &mut String) {
        let t = self.trace_type.name();
        match self.trace_type {
            TraceType::Pub => {
                let Some(b) = self.beans.first() else { return };
                let _ = write!(
                    out,
                    "{t}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{F}",
                    self.time_stamp,
                    self.region_id,
                    self.group_name,
                    b.topic,
                    b.msg_id,
                    b.tags,
                    b.keys,
                    b.store_host,
                    b.body_length,
                    self.cost_time,
                    b.msg_type,
                    b.offset_msg_id,
                    self.success
                );
            }
            TraceType::SubBefore => {
                for b in &self.beans {
                    let _ = write!(
                        out,
                        "{t}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{F}",
                        self.time_stamp,
                        self.region_id,
                        self.group_name,
                        self.request_id,
                        b.msg_id,
                        b.retry_times,
                        b.keys
                    );
                }
            }
            TraceType::SubAfter => {
                for b in &self.beans {
                    let _ = write!(
                        out,
                        "{t}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{F}",
                        self.request_id,
                        b.msg_id,
                        self.cost_time,
                        self.success,
                        b.keys,
                        self.context_code,
                        self.time_stamp,
                        self.group_name
                    );
                }
            }
            TraceType::EndTransaction => {
                let Some(b) = self.beans.first() else { return };
                let _ = write!(
                    out,
                    "{t}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{C}{}{F}",
                    self.time_stamp,
                    self.region_id,
                    self.group_name,
                    b.topic,
                    b.msg_id,
                    b.tags,
                    b.keys,
                    b.store_host,
                    b.msg_type,
                    b.transaction_id,
                    b.transaction_state,
                    b.from_transaction_check
                );
            }
        }
    }

    /// The keys the trace message is stored under: each message's id and keys (Java
    /// `TraceTransferBean.transKey`).
    pub fn keys(&self, into: &mut Vec<String>) {
        for b in &self.beans {
            into.push(b.msg_id.clone());
            if !b.keys.is_empty() && b.keys != "null" {
                into.push(b.keys.clone());
            }
        }
    }
}

/// Reads the records of a trace message body (Java
/// `TraceDataEncoder.decoderFromTraceDataString`, for 4.9.x's and 5.x's layouts). A record
/// that is not one of the four types, or is cut short, is skipped.
pub fn decode(data: &str) -> Vec<TraceContext> {
    data.split(F)
        .filter(|r| !r.is_empty())
        .filter_map(|r| decode_record(&r.split(C).collect::<Vec<_>>()))
        .collect()
}

fn decode_record(f: &[&str]) -> Option<TraceContext> {
    let s = |i: usize| f.get(i).map(|v| (*v).to_owned());
    let int = |i: usize| f.get(i).and_then(|v| v.parse::<i64>().ok());
    let boolean = |i: usize| f.get(i).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    match *f.first()? {
        "Pub" => {
            let mut b = TraceBean {
                topic: s(4)?,
                msg_id: s(5)?,
                tags: s(6)?,
                keys: s(7)?,
                store_host: s(8)?,
                body_length: int(9)? as i32,
                msg_type: int(11)? as i32,
                ..TraceBean::default()
            };
            let success = match f.len() {
                13 => boolean(12),
                _ => {
                    b.offset_msg_id = s(12).unwrap_or_default();
                    b.client_host = s(14).unwrap_or_default();
                    boolean(13)
                }
            };
            Some(TraceContext {
                trace_type: TraceType::Pub,
                time_stamp: int(1)?,
                region_id: s(2)?,
                group_name: s(3)?,
                cost_time: int(10)? as i32,
                success,
                beans: vec![b],
                ..TraceContext::default()
            })
        }
        "SubBefore" => Some(TraceContext {
            trace_type: TraceType::SubBefore,
            time_stamp: int(1)?,
            region_id: s(2)?,
            group_name: s(3)?,
            request_id: s(4)?,
            beans: vec![TraceBean {
                msg_id: s(5)?,
                retry_times: int(6)? as i32,
                keys: s(7).unwrap_or_default(),
                ..TraceBean::default()
            }],
            ..TraceContext::default()
        }),
        "SubAfter" => Some(TraceContext {
            trace_type: TraceType::SubAfter,
            request_id: s(1)?,
            cost_time: int(3)? as i32,
            success: boolean(4),
            context_code: int(6).unwrap_or(0) as i32,
            time_stamp: int(7).unwrap_or(0),
            group_name: s(8).unwrap_or_default(),
            beans: vec![TraceBean {
                msg_id: s(2)?,
                keys: s(5)?,
                ..TraceBean::default()
            }],
            ..TraceContext::default()
        }),
        "EndTransaction" => Some(TraceContext {
            trace_type: TraceType::EndTransaction,
            time_stamp: int(1)?,
            region_id: s(2)?,
            group_name: s(3)?,
            beans: vec![TraceBean {
                topic: s(4)?,
                msg_id: s(5)?,
                tags: s(6)?,
                keys: s(7)?,
                store_host: s(8)?,
                msg_type: int(9)? as i32,
                transaction_id: s(10)?,
                transaction_state: s(11)?,
                from_transaction_check: boolean(12),
                ..TraceBean::default()
            }],
            ..TraceContext::default()
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records as Java 4.9.8's encoder writes them (fields from its bytecode's order).
    const JAVA_PUB: &str = "Pub\u{1}1700000000000\u{1}DefaultRegion\u{1}PG\u{1}T\u{1}7F0000010001\u{1}TagA\u{1}k1\u{1}10.0.0.1:10911\u{1}5\u{1}2\u{1}0\u{1}0A00000100002A9F0000000000000064\u{1}true\u{2}";
    const JAVA_SUB_AFTER: &str =
        "SubAfter\u{1}REQ1\u{1}7F0000010001\u{1}4\u{1}true\u{1}k1\u{1}0\u{1}1700000000009\u{1}CG\u{2}";

    #[test]
    fn reads_javas_records_and_writes_them_back_identically() {
        let mut all = String::from(JAVA_PUB);
        all.push_str("SubBefore\u{1}1700000000005\u{1}DefaultRegion\u{1}CG\u{1}REQ1\u{1}7F0000010001\u{1}0\u{1}k1\u{2}");
        all.push_str(JAVA_SUB_AFTER);
        let ctxs = decode(&all);
        assert_eq!(ctxs.len(), 3);
        assert_eq!(ctxs[0].trace_type, TraceType::Pub);
        assert_eq!(
            ctxs[0].beans[0].offset_msg_id,
            "0A00000100002A9F0000000000000064"
        );
        assert_eq!(ctxs[0].cost_time, 2);
        assert_eq!(ctxs[1].request_id, "REQ1");
        assert_eq!(ctxs[2].group_name, "CG");
        assert_eq!(ctxs[2].time_stamp, 1_700_000_000_009);
        let mut again = String::new();
        for c in &ctxs {
            c.encode(&mut again);
        }
        assert_eq!(again, all);
        let mut keys = Vec::new();
        ctxs[0].keys(&mut keys);
        assert_eq!(keys, ["7F0000010001", "k1"]);
    }

    #[test]
    fn reads_other_layouts_and_skips_garbage() {
        // 5.x Pub with the client host; 4.x Pub without the offset id; an old SubAfter.
        let five = "Pub\u{1}1\u{1}R\u{1}PG\u{1}T\u{1}ID\u{1}null\u{1}null\u{1}h:1\u{1}0\u{1}0\u{1}0\u{1}OFF\u{1}false\u{1}10.0.0.2\u{2}";
        let c = decode(five);
        assert_eq!(c[0].beans[0].client_host, "10.0.0.2");
        assert!(!c[0].success);
        let old = "Pub\u{1}1\u{1}R\u{1}PG\u{1}T\u{1}ID\u{1}t\u{1}k\u{1}h:1\u{1}0\u{1}0\u{1}0\u{1}true\u{2}SubAfter\u{1}R\u{1}ID\u{1}1\u{1}true\u{1}k\u{2}";
        let c = decode(old);
        assert_eq!(c.len(), 2);
        assert!(c[0].success);
        assert_eq!(c[1].time_stamp, 0);
        for junk in [
            "",
            "\u{2}\u{2}",
            "Pub\u{1}x",
            "Nope\u{1}1\u{2}",
            "SubBefore\u{1}1\u{1}R",
        ] {
            assert!(decode(junk).is_empty(), "{junk:?}");
        }
    }
}
