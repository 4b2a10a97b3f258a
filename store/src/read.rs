//! Reads by queue offset, by key and by time (Java `DefaultMessageStore.getMessage`,
//! `queryMessage`, `getOffsetInQueueByTime`).
//!
//! A read by queue offset returns at most the request's count, and stops earlier at the
//! transfer limits: `maxTransfer{Bytes,Count}OnMessageInMemory` (256 KiB / 32) for
//! messages near the CommitLog's end, `maxTransfer{Bytes,Count}OnMessageInDisk`
//! (64 KiB / 8) for messages further behind it than `accessMessageInMemoryMaxRatio` of
//! memory (Java `isTheBatchFull`). The first message is always returned.

use bytes::Bytes;
use cometmq_remoting::message::{decode_record, property, DecodeOptions};

use crate::consume_queue::ConsumeQueue;
use crate::state::StoreState;
use crate::status::{GetResult, GetStatus, QueryResult};

/// Decides from a ConsumeQueue entry's tags code whether a message is wanted (Java
/// `MessageFilter.isMatchedByConsumeQueue`). Closures `Fn(i64) -> bool` implement it.
pub trait MessageFilter {
    /// Whether the message with this tags code passes.
    fn is_matched_by_tags_code(&self, tags_code: i64) -> bool;

    /// Whether the stored record (its bytes) passes, for filters that look inside it
    /// (Java `isMatchedByCommitLog`, SQL92 on properties). Every record by default.
    fn is_matched_by_commit_log(&self, _record: &[u8]) -> bool {
        true
    }
}

impl<F: Fn(i64) -> bool> MessageFilter for F {
    fn is_matched_by_tags_code(&self, tags_code: i64) -> bool {
        self(tags_code)
    }
}

/// Accepts every message.
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAll;

impl MessageFilter for AcceptAll {
    fn is_matched_by_tags_code(&self, _: i64) -> bool {
        true
    }
}

/// Entries scanned at most per read (Java: 16000 bytes of ConsumeQueue).
const MAX_SCAN: usize = 16_000 / crate::consume_queue::ENTRY_SIZE;

fn result(status: GetStatus, next: i64, min: i64, max: i64) -> GetResult {
    GetResult {
        status,
        next_begin_offset: next,
        min_offset: min,
        max_offset: max,
        messages: Vec::new(),
        queue_offsets: Vec::new(),
        total_size: 0,
        suggest_pulling_from_slave: false,
    }
}

pub(crate) fn get_messages(
    shared: &StoreState,
    topic: &str,
    queue_id: i32,
    offset: i64,
    max_count: usize,
    filter: &dyn MessageFilter,
) -> GetResult {
    let Some(cq) = shared.queues.get(topic, queue_id) else {
        return result(GetStatus::NoMatchedLogicQueue, 0, 0, 0);
    };
    let (min, max) = (cq.min_offset(), cq.max_offset());
    read_queue(shared, &cq, offset, (min, max), max_count, filter)
}

/// The read of [`get_messages`] once the queue's bounds `(min, max)` are known. A
/// ConsumeQueue file can be deleted after they were read — by retention (all its
/// entries point below the CommitLog's new min offset) or by the topic's deletion —
/// and then the entries are gone: OFFSET_FOUND_NULL, to continue at the next file.
fn read_queue(
    shared: &StoreState,
    cq: &ConsumeQueue,
    offset: i64,
    (min, max): (i64, i64),
    max_count: usize,
    filter: &dyn MessageFilter,
) -> GetResult {
    if max == 0 {
        return result(GetStatus::NoMessageInQueue, 0, min, max);
    }
    if offset < min {
        return result(GetStatus::OffsetTooSmall, min, min, max);
    }
    if offset == max {
        return result(GetStatus::OffsetOverflowOne, offset, min, max);
    }
    if offset > max {
        let next = if min == 0 { min } else { max };
        return result(GetStatus::OffsetOverflowBadly, next, min, max);
    }
    let scan = MAX_SCAN.max(max_count);
    let Some(block) = cq.block(offset, scan) else {
        return result(
            GetStatus::OffsetFoundNull,
            cq.roll_next_file(offset),
            min,
            max,
        );
    };
    let cfg = &shared.config;
    let max_phys = shared.log.max_offset();
    let span = cfg.in_memory_span();
    let in_disk = |phys: i64| span.is_some_and(|m| max_phys - phys > m);
    let mut out = result(GetStatus::NoMatchedMessage, offset, min, max);
    let mut last_scanned = None;
    let mut i = 0;
    while i < block.len() {
        let Some(e) = block.get(i) else { break };
        last_scanned = Some(e.phys_offset);
        let n = out.messages.len();
        if n > 0 {
            let (max_n, max_bytes) = if in_disk(e.phys_offset) {
                (
                    cfg.max_transfer_count_on_message_in_disk,
                    cfg.max_transfer_bytes_on_message_in_disk,
                )
            } else {
                (
                    cfg.max_transfer_count_on_message_in_memory,
                    cfg.max_transfer_bytes_on_message_in_memory,
                )
            };
            let full =
                n >= max_count.min(max_n) || out.total_size + e.size.max(0) as usize > max_bytes;
            if full {
                break;
            }
        }
        i += 1;
        if e.is_filler() || !filter.is_matched_by_tags_code(e.tags_code) {
            continue;
        }
        let Some(bytes) = usize::try_from(e.size)
            .ok()
            .and_then(|s| shared.log.view(e.phys_offset, s))
        else {
            if out.messages.is_empty() {
                out.status = GetStatus::MessageWasRemoving;
            }
            continue;
        };
        if !filter.is_matched_by_commit_log(&bytes) {
            continue;
        }
        out.total_size += bytes.len();
        out.messages.push(bytes);
        out.queue_offsets.push(offset + i as i64 - 1);
        out.status = GetStatus::Found;
    }
    out.suggest_pulling_from_slave = last_scanned.is_some_and(in_disk);
    out.next_begin_offset = offset + i as i64;
    out
}

/// Whether the record matches `topic` and `key` (its UNIQ_KEY or one of its KEYS).
fn has_key(record: &Bytes, topic: &str, key: &str) -> bool {
    let Ok(m) = decode_record(record, DecodeOptions::SKIP_BODY) else {
        return false;
    };
    m.topic == topic
        && (m.property(property::UNIQ_KEY) == Some(key)
            || m.property(property::KEYS)
                .is_some_and(|ks| ks.split(' ').any(|k| k == key)))
}

pub(crate) fn query_by_key(
    shared: &StoreState,
    topic: &str,
    key: &str,
    max: usize,
    begin: i64,
    end: i64,
) -> QueryResult {
    let Some(index) = &shared.index else {
        return QueryResult::default();
    };
    let (offsets, ts, phy) = index.query(topic, key, max, begin, end);
    let mut messages = Vec::new();
    for phys in offsets {
        if messages.len() >= max {
            break;
        }
        if let Some(rec) = shared
            .log
            .record_at(phys)
            .filter(|r| has_key(r, topic, key))
        {
            messages.push(rec);
        }
    }
    QueryResult {
        messages,
        index_last_update_timestamp: ts,
        index_last_update_phy_offset: phy,
    }
}

/// Store time of the record an entry points to (`None` for fillers and deleted data).
fn entry_time(shared: &StoreState, cq: &ConsumeQueue, offset: i64) -> Option<i64> {
    let e = cq.entry(offset).filter(|e| !e.is_filler())?;
    shared.log.store_timestamp_at(e.phys_offset)
}

/// The first queue offset whose message was stored at or after `timestamp` (5.x
/// `BoundaryType.LOWER`); the max offset if none was.
pub(crate) fn offset_by_time(
    shared: &StoreState,
    topic: &str,
    queue_id: i32,
    timestamp: i64,
) -> i64 {
    let Some(cq) = shared.queues.get(topic, queue_id) else {
        return 0;
    };
    let (mut lo, mut hi) = (cq.min_offset(), cq.max_offset());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match entry_time(shared, &cq, mid) {
            Some(t) if t >= timestamp => hi = mid,
            _ => lo = mid + 1,
        }
    }
    lo
}

/// Store time of the message at the queue's min offset.
pub(crate) fn earliest_time_in_queue(
    shared: &StoreState,
    topic: &str,
    queue_id: i32,
) -> Option<i64> {
    let cq = shared.queues.get(topic, queue_id)?;
    (cq.min_offset()..cq.max_offset()).find_map(|o| entry_time(shared, &cq, o))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use bytes::BytesMut;
    use cometmq_remoting::message::{encode_record, RecordParts};

    use super::*;
    use crate::{MessageStore, StoreConfig};

    /// OFFSET_FOUND_NULL is reachable only when a ConsumeQueue file goes between the
    /// bounds check and the lookup: replay that interleaving with bounds read before a
    /// retention pass deletes the queue's first file.
    #[tokio::test]
    async fn offset_found_null_when_the_file_goes_under_a_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = StoreConfig::with_root(dir.path());
        c.mapped_file_size_commit_log = 64 * 1024;
        c.mapped_file_size_consume_queue = 100 * 20;
        c.max_hash_slot_num = 64;
        c.max_index_num = 256;
        let store = MessageStore::open(c).unwrap();
        let host = "10.0.0.1:5555".parse().unwrap();
        for _ in 0..250 {
            let mut buf = BytesMut::new();
            encode_record(&RecordParts::new("F", b"x", b"", host, host), &mut buf).unwrap();
            store.append(buf).await;
        }
        let mut rx = store.subscribe_dispatched();
        let end = store.max_phys_offset();
        rx.wait_for(|v| *v >= end).await.unwrap();
        let shared = store.shared();
        let cq = shared.queues.get("F", 0).unwrap();
        let bounds = (cq.min_offset(), cq.max_offset());
        assert_eq!(bounds, (0, 250));
        // Retention, after the CommitLog's min moved past the first file's entries.
        let first_of_second_file = cq.entry(100).unwrap().phys_offset;
        assert_eq!(cq.delete_below(first_of_second_file).unwrap(), 1);
        let r = read_queue(shared, &cq, 10, bounds, 32, &AcceptAll);
        assert_eq!(r.status, GetStatus::OffsetFoundNull);
        assert_eq!(r.next_begin_offset, 100, "the next file's first offset");
        assert!(r.messages.is_empty());
        // A fresh read sees the new bounds.
        let r = store.get_messages(None, "F", 0, 10, 32, &AcceptAll);
        assert_eq!(
            (r.status, r.next_begin_offset),
            (GetStatus::OffsetTooSmall, 100)
        );
        let r = store.get_messages(None, "F", 0, 100, 32, &AcceptAll);
        assert_eq!(r.status, GetStatus::Found);
    }
}
