#![no_main]

libfuzzer_sys::fuzz_target!(
    |data: &[u8]| cometmq_fuzzkit::body::consume_message_directly_result(data)
);
