//! The decode-one-input functions of CometMQ's fuzz targets (issue 14), in one place that
//! both callers share:
//! - `fuzz/fuzz_targets/<name>.rs`, the cargo-fuzz (libFuzzer) targets, one per decoder;
//! - `tests/corpus_replay.rs`, which replays every input kept in `fuzz/corpus/<name>/`
//!   on stable Rust, so that CI catches a regression without running the fuzzer.
//!
//! Each function feeds arbitrary bytes to one decoder of network or disk input. A decoder
//! must answer with an error, not a panic, in time linear in the input; where a decoded
//! value can be written back, the functions also check that it reads back the same (a
//! failed check panics, which libFuzzer reports as a crash).
//!
//! - [`protocol`]: the frame, the JSON header (fast scanner and serde fallback), the
//!   ROCKETMQ binary header, typed custom headers.
//! - [`body`]: every JSON body the servers (and the client) decode, and the compressed
//!   REGISTER_BROKER body.
//! - [`message`]: properties, stored records, the batch body, message ids.
//! - [`ha`]: the HA stream (transfer frames, slave reports).
//! - [`config`]: `.properties` text and the broker and NameServer config loaders.
//! - [`filter`]: SQL92 selectors.
//! - [`rocketmq5`]: POP receipts and bodies, controller bodies, the ACL file, trace bodies,
//!   the timer checkpoint.

// A broken invariant must stop the fuzzer with the input that broke it: panicking is how
// a libFuzzer target reports a finding.
#![allow(clippy::panic)]

pub mod body;
pub mod config;
pub mod filter;
pub mod ha;
pub mod message;
pub mod protocol;
pub mod rocketmq5;

/// One fuzz target: `name` is its file under `fuzz/fuzz_targets/` and its corpus directory
/// under `fuzz/corpus/`.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// Feeds one input to the decoder.
    pub run: fn(&[u8]),
}

macro_rules! targets {
    ($($name:literal => $run:path),* $(,)?) => {
        /// Every fuzz target, by name.
        pub const TARGETS: &[Target] = &[$(Target { name: $name, run: $run }),*];
    };
}

targets! {
    "frame" => protocol::frame,
    "json_header_fast" => protocol::json_header_fast,
    "json_header_serde" => protocol::json_header_serde,
    "binary_header" => protocol::binary_header,
    "custom_headers" => protocol::custom_headers,
    "body_topic_route_data" => body::topic_route_data,
    "body_cluster_info" => body::cluster_info,
    "body_register_broker" => body::register_broker,
    "body_register_broker_compressed" => body::register_broker_compressed,
    "body_topic_config_wrapper" => body::topic_config_wrapper,
    "body_subscription_group_config" => body::subscription_group_config,
    "body_subscription_group_wrapper" => body::subscription_group_wrapper,
    "body_consumer_offsets" => body::consumer_offsets,
    "body_delay_offsets" => body::delay_offsets,
    "body_data_version" => body::data_version,
    "body_heartbeat" => body::heartbeat,
    "body_lock_batch_request" => body::lock_batch_request,
    "body_lock_batch_response" => body::lock_batch_response,
    "body_consumer_running_info" => body::consumer_running_info,
    "body_consume_message_directly_result" => body::consume_message_directly_result,
    "body_reset_offset" => body::reset_offset,
    "body_get_consumer_status" => body::get_consumer_status,
    "body_query_consume_time_span" => body::query_consume_time_span,
    "body_consume_stats" => body::consume_stats,
    "body_topic_stats_table" => body::topic_stats_table,
    "body_connections" => body::connections,
    "body_lists" => body::lists,
    "body_kv_table" => body::kv_table,
    "properties" => message::properties,
    "record" => message::record,
    "record_stream" => message::record_stream,
    "store_record" => message::store_record,
    "batch" => message::batch,
    "message_id" => message::message_id,
    "ha_transfer" => ha::transfer,
    "ha_report" => ha::report,
    "java_properties" => config::java_properties,
    "broker_config" => config::broker_config,
    "namesrv_config" => config::namesrv_config,
    "sql92_selector" => filter::sql92_selector,
    "pop_receipt" => rocketmq5::pop_receipt,
    "pop_bodies" => rocketmq5::pop_bodies,
    "controller_bodies" => rocketmq5::controller_bodies,
    "acl_file" => rocketmq5::acl_file,
    "trace_body" => rocketmq5::trace_body,
    "timer_checkpoint" => rocketmq5::timer_checkpoint,
}

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}
