#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cometmq_fuzzkit::body::query_consume_time_span(data));
