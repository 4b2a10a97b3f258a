#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cometmq_fuzzkit::body::lock_batch_response(data));
