#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cometmq_fuzzkit::body::consume_stats(data));
