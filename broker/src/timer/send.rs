//! The send-side rewrite of a timer message (Java `HookUtils.checkIfTimerMessage` and
//! `transformTimerMessage`).

use cometmq_remoting::message::{property, sysflag, Properties};

use super::{TimerService, TIMER_TOPIC};
use crate::error::BrokerError;

/// The timer properties a producer sets.
const TIMER_PROPERTIES: [&str; 3] = [
    property::TIMER_DELIVER_MS,
    property::TIMER_DELAY_SEC,
    property::TIMER_DELAY_MS,
];

/// Whether `props` asks for a timer (any of the three timer properties).
pub fn is_timer(props: &Properties) -> bool {
    TIMER_PROPERTIES.iter().any(|p| props.get(p).is_some())
}

/// Where a message with a timer property really goes: `rmq_sys_wheel_timer` queue 0,
/// with `TIMER_OUT_MS` (the delivery time rounded to the slot before it, so that the
/// slot's delivery, one precision later, is never early), `REAL_TOPIC` and `REAL_QID`.
///
/// `Ok(None)` (props untouched but for the cases below) when it stays where it is: not
/// a timer message, a prepared or rolled-back transaction message, a message that is
/// already a timer topic message (`TIMER_OUT_MS` set), a due time not in the future
/// (delivered now), or a message with a delay level (its timer properties are removed
/// and the level wins, as in Java).
pub fn timer_target(
    timer: &TimerService,
    topic: &str,
    queue_id: i32,
    props: &mut Properties,
    sys_flag: i32,
    now_ms: i64,
) -> Result<Option<(String, i32)>, BrokerError> {
    let tran = sysflag::transaction_value(sys_flag);
    if tran != sysflag::TRANSACTION_NOT_TYPE && tran != sysflag::TRANSACTION_COMMIT_TYPE {
        return Ok(None);
    }
    if topic == TIMER_TOPIC || !is_timer(props) {
        return Ok(None);
    }
    let level = props
        .get(property::DELAY)
        .and_then(|d| d.trim().parse::<i32>().ok())
        .unwrap_or(0);
    if level > 0 {
        for p in TIMER_PROPERTIES {
            props.remove(p);
        }
        return Ok(None);
    }
    if props.get(property::TIMER_OUT_MS).is_some() {
        return Ok(None);
    }
    if !timer.enabled {
        return Err(BrokerError::System(
            "accurate timer message is not enabled, timerWheelEnable is false".into(),
        ));
    }
    if props.get(property::TIMER_DEL_UNIQKEY).is_some() {
        return Err(BrokerError::MessageIllegal(
            "deleting a timer message (TIMER_DEL_UNIQKEY) is not supported by CometMQ".into(),
        ));
    }
    let deliver_ms = deliver_ms(props, now_ms)?;
    if deliver_ms <= now_ms {
        return Ok(None);
    }
    if deliver_ms - now_ms > timer.max_delay_sec.saturating_mul(1000) {
        return Err(BrokerError::MessageIllegal(format!(
            "timer message illegal, the delay time should not be bigger than the max delay {}ms; \
             or if set del msg, the delay time should be bigger than the current time",
            timer.max_delay_sec.saturating_mul(1000)
        )));
    }
    let out_ms = slot_of(deliver_ms, timer.precision_ms);
    props.insert(property::TIMER_OUT_MS, out_ms.to_string());
    props.insert(property::REAL_TOPIC, topic);
    props.insert(property::REAL_QID, queue_id.to_string());
    Ok(Some((TIMER_TOPIC.to_string(), 0)))
}

/// The absolute delivery time: `TIMER_DELAY_SEC`, else `TIMER_DELAY_MS` (both from
/// now), else `TIMER_DELIVER_MS`, as Java reads them.
fn deliver_ms(props: &Properties, now_ms: i64) -> Result<i64, BrokerError> {
    let parse = |name: &str| -> Result<Option<i64>, BrokerError> {
        match props.get(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                BrokerError::MessageIllegal(format!(
                    "timer message illegal, {name}={v:?} is not a number"
                ))
            }),
        }
    };
    if let Some(sec) = parse(property::TIMER_DELAY_SEC)? {
        return Ok(now_ms.saturating_add(sec.saturating_mul(1000)));
    }
    if let Some(ms) = parse(property::TIMER_DELAY_MS)? {
        return Ok(now_ms.saturating_add(ms));
    }
    Ok(parse(property::TIMER_DELIVER_MS)?.unwrap_or(now_ms))
}

/// Java's rounding: a time on a slot boundary goes to the slot before, any other time
/// to the slot it falls in. The slot of time `t` is delivered once `t + precision` has
/// passed, so the message is never delivered before the time asked for.
pub fn slot_of(deliver_ms: i64, precision_ms: i64) -> i64 {
    if deliver_ms % precision_ms == 0 {
        deliver_ms - precision_ms
    } else {
        deliver_ms / precision_ms * precision_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> TimerService {
        let dir = tempfile::tempdir().unwrap();
        let cfg = crate::config::BrokerConfig {
            store: crate::config::StoreConfig::with_root(dir.path()),
            timer_max_delay_sec: 60,
            ..Default::default()
        };
        TimerService::load(&cfg).unwrap()
    }

    #[test]
    fn rewrites_future_times() {
        let t = service();
        let mut p = Properties::new();
        p.insert(property::TIMER_DELAY_MS, "2500");
        let got = timer_target(&t, "T", 3, &mut p, 0, 10_000).unwrap();
        assert_eq!(got, Some((TIMER_TOPIC.to_string(), 0)));
        assert_eq!(p.get(property::TIMER_OUT_MS), Some("12000"));
        assert_eq!(p.get(property::REAL_TOPIC), Some("T"));
        assert_eq!(p.get(property::REAL_QID), Some("3"));
        // Already rewritten: left alone.
        assert_eq!(timer_target(&t, "T", 3, &mut p, 0, 10_000).unwrap(), None);

        let mut p = Properties::new();
        p.insert(property::TIMER_DELIVER_MS, "13000");
        timer_target(&t, "T", 0, &mut p, 0, 10_000).unwrap();
        assert_eq!(p.get(property::TIMER_OUT_MS), Some("12000"));
    }

    #[test]
    fn past_far_bad_and_levels() {
        let t = service();
        let mut p = Properties::new();
        p.insert(property::TIMER_DELIVER_MS, "5000");
        assert_eq!(timer_target(&t, "T", 0, &mut p, 0, 10_000).unwrap(), None);

        let mut p = Properties::new();
        p.insert(property::TIMER_DELAY_SEC, "61");
        let far = timer_target(&t, "T", 0, &mut p, 0, 10_000).unwrap_err();
        assert!(far.to_string().contains("max delay 60000ms"), "{far}");

        let mut p = Properties::new();
        p.insert(property::TIMER_DELAY_SEC, "soon");
        let bad = timer_target(&t, "T", 0, &mut p, 0, 10_000).unwrap_err();
        assert!(bad.to_string().contains("not a number"), "{bad}");

        let mut p = Properties::new();
        p.insert(property::TIMER_DELAY_SEC, "5");
        p.insert(property::DELAY, "2");
        assert_eq!(timer_target(&t, "T", 0, &mut p, 0, 10_000).unwrap(), None);
        assert_eq!(p.get(property::TIMER_DELAY_SEC), None);

        let mut p = Properties::new();
        p.insert(property::TIMER_DELAY_SEC, "5");
        let prepared = sysflag::TRANSACTION_PREPARED_TYPE;
        assert_eq!(
            timer_target(&t, "T", 0, &mut p, prepared, 10_000).unwrap(),
            None
        );
    }

    #[test]
    fn rounding_is_never_early() {
        assert_eq!(slot_of(3000, 1000), 2000);
        assert_eq!(slot_of(3001, 1000), 3000);
        assert_eq!(slot_of(3999, 1000), 3000);
    }
}
