#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cometmq_fuzzkit::protocol::json_header_fast(data));
