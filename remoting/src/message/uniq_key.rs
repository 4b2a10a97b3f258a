//! Client-assigned unique message ids, the `UNIQ_KEY` property (reference §5.7, Java
//! `MessageClientIDSetter`).
//!
//! Layout, big-endian, as uppercase hex: `ip (4, or 16 for IPv6) | pid (low 16 bits) |
//! salt (i32; Java's class-loader hash code, here a per-process random number) | ms since
//! the start of the current month (i32, wrapping) | counter (u16, wrapping)`: 32 hex
//! digits for IPv4, 56 for IPv6. The first part is fixed per generator, so making a key
//! is one time read, one atomic increment and one `String` allocation.
//!
//! The month start is computed in UTC, while Java uses the JVM's default time zone; the
//! ids stay unique either way, but [`UniqKeyInfo::nearly_time_ms`] of a key made by a Java
//! client in another zone is off by the zone offset (as it is in Java across zones).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use super::MessageError;
use crate::civil_time::{civil_from_days, days_from_civil, MS_PER_DAY};
use crate::local_ip::local_ip;

/// Hex length of an IPv4 `UNIQ_KEY`.
pub const UNIQ_KEY_LEN_V4: usize = 32;
/// Hex length of an IPv6 `UNIQ_KEY`.
pub const UNIQ_KEY_LEN_V6: usize = 56;

const MS_PER_MINUTE: i64 = 60_000;
/// 9999-12-31T23:59:59.999Z; times are clamped to [0, this] so date math cannot overflow.
const MAX_MS: i64 = 253_402_300_799_999;
const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Makes `UNIQ_KEY`s; thread-safe. Use [`create_uniq_key`] for the process-wide one.
#[derive(Debug)]
pub struct UniqKeyGenerator {
    /// Hex of `ip | pid | salt`.
    prefix: String,
    counter: AtomicU16,
    /// Current month as `start_minute << 32 | length_in_minutes` (minutes since the
    /// epoch, UTC), in one atomic so readers never see a torn pair.
    month: AtomicU64,
}

impl UniqKeyGenerator {
    /// A generator for `ip`, with this process's pid and a random salt.
    pub fn new(ip: IpAddr) -> Self {
        Self::with_parts(ip, std::process::id() as u16, rand::random::<i32>())
    }

    /// A generator with every fixed part given (deterministic, for tests and tools).
    pub fn with_parts(ip: IpAddr, pid: u16, salt: i32) -> Self {
        let mut prefix = String::with_capacity(UNIQ_KEY_LEN_V6);
        match ip {
            IpAddr::V4(v4) => push_hex(&mut prefix, &v4.octets()),
            IpAddr::V6(v6) => push_hex(&mut prefix, &v6.octets()),
        }
        push_hex(&mut prefix, &pid.to_be_bytes());
        push_hex(&mut prefix, &salt.to_be_bytes());
        UniqKeyGenerator {
            prefix,
            counter: AtomicU16::new(0),
            month: AtomicU64::new(0),
        }
    }

    /// A generator for this host's address (the one the default route uses), or, like
    /// Java, a fake IPv4 made from the clock when none is found.
    pub fn detect() -> Self {
        Self::new(local_ip().unwrap_or_else(|| fake_ip(now_ms())))
    }

    /// The process-wide generator, created by [`UniqKeyGenerator::detect`] on first use.
    pub fn global() -> &'static UniqKeyGenerator {
        static GLOBAL: OnceLock<UniqKeyGenerator> = OnceLock::new();
        GLOBAL.get_or_init(UniqKeyGenerator::detect)
    }

    /// The fixed hex prefix (`ip | pid | salt`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A new key for the current time.
    pub fn generate(&self) -> String {
        self.generate_at(now_ms())
    }

    /// Appends a new key for the current time to `out` (no allocation of its own: the
    /// broker stamps one on every message that arrives without).
    pub fn generate_into(&self, out: &mut String) {
        self.write_at(now_ms(), out);
    }

    /// A new key as if the time were `now_ms` (ms since the epoch).
    pub fn generate_at(&self, now_ms: i64) -> String {
        let mut key = String::with_capacity(self.prefix.len() + 12);
        self.write_at(now_ms, &mut key);
        key
    }

    fn write_at(&self, now_ms: i64, key: &mut String) {
        let now = now_ms.clamp(0, MAX_MS);
        let (mut start, mut len) = unpack(self.month.load(Ordering::Relaxed));
        // Java recomputes only when the next month is reached; a clock stepped back
        // across a month boundary also recomputes here, so spans stay meaningful.
        if now >= start + len || now < start {
            start = month_start(now);
            len = next_month_start(start) - start;
            self.month.store(pack(start, len), Ordering::Relaxed);
        }
        // Wraps past 24.8 days, exactly as Java's `(int)` cast; readers take it unsigned.
        let mut diff = (now - start) as i32;
        if diff < 0 && diff > -1_000_000 {
            diff = 0; // Java: clock stepped back slightly (NTP).
        }
        let counter = self.counter.fetch_add(1, Ordering::Relaxed);
        key.push_str(&self.prefix);
        push_hex(key, &diff.to_be_bytes());
        push_hex(key, &counter.to_be_bytes());
    }
}

/// A new `UNIQ_KEY` from the process-wide generator (Java `createUniqID`).
pub fn create_uniq_key() -> String {
    UniqKeyGenerator::global().generate()
}

/// The parts of a `UNIQ_KEY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqKeyInfo {
    /// Producer address (Java `getIPFromID`).
    pub ip: IpAddr,
    /// Producer pid, low 16 bits.
    pub pid: u16,
    /// Per-process salt (Java class-loader hash code).
    pub salt: i32,
    /// Milliseconds since the start of the month the key was made in.
    pub span_ms: u32,
    /// Per-process counter.
    pub counter: u16,
}

impl UniqKeyInfo {
    /// Approximate creation time, ms since the epoch (Java `getNearlyTimeFromID`): this
    /// month's start plus the span, or last month's if that would not be in the past.
    pub fn nearly_time_ms(&self, now_ms: i64) -> i64 {
        let now = now_ms.clamp(0, MAX_MS);
        let span = i64::from(self.span_ms);
        let mut start = month_start(now);
        if start + span >= now {
            start = month_start(start - 1);
        }
        start + span
    }
}

/// Parses a `UNIQ_KEY` of 32 (IPv4) or 56 (IPv6) hex digits, either case.
pub fn parse_uniq_key(key: &str) -> Result<UniqKeyInfo, MessageError> {
    let mut raw = [0u8; UNIQ_KEY_LEN_V6 / 2];
    let ip_len = match key.len() {
        UNIQ_KEY_LEN_V4 => 4,
        UNIQ_KEY_LEN_V6 => 16,
        n => return Err(MessageError::BadIdLength(n)),
    };
    let raw = raw
        .get_mut(..key.len() / 2)
        .ok_or(MessageError::BadIdLength(key.len()))?;
    hex::decode_to_slice(key, raw).map_err(|_| MessageError::BadHex)?;
    let (ip, rest) = raw.split_at(ip_len);
    let ip = if let Ok(v4) = <[u8; 4]>::try_from(ip) {
        IpAddr::V4(Ipv4Addr::from(v4))
    } else {
        IpAddr::V6(Ipv6Addr::from(
            <[u8; 16]>::try_from(ip).map_err(|_| MessageError::BadHex)?,
        ))
    };
    let rest = <[u8; 12]>::try_from(rest).map_err(|_| MessageError::BadHex)?;
    let [p0, p1, s0, s1, s2, s3, t0, t1, t2, t3, c0, c1] = rest;
    Ok(UniqKeyInfo {
        ip,
        pid: u16::from_be_bytes([p0, p1]),
        salt: i32::from_be_bytes([s0, s1, s2, s3]),
        span_ms: u32::from_be_bytes([t0, t1, t2, t3]),
        counter: u16::from_be_bytes([c0, c1]),
    })
}

/// Appends `bytes` as uppercase hex.
fn push_hex(s: &mut String, bytes: &[u8]) {
    for &b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xF)]));
    }
}

/// Milliseconds since the epoch from the system clock (0 if it is before 1970).
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Java `createFakeIP`: the low 4 bytes of the current time in ms.
fn fake_ip(now_ms: i64) -> IpAddr {
    let [_, _, _, _, a, b, c, d] = now_ms.to_be_bytes();
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn pack(start_ms: i64, len_ms: i64) -> u64 {
    let start = (start_ms / MS_PER_MINUTE) as u64;
    let len = (len_ms / MS_PER_MINUTE) as u64;
    (start << 32) | (len & 0xFFFF_FFFF)
}

fn unpack(packed: u64) -> (i64, i64) {
    let start = (packed >> 32) as i64 * MS_PER_MINUTE;
    let len = (packed & 0xFFFF_FFFF) as i64 * MS_PER_MINUTE;
    (start, len)
}

/// Start (00:00 UTC on the 1st) of the month containing `ms`, for `ms` in [0, MAX_MS].
fn month_start(ms: i64) -> i64 {
    let (y, m, _) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    days_from_civil(y, m, 1) * MS_PER_DAY
}

/// Start of the month after the one starting at `month_start_ms`.
fn next_month_start(month_start_ms: i64) -> i64 {
    let (y, m, _) = civil_from_days(month_start_ms.div_euclid(MS_PER_DAY));
    let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    days_from_civil(y, m, 1) * MS_PER_DAY
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn calendar() {
        // 2024-02-29T12:00:00Z -> month start 2024-02-01, next 2024-03-01.
        let t = 1_709_208_000_000;
        assert_eq!(month_start(t), 1_706_745_600_000);
        assert_eq!(next_month_start(month_start(t)), 1_709_251_200_000);
        assert_eq!(month_start(0), 0);
        // 2023-12-15 -> next is 2024-01-01.
        assert_eq!(
            next_month_start(month_start(1_702_598_400_000)),
            1_704_067_200_000
        );
        assert_eq!(
            civil_from_days(days_from_civil(9999, 12, 31)),
            (9999, 12, 31)
        );
        assert_eq!(
            month_start(MAX_MS),
            days_from_civil(9999, 12, 1) * MS_PER_DAY
        );
    }

    #[test]
    fn keys_are_hex_unique_and_parse_back() {
        let ip = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20));
        let g = UniqKeyGenerator::with_parts(ip, 0x1234, -2);
        assert_eq!(g.prefix(), "C0A801141234FFFFFFFE");
        let now = now_ms();
        let keys: Vec<String> = (0..10_000).map(|_| g.generate()).collect();
        let unique: HashSet<&String> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len());
        for k in &keys {
            assert_eq!(k.len(), UNIQ_KEY_LEN_V4);
            assert!(k
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));
        }
        let info = parse_uniq_key(&keys[5]).unwrap();
        assert_eq!(
            (info.ip, info.pid, info.salt, info.counter),
            (ip, 0x1234, -2, 5)
        );
        let t = info.nearly_time_ms(now_ms() + 1);
        assert!((t - now).abs() < 60_000, "{t} vs {now}");
    }

    #[test]
    fn month_rollover_and_v6() {
        let ip: IpAddr = "2001:db8::7".parse().unwrap();
        let g = UniqKeyGenerator::with_parts(ip, 1, 2);
        let feb29 = 1_709_208_000_000; // 2024-02-29T12:00Z
        let k = g.generate_at(feb29);
        assert_eq!(k.len(), UNIQ_KEY_LEN_V6);
        let info = parse_uniq_key(&k).unwrap();
        assert_eq!(info.ip, ip);
        assert_eq!(i64::from(info.span_ms), feb29 - 1_706_745_600_000);
        assert_eq!(info.nearly_time_ms(feb29 + 1000), feb29);
        // After the month rolls over the span restarts, and old keys map to last month.
        let mar1 = 1_709_251_200_000 + 5;
        let k2 = parse_uniq_key(&g.generate_at(mar1)).unwrap();
        assert_eq!(k2.span_ms, 5);
        assert_eq!(info.nearly_time_ms(mar1 + 1000), feb29);
    }

    #[test]
    fn parse_errors() {
        assert!(matches!(
            parse_uniq_key(""),
            Err(MessageError::BadIdLength(0))
        ));
        assert!(matches!(
            parse_uniq_key("G0A801141234FFFFFFFE000000000000"),
            Err(MessageError::BadHex)
        ));
        assert!(parse_uniq_key("ééééééééééééééé0000000000000000").is_err());
        assert!(
            matches!(fake_ip(0x0102_0304_0506_0708), IpAddr::V4(ip) if ip.octets() == [5, 6, 7, 8])
        );
    }
}
