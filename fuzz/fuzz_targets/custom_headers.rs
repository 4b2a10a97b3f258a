#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cometmq_fuzzkit::protocol::custom_headers(data));
