//! Bodies compressed by Apache RocketMQ 5.5.0's own compressors (LZ4 frames, ZSTD
//! streams, zlib), as a 5.x producer with `setCompressType` sends them, decode to the
//! original text with our decompressors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cometmq_remoting::message::CompressionType;

const VECTORS: &str = include_str!("data/java_compressed_bodies.txt");

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn java_compressed_bodies_decode() {
    let plain: String = (0..300).map(|i| format!("CometMQ body {i}\n")).collect();
    let mut seen = Vec::new();
    for line in VECTORS.lines().filter(|l| !l.starts_with('#')) {
        let mut f = line.split(' ');
        let (name, len, hex) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        let ty = match name {
            "LZ4" => CompressionType::Lz4,
            "ZSTD" => CompressionType::Zstd,
            "ZLIB" => CompressionType::Zlib,
            other => panic!("unknown type {other}"),
        };
        assert_eq!(len.parse::<usize>().unwrap(), plain.len());
        let body = ty.decompress(&unhex(hex), 1 << 20).unwrap();
        assert_eq!(body, plain.as_bytes(), "{name}");
        seen.push(ty);
    }
    assert_eq!(seen.len(), 3);
}
