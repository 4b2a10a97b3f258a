//! A deterministic fuzz of [`FrameCodec::decode`]: random, truncated, bit-flipped, spliced and
//! oversized byte sequences must produce frames or errors, never panics, never unbounded
//! buffering; and a decode error must not stop a fresh decode of a valid frame.

// Test helpers outside #[test] fns may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::{BufMut, BytesMut};
use cometmq_remoting::code::LanguageCode;
use cometmq_remoting::protocol::{encode_head_as, FrameCodec};
use cometmq_remoting::{RemotingCommand, RemotingError, SerializeType};
use tokio_util::codec::{Decoder, Encoder};

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    /// Up to `max - 1` random bytes.
    fn bytes_upto(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max);
        self.bytes(n)
    }
    fn string(&mut self, max: usize) -> String {
        const POOL: &[&str] = &[
            "a", "Z", "0", "\"", "\\", "\n", "\u{1}", "é", "中", "😀", "{", "}",
        ];
        (0..self.below(max + 1))
            .map(|_| POOL[self.below(POOL.len())])
            .collect()
    }
}

const SMALL_MAX: usize = 64 * 1024;

fn random_command(rng: &mut Rng) -> RemotingCommand {
    let mut cmd = RemotingCommand {
        code: (rng.next() as i16).into(),
        version: (rng.next() as i16).into(),
        opaque: rng.next() as i32,
        flag: rng.below(4) as i32,
        language: LanguageCode::from_code(rng.below(16) as u8),
        remark: rng.chance(2).then(|| rng.string(20)),
        ..Default::default()
    };
    for _ in 0..rng.below(5) {
        cmd.ext_fields.insert(rng.string(8), rng.string(12));
    }
    let body_len = rng.below(40);
    cmd.body = rng.bytes(body_len).into();
    cmd
}

fn valid_frame(rng: &mut Rng) -> Vec<u8> {
    let cmd = random_command(rng);
    let mut out = BytesMut::new();
    if rng.chance(2) {
        FrameCodec::default().encode(&cmd, &mut out).unwrap();
    } else {
        encode_head_as(&cmd, SerializeType::RocketMq, &mut out).unwrap();
        out.extend_from_slice(&cmd.body.to_bytes());
    }
    out.to_vec()
}

/// A frame around hand-picked header bytes, with a correct length word.
fn wrap(ty: u8, header: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = BytesMut::new();
    out.put_i32((4 + header.len() + body.len()) as i32);
    out.put_u32(u32::from(ty) << 24 | header.len() as u32);
    out.put_slice(header);
    out.put_slice(body);
    out.to_vec()
}

fn mutate(rng: &mut Rng, frame: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        if frame.is_empty() {
            frame.push(rng.next() as u8);
            continue;
        }
        // Mostly leave the length word alone so the header decoders see the damage.
        let lo = if rng.chance(4) {
            0
        } else {
            8.min(frame.len() - 1)
        };
        let at = lo + rng.below(frame.len() - lo);
        match rng.below(6) {
            0 => frame[at] ^= 1 << rng.below(8),
            1 => frame[at] = rng.next() as u8,
            2 => frame.truncate(at),
            3 => frame.insert(at, rng.next() as u8),
            4 => {
                frame.remove(at);
            }
            _ => {
                const TOKENS: &[&[u8]] = &[
                    b"{", b"}", b"\"", b":", b",", b"[", b"null", b"-1", b"\xff", b"\\u",
                ];
                let t = TOKENS[rng.below(TOKENS.len())];
                frame.splice(at..at, t.iter().copied());
            }
        }
    }
}

/// Decodes everything in `buf`; each frame must consume bytes, and a pending frame must not
/// make the buffer grow beyond the limit.
fn drain(codec: &mut FrameCodec, buf: &mut BytesMut) -> Result<usize, RemotingError> {
    let mut frames = 0;
    loop {
        let before = buf.len();
        match codec.decode(buf)? {
            Some(_) => {
                assert!(buf.len() < before, "a decoded frame consumed nothing");
                frames += 1;
            }
            None => {
                assert!(
                    buf.capacity() <= codec.max_frame() + 4 + 8 * 1024,
                    "over-reserved"
                );
                return Ok(frames);
            }
        }
    }
}

/// After an error: both a fresh codec and the same codec with a fresh buffer decode a valid frame.
fn assert_recovers(rng: &mut Rng, codec: &mut FrameCodec) {
    let frame = valid_frame(rng);
    for c in [&mut FrameCodec::new(SMALL_MAX), codec] {
        let mut buf = BytesMut::from(&frame[..]);
        assert_eq!(drain(c, &mut buf).unwrap(), 1);
    }
}

fn run(rng: &mut Rng, bytes: &[u8], stats: &mut [usize; 2]) {
    let mut codec = FrameCodec::new(SMALL_MAX);
    let mut buf = BytesMut::from(bytes);
    match drain(&mut codec, &mut buf) {
        Ok(_) => stats[0] += 1,
        Err(_) => {
            stats[1] += 1;
            // Occasionally (it is a few microseconds each) check recovery.
            if rng.chance(8) {
                assert_recovers(rng, &mut codec);
            }
        }
    }
}

#[test]
fn fuzz_decode_never_panics() {
    let mut rng = Rng(0x5eed_c0de_f00d_1234);
    let mut stats = [0usize; 2];
    let mut cases = 0;

    // Pure noise, short and long.
    for _ in 0..4000 {
        let max = if rng.chance(4) { 512 } else { 24 };
        let bytes = rng.bytes_upto(max);
        run(&mut rng, &bytes, &mut stats);
        cases += 1;
    }
    // Noise behind a plausible frame prefix (valid length and type words).
    for _ in 0..4000 {
        let n = rng.below(200);
        let ty = if rng.chance(8) {
            rng.next() as u8
        } else {
            rng.below(2) as u8
        };
        let header_len = if rng.chance(8) {
            rng.below(300)
        } else {
            rng.below(n + 1)
        };
        let mut f = wrap(ty, &[], &rng.bytes(n));
        f[4..8].copy_from_slice(&(u32::from(ty) << 24 | header_len as u32).to_be_bytes());
        run(&mut rng, &f, &mut stats);
        cases += 1;
    }
    // Valid frames, mutated.
    for _ in 0..8000 {
        let mut f = valid_frame(&mut rng);
        mutate(&mut rng, &mut f);
        run(&mut rng, &f, &mut stats);
        cases += 1;
    }
    // Binary headers with hostile lengths inside a well-formed frame.
    for _ in 0..2000 {
        let mut h = BytesMut::new();
        h.put_i16(rng.next() as i16);
        h.put_u8(rng.next() as u8);
        h.put_i16(rng.next() as i16);
        h.put_i32(rng.next() as i32);
        h.put_i32(rng.next() as i32);
        let pick = |rng: &mut Rng| match rng.below(4) {
            0 => rng.next() as i32,
            1 => -(rng.below(10) as i32),
            _ => rng.below(12) as i32,
        };
        h.put_i32(pick(&mut rng));
        h.put_slice(&rng.bytes_upto(8));
        h.put_i32(pick(&mut rng));
        for _ in 0..rng.below(4) {
            h.put_i16(pick(&mut rng) as i16);
            h.put_slice(&rng.bytes_upto(6));
            h.put_i32(pick(&mut rng));
            h.put_slice(&rng.bytes_upto(6));
        }
        let f = wrap(1, &h, &rng.bytes_upto(4));
        run(&mut rng, &f, &mut stats);
        cases += 1;
    }
    // Oversized, negative and tiny length words, with and without following bytes.
    for _ in 0..2000 {
        let len: i32 = match rng.below(4) {
            0 => rng.next() as i32,
            1 => -(rng.below(1 << 20) as i32) - 1,
            2 => (SMALL_MAX + 1 + rng.below(1 << 28)) as i32,
            _ => rng.below(4) as i32,
        };
        let mut f = len.to_be_bytes().to_vec();
        let tail = rng.below(16);
        f.extend(rng.bytes(tail));
        let mut buf = BytesMut::from(&f[..]);
        let mut codec = FrameCodec::new(SMALL_MAX);
        let result = codec.decode(&mut buf);
        assert!(result.is_err(), "length {len} accepted");
        if len > SMALL_MAX as i32 {
            assert!(matches!(result, Err(RemotingError::FrameTooLarge { .. })));
        }
        assert!(buf.capacity() < 1024, "allocated for a rejected length");
        assert_recovers(&mut rng, &mut codec);
        cases += 1;
    }
    assert!(cases >= 20_000, "{cases}");
    // Both outcomes must actually be exercised.
    assert!(stats[0] > 500 && stats[1] > 5000, "{stats:?}");
}

#[test]
fn fuzz_streams_split_at_random_points() {
    let mut rng = Rng(0xfeed_beef_0bad_cafe);
    for round in 0..1500 {
        let count = 1 + rng.below(5);
        let frames: Vec<Vec<u8>> = (0..count).map(|_| valid_frame(&mut rng)).collect();
        let mut stream: Vec<u8> = frames.concat();
        let damaged = rng.chance(3);
        if damaged {
            mutate(&mut rng, &mut stream);
        }
        let mut codec = FrameCodec::new(SMALL_MAX);
        let mut buf = BytesMut::new();
        let mut pos = 0;
        let mut decoded = 0;
        let mut failed = false;
        while pos < stream.len() && !failed {
            let n = (1 + rng.below(40)).min(stream.len() - pos);
            buf.extend_from_slice(&stream[pos..pos + n]);
            pos += n;
            match drain(&mut codec, &mut buf) {
                Ok(k) => decoded += k,
                Err(_) => failed = true,
            }
        }
        if !damaged {
            assert!(!failed, "round {round}: valid stream failed");
            assert_eq!(decoded, count, "round {round}");
            assert!(buf.is_empty());
        } else if failed {
            assert_recovers(&mut rng, &mut codec);
        }
    }
}
