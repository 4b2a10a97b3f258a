//! MQVersion ordinals carried in the `version` header field (reference §1.6).

/// V3_0_11: REGISTER_BROKER carries a RegisterBrokerBody from here on.
pub const V3_0_11: i32 = 37;
/// V3_4_9: `maxReconsumeTimes` is honoured from here on; ali-ons sends this.
pub const V3_4_9: i32 = 121;
/// V4_0_0.
pub const V4_0_0: i32 = 213;
/// V4_5_2: the Go client sends this.
pub const V4_5_2: i32 = 317;
/// V4_9_4: NameServer answers standard JSON route data from here on.
pub const V4_9_4: i32 = 401;
/// V5_0_0.
pub const V5_0_0: i32 = 413;
/// V5_3_3.
pub const V5_3_3: i32 = 479;

/// The version CometMQ puts in every command it sends: V5_3_3, so Java clients treat
/// our broker as current (they refuse SQL92 pulls from brokers older than 4.1).
pub const CURRENT: i32 = V5_3_3;
/// The name matching [`CURRENT`], for `brokerVersionDesc`.
pub const CURRENT_DESC: &str = "V5_3_3";
