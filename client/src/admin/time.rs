//! Timestamps as mqadmin prints and reads them, in UTC: `2024-05-01 12:00:00,123` out, and
//! `now`, epoch milliseconds or `yyyy-MM-dd#HH:mm:ss:SSS` in (resetOffsetByTime `-s`).

use cometmq_remoting::civil_time::{civil_from_days, days_from_civil};

/// The one clock's `now_ms`, re-exported for mqadmin's time arguments.
pub use cometmq_remoting::clock::now_ms;

/// `yyyy-MM-dd HH:mm:ss,SSS` (Java `UtilAll.timeMillisToHumanString2`), in UTC.
///
/// ```
/// use cometmq_client::admin::time::human;
/// assert_eq!(human(1_700_000_000_123), "2023-11-14 22:13:20,123");
/// ```
pub fn human(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02}:{s:02},{milli:03}")
}

/// Parses mqadmin's timestamp argument: `now`, milliseconds since the epoch, or
/// `yyyy-MM-dd#HH:mm:ss:SSS` (UTC). `None` if it is none of these.
///
/// ```
/// use cometmq_client::admin::time::parse_timestamp;
/// assert_eq!(parse_timestamp("1700000000123"), Some(1_700_000_000_123));
/// assert_eq!(parse_timestamp("2023-11-14#22:13:20:123"), Some(1_700_000_000_123));
/// assert_eq!(parse_timestamp("yesterday"), None);
/// ```
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Some(now_ms());
    }
    if let Ok(ms) = s.parse::<i64>() {
        return Some(ms);
    }
    let (date, time) = s.split_once('#')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, min, sec) = (t.next()??, t.next()??, t.next()??);
    let milli = t.next().flatten().unwrap_or(0);
    let valid = (1..=12).contains(&m)
        && (1..=31).contains(&day)
        && (0..24).contains(&h)
        && (0..60).contains(&min)
        && (0..60).contains(&sec)
        && (0..1000).contains(&milli)
        && d.next().is_none()
        && t.next().is_none();
    if !valid {
        return None;
    }
    let days = days_from_civil(y, m, day);
    Some(((days * 24 + h) * 60 + min) * 60_000 + sec * 1000 + milli)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for ms in [
            0,
            86_399_999,
            951_782_400_000,
            1_709_251_199_999,
            4_102_444_800_000,
        ] {
            let h = human(ms);
            let arg = format!("{}#{}", &h[..10], h[11..].replace(',', ":"));
            assert_eq!(parse_timestamp(&arg), Some(ms), "{h}");
        }
        assert_eq!(human(0), "1970-01-01 00:00:00,000");
        assert_eq!(
            parse_timestamp("2024-02-30#00:00:00"),
            Some(1_709_251_200_000)
        );
        assert_eq!(parse_timestamp("2024-13-01#00:00:00:000"), None);
        assert_eq!(parse_timestamp("2024-01-01#25:00:00:000"), None);
        assert!(parse_timestamp("now").is_some_and(|t| t > 1_700_000_000_000));
    }
}
