//! Orderly POP (Java `ConsumerOrderInfoManager`): a queue popped with `order=true` stays
//! blocked to the group's other pops until every message of the pop is acked or its
//! invisible time is over; the group's offset moves only when the acks are contiguous
//! from its start, so a message not acked in time is popped again, in order, with its
//! consumed count raised (the response's `orderCountInfo`).
//!
//! The table is in memory: after a restart no queue is blocked and the un-acked
//! messages are popped again from the committed offset (order kept; Java keeps the table
//! in `consumerOrderInfo.json`).

use std::collections::HashMap;

use parking_lot::Mutex;

use super::receipt::retry_flag;

/// One queue's last orderly pop.
#[derive(Debug, Clone)]
struct OrderInfo {
    pop_time: i64,
    invisible_time: i64,
    offsets: Vec<i64>,
    acked: Vec<bool>,
    /// Times each offset was consumed before (only those above 0).
    counts: HashMap<i64, i32>,
}

/// What an orderly ack did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderedAck {
    /// The offset to commit next (the first not acked, or past the last).
    Next(i64),
    /// The receipt is of an older pop of the queue: nothing to do.
    Stale,
    /// The offset is not one of the pop's.
    Unknown,
}

/// The orderly pops of every queue, keyed `topic@group@queueId`.
#[derive(Default)]
pub struct OrderTable {
    table: Mutex<HashMap<String, OrderInfo>>,
}

fn key(topic: &str, group: &str, queue_id: i32) -> String {
    format!("{topic}@{group}@{queue_id}")
}

impl OrderTable {
    /// Whether the queue is held by an orderly pop that is neither acked nor expired.
    pub fn is_blocked(&self, topic: &str, group: &str, queue_id: i32, now: i64) -> bool {
        self.table
            .lock()
            .get(&key(topic, group, queue_id))
            .is_some_and(|o| !o.acked.iter().all(|a| *a) && now < o.pop_time + o.invisible_time)
    }

    /// Records a pop of `offsets`; appends Java's `orderCountInfo` entries to `info`
    /// (per offset consumed before: `retry qo<queueId>%<offset> count`; then the queue's
    /// least count: `retry queueId count`).
    #[allow(clippy::too_many_arguments)]
    pub fn update(
        &self,
        topic: &str,
        group: &str,
        queue_id: i32,
        pop_time: i64,
        invisible_time: i64,
        offsets: &[i64],
        info: &mut String,
    ) {
        let mut table = self.table.lock();
        let k = key(topic, group, queue_id);
        let mut counts = HashMap::new();
        if let Some(old) = table.get(&k) {
            for o in offsets {
                if old.offsets.contains(o) {
                    counts.insert(*o, old.counts.get(o).copied().unwrap_or(0) + 1);
                }
            }
        }
        let flag = retry_flag(topic);
        let mut least = i32::MAX;
        for o in offsets {
            let c = counts.get(o).copied().unwrap_or(0);
            least = least.min(c);
            if c > 0 {
                push(info, &format!("{flag} qo{queue_id}%{o} {c}"));
            }
        }
        push(
            info,
            &format!(
                "{flag} {queue_id} {}",
                if offsets.is_empty() { 0 } else { least }
            ),
        );
        table.insert(
            k,
            OrderInfo {
                pop_time,
                invisible_time,
                offsets: offsets.to_vec(),
                acked: vec![false; offsets.len()],
                counts,
            },
        );
    }

    /// Acks `offset` of the pop made at `pop_time` (Java `commitAndNext`).
    pub fn ack(
        &self,
        topic: &str,
        group: &str,
        queue_id: i32,
        offset: i64,
        pop_time: i64,
    ) -> OrderedAck {
        let mut table = self.table.lock();
        let Some(o) = table.get_mut(&key(topic, group, queue_id)) else {
            return OrderedAck::Next(offset + 1);
        };
        if o.pop_time != pop_time {
            return OrderedAck::Stale;
        }
        let Some(i) = o.offsets.iter().position(|x| *x == offset) else {
            return OrderedAck::Unknown;
        };
        o.acked[i] = true;
        match o.acked.iter().position(|a| !*a) {
            Some(first) => OrderedAck::Next(o.offsets[first]),
            None => OrderedAck::Next(o.offsets.last().map_or(offset + 1, |l| l + 1)),
        }
    }

    /// Moves the end of the block of the pop made at `pop_time` to `visible_at`; returns
    /// the new invisible time (from the pop time), or `None` for a stale receipt.
    pub fn change_invisible(
        &self,
        topic: &str,
        group: &str,
        queue_id: i32,
        pop_time: i64,
        visible_at: i64,
    ) -> Option<i64> {
        let mut table = self.table.lock();
        let o = table.get_mut(&key(topic, group, queue_id))?;
        if o.pop_time != pop_time {
            return None;
        }
        o.invisible_time = visible_at - pop_time;
        Some(o.invisible_time)
    }
}

fn push(info: &mut String, entry: &str) {
    if !info.is_empty() {
        info.push(';');
    }
    info.push_str(entry);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_until_acked_and_counts_repops() {
        let t = OrderTable::default();
        let mut info = String::new();
        t.update("T", "G", 0, 1000, 100, &[5, 6], &mut info);
        assert_eq!(info, "0 0 0");
        assert!(t.is_blocked("T", "G", 0, 1050));
        assert!(!t.is_blocked("T", "G", 0, 1100));
        assert_eq!(t.ack("T", "G", 0, 5, 1000), OrderedAck::Next(6));
        assert_eq!(t.ack("T", "G", 0, 9, 1000), OrderedAck::Unknown);
        assert_eq!(t.ack("T", "G", 0, 6, 999), OrderedAck::Stale);
        let mut info = String::new();
        t.update("T", "G", 0, 2000, 100, &[6, 7], &mut info);
        assert_eq!(info, "0 qo0%6 1;0 0 0");
        assert_eq!(t.ack("T", "G", 0, 7, 2000), OrderedAck::Next(6));
        assert_eq!(t.ack("T", "G", 0, 6, 2000), OrderedAck::Next(8));
        assert!(!t.is_blocked("T", "G", 0, 2001));
    }
}
