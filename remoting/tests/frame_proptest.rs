//! Property tests: random commands survive JSON and binary encode/decode, and a stream of
//! frames fed in random-sized chunks (as a socket would deliver them) decodes to the same
//! commands.

// Test helpers outside #[test] fns may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::{Bytes, BytesMut};
use cometmq_remoting::code::LanguageCode;
use cometmq_remoting::protocol::{decode_frame, encode_head_as, Body, FrameCodec};
use cometmq_remoting::{RemotingCommand, SerializeType};
use proptest::collection::{hash_map, vec};
use proptest::prelude::*;
use tokio_util::codec::{Decoder, Encoder};

fn language() -> impl Strategy<Value = LanguageCode> {
    (0u8..14).prop_map(LanguageCode::from_code)
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        Just(Body::Empty),
        vec(any::<u8>(), 1..300).prop_map(Body::from),
        vec(vec(any::<u8>(), 0..50), 0..4)
            .prop_map(|chunks| Body::from(chunks.into_iter().map(Bytes::from).collect::<Vec<_>>())),
    ]
}

prop_compose! {
    /// A command with arbitrary fields; `code`/`version` narrowed to `i16` when `narrow`.
    fn command(narrow: bool)(
        code in any::<i32>(),
        version in any::<i32>(),
        opaque in any::<i32>(),
        flag in any::<i32>(),
        language in language(),
        remark in proptest::option::of(any::<String>()),
        ext_fields in hash_map(any::<String>(), any::<String>(), 0..8),
        body in body(),
    ) -> RemotingCommand {
        let (code, version) = if narrow {
            (i32::from(code as i16), i32::from(version as i16))
        } else {
            (code, version)
        };
        RemotingCommand { code, version, opaque, flag, language, remark, ext_fields: ext_fields.into_iter().collect(), body, serialize_type: SerializeType::Json }
    }
}

fn encode_json(cmd: &RemotingCommand, out: &mut BytesMut) {
    FrameCodec::default().encode(cmd, out).unwrap();
}

fn encode_binary(cmd: &RemotingCommand, out: &mut BytesMut) {
    encode_head_as(cmd, SerializeType::RocketMq, out).unwrap();
    for chunk in cmd.body.chunks() {
        out.extend_from_slice(chunk);
    }
}

/// What the binary header can carry: empty remark/key/value are Java's null.
fn binary_view(cmd: &RemotingCommand) -> RemotingCommand {
    let mut expected = cmd.clone();
    expected.remark = cmd.remark.clone().filter(|r| !r.is_empty());
    expected.ext_fields = cmd
        .ext_fields
        .iter()
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect();
    expected.serialize_type = SerializeType::RocketMq;
    expected
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn json_round_trip(cmd in command(false)) {
        let mut out = BytesMut::new();
        encode_json(&cmd, &mut out);
        let back = decode_frame(out.freeze()).unwrap();
        prop_assert_eq!(back, cmd);
    }

    #[test]
    fn binary_round_trip(cmd in command(true)) {
        let mut out = BytesMut::new();
        encode_binary(&cmd, &mut out);
        let back = decode_frame(out.freeze()).unwrap();
        prop_assert_eq!(back, binary_view(&cmd));
    }

    #[test]
    fn streamed_frames_in_random_chunks(
        cmds in vec((command(true), any::<bool>()), 1..6),
        cuts in vec(1usize..64, 1..40),
    ) {
        let mut stream = BytesMut::new();
        let mut expected = Vec::new();
        for (cmd, binary) in &cmds {
            if *binary {
                encode_binary(cmd, &mut stream);
                expected.push(binary_view(cmd));
            } else {
                encode_json(cmd, &mut stream);
                expected.push(cmd.clone());
            }
        }
        let stream = stream.freeze();

        let mut codec = FrameCodec::default();
        let mut buf = BytesMut::new();
        let mut decoded = Vec::new();
        let mut pos = 0;
        let mut cut = cuts.iter().cycle();
        while pos < stream.len() {
            let n = (*cut.next().unwrap()).min(stream.len() - pos);
            buf.extend_from_slice(&stream[pos..pos + n]);
            pos += n;
            while let Some(cmd) = codec.decode(&mut buf).unwrap() {
                decoded.push(cmd);
            }
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(decoded, expected);
    }
}
