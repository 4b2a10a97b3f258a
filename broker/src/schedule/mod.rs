//! Scheduled messages by delay level (reference §7, Java `ScheduleMessageService`).
//!
//! - On send, [`delay_target`] rewrites a message with `DELAY` > 0 to
//!   `SCHEDULE_TOPIC_XXXX`, queue level − 1, keeping its real topic and queue in the
//!   `REAL_TOPIC` / `REAL_QID` properties. The store writes the delivery time (store time
//!   + the level's delay) as the ConsumeQueue tags code.
//! - One delivery task per level (`deliver`) reads its queue from the stored offset,
//!   waits until the head entry is due, writes the real message back and advances.
//! - Progress lives in `config/delayOffset.json` ([`offsets`]), saved every
//!   `flushDelayOffsetInterval` and at shutdown. The offset moves only after the real
//!   message is stored, so a crash re-delivers at most what was in flight: at-least-once.

mod deliver;
pub mod offsets;

use std::sync::Arc;
use std::time::Duration;

use cometmq_remoting::message::{property, sysflag, Properties};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::BrokerConfig;
use crate::state::BrokerState;
use crate::topic_names::SCHEDULE_TOPIC;
pub use offsets::{DelayOffsetSerializeWrapper, DelayOffsetTable};

/// The delay level table and the delivery progress. Shared through [`BrokerState`].
#[derive(Debug)]
pub struct ScheduleService {
    levels_ms: Vec<u64>,
    offsets: DelayOffsetTable,
}

impl ScheduleService {
    /// Parses `messageDelayLevel` and loads `delayOffset.json`.
    pub fn load(config: &BrokerConfig) -> Result<ScheduleService, crate::BrokerStartError> {
        Ok(ScheduleService {
            levels_ms: config.delay_levels_ms()?,
            offsets: DelayOffsetTable::load(&config.store.store_path_root_dir.to_string_lossy())?,
        })
    }

    /// The highest level (the number of levels; at least 1).
    pub fn max_level(&self) -> i32 {
        i32::try_from(self.levels_ms.len())
            .unwrap_or(i32::MAX)
            .max(1)
    }

    /// The delay of `level` in ms, if it is a level of the table.
    pub fn delay_ms(&self, level: i32) -> Option<u64> {
        let i = usize::try_from(level).ok()?.checked_sub(1)?;
        self.levels_ms.get(i).copied()
    }

    /// The delivery progress table.
    pub fn offsets(&self) -> &DelayOffsetTable {
        &self.offsets
    }

    /// The `delayOffset.json` text (GET_ALL_DELAY_OFFSET body).
    pub fn encode(&self) -> String {
        self.offsets.encode()
    }

    /// Writes `delayOffset.json` (blocking).
    pub fn save(&self) -> std::io::Result<()> {
        self.offsets.save()
    }

    /// GET_BROKER_RUNTIME_INFO entries: `scheduleMessageOffset_<level>` =
    /// `"<next offset to deliver>,<queue max offset>"` for every level; the difference
    /// is the level's backlog.
    pub fn runtime_info(&self, store: &cometmq_store::MessageStore) -> Vec<(String, String)> {
        (1..=self.max_level())
            .map(|level| {
                let max = store.max_offset(SCHEDULE_TOPIC, level - 1);
                (
                    format!("scheduleMessageOffset_{level}"),
                    format!("{},{max}", self.offsets.get(level)),
                )
            })
            .collect()
    }
}

/// Where a message with `DELAY` > 0 really goes: `SCHEDULE_TOPIC_XXXX`, queue level − 1,
/// with the level clamped to `max_level` and `REAL_TOPIC` / `REAL_QID` added to `props`.
/// `None` (and `props` untouched) for messages without a positive level, and for
/// transaction types other than NOT and COMMIT, as Java's CommitLog.
pub fn delay_target(
    max_level: i32,
    topic: &str,
    queue_id: i32,
    props: &mut Properties,
    sys_flag: i32,
) -> Option<(String, i32)> {
    let tran = sysflag::transaction_value(sys_flag);
    if tran != sysflag::TRANSACTION_NOT_TYPE && tran != sysflag::TRANSACTION_COMMIT_TYPE {
        return None;
    }
    let asked: i32 = props.get(property::DELAY)?.trim().parse().ok()?;
    if asked <= 0 {
        return None;
    }
    let level = asked.min(max_level.max(1));
    if level != asked {
        props.insert(property::DELAY, level.to_string());
    }
    props.insert(property::REAL_TOPIC, topic);
    props.insert(property::REAL_QID, queue_id.to_string());
    Some((SCHEDULE_TOPIC.to_string(), level - 1))
}

/// Starts one delivery task per level and the periodic save of `delayOffset.json`;
/// they stop when `stop` is cancelled.
pub fn spawn(state: &Arc<BrokerState>, stop: &CancellationToken) -> Vec<JoinHandle<()>> {
    let mut tasks: Vec<JoinHandle<()>> = (1..=state.schedule.max_level())
        .map(|level| tokio::spawn(deliver::run_level(state.clone(), level, stop.clone())))
        .collect();
    tasks.push(tokio::spawn(persist_offsets(state.clone(), stop.clone())));
    tasks
}

/// Saves `delayOffset.json` every `flushDelayOffsetInterval` when it changed.
async fn persist_offsets(state: Arc<BrokerState>, stop: CancellationToken) {
    loop {
        let every = Duration::from_millis(state.config().flush_delay_offset_interval.max(100));
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        if state.schedule.offsets().is_changed() {
            let s = state.clone();
            crate::persist::save_in_background("delayOffset.json", move || s.schedule.save()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrite_rules() {
        let mut p = Properties::new();
        assert_eq!(delay_target(3, "T", 2, &mut p, 0), None);
        p.insert(property::DELAY, "0");
        assert_eq!(delay_target(3, "T", 2, &mut p, 0), None);
        p.insert(property::DELAY, "7");
        // Prepared messages are not delayed.
        let prepared = sysflag::TRANSACTION_PREPARED_TYPE;
        assert_eq!(delay_target(3, "T", 2, &mut p, prepared), None);
        assert_eq!(p.get(property::REAL_TOPIC), None);
        let got = delay_target(3, "T", 2, &mut p, sysflag::TRANSACTION_COMMIT_TYPE);
        assert_eq!(got, Some((SCHEDULE_TOPIC.to_string(), 2)));
        assert_eq!(p.get(property::DELAY), Some("3"));
        assert_eq!(p.get(property::REAL_TOPIC), Some("T"));
        assert_eq!(p.get(property::REAL_QID), Some("2"));
        p.insert(property::DELAY, "1");
        assert_eq!(
            delay_target(3, "U", 0, &mut p, 0),
            Some((SCHEDULE_TOPIC.to_string(), 0))
        );
    }

    #[test]
    fn levels() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = BrokerConfig {
            store: crate::config::StoreConfig::with_root(dir.path()),
            message_delay_level: "1s 2m".into(),
            ..Default::default()
        };
        let s = ScheduleService::load(&cfg).unwrap();
        assert_eq!(s.max_level(), 2);
        assert_eq!(s.delay_ms(2), Some(120_000));
        assert_eq!(s.delay_ms(0), None);
        assert_eq!(s.delay_ms(3), None);
        let bad = BrokerConfig {
            message_delay_level: "soon".into(),
            ..cfg
        };
        assert!(ScheduleService::load(&bad).is_err());
    }
}
